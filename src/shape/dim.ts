/**
 * The output-size rules of the spatial ops, each written once over
 * `Dim = number | SymExpr`: given a number they compute the size a kernel
 * will produce (conv-pool.ts builds kernel geometries with them, the meta
 * device reads those), given a formula (`H`, `⌊(H−4)/2⌋`) they build the
 * formula the trace shows and the solver solves.
 *
 * @example
 * convOutputSize(32, 5, 1, 0, 0, 1)                  // 28
 * String(convOutputSize(sym("H"), 5, 1, 0, 0, 1))    // "H−4"
 * String(poolOutputSize(sym("H"), 2, 0, 0, 2, 1, false))   // "⌊H/2⌋"
 */
import { Exact, ScaledFloor, type SymExpr, compose, div, mul } from "./sym.js";
import { add } from "./sym.js";

/** A size: a number, or a formula over the input's named sizes. */
export type Dim = number | SymExpr;

/** `[h, w]` from one number for both spatial dims or a one/two-element list (`_pair` in PyTorch). */
export function pair<T>(v: T | readonly T[]): [T, T] {
  if (!Array.isArray(v)) return [v as T, v as T];
  const a = v as readonly T[];
  return a.length === 1 ? [a[0]!, a[0]!] : [a[0]!, a[1]!];
}

/** Floor division (Python's `//`, ATen's `div_rtn`): rounds toward negative infinity. */
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * Output length of a convolution along one dimension:
 * `⌊(in + padBefore + padAfter − dilation·(kernel−1) − 1) / stride⌋ + 1`.
 * No validation; a number may come out below 1.
 */
export function convOutputSize(inputSize: number, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): number;
export function convOutputSize(inputSize: SymExpr, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): SymExpr;
export function convOutputSize(inputSize: Dim, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): Dim;
export function convOutputSize(inputSize: Dim, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): Dim {
  const shift = padBefore + padAfter - dilation * (kernel - 1) - 1;
  if (typeof inputSize === "number") return floorDiv(inputSize + shift, stride) + 1;
  // The layer's own rule first (a 5×5 conv is x−4), then applied to its input as a unit.
  return compose((x) => add(div(add(x, shift), stride), 1), inputSize);
}

/**
 * Output length of a pooling window along one dimension (ATen's `pooling_output_shape_pad_lr`).
 * With `ceilMode` the division rounds up, but the last window must start inside the input or the
 * left padding: if `(out−1)·stride ≥ input + padL`, that window is dropped. A formula shows the
 * rounded-up division and evaluates with the exact rule.
 */
export function poolOutputSize(inputSize: number, kernel: number, padL: number, padR: number, stride: number, dilation: number, ceilMode: boolean): number;
export function poolOutputSize(inputSize: SymExpr, kernel: number, padL: number, padR: number, stride: number, dilation: number, ceilMode: boolean): SymExpr;
export function poolOutputSize(inputSize: Dim, kernel: number, padL: number, padR: number, stride: number, dilation: number, ceilMode: boolean): Dim;
export function poolOutputSize(inputSize: Dim, kernel: number, padL: number, padR: number, stride: number, dilation: number, ceilMode: boolean): Dim {
  const shift = padL + padR - dilation * (kernel - 1) - 1;
  if (typeof inputSize === "number") {
    let out = floorDiv(inputSize + shift + (ceilMode ? stride - 1 : 0), stride) + 1;
    if (ceilMode && (out - 1) * stride >= inputSize + padL) out--;
    return out;
  }
  const shown = compose((x) => add(div(add(x, shift), stride, ceilMode), 1), inputSize);
  if (!ceilMode) return shown;
  return new Exact(shown, inputSize, (v) => poolOutputSize(v, kernel, padL, padR, stride, dilation, true));
}

/**
 * PyTorch's `padding='same'` split of the total padding `dilation·(kernel−1)` for one dimension:
 * the smaller half before, the rest after (so an even kernel pads one more at the bottom/right).
 */
