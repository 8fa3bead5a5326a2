/**
 * Solvers around the LU, triangular and Cholesky factorisations:
 * `linalg.lu_factor(_ex)`, `linalg.lu`, `linalg.lu_solve`, `torch.lu`,
 * `lu_unpack`, `lu_solve`, `linalg.solve_triangular`, `triangular_solve`,
 * `cholesky`, `cholesky_inverse`, `cholesky_solve`, the `_ex` forms that
 * report an `info` instead of raising (`cholesky_ex`, `inv_ex`, `solve_ex`),
 * `tensorinv`, `tensorsolve`, `matrix_exp` and `lstsq`.
 *
 * The LU factorisation is LAPACK's getrf (partial pivoting on the first
 * largest entry, whole rows swapped), in double precision, so LU and the
 * pivots are PyTorch's, and differentiable as PyTorch's (square, wide and
 * tall); the solvers are built on inverses and products of tensors
 * (solve_triangular, the Cholesky solvers, lu_solve, tensorinv/tensorsolve,
 * matrix_exp, lstsq of a full-rank matrix), so autograd differentiates them.
 *
 * @example
 * const { LU, pivots } = torch.linalg.lu_factor(A);
 * torch.linalg.lu_solve(LU, pivots, B)        // the X of A X = B
 * torch.linalg.solve_triangular(U, B, { upper: true })
 */
import { is_grad_enabled, no_grad } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { TsorchError } from "../errors.js";
import { eye, zeros } from "../tensor/creation.js";
import { float64, int32, int64 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type ReturnTuple, pinv, returnTuple, svdvals } from "./decompositions.js";
import { cholesky as linalgCholesky, inv, solve } from "./linalg.js";
import { cat } from "./join.js";
import { checkTensor } from "./operand.js";
import { movedim } from "./rearrange.js";
import { type ArgsOf, Bool, Dims, Float, Int, arg, kwarg, oneOf, optional, signature } from "./signature.js";

const batchOf = (A: Tensor) => A.shape.slice(0, -2);

function checkMatrix(fn: string, A: Tensor, what = "input"): [number, number] {
  checkTensor(A, fn);
  if (A.ndim < 2) throw new TsorchError(`${fn}: ${what === "input" ? "The input tensor A" : what} must have at least 2 dimensions.`);
  if (A.dtype.kind !== "float") throw new TsorchError(`${fn}: Expected a floating point or complex tensor as input. Got ${A.dtype.name === "int64" ? "Long" : A.dtype.name}`);
  return [A.shape[A.ndim - 2]!, A.shape[A.ndim - 1]!];
}

/** LAPACK's getrf on an m x n row-major matrix, in place: the pivots (1-based) and info (first zero pivot, 1-based, or 0). */
function getrf(a: Float64Array, m: number, n: number): { pivots: number[]; info: number } {
  const k = Math.min(m, n);
  const pivots: number[] = [];
  let info = 0;
  for (let j = 0; j < k; j++) {
    let p = j;
    for (let i = j + 1; i < m; i++) if (Math.abs(a[i * n + j]!) > Math.abs(a[p * n + j]!)) p = i;
    pivots.push(p + 1);
    if (a[p * n + j] !== 0) {
      if (p !== j) for (let c = 0; c < n; c++) { const t = a[j * n + c]!; a[j * n + c] = a[p * n + c]!; a[p * n + c] = t; }
      for (let i = j + 1; i < m; i++) a[i * n + j] = a[i * n + j]! / a[j * n + j]!;
    } else if (info === 0) {
      info = j + 1;
    }
    for (let i = j + 1; i < m; i++) {
      const f = a[i * n + j]!;
      if (f !== 0) for (let c = j + 1; c < n; c++) a[i * n + c] = a[i * n + c]! - f * a[j * n + c]!;
    }
  }
  return { pivots, info };
}

/**
 * The gradient of the packed LU (A = P L U) from the gradients of L (m x k)
 * and U (k x n). Square: gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T.
 * Wide: U = [U1 U2], U2's gradient reaches A2 through P L^-T and L through
 * -L^-T gU2 U2^T. Tall: L = [L1; L2], L2's gradient reaches A2 through
 * U^-T and U through -L2^T gL2 U^-T.
 */
