/**
 * Upsampling / resampling kernels (`F.interpolate`): nearest, nearest-exact, bilinear, bicubic and
 * their antialiased forms, forward and backward, NCHW, one plane (n, c) at a time. A 1-D input
 * `[N, C, W]` runs as planes of height 1. The backward kernels are typed over `FloatArray` and serve
 * float64 too; the forward ones take Float32Array only, so that V8 sees their element loads
 * monomorphic, and interpolate-f64.ts runs the same loop over Float64Array (what sharing it costs is
 * measured there).
 *
 * Every mode is written as a separable filter: for each axis, each output index reads `taps` input
 * indices with weights (`AxisTable`), and an output pixel is `sum_h wh * sum_w ww * x[ih, iw]`. The
 * backward pass scatters `wh * ww * grad` back onto the same positions. Only the tables differ between
 * modes, and they follow PyTorch 1.13.1's CPU kernels (aten/src/ATen/native/UpSample.h and
 * cpu/UpSampleKernel.cpp) to the float32 rounding of the source positions, because a position that
 * rounds the other way picks a different pixel:
 *
 * - **scale**: `1 / scale_factor` when a scale factor reached the kernel, else `in / out`, rounded to
 *   float32 (`compute_scales_value`); with `align_corners`, `(in - 1) / (out - 1)` (0 for one output).
 * - **nearest**: `min(floor(o * scale), in - 1)` (OpenCV's INTER_NEAREST). PyTorch's channels-last
 *   kernel and every backward use `nearest_idx`, which copies an axis whose output size equals the
 *   input's and halves the index on one exactly twice as large, whatever the scale factor; its general
 *   forward kernel does not. Both are reproduced (`channelsLast` in the geometry).
 * - **nearest-exact**: `min(floor((o + 0.5) * scale), in - 1)` (Pillow, scikit-image).
 * - **bilinear**: source `scale * (o + 0.5) - 0.5` clamped at 0 (`scale * o` with align_corners), two
 *   taps `floor` and `floor + 1` (clamped), weights `1 - frac` and `frac`; an axis of unchanged size
 *   is copied.
 * - **bicubic**: source as bilinear but not clamped, four taps `floor - 1 .. floor + 2` clamped to the
 *   border, Keys' cubic convolution with A = -0.75.
 * - **antialias** (bilinear/bicubic): Pillow's resampling, a triangle or cubic (A = -0.5) filter
 *   stretched by the downscaling factor, weights normalised to sum 1.
 * - PyTorch's bicubic backward copies the gradient through when neither size changes, even when a
 *   scale factor made its forward pass resample; that is reproduced too.
 *
 * Sums run in float64 and are rounded once, so results match PyTorch's float32 kernels to about 1e-7
 * of the values' magnitude. For a float64 input the geometry has `double` set and the tables keep
 * double positions and weights (`upsample2dGeometry(..., { double: true })`).
 *
 * @example
 * const g = upsample2dGeometry([1, 1, 2, 2], [4, 4], { kind: "linear" });
 * const y = upsampleLinear2d(g, new Float32Array([1, 2, 3, 4])); // 16 values
 */
import { ArgumentError } from "../../errors.js";
import { checkLength, destination } from "./buffers.js";
import { floatArrayType, type FloatArray } from "./float-array.js";
import type { Upsample2dGeometry, UpsampleKind } from "../../shape/conv-pool.js";

/** For one axis: `taps` input indices and weights per output index, `idx[o * taps + j]`, `w[o * taps + j]`. */
export interface AxisTable {
  taps: number;
  idx: Int32Array;
  w: Float64Array;
}

type Round = (x: number) => number;
const f32: Round = Math.fround;
const f64: Round = (x) => x;

/** `compute_scales_value`: `1 / scale` for a given scale factor, else `in / out`, in the kernel's precision. */
function scalesValue(scale: number, inSize: number, outSize: number, r: Round): number {
  return scale > 0 ? r(1.0 / scale) : r(inSize / outSize);
}

/** `area_pixel_compute_scale`. */
function pixelScale(inSize: number, outSize: number, alignCorners: boolean, scale: number, r: Round): number {
  if (alignCorners) return outSize > 1 ? r((inSize - 1) / (outSize - 1)) : 0;
  return scalesValue(scale, inSize, outSize, r);
}

function table(taps: number, outSize: number): AxisTable {
  return { taps, idx: new Int32Array(taps * outSize), w: new Float64Array(taps * outSize) };
}

