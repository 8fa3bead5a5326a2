/**
 * Spectral `torch.linalg` functions, batched over leading dimensions, from
 * two double-precision kernels: the one-sided Jacobi SVD (Hestenes) and the
 * cyclic Jacobi eigenvalue method for symmetric matrices. What they give is
 * unique whatever the signs of the singular or eigen vectors: singular
 * values (`svdvals`, the nuclear norm, `cond`, `matrix_rank`), eigenvalues
 * of symmetric matrices (`eigvalsh`) and the pseudo-inverse (`pinv`);
 * `slogdet` and `logdet` come from the determinant. Results round to the
 * input's dtype.
 *
 * @example
 * torch.linalg.svdvals(torch.tensor([[3, 0], [0, -4]]).float())   // tensor([4., 3.])
 * torch.linalg.matrix_rank(torch.ones(3, 3))                        // tensor(1)
 */
import { inspect } from "node:util";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { TsorchError } from "../errors.js";
import { eye, zeros } from "../tensor/creation.js";
import { int64 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { cat } from "./join.js";
import { checkTensor } from "./operand.js";
import { diag_embed } from "./rearrange.js";
import { randn } from "./random.js";
import { type ArgsOf, Bool, Float, Int, TensorT, arg, kwarg, oneOf, optional, signature, union } from "./signature.js";
import { det } from "./linalg.js";

interface Svd { u: Float64Array; s: Float64Array; v: Float64Array; m: number; n: number; k: number }

/** Thin SVD of an m x n row-major matrix: A = U diag(s) V^T, s descending (k = min(m, n)). */
function svd(a: ArrayLike<number>, m: number, n: number): Svd {
  const tall = m >= n;
  const [r, c] = tall ? [m, n] : [n, m];
  // Work on the columns of W (r x c), the matrix or its transpose.
  const w = new Float64Array(r * c);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[tall ? i * c + j : j * c + i] = Number(a[i * n + j]);
  const v = new Float64Array(c * c);
  for (let i = 0; i < c; i++) v[i * c + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < c - 1; p++) {
      for (let q = p + 1; q < c; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < r; i++) {
          const x = w[i * c + p]!, y = w[i * c + q]!;
          alpha += x * x; beta += y * y; gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let i = 0; i < r; i++) {
          const x = w[i * c + p]!, y = w[i * c + q]!;
          w[i * c + p] = cs * x - sn * y;
          w[i * c + q] = sn * x + cs * y;
        }
        for (let i = 0; i < c; i++) {
          const x = v[i * c + p]!, y = v[i * c + q]!;
          v[i * c + p] = cs * x - sn * y;
          v[i * c + q] = sn * x + cs * y;
        }
      }
    }
    if (off < 1e-15) break;
  }
  const norms = Array.from({ length: c }, (_, j) => {
    let s = 0;
    for (let i = 0; i < r; i++) s += w[i * c + j]! ** 2;
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]!);
  const k = c;
  const s = Float64Array.from(order, (j) => norms[j]!);
  // Left vectors of W: its normalised columns; right vectors: V's columns. A column whose norm is
  // at rounding level has no direction of its own: it is completed to an orthonormal set instead.
  const lw = new Float64Array(r * k);
  const rv = new Float64Array(c * k);
  const tiny = (s[0] ?? 0) * r * 2.220446049250313e-16;
  const good: boolean[] = [];
  order.forEach((j, col) => {
    const nrm = norms[j]!;
    good.push(nrm > tiny && nrm > 0);
    for (let i = 0; i < r; i++) lw[i * k + col] = good[col] ? w[i * c + j]! / nrm : 0;
    for (let i = 0; i < c; i++) rv[i * k + col] = v[i * c + j]!;
  });
  completeColumns(lw, r, k, good);
  // The sign of each pair: the largest entry of the left vector is positive.
  const [lu, ru] = tall ? [lw, rv] : [rv, lw];
  for (let col = 0; col < k; col++) {
    if (pivotSign(lu, m, k, col) < 0) {
      for (let i = 0; i < m; i++) lu[i * k + col] = -lu[i * k + col]!;
      for (let i = 0; i < n; i++) ru[i * k + col] = -ru[i * k + col]!;
    }
  }
  // A = W (tall) or W^T: swap the roles of the vectors for a wide matrix.
  return { u: lu, s, v: ru, m, n, k };
}

/** The sign of the entry of largest magnitude in column `col` of a rows x cols matrix (the first of equals). */
function pivotSign(q: Float64Array, rows: number, cols: number, col: number): number {
  let best = 0;
  for (let i = 0; i < rows; i++) if (Math.abs(q[i * cols + col]!) > Math.abs(best)) best = q[i * cols + col]!;
  return best < 0 ? -1 : 1;
}

/**
 * Fills the columns of a rows x cols matrix not marked good with unit vectors
 * orthogonal to all the others (Gram-Schmidt, twice, on the standard basis
 * vector that keeps the most length), so the columns are orthonormal.
 */
