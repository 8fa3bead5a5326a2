/**
 * F.linear, addmm, mm, bmm, matmul and F.interpolate compute float64 tensors in double, as PyTorch
 * does: the float64 `gemm` and `upsample_*` kernels, the `F` and `torch` ops against PyTorch 1.13.1 in
 * torch.float64 (test/fixtures/float64-linear.json, made by gen_float64_linear.py) to 1e-12 of each
 * array's magnitude, with float64 outputs and gradients and PyTorch's grad_fn names; and
 * `torch.autograd.gradcheck` passes through a small float64 LeNet and through bilinear resizing
 * (and fails when the products are rounded to float32).
 */
import { afterEach, describe, expect, it } from "vitest";
import { F, nn, torch, Tensor } from "../src/index.js";
import { ArgumentError, DTypeError } from "../src/errors.js";
import { getKernel, registerKernel, resetKernel, type GemmKernel } from "../src/backend/registry.js";
// DGEMM is the one GEMM (gemm.ts) fed Float64Arrays.
import { sgemm as dgemm } from "../src/backend/cpu/gemm.js";
import { upsampleBilinear2dBackwardF64, upsampleBilinear2dF64 } from "../src/backend/cpu/interpolate-f64.js";
import { upsample2dGeometry } from "../src/shape/conv-pool.js";
import { compare, f64, loadFixture, rng, type Encoded } from "./backend-helpers.js";

/** Tolerance relative to the magnitude of the expected array. */
const TOL = 1e-12;

type Layout = "contig" | "t" | "step";

interface OperandSpec {
  layout: Layout;
  base: Encoded;
  grad: Encoded;
}

interface MatmulCase {
  op: "linear" | "addmm" | "mm" | "bmm" | "matmul";
  kwargs: { beta?: number; alpha?: number };
  operands: (OperandSpec | null)[];
  y: Encoded;
  gy: Encoded;
  grad_fn: string;
}

interface InterpCase {
  args: {
    size?: number | number[];
    scale_factor?: number | number[];
    mode: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "area";
    align_corners?: boolean;
    recompute_scale_factor?: boolean;
    antialias?: boolean;
  };
  x: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  grad_fn: string;
}

const fixture = loadFixture<{ torch: string; dtype: string; matmul: MatmulCase[]; interpolate: InterpCase[] }>(
  "float64-linear.json");

/** A float64 tensor of a fixture array. */
function tensorOf(e: Encoded, requiresGrad = false): Tensor {
  const t = Tensor._fromData(f64(e), e.shape, torch.float64);
  return requiresGrad ? t.requires_grad_() : t;
}

/** The view of a leaf the generator handed to the op. */
function applyLayout(base: Tensor, layout: Layout): Tensor {
  if (layout === "t") return base.transpose(-2, -1);
  if (layout === "step") return base.index("...", { step: 2 });
  return base;
}

/** Asserts `got` equals `expected` to `TOL` of the expected array's magnitude (and NaN/inf exactly). */
function expectClose(got: ArrayLike<number>, expected: ArrayLike<number>, what: string): number {
  const r = compare(got, expected, 0, TOL);
  expect(r.mismatches, `${what}: NaN/inf or length mismatch`).toBe(0);
  expect(r.worst, `${what}: error ${r.relToMax} of the magnitude at ${r.index}`).toBeLessThanOrEqual(1);
  return r.relToMax;
}

function expectF64(t: Tensor | null, what: string): Tensor {
  expect(t, what).not.toBeNull();
  expect(t!.dtype, `${what} dtype`).toBe(torch.float64);
  return t!;
}

function runMatmul(c: MatmulCase, ops: (Tensor | null)[]): Tensor {
  const [a, b, d] = ops;
  switch (c.op) {
    case "linear":
      return F.linear(a!, b!, d);
    case "addmm":
      return torch.addmm(a!, b!, d!, c.kwargs);
    case "mm":
      return torch.mm(a!, b!);
    case "bmm":
      return torch.bmm(a!, b!);
    case "matmul":
      return torch.matmul(a!, b!);
  }
}

