/**
 * The checks PyTorch 2.x makes before a 1-, 2- or 3-D convolution or a
 * transposed convolution runs (ATen's `_convolution` and `check_shape_forward`,
 * in their order and with their messages, shapes as the user gave them), and
 * the geometry of the call: sizes per spatial axis.
 *
 * The kernels are 2-D (src/backend/): `convKernelGeometry` maps a call onto
 * them. A 1-D convolution is a 2-D one with height 1, as ATen's
 * `view1d_as_2d` does; a transposed convolution is the input gradient of the
 * convolution that goes the other way (its "input" is the transposed output);
 * a 3-D convolution folds the depth window into the channels
 * (cpu/conv3d.ts), so each output depth is a 2-D convolution.
 *
 * @example
 * convNdGeometry("conv1d", [2, 3, 10], [4, 3, 3]).outSize              // [8]
 * convNdGeometry("conv_transpose2d", [1, 4, 5, 5], [4, 3, 3, 3], { stride: 2 }).outSize   // [11, 11]
 */
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import type { Conv2dGeometry } from "./conv-pool.js";
import { channelsMatch, convOutputSize, kernelFits, outputNonEmpty, passes, samePadding } from "./dim.js";

/** The convolutions this file describes (`conv2d` itself has conv-pool.ts's geometry). */
export type ConvNdOp = "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d";

/** Spatial axes of each op. */
export const CONV_AXES: Readonly<Record<ConvNdOp, number>> = {
  conv1d: 1, conv2d: 2, conv3d: 3, conv_transpose1d: 1, conv_transpose2d: 2, conv_transpose3d: 3,
};

export function isTransposed(op: ConvNdOp): boolean {
  return op.startsWith("conv_transpose");
}

/** Hyper-parameters: one int for every axis or one per axis. */
export type IntOrList = number | readonly number[];

export interface ConvNdOptions {
  stride?: IntOrList;
  /** Transposed convolutions take numbers only. */
  padding?: IntOrList | "same" | "valid";
  dilation?: IntOrList;
  groups?: number;
  output_padding?: IntOrList;
}

/** A convolution resolved to numbers; shapes are batched (`[N, C, ...spatial]`). */
export interface ConvNdGeometry {
  op: ConvNdOp;
  transposed: boolean;
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inSize: number[];
  outSize: number[];
  kernel: number[];
  stride: number[];
  padBefore: number[];
  padAfter: number[];
  dilation: number[];
  outputPadding: number[];
}

function runtimeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "RuntimeError");
}

/** ATen's `expand_param_if_needed`: one value for every axis, or exactly one per axis. */
export function expandParam(name: string, v: IntOrList, axes: number): number[] {
  if (typeof v === "number") return new Array<number>(axes).fill(v);
  if (v.length === 1) return new Array<number>(axes).fill(v[0]!);
  if (v.length !== axes) {
    throw runtimeArg(
      `expected ${name} to be a single integer value or a list of ${axes} values to match the convolution dimensions, but got ${name}=${fmtShape(v)}`,
      name);
  }
  return [...v];
}

/** The output length of a transposed convolution along one axis. */
export function transposedOutputSize(input: number, kernel: number, stride: number, pad: number, dilation: number, outputPadding: number): number {
  return (input - 1) * stride - 2 * pad + dilation * (kernel - 1) + outputPadding + 1;
}

function unbatchedName(axes: number): string {
  return `${axes + 1}D (unbatched) or ${axes + 2}D (batched)`;
}

/**
 * The batched input shape of a call, with PyTorch's error for a wrong rank: `conv1d` takes
 * `[C, L]` or `[N, C, L]`, `conv3d` `[C, D, H, W]` or `[N, C, D, H, W]`.
 */
export function batchedConvInput(op: ConvNdOp, inputShape: readonly number[]): { shape: number[]; batched: boolean } {
  const axes = CONV_AXES[op];
  const nd = inputShape.length;
  if (nd !== axes + 1 && nd !== axes + 2) {
    throw new ShapeError(
      `Expected ${unbatchedName(axes)} input to ${op}, but got input of size: ${fmtShape(inputShape)}`,
      { op, shapes: { input: inputShape }, expected: { ndim: [axes + 1, axes + 2] }, got: { ndim: nd } },
    );
  }
  return nd === axes + 2 ? { shape: [...inputShape], batched: true } : { shape: [1, ...inputShape], batched: false };
}

/**
 * Validates a convolution the way PyTorch 2.x does; `inputShape` is batched (see {@link batchedConvInput}).
 * `weightShape` is `[C_out, C_in/groups, ...kernel]`, or `[C_in, C_out/groups, ...kernel]` for a transposed one.
 */
