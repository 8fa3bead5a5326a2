/**
 * The checks PyTorch 1.13.1 makes before it runs a 2-D convolution, pooling or
 * resize, in the same order and with the same messages, and the geometry those
 * kernels run on. The output-size arithmetic itself is dim.ts's (one rule for
 * numbers and formulas).
 *
 * The kernels (src/backend/) take a resolved *geometry* (plain numbers: batch,
 * channels, input and output sizes, kernel, stride, padding per side,
 * dilation). The functions here build that geometry from shapes and
 * hyper-parameters, throwing the typed errors of `src/errors.ts` whose messages
 * start with PyTorch's own text:
 *
 * - conv: `conv2dGeometry` follows `check_shape_forward` in ATen's
 *   Convolution.cpp (groups, negative padding, non-positive stride, weight at
 *   least `groups` and divisible by it, input channels, bias size, "Kernel size
 *   can't be greater than actual input size"), then the kernel-size and
 *   dilation checks of the backend PyTorch would pick.
 * - pooling: `maxPool2dGeometry` / `avgPool2dGeometry` follow
 *   `pooling_output_shape` (Pool.h: stride zero, negative pad, pad at most half
 *   the kernel) for height then width, then `pool2d_shape_check` (kernel,
 *   stride, dilation positive, non-empty dims, "Output size is too small").
 * - adaptive pooling: `adaptivePool2dGeometry` (output sizes not negative,
 *   non-empty input dims).
 *
 * Shapes are NCHW; a 3-D shape `[C, H, W]` is an unbatched input (batch 1),
 * as PyTorch accepts.
 *
 * @example
 * const g = maxPool2dGeometry([1, 16, 5, 5], { kernelSize: 2 });
 * g.outH // 2
 * maxPool2dGeometry([1, 16, 1, 1], { kernelSize: 2 })
 * // throws ShapeError: Given input size: (16x1x1). Calculated output size: (16x0x0). Output size is too small
 */
import { ArgumentError, ShapeError, SizeError, fmtShape } from "../errors.js";
import { channelsMatch, convOutputSize, kernelFits, outputNonEmpty, passes, poolOutputSize, samePadding, scaledOutputSize } from "./dim.js";

/** One number for both spatial dims, or `[height, width]`. */
export type Pair = number | readonly [number, number];

/** Explicit padding per side; asymmetric padding is what `padding='same'` needs with even kernels. */
export interface Padding4 {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Everything a 2-D convolution kernel needs, resolved to numbers (NCHW, contiguous). */
export interface Conv2dGeometry {
  batch: number;
  inChannels: number;
  inH: number;
  inW: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  outH: number;
  outW: number;
}

/** Independent planes resized from `inH × inW` to `outH × outW` (NCHW, contiguous): what every pooling and resize kernel shares. */
export interface PlaneGeometry {
  batch: number;
  channels: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
}

/** Everything a 2-D max or average pooling kernel needs (NCHW, contiguous; `channels` are independent planes). */
export interface Pool2dGeometry extends PlaneGeometry {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  ceilMode: boolean;
}

/** Average pooling adds how the divisor is chosen. */
export interface AvgPool2dGeometry extends Pool2dGeometry {
  countIncludePad: boolean;
  /** Divide every window sum by this instead of the window size (PyTorch's `divisor_override`); 0 = not set. */
  divisorOverride: number;
}

/** Adaptive pooling: output sizes are given, windows are derived (`start = floor(o*I/O)`, `end = ceil((o+1)*I/O)`). */
export type AdaptivePool2dGeometry = PlaneGeometry;

/** Options of `conv2dGeometry`, named as in `torch.nn.functional.conv2d`. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Numbers (symmetric), explicit per-side padding, or PyTorch's `'same'` / `'valid'`. */
  padding?: Pair | Padding4 | "same" | "valid";
  dilation?: Pair;
  groups?: number;
}

/** Options of the pooling geometries, named as in `torch.nn.functional.max_pool2d`; `stride` defaults to the kernel. */
export interface Pool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends Omit<Pool2dOptions, "dilation"> {
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function typeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "TypeError");
}

