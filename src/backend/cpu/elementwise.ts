/**
 * Element-wise kernels over typed arrays: `out[i] = f(a[i], b[i], ...)` for
 * strided, broadcast operands.
 *
 * Each op is a JS expression over the operands `x`, `y`, `z` and up to three
 * scalar parameters `p0..p2` (alpha, clamp bounds, a negative slope ...).
 * The first call of an op with a given combination of array types compiles a
 * row function for it with `new Function`: the expression is inlined into the
 * loop, so the hot loop has no per-element call, and every compiled function
 * only ever sees one array type per operand, which keeps V8's property access
 * monomorphic. A row function handles one run of `n` elements with a stride
 * per operand, with fast variants for the common cases (every operand
 * contiguous; one operand broadcast along the row, as a bias or a scalar is).
 *
 * `runElementwise` drives a row function over an N-d iteration space: it
 * drops size-1 dimensions, merges dimensions that are contiguous in every
 * operand (so a contiguous tensor is one row whatever its rank), and walks
 * the remaining outer dimensions with an odometer.
 *
 * Values are computed in double precision and stored into the output array,
 * so a float32 `+ - * /` is rounded once, exactly like float32 arithmetic.
 * Expressions that must round an intermediate result the way float32 code
 * would (floor division, powers by repeated multiplication) use `R(...)`,
 * which is `Math.fround` for float32 and the identity otherwise.
 *
 * @example
 * const a = new Float32Array([1, 2, 3]), b = new Float32Array([10, 20, 30]), out = new Float32Array(3);
 * const row = compileRow("add", BINARY_OPS.add!, "float32", "float32", [out, a, b], ["float32", "float32"]);
 * runElementwise(row, [3], [out, a, b], [[1], [1], [1]], [0, 0, 0]);   // out = [11, 22, 33]
 */
import type { TypedArray } from "../../tensor/dtype.js";

/** The dtypes kernels compute in (PyTorch's names). */
export type ComputeType = "float32" | "float64" | "int64" | "int32" | "uint8" | "bool";

/** An op: its expression for a compute type, and whether the expression yields a JS boolean. */
export interface ElementwiseOp {
  readonly arity: 1 | 2 | 3;
  readonly expr: (t: ComputeType) => string;
  /** True when `expr` evaluates to true/false (comparisons, predicates): stored as 1/0. */
  readonly predicate?: boolean;
  /** Statements run before `expr` in the loop body (to name an intermediate value once). */
  readonly pre?: (t: ComputeType) => string;
}

const isFloat = (t: ComputeType) => t === "float32" || t === "float64";

// ------------------------------------------------------------------ helpers used by expressions

/** Round half to even (C's nearbyint in the default rounding mode), as torch.round does. */
function nearbyint(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; move exact ties that landed on an odd number back down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's pow: unlike Math.pow, pow(1, y) and pow(x, 0) are 1 even for NaN, and pow(-1, ±inf) is 1. */
function cpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Integer power with PyTorch's rules for negative exponents (1 and -1 stay finite, others give 0). */
function powi(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return (-b) % 2 === 0 ? 1 : -1;
    return 0;
  }
  let result = 1;
  let base = a;
  let e = b;
  while (e > 0) {
    if (e % 2 === 1) result *= base;
    base *= base;
    e = Math.floor(e / 2);
  }
  return result;
}

/** int32 power: the same, wrapping to 32 bits at every step like C int arithmetic. */
function powi32(a: number, b: number): number {
  if (b < 0) return powi(a, b);
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e % 2 === 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

/** PyTorch's floor division of floating values (div_floor_floating), rounding intermediates with `R`. */
function divFloorFloat(a: number, b: number, R: (v: number) => number): number {
  if (b === 0) return R(a / b);
  const mod = a % b;
  let div = R(R(a - mod) / b);
  if (mod !== 0 && (b < 0) !== (mod < 0)) div = R(div - 1);
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  let floordiv = Math.floor(div);
  if (R(div - floordiv) > 0.5) floordiv = R(floordiv + 1);
  return floordiv;
}

/** Floor division of integers (Python's `//`); the caller has refused a zero divisor. */
function divFloorInt(a: number, b: number): number {
  const q = Math.trunc(a / b);
  const r = a % b;
  return r !== 0 && (b < 0) !== (r < 0) ? q - 1 : q;
}

/** Python's `%` (the sign of the divisor), for floating values. */
function remainderFloat(a: number, b: number, R: (v: number) => number): number {
  const mod = a % b;
  return mod !== 0 && (b < 0) !== (mod < 0) ? R(mod + b) : mod;
}

/** Python's `%` for integers. */
function remainderInt(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/**
 * The error function to double precision: its Maclaurin series near 0 and a
 * continued fraction for erfc further out (both converge fast where used).
 */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = sum * 1.1283791670955126;
    return x < 0 ? -r : r;
  }
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x >= 2.5 by the Laplace continued fraction, evaluated with Lentz's method. */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  return Math.exp(-x * x) / (erfcFraction(x) * 1.7724538509055159);
}

