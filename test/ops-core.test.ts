/**
 * The op API beyond the PyTorch fixtures: functions and methods agree,
 * numbers work on either side, results of reductions destructure, output
 * layouts follow the inputs, errors are typed values carrying the shapes,
 * and the element-wise kernels handle every layout (contiguous, broadcast,
 * transposed, sliced, 0-d, empty).
 */
import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import * as torch from "../src/torch.js";
import { Tensor } from "../src/tensor/tensor.js";
import { ShapeError, TsorchError } from "../src/errors.js";
import { broadcastShapes } from "../src/ops/broadcast.js";
import { iterationPermutation } from "../src/ops/tensor-iterator.js";

const f32 = (data: number[] | number[][]) => torch.tensor(data, { dtype: torch.float32 });

describe("functions, methods and scalars", () => {
  it("methods and torch functions give the same results", () => {
    const x = f32([[1, -2, 3], [-4, 5, -6]]);
    const y = f32([0.5, 2, -1]);
    expect(x.add(y).tolist()).toEqual(torch.add(x, y).tolist());
    expect(x.mul(y).tolist()).toEqual(torch.mul(x, y).tolist());
    expect(x.abs().sum(1).tolist()).toEqual(torch.sum(torch.abs(x), 1).tolist());
    expect(x.relu().tolist()).toEqual(torch.relu(x).tolist());
    expect(x.clamp(-1, 1).tolist()).toEqual(torch.clip(x, -1, 1).tolist());
  });

  it("takes numbers on either side like Python scalars", () => {
    const i = torch.tensor([1, 2, 3]);
    expect(i.add(0.5).dtype).toBe(torch.float32);
    expect(i.mul(2).dtype).toBe(torch.int64);
    expect(torch.sub(10, i).tolist()).toEqual([9, 8, 7]);
    expect(torch.rsub(i, 10).tolist()).toEqual([9, 8, 7]);
    expect(torch.div(6, i).tolist()).toEqual([6, 3, 2]);
    expect(torch.pow(2, i).tolist()).toEqual([2, 4, 8]);
    expect(i.div(2).tolist()).toEqual([0.5, 1, 1.5]);
    expect(i.eq(2).tolist()).toEqual([false, true, false]);
    expect(() => torch.add(1, 2)).toThrow("add(): argument 'input' (position 1) must be Tensor, not int");
  });

  it("keeps float32 arithmetic bit-exact", () => {
    const a = f32([0.1, 1 / 3, 1e-8, 3e38]);
    const b = f32([0.2, 3, 1, 2]);
    const want = (f: (x: number, y: number) => number) => [0, 1, 2, 3].map((k) => Math.fround(f(Math.fround(a.toFlatArray()[k]!), Math.fround(b.toFlatArray()[k]!))));
    expect(Array.from(a.add(b).toFlatArray())).toEqual(want((x, y) => x + y));
    expect(Array.from(a.mul(b).toFlatArray())).toEqual(want((x, y) => x * y));
    expect(Array.from(a.div(b).toFlatArray())).toEqual(want((x, y) => x / y));
    expect(Array.from(a.mul(0.1).toFlatArray())).toEqual(Array.from(a.toFlatArray(), (v) => Math.fround(v * Math.fround(0.1))));
  });

  it("destructures max/min/sort results and prints them like PyTorch", () => {
    const x = f32([[1, 5], [4, 2]]);
    const [values, indices] = x.max(1);
    expect(values!.tolist()).toEqual([5, 4]);
    expect(indices!.tolist()).toEqual([1, 0]);
    const r = x.min(0, true);
    expect(r.values.shape).toEqual([1, 2]);
    expect(r[1].dtype).toBe(torch.int64);
    expect(String(r)).toBe("torch.return_types.min(\nvalues=tensor([[1., 2.]]),\nindices=tensor([[0, 1]]))");
    expect(inspect(x.sort(1, true))).toContain("torch.return_types.sort(");
    expect(x.max(f32([[3], [3]])).tolist()).toEqual([[3, 5], [4, 3]]);
  });

  it("accepts dims as numbers, lists and options", () => {
    const x = torch.ones(2, 3, 4);
    expect(x.sum(1).shape).toEqual([2, 4]);
    expect(x.sum([0, 2]).tolist()).toEqual([8, 8, 8]);
    expect(x.sum({ dim: -1, keepdim: true }).shape).toEqual([2, 3, 1]);
    expect(x.mean([0, 1, 2]).item()).toBe(1);
    expect(x.var(1, { unbiased: false }).shape).toEqual([2, 4]);
    expect(x.std({ dim: [1, 2], keepdim: true }).shape).toEqual([2, 1, 1]);
  });
});

