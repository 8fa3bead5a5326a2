/**
 * Element-wise math on one tensor: neg, abs, sign, exp/log families, sqrt,
 * rsqrt, reciprocal, square, trigonometric and hyperbolic functions, erf,
 * rounding (floor, ceil, round with decimals, trunc, frac), nan_to_num.
 *
 * Functions that are only defined over the reals (exp, sqrt, sin, ...) turn
 * integer and bool inputs into float32, as PyTorch does; the others keep the
 * input's dtype. Each records PyTorch's node (`ExpBackward0`,
 * `SqrtBackward0`, ...).
 *
 * @example
 * torch.tensor([1, 4, 9]).sqrt()          // tensor([1., 2., 3.])
 * torch.tensor([0.5, 1.5, 2.5]).round()   // tensor([0., 2., 2.]) — halves go to even
 */
import { TsorchError } from "../errors.js";
import { zeros_like } from "../tensor/creation.js";
import { bool as boolDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { add, div, mul, pow, sub } from "./binary.js";
import { isfinite } from "./compare.js";
import { checkTensor } from "./operand.js";
import { scalarTypeName } from "./result-type.js";
import { type UnaryDef, runUnary } from "./unary-def.js";
import { where } from "./index-ops.js";

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

const float = (name: string, node: string, backward: UnaryDef<null>["backward"], reads: UnaryDef<null>["reads"]): UnaryDef<null> => ({
  name, dtype: "float", node, backward, reads,
});

export const NEG: UnaryDef<null> = {
  name: "neg", dtype: "same", node: "NegBackward0",
  check(x) {
    if (x.dtype === boolDType) {
      throw new TsorchError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    }
  },
  backward: (g) => neg(g),
};
export const ABS: UnaryDef<null> = {
  name: "abs", dtype: "same", node: "AbsBackward0", reads: { input: true }, refuse: ["bool"],
  backward: (g, x) => mul(g, sign(x)),
  fused: { kernel: "abs_backward", from: "input" },
};
export const SIGN: UnaryDef<null> = { name: "sign", dtype: "same", node: "SignBackward0", backward: (g) => zeros_like(g) };
export const EXP = float("exp", "ExpBackward0", (g, _x, r) => mul(g, r), { result: true });
export const EXP2 = float("exp2", "Exp2Backward0", (g, _x, r) => mul(g, mul(r, LN2)), { result: true });
export const EXPM1 = float("expm1", "Expm1Backward0", (g, _x, r) => mul(g, add(r, 1)), { result: true });
export const LOG = float("log", "LogBackward0", (g, x) => div(g, x), { input: true });
export const LOG1P = float("log1p", "Log1PBackward0", (g, x) => div(g, add(x, 1)), { input: true });
export const LOG2 = float("log2", "Log2Backward0", (g, x) => div(g, mul(x, LN2)), { input: true });
export const LOG10 = float("log10", "Log10Backward0", (g, x) => div(g, mul(x, LN10)), { input: true });
export const SQRT = float("sqrt", "SqrtBackward0", (g, _x, r) => div(g, mul(r, 2)), { result: true });
export const RSQRT = float("rsqrt", "RsqrtBackward0", (g, _x, r) => mul(mul(g, pow(r, 3)), -0.5), { result: true });
export const RECIPROCAL = float("reciprocal", "ReciprocalBackward0", (g, _x, r) => mul(neg(g), mul(r, r)), { result: true });
export const SIN = float("sin", "SinBackward0", (g, x) => mul(g, cos(x)), { input: true });
export const COS = float("cos", "CosBackward0", (g, x) => mul(g, neg(sin(x))), { input: true });
export const TAN = float("tan", "TanBackward0", (g, _x, r) => mul(g, add(mul(r, r), 1)), { result: true });
export const ASIN = float("asin", "AsinBackward0", (g, x) => div(g, sqrt(sub(1, mul(x, x)))), { input: true });
export const ACOS = float("acos", "AcosBackward0", (g, x) => neg(div(g, sqrt(sub(1, mul(x, x))))), { input: true });
export const ATAN = float("atan", "AtanBackward0", (g, x) => div(g, add(mul(x, x), 1)), { input: true });
export const SINH = float("sinh", "SinhBackward0", (g, x) => mul(g, cosh(x)), { input: true });
export const COSH = float("cosh", "CoshBackward0", (g, x) => mul(g, sinh(x)), { input: true });
export const ASINH = float("asinh", "AsinhBackward0", (g, x) => div(g, sqrt(add(mul(x, x), 1))), { input: true });
export const ACOSH = float("acosh", "AcoshBackward0", (g, x) => div(g, sqrt(sub(mul(x, x), 1))), { input: true });
export const ATANH = float("atanh", "AtanhBackward0", (g, x) => div(g, sub(1, mul(x, x))), { input: true });
export const ERF = float("erf", "ErfBackward0", (g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)), { input: true });
export const ERFC = float("erfc", "ErfcBackward0", (g, x) => mul(g, mul(exp(neg(mul(x, x))), -TWO_OVER_SQRT_PI)), { input: true });

