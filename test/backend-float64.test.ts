/**
 * conv2d and the 2-d pooling ops compute float64 tensors in double, as PyTorch does: kernels and
 * `F` ops against PyTorch 1.13.1 in torch.float64 (test/fixtures/float64-kernels.json, made by
 * gen_float64_kernels.py) to 1e-12 of each array's magnitude — float32 arithmetic is off by about
 * 1e-7 there — with float64 outputs and gradients, float64 dispatch by dtype, and central finite
 * differences in float64 that agree with autograd to 1e-8.
 */
import { afterEach, describe, expect, it } from "vitest";
import { F, torch, Tensor } from "../src/index.js";
import { DTypeError, ArgumentError } from "../src/errors.js";
import { getKernel, registerKernel, resetKernel } from "../src/backend/registry.js";
// One conv2d implementation serves both dtypes; the F32/F64 names say which arrays a call feeds it.
import {
  conv2d as conv2dF32, conv2d as conv2dF64, conv2dBackwardBias as conv2dBackwardBiasF64,
  conv2dBackwardInput as conv2dBackwardInputF64, conv2dBackwardWeight as conv2dBackwardWeightF64,
  conv2dBackwardWeight as conv2dBackwardWeightF32,
} from "../src/backend/cpu/conv2d.js";
import { maxPool2d } from "../src/backend/cpu/pool2d.js";
import {
  conv2dGeometry, maxPool2dGeometry, type Conv2dOptions, type Pair, type Padding4,
} from "../src/shape/conv-pool.js";
import { compare, f64, i32, loadFixture, rng, type Encoded } from "./backend-helpers.js";

/** Tolerance relative to the magnitude of the expected array. */
const TOL = 1e-12;

interface ConvCase {
  unbatched: boolean;
  groups: number;
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number] | "same" | Padding4;
  x: Encoded;
  w: Encoded;
  b?: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  gw: Encoded;
  gb?: Encoded;
}

interface PoolCase {
  op: "max_pool2d" | "avg_pool2d" | "adaptive_avg_pool2d" | "adaptive_max_pool2d";
  args: {
    kernel_size?: [number, number];
    stride?: [number, number];
    padding?: [number, number];
    dilation?: [number, number];
    ceil_mode?: boolean;
    count_include_pad?: boolean;
    divisor_override?: number;
    output_size?: [number, number];
  };
  kind: "randn" | "near_ties";
  x: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  indices?: Encoded;
}

const fixture = loadFixture<{ torch: string; dtype: string; conv: ConvCase[]; pool: PoolCase[] }>("float64-kernels.json");

/** A float64 tensor of a fixture array. */
function tensorOf(e: Encoded, requiresGrad = false): Tensor {
  const t = Tensor._fromData(f64(e), e.shape, torch.float64);
  return requiresGrad ? t.requires_grad_() : t;
}

function isPadding4(p: ConvCase["padding"]): p is Padding4 {
  return typeof p === "object" && !Array.isArray(p);
}

/** The kernel geometry of a case (an unbatched input is a batch of one). */
function geometryOf(c: ConvCase) {
  const xShape = c.unbatched ? [1, ...c.x.shape] : c.x.shape;
  const options: Conv2dOptions = { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding };
  return conv2dGeometry(xShape, c.w.shape, options, c.b?.shape);
}

