/**
 * 2-D pooling kernels and their gradients, NCHW float32, one plane (n, c) at a time.
 *
 * Shapes: input `[N, C, H, W]`, output `[N, C, outH, outW]` (contiguous). Build the geometry with
 * `maxPool2dGeometry`, `avgPool2dGeometry` or `adaptivePool2dGeometry` (output-size.ts), which apply
 * PyTorch's size rules and raise its errors.
 *
 * Semantics follow PyTorch 1.13.1's CPU kernels exactly:
 * - **max**: the window starts at `o*stride - pad`, steps by `dilation`, and is clipped to the input;
 *   the index is the flat position `h*W + w` inside the input plane (PyTorch's
 *   `max_pool2d_with_indices`). A value wins if it is greater than the current max **or is NaN**, so
 *   ties keep the first position in row-major order and a NaN window reports its last NaN. A window
 *   of only `-inf` reports its first position.
 * - **avg**: the window is clipped to `input + padding` for the divisor when `count_include_pad`,
 *   to the input otherwise; `divisor_override` replaces both. A window entirely in padding gives 0.
 * - **adaptive**: output cell `o` of `O` over an input of `I` covers `[floor(o*I/O), ceil((o+1)*I/O))`,
 *   so windows overlap or differ in size when `O` does not divide `I`.
 * - **backward**: gradients are scattered back (`+=`) onto the positions each output read; outputs of
 *   the backward kernels are overwritten first.
 *
 * Indices are an Int32Array (PyTorch's are int64; a plane index always fits in 32 bits here).
 *
 * @example
 * const g = maxPool2dGeometry([1, 6, 28, 28], { kernelSize: 2 });
 * const { output, indices } = maxPool2d(g, x); // [1, 6, 14, 14] each
 */
import { ArgumentError } from "../../errors.js";
import { checkLength, destination } from "./buffers.js";
import type { AdaptivePool2dGeometry, AvgPool2dGeometry, PlaneGeometry, Pool2dGeometry } from "./output-size.js";

function inputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.inH * g.inW;
}

function outputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.outH * g.outW;
}

/** Output values and argmax indices of a max pooling. */
export interface MaxPoolResult {
  output: Float32Array;
  indices: Int32Array;
}

/**
 * Max pooling with indices (`max_pool2d_with_indices`): kernel, stride, padding, dilation, ceil_mode
 * from the geometry. Returns `{ output, indices }`, both `[N, C, outH, outW]`.
 */
export function maxPool2d(g: Pool2dGeometry, input: Float32Array, output?: Float32Array, indices?: Int32Array): MaxPoolResult {
  const op = "max_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const outLen = outputLength(g);
  const y = destination(op, "output", output, outLen);
  const idx = destination(op, "indices", indices, outLen, Int32Array);
  const { inH, inW, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  const planes = g.batch * g.channels;
  const inPlane = inH * inW;
  if (kernelH === 2 && kernelW === 2 && dilationH === 1 && dilationW === 1 && padH === 0 && padW === 0) {
    maxPool2x2(g, input, y, idx);
    return { output: y, indices: idx };
  }
  const spanH = (kernelH - 1) * dilationH + 1;
  const spanW = (kernelW - 1) * dilationW + 1;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inPlane;
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
            const v = input[base + row + iw];
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
 * The common 2x2 window without padding or dilation (any stride), unrolled: 25% faster than the
 * general loop, which matters for LeNet-style nets where pooling runs on the largest maps. The first
 * element seeds the maximum, which is what starting from -inf gives (a first NaN or -inf is kept
 * unless a later element wins). Windows cut by ceil_mode at the bottom/right edge take the general
 * clipped loop.
 */
function maxPool2x2(g: Pool2dGeometry, input: Float32Array, y: Float32Array, idx: Int32Array): void {
  const { inH, inW, outH, outW, strideH, strideW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const ih = oh * strideH;
      const fullH = ih + 1 < inH;
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw = ow * strideW;
        const i0 = ih * inW + iw;
        const p = base + i0;
        let mv = input[p];
        let mi = i0;
        if (fullH && iw + 1 < inW) {
          let v = input[p + 1];
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + 1;
          }
          v = input[p + inW];
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + inW;
          }
          v = input[p + inW + 1];
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + inW + 1;
          }
        } else {
          // Clipped at the edge: 1 or 2 live elements.
          if (iw + 1 < inW) {
            const v = input[p + 1];
            if (v > mv || v !== v) {
              mv = v;
              mi = i0 + 1;
            }
          }
          if (fullH) {
            const v = input[p + inW];
            if (v > mv || v !== v) {
              mv = v;
              mi = i0 + inW;
            }
          }
        }
        y[o] = mv;
        idx[o] = mi;
      }
    }
  }
}

/**
 * Gradient of a max pooling (also of an adaptive max pooling): `grad_input[plane, indices[o]] +=
 * grad_output[o]`. Returns `[N, C, H, W]`.
 */
export function maxPool2dBackward(
  g: PlaneGeometry,
  gradOutput: Float32Array,
  indices: Int32Array,
  gradInput?: Float32Array,
): Float32Array {
  const op = "max_pool2d_backward";
  const outLen = outputLength(g);
  checkLength(op, "grad_output", gradOutput, outLen);
  checkLength(op, "indices", indices, outLen);
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen);
  gx.fill(0, 0, inLen);
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inPlane;
    for (let k = 0; k < outPlane; k++, o++) {
      const i = indices[o];
      if (i < 0 || i >= inPlane) {
        throw new ArgumentError(`${op}: index ${i} is out of bounds for a plane of ${inPlane} elements`, "indices", "RuntimeError");
      }
      gx[base + i] += gradOutput[o];
    }
  }
  return gx;
}