export function convNdGeometry(
  op: ConvNdOp,
  inputShape: readonly number[],
  weightShape: readonly number[],
  options: ConvNdOptions = {},
  biasShape?: readonly number[] | null,
): ConvNdGeometry {
  const axes = CONV_AXES[op];
  const transposed = isTransposed(op);
  const groups = options.groups ?? 1;
  const padding = options.padding ?? 0;
  if (groups <= 0) throw runtimeArg("non-positive groups is not supported", "groups");
  const k = weightShape.length;
  if (k < 3) throw runtimeArg("weight should have at least three dimensions", "weight");
  const stride = expandParam("stride", options.stride ?? 1, axes);
  const dilation = expandParam("dilation", options.dilation ?? 1, axes);
  const outputPadding = expandParam("output_padding", options.output_padding ?? 0, axes);
  const kernel = weightShape.slice(2);
  let padBefore: number[];
  let padAfter: number[];
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) throw runtimeArg("padding='same' is not supported for strided convolutions", "padding");
    const split = kernel.map((kk, i) => samePadding(kk, dilation[i] ?? 1));
    padBefore = split.map((s) => s[0]);
    padAfter = split.map((s) => s[1]);
  } else if (padding === "valid") {
    padBefore = new Array<number>(axes).fill(0);
    padAfter = padBefore;
  } else if (typeof padding === "string") {
    throw runtimeArg(`Invalid padding string: '${padding}'`, "padding");
  } else {
    padBefore = expandParam("padding", padding, axes);
    padAfter = padBefore;
  }
  if (padBefore.some((p) => p < 0) || padAfter.some((p) => p < 0)) throw runtimeArg("negative padding is not supported", "padding");
  if (outputPadding.some((p) => p < 0)) throw runtimeArg("negative output_padding is not supported", "output_padding");
  if (stride.some((s) => s <= 0)) throw runtimeArg("non-positive stride is not supported", "stride");
  if (dilation.some((d) => d <= 0)) throw runtimeArg("dilation should be greater than zero", "dilation");
  if (inputShape.length !== k) {
    throw new ShapeError(
      `Expected ${k}-dimensional input for ${k}-dimensional weight ${fmtShape(weightShape)}, but got ${inputShape.length}-dimensional input of size ${fmtShape(inputShape)} instead`,
      { op, shapes: { input: inputShape, weight: weightShape }, expected: { ndim: k }, got: { ndim: inputShape.length } },
    );
  }
  const w0 = weightShape[0]!;
  if (w0 < groups) {
    throw new ShapeError(
      `Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${fmtShape(weightShape)} instead`,
      { op, shapes: { weight: weightShape }, expected: { weight0: `>= ${groups}` }, got: { weight0: w0 } },
    );
  }
  if (w0 % groups !== 0) {
    throw new ShapeError(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmtShape(weightShape)}] instead`,
      { op, shapes: { weight: weightShape }, expected: { weight0: `multiple of ${groups}` }, got: { weight0: w0 } },
    );
  }
  const C = inputShape[1]!;
  const inSize = inputShape.slice(2);
  const expectedC = transposed ? w0 : weightShape[1]! * groups;
  const outChannels = transposed ? weightShape[1]! * groups : w0;
  const what = transposed ? "transposed=1" : `groups=${groups}`;
  if (!passes(channelsMatch(C, expectedC))) {
    throw new ShapeError(
      `Given ${what}, weight of size ${fmtShape(weightShape)}, expected input${fmtShape(inputShape)} to have ${expectedC} channels, but got ${C} channels instead`,
      { op, shapes: { input: inputShape, weight: weightShape }, expected: { in_channels: expectedC }, got: { in_channels: C } },
    );
  }
  if (biasShape && !(biasShape.length === 1 && biasShape[0] === outChannels)) {
    throw new ShapeError(
      `Given ${transposed ? "transposed=1, " : ""}weight of size ${fmtShape(weightShape)}, expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size ${fmtShape(biasShape)} instead`,
      { op, shapes: { weight: weightShape, bias: biasShape }, expected: { bias: [outChannels] }, got: { bias: biasShape } },
    );
  }
  let outSize: number[];
  if (!transposed) {
    const fits = inSize.map((x, i) => kernelFits(x, kernel[i]!, dilation[i]!, padBefore[i]!, padAfter[i]!));
    const padded = fits.map((c) => c.size);
    const eff = fits.map((c) => c.bound);
    if (!fits.every(passes)) {
      throw new ShapeError(
        `Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${eff.join(" x ")}). Kernel size can't be greater than actual input size`,
        { op, shapes: { input: inputShape, weight: weightShape }, expected: { padded_input: `>= (${eff.join(" x ")})` }, got: { padded_input: padded, kernel: eff } },
      );
    }
    outSize = inSize.map((x, i) => convOutputSize(x, kernel[i]!, stride[i]!, padBefore[i]!, padAfter[i]!, dilation[i]!));
  } else {
    // slow_conv_transpose{2,3}d_shape_check, on the 2-D view of a 1-D call (height: stride 1, no padding).
    const two = (v: number[], fill: number) => (axes === 1 ? [fill, v[0]!] : v);
    const names = axes === 3 ? ["depth", "height", "width"] : ["height", "width"];
    const [op2, s2, d2] = [two(outputPadding, 0), two(stride, 1), two(dilation, 1)];
    if (!op2.every((o, i) => o < s2[i]! || o < d2[i]!)) {
      const show = (what: string, v: number[]) => names.map((n, i) => `${what}_${n}: ${v[i]}`).join(" ");
      throw runtimeArg(
        `output padding must be smaller than either stride or dilation, but got ${show("output_padding", op2)} ${show("stride", s2)} ${show("dilation", d2)}`,
        "output_padding");
    }
    outSize = inSize.map((x, i) => transposedOutputSize(x, kernel[i]!, stride[i]!, padBefore[i]!, dilation[i]!, outputPadding[i]!));
    if (!outSize.every((o) => passes(outputNonEmpty(o)))) {
      const inShown = two(inSize, 1);
      const outShown = two(outSize, 1);
      throw new ShapeError(
        `Given input size per channel: (${inShown.join(" x ")}). Calculated output size per channel: (${outShown.join(" x ")}). Output size is too small`,
        { op, shapes: { input: inputShape, output: outShown }, expected: { output_size: ">= 1" }, got: { output_size: outShown } },
      );
    }
  }
  return {
    op, transposed, batch: inputShape[0]!, inChannels: C, outChannels, groups,
    inSize, outSize, kernel, stride, padBefore, padAfter, dilation, outputPadding,
  };
}