describe("broadcasting and layout", () => {
  it("names both sizes and the output dimension on mismatch, with the shapes attached", () => {
    let err: unknown;
    try {
      torch.zeros(2, 3).add(torch.zeros(4));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    const e = err as ShapeError;
    expect(e.message).toBe("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
    expect(e.name).toBe("RuntimeError");
    expect(e.shapes).toEqual({ a: [2, 3], b: [4] });
    expect(broadcastShapes([[5, 1, 3], [4, 1], [1]], "x")).toEqual([5, 4, 3]);
    expect([...torch.broadcast_shapes([2, 1], [3])]).toEqual([2, 3]);
    expect(() => torch.broadcast_shapes([2, 3], [4])).toThrow("Shape mismatch: objects cannot be broadcast to a single shape");
  });

  it("lays out results like their inputs (PyTorch's TensorIterator)", () => {
    const a = torch.zeros(3, 4).t();
    expect(a.add(1).stride()).toEqual([1, 4]);
    expect(a.add(torch.zeros(4, 3)).stride()).toEqual([1, 4]);
    expect(torch.zeros(4, 3).add(a).stride()).toEqual([3, 1]);
    const b = torch.zeros(2, 3, 4).permute(2, 0, 1);
    expect(b.mul(2).stride()).toEqual([1, 12, 4]);
    expect(iterationPermutation([2, 3], [[3, 1]])).toEqual([1, 0]);
  });

  it("computes through every layout: broadcast rows and columns, slices, steps, 0-d, empty", () => {
    const x = torch.arange(24, { dtype: torch.float32 }).view(2, 3, 4);
    const row = torch.arange(4, { dtype: torch.float32 });
    const col = torch.arange(3, { dtype: torch.float32 }).view(3, 1);
    const ref = (f: (i: number, j: number, k: number) => number) =>
      [0, 1].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].map((k) => f(i, j, k))));
    expect(x.add(row).tolist()).toEqual(ref((i, j, k) => 12 * i + 4 * j + k + k));
    expect(x.mul(col).tolist()).toEqual(ref((i, j, k) => (12 * i + 4 * j + k) * j));
    expect(x.index(":", ":", "::2").sub(1).tolist()).toEqual([0, 1].map((i) => [0, 1, 2].map((j) => [0, 2].map((k) => 12 * i + 4 * j + k - 1))));
    expect(x.transpose(0, 2).add(x.transpose(0, 2)).sum().item()).toBe(2 * 276);
    expect(torch.tensor(3).mul(torch.tensor(4)).item()).toBe(12);
    expect(torch.zeros(0, 3).add(torch.ones(3)).shape).toEqual([0, 3]);
  });

  it("writes in-place results through the destination's strides", () => {
    const x = torch.zeros(4, 3);
    x.t().add_(torch.arange(4, { dtype: torch.float32 }));
    expect(x.tolist()).toEqual([[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]);
    expect(() => torch.zeros(3).add_(torch.zeros(2, 3))).toThrow("output with shape [3] doesn't match the broadcast shape [2, 3]");
  });
});

describe("reductions and matrix products", () => {
  it("sums integers and bools to int64", () => {
    expect(torch.tensor([true, true, false]).sum().item()).toBe(2);
    expect(torch.tensor([true, true, false]).sum().dtype).toBe(torch.int64);
    expect(torch.tensor([1, 2], { dtype: torch.int32 }).prod().dtype).toBe(torch.int64);
  });

  it("multiplies in every matmul case with PyTorch's shapes and errors", () => {
    const cases: [number[], number[], number[]][] = [
      [[3], [3], []], [[2, 3], [3], [2]], [[3], [3, 4], [4]], [[2, 3], [3, 4], [2, 4]],
      [[5, 2, 3], [3], [5, 2]], [[5, 2, 3], [3, 4], [5, 2, 4]], [[3], [5, 3, 4], [5, 4]],
      [[2, 3], [5, 3, 4], [5, 2, 4]], [[2, 1, 2, 3], [5, 3, 4], [2, 5, 2, 4]],
    ];
    for (const [a, b, out] of cases) expect([...torch.matmul(torch.ones(a), torch.ones(b)).shape]).toEqual(out);
    expect(() => torch.matmul(torch.ones(1, 2704), torch.ones(400, 120))).toThrow("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    try {
      torch.mm(torch.ones(1, 2704), torch.ones(400, 120));
    } catch (e) {
      expect((e as ShapeError).expected).toEqual({ in_features: 400 });
      expect((e as ShapeError).got).toEqual({ in_features: 2704 });
    }
  });

  it("computes integer and float64 products exactly", () => {
    const a = torch.tensor([[1, 2], [3, 4]]);
    expect(a.matmul(a).tolist()).toEqual([[7, 10], [15, 22]]);
    expect(a.double().mm(a.double().t()).tolist()).toEqual([[5, 11], [11, 25]]);
  });

  it("softmax is stable for large logits and sums to one", () => {
    const s = f32([[1000, 1001, 1002]]).softmax(1);
    expect(s.sum().item()).toBeCloseTo(1, 6);
    expect(f32([[-1e30, 0]]).log_softmax(1).tolist()).toEqual([[Math.fround(-1e30), 0]]);
  });
});

