/**
 * Element-wise and small reduction ops composed from tsorch's differentiable
 * ops (so autograd records them): angle conversions, `copysign`,
 * `heaviside`, `ldexp`, `logaddexp2`, `nextafter`, `frexp`, the complex
 * helpers that are identities or constants on real tensors (`real`, `conj`,
 * `angle`, `isreal`, ...), products (`inner`, `vdot`, `addr`, `addbmm`,
 * `cross`), `dist`, `diff`, `trapezoid`, `cov`/`corrcoef`, `renorm`,
 * bucketing (`bucketize`, `searchsorted`, `histc`), `mode`, `nanmedian`,
 * `aminmax`, `isin`, `repeat_interleave`, `argwhere`, `logspace`, and the
 * index writes `index_fill`, `index_copy`, `masked_scatter`.
 *
 * @example
 * torch.deg2rad(torch.tensor([180]))               // tensor([3.1416])
 * torch.bucketize(torch.tensor([1, 5]), torch.tensor([0, 2, 4]))  // tensor([1, 3])
 */
import { TsorchError } from "../errors.js";
import { type DTypeLike, bool, float32, int32, int64, toDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { normDim } from "../tensor/view.js";
import { checkSpaceEnds, full, zeros, tensor as makeTensor } from "../tensor/creation.js";
import { type TensorLike, checkOperands, checkTensor } from "./operand.js";
import { resultType, scalarTypeName, toFloating } from "./result-type.js";
import { type ArgsOf, Bool, DTypeT, Float, Int, Num, Str, TensorT, arg, kwarg, oneOf, optional, required, signature, union } from "./signature.js";
import { abs, exp2, log2, neg } from "./unary.js";
import { add, mul, sub } from "./binary.js";
import { eq, gt, lt, signbit } from "./compare.js";
import { where } from "./index-ops.js";
import { matmul } from "./matmul.js";
import { cat } from "./join.js";
import { broadcast_tensors } from "./broadcast.js";
import { pointwise } from "./special.js";
import { diagonal as diagonalOp } from "./rearrange.js";

const isT = (x: unknown): x is Tensor => x instanceof Tensor;

/** Degrees to radians. */
export function deg2rad(input: Tensor): Tensor { return mul(checkTensor(input, "deg2rad"), Math.PI / 180).to(toFloating(input.dtype)); }
/** Radians to degrees. */
export function rad2deg(input: Tensor): Tensor { return mul(checkTensor(input, "rad2deg"), 180 / Math.PI).to(toFloating(input.dtype)); }

/** |input| with the sign (bit) of `other`. */
export function copysign(input: TensorLike, other: TensorLike): Tensor {
  checkOperands("copysign", input, other, ["TT", "TN"]);
  const dtype = toFloating(resultType([input, other]));
  const a = isT(input) ? input.to(dtype) : makeTensor(Number(input), { dtype });
  const s = isT(other) ? signbit(other) : makeTensor(Object.is(other, -0) || Number(other) < 0);
  return where(s, neg(abs(a)), abs(a));
}

/** 0 below zero, 1 above, `values` at zero. */
export function heaviside(input: Tensor, values: Tensor): Tensor {
  checkOperands("heaviside", input, values, ["TT"], ["input", "values"]);
  if (input.dtype !== values.dtype) {
    throw new TsorchError(`heaviside is not yet implemented for tensors with different dtypes`);
  }
  return where(eq(input, 0), values, gt(input, 0).to(input.dtype)).to(input.dtype);
}

/** input * 2^other. */
export function ldexp(input: Tensor, other: Tensor): Tensor {
  checkOperands("ldexp", input, other, ["TT"]);
  return mul(input, exp2(other));
}

/** log2(2^a + 2^b), computed without overflow. */
export function logaddexp2(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "logaddexp2");
  const m = where(gt(input, other), input, other);
  const d = neg(abs(sub(input, other)));
  const same = eq(input, other);
  return where(same, add(input, 1), add(m, log2(add(exp2(d), 1))));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function nextAfter32(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) { u32[0] = 1; return y > 0 ? f32[0]! : -f32[0]!; }
  f32[0] = x;
  if ((x < y) === (x > 0)) u32[0]! += 1; else u32[0]! -= 1;
  return f32[0]!;
}
function nextAfter64(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  if ((x < y) === (x > 0)) u64[0]! += 1n; else u64[0]! -= 1n;
  return f64[0]!;
}
/** The next representable value after `input` towards `other`, in the input's dtype. */
export function nextafter(input: Tensor, other: Tensor): Tensor {
  checkOperands("nextafter", input, other, ["TT"]);
  const dtype = resultType([input, other]);
  if (dtype.kind !== "float") throw new TsorchError(`"nextafter_cpu" not implemented for '${dtype.name === "int64" ? "Long" : dtype.name}'`);
  return pointwise("nextafter", [input, other], dtype.name === "float64" ? nextAfter64 : nextAfter32, [], dtype);
}

