/**
 * `nn.Upsample`, `nn.UpsamplingNearest2d` and `nn.UpsamplingBilinear2d`: `F.interpolate` as a layer,
 * with PyTorch's constructor arguments and repr.
 *
 * @example
 * const up = new nn.Upsample({ scale_factor: 2, mode: "bilinear" });
 * String(up)                                   // "Upsample(scale_factor=2.0, mode=bilinear)"
 * up(torch.randn(1, 3, 16, 16)).shape          // torch.Size([1, 3, 32, 32])
 */
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "./args.js";
import { type InterpolateMode, interpolate } from "./functional/interpolate.js";
import { Module } from "./module.js";
import { pyFloat, pyValue } from "./python-style.js";
import type { OpSpec } from "../shape/descriptor.js";
import { resizeSpec } from "../shape/families/resize.js";

/** Keyword arguments of `nn.Upsample`. */
export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scale_factor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  align_corners?: boolean | null;
  recompute_scale_factor?: boolean | null;
}

type SizeArg = number | readonly number[] | null;

/** PyTorch stores a scale factor as a float (a tuple of floats); 0 and absent are None. */
function storedScale(s: number | readonly number[] | null | undefined): number | number[] | null {
  if (Array.isArray(s)) return s.map((v: number) => v);
  return typeof s === "number" && s !== 0 ? s : null;
}

function showScale(s: number | readonly number[]): string {
  if (typeof s === "number") return pyFloat(s);
  return s.length === 1 ? `(${pyFloat(s[0]!)},)` : `(${s.map((v) => pyFloat(v)).join(", ")})`;
}

/**
 * Resizes its input to `size`, or by `scale_factor`, with `mode` ("nearest" by default, "bilinear",
 * "bicubic", "nearest-exact", "area"; "linear" for 3-D inputs).
 *
 * @example
 * new nn.Upsample([32, 32])                                  // size, nearest
 * new nn.Upsample(null, 2, "bicubic", true)                  // PyTorch's positional order
 * new nn.Upsample({ scale_factor: 0.5, mode: "bilinear" })
 */
export class Upsample extends Module {
  declare size: SizeArg;
  declare scale_factor: number | number[] | null;
  declare mode: InterpolateMode;
  declare align_corners: boolean | null;
  declare recompute_scale_factor: boolean | null;

  constructor(
    ...args: ArgsWithOptions<
      [size: SizeArg, scale_factor: number | readonly number[] | null, mode: InterpolateMode, align_corners: boolean | null,
        recompute_scale_factor: boolean | null],
      UpsampleOptions
    >
  ) {
    super();
    const o = parseArgs<UpsampleOptions>(
      "Upsample.__init__", ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"], args);
    this.size = o.size ?? null;
    this.scale_factor = storedScale(o.scale_factor);
    this.mode = o.mode ?? "nearest";
    this.align_corners = o.align_corners ?? null;
    this.recompute_scale_factor = o.recompute_scale_factor ?? null;
  }

  override forward(input: Tensor): Tensor {
    return interpolate(input, this.size, this.scale_factor, this.mode, this.align_corners, this.recompute_scale_factor);
  }

  override extra_repr(): string {
    const info = this.scale_factor !== null ? `scale_factor=${showScale(this.scale_factor)}` : `size=${pyValue(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }

  override op_spec(): OpSpec {
    return resizeSpec(this.size, this.scale_factor, this.mode, this.align_corners);
  }
}

/** Keyword arguments of `nn.UpsamplingNearest2d` / `nn.UpsamplingBilinear2d`. */
export interface Upsampling2dOptions {
  size?: number | readonly [number, number] | null;
  scale_factor?: number | readonly [number, number] | null;
}

/**
 * Nearest-neighbour upsampling of `[N, C, H, W]` inputs.
 *
 * @example
 * new nn.UpsamplingNearest2d({ scale_factor: 2 })(x)   // each pixel becomes a 2x2 block
 */
export class UpsamplingNearest2d extends Upsample {
  constructor(...args: ArgsWithOptions<[size: Upsampling2dOptions["size"], scale_factor: Upsampling2dOptions["scale_factor"]], Upsampling2dOptions>) {
    const o = parseArgs<Upsampling2dOptions>("UpsamplingNearest2d.__init__", ["size", "scale_factor"], args);
    super(o.size ?? null, o.scale_factor ?? null, "nearest");
  }
}

/**
 * Bilinear upsampling with `align_corners=True` (what this deprecated layer always did).
 *
 * @example
 * new nn.UpsamplingBilinear2d({ scale_factor: 2 })(x)
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: ArgsWithOptions<[size: Upsampling2dOptions["size"], scale_factor: Upsampling2dOptions["scale_factor"]], Upsampling2dOptions>) {
    const o = parseArgs<Upsampling2dOptions>("UpsamplingBilinear2d.__init__", ["size", "scale_factor"], args);
    super(o.size ?? null, o.scale_factor ?? null, "bilinear", true);
  }
}