/** Each output index reads the input index `pick(o)` with weight 1. */
function pickTable(outSize: number, pick: (o: number) => number): AxisTable {
  const t = table(1, outSize);
  for (let o = 0; o < outSize; o++) {
    t.idx[o] = pick(o);
    t.w[o] = 1;
  }
  return t;
}

/** PyTorch's `nearest_idx` (channels-last forward, and every backward). */
function nearestIdxTable(inSize: number, outSize: number, scale: number): AxisTable {
  if (outSize === inSize) return pickTable(outSize, (o) => o);
  if (outSize === 2 * inSize) return pickTable(outSize, (o) => o >> 1);
  const s = scalesValue(scale, inSize, outSize, f32);
  return pickTable(outSize, (o) => Math.min(Math.floor(f32(o * s)), inSize - 1));
}

/** The general nearest forward (`HelperInterpNearest`): no same-size or double-size shortcut. */
function nearestGenericTable(inSize: number, outSize: number, scale: number, r: Round): AxisTable {
  const s = pixelScale(inSize, outSize, false, scale, r);
  return pickTable(outSize, (o) => Math.min(Math.floor(f32(s * o)), inSize - 1));
}

/** nearest-exact: `floor((o + 0.5) * scale)`, float32 index math as in `nearest_exact_idx`. */
function nearestExactTable(inSize: number, outSize: number, scale: number, r: Round): AxisTable {
  const s = scalesValue(scale, inSize, outSize, r);
  return pickTable(outSize, (o) => Math.min(Math.floor(f32((o + 0.5) * s)), inSize - 1));
}

/** bilinear taps (`compute_source_index_and_lambda`). */
function linearTable(inSize: number, outSize: number, alignCorners: boolean, scale: number, r: Round): AxisTable {
  const t = table(2, outSize);
  const s = pixelScale(inSize, outSize, alignCorners, scale, r);
  for (let o = 0; o < outSize; o++) {
    let i0: number, i1: number, l1: number;
    if (outSize === inSize) {
      i0 = o;
      i1 = o;
      l1 = 0;
    } else {
      // The source position is computed in double (ATen's accumulate type on CPU).
      let real = alignCorners ? s * o : s * (o + 0.5) - 0.5;
      if (!alignCorners && real < 0) real = 0;
      i0 = Math.trunc(real);
      i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
      l1 = r(real - i0);
    }
    t.idx[2 * o] = i0;
    t.idx[2 * o + 1] = i1;
    t.w[2 * o] = r(1 - l1);
    t.w[2 * o + 1] = l1;
  }
  return t;
}

/** Keys' cubic convolution weights for fraction `t` (A = -0.75), in the kernel's precision. */
function cubicCoefficients(t: number, r: Round, out: Float64Array, at: number): void {
  const A = -0.75;
  const c1 = (x: number) => r(r(r(r(r(r(A + 2) * x) - r(A + 3)) * x) * x) + 1);
  const c2 = (x: number) => r(r(r(r(r(r(r(A * x) - r(5 * A)) * x) + r(8 * A)) * x)) - r(4 * A));
  out[at] = c2(r(t + 1.0));
  out[at + 1] = c1(t);
  const x2 = r(1.0 - t);
  out[at + 2] = c1(x2);
  out[at + 3] = c2(r(x2 + 1.0));
}

/** bicubic taps (`HelperInterpCubic`): four neighbours clamped to the border. */
function cubicTable(inSize: number, outSize: number, alignCorners: boolean, scale: number, r: Round): AxisTable {
  const t = table(4, outSize);
  const s = pixelScale(inSize, outSize, alignCorners, scale, r);
  for (let o = 0; o < outSize; o++) {
    const real = alignCorners ? r(s * o) : r(r(s * r(o + 0.5)) - 0.5);
    const i = Math.floor(real);
    cubicCoefficients(r(real - i), r, t.w, 4 * o);
    for (let j = 0; j < 4; j++) t.idx[4 * o + j] = Math.max(Math.min(i - 1 + j, inSize - 1), 0);
  }
  return t;
}

