/**
 * The convolution layers: `nn.Conv1d`, `nn.Conv2d`, `nn.Conv3d` and the
 * transposed `nn.ConvTranspose1d`, `nn.ConvTranspose2d`, `nn.ConvTranspose3d`, on one base
 * (`_ConvNd`, as in PyTorch).
 *
 * `nn.Conv2d`: a learned 2-D convolution. It does not know the size of its
 * input, only its channels: any `[N, in_channels, H, W]` (or unbatched
 * `[in_channels, H, W]`) at least as large as the dilated kernel works, and
 * the output size follows from H and W.
 *
 * Construction draws the weight and then the bias from the default generator
 * exactly as PyTorch's `reset_parameters` does (Kaiming uniform with
 * `a = sqrt(5)`, bias uniform in ±1/sqrt(fan_in)), so `torch.manual_seed(0)`
 * gives PyTorch's weights.
 *
 * @example
 * const conv1 = new nn.Conv2d(1, 6, 5);
 * conv1(torch.randn(1, 1, 32, 32)).shape     // torch.Size([1, 6, 28, 28])
 * String(conv1)                              // "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
 * new nn.Conv2d(3, 64, 3, 1, 1)              // same as new nn.Conv2d(3, 64, 3, { padding: 1 })
 */
import { ArgumentError } from "../errors.js";
import type { Pair } from "../shape/conv-pool.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import { conv2d } from "./functional/conv.js";
import { conv1d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d } from "./functional/conv-nd.js";
import { pad } from "./functional/pad.js";
import { _calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyTuple } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { conv2d as conv2dFamily, conv2dParams } from "../shape/families/conv.js";
import { convNdFamily, convNdParams } from "../shape/families/conv-nd.js";
import { type ConvNdOp, transposedOutputSize } from "../shape/conv-nd.js";

/** How `nn.Conv2d` pads: with zeros (in the convolution), or by reflecting, replicating or wrapping the input. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** Keyword arguments of `nn.Conv2d`. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Padding on both sides of each dimension, or `"same"` (output size = input size, stride 1) / `"valid"` (none). */
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  padding_mode?: PaddingMode;
  dtype?: DTypeLike;
  device?: string;
}

/** Positional parameters after `kernel_size`, in PyTorch's order. */
export type Conv2dPositional = [
  stride: Pair, padding: Pair | "same" | "valid", dilation: Pair, groups: number, bias: boolean, padding_mode: PaddingMode,
];

/** `_single`/`_pair`/`_triple`: an int for every axis, or the tuple as given. */
function toTuple(v: number | readonly number[], axes: number, name: string): number[] {
  if (typeof v === "number") return new Array<number>(axes).fill(v);
  const a = v as readonly number[];
  if (Array.isArray(a) && a.length === axes) return [...a];
  throw new ArgumentError(
    `${name} must be an int or ${axes === 2 ? "a pair of ints" : `a tuple of ${axes} ints`}, but got ${JSON.stringify(v)}`, name, "TypeError");
}

/** What every convolution layer takes after `kernel_size` (a transposed one adds `output_padding`). */
interface ConvNdInit {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  padding_mode?: PaddingMode;
  output_padding?: number | readonly number[];
  dtype?: DTypeLike;
}

/**
 * PyTorch's `_ConvNd`: the checks, parameters, seeded init and repr shared by
 * `Conv1d`/`Conv2d`/`Conv3d` and the transposed layers. The weight is
 * `[out_channels, in_channels / groups, ...kernel]`, or
 * `[in_channels, out_channels / groups, ...kernel]` for a transposed one.
 */
export abstract class _ConvNd extends Module {
  declare in_channels: number;
  declare out_channels: number;
  declare kernel_size: number[];
  declare stride: number[];
  declare padding: number[] | "same" | "valid";
  declare dilation: number[];
  declare transposed: boolean;
  declare output_padding: number[];
  declare groups: number;
  declare padding_mode: PaddingMode;
  /** F.pad amounts used for non-zero padding modes (last dim first). */
  declare _reversed_padding_repeated_twice: number[];
  declare weight: Parameter;
  /** `[out_channels]`, or null with `bias: false`. */
  declare bias: Parameter | null;