function label(c: ConvCase, i: number): string {
  return `conv case ${i}: x${JSON.stringify(c.x.shape)} w${JSON.stringify(c.w.shape)} stride ${c.stride} ` +
    `pad ${JSON.stringify(c.padding)} dil ${c.dilation} groups ${c.groups}${c.b ? " bias" : ""}`;
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

afterEach(() => resetKernel());

describe("float64 fixture", () => {
  it("comes from PyTorch 1.13 in float64 and covers every option", () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(fixture.dtype).toBe("float64");
    const conv = fixture.conv;
    expect(conv.length).toBeGreaterThanOrEqual(60);
    expect(conv.some((c) => c.groups > 1)).toBe(true);
    expect(conv.some((c) => c.padding === "same" && (c.w.shape[2]! % 2 === 0 || c.w.shape[3]! % 2 === 0))).toBe(true);
    expect(conv.some((c) => c.padding === "same" && c.w.shape[2]! % 2 === 1 && c.w.shape[3]! % 2 === 1)).toBe(true);
    expect(conv.some((c) => isPadding4(c.padding))).toBe(true);
    expect(conv.some((c) => Array.isArray(c.padding) && c.padding.some((p) => p > 0))).toBe(true);
    expect(conv.some((c) => c.dilation.some((d) => d > 1))).toBe(true);
    expect(conv.some((c) => c.stride.some((s) => s > 1))).toBe(true);
    expect(conv.some((c) => c.b === undefined)).toBe(true);
    expect(conv.some((c) => c.unbatched)).toBe(true);
    expect(conv.some((c) => !c.unbatched && c.x.shape[0]! > 1)).toBe(true);
    const pool = fixture.pool;
    expect(pool.length).toBeGreaterThanOrEqual(40);
    for (const op of ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"] as const) {
      expect(pool.filter((p) => p.op === op).length, op).toBeGreaterThanOrEqual(5);
    }
    expect(pool.some((p) => p.args.ceil_mode)).toBe(true);
    expect(pool.some((p) => p.args.count_include_pad === false)).toBe(true);
    expect(pool.some((p) => p.args.divisor_override !== undefined)).toBe(true);
    expect(pool.some((p) => p.args.dilation?.some((d) => d > 1))).toBe(true);
    expect(pool.some((p) => p.args.padding?.some((d) => d > 0))).toBe(true);
    expect(pool.some((p) => p.op === "adaptive_avg_pool2d" && p.args.output_size![0] === 1 && p.args.output_size![1] === 1)).toBe(true);
    expect(pool.some((p) => p.kind === "near_ties" && p.op === "max_pool2d")).toBe(true);
    expect(pool.some((p) => p.kind === "near_ties" && p.op === "adaptive_max_pool2d")).toBe(true);
    expect(pool.some((p) => p.x.shape.length === 3)).toBe(true);
  });
});

