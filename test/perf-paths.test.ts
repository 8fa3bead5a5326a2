/**
 * The shortcuts taken for speed keep behaviour: F.linear's bias rows (every bias layout gives the
 * broadcast result), max pooling without the int64 indices tensor (its gradient still flows through
 * the kernel's indices), and the allocation-free argument checks of sgemm and conv2d (same errors).
 */
import { describe, expect, it } from "vitest";
import { F, TsorchError, torch, type Tensor } from "../src/index.js";
import { sgemm } from "../src/backend/cpu/gemm.js";
import { conv2dGeometry } from "../src/shape/conv-pool.js";

function values(t: Tensor): number[] {
  return Array.from(t.contiguous().double()._contiguousData());
}

function expectClose(a: Tensor, b: Tensor): void {
  expect([...a.shape]).toEqual([...b.shape]);
  const x = values(a);
  const y = values(b);
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[i]!))));
}

describe("F.linear bias rows", () => {
  torch.manual_seed(0);
  const x = torch.randn(3, 4);
  const w = torch.randn(5, 4);
  const reference = (b: Tensor) => x.matmul(w.t()).add(b);

  it("a contiguous vector, a strided view, a broadcast [1] bias and a 2-D bias agree with x W^T + b", () => {
    const b = torch.randn(5);
    expectClose(F.linear(x, w, b), reference(b));
    const strided = torch.randn(10).as_strided([5], [2]);
    expect(strided.is_contiguous()).toBe(false);
    expectClose(F.linear(x, w, strided), reference(strided));
    const one = torch.randn(1);
    expectClose(F.linear(x, w, one), reference(one));
    const row = torch.randn(1, 5);
    expectClose(F.linear(x, w, row), reference(row));
    const offset = torch.randn(8).narrow(0, 3, 5);
    expectClose(F.linear(x, w, offset), reference(offset));
  });

  it("batch 1 and a float64 layer give the same values and gradients", () => {
    const b = torch.randn(5);
    const x1 = torch.randn(1, 4);
    expectClose(F.linear(x1, w, b), x1.matmul(w.t()).add(b));
    const xd = x.double().requires_grad_(true);
    const wd = w.double().requires_grad_(true);
    const bd = b.double().requires_grad_(true);
    const y = F.linear(xd, wd, bd);
    expect(y.dtype).toBe(torch.float64);
    expect(y.grad_fn!.name).toBe("AddmmBackward0");
    y.sum().backward();
    expectClose(bd.grad!, torch.full([5], 3, { dtype: torch.float64 }));
  });

  it("a bias of the wrong size still raises PyTorch's error", () => {
    expect(() => F.linear(x, w, torch.randn(4))).toThrow(
      "The expanded size of the tensor (5) must match the existing size (4) at non-singleton dimension 1.  Target sizes: [3, 5].  Tensor sizes: [4]");
  });
});

describe("max pooling without indices", () => {
  it("returns the output alone, its gradient routed through the kernel's indices", () => {
    const x = torch.randn(2, 3, 6, 6).requires_grad_(true);
    const y = F.max_pool2d(x, 2);
    expect(Array.isArray(y)).toBe(false);
    const [y2, idx] = F.max_pool2d(x.detach(), 2, { return_indices: true });
    expectClose(y.detach(), y2);
    expect(idx.dtype).toBe(torch.int64);
    y.sum().backward();
    // Each window's maximum gets gradient 1: the gradient sums to the number of windows.
    expect(x.grad!.sum().item()).toBe(2 * 3 * 3 * 3);
    // The positions with gradient are exactly the returned indices.
    const flatGrad = x.grad!.reshape([6, 36]);
    const flatIdx = idx.reshape([6, 9]);
    for (let p = 0; p < 6; p++) {
      const hot = (flatGrad.select(0, p).tolist() as number[]).flatMap((v, i) => (v > 0 ? [i] : []));
      expect(hot).toEqual([...(flatIdx.select(0, p).tolist() as number[])].sort((a, b) => a - b));
    }
  });

  it("meta inputs give the output shape, and the indices shape when asked", () => {
    const m = torch.empty(1, 6, 28, 28, { device: "meta" });
    expect(F.max_pool2d(m, 2).shape).toEqual([1, 6, 14, 14]);
    const [o, i] = F.max_pool2d(m, 2, { return_indices: true });
    expect([o.device, i.device, i.dtype]).toEqual(["meta", "meta", torch.int64]);
    expect(F.max_pool2d(torch.empty(6, 28, 28, { device: "meta" }), 2).shape).toEqual([6, 14, 14]);
  });
});

describe("argument checks without per-call allocation", () => {
  it("sgemm refuses bad sizes with the same messages", () => {
    const a = new Float32Array(4);
    for (const [M, N, K, name] of [[-1, 1, 1, "M"], [1, 1.5, 1, "N"], [1, 1, NaN, "K"]] as const) {
      let err: unknown;
      try {
        sgemm(false, false, M, N, K, 1, a, 0, 2, a, 0, 2, 0, a, 0, 2);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsorchError);
      expect((err as Error).message).toBe(`sgemm: ${name} must be a non-negative integer, but got ${name === "M" ? M : name === "N" ? N : K}`);
    }
  });

  it("conv2d geometry errors still name the weight's size", () => {
    expect(() => conv2dGeometry([1, 3, 8, 8], [6, 1, 5, 5])).toThrow(
      "Given groups=1, weight of size [6, 1, 5, 5], expected input[1, 3, 8, 8] to have 1 channels, but got 3 channels instead");
    expect(() => conv2dGeometry([1, 4, 8, 8], [6, 2, 3, 3], { groups: 4 })).toThrow(
      "Given groups=4, expected weight to be divisible by 4 at dimension 0, but got weight of size [[6, 2, 3, 3]] instead");
    expect(() => conv2dGeometry([1, 1, 8, 8], [6, 1, 3, 3], { stride: [1.5, 1] })).toThrow(
      "conv2d(): argument 'stride' must be tuple of ints, but found element of type float at pos 1");
    expect(conv2dGeometry([1, 1, 32, 32], [6, 1, 5, 5], { stride: [1, 1], padding: 0 }).outH).toBe(28);
  });
});
