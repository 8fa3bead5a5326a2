/**
 * Loss modules (`nn.MSELoss`, `nn.CrossEntropyLoss`, ...): the criteria of
 * a training loop. Each keeps its options (PyTorch's attributes and, for
 * class weights, buffers) and calls the matching `F.*` function; each prints
 * as PyTorch prints it (`MSELoss()`).
 *
 * @example
 * const criterion = new nn.CrossEntropyLoss();
 * const loss = criterion(net(images), labels);
 * loss.backward();
 *
 * new nn.CrossEntropyLoss({ label_smoothing: 0.1 })
 * new nn.MSELoss({ reduction: "sum" })
 */
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "./args.js";
import {
  binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss, legacyReduction, mse_loss, nll_loss,
  smooth_l1_loss,
} from "./functional/loss.js";
import { Module } from "./module.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { loss } from "../shape/families/reduce.js";

/** How a loss folds its per-element values: "mean" (default), "sum" or "none". */
export type ReductionName = "mean" | "sum" | "none";

/** Options every loss module takes. */
export interface LossOptions {
  /** Deprecated: use `reduction`. */
  size_average?: boolean | null;
  /** Deprecated: use `reduction`. */
  reduce?: boolean | null;
  reduction?: ReductionName;
}

/** PyTorch's `_Loss`: the reduction, from `reduction` or the deprecated flags. */
export abstract class Loss extends Module {
  declare reduction: string;

  protected constructor(o: LossOptions) {
    super();
    const legacy = (o.size_average !== undefined && o.size_average !== null) || (o.reduce !== undefined && o.reduce !== null);
    this.reduction = legacy ? legacyReduction(o.size_average, o.reduce) : (o.reduction ?? "mean");
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override op_spec(): OpSpec {
    return spec(loss, { reduction: this.reduction });
  }
}

/** PyTorch's `_WeightedLoss`: a loss with a per-class `weight` buffer. */
export abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  protected constructor(o: LossOptions & { weight?: Tensor | null }) {
    super(o);
    this.register_buffer("weight", o.weight ?? null);
  }
}

/**
 * Mean absolute error.
 *
 * @example
 * new nn.L1Loss()(output, target)
 */
