/**
 * `torch.linalg` basics: `vector_norm`, `matrix_norm`, `norm`, `inv`, `det`,
 * `solve` and `cholesky`, batched over leading dimensions. Factorisations
 * run in double precision (LU with partial pivoting, Cholesky) and round to
 * the input's dtype; `inv` and `det` record PyTorch's nodes and gradients,
 * `solve` is `inv(A) @ B` through autograd.
 *
 * @example
 * const A = torch.tensor([[4, 1], [2, 3]]).float();
 * torch.linalg.det(A)                 // tensor(10.)
 * torch.linalg.inv(A).matmul(A)       // the identity
 * torch.linalg.vector_norm(x, 1, -1)  // L1 norm of each row
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, ShapeError, TsorchError } from "../errors.js";
import { allocate } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsOf, Bool, Dims, DTypeT, Float, Int, arg, kwarg, oneOf, optional, signature, union } from "./signature.js";
import { checkTensor } from "./operand.js";
import { amax, amin, norm as pnorm, sum } from "./reduce.js";
import { scalarTypeName } from "./result-type.js";
import { diag_embed, movedim } from "./rearrange.js";
import { svdvals } from "./decompositions.js";
import { stack } from "./join.js";

const ORD = optional(union(Float, oneOf("fro", "nuc"), "Number or str"));

export const VECTOR_NORM = signature("linalg_vector_norm", [arg("ord", Float, 2), arg("dim", optional(Dims), null), arg("keepdim", Bool, false), kwarg("dtype", optional(DTypeT), null)]);
export const MATRIX_NORM = signature("linalg_matrix_norm", [arg("ord", union(Float, oneOf("fro", "nuc"), "Number or str"), "fro"), arg("dim", Dims, [-2, -1]), arg("keepdim", Bool, false), kwarg("dtype", optional(DTypeT), null)]);
export const NORM = signature("linalg_norm", [arg("ord", ORD, null), arg("dim", optional(Dims), null), arg("keepdim", Bool, false), kwarg("dtype", optional(DTypeT), null)]);

function requireFloat(fn: string, x: Tensor): void {
  if (x.dtype.kind !== "float") {
    throw new TsorchError(`${fn}: Expected a floating point or complex tensor as input. Got ${scalarTypeName(x.dtype)}`, "RuntimeError");
  }
}

/** The `ord`-norm of the vectors along `dim` (all elements when dim is None). */
export function vector_norm(x: Tensor, ...args: ArgsOf<typeof VECTOR_NORM>): Tensor {
  checkTensor(x, "linalg.vector_norm");
  const { ord, dim, keepdim, dtype } = VECTOR_NORM.parse(args);
  requireFloat("linalg.vector_norm", x);
  const input = dtype ? x.to(dtype) : x;
  return pnorm(input, ord, dim, keepdim);
}

/** A matrix norm over the two dims `dim`: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf. */
export function matrix_norm(A: Tensor, ...args: ArgsOf<typeof MATRIX_NORM>): Tensor {
  checkTensor(A, "linalg.matrix_norm");
  const { ord, dim, keepdim, dtype } = MATRIX_NORM.parse(args);
  requireFloat("linalg.matrix_norm", A);
  const dims = (typeof dim === "number" ? [dim] : [...dim]).map((d) => (d < 0 ? d + A.ndim : d));
  if (A.ndim < 2) throw new ShapeError(`linalg.matrix_norm: The input tensor A must have at least 2 dimensions.`, { op: "linalg.matrix_norm", shapes: { A: A.shape } });
  if (dims.length !== 2) throw new ArgumentError(`linalg.matrix_norm: dim must be a 2-tuple. Got ${dims.join(" ")}`, "dim", "RuntimeError");
  const x = dtype ? A.to(dtype) : A;
  if (ord === "fro") return pnorm(x, 2, dims, keepdim);
  if (ord === "nuc" || Math.abs(ord) === 2) {
    // From the singular values: their sum (nuclear), largest (2) or smallest (-2).
    const [d0, d1] = dims as [number, number];
    const S = svdvals(movedim(x, [d0, d1], [x.ndim - 2, x.ndim - 1]));
    const out = ord === "nuc" ? S.sum(-1) : ord === 2 ? amax(S, -1) : amin(S, -1);
    return keepdim ? out.unsqueeze(Math.min(d0, d1)).unsqueeze(Math.max(d0, d1)) : out;
  }
  if (![1, -1, Infinity, -Infinity].includes(ord)) {
    throw new ArgumentError(`linalg.matrix_norm: Order ${ord} not supported.`, "ord", "RuntimeError");
  }
  // ±1: max/min over columns of the column sums; ±inf: over rows of the row sums.
  const [sumDim, pickDim] = Math.abs(ord) === 1 ? [dims[0]!, dims[1]!] : [dims[1]!, dims[0]!];
  const sums = sum(x.abs(), sumDim, true);
  let out = ord > 0 ? amax(sums, pickDim, true) : amin(sums, pickDim, true);
  if (!keepdim) out = out.squeeze([...dims].sort((a, b) => b - a)[0]!).squeeze(Math.min(...dims));
  return out;
}

