/**
 * Loss functions (`F.mse_loss`, `F.cross_entropy`, ...): PyTorch 1.13's
 * arguments, values, autograd nodes and error texts.
 *
 * The element-wise losses (MSE, smooth L1, Huber, the two binary
 * cross-entropies) and NLL run in one pass each and record PyTorch's node
 * (`MseLossBackward0`, `NllLossBackward0`, ...). Cross-entropy is built the
 * way ATen builds it: `log_softmax` then NLL, or, for class probabilities
 * and label smoothing, from tensor ops, so `loss.grad_fn` chains read the
 * same as in PyTorch (`NllLossBackward0 -> LogSoftmaxBackward0 -> ...`).
 *
 * Every function takes `reduction` ("mean" by default, "sum" or "none") in
 * its options; the deprecated `size_average` / `reduce` flags are honoured
 * with PyTorch's warning.
 *
 * @example
 * const loss = F.cross_entropy(logits, labels);                 // logits [N, C], labels int64 [N]
 * F.mse_loss(output, target, { reduction: "sum" });
 * F.cross_entropy(logits, labels, { label_smoothing: 0.1, ignore_index: 0 });
 */
import { ArgumentError, DTypeError, IndexError, ShapeError, TsorchError, fmtShape } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { warn } from "../../warnings.js";
import { broadcastShapes } from "../../ops/broadcast.js";
import { is_grad_enabled } from "../../autograd/grad-mode.js";
import { sigmoid, logsigmoid } from "../../ops/activation.js";
import { add, div, mul, rsub, sub } from "../../ops/binary.js";
import { clamp_min } from "../../ops/clamp.js";
import { lt } from "../../ops/compare.js";
import { masked_select, where } from "../../ops/index-ops.js";
import { resultType } from "../../ops/result-type.js";
import { mean, sum } from "../../ops/reduce.js";
import { log_softmax } from "../../ops/softmax.js";
import { abs, log, neg, sign } from "../../ops/unary.js";
import { type DType, bool as boolDType, float32, int64, uint8 } from "../../tensor/dtype.js";
import { formatSize } from "../../tensor/format.js";
import { anyMeta, metaTensor } from "../../tensor/meta.js";
import { Tensor } from "../../tensor/tensor.js";
import { contiguous, expand, view } from "../../tensor/view.js";
import { hooked } from "../../ops/op-hook.js";
import { describeLoss } from "../../shape/families/index.js";
import { cppTypeName } from "./float-data.js";

/** How a loss folds its per-element values: their mean (default), their sum, or not at all. */
export type Reduction = "mean" | "sum" | "none";

/** What every loss accepts. */
export interface ReductionArgs {
  reduction?: Reduction | (string & {});
  /** Deprecated (PyTorch warns): false sums instead of averaging. */
  size_average?: boolean | null;
  /** Deprecated (PyTorch warns): false returns the per-element losses. */
  reduce?: boolean | null;
}

/** Options of `F.nll_loss`. */
export interface NllLossArgs extends ReductionArgs {
  /** A weight per class, `[C]`. */
  weight?: Tensor | null;
  /** Targets equal to this value contribute nothing (default -100). */
  ignore_index?: number;
}

/** Options of `F.cross_entropy`. */
export interface CrossEntropyArgs extends NllLossArgs {
  /** Mixes the target with the uniform distribution: 0 (default) to 1. */
  label_smoothing?: number;
}

/** Options of `F.binary_cross_entropy`. */
export interface BCEArgs extends ReductionArgs {
  /** Rescales each element's loss (broadcast to the input's shape). */
  weight?: Tensor | null;
}

/** Options of `F.binary_cross_entropy_with_logits`. */
export interface BCEWithLogitsArgs extends BCEArgs {
  /** A weight for the positive examples of each class (broadcast against the target's last dimension). */
  pos_weight?: Tensor | null;
}

/** Options of `F.smooth_l1_loss`. */
export interface SmoothL1Args extends ReductionArgs {
  /** Where the loss turns from quadratic to linear (default 1.0; 0 gives the L1 loss). */
  beta?: number;
}

/** Options of `F.huber_loss`. */
export interface HuberArgs extends ReductionArgs {
  /** Where the loss turns from quadratic to linear (default 1.0). */
  delta?: number;
}

// ---------------------------------------------------------------- arguments

const REDUCTION_KEYS = ["reduction", "size_average", "reduce"];

/** Refuses keyword arguments the function does not have, as Python does. */
function checkKeys(fn: string, opts: object, extra: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (!REDUCTION_KEYS.includes(k) && !extra.includes(k)) {
      throw new ArgumentError(`${fn}() got an unexpected keyword argument '${k}'`, k, "TypeError");
    }
  }
}

/** Options given as an object, or (PyTorch's last positional argument) a reduction string. */
function optionsOf<O extends ReductionArgs>(fn: string, opts: O | Reduction | string | undefined, extra: readonly string[]): O {
  if (opts === undefined || opts === null) return {} as O;
  if (typeof opts === "string") return { reduction: opts } as O;
  if (typeof opts !== "object" || Array.isArray(opts) || opts instanceof Tensor) {
    throw new ArgumentError(`${fn}(): options must be an object such as { reduction: "sum" }`, "options", "TypeError");
  }
  checkKeys(fn, opts, extra);
  return opts;
}

/**
 * PyTorch's `_Reduction.legacy_get_string`: the reduction the deprecated
 * `size_average` / `reduce` flags stand for (with PyTorch's warning).
 */
