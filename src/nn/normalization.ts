/**
 * Feature normalisation layers: `nn.LayerNorm`, `nn.GroupNorm`, `nn.RMSNorm`
 * and `nn.InstanceNorm1d/2d`. The learned scale starts at ones and the shift
 * at zeros, as in PyTorch; the reprs are PyTorch's.
 *
 * @example
 * const ln = new nn.LayerNorm(16);
 * String(ln)            // "LayerNorm((16,), eps=1e-05, elementwise_affine=True)"
 * new nn.GroupNorm(2, 6)(torch.randn(4, 6, 8, 8)).shape   // torch.Size([4, 6, 8, 8])
 */
import { local_response_norm } from "./functional/local-response-norm.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import { ArgumentError } from "../errors.js";
import { type ArgsOf, Bool, DTypeT, Float, Str, arg, kwarg, optional, signature } from "../ops/signature.js";
import { ones, zeros } from "../tensor/creation.js";
import { toDType } from "../tensor/dtype.js";
import { _NormBase } from "./batchnorm.js";
import type { Tensor } from "../tensor/tensor.js";
import { group_norm, instance_norm, layer_norm, rms_norm } from "./functional/normalization.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyFloat, pyValue } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { groupNorm, instanceNorm, layerNorm, rmsNorm } from "../shape/families/sequence.js";

const FACTORY = [kwarg("device", optional(Str), null), kwarg("dtype", optional(DTypeT), null)] as const;
export const LAYER_NORM_INIT = signature("LayerNorm.__init__", [arg("eps", Float, 1e-5), arg("elementwise_affine", Bool, true), arg("bias", Bool, true), ...FACTORY], 2);
export const GROUP_NORM_INIT = signature("GroupNorm.__init__", [arg("eps", Float, 1e-5), arg("affine", Bool, true), ...FACTORY, kwarg("bias", Bool, true)], 3);
export const RMS_NORM_INIT = signature("RMSNorm.__init__", [arg("eps", optional(Float), null), arg("elementwise_affine", Bool, true), ...FACTORY], 2);
export const INSTANCE_NORM_INIT = signature("InstanceNorm.__init__", [
  arg("eps", Float, 1e-5), arg("momentum", Float, 0.1), arg("affine", Bool, false), arg("track_running_stats", Bool, false), ...FACTORY, kwarg("bias", Bool, true),
], 2);

function tupleText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Normalises the last dimensions (`normalized_shape`) of every sample.
 *
 * @example
 * new nn.LayerNorm([8, 8])(torch.randn(2, 3, 8, 8))
 */
export class LayerNorm extends Module {
  declare normalized_shape: number[];
  declare eps: number;
  declare elementwise_affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(normalized_shape: number | readonly number[], ...args: ArgsOf<typeof LAYER_NORM_INIT>) {
    super();
    [normalized_shape, ...args] = requiredByKeyword("LayerNorm", ["normalized_shape"], [normalized_shape, ...args]) as [typeof normalized_shape, ...typeof args];
    const o = LAYER_NORM_INIT.parse(args);
    const dtype = toDType(o.dtype ?? null);
    this.normalized_shape = typeof normalized_shape === "number" ? [normalized_shape] : [...normalized_shape];
    this.eps = o.eps;
    this.elementwise_affine = o.elementwise_affine;
    if (o.elementwise_affine) {
      this.weight = new Parameter(ones(this.normalized_shape, { dtype }));
      if (o.bias) this.bias = new Parameter(zeros(this.normalized_shape, { dtype }));
      else this.register_parameter("bias", null);
    } else {
      this.register_parameter("weight", null);
      this.register_parameter("bias", null);
    }
  }