function completeColumns(q: Float64Array, rows: number, cols: number, good: boolean[]): void {
  const done = good.slice();
  for (let col = 0; col < cols; col++) {
    if (done[col]) continue;
    let bestVec: Float64Array | null = null;
    let bestNorm = -1;
    for (let e = 0; e < rows; e++) {
      const x = new Float64Array(rows);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < cols; j++) {
          if (!done[j]) continue;
          let d = 0;
          for (let i = 0; i < rows; i++) d += q[i * cols + j]! * x[i]!;
          for (let i = 0; i < rows; i++) x[i] = x[i]! - d * q[i * cols + j]!;
        }
      }
      const nrm = Math.hypot(...x);
      if (nrm > bestNorm + 1e-12) { bestNorm = nrm; bestVec = x; }
    }
    for (let i = 0; i < rows; i++) q[i * cols + col] = bestVec![i]! / bestNorm;
    done[col] = true;
  }
}

function checkMatrix(fn: string, A: Tensor): { m: number; n: number; batch: number } {
  checkTensor(A, fn);
  if (A.ndim < 2) throw new TsorchError(`${fn}: The input tensor A must have at least 2 dimensions.`);
  if (A.dtype.kind !== "float") throw new TsorchError(`${fn}: Expected a floating point or complex tensor as input. Got ${A.dtype.name === "int64" ? "Long" : A.dtype.name}`);
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  return { m, n, batch: A.shape.slice(0, -2).reduce((a, b) => a * b, 1) };
}

/** Runs `f` on each matrix of the batch, writing `size` values per matrix. */
function perMatrix(A: Tensor, m: number, n: number, batch: number, size: number, f: (a: Float64Array, out: Float64Array) => void): Float64Array {
  const src = A.contiguous().toFlatArray();
  const out = new Float64Array(batch * size);
  for (let b = 0; b < batch; b++) {
    const a = Float64Array.from(src.subarray(b * m * n, (b + 1) * m * n) as ArrayLike<number>, Number);
    const o = new Float64Array(size);
    f(a, o);
    out.set(o, b * size);
  }
  return out;
}

/** The singular values of each matrix, descending. */
export function svdvals(A: Tensor): Tensor {
  // Differentiable through the full decomposition (the gradient of S needs U and V), as in PyTorch.
  if (is_grad_enabled() && A.requires_grad) return svdCore("linalg.svd", A, false, true)[1];
  const { m, n, batch } = checkMatrix("linalg.svd", A);
  const k = Math.min(m, n);
  const out = perMatrix(A, m, n, batch, k, (a, o) => o.set(svd(a, m, n).s.subarray(0, k)));
  return Tensor._fromData(new A.dtype.ArrayType(out), [...A.shape.slice(0, -2), k], A.dtype);
}

/** The eigenvalues of each symmetric matrix (read from its lower or upper triangle), ascending. */
const EIGVALSH = signature("linalg_eigvalsh", [arg("UPLO", oneOf("L", "U"), "L")]);
export function eigvalsh(A: Tensor, ...args: ArgsOf<typeof EIGVALSH>): Tensor {
  const { UPLO } = EIGVALSH.parse(args);
  const { m, n, batch } = checkMatrix("linalg.eigh", A);
  if (m !== n) throw new TsorchError(`linalg.eigh: A must be batches of square matrices, but they are ${m} by ${n} matrices`);
  const out = perMatrix(A, n, n, batch, n, (a, o) => {
    symmetrize(a, n, UPLO);
    o.set(jacobiEigenvalues(a, n));
  });
  return Tensor._fromData(new A.dtype.ArrayType(out), [...A.shape.slice(0, -2), n], A.dtype);
}

/** Cyclic Jacobi rotations on a symmetric matrix (destroyed): its eigenvalues, ascending. */
function jacobiEigenvalues(a: Float64Array, n: number): number[] {
  return [...jacobiEigen(a, n, false).values];
}

/**
 * Cyclic Jacobi rotations on a symmetric n x n matrix (destroyed): its
 * eigenvalues ascending and, when asked, the eigenvectors as the columns of
 * an n x n row-major matrix, each signed so its largest entry is positive.
 */
function jacobiEigen(a: Float64Array, n: number, vectors: boolean): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(vectors ? n * n : 0);
  if (vectors) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i]! ** 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= 1e-32 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        if (vectors) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[x * n + x]! - a[y * n + y]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const out = new Float64Array(vectors ? n * n : 0);
  if (vectors) {
    order.forEach((j, col) => { for (let i = 0; i < n; i++) out[i * n + col] = v[i * n + j]!; });
    for (let col = 0; col < n; col++) {
      if (pivotSign(out, n, n, col) < 0) for (let i = 0; i < n; i++) out[i * n + col] = -out[i * n + col]!;
    }
  }
  return { values, vectors: out };
}

// ---------------------------------------------------------------- Householder QR

/**
 * LAPACK's unblocked geqrf (geqr2, with larfg's reflectors) on an m x n
 * row-major matrix, in place: R on and above the diagonal, the reflectors'
 * vectors below it (their leading 1 implied); returns tau. Each reflector
 * H = I - tau v v^T sends its column to beta e1 with beta of the opposite sign
 * to the pivot, so the signs of R and Q are LAPACK's.
 */