export function legacyReduction(sizeAverage: boolean | null | undefined, reduce: boolean | null | undefined, emitWarning = true): Reduction {
  const avg = sizeAverage ?? true;
  const red = reduce ?? true;
  const r: Reduction = avg && red ? "mean" : red ? "sum" : "none";
  if (emitWarning) warn(`size_average and reduce args will be deprecated, please use reduction='${r}' instead.`);
  return r;
}

/** The reduction to apply: the legacy flags win when given, as in PyTorch; unknown names are its ValueError. */
export function reductionOf(o: ReductionArgs): Reduction {
  const given = o.size_average !== undefined && o.size_average !== null || o.reduce !== undefined && o.reduce !== null;
  const r: string = given ? legacyReduction(o.size_average, o.reduce) : (o.reduction ?? "mean");
  if (r === "elementwise_mean") {
    warn("reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.");
    return "mean";
  }
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new ArgumentError(`${String(r)} is not a valid value for reduction`, "reduction", "ValueError");
  }
  return r as Reduction;
}

/** Python's `AttributeError` when a loss gets a number where a tensor belongs. */
function requireTensors(input: unknown, target: unknown): void {
  for (const x of [input, target]) {
    if (!(x instanceof Tensor)) {
      const t = typeof x === "number" ? (Number.isInteger(x) ? "int" : "float") : x === null || x === undefined ? "NoneType" : typeof x;
      throw new TsorchError(`'${t}' object has no attribute 'size'`, "AttributeError");
    }
  }
}

/** PyTorch refuses a gradient-requiring weight for ops whose weight is not differentiable. */
function requireNoGradWeight(op: string, weight: Tensor | null | undefined, name = "weight"): void {
  if (weight && weight.requires_grad) {
    throw new TsorchError(`The function '${op}' is not differentiable with respect to argument '${name}'. This input cannot have requires_grad True.`);
  }
}

