/**
 * 2-D pooling kernels and their gradients in double precision, NCHW float64: what the pooling ops
 * run for float64 tensors. Windows, divisors, index, tie and NaN rules are those of pool2d.ts (and
 * of PyTorch 1.13.1): the window helpers (`avgWindow`, `adaptiveStart`, `adaptiveEnd`) are shared, so
 * the two precisions cannot disagree on which cells a window covers. Only the element type
 * differs; the float32 kernels stay monomorphic (Float32Array only), which keeps them fast.
 *
 * A max over doubles compares doubles: values closer than float32 can resolve still pick the right
 * index, and averages divide in double.
 *
 * @example
 * const g = maxPool2dGeometry([1, 6, 28, 28], { kernelSize: 2 });
 * const { output, indices } = maxPool2dF64(g, x); // Float64Array and Int32Array, [1, 6, 14, 14] each
 */
import { ArgumentError } from "../../errors.js";
import { checkLength, destination } from "./buffers.js";
import type { AdaptivePool2dGeometry, AvgPool2dGeometry, PlaneGeometry, Pool2dGeometry } from "./output-size.js";
import { adaptiveEnd, adaptiveStart, avgWindow } from "./pool2d.js";

function inputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.inH * g.inW;
}

function outputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.outH * g.outW;
}

/** Output values and argmax indices (flat `h*W + w` in the input plane) of a float64 max pooling. */
export interface MaxPoolResultF64 {
  output: Float64Array;
  indices: Int32Array;
}

/** Max pooling with indices in float64 (kernel, stride, padding, dilation, ceil_mode from the geometry). */
export function maxPool2dF64(g: Pool2dGeometry, input: Float64Array, output?: Float64Array, indices?: Int32Array): MaxPoolResultF64 {
  const op = "max_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const outLen = outputLength(g);
  const y = destination(op, "output", output, outLen, Float64Array);
  const idx = destination(op, "indices", indices, outLen, Int32Array);
  const { inH, inW, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  const planes = g.batch * g.channels;
  const spanH = (kernelH - 1) * dilationH + 1;
  const spanW = (kernelW - 1) * dilationW + 1;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      let ih0 = oh * strideH - padH;
      const ih1 = Math.min(ih0 + spanH, inH);
      while (ih0 < 0) ih0 += dilationH;
      for (let ow = 0; ow < outW; ow++, o++) {
        let iw0 = ow * strideW - padW;
        const iw1 = Math.min(iw0 + spanW, inW);
        while (iw0 < 0) iw0 += dilationW;
        let maxIndex = ih0 * inW + iw0;
        let maxVal = -Infinity;
        for (let ih = ih0; ih < ih1; ih += dilationH) {
          const row = ih * inW;
          for (let iw = iw0; iw < iw1; iw += dilationW) {
            const v = input[base + row + iw]!;
            // `v !== v` is NaN: PyTorch lets a NaN win (and keep winning).
            if (v > maxVal || v !== v) {
              maxVal = v;
              maxIndex = row + iw;
            }
          }
        }
        y[o] = maxVal;
        idx[o] = maxIndex;
      }
    }
  }
  return { output: y, indices: idx };
}

/**
 * Gradient of a float64 max pooling (also of an adaptive one): `grad_input[plane, indices[o]] +=
 * grad_output[o]`. Returns `[N, C, H, W]`.
 */
export function maxPool2dBackwardF64(
  g: PlaneGeometry,
  gradOutput: Float64Array,
  indices: Int32Array,
  gradInput?: Float64Array,
): Float64Array {
  const op = "max_pool2d_backward";
  const outLen = outputLength(g);
  checkLength(op, "grad_output", gradOutput, outLen);
  checkLength(op, "indices", indices, outLen);
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen, Float64Array);
  gx.fill(0, 0, inLen);
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inPlane;
    for (let k = 0; k < outPlane; k++, o++) {
      const i = indices[o]!;
      if (i < 0 || i >= inPlane) {
        throw new ArgumentError(`${op}: index ${i} is out of bounds for a plane of ${inPlane} elements`, "indices", "RuntimeError");
      }
      gx[base + i] += gradOutput[o]!;
    }
  }
  return gx;
}

const avgWin = new Int32Array(5);

