/**
 * In-place ops (`x.add_(y)`, `x.relu_()`, `x.zero_()`, ...): they write
 * through the tensor's own strides (so writing into a view changes its base),
 * bump the storage's version counter, and take part in autograd the way
 * PyTorch's do:
 *
 * - With grad mode on, a leaf that requires grad (or a view of one) refuses:
 *   "a leaf Variable that requires grad is being used in an in-place operation."
 *   (Optimizers update parameters inside `torch.no_grad`, where it is allowed.)
 * - The tensor's history is rebased: its `grad_fn` becomes the op's node
 *   (`AddBackward0`, `ReluBackward0`, ...) whose input is its previous history.
 * - Writing into a view of a tensor rebases the *base*: the base gets a
 *   `CopySlices` node that routes the gradient of the written region through
 *   the op and the rest straight through, and the view gets `AsStridedBackward0`.
 * - Tensors saved for a backward pass remember the version they had, so
 *   modifying one in place before `backward()` raises PyTorch's error instead
 *   of producing a wrong gradient.
 *
 * @example
 * const h = torch.randn(3).requires_grad_();
 * h.relu_();    // RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
 * torch.no_grad(() => w.sub_(w.grad!.mul(0.1)));   // a manual SGD step
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { type BackwardFn, GradFn, edgeOf, needsGrad, record } from "../autograd/graph.js";
import { ArgumentError, AutogradError, DTypeError, TsorchError } from "../errors.js";
import { type DType, bool as boolDType, castScalar } from "../tensor/dtype.js";
import { copyStrided } from "../tensor/strided.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { attachBinary, type BinaryDef } from "./binary-def.js";
import { ADD, type AlphaOptions, alphaOf, DIV, type DivOptions, FMOD, FLOOR_DIVIDE, MUL, POW, REMAINDER, SUB, add, mul } from "./binary.js";
import { type Bound, type ClampOptions, clampBounds, clampPlan, recordScalarClamp } from "./clamp.js";
import { gradFor, saveInput } from "./grad-utils.js";
import { where, scatterInPlace, gather } from "./index-ops.js";
import { type Scalar, type TensorLike, checkTensor, isScalar, scalarNumber } from "./operand.js";
import { canCast, scalarTypeName } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";
import { type UnaryDef, attachUnary, kernelOf, unaryDTypes } from "./unary-def.js";
import * as U from "./unary.js";
import * as A from "./activation.js";
import { ge, le, logical_and } from "./compare.js";

// ---------------------------------------------------------------- checks and history

/** PyTorch's checks before an in-place write: no self-overlap, no leaf that requires grad. */
export function checkInplace(self: Tensor, others: readonly unknown[]): void {
  for (let i = 0; i < self.ndim; i++) {
    if (self._strides[i] === 0 && self.shape[i]! > 1) {
      throw new TsorchError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.");
    }
  }
  if (!is_grad_enabled()) return;
  const anyGrad = self.requires_grad || others.some((o) => o instanceof Tensor && o.requires_grad);
  if (!anyGrad) return;
  if (self._base !== null && self.requires_grad && self._base.is_leaf && self._base.requires_grad) {
    throw new AutogradError("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  if (self.requires_grad && self.is_leaf) {
    throw new AutogradError("a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

/** PyTorch's check that the op's result dtype can be stored in `self`. */
export function checkCast(result: DType, self: Tensor): void {
  if (!canCast(result, self.dtype)) {
    throw new DTypeError(`result type ${scalarTypeName(result)} can't be cast to the desired output type ${scalarTypeName(self.dtype)}`, "inplace", [result.name, self.dtype.name]);
  }
}

/** Marks one in-place write on `self`'s storage (what saved-tensor checks compare against). */
export function bumpVersion(self: Tensor): void {
  self.storage.version++;
}

/** A tensor with `like`'s sizes, strides and offset over a fresh zeroed storage as long as `like`'s. */
function sameGeometry(like: Tensor, dtype: DType): Tensor {
  return new Tensor(new Storage(new dtype.ArrayType(like.storage.data.length)), like.shape, like._strides, like._offset, dtype);
}

/**
 * Makes `self`'s history go through a new node `name` whose inputs are
 * `inputs` (`inputs[0]` is `self` before the write). Returns the node that
 * will run in backward (for saving tensors), or null when nothing is recorded.
 */
export function rebaseHistory(self: Tensor, name: string, inputs: (Tensor | null)[], fn: BackwardFn): GradFn | null {
  if (!needsGrad(inputs)) return null;
  const base = self._base;
  if (base === null) return record(name, self, inputs, fn);
  // A view: the base's history absorbs the op through CopySlices.
  const opEdges = inputs.map(edgeOf);
  const viewShape = [...self.shape];
  const viewStrides = [...self._strides];
  const viewOffset = self._offset;
  const copySlices = new GradFn("CopySlices", [edgeOf(base), ...opEdges.slice(1)], ([g]) => {
    const full = sameGeometry(base, g!.dtype);
    copyStrided(g!.shape, g!.storage.data, g!._strides, g!._offset, full.storage.data, full._strides, full._offset);
    const region = new Tensor(full.storage, viewShape, viewStrides, viewOffset, g!.dtype);
    const res = fn([region.detach().clone()]);
    const own = res[0];
    if (own) copyStrided(viewShape, own.storage.data, own._strides, own._offset, full.storage.data, viewStrides, viewOffset);
    else copyStrided(viewShape, new (g!.dtype.ArrayType)(1), viewShape.map(() => 0), 0, full.storage.data, viewStrides, viewOffset);
    return [full, ...res.slice(1)];
  });
  base._setGradFn(copySlices, 0);
  const asStrided = new GradFn("AsStridedBackward0", [[copySlices, 0]], ([g]) => {
    const full = sameGeometry(base, g!.dtype);
    copyStrided(viewShape, g!.storage.data, g!._strides, g!._offset, full.storage.data, viewStrides, viewOffset);
    return [full];
  });
  self._setGradFn(asStrided, 0);
  return copySlices;
}

const rebaseFor = (self: Tensor) => (name: string, inputs: (Tensor | null)[], fn: BackwardFn) => rebaseHistory(self, name, inputs, fn);

/** Whether an in-place op on `self` with these operands records autograd history. */
function recordsInplace(self: Tensor, ...others: unknown[]): boolean {
  return is_grad_enabled() && (self.requires_grad || others.some((o) => o instanceof Tensor && o.requires_grad));
}

/** A detached copy of `self`'s current values (for formulas that read the value before the write). */
function snapshot(self: Tensor): Tensor {
  return self.detach().clone();
}

// ---------------------------------------------------------------- binary

/** Runs a binary op definition in place on `self`. */
export function inplaceBinary<O>(def: BinaryDef<O>, self: Tensor, other: TensorLike, opts: O, fnName: string): Tensor {
  checkTensor(self, fnName);
  checkInplace(self, [other]);
  const plan = def.plan(self, other, opts);
  checkCast(plan.outDType, self);
  const rec = recordsInplace(self, other);
  const needsOld = rec && def.reads !== undefined && (def.reads(self.requires_grad, other instanceof Tensor && other.requires_grad, opts).a ?? false);
  const old = needsOld ? snapshot(self) : self;
  if (def === POW && isScalar(other) && plan.compute.kind === "float" && scalarNumber(other) === 2) {
    elementwise("square", [self], plan.compute, self.dtype, [], self, fnName);
  } else {
    elementwise(plan.kernel, [self, other], plan.compute, self.dtype, plan.params, self, fnName);
  }
  bumpVersion(self);
  if (rec) attachBinary(def, self, other, self, opts, rebaseFor(self), old);
  return self;
}

/** `self += alpha * other`. */
export function add_(self: Tensor, other: TensorLike, options?: AlphaOptions | Scalar): Tensor {
  return inplaceBinary(ADD, self, other, alphaOf("add_", options), "add_");
}
/** `self -= alpha * other`. */
export function sub_(self: Tensor, other: TensorLike, options?: AlphaOptions | Scalar): Tensor {
  return inplaceBinary(SUB, self, other, alphaOf("sub_", options), "sub_");
}
/** `self *= other`. */
export function mul_(self: Tensor, other: TensorLike): Tensor {
  return inplaceBinary(MUL, self, other, null, "mul_");
}
/** `self /= other` (with an optional rounding mode). */
export function div_(self: Tensor, other: TensorLike, options: DivOptions = {}): Tensor {
  return inplaceBinary(DIV, self, other, options, "div_");
}
/** `self **= exponent`. */
export function pow_(self: Tensor, exponent: TensorLike): Tensor {
  return inplaceBinary(POW, self, exponent, null, "pow_");
}
export function remainder_(self: Tensor, other: TensorLike): Tensor {
  return inplaceBinary(REMAINDER, self, other, null, "remainder_");
}
export function fmod_(self: Tensor, other: TensorLike): Tensor {
  return inplaceBinary(FMOD, self, other, null, "fmod_");
}
export function floor_divide_(self: Tensor, other: TensorLike): Tensor {
  return inplaceBinary(FLOOR_DIVIDE, self, other, null, "floor_divide_");
}

// ---------------------------------------------------------------- unary

/** Runs a unary op definition in place on `self`. */
export function inplaceUnary<O>(def: UnaryDef<O>, self: Tensor, opts: O, fnName: string): Tensor {
  checkTensor(self, fnName);
  def.check?.(self, opts);
  checkInplace(self, []);
  const [compute, outDType] = unaryDTypes(def, self.dtype);
  checkCast(outDType, self);
  const rec = recordsInplace(self);
  const old = rec && def.reads?.input ? snapshot(self) : self;
  const params = def.params ? def.params(opts, compute) : [];
  elementwise(kernelOf(def, self, opts), [self], compute, self.dtype, params, self, fnName);
  bumpVersion(self);
  if (rec) attachUnary(def, self, self, opts, rebaseFor(self), old);
  return self;
}

export const neg_ = (self: Tensor) => inplaceUnary(U.NEG, self, null, "neg_");
export const negative_ = neg_;
export const abs_ = (self: Tensor) => inplaceUnary(U.ABS, self, null, "abs_");
export const absolute_ = abs_;
export const sign_ = (self: Tensor) => inplaceUnary(U.SIGN, self, null, "sign_");
export const exp_ = (self: Tensor) => inplaceUnary(U.EXP, self, null, "exp_");
export const exp2_ = (self: Tensor) => inplaceUnary(U.EXP2, self, null, "exp2_");
export const expm1_ = (self: Tensor) => inplaceUnary(U.EXPM1, self, null, "expm1_");
export const log_ = (self: Tensor) => inplaceUnary(U.LOG, self, null, "log_");
export const log1p_ = (self: Tensor) => inplaceUnary(U.LOG1P, self, null, "log1p_");
export const log2_ = (self: Tensor) => inplaceUnary(U.LOG2, self, null, "log2_");
export const log10_ = (self: Tensor) => inplaceUnary(U.LOG10, self, null, "log10_");
export const sqrt_ = (self: Tensor) => inplaceUnary(U.SQRT, self, null, "sqrt_");
export const rsqrt_ = (self: Tensor) => inplaceUnary(U.RSQRT, self, null, "rsqrt_");
export const reciprocal_ = (self: Tensor) => inplaceUnary(U.RECIPROCAL, self, null, "reciprocal_");
export const square_ = (self: Tensor) => pow_(self, 2);
export const sin_ = (self: Tensor) => inplaceUnary(U.SIN, self, null, "sin_");
export const cos_ = (self: Tensor) => inplaceUnary(U.COS, self, null, "cos_");
export const tan_ = (self: Tensor) => inplaceUnary(U.TAN, self, null, "tan_");
export const asin_ = (self: Tensor) => inplaceUnary(U.ASIN, self, null, "asin_");
export const acos_ = (self: Tensor) => inplaceUnary(U.ACOS, self, null, "acos_");
export const atan_ = (self: Tensor) => inplaceUnary(U.ATAN, self, null, "atan_");
export const sinh_ = (self: Tensor) => inplaceUnary(U.SINH, self, null, "sinh_");
export const cosh_ = (self: Tensor) => inplaceUnary(U.COSH, self, null, "cosh_");
export const erf_ = (self: Tensor) => inplaceUnary(U.ERF, self, null, "erf_");
export const floor_ = (self: Tensor) => inplaceUnary(U.FLOOR, self, null, "floor_");
export const ceil_ = (self: Tensor) => inplaceUnary(U.CEIL, self, null, "ceil_");
export const trunc_ = (self: Tensor) => inplaceUnary(U.TRUNC, self, null, "trunc_");
export const fix_ = trunc_;
export const frac_ = (self: Tensor) => inplaceUnary(U.FRAC, self, null, "frac_");
export const round_ = (self: Tensor, options: { decimals?: number } = {}) => inplaceUnary(U.ROUND, self, options.decimals ?? 0, "round_");
export const relu_ = (self: Tensor) => inplaceUnary(A.RELU, self, null, "relu_");
export const sigmoid_ = (self: Tensor) => inplaceUnary(A.SIGMOID, self, null, "sigmoid_");
export const tanh_ = (self: Tensor) => inplaceUnary(A.TANH, self, null, "tanh_");
/** In-place leaky ReLU (its backward reads the result, which has the input's sign). */
export const leaky_relu_ = (self: Tensor, negative_slope = 0.01) => inplaceUnary(
  { ...A.LEAKY_RELU, node: "LeakyReluBackward1", reads: { result: true }, fused: { kernel: "leaky_relu_backward", from: "result", params: (s: number) => [s] } },
  self, negative_slope, "leaky_relu_",
);
export const hardtanh_ = (self: Tensor, min_val = -1, max_val = 1) => inplaceUnary(A.HARDTANH, self, [min_val, max_val], "hardtanh_");
export const relu6_ = (self: Tensor) => inplaceUnary(A.HARDTANH, self, [0, 6], "relu6_");
/**
 * `elu_` as PyTorch 1.13 records it: `EluBackward1`, whose gradient is computed from the result (the
 * input is overwritten), `g * input_scale * (result + alpha)` where the result is not positive. That
 * formula needs `alpha >= 0`, which PyTorch checks when the backward pass runs.
 */
const ELU_INPLACE: UnaryDef<A.EluParams> = {
  ...A.ELU,
  reads: { result: true },
  fused: undefined,
  backward: (g, _x, y, p) => {
    if (p.negcoef < 0) {
      throw new TsorchError(
        "In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused by " +
        "calling in-place forward function with a negative slope, please call out-of-place version instead.");
    }
    return where(le(y, 0), mul(mul(g, p.inputScale), add(y, p.negcoef)), mul(g, p.poscoef));
  },
};

export const elu_ = (self: Tensor, alpha = 1) => inplaceUnary(ELU_INPLACE, self, { negcoef: alpha, poscoef: 1, inputScale: 1, node: "EluBackward1" }, "elu_");
export const silu_ = (self: Tensor) => inplaceUnary(A.SILU, self, null, "silu_");
export const hardsigmoid_ = (self: Tensor) => inplaceUnary(A.HARDSIGMOID, self, null, "hardsigmoid_");
export const hardswish_ = (self: Tensor) => inplaceUnary(A.HARDSWISH, self, null, "hardswish_");
export const threshold_ = (self: Tensor, threshold: number, value: number) => inplaceUnary(A.THRESHOLD, self, [threshold, value], "threshold_");

/** Replaces NaN and infinities in place. */
export function nan_to_num_(self: Tensor, options: U.NanToNumOptions = {}): Tensor {
  const max = self.dtype.name === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  return inplaceUnary(U.NAN_TO_NUM, self, [options.nan ?? 0, options.posinf ?? max, options.neginf ?? -max], "nan_to_num_");
}

// ---------------------------------------------------------------- clamp

/** Clamps in place to [min, max] (numbers or tensors). */
export function clamp_(self: Tensor, min?: Bound | ClampOptions, max?: Bound): Tensor {
  checkTensor(self, "clamp_");
  const [lo, hi] = clampBounds(min, max);
  checkInplace(self, [lo, hi]);
  const { dt, tensorBounds } = clampPlan(self, lo, hi);
  checkCast(dt, self);
  const rec = recordsInplace(self, lo, hi);
  const old = rec ? snapshot(self) : self;
  if (!tensorBounds) {
    const l = lo === null || lo === undefined ? null : castScalar(scalarNumber(lo as Scalar), dt);
    const h = hi === null || hi === undefined ? null : castScalar(scalarNumber(hi as Scalar), dt);
    if (l !== null && h !== null) elementwise("clamp", [self], dt, self.dtype, [l, h], self, "clamp_");
    else if (l !== null) elementwise("clamp_min", [self], dt, self.dtype, [l], self, "clamp_");
    else elementwise("clamp_max", [self], dt, self.dtype, [h!], self, "clamp_");
    bumpVersion(self);
    if (rec) recordScalarClamp(self, self, l, h, (name, inputs, fn) => rebaseHistory(self, name, inputs, fn), old);
    return self;
  }
  elementwise("clamp", [self, lo ?? -Infinity, hi ?? Infinity], dt, self.dtype, [], self, "clamp_");
  bumpVersion(self);
  if (rec) {
    const shape = [...self.shape];
    const dtype = self.dtype;
    const node = rebaseHistory(self, "ClampBackward0", [self, lo instanceof Tensor ? lo : null, hi instanceof Tensor ? hi : null], ([g]) => {
      const loV = lo ?? -Infinity;
      const hiV = hi ?? Infinity;
      const pass = logical_and(ge(old, loV), le(old, hiV));
      return [
        gradFor(where(pass, g!, 0), shape, dtype),
        lo instanceof Tensor && lo.requires_grad ? gradFor(where(logical_and(ge(loV, old), pass.logical_not()), g!, 0), lo.shape, lo.dtype) : null,
        hi instanceof Tensor && hi.requires_grad ? gradFor(where(logical_and(le(hiV, old), pass.logical_not()), g!, 0), hi.shape, hi.dtype) : null,
      ];
    });
    saveInput(node, old);
  }
  return self;
}

export const clip_ = clamp_;

export function clamp_min_(self: Tensor, min: TensorLike): Tensor {
  return clamp_(self, min, null);
}

export function clamp_max_(self: Tensor, max: TensorLike): Tensor {
  return clamp_(self, null, max);
}

// ---------------------------------------------------------------- fill / zero / copy / masked_fill / scatter

/** Sets every element to `value` (a number or a 0-d tensor). */
export function fill_(self: Tensor, value: Scalar | Tensor): Tensor {
  checkTensor(self, "fill_");
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ArgumentError(`fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`, "value", "RuntimeError");
  }
  checkInplace(self, [value]);
  const v = value instanceof Tensor ? value.storage.data[value._offset]! : scalarNumber(value);
  elementwise("copy", [castScalar(v, self.dtype)], self.dtype, self.dtype, [], self, "fill_");
  bumpVersion(self);
  if (recordsInplace(self, value)) {
    const valueT = value instanceof Tensor ? value : null;
    if (valueT) {
      rebaseHistory(self, "FillBackward3", [self, valueT], ([g]) => [
        g!.mul(0),
        valueT.requires_grad ? gradFor(g!.sum(), [], valueT.dtype) : null,
      ]);
    } else {
      rebaseHistory(self, "FillBackward2", [self], ([g]) => [g!.mul(0)]);
    }
  }
  return self;
}

/** Sets every element to zero. */
export function zero_(self: Tensor): Tensor {
  checkTensor(self, "zero_");
  checkInplace(self, []);
  elementwise("copy", [0], self.dtype, self.dtype, [], self, "zero_");
  bumpVersion(self);
  if (recordsInplace(self)) rebaseHistory(self, "ZeroBackward0", [self], ([g]) => [g!.mul(0)]);
  return self;
}

/**
 * Copies `src` into `self` (broadcasting `src`, converting its dtype), in
 * place. Gradients flow to `src`; the overwritten values get none.
 */
export function copy_(self: Tensor, src: Tensor): Tensor {
  checkTensor(self, "copy_");
  checkTensor(src, "copy_", "src", 2);
  checkInplace(self, [src]);
  elementwise("copy", [src], self.dtype, self.dtype, [], self, "copy_");
  bumpVersion(self);
  if (recordsInplace(self, src)) {
    const srcShape = [...src.shape];
    const srcDType = src.dtype;
    const needSrc = src.requires_grad && src.dtype.is_floating_point;
    rebaseHistory(self, "CopyBackwards", [self, src], ([g]) => [
      g!.mul(0),
      needSrc ? gradFor(g!, srcShape, srcDType) : null,
    ]);
  }
  return self;
}

/** Writes `value` where `mask` is true, in place (mask broadcast to `self`). */
export function masked_fill_(self: Tensor, mask: Tensor, value: Scalar | Tensor): Tensor {
  checkTensor(self, "masked_fill_");
  checkTensor(mask, "masked_fill_", "mask", 2);
  if (mask.dtype !== boolDType && mask.dtype.name !== "uint8" && mask.dtype.name !== "int64") {
    throw new DTypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype.name === "float32" ? "float" : mask.dtype.name}`, "masked_fill_", [mask.dtype.name]);
  }
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ArgumentError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`, "value", "RuntimeError");
  }
  checkInplace(self, [value]);
  const v = castScalar(value instanceof Tensor ? value.storage.data[value._offset]! : scalarNumber(value), self.dtype);
  elementwise("where", [mask, v, self], self.dtype, self.dtype, [], self, "masked_fill_");
  bumpVersion(self);
  if (recordsInplace(self, value)) {
    const valueT = value instanceof Tensor ? value : null;
    const shape = [...self.shape];
    const dtype = self.dtype;
    const node = valueT
      ? rebaseHistory(self, "MaskedFillBackward1", [self, valueT], ([g]) => [
        gradFor(where(mask, 0, g!), shape, dtype),
        valueT.requires_grad ? gradFor(where(mask, g!, 0).sum(), [], valueT.dtype) : null,
      ])
      : rebaseHistory(self, "MaskedFillBackward0", [self], ([g]) => [gradFor(where(mask, 0, g!), shape, dtype)]);
    saveInput(node, mask);
  }
  return self;
}

/** `scatter` in place: writes `src` at `index` along `dim`. */
export function scatter_(self: Tensor, dim: number, index: Tensor, src: Tensor | Scalar): Tensor {
  checkTensor(self, "scatter_");
  checkInplace(self, [src]);
  const d = scatterInPlace(self, dim, index, src, false);
  bumpVersion(self);
  if (recordsInplace(self, src)) {
    const srcT = src instanceof Tensor ? src : null;
    if (srcT) {
      rebaseHistory(self, "ScatterBackward0", [self, srcT], ([g]) => [g!.scatter(d, index, 0), srcT.requires_grad ? gather(g!, d, index) : null]);
    } else {
      rebaseHistory(self, "ScatterBackward1", [self], ([g]) => [g!.scatter(d, index, 0)]);
    }
  }
  return self;
}

/** `scatter_add` in place. */
export function scatter_add_(self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(self, "scatter_add_");
  checkInplace(self, [src]);
  const d = scatterInPlace(self, dim, index, src, true);
  bumpVersion(self);
  if (recordsInplace(self, src)) {
    rebaseHistory(self, "ScatterAddBackward0", [self, src], ([g]) => [g!, src.requires_grad ? gather(g!, d, index) : null]);
  }
  return self;
}

// ---------------------------------------------------------------- optimizer-style updates

/** `self += value * tensor1 * tensor2` in place (Adam's second moment). */
export function addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
  return ternaryInplace("addcmul", "AddcmulBackward0", self, tensor1, tensor2, options.value ?? 1);
}