/** C++'s `<<` of a double (6 significant digits), as in ATen's messages. */
function cppDouble(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Rounding of one arithmetic step in the tensor's dtype. */
type Round = (v: number) => number;
const identity: Round = (v) => v;
function roundingOf(dtype: DType): Round {
  return dtype === float32 ? Math.fround : identity;
}

/** Row-major values of `t` as doubles (a view of the data when it already is float64). */
function valuesOf(t: Tensor): ArrayLike<number> {
  return t._contiguousData() as ArrayLike<number>;
}

/** A contiguous tensor of `dtype` over `data`. */
function fromValues(data: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const out = new dtype.ArrayType(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]!;
  return Tensor._fromData(out, shape, dtype);
}

/** PyTorch's warning (and broadcast) when a regression target's size differs from the input's. */
function warnSizeMismatch(input: Tensor, target: Tensor): void {
  if (!target.shape.equals(input.shape)) {
    warn(`Using a target size (${formatSize(target.shape)}) that is different to the input size (${formatSize(input.shape)}). ` +
      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.");
  }
}

/** `torch.broadcast_tensors(input, target)`: tensors of the broadcast shape are passed through unchanged. */
function broadcastPair(input: Tensor, target: Tensor, op: string): [Tensor, Tensor] {
  if (input.shape.equals(target.shape)) return [input, target];
  const shape = broadcastShapes([input.shape, target.shape], op);
  return [input.shape.equals(shape) ? input : expand(input, shape), target.shape.equals(shape) ? target : expand(target, shape)];
}

// ---------------------------------------------------------------- element-wise losses

/** One element-wise loss: its node, its value per element, and its derivatives (in the compute dtype). */
interface Pointwise {
  node: string;
  /** The kernel name in PyTorch's "not implemented for 'Long'" error. */
  kernel: string;
  loss(x: number, t: number, r: Round, i: number): number;
  /** d loss / d input for element i, times `g` (the incoming gradient) and `scale` (1/n for "mean", else 1). */
  gradInput(x: number, t: number, g: number, scale: number, r: Round, i: number): number;
  gradTarget(x: number, t: number, g: number, scale: number, r: Round, i: number): number;
  /**
   * The same two gradients from tensor ops, used when the backward pass is
   * itself recorded (`create_graph`), so that the loss can be
   * differentiated twice. `g` is the incoming gradient, `scale` 1/n or 1.
   */
  graphGrads(x: Tensor, t: Tensor, g: Tensor, scale: number): [Tensor, Tensor];
}

/**
 * Runs an element-wise loss on `input` and `target` of one shape: values in
 * the promoted floating dtype, then the reduction, with `def.node` recorded
 * (edges: input, target).
 */
function pointwiseLoss(def: Pointwise, input: Tensor, target: Tensor, reduction: Reduction): Tensor {
  const dtype = resultType([input, target]);
  if (dtype.kind !== "float") {
    throw new DTypeError(`"${def.kernel}" not implemented for '${cppTypeName(dtype)}'`, def.kernel, [input.dtype.name, target.dtype.name]);
  }
  const shape = [...input.shape];
  if (anyMeta(input, target)) return metaTensor(reduction === "none" ? shape : [], dtype);
  const r = roundingOf(dtype);
  const x = valuesOf(input);
  const t = valuesOf(target);
  const n = x.length;
  let out: Tensor;
  if (reduction === "none") {
    const per = new dtype.ArrayType(n);
    for (let i = 0; i < n; i++) per[i] = def.loss(x[i]!, t[i]!, r, i);
    out = Tensor._fromData(per, shape, dtype);
  } else {
    // Summed in double and rounded once (PyTorch's cascade sum in float32 agrees to about one ulp).
    let s = 0;
    for (let i = 0; i < n; i++) s += def.loss(x[i]!, t[i]!, r, i);
    out = fromValues([r(reduction === "mean" ? s / n : s)], [], dtype);
  }
  const node = record(def.node, out, [input, target], ([g]) => {
    if (is_grad_enabled()) {
      // create_graph: gradients built from recorded ops, differentiable again.
      const [gi, gt] = def.graphGrads(input, target, g!, reduction === "mean" ? 1 / n : 1);
      return [input.requires_grad ? gi : null, target.requires_grad ? gt : null];
    }
    const gd = valuesOf(g!);
    const scale = reduction === "mean" ? 1 / n : 1;
    const gradAt = reduction === "none" ? (i: number) => gd[i]! : () => gd[0]!;
    const gi = input.requires_grad ? new input.dtype.ArrayType(n) : null;
    const gt = target.requires_grad ? new target.dtype.ArrayType(n) : null;
    for (let i = 0; i < n; i++) {
      if (gi) gi[i] = def.gradInput(x[i]!, t[i]!, gradAt(i), scale, r, i);
      if (gt) gt[i] = def.gradTarget(x[i]!, t[i]!, gradAt(i), scale, r, i);
    }
    return [gi ? Tensor._fromData(gi, shape, input.dtype) : null, gt ? Tensor._fromData(gt, shape, target.dtype) : null];
  });
  if (node) {
    node.saveForBackward(input, "input");
    node.saveForBackward(target, "input");
  }
  return out;
}

const MSE: Pointwise = {
  node: "MseLossBackward0",
  kernel: "mse_cpu",
  loss(x, t, r) {
    const d = r(x - t);
    return r(d * d);
  },
  // ATen: norm * (input - target) * grad, with norm = 2 / numel for "mean".
  gradInput: (x, t, g, scale, r) => r(r(r(2 * scale) * r(x - t)) * g),
  gradTarget: (x, t, g, scale, r) => r(r(r(2 * scale) * r(t - x)) * g),
  graphGrads(x, t, g, scale) {
    const gi = mul(mul(sub(x, t), 2 * scale), g);
    return [gi, neg(gi)];
  },
};

function smoothL1(beta: number): Pointwise {
  return {
    node: "SmoothL1LossBackward0",
    kernel: "smooth_l1_cpu",
    loss(x, t, r) {
      const z = Math.abs(r(x - t));
      return z < beta ? r(r(r(0.5 * z) * z) / beta) : r(z - r(0.5 * beta));
    },
    gradInput(x, t, g, scale, r) {
      const d = r(x - t);
      if (d <= -beta) return r(-scale * g);
      if (d >= beta) return r(scale * g);
      return r(r(r(scale * d) * g) / beta);
    },
    gradTarget(x, t, g, scale, r) {
      return -this.gradInput(x, t, g, scale, r, 0);
    },
    graphGrads(x, t, g, scale) {
      const d = sub(x, t);
      const gi = mul(mul(where(lt(abs(d), beta), div(d, beta), sign(d)), scale), g);
      return [gi, neg(gi)];
    },
  };
}

function huber(delta: number): Pointwise {
  return {
    node: "HuberLossBackward0",
    kernel: "huber_cpu",
    loss(x, t, r) {
      const z = Math.abs(r(x - t));
      return z < delta ? r(r(0.5 * z) * z) : r(delta * r(z - r(0.5 * delta)));
    },
    gradInput(x, t, g, scale, r) {
      const d = r(x - t);
      if (d <= -delta) return r(r(-scale * g) * delta);
      if (d >= delta) return r(r(scale * g) * delta);
      return r(r(scale * d) * g);
    },
    gradTarget(x, t, g, scale, r) {
      return -this.gradInput(x, t, g, scale, r, 0);
    },
    graphGrads(x, t, g, scale) {
      const d = sub(x, t);
      const gi = mul(mul(where(lt(abs(d), delta), d, mul(sign(d), delta)), scale), g);
      return [gi, neg(gi)];
    },
  };
}

/** Binary cross-entropy on probabilities; `w` is the per-element weight (already broadcast) or null, `wt` the same as a tensor. */
function bce(w: ArrayLike<number> | null, wt?: Tensor | null): Pointwise {
  const weighed = (v: Tensor) => (wt ? mul(v, wt) : v);
  const wAt = (i: number) => (w ? w[i]! : 1);
  return {
    node: "BinaryCrossEntropyBackward0",
    kernel: "binary_cross_entropy",
    loss(x, t, r, i) {
      // ATen clamps the logs at -100 so that x = 0 or 1 gives a finite loss.
      const l = r(r((t - 1) * Math.max(r(Math.log1p(-x)), -100)) - r(t * Math.max(r(Math.log(x)), -100)));
      return w ? r(l * wAt(i)) : l;
    },
    gradInput: (x, t, g, scale, r, i) => r((g * scale * (x - t)) / Math.max(r(r(1 - x) * x), 1e-12) * wAt(i)),
    gradTarget: (x, _t, g, scale, r, i) => r(-Math.log(x / (1 - x)) * g * wAt(i) * scale),
    graphGrads(x, t, g, scale) {
      const gi = weighed(mul(div(mul(sub(x, t), g), clamp_min(mul(rsub(x, 1), x), 1e-12)), scale));
      const gt = weighed(mul(mul(neg(log(div(x, rsub(x, 1)))), g), scale));
      return [gi, gt];
    },
  };
}

/** log(sigmoid(v)), computed stably. */
function logSigmoid(v: number): number {
  return v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v));
}