function luBackward(P: Tensor, L: Tensor, U: Tensor, gL: Tensor, gU: Tensor): Tensor {
  const m = L.shape[L.ndim - 2]!, n = U.shape[U.ndim - 1]!, k = Math.min(m, n);
  const square = (l: Tensor, u: Tensor, gl: Tensor, gu: Tensor): Tensor => {
    const M = l.mT.matmul(gl).tril(-1).add(gu.matmul(u.mT).triu());
    return inv(l).mT.matmul(M).matmul(inv(u).mT);
  };
  if (m === n) return P.matmul(square(L, U, gL, gU));
  if (m < n) {
    const U1 = U.narrow(-1, 0, k), U2 = U.narrow(-1, k, n - k), gU2 = gU.narrow(-1, k, n - k);
    const LinvT = inv(L).mT;
    const gA1 = square(L, U1, gL.sub(LinvT.matmul(gU2).matmul(U2.mT)), gU.narrow(-1, 0, k));
    return P.matmul(cat([gA1, LinvT.matmul(gU2)], -1));
  }
  const L1 = L.narrow(-2, 0, k), L2 = L.narrow(-2, k, m - k), gL2 = gL.narrow(-2, k, m - k);
  const UinvT = inv(U).mT;
  const gA1 = square(L1, U, gL.narrow(-2, 0, k), gU.sub(L2.mT.matmul(gL2).matmul(UinvT)));
  return P.matmul(cat([gA1, gL2.matmul(UinvT)], -2));
}

function luFactor(fn: string, A: Tensor, pivot: boolean): { LU: Tensor; pivots: Tensor; info: Tensor } {
  const [m, n] = checkMatrix(fn, A);
  if (!pivot) throw new TsorchError(`${fn}: LU without pivoting is not implemented on the CPU`);
  const k = Math.min(m, n);
  const batch = batchOf(A).reduce((x, y) => x * y, 1);
  const src = A.contiguous().toFlatArray();
  const lu = new Float64Array(batch * m * n), piv = new Int32Array(batch * k), info = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const a = Float64Array.from(src.subarray(b * m * n, (b + 1) * m * n) as ArrayLike<number>, Number);
    const r = getrf(a, m, n);
    lu.set(a, b * m * n);
    piv.set(r.pivots, b * k);
    info[b] = r.info;
  }
  const LU = Tensor._fromData(new A.dtype.ArrayType(lu), [...A.shape], A.dtype);
  const pivots = Tensor._fromData(piv, [...batchOf(A), k], int32);
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgLuFactorExBackward0", LU, [A], ([g]) => {
      const [P, L, U] = lu_unpack(LU, pivots);
      return [luBackward(P!, L!, U!, g!.narrow(-1, 0, k).tril(-1), g!.narrow(-2, 0, k).triu())];
    });
  }
  return { LU, pivots, info: Tensor._fromData(info, batchOf(A), int32) };
}

const LU_FACTOR = signature("linalg_lu_factor", [kwarg("pivot", Bool, true)]);
const LU_FACTOR_EX = signature("linalg_lu_factor_ex", [kwarg("pivot", Bool, true), kwarg("check_errors", Bool, false)]);

/** The packed LU factorisation (L below the diagonal, unit diagonal implied; U on and above) and the 1-based row pivots. */
export function lu_factor(A: Tensor, ...args: ArgsOf<typeof LU_FACTOR>): ReturnTuple<"LU" | "pivots"> {
  const { pivot } = LU_FACTOR.parse(args);
  const { LU, pivots } = luFactor("linalg.lu_factor", A, pivot);
  return returnTuple("linalg_lu_factor", ["LU", "pivots"], [LU, pivots]);
}

/** lu_factor with `info`: 0, or the first zero pivot (1-based) of each matrix. */
export function lu_factor_ex(A: Tensor, ...args: ArgsOf<typeof LU_FACTOR_EX>): ReturnTuple<"LU" | "pivots" | "info"> {
  const { pivot } = LU_FACTOR_EX.parse(args);
  const { LU, pivots, info } = luFactor("linalg.lu_factor_ex", A, pivot);
  return returnTuple("linalg_lu_factor_ex", ["LU", "pivots", "info"], [LU, pivots, info]);
}