function geqr2(a: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const alpha = a[i * n + i]!;
    let xnorm = 0;
    for (let r = i + 1; r < m; r++) xnorm = Math.hypot(xnorm, a[r * n + i]!);
    if (xnorm === 0) continue; // H = I
    const beta = alpha >= 0 ? -Math.hypot(alpha, xnorm) : Math.hypot(alpha, xnorm);
    tau[i] = (beta - alpha) / beta;
    const f = 1 / (alpha - beta);
    for (let r = i + 1; r < m; r++) a[r * n + i] = a[r * n + i]! * f;
    a[i * n + i] = beta;
    // Apply H to the columns on the right: A -= tau v (v^T A).
    for (let j = i + 1; j < n; j++) {
      let d = a[i * n + j]!;
      for (let r = i + 1; r < m; r++) d += a[r * n + i]! * a[r * n + j]!;
      d *= tau[i]!;
      a[i * n + j] = a[i * n + j]! - d;
      for (let r = i + 1; r < m; r++) a[r * n + j] = a[r * n + j]! - d * a[r * n + i]!;
    }
  }
  return tau;
}

/** The first `cols` columns of H1 H2 ... Hk (LAPACK's orgqr), from geqr2's m x n output: m x cols. */
function orgqr(a: Float64Array, tau: ArrayLike<number>, m: number, n: number, k: number, cols: number): Float64Array {
  const q = new Float64Array(m * cols);
  for (let i = 0; i < Math.min(m, cols); i++) q[i * cols + i] = 1;
  for (let i = k - 1; i >= 0; i--) {
    const t = tau[i]!;
    if (t === 0) continue;
    for (let j = 0; j < cols; j++) {
      let d = q[i * cols + j]!;
      for (let r = i + 1; r < m; r++) d += a[r * n + i]! * q[r * cols + j]!;
      d *= t;
      q[i * cols + j] = q[i * cols + j]! - d;
      for (let r = i + 1; r < m; r++) q[r * cols + j] = q[r * cols + j]! - d * a[r * n + i]!;
    }
  }
  return q;
}

const TOL = [kwarg("atol", optional(union(Float, TensorT, "float or Tensor")), null), kwarg("rtol", optional(union(Float, TensorT, "float or Tensor")), null), arg("hermitian", Bool, false)] as const;
const MATRIX_RANK = signature("linalg_matrix_rank", TOL);
const PINV = signature("linalg_pinv", TOL);

function tolerance(s: Float64Array, m: number, n: number, atol: number | null, rtol: number | null, eps: number): number {
  const smax = s.length ? s[0]! : 0;
  const r = rtol ?? (atol !== null && atol > 0 ? 0 : Math.max(m, n) * eps);
  return Math.max(atol ?? 0, r * smax);
}

const epsOf = (A: Tensor) => (A.dtype.name === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7);
const num = (v: number | Tensor | null) => (v === null ? null : v instanceof Tensor ? Number(v.item()) : v);

/** The number of singular values above the tolerance max(atol, rtol * largest). */
export function matrix_rank(A: Tensor, ...args: ArgsOf<typeof MATRIX_RANK>): Tensor {
  const { atol, rtol } = MATRIX_RANK.parse(args);
  const { m, n, batch } = checkMatrix("linalg.matrix_rank", A);
  const out = perMatrix(A, m, n, batch, 1, (a, o) => {
    const { s } = svd(a, m, n);
    const tol = tolerance(s, m, n, num(atol), num(rtol), epsOf(A));
    o[0] = s.filter((v) => v > tol).length;
  });
  return Tensor._fromData(new int64.ArrayType(out), A.shape.slice(0, -2), int64);
}

/** The Moore-Penrose pseudo-inverse: V diag(1/s) U^T over the singular values above the tolerance. */
export function pinv(A: Tensor, ...args: ArgsOf<typeof PINV>): Tensor {
  const { atol, rtol, hermitian } = PINV.parse(args);
  const { m, n, batch } = checkMatrix("linalg.pinv", A);
  const out = perMatrix(A, m, n, batch, n * m, (a, o) => {
    // hermitian: the matrix the lower triangle describes.
    if (hermitian) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i]!;
    const { u, s, v, k } = svd(a, m, n);
    const tol = tolerance(s, m, n, num(atol), num(rtol), epsOf(A));
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let l = 0; l < k; l++) if (s[l]! > tol) acc += (v[i * k + l]! * u[j * k + l]!) / s[l]!;
      o[i * m + j] = acc;
    }
  });
  return Tensor._fromData(new A.dtype.ArrayType(out), [...A.shape.slice(0, -2), n, m], A.dtype);
}

/** The condition number in the 2-norm (largest over smallest singular value), or in the norm `p`. */
const COND = signature("linalg_cond", [arg("p", optional(union(Float, oneOf("fro", "nuc"), "Number or str")), null)]);
export function cond(A: Tensor, ...args: ArgsOf<typeof COND>): Tensor {
  const { p } = COND.parse(args);
  const { m, n, batch } = checkMatrix("linalg.cond", A);
  if (p !== null && p !== 2 && p !== -2) throw new TsorchError(`linalg.cond: the norm ${p} is not supported by tsorch (2-norm and -2 only)`);
  const out = perMatrix(A, m, n, batch, 1, (a, o) => {
    const { s } = svd(a, m, n);
    const k = Math.min(m, n);
    o[0] = p === -2 ? s[k - 1]! / s[0]! : s[0]! / s[k - 1]!;
  });
  return Tensor._fromData(new A.dtype.ArrayType(out), A.shape.slice(0, -2), A.dtype);
}