/** Binary cross-entropy on logits (`w`, `pw`: per-element weight and positive weight, already broadcast; `wT`, `pwT` as tensors). */
function bceWithLogits(w: ArrayLike<number> | null, pw: ArrayLike<number> | null, wT?: Tensor | null, pwT?: Tensor | null): Pointwise {
  const wt = (i: number) => (w ? w[i]! : 1);
  const weighed = (v: Tensor) => (wT ? mul(v, wT) : v);
  return {
    node: "BinaryCrossEntropyWithLogitsBackward0",
    kernel: "binary_cross_entropy_with_logits",
    loss(x, t, r, i) {
      // ATen's form: (1 - t) x + lw (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0), lw = 1 + (pw - 1) t.
      const m = Math.max(-x, 0);
      const sp = Math.log(Math.exp(-m) + Math.exp(-x - m)) + m;
      const lw = pw ? (pw[i]! - 1) * t + 1 : 1;
      return r(((1 - t) * x + lw * sp) * wt(i));
    },
    gradInput(x, t, g, scale, r, i) {
      const s = 1 / (1 + Math.exp(-x));
      const d = pw ? (pw[i]! * t + 1 - t) * s - pw[i]! * t : s - t;
      return r(d * g * wt(i) * scale);
    },
    gradTarget(x, _t, g, scale, r, i) {
      const d = pw ? logSigmoid(-x) - logSigmoid(x) * pw[i]! : -x;
      return r(d * g * wt(i) * scale);
    },
    graphGrads(x, t, g, scale) {
      const s = sigmoid(x);
      let gi: Tensor;
      let gt: Tensor;
      if (pwT) {
        const pt = mul(pwT, t);
        gi = sub(mul(sub(add(pt, 1), t), s), pt);
        gt = sub(logsigmoid(neg(x)), mul(logsigmoid(x), pwT));
      } else {
        gi = sub(s, t);
        gt = neg(x);
      }
      return [weighed(mul(mul(gi, g), scale)), weighed(mul(mul(gt, g), scale))];
    },
  };
}

/** The element-wise regression losses: PyTorch's size warning, then broadcasting, then the kernel. */
function regression(def: Pointwise, input: Tensor, target: Tensor, reduction: Reduction): Tensor {
  warnSizeMismatch(input, target);
  const [a, b] = broadcastPair(input, target, def.kernel);
  return pointwiseLoss(def, a, b, reduction);
}

/**
 * Mean squared error: `(input - target)^2`, averaged (or summed, or per element).
 *
 * @example
 * F.mse_loss(torch.tensor([1, 2]).float(), torch.tensor([1, 4]).float())   // tensor(2.)
 */
export const mse_loss = hooked("F.mse_loss", function mse_loss(input: Tensor, target: Tensor, options?: ReductionArgs | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf("mse_loss", options, []);
  return regression(MSE, input, target, reductionOf(o));
}, describeLoss);

/**
 * Mean absolute error: `|input - target|` (recorded as PyTorch records it: sub, abs, mean).
 *
 * @example
 * F.l1_loss(output, target, { reduction: "sum" })
 */
export const l1_loss = hooked("F.l1_loss", function l1_loss(input: Tensor, target: Tensor, options?: ReductionArgs | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf("l1_loss", options, []);
  const reduction = reductionOf(o);
  warnSizeMismatch(input, target);
  const [a, b] = broadcastPair(input, target, "l1_loss");
  return applyReduction(abs(sub(a, b)), reduction);
}, describeLoss);

/** ATen's `apply_loss_reduction`. */
function applyReduction(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "mean") return mean(loss);
  if (reduction === "sum") return sum(loss);
  return loss;
}

/**
 * Smooth L1: quadratic for `|x - y| < beta`, linear beyond.
 *
 * @example
 * F.smooth_l1_loss(pred, target, { beta: 0.5 })
 */
export const smooth_l1_loss = hooked("F.smooth_l1_loss", function smooth_l1_loss(input: Tensor, target: Tensor, options?: SmoothL1Args | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf<SmoothL1Args>("smooth_l1_loss", options, ["beta"]);
  const reduction = reductionOf(o);
  const beta = o.beta ?? 1.0;
  if (beta === 0) return l1_loss(input, target, { reduction });
  if (beta < 0) throw new ArgumentError("smooth_l1_loss does not support negative values for beta.", "beta", "RuntimeError");
  return regression(smoothL1(beta), input, target, reduction);
}, describeLoss);

/**
 * Huber loss: `0.5 (x - y)^2` for `|x - y| < delta`, `delta (|x - y| - 0.5 delta)` beyond.
 *
 * @example
 * F.huber_loss(pred, target, { delta: 2 })
 */
export const huber_loss = hooked("F.huber_loss", function huber_loss(input: Tensor, target: Tensor, options?: HuberArgs | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf<HuberArgs>("huber_loss", options, ["delta"]);
  const reduction = reductionOf(o);
  const delta = o.delta ?? 1.0;
  if (!(delta > 0)) throw new ArgumentError("huber_loss does not support non-positive values for delta.", "delta", "RuntimeError");
  return regression(huber(delta), input, target, reduction);
}, describeLoss);

