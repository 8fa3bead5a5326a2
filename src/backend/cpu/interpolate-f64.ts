/**
 * Upsampling / resampling kernels in double precision, NCHW float64: what `F.interpolate` runs for
 * float64 tensors (PyTorch resamples double tensors in double).
 *
 * Same geometry, modes and contract as the float32 kernels of interpolate.ts, and the same
 * separable filters: the per-axis index and weight tables come from its `axisTables`, which already
 * computes source positions and weights in double for a geometry with `double` set
 * (`upsample2dGeometry(..., { double: true })`). Only the arrays read and written are Float64Array
 * here, so nothing is rounded to float32 on the way.
 *
 * @example
 * const g = upsample2dGeometry([1, 1, 2, 2], [4, 4], { kind: "linear", double: true });
 * const y = upsampleBilinear2dF64(g, new Float64Array([1, 2, 3, 4])); // 16 values
 */
import { ArgumentError } from "../../errors.js";
import { checkLength, destination } from "./buffers.js";
import { axisTables } from "./interpolate.js";
import type { Upsample2dGeometry } from "./output-size.js";

/** `y[plane, oh, ow] = sum wh * ww * x[plane, ih, iw]` over the taps of both tables. */
function resample(op: string, g: Upsample2dGeometry, input: Float64Array, output: Float64Array | undefined): Float64Array {
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  checkLength(op, "input", input, planes * inH * inW);
  const y = destination(op, "output", output, planes * outH * outW, Float64Array);
  const [th, tw] = axisTables(g, "forward");
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

/** The adjoint of `resample`: `gx[plane, ih, iw] += wh * ww * gy[plane, oh, ow]`. */
function resampleBackward(op: string, g: Upsample2dGeometry, gradOutput: Float64Array, gradInput: Float64Array | undefined): Float64Array {
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  checkLength(op, "grad_output", gradOutput, planes * outH * outW);
  const gx = destination(op, "grad_input", gradInput, planes * inH * inW, Float64Array);
  gx.fill(0, 0, planes * inH * inW);
  const [th, tw] = axisTables(g, "backward");
  const kh = th.taps, kw = tw.taps;
  const hIdx = th.idx, hW = th.w, wIdx = tw.idx, wW = tw.w;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        const go = gradOutput[o]!;
        for (let jh = 0; jh < kh; jh++) {
          const wh = hW[oh * kh + jh]! * go;
          if (wh === 0) continue;
          const row = base + hIdx[oh * kh + jh]! * inW;
          for (let jw = 0; jw < kw; jw++) gx[row + wIdx[ow * kw + jw]!] += wh * wW[ow * kw + jw]!;
        }
      }
    }
  }
  return gx;
}

function requireKind(op: string, g: Upsample2dGeometry, kinds: readonly string[]): void {
  if (!kinds.includes(g.kind)) {
    throw new ArgumentError(`${op}: the geometry is for '${g.kind}' resampling`, "g", "RuntimeError");
  }
}

/** Nearest and nearest-exact upsampling in float64. */
export function upsampleNearest2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  requireKind("upsample_nearest2d_f64", g, ["nearest", "nearest-exact"]);
  return resample("upsample_nearest2d_f64", g, input, output);
}

/** Gradient of `upsampleNearest2dF64`. */
export function upsampleNearest2dBackwardF64(g: Upsample2dGeometry, gradOutput: Float64Array, gradInput?: Float64Array): Float64Array {
  requireKind("upsample_nearest2d_backward_f64", g, ["nearest", "nearest-exact"]);
  return resampleBackward("upsample_nearest2d_backward_f64", g, gradOutput, gradInput);
}

/** Bilinear (and 1-D linear) upsampling in float64, antialiased when `g.antialias`. */
export function upsampleBilinear2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  requireKind("upsample_bilinear2d_f64", g, ["linear"]);
  return resample("upsample_bilinear2d_f64", g, input, output);
}

/** Gradient of `upsampleBilinear2dF64`. */
export function upsampleBilinear2dBackwardF64(g: Upsample2dGeometry, gradOutput: Float64Array, gradInput?: Float64Array): Float64Array {
  requireKind("upsample_bilinear2d_backward_f64", g, ["linear"]);
  return resampleBackward("upsample_bilinear2d_backward_f64", g, gradOutput, gradInput);
}

/** Bicubic upsampling in float64, antialiased when `g.antialias`. */
export function upsampleBicubic2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  requireKind("upsample_bicubic2d_f64", g, ["cubic"]);
  return resample("upsample_bicubic2d_f64", g, input, output);
}

/** Gradient of `upsampleBicubic2dF64`. */
export function upsampleBicubic2dBackwardF64(g: Upsample2dGeometry, gradOutput: Float64Array, gradInput?: Float64Array): Float64Array {
  requireKind("upsample_bicubic2d_backward_f64", g, ["cubic"]);
  return resampleBackward("upsample_bicubic2d_backward_f64", g, gradOutput, gradInput);
}