const zeroGrad = (node: string, name: string): UnaryDef<null> => ({
  name, dtype: "same", node, backward: (g) => zeros_like(g), refuse: ["bool"], refuseName: `${name}_vml_cpu`,
});
export const FLOOR = zeroGrad("FloorBackward0", "floor");
export const CEIL = zeroGrad("CeilBackward0", "ceil");
export const TRUNC = zeroGrad("TruncBackward0", "trunc");
export const ROUND: UnaryDef<number> = {
  name: "round", dtype: "same",
  kernel: (_x, decimals) => (decimals === 0 ? "round" : decimals > 0 ? "round_decimals" : "round_decimals_neg"),
  params: (decimals) => (decimals === 0 ? [] : [Math.pow(10, Math.abs(decimals))]),
  check(x, decimals) {
    if (!Number.isInteger(decimals)) throw new TsorchError(`round(): argument 'decimals' must be int, not float`, "TypeError");
    if (x.dtype.kind === "bool" || (decimals !== 0 && x.dtype.kind === "int")) {
      throw new TsorchError(`"${decimals === 0 ? "round_vml_cpu" : "round_cpu"}" not implemented for '${scalarTypeName(x.dtype)}'`);
    }
  },
  node: (decimals) => (decimals === 0 ? "RoundBackward0" : "RoundBackward1"),
  backward: (g) => zeros_like(g),
};
export const FRAC: UnaryDef<null> = { name: "frac", dtype: "same", refuse: ["bool", "int"], node: "FracBackward0", backward: (g) => g };
export const SQUARE_NODE = "PowBackward0";

/** nan_to_num's replacements: [nan, posinf, neginf] (already resolved to numbers). */
export const NAN_TO_NUM: UnaryDef<[number, number, number]> = {
  name: "nan_to_num", dtype: "same", node: "NanToNumBackward0", reads: { input: true },
  params: (p) => p,
  backward: (g, x) => where(isfinite(x), g, 0),
};

// ---------------------------------------------------------------- functions

/** `-input`. */
export function neg(input: Tensor): Tensor {
  return runUnary(NEG, checkTensor(input, "neg"), null);
}
export const negative = neg;

/** `|input|`. */
export function abs(input: Tensor): Tensor {
  return runUnary(ABS, checkTensor(input, "abs"), null);
}
export const absolute = abs;

/** -1, 0 or 1 by the sign of each element (0 for NaN). */
export function sign(input: Tensor): Tensor {
  return runUnary(SIGN, checkTensor(input, "sign"), null);
}
export const sgn = sign;