/** Mantissa in [0.5, 1) and integer exponent with input = mantissa * 2^exponent. */
export function frexp(input: Tensor): [Tensor, Tensor] {
  checkTensor(input, "frexp");
  if (input.dtype.kind !== "float") throw new TsorchError("torch.frexp() only supports floating-point dtypes");
  const split = (x: number): [number, number] => {
    if (x === 0 || !Number.isFinite(x)) return [x, 0];
    let e = Math.floor(Math.log2(Math.abs(x))) + 1;
    let m = x / Math.pow(2, e);
    if (Math.abs(m) >= 1) { m /= 2; e += 1; }
    if (Math.abs(m) < 0.5) { m *= 2; e -= 1; }
    return [m, e];
  };
  const mantissa = pointwise("frexp", [input], (x) => split(x)[0], [], input.dtype);
  const exponent = pointwise("frexp", [input], (x) => split(x)[1], [], int32);
  return [mantissa, exponent];
}

/** The argument of a real number: 0, or pi for negatives (NaN stays NaN). */
export function angle(input: Tensor): Tensor {
  checkTensor(input, "angle");
  const dtype = toFloating(input.dtype);
  return pointwise("angle", [input], (x) => (Number.isNaN(x) ? NaN : x < 0 ? Math.PI : 0), [(g) => mul(g, 0)], dtype);
}
/** True everywhere on a real tensor (torch.isreal of a complex one: src/ops/complex.ts). */
export function isreal(input: Tensor): Tensor { return full([...checkTensor(input, "isreal").shape], true, { dtype: bool }); }
/** The real part of a real tensor: the tensor itself (of a complex one: src/ops/complex.ts). */
export function real(input: Tensor): Tensor { return checkTensor(input, "real"); }
/** The complex conjugate of a real tensor: the tensor itself (of a complex one: src/ops/complex.ts). */
export function conj(input: Tensor): Tensor { return checkTensor(input, "conj"); }
export function conj_physical(input: Tensor): Tensor { return checkTensor(input, "conj_physical").clone(); }
export function resolve_conj(input: Tensor): Tensor { return checkTensor(input, "resolve_conj"); }
export function resolve_neg(input: Tensor): Tensor { return checkTensor(input, "resolve_neg"); }

/** Whether each element of `elements` is in `test_elements`. */
const ISIN = signature("isin", [kwarg("assume_unique", Bool, false), kwarg("invert", Bool, false)], 2);
export function isin(elements: TensorLike, test_elements: TensorLike, ...args: ArgsOf<typeof ISIN>): Tensor {
  const { invert } = ISIN.parse(args);
  const set = new Set<number>(isT(test_elements) ? Array.from(test_elements.contiguous().toFlatArray() as ArrayLike<number>, Number) : [Number(test_elements)]);
  const e = isT(elements) ? elements : makeTensor(Number(elements));
  return pointwise("isin", [e], (x) => Number(set.has(x) !== invert), [], bool);
}

/** The inner product over the last dimension (a product with a scalar when one side is 0-d). */
export function inner(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "inner");
  if (input.ndim === 0 || other.ndim === 0) return mul(input, other);
  const n = input.shape[input.ndim - 1]!;
  if (other.shape[other.ndim - 1] !== n) {
    throw new TsorchError(`inner() the last dimension must match on both input tensors but got shapes [${input.shape.join(", ")}] and [${other.shape.join(", ")}]`);
  }
  const a = input.reshape([-1, n]);
  const b = other.reshape([-1, n]);
  return matmul(a, b.t()).reshape([...input.shape.slice(0, -1), ...other.shape.slice(0, -1)]);
}

/** The dot product of two 1-D tensors (conjugating the first, a no-op on real tensors). */
export function vdot(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "vdot");
  if (input.ndim !== 1 || other.ndim !== 1) throw new TsorchError(`1D tensors expected, but got ${input.ndim}D and ${other.ndim}D tensors`);
  if (input.dtype !== other.dtype) throw new TsorchError(`vdot : expected both vectors to have same dtype, but found ${input.dtype.name === "float32" ? "Float" : input.dtype.name} and ${other.dtype.name === "float32" ? "Float" : other.dtype.name}`);
  if (input.shape[0] !== other.shape[0]) throw new TsorchError(`inconsistent tensor size, expected tensor [${input.shape[0]}] and src [${other.shape[0]}] to have the same number of elements, but got ${input.shape[0]} and ${other.shape[0]} elements respectively`);
  return mul(input, other).sum();
}