/**
 * The Laplace continued fraction of erfc for large x, by Lentz's method:
 * erfc(x) = exp(-x^2) / (sqrt(pi) * f) with f = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))).
 */
export function erfcFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

/** erfc to double precision (no cancellation for large x). */
export function erfc(x: number): number {
  if (x !== x) return x;
  if (x < 2.5) return 1 - erf(x);
  return erfcLarge(x);
}

const TWO32 = 4294967296;

/**
 * Bitwise ops on int64 values held in doubles: JS's `&` works on 32 bits, so
 * the high and low words are combined separately (exact for |x| < 2^53).
 */
function bitwise64(a: number, b: number, op: 0 | 1 | 2): number {
  const ah = Math.floor(a / TWO32);
  const bh = Math.floor(b / TWO32);
  const al = a >>> 0;
  const bl = b >>> 0;
  const hi = op === 0 ? ah & bh : op === 1 ? ah | bh : ah ^ bh;
  const lo = op === 0 ? al & bl : op === 1 ? al | bl : al ^ bl;
  return hi * TWO32 + (lo >>> 0);
}

/** The functions an expression may call, by the names it uses. */
const HELPERS = { nearbyint, cpow, powi, powi32, divFloorFloat, divFloorInt, remainderFloat, remainderInt, erf, erfc, bitwise64 };
const HELPER_PRELUDE = Object.keys(HELPERS).map((k) => `const ${k} = H.${k};`).join("\n");

// ------------------------------------------------------------------ op tables

const op1 = (expr: (t: ComputeType) => string, predicate = false): ElementwiseOp => ({ arity: 1, expr, predicate });
const op2 = (expr: (t: ComputeType) => string, predicate = false): ElementwiseOp => ({ arity: 2, expr, predicate });
const op3 = (expr: (t: ComputeType) => string, predicate = false): ElementwiseOp => ({ arity: 3, expr, predicate });
const same = (s: string) => () => s;

