/**
 * 3-D pooling kernels over `planes` contiguous `[D, H, W]` volumes (`N·C` of them), written once over
 * both float array types: max pooling (window positions from stride, padding and dilation; the index
 * of each maximum is its flat `d·H·W + h·W + w` in the volume, a NaN wins as in ATen), average pooling
 * (ATen's divisor: the window clipped to the padded input, or to the input without
 * `count_include_pad`, or `divisor_override`), and adaptive pooling (window `⌊o·I/O⌋ … ⌈(o+1)·I/O⌉`).
 * Each backward scatters the output gradient back over the same windows.
 *
 * @example
 * const { output, indices } = maxPool3d(g, x);     // g from shape/pool3d.ts
 * const gx = maxPool3dBackward(g, gy, indices);
 */
import type { AdaptivePool3dGeometry, Pool3dGeometry } from "../../shape/pool3d.js";
import { type FloatArray, floatArrayType } from "./float-array.js";
import type { MaxPoolResult } from "./pool2d.js";

const volume = (t: readonly number[]) => t[0]! * t[1]! * t[2]!;

/** Visits every output cell: its flat offset in the output and the first input position of its window per axis. */
function forEachOutput(g: Pool3dGeometry, f: (o: number, plane: number, t0: number, h0: number, w0: number) => void): void {
  const [oD, oH, oW] = g.out;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    for (let od = 0; od < oD; od++) {
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          f(o++, p, od * g.stride[0] - g.padding[0], oh * g.stride[1] - g.padding[1], ow * g.stride[2] - g.padding[2]);
        }
      }
    }
  }
}

/** Max pooling: each window's maximum and its flat index in the volume. */
export function maxPool3d<A extends FloatArray>(g: Pool3dGeometry, x: A): MaxPoolResult<A> {
  const [D, H, W] = g.in;
  const [kD, kH, kW] = g.kernel;
  const [dD, dH, dW] = g.dilation;
  const vol = D * H * W;
  const n = g.planes * volume(g.out);
  const output = new (floatArrayType(x))(n);
  const indices = new Int32Array(n);
  forEachOutput(g, (o, p, t0, h0, w0) => {
    const base = p * vol;
    let best = -Infinity, at = -1;
    for (let i = 0; i < kD; i++) {
      const t = t0 + i * dD;
      if (t < 0 || t >= D) continue;
      for (let j = 0; j < kH; j++) {
        const h = h0 + j * dH;
        if (h < 0 || h >= H) continue;
        for (let k = 0; k < kW; k++) {
          const w = w0 + k * dW;
          if (w < 0 || w >= W) continue;
          const idx = (t * H + h) * W + w;
          const v = x[base + idx]!;
          if (at < 0 || v > best || Number.isNaN(v)) {
            best = v;
            at = idx;
          }
        }
      }
    }
    output[o] = best;
    indices[o] = at;
  });
  return { output, indices };
}

/** The gradient of max pooling: each output gradient added at its maximum's index. */
export function maxPool3dBackward<A extends FloatArray>(g: Pool3dGeometry | AdaptivePool3dGeometry, gradOutput: A, indices: Int32Array): A {
  const vol = volume(g.in);
  const per = volume(g.out);
  const gx = new (floatArrayType(gradOutput))(g.planes * vol);
  for (let p = 0; p < g.planes; p++) {
    for (let o = 0; o < per; o++) gx[p * vol + indices[p * per + o]!]! += gradOutput[p * per + o]!;
  }
  return gx;
}

/** ATen's average-pooling window, clipped, and its divisor. */
function avgWindow(g: Pool3dGeometry, t0: number, h0: number, w0: number): [number, number, number, number, number, number, number] {
  const starts = [t0, h0, w0];
  const ends = [0, 1, 2].map((a) => Math.min(starts[a]! + g.kernel[a]!, g.in[a]! + g.padding[a]!));
  const padded = (ends[0]! - starts[0]!) * (ends[1]! - starts[1]!) * (ends[2]! - starts[2]!);
  const s = starts.map((v) => Math.max(v, 0));
  const e = ends.map((v, a) => Math.min(v, g.in[a]!));
  const divisor = g.divisorOverride ?? (g.countIncludePad ? padded : (e[0]! - s[0]!) * (e[1]! - s[1]!) * (e[2]! - s[2]!));
  return [s[0]!, e[0]!, s[1]!, e[1]!, s[2]!, e[2]!, divisor];
}