const BETA_ALPHA = [kwarg("beta", Num, 1), kwarg("alpha", Num, 1)] as const;
/** beta * input + alpha * outer(vec1, vec2). */
const ADDR = signature("addr", BETA_ALPHA, 3);
export function addr(input: Tensor, vec1: Tensor, vec2: Tensor, ...args: ArgsOf<typeof ADDR>): Tensor {
  const { beta, alpha } = ADDR.parse(args);
  const prod = mul(vec1.unsqueeze(1), vec2.unsqueeze(0));
  return add(Number(beta) === 0 ? zeros([...input.shape], { dtype: input.dtype }) : mul(input, beta), mul(prod, alpha));
}
/** beta * input + alpha * sum_i batch1[i] @ batch2[i]. */
const ADDBMM = signature("addbmm", BETA_ALPHA, 3);
export function addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, ...args: ArgsOf<typeof ADDBMM>): Tensor {
  const { beta, alpha } = ADDBMM.parse(args);
  const prod = matmul(batch1, batch2).sum(0);
  return add(Number(beta) === 0 ? zeros([...input.shape], { dtype: input.dtype }) : mul(input, beta), mul(prod, alpha));
}

/** The p-norm of input - other. */
const DIST = signature("dist", [arg("p", Num, 2)], 2);
export function dist(input: Tensor, other: Tensor, ...args: ArgsOf<typeof DIST>): Tensor {
  const { p } = DIST.parse(args);
  return sub(input, other).norm(Number(p));
}

/** The cross product of 3-vectors along `dim` (the first dim of size 3 when not given). */
const CROSS = signature("cross", [arg("dim", optional(Int), null)], 2);
export function cross(input: Tensor, other: Tensor, ...args: ArgsOf<typeof CROSS>): Tensor {
  const { dim } = CROSS.parse(args);
  if (input.ndim === other.ndim) [input, other] = broadcast_tensors(input, other) as [Tensor, Tensor];
  const d = dim ?? input.shape.findIndex((s) => s === 3);
  if (dim === null && d < 0) throw new TsorchError("no dimension of size 3 in input");
  return crossAlong(input, other, d);
}
function crossAlong(input: Tensor, other: Tensor, dim: number): Tensor {
  checkTensor(input, "cross");
  if (input.ndim !== other.ndim) throw new TsorchError(`linalg.cross: inputs must have the same number of dimensions.`);
  const d = normDim(dim, input.ndim);
  // The sizes along dim are checked before the batch dims broadcast (a size 1 there is refused).
  if (input.shape[d] !== 3 || other.shape[d] !== 3) {
    throw new TsorchError(`linalg.cross: inputs dimension ${dim} must have length 3. Got ${input.shape[d]} and ${other.shape[d]}`);
  }
  [input, other] = broadcast_tensors(input, other) as [Tensor, Tensor];
  const a = (i: number) => input.narrow(d, i, 1);
  const b = (i: number) => other.narrow(d, i, 1);
  return cat([
    sub(mul(a(1), b(2)), mul(a(2), b(1))),
    sub(mul(a(2), b(0)), mul(a(0), b(2))),
    sub(mul(a(0), b(1)), mul(a(1), b(0))),
  ], d);
}
const LINALG_CROSS = signature("linalg_cross", [arg("dim", Int, -1)], 2);
export function linalg_cross(input: Tensor, other: Tensor, ...args: ArgsOf<typeof LINALG_CROSS>): Tensor {
  return crossAlong(input, other, LINALG_CROSS.parse(args).dim);
}

/** The n-th forward difference along `dim`, with optional `prepend`/`append`. */
const DIFF = signature("diff", [arg("n", Int, 1), arg("dim", Int, -1), arg("prepend", optional(TensorT), null), arg("append", optional(TensorT), null)]);
export function diff(input: Tensor, ...args: ArgsOf<typeof DIFF>): Tensor {
  const { n, dim, prepend, append } = DIFF.parse(args);
  checkTensor(input, "diff");
  if (input.ndim === 0) throw new TsorchError("diff expects input to be at least one-dimensional");
  if (n < 0) throw new TsorchError(`order must be non-negative but got ${n}`);
  const d = dim < 0 ? dim + input.ndim : dim;
  let x = input;
  if (prepend || append) x = cat([prepend, x, append].filter((t): t is Tensor => t !== null), d);
  for (let i = 0; i < n && x.shape[d]! > 0; i++) {
    const len = x.shape[d]!;
    x = x.dtype === bool ? x.narrow(d, 1, len - 1).logical_xor(x.narrow(d, 0, len - 1)) : sub(x.narrow(d, 1, len - 1), x.narrow(d, 0, len - 1));
  }
  return x;
}