export class L1Loss extends Loss {
  constructor(...args: ArgsWithOptions<[size_average: boolean | null, reduce: boolean | null, reduction: ReductionName], LossOptions>) {
    super(parseArgs<LossOptions>("L1Loss.__init__", ["size_average", "reduce", "reduction"], args));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1_loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean squared error, the tutorial's criterion.
 *
 * @example
 * const criterion = new nn.MSELoss();
 * const loss = criterion(output, target);   // grad_fn=<MseLossBackward0>
 */
export class MSELoss extends Loss {
  constructor(...args: ArgsWithOptions<[size_average: boolean | null, reduce: boolean | null, reduction: ReductionName], LossOptions>) {
    super(parseArgs<LossOptions>("MSELoss.__init__", ["size_average", "reduce", "reduction"], args));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mse_loss(input, target, { reduction: this.reduction });
  }
}

/** Options of `nn.CrossEntropyLoss`. */
export interface CrossEntropyLossOptions extends LossOptions {
  weight?: Tensor | null;
  ignore_index?: number;
  label_smoothing?: number;
}

/**
 * Cross-entropy of logits against class indices or class probabilities
 * (`log_softmax` and NLL in one).
 *
 * @example
 * const criterion = new nn.CrossEntropyLoss();
 * criterion(logits, labels)           // logits [N, C], labels int64 [N]
 */
export class CrossEntropyLoss extends WeightedLoss {
  declare ignore_index: number;
  declare label_smoothing: number;

  constructor(...args: ArgsWithOptions<[
    weight: Tensor | null, size_average: boolean | null, ignore_index: number, reduce: boolean | null, reduction: ReductionName, label_smoothing: number,
  ], CrossEntropyLossOptions>) {
    const o = parseArgs<CrossEntropyLossOptions>("CrossEntropyLoss.__init__",
      ["weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"], args);
    super(o);
    this.ignore_index = o.ignore_index ?? -100;
    this.label_smoothing = o.label_smoothing ?? 0.0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return cross_entropy(input, target, {
      weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction, label_smoothing: this.label_smoothing,
    });
  }
}

/** Options of `nn.NLLLoss`. */
export interface NLLLossOptions extends LossOptions {
  weight?: Tensor | null;
  ignore_index?: number;
}

/**
 * Negative log likelihood of log-probabilities (after `nn.LogSoftmax`).
 *
 * @example
 * new nn.NLLLoss()(F.log_softmax(logits, 1), labels)
 */
export class NLLLoss extends WeightedLoss {
  declare ignore_index: number;

  constructor(...args: ArgsWithOptions<[
    weight: Tensor | null, size_average: boolean | null, ignore_index: number, reduce: boolean | null, reduction: ReductionName,
  ], NLLLossOptions>) {
    const o = parseArgs<NLLLossOptions>("NLLLoss.__init__", ["weight", "size_average", "ignore_index", "reduce", "reduction"], args);
    super(o);
    this.ignore_index = o.ignore_index ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nll_loss(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction });
  }
}

/** Options of `nn.BCELoss`. */
export interface BCELossOptions extends LossOptions {
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy of probabilities (after `nn.Sigmoid`).
 *
 * @example
 * new nn.BCELoss()(torch.sigmoid(logits), labels)
 */
export class BCELoss extends WeightedLoss {
  constructor(...args: ArgsWithOptions<[weight: Tensor | null, size_average: boolean | null, reduce: boolean | null, reduction: ReductionName], BCELossOptions>) {
    super(parseArgs<BCELossOptions>("BCELoss.__init__", ["weight", "size_average", "reduce", "reduction"], args));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binary_cross_entropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Options of `nn.BCEWithLogitsLoss`. */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  pos_weight?: Tensor | null;
}

/**
 * Binary cross-entropy of logits (sigmoid included, numerically stable).
 *
 * @example
 * new nn.BCEWithLogitsLoss({ pos_weight: torch.ones(5).mul(3) })
 */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;

  constructor(...args: ArgsWithOptions<[
    weight: Tensor | null, size_average: boolean | null, reduce: boolean | null, reduction: ReductionName, pos_weight: Tensor | null,
  ], BCEWithLogitsLossOptions>) {
    const o = parseArgs<BCEWithLogitsLossOptions>("BCEWithLogitsLoss.__init__", ["weight", "size_average", "reduce", "reduction", "pos_weight"], args);
    super(o);
    this.register_buffer("weight", o.weight ?? null);
    this.register_buffer("pos_weight", o.pos_weight ?? null);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binary_cross_entropy_with_logits(input, target, { weight: this.weight, pos_weight: this.pos_weight, reduction: this.reduction });
  }
}

/** Options of `nn.SmoothL1Loss`. */
export interface SmoothL1LossOptions extends LossOptions {
  beta?: number;
}

/**
 * Smooth L1: quadratic below `beta`, linear above.
 *
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 })
 */
export class SmoothL1Loss extends Loss {
  declare beta: number;

  constructor(...args: ArgsWithOptions<[size_average: boolean | null, reduce: boolean | null, reduction: ReductionName, beta: number], SmoothL1LossOptions>) {
    const o = parseArgs<SmoothL1LossOptions>("SmoothL1Loss.__init__", ["size_average", "reduce", "reduction", "beta"], args);
    super(o);
    this.beta = o.beta ?? 1.0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return smooth_l1_loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Options of `nn.HuberLoss`. */
export interface HuberLossOptions {
  reduction?: ReductionName;
  delta?: number;
}

/**
 * Huber loss: quadratic below `delta`, linear (scaled by `delta`) above.
 *
 * @example
 * new nn.HuberLoss({ delta: 2.0 })
 */
export class HuberLoss extends Loss {
  declare delta: number;

  constructor(...args: ArgsWithOptions<[reduction: ReductionName, delta: number], HuberLossOptions>) {
    const o = parseArgs<HuberLossOptions>("HuberLoss.__init__", ["reduction", "delta"], args);
    super(o);
    this.delta = o.delta ?? 1.0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return huber_loss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}