  protected _init(axes: number, transposed: boolean, in_channels: number, out_channels: number,
    kernel_size: number | readonly number[], o: ConvNdInit): void {
    const groups = o.groups ?? 1;
    const stride = toTuple(o.stride ?? 1, axes, "stride");
    const padding = o.padding ?? 0;
    const paddingMode = o.padding_mode ?? "zeros";
    if (!(groups > 0)) throw new ArgumentError("groups must be a positive integer", "groups", "ValueError");
    if (in_channels % groups !== 0) throw new ArgumentError("in_channels must be divisible by groups", "in_channels", "ValueError");
    if (out_channels % groups !== 0) throw new ArgumentError("out_channels must be divisible by groups", "out_channels", "ValueError");
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") {
        throw new ArgumentError(`Invalid padding string '${padding}', should be one of {'same', 'valid'}`, "padding", "ValueError");
      }
      if (padding === "same" && stride.some((s) => s !== 1)) {
        throw new ArgumentError("padding='same' is not supported for strided convolutions", "padding", "ValueError");
      }
    }
    if (!["zeros", "reflect", "replicate", "circular"].includes(paddingMode)) {
      throw new ArgumentError(
        `padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${paddingMode}'`,
        "padding_mode", "ValueError");
    }
    const kernel = toTuple(kernel_size, axes, "kernel_size");
    const dilation = toTuple(o.dilation ?? 1, axes, "dilation");
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = kernel;
    this.stride = stride;
    this.padding = typeof padding === "string" ? padding : toTuple(padding, axes, "padding");
    this.dilation = dilation;
    this.transposed = transposed;
    this.output_padding = toTuple(o.output_padding ?? 0, axes, "output_padding");
    this.groups = groups;
    this.padding_mode = paddingMode;
    this._reversed_padding_repeated_twice = reversedPadding(this.padding, kernel, dilation);
    const dtype = toDType(o.dtype ?? null);
    const shape = transposed
      ? [in_channels, Math.floor(out_channels / groups), ...kernel]
      : [out_channels, Math.floor(in_channels / groups), ...kernel];
    this.weight = new Parameter(empty(shape, { dtype }));
    if (o.bias ?? true) this.bias = new Parameter(empty([out_channels], { dtype }));
    else this.register_parameter("bias", null);
    this.reset_parameters();
  }

  /** Re-draws the weight and bias the way construction did. */
  reset_parameters(): void {
    kaiming_uniform_(this.weight, Math.sqrt(5));
    if (this.bias !== null) {
      const [fanIn] = _calculate_fan_in_and_fan_out(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound);
      }
    }
  }

  override extra_repr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${pyTuple(this.kernel_size)}, stride=${pyTuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string" || p.some((x) => x !== 0)) s += `, padding=${typeof p === "string" ? p : pyTuple(p)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.output_padding.some((x) => x !== 0)) s += `, output_padding=${pyTuple(this.output_padding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.padding_mode !== "zeros") s += `, padding_mode=${this.padding_mode}`;
    return s;
  }

  /** The op of the layer's rank (Conv2d has a family of its own). */
  protected readonly _op?: ConvNdOp;

  override op_spec(): OpSpec {
    const op = this._op!;
    return spec(convNdFamily(op), convNdParams(op, this.in_channels, this.out_channels, this.kernel_size, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, output_padding: this.output_padding,
      groups: this.groups, bias: this.bias !== null,
    }));
  }
}

/**
 * Applies a 2-D convolution over an input of several planes.
 *
 * @example
 * const conv = new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false });
 * conv(torch.randn(8, 3, 32, 32)).shape   // torch.Size([8, 16, 16, 16])
 */