/** The trapezoid rule along `dim`, with sample points `x` or spacing `dx`. */
const TRAPEZOID = signature("trapezoid", [arg("x", optional(union(TensorT, Num, "Tensor or Number")), null), kwarg("dx", optional(Num), null), kwarg("dim", Int, -1)]);
function trapezoidParts(y: Tensor, o: { x: Tensor | number | boolean | null; dx: number | boolean | null; dim: number }): { d: number; areas: Tensor } {
  checkTensor(y, "trapezoid");
  const d = o.dim < 0 ? o.dim + y.ndim : o.dim;
  const len = y.shape[d]!;
  if (len === 0) return { d, areas: y.narrow(d, 0, 0) };
  const mid = mul(add(y.narrow(d, 1, len - 1), y.narrow(d, 0, len - 1)), 0.5);
  if (o.x instanceof Tensor) {
    const x = o.x;
    const dx = x.ndim === 1 ? diff(x).reshape(y.shape.map((_, i) => (i === d ? len - 1 : 1))) : diff(x, 1, o.dim);
    return { d, areas: mul(mid, dx) };
  }
  const dx = o.x !== null ? Number(o.x) : o.dx !== null ? Number(o.dx) : 1;
  return { d, areas: mul(mid, dx) };
}
export function trapezoid(y: Tensor, ...args: ArgsOf<typeof TRAPEZOID>): Tensor {
  const { d, areas } = trapezoidParts(y, TRAPEZOID.parse(args));
  return areas.sum(d);
}
export function trapz(y: Tensor, ...args: ArgsOf<typeof TRAPEZOID>): Tensor { return trapezoid(y, ...args); }
export function cumulative_trapezoid(y: Tensor, ...args: ArgsOf<typeof TRAPEZOID>): Tensor {
  const { d, areas } = trapezoidParts(y, TRAPEZOID.parse(args));
  return areas.cumsum(d);
}

/** Covariance of the rows (variables) over the columns (observations). */
const COV = signature("cov", [kwarg("correction", Int, 1), kwarg("fweights", optional(TensorT), null), kwarg("aweights", optional(TensorT), null)]);
export function cov(input: Tensor, ...args: ArgsOf<typeof COV>): Tensor {
  const { correction, fweights, aweights } = COV.parse(args);
  checkTensor(input, "cov");
  if (input.ndim > 2) throw new TsorchError(`cov(): expected input to have two or fewer dimensions but got an input with ${input.ndim} dimensions`);
  const x = input.ndim < 2 ? input.reshape([1, -1]) : input;
  const n = x.shape[1]!;
  let w: Tensor | null = null;
  if (fweights) {
    if (fweights.ndim > 1) throw new TsorchError(`cov(): expected fweights to have one or fewer dimensions but got fweights with ${fweights.ndim} dimensions`);
    if (fweights.numel() !== n) throw new TsorchError(`cov(): expected fweights to have the same numel as there are observations in the input but got ${fweights.numel()} != ${n}`);
    if (fweights.dtype.kind === "float") throw new TsorchError("cov(): expected fweights to have integral dtype but got fweights with Float dtype");
    w = fweights;
  }
  if (aweights) {
    if (aweights.ndim > 1) throw new TsorchError(`cov(): expected aweights to have one or fewer dimensions but got aweights with ${aweights.ndim} dimensions`);
    if (aweights.numel() !== n) throw new TsorchError(`cov(): expected aweights to have the same numel as there are observations in the input but got ${aweights.numel()} != ${n}`);
    if (aweights.dtype.kind !== "float") throw new TsorchError(`cov(): expected aweights to have floating point dtype but got aweights with ${aweights.dtype.name === "int64" ? "Long" : aweights.dtype.name} dtype`);
    w = w ? mul(w, aweights) : aweights;
  }
  const xf = x.to(toFloating(x.dtype));
  const wsum = w ? w.sum().to(xf.dtype) : makeTensor(n, { dtype: xf.dtype });
  const avg = w ? mul(xf, w).sum(1).div(wsum) : xf.mean(1);
  let normFactor: Tensor;
  if (w && correction !== 0) {
    normFactor = aweights ? sub(wsum, mul(correction, mul(w, aweights).sum().div(wsum))) : sub(wsum, correction);
  } else {
    normFactor = sub(wsum, correction);
  }
  normFactor = where(lt(normFactor, 0), 0, normFactor);
  const centered = sub(xf, avg.unsqueeze(1));
  const right = w ? mul(centered, w) : centered;
  const c = matmul(centered, right.t()).div(normFactor);
  return c.squeeze();
}

