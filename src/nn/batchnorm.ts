/**
 * `nn.BatchNorm1d` / `nn.BatchNorm2d`: per-channel normalisation with a
 * learned scale (`weight`, starts at 1) and shift (`bias`, starts at 0), and
 * running estimates of the mean and variance (buffers `running_mean`,
 * `running_var`, `num_batches_tracked`) that evaluation mode uses.
 *
 * @example
 * const bn = new nn.BatchNorm2d(6);
 * bn(torch.randn(4, 6, 28, 28));     // training: batch statistics, running stats updated
 * bn.eval();
 * bn(torch.randn(1, 6, 28, 28));     // evaluation: running statistics
 * String(bn)   // "BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
 */
import { ArgumentError } from "../errors.js";
import { type DTypeLike, int64, toDType } from "../tensor/dtype.js";
import { empty, ones, tensor, zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import { batch_norm } from "./functional/batchnorm.js";
import { fillInPlace } from "./in-place.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyFloat, pyValue } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { batchNorm } from "../shape/families/norm.js";

/** Keyword arguments of the BatchNorm layers. */
export interface BatchNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running estimates (default 0.1); null: cumulative average. */
  momentum?: number | null;
  /** Learn `weight` and `bias` (default true). */
  affine?: boolean;
  /** Keep running estimates for evaluation (default true). */
  track_running_stats?: boolean;
  /** With `affine`, learn the shift too (default true; keyword only). */
  bias?: boolean;
  dtype?: DTypeLike;
  device?: string;
}

type BatchNormPositional = [eps: number, momentum: number | null, affine: boolean, track_running_stats: boolean];

/** What a normalisation layer with per-channel parameters and running statistics is built from. */
export interface NormBaseOptions {
  eps: number;
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  /** Learn the shift too (InstanceNorm's `bias`; default true). */
  bias?: boolean;
  dtype: DTypeLike | null;
}

/**
 * PyTorch's `_NormBase`: the per-channel `weight` (starts at 1) and `bias`
 * (starts at 0) with `affine`, the running statistics with
 * `track_running_stats` (buffers `running_mean`, `running_var`,
 * `num_batches_tracked`), their reset and their loading from old checkpoints.
 * BatchNorm and InstanceNorm layers build on it.
 */
export abstract class _NormBase extends Module {
  declare num_features: number;
  declare eps: number;
  declare momentum: number | null;
  declare affine: boolean;
  declare track_running_stats: boolean;
  /** `[num_features]` scale, or null without `affine`. */
  declare weight: Parameter | null;
  /** `[num_features]` shift, or null without `affine`. */
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  /** Registers the parameters and buffers, then draws nothing: weight 1, bias 0, statistics reset. */
  protected _initNorm(num_features: number, o: NormBaseOptions): void {
    const dtype = toDType(o.dtype ?? null);
    this.num_features = num_features;
    this.eps = o.eps;
    this.momentum = o.momentum;
    this.affine = o.affine;
    this.track_running_stats = o.track_running_stats;
    if (this.affine) {
      this.weight = new Parameter(empty([num_features], { dtype }));
      if (o.bias ?? true) this.bias = new Parameter(empty([num_features], { dtype }));
      else this.register_parameter("bias", null);
    } else {
      this.register_parameter("weight", null);
      this.register_parameter("bias", null);
    }
    if (this.track_running_stats) {
      this.register_buffer("running_mean", zeros([num_features], { dtype }));
      this.register_buffer("running_var", ones([num_features], { dtype }));
      this.register_buffer("num_batches_tracked", tensor(0, { dtype: int64 }));
    } else {
      this.register_buffer("running_mean", null);
      this.register_buffer("running_var", null);
      this.register_buffer("num_batches_tracked", null);
    }
    this.reset_parameters();
  }

  /** Version 2 added `num_batches_tracked`. */
  static override _version = 2;

