/**
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
import { type ArgsWithOptions, parseArgs } from "./args.js";
import { conv2d } from "./functional/conv.js";
import { pad } from "./functional/pad.js";
import { _calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyTuple } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { conv2d as conv2dFamily, conv2dParams } from "../shape/families/conv.js";

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

/** `_pair`: an int for both dims, or the pair as given. */
function toPair(v: Pair, name: string): [number, number] {
  if (typeof v === "number") return [v, v];
  const a = v as readonly number[];
  if (Array.isArray(a) && a.length === 2) return [a[0]!, a[1]!];
  throw new ArgumentError(`${name} must be an int or a pair of ints, but got ${JSON.stringify(v)}`, name, "TypeError");
}

/**
 * Applies a 2-D convolution over an input of several planes.
 *
 * @example
 * const conv = new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false });
 * conv(torch.randn(8, 3, 32, 32)).shape   // torch.Size([8, 16, 16, 16])
 */
export class Conv2d extends Module {
  declare in_channels: number;
  declare out_channels: number;
  declare kernel_size: [number, number];
  declare stride: [number, number];
  declare padding: [number, number] | "same" | "valid";
  declare dilation: [number, number];
  declare transposed: boolean;
  declare output_padding: [number, number];
  declare groups: number;
  declare padding_mode: PaddingMode;
  /** F.pad amounts used for non-zero padding modes (last dim first). */
  declare _reversed_padding_repeated_twice: number[];
  /** `[out_channels, in_channels / groups, kH, kW]`. */
  declare weight: Parameter;
  /** `[out_channels]`, or null with `bias: false`. */
  declare bias: Parameter | null;

  constructor(in_channels: number, out_channels: number, kernel_size: Pair, ...args: ArgsWithOptions<Conv2dPositional, Conv2dOptions>) {
    super();
    const o = parseArgs<Conv2dOptions>(
      "Conv2d.__init__", ["stride", "padding", "dilation", "groups", "bias", "padding_mode"], args, ["dtype", "device"]);
    const groups = o.groups ?? 1;
    const stride = toPair(o.stride ?? 1, "stride");
    const padding = o.padding ?? 0;
    const paddingMode = o.padding_mode ?? "zeros";
    if (!(groups > 0)) throw new ArgumentError("groups must be a positive integer", "groups", "ValueError");
    if (in_channels % groups !== 0) throw new ArgumentError("in_channels must be divisible by groups", "in_channels", "ValueError");
    if (out_channels % groups !== 0) throw new ArgumentError("out_channels must be divisible by groups", "out_channels", "ValueError");
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") {
        throw new ArgumentError(`Invalid padding string '${padding}', should be one of {'same', 'valid'}`, "padding", "ValueError");
      }
      if (padding === "same" && (stride[0] !== 1 || stride[1] !== 1)) {
        throw new ArgumentError("padding='same' is not supported for strided convolutions", "padding", "ValueError");
      }
    }
    if (!["zeros", "reflect", "replicate", "circular"].includes(paddingMode)) {
      throw new ArgumentError(
        `padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${paddingMode}'`,
        "padding_mode", "ValueError");
    }
    const kernel = toPair(kernel_size, "kernel_size");
    const dilation = toPair(o.dilation ?? 1, "dilation");
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = kernel;
    this.stride = stride;
    this.padding = typeof padding === "string" ? padding : toPair(padding, "padding");
    this.dilation = dilation;
    this.transposed = false;
    this.output_padding = [0, 0];
    this.groups = groups;
    this.padding_mode = paddingMode;
    this._reversed_padding_repeated_twice = reversedPadding(this.padding, kernel, dilation);
    const dtype = toDType(o.dtype ?? null);
    this.weight = new Parameter(empty([out_channels, Math.floor(in_channels / groups), ...kernel], { dtype }));
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

  override extra_repr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${pyTuple(this.kernel_size)}, stride=${pyTuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string" || p[0] !== 0 || p[1] !== 0) s += `, padding=${typeof p === "string" ? p : pyTuple(p)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.padding_mode !== "zeros") s += `, padding_mode=${this.padding_mode}`;
    return s;
  }
}

/** PyTorch's `_reversed_padding_repeated_twice`, including the split of `"same"` padding. */
function reversedPadding(padding: [number, number] | "same" | "valid", kernel: [number, number], dilation: [number, number]): number[] {
  if (typeof padding === "string") {
    const out = [0, 0, 0, 0];
    if (padding === "same") {
      for (let d = 0; d < 2; d++) {
        const i = 1 - d;
        const total = dilation[d]! * (kernel[d]! - 1);
        const left = Math.floor(total / 2);
        out[2 * i] = left;
        out[2 * i + 1] = total - left;
      }
    }
    return out;
  }
  return [padding[1], padding[1], padding[0], padding[0]];
}