/** `matrix_norm` when `ord` is a string or `dim` names two dims (or the input is 2-D with ord set), else `vector_norm`. */
export function norm(A: Tensor, ...args: ArgsOf<typeof NORM>): Tensor {
  const { ord, dim, keepdim, dtype } = NORM.parse(args);
  const dimList = dim === null ? null : typeof dim === "number" ? [dim] : [...dim];
  const matrix = typeof ord === "string" || dimList?.length === 2 || (ord !== null && dimList === null && A.ndim === 2);
  if (matrix) return matrix_norm(A, ord ?? "fro", dimList ?? [-2, -1], keepdim, { dtype });
  if (ord !== null && dimList === null && A.ndim > 2) {
    throw new ArgumentError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D.", "ord", "RuntimeError");
  }
  return vector_norm(A, ord ?? 2, dimList, keepdim, { dtype });
}

function checkSquare(fn: string, A: Tensor): [number, number] {
  if (A.ndim < 2) throw new ShapeError(`${fn}: The input tensor A must have at least 2 dimensions.`, { op: fn, shapes: { A: A.shape } });
  const n = A.shape[A.ndim - 1]!;
  if (A.shape[A.ndim - 2] !== n) {
    throw new ShapeError(`${fn}: A must be batches of square matrices, but they are ${A.shape[A.ndim - 2]} by ${n} matrices`,
      { op: fn, shapes: { A: A.shape }, expected: { rows: n }, got: { rows: A.shape[A.ndim - 2]! } });
  }
  requireFloat(fn, A);
  return [n, A.shape.slice(0, -2).reduce((a, b) => a * b, 1)];
}

/** LU with partial pivoting of one n×n matrix (in place, row-major); the sign of the permutation, or the first zero pivot. */
function lu(a: Float64Array, n: number): { sign: number; zeroAt: number } {
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    if (a[p * n + k] === 0) return { sign, zeroAt: k };
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = a[k * n + j]!; a[k * n + j] = a[p * n + j]!; a[p * n + j] = t; }
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / a[k * n + k]!;
      a[i * n + k] = f;
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
    }
  }
  return { sign, zeroAt: -1 };
}

/** The inverse of each square matrix; a singular one is PyTorch's error naming the zero pivot. */
export function inv(A: Tensor): Tensor {
  checkTensor(A, "linalg.inv");
  const [n, batch] = checkSquare("linalg.inv", A);
  const src = A.contiguous()._contiguousData();
  const out = allocate([...A.shape], A.dtype);
  const od = out.storage.data;
  for (let b = 0; b < batch; b++) {
    // Gauss-Jordan on [M | I] with partial pivoting.
    const m = Float64Array.from(src.subarray(b * n * n, (b + 1) * n * n));
    const e = new Float64Array(n * n);
    for (let i = 0; i < n; i++) e[i * n + i] = 1;
    for (let k = 0; k < n; k++) {
      let p = k;
      for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
      if (m[p * n + k] === 0) {
        const where = batch > 1 ? `(Batch element ${b}): ` : "";
        throw new TsorchError(`linalg.inv: ${where}The diagonal element ${k + 1} is zero, the inversion could not be completed because the input matrix is singular.`, "_LinAlgError");
      }
      for (const arr of [m, e]) for (let j = 0; j < n; j++) { const t = arr[k * n + j]!; arr[k * n + j] = arr[p * n + j]!; arr[p * n + j] = t; }
      const d = m[k * n + k]!;
      for (let j = 0; j < n; j++) { m[k * n + j] = m[k * n + j]! / d; e[k * n + j] = e[k * n + j]! / d; }
      for (let i = 0; i < n; i++) {
        if (i === k) continue;
        const f = m[i * n + k]!;
        if (f === 0) continue;
        for (let j = 0; j < n; j++) { m[i * n + j] = m[i * n + j]! - f * m[k * n + j]!; e[i * n + j] = e[i * n + j]! - f * e[k * n + j]!; }
      }
    }
    od.set(e, b * n * n);
  }
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgInvExBackward0", out, [A], ([g]) => {
      const it = out.detach().mT;
      return [it.matmul(g!).matmul(it).neg()];
    });
  }
  return out;
}

