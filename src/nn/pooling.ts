/**
 * Pooling layers: `nn.MaxPool2d`, `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d`,
 * `nn.AdaptiveMaxPool2d` and their 1-D forms over the last dim (`nn.MaxPool1d`,
 * `nn.AvgPool1d`, `nn.AdaptiveAvgPool1d`, `nn.AdaptiveMaxPool1d`) and 3-D forms over the last three
 * dims (`nn.MaxPool3d`, `nn.AvgPool3d`, `nn.AdaptiveAvgPool3d`, `nn.AdaptiveMaxPool3d`). They hold no parameters; each forwards to the `F`
 * function of the same name with the options it was built with.
 *
 * `MaxPool2d(2)` halves H and W, rounding down: a 13x13 map becomes 6x6, so a
 * network's flattened size depends on every floor on the way. Adaptive
 * pooling fixes the output size instead, which makes a network accept any
 * input size.
 *
 * @example
 * new nn.MaxPool2d(2)(torch.randn(1, 6, 28, 28)).shape           // torch.Size([1, 6, 14, 14])
 * new nn.AdaptiveAvgPool2d([5, 5])(torch.randn(1, 16, 13, 13)).shape  // torch.Size([1, 16, 5, 5])
 */
import type { Pair } from "../shape/conv-pool.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import {
  type AdaptiveSize, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d,
} from "./functional/pooling.js";
import { adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d } from "./functional/pooling1d.js";
import { Module } from "./module.js";
import { pyValue } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { adaptiveAvgPool2d, adaptiveMaxPool2d, adaptiveParams, avgPool2d, maxPool2d, pool2dParams } from "../shape/families/pool.js";
import { adaptiveAvgPool1d, adaptiveMaxPool1d, avgPool1d, maxPool1d, pool1dParams } from "../shape/families/pool1d.js";
import { adaptive3dParams, adaptiveAvgPool3d, adaptiveMaxPool3d, avgPool3d, maxPool3d, pool3dParams } from "../shape/families/pool3d.js";
import { adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d } from "./functional/pooling3d.js";

/** Keyword arguments of `nn.MaxPool2d`. */
export interface MaxPool2dOptions<R extends boolean = boolean> {
  /** Defaults to `kernel_size`. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Also return the position of each maximum (default false). */
  return_indices?: R;
  ceil_mode?: boolean;
}

/** What a max pooling layer returns: the pooled tensor, or `[output, indices]` with `return_indices`. */
export type PoolOutput<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/** PyTorch's `_MaxPoolNd`: what `nn.MaxPool1d` and `nn.MaxPool2d` hold and print. */
export abstract class _MaxPoolNd<R extends boolean = false> extends Module {
  declare kernel_size: Pair;
  declare stride: Pair;
  declare padding: Pair;
  declare dilation: Pair;
  declare return_indices: R;
  declare ceil_mode: boolean;

  protected _setup(name: string, kernel_size: Pair, args: readonly unknown[]): void {
    const o = parseArgs<MaxPool2dOptions<R>>(`${name}.__init__`, ["stride", "padding", "dilation", "return_indices", "ceil_mode"], args);
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.return_indices = (o.return_indices ?? false) as R;
    this.ceil_mode = o.ceil_mode ?? false;
  }

  override extra_repr(): string {
    return `kernel_size=${pyValue(this.kernel_size)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}` +
      `, dilation=${pyValue(this.dilation)}, ceil_mode=${pyValue(this.ceil_mode)}`;
  }
}

type MaxPoolPositional<R extends boolean> = [stride: Pair | null, padding: Pair, dilation: Pair, return_indices: R, ceil_mode: boolean];

/**
 * Max pooling over `kernel_size` windows (stride defaults to the kernel size).
 *
 * @example
 * const pool = new nn.MaxPool2d(2);
 * String(pool)   // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 * const [y, idx] = new nn.MaxPool2d(2, { return_indices: true })(x);
 */
export class MaxPool2d<R extends boolean = false> extends _MaxPoolNd<R> {
  constructor(kernel_size: Pair, ...args: ArgsWithOptions<MaxPoolPositional<R>, MaxPool2dOptions<R>>) {
    super();
    [kernel_size, ...args] = requiredByKeyword("MaxPool2d", ["kernel_size"], [kernel_size, ...args]) as [typeof kernel_size, ...typeof args];
    this._setup("MaxPool2d", kernel_size, args);
  }

  override forward(input: Tensor): PoolOutput<R> {
    return max_pool2d(input, this.kernel_size, this.stride, this.padding, this.dilation, this.ceil_mode, this.return_indices) as PoolOutput<R>;
  }

  override op_spec(): OpSpec {
    return spec(maxPool2d, pool2dParams(this.kernel_size, this.stride, this.padding, this.dilation, this.ceil_mode));
  }
}