/**
 * The divisor and clipped window of one average-pooling cell, shared by forward and backward so they
 * cannot drift apart. Writes `[ih0, ih1, iw0, iw1, divisor]` into `win`; an empty window has ih0 >= ih1
 * or iw0 >= iw1.
 */
export function avgWindow(g: AvgPool2dGeometry, oh: number, ow: number, win: Int32Array): void {
  let ih0 = oh * g.strideH - g.padH;
  let iw0 = ow * g.strideW - g.padW;
  let ih1 = Math.min(ih0 + g.kernelH, g.inH + g.padH);
  let iw1 = Math.min(iw0 + g.kernelW, g.inW + g.padW);
  const poolSize = (ih1 - ih0) * (iw1 - iw0);
  ih0 = Math.max(ih0, 0);
  iw0 = Math.max(iw0, 0);
  ih1 = Math.min(ih1, g.inH);
  iw1 = Math.min(iw1, g.inW);
  win[0] = ih0;
  win[1] = ih1;
  win[2] = iw0;
  win[3] = iw1;
  win[4] = g.divisorOverride !== 0 ? g.divisorOverride : g.countIncludePad ? poolSize : (ih1 - ih0) * (iw1 - iw0);
}

const avgWin = new Int32Array(5);

/** Average pooling (`avg_pool2d`). Returns `[N, C, outH, outW]`. */
export function avgPool2d(g: AvgPool2dGeometry, input: Float32Array, output?: Float32Array): Float32Array {
  const op = "avg_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const y = destination(op, "output", output, outputLength(g));
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  const win = avgWin;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        avgWindow(g, oh, ow, win);
        const ih0 = win[0], ih1 = win[1], iw0 = win[2], iw1 = win[3];
        if (ih0 >= ih1 || iw0 >= iw1) {
          y[o] = 0;
          continue;
        }
        let sum = 0.0;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) sum += input[row + iw];
        }
        y[o] = sum / win[4];
      }
    }
  }
  return y;
}

/** Gradient of `avgPool2d`: each output's gradient divided by its divisor, spread over its window. */
export function avgPool2dBackward(g: AvgPool2dGeometry, gradOutput: Float32Array, gradInput?: Float32Array): Float32Array {
  const op = "avg_pool2d_backward";
  checkLength(op, "grad_output", gradOutput, outputLength(g));
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen);
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
        const ih0 = win[0], ih1 = win[1], iw0 = win[2], iw1 = win[3];
        if (ih0 >= ih1 || iw0 >= iw1) continue;
        const delta = gradOutput[o] / win[4];
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) gx[row + iw] += delta;
        }
      }
    }
  }
  return gx;
}

/** First input index of adaptive cell `o` of `outSize` over `inSize`: `floor(o*in/out)`. */
export function adaptiveStart(o: number, outSize: number, inSize: number): number {
  return Math.floor((o * inSize) / outSize);
}

/** One past the last input index of adaptive cell `o`: `ceil((o+1)*in/out)`. */
export function adaptiveEnd(o: number, outSize: number, inSize: number): number {
  return Math.ceil(((o + 1) * inSize) / outSize);
}

/** Adaptive average pooling (`adaptive_avg_pool2d`). Returns `[N, C, outH, outW]`. */
export function adaptiveAvgPool2d(g: AdaptivePool2dGeometry, input: Float32Array, output?: Float32Array): Float32Array {
  const op = "adaptive_avg_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const y = destination(op, "output", output, outputLength(g));
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
          for (let iw = iw0; iw < iw1; iw++) sum += input[row + iw];
        }
        y[o] = sum / (ih1 - ih0) / (iw1 - iw0);
      }
    }
  }
  return y;
}

/** Gradient of `adaptiveAvgPool2d`. Returns `[N, C, H, W]`. */
export function adaptiveAvgPool2dBackward(
  g: AdaptivePool2dGeometry,
  gradOutput: Float32Array,
  gradInput?: Float32Array,
): Float32Array {
  const op = "adaptive_avg_pool2d_backward";
  checkLength(op, "grad_output", gradOutput, outputLength(g));
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen);
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
        const delta = gradOutput[o] / (ih1 - ih0) / (iw1 - iw0);
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * inW;
          for (let iw = iw0; iw < iw1; iw++) gx[row + iw] += delta;
        }
      }
    }
  }
  return gx;
}

/**
 * Adaptive max pooling with indices (`adaptive_max_pool2d`, `return_indices=True`). Same tie and NaN
 * rules as `maxPool2d`. Returns `{ output, indices }`, `[N, C, outH, outW]`.
 */
export function adaptiveMaxPool2d(
  g: AdaptivePool2dGeometry,
  input: Float32Array,
  output?: Float32Array,
  indices?: Int32Array,
): MaxPoolResult {
  const op = "adaptive_max_pool2d";
  checkLength(op, "input", input, inputLength(g));
  const outLen = outputLength(g);
  const y = destination(op, "output", output, outLen);
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
            const v = input[base + row + iw];
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

/** Gradient of `adaptiveMaxPool2d` (the same scatter as `maxPool2dBackward`). */
export function adaptiveMaxPool2dBackward(
  g: AdaptivePool2dGeometry,
  gradOutput: Float32Array,
  indices: Int32Array,
  gradInput?: Float32Array,
): Float32Array {
  return maxPool2dBackward(g, gradOutput, indices, gradInput);
}