describe("float64 conv2d kernels match PyTorch's double results", () => {
  it("forward, grad_input, grad_weight and grad_bias on every case", () => {
    fixture.conv.forEach((c, i) => {
      const g = geometryOf(c);
      const what = label(c, i);
      const x = f64(c.x);
      const w = f64(c.w);
      const gy = f64(c.gy);
      expectClose(conv2dF64(g, x, w, c.b ? f64(c.b) : null), f64(c.y), `${what} forward`);
      expectClose(conv2dBackwardInputF64(g, gy, w), f64(c.gx), `${what} grad_input`);
      expectClose(conv2dBackwardWeightF64(g, x, gy), f64(c.gw), `${what} grad_weight`);
      if (c.gb) expectClose(conv2dBackwardBiasF64(g, gy), f64(c.gb), `${what} grad_bias`);
    });
  });

  it("fills a caller's destinations, overwriting them", () => {
    const c = fixture.conv[1]!;
    const g = geometryOf(c);
    const out = new Float64Array(f64(c.y).length).fill(7);
    const gw = new Float64Array(c.w.shape.reduce((a, b) => a * b, 1)).fill(-3);
    expect(conv2dF64(g, f64(c.x), f64(c.w), f64(c.b!), out)).toBe(out);
    expect(conv2dBackwardWeightF64(g, f64(c.x), f64(c.gy), gw)).toBe(gw);
    expectClose(out, f64(c.y), "forward into a destination");
    expectClose(gw, f64(c.gw), "grad_weight into a destination");
  });

  it("is a bar float32 arithmetic does not pass (LeNet's layers)", () => {
    for (const c of fixture.conv.slice(0, 2)) {
      const g = geometryOf(c);
      const y32 = conv2dF32(g, Float32Array.from(f64(c.x)), Float32Array.from(f64(c.w)), Float32Array.from(f64(c.b!)));
      const gw32 = conv2dBackwardWeightF32(g, Float32Array.from(f64(c.x)), Float32Array.from(f64(c.gy)));
      expect(compare(y32, f64(c.y), 0, TOL).relToMax).toBeGreaterThan(1e-9);
      expect(compare(gw32, f64(c.gw), 0, TOL).relToMax).toBeGreaterThan(1e-9);
    }
  });

  it("agree with the defining sums on 300 random geometries (edges, per-side padding, big strides)", () => {
    const next = rng(20240607);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const data = (n: number) => Float64Array.from({ length: n }, () => next() * 2 - 1);
    let checked = 0;
    while (checked < 300) {
      const groups = int(1, 3), cinG = int(1, 3), coutG = int(1, 6), kH = int(1, 4), kW = int(1, 4);
      const [N, H, W] = [int(1, 2), int(1, 8), int(1, 8)];
      const padding: Padding4 = { top: int(0, 3), bottom: int(0, 3), left: int(0, 3), right: int(0, 3) };
      const [sH, sW, dH, dW] = [int(1, 4), int(1, 4), int(1, 3), int(1, 3)];
      if (H + padding.top + padding.bottom < dH * (kH - 1) + 1 || W + padding.left + padding.right < dW * (kW - 1) + 1) continue;
      const g = conv2dGeometry([N, cinG * groups, H, W], [coutG * groups, cinG, kH, kW],
        { stride: [sH, sW], dilation: [dH, dW], padding, groups }, [coutG * groups]);
      const x = data(N * cinG * groups * H * W), w = data(coutG * groups * cinG * kH * kW), b = data(coutG * groups);
      const gy = data(N * coutG * groups * g.outH * g.outW);
      // The definition, one tap at a time: y = b + sum w*x; grad_x and grad_w are its adjoints.
      const y = Float64Array.from({ length: gy.length }, (_, i) => b[Math.floor(i / (g.outH * g.outW)) % g.outChannels]!);
      const gx = new Float64Array(x.length), gw = new Float64Array(w.length);
      for (let n = 0; n < N; n++) for (let co = 0; co < g.outChannels; co++) for (let ci = 0; ci < cinG; ci++)
        for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
          const ih = oh * sH - padding.top + kh * dH, iw = ow * sW - padding.left + kw * dW;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          const xi = ((n * g.inChannels + Math.floor(co / coutG) * cinG + ci) * H + ih) * W + iw;
          const wi = ((co * cinG + ci) * kH + kh) * kW + kw;
          const yi = ((n * g.outChannels + co) * g.outH + oh) * g.outW + ow;
          y[yi] += w[wi]! * x[xi]!;
          gx[xi] += w[wi]! * gy[yi]!;
          gw[wi] += gy[yi]! * x[xi]!;
        }
      const what = `random geometry ${checked}: ${JSON.stringify(g)}`;
      expectClose(conv2dF64(g, x, w, b), y, `${what} forward`);
      expectClose(conv2dBackwardInputF64(g, gy, w), gx, `${what} grad_input`);
      expectClose(conv2dBackwardWeightF64(g, x, gy), gw, `${what} grad_weight`);
      checked++;
    }
  });

  it("refuses arrays shorter than the geometry with a typed error", () => {
    const g = conv2dGeometry([1, 1, 4, 4], [2, 1, 3, 3]);
    expect(() => conv2dF64(g, new Float64Array(15), new Float64Array(18), null)).toThrow(ArgumentError);
    expect(() => conv2dBackwardInputF64(g, new Float64Array(8), new Float64Array(17))).toThrow(/weight has 17 elements but the geometry needs 18/);
  });
});

/** `F.conv2d` on a case's tensors, padding per side through `F.pad` as the generator did. */
function runConv(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const opts = { stride: c.stride, dilation: c.dilation, groups: c.groups };
  if (isPadding4(c.padding)) {
    const p = c.padding;
    return F.conv2d(F.pad(x, [p.left, p.right, p.top, p.bottom]), w, b, { ...opts, padding: 0 });
  }
  return F.conv2d(x, w, b, { ...opts, padding: c.padding });
}

