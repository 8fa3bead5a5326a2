/**
 * Comparisons and predicates: eq/ne/lt/le/gt/ge (bool results, computed in
 * the promoted dtype), logical and/or/xor/not, isnan/isinf/isfinite,
 * isclose/allclose/equal. None of them has a gradient.
 *
 * @example
 * torch.tensor([1, 2, 3]).gt(1.5)                  // tensor([False,  True,  True])
 * torch.allclose(torch.tensor([0.5]), torch.tensor([0.5 + 1e-9]))   // true
 */
import { type ArgsOf, type OptionsOf, Bool, Float, arg, signature } from "./signature.js";
/** A float as C++ prints it in PyTorch's messages: -1, 0.5. */
const fmtFloat = (v: number): string => String(v);
import { no_grad } from "../autograd/grad-mode.js";
import { ArgumentError, DTypeError } from "../errors.js";
import { bool as boolDType, float32 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type TensorLike, checkOperands, checkTensor } from "./operand.js";
import { resultType, scalarTypeName } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";

function compare(op: string, input: TensorLike, other: TensorLike): Tensor {
  // The comparisons take a tensor and a tensor or a number (torch.eq(2, x) is refused); the logical ops two tensors.
  checkOperands(op, input, other, op.startsWith("logical_") ? ["TT"] : ["TT", "TN"]);
  return elementwise(op, [input, other], resultType([input, other]), boolDType, [], null, op);
}

/** `input == other`, element-wise. */
export function eq(input: TensorLike, other: TensorLike): Tensor {
  return compare("eq", input, other);
}
/** `input != other`, element-wise. */
export function ne(input: TensorLike, other: TensorLike): Tensor {
  return compare("ne", input, other);
}
/** `input < other`, element-wise. */
export function lt(input: TensorLike, other: TensorLike): Tensor {
  return compare("lt", input, other);
}
/** `input <= other`, element-wise. */
export function le(input: TensorLike, other: TensorLike): Tensor {
  return compare("le", input, other);
}
/** `input > other`, element-wise. */
export function gt(input: TensorLike, other: TensorLike): Tensor {
  return compare("gt", input, other);
}
/** `input >= other`, element-wise. */
export function ge(input: TensorLike, other: TensorLike): Tensor {
  return compare("ge", input, other);
}
export const not_equal = ne;
export const less = lt;
export const less_equal = le;
export const greater = gt;
export const greater_equal = ge;

/** Element-wise logical and (non-zero is true); a bool result. */
export function logical_and(input: TensorLike, other: TensorLike): Tensor {
  return compare("logical_and", input, other);
}
export function logical_or(input: TensorLike, other: TensorLike): Tensor {
  return compare("logical_or", input, other);
}
export function logical_xor(input: TensorLike, other: TensorLike): Tensor {
  return compare("logical_xor", input, other);
}
/** Element-wise logical not (`~mask` for a bool tensor). */
export function logical_not(input: Tensor): Tensor {
  checkTensor(input, "logical_not");
  return elementwise("logical_not", [input], input.dtype, boolDType, [], null, "logical_not");
}

function bitwise(op: string, input: TensorLike, other: TensorLike): Tensor {
  checkOperands(op, input, other, ["TT", "TN", "NT"]);
  const dt = resultType([input, other]);
  if (dt.kind === "float") throw new DTypeError(`"${op}_cpu" not implemented for '${scalarTypeName(dt)}'`, op, [dt.name]);
  return elementwise(op, [input, other], dt, dt, [], null, op);
}
/** Bitwise and of integer or bool tensors (`a & b`). int64 values are combined in their low 32 bits. */
export function bitwise_and(input: TensorLike, other: TensorLike): Tensor {
  return bitwise("bitwise_and", input, other);
}
export function bitwise_or(input: TensorLike, other: TensorLike): Tensor {
  return bitwise("bitwise_or", input, other);
}
export function bitwise_xor(input: TensorLike, other: TensorLike): Tensor {
  return bitwise("bitwise_xor", input, other);
}
/** `~input`: logical not for bool tensors, bitwise not for integers. */
export function bitwise_not(input: Tensor): Tensor {
  checkTensor(input, "bitwise_not");
  if (input.dtype.kind === "float") throw new DTypeError(`"bitwise_not_cpu" not implemented for '${scalarTypeName(input.dtype)}'`, "bitwise_not", [input.dtype.name]);
  return elementwise("bitwise_not", [input], input.dtype, input.dtype, [], null, "bitwise_not");
}