/**
 * Max pooling along the last dim of `[N, C, L]` (or `[C, L]`).
 *
 * @example
 * new nn.MaxPool1d(3, { stride: 2 })(torch.randn(20, 16, 50)).shape   // torch.Size([20, 16, 24])
 */
export class MaxPool1d<R extends boolean = false> extends _MaxPoolNd<R> {
  constructor(kernel_size: number | readonly [number], ...args: ArgsWithOptions<MaxPoolPositional<R>, MaxPool2dOptions<R>>) {
    super();
    [kernel_size, ...args] = requiredByKeyword("MaxPool1d", ["kernel_size"], [kernel_size, ...args]) as [typeof kernel_size, ...typeof args];
    this._setup("MaxPool1d", kernel_size as Pair, args);
  }

  override forward(input: Tensor): PoolOutput<R> {
    return max_pool1d(input, this.kernel_size as number, this.stride as number, this.padding as number, this.dilation as number, this.ceil_mode,
      this.return_indices) as PoolOutput<R>;
  }

  override op_spec(): OpSpec {
    return spec(maxPool1d, pool1dParams(this.kernel_size, this.stride, this.padding, this.dilation, this.ceil_mode));
  }
}

/** Keyword arguments of `nn.AvgPool2d`. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceil_mode?: boolean;
  /** Count padding cells in the divisor (default true). */
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** What `nn.AvgPool2d` and `nn.AvgPool3d` hold and print (PyTorch's `_AvgPoolNd`); `S` is a size of that rank. */
export abstract class _AvgPoolNd<S> extends Module {
  declare kernel_size: S;
  declare stride: S;
  declare padding: S;
  declare ceil_mode: boolean;
  declare count_include_pad: boolean;
  declare divisor_override: number | null;

  protected _setup(name: string, kernel_size: S, args: unknown[]): void {
    [kernel_size, ...args] = requiredByKeyword(name, ["kernel_size"], [kernel_size, ...args]) as [S, ...unknown[]];
    const o = parseArgs<{ stride?: S | null; padding?: S; ceil_mode?: boolean; count_include_pad?: boolean; divisor_override?: number | null }>(
      `${name}.__init__`, ["stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"], args);
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding ?? (0 as S);
    this.ceil_mode = o.ceil_mode ?? false;
    this.count_include_pad = o.count_include_pad ?? true;
    this.divisor_override = o.divisor_override ?? null;
  }

  override extra_repr(): string {
    return `kernel_size=${pyValue(this.kernel_size)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * Average pooling over `kernel_size` windows.
 *
 * @example
 * new nn.AvgPool2d(3, { stride: 2, padding: 1 })
 * String(new nn.AvgPool2d(2))   // "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool2d extends _AvgPoolNd<Pair> {
  constructor(
    kernel_size: Pair,
    ...args: ArgsWithOptions<
      [stride: Pair | null, padding: Pair, ceil_mode: boolean, count_include_pad: boolean, divisor_override: number | null],
      AvgPool2dOptions
    >
  ) {
    super();
    this._setup("AvgPool2d", kernel_size, args);
  }

  override forward(input: Tensor): Tensor {
    return avg_pool2d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override);
  }

  override op_spec(): OpSpec {
    return spec(avgPool2d, pool2dParams(this.kernel_size, this.stride, this.padding, 1, this.ceil_mode));
  }
}

/**
 * Average pooling to a fixed output size (`null` keeps that input dimension).
 * A network ending its features with `AdaptiveAvgPool2d([5, 5])` accepts any
 * input large enough to reach it.
 *
 * @example
 * new nn.AdaptiveAvgPool2d(1)(torch.randn(2, 512, 7, 7)).shape   // torch.Size([2, 512, 1, 1])
 */
export class AdaptiveAvgPool2d extends Module {
  declare output_size: AdaptiveSize;

  constructor(output_size: AdaptiveSize) {
    super();
    this.output_size = output_size;
  }

  override forward(input: Tensor): Tensor {
    return adaptive_avg_pool2d(input, this.output_size);
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveAvgPool2d, adaptiveParams(this.output_size));
  }
}

/**
 * Max pooling to a fixed output size; `return_indices` also returns the
 * position of each maximum.
 *
 * @example
 * new nn.AdaptiveMaxPool2d([2, 2])(torch.randn(1, 3, 9, 7)).shape   // torch.Size([1, 3, 2, 2])
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  declare output_size: AdaptiveSize;
  declare return_indices: R;

  constructor(output_size: AdaptiveSize, ...args: ArgsWithOptions<[return_indices: R], { return_indices?: R }>) {
    super();
    [output_size, ...args] = requiredByKeyword("AdaptiveMaxPool2d", ["output_size"], [output_size, ...args]) as [typeof output_size, ...typeof args];
    const o = parseArgs<{ return_indices?: R }>("AdaptiveMaxPool2d.__init__", ["return_indices"], args);
    this.output_size = output_size;
    this.return_indices = (o.return_indices ?? false) as R;
  }

  override forward(input: Tensor): PoolOutput<R> {
    return adaptive_max_pool2d(input, this.output_size, this.return_indices) as PoolOutput<R>;
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveMaxPool2d, adaptiveParams(this.output_size));
  }
}

/**
 * Average pooling along the last dim of `[N, C, L]` (or `[C, L]`).
 *
 * @example
 * String(new nn.AvgPool1d(3, { stride: 2 }))   // "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))"
 */
export class AvgPool1d extends Module {
  declare kernel_size: [number];
  declare stride: [number];
  declare padding: [number];
  declare ceil_mode: boolean;
  declare count_include_pad: boolean;

  constructor(
    kernel_size: number | readonly [number],
    ...args: ArgsWithOptions<
      [stride: number | readonly [number] | null, padding: number | readonly [number], ceil_mode: boolean, count_include_pad: boolean],
      Omit<AvgPool2dOptions, "divisor_override">
    >
  ) {
    super();
    [kernel_size, ...args] = requiredByKeyword("AvgPool1d", ["kernel_size"], [kernel_size, ...args]) as [typeof kernel_size, ...typeof args];
    const o = parseArgs<AvgPool2dOptions>("AvgPool1d.__init__", ["stride", "padding", "ceil_mode", "count_include_pad"], args);
    // `_single`: an int becomes a 1-tuple, a list stays as given.
    const single = (v: unknown): [number] => (typeof v === "number" ? [v] : [...(v as number[])] as [number]);
    this.kernel_size = single(kernel_size);
    this.stride = single(o.stride ?? kernel_size);
    this.padding = single(o.padding ?? 0);
    this.ceil_mode = o.ceil_mode ?? false;
    this.count_include_pad = o.count_include_pad ?? true;
  }

  override forward(input: Tensor): Tensor {
    return avg_pool1d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad);
  }

  override extra_repr(): string {
    return `kernel_size=${pyValue(this.kernel_size)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }

  override op_spec(): OpSpec {
    return spec(avgPool1d, pool1dParams(this.kernel_size, this.stride, this.padding, 1, this.ceil_mode));
  }
}

/**
 * Average pooling to a fixed length: `AdaptiveAvgPool1d(1)` averages each channel over the whole sequence.
 *
 * @example
 * new nn.AdaptiveAvgPool1d(1)(torch.randn(4, 64, 37)).shape   // torch.Size([4, 64, 1])
 */
export class AdaptiveAvgPool1d extends Module {
  declare output_size: number | readonly [number];

  constructor(output_size: number | readonly [number]) {
    super();
    this.output_size = output_size;
  }

  override forward(input: Tensor): Tensor {
    return adaptive_avg_pool1d(input, this.output_size);
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveAvgPool1d, { output_size: typeof this.output_size === "number" ? this.output_size : this.output_size[0] });
  }
}

/**
 * Max pooling to a fixed length; `return_indices` also returns the positions of the maxima.
 *
 * @example
 * new nn.AdaptiveMaxPool1d(2)(torch.randn(1, 3, 9)).shape   // torch.Size([1, 3, 2])
 */
export class AdaptiveMaxPool1d<R extends boolean = false> extends Module {
  declare output_size: number | readonly [number];
  declare return_indices: R;

  constructor(output_size: number | readonly [number], ...args: ArgsWithOptions<[return_indices: R], { return_indices?: R }>) {
    super();
    [output_size, ...args] = requiredByKeyword("AdaptiveMaxPool1d", ["output_size"], [output_size, ...args]) as [typeof output_size, ...typeof args];
    const o = parseArgs<{ return_indices?: R }>("AdaptiveMaxPool1d.__init__", ["return_indices"], args);
    this.output_size = output_size;
    this.return_indices = (o.return_indices ?? false) as R;
  }

  override forward(input: Tensor): PoolOutput<R> {
    return adaptive_max_pool1d(input, this.output_size, this.return_indices) as PoolOutput<R>;
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveMaxPool1d, { output_size: typeof this.output_size === "number" ? this.output_size : this.output_size[0] });
  }
}