export class Conv2d extends _ConvNd {
  declare kernel_size: [number, number];
  declare stride: [number, number];
  declare padding: [number, number] | "same" | "valid";
  declare dilation: [number, number];
  declare output_padding: [number, number];
  /** `[out_channels, in_channels / groups, kH, kW]`. */
  declare weight: Parameter;

  constructor(in_channels: number, out_channels: number, kernel_size: Pair, ...args: ArgsWithOptions<Conv2dPositional, Conv2dOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("Conv2d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    const o = parseArgs<Conv2dOptions>(
      "Conv2d.__init__", ["stride", "padding", "dilation", "groups", "bias", "padding_mode"], args, ["dtype", "device"]);
    this._init(2, false, in_channels, out_channels, kernel_size, o);
  }

  /** @internal The convolution with explicit parameters (shared with subclasses that transform the weight). */
  _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    if (this.padding_mode !== "zeros") {
      return conv2d(pad(input, this._reversed_padding_repeated_twice, this.padding_mode), weight, bias, this.stride, 0, this.dilation, this.groups);
    }
    return conv2d(input, weight, bias, this.stride, this.padding, this.dilation, this.groups);
  }

  override forward(input: Tensor): Tensor {
    return this._conv_forward(input, this.weight, this.bias);
  }

  override op_spec(): OpSpec {
    return spec(conv2dFamily, conv2dParams(this.in_channels, this.out_channels, this.kernel_size, this.stride, this.padding,
      this.dilation, this.groups, this.bias !== null));
  }
}

/** Keyword arguments of `nn.Conv1d` and `nn.Conv3d` (`nn.Conv2d`'s, one value per axis). */
export interface ConvNdOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  padding_mode?: PaddingMode;
  dtype?: DTypeLike;
  device?: string;
}

type ConvNdPositional = [
  stride: number | readonly number[], padding: number | readonly number[] | "same" | "valid", dilation: number | readonly number[],
  groups: number, bias: boolean, padding_mode: PaddingMode,
];

/** A non-transposed convolution of 1 or 3 axes: its forward through `F.conv1d` / `F.conv3d`. */
abstract class _ConvOther extends _ConvNd {
  protected declare readonly _op: "conv1d" | "conv3d";

  protected _setup(axes: number, name: string, in_channels: number, out_channels: number, kernel_size: number | readonly number[],
    args: readonly unknown[]): void {
    const o = parseArgs<ConvNdOptions>(
      `${name}.__init__`, ["stride", "padding", "dilation", "groups", "bias", "padding_mode"], args, ["dtype", "device"]);
    this._init(axes, false, in_channels, out_channels, kernel_size, o);
  }