/** Average pooling. */
export function avgPool3d<A extends FloatArray>(g: Pool3dGeometry, x: A): A {
  const [, H, W] = g.in;
  const vol = volume(g.in);
  const output = new (floatArrayType(x))(g.planes * volume(g.out));
  forEachOutput(g, (o, p, t0, h0, w0) => {
    const [ts, te, hs, he, ws, we, divisor] = avgWindow(g, t0, h0, w0);
    let sum = 0;
    for (let t = ts; t < te; t++) for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) sum += x[p * vol + (t * H + h) * W + w]!;
    output[o] = sum / divisor;
  });
  return output;
}

/** The gradient of average pooling: each output gradient shared over its window. */
export function avgPool3dBackward<A extends FloatArray>(g: Pool3dGeometry, gradOutput: A): A {
  const [, H, W] = g.in;
  const vol = volume(g.in);
  const gx = new (floatArrayType(gradOutput))(g.planes * vol);
  forEachOutput(g, (o, p, t0, h0, w0) => {
    const [ts, te, hs, he, ws, we, divisor] = avgWindow(g, t0, h0, w0);
    const share = gradOutput[o]! / divisor;
    for (let t = ts; t < te; t++) for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) gx[p * vol + (t * H + h) * W + w]! += share;
  });
  return gx;
}

const start = (o: number, I: number, O: number) => Math.floor((o * I) / O);
const end = (o: number, I: number, O: number) => Math.ceil(((o + 1) * I) / O);

/** Visits every adaptive window: output offset, plane and the window's bounds per axis. */
function forEachAdaptive(g: AdaptivePool3dGeometry, f: (o: number, p: number, b: number[]) => void): void {
  const [D, H, W] = g.in;
  const [oD, oH, oW] = g.out;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    for (let od = 0; od < oD; od++) {
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          f(o++, p, [start(od, D, oD), end(od, D, oD), start(oh, H, oH), end(oh, H, oH), start(ow, W, oW), end(ow, W, oW)]);
        }
      }
    }
  }
}

/** Adaptive average pooling. */
export function adaptiveAvgPool3d<A extends FloatArray>(g: AdaptivePool3dGeometry, x: A): A {
  const [, H, W] = g.in;
  const vol = volume(g.in);
  const output = new (floatArrayType(x))(g.planes * volume(g.out));
  forEachAdaptive(g, (o, p, [ts, te, hs, he, ws, we]) => {
    let sum = 0;
    for (let t = ts!; t < te!; t++) for (let h = hs!; h < he!; h++) for (let w = ws!; w < we!; w++) sum += x[p * vol + (t * H + h) * W + w]!;
    output[o] = sum / ((te! - ts!) * (he! - hs!) * (we! - ws!));
  });
  return output;
}

/** The gradient of adaptive average pooling. */
export function adaptiveAvgPool3dBackward<A extends FloatArray>(g: AdaptivePool3dGeometry, gradOutput: A): A {
  const [, H, W] = g.in;
  const vol = volume(g.in);
  const gx = new (floatArrayType(gradOutput))(g.planes * vol);
  forEachAdaptive(g, (o, p, [ts, te, hs, he, ws, we]) => {
    const share = gradOutput[o]! / ((te! - ts!) * (he! - hs!) * (we! - ws!));
    for (let t = ts!; t < te!; t++) for (let h = hs!; h < he!; h++) for (let w = ws!; w < we!; w++) gx[p * vol + (t * H + h) * W + w]! += share;
  });
  return gx;
}

/** Adaptive max pooling: each window's maximum and its flat index (the window's first cell to start, a NaN wins). */
export function adaptiveMaxPool3d<A extends FloatArray>(g: AdaptivePool3dGeometry, x: A): MaxPoolResult<A> {
  const [, H, W] = g.in;
  const vol = volume(g.in);
  const n = g.planes * volume(g.out);
  const output = new (floatArrayType(x))(n);
  const indices = new Int32Array(n);
  forEachAdaptive(g, (o, p, [ts, te, hs, he, ws, we]) => {
    let best = -Infinity, at = (ts! * H + hs!) * W + ws!;
    for (let t = ts!; t < te!; t++) {
      for (let h = hs!; h < he!; h++) {
        for (let w = ws!; w < we!; w++) {
          const idx = (t * H + h) * W + w;
          const v = x[p * vol + idx]!;
          if (v > best || Number.isNaN(v)) {
            best = v;
            at = idx;
          }
        }
      }
    }
    output[o] = best;
    indices[o] = at;
  });
  return { output, indices };
}