  override forward(input: Tensor): Tensor {
    return layer_norm(input, this.normalized_shape, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${tupleText(this.normalized_shape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyValue(this.elementwise_affine)}, bias=${pyValue(this.bias !== null)}`;
  }

  override op_spec(): OpSpec {
    return spec(layerNorm, { normalized_shape: this.normalized_shape });
  }
}

/** Normalises groups of channels of every sample. */
export class GroupNorm extends Module {
  declare num_groups: number;
  declare num_channels: number;
  declare eps: number;
  declare affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(num_groups: number, num_channels: number, ...args: ArgsOf<typeof GROUP_NORM_INIT>) {
    super();
    [num_groups, num_channels, ...args] = requiredByKeyword("GroupNorm", ["num_groups", "num_channels"], [num_groups, num_channels, ...args]) as [typeof num_groups, typeof num_channels, ...typeof args];
    const o = GROUP_NORM_INIT.parse(args);
    if (num_channels % num_groups !== 0) throw new ArgumentError(`num_channels (${num_channels}) must be divisible by num_groups (${num_groups})`, "num_groups", "ValueError");
    const dtype = toDType(o.dtype ?? null);
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = o.eps;
    this.affine = o.affine;
    if (o.affine) {
      this.weight = new Parameter(ones([num_channels], { dtype }));
      if (o.bias) this.bias = new Parameter(zeros([num_channels], { dtype }));
      else this.register_parameter("bias", null);
    } else {
      this.register_parameter("weight", null);
      this.register_parameter("bias", null);
    }
  }

  override forward(input: Tensor): Tensor {
    return group_norm(input, this.num_groups, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${pyFloat(this.eps)}, affine=${pyValue(this.affine)}, bias=${pyValue(this.bias !== null)}`;
  }

  override op_spec(): OpSpec {
    return spec(groupNorm, { num_groups: this.num_groups, num_channels: this.num_channels });
  }
}

/** Root-mean-square normalisation of the last dimensions (no centring). */
export class RMSNorm extends Module {
  declare normalized_shape: number[];
  declare eps: number | null;
  declare elementwise_affine: boolean;
  declare weight: Parameter | null;

  constructor(normalized_shape: number | readonly number[], ...args: ArgsOf<typeof RMS_NORM_INIT>) {
    super();
    [normalized_shape, ...args] = requiredByKeyword("RMSNorm", ["normalized_shape"], [normalized_shape, ...args]) as [typeof normalized_shape, ...typeof args];
    const o = RMS_NORM_INIT.parse(args);
    this.normalized_shape = typeof normalized_shape === "number" ? [normalized_shape] : [...normalized_shape];
    this.eps = o.eps;
    this.elementwise_affine = o.elementwise_affine;
    if (o.elementwise_affine) this.weight = new Parameter(ones(this.normalized_shape, { dtype: toDType(o.dtype ?? null) }));
    else this.register_parameter("weight", null);
  }

  override forward(input: Tensor): Tensor {
    return rms_norm(input, this.normalized_shape, this.weight, this.eps);
  }

  override extra_repr(): string {
    return `${tupleText(this.normalized_shape)}, eps=${this.eps === null ? "None" : pyFloat(this.eps)}, elementwise_affine=${pyValue(this.elementwise_affine)}`;
  }

  override op_spec(): OpSpec {
    return spec(rmsNorm, { normalized_shape: this.normalized_shape });
  }
}

/** What InstanceNorm1d/2d share: `_NormBase`'s parameters and buffers (affine and running statistics off by default). */
abstract class InstanceNormBase extends _NormBase {
  declare momentum: number;

  protected abstract readonly inputDims: number;

  constructor(num_features: number, args: unknown[]) {
    super();
    [num_features, ...args] = requiredByKeyword(new.target.name, ["num_features"], [num_features, ...args]) as [number, ...unknown[]];
    this._initNorm(num_features, INSTANCE_NORM_INIT.parse(args as never));
  }

  override forward(input: Tensor): Tensor {
    const want = this.inputDims;
    if (input.ndim !== want && input.ndim !== want - 1) {
      throw new ArgumentError(`expected ${want - 1}D or ${want}D input (got ${input.ndim}D input)`, "input", "ValueError");
    }
    const batched = input.ndim === want;
    const x = batched ? input : input.unsqueeze(0);
    const out = instance_norm(x, this.running_mean, this.running_var, this.weight, this.bias,
      this.training || !this.track_running_stats, this.momentum, this.eps);
    return batched ? out : out.squeeze(0);
  }


  override op_spec(): OpSpec {
    return spec(instanceNorm, { num_features: this.num_features });
  }
}

/** Instance normalisation of `[N, C, L]` (or `[C, L]`) inputs. */
export class InstanceNorm1d extends InstanceNormBase {
  protected readonly inputDims = 3;
  constructor(num_features: number, ...args: ArgsOf<typeof INSTANCE_NORM_INIT>) {
    super(num_features, args);
  }
}

/** Instance normalisation of `[N, C, H, W]` (or `[C, H, W]`) inputs. */
export class InstanceNorm2d extends InstanceNormBase {
  protected readonly inputDims = 4;
  constructor(num_features: number, ...args: ArgsOf<typeof INSTANCE_NORM_INIT>) {
    super(num_features, args);
  }
}

/** Instance normalisation of `[N, C, D, H, W]` (or `[C, D, H, W]`) inputs. */
export class InstanceNorm3d extends InstanceNormBase {
  protected readonly inputDims = 5;
  constructor(num_features: number, ...args: ArgsOf<typeof INSTANCE_NORM_INIT>) {
    super(num_features, args);
  }
}

/**
 * Local response normalisation across channels (AlexNet's): each value divided by
 * `(k + alpha/size · Σ x²)^beta` over `size` neighbouring channels.
 *
 * @example
 * String(new nn.LocalResponseNorm(2))   // "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
 */
export class LocalResponseNorm extends Module {
  declare size: number;
  declare alpha: number;
  declare beta: number;
  declare k: number;

  constructor(size: number, ...args: ArgsWithOptions<[alpha: number, beta: number, k: number], { alpha?: number; beta?: number; k?: number }>) {
    super();
    [size, ...args] = requiredByKeyword("LocalResponseNorm", ["size"], [size, ...args]) as [number, ...typeof args];
    const o = parseArgs<{ alpha?: number; beta?: number; k?: number }>("LocalResponseNorm.__init__", ["alpha", "beta", "k"], args);
    this.size = size;
    this.alpha = o.alpha ?? 1e-4;
    this.beta = o.beta ?? 0.75;
    this.k = o.k ?? 1.0;
  }

  override forward(input: Tensor): Tensor {
    return local_response_norm(input, this.size, this.alpha, this.beta, this.k);
  }

  override extra_repr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
