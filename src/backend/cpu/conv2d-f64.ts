/**
 * 2-D convolution and its three gradients in double precision, NCHW float64: what `F.conv2d` runs
 * for float64 tensors, so that a float64 network is float64-accurate end to end (PyTorch computes
 * double convolutions in double; `torch.autograd.gradcheck` relies on it).
 *
 * Same shapes, geometry and contract as the float32 kernels of conv2d.ts (build the geometry with
 * `conv2dGeometry`; outputs are overwritten; an optional destination is filled and returned), but a
 * direct convolution instead of implicit-im2col GEMM micro-kernels: exactness matters more than
 * speed here. Measured (bench/f64-twins.ts, forward): this twin does not pay for speed: conv2d.ts's loop fed both types runs float64 in 0.5-0.55x this one's time and float32 at 0.95-1.04x; it stays because that loop pads in float32 scratch and sums in another order.
 *
 *     y[n, co, oh, ow] = b[co] + sum over (ci, kh, kw) of
 *                        w[co, ci, kh, kw] * x[n, g*cinG + ci, oh*sH - padTop + kh*dH, ow*sW - padLeft + kw*dW]
 *
 * How it stays within about 2x of the float32 kernels: output channels go in blocks of four (never
 * across a group), with the block's weights interleaved (`packWeights`), so each input value read
 * feeds four multiply-adds held in locals, and a whole kernel row is summed in locals before the
 * output is touched. Taps that fall in the padding are skipped through precomputed ranges
 * (`taps`): no padded copy is made, and per-side padding (PyTorch's `padding='same'` with even
 * kernels) is just other ranges.
 *
 * @example
 * const g = conv2dGeometry([1, 1, 32, 32], [6, 1, 5, 5]);
 * const y = conv2dF64(g, x, w, b); // Float64Array of 1*6*28*28
 */
import type { Conv2dGeometry } from "../../shape/conv-pool.js";
import { checkLength, destination } from "./buffers.js";
import { inputLength, isEmpty, outputLength, weightLength } from "./conv2d.js";

/**
 * Where each tap can land. Rows: `kh*dilationH - padTop` and the output rows whose input row is inside
 * the image, `[rowLo[kh], rowHi[kh])`. Columns, per kernel column kw: the valid output columns
 * `[colLo[kw], colHi[kw])`; and per output column ow: the window start `colStart[ow]` and the kernel
 * columns inside the image, `[kwLo[ow], kwHi[ow])`. Shared by all kernels so they cannot disagree.
 */
interface Taps {
  rowOffset: Int32Array;
  rowLo: Int32Array;
  rowHi: Int32Array;
  colLo: Int32Array;
  colHi: Int32Array;
  colStart: Int32Array;
  kwLo: Int32Array;
  kwHi: Int32Array;
}

/** The `[lo, hi)` of `i` in `[0, count)` with `start + i*step` inside `[0, size)` (empty when lo >= hi). */
function insideRange(start: number, step: number, size: number, count: number): [number, number] {
  const lo = start >= 0 ? 0 : Math.min(count, Math.ceil(-start / step));
  const hi = Math.max(lo, Math.min(count, Math.ceil((size - start) / step)));
  return [lo, hi];
}

function taps(g: Conv2dGeometry): Taps {
  const { kernelH, kernelW, outW } = g;
  const t: Taps = {
    rowOffset: new Int32Array(kernelH), rowLo: new Int32Array(kernelH), rowHi: new Int32Array(kernelH),
    colLo: new Int32Array(kernelW), colHi: new Int32Array(kernelW),
    colStart: new Int32Array(outW), kwLo: new Int32Array(outW), kwHi: new Int32Array(outW),
  };
  for (let kh = 0; kh < kernelH; kh++) {
    const off = kh * g.dilationH - g.padTop;
    t.rowOffset[kh] = off;
    [t.rowLo[kh], t.rowHi[kh]] = insideRange(off, g.strideH, g.inH, g.outH);
  }
  for (let kw = 0; kw < kernelW; kw++) {
    [t.colLo[kw], t.colHi[kw]] = insideRange(kw * g.dilationW - g.padLeft, g.strideW, g.inW, outW);
  }
  for (let ow = 0; ow < outW; ow++) {
    const start = ow * g.strideW - g.padLeft;
    t.colStart[ow] = start;
    [t.kwLo[ow], t.kwHi[ow]] = insideRange(start, g.dilationW, g.inW, kernelW);
  }
  return t;
}

/** Output channels per block: four products per input value read, in locals. */
const BLOCK = 4;

/**
 * The weights of output channels `[co, co + m)` interleaved: element e of channel co + j at
 * `P[e*4 + j]` (zero for j >= m), so one kernel tap's four weights are adjacent.
 */