  /**
   * A state dict without version 2 metadata (a hand-made dict, or an old
   * checkpoint) may lack `num_batches_tracked`: it loads as 0, as in PyTorch.
   */
  override _load_from_state_dict(
    stateDict: Map<string, unknown>, prefix: string, localMetadata: { version?: number },
    missing: string[], unexpected: string[], errors: string[],
  ): void {
    const version = localMetadata.version;
    if ((version === undefined || version < 2) && this.track_running_stats) {
      const key = prefix + "num_batches_tracked";
      if (!stateDict.has(key)) stateDict.set(key, tensor(0, { dtype: int64 }));
    }
    super._load_from_state_dict(stateDict, prefix, localMetadata, missing, unexpected, errors);
  }

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    fillInPlace(this.running_mean!, 0);
    fillInPlace(this.running_var!, 1);
    fillInPlace(this.num_batches_tracked!, 0);
  }

  /** Running statistics reset, weight 1, bias 0. */
  reset_parameters(): void {
    this.reset_running_stats();
    if (this.weight) fillInPlace(this.weight, 1);
    if (this.bias) fillInPlace(this.bias, 0);
  }

  override extra_repr(): string {
    return `${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, ` +
      `affine=${pyValue(this.affine)}, bias=${pyValue(this.bias !== null)}, track_running_stats=${pyValue(this.track_running_stats)}`;
  }
}

/** What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`). */
export abstract class BatchNormBase extends _NormBase {
  constructor(num_features: number, args: unknown[]) {
    super();
    [num_features, ...args] = requiredByKeyword(new.target.name, ["num_features"], [num_features, ...args]) as [number, ...unknown[]];
    const o = parseArgs<BatchNormOptions>(
      `${new.target.name}.__init__`, ["eps", "momentum", "affine", "track_running_stats"], args, ["dtype", "device", "bias"]);
    this._initNorm(num_features, {
      eps: o.eps ?? 1e-5, momentum: o.momentum === undefined ? 0.1 : o.momentum, affine: o.affine ?? true,
      track_running_stats: o.track_running_stats ?? true, bias: o.bias ?? true, dtype: o.dtype ?? null,
    });
  }

  /** Throws PyTorch's ValueError when the input has the wrong number of dimensions. */
  abstract _check_input_dim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this._check_input_dim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.track_running_stats && this.num_batches_tracked !== null) {
      const t = this.num_batches_tracked;
      t.storage.data[t._offset] = t.storage.data[t._offset]! + 1;
      t.storage.version++;
      factor = this.momentum === null ? 1.0 / (t.storage.data[t._offset] as number) : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useStats = !this.training || this.track_running_stats;
    return batch_norm(
      input,
      useStats ? this.running_mean : null,
      useStats ? this.running_var : null,
      this.weight, this.bias, bnTraining, factor, this.eps,
    );
  }


  override op_spec(): OpSpec {
    return spec(batchNorm, { num_features: this.num_features });
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` inputs (after a Linear layer, say).
 *
 * @example
 * new nn.BatchNorm1d(120)(torch.randn(8, 120)).shape   // torch.Size([8, 120])
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(num_features: number, ...args: ArgsWithOptions<BatchNormPositional, BatchNormOptions>) {
    super(num_features, args);
  }

  override _check_input_dim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new ArgumentError(`expected 2D or 3D input (got ${input.ndim}D input)`, "input", "ValueError");
    }
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` feature maps (after a Conv2d).
 *
 * @example
 * new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.BatchNorm2d(6), new nn.ReLU())
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(num_features: number, ...args: ArgsWithOptions<BatchNormPositional, BatchNormOptions>) {
    super(num_features, args);
  }

  override _check_input_dim(input: Tensor): void {
    if (input.ndim !== 4) throw new ArgumentError(`expected 4D input (got ${input.ndim}D input)`, "input", "ValueError");
  }
}

/**
 * Batch normalisation of `[N, C, D, H, W]` volumes (after a Conv3d).
 *
 * @example
 * new nn.BatchNorm3d(4)(torch.randn(2, 4, 3, 5, 5)).shape   // torch.Size([2, 4, 3, 5, 5])
 */
export class BatchNorm3d extends BatchNormBase {
  constructor(num_features: number, ...args: ArgsWithOptions<BatchNormPositional, BatchNormOptions>) {
    super(num_features, args);
  }

  override _check_input_dim(input: Tensor): void {
    if (input.ndim !== 5) throw new ArgumentError(`expected 5D input (got ${input.ndim}D input)`, "input", "ValueError");
  }
}