/** `self += value * tensor1 / tensor2` in place (Adam's step). */
export function addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
  return ternaryInplace("addcdiv", "AddcdivBackward0", self, tensor1, tensor2, options.value ?? 1);
}

/** `self += weight * (end - self)` in place. */
export function lerp_(self: Tensor, end: Tensor, weight: TensorLike): Tensor {
  checkTensor(self, "lerp_");
  checkInplace(self, [end, weight]);
  const rec = recordsInplace(self, end, weight);
  const old = rec ? snapshot(self) : self;
  elementwise("lerp", [self, end, weight], self.dtype, self.dtype, [], self, "lerp_");
  bumpVersion(self);
  if (rec) {
    const wT = weight instanceof Tensor ? weight : null;
    rebaseHistory(self, "LerpBackward" + (wT ? "1" : "0"), wT ? [self, end, wT] : [self, end], ([g]) => {
      const grads: (Tensor | null)[] = [
        gradFor(g!.mul(U.neg(elementwise("affine", [weight], self.dtype, self.dtype, [1, -1]))), self.shape, self.dtype),
        end.requires_grad ? gradFor(g!.mul(weight), end.shape, end.dtype) : null,
      ];
      if (wT) grads.push(wT.requires_grad ? gradFor(g!.mul(end.sub(old)), wT.shape, wT.dtype) : null);
      return grads;
    });
  }
  return self;
}

function ternaryInplace(kernel: "addcmul" | "addcdiv", node: string, self: Tensor, t1: Tensor, t2: Tensor, value: number): Tensor {
  checkTensor(self, `${kernel}_`);
  checkInplace(self, [t1, t2]);
  elementwise(kernel, [self, t1, t2], self.dtype, self.dtype, [value], self, `${kernel}_`);
  bumpVersion(self);
  if (recordsInplace(self, t1, t2)) {
    const node_ = rebaseHistory(self, node, [self, t1, t2], ([g]) => {
      const g1 = kernel === "addcmul" ? g!.mul(t2).mul(value) : g!.div(t2).mul(value);
      const g2 = kernel === "addcmul" ? g!.mul(t1).mul(value) : g!.mul(t1).neg().div(t2.mul(t2)).mul(value);
      return [
        gradFor(g!, self.shape, self.dtype),
        t1.requires_grad ? gradFor(g1, t1.shape, t1.dtype) : null,
        t2.requires_grad ? gradFor(g2, t2.shape, t2.dtype) : null,
      ];
    });
    saveInput(node_, t1);
    saveInput(node_, t2);
  }
  return self;
}