export function samePadding(kernel: number, dilation: number): [number, number] {
  const total = dilation * (kernel - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * The size a resize by scale factor `s` gives an axis of size `x`: `trunc(x·s)` (PyTorch's
 * `compute_output_size`). Formulas read `2·H`, `⌊H/2⌋` or `⌊H·1.5⌋`.
 */
export function scaledOutputSize(x: number, s: number): number;
export function scaledOutputSize(x: SymExpr, s: number): SymExpr;
export function scaledOutputSize(x: Dim, s: number): Dim;
export function scaledOutputSize(x: Dim, s: number): Dim {
  if (typeof x === "number") return Math.trunc(x * s);
  if (Number.isInteger(s) && s > 0) return mul(s, x);
  const inv = 1 / s;
  // x·(1/2^k) is exact in floating point: the same as ⌊x/2^k⌋.
  if (s > 0 && Number.isInteger(inv) && (inv & (inv - 1)) === 0) return div(x, inv);
  return new Exact(new ScaledFloor(x, s), x, (v) => Math.trunc(v * s));
}

// ---------------------------------------------------------------- checks

/**
 * A check an op makes on one size, written once: the geometry code tests it on numbers (and throws
 * PyTorch's error, built from `size` and `bound`), the op's family states it on formulas
 * (`check(ctx, c)` in descriptor.ts), so the explanation solves exactly the condition that fails.
 */
export interface SizeCheck<T extends Dim = Dim> {
  /** `ge`: size ≥ bound; `eq`: size = bound. */
  readonly kind: "ge" | "eq";
  /** The size checked (`H + 2p`, an output size, the input's channels). */
  readonly size: T;
  readonly bound: number;
  /** In the op's words: `kernel fits`, `output size`, `in_channels`. */
  readonly what: string;
}

/** Whether a check on numbers passes. */
export function passes(c: SizeCheck<number>): boolean {
  return c.kind === "ge" ? c.size >= c.bound : c.size === c.bound;
}

/** A sliding window's check: the padded input `x + before + after` holds the dilated kernel `d·(k−1) + 1`. */
export function kernelFits(x: number, kernel: number, dilation: number, padBefore: number, padAfter: number): SizeCheck<number>;
export function kernelFits(x: Dim, kernel: number, dilation: number, padBefore: number, padAfter: number): SizeCheck;
export function kernelFits(x: Dim, kernel: number, dilation: number, padBefore: number, padAfter: number): SizeCheck {
  const padded = typeof x === "number" ? x + padBefore + padAfter : add(x, padBefore + padAfter);
  return { kind: "ge", size: padded, bound: dilation * (kernel - 1) + 1, what: "kernel fits" };
}

/** An output size must be at least 1 (pooling, transposed convolution, resizing). */
export function outputNonEmpty(out: number, what?: string): SizeCheck<number>;
export function outputNonEmpty(out: Dim, what?: string): SizeCheck;
export function outputNonEmpty(out: Dim, what = "output size"): SizeCheck {
  return { kind: "ge", size: out, bound: 1, what };
}

/** A matrix product's inner size: the input's features must be the weight's `in_features`. */
export function featuresMatch(features: number, inFeatures: number): SizeCheck<number>;
export function featuresMatch(features: Dim, inFeatures: number): SizeCheck;
export function featuresMatch(features: Dim, inFeatures: number): SizeCheck {
  return { kind: "eq", size: features, bound: inFeatures, what: "in_features" };
}

/** A convolution's input channels must be what its weight expects (`in_channels`). */
export function channelsMatch(channels: number, expected: number): SizeCheck<number>;
export function channelsMatch(channels: Dim, expected: number): SizeCheck;
export function channelsMatch(channels: Dim, expected: number): SizeCheck {
  return { kind: "eq", size: channels, bound: expected, what: "in_channels" };
}