/** `weight` broadcast to `shape` as values, or PyTorch's in-place broadcast error when it would grow the result. */
function broadcastWeight(weight: Tensor, shape: readonly number[], op: string): ArrayLike<number> {
  const b = broadcastShapes([shape, weight.shape], op);
  if (!b.every((s, i) => s === shape[i]) || b.length !== shape.length) {
    throw new ShapeError(`output with shape ${fmtShape(shape)} doesn't match the broadcast shape ${fmtShape(b)}`, {
      op, shapes: { input: shape, weight: weight.shape },
    });
  }
  return valuesOf(weight.shape.equals(shape) ? weight : contiguous(expand(weight.detach(), [...shape])));
}

/**
 * Binary cross-entropy between probabilities `input` (in [0, 1]) and
 * `target` of the same shape.
 *
 * @example
 * F.binary_cross_entropy(torch.sigmoid(logits), labels)
 */
export const binary_cross_entropy = hooked("F.binary_cross_entropy", function binary_cross_entropy(
  input: Tensor, target: Tensor, options?: BCEArgs | Reduction,
): Tensor {
  requireTensors(input, target);
  const o = optionsOf<BCEArgs>("binary_cross_entropy", options, ["weight"]);
  const reduction = reductionOf(o);
  if (!target.shape.equals(input.shape)) {
    throw new ArgumentError(`Using a target size (${formatSize(target.shape)}) that is different to the input size (${formatSize(input.shape)}) is deprecated. Please ensure they have the same size.`, "target", "ValueError");
  }
  let w: ArrayLike<number> | null = null;
  if (o.weight) {
    // Python: weight.expand(_infer_size(target.size(), weight.size())).
    const shape = broadcastShapes([target.shape, o.weight.shape], "binary_cross_entropy");
    requireNoGradWeight("binary_cross_entropy", o.weight);
    if (!anyMeta(input, target, o.weight)) w = broadcastWeight(o.weight, shape, "binary_cross_entropy");
  }
  if (target.dtype !== input.dtype) {
    throw new DTypeError(`Found dtype ${cppTypeName(target.dtype)} but expected ${cppTypeName(input.dtype)}`, "binary_cross_entropy", [input.dtype.name, target.dtype.name]);
  }
  if (!anyMeta(input, target)) {
    const x = valuesOf(input);
    for (let i = 0; i < x.length; i++) {
      if (!(x[i]! >= 0 && x[i]! <= 1)) throw new TsorchError("all elements of input should be between 0 and 1");
    }
  }
  return pointwiseLoss(bce(w, o.weight ?? null), input, target, reduction);
}, describeLoss);

/**
 * Binary cross-entropy on logits: `sigmoid` and BCE in one numerically
 * stable step. `pos_weight` weighs the positive examples per class.
 *
 * @example
 * F.binary_cross_entropy_with_logits(logits, labels, { pos_weight: torch.tensor([3.0]) })
 */
export const binary_cross_entropy_with_logits = hooked("F.binary_cross_entropy_with_logits", function binary_cross_entropy_with_logits(
  input: Tensor, target: Tensor, options?: BCEWithLogitsArgs | Reduction,
): Tensor {
  requireTensors(input, target);
  const o = optionsOf<BCEWithLogitsArgs>("binary_cross_entropy_with_logits", options, ["weight", "pos_weight"]);
  const reduction = reductionOf(o);
  if (!target.shape.equals(input.shape)) {
    throw new ArgumentError(`Target size (${formatSize(target.shape)}) must be the same as input size (${formatSize(input.shape)})`, "target", "ValueError");
  }
  requireNoGradWeight("binary_cross_entropy_with_logits", o.weight);
  requireNoGradWeight("binary_cross_entropy_with_logits", o.pos_weight, "pos_weight");
  if (!target.dtype.is_floating_point && input.dtype.is_floating_point) {
    throw new DTypeError(`result type ${cppTypeName(input.dtype)} can't be cast to the desired output type ${cppTypeName(target.dtype)}`, "binary_cross_entropy_with_logits", [input.dtype.name, target.dtype.name]);
  }
  const shape = [...input.shape];
  let pw: ArrayLike<number> | null = null;
  let w: ArrayLike<number> | null = null;
  const meta = anyMeta(input, target, o.weight, o.pos_weight);
  if (o.pos_weight) {
    // (pos_weight - 1) * target broadcasts; the result must keep the input's shape.
    const b = broadcastShapes([o.pos_weight.shape, shape], "binary_cross_entropy_with_logits");
    if (!meta) pw = broadcastWeight(o.pos_weight, b, "binary_cross_entropy_with_logits");
    if (b.length !== shape.length || !b.every((s, i) => s === shape[i])) {
      throw new ShapeError(`output with shape ${fmtShape(shape)} doesn't match the broadcast shape ${fmtShape(b)}`, {
        op: "binary_cross_entropy_with_logits", shapes: { input: shape, pos_weight: o.pos_weight.shape },
      });
    }
  }
  if (o.weight) {
    const ws = broadcastShapes([shape, o.weight.shape], "binary_cross_entropy_with_logits");
    if (ws.length !== shape.length || !ws.every((s, i) => s === shape[i])) {
      throw new ShapeError(`output with shape ${fmtShape(shape)} doesn't match the broadcast shape ${fmtShape(ws)}`, {
        op: "binary_cross_entropy_with_logits", shapes: { input: shape, weight: o.weight.shape },
      });
    }
    if (!meta) w = broadcastWeight(o.weight, shape, "binary_cross_entropy_with_logits");
  }
  return pointwiseLoss(bceWithLogits(w, pw, o.weight ?? null, o.pos_weight ?? null), input, target, reduction);
});