/** The nuclear norm (sum of singular values) over the last two dims. */
export function nuclearNorm(A: Tensor, keepdim = false): Tensor {
  const r = svdvals(A).sum(-1);
  return keepdim ? r.unsqueeze(-1).unsqueeze(-1) : r;
}

/** The sign of the determinant and the log of its absolute value. */
export function slogdet(A: Tensor): [Tensor, Tensor] {
  const d = det(A);
  return [d.sign(), d.abs().log()];
}

/** log(det(A)): NaN for a negative determinant, -inf for a singular matrix. */
export function logdet(A: Tensor): Tensor {
  return det(A).log();
}

/** `torch.pinverse`: the pseudo-inverse with singular values below rcond * largest dropped. */
export function pinverse(A: Tensor, rcond = 1e-15): Tensor {
  return pinv(A, { rtol: rcond });
}

// ---------------------------------------------------------------- factorisations with their vectors

/**
 * PyTorch's `torch.return_types.*`: a tuple of tensors (destructure it, index
 * it) whose fields also have names (`.Q`, `.R`, `.U`, `.eigenvalues`, ...).
 */
export type ReturnTuple<K extends string> = readonly Tensor[] & { readonly [name in K]: Tensor };

export function returnTuple<K extends string>(kind: string, names: readonly K[], values: readonly Tensor[]): ReturnTuple<K> {
  const t = [...values] as Tensor[] & Record<string, unknown>;
  names.forEach((name, i) => Object.defineProperty(t, name, { value: values[i], enumerable: false }));
  const text = () => `torch.return_types.${kind}(\n${names.map((name, i) => `${name}=${values[i]!.toString()}`).join(",\n")})`;
  Object.defineProperty(t, "toString", { value: text, enumerable: false });
  Object.defineProperty(t, inspect.custom, { value: text, enumerable: false });
  Object.defineProperty(t, Symbol.for("Jupyter.display"), { value: () => ({ "text/plain": text() }), enumerable: false });
  return t as unknown as ReturnTuple<K>;
}

/** Runs `f` on each matrix of a batch (as a fresh double-precision copy) with its index. */
function eachMatrix(A: Tensor, m: number, n: number, f: (a: Float64Array, b: number) => void): void {
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const src = A.contiguous().toFlatArray();
  for (let b = 0; b < batch; b++) f(Float64Array.from(src.subarray(b * m * n, (b + 1) * m * n) as ArrayLike<number>, Number), b);
}

/** A tensor of A's dtype with A's batch dims and the trailing `dims`, from double-precision data. */
function batched(A: Tensor, dims: number[], data: Float64Array): Tensor {
  return Tensor._fromData(new A.dtype.ArrayType(data), [...A.shape.slice(0, -2), ...dims], A.dtype);
}

/** The inverse of each upper-triangular matrix (back substitution; a zero pivot gives inf/NaN as LAPACK's trsm would). */
function upperInverse(R: Tensor): Tensor {
  const n = R.shape[R.ndim - 1]!;
  const batch = R.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const out = new Float64Array(batch * n * n);
  eachMatrix(R, n, n, (r, b) => {
    const o = out.subarray(b * n * n, (b + 1) * n * n);
    for (let j = 0; j < n; j++) {
      o[j * n + j] = 1 / r[j * n + j]!;
      for (let i = j - 1; i >= 0; i--) {
        let acc = 0;
        for (let l = i + 1; l <= j; l++) acc += r[i * n + l]! * o[l * n + j]!;
        o[i * n + j] = -acc / r[i * n + i]!;
      }
    }
  });
  return batched(R, [n, n], out);
}

const QR = signature("linalg_qr", [arg("mode", oneOf("reduced", "complete", "r"), "reduced")]);

/**
 * The QR decomposition A = QR of each matrix, by Householder reflections as
 * LAPACK's geqrf/orgqr compute them, so Q and R are PyTorch's to rounding,
 * signs included (R's diagonal has the opposite sign of each pivot).
 * `mode`: "reduced" (Q m x k, R k x n, k = min(m, n)), "complete" (Q m x m,
 * R m x n) or "r" (R only, Q empty). Differentiable in modes reduced and
 * complete when m <= n.
 *
 * @example
 * const { Q, R } = torch.linalg.qr(torch.tensor([[3, 1], [4, 2]]).float());
 * // Q = [[-0.6, -0.8], [-0.8, 0.6]], R = [[-5, -2.2], [0, 0.4]]
 */