/** `torch.lu`: the packed LU and pivots, and each matrix's info when `get_infos`. */
const TORCH_LU = signature("lu", [arg("pivot", Bool, true), arg("get_infos", Bool, false)]);
export function torchLu(A: Tensor, ...args: ArgsOf<typeof TORCH_LU>): Tensor[] {
  const { pivot, get_infos } = TORCH_LU.parse(args);
  const { LU, pivots, info } = luFactor("torch.lu", A, pivot);
  return get_infos ? [LU, pivots, info] : [LU, pivots];
}

const LU_UNPACK = signature("lu_unpack", [arg("unpack_data", Bool, true), arg("unpack_pivots", Bool, true)], 2);

/** P, L and U (A = P L U) from the packed LU and its pivots. */
export function lu_unpack(LU: Tensor, pivots: Tensor, ...args: ArgsOf<typeof LU_UNPACK>): ReturnTuple<"P" | "L" | "U"> {
  const { unpack_data, unpack_pivots } = LU_UNPACK.parse(args);
  const [m, n] = checkMatrix("torch.lu_unpack", LU, "LU_data");
  const k = Math.min(m, n);
  const L = unpack_data ? LU.narrow(-1, 0, k).tril(-1).add(eye(m, k, { dtype: LU.dtype })) : zeros([0], { dtype: LU.dtype });
  const U = unpack_data ? LU.narrow(-2, 0, k).triu() : zeros([0], { dtype: LU.dtype });
  const P = unpack_pivots ? permutation(pivots, m, LU) : zeros([0], { dtype: LU.dtype });
  return returnTuple("lu_unpack", ["P", "L", "U"], [P, L, U]);
}

/** The permutation matrix P (m x m) of LAPACK's row swaps: A = P L U. */
function permutation(pivots: Tensor, m: number, like: Tensor): Tensor {
  const k = pivots.shape[pivots.ndim - 1] ?? 0;
  const batchShape = pivots.shape.slice(0, -1);
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const piv = pivots.contiguous().toFlatArray();
  const out = new Float64Array(batch * m * m);
  for (let b = 0; b < batch; b++) {
    const perm = Array.from({ length: m }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const p = Number(piv[b * k + i]) - 1;
      [perm[i], perm[p]] = [perm[p]!, perm[i]!];
    }
    perm.forEach((row, i) => { out[b * m * m + row * m + i] = 1; });
  }
  return Tensor._fromData(new like.dtype.ArrayType(out), [...batchShape, m, m], like.dtype);
}

const LINALG_LU = signature("linalg_lu", [kwarg("pivot", Bool, true)]);
/** A = P L U with L unit lower-trapezoidal (m x k) and U upper-trapezoidal (k x n). */
export function lu(A: Tensor, ...args: ArgsOf<typeof LINALG_LU>): ReturnTuple<"P" | "L" | "U"> {
  const { pivot } = LINALG_LU.parse(args);
  const { LU, pivots } = no_grad(() => luFactor("linalg.lu", A, pivot));
  const [P, L, U] = lu_unpack(LU, pivots);
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgLuBackward0", [P!, L!, U!], [A], ([, gL, gU]) =>
      [luBackward(P!, L!, U!, gL ?? L!.mul(0), gU ?? U!.mul(0))]);
  }
  return returnTuple("linalg_lu", ["P", "L", "U"], [P!, L!, U!]);
}

/** inv(A) from its packed LU: U^-1 L^-1 P^T, through tensor ops (so differentiable in LU). */
function inverseFromLU(LU: Tensor, pivots: Tensor): Tensor {
  const [P, L, U] = lu_unpack(LU, pivots);
  return inv(U!).matmul(inv(L!)).matmul(P!.mT);
}