/** Pillow's triangle filter. */
function triangleFilter(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** Pillow's bicubic filter (A = -0.5). */
function pillowCubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/**
 * Antialiased taps (`_compute_weights_aa`): the filter's support grows with the downscaling factor,
 * so every input pixel under an output pixel contributes. `interp` is the plain kernel's tap count
 * (2 linear, 4 cubic).
 */
function antialiasTable(inSize: number, outSize: number, alignCorners: boolean, scale: number, cubic: boolean, r: Round): AxisTable {
  const interp = cubic ? 4 : 2;
  const filter = cubic ? pillowCubicFilter : triangleFilter;
  const s = pixelScale(inSize, outSize, alignCorners, scale, r);
  const support = r(s >= 1.0 ? interp * 0.5 * s : interp * 0.5);
  const taps = Math.ceil(support) * 2 + 1;
  const t = table(taps, outSize);
  const invscale = s >= 1.0 ? r(1.0 / s) : 1.0;
  for (let o = 0; o < outSize; o++) {
    const center = r(s * (o + 0.5));
    const xmin = Math.max(Math.trunc(r(center - support) + 0.5), 0);
    const xsize = Math.min(Math.trunc(r(center + support) + 0.5), inSize) - xmin;
    let total = 0;
    const at = o * taps;
    for (let j = 0; j < xsize; j++) {
      const w = r(filter(r(r(r(j + xmin - center) + 0.5) * invscale)));
      t.w[at + j] = w;
      total = r(total + w);
    }
    for (let j = 0; j < taps; j++) {
      if (j < xsize) {
        t.idx[at + j] = xmin + j;
        if (total !== 0) t.w[at + j] = r(t.w[at + j]! / total);
      } else {
        t.idx[at + j] = xmin < inSize ? xmin : inSize - 1;
        t.w[at + j] = 0;
      }
    }
  }
  return t;
}

/** Which pass a table is for: the nearest and antialias rules differ between them. */
type Pass = "forward" | "backward";

/** The tables of both axes of a geometry for one pass. */
export function axisTables(g: Upsample2dGeometry, pass: Pass): [AxisTable, AxisTable] {
  const r = g.double ? f64 : f32;
  const axis = (inSize: number, outSize: number, scale: number): AxisTable => {
    switch (g.kind) {
      case "nearest":
        return pass === "backward" || g.channelsLast
          ? nearestIdxTable(inSize, outSize, scale)
          : nearestGenericTable(inSize, outSize, scale, r);
      case "nearest-exact":
        return nearestExactTable(inSize, outSize, scale, r);
      case "linear":
        return g.antialias
          ? antialiasTable(inSize, outSize, g.alignCorners, scale, false, r)
          : linearTable(inSize, outSize, g.alignCorners, scale, r);
      case "cubic":
        return g.antialias
          ? antialiasTable(inSize, outSize, g.alignCorners, scale, true, r)
          : cubicTable(inSize, outSize, g.alignCorners, scale, r);
    }
  };
  // PyTorch's bicubic backward copies the gradient when neither size changes, whatever the scale.
  if (pass === "backward" && g.kind === "cubic" && !g.antialias && g.inH === g.outH && g.inW === g.outW) {
    return [pickTable(g.outH, (o) => o), pickTable(g.outW, (o) => o)];
  }
  return [axis(g.inH, g.outH, g.scaleH), axis(g.inW, g.outW, g.scaleW)];
}

/** The kernel names, each with the geometry kinds it runs. */
const KINDS = {
  upsample_nearest2d: ["nearest", "nearest-exact"],
  upsample_bilinear2d: ["linear"],
  upsample_bicubic2d: ["cubic"],
} as const satisfies Record<string, readonly UpsampleKind[]>;

/** The forward kernel a geometry is handed to. */
export type UpsampleOp = keyof typeof KINDS;

function requireKind(op: UpsampleOp, g: Upsample2dGeometry, name: string): void {
  if (!(KINDS[op] as readonly UpsampleKind[]).includes(g.kind)) {
    throw new ArgumentError(`${name}: the geometry is for '${g.kind}' resampling`, "g", "RuntimeError");
  }
}

/** A forward call's checked geometry and input, its output (of the input's type) and its tables. */
export function resampleSetup<A extends FloatArray>(
  op: UpsampleOp, g: Upsample2dGeometry, input: A, output: A | undefined,
): { y: A; th: AxisTable; tw: AxisTable } {
  requireKind(op, g, op);
  const planes = g.batch * g.channels;
  checkLength(op, "input", input, planes * g.inH * g.inW);
  const y = destination(op, "output", output, planes * g.outH * g.outW, floatArrayType(input));
  const [th, tw] = axisTables(g, "forward");
  return { y, th, tw };
}

/** `y[plane, oh, ow] = sum wh * ww * x[plane, ih, iw]` over the taps of both tables, float32. */
function resample(op: UpsampleOp, g: Upsample2dGeometry, input: Float32Array, output: Float32Array | undefined): Float32Array {
  const { y, th, tw } = resampleSetup(op, g, input, output);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  const kh = th.taps, kw = tw.taps;
  const hIdx = th.idx, hW = th.w, wIdx = tw.idx, wW = tw.w;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      if (kh === 1 && kw === 1) {
        // Nearest: a gather.
        const row = base + hIdx[oh]! * inW;
        for (let ow = 0; ow < outW; ow++, o++) y[o] = input[row + wIdx[ow]!]!;
        continue;
      }
      for (let ow = 0; ow < outW; ow++, o++) {
        let sum = 0;
        for (let jh = 0; jh < kh; jh++) {
          const wh = hW[oh * kh + jh]!;
          if (wh === 0) continue;
          const row = base + hIdx[oh * kh + jh]! * inW;
          let t = 0;
          for (let jw = 0; jw < kw; jw++) t += wW[ow * kw + jw]! * input[row + wIdx[ow * kw + jw]!]!;
          sum += wh * t;
        }
        y[o] = sum;
      }
    }
  }
  return y;
}

