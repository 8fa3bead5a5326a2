/**
 * 2-D pooling kernels and their gradients, NCHW, one plane (n, c) at a time, for float32 and float64
 * alike: each kernel is typed over `FloatArray` and returns arrays of its input's type. That includes
 * `maxPool2d`'s unrolled 2x2 path, LeNet's pooling and the benchmarked hot path: fed both array
 * types it measures 4% slower than a float32-only copy on float32 (median of 5 runs, 1.04-1.06x)
 * and a quarter faster on float64 than the general window loop (bench/f64-twins.ts), so it has no
 * float64 twin.
 *
 * Shapes: input `[N, C, H, W]`, output `[N, C, outH, outW]` (contiguous). Build the geometry with
 * `maxPool2dGeometry`, `avgPool2dGeometry` or `adaptivePool2dGeometry` (src/shape/conv-pool.ts), which apply
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
 * Sums run in double and are rounded once on store. Indices are an Int32Array (PyTorch's are int64;
 * a plane index always fits in 32 bits here).
 *
 * @example
 * const g = maxPool2dGeometry([1, 6, 28, 28], { kernelSize: 2 });
 * const { output, indices } = maxPool2d(g, x); // [1, 6, 14, 14] each
 */
import { ArgumentError } from "../../errors.js";
import { checkLength, destination } from "./buffers.js";
import { floatArrayType, type FloatArray } from "./float-array.js";
import type { AdaptivePool2dGeometry, AvgPool2dGeometry, PlaneGeometry, Pool2dGeometry } from "../../shape/conv-pool.js";

function inputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.inH * g.inW;
}

function outputLength(g: PlaneGeometry): number {
  return g.batch * g.channels * g.outH * g.outW;
}

/** The checked input and the output of a forward kernel (a new array of the input's type when none is given). */
function forwardOutput<A extends FloatArray>(op: string, g: PlaneGeometry, input: A, output: A | undefined): A {
  checkLength(op, "input", input, inputLength(g));
  return destination(op, "output", output, outputLength(g), floatArrayType(input));
}

/** The checked gradient and the zeroed input gradient of a backward kernel. */
function zeroedGradInput<A extends FloatArray>(op: string, g: PlaneGeometry, gradOutput: A, gradInput: A | undefined): A {
  checkLength(op, "grad_output", gradOutput, outputLength(g));
  const inLen = inputLength(g);
  const gx = destination(op, "grad_input", gradInput, inLen, floatArrayType(gradOutput));
  gx.fill(0, 0, inLen);
  return gx;
}

/**
 * One output cell's clipped window, `[ih0, ih1, iw0, iw1, divisor]`. Every kernel is synchronous and
 * reads its window before computing the next, so one scratch array serves them all.
 */
const win = new Int32Array(5);

/** Sum of `x` over the window `win` of the plane at `base`. */
function windowSum(x: FloatArray, base: number, inW: number): number {
  const ih1 = win[1]!, iw0 = win[2]!, iw1 = win[3]!;
  let sum = 0.0;
  for (let ih = win[0]!; ih < ih1; ih++) {
    const row = base + ih * inW;
    for (let iw = iw0; iw < iw1; iw++) sum += x[row + iw]!;
  }
  return sum;
}

/** `gx += delta` over the window `win` of the plane at `base`. */
function spread(gx: FloatArray, base: number, inW: number, delta: number): void {
  const ih1 = win[1]!, iw0 = win[2]!, iw1 = win[3]!;
  for (let ih = win[0]!; ih < ih1; ih++) {
    const row = base + ih * inW;
    for (let iw = iw0; iw < iw1; iw++) gx[row + iw] += delta;
  }
}

/**
 * The max of `x` over the window `win` (rows and columns stepping by `dh`, `dw`) and its flat index
 * in the plane, stored at `y[o]` and `idx[o]`.
 */