/** The determinant of each square matrix (LU in double precision). */
export function det(A: Tensor): Tensor {
  checkTensor(A, "linalg.det");
  const [n, batch] = checkSquare("linalg.det", A);
  const src = A.contiguous()._contiguousData();
  const out = allocate(A.shape.slice(0, -2), A.dtype);
  for (let b = 0; b < batch; b++) {
    const m = Float64Array.from(src.subarray(b * n * n, (b + 1) * n * n));
    const { sign, zeroAt } = lu(m, n);
    let d = zeroAt >= 0 && n > 0 ? 0 : sign;
    if (zeroAt < 0) for (let i = 0; i < n; i++) d *= m[i * n + i]!;
    out.storage.data[b] = d;
  }
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgDetBackward0", out, [A], ([g]) => {
      // d det / dA = det · A^{-T} (for invertible A).
      const scale = g!.mul(out.detach()).unsqueeze(-1).unsqueeze(-1);
      return [scale.mul(inv(A.detach()).mT)];
    });
  }
  return out;
}

/** The solution X of `A X = B` (B a matrix or, when its dims are one fewer than A's, a vector). */
export function solve(A: Tensor, B: Tensor): Tensor {
  checkTensor(A, "linalg.solve");
  checkTensor(B, "linalg.solve", "B", 2);
  const [n] = checkSquare("linalg.solve", A);
  const vector = B.ndim === 1 || B.ndim === A.ndim - 1;
  const rows = vector ? B.shape[B.ndim - 1] : B.shape[B.ndim - 2];
  if (rows !== n) {
    throw new ShapeError(`linalg.solve: Incompatible shapes of A and B for the equation AX = B (${A.shape.join("x")} and ${B.shape.join("x")})`,
      { op: "linalg.solve", shapes: { A: A.shape, B: B.shape }, expected: { rows: n }, got: { rows: rows ?? 0 } });
  }
  const Ai = inv(A);
  return vector ? Ai.matmul(B.unsqueeze(-1)).squeeze(-1) : Ai.matmul(B);
}

/** The lower-triangular L with `A = L Lᵀ` for symmetric positive-definite A. */
export const CHOLESKY = signature("linalg_cholesky", [kwarg("upper", Bool, false)]);
export function cholesky(A: Tensor, ...args: ArgsOf<typeof CHOLESKY>): Tensor {
  const { upper } = CHOLESKY.parse(args);
  const L = choleskyLower(A);
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgCholeskyExBackward0", L, [A], ([g]) => [choleskyBackward(g!, L.detach())]);
  }
  return upper ? L.mT : L;
}

/**
 * PyTorch's Cholesky gradient: with Phi(X) the lower triangle of X with its
 * diagonal halved, grad_A = sym(L^-H Phi(L^H grad_L) L^-1).
 */
function choleskyBackward(gL: Tensor, L: Tensor): Tensor {
  const phi = L.mT.matmul(gL).tril();
  const half = phi.sub(diag_embed(phi.diagonal(0, -2, -1).mul(0.5)));
  const Linv = inv(L);
  const G = Linv.mT.matmul(half).matmul(Linv);
  return G.add(G.mT).mul(0.5);
}