/** One-operand ops. `x` is the operand; `p0..p2` scalar parameters. */
export const UNARY_OPS: Record<string, ElementwiseOp> = {
  copy: op1(same("x")),
  neg: op1(same("-x")),
  abs: op1(same("Math.abs(x)")),
  sign: op1((t) => (t === "bool" ? "x" : "(0 < x ? 1 : 0) - (x < 0 ? 1 : 0)")),
  sgn: op1(same("(0 < x ? 1 : 0) - (x < 0 ? 1 : 0)")),
  exp: op1(same("Math.exp(x)")),
  exp2: op1(same("cpow(2, x)")),
  expm1: op1(same("Math.expm1(x)")),
  log: op1(same("Math.log(x)")),
  // float32 log1p saturates to inf above 1e38, like PyTorch's vectorised (SLEEF) kernel.
  log1p: op1((t) => (t === "float32" ? "x > 1e38 ? Infinity : Math.log1p(x)" : "Math.log1p(x)")),
  log2: op1(same("Math.log2(x)")),
  log10: op1(same("Math.log10(x)")),
  sqrt: op1(same("Math.sqrt(x)")),
  rsqrt: op1(same("1 / Math.sqrt(x)")),
  reciprocal: op1(same("1 / x")),
  square: op1((t) => (t === "int32" ? "Math.imul(x, x)" : "x * x")),
  /** x ** 3 as PyTorch computes it for a float exponent of 3. */
  cube: op1(same("R(x * x) * x")),
  /** x ** -2 as PyTorch computes it. */
  inv_square: op1(same("1 / R(x * x)")),
  sin: op1(same("Math.sin(x)")),
  cos: op1(same("Math.cos(x)")),
  tan: op1(same("Math.tan(x)")),
  asin: op1(same("Math.asin(x)")),
  acos: op1(same("Math.acos(x)")),
  atan: op1(same("Math.atan(x)")),
  sinh: op1(same("Math.sinh(x)")),
  cosh: op1(same("Math.cosh(x)")),
  tanh: op1(same("Math.tanh(x)")),
  asinh: op1(same("Math.asinh(x)")),
  acosh: op1(same("Math.acosh(x)")),
  atanh: op1(same("Math.atanh(x)")),
  erf: op1(same("erf(x)")),
  erfc: op1(same("erfc(x)")),
  floor: op1((t) => (isFloat(t) ? "Math.floor(x)" : "x")),
  ceil: op1((t) => (isFloat(t) ? "Math.ceil(x)" : "x")),
  trunc: op1((t) => (isFloat(t) ? "Math.trunc(x)" : "x")),
  round: op1((t) => (isFloat(t) ? "nearbyint(x)" : "x")),
  /** round(x, decimals) for decimals >= 0: p0 = 10^decimals. */
  round_decimals: op1(same("nearbyint(R(x * p0)) / p0")),
  /** round(x, decimals) for decimals < 0: p0 = 10^-decimals. */
  round_decimals_neg: op1(same("nearbyint(R(x / p0)) * p0")),
  frac: op1(same("x - Math.trunc(x)")),
  sigmoid: op1(same("1 / (1 + Math.exp(-x))")),
  // Branch-free for float32 (signs of activations are unpredictable, a branch per element would mispredict half
  // the time); the rare NaN, -inf and zero cases take predictable branches and keep PyTorch's results.
  relu: {
    arity: 1,
    pre: (t) => (t === "float32" ? "const r = (x + Math.abs(x)) * 0.5;" : ""),
    expr: (t) => (t === "float32" ? "r === r ? (x === 0 ? x : r) : (x === -Infinity ? 0 : x)" : "x < 0 ? 0 : x"),
  },
  /** clamp(x, p0, p1), NaN kept. */
  clamp: op1((t) => (isFloat(t) ? "x !== x ? x : (x < p0 ? p0 : x) > p1 ? p1 : (x < p0 ? p0 : x)" : "(x < p0 ? p0 : x) > p1 ? p1 : (x < p0 ? p0 : x)")),
  clamp_min: op1((t) => (isFloat(t) ? "x !== x ? x : x < p0 ? p0 : x" : "x < p0 ? p0 : x")),
  clamp_max: op1((t) => (isFloat(t) ? "x !== x ? x : x > p0 ? p0 : x" : "x > p0 ? p0 : x")),
  nan_to_num: op1(same("x !== x ? p0 : x === Infinity ? p1 : x === -Infinity ? p2 : x")),
  isnan: op1(same("x !== x"), true),
  isinf: op1(same("x === Infinity || x === -Infinity"), true),
  isposinf: op1(same("x === Infinity"), true),
  isneginf: op1(same("x === -Infinity"), true),
  isfinite: op1(same("x - x === 0"), true),
  logical_not: op1(same("x === 0"), true),
  signbit: op1(same("x < 0 || Object.is(x, -0)"), true),
  bitwise_not: op1((t) => (t === "bool" ? "x === 0 ? 1 : 0" : t === "uint8" ? "~x & 255" : "-x - 1")),
  // Activations (PyTorch's CPU formulas).
  leaky_relu: { arity: 1, pre: () => "const m = +(x > 0);", expr: () => "x * (m + (1 - m) * p0)" },
  /** elu with p0 = alpha * scale (negcoef), p1 = scale (poscoef), p2 = input_scale. */
  elu: op1(same("x <= 0 ? Math.expm1(x * p2) * p0 : x * p1")),
  gelu: op1(same("x * 0.5 * (1 + erf(x * 0.7071067811865476))")),
  gelu_tanh: op1(same("0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))")),
  silu: op1(same("x / (1 + Math.exp(-x))")),
  /** softplus with p0 = beta, p1 = threshold. */
  softplus: op1(same("x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0")),
  mish: op1(same("x * Math.tanh(Math.log1p(Math.exp(x)))")),
  hardtanh: op1(same("x < p0 ? p0 : x > p1 ? p1 : x")),
  /** threshold(x, p0, p1): p1 where x <= p0. */
  threshold: op1(same("x <= p0 ? p1 : x")),
  hardsigmoid: op1(same("x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5")),
  hardswish: op1(same("R(x * Math.min(Math.max(x + 3, 0), 6)) / 6")),
  logsigmoid: op1(same("Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)))")),
  /** celu with p0 = alpha. */
  celu: op1(same("x > 0 ? x : p0 * Math.expm1(x / p0)")),
  /** x * p0 + p1 (scaled copies, fills of gradients). */
  affine: op1(same("x * p0 + p1")),
};