function label(c: MatmulCase, i: number): string {
  const ops = c.operands.map((o) => (o ? `${JSON.stringify(o.base.shape)}:${o.layout}` : "None"));
  return `matmul case ${i}: ${c.op}(${ops.join(", ")}) ${JSON.stringify(c.kwargs)}`;
}

afterEach(() => resetKernel());

describe("float64 linear fixture", () => {
  it("comes from PyTorch 1.13 in float64 and covers every path", () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(fixture.dtype).toBe("float64");
    const m = fixture.matmul;
    expect(m.length).toBeGreaterThanOrEqual(30);
    const linear = m.filter((c) => c.op === "linear");
    expect(linear.length).toBeGreaterThanOrEqual(15);
    expect(linear.some((c) => c.operands[2] === null)).toBe(true);
    expect(linear.some((c) => c.operands[2] !== null)).toBe(true);
    expect(linear.some((c) => c.operands[0]!.base.shape.length === 3)).toBe(true);
    expect(linear.some((c) => c.operands[0]!.base.shape.length === 4)).toBe(true);
    expect(linear.some((c) => c.operands[0]!.base.shape.length === 1)).toBe(true);
    for (const layout of ["t", "step"] as const) {
      for (const k of [0, 1]) expect(linear.some((c) => c.operands[k]!.layout === layout), `${layout} ${k}`).toBe(true);
    }
    expect(new Set(m.map((c) => c.op))).toEqual(new Set(["linear", "addmm", "mm", "bmm", "matmul"]));
    expect(new Set(linear.map((c) => c.grad_fn))).toEqual(
      new Set(["AddmmBackward0", "MmBackward0", "AddBackward0", "SqueezeBackward3", "MvBackward0", "ViewBackward0", "UnsafeViewBackward0"]));
    const interp = fixture.interpolate;
    expect(interp.length).toBeGreaterThanOrEqual(20);
    for (const mode of ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "area"]) {
      expect(interp.some((c) => c.args.mode === mode), mode).toBe(true);
    }
    for (const ac of [true, false]) {
      expect(interp.some((c) => c.args.mode === "bilinear" && c.args.align_corners === ac && !c.args.antialias)).toBe(true);
      expect(interp.some((c) => c.args.mode === "bicubic" && c.args.align_corners === ac)).toBe(true);
    }
    expect(interp.some((c) => c.args.antialias && c.args.mode === "bilinear")).toBe(true);
    expect(interp.some((c) => c.args.antialias && c.args.mode === "bicubic")).toBe(true);
    expect(interp.some((c) => c.args.recompute_scale_factor)).toBe(true);
  });
});

describe("dgemm", () => {
  /** The definition, one product at a time. */
  function reference(
    tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number,
    beta: number, C: Float64Array, cOff: number, ldc: number,
  ): Float64Array {
    const out = Float64Array.from(C);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += A[aOff + (tA ? k * lda + i : i * lda + k)]! * B[bOff + (tB ? j * ldb + k : k * ldb + j)]!;
        }
        const c = cOff + i * ldc + j;
        out[c] = alpha * s + (beta === 0 ? 0 : beta * C[c]!);
      }
    }
    return out;
  }

  it("matches the defining sums for every transpose, offsets, padded leading dimensions, alpha and beta", () => {
    const next = rng(64);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const data = (n: number) => Float64Array.from({ length: n }, () => next() * 2 - 1);
    const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [1, 120, 400], [9, 300, 5], [17, 3, 260], [5, 270, 131], [0, 3, 4], [3, 4, 0]];
    for (let r = 0; r < 30; r++) sizes.push([int(1, 12), int(1, 12), int(1, 12)]);
    for (const [M, N, K] of sizes) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const [aOff, bOff, cOff] = [int(0, 3), int(0, 3), int(0, 3)];
          const lda = (tA ? M : K) + int(0, 2), ldb = (tB ? K : N) + int(0, 2), ldc = N + int(0, 2);
          const A = data(aOff + (tA ? K : M) * lda), B = data(bOff + (tB ? N : K) * ldb), C = data(cOff + M * ldc);
          const alpha = [1, -0.5, 2.25][int(0, 2)]!, beta = [0, 1, 0.75][int(0, 2)]!;
          const want = reference(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
          dgemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
          expectClose(C, want, `dgemm ${M}x${N}x${K} tA=${tA} tB=${tB} alpha=${alpha} beta=${beta}`);
        }
      }
    }
  });

  it("beta = 0 overwrites C, NaN included, and leaves the padding between rows alone", () => {
    const A = new Float64Array([1, 2, 3, 4]);
    const B = new Float64Array([1, 0, 0, 1]);
    const C = new Float64Array([NaN, NaN, 42, NaN, NaN]);
    dgemm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 3);
    expect([...C]).toEqual([1, 2, 42, 3, 4]);
  });

  it("refuses bad sizes and matrices that do not fit with typed errors", () => {
    const a = new Float64Array(6);
    expect(() => dgemm(false, false, 2, 2, 3, 1, a, 0, 3, a, 0, 2, 0, new Float64Array(3), 0, 2)).toThrow(ArgumentError);
    expect(() => dgemm(false, false, 2, 2, 3, 1, a, 0, 3, a, 0, 2, 0, new Float64Array(3), 0, 2)).toThrow(
      "dgemm: C (2x2, ld=2, offset=0) reads element 3 of an array of length 3");
    expect(() => dgemm(false, false, -1, 2, 3, 1, a, 0, 3, a, 0, 2, 0, a, 0, 2)).toThrow("dgemm: M must be a non-negative integer");
    expect(() => dgemm(false, false, 2, 2, 3, 1, a, 0, 2, a, 0, 2, 0, a, 0, 2)).toThrow(/leading dimension of at least 3/);
  });
});