export function qr(A: Tensor, ...args: ArgsOf<typeof QR>): ReturnTuple<"Q" | "R"> {
  const { mode } = QR.parse(args);
  const { m, n } = checkMatrix("linalg.qr", A);
  const k = Math.min(m, n);
  const qCols = mode === "complete" ? m : k;
  const rRows = mode === "complete" ? m : k;
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const qd = new Float64Array(mode === "r" ? 0 : batch * m * qCols);
  const rd = new Float64Array(batch * rRows * n);
  eachMatrix(A, m, n, (a, b) => {
    const tau = geqr2(a, m, n);
    for (let i = 0; i < Math.min(rRows, m); i++) for (let j = i; j < n; j++) rd[(b * rRows + i) * n + j] = a[i * n + j]!;
    if (mode !== "r") qd.set(orgqr(a, tau, m, n, k, qCols), b * m * qCols);
  });
  const Q = mode === "r" ? Tensor._fromData(new A.dtype.ArrayType(0), [0], A.dtype) : batched(A, [m, qCols], qd);
  const R = batched(A, [rRows, n], rd);
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgQrBackward0", [Q, R], [A], ([gQ, gR]) => {
      if (mode === "r") throw new TsorchError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
      if (mode === "complete" && m > n) throw new TsorchError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
      return [qrBackward(A.detach(), Q.detach(), R.detach(), gQ ?? null, gR ?? null)];
    });
  }
  return returnTuple("linalg_qr", ["Q", "R"], [Q, R]);
}

/**
 * The gradient of A = QR (Q m x k, R k x n). For m >= n (Walter and
 * Lehmann): gA = [gQ + Q copyltu(M)] R^-T with M = R gR^T - gQ^T Q, written
 * as Q (gR + tril(Q^T gQ - gQ^T Q + R gR^T - gR R^T) R^-T) + (gQ - Q Q^T gQ) R^-T.
 * For m < n, A = [X | Y] with X = Q U square: X's gradient with gQ + Y gV^T, and Q gV for Y.
 */
function qrBackward(A: Tensor, Q: Tensor, R: Tensor, gQ: Tensor | null, gR: Tensor | null): Tensor {
  const m = Q.shape[Q.ndim - 2]!;
  const n = R.shape[R.ndim - 1]!;
  gQ ??= Q.mul(0);
  gR ??= R.mul(0);
  const square = (q: Tensor, r: Tensor, dq: Tensor, dr: Tensor): Tensor => {
    const qdq = q.mT.matmul(dq);
    const rdr = r.matmul(dr.mT);
    const tril = qdq.sub(qdq.mT).add(rdr).sub(rdr.mT).tril();
    const rinvT = upperInverse(r).mT;
    return q.matmul(dr.add(tril.matmul(rinvT))).add(dq.sub(q.matmul(qdq)).matmul(rinvT));
  };
  if (m >= n) return square(Q, R, gQ, gR);
  const Y = A.narrow(-1, m, n - m);
  const U = R.narrow(-1, 0, m);
  const dV = gR.narrow(-1, m, n - m);
  const dX = square(Q, U, gQ.add(Y.matmul(dV.mT)), gR.narrow(-1, 0, m));
  return cat([dX, Q.matmul(dV)], -1);
}

/** `torch.qr`: `linalg.qr` in mode "reduced" (some) or "complete". */
const TORCH_QR = signature("qr", [arg("some", Bool, true)]);
export function qrSome(A: Tensor, ...args: ArgsOf<typeof TORCH_QR>): ReturnTuple<"Q" | "R"> {
  const { some } = TORCH_QR.parse(args);
  const [Q, R] = qr(A, some ? "reduced" : "complete");
  return returnTuple("qr", ["Q", "R"], [Q!, R!]);
}

/**
 * LAPACK's geqrf: R on and above the diagonal, the Householder vectors below
 * it, and their scales tau (`householder_product(a, tau)` is Q). Not differentiable, as in PyTorch.
 */
export function geqrf(A: Tensor): ReturnTuple<"a" | "tau"> {
  const { m, n } = checkMatrix("geqrf", A);
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const ad = new Float64Array(batch * m * n);
  const td = new Float64Array(batch * k);
  eachMatrix(A, m, n, (a, b) => {
    td.set(geqr2(a, m, n), b * k);
    ad.set(a, b * m * n);
  });
  return returnTuple("geqrf", ["a", "tau"], [batched(A, [m, n], ad), batched(A, [k], td)]);
}

/**
 * The first `cols` columns of H1 ... Hk, Hi = I - tau_i v_i v_i^T, v_i the
 * i-th column below the diagonal of A with a 1 on it: built from tensor ops,
 * so autograd differentiates it.
 */
function householderQ(A: Tensor, tau: Tensor, cols: number): Tensor {
  const m = A.shape[A.ndim - 2]!;
  const k = tau.shape[tau.ndim - 1]!;
  const V = A.narrow(-1, 0, k).tril(-1).add(eye(m, k, { dtype: A.dtype }));
  // Without reflectors Q is the identity, still a result of A for autograd (its gradient is zero), as in PyTorch.
  let Q = eye(m, cols, { dtype: A.dtype }).expand([...A.shape.slice(0, -2), m, cols]);
  if (k === 0 && (A.requires_grad || tau.requires_grad)) Q = Q.add(A.narrow(-1, 0, Math.min(cols, A.shape[A.ndim - 1]!)).sum().add(tau.sum()).mul(0));
  for (let i = k - 1; i >= 0; i--) {
    const v = V.narrow(-1, i, 1);
    const t = tau.narrow(-1, i, 1).unsqueeze(-1);
    Q = Q.sub(v.mul(t).matmul(v.mT.matmul(Q)));
  }
  return Q;
}

