/**
 * Upsampling forward kernels in double precision, NCHW float64: what `F.interpolate` runs for
 * float64 tensors (PyTorch resamples double tensors in double). Their gradients are the shared
 * backward kernels of interpolate.ts, which take either precision.
 *
 * Same geometry, modes, checks and tables as the float32 kernels (`resampleSetup`); the tables hold
 * double positions and weights for a geometry with `double` set (`upsample2dGeometry(..., { double:
 * true })`). The loop below is the float32 `resample` loop over Float64Array, kept as its own
 * function because one function fed both array types gets polymorphic element loads in V8.
 * Measured (bench/f64-twins.ts, medians of 5 runs): shared, nearest float64 is 14% slower and bilinear 5% (float32) and 4% (float64) slower.
 *
 * @example
 * const g = upsample2dGeometry([1, 1, 2, 2], [4, 4], { kind: "linear", double: true });
 * const y = upsampleBilinear2dF64(g, new Float64Array([1, 2, 3, 4])); // 16 values
 */
import { resampleSetup, type UpsampleOp } from "./interpolate.js";
import type { Upsample2dGeometry } from "../../shape/conv-pool.js";

/** `y[plane, oh, ow] = sum wh * ww * x[plane, ih, iw]` over the taps of both tables, float64. */
function resampleF64(op: UpsampleOp, g: Upsample2dGeometry, input: Float64Array, output: Float64Array | undefined): Float64Array {
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
        // Nearest: a gather, which also keeps -0 (a weighted sum from 0 would not).
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

/** Nearest and nearest-exact upsampling in float64. */
export function upsampleNearest2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  return resampleF64("upsample_nearest2d", g, input, output);
}

/** Bilinear (and 1-D linear) upsampling in float64, antialiased when `g.antialias`. */
export function upsampleBilinear2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  return resampleF64("upsample_bilinear2d", g, input, output);
}

/** Bicubic upsampling in float64, antialiased when `g.antialias`. */
export function upsampleBicubic2dF64(g: Upsample2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  return resampleF64("upsample_bicubic2d", g, input, output);
}

/** The float64 gradients are the shared backward kernels (interpolate.ts), under their float64 names. */
export {
  upsampleBicubic2dBackward as upsampleBicubic2dBackwardF64,
  upsampleBilinear2dBackward as upsampleBilinear2dBackwardF64,
  upsampleNearest2dBackward as upsampleNearest2dBackwardF64,
} from "./interpolate.js";
