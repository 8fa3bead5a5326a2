/**
 * Arithmetic between two operands, with broadcasting and PyTorch's type
 * promotion: add, sub, mul, div (true, "trunc" and "floor" rounding),
 * floor_divide, remainder, fmod, pow, maximum/minimum, atan2, hypot,
 * logaddexp. Either operand may be a JS number (a Python scalar), so
 * `torch.add(x, 2)`, `x.mul(0.5)` and `torch.sub(1, x)` all work; a number on
 * the left behaves like Python's reflected operators (`1 - x` is `rsub`,
 * `2 / x` is `x.reciprocal() * 2`).
 *
 * Every op records its PyTorch node (`AddBackward0`, `DivBackward0`,
 * `PowBackward1`, ...), and float32 results are rounded exactly as float32
 * arithmetic rounds them.
 *
 * @example
 * const x = torch.tensor([[1, 2, 3]]);     // int64
 * torch.div(x, 2)                          // tensor([[0.5000, 1.0000, 1.5000]])
 * torch.div(x, 2, { rounding_mode: "floor" }) // tensor([[0, 1, 1]])
 * x.add(torch.ones(2, 1), { alpha: 10 })   // shape [2, 3], float32
 */
import { type OptionsOf, Num, arg, isOptionsObject, signature } from "./signature.js";
import { ArgumentError, TsorchError } from "../errors.js";
import { zeros_like } from "../tensor/creation.js";
import { type DType, bool as boolDType, castScalar, float32 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { record } from "../autograd/graph.js";
import { type BinaryDef, type BinaryPlan, attachBinary, runBinary } from "./binary-def.js";
import { recording } from "./grad-utils.js";
import { eq, ge, gt, lt, logical_and } from "./compare.js";
import { where } from "./index-ops.js";
import { type Scalar, type TensorLike, checkOperands, checkTensorLike, isScalar, pyTypeName, scalarKind, scalarNumber } from "./operand.js";
import { resultType, scalarTypeName, toFloating } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";
import { exp, log, neg } from "./unary.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeBinary } from "../shape/families/index.js";

/** The `alpha` of add/sub/rsub (and their in-place forms): `(input, other, alpha=1)`. */
export const ALPHA_SIGNATURES = {
  add: signature("add", [arg("alpha", Num, 1)], 2),
  sub: signature("sub", [arg("alpha", Num, 1)], 2),
  rsub: signature("rsub", [arg("alpha", Num, 1)], 2),
  add_: signature("add_", [arg("alpha", Num, 1)], 2),
  sub_: signature("sub_", [arg("alpha", Num, 1)], 2),
};
/** `alpha` of add/sub: a keyword option in PyTorch. */
export type AlphaOptions = OptionsOf<typeof ALPHA_SIGNATURES.add>;

/** `rounding_mode` of div: null/undefined for true division, "trunc" or "floor". */
export interface DivOptions {
  rounding_mode?: "trunc" | "floor" | null;
}

function plan(kernel: string, compute: DType, outDType: DType = compute, params: number[] = []): BinaryPlan {
  return { kernel, compute, outDType, params };
}

/** Kernels PyTorch only has for floating dtypes refuse the others by name. */
function floatOnly(kernel: string, dt: DType): DType {
  if (dt.kind !== "float") throw new TsorchError(`"${kernel}" not implemented for '${scalarTypeName(dt)}'`);
  return dt;
}

/** Refuses two scalars: PyTorch needs a tensor somewhere. */
function needTensor(fn: string, a: TensorLike, b: TensorLike): void {
  checkTensorLike(a, fn, "input", 1);
  checkTensorLike(b, fn, "other", 2);
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new ArgumentError(`${fn}(): argument 'input' (position 1) must be Tensor, not ${pyTypeName(a)}`, "input", "TypeError");
  }
}