/** `torch.linalg.householder_product` (LAPACK's orgqr): the first n columns of the product of the reflectors (A, tau). */
export function householder_product(A: Tensor, tau: Tensor): Tensor {
  const { m, n } = checkMatrix("torch.linalg.householder_product", A);
  checkTensor(tau, "torch.linalg.householder_product", "tau", 2);
  if (m < n) throw new TsorchError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to input.shape[-1]");
  const k = tau.shape[tau.ndim - 1] ?? 0;
  if (k > n) throw new TsorchError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to tau.shape[-1]");
  if (tau.ndim !== A.ndim - 1) throw new TsorchError(`torch.linalg.householder_product: Expected tau to have one dimension less than input, but got tau.ndim equal to ${tau.ndim} and input.ndim is equal to ${A.ndim}`);
  return householderQ(A, tau, n);
}

/** `torch.ormqr`: `other` multiplied by the Q of geqrf's (A, tau), on the left or right, transposed when asked. */
const ORMQR = signature("ormqr", [arg("left", Bool, true), arg("transpose", Bool, false)], 3);
export function ormqr(A: Tensor, tau: Tensor, other: Tensor, ...args: ArgsOf<typeof ORMQR>): Tensor {
  const { left, transpose } = ORMQR.parse(args);
  checkTensor(A, "torch.ormqr");
  checkTensor(tau, "torch.ormqr", "tau", 2);
  checkTensor(other, "torch.ormqr", "other", 3);
  if (A.ndim < 2) throw new TsorchError("torch.ormqr: input must have at least 2 dimensions.");
  if (other.ndim < 2) throw new TsorchError("torch.ormqr: other must have at least 2 dimensions.");
  const side = left ? -2 : -1;
  if (tau.shape[tau.ndim - 1] !== Math.min(other.shape[other.ndim + side]!, A.shape[A.ndim - 1]!)) {
    throw new TsorchError(`torch.ormqr: tau.shape[-1] must be equal to min(other.shape[${side}], input.shape[-1])`);
  }
  checkMatrix("torch.ormqr", A);
  const m = A.shape[A.ndim - 2]!;
  const Q = householderQ(A, tau, m);
  const Qt = transpose ? Q.mT : Q;
  return left ? Qt.matmul(other) : other.matmul(Qt);
}

const SVD = signature("linalg_svd", [arg("full_matrices", Bool, true), kwarg("driver", optional(oneOf("gesvd", "gesvdj", "gesvda")), null)]);

/** Thin SVD of each matrix: U (m x k), S (k), V (n x k), in double precision. */
function svdBatch(A: Tensor, m: number, n: number): { U: Float64Array; S: Float64Array; V: Float64Array } {
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const U = new Float64Array(batch * m * k), S = new Float64Array(batch * k), V = new Float64Array(batch * n * k);
  eachMatrix(A, m, n, (a, b) => {
    const r = svd(a, m, n);
    U.set(r.u, b * m * k); S.set(r.s.subarray(0, k), b * k); V.set(r.v, b * n * k);
  });
  return { U, S, V };
}

/** The columns of each rows x k matrix completed to an orthonormal basis: rows x rows. */
function completeBasis(Q: Float64Array, batch: number, rows: number, k: number): Float64Array {
  const out = new Float64Array(batch * rows * rows);
  for (let b = 0; b < batch; b++) {
    const q = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) q[i * rows + j] = Q[(b * rows + i) * k + j]!;
    completeColumns(q, rows, rows, Array.from({ length: rows }, (_, j) => j < k));
    out.set(q, b * rows * rows);
  }
  return out;
}

/**
 * The singular value decomposition A = U diag(S) Vh of each matrix, S
 * descending. Singular vectors are unique only up to the sign of each pair
 * (u_i, v_i), and LAPACK's choice depends on its divide-and-conquer path:
 * tsorch signs each pair so the largest entry of u_i is positive, which
 * PyTorch's signs match or mirror; U diag(S) Vh, S, |U|, |Vh| and every
 * sign-invariant function of them are PyTorch's. With `full_matrices` the
 * extra columns of U and rows of Vh complete the orthonormal bases (any such
 * basis is a valid one; only their span is determined). Differentiable as
 * PyTorch's (with full_matrices, through the first k vectors).
 *
 * @example
 * const { U, S, Vh } = torch.linalg.svd(A, { full_matrices: false });
 * U.mul(S.unsqueeze(-2)).matmul(Vh)   // A
 */
export function linalgSvd(A: Tensor, ...args: ArgsOf<typeof SVD>): ReturnTuple<"U" | "S" | "Vh"> {
  const { full_matrices } = SVD.parse(args);
  const [U, S, Vh] = svdCore("linalg.svd", A, full_matrices, true);
  return returnTuple("linalg_svd", ["U", "S", "Vh"], [U, S, Vh]);
}