/** The batched output shape `[N, C_out, ...outSize]`. */
export function convNdOutputShape(g: ConvNdGeometry): number[] {
  return [g.batch, g.outChannels, ...g.outSize];
}

/**
 * The 2-D convolution the kernels run for `g`. For 1-D calls the height axis is 1. For a transposed
 * call it is the convolution whose input gradient the transposed convolution is: input = the transposed
 * output (`[N, C_out, ...outSize]`), output = the transposed input. For a 3-D call the depth window is
 * folded into the channels (`[N·outD, C·kD, H, W]`, cpu/conv3d.ts), which keeps the weight's memory as is.
 */
export function convKernelGeometry(g: ConvNdGeometry): Conv2dGeometry {
  const axes = g.kernel.length;
  // The two axes the 2-D kernel sees (height first).
  const at = (v: number[], fill: number): [number, number] =>
    axes === 1 ? [fill, v[0]!] : axes === 2 ? [v[0]!, v[1]!] : [v[1]!, v[2]!];
  const [kH, kW] = at(g.kernel, 1);
  const [sH, sW] = at(g.stride, 1);
  const [pT, pL] = at(g.padBefore, 0);
  const [pB, pR] = at(g.padAfter, 0);
  const [dH, dW] = at(g.dilation, 1);
  const [inH, inW] = at(g.inSize, 1);
  const [outH, outW] = at(g.outSize, 1);
  const common = {
    kernelH: kH, kernelW: kW, strideH: sH, strideW: sW, padTop: pT, padBottom: pB, padLeft: pL, padRight: pR,
    dilationH: dH, dilationW: dW, groups: g.groups,
  };
  if (g.transposed) {
    if (axes === 3) return convKernelGeometry(forwardOf(g));
    return { ...common, batch: g.batch, inChannels: g.outChannels, inH: outH, inW: outW, outChannels: g.inChannels, outH: inH, outW: inW };
  }
  if (axes === 3) {
    const kD = g.kernel[0]!;
    return { ...common, batch: g.batch * g.outSize[0]!, inChannels: g.inChannels * kD, inH, inW, outChannels: g.outChannels, outH, outW };
  }
  return { ...common, batch: g.batch, inChannels: g.inChannels, inH, inW, outChannels: g.outChannels, outH, outW };
}

/**
 * The convolution a transposed one is the input gradient of: its input is the transposed output, its
 * output the transposed input (same weight, kernel, stride, padding, dilation and groups).
 */
export function forwardOf(g: ConvNdGeometry): ConvNdGeometry {
  const axes = g.kernel.length;
  return {
    ...g, op: axes === 1 ? "conv1d" : axes === 2 ? "conv2d" : "conv3d", transposed: false,
    inChannels: g.outChannels, outChannels: g.inChannels, inSize: g.outSize, outSize: g.inSize,
  };
}
