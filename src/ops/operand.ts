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
import { ArgumentError, type PyErrorType } from "../errors.js";
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

/**
 * PyTorch's refusal of a complex tensor (src/ops/complex.ts) by an op that
 * does not take one: its own words where it has them, else its dispatcher's.
 */
function refuseComplex(x: unknown, fn: string): void {
  const dtype = (x as { dtype?: { is_complex?: boolean; scalarName?: string } } | null)?.dtype;
  if (!dtype?.is_complex) return;
  const op = fn.replace(/^(torch|F|nn\.functional)\./, "").replace(/_$/, "");
  const own: Record<string, [PyErrorType, string]> = {
    clamp: ["NotImplementedError", "clamp is not supported for complex types"],
    relu: ["NotImplementedError", "clamp is not supported for complex types"],
    floor: ["NotImplementedError", "floor is not supported for complex inputs"],
    ceil: ["NotImplementedError", "ceil is not supported for complex inputs"],
    trunc: ["NotImplementedError", "trunc is not supported for complex inputs"],
    round: ["NotImplementedError", "round is not supported for complex inputs"],
    maximum: ["RuntimeError", "maximum not implemented for complex tensors."],
    minimum: ["RuntimeError", "minimum not implemented for complex tensors."],
  };
  // A real tensor's arithmetic method given a complex operand: the torch function takes both.
  if (["add", "sub", "mul", "div"].includes(op)) own[op] = ["TypeError", `${op}(): a real tensor's method does not take a complex tensor in tsorch; use torch.${op}(input, other)`];
  const [type, message]: [PyErrorType, string] = own[op] ?? ["RuntimeError", `"${op}_cpu" not implemented for '${dtype.scalarName}'`];
  throw new ArgumentError(message, "input", type);
}

/** Checks that `x` is a Tensor or a scalar, with PyTorch's TypeError otherwise. */
export function checkTensorLike(x: unknown, fn: string, arg: string, position: number): TensorLike {
  if (x instanceof Tensor || isScalar(x)) return x;
  refuseComplex(x, fn);
  throw new ArgumentError(`${fn}(): argument '${arg}' (position ${position}) must be Tensor, not ${pyTypeName(x)}`, arg, "TypeError");
}

/** Checks that `x` is a Tensor, with PyTorch's TypeError otherwise. */
export function checkTensor(x: unknown, fn: string, arg = "input", position = 1): Tensor {
  if (x instanceof Tensor) return x;
  refuseComplex(x, fn);
  throw new ArgumentError(`${fn}(): argument '${arg}' (position ${position}) must be Tensor, not ${pyTypeName(x)}`, arg, "TypeError");
}

/**
 * PyTorch's TypeError for a call no overload takes (an op whose overloads all
 * need a tensor, called with numbers): `eq() received an invalid combination
 * of arguments - got (int, Tensor), but expected one of:`, keyword arguments
 * after the positional ones (`got (int, Tensor, alpha=int)`), then the
 * overloads it has, one a line, as PyTorch lists them.
 */
export function invalidCombination(fn: string, args: readonly unknown[], kwargs: Record<string, unknown> = {}, overloads: readonly string[] = []): ArgumentError {
  const got = [...args.map(pyTypeName), ...Object.entries(kwargs).map(([k, v]) => `${k}=${pyTypeName(v)}`)].join(", ");
  const list = overloads.map((o) => `\n * ${o}`).join("");
  return new ArgumentError(`${fn}() received an invalid combination of arguments - got (${got}), but expected one of:${list}`, "input", "TypeError");
}

/**
 * The overloads of a binary op, by which operands may be a Python number:
 * "TT" two tensors, "TN" a tensor then a number, "NT" a number then a tensor.
 * One form ("TT" only) is a plain signature of two tensors.
 */
export type OperandForm = "TT" | "TN" | "NT";

/**
 * Checks a binary op's operands against PyTorch's overloads of it. With one
 * form a non-tensor is `atan2(): argument 'input' (position 1) must be Tensor,
 * not int`; with several, a combination none takes is `fmod() received an
 * invalid combination of arguments - got (int, int), but expected one of:`.
 */
export function checkOperands(
  fn: string, input: unknown, other: unknown, forms: readonly OperandForm[],
  names: readonly [string, string] = ["input", "other"], kwargs: Record<string, unknown> = {},
): void {
  if (forms.length === 1 && forms[0] === "TT") {
    checkTensor(input, fn, names[0], 1);
    checkTensor(other, fn, names[1], 2);
    return;
  }
  const kind = (x: unknown) => (x instanceof Tensor ? "T" : isScalar(x) ? "N" : "?");
  if ((forms as readonly string[]).includes(kind(input) + kind(other))) return;
  const overloads = forms.map((f) => `(${f[0] === "T" ? "Tensor" : "Number"} ${names[0]}, ${f[1] === "T" ? "Tensor" : "Number"} ${names[1]})`);
  throw invalidCombination(fn, [input, other], kwargs, overloads);
}