/** Two-operand ops over `x` and `y`. */
export const BINARY_OPS: Record<string, ElementwiseOp> = {
  add: op2((t) => (t === "bool" ? "x + y !== 0" : "x + y")),
  /** x + p0 * y (alpha). */
  add_alpha: op2((t) => (t === "bool" ? "x + p0 * y !== 0" : t === "int32" ? "x + Math.imul(p0, y)" : "x + p0 * y")),
  sub: op2(same("x - y")),
  sub_alpha: op2((t) => (t === "int32" ? "x - Math.imul(p0, y)" : "x - p0 * y")),
  mul: op2((t) => (t === "int32" ? "Math.imul(x, y)" : "x * y")),
  div: op2(same("x / y")),
  div_trunc: op2((t) => (isFloat(t) ? "Math.trunc(R(x / y))" : "Math.trunc(x / y)")),
  div_floor: op2((t) => (isFloat(t) ? "divFloorFloat(x, y, R)" : "divFloorInt(x, y)")),
  remainder: op2((t) => (isFloat(t) ? "remainderFloat(x, y, R)" : "remainderInt(x, y)")),
  fmod: op2(same("x % y")),
  pow: op2((t) => (isFloat(t) ? "cpow(x, y)" : t === "int32" ? "powi32(x, y)" : "powi(x, y)")),
  atan2: op2(same("Math.atan2(x, y)")),
  hypot: op2(same("Math.hypot(x, y)")),
  maximum: op2((t) => (isFloat(t) ? "x !== x || y !== y ? NaN : x < y ? y : x" : "x < y ? y : x")),
  minimum: op2((t) => (isFloat(t) ? "x !== x || y !== y ? NaN : y < x ? y : x" : "y < x ? y : x")),
  fmax: op2(same("x !== x ? y : y !== y ? x : x < y ? y : x")),
  fmin: op2(same("x !== x ? y : y !== y ? x : y < x ? y : x")),
  eq: op2(same("x === y"), true),
  ne: op2(same("x !== y"), true),
  lt: op2(same("x < y"), true),
  le: op2(same("x <= y"), true),
  gt: op2(same("x > y"), true),
  ge: op2(same("x >= y"), true),
  logical_and: op2(same("x !== 0 && y !== 0"), true),
  logical_or: op2(same("x !== 0 || y !== 0"), true),
  logical_xor: op2(same("(x !== 0) !== (y !== 0)"), true),
  bitwise_and: op2((t) => (t === "int64" ? "bitwise64(x, y, 0)" : "x & y")),
  bitwise_or: op2((t) => (t === "int64" ? "bitwise64(x, y, 1)" : "x | y")),
  bitwise_xor: op2((t) => (t === "int64" ? "bitwise64(x, y, 2)" : "x ^ y")),
  copysign: op2(same("(y < 0 || Object.is(y, -0)) === (x < 0 || Object.is(x, -0)) ? x : -x")),
  logaddexp: op2(same("x === y && (x === Infinity || x === -Infinity) ? x : Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y)))")),
  xlogy: op2(same("y !== y ? NaN : x === 0 ? 0 : x * Math.log(y)")),
  /** x * p0 + y * p1. */
  axpby: op2(same("x * p0 + y * p1")),
  // Backward formulas (gradient g = x, saved value = y).
  // Branch-free mask multiply; a NaN product (an infinite or NaN gradient) takes the rare exact branch.
  relu_backward: {
    arity: 2,
    pre: () => "const r = x * (+(y > 0) | +(y !== y));",
    expr: () => "r === r ? r + 0 : (y > 0 || y !== y ? r : 0)",
  },
  /** threshold_backward with p0 = threshold: g where input > threshold. */
  threshold_backward: op2(same("y <= p0 ? 0 : x")),
  sigmoid_backward: op2(same("x * (1 - y) * y")),
  tanh_backward: op2(same("x * (1 - y * y)")),
  leaky_relu_backward: { arity: 2, pre: () => "const m = +(y > 0);", expr: () => "x * (m + (1 - m) * p0)" },
  /** elu backward from the input y: p0 = negcoef, p1 = poscoef, p2 = input_scale. */
  elu_backward: op2(same("y <= 0 ? x * p2 * p0 * Math.exp(y * p2) : x * p1")),
  gelu_backward: op2(same("x * (0.5 * (1 + erf(y * 0.7071067811865476)) + y * 0.3989422804014327 * Math.exp(-0.5 * y * y))")),
  gelu_tanh_backward: op2(same(
    "x * (0.5 * (1 + Math.tanh(0.7978845608028654 * (y + 0.044715 * y * y * y))) + 0.5 * y * (1 - Math.tanh(0.7978845608028654 * (y + 0.044715 * y * y * y)) ** 2) * 0.7978845608028654 * (1 + 3 * 0.044715 * y * y))",
  )),
  silu_backward: op2(same("x * (1 / (1 + Math.exp(-y))) * (1 + y * (1 - 1 / (1 + Math.exp(-y))))")),
  softplus_backward: op2(same("y * p0 > p1 ? x : x * (1 - 1 / (1 + Math.exp(y * p0)))")),
  mish_backward: op2(same(
    "x * (Math.tanh(Math.log1p(Math.exp(y))) + y * (1 / (1 + Math.exp(-y))) * (1 - Math.tanh(Math.log1p(Math.exp(y))) ** 2))",
  )),
  hardtanh_backward: op2(same("y <= p0 || y >= p1 ? 0 : x")),
  hardsigmoid_backward: op2(same("y > -3 && y < 3 ? x / 6 : 0")),
  hardswish_backward: op2(same("y < -3 ? 0 : y <= 3 ? x * (y / 3 + 0.5) : x")),
  logsigmoid_backward: op2(same("x * (1 / (1 + Math.exp(y)))")),
  celu_backward: op2(same("y > 0 ? x : x * Math.exp(y / p0)")),
  /** d|y| / dy * x. */
  abs_backward: op2(same("x * ((0 < y ? 1 : 0) - (y < 0 ? 1 : 0))")),
  /** Gradient of clamp(y, p0, p1) given g = x: passes where p0 <= y <= p1. */
  clamp_backward: op2(same("y >= p0 && y <= p1 ? x : 0")),
  clamp_min_backward: op2(same("y >= p0 ? x : 0")),
  clamp_max_backward: op2(same("y <= p0 ? x : 0")),
};