// ---------------------------------------------------------------- negative log likelihood

/** The NLL kernel's view of its operands: `[N, C, S]` input, `[N * S]` targets. */
interface NllGeometry {
  N: number;
  C: number;
  S: number;
  /** Shape of the per-element losses (reduction "none"). */
  outShape: number[];
  node: string;
}

/** Targets must be int64 (or uint8), as ATen's kernels read them. */
function checkTargetDtype(target: Tensor): void {
  if (target.dtype !== int64 && target.dtype !== uint8) {
    throw new DTypeError(`expected scalar type Long but found ${cppTypeName(target.dtype)}`, "nll_loss", [target.dtype.name]);
  }
}

function checkNllWeight(weight: Tensor | null, input: Tensor, C: number, spatial: boolean): void {
  if (!weight) return;
  if (spatial) {
    if (weight.numel() !== C) throw new ShapeError("weight tensor should be defined either for all or no classes", { op: "nll_loss2d", shapes: { weight: weight.shape } });
  } else if (weight.ndim !== 1 || weight.numel() !== C) {
    throw new ShapeError(`weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`, {
      op: "nll_loss", shapes: { weight: weight.shape }, expected: { classes: C }, got: { weight: weight.shape },
    });
  }
  if (weight.dtype !== input.dtype) {
    throw new DTypeError(`expected scalar type ${cppTypeName(input.dtype)} but found ${cppTypeName(weight.dtype)}`, "nll_loss", [input.dtype.name, weight.dtype.name]);
  }
}

/**
 * NLL over `input` viewed as `[N, C, S]`: `-weight[t] * input[n, t, s]` for
 * every target `t` not equal to `ignore_index`, then the reduction ("mean"
 * divides by the total weight of the counted targets).
 */
function nllKernel(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, geo: NllGeometry): Tensor {
  const { N, C, S } = geo;
  checkTargetDtype(target);
  const dtype = input.dtype;
  if (anyMeta(input, target, weight)) return metaTensor(reduction === "none" ? geo.outShape : [], dtype);
  const r = roundingOf(dtype);
  const x = valuesOf(input);
  const t = valuesOf(target);
  const w = weight ? valuesOf(weight) : null;
  const count = N * S;
  const per = new Float64Array(count);
  const wOf = new Float64Array(count);
  let total = 0;
  let s = 0;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < S; j++) {
      const k = n * S + j;
      const c = t[k]!;
      if (c === ignoreIndex) continue;
      if (!(c >= 0 && c < C)) throw new IndexError(`Target ${c} is out of bounds.`, c, [0, C - 1]);
      const wc = w ? w[c]! : 1;
      wOf[k] = wc;
      per[k] = r(-x[(n * C + c) * S + j]! * wc);
      total += wc;
      s += per[k]!;
    }
  }
  const totalWeight = r(total);
  const out = reduction === "none"
    ? fromValues(per, geo.outShape, dtype)
    : fromValues([r(reduction === "mean" ? s / totalWeight : s)], [], dtype);
  const inShape = [...input.shape];
  const node = record(geo.node, out, [input], ([g]) => {
    const gd = valuesOf(g!);
    const gi = new dtype.ArrayType(input.numel());
    const scalarGrad = reduction === "mean" ? -r(gd[0]! / totalWeight) : -gd[0]!;
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < S; j++) {
        const k = n * S + j;
        const c = t[k]!;
        if (c === ignoreIndex) continue;
        const gk = reduction === "none" ? -gd[k]! : scalarGrad;
        gi[(n * C + c) * S + j] = r(wOf[k]! * gk);
      }
    }
    return [Tensor._fromData(gi, inShape, dtype)];
  });
  if (node) node.saveForBackward(input, "input");
  return out;
}

/** ATen's `nll_loss` for a 1-D `[C]` or 2-D `[N, C]` input. */
function nll1d2d(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number): Tensor {
  if (target.ndim > 1) {
    throw new ShapeError("0D or 1D target tensor expected, multi-target not supported", { op: "nll_loss", shapes: { input: input.shape, target: target.shape } });
  }
  const noBatch = input.ndim === 1 && target.ndim === 0;
  if (!noBatch && input.shape[0] !== target.shape[0]) {
    throw new ShapeError(`size mismatch (got input: ${fmtShape(input.shape)}, target: ${fmtShape(target.shape)})`, { op: "nll_loss", shapes: { input: input.shape, target: target.shape } });
  }
  const C = input.shape[input.ndim - 1]!;
  checkNllWeight(weight, input, C, false);
  requireNoGradWeight("nll_loss_forward", weight);
  const N = input.ndim === 1 ? 1 : input.shape[0]!;
  const outShape = input.ndim === 1 ? [] : [N];
  return nllKernel(input, target, weight, reduction, ignoreIndex, { N, C, S: 1, outShape, node: "NllLossBackward0" });
}

