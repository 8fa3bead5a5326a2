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
import { TsorchError } from "../errors.js";
import { int64 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { checkTensor } from "./operand.js";
import { type ArgsOf, Bool, Float, TensorT, arg, kwarg, oneOf, optional, signature, union } from "./signature.js";
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
  // Left vectors of W: its normalised columns; right vectors: V's columns.
  const lw = new Float64Array(r * k);
  const rv = new Float64Array(c * k);
  order.forEach((j, col) => {
    const nrm = norms[j]!;
    for (let i = 0; i < r; i++) lw[i * k + col] = nrm > 0 ? w[i * c + j]! / nrm : 0;
    for (let i = 0; i < c; i++) rv[i * k + col] = v[i * c + j]!;
  });
  // A = W (tall) or W^T: swap the roles of the vectors for a wide matrix.
  return tall ? { u: lw, s, v: rv, m, n, k } : { u: rv, s, v: lw, m, n, k };
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
    // The symmetric matrix the chosen triangle describes.
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const lower = i >= j;
      if (lower !== (UPLO === "L") && i !== j) a[i * n + j] = a[j * n + i]!;
    }
    o.set(jacobiEigenvalues(a, n));
  });
  return Tensor._fromData(new A.dtype.ArrayType(out), [...A.shape.slice(0, -2), n], A.dtype);
}

/** Cyclic Jacobi rotations on a symmetric matrix (destroyed): its eigenvalues, ascending. */
function jacobiEigenvalues(a: Float64Array, n: number): number[] {
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
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
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
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