/** Three-operand ops over `x`, `y`, `z`. */
export const TERNARY_OPS: Record<string, ElementwiseOp> = {
  where: op3(same("x !== 0 ? y : z")),
  /** clamp with tensor bounds y (min) and z (max); NaN anywhere propagates. */
  clamp: op3((t) => (isFloat(t)
    ? "x !== x ? x : y !== y || z !== z ? NaN : (x < y ? y : x) > z ? z : (x < y ? y : x)"
    : "(x < y ? y : x) > z ? z : (x < y ? y : x)")),
  lerp: op3(same("Math.abs(z) < 0.5 ? x + z * (y - x) : y - (y - x) * (1 - z)")),
  /** x + p0 * y * z. */
  addcmul: op3(same("x + p0 * y * z")),
  /** x + p0 * y / z. */
  addcdiv: op3(same("x + p0 * (y / z)")),
};

// ------------------------------------------------------------------ compilation

/** A row function: processes `n` elements of one run. Arguments: n, then (array, offset, stride) per operand (output first), then p0, p1, p2. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RowFn = (...args: any[]) => void;

/** Compiled rows per op definition, by a numeric key of the operand types (cheap to build on every call). */
const rowCache = new WeakMap<ElementwiseOp, Map<number, RowFn>>();

function typeCode(t: ComputeType): number {
  switch (t) {
    case "float32": return 0;
    case "float64": return 1;
    case "int64": return 2;
    case "int32": return 3;
    case "uint8": return 4;
    default: return 5;
  }
}