/** ATen's `nll_loss2d` for a `[N, C, H, W]` input and `[N, H, W]` target. */
function nll2d(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number): Tensor {
  if (target.ndim !== 3) {
    throw new ShapeError(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.ndim}`, { op: "nll_loss2d", shapes: { input: input.shape, target: target.shape } });
  }
  const [N, C, H, W] = input.shape as unknown as [number, number, number, number];
  checkNllWeight(weight, input, C, true);
  requireNoGradWeight("nll_loss2d_forward", weight);
  if (N !== target.shape[0] || H !== target.shape[1] || W !== target.shape[2]) {
    throw new ShapeError(`size mismatch (got input: ${fmtShape(input.shape)} , target: ${fmtShape(target.shape)}`, { op: "nll_loss2d", shapes: { input: input.shape, target: target.shape } });
  }
  return nllKernel(input, target, weight, reduction, ignoreIndex, { N, C, S: H * W, outShape: [N, H, W], node: "NllLoss2DBackward0" });
}

/** ATen's `nll_loss_nd`: dispatch on the input's rank (3-D and 5-D+ go through the 2-D kernel). */
function nllLossNd(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number): Tensor {
  if (input.ndim < 1) throw new ArgumentError(`Expected 1 or more dimensions (got ${input.ndim})`, "input", "ValueError");
  if (input.ndim !== 1 && input.shape[0] !== (target.ndim === 0 ? 0 : target.shape[0])) {
    throw new ShapeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.ndim === 0 ? 0 : target.shape[0]}).`, {
      op: "nll_loss", shapes: { input: input.shape, target: target.shape },
      expected: { batch_size: input.shape[0] }, got: { batch_size: target.ndim === 0 ? 0 : target.shape[0] },
    }, "ValueError");
  }
  if (input.ndim <= 2) return nll1d2d(input, target, weight, reduction, ignoreIndex);
  if (input.ndim === 4) return nll2d(input, target, weight, reduction, ignoreIndex);
  const n = input.shape[0]!;
  const c = input.shape[1]!;
  const outSize = [n, ...input.shape.slice(2)];
  const tRest = target.shape.slice(1);
  const iRest = input.shape.slice(2);
  if (tRest.length !== iRest.length || tRest.some((s, i) => s !== iRest[i])) {
    throw new ShapeError(`Expected target size ${fmtShape(outSize)}, got ${fmtShape(target.shape)}`, { op: "nll_loss", shapes: { input: input.shape, target: target.shape } });
  }
  const x = view(contiguous(input), input.numel() > 0 ? [n, c, 1, -1] : [n, c, 0, 0]);
  const t = view(contiguous(target), target.numel() > 0 ? [n, 1, -1] : [n, 0, 0]);
  const out = nll2d(x, t, weight, reduction, ignoreIndex);
  return reduction === "none" ? view(out, outSize) : out;
}

/**
 * Negative log likelihood of log-probabilities `input` (`[N, C]`, `[C]` or
 * `[N, C, d1, ...]`) at the class indices `target` (int64).
 *
 * @example
 * F.nll_loss(F.log_softmax(logits, 1), labels)
 */
export const nll_loss = hooked("F.nll_loss", function nll_loss(input: Tensor, target: Tensor, options?: NllLossArgs | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf<NllLossArgs>("nll_loss", options, ["weight", "ignore_index"]);
  return nllLossNd(input, target, o.weight ?? null, reductionOf(o), o.ignore_index ?? -100);
}, describeLoss);

// ---------------------------------------------------------------- cross-entropy