/** The alpha of one call, read by the op's signature (an unknown key or a non-number is PyTorch's TypeError). */
export function alphaOf(fn: keyof typeof ALPHA_SIGNATURES, opts: AlphaOptions | Scalar | undefined): Scalar {
  return ALPHA_SIGNATURES[fn].parse(opts === undefined ? [] : [opts]).alpha;
}

/** PyTorch's alpha_check. */
function checkAlpha(dtype: DType, alpha: Scalar): void {
  if (typeof alpha === "boolean" && dtype.kind !== "bool") {
    throw new ArgumentError("Boolean alpha only supported for Boolean results.", "alpha", "RuntimeError");
  }
  if (dtype.kind !== "float" && scalarKind(alpha) === "float") {
    throw new ArgumentError("For integral input tensors, argument alpha must not be a floating point number.", "alpha", "RuntimeError");
  }
}

/** True when `x` is a bool tensor, or a bool scalar. */
function isBoolOperand(x: TensorLike): boolean {
  return x instanceof Tensor ? x.dtype === boolDType : typeof x === "boolean";
}

/** Integer division and remainder refuse a zero divisor (PyTorch raises "ZeroDivisionError"). */
function checkIntegerDivisor(compute: DType, b: TensorLike): void {
  if (compute.kind === "float") return;
  if (b instanceof Tensor) {
    const d = b._contiguousData();
    for (let i = 0; i < d.length; i++) if (d[i] === 0) throw new TsorchError("ZeroDivisionError");
  } else if (scalarNumber(b) === 0) {
    throw new TsorchError("ZeroDivisionError");
  }
}

// ---------------------------------------------------------------- definitions

export const ADD: BinaryDef<Scalar> = {
  name: "add",
  plan(a, b, alpha) {
    const dt = resultType([a, b]);
    checkAlpha(dt, alpha);
    if (scalarNumber(alpha) === 1) return plan("add", dt);
    return plan("add_alpha", dt, dt, [castScalar(scalarNumber(alpha), dt)]);
  },
  node: () => "AddBackward0",
  backward: (g, _a, _b, _r, alpha, _na, nb) => [g, nb ? (scalarNumber(alpha) === 1 ? g : mul(g, alpha)) : null],
};

export const SUB: BinaryDef<Scalar> = {
  name: "sub",
  plan(a, b, alpha) {
    if (isBoolOperand(a) && isBoolOperand(b)) {
      throw new TsorchError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
    }
    if (isBoolOperand(a) || isBoolOperand(b)) {
      throw new TsorchError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    }
    const dt = resultType([a, b]);
    checkAlpha(dt, alpha);
    if (scalarNumber(alpha) === 1) return plan("sub", dt);
    return plan("sub_alpha", dt, dt, [castScalar(scalarNumber(alpha), dt)]);
  },
  node: () => "SubBackward0",
  backward: (g, _a, _b, _r, alpha, _na, nb) => [g, nb ? mul(g, -scalarNumber(alpha)) : null],
};

/** `other - alpha * input` with a scalar `other` (Python's `2 - x`). */
const RSUB: BinaryDef<Scalar> = {
  name: "rsub",
  scalarSlot: false,
  plan(a, b, alpha) {
    const p = SUB.plan(b, a, alpha);
    // Computed as (b - alpha * a): swap the operands of the kernel below.
    return p;
  },
  node: () => "RsubBackward1",
  backward: (g, _a, _b, _r, alpha) => [mul(g, -scalarNumber(alpha)), null],
};

export const MUL: BinaryDef<null> = {
  name: "mul",
  plan: (a, b) => plan("mul", resultType([a, b])),
  node: () => "MulBackward0",
  reads: (na, nb) => ({ a: nb, b: na }),
  backward: (g, a, b, _r, _o, na, nb) => [na ? mul(g, b) : null, nb ? mul(g, a) : null],
};