describe("F.conv2d on float64 tensors computes in double", () => {
  it("output and the gradients of input, weight and bias match PyTorch on every case, all float64", () => {
    fixture.conv.forEach((c, i) => {
      const what = label(c, i);
      const x = tensorOf(c.x, true);
      const w = tensorOf(c.w, true);
      const b = c.b ? tensorOf(c.b, true) : null;
      const y = runConv(c, x, w, b);
      expectF64(y, `${what} output`);
      expect([...y.shape], what).toEqual(c.y.shape);
      expectClose(y.toFlatArray(), f64(c.y), `${what} output`);
      y.backward(tensorOf(c.gy));
      expectClose(expectF64(x.grad, `${what} x.grad`).toFlatArray(), f64(c.gx), `${what} x.grad`);
      expectClose(expectF64(w.grad, `${what} w.grad`).toFlatArray(), f64(c.gw), `${what} w.grad`);
      if (b) expectClose(expectF64(b.grad, `${what} b.grad`).toFlatArray(), f64(c.gb!), `${what} b.grad`);
    });
  });

  it("dispatches by dtype: float64 runs the float64 kernels, float32 the float32 ones", () => {
    const calls: string[] = [];
    const f64Conv = getKernel("conv2d", "float64");
    const f32Conv = getKernel("conv2d", "float32");
    registerKernel("conv2d", "float64", (...args) => (calls.push("f64"), f64Conv(...args)), "test");
    registerKernel("conv2d", "float32", (...args) => (calls.push("f32"), f32Conv(...args)), "test");
    F.conv2d(torch.randn(1, 2, 5, 5, { dtype: torch.float64 }), torch.randn(3, 2, 3, 3, { dtype: torch.float64 }));
    F.conv2d(torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3));
    expect(calls).toEqual(["f64", "f32"]);
  });

  it("still refuses mixed float32/float64 operands", () => {
    const x = torch.randn(1, 2, 5, 5, { dtype: torch.float64 });
    expect(() => F.conv2d(x, torch.randn(3, 2, 3, 3))).toThrow(DTypeError);
    expect(() => F.conv2d(x, torch.randn(3, 2, 3, 3, { dtype: torch.float64 }), torch.randn(3))).toThrow(
      "Input type (double) and bias type (float) should be the same");
  });
});

/** Runs a pooling case through `F`: the output and (for max) the indices. */
function runPool(c: PoolCase, x: Tensor): [Tensor, Tensor | null] {
  const a = c.args;
  switch (c.op) {
    case "max_pool2d": {
      const [y, idx] = F.max_pool2d(x, a.kernel_size as Pair, {
        stride: a.stride ?? null, padding: a.padding, dilation: a.dilation, ceil_mode: a.ceil_mode, return_indices: true,
      });
      return [y, idx];
    }
    case "avg_pool2d":
      return [F.avg_pool2d(x, a.kernel_size as Pair, {
        stride: a.stride ?? null, padding: a.padding, ceil_mode: a.ceil_mode,
        count_include_pad: a.count_include_pad, divisor_override: a.divisor_override ?? null,
      }), null];
    case "adaptive_avg_pool2d":
      return [F.adaptive_avg_pool2d(x, a.output_size!), null];
    case "adaptive_max_pool2d": {
      const [y, idx] = F.adaptive_max_pool2d(x, a.output_size!, true);
      return [y, idx];
    }
  }
}