/** A 3-D size: one int for all three dims, or `[d, h, w]`. */
export type Triple = number | readonly [number, number, number];

/**
 * Max pooling over `[N, C, D, H, W]` (or `[C, D, H, W]`) with windows of
 * depth, height and width; `return_indices` also returns the flat position of
 * each maximum in its volume.
 *
 * @example
 * new nn.MaxPool3d(2)(torch.randn(1, 2, 8, 8, 8)).shape   // torch.Size([1, 2, 4, 4, 4])
 * String(new nn.MaxPool3d([2, 1, 2], { stride: 1 }))   // "MaxPool3d(kernel_size=(2, 1, 2), stride=1, padding=0, dilation=1, ceil_mode=False)"
 */
export class MaxPool3d<R extends boolean = false> extends _MaxPoolNd<R> {
  constructor(kernel_size: Triple, ...args: ArgsWithOptions<[stride: Triple | null, padding: Triple, dilation: Triple, return_indices: R, ceil_mode: boolean],
    { stride?: Triple | null; padding?: Triple; dilation?: Triple; return_indices?: R; ceil_mode?: boolean }>) {
    super();
    [kernel_size, ...args] = requiredByKeyword("MaxPool3d", ["kernel_size"], [kernel_size, ...args]) as [typeof kernel_size, ...typeof args];
    this._setup("MaxPool3d", kernel_size as unknown as Pair, args);
  }