function arrayCode(a: TypedArray): number {
  if (a instanceof Float32Array) return 0;
  if (a instanceof Float64Array) return 1;
  if (a instanceof Int32Array) return 2;
  return 3;
}

/** How a value stored in `from` becomes a value of compute type `to` (the expression around `v`). */
function loadCast(from: ComputeType, to: ComputeType): string {
  if (from === to) return "";
  switch (to) {
    case "float32":
      return from === "uint8" || from === "bool" ? "" : "Math.fround";
    case "float64":
      return "";
    case "int64":
      return from === "float32" || from === "float64" ? "Math.trunc" : "";
    case "int32":
      return from === "uint8" || from === "bool" ? "" : "(v => v | 0)";
    case "uint8":
      return from === "bool" ? "" : "(v => v & 255)";
    case "bool":
      return "(v => v !== 0 ? 1 : 0)";
  }
}

/**
 * The row function of `op` computing in `compute`, writing to `arrays[0]`
 * and reading the others, whose element types are `inputTypes`.
 * Compiled once per combination and cached.
 */
export function compileRow(
  opName: string,
  op: ElementwiseOp,
  compute: ComputeType,
  outType: ComputeType,
  arrays: readonly TypedArray[],
  inputTypes: readonly ComputeType[],
): RowFn {
  let key = typeCode(compute) * 6 + typeCode(outType);
  for (let i = 0; i < arrays.length; i++) key = key * 4 + arrayCode(arrays[i]!);
  for (let i = 0; i < inputTypes.length; i++) key = key * 6 + typeCode(inputTypes[i]!);
  let perOp = rowCache.get(op);
  if (!perOp) {
    perOp = new Map();
    rowCache.set(op, perOp);
  }
  let fn = perOp.get(key);
  if (fn) return fn;
  fn = buildRow(opName, op, compute, outType, inputTypes.map((t) => loadCast(t, compute)));
  perOp.set(key, fn);
  return fn;
}