const LU_SOLVE = signature("linalg_lu_solve", [kwarg("left", Bool, true), kwarg("adjoint", Bool, false)], 3);
/** The X of A X = B (X A = B when not `left`; with A^T when `adjoint`) from A's packed LU and pivots. */
export function lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, ...args: ArgsOf<typeof LU_SOLVE>): Tensor {
  const { left, adjoint } = LU_SOLVE.parse(args);
  checkMatrix("linalg.lu_solve", LU, "LU");
  checkTensor(B, "linalg.lu_solve", "B", 3);
  const Ainv = inverseFromLU(LU, pivots);
  const M = adjoint ? Ainv.mT : Ainv;
  return left ? M.matmul(B) : B.matmul(M);
}

/** `torch.lu_solve(b, LU_data, LU_pivots)`. */
export function torchLuSolve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor): Tensor {
  return lu_solve(LU_data, LU_pivots, b);
}

/** The triangle of A the solve reads, with a unit diagonal when asked. */
function triangle(A: Tensor, upper: boolean, unitriangular: boolean): Tensor {
  const n = A.shape[A.ndim - 1]!;
  if (!unitriangular) return upper ? A.triu() : A.tril();
  return (upper ? A.triu(1) : A.tril(-1)).add(eye(n, { dtype: A.dtype }));
}

const SOLVE_TRIANGULAR = signature("linalg_solve_triangular", [kwarg("upper", Bool, false), kwarg("left", Bool, true), kwarg("unitriangular", Bool, false)], 2);
/** The X of A X = B (X A = B when not `left`) for triangular A (its upper or lower triangle). */
export function solve_triangular(A: Tensor, B: Tensor, ...args: ArgsOf<typeof SOLVE_TRIANGULAR>): Tensor {
  const { upper, left, unitriangular } = SOLVE_TRIANGULAR.parse(args);
  checkMatrix("linalg.solve_triangular", A);
  checkTensor(B, "linalg.solve_triangular", "B", 2);
  const Tinv = inv(triangle(A, upper, unitriangular));
  return left ? Tinv.matmul(B) : B.matmul(Tinv);
}

const TRIANGULAR_SOLVE = signature("triangular_solve", [arg("upper", Bool, true), arg("transpose", Bool, false), arg("unitriangular", Bool, false)], 2);
/** `torch.triangular_solve(b, A)`: the solution of A X = b (A^T X = b when `transpose`) and a copy of A. */
export function triangular_solve(b: Tensor, A: Tensor, ...args: ArgsOf<typeof TRIANGULAR_SOLVE>): ReturnTuple<"solution" | "cloned_coefficient"> {
  const { upper, transpose, unitriangular } = TRIANGULAR_SOLVE.parse(args);
  checkMatrix("triangular_solve", A);
  const T = triangle(A, upper, unitriangular);
  const X = inv(transpose ? T.mT : T).matmul(b);
  return returnTuple("triangular_solve", ["solution", "cloned_coefficient"], [X, A.clone()]);
}

const TORCH_CHOLESKY = signature("cholesky", [arg("upper", Bool, false)]);
/** `torch.cholesky`: linalg.cholesky, upper when asked. */
export function cholesky(A: Tensor, ...args: ArgsOf<typeof TORCH_CHOLESKY>): Tensor {
  const { upper } = TORCH_CHOLESKY.parse(args);
  return linalgCholesky(A, { upper });
}

const CHOLESKY_INVERSE = signature("cholesky_inverse", [arg("upper", Bool, false)]);
/** The inverse of A = L L^T (U^T U when `upper`) from its Cholesky factor. */
export function cholesky_inverse(L: Tensor, ...args: ArgsOf<typeof CHOLESKY_INVERSE>): Tensor {
  const { upper } = CHOLESKY_INVERSE.parse(args);
  checkMatrix("cholesky_inverse", L);
  // The values of the triangle LAPACK reads; the gradient of the factor as a whole matrix, as PyTorch's formula gives it.
  const T = L.sub(L.sub(upper ? L.triu() : L.tril()).detach());
  const Tinv = inv(T);
  return upper ? Tinv.matmul(Tinv.mT) : Tinv.mT.matmul(Tinv);
}

const CHOLESKY_SOLVE = signature("cholesky_solve", [arg("upper", Bool, false)], 2);
/** The X of A X = B from A's Cholesky factor. */
export function cholesky_solve(B: Tensor, L: Tensor, ...args: ArgsOf<typeof CHOLESKY_SOLVE>): Tensor {
  const { upper } = CHOLESKY_SOLVE.parse(args);
  checkTensor(B, "cholesky_solve");
  return cholesky_inverse(L, upper).matmul(B);
}

