/**
 * torch.cat copies contiguous inputs block by block (one copy per index of the dims before `dim`) and
 * strided ones element by element: both must give the same tensor, whatever the offset, the dim, the
 * dtype, or a size-1 dimension with an unusual stride.
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";

/** Element-by-element concatenation from nested arrays: the reference. */
function reference(parts: unknown[], dim: number): unknown {
  if (dim === 0) return (parts as unknown[][]).flat(1);
  return (parts[0] as unknown[]).map((_, i) => reference((parts as unknown[][]).map((p) => p[i]), dim - 1));
}

describe("torch.cat on contiguous blocks", () => {
  it("matches the element-wise concatenation along every dim, for views with offsets and several dtypes", () => {
    for (const dtype of [torch.float32, torch.float64, torch.int64, torch.bool]) {
      const base = torch.arange(0, 2 * 5 * 3 * 4).reshape([2, 5, 3, 4]);
      const a = base.to(dtype);
      for (let dim = 0; dim < 4; dim++) {
        // b: a view with an offset (contiguous along dim 0, strided otherwise), c: its contiguous copy,
        // e: a strided (expanded) tensor
        const b = a.narrow(dim, 1, 1);
        const c = b.contiguous();
        const e = a.narrow(dim, 0, 1).narrow(dim === 0 ? 1 : 0, 0, 1).expand(b.shape);
        const got = torch.cat([a, b, c, e], dim);
        expect(got.tolist(), `${String(dtype)} dim ${dim}`).toEqual(reference([a.tolist(), b.tolist(), c.tolist(), e.tolist()], dim));
      }
    }
  });

  it("copies a channel slice of an NCHW batch (offset view, contiguous) into the right planes", () => {
    const x = torch.arange(0, 2 * 4 * 2 * 2).reshape([2, 4, 2, 2]).to(torch.float32);
    const tail = x.narrow(0, 1, 1); // contiguous, offset 16
    const got = torch.cat([tail, tail.mul(2)], 1);
    expect(got.shape).toEqual([1, 8, 2, 2]);
    expect(got.tolist()).toEqual([[...(tail.tolist() as number[][][][])[0]!, ...(tail.mul(2).tolist() as number[][][][])[0]!]]);
  });
});