/**
 * A conv hyper-parameter (`stride`, `padding`, `dilation`) as `[h, w]`, with PyTorch's errors for a
 * list of the wrong length or a non-integer element.
 */
function convPair(name: string, v: Pair): [number, number] {
  // The common forms first, without building a list.
  if (typeof v === "number") {
    if (Number.isInteger(v)) return [v, v];
  } else if (v.length === 2 && Number.isInteger(v[0]) && Number.isInteger(v[1])) {
    return [v[0], v[1]];
  }
  const list = typeof v === "number" ? [v] : [...(v as readonly number[])];
  list.forEach((x, i) => {
    if (!Number.isInteger(x)) {
      throw typeArg(`conv2d(): argument '${name}' must be tuple of ints, but found element of type float at pos ${i + 1}`, name);
    }
  });
  if (list.length !== 1 && list.length !== 2) {
    throw runtimeArg(
      `expected ${name} to be a single integer value or a list of 2 values to match the convolution dimensions, but got ${name}=${fmtShape(list)}`,
      name,
    );
  }
  return list.length === 1 ? [list[0]!, list[0]!] : [list[0]!, list[1]!];
}

/** What a pooling op says when a hyper-parameter has the wrong length (PyTorch's wording, typos kept). */
const POOL_LENGTH_MESSAGES: Record<string, Record<string, string>> = {
  max_pool2d: {
    kernel_size: "max_pool2d: kernel_size must either be a single int, or a tuple of two ints",
    stride: "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints",
    padding: "max_pool2d: padding must be either be a single int, or a tuple of two ints",
    dilation: "max_pool2d: dilation must be either a single int, or a tuple of two ints",
  },
  avg_pool2d: {
    kernel_size: "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints",
    stride: "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints",
    padding: "avg_pool2d: padding must either be a single int, or a tuple of two ints",
  },
};

/** Positions of max_pool2d's arguments, as PyTorch's argument parser reports them. */
const POOL_POSITIONS: Record<string, number> = { kernel_size: 2, stride: 3, padding: 4, dilation: 5 };

/** PyTorch's argument parser: a pooling hyper-parameter must be an int or a tuple of ints (TypeError). */
function poolTypeCheck(op: "max_pool2d" | "avg_pool2d", name: string, v: Pair | undefined): void {
  if (v === undefined) return;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) {
      // F.max_pool2d passes its arguments on by position, so the parser names it; F.avg_pool2d is the
      // native function itself, called with keywords.
      const position = op === "max_pool2d" ? ` (position ${POOL_POSITIONS[name]})` : "";
      throw typeArg(`${op}(): argument '${name}'${position} must be tuple of ints, not float`, name);
    }
    return;
  }
  const list = Array.isArray(v) ? (v as readonly number[]) : [...(v as readonly number[])];
  for (let i = 0; i < list.length; i++) {
    if (!Number.isInteger(list[i])) {
      throw typeArg(`${op}(): argument '${name}' must be tuple of ints, but found element of type float at pos ${i + 1}`, name);
    }
  }
}

/** A type-checked pooling hyper-parameter as `[h, w]`; a tuple of the wrong length is a RuntimeError. */
function poolPair(op: "max_pool2d" | "avg_pool2d", name: string, v: Pair): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  const list = [...(v as readonly number[])];
  if (list.length !== 1 && list.length !== 2) throw runtimeArg(POOL_LENGTH_MESSAGES[op]![name]!, name);
  return list.length === 1 ? [list[0]!, list[0]!] : [list[0]!, list[1]!];
}

/** `[N, C, H, W]` from a 3-D (unbatched) or 4-D shape; other ranks are the caller's error to raise. */
function nchw(shape: readonly number[]): [number, number, number, number] {
  if (shape.length === 4) return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  if (shape.length === 3) return [1, shape[0]!, shape[1]!, shape[2]!];
  throw new ShapeError(
    `Expected 3D (unbatched) or 4D (batched) input, but got input of size: ${fmtShape(shape)}`,
    { op: "conv2d", shapes: { input: shape }, expected: { ndim: [3, 4] }, got: { ndim: shape.length } },
  );
}

