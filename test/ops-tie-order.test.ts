/**
 * torch.topk and torch.sort return equal values in PyTorch 1.13.1's order, which its CPU
 * kernels get from libstdc++: topk from partial_sort (k * 64 <= n) or nth_element + sort, sort
 * from std::sort (std::stable_sort with `stable`). test/fixtures/tie_order.json, from
 * test/fixtures/gen_tie_order.py: rows of zeros, of three values, and with NaN.
 */
import { describe, expect, it } from "vitest";
import { torch } from "../src/index.js";
import { loadFixture } from "./backend-helpers.js";

interface TieCase {
  x: (number | null)[];
  k: number;
  largest: boolean;
  sorted: boolean;
  indices: number[];
}

const fixture = loadFixture<{
  torch: string;
  cases: TieCase[];
  sort_cases: { x: (number | null)[]; descending: boolean; stable: boolean; indices: number[] }[];
  dim_case: { x: number[][][]; k: number; dim: number; indices: number[][][]; values: number[][][]; sort_indices: number[][][] };
}>("tie_order.json");

const tensorOf = (x: (number | null)[]) => torch.tensor(x.map((v) => (v === null ? NaN : v)));

describe("order of ties in topk and sort, as PyTorch's", () => {
  it(`matches all ${fixture.cases.length} rows`, () => {
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const got = tensorOf(c.x).topk(c.k, { largest: c.largest, sorted: c.sorted }).indices.tolist() as number[];
      if (JSON.stringify(got) !== JSON.stringify(c.indices)) wrong.push(`n=${c.x.length} k=${c.k} largest=${c.largest} sorted=${c.sorted}: ${JSON.stringify(got)} vs ${JSON.stringify(c.indices)}`);
    }
    expect(wrong).toEqual([]);
    expect(fixture.cases.length).toBeGreaterThan(500);
  });

  it(`sort matches all ${fixture.sort_cases.length} rows, stable or not, ascending or descending`, () => {
    const wrong: string[] = [];
    for (const c of fixture.sort_cases) {
      const got = tensorOf(c.x).sort({ descending: c.descending, stable: c.stable }).indices.tolist() as number[];
      if (JSON.stringify(got) !== JSON.stringify(c.indices)) wrong.push(`n=${c.x.length} descending=${c.descending} stable=${c.stable}`);
    }
    expect(wrong).toEqual([]);
  });

  it("along a middle dimension of a 3-D tensor", () => {
    const c = fixture.dim_case;
    const { values, indices } = torch.tensor(c.x).topk(c.k, c.dim);
    expect(indices.tolist()).toEqual(c.indices);
    expect(values.tolist()).toEqual(c.values);
    expect(torch.tensor(c.x).sort(c.dim).indices.tolist()).toEqual(c.sort_indices);
  });
});