describe("F.linear, addmm, mm, bmm and matmul on float64 tensors compute in double", () => {
  it("outputs, grad_fn and the gradients of every operand match PyTorch on every case, all float64", () => {
    fixture.matmul.forEach((c, i) => {
      const what = label(c, i);
      const leaves = c.operands.map((o) => (o ? tensorOf(o.base, true) : null));
      const views = leaves.map((l, k) => (l ? applyLayout(l, c.operands[k]!.layout) : null));
      const y = runMatmul(c, views);
      expectF64(y, `${what} output`);
      expect([...y.shape], what).toEqual(c.y.shape);
      expectClose(y.toFlatArray(), f64(c.y), `${what} output`);
      // A 1-D weight is multiplied as a one-row matrix (SqueezeBackward1), where PyTorch runs mv.
      const vectorWeight = c.op === "linear" && c.operands[1]!.base.shape.length === 1;
      if (!vectorWeight) expect(y.grad_fn?.name, `${what} grad_fn`).toBe(c.grad_fn);
      y.backward(tensorOf(c.gy));
      leaves.forEach((l, k) => {
        if (!l) return;
        expectClose(expectF64(l.grad, `${what} grad ${k}`).toFlatArray(), f64(c.operands[k]!.grad), `${what} grad ${k}`);
      });
    });
  });

  it("is a bar float32 arithmetic does not pass", () => {
    const c = fixture.matmul[0]!;
    const [x, w, b] = c.operands.map((o) => tensorOf(o!.base).to(torch.float32));
    const y32 = F.linear(x!, w!, b!);
    expect(compare(y32.toFlatArray(), f64(c.y), 0, TOL).relToMax).toBeGreaterThan(1e-9);
  });

  it("dispatches by dtype: float64 runs the float64 gemm, float32 the float32 one (forward and backward)", () => {
    const calls: string[] = [];
    const d = getKernel("gemm", "float64");
    const s = getKernel("gemm", "float32");
    registerKernel("gemm", "float64", (...args) => (calls.push("f64"), d(...args)), "test");
    registerKernel("gemm", "float32", (...args) => (calls.push("f32"), s(...args)), "test");
    const x64 = torch.randn(3, 4, { dtype: torch.float64 }).requires_grad_();
    const w64 = torch.randn(2, 4, { dtype: torch.float64 }).requires_grad_();
    F.linear(x64, w64, torch.zeros(2, { dtype: torch.float64 })).sum().backward();
    expect(calls).toEqual(["f64", "f64", "f64"]);
    calls.length = 0;
    const x32 = torch.randn(3, 4).requires_grad_();
    const w32 = torch.randn(2, 4).requires_grad_();
    F.linear(x32, w32, torch.zeros(2)).sum().backward();
    expect(calls).toEqual(["f32", "f32", "f32"]);
  });

  it("saves the same tensors for backward as the float32 path", () => {
    const node = (dtype: typeof torch.float32) => {
      const x = torch.randn(3, 4, { dtype }).requires_grad_();
      const w = torch.randn(2, 4, { dtype }).requires_grad_();
      return F.linear(x, w, torch.zeros(2, { dtype })).grad_fn!;
    };
    const n32 = node(torch.float32), n64 = node(torch.float64);
    expect(n64.name).toBe(n32.name);
    expect(n64.next_functions.map((e) => e[0]?.name ?? null)).toEqual(n32.next_functions.map((e) => e[0]?.name ?? null));
  });

  it("nn.Linear in float64 keeps float64 parameters and gradients", () => {
    const fc = new nn.Linear(400, 120).to(torch.float64);
    const x = torch.randn(64, 400, { dtype: torch.float64 });
    const y = fc.forward(x);
    expectF64(y, "output");
    const want = torch.addmm(fc.bias!.detach(), x, fc.weight.detach().t());
    expectClose(y.toFlatArray(), want.toFlatArray(), "nn.Linear against torch.addmm");
    y.sum().backward();
    expectF64(fc.weight.grad, "weight.grad");
    expectF64(fc.bias!.grad, "bias.grad");
  });

  it("still refuses mixed float32/float64 operands with PyTorch's errors", () => {
    const x = torch.randn(3, 4, { dtype: torch.float64 });
    expect(() => F.linear(x, torch.randn(2, 4))).toThrow(DTypeError);
    expect(() => F.linear(x, torch.randn(2, 4))).toThrow("expected scalar type Double but found Float");
    expect(() => F.linear(x, torch.randn(2, 4, { dtype: torch.float64 }), torch.randn(2))).toThrow(
      "self and mat2 must have the same dtype");
    expect(() => F.linear(x, torch.randn(2, 5, { dtype: torch.float64 }))).toThrow(
      "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)");
  });
});