export const DIV: BinaryDef<DivOptions> = {
  name: "div",
  plan(a, b, opts) {
    const mode = opts.rounding_mode ?? null;
    if (mode === null) return plan("div", toFloating(resultType([a, b])));
    if (mode !== "trunc" && mode !== "floor") {
      throw new ArgumentError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${String(mode)}'`, "rounding_mode");
    }
    const dt = resultType([a, b]);
    if (dt === boolDType) throw new TsorchError(`"div_${mode}_cpu" not implemented for 'Bool'`);
    checkIntegerDivisor(dt, b);
    return plan(mode === "trunc" ? "div_trunc" : "div_floor", dt);
  },
  node: (_a, _b, opts) => (opts.rounding_mode ? "DivBackward2" : "DivBackward0"),
  reads: (na, nb, opts) => (opts.rounding_mode ? {} : { a: nb, b: na || nb }),
  backward(g, a, b, _r, opts, na, nb) {
    if (opts.rounding_mode) return [na ? zeros_like(g) : null, nb ? zeros_like(g) : null];
    // PyTorch: self: grad / other;  other: -grad * ((self / other) / other)
    return [na ? div(g, b) : null, nb ? mul(neg(g), div(div(a, b), b)) : null];
  },
};

export const FLOOR_DIVIDE: BinaryDef<null> = {
  name: "floor_divide",
  plan(a, b) {
    const dt = resultType([a, b]);
    if (dt === boolDType) throw new TsorchError(`"div_floor_cpu" not implemented for 'Bool'`);
    checkIntegerDivisor(dt, b);
    return plan("div_floor", dt);
  },
  node: () => "NotImplemented",
  backward() {
    throw new TsorchError("the derivative for 'floor_divide' is not implemented.");
  },
};

export const REMAINDER: BinaryDef<null> = {
  name: "remainder",
  scalarSlot: false,
  plan(a, b) {
    const dt = resultType([a, b]);
    if (dt === boolDType) throw new TsorchError(`"remainder_cpu" not implemented for 'Bool'`);
    checkIntegerDivisor(dt, b);
    return plan("remainder", dt);
  },
  node: (a, b) => (!(a instanceof Tensor) ? "NotImplemented" : b instanceof Tensor ? "RemainderBackward1" : "RemainderBackward0"),
  reads: (_na, nb) => ({ a: nb, b: nb }),
  backward(g, a, b, _r, _o, _na, nb) {
    if (!(a instanceof Tensor)) throw new TsorchError("derivative for aten::remainder is not implemented");
    return [g, nb ? mul(neg(g), floor_divide(a, b)) : null];
  },
};

export const FMOD: BinaryDef<null> = {
  name: "fmod",
  scalarSlot: false,
  plan(a, b) {
    const dt = resultType([a, b]);
    if (dt === boolDType) throw new TsorchError(`"fmod_cpu" not implemented for 'Bool'`);
    checkIntegerDivisor(dt, b);
    return plan("fmod", dt);
  },
  node: (_a, b) => (b instanceof Tensor ? "FmodBackward1" : "FmodBackward0"),
  reads: (_na, nb) => ({ a: nb, b: nb }),
  backward: (g, a, b, _r, _o, _na, nb) => [g, nb ? mul(neg(g), div(a, b, { rounding_mode: "trunc" })) : null],
};

/** Unary kernels PyTorch uses for special scalar exponents of floating tensors. */
const SPECIAL_EXPONENTS: Record<string, string> = { "2": "square", "0.5": "sqrt", "-0.5": "rsqrt", "-1": "reciprocal", "3": "cube", "-2": "inv_square" };