function windowMax<A extends FloatArray>(x: A, base: number, inW: number, dh: number, dw: number, y: A, idx: Int32Array, o: number): void {
  const ih0 = win[0]!, ih1 = win[1]!, iw0 = win[2]!, iw1 = win[3]!;
  let maxIndex = ih0 * inW + iw0;
  let maxVal = -Infinity;
  for (let ih = ih0; ih < ih1; ih += dh) {
    const row = ih * inW;
    for (let iw = iw0; iw < iw1; iw += dw) {
      const v = x[base + row + iw]!;
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

/** Output values and argmax indices of a max pooling. */
export interface MaxPoolResult<A extends FloatArray = Float32Array> {
  output: A;
  indices: Int32Array;
}

/** The checked input and the output arrays of a max pooling. */
export function maxPoolResult<A extends FloatArray>(
  op: string, g: PlaneGeometry, input: A, output: A | undefined, indices: Int32Array | undefined,
): MaxPoolResult<A> {
  const y = forwardOutput(op, g, input, output);
  return { output: y, indices: destination(op, "indices", indices, outputLength(g), Int32Array) };
}

/**
 * Max pooling with indices (`max_pool2d_with_indices`), either precision: kernel, stride, padding,
 * dilation, ceil_mode from the geometry. Returns `{ output, indices }`, both `[N, C, outH, outW]`.
 * A max over doubles compares doubles: values closer than float32 can resolve still pick the right
 * index.
 */
export function maxPool2d<A extends FloatArray>(g: Pool2dGeometry, input: A, output?: A, indices?: Int32Array): MaxPoolResult<A> {
  const r = maxPoolResult("max_pool2d", g, input, output, indices);
  const plain = g.dilationH === 1 && g.dilationW === 1 && g.padH === 0 && g.padW === 0;
  if (plain && g.kernelH === 2 && g.kernelW === 2) maxPool2x2(g, input, r.output, r.indices);
  else maxPoolWindows(g, input, r.output, r.indices);
  return r;
}

/** The general max pooling loop, any window and either precision. */
export function maxPoolWindows<A extends FloatArray>(g: Pool2dGeometry, input: A, y: A, idx: Int32Array): void {
  const { inH, inW, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  const planes = g.batch * g.channels;
  const spanH = (kernelH - 1) * dilationH + 1;
  const spanW = (kernelW - 1) * dilationW + 1;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      let ih0 = oh * strideH - padH;
      win[1] = Math.min(ih0 + spanH, inH);
      while (ih0 < 0) ih0 += dilationH;
      win[0] = ih0;
      for (let ow = 0; ow < outW; ow++, o++) {
        let iw0 = ow * strideW - padW;
        win[3] = Math.min(iw0 + spanW, inW);
        while (iw0 < 0) iw0 += dilationW;
        win[2] = iw0;
        windowMax(input, base, inW, dilationH, dilationW, y, idx, o);
      }
    }
  }
}

/**
 * The common 2x2 window without padding or dilation (any stride), unrolled: 25% faster than the
 * general loop, which matters for LeNet-style nets where pooling runs on the largest maps. The first
 * element seeds the maximum, which is what starting from -inf gives (a first NaN or -inf is kept
 * unless a later element wins). Windows cut by ceil_mode at the bottom/right edge compare only their
 * 1 or 2 live elements.
 */
function maxPool2x2<A extends FloatArray>(g: Pool2dGeometry, input: A, y: A, idx: Int32Array): void {
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
        let mv = input[p]!;
        let mi = i0;
        if (fullH && iw + 1 < inW) {
          let v = input[p + 1]!;
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + 1;
          }
          v = input[p + inW]!;
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + inW;
          }
          v = input[p + inW + 1]!;
          if (v > mv || v !== v) {
            mv = v;
            mi = i0 + inW + 1;
          }
        } else {
          // Clipped at the edge: 1 or 2 live elements.
          if (iw + 1 < inW) {
            const v = input[p + 1]!;
            if (v > mv || v !== v) {
              mv = v;
              mi = i0 + 1;
            }
          }
          if (fullH) {
            const v = input[p + inW]!;
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
 * Gradient of a max pooling (also of an adaptive max pooling), either precision:
 * `grad_input[plane, indices[o]] += grad_output[o]`. Returns `[N, C, H, W]`.
 */
export function maxPool2dBackward<A extends FloatArray>(g: PlaneGeometry, gradOutput: A, indices: Int32Array, gradInput?: A): A {
  const op = "max_pool2d_backward";
  checkLength(op, "indices", indices, outputLength(g));
  const gx = zeroedGradInput(op, g, gradOutput, gradInput);
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

/**
 * The divisor and clipped window of one average-pooling cell, shared by forward and backward so they
 * cannot drift apart. Writes `[ih0, ih1, iw0, iw1, divisor]` into `into`; an empty window has
 * ih0 >= ih1 or iw0 >= iw1.
 */
export function avgWindow(g: AvgPool2dGeometry, oh: number, ow: number, into: Int32Array): void {
  let ih0 = oh * g.strideH - g.padH;
  let iw0 = ow * g.strideW - g.padW;
  let ih1 = Math.min(ih0 + g.kernelH, g.inH + g.padH);
  let iw1 = Math.min(iw0 + g.kernelW, g.inW + g.padW);
  const poolSize = (ih1 - ih0) * (iw1 - iw0);
  ih0 = Math.max(ih0, 0);
  iw0 = Math.max(iw0, 0);
  ih1 = Math.min(ih1, g.inH);
  iw1 = Math.min(iw1, g.inW);
  into[0] = ih0;
  into[1] = ih1;
  into[2] = iw0;
  into[3] = iw1;
  into[4] = g.divisorOverride !== 0 ? g.divisorOverride : g.countIncludePad ? poolSize : (ih1 - ih0) * (iw1 - iw0);
}

/** `avgWindow` into the scratch window; false when the window lies entirely in padding. */
function liveAvgWindow(g: AvgPool2dGeometry, oh: number, ow: number): boolean {
  avgWindow(g, oh, ow, win);
  return win[0]! < win[1]! && win[2]! < win[3]!;
}

/** Average pooling (`avg_pool2d`), either precision. Returns `[N, C, outH, outW]`. */
export function avgPool2d<A extends FloatArray>(g: AvgPool2dGeometry, input: A, output?: A): A {
  const y = forwardOutput("avg_pool2d", g, input, output);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        y[o] = liveAvgWindow(g, oh, ow) ? windowSum(input, base, inW) / win[4]! : 0;
      }
    }
  }
  return y;
}

/** Gradient of `avgPool2d`: each output's gradient divided by its divisor, spread over its window. */
export function avgPool2dBackward<A extends FloatArray>(g: AvgPool2dGeometry, gradOutput: A, gradInput?: A): A {
  const gx = zeroedGradInput("avg_pool2d_backward", g, gradOutput, gradInput);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        if (liveAvgWindow(g, oh, ow)) spread(gx, base, inW, gradOutput[o]! / win[4]!);
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

/** The rows of adaptive output row `oh` into the scratch window. */
function adaptiveRows(g: AdaptivePool2dGeometry, oh: number): void {
  win[0] = adaptiveStart(oh, g.outH, g.inH);
  win[1] = adaptiveEnd(oh, g.outH, g.inH);
}

/** The columns of adaptive output column `ow` into the scratch window. */
function adaptiveColumns(g: AdaptivePool2dGeometry, ow: number): void {
  win[2] = adaptiveStart(ow, g.outW, g.inW);
  win[3] = adaptiveEnd(ow, g.outW, g.inW);
}

/** `v / rows / cols` of the scratch window: PyTorch divides twice, which rounds differently from once. */
function perCell(v: number): number {
  return v / (win[1]! - win[0]!) / (win[3]! - win[2]!);
}

/** Adaptive average pooling (`adaptive_avg_pool2d`), either precision. Returns `[N, C, outH, outW]`. */
export function adaptiveAvgPool2d<A extends FloatArray>(g: AdaptivePool2dGeometry, input: A, output?: A): A {
  const y = forwardOutput("adaptive_avg_pool2d", g, input, output);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      adaptiveRows(g, oh);
      for (let ow = 0; ow < outW; ow++, o++) {
        adaptiveColumns(g, ow);
        y[o] = perCell(windowSum(input, base, inW));
      }
    }
  }
  return y;
}