/** Average pooling in float64 (padding, ceil_mode, count_include_pad, divisor_override from the geometry). */
export function avgPool2dF64(g: AvgPool2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  const op = "avg_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const y = destination(op, "output", output, outputLength(g), Float64Array);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  const win = avgWin;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        avgWindow(g, oh, ow, win);
        const ih0 = win[0]!, ih1 = win[1]!, iw0 = win[2]!, iw1 = win[3]!;
        if (ih0 >= ih1 || iw0 >= iw1) {
          y[o] = 0;
          continue;
        }
        let sum = 0.0;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) sum += input[row + iw]!;
        }
        y[o] = sum / win[4]!;
      }
    }
  }
  return y;
}

/** Gradient of `avgPool2dF64`: each output's gradient divided by its divisor, spread over its window. */
export function avgPool2dBackwardF64(g: AvgPool2dGeometry, gradOutput: Float64Array, gradInput?: Float64Array): Float64Array {
  const op = "avg_pool2d_backward";
  checkLength(op, "grad_output", gradOutput, outputLength(g));
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen, Float64Array);
  gx.fill(0, 0, inLen);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  const win = avgWin;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        avgWindow(g, oh, ow, win);
        const ih0 = win[0]!, ih1 = win[1]!, iw0 = win[2]!, iw1 = win[3]!;
        if (ih0 >= ih1 || iw0 >= iw1) continue;
        const delta = gradOutput[o]! / win[4]!;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) gx[row + iw] += delta;
        }
      }
    }
  }
  return gx;
}

/** Adaptive average pooling in float64. Returns `[N, C, outH, outW]`. */
export function adaptiveAvgPool2dF64(g: AdaptivePool2dGeometry, input: Float64Array, output?: Float64Array): Float64Array {
  const op = "adaptive_avg_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const y = destination(op, "output", output, outputLength(g), Float64Array);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = adaptiveStart(oh, outH, inH);
      const ih1 = adaptiveEnd(oh, outH, inH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw0 = adaptiveStart(ow, outW, inW);
        const iw1 = adaptiveEnd(ow, outW, inW);
        let sum = 0.0;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) sum += input[row + iw]!;
        }
        y[o] = sum / (ih1 - ih0) / (iw1 - iw0);
      }
    }
  }
  return y;
}

/** Gradient of `adaptiveAvgPool2dF64`. Returns `[N, C, H, W]`. */
export function adaptiveAvgPool2dBackwardF64(
  g: AdaptivePool2dGeometry,
  gradOutput: Float64Array,
  gradInput?: Float64Array,
): Float64Array {
  const op = "adaptive_avg_pool2d_backward";
  checkLength(op, "grad_output", gradOutput, outputLength(g));
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen, Float64Array);
  gx.fill(0, 0, inLen);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = adaptiveStart(oh, outH, inH);
      const ih1 = adaptiveEnd(oh, outH, inH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw0 = adaptiveStart(ow, outW, inW);
        const iw1 = adaptiveEnd(ow, outW, inW);
        const delta = gradOutput[o]! / (ih1 - ih0) / (iw1 - iw0);
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) gx[row + iw] += delta;
        }
      }
    }
  }
  return gx;
}

/** Adaptive max pooling with indices in float64 (the tie and NaN rules of `maxPool2dF64`). */
export function adaptiveMaxPool2dF64(
  g: AdaptivePool2dGeometry,
  input: Float64Array,
  output?: Float64Array,
  indices?: Int32Array,
): MaxPoolResultF64 {
  const op = "adaptive_max_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const outLen = outputLength(g);
  const y = destination(op, "output", output, outLen, Float64Array);
  const idx = destination(op, "indices", indices, outLen, Int32Array);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = adaptiveStart(oh, outH, inH);
      const ih1 = adaptiveEnd(oh, outH, inH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw0 = adaptiveStart(ow, outW, inW);
        const iw1 = adaptiveEnd(ow, outW, inW);
        let maxIndex = ih0 * inW + iw0;
        let maxVal = -Infinity;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = ih * inW;
          for (let iw = iw0; iw < iw1; iw++) {
            const v = input[base + row + iw]!;
            if (v > maxVal || v !== v) {
              maxVal = v;
              maxIndex = row + iw;
            }
          }
        }
        y[o] = maxVal;
        idx[o] = maxIndex;
      }
    }
  }
  return { output: y, indices: idx };
}

/** Gradient of `adaptiveMaxPool2dF64` (the same scatter as `maxPool2dBackwardF64`). */
export function adaptiveMaxPool2dBackwardF64(
  g: AdaptivePool2dGeometry,
  gradOutput: Float64Array,
  indices: Int32Array,
  gradInput?: Float64Array,
): Float64Array {
  return maxPool2dBackwardF64(g, gradOutput, indices, gradInput);
}