export const POW: BinaryDef<null> = {
  name: "pow",
  scalarSlot: false,
  plan(a, b) {
    const dt = resultType([a, b]);
    if (dt === boolDType) throw new TsorchError(`"pow" not implemented for 'Bool'`);
    if (dt.kind === "int" && isScalar(b) && scalarKind(b) !== "float" && scalarNumber(b) < 0) {
      throw new TsorchError("Integers to negative integer powers are not allowed.");
    }
    return plan("pow", dt);
  },
  node: (a, b) => (a instanceof Tensor ? (isScalar(b) ? "PowBackward0" : "PowBackward1") : "PowBackward2"),
  reads: (na, nb) => ({ a: na || nb, b: na, result: nb }),
  backward(g, a, b, result, _o, na, nb) {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (na && a instanceof Tensor) {
      if (isScalar(b)) {
        const e = scalarNumber(b);
        ga = e === 0 ? zeros_like(a, { dtype: g.dtype }) : mul(g, mul(pow(a, e - 1), e));
      } else {
        ga = where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1)))));
      }
    }
    if (nb && b instanceof Tensor) {
      if (a instanceof Tensor) {
        const zeroBase = logical_and(eq(a, 0), ge(b, 0));
        gb = mul(g, where(zeroBase, 0, mul(result, log(a))));
      } else {
        const base = scalarNumber(a);
        const lb = Math.log(base);
        gb = base === 0 ? where(ge(b, 0), 0, mul(g, mul(result, lb))) : mul(g, mul(result, lb));
      }
    }
    return [ga, gb];
  },
};

export const MAXIMUM: BinaryDef<null> = {
  name: "maximum",
  plan: (a, b) => plan("maximum", resultType([a, b])),
  node: () => "MaximumBackward0",
  reads: () => ({ a: true, b: true }),
  backward(g, a, b, _r, _o, na, nb) {
    // Ties split the gradient in half, as in PyTorch.
    const shared = where(eq(a, b), div(g, 2), g);
    return [na ? where(lt(a, b), 0, shared) : null, nb ? where(gt(a, b), 0, shared) : null];
  },
};

export const MINIMUM: BinaryDef<null> = {
  name: "minimum",
  plan: (a, b) => plan("minimum", resultType([a, b])),
  node: () => "MinimumBackward0",
  reads: () => ({ a: true, b: true }),
  backward(g, a, b, _r, _o, na, nb) {
    const shared = where(eq(a, b), div(g, 2), g);
    return [na ? where(gt(a, b), 0, shared) : null, nb ? where(lt(a, b), 0, shared) : null];
  },
};

const FMAX: BinaryDef<null> = { name: "fmax", plan: (a, b) => plan("fmax", resultType([a, b])), node: () => "FmaxBackward0",
  reads: () => ({ a: true, b: true }),
  backward(g, a, b, _r, _o, na, nb) {
    const takeA = logical_or_nan(ge(a, b), b);
    return [na ? where(takeA, g, 0) : null, nb ? where(takeA, 0, g) : null];
  } };

const FMIN: BinaryDef<null> = { name: "fmin", plan: (a, b) => plan("fmin", resultType([a, b])), node: () => "FminBackward0",
  reads: () => ({ a: true, b: true }),
  backward(g, a, b, _r, _o, na, nb) {
    const takeA = logical_or_nan(ge(b, a), b);
    return [na ? where(takeA, g, 0) : null, nb ? where(takeA, 0, g) : null];
  } };

/** cond | isnan(other): where fmax/fmin take the first operand. */
function logical_or_nan(cond: Tensor, other: TensorLike): Tensor {
  return elementwise("logical_or", [cond, elementwise("isnan", [other], other instanceof Tensor ? other.dtype : float32, boolDType)], boolDType, boolDType);
}

const ATAN2: BinaryDef<null> = {
  name: "atan2",
  plan: (a, b) => plan("atan2", toFloating(resultType([a, b]))),
  node: () => "Atan2Backward0",
  reads: () => ({ a: true, b: true }),
  backward(g, a, b, _r, _o, na, nb) {
    const denom = add(mul(a, a), mul(b, b));
    return [na ? mul(g, div(b, denom)) : null, nb ? mul(g, div(mul(a, -1), denom)) : null];
  },
};

