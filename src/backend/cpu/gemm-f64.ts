/**
 * Double-precision matrix multiply (DGEMM) in pure TypeScript, one thread: what `F.linear` runs for
 * float64 tensors, so that a float64 network is float64-accurate end to end (PyTorch multiplies
 * double matrices in double; `torch.autograd.gradcheck` relies on it).
 *
 *     C = alpha * op(A) * op(B) + beta * C        op(X) = X or X^T
 *
 * Same contract as `sgemm` (gemm.ts) on Float64Arrays: row-major, element (i, j) of a matrix with
 * leading dimension `ld` at `offset` is `X[offset + i*ld + j]`; `op(A)` is M x K, `op(B)` K x N,
 * C M x N; `beta = 0` overwrites C. This one favours plain code over the last factor of speed.
 * Measured (bench/f64-twins.ts): this twin does not pay for speed: `sgemm`'s packed loop fed both types runs float64 in 0.6x this one's time and float32 at 1.00-1.02x; it stays because that loop sums in another order (float64 results would change in their last bits).
 *
 * The loop is i-k-j: row i of C gets `a[i, k] * (row k of op(B))` added for every k, so the innermost
 * loop walks C and B rows sequentially. Four k's are combined per pass over the C row (one load and
 * one store of C per four multiply-adds). op(B) is read in blocks of KC rows by NC columns, small
 * enough to stay in cache while every row of A passes over them; a transposed B (the `W^T` of every
 * Linear layer) is first copied into such a block in row-major order.
 *
 * @example
 * // C(2x2) = A(2x3) * B(3x2)
 * const A = new Float64Array([1, 2, 3, 4, 5, 6]);
 * const B = new Float64Array([1, 0, 0, 1, 1, 1]);
 * const C = new Float64Array(4);
 * dgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2); // C = [4, 5, 10, 11]
 */
import { ArgumentError } from "../../errors.js";
import { ScratchSlot, scratchF64 } from "./scratch.js";
import { operandStrides } from "./gemm.js";

/** Rows of op(B) per block. */
const KC = 128;
/** Columns of op(B) per block (a C row segment and four B rows of it fit in L1). */
const NC = 256;

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new ArgumentError(`dgemm: ${name} must be a non-negative integer, but got ${v}`, name, "RuntimeError");
  }
}

/** Checks that a rows x cols matrix with leading dimension ld at offset fits in an array of length len. */
function checkMatrix(name: string, len: number, offset: number, rows: number, cols: number, ld: number): void {
  if (rows === 0 || cols === 0) return;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(ld) || ld < cols) {
    throw new ArgumentError(
      `dgemm: ${name} needs a non-negative offset and a leading dimension of at least ${cols}, but got offset=${offset} and ld=${ld}`,
      name, "RuntimeError");
  }
  const last = offset + (rows - 1) * ld + cols - 1;
  if (last >= len) {
    throw new ArgumentError(
      `dgemm: ${name} (${rows}x${cols}, ld=${ld}, offset=${offset}) reads element ${last} of an array of length ${len}`,
      name, "RuntimeError");
  }
}

/** `C = beta * C` over an M x N block; `beta = 0` writes zeros (whatever C held, NaN included). */
function scaleRows(beta: number, C: Float64Array, cOff: number, M: number, N: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) C.fill(0, row, row + N);
    else for (let j = 0; j < N; j++) C[row + j]! *= beta;
  }
}

/** Rows [k0, k0+kc) and columns [j0, j0+nc) of op(B) = B^T (B stored N x K), row-major into `panel`. */
function packTransposed(B: Float64Array, bOff: number, ldb: number, k0: number, kc: number, j0: number, nc: number, panel: Float64Array): void {
  for (let j = 0; j < nc; j++) {
    const src = bOff + (j0 + j) * ldb + k0;
    for (let k = 0; k < kc; k++) panel[k * nc + j] = B[src + k]!;
  }
}

/**
 * BLAS-style DGEMM on row-major Float64Arrays: `C = alpha * op(A) * op(B) + beta * C`.
 *
 * - `transA`: false -> A is stored M x K (`A[aOffset + i*lda + k]`); true -> stored K x M.
 * - `transB`: false -> B is stored K x N (`B[bOffset + k*ldb + j]`); true -> stored N x K.
 * - C is M x N at `C[cOffset + i*ldc + j]`.
 *
 * Throws `ArgumentError` when a size is not a non-negative integer or a matrix does not fit its array.
 */
export function dgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float64Array,
  aOffset: number,
  lda: number,
  B: Float64Array,
  bOffset: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOffset: number,
  ldc: number,
): void {
  checkDim("M", M);
  checkDim("N", N);
  checkDim("K", K);
  checkMatrix("A", A.length, aOffset, transA ? K : M, transA ? M : K, lda);
  checkMatrix("B", B.length, bOffset, transB ? N : K, transB ? K : N, ldb);
  checkMatrix("C", C.length, cOffset, M, N, ldc);
  if (M === 0 || N === 0) return;
  scaleRows(beta, C, cOffset, M, N, ldc);
  if (K === 0 || alpha === 0) return;
  // op(A)[i, k] is A[aOffset + i*ars + k*acs].
  const [ars, acs] = operandStrides(transA, lda);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      // The block of op(B): row k at P[pOff + k*ldp].
      let P = B;
      let pOff = bOffset + k0 * ldb + j0;
      let ldp = ldb;
      if (transB) {
        P = scratchF64(ScratchSlot.PackB, kc * nc);
        packTransposed(B, bOffset, ldb, k0, kc, j0, nc, P);
        pOff = 0;
        ldp = nc;
      }
      for (let i = 0; i < M; i++) {
        const c = cOffset + i * ldc + j0;
        const a = aOffset + i * ars + k0 * acs;
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const a0 = alpha * A[a + k * acs]!;
          const a1 = alpha * A[a + (k + 1) * acs]!;
          const a2 = alpha * A[a + (k + 2) * acs]!;
          const a3 = alpha * A[a + (k + 3) * acs]!;
          const p0 = pOff + k * ldp;
          const p1 = p0 + ldp;
          const p2 = p1 + ldp;
          const p3 = p2 + ldp;
          for (let j = 0; j < nc; j++) {
            C[c + j] = C[c + j]! + (a0 * P[p0 + j]! + a1 * P[p1 + j]! + a2 * P[p2 + j]! + a3 * P[p3 + j]!);
          }
        }
        for (; k < kc; k++) {
          const a0 = alpha * A[a + k * acs]!;
          const p0 = pOff + k * ldp;
          for (let j = 0; j < nc; j++) C[c + j] = C[c + j]! + a0 * P[p0 + j]!;
        }
      }
    }
  }
}