  override forward(input: Tensor): Tensor {
    const f = this._op === "conv1d" ? conv1d : conv3d;
    if (this.padding_mode !== "zeros") {
      return f(pad(input, this._reversed_padding_repeated_twice, this.padding_mode), this.weight, this.bias, this.stride, 0, this.dilation, this.groups);
    }
    return f(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

/**
 * A 1-D convolution over `[N, C_in, L]` (or `[C_in, L]`): channels in dim 1, the sequence last.
 * A `[N, L, C]` batch (as an Embedding or an RNN gives) needs `x.transpose(1, 2)` first.
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 * conv(torch.randn(20, 16, 50)).shape   // torch.Size([20, 33, 24])
 * String(conv)                          // "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"
 */
export class Conv1d extends _ConvOther {
  protected override readonly _op = "conv1d";

  constructor(in_channels: number, out_channels: number, kernel_size: number | readonly [number],
    ...args: ArgsWithOptions<ConvNdPositional, ConvNdOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("Conv1d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    this._setup(1, "Conv1d", in_channels, out_channels, kernel_size, args);
  }
}

/**
 * A 3-D convolution over `[N, C_in, D, H, W]` (or `[C_in, D, H, W]`): volumes, or clips of frames.
 *
 * @example
 * const conv = new nn.Conv3d(16, 33, [3, 5, 2], { stride: [2, 1, 1], padding: [4, 2, 0] });
 * conv(torch.randn(2, 16, 10, 50, 100)).shape   // torch.Size([2, 33, 8, 50, 99])
 */
export class Conv3d extends _ConvOther {
  protected override readonly _op = "conv3d";

  constructor(in_channels: number, out_channels: number, kernel_size: number | readonly [number, number, number],
    ...args: ArgsWithOptions<ConvNdPositional, ConvNdOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("Conv3d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    this._setup(3, "Conv3d", in_channels, out_channels, kernel_size, args);
  }
}

/** Keyword arguments of `nn.ConvTranspose1d` / `nn.ConvTranspose2d`. */
export interface ConvTransposeOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  output_padding?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  dilation?: number | readonly number[];
  padding_mode?: "zeros";
  dtype?: DTypeLike;
  device?: string;
}

type ConvTransposePositional = [
  stride: number | readonly number[], padding: number | readonly number[], output_padding: number | readonly number[],
  groups: number, bias: boolean, dilation: number | readonly number[], padding_mode: "zeros",
];

/** A forward's `output_size`: the spatial sizes, or the whole shape. */
export type OutputSize = readonly number[] | null;

/** PyTorch's `_ConvTransposeNd`: the transposed layers, and `output_size` picking the output padding. */
abstract class _ConvTransposeNd extends _ConvNd {
  protected declare readonly _op: "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d";

  protected _setup(axes: number, name: string, in_channels: number, out_channels: number, kernel_size: number | readonly number[],
    args: readonly unknown[]): void {
    const o = parseArgs<ConvTransposeOptions>(
      `${name}.__init__`, ["stride", "padding", "output_padding", "groups", "bias", "dilation", "padding_mode"], args, ["dtype", "device"]);
    if ((o.padding_mode ?? "zeros") !== "zeros") {
      throw new ArgumentError(`Only "zeros" padding mode is supported for ${name}`, "padding_mode", "ValueError");
    }
    this._init(axes, true, in_channels, out_channels, kernel_size, o);
  }

  /** PyTorch's `_output_padding`: the output padding that gives `output_size`, checked against the sizes that are reachable. */
  _output_padding(input: Tensor, output_size: OutputSize): number[] {
    if (output_size === null) return this.output_padding;
    const axes = this.kernel_size.length;
    const nonSpatial = input.ndim === axes + 2 ? 2 : 1;
    let size = [...output_size];
    if (size.length === nonSpatial + axes) size = size.slice(nonSpatial);
    if (size.length !== axes) {
      throw new ArgumentError(
        `ConvTranspose${axes}D: for ${input.ndim}D input, output_size must have ${axes} or ${nonSpatial + axes} elements (got ${output_size.length})`,
        "output_size", "ValueError");
    }
    if (typeof this.padding === "string") throw new ArgumentError("conv_transpose: padding must be numbers", "padding", "TypeError");
    const pads = this.padding;
    const min = size.map((_, d) => transposedOutputSize(input.shape[d + nonSpatial]!, this.kernel_size[d]!, this.stride[d]!, pads[d]!, this.dilation[d]!, 0));
    const max = min.map((m, d) => m + this.stride[d]! - 1);
    if (size.some((s, d) => s < min[d]! || s > max[d]!)) {
      throw new ArgumentError(
        `requested an output size of [${size.join(", ")}], but valid sizes range from [${min.join(", ")}] to [${max.join(", ")}] (for an input of torch.Size([${input.shape.slice(2).join(", ")}]))`,
        "output_size", "ValueError");
    }
    return size.map((s, d) => s - min[d]!);
  }

  /** The transposed convolution; `output_size` picks among the sizes a strided one can reach. */
  override forward(input: Tensor, output_size: OutputSize = null): Tensor {
    const outputPadding = this._output_padding(input, output_size);
    const f = { conv_transpose1d, conv_transpose2d, conv_transpose3d }[this._op];
    return f(input, this.weight, this.bias, this.stride, this.padding as number[], outputPadding, this.groups, this.dilation);
  }
}

/**
 * A transposed 1-D convolution: `[N, C_in, L]` to `[N, C_out, (L−1)·stride − 2·padding + dilation·(k−1) + output_padding + 1]`,
 * the gradient of a Conv1d with respect to its input (upsampling a sequence).
 *
 * @example
 * const up = new nn.ConvTranspose1d(4, 2, 3, { stride: 2 });
 * up(torch.randn(1, 4, 5)).shape   // torch.Size([1, 2, 11])
 */
export class ConvTranspose1d extends _ConvTransposeNd {
  protected override readonly _op = "conv_transpose1d";

  constructor(in_channels: number, out_channels: number, kernel_size: number | readonly [number],
    ...args: ArgsWithOptions<ConvTransposePositional, ConvTransposeOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("ConvTranspose1d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    this._setup(1, "ConvTranspose1d", in_channels, out_channels, kernel_size, args);
  }
}

/**
 * A transposed 2-D convolution ("deconvolution"): doubles H and W with `stride: 2` (decoders, U-Nets, GAN generators).
 *
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, output_padding: 1 });
 * up(torch.randn(1, 16, 12, 12)).shape                       // torch.Size([1, 8, 24, 24])
 * up(torch.randn(1, 16, 12, 12), [23, 23]).shape             // output_size picks the padding: [1, 8, 23, 23]
 */
export class ConvTranspose2d extends _ConvTransposeNd {
  protected override readonly _op = "conv_transpose2d";

  constructor(in_channels: number, out_channels: number, kernel_size: Pair,
    ...args: ArgsWithOptions<ConvTransposePositional, ConvTransposeOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("ConvTranspose2d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    this._setup(2, "ConvTranspose2d", in_channels, out_channels, kernel_size, args);
  }
}

/**
 * A transposed 3-D convolution: upsamples volumes (`stride: 2` doubles D, H and W), the input gradient
 * of a Conv3d.
 *
 * @example
 * const up = new nn.ConvTranspose3d(4, 2, 3, { stride: 2, padding: 1, output_padding: 1 });
 * up(torch.randn(1, 4, 3, 5, 5)).shape   // torch.Size([1, 2, 6, 10, 10])
 */
export class ConvTranspose3d extends _ConvTransposeNd {
  protected override readonly _op = "conv_transpose3d";

  constructor(in_channels: number, out_channels: number, kernel_size: number | readonly [number, number, number],
    ...args: ArgsWithOptions<ConvTransposePositional, ConvTransposeOptions>) {
    super();
    [in_channels, out_channels, kernel_size, ...args] = requiredByKeyword("ConvTranspose3d", ["in_channels", "out_channels", "kernel_size"], [in_channels, out_channels, kernel_size, ...args]) as [typeof in_channels, typeof out_channels, typeof kernel_size, ...typeof args];
    this._setup(3, "ConvTranspose3d", in_channels, out_channels, kernel_size, args);
  }
}

/** PyTorch's `_reversed_padding_repeated_twice`, including the split of `"same"` padding. */
function reversedPadding(padding: number[] | "same" | "valid", kernel: number[], dilation: number[]): number[] {
  const axes = kernel.length;
  if (typeof padding === "string") {
    const out = new Array<number>(2 * axes).fill(0);
    if (padding === "same") {
      for (let d = 0; d < axes; d++) {
        const i = axes - 1 - d;
        const total = dilation[d]! * (kernel[d]! - 1);
        const left = Math.floor(total / 2);
        out[2 * i] = left;
        out[2 * i + 1] = total - left;
      }
    }
    return out;
  }
  return [...padding].reverse().flatMap((p) => [p, p]);
}