/** The 1-based position PyTorch's LAPACK error names ("the leading minor of order 3", "diagonal element 2"). */
function infoFrom(e: unknown): number {
  const m = /order (\d+)|element (\d+)/.exec(String((e as Error)?.message ?? e));
  if (!m) throw e;
  return Number(m[1] ?? m[2]);
}

/** Runs `f`; a LAPACK-style failure becomes `info` (raised when `check`), the result then NaN. */
function withInfo(A: Tensor, check: boolean, f: () => Tensor): [Tensor, Tensor] {
  const info = zeros(batchOf(A), { dtype: int32 });
  try {
    return [f(), info];
  } catch (e) {
    if (check || A.ndim > 2) throw e;
    const code = infoFrom(e);
    return [A.mul(NaN), info.add(code)];
  }
}

const CHOLESKY_EX = signature("linalg_cholesky_ex", [kwarg("upper", Bool, false), kwarg("check_errors", Bool, false)]);
/** linalg.cholesky with `info` (0, or the order of the first leading minor that is not positive-definite) instead of an error. */
export function cholesky_ex(A: Tensor, ...args: ArgsOf<typeof CHOLESKY_EX>): ReturnTuple<"L" | "info"> {
  const { upper, check_errors } = CHOLESKY_EX.parse(args);
  const [L, info] = withInfo(A, check_errors, () => linalgCholesky(A, { upper }));
  return returnTuple("linalg_cholesky_ex", ["L", "info"], [L, info]);
}

const INV_EX = signature("linalg_inv_ex", [kwarg("check_errors", Bool, false)]);
/** linalg.inv with `info` (0, or the first zero pivot) instead of an error. */
export function inv_ex(A: Tensor, ...args: ArgsOf<typeof INV_EX>): ReturnTuple<"inverse" | "info"> {
  const { check_errors } = INV_EX.parse(args);
  const [X, info] = withInfo(A, check_errors, () => inv(A));
  return returnTuple("linalg_inv_ex", ["inverse", "info"], [X, info]);
}

const SOLVE_EX = signature("linalg_solve_ex", [kwarg("left", Bool, true), kwarg("check_errors", Bool, false)], 2);
/** linalg.solve with `info` instead of an error. */
export function solve_ex(A: Tensor, B: Tensor, ...args: ArgsOf<typeof SOLVE_EX>): ReturnTuple<"result" | "info"> {
  const { left, check_errors } = SOLVE_EX.parse(args);
  const [X, info] = withInfo(A, check_errors, () => (left ? solve(A, B) : solve(A.mT, B.mT).mT));
  return returnTuple("linalg_solve_ex", ["result", "info"], [X, info]);
}

const TENSORINV = signature("linalg_tensorinv", [arg("ind", Int, 2)]);
/** The tensor inverse: inv of A read as a matrix (the first `ind` dims against the rest), shaped back. */
export function tensorinv(A: Tensor, ...args: ArgsOf<typeof TENSORINV>): Tensor {
  const { ind } = TENSORINV.parse(args);
  checkTensor(A, "linalg.tensorinv");
  if (ind <= 0) throw new TsorchError(`Expected a strictly positive integer for 'ind', but got ${ind}`);
  const rows = A.shape.slice(0, ind), cols = A.shape.slice(ind);
  const p = rows.reduce((x, y) => x * y, 1), q = cols.reduce((x, y) => x * y, 1);
  if (p !== q) throw new TsorchError(`Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got ${q} != ${p}`);
  return inv(A.reshape([p, q])).reshape([...cols, ...rows]);
}