function interpLabel(c: InterpCase, i: number): string {
  return `interpolate case ${i}: x${JSON.stringify(c.x.shape)} ${JSON.stringify(c.args)}`;
}

describe("F.interpolate on float64 tensors computes in double", () => {
  it("outputs, grad_fn and grad_input match PyTorch on every case, all float64", () => {
    fixture.interpolate.forEach((c, i) => {
      const what = interpLabel(c, i);
      const x = tensorOf(c.x, true);
      const y = F.interpolate(x, c.args);
      expectF64(y, `${what} output`);
      expect([...y.shape], what).toEqual(c.y.shape);
      expect(y.grad_fn?.name, `${what} grad_fn`).toBe(c.grad_fn);
      expectClose(y.toFlatArray(), f64(c.y), `${what} output`);
      y.backward(tensorOf(c.gy));
      expectClose(expectF64(x.grad, `${what} x.grad`).toFlatArray(), f64(c.gx), `${what} x.grad`);
    });
  });

  it("is a bar float32 arithmetic does not pass", () => {
    const c = fixture.interpolate.find((k) => k.args.mode === "bicubic")!;
    const y32 = F.interpolate(tensorOf(c.x).to(torch.float32), c.args);
    expect(compare(y32.toFlatArray(), f64(c.y), 0, TOL).relToMax).toBeGreaterThan(1e-9);
  });

  it("dispatches by dtype to the float64 kernels", () => {
    const calls: string[] = [];
    const k64 = getKernel("upsample_bilinear2d", "float64");
    const k32 = getKernel("upsample_bilinear2d", "float32");
    const b64 = getKernel("upsample_bilinear2d_backward", "float64");
    registerKernel("upsample_bilinear2d", "float64", (...args) => (calls.push("f64"), k64(...args)), "test");
    registerKernel("upsample_bilinear2d_backward", "float64", (...args) => (calls.push("f64 backward"), b64(...args)), "test");
    registerKernel("upsample_bilinear2d", "float32", (...args) => (calls.push("f32"), k32(...args)), "test");
    const x = torch.randn(1, 1, 3, 3, { dtype: torch.float64 }).requires_grad_();
    F.interpolate(x, { size: [5, 5], mode: "bilinear" }).sum().backward();
    F.interpolate(torch.randn(1, 1, 3, 3), { size: [5, 5], mode: "bilinear" });
    expect(calls).toEqual(["f64", "f64 backward", "f32"]);
  });

  it("the kernels fill a caller's destination, overwriting it, and refuse another mode's geometry", () => {
    const g = upsample2dGeometry([1, 1, 2, 2], [3, 3], { kind: "linear", alignCorners: true, double: true });
    const out = new Float64Array(9).fill(7);
    expect(upsampleBilinear2dF64(g, new Float64Array([0, 1, 2, 3]), out)).toBe(out);
    expect([...out]).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
    const gx = new Float64Array(4).fill(-1);
    upsampleBilinear2dBackwardF64(g, new Float64Array(9).fill(1), gx);
    expect([...gx]).toEqual([2.25, 2.25, 2.25, 2.25]);
    const nearest = upsample2dGeometry([1, 1, 2, 2], [3, 3], { kind: "nearest", double: true });
    expect(() => upsampleBilinear2dF64(nearest, new Float64Array(4))).toThrow(ArgumentError);
    expect(() => upsampleBilinear2dF64(g, new Float64Array(3))).toThrow(/input has 3 elements but the geometry needs 4/);
  });
});

