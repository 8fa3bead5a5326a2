/**
 * `clamp` (alias `clip`), `clamp_min`, `clamp_max`: limit values to a range
 * given by numbers or by tensors (broadcast). A NaN input stays NaN; with
 * min > max every element becomes max, as in PyTorch.
 *
 * @example
 * torch.tensor([-2, 0.5, 3]).clamp(-1, 1)          // tensor([-1.0000,  0.5000,  1.0000])
 * x.clamp({ min: 0 })                               // relu
 * x.clamp(lo, hi)                                   // tensor bounds
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError } from "../errors.js";
import { castScalar } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { gt, le, ge, lt, logical_and, logical_or } from "./compare.js";
import { gradIf, inputInfo, saveInput, tensorOrNull } from "./grad-utils.js";
import { where } from "./index-ops.js";
import { type TensorLike, checkOperands, checkTensor, scalarNumber } from "./operand.js";
import { resultType } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";

/** A clamp bound: a number, a tensor, or absent. */
export type Bound = TensorLike | null | undefined;

/** `{ min, max }` as keyword arguments. */
export interface ClampOptions {
  min?: Bound;
  max?: Bound;
}

/** Splits `clamp(x, min, max)` / `clamp(x, { min, max })` into the two bounds. */
export function clampBounds(min: Bound | ClampOptions, max: Bound): [Bound, Bound] {
  if (min !== null && typeof min === "object" && !(min instanceof Tensor)) return [min.min, min.max];
  return [min as Bound, max];
}

/** @internal The dtypes and kernel of clamp(x, lo, hi); shared by the in-place form. */
export function clampPlan(input: Tensor, lo: Bound, hi: Bound) {
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) {
    throw new ArgumentError("torch.clamp: At least one of 'min' or 'max' must not be None", "min", "RuntimeError");
  }
  const operands: TensorLike[] = [input];
  if (lo !== null && lo !== undefined) operands.push(lo);
  if (hi !== null && hi !== undefined) operands.push(hi);
  const dt = resultType(operands);
  const tensorBounds = lo instanceof Tensor || hi instanceof Tensor;
  return { dt, tensorBounds };
}

/**
 * Limits every element to [min, max]; either bound may be omitted (null),
 * and bounds may be tensors.
 */
export function clamp(input: Tensor, min?: Bound | ClampOptions, max?: Bound): Tensor {
  checkTensor(input, "clamp");
  const [lo, hi] = clampBounds(min, max);
  const { dt, tensorBounds } = clampPlan(input, lo, hi);
  if (!tensorBounds) {
    const l = lo === null || lo === undefined ? null : castScalar(scalarNumber(lo as number), dt);
    const h = hi === null || hi === undefined ? null : castScalar(scalarNumber(hi as number), dt);
    const out = l !== null && h !== null
      ? elementwise("clamp", [input], dt, dt, [l, h], null, "clamp")
      : l !== null
        ? elementwise("clamp_min", [input], dt, dt, [l], null, "clamp")
        : elementwise("clamp_max", [input], dt, dt, [h!], null, "clamp");
    if (is_grad_enabled() && input.requires_grad) recordScalarClamp(input, out, l, h);
    return out;
  }
  // Tensor bounds: a missing bound is +-inf (or the dtype's extreme for integers).
  const [least, most] = dtypeRange(dt);
  const loT: TensorLike = lo ?? least;
  const hiT: TensorLike = hi ?? most;
  const out = elementwise("clamp", [input, loT, hiT], dt, dt, [], null, "clamp");
  if (is_grad_enabled() && (input.requires_grad || (lo instanceof Tensor && lo.requires_grad) || (hi instanceof Tensor && hi.requires_grad))) {
    const ix = inputInfo(input);
    const il = inputInfo(lo);
    const ih = inputInfo(hi);
    const node = record("ClampBackward0", out, [input, tensorOrNull(lo), tensorOrNull(hi)], ([g]) => {
      const hasLo = lo !== null && lo !== undefined;
      const hasHi = hi !== null && hi !== undefined;
      let pass: Tensor;
      if (hasLo && hasHi) pass = logical_and(ge(input, lo), le(input, hi));
      else if (hasLo) pass = ge(input, lo);
      else pass = le(input, hi!);
      return [
        gradIf(ix, () => where(pass, g!, 0)),
        gradIf(il, () => where(hasHi ? logical_and(lt(input, lo!), lt(lo!, hi!)) : lt(input, lo!), g!, 0)),
        gradIf(ih, () => where(hasLo ? logical_or(gt(input, hi!), lt(hi!, lo!)) : gt(input, hi!), g!, 0)),
      ];
    });
    saveInput(node, input);
    saveInput(node, lo);
    saveInput(node, hi);
  }
  return out;
}

/** @internal Records ClampBackward1 for a clamp with number bounds (also used by `clamp_`). */
export function recordScalarClamp(input: Tensor, out: Tensor, lo: number | null, hi: number | null, recordFn = (name: string, inputs: Tensor[], fn: import("../autograd/graph.js").BackwardFn) => record(name, out, inputs, fn), saved: Tensor = input) {
  const shape = [...input.shape];
  const dtype = input.dtype;
  const l = lo ?? -Infinity;
  const h = hi ?? Infinity;
  const node = recordFn("ClampBackward1", [input], ([g]) => {
    const gx = is_grad_enabled()
      ? where(logical_and(ge(saved, l), le(saved, h)), g!, 0)
      : elementwise("clamp_backward", [g!, saved], g!.dtype, g!.dtype, [l, h], null, "clamp");
    return [gx.shape.equals(shape) && gx.dtype === dtype ? gx : gx.to(dtype)];
  });
  saveInput(node, saved);
  return node;
}

/** The lowest and highest values of a dtype: what a missing tensor bound stands for. */
function dtypeRange(dt: import("../tensor/dtype.js").DType): [number, number] {
  switch (dt.name) {
    case "int32": return [-2147483648, 2147483647];
    case "uint8": return [0, 255];
    case "bool": return [0, 1];
    default: return [-Infinity, Infinity];
  }
}

/** Alias of `clamp`. */
export const clip = clamp;

/** `clamp(input, min)`, recorded as `ClampMinBackward0`. */
export function clamp_min(input: Tensor, min: TensorLike): Tensor {
  checkOperands("clamp_min", input, min, ["TT", "TN"], ["input", "min"]);
  if (min instanceof Tensor) return clamp(input, min, null);
  const dt = resultType([input, min]);
  const l = castScalar(scalarNumber(min), dt);
  const out = elementwise("clamp_min", [input], dt, dt, [l], null, "clamp_min");
  if (is_grad_enabled() && input.requires_grad) {
    const node = record("ClampMinBackward0", out, [input], ([g]) => [where(ge(input, l), g!, 0)]);
    saveInput(node, input);
  }
  return out;
}

/** `clamp(input, null, max)`, recorded as `ClampMaxBackward0`. */
export function clamp_max(input: Tensor, max: TensorLike): Tensor {
  checkOperands("clamp_max", input, max, ["TT", "TN"], ["input", "max"]);
  if (max instanceof Tensor) return clamp(input, null, max);
  const dt = resultType([input, max]);
  const h = castScalar(scalarNumber(max), dt);
  const out = elementwise("clamp_max", [input], dt, dt, [h], null, "clamp_max");
  if (is_grad_enabled() && input.requires_grad) {
    const node = record("ClampMaxBackward0", out, [input], ([g]) => [where(le(input, h), g!, 0)]);
    saveInput(node, input);
  }
  return out;
}