function buildRow(opName: string, op: ElementwiseOp, compute: ComputeType, outType: ComputeType, casts: readonly string[]): RowFn {
  const names = ["x", "y", "z"].slice(0, op.arity);
  const arr = ["a", "b", "c"].slice(0, op.arity);
  const expr = op.expr(compute);
  const pre = op.pre ? op.pre(compute) : "";
  // Numbers stored into a bool output become 0/1 with C's truth rule (NaN is true).
  const value = outType === "bool" && !op.predicate ? `((${expr}) !== 0 ? 1 : 0)` : `(${expr})`;
  const load = (k: number, index: string) => `${casts[k]}(${arr[k]}[${index}])`;
  const params = ["n", "out", "oo", "os", ...arr.flatMap((a) => [a, `${a}o`, `${a}s`]), "p0", "p1", "p2"];

  const variant = (cond: string, strides: readonly (0 | 1 | "s")[]): string => {
    // strides[k] = 1: contiguous, 0: broadcast along the row (hoisted), "s": general.
    const hoisted = names.map((nm, k) => (strides[k] === 0 ? `const ${nm} = ${load(k, `${arr[k]}o`)};` : "")).join(" ");
    const general = strides.some((s) => s === "s");
    if (!general) {
      const loads = names.map((nm, k) => (strides[k] === 1 ? `const ${nm} = ${load(k, `${arr[k]}o + i`)};` : "")).join(" ");
      return `if (${cond}) { ${hoisted} for (let i = 0; i < n; i++) { ${loads} ${pre} out[oo + i] = ${value}; } return; }`;
    }
    const inits = arr.map((a) => `, i${a} = ${a}o`).join("");
    const steps = arr.map((a) => `, i${a} += ${a}s`).join("");
    const loads = names.map((nm, k) => `const ${nm} = ${load(k, `i${arr[k]}`)};`).join(" ");
    return `{ for (let i = 0, io = oo${inits}; i < n; i++, io += os${steps}) { ${loads} ${pre} out[io] = ${value}; } }`;
  };

  const branches: string[] = [];
  const allOne = arr.map((a) => `${a}s === 1`).join(" && ");
  branches.push(variant(`os === 1 && ${allOne}`, arr.map(() => 1 as const)));
  if (op.arity >= 2) {
    // One operand broadcast along the row (a bias, a scalar), the others contiguous.
    for (let k = 0; k < op.arity; k++) {
      const cond = arr.map((a, j) => (j === k ? `${a}s === 0` : `${a}s === 1`)).join(" && ");
      branches.push(variant(`os === 1 && ${cond}`, arr.map((_, j) => (j === k ? 0 : 1) as 0 | 1)));
    }
  }
  if (op.arity === 3) {
    // where(cond, x, scalar) and clamp(x, scalar, scalar) shapes: two broadcast operands.
    for (let k = 0; k < 3; k++) {
      const cond = arr.map((a, j) => (j === k ? `${a}s === 1` : `${a}s === 0`)).join(" && ");
      branches.push(variant(`os === 1 && ${cond}`, arr.map((_, j) => (j === k ? 1 : 0) as 0 | 1)));
    }
  }
  branches.push(variant("true", arr.map(() => "s" as const)));
  const R = compute === "float32" ? "Math.fround" : "(v => v)";
  // Named after the op, so that CPU profiles show which kernel ran.
  const fnName = `${opName.replace(/[^A-Za-z0-9_]/g, "_")}_${compute}_row`;
  const source = `${HELPER_PRELUDE}\nconst R = ${R};\nreturn function ${fnName}(${params.join(", ")}) {\n${branches.join("\n")}\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("H", source)(HELPERS) as RowFn;
}

// ------------------------------------------------------------------ N-d driver

/**
 * Merges dimensions that every operand walks contiguously, and drops size-1
 * dimensions. `shape` and `strides[k]` are in iteration order (slowest
 * first). Returns new arrays; the inputs are not modified.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0) {
      let mergeable = true;
      for (let k = 0; k < strides.length; k++) {
        if (outStrides[k]![last] !== strides[k]![d]! * size) {
          mergeable = false;
          break;
        }
      }
      if (mergeable) {
        outShape[last] = outShape[last]! * size;
        for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
        continue;
      }
    }
    outShape.push(size);
    for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let k = 0; k < strides.length; k++) outStrides[k]!.push(0);
  }
  return [outShape, outStrides];
}

/**
 * Runs `row` over the iteration space `shape` (slowest dimension first).
 * `arrays[0]` is the output; `strides[k]` and `offsets[k]` locate operand k.
 */
export function runElementwise(
  row: RowFn,
  shape: readonly number[],
  arrays: readonly TypedArray[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  p0 = 0,
  p1 = 0,
  p2 = 0,
): void {
  for (let d = 0; d < shape.length; d++) if (shape[d] === 0) return;
  const [cshape, cstrides] = coalesce(shape, strides);
  const nd = cshape.length;
  const n = cshape[nd - 1]!;
  const k = arrays.length;
  const inner = cstrides.map((s) => s[nd - 1]!);
  const offs = offsets.slice();
  const call = k === 2
    ? () => row(n, arrays[0], offs[0], inner[0], arrays[1], offs[1], inner[1], p0, p1, p2)
    : k === 3
      ? () => row(n, arrays[0], offs[0], inner[0], arrays[1], offs[1], inner[1], arrays[2], offs[2], inner[2], p0, p1, p2)
      : () => row(n, arrays[0], offs[0], inner[0], arrays[1], offs[1], inner[1], arrays[2], offs[2], inner[2], arrays[3], offs[3], inner[3], p0, p1, p2);
  if (nd === 1) {
    call();
    return;
  }
  const counter = new Array<number>(nd - 1).fill(0);
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= cshape[d]!;
  for (let r = 0; r < rows; r++) {
    call();
    // Odometer over the outer dimensions.
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]!++;
      for (let j = 0; j < k; j++) offs[j]! += cstrides[j]![d]!;
      if (counter[d]! < cshape[d]!) break;
      for (let j = 0; j < k; j++) offs[j]! -= cstrides[j]![d]! * cshape[d]!;
      counter[d] = 0;
    }
  }
}