const TENSORSOLVE = signature("linalg_tensorsolve", [arg("dims", optional(Dims), null)], 2);
/** The X of tensordot(A, X, X.ndim) = B. */
export function tensorsolve(A: Tensor, B: Tensor, ...args: ArgsOf<typeof TENSORSOLVE>): Tensor {
  const { dims } = TENSORSOLVE.parse(args);
  checkTensor(A, "linalg.tensorsolve");
  checkTensor(B, "linalg.tensorsolve", "B", 2);
  if (dims !== null) {
    const from = typeof dims === "number" ? [dims] : [...dims];
    A = movedim(A, from, from.map((_, i) => A.ndim - from.length + i));
  }
  const xShape = A.shape.slice(B.ndim);
  const n = xShape.reduce((x, y) => x * y, 1);
  return solve(A.reshape([B.numel(), n]), B.reshape([B.numel()])).reshape(xShape);
}

/**
 * The matrix exponential, by scaling and squaring: a degree-18 Taylor series
 * on A / 2^s with the 1-norm of A / 2^s at most 1/2, squared s times, in
 * double precision. Through tensor ops, so differentiable.
 */
export function matrix_exp(A: Tensor): Tensor {
  const [m, n] = checkMatrix("linalg.matrix_exp", A);
  if (m !== n) throw new TsorchError(`linalg.matrix_exp: A must be batches of square matrices, but they are ${m} by ${n} matrices`);
  if (A.numel() === 0) return A.clone();
  const norm = Number(A.detach().abs().sum(-2).amax().item());
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  // In double precision, rounded to A's dtype at the end: squaring amplifies float32's rounding.
  const X = A.to(float64).div(2 ** s);
  const I = eye(n, { dtype: float64 });
  let term = I.expand(A.shape), sum = term;
  for (let k = 1; k <= 18; k++) {
    term = term.matmul(X).div(k);
    sum = sum.add(term);
  }
  for (let i = 0; i < s; i++) sum = sum.matmul(sum);
  return sum.to(A.dtype);
}

const LSTSQ = signature("linalg_lstsq", [arg("rcond", optional(Float), null), kwarg("driver", optional(oneOf("gels", "gelsy", "gelsd", "gelss")), null)], 2);
/**
 * The least-squares (minimum-norm when underdetermined) X of A X = B, with
 * PyTorch's other outputs: the squared residuals (when m > n and A has full
 * rank, else empty), the rank (not for driver "gels") and the singular values
 * (drivers "gelsd" and "gelss"); LAPACK's gelsy computes no residuals. A full-rank A solves through its normal
 * equations (differentiable), a rank-deficient one through the pseudo-inverse.
 */
export function lstsq(A: Tensor, B: Tensor, ...args: ArgsOf<typeof LSTSQ>): ReturnTuple<"solution" | "residuals" | "rank" | "singular_values"> {
  const { rcond, driver: given } = LSTSQ.parse(args);
  checkTensor(A, "linalg.lstsq");
  checkTensor(B, "linalg.lstsq", "B", 2);
  if (A.ndim < 2) throw new TsorchError("torch.linalg.lstsq: input must have at least 2 dimensions.");
  const driver = given ?? "gelsy";
  const [m, n] = checkMatrix("torch.linalg.lstsq", A);
  const vector = B.ndim === A.ndim - 1;
  const b = vector ? B.unsqueeze(-1) : B;
  const S = svdvals(A.detach());
  const eps = A.dtype.name === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
  const tol = S.narrow(-1, 0, 1).mul(rcond ?? eps * Math.max(m, n));
  const rank = S.gt(tol).sum(-1);
  const fullRank = Number(rank.amin().item()) === Math.min(m, n);
  let X: Tensor;
  if (fullRank && m >= n) X = inv(A.mT.matmul(A)).matmul(A.mT.matmul(b));
  else if (fullRank) X = A.mT.matmul(inv(A.matmul(A.mT)).matmul(b));
  else X = pinv(A, { rtol: rcond ?? eps * Math.max(m, n) }).matmul(b);
  const residuals = m > n && fullRank && driver !== "gelsy" ? A.matmul(X).sub(b).pow(2).sum(-2) : zeros([0], { dtype: A.dtype });
  const rankOut = driver === "gels" ? zeros([0], { dtype: int64 }) : rank.to(int64);
  const sv = driver === "gelsd" || driver === "gelss" ? S : zeros([0], { dtype: A.dtype });
  return returnTuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"], [vector ? X.squeeze(-1) : X, residuals, rankOut, sv]);
}