const HYPOT: BinaryDef<null> = {
  name: "hypot",
  plan: (a, b) => plan("hypot", floatOnly("hypot_cpu", resultType([a, b]))),
  node: () => "HypotBackward0",
  reads: () => ({ a: true, b: true, result: true }),
  backward: (g, a, b, r, _o, na, nb) => [na ? mul(g, div(a, r)) : null, nb ? mul(g, div(b, r)) : null],
};

const LOGADDEXP: BinaryDef<null> = {
  name: "logaddexp",
  plan: (a, b) => plan("logaddexp", floatOnly("logaddexp_cpu", resultType([a, b]))),
  node: () => "LogaddexpBackward0",
  reads: () => ({ a: true, b: true }),
  backward: (g, a, b, _r, _o, na, nb) => [
    na ? div(g, add(exp(sub(b, a)), 1)) : null,
    nb ? div(g, add(exp(sub(a, b)), 1)) : null,
  ],
};

// ---------------------------------------------------------------- public functions

/**
 * `input + alpha * other`, broadcasting. A number on either side is a scalar.
 *
 * @example
 * torch.add(torch.tensor([1, 2]), 0.5)             // tensor([1.5000, 2.5000])
 * torch.add(x, y, { alpha: -1 })                   // x - y
 */
export const add = hooked("add", function add(input: TensorLike, other: TensorLike, options?: AlphaOptions | Scalar): Tensor {
  needTensor("add", input, other);
  return runBinary(ADD, input, other, alphaOf("add", options));
}, describeBinary("add"));

/**
 * `input - alpha * other`, broadcasting. A number may stand on either side
 * (`torch.sub(1, x)` is `1 - x`; Python's `1 - x` itself is `torch.rsub(x, 1)`).
 */
export const sub = hooked("sub", function sub(input: TensorLike, other: TensorLike, options?: AlphaOptions | Scalar): Tensor {
  needTensor("sub", input, other);
  return runBinary(SUB, input, other, alphaOf("sub", options));
}, describeBinary("sub"));

/** Alias of `sub`. */
export const subtract = sub;

/** `other - alpha * input` (PyTorch's `torch.rsub`; Python's `other - input` for a scalar `other`). */
export function rsub(input: Tensor, other: TensorLike, options?: AlphaOptions | Scalar): Tensor {
  checkOperands("rsub", input, other, ["TT", "TN"], undefined, isOptionsObject(options) ? options : {});
  const alpha = alphaOf("rsub", options);
  if (other instanceof Tensor) return sub(other, input, { alpha });
  const def = RSUB;
  const p = def.plan(input, other, alpha);
  // Kernel order: other - alpha * input.
  const out = elementwise(p.kernel, [other, input], p.compute, p.outDType, p.params, null, "rsub");
  runRecord(def, input, other, alpha, out);
  return out;
}

/** Element-wise product, broadcasting. */
export const mul = hooked("mul", function mul(input: TensorLike, other: TensorLike): Tensor {
  needTensor("mul", input, other);
  return runBinary(MUL, input, other, null);
}, describeBinary("mul"));

/** Alias of `mul`. */
export const multiply = mul;

/**
 * Division. Integers divide to float32 unless `rounding_mode` is "trunc"
 * (toward zero, like C) or "floor" (like Python's `//`).
 *
 * @example
 * torch.div(torch.tensor([-7, 7]), 2, { rounding_mode: "floor" })  // tensor([-4,  3])
 */
export const div = hooked("div", function div(input: TensorLike, other: TensorLike, options: DivOptions = {}): Tensor {
  needTensor("div", input, other);
  return runBinary(DIV, input, other, options);
}, describeBinary("div"));

/** Alias of `div`. */
export const divide = div;

/** `div` without rounding. */
export function true_divide(input: TensorLike, other: TensorLike): Tensor {
  return div(input, other);
}

/** Division rounded toward minus infinity (Python's `//`). Not differentiable, as in PyTorch. */
export function floor_divide(input: TensorLike, other: TensorLike): Tensor {
  needTensor("floor_divide", input, other);
  return runBinary(FLOOR_DIVIDE, input, other, null);
}