/** Pearson correlation coefficients of the rows. */
export function corrcoef(input: Tensor): Tensor {
  const c = cov(input);
  if (c.ndim === 0) return c.div(c);
  const d = diagonalOp(c);
  const s = d.sqrt();
  const r = c.div(s.unsqueeze(1)).div(s.unsqueeze(0));
  return r.clamp(-1, 1);
}

/** Rescales each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`. */
const RENORM = signature("renorm", [required("p", Num), required("dim", Int), required("maxnorm", Num)]);
export function renorm(input: Tensor, ...args: ArgsOf<typeof RENORM>): Tensor {
  const { p, dim, maxnorm } = RENORM.parse(args);
  checkTensor(input, "renorm");
  if (input.ndim < 2) throw new TsorchError(`renorm: input needs at least 2 dimensions, got ${input.ndim} dimensions`);
  if (Number(p) <= 0) throw new TsorchError(`renorm: non-positive-norm not supported`);
  if (Number(maxnorm) < 0) throw new TsorchError(`renorm: expected maxnorm to be >= 0 but got ${maxnorm}`);
  const d = dim < 0 ? dim + input.ndim : dim;
  const others = [...Array(input.ndim).keys()].filter((i) => i !== d);
  const norms = others.length ? input.norm(Number(p), others, true) : abs(input);
  const factor = where(gt(norms, maxnorm), Number(maxnorm) / 1, 1);
  const scale = where(gt(norms, maxnorm), pointwise("renorm", [factor, norms], (m, n) => m / (n + 1e-7), [], input.dtype), 1);
  return mul(input, scale.detach());
}