function svdCore(fn: string, A: Tensor, full: boolean, recordGrad: boolean): [Tensor, Tensor, Tensor] {
  const { m, n } = checkMatrix(fn, A);
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const r = svdBatch(A, m, n);
  const U = full ? batched(A, [m, m], completeBasis(r.U, batch, m, k)) : batched(A, [m, k], r.U);
  const V = full ? batched(A, [n, n], completeBasis(r.V, batch, n, k)) : batched(A, [n, k], r.V);
  const S = batched(A, [k], r.S);
  const Vh = V.mT.contiguous();
  if (recordGrad && is_grad_enabled() && A.requires_grad) {
    record("LinalgSvdBackward0", [U, S, Vh], [A], ([gU, gS, gVh]) => {
      const Uk = U.detach().narrow(-1, 0, k), Vk = Vh.detach().narrow(-2, 0, k).mT;
      return [svdBackward(Uk, S.detach(), Vk, gU ? gU.narrow(-1, 0, k) : null, gS ?? null, gVh ? gVh.narrow(-2, 0, k).mT : null)];
    });
  }
  return [U, S, Vh];
}

/**
 * The gradient of A = U diag(S) V^T (thin, real; Townsend's formula):
 * U [F o (U^T gU - gU^T U) S + diag(gS) + S F o (V^T gV - gV^T V)] V^T
 * + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T), F_ij = 1 / (s_j^2 - s_i^2).
 */
function svdBackward(U: Tensor, S: Tensor, V: Tensor, gU: Tensor | null, gS: Tensor | null, gV: Tensor | null): Tensor {
  const m = U.shape[U.ndim - 2]!, n = V.shape[V.ndim - 2]!;
  let inner = gS ? diag_embed(gS) : diag_embed(S.mul(0));
  if (!gU && !gV) return U.matmul(inner).matmul(V.mT);
  const s2 = S.mul(S);
  const diff = s2.unsqueeze(-2).sub(s2.unsqueeze(-1)); // s_j^2 - s_i^2 at [i, j]
  const F = diff.reciprocal().masked_fill(eye(S.shape[S.ndim - 1]!, { dtype: S.dtype }).bool(), 0);
  const Srow = S.unsqueeze(-2), Scol = S.unsqueeze(-1);
  const Sinv = S.reciprocal();
  let rest: Tensor | null = null;
  if (gU) {
    const utgu = U.mT.matmul(gU);
    inner = inner.add(F.mul(utgu.sub(utgu.mT)).mul(Srow));
    if (m > S.shape[S.ndim - 1]!) rest = gU.sub(U.matmul(utgu)).mul(Sinv.unsqueeze(-2)).matmul(V.mT);
  }
  if (gV) {
    const vtgv = V.mT.matmul(gV);
    inner = inner.add(Scol.mul(F.mul(vtgv.sub(vtgv.mT))));
    if (n > S.shape[S.ndim - 1]!) {
      const part = U.mul(Sinv.unsqueeze(-2)).matmul(gV.mT.sub(gV.mT.matmul(V).matmul(V.mT)));
      rest = rest ? rest.add(part) : part;
    }
  }
  const main = U.matmul(inner).matmul(V.mT);
  return rest ? main.add(rest) : main;
}

/**
 * `torch.svd` (the older form): U, S and V (not V^T), reduced when `some`;
 * with `compute_uv` false, U and V are zero-filled, as in PyTorch.
 */
const TORCH_SVD = signature("svd", [arg("some", Bool, true), arg("compute_uv", Bool, true)]);
export function svdOld(A: Tensor, ...args: ArgsOf<typeof TORCH_SVD>): ReturnTuple<"U" | "S" | "V"> {
  const { some, compute_uv } = TORCH_SVD.parse(args);
  const { m, n } = checkMatrix("svd", A);
  if (!compute_uv) {
    const S = svdvals(A);
    const b = A.shape.slice(0, -2);
    return returnTuple("svd", ["U", "S", "V"], [zeros([...b, m, m], { dtype: A.dtype }), S, zeros([...b, n, n], { dtype: A.dtype })]);
  }
  const [U, S, Vh] = svdCore("svd", A, !some, true);
  return returnTuple("svd", ["U", "S", "V"], [U, S, Vh.mT]);
}

const EIGH = signature("linalg_eigh", [arg("UPLO", oneOf("L", "U"), "L")]);

/**
 * The eigenvalues (ascending) and eigenvectors (columns) of each symmetric
 * matrix, read from its lower ("L") or upper ("U") triangle. Each
 * eigenvector is unique only up to its sign; tsorch signs each so its
 * largest entry is positive (LAPACK's syevd signs come from its own
 * tridiagonal path), so Q diag(L) Q^T, L, |Q| and every sign-invariant
 * function of them are PyTorch's. Differentiable as PyTorch's.
 *
 * @example
 * const { eigenvalues, eigenvectors } = torch.linalg.eigh(torch.tensor([[2, 1], [1, 2]]).float());
 * // eigenvalues = [1, 3], eigenvectors = [[0.7071, 0.7071], [-0.7071, 0.7071]]
 */
export function eigh(A: Tensor, ...args: ArgsOf<typeof EIGH>): ReturnTuple<"eigenvalues" | "eigenvectors"> {
  const { UPLO } = EIGH.parse(args);
  const [L, Q] = eighCore(A, UPLO);
  return returnTuple("linalg_eigh", ["eigenvalues", "eigenvectors"], [L, Q]);
}