function isPadding4(p: unknown): p is Padding4 {
  return typeof p === "object" && p !== null && !Array.isArray(p) && "top" in p;
}

function runtimeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "RuntimeError");
}

/**
 * Validates a 2-D convolution the way PyTorch 1.13.1 does and returns its geometry.
 *
 * `inputShape` is `[N, C_in, H, W]` (or `[C_in, H, W]`), `weightShape` is
 * `[C_out, C_in/groups, kH, kW]`, `biasShape` is `[C_out]` when there is a bias.
 *
 * @example
 * conv2dGeometry([1, 1, 32, 32], [6, 1, 5, 5]).outH // 28
 * conv2dGeometry([1, 3, 8, 8], [4, 3, 2, 2], { padding: "same" }) // padTop 0, padBottom 1
 */
export function conv2dGeometry(
  inputShape: readonly number[],
  weightShape: readonly number[],
  options: Conv2dOptions = {},
  biasShape?: readonly number[] | null,
): Conv2dGeometry {
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups)) throw typeArg("conv2d(): argument 'groups' must be int, not float", "groups");
  const padding = options.padding ?? 0;
  if (typeof padding === "string" && padding !== "same" && padding !== "valid") {
    throw runtimeArg(`Invalid padding string: '${padding}'`, "padding");
  }
  const [sH, sW] = convPair("stride", options.stride ?? 1);
  const [dH, dW] = convPair("dilation", options.dilation ?? 1);
  const symmetric = typeof padding === "string" || isPadding4(padding) ? null : convPair("padding", padding);
  if (inputShape.length !== 3 && inputShape.length !== 4) {
    throw new ShapeError(
      `Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${fmtShape(inputShape)}`,
      { op: "conv2d", shapes: { input: inputShape }, expected: { ndim: [3, 4] }, got: { ndim: inputShape.length } },
    );
  }
  if (groups <= 0) throw runtimeArg("non-positive groups is not supported", "groups");
  if (weightShape.length !== 4) {
    throw new ShapeError(
      `Expected 4-dimensional weight for conv2d, but got weight of size ${fmtShape(weightShape)}`,
      { op: "conv2d", shapes: { weight: weightShape }, expected: { ndim: 4 }, got: { ndim: weightShape.length } },
    );
  }
  const [kH, kW] = [weightShape[2]!, weightShape[3]!];
  let pads: Padding4;
  if (padding === "same") {
    if (sH !== 1 || sW !== 1) {
      throw runtimeArg("padding='same' is not supported for strided convolutions", "padding");
    }
    const [t, b] = samePadding(kH, dH);
    const [l, r] = samePadding(kW, dW);
    pads = { top: t, bottom: b, left: l, right: r };
  } else if (padding === "valid") {
    pads = { top: 0, bottom: 0, left: 0, right: 0 };
  } else if (isPadding4(padding)) {
    for (const side of [padding.top, padding.bottom, padding.left, padding.right]) {
      if (!Number.isInteger(side)) throw typeArg("conv2d(): argument 'padding' must be tuple of ints, but found element of type float", "padding");
    }
    pads = { top: padding.top, bottom: padding.bottom, left: padding.left, right: padding.right };
  } else {
    const [pH, pW] = symmetric!;
    pads = { top: pH, bottom: pH, left: pW, right: pW };
  }
  if (pads.top < 0 || pads.bottom < 0 || pads.left < 0 || pads.right < 0) {
    throw runtimeArg("negative padding is not supported", "padding");
  }
  if (sH <= 0 || sW <= 0) throw runtimeArg("non-positive stride is not supported", "stride");
  // A negative dilation is refused here with the bare text; zero reaches the dilated backend's check below.
  if (dH < 0 || dW < 0) throw runtimeArg("dilation should be greater than zero", "dilation");

  const [N, C, H, W] = nchw(inputShape);
  // Messages are formatted only on the error paths below: this runs on every convolution.
  const outChannels = weightShape[0]!;
  if (outChannels < groups) {
    throw new ShapeError(
      `Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${fmtShape(weightShape)} instead`,
      { op: "conv2d", shapes: { weight: weightShape }, expected: { out_channels: `>= ${groups}` }, got: { out_channels: outChannels } },
    );
  }
  if (outChannels % groups !== 0) {
    throw new ShapeError(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmtShape(weightShape)}] instead`,
      { op: "conv2d", shapes: { weight: weightShape }, expected: { out_channels: `multiple of ${groups}` }, got: { out_channels: outChannels } },
    );
  }
  const expectedC = weightShape[1]! * groups;
  if (!passes(channelsMatch(C, expectedC))) {
    const shownInput = inputShape.length === 3 ? [1, ...inputShape] : inputShape;
    throw new ShapeError(
      `Given groups=${groups}, weight of size ${fmtShape(weightShape)}, expected input${fmtShape(shownInput)} to have ${expectedC} channels, but got ${C} channels instead`,
      { op: "conv2d", shapes: { input: inputShape, weight: weightShape }, expected: { in_channels: expectedC }, got: { in_channels: C } },
    );
  }
  if (biasShape && !(biasShape.length === 1 && biasShape[0] === outChannels)) {
    throw new ShapeError(
      `Given weight of size ${fmtShape(weightShape)}, expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size ${fmtShape(biasShape)} instead`,
      { op: "conv2d", shapes: { weight: weightShape, bias: biasShape }, expected: { bias: [outChannels] }, got: { bias: biasShape } },
    );
  }
  // PyTorch compares the padded input with the dilated kernel (its message shows `in + 2*pad`,
  // which for asymmetric padding is `in + before + after`).
  const fitH = kernelFits(H, kH, dH, pads.top, pads.bottom);
  const fitW = kernelFits(W, kW, dW, pads.left, pads.right);
  const [paddedH, paddedW, effKH, effKW] = [fitH.size, fitW.size, fitH.bound, fitW.bound];
  if (!passes(fitH) || !passes(fitW)) {
    throw new ShapeError(
      `Calculated padded input size per channel: (${paddedH} x ${paddedW}). Kernel size: (${effKH} x ${effKW}). Kernel size can't be greater than actual input size`,
      {
        op: "conv2d",
        shapes: { input: inputShape, weight: weightShape },
        expected: { padded_input: `>= (${effKH} x ${effKW})` },
        got: { padded_input: [paddedH, paddedW], kernel: [effKH, effKW] },
      },
    );
  }
  if (dH !== 1 || dW !== 1) {
    // The dilated backend checks kernel then dilation.
    if (kH <= 0 || kW <= 0) throw runtimeArg(`kernel size should be greater than zero, but got [${kH}, ${kW}]`, "kernel_size");
    if (dH <= 0 || dW <= 0) throw runtimeArg(`dilation should be greater than zero, but got [${dH}, ${dW}]`, "dilation");
  } else if (kH <= 0 || kW <= 0) {
    throw runtimeArg(`kernel size should be greater than zero, but got kernel_height: ${kH} kernel_width: ${kW}`, "kernel_size");
  }
  return {
    batch: N,
    inChannels: C,
    inH: H,
    inW: W,
    outChannels,
    kernelH: kH,
    kernelW: kW,
    strideH: sH,
    strideW: sW,
    padTop: pads.top,
    padBottom: pads.bottom,
    padLeft: pads.left,
    padRight: pads.right,
    dilationH: dH,
    dilationW: dW,
    groups,
    outH: convOutputSize(H, kH, sH, pads.top, pads.bottom, dH),
    outW: convOutputSize(W, kW, sW, pads.left, pads.right, dW),
  };
}