describe("errors are typed values", () => {
  it("uses the Python exception names", () => {
    const cases: [() => unknown, string][] = [
      [() => torch.zeros(2).sum(3), "IndexError"],
      [() => torch.zeros(2).add(torch.zeros(3)), "RuntimeError"],
      [() => torch.add(torch.zeros(2), "a" as never), "TypeError"],
      [() => torch.tensor([1]).mean(), "RuntimeError"],
    ];
    for (const [f, name] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsorchError);
      expect((err as Error).name).toBe(name);
    }
  });

  it("never hangs or crashes on empty inputs", () => {
    const e = torch.zeros(0);
    expect(e.sum().item()).toBe(0);
    expect(e.mean().item()).toBeNaN();
    expect(e.softmax(0).shape).toEqual([0]);
    expect(torch.cat([e, e]).shape).toEqual([0]);
    expect(e.sort().values.shape).toEqual([0]);
    expect(torch.zeros(0, 3).max(1).values.shape).toEqual([0]);
    expect(Tensor).toBeDefined();
  });
});

describe("less common ops", () => {
  it("combines int64 bits beyond 32 bits exactly", () => {
    const av = [2 ** 40 + 5, -(2 ** 35) - 1, 7];
    const bv = [2 ** 40 + 3, 2 ** 36 - 1, -2];
    const ref = (f: (x: bigint, y: bigint) => bigint) => av.map((x, i) => Number(BigInt.asIntN(64, f(BigInt(x), BigInt(bv[i]!)))));
    const a = torch.tensor(av);
    const b = torch.tensor(bv);
    expect(a.bitwise_and(b).tolist()).toEqual(ref((x, y) => x & y));
    expect(a.bitwise_or(b).tolist()).toEqual(ref((x, y) => x | y));
    expect(a.bitwise_xor(b).tolist()).toEqual(ref((x, y) => x ^ y));
    expect(a.bitwise_not().tolist()).toEqual(av.map((x) => -x - 1));
  });

  it("nan-aware reductions, counting and moving dims", () => {
    const x = torch.tensor([[1, NaN, 3], [NaN, NaN, 6]]);
    expect(x.nansum().item()).toBe(10);
    expect(x.nanmean(1).tolist()).toEqual([2, 6]);
    expect(torch.count_nonzero(torch.tensor([[0, 1], [2, 0]]), 0).tolist()).toEqual([1, 1]);
    expect(torch.zeros(2, 3, 4).movedim(0, -1).shape).toEqual([3, 4, 2]);
    expect(torch.arange(4).view(2, 2).rot90().tolist()).toEqual([[1, 3], [0, 2]]);
    expect(torch.column_stack([torch.tensor([1, 2]), torch.tensor([3, 4])]).tolist()).toEqual([[1, 3], [2, 4]]);
    expect(torch.dstack([torch.tensor([1, 2]), torch.tensor([3, 4])]).shape).toEqual([1, 2, 2]);
    expect(torch.take_along_dim(torch.tensor([[10, 30, 20]]), torch.tensor([[1, 0]]), 1).tolist()).toEqual([[30, 10]]);
  });

  it("unique with inverse and counts", () => {
    const [values, inverse, counts] = torch.unique(torch.tensor([3, 1, 3, 2]), { return_inverse: true, return_counts: true }) as torch.Tensor[];
    expect(values!.tolist()).toEqual([1, 2, 3]);
    expect(inverse!.tolist()).toEqual([2, 0, 2, 1]);
    expect(counts!.tolist()).toEqual([1, 1, 2]);
  });
});

describe("fused backward kernels", () => {
  it("relu's backward blocks NaN and infinite gradients where the input was negative, like threshold_backward", () => {
    const x = torch.tensor([-1, 2, -3, 4], { dtype: torch.float32 }).requires_grad_();
    const y = x.relu();
    y.backward(torch.tensor([NaN, NaN, Infinity, -Infinity], { dtype: torch.float32 }));
    expect(x.grad!.tolist()).toEqual([0, NaN, 0, -Infinity]);
    const z = torch.tensor([-0.5, 0.5], { dtype: torch.float32 }).requires_grad_();
    z.relu().backward(torch.tensor([-1, -1], { dtype: torch.float32 }));
    expect(Object.is((z.grad!.tolist() as number[])[0], 0)).toBe(true);
  });
});