/** Gradient of `adaptiveAvgPool2d`. Returns `[N, C, H, W]`. */
export function adaptiveAvgPool2dBackward<A extends FloatArray>(g: AdaptivePool2dGeometry, gradOutput: A, gradInput?: A): A {
  const gx = zeroedGradInput("adaptive_avg_pool2d_backward", g, gradOutput, gradInput);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      adaptiveRows(g, oh);
      for (let ow = 0; ow < outW; ow++, o++) {
        adaptiveColumns(g, ow);
        spread(gx, base, inW, perCell(gradOutput[o]!));
      }
    }
  }
  return gx;
}

/**
 * Adaptive max pooling with indices (`adaptive_max_pool2d`, `return_indices=True`), either precision.
 * Same tie and NaN rules as `maxPool2d`. Returns `{ output, indices }`, `[N, C, outH, outW]`.
 */
export function adaptiveMaxPool2d<A extends FloatArray>(
  g: AdaptivePool2dGeometry, input: A, output?: A, indices?: Int32Array,
): MaxPoolResult<A> {
  const r = maxPoolResult("adaptive_max_pool2d", g, input, output, indices);
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      adaptiveRows(g, oh);
      for (let ow = 0; ow < outW; ow++, o++) {
        adaptiveColumns(g, ow);
        windowMax(input, base, inW, 1, 1, r.output, r.indices, o);
      }
    }
  }
  return r;
}

/** Gradient of `adaptiveMaxPool2d` (the same scatter as `maxPool2dBackward`). */
export const adaptiveMaxPool2dBackward: <A extends FloatArray>(
  g: AdaptivePool2dGeometry, gradOutput: A, indices: Int32Array, gradInput?: A,
) => A = maxPool2dBackward;