/** `x * s` for a C++ scalar `s` (PyTorch's `MulBackward1`, describeLoss). */
function mulScalar(x: Tensor, s: number): Tensor {
  if (anyMeta(x)) return metaTensor([...x.shape], x.dtype);
  const r = roundingOf(x.dtype);
  const sv = r(s);
  const xd = valuesOf(x);
  const out = new x.dtype.ArrayType(xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = r(xd[i]! * sv);
  const y = Tensor._fromData(out, [...x.shape], x.dtype);
  record("MulBackward1", y, [x], ([g]) => [mul(g!, sv)]);
  return y;
}

/** `x / s` for a C++ scalar `s` (PyTorch's `DivBackward1`). */
function divScalar(x: Tensor, s: number): Tensor {
  if (anyMeta(x)) return metaTensor([...x.shape], x.dtype);
  const r = roundingOf(x.dtype);
  const sv = r(s);
  const xd = valuesOf(x);
  const out = new x.dtype.ArrayType(xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = r(xd[i]! / sv);
  const y = Tensor._fromData(out, [...x.shape], x.dtype);
  record("DivBackward1", y, [x], ([g]) => [div(g!, sv)]);
  return y;
}

/** `x + s` for a C++ scalar `s` (PyTorch's `AddBackward1`). */
function addScalar(x: Tensor, s: number): Tensor {
  if (anyMeta(x)) return metaTensor([...x.shape], x.dtype);
  const r = roundingOf(x.dtype);
  const sv = r(s);
  const xd = valuesOf(x);
  const out = new x.dtype.ArrayType(xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = r(xd[i]! + sv);
  const y = Tensor._fromData(out, [...x.shape], x.dtype);
  record("AddBackward1", y, [x], ([g]) => [g]);
  return y;
}

/** `x.index_put_({mask}, 0)` as a new tensor (PyTorch's `IndexPutBackward0`, edges: self, values). */
function zeroWhere(x: Tensor, mask: Uint8Array): Tensor {
  const xd = valuesOf(x);
  const out = new x.dtype.ArrayType(xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = mask[i] ? 0 : xd[i]!;
  const y = Tensor._fromData(out, [...x.shape], x.dtype);
  record("IndexPutBackward0", y, [x, null], ([g]) => {
    const gd = valuesOf(g!);
    const gi = new g!.dtype.ArrayType(gd.length);
    for (let i = 0; i < gd.length; i++) gi[i] = mask[i] ? 0 : gd[i]!;
    return [Tensor._fromData(gi, [...x.shape], g!.dtype), null];
  });
  return y;
}

/** `weight` viewed so that it broadcasts along the class dimension of `input`. */
function classWeightView(weight: Tensor, input: Tensor, classDim: number): Tensor {
  const shape = new Array<number>(input.ndim).fill(1);
  shape[classDim] = weight.shape[0]!;
  return view(weight, shape);
}

/** ATen's `cross_entropy_loss_prob_target`: `-(log_softmax(input) * target [* weight])`, reduced. */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, labelSmoothing: number): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  if (weight && !(weight.ndim === 1 && weight.numel() === C)) {
    throw new ShapeError(`cross_entropy: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`, {
      op: "cross_entropy", shapes: { weight: weight.shape }, expected: { classes: C },
    });
  }
  const logp = log_softmax(input, classDim);
  let tgt = target;
  if (labelSmoothing > 0) {
    if (labelSmoothing > 1) throw new ArgumentError(`label_smoothing must be between 0.0 and 1.0. Got: ${cppDouble(labelSmoothing)}`, "label_smoothing", "RuntimeError");
    tgt = addScalar(mulScalar(target, 1 - labelSmoothing), labelSmoothing / C);
  }
  let prod = mul(logp, tgt);
  if (weight) prod = mul(prod, input.ndim > 1 ? classWeightView(weight, input, classDim) : weight);
  if (reduction === "none") return neg(sum(prod, classDim));
  const total = neg(sum(prod));
  if (reduction === "sum") return total;
  if (input.numel() === 0) return divScalar(total, NaN);
  return divScalar(total, input.numel() / C);
}

/** ATen's `cross_entropy_loss_label_smoothing` for class-index targets. */
function crossEntropySmoothed(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, labelSmoothing: number): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = log_softmax(input, classDim);
  const nll = nllLossNd(logp, target, weight, reduction, ignoreIndex);
  // Meta operands (tensor/meta.ts): nll_loss ran every check; the smoothing term needs target values.
  if (anyMeta(input, target, weight)) return metaTensor([...nll.shape], nll.dtype);
  const C = logp.shape[classDim]!;
  const smooth = weight ? neg(sum(mul(logp, classWeightView(weight, logp, classDim)), classDim)) : neg(sum(logp, classDim));
  const t = valuesOf(target);
  const ignored = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) ignored[i] = t[i] === ignoreIndex ? 1 : 0;
  const masked = zeroWhere(smooth, ignored);
  let ret: Tensor;
  if (reduction === "mean") {
    if (weight) {
      // Normalised by the weights of the counted targets, as nll_loss is.
      const w = valuesOf(weight);
      let den = 0;
      for (let i = 0; i < t.length; i++) if (!ignored[i]) den += w[t[i]!]!;
      ret = div(sum(masked), fromValues([roundingOf(weight.dtype)(den)], [], weight.dtype));
    } else {
      const keep = new Uint8Array(t.length);
      for (let i = 0; i < t.length; i++) keep[i] = ignored[i] ? 0 : 1;
      ret = mean(masked_select(masked, Tensor._fromData(keep, [...target.shape], boolDType)));
    }
  } else {
    ret = reduction === "sum" ? sum(masked) : masked;
  }
  return add(mulScalar(nll, 1 - labelSmoothing), mulScalar(ret, labelSmoothing / C));
}

/**
 * Cross-entropy between the logits `input` and either class indices
 * (int64 `target`, one per sample) or class probabilities (a float
 * `target` of the input's shape). The class dimension is 1 (0 for a 1-D
 * input); extra trailing dimensions are positions (e.g. pixels).
 *
 * @example
 * F.cross_entropy(torch.randn(3, 5), torch.tensor([1, 0, 4]))
 * F.cross_entropy(logits, probs, { label_smoothing: 0.1 })
 */
export const cross_entropy = hooked("F.cross_entropy", function cross_entropy(input: Tensor, target: Tensor, options?: CrossEntropyArgs | Reduction): Tensor {
  requireTensors(input, target);
  const o = optionsOf<CrossEntropyArgs>("cross_entropy", options, ["weight", "ignore_index", "label_smoothing"]);
  const reduction = reductionOf(o);
  const weight = o.weight ?? null;
  const ignoreIndex = o.ignore_index ?? -100;
  const ls = o.label_smoothing ?? 0;
  if (input.shape.equals(target.shape)) {
    if (!target.dtype.is_floating_point) {
      throw new DTypeError(`Expected floating point type for target with class probabilities, got ${cppTypeName(target.dtype)}`, "cross_entropy", [target.dtype.name]);
    }
    if (ignoreIndex >= 0) throw new ArgumentError("ignore_index is not supported for floating point target", "ignore_index", "RuntimeError");
    return crossEntropyProbs(input, target, weight, reduction, ls);
  }
  if (ls > 0) {
    if (ls > 1) throw new ArgumentError(`label_smoothing must be between 0.0 and 1.0. Got: ${cppDouble(ls)}`, "label_smoothing", "RuntimeError");
    return crossEntropySmoothed(input, target, weight, reduction, ignoreIndex, ls);
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  return nllLossNd(log_softmax(input, classDim), target, weight, reduction, ignoreIndex);
}, describeLoss);
