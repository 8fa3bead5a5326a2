/**
 * What the OpInfo fixtures do not check for torch.special, torch.fft and the
 * spectral linalg functions: gradients (finite differences against the
 * recorded backward, in float64), round trips, and the layout of complex
 * results. Values themselves are checked against PyTorch in opinfo.test.ts.
 */
import { describe, expect, it } from "vitest";
import { torch } from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

const f64 = (data: number[], shape: number[]) => torch.tensor(data, { dtype: torch.float64 }).reshape(shape).requires_grad_(true);
const close = (a: Tensor, b: Tensor, tol = 1e-6) => expect(a.sub(b).abs().max().item()).toBeLessThan(tol);

describe("gradients of the new ops (gradcheck, float64)", () => {
  const x = () => f64([0.3, 1.7, 2.9, 4.2], [4]);
  it.each([
    ["lgamma", (t: Tensor) => torch.lgamma(t)],
    ["digamma", (t: Tensor) => torch.digamma(t)],
    ["polygamma(2)", (t: Tensor) => torch.polygamma(2, t)],
    ["mvlgamma(p=2)", (t: Tensor) => torch.mvlgamma(t.add(1), 2)],
    ["erfinv", (t: Tensor) => torch.erfinv(t.div(5))],
    ["i0", (t: Tensor) => torch.i0(t)],
    ["special.i1e", (t: Tensor) => torch.special.i1e(t)],
    ["special.ndtri", (t: Tensor) => torch.special.ndtri(t.div(5))],
    ["special.log_ndtr", (t: Tensor) => torch.special.log_ndtr(t.neg())],
    ["special.erfcx", (t: Tensor) => torch.special.erfcx(t)],
    ["special.entr", (t: Tensor) => torch.special.entr(t)],
    ["sinc", (t: Tensor) => torch.sinc(t)],
    ["logit", (t: Tensor) => torch.logit(t.div(5))],
    ["xlogy", (t: Tensor) => torch.xlogy(t, t.add(1))],
    ["copysign", (t: Tensor) => torch.copysign(t, t.sub(2))],
    ["logaddexp2", (t: Tensor) => torch.logaddexp2(t, t.flip(0))],
    ["cumulative_trapezoid", (t: Tensor) => torch.cumulative_trapezoid(t)],
    ["fftshift", (t: Tensor) => torch.fft.fftshift(t)],
  ])("%s", (_name, fn) => {
    expect(torch.autograd.gradcheck(fn as (t: Tensor) => Tensor, [x()])).toBe(true);
  });

  it("linalg.cholesky, lower and upper", () => {
    const B = torch.tensor([[1.2, 0.3, -0.5], [0.1, 0.9, 0.4], [-0.2, 0.6, 1.1]], { dtype: torch.float64 });
    const A = B.matmul(B.mT).add(torch.eye(3, { dtype: torch.float64 })).requires_grad_(true);
    // The gradient is taken on the symmetric input, as PyTorch's formula assumes.
    const sym = (a: Tensor) => a.add(a.mT).div(2);
    expect(torch.autograd.gradcheck((a: Tensor) => torch.linalg.cholesky(sym(a)), [A])).toBe(true);
    expect(torch.autograd.gradcheck((a: Tensor) => torch.linalg.cholesky(sym(a), { upper: true }), [A])).toBe(true);
  });

  it("the scatter family writes src where the view is and keeps its gradient", () => {
    const base = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const src = f64([10, 20, 30], [3]);
    expect(torch.autograd.gradcheck((a: Tensor, s: Tensor) => torch.diagonal_scatter(a, s), [base, src])).toBe(true);
    expect(torch.diagonal_scatter(base, src).diagonal().tolist()).toEqual([10, 20, 30]);
  });
});

describe("torch.fft", () => {
  it("returns complex tensors, whose view_as_real holds (real, imaginary) pairs", () => {
    const y = torch.fft.fft(torch.tensor([1, 2, 3, 4]).float());
    expect(y.dtype).toBe(torch.complex64);
    expect([...y.shape]).toEqual([4]);
    close(torch.view_as_real(y), torch.tensor([[10, 0], [-2, 2], [-2, 0], [-2, -2]]), 1e-5);
  });
  it("keeps Parseval's identity under each norm", () => {
    const x = torch.tensor([0.5, -1, 2, 3, -0.25, 1.5], { dtype: torch.float64 });
    const energy = x.pow(2).sum().item() as number;
    const scale = { backward: 6, ortho: 1, forward: 1 / 6 } as const;
    for (const norm of ["backward", "ortho", "forward"] as const) {
      const X = torch.fft.fft(x, { norm });
      expect((X.abs().pow(2).sum().item() as number) / scale[norm]).toBeCloseTo(energy, 10);
    }
  });
  it("irfft of a real half spectrum is the real signal with that cosine content", () => {
    // A spectrum [0, 4, 0] of length n = 4 is 2 cos(2 pi k / 4): [2, 0, -2, 0].
    close(torch.fft.irfft(torch.tensor([0, 4, 0], { dtype: torch.float64 }), { n: 4 }), torch.tensor([2, 0, -2, 0], { dtype: torch.float64 }), 1e-12);
  });
  it("refuses a 0-d input with PyTorch's message", () => {
    expect(() => torch.fft.fft(torch.tensor(1.0))).toThrow("Dimension specified as -1 but tensor has no dimensions");
  });
});

describe("spectral linalg", () => {
  const A = torch.tensor([[4, 1, 2], [1, 3, 0], [2, 0, 5]], { dtype: torch.float64 });
  it("svdvals and eigvalsh agree on a symmetric positive-definite matrix", () => {
    close(torch.linalg.svdvals(A), torch.linalg.eigvalsh(A).flip(0), 1e-12);
  });
  it("pinv is the inverse of an invertible matrix and the nuclear norm sums the singular values", () => {
    close(torch.linalg.pinv(A), torch.linalg.inv(A), 1e-12);
    close(torch.norm(A, "nuc"), torch.linalg.svdvals(A).sum(), 1e-12);
    expect(torch.linalg.matrix_rank(torch.ones(3, 3)).item()).toBe(1);
  });
});