function choleskyLower(A: Tensor): Tensor {
  checkTensor(A, "linalg.cholesky");
  const [n, batch] = checkSquare("linalg.cholesky", A);
  const src = A.contiguous()._contiguousData();
  const out = allocate([...A.shape], A.dtype);
  for (let b = 0; b < batch; b++) {
    const a = src.subarray(b * n * n, (b + 1) * n * n);
    const L = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let s = a[j * n + j]!;
      for (let k = 0; k < j; k++) s -= L[j * n + k]! * L[j * n + k]!;
      if (!(s > 0)) {
        const where = batch > 1 ? `(Batch element ${b}): ` : "";
        throw new TsorchError(`linalg.cholesky: ${where}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${j + 1} is not positive-definite).`, "_LinAlgError");
      }
      L[j * n + j] = Math.sqrt(s);
      for (let i = j + 1; i < n; i++) {
        let t = a[i * n + j]!;
        for (let k = 0; k < j; k++) t -= L[i * n + k]! * L[j * n + k]!;
        L[i * n + j] = t / L[j * n + j]!;
      }
    }
    out.storage.data.set(L, b * n * n);
  }
  return out;
}

export { svdvals, eigvalsh, matrix_rank, pinv, cond, slogdet, qr, eigh, householder_product, linalgSvd as svd } from "./decompositions.js";
export {
  lu_factor, lu_factor_ex, lu, lu_solve, solve_triangular, cholesky_ex, inv_ex, solve_ex, tensorinv, tensorsolve, matrix_exp, lstsq,
} from "./linalg-solve.js";
export { linalg_cross as cross } from "./numeric.js";
export { matrix_power } from "./matmul.js";

/** The dot product over `dim` (default the last), broadcasting the other dims. */
const VECDOT = signature("linalg_vecdot", [kwarg("dim", Int, -1)], 2);
export function vecdot(x: Tensor, y: Tensor, ...args: ArgsOf<typeof VECDOT>): Tensor {
  const { dim } = VECDOT.parse(args);
  checkTensor(x, "linalg.vecdot");
  return x.mul(y).sum(dim);
}

/** The diagonals of the matrices in the last two dims (`torch.diagonal` with matrix defaults). */
const DIAGONAL = signature("linalg_diagonal", [kwarg("offset", Int, 0), kwarg("dim1", Int, -2), kwarg("dim2", Int, -1)]);
export function diagonal(A: Tensor, ...args: ArgsOf<typeof DIAGONAL>): Tensor {
  const { offset, dim1, dim2 } = DIAGONAL.parse(args);
  return checkTensor(A, "linalg.diagonal").diagonal(offset, dim1, dim2);
}

/** The product of a chain of matrices (the first may be a row vector, the last a column vector). */
export function multi_dot(tensors: readonly Tensor[]): Tensor {
  if (tensors.length < 2) throw new TsorchError(`multi_dot(): expected at least 2 tensors but got ${tensors.length}`);
  tensors.forEach((t, i) => {
    const ok = t.ndim === 2 || (t.ndim === 1 && (i === 0 || i === tensors.length - 1));
    if (!ok) {
      const which = i === 0 ? "first" : i === tensors.length - 1 ? "last" : null;
      throw new TsorchError(which ? `multi_dot(): the ${which} tensor must be 1D or 2D but got ${t.ndim}D` : `multi_dot(): tensor ${i} must be 2D but got ${t.ndim}D`);
    }
  });
  return tensors.slice(1).reduce((acc, t) => acc.matmul(t), tensors[0]!);
}

/** The Vandermonde matrix of x: columns x^0, x^1, ..., x^(N-1). */
const VANDER = signature("linalg_vander", [kwarg("N", optional(Int), null)]);
export function vander(x: Tensor, ...args: ArgsOf<typeof VANDER>): Tensor {
  const { N } = VANDER.parse(args);
  checkTensor(x, "linalg.vander");
  if (x.ndim === 0) x = x.reshape([1]);
  const n = N ?? x.shape[x.ndim - 1]!;
  if (N !== null && N < 1) throw new TsorchError("N must be greater than 1.");
  if (n === 0) return x.unsqueeze(-1).narrow(-1, 0, 0);
  const cols = [x.mul(0).add(1)];
  for (let i = 1; i < n; i++) cols.push(cols[i - 1]!.mul(x));
  return stack(cols, -1);
}