function predicate(op: string, input: Tensor): Tensor {
  checkTensor(input, op);
  if (input.dtype.kind !== "float" && op !== "signbit") {
    // Integers are never NaN or infinite: answer without a kernel, as PyTorch does.
    const finite = op === "isfinite";
    return elementwise("affine", [input], float32, boolDType, [0, finite ? 1 : 0], null, op);
  }
  return elementwise(op, [input], input.dtype, boolDType, [], null, op);
}
/** True where the element is NaN. */
export function isnan(input: Tensor): Tensor {
  return predicate("isnan", input);
}
/** True where the element is +inf or -inf. */
export function isinf(input: Tensor): Tensor {
  return predicate("isinf", input);
}
export function isposinf(input: Tensor): Tensor {
  return predicate("isposinf", input);
}
export function isneginf(input: Tensor): Tensor {
  return predicate("isneginf", input);
}
/** True where the element is neither NaN nor infinite. */
export function isfinite(input: Tensor): Tensor {
  return predicate("isfinite", input);
}
/** True where the sign bit is set (negative numbers and -0). */
export function signbit(input: Tensor): Tensor {
  return predicate("signbit", input);
}

/** Tolerances of `isclose` and `allclose`. */
export const ISCLOSE = signature("isclose", [arg("rtol", Float, 1e-5), arg("atol", Float, 1e-8), arg("equal_nan", Bool, false)], 2);
export const ALLCLOSE = signature("allclose", ISCLOSE.params, 2);
export type CloseOptions = OptionsOf<typeof ISCLOSE>;

/**
 * `|input - other| <= atol + rtol * |other|`, element-wise (equal infinities
 * are close; NaNs only with `equal_nan`). Both tensors must have the same dtype.
 */
export function isclose(input: Tensor, other: Tensor, ...args: ArgsOf<typeof ISCLOSE>): Tensor {
  checkTensor(input, "isclose");
  checkTensor(other, "isclose", "other", 2);
  const { rtol, atol, equal_nan } = ISCLOSE.parse(args);
  if (rtol < 0) throw new ArgumentError(`rtol must be greater than or equal to zero, but got ${fmtFloat(rtol)}`, "rtol", "RuntimeError");
  if (atol < 0) throw new ArgumentError(`atol must be greater than or equal to zero, but got ${fmtFloat(atol)}`, "atol", "RuntimeError");
  if (input.dtype !== other.dtype) {
    throw new DTypeError(`${scalarTypeName(input.dtype)} did not match ${scalarTypeName(other.dtype)}`, "isclose", [input.dtype.name, other.dtype.name]);
  }
  return no_grad(() => {
    let close = eq(input, other);
    if (equal_nan && input.dtype.kind === "float") close = logical_or(close, logical_and(isnan(input), isnan(other)));
    if (rtol === 0 && atol === 0) return close;
    const a = input.dtype.kind === "float" ? input : input.to(float32);
    const b = other.dtype.kind === "float" ? other : other.to(float32);
    const allowed = elementwise("affine", [elementwise("abs", [elementwise("affine", [b], b.dtype, b.dtype, [rtol, 0])], b.dtype, b.dtype)], b.dtype, b.dtype, [1, atol]);
    const actual = elementwise("abs", [elementwise("sub", [a, b], a.dtype, a.dtype)], a.dtype, a.dtype);
    return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)));
  });
}

/** True when every element of `input` is close to `other` (see `isclose`). */
export function allclose(input: Tensor, other: Tensor, ...args: ArgsOf<typeof ALLCLOSE>): boolean {
  const { rtol, atol, equal_nan } = ALLCLOSE.parse(args);
  const close = isclose(input, other, rtol, atol, equal_nan);
  const d = close._contiguousData();
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return false;
  return true;
}

/** True when both tensors have the same shape and equal elements. */
export function equal(input: Tensor, other: Tensor): boolean {
  checkTensor(input, "equal");
  checkTensor(other, "equal", "other", 2);
  if (!input.shape.equals(other.shape)) return false;
  const same = eq(input, other)._contiguousData();
  for (let i = 0; i < same.length; i++) if (same[i] === 0) return false;
  return true;
}