  override forward(input: Tensor): PoolOutput<R> {
    return max_pool3d(input, this.kernel_size as Triple, this.stride as Triple, this.padding as Triple, this.dilation as Triple, this.ceil_mode,
      this.return_indices) as PoolOutput<R>;
  }

  override op_spec(): OpSpec {
    return spec(maxPool3d, pool3dParams(this.kernel_size, this.stride, this.padding, this.dilation, this.ceil_mode));
  }
}

/** Keyword arguments of `nn.AvgPool3d`. */
export interface AvgPool3dOptions {
  stride?: Triple | null;
  padding?: Triple;
  ceil_mode?: boolean;
  /** Count padding cells in the divisor (default true). */
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/**
 * Average pooling over `[N, C, D, H, W]` (or `[C, D, H, W]`) windows.
 *
 * @example
 * new nn.AvgPool3d(2, { stride: 1 })(torch.randn(1, 2, 4, 4, 4)).shape   // torch.Size([1, 2, 3, 3, 3])
 * String(new nn.AvgPool3d(2))   // "AvgPool3d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool3d extends _AvgPoolNd<Triple> {
  constructor(
    kernel_size: Triple,
    ...args: ArgsWithOptions<
      [stride: Triple | null, padding: Triple, ceil_mode: boolean, count_include_pad: boolean, divisor_override: number | null],
      AvgPool3dOptions
    >
  ) {
    super();
    this._setup("AvgPool3d", kernel_size, args);
  }

  override forward(input: Tensor): Tensor {
    return avg_pool3d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override);
  }

  override op_spec(): OpSpec {
    return spec(avgPool3d, pool3dParams(this.kernel_size, this.stride, this.padding, 1, this.ceil_mode));
  }
}

/** An adaptive 3-D output size: one int, or `[d, h, w]` where null keeps that input size. */
export type AdaptiveSize3d = number | null | readonly (number | null)[];

/**
 * Average pooling to a fixed `[D, H, W]` output size (`null` keeps that input dimension).
 *
 * @example
 * new nn.AdaptiveAvgPool3d([1, null, 3])(torch.randn(2, 4, 5, 6, 7)).shape   // torch.Size([2, 4, 1, 6, 3])
 */
export class AdaptiveAvgPool3d extends Module {
  declare output_size: AdaptiveSize3d;

  constructor(output_size: AdaptiveSize3d) {
    super();
    this.output_size = output_size;
  }

  override forward(input: Tensor): Tensor {
    return adaptive_avg_pool3d(input, this.output_size as number);
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveAvgPool3d, adaptive3dParams(this.output_size));
  }
}

/**
 * Max pooling to a fixed `[D, H, W]` output size; `return_indices` also returns the positions of the maxima.
 *
 * @example
 * new nn.AdaptiveMaxPool3d(2)(torch.randn(1, 3, 5, 6, 7)).shape   // torch.Size([1, 3, 2, 2, 2])
 */
export class AdaptiveMaxPool3d<R extends boolean = false> extends Module {
  declare output_size: AdaptiveSize3d;
  declare return_indices: R;

  constructor(output_size: AdaptiveSize3d, ...args: ArgsWithOptions<[return_indices: R], { return_indices?: R }>) {
    super();
    [output_size, ...args] = requiredByKeyword("AdaptiveMaxPool3d", ["output_size"], [output_size, ...args]) as [typeof output_size, ...typeof args];
    const o = parseArgs<{ return_indices?: R }>("AdaptiveMaxPool3d.__init__", ["return_indices"], args);
    this.output_size = output_size;
    this.return_indices = (o.return_indices ?? false) as R;
  }

  override forward(input: Tensor): PoolOutput<R> {
    return adaptive_max_pool3d(input, this.output_size as number, this.return_indices) as PoolOutput<R>;
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(adaptiveMaxPool3d, adaptive3dParams(this.output_size));
  }
}