describe("float64 pooling computes in double", () => {
  it("outputs, indices and grad_input match PyTorch on every case, all float64", () => {
    fixture.pool.forEach((c, i) => {
      const what = `pool case ${i}: ${c.op} ${JSON.stringify(c.args)} x${JSON.stringify(c.x.shape)} ${c.kind}`;
      const x = tensorOf(c.x, true);
      const [y, idx] = runPool(c, x);
      expectF64(y, `${what} output`);
      expect([...y.shape], what).toEqual(c.y.shape);
      expectClose(y.toFlatArray(), f64(c.y), `${what} output`);
      if (c.indices) {
        expect(idx!.dtype, `${what} indices dtype`).toBe(torch.int64);
        expect([...idx!.toFlatArray()], `${what} indices`).toEqual([...i32(c.indices)]);
      }
      y.backward(tensorOf(c.gy));
      expectClose(expectF64(x.grad, `${what} x.grad`).toFlatArray(), f64(c.gx), `${what} x.grad`);
    });
  });

  it("near-ties below float32 resolution pick PyTorch's index only in double", () => {
    const c = fixture.pool.find((p) => p.kind === "near_ties" && p.op === "max_pool2d" && p.args.kernel_size![0] === 2)!;
    const g = maxPool2dGeometry(c.x.shape, { kernelSize: c.args.kernel_size!, stride: c.args.stride, padding: c.args.padding });
    const expected = [...i32(c.indices!)];
    expect([...maxPool2d(g, f64(c.x)).indices]).toEqual(expected);
    expect([...maxPool2d(g, Float32Array.from(f64(c.x))).indices]).not.toEqual(expected);
  });

  it("the 1x1 adaptive average is a float64 mean (MeanBackward1)", () => {
    const x = torch.randn(2, 3, 4, 5, { dtype: torch.float64 }).requires_grad_();
    const y = F.adaptive_avg_pool2d(x, 1);
    expect(y.grad_fn?.name).toBe("MeanBackward1");
    expectF64(y, "output");
    const d = x.toFlatArray();
    const want = Array.from({ length: 6 }, (_, r) => Array.from(d.subarray(r * 20, (r + 1) * 20)).reduce((s, v) => s + v, 0) / 20);
    expectClose(y.toFlatArray(), want, "mean");
    y.sum().backward();
    expectClose(expectF64(x.grad, "x.grad").toFlatArray(), new Array(120).fill(1 / 20), "mean grad");
  });
});

/** Central differences of `f(inputs) . v` against autograd, for every element of every input. */
function finiteDifferenceGap(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed: number, eps = 1e-6): number {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  const out = f(...inputs);
  const v = Tensor._fromData(Float64Array.from({ length: out.numel() }, next), [...out.shape], torch.float64);
  out.backward(v);
  const vd = v.toFlatArray();
  const dot = () => torch.no_grad(() => {
    const o = f(...inputs).toFlatArray();
    let acc = 0;
    for (let i = 0; i < o.length; i++) acc += o[i]! * vd[i]!;
    return acc;
  });
  let worst = 0;
  for (const x of inputs) {
    const data = x.storage.data as Float64Array;
    const analytic = expectF64(x.grad, "grad").toFlatArray();
    for (let j = 0; j < data.length; j++) {
      const orig = data[j]!;
      data[j] = orig + eps;
      const fp = dot();
      data[j] = orig - eps;
      const fm = dot();
      data[j] = orig;
      const numeric = (fp - fm) / (2 * eps);
      worst = Math.max(worst, Math.abs(analytic[j]! - numeric) / Math.max(1, Math.abs(numeric)));
    }
  }
  return worst;
}

describe("float64 finite differences agree with autograd to 1e-8", () => {
  const leaf = (...shape: number[]) => torch.randn(...shape, { dtype: torch.float64 }).requires_grad_();

  it("strided, padded, dilated, grouped conv with bias", () => {
    torch.manual_seed(1);
    const gap = finiteDifferenceGap(
      (x, w, b) => F.conv2d(x!, w!, b!, { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }),
      [leaf(2, 4, 7, 6), leaf(4, 2, 3, 2), leaf(4)], 7);
    expect(gap).toBeLessThan(1e-8);
  });

  it("'same' conv with an even kernel, then max and average pooling", () => {
    torch.manual_seed(2);
    const gap = finiteDifferenceGap(
      (x, w) => F.avg_pool2d(
        F.max_pool2d(F.conv2d(x!, w!, null, { padding: "same" }), 2, { ceil_mode: true }),
        2, { padding: 1, count_include_pad: false }),
      [leaf(1, 3, 7, 7), leaf(2, 3, 2, 4)], 11);
    expect(gap).toBeLessThan(1e-8);
  });
});