/** The index of the bucket each value falls in (boundaries sorted ascending). */
const BUCKETIZE = signature("bucketize", [kwarg("out_int32", Bool, false), kwarg("right", Bool, false)], 2);
export function bucketize(input: TensorLike, boundaries: Tensor, ...args: ArgsOf<typeof BUCKETIZE>): Tensor {
  const { out_int32, right } = BUCKETIZE.parse(args);
  if (boundaries.ndim !== 1) throw new TsorchError(`boundaries tensor must be 1 dimension, but got dim(${boundaries.ndim})`);
  const b = Array.from(boundaries.contiguous().toFlatArray() as ArrayLike<number>, Number);
  const x = isT(input) ? input : makeTensor(Number(input));
  return pointwise("bucketize", [x], (v) => bisect(b, 0, b.length, v, right), [], out_int32 ? int32 : int64);
}
function bisect(a: number[], lo: number, hi: number, v: number, right: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = a[mid]!;
    if (right ? !(v < m) : (m < v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Indices where `values` would be inserted into the last dimension of `sorted_sequence` to keep it sorted. */
const SEARCHSORTED = signature("searchsorted", [kwarg("out_int32", Bool, false), kwarg("right", Bool, false), kwarg("side", optional(oneOf("left", "right")), null), kwarg("sorter", optional(TensorT), null)], 2);
export function searchsorted(sorted_sequence: Tensor, values: TensorLike, ...args: ArgsOf<typeof SEARCHSORTED>): Tensor {
  const { out_int32, right, side, sorter } = SEARCHSORTED.parse(args);
  if (side === "left" && right) throw new TsorchError("torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
  const r = right || side === "right";
  const seq = sorter ? sorted_sequence.gather(-1, sorter) : sorted_sequence;
  const v = isT(values) ? values : makeTensor(Number(values));
  const n = seq.shape[seq.ndim - 1] ?? 0;
  const s = Array.from(seq.contiguous().toFlatArray() as ArrayLike<number>, Number);
  const vals = v.contiguous().toFlatArray();
  const rows = seq.ndim <= 1 ? 1 : seq.numel() / Math.max(n, 1);
  const per = seq.ndim <= 1 ? vals.length : vals.length / Math.max(rows, 1);
  const out = new (out_int32 ? int32 : int64).ArrayType(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const row = seq.ndim <= 1 ? 0 : Math.floor(i / per);
    out[i] = bisect(s, row * n, row * n + n, Number(vals[i]), r) - row * n;
  }
  return Tensor._fromData(out, [...v.shape], out_int32 ? int32 : int64);
}

/** A histogram of `bins` equal-width bins over [min, max] (the data's range when both are 0). */
const HISTC = signature("histc", [arg("bins", Int, 100), arg("min", Num, 0), arg("max", Num, 0)]);
export function histc(input: Tensor, ...args: ArgsOf<typeof HISTC>): Tensor {
  const { bins, min, max } = HISTC.parse(args);
  checkTensor(input, "histc");
  if (bins <= 0) throw new TsorchError("torch.histc: bins must be > 0, but got " + bins + " for dimension 0");
  const data = Array.from(input.contiguous().toFlatArray() as ArrayLike<number>, Number);
  let lo = Number(min);
  let hi = Number(max);
  if (lo === hi && data.length > 0) { lo = Math.min(...data); hi = Math.max(...data); }
  if (lo === hi) { lo -= 1; hi += 1; }
  if (lo > hi) throw new TsorchError("torch.histc: max must be larger than min");
  const out = new input.dtype.ArrayType(bins);
  for (const v of data) {
    if (!(v >= lo && v <= hi)) continue;
    let b = Math.floor(((v - lo) * bins) / (hi - lo));
    if (b === bins) b -= 1;
    out[b]! += 1;
  }
  return Tensor._fromData(out, [bins], input.dtype);
}

/**
 * A value and its index for each row along `dim` (`pick` reads one row): the
 * values and int64 indices, `dim` kept as size 1 with `keepdim`.
 */
function perRow(input: Tensor, dim: number, keepdim: boolean, pick: (row: number[]) => [number, number]): [Tensor, Tensor] {
  const x = input.ndim === 0 ? input.reshape([1]) : input;
  const d = dim < 0 ? dim + x.ndim : dim;
  const moved = x.movedim(d, -1).contiguous();
  const n = moved.shape[moved.ndim - 1]!;
  const data = moved.toFlatArray();
  const rows = n === 0 ? 0 : data.length / n;
  const vals = new input.dtype.ArrayType(rows);
  const idx = new int64.ArrayType(rows);
  for (let r = 0; r < rows; r++) {
    const [v, i] = pick(Array.from({ length: n }, (_, k) => Number(data[r * n + k])));
    vals[r] = v;
    idx[r] = i;
  }
  let v = Tensor._fromData(vals, moved.shape.slice(0, -1), input.dtype);
  let i = Tensor._fromData(idx, moved.shape.slice(0, -1), int64);
  if (keepdim && input.ndim > 0) { v = v.unsqueeze(d); i = i.unsqueeze(d); }
  return [v, i];
}

/** The most frequent value along `dim` (the smallest among ties) and an index of it. */
const MODE = signature("mode", [arg("dim", Int, -1), arg("keepdim", Bool, false)]);
export function mode(input: Tensor, ...args: ArgsOf<typeof MODE>): [Tensor, Tensor] {
  const { dim, keepdim } = MODE.parse(args);
  checkTensor(input, "mode");
  return perRow(input, dim, keepdim, (row) => {
    const n = row.length;
    const sorted = row.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let best = sorted[0]!;
    let bestCount = 0;
    for (let i = 0; i < n;) {
      let j = i;
      while (j < n && sorted[j]![0] === sorted[i]![0]) j++;
      if (j - i > bestCount) { bestCount = j - i; best = sorted[j - 1]!; }
      i = j;
    }
    return [best[0], best[1]];
  });
}

/** The median ignoring NaN (the lower of the two middle values): of all elements, or along `dim` with its index. */
const NANMEDIAN = signature("nanmedian", [arg("dim", optional(Int), null), arg("keepdim", Bool, false)]);
export function nanmedian(input: Tensor, ...args: ArgsOf<typeof NANMEDIAN>): Tensor | [Tensor, Tensor] {
  const { dim, keepdim } = NANMEDIAN.parse(args);
  checkTensor(input, "nanmedian");
  const pick = (row: number[]): [number, number] => {
    const ok = row.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    if (ok.length === 0) return [NaN, row.findIndex((v) => Number.isNaN(v))];
    const m = ok[Math.floor((ok.length - 1) / 2)]!;
    return [m[0], m[1]];
  };
  if (dim === null) return perRow(input.reshape(-1), 0, false, pick)[0].reshape([]);
  return perRow(input, dim, keepdim, pick);
}

/** The minimum and maximum (over `dim`, or all elements). */
const AMINMAX = signature("aminmax", [kwarg("dim", optional(Int), null), kwarg("keepdim", Bool, false)]);
export function aminmax(input: Tensor, ...args: ArgsOf<typeof AMINMAX>): [Tensor, Tensor] {
  const { dim, keepdim } = AMINMAX.parse(args);
  checkTensor(input, "aminmax");
  if (input.numel() === 0 && dim === null) throw new TsorchError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  if (dim === null) return [input.amin([], keepdim), input.amax([], keepdim)];
  if (input.ndim > 0 && input.shape[dim < 0 ? dim + input.ndim : dim] === 0) {
    throw new TsorchError("aminmax(): Expected reduction dim " + dim + " to have non-zero size.");
  }
  return [input.amin(dim, keepdim), input.amax(dim, keepdim)];
}

/** Each element (or slice along `dim`) repeated `repeats` times. */
const REPEAT_INTERLEAVE = signature("repeat_interleave", [arg("repeats", optional(union(TensorT, Int, "Tensor or int")), null), arg("dim", optional(Int), null), kwarg("output_size", optional(Int), null)]);
export function repeat_interleave(input: Tensor, ...args: ArgsOf<typeof REPEAT_INTERLEAVE>): Tensor {
  const { repeats, dim } = REPEAT_INTERLEAVE.parse(args);
  checkTensor(input, "repeat_interleave");
  if (repeats === null) {
    const counts = Array.from(input.contiguous().toFlatArray() as ArrayLike<number>, Number);
    return Tensor._fromData(new int64.ArrayType(counts.flatMap((c, i) => Array(c).fill(i))), [counts.reduce((a, b) => a + b, 0)], int64);
  }
  const x = dim === null ? input.reshape(-1) : input;
  const d = dim === null ? 0 : dim < 0 ? dim + x.ndim : dim;
  const n = x.shape[d]!;
  const reps = typeof repeats === "number" ? Array(n).fill(repeats) as number[] : repeats.ndim === 0 ? Array(n).fill(repeats.item()) as number[] : Array.from(repeats.toFlatArray() as ArrayLike<number>, Number);
  if (reps.length !== n) throw new TsorchError("repeats must have the same size as input along dim");
  const idx = reps.flatMap((c, i) => Array(c).fill(i) as number[]);
  return x.index_select(d, Tensor._fromData(new int64.ArrayType(idx), [idx.length], int64));
}

/** The indices of the non-zero elements, one row each. */
export function argwhere(input: Tensor): Tensor { return checkTensor(input, "argwhere").nonzero() as Tensor; }

/** `steps` values from base^start to base^end, evenly spaced in the exponent. */
const LOGSPACE = signature("logspace", [required("end", union(Num, TensorT, "Number or Tensor")), required("steps", Int), arg("base", Float, 10), kwarg("dtype", optional(DTypeT), null), kwarg("device", optional(Str), null), kwarg("requires_grad", Bool, false)], 1);
export function logspace(start: number | Tensor, ...args: ArgsOf<typeof LOGSPACE>): Tensor {
  const { end, steps, base, dtype } = LOGSPACE.parse(args);
  checkSpaceEnds("logspace", start, end);
  const s = Number(start instanceof Tensor ? start.item() : start);
  const e = Number(end instanceof Tensor ? end.item() : end);
  if (steps < 0) throw new TsorchError("number of steps must be non-negative");
  const dt = toDType(dtype as DTypeLike | null, float32);
  const step = steps > 1 ? (e - s) / (steps - 1) : 0;
  const vals = Array.from({ length: steps }, (_, i) => {
    const exponent = i < steps / 2 ? s + i * step : e - (steps - 1 - i) * step;
    const v = Math.pow(base, exponent);
    return dt.kind === "float" ? v : Math.trunc(v);
  });
  return Tensor._fromData(new dt.ArrayType(vals), [steps], dt);
}

/** A copy with `value` at the given indices along `dim`. */
export function index_fill(input: Tensor, dim: number, index: Tensor, value: TensorLike): Tensor {
  checkTensor(input, "index_fill");
  const d = input.ndim === 0 ? 0 : dim < 0 ? dim + input.ndim : dim;
  const len = input.ndim === 0 ? 1 : input.shape[d]!;
  const hit = new Set(Array.from(index.contiguous().toFlatArray() as ArrayLike<number>, (i) => (Number(i) < 0 ? Number(i) + len : Number(i))));
  const sel = Tensor._fromData(new bool.ArrayType(Array.from({ length: len }, (_, i) => Number(hit.has(i)))), [len], bool);
  const shape = input.ndim === 0 ? [] : input.shape.map((s, i) => (i === d ? s : 1));
  const m = sel.reshape(shape).expand(...input.shape);
  return where(m, value instanceof Tensor ? value.to(input.dtype) : value, input);
}

/** A copy with the slices of `source` written at `index` along `dim`. */
export function index_copy(input: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  checkTensor(input, "index_copy");
  if (input.ndim === 0) return source.reshape([]).to(input.dtype).clone();
  const d = dim < 0 ? dim + input.ndim : dim;
  const len = input.shape[d]!;
  const idx = Array.from(index.contiguous().toFlatArray() as ArrayLike<number>, Number);
  const from = new int64.ArrayType(len).fill(-1);
  idx.forEach((t, k) => { from[t] = k; });
  const src = source.ndim === 0 ? source.reshape([1]) : source;
  const picks = Array.from(from, (k) => (k < 0 ? 0 : k));
  const gathered = src.index_select(d, Tensor._fromData(new int64.ArrayType(picks), [len], int64));
  const sel = Tensor._fromData(new bool.ArrayType(Array.from(from, (k) => Number(k >= 0))), [len], bool);
  const m = sel.reshape(input.shape.map((s, i) => (i === d ? s : 1))).expand(...input.shape);
  return where(m, gathered.to(input.dtype), input);
}

/** A copy with the elements of `source`, in order, written where `mask` is true. */
export function masked_scatter(input: Tensor, mask: Tensor, source: Tensor): Tensor {
  checkTensor(input, "masked_scatter");
  if (mask.dtype !== bool) throw new TsorchError(`masked_scatter_ only supports boolean masks, but got mask with dtype ${scalarTypeName(mask.dtype)}`);
  if (input.dtype !== source.dtype) throw new TsorchError(`masked_scatter: expected self and source to have same dtypes but got ${input.dtype.name === "float32" ? "Float" : input.dtype.name} and ${source.dtype.name === "float32" ? "Float" : source.dtype.name}`);
  const shape = input.ndim >= mask.ndim ? input.shape : mask.shape;
  const [x, m] = [input.expand(...shape), mask.expand(...shape)];
  const flat = Array.from(m.contiguous().toFlatArray() as ArrayLike<number>, Number);
  let k = 0;
  const picks = flat.map((b) => (b ? k++ : 0));
  if (k > source.numel()) throw new TsorchError("masked_scatter: expected source to have at least as many elements as ones in mask");
  const vals = source.reshape(-1).index_select(0, Tensor._fromData(new int64.ArrayType(picks), [picks.length], int64)).reshape([...x.shape]);
  return where(m, vals, x);
}

/** A zero-dimensional tensor holding `s`. */
const SCALAR_TENSOR = signature("scalar_tensor", [kwarg("dtype", optional(DTypeT), null), kwarg("device", optional(Str), null), kwarg("requires_grad", Bool, false)]);
export function scalar_tensor(s: number | boolean, ...args: ArgsOf<typeof SCALAR_TENSOR>): Tensor {
  const { dtype, requires_grad } = SCALAR_TENSOR.parse(args);
  const t = makeTensor(Number(s), { dtype: toDType(dtype as DTypeLike | null, float32) });
  return requires_grad ? t.requires_grad_(true) : t;
}

/** A tensor like `input` filled with `value`. */
const FILL = signature("fill", [required("value", union(Num, TensorT, "Number or Tensor"))]);
export function fill(input: Tensor, ...args: ArgsOf<typeof FILL>): Tensor {
  const { value } = FILL.parse(args);
  checkTensor(input, "fill");
  if (value instanceof Tensor && value.ndim !== 0) throw new TsorchError(`fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`);
  return add(zeros([...input.shape], { dtype: input.dtype }), value instanceof Tensor ? value : Number(value)).to(input.dtype);
}

/** The indices of the lower (upper) triangle of a row x col matrix, as a 2 x N tensor. */
const TRI_INDICES = [arg("offset", Int, 0), kwarg("dtype", optional(DTypeT), null), kwarg("device", optional(Str), null), kwarg("layout", optional(Str), null)] as const;
const TRIL_INDICES = signature("tril_indices", [required("row", Int), required("col", Int), ...TRI_INDICES], 0);
const TRIU_INDICES = signature("triu_indices", [required("row", Int), required("col", Int), ...TRI_INDICES], 0);
function triIndices(fn: string, row: number, col: number, offset: number, dtype: DTypeLike | null, lower: boolean): Tensor {
  const dt = toDType(dtype, int64);
  if (dt.kind !== "int") throw new TsorchError(`"${fn}" not implemented for '${dt.name === "float32" ? "Float" : dt.name === "float64" ? "Double" : dt.name}'`);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < row; i++) for (let j = 0; j < col; j++) if (lower ? j - i <= offset : j - i >= offset) { rows.push(i); cols.push(j); }
  return Tensor._fromData(new dt.ArrayType([...rows, ...cols]), [2, rows.length], dt);
}
export function tril_indices(...args: ArgsOf<typeof TRIL_INDICES>): Tensor {
  const o = TRIL_INDICES.parse(args);
  return triIndices("tril_indices", o.row, o.col, o.offset, o.dtype as DTypeLike | null, true);
}
export function triu_indices(...args: ArgsOf<typeof TRIU_INDICES>): Tensor {
  const o = TRIU_INDICES.parse(args);
  return triIndices("triu_indices", o.row, o.col, o.offset, o.dtype as DTypeLike | null, false);
}