/** Python's `%`: the result has the sign of the divisor. */
export function remainder(input: TensorLike, other: TensorLike): Tensor {
  checkOperands("remainder", input, other, ["TT", "TN", "NT"]);
  return runBinary(REMAINDER, input, other, null);
}

/** C's `fmod`: the result has the sign of the dividend. */
export function fmod(input: TensorLike, other: TensorLike): Tensor {
  checkOperands("fmod", input, other, ["TT", "TN"]);
  return runBinary(FMOD, input, other, null);
}

/** pow's overloads: a tensor and a tensor or a number, or a number raised to a tensor. */
const POW_FORMS = ["TT", "TN", "NT"] as const;

/**
 * `input ** exponent`; either may be a number. A float32 tensor squared is
 * computed as `x * x`, like PyTorch's special cases for 2, 3, 0.5, -0.5, -1, -2.
 *
 * @example
 * torch.pow(torch.tensor([1.5, 2]), 2)   // tensor([2.2500, 4.0000])
 * torch.pow(2, torch.tensor([3]))        // tensor([8])
 */
export function pow(input: TensorLike, exponent: TensorLike): Tensor {
  checkOperands("pow", input, exponent, POW_FORMS, ["input", "exponent"]);
  if (input instanceof Tensor && isScalar(exponent)) {
    const p = POW.plan(input, exponent, null);
    const special = p.compute.kind === "float" ? SPECIAL_EXPONENTS[String(scalarNumber(exponent))] : undefined;
    const out = special
      ? elementwise(special, [input], p.compute, p.outDType, [], null, "pow")
      : elementwise(p.kernel, [input, exponent], p.compute, p.outDType, p.params, null, "pow");
    runRecord(POW, input, exponent, null, out);
    return out;
  }
  return runBinary(POW, input, exponent, null);
}

/** `pow` computed in float64 (PyTorch's `float_power`). */
export function float_power(input: TensorLike, exponent: TensorLike): Tensor {
  checkOperands("float_power", input, exponent, POW_FORMS, ["input", "exponent"]);
  const cast = (x: TensorLike) => (x instanceof Tensor ? x.to("float64") : x);
  return pow(cast(input), cast(exponent));
}

/** A binary op PyTorch defines for two tensors only (no scalar overload). */
function tensorsOnly(name: string, def: Parameters<typeof runBinary>[0], input: Tensor, other: Tensor): Tensor {
  checkOperands(name, input, other, ["TT"]);
  return runBinary(def, input, other, null);
}

/** Element-wise maximum (NaN wins). Also `torch.max(a, b)`. */
export function maximum(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("maximum", MAXIMUM, input, other);
}

/** Element-wise minimum (NaN wins). Also `torch.min(a, b)`. */
export function minimum(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("minimum", MINIMUM, input, other);
}

/** Element-wise maximum ignoring NaN (a NaN loses unless both are NaN). */
export function fmax(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("fmax", FMAX, input, other);
}

/** Element-wise minimum ignoring NaN. */
export function fmin(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("fmin", FMIN, input, other);
}

/** Angle of the point (other, input): `atan2(input, other)`. */
export function atan2(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("atan2", ATAN2, input, other);
}

/** Alias of `atan2`. */
export const arctan2 = atan2;

/** `sqrt(input^2 + other^2)` without overflow. */
export function hypot(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("hypot", HYPOT, input, other);
}

/** `log(exp(input) + exp(other))`, stable for large values. */
export function logaddexp(input: Tensor, other: Tensor): Tensor {
  return tensorsOnly("logaddexp", LOGADDEXP, input, other);
}

/** Records `def` for an output computed outside `runBinary` (special kernels, swapped operands). */
function runRecord<O>(def: BinaryDef<O>, a: TensorLike, b: TensorLike, opts: O, out: Tensor): void {
  if (!recording(a, b)) return;
  attachBinary(def, a, b, out, opts, (name, inputs, fn) => record(name, out, inputs, fn));
}