function packWeights(weight: Float64Array, co: number, m: number, E: number, P: Float64Array): void {
  P.fill(0);
  for (let j = 0; j < m; j++) {
    const src = (co + j) * E;
    for (let e = 0; e < E; e++) P[e * BLOCK + j] = weight[src + e]!;
  }
}

/** Forward convolution in float64. `bias` may be null. Returns `out` (or a new array), `[N, C_out, outH, outW]`. */
export function conv2dF64(
  g: Conv2dGeometry,
  input: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  out?: Float64Array,
): Float64Array {
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  if (bias) checkLength("conv2d", "bias", bias, g.outChannels);
  const y = destination("conv2d", "output", out, outputLength(g), Float64Array);
  const P = g.outH * g.outW;
  for (let n = 0; n < g.batch; n++) {
    for (let co = 0; co < g.outChannels; co++) {
      const o = (n * g.outChannels + co) * P;
      y.fill(bias ? bias[co]! : 0, o, o + P);
    }
  }
  if (isEmpty(g)) return y;
  const t = taps(g);
  const { inH, inW, outW, strideH, dilationW, kernelH, kernelW } = g;
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * kernelH * kernelW;
  const inPlane = inH * inW;
  const wp = new Float64Array(E * BLOCK);
  for (let gr = 0; gr < g.groups; gr++) {
    for (let co = gr * coutG; co < (gr + 1) * coutG; co += BLOCK) {
      const m = Math.min(BLOCK, (gr + 1) * coutG - co);
      packWeights(weight, co, m, E, wp);
      for (let n = 0; n < g.batch; n++) {
        const y0 = (n * g.outChannels + co) * P;
        const y1 = y0 + P, y2 = y1 + P, y3 = y2 + P;
        const xFirst = (n * g.inChannels + gr * cinG) * inPlane;
        for (let ci = 0; ci < cinG; ci++) {
          const xPlane = xFirst + ci * inPlane;
          for (let kh = 0; kh < kernelH; kh++) {
            const dh = t.rowOffset[kh]!, ohHi = t.rowHi[kh]!;
            const wRow = (ci * kernelH + kh) * kernelW * BLOCK;
            for (let oh = t.rowLo[kh]!; oh < ohHi; oh++) {
              const xRow = xPlane + (oh * strideH + dh) * inW;
              const r = oh * outW;
              for (let ow = 0; ow < outW; ow++) {
                const kwLo = t.kwLo[ow]!, kwHi = t.kwHi[ow]!;
                let xi = xRow + t.colStart[ow]! + kwLo * dilationW;
                let wi = wRow + kwLo * BLOCK;
                let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
                for (let kw = kwLo; kw < kwHi; kw++, xi += dilationW, wi += BLOCK) {
                  const xv = input[xi]!;
                  a0 += wp[wi]! * xv;
                  a1 += wp[wi + 1]! * xv;
                  a2 += wp[wi + 2]! * xv;
                  a3 += wp[wi + 3]! * xv;
                }
                const o = r + ow;
                y[y0 + o] += a0;
                if (m > 1) y[y1 + o] += a1;
                if (m > 2) y[y2 + o] += a2;
                if (m > 3) y[y3 + o] += a3;
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/** Gradient with respect to the input in float64: `[N, C_in, H, W]` from `gradOutput` and the weight. */
export function conv2dBackwardInputF64(
  g: Conv2dGeometry,
  gradOutput: Float64Array,
  weight: Float64Array,
  gradInput?: Float64Array,
): Float64Array {
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  const inLen = inputLength(g);
  const gx = destination("conv2d", "grad_input", gradInput, inLen, Float64Array);
  gx.fill(0, 0, inLen);
  if (isEmpty(g)) return gx;
  const t = taps(g);
  const { inH, inW, outW, strideH, dilationW, kernelH, kernelW } = g;
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * kernelH * kernelW;
  const inPlane = inH * inW;
  const P = g.outH * outW;
  const wp = new Float64Array(E * BLOCK);
  for (let gr = 0; gr < g.groups; gr++) {
    for (let co = gr * coutG; co < (gr + 1) * coutG; co += BLOCK) {
      const m = Math.min(BLOCK, (gr + 1) * coutG - co);
      packWeights(weight, co, m, E, wp);
      for (let n = 0; n < g.batch; n++) {
        const y0 = (n * g.outChannels + co) * P;
        const y1 = y0 + P, y2 = y1 + P, y3 = y2 + P;
        const xFirst = (n * g.inChannels + gr * cinG) * inPlane;
        for (let ci = 0; ci < cinG; ci++) {
          const xPlane = xFirst + ci * inPlane;
          for (let kh = 0; kh < kernelH; kh++) {
            const dh = t.rowOffset[kh]!, ohHi = t.rowHi[kh]!;
            const wRow = (ci * kernelH + kh) * kernelW * BLOCK;
            for (let oh = t.rowLo[kh]!; oh < ohHi; oh++) {
              const xRow = xPlane + (oh * strideH + dh) * inW;
              const r = oh * outW;
              for (let ow = 0; ow < outW; ow++) {
                const o = r + ow;
                // Channels past the block's end read as zero (their slots alias channel 0).
                const g0 = gradOutput[y0 + o]!;
                const g1 = m > 1 ? gradOutput[y1 + o]! : 0;
                const g2 = m > 2 ? gradOutput[y2 + o]! : 0;
                const g3 = m > 3 ? gradOutput[y3 + o]! : 0;
                const kwLo = t.kwLo[ow]!, kwHi = t.kwHi[ow]!;
                let xi = xRow + t.colStart[ow]! + kwLo * dilationW;
                let wi = wRow + kwLo * BLOCK;
                for (let kw = kwLo; kw < kwHi; kw++, xi += dilationW, wi += BLOCK) {
                  gx[xi] += wp[wi]! * g0 + wp[wi + 1]! * g1 + wp[wi + 2]! * g2 + wp[wi + 3]! * g3;
                }
              }
            }
          }
        }
      }
    }
  }
  return gx;
}

/**
 * Gradient with respect to the weight in float64: `[C_out, C_in/groups, kH, kW]` from the input and
 * `gradOutput`, summed over the batch.
 */
export function conv2dBackwardWeightF64(
  g: Conv2dGeometry,
  input: Float64Array,
  gradOutput: Float64Array,
  gradWeight?: Float64Array,
): Float64Array {
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  const wLen = weightLength(g);
  const gw = destination("conv2d", "grad_weight", gradWeight, wLen, Float64Array);
  gw.fill(0, 0, wLen);
  if (isEmpty(g)) return gw;
  const t = taps(g);
  const { inH, inW, outW, strideH, dilationW, kernelH, kernelW } = g;
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * kernelH * kernelW;
  const inPlane = inH * inW;
  const P = g.outH * outW;
  for (let gr = 0; gr < g.groups; gr++) {
    for (let co = gr * coutG; co < (gr + 1) * coutG; co += BLOCK) {
      const m = Math.min(BLOCK, (gr + 1) * coutG - co);
      // Channels past the block's end alias channel 0; their sums are dropped.
      const c1 = m > 1 ? P : 0, c2 = m > 2 ? 2 * P : 0, c3 = m > 3 ? 3 * P : 0;
      let e = 0;
      for (let ci = 0; ci < cinG; ci++) {
        for (let kh = 0; kh < kernelH; kh++) {
          const dh = t.rowOffset[kh]!, ohLo = t.rowLo[kh]!, ohHi = t.rowHi[kh]!;
          for (let kw = 0; kw < kernelW; kw++, e++) {
            const owLo = t.colLo[kw]!, owHi = t.colHi[kw]!;
            const dw = kw * dilationW;
            let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
            for (let n = 0; n < g.batch; n++) {
              const y0 = (n * g.outChannels + co) * P;
              const xPlane = (n * g.inChannels + gr * cinG + ci) * inPlane;
              for (let oh = ohLo; oh < ohHi; oh++) {
                const yr = y0 + oh * outW;
                const xRow = xPlane + (oh * strideH + dh) * inW + dw;
                for (let ow = owLo; ow < owHi; ow++) {
                  const xv = input[xRow + t.colStart[ow]!]!;
                  const o = yr + ow;
                  a0 += gradOutput[o]! * xv;
                  a1 += gradOutput[o + c1]! * xv;
                  a2 += gradOutput[o + c2]! * xv;
                  a3 += gradOutput[o + c3]! * xv;
                }
              }
            }
            gw[co * E + e] = a0;
            if (m > 1) gw[(co + 1) * E + e] = a1;
            if (m > 2) gw[(co + 2) * E + e] = a2;
            if (m > 3) gw[(co + 3) * E + e] = a3;
          }
        }
      }
    }
  }
  return gw;
}

/** Gradient with respect to the bias in float64: `[C_out]`, `gradOutput` summed over N, H, W. */
export function conv2dBackwardBiasF64(g: Conv2dGeometry, gradOutput: Float64Array, gradBias?: Float64Array): Float64Array {
  const P = g.outH * g.outW;
  checkLength("conv2d", "grad_output", gradOutput, g.batch * g.outChannels * P);
  const gb = destination("conv2d", "grad_bias", gradBias, g.outChannels, Float64Array);
  for (let c = 0; c < g.outChannels; c++) {
    let sum = 0.0;
    for (let n = 0; n < g.batch; n++) {
      const o = (n * g.outChannels + c) * P;
      for (let p = 0; p < P; p++) sum += gradOutput[o + p]!;
    }
    gb[c] = sum;
  }
  return gb;
}