/** ATen's `pooling_output_shape`: the per-dimension checks, then the arithmetic. */
export function checkedPoolOutputSize(
  inputSize: number,
  kernelSize: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): number {
  if (stride === 0) throw runtimeArg("stride should not be zero", "stride");
  if (pad < 0) throw runtimeArg(`pad must be non-negative, but got pad: ${pad}`, "padding");
  // PyTorch 2.x halves the dilated (effective) kernel; C++ integer division truncates toward zero
  // (kernel may be negative here; it is rejected later).
  if (pad > Math.trunc(((kernelSize - 1) * dilation + 1) / 2)) {
    throw runtimeArg(
      `pad should be at most half of effective kernel size, but got pad=${pad}, kernel_size=${kernelSize} and dilation=${dilation}`, "padding");
  }
  return poolOutputSize(inputSize, kernelSize, pad, pad, stride, dilation, ceilMode);
}

/** ATen's `pool2d_shape_check` (forward): positive kernel/stride/dilation, non-empty dims, output at least 1. */
function pool2dShapeCheck(
  op: string,
  inputShape: readonly number[],
  kH: number,
  kW: number,
  sH: number,
  sW: number,
  dilH: number,
  dilW: number,
  outH: number,
  outW: number,
): void {
  if (!(kW > 0 && kH > 0)) {
    throw runtimeArg(`kernel size should be greater than zero, but got kH: ${kH} kW: ${kW}`, "kernel_size");
  }
  if (!(sW > 0 && sH > 0)) {
    throw runtimeArg(`stride should be greater than zero, but got dH: ${sH} dW: ${sW}`, "stride");
  }
  if (!(dilH > 0 && dilW > 0)) {
    throw runtimeArg(`dilation should be greater than zero, but got dilationH: ${dilH} dilationW: ${dilW}`, "dilation");
  }
  const nd = inputShape.length;
  const validDims = inputShape[nd - 3] !== 0 && inputShape[nd - 2] !== 0;
  const ok = (nd === 3 && inputShape[0] !== 0 && validDims) || (nd === 4 && validDims && inputShape[3] !== 0);
  if (!ok) {
    throw new ShapeError(
      `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(inputShape)}`,
      { op, shapes: { input: inputShape } },
    );
  }
  if (!passes(outputNonEmpty(outW)) || !passes(outputNonEmpty(outH))) {
    const C = inputShape[nd - 3]!;
    const H = inputShape[nd - 2]!;
    const W = inputShape[nd - 1]!;
    throw new ShapeError(
      `Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${outH}x${outW}). Output size is too small`,
      { op, shapes: { input: inputShape, output: [C, outH, outW] }, expected: { output_size: ">= 1" }, got: { output_size: [outH, outW] } },
    );
  }
}