describe("torch.autograd.gradcheck in float64", () => {
  const leaf = (...shape: number[]) => torch.randn(...shape, { dtype: torch.float64 }).requires_grad_();

  /** conv -> relu -> max_pool2d -> flatten -> linear -> relu -> linear, parameters as arguments. */
  function lenet(x: Tensor, cw: Tensor, cb: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor {
    let h = F.max_pool2d(F.relu(F.conv2d(x, cw, cb)), 2);
    h = h.view(h.shape[0]!, -1);
    return F.linear(F.relu(F.linear(h, w1, b1)), w2, b2);
  }

  function lenetInputs(): Tensor[] {
    torch.manual_seed(5);
    // 1x1x12x12 -> conv 3x3 (2 channels) -> 10x10 -> pool -> 2x5x5 = 50 features -> 8 -> 3.
    return [leaf(1, 1, 12, 12), leaf(2, 1, 3, 3), leaf(2), leaf(8, 50), leaf(8), leaf(3, 8), leaf(3)];
  }

  it("passes through a small LeNet (conv, relu, max_pool2d, view, linear)", () => {
    expect(torch.autograd.gradcheck(lenet, lenetInputs())).toBe(true);
  });

  it("fails on the same net when the products are rounded to float32", () => {
    const exact = getKernel("gemm", "float64");
    const rounded: GemmKernel<Float64Array> = (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
      exact(tA, tB, M, N, K, alpha, A.map(Math.fround), aOff, lda, B.map(Math.fround), bOff, ldb, beta, C, cOff, ldc);
      for (let i = 0; i < C.length; i++) C[i] = Math.fround(C[i]!);
    };
    registerKernel("gemm", "float64", rounded, "test");
    expect(torch.autograd.gradcheck(lenet, lenetInputs(), { raise_exception: false })).toBe(false);
  });

  for (const align_corners of [false, true]) {
    it(`passes through F.interpolate bilinear with align_corners=${align_corners}`, () => {
      torch.manual_seed(6);
      const f = (x: Tensor) => F.interpolate(x, { size: [7, 5], mode: "bilinear", align_corners });
      expect(torch.autograd.gradcheck(f, [leaf(1, 2, 4, 6)])).toBe(true);
      const g = (x: Tensor) => F.interpolate(x, { scale_factor: 1.7, mode: "bilinear", align_corners });
      expect(torch.autograd.gradcheck(g, [leaf(2, 1, 3, 4)])).toBe(true);
    });
  }

  it("passes through bicubic and antialiased resizing", () => {
    torch.manual_seed(7);
    expect(torch.autograd.gradcheck((x: Tensor) => F.interpolate(x, { size: [6, 7], mode: "bicubic" }), [leaf(1, 1, 4, 5)])).toBe(true);
    expect(torch.autograd.gradcheck(
      (x: Tensor) => F.interpolate(x, { size: [3, 4], mode: "bilinear", antialias: true }), [leaf(1, 1, 8, 9)])).toBe(true);
  });
});