/**
 * The adjoint of the forward resampling, either precision: `gx[plane, ih, iw] += wh * ww *
 * gy[plane, oh, ow]`, accumulated per plane in float64 and rounded once.
 */
function resampleBackward<A extends FloatArray>(op: UpsampleOp, g: Upsample2dGeometry, gradOutput: A, gradInput: A | undefined): A {
  const name = `${op}_backward`;
  requireKind(op, g, name);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  checkLength(name, "grad_output", gradOutput, planes * outH * outW);
  const gx = destination(name, "grad_input", gradInput, planes * inH * inW, floatArrayType(gradOutput));
  const [th, tw] = axisTables(g, "backward");
  const kh = th.taps, kw = tw.taps;
  const hIdx = th.idx, hW = th.w, wIdx = tw.idx, wW = tw.w;
  const acc = new Float64Array(inH * inW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    acc.fill(0);
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        const go = gradOutput[o]!;
        for (let jh = 0; jh < kh; jh++) {
          const wh = hW[oh * kh + jh]! * go;
          if (wh === 0) continue;
          const row = hIdx[oh * kh + jh]! * inW;
          for (let jw = 0; jw < kw; jw++) acc[row + wIdx[ow * kw + jw]!] += wh * wW[ow * kw + jw]!;
        }
      }
    }
    gx.set(acc, pl * inH * inW);
  }
  return gx;
}

/** Nearest and nearest-exact upsampling (`upsample_nearest2d`, `_upsample_nearest_exact2d`). */
export function upsampleNearest2d(g: Upsample2dGeometry, input: Float32Array, output?: Float32Array): Float32Array {
  return resample("upsample_nearest2d", g, input, output);
}

/** Gradient of `upsampleNearest2d`: each output's gradient added onto the input pixel it copied. */
export function upsampleNearest2dBackward<A extends FloatArray>(g: Upsample2dGeometry, gradOutput: A, gradInput?: A): A {
  return resampleBackward("upsample_nearest2d", g, gradOutput, gradInput);
}

/** Bilinear (and 1-D linear) upsampling, antialiased when `g.antialias`. */
export function upsampleBilinear2d(g: Upsample2dGeometry, input: Float32Array, output?: Float32Array): Float32Array {
  return resample("upsample_bilinear2d", g, input, output);
}

/** Gradient of `upsampleBilinear2d`. */
export function upsampleBilinear2dBackward<A extends FloatArray>(g: Upsample2dGeometry, gradOutput: A, gradInput?: A): A {
  return resampleBackward("upsample_bilinear2d", g, gradOutput, gradInput);
}

/** Bicubic upsampling, antialiased when `g.antialias`. */
export function upsampleBicubic2d(g: Upsample2dGeometry, input: Float32Array, output?: Float32Array): Float32Array {
  return resample("upsample_bicubic2d", g, input, output);
}

/** Gradient of `upsampleBicubic2d`. */
export function upsampleBicubic2dBackward<A extends FloatArray>(g: Upsample2dGeometry, gradOutput: A, gradInput?: A): A {
  return resampleBackward("upsample_bicubic2d", g, gradOutput, gradInput);
}