/** `e ** input`. */
export function exp(input: Tensor): Tensor {
  return runUnary(EXP, checkTensor(input, "exp"), null);
}
export function exp2(input: Tensor): Tensor {
  return runUnary(EXP2, checkTensor(input, "exp2"), null);
}
/** `exp(input) - 1`, accurate near 0. */
export function expm1(input: Tensor): Tensor {
  return runUnary(EXPM1, checkTensor(input, "expm1"), null);
}
/** Natural logarithm (NaN below 0, -inf at 0). */
export function log(input: Tensor): Tensor {
  return runUnary(LOG, checkTensor(input, "log"), null);
}
/** `log(1 + input)`, accurate near 0. */
export function log1p(input: Tensor): Tensor {
  return runUnary(LOG1P, checkTensor(input, "log1p"), null);
}
export function log2(input: Tensor): Tensor {
  return runUnary(LOG2, checkTensor(input, "log2"), null);
}
export function log10(input: Tensor): Tensor {
  return runUnary(LOG10, checkTensor(input, "log10"), null);
}
/** Square root. */
export function sqrt(input: Tensor): Tensor {
  return runUnary(SQRT, checkTensor(input, "sqrt"), null);
}
/** `1 / sqrt(input)`. */
export function rsqrt(input: Tensor): Tensor {
  return runUnary(RSQRT, checkTensor(input, "rsqrt"), null);
}
/** `1 / input` (float32 for integer inputs). */
export function reciprocal(input: Tensor): Tensor {
  return runUnary(RECIPROCAL, checkTensor(input, "reciprocal"), null);
}
/** `input * input` (recorded as `PowBackward0`, like PyTorch). */
export function square(input: Tensor): Tensor {
  return pow(checkTensor(input, "square"), 2);
}
export function sin(input: Tensor): Tensor {
  return runUnary(SIN, checkTensor(input, "sin"), null);
}
export function cos(input: Tensor): Tensor {
  return runUnary(COS, checkTensor(input, "cos"), null);
}
export function tan(input: Tensor): Tensor {
  return runUnary(TAN, checkTensor(input, "tan"), null);
}
export function asin(input: Tensor): Tensor {
  return runUnary(ASIN, checkTensor(input, "asin"), null);
}
export function acos(input: Tensor): Tensor {
  return runUnary(ACOS, checkTensor(input, "acos"), null);
}
export function atan(input: Tensor): Tensor {
  return runUnary(ATAN, checkTensor(input, "atan"), null);
}
export function sinh(input: Tensor): Tensor {
  return runUnary(SINH, checkTensor(input, "sinh"), null);
}
export function cosh(input: Tensor): Tensor {
  return runUnary(COSH, checkTensor(input, "cosh"), null);
}
export function asinh(input: Tensor): Tensor {
  return runUnary(ASINH, checkTensor(input, "asinh"), null);
}
export function acosh(input: Tensor): Tensor {
  return runUnary(ACOSH, checkTensor(input, "acosh"), null);
}
export function atanh(input: Tensor): Tensor {
  return runUnary(ATANH, checkTensor(input, "atanh"), null);
}
export const arcsin = asin;
export const arccos = acos;
export const arctan = atan;
export const arcsinh = asinh;
export const arccosh = acosh;
export const arctanh = atanh;
/** The Gauss error function. */
export function erf(input: Tensor): Tensor {
  return runUnary(ERF, checkTensor(input, "erf"), null);
}
export function erfc(input: Tensor): Tensor {
  return runUnary(ERFC, checkTensor(input, "erfc"), null);
}
/** Largest integer not above each element (integers are returned as they are). */
export function floor(input: Tensor): Tensor {
  return runUnary(FLOOR, checkTensor(input, "floor"), null);
}
/** Smallest integer not below each element. */
export function ceil(input: Tensor): Tensor {
  return runUnary(CEIL, checkTensor(input, "ceil"), null);
}
/** Rounds toward zero. */
export function trunc(input: Tensor): Tensor {
  return runUnary(TRUNC, checkTensor(input, "trunc"), null);
}
export const fix = trunc;

/**
 * Rounds half to even (like PyTorch and NumPy), optionally to `decimals` places.
 *
 * @example
 * torch.round(torch.tensor([2.5, 3.5]))                      // tensor([2., 4.])
 * torch.round(torch.tensor([1.2345]), { decimals: 2 })       // tensor([1.2300])
 */
export function round(input: Tensor, options: { decimals?: number } = {}): Tensor {
  return runUnary(ROUND, checkTensor(input, "round"), options.decimals ?? 0);
}
/** `input - trunc(input)`. */
export function frac(input: Tensor): Tensor {
  return runUnary(FRAC, checkTensor(input, "frac"), null);
}

/** Options of `nan_to_num`: the values for NaN, +inf and -inf (default 0 and the dtype's extremes). */
export interface NanToNumOptions {
  nan?: number;
  posinf?: number | null;
  neginf?: number | null;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Replaces NaN, +inf and -inf by finite values. */
export function nan_to_num(input: Tensor, options: NanToNumOptions = {}): Tensor {
  checkTensor(input, "nan_to_num");
  const max = input.dtype.name === "float64" ? Number.MAX_VALUE : FLOAT32_MAX;
  const params: [number, number, number] = [options.nan ?? 0, options.posinf ?? max, options.neginf ?? -max];
  if (input.dtype.kind !== "float") return runUnary({ ...NAN_TO_NUM, kernel: "copy" }, input, params);
  return runUnary(NAN_TO_NUM, input, params);
}

/** Returns `input` itself (PyTorch's `torch.positive` for non-bool tensors). */
export function positive(input: Tensor): Tensor {
  checkTensor(input, "positive");
  if (input.dtype === boolDType) throw new TsorchError("The `+` operator, on a bool tensor is not supported.");
  return input;
}