/**
 * Validates `max_pool2d` the way PyTorch 1.13.1 does and returns its geometry.
 * `stride` defaults to `kernelSize` (PyTorch's `stride=None`).
 *
 * @example
 * maxPool2dGeometry([1, 6, 28, 28], { kernelSize: 2 }).outH // 14
 */
export function maxPool2dGeometry(inputShape: readonly number[], options: Pool2dOptions): Pool2dGeometry {
  const hyper = poolHyper("max_pool2d", options);
  if (inputShape.length !== 3 && inputShape.length !== 4) {
    throw new ShapeError("non-empty 3D or 4D (batch mode) tensor expected for input", {
      op: "max_pool2d",
      shapes: { input: inputShape },
      expected: { ndim: [3, 4] },
      got: { ndim: inputShape.length },
    });
  }
  return pool2dGeometry("max_pool2d", inputShape, hyper, options.ceilMode ?? false);
}

/** kernel, stride, padding, dilation of a pooling, checked for type and length in PyTorch's order. */
interface PoolHyper {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

function poolHyper(op: "max_pool2d" | "avg_pool2d", options: AvgPool2dOptions & Pool2dOptions): PoolHyper {
  // Python's argument parser runs first (TypeError), then ATen's length checks (RuntimeError).
  poolTypeCheck(op, "kernel_size", options.kernelSize);
  poolTypeCheck(op, "stride", options.stride);
  poolTypeCheck(op, "padding", options.padding);
  if (op === "max_pool2d") poolTypeCheck(op, "dilation", options.dilation);
  const divisor = options.divisorOverride;
  if (op === "avg_pool2d" && divisor !== undefined && divisor !== null && !Number.isInteger(divisor)) {
    throw typeArg("avg_pool2d(): argument 'divisor_override' must be int, not float", "divisor_override");
  }
  const kernel = poolPair(op, "kernel_size", options.kernelSize);
  // PyTorch's stride=None (or an empty tuple) means "the kernel size".
  const strideGiven = options.stride !== undefined && !(Array.isArray(options.stride) && options.stride.length === 0);
  const stride = strideGiven ? poolPair(op, "stride", options.stride!) : kernel;
  const padding = poolPair(op, "padding", options.padding ?? 0);
  const dilation = op === "max_pool2d" ? poolPair(op, "dilation", options.dilation ?? 1) : ([1, 1] as [number, number]);
  return { kernel, stride, padding, dilation };
}

function pool2dGeometry(op: string, inputShape: readonly number[], hyper: PoolHyper, ceilMode: boolean): Pool2dGeometry {
  const [kH, kW] = hyper.kernel;
  const [sH, sW] = hyper.stride;
  const [pH, pW] = hyper.padding;
  const [dilH, dilW] = hyper.dilation;
  const [N, C, H, W] = nchw(inputShape);
  const outH = checkedPoolOutputSize(H, kH, pH, sH, dilH, ceilMode);
  const outW = checkedPoolOutputSize(W, kW, pW, sW, dilW, ceilMode);
  pool2dShapeCheck(op, inputShape, kH, kW, sH, sW, dilH, dilW, outH, outW);
  return {
    batch: N,
    channels: C,
    inH: H,
    inW: W,
    kernelH: kH,
    kernelW: kW,
    strideH: sH,
    strideW: sW,
    padH: pH,
    padW: pW,
    dilationH: dilH,
    dilationW: dilW,
    ceilMode,
    outH,
    outW,
  };
}

/**
 * Validates `avg_pool2d` the way PyTorch 1.13.1 does and returns its geometry.
 * `stride` defaults to `kernelSize`; `countIncludePad` defaults to true as in PyTorch.
 *
 * @example
 * avgPool2dGeometry([1, 3, 5, 5], { kernelSize: 2, ceilMode: true }).outH // 3
 */
export function avgPool2dGeometry(inputShape: readonly number[], options: AvgPool2dOptions): AvgPool2dGeometry {
  const hyper = poolHyper("avg_pool2d", options);
  const divisor = options.divisorOverride ?? null;
  if (divisor !== null && divisor === 0) throw runtimeArg("divisor must be not zero", "divisor_override");
  if (inputShape.length < 3) {
    // PyTorch reads `input.size(-3)` and fails with an IndexError.
    const nd = inputShape.length;
    throw new ShapeError(
      `Dimension out of range (expected to be in range of [${-Math.max(nd, 1)}, ${Math.max(nd, 1) - 1}], but got -3)`,
      { op: "avg_pool2d", shapes: { input: inputShape }, expected: { ndim: [3, 4] }, got: { ndim: nd } },
      "IndexError",
    );
  }
  if (inputShape.length > 4) {
    throw new ShapeError(
      `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(inputShape)}`,
      { op: "avg_pool2d", shapes: { input: inputShape }, expected: { ndim: [3, 4] }, got: { ndim: inputShape.length } },
    );
  }
  const g = pool2dGeometry("avg_pool2d", inputShape, hyper, options.ceilMode ?? false);
  return { ...g, countIncludePad: options.countIncludePad ?? true, divisorOverride: divisor ?? 0 };
}

/**
 * Validates `adaptive_avg_pool2d` / `adaptive_max_pool2d` the way PyTorch 1.13.1 does.
 *
 * @example
 * adaptivePool2dGeometry("adaptive_avg_pool2d", [1, 16, 13, 13], [5, 5]).outH // 5
 */
export function adaptivePool2dGeometry(
  op: "adaptive_avg_pool2d" | "adaptive_max_pool2d",
  inputShape: readonly number[],
  outputSize: number | readonly number[],
): AdaptivePool2dGeometry {
  const isAvg = op === "adaptive_avg_pool2d";
  const sizes = typeof outputSize === "number" ? [outputSize, outputSize] : [...(outputSize as readonly number[])];
  if (sizes.length !== 2) {
    throw runtimeArg(
      isAvg ? "adaptive_avg_pool2d: output_size must be 2" : "adaptive_max_pool2d(): internal error: output_size.size() must be 2",
      "output_size",
    );
  }
  if (!sizes.every((v) => Number.isInteger(v))) {
    throw typeArg(`${op}(): argument 'output_size' must be tuple of ints, but found element of type float`, "output_size");
  }
  const [oH, oW] = [sizes[0]!, sizes[1]!];
  const nd = inputShape.length;
  if (isAvg && (oH < 0 || oW < 0)) {
    throw runtimeArg(
      `adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${oH}, ${oW}}`,
      "output_size",
    );
  }
  if (nd !== 3 && nd !== 4) {
    throw new ShapeError(`${op}(): Expected 3D or 4D tensor, but got${isAvg ? "" : ":"} ${fmtShape(inputShape)}`, {
      op,
      shapes: { input: inputShape },
      expected: { ndim: [3, 4] },
      got: { ndim: nd },
    });
  }
  for (let i = nd - 3; i < nd; i++) {
    if (inputShape[i] === 0) {
      throw new ShapeError(
        `${op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(inputShape)} with dimension ${i} being empty`,
        { op, shapes: { input: inputShape } },
      );
    }
  }
  if (oH < 0 || oW < 0) {
    const out = [...inputShape.slice(0, nd - 2), oH, oW];
    throw new SizeError(
      `Trying to create tensor with negative dimension ${oH < 0 ? oH : oW}: ${fmtShape(out)}`,
      op,
      out,
    );
  }
  const [N, C, H, W] = nchw(inputShape);
  return { batch: N, channels: C, inH: H, inW: W, outH: oH, outW: oW };
}

/** Output shape `[N, C_out, outH, outW]` of a conv geometry. */
export function conv2dOutputShape(g: Conv2dGeometry): [number, number, number, number] {
  return [g.batch, g.outChannels, g.outH, g.outW];
}

/** Output shape `[N, C, outH, outW]` of a pooling geometry. */
export function pool2dOutputShape(g: Pool2dGeometry | AdaptivePool2dGeometry): [number, number, number, number] {
  return [g.batch, g.channels, g.outH, g.outW];
}

/** The resampling kernels: `nearest` (PyTorch's legacy floor rule), `nearest-exact`, `linear` (bilinear), `cubic`. */
export type UpsampleKind = "nearest" | "nearest-exact" | "linear" | "cubic";

/**
 * Everything an upsampling kernel needs (NCHW contiguous; a 1-D `[N, C, W]` input is `inH = outH = 1`).
 * `scaleH`/`scaleW` are the scale factors handed to the kernel (PyTorch's `scales_h`, `scales_w`): when
 * positive, the source positions use `1 / scale`; 0 means "from the sizes" (`in / out`).
 */
export interface Upsample2dGeometry extends PlaneGeometry {
  kind: UpsampleKind;
  alignCorners: boolean;
  /** PyTorch's `_upsample_*_aa`: a filter widened by the downscaling factor (bilinear and bicubic only). */
  antialias: boolean;
  scaleH: number;
  scaleW: number;
  /** Source positions computed in float64 (a float64 input) instead of float32. */
  double: boolean;
  /**
   * The input is also contiguous in channels-last order (one channel, or 1x1 planes): PyTorch's nearest
   * forward then runs its channels-last kernel, whose index rule copies same-size axes and halves
   * indices on axes of exactly twice the input size, where the general kernel computes `floor(o * scale)`.
   */
  channelsLast: boolean;
}

/** Options of `upsample2dGeometry`. */
export interface Upsample2dOptions {
  kind: UpsampleKind;
  alignCorners?: boolean;
  antialias?: boolean;
  /** Per spatial dim (1 or 2 of them), 0 or absent when the output size was given. */
  scales?: readonly number[];
  double?: boolean;
}

/**
 * PyTorch's `compute_output_size` for the `.vec` upsampling overloads: the output sizes are `size`, or
 * `trunc(in * scale)` per spatial dim (a non-finite product is refused as PyTorch refuses it).
 *
 * @example
 * upsampleOutputSize([1, 3, 10, 10], null, [1.5, 2]) // [15, 20]
 */
export function upsampleOutputSize(
  inputShape: readonly number[], size: readonly number[] | null, scales: readonly number[] | null,
): number[] {
  if (size !== null) return [...size];
  const spatial = inputShape.slice(2);
  return spatial.map((v, i) => {
    const p = v * scales![i]!;
    if (!Number.isFinite(p) || Math.abs(p) >= 2 ** 63) {
      throw runtimeArg("IntArrayRef contains an int that cannot be represented as a SymInt: -9223372036854775808", "scale_factor");
    }
    return scaledOutputSize(v, scales![i]!);
  });
}

/**
 * Validates an upsampling the way ATen's `upsample_{1,2}d_common_check` and the upsampling meta
 * functions do (sizes positive, a non-empty input apart from the batch) and returns its geometry.
 * `inputShape` is `[N, C, W]` or `[N, C, H, W]`; `outputSize` has one entry per spatial dim.
 *
 * @example
 * upsample2dGeometry([1, 3, 4, 4], [8, 8], { kind: "linear" }).outH // 8
 */
export function upsample2dGeometry(
  inputShape: readonly number[], outputSize: readonly number[], options: Upsample2dOptions,
): Upsample2dGeometry {
  const nd = inputShape.length;
  if ((nd !== 3 && nd !== 4) || outputSize.length !== nd - 2) {
    throw runtimeArg(`It is expected output_size equals to ${nd - 2}, but got size ${outputSize.length}`, "size");
  }
  const [N, C] = [inputShape[0]!, inputShape[1]!];
  const inH = nd === 4 ? inputShape[2]! : 1;
  const inW = inputShape[nd - 1]!;
  const outH = nd === 4 ? outputSize[0]! : 1;
  const outW = outputSize[outputSize.length - 1]!;
  if (![inH, inW, outH, outW].every((v) => passes(outputNonEmpty(v)))) {
    const msg = nd === 4
      ? `Input and output sizes should be greater than 0, but got input (H: ${inH}, W: ${inW}) output (H: ${outH}, W: ${outW})`
      : `Input and output sizes should be greater than 0, but got input (W: ${inW}) and output (W: ${outW})`;
    throw new ShapeError(msg, {
      op: "interpolate", shapes: { input: inputShape }, expected: { output_size: ">= 1" }, got: { output_size: [...outputSize] },
    });
  }
  // PyTorch allows an empty batch, not empty channels.
  if (C === 0) {
    throw new ShapeError(`Non-empty ${nd}D data tensor expected but got a tensor with sizes ${fmtShape(inputShape)}`, {
      op: "interpolate", shapes: { input: inputShape },
    });
  }
  const scales = options.scales ?? [];
  const scaleW = scales[scales.length - 1] ?? 0;
  const scaleH = nd === 4 ? scales[0] ?? 0 : 0;
  return {
    batch: N, channels: C, inH, inW, outH, outW,
    kind: options.kind,
    alignCorners: options.alignCorners ?? false,
    antialias: options.antialias ?? false,
    scaleH: scaleH > 0 ? scaleH : 0,
    scaleW: scaleW > 0 ? scaleW : 0,
    double: options.double ?? false,
    // ATen's channels-last contiguity of a contiguous NCHW tensor (size-1 dims do not count).
    channelsLast: nd === 4 && (C === 1 || inH * inW === 1),
  };
}

/** Output shape of an upsampling: `[N, C, outW]` for a 1-D input, `[N, C, outH, outW]` otherwise. */
export function upsampleOutputShape(g: Upsample2dGeometry, ndim: number): number[] {
  return ndim === 3 ? [g.batch, g.channels, g.outW] : [g.batch, g.channels, g.outH, g.outW];
}
