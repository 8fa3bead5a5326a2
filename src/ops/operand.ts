/**
 * What ops accept where PyTorch accepts a tensor or a Python number: a
 * Tensor, a JS number, or a boolean. Numbers behave like Python scalars in
 * type promotion (`int64_tensor.mul(0.5)` is float32, `float32_tensor.add(1)`
 * stays float32); see result-type.ts.
 *
 * @example
 * isScalar(2)            // true
 * scalarKind(2.5)        // "float"
 */
import { ArgumentError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";

/** A tensor, or a number/boolean standing for a Python scalar. */
export type TensorLike = Tensor | number | boolean;

/** A number or boolean (PyTorch's `Scalar`). */
export type Scalar = number | boolean;

export function isScalar(x: unknown): x is Scalar {
  return typeof x === "number" || typeof x === "boolean";
}

/** The Python type a JS scalar stands for: booleans are bool, integral numbers int, others float. */
export function scalarKind(x: Scalar): "bool" | "int" | "float" {
  if (typeof x === "boolean") return "bool";
  return Number.isInteger(x) ? "int" : "float";
}

/** The numeric value of a scalar (true is 1). */
export function scalarNumber(x: Scalar): number {
  return typeof x === "boolean" ? (x ? 1 : 0) : x;
}

/** The Python type name of a JS value, for PyTorch's argument errors ("must be Tensor, not int"). */
export function pyTypeName(x: unknown): string {
  if (x === null || x === undefined) return "NoneType";
  if (typeof x === "boolean") return "bool";
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "float";
  if (typeof x === "string") return "str";
  if (Array.isArray(x)) return "list";
  if (x instanceof Tensor) return "Tensor";
  return typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x;
}

/** Checks that `x` is a Tensor or a scalar, with PyTorch's TypeError otherwise. */
export function checkTensorLike(x: unknown, fn: string, arg: string, position: number): TensorLike {
  if (x instanceof Tensor || isScalar(x)) return x;
  throw new ArgumentError(`${fn}(): argument '${arg}' (position ${position}) must be Tensor, not ${pyTypeName(x)}`, arg, "TypeError");
}

/** Checks that `x` is a Tensor, with PyTorch's TypeError otherwise. */
export function checkTensor(x: unknown, fn: string, arg = "input", position = 1): Tensor {
  if (x instanceof Tensor) return x;
  throw new ArgumentError(`${fn}(): argument '${arg}' (position ${position}) must be Tensor, not ${pyTypeName(x)}`, arg, "TypeError");
}

/**
 * PyTorch's TypeError for a call no overload takes (an op whose overloads all
 * need a tensor, called with numbers): `eq() received an invalid combination
 * of arguments - got (int, Tensor), but expected one of:`.
 */
export function invalidCombination(fn: string, args: readonly unknown[]): ArgumentError {
  return new ArgumentError(`${fn}() received an invalid combination of arguments - got (${args.map(pyTypeName).join(", ")}), but expected one of:`, "input", "TypeError");
}