function eighCore(A: Tensor, UPLO: "L" | "U"): [Tensor, Tensor] {
  const { m, n } = checkMatrix("linalg.eigh", A);
  if (m !== n) throw new TsorchError(`linalg.eigh: A must be batches of square matrices, but they are ${m} by ${n} matrices`);
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const ld = new Float64Array(batch * n), qd = new Float64Array(batch * n * n);
  eachMatrix(A, n, n, (a, b) => {
    symmetrize(a, n, UPLO);
    const r = jacobiEigen(a, n, true);
    ld.set(r.values, b * n);
    qd.set(r.vectors, b * n * n);
  });
  const L = batched(A, [n], ld);
  const Q = batched(A, [n, n], qd);
  if (is_grad_enabled() && A.requires_grad) {
    record("LinalgEighBackward0", [L, Q], [A], ([gL, gQ]) => [eighBackward(L.detach(), Q.detach(), gL ?? null, gQ ?? null)]);
  }
  return [L, Q];
}

/** The symmetric matrix the lower ("L") or upper ("U") triangle of `a` describes, in place. */
function symmetrize(a: Float64Array, n: number, UPLO: "L" | "U"): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i !== j && (i >= j) !== (UPLO === "L")) a[i * n + j] = a[j * n + i]!;
  }
}

/** The gradient of A = Q diag(L) Q^T: Q (diag(gL) + skew(Q^T gQ) / (L_j - L_i)) Q^T. */
function eighBackward(L: Tensor, Q: Tensor, gL: Tensor | null, gQ: Tensor | null): Tensor {
  let inner = gL ? diag_embed(gL) : diag_embed(L.mul(0));
  if (gQ) {
    const n = L.shape[L.ndim - 1]!;
    const qtg = Q.mT.matmul(gQ);
    const skew = qtg.sub(qtg.mT).mul(0.5);
    const E = L.unsqueeze(-2).sub(L.unsqueeze(-1)).masked_fill(eye(n, { dtype: L.dtype }).bool(), 1);
    inner = inner.add(skew.div(E).masked_fill(eye(n, { dtype: L.dtype }).bool(), 0));
  }
  return Q.matmul(inner).matmul(Q.mT);
}

// ---------------------------------------------------------------- randomized low-rank SVD

/**
 * An orthonormal basis (m x q) approximately spanning the range of A - M
 * (Halko, Martinsson and Tropp 2009, algorithm 4.4): a Gaussian sketch from
 * the seeded generator, refined by `niter` power iterations, each
 * orthonormalised by QR, in PyTorch's order of random draws and products.
 */
function approximateBasis(A: Tensor, q: number, niter: number, M: Tensor | null): Tensor {
  const R = randn([A.shape[A.ndim - 1]!, q], { dtype: A.dtype });
  const sketch = (X: Tensor, Y: Tensor) => (M ? X.matmul(Y).sub(M.matmul(Y)) : X.matmul(Y));
  const sketchH = (Y: Tensor) => (M ? A.mT.matmul(Y).sub(M.mT.matmul(Y)) : A.mT.matmul(Y));
  let Q = qr(sketch(A, R))[0]!;
  for (let i = 0; i < niter; i++) {
    Q = qr(sketchH(Q))[0]!;
    Q = qr(sketch(A, Q))[0]!;
  }
  return Q;
}

const SVD_LOWRANK = signature("svd_lowrank", [arg("q", optional(Int), 6), arg("niter", optional(Int), 2), arg("M", optional(TensorT), null)]);

/**
 * `torch.svd_lowrank`: an approximate rank-q SVD (U, S, V) of A (or A - M)
 * by randomized range finding, drawing from the seeded generator as PyTorch
 * does. Each pair of singular vectors is determined up to its sign, as
 * linalg.svd's (here the sign of the small SVD's vector, carried through Q).
 */
export function svd_lowrank(A: Tensor, ...args: ArgsOf<typeof SVD_LOWRANK>): ReturnTuple<"U" | "S" | "V"> {
  const { q, niter, M: Min } = SVD_LOWRANK.parse(args);
  const { m, n } = checkMatrix("svd_lowrank", A);
  const wide = m < n;
  const X = wide ? A.mT : A;
  const M = Min ? (wide ? Min.expand(A.shape).mT : Min.expand(A.shape)) : null;
  const Q = approximateBasis(X, q ?? 6, niter ?? 2, M);
  const B = M ? Q.mT.matmul(X).sub(Q.mT.matmul(M)) : Q.mT.matmul(X);
  const [Ub, S, Vh] = linalgSvd(B, false);
  const U = Q.matmul(Ub!), V = Vh!.mT;
  return returnTuple("svd_lowrank", ["U", "S", "V"], wide ? [V, S!, U] : [U, S!, V]);
}

const PCA_LOWRANK = signature("pca_lowrank", [arg("q", optional(Int), null), arg("center", Bool, true), arg("niter", Int, 2)]);

/** `torch.pca_lowrank`: svd_lowrank of A with its column means removed (when `center`); q defaults to min(6, m, n). */
export function pca_lowrank(A: Tensor, ...args: ArgsOf<typeof PCA_LOWRANK>): ReturnTuple<"U" | "S" | "V"> {
  const { q, center, niter } = PCA_LOWRANK.parse(args);
  const { m, n } = checkMatrix("pca_lowrank", A);
  const X = center ? A.sub(A.mean(-2, true)) : A;
  return svd_lowrank(X, q ?? Math.min(6, m, n), niter);
}
