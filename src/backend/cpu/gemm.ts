/**
 * Matrix multiply (SGEMM, and DGEMM on Float64Arrays) in pure TypeScript, one thread.
 *
 *     C = alpha * op(A) * op(B) + beta * C        op(X) = X or X^T
 *
 * Matrices are row-major Float32Array or Float64Array views (all three of one
 * type): element (i, j) of a matrix with leading dimension `ld` at `offset` is
 * `X[offset + i*ld + j]`. `op(A)` is M x K, `op(B)` is K x N, C is M x N.
 *
 * How it is fast without SIMD (the GotoBLAS/BLIS layout, scaled to what V8's
 * optimising compiler does well):
 *
 * - **Packing.** Blocks of op(A) and op(B) are copied into Float64Array
 *   panels laid out in exactly the order the micro-kernel reads them (4-row
 *   slivers of A, 4-column slivers of B, k-major). Every inner-loop load is
 *   then sequential, transposes cost nothing in the inner loop, and the
 *   values are already doubles (no float->double conversion per use).
 *   Packing is O(MK + KN) against O(MNK) arithmetic.
 * - **Register blocking.** The micro-kernel (`micro-kernels.ts`) keeps a 4x4
 *   tile of C in 16 local doubles and, per k, loads 4 values of A and 4 of B
 *   for 16 multiply-adds (why 4x4 is explained there).
 * - **Cache blocking.** K is split into blocks of at most 512 (a 4-column
 *   B sliver of kc doubles stays in L1 while it meets every A sliver), M into
 *   blocks of 128 rows (the packed A block stays in L2), N into blocks of
 *   1024 columns (the packed B panel).
 * - **Accumulation in double.** Sums run in float64 and are rounded to float32
 *   once per K block, so results are at least as accurate as PyTorch's float32
 *   BLAS; this is why the kernels match PyTorch to 1e-5 relative.
 * - **One loop for both dtypes.** float64 tensors run the same code on
 *   Float64Arrays (C then holds doubles, nothing is rounded to float32).
 *   Measured (bench/f64-twins.ts): fed both types it runs float32 at
 *   0.95-1.04x a float32-only copy, and float64 in 0.5-0.6x the time of the
 *   plain i-k-j DGEMM it replaced.
 * - **Skinny shapes** (fewer than 4 rows or columns: a matrix-vector product,
 *   a Linear layer at batch 1) skip packing and padding and run a direct
 *   strided loop: packing would cost as much as the arithmetic there.
 * - **No allocation per call.** Panels live in growable scratch buffers
 *   (`scratch.ts`) that are reused by every call.
 *
 * @example
 * // C(2x2) = A(2x3) * B(3x2)
 * const A = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const B = new Float32Array([1, 0, 0, 1, 1, 1]);
 * const C = new Float32Array(4);
 * sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2); // C = [4, 5, 10, 11]
 */
import { ArgumentError } from "../../errors.js";
import { MR, NR, microKernel } from "./micro-kernels.js";
import { ScratchSlot, scratchF64 } from "./scratch.js";
import type { FloatArray } from "./float-array.js";

/** Largest K block. */
export const KC_MAX = 512;
/** M block: rows of A packed at once. */
export const MC = 128;
/** N block: columns of B packed at once. */
export const NC = 1024;

/**
 * Splits K into `ceil(K / KC_MAX)` nearly equal blocks and returns the block length, so that the last
 * block is never a sliver (K = 576 runs as 2 x 288, not 512 + 64).
 */
export function kBlock(K: number): number {
  const blocks = Math.ceil(K / KC_MAX);
  return Math.ceil(K / blocks);
}

/** Packed length (in doubles) of an `mc x kc` block of A or a `kc x nc` block of B. */
export function packedLength(rowsOrCols: number, kc: number): number {
  return Math.ceil(rowsOrCols / 4) * 4 * kc;
}

/**
 * Packs the `mc x kc` block of a matrix whose element (i, k) is `A[aOff + i*rsA + k*csA]` into `P` at
 * `pOff` as 4-row slivers: sliver s holds rows 4s..4s+3, and element (4s+r, k) goes to
 * `P[pOff + s*4*kc + k*4 + r]`. Rows past `mc` are zero so the micro-kernel can always run 4x4.
 */
export function packA(
  A: FloatArray,
  aOff: number,
  rsA: number,
  csA: number,
  mc: number,
  kc: number,
  P: Float64Array,
  pOff: number,
): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    const sliver = pOff + i * kc;
    for (let r = 0; r < MR; r++) {
      let d = sliver + r;
      if (r < rows) {
        let s = aOff + (i + r) * rsA;
        for (let k = 0; k < kc; k++) {
          P[d] = A[s];
          d = (d + MR) | 0;
          s = (s + csA) | 0;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          P[d] = 0;
          d = (d + MR) | 0;
        }
      }
    }
  }
}

/**
 * Packs the `kc x nc` block of a matrix whose element (k, j) is `B[bOff + k*rsB + j*csB]` into `P` at
 * `pOff` as 4-column slivers: element (k, 4s+c) goes to `P[pOff + s*4*kc + k*4 + c]`. Columns past
 * `nc` are zero.
 */
export function packB(
  B: FloatArray,
  bOff: number,
  rsB: number,
  csB: number,
  kc: number,
  nc: number,
  P: Float64Array,
  pOff: number,
): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    let d = pOff + j * kc;
    let s = bOff + j * csB;
    if (cols === NR) {
      const c1 = csB, c2 = 2 * csB, c3 = 3 * csB;
      for (let k = 0; k < kc; k++) {
        P[d] = B[s];
        P[d + 1] = B[s + c1];
        P[d + 2] = B[s + c2];
        P[d + 3] = B[s + c3];
        d = (d + NR) | 0;
        s = (s + rsB) | 0;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < NR; c++) P[d + c] = c < cols ? B[s + c * csB] : 0;
        d = (d + NR) | 0;
        s = (s + rsB) | 0;
      }
    }
  }
}

/**
 * Packs a `kc x nc` block of a *gathered* matrix `G(k, j) = X[xBase + rowOffs[r0 + k] + colOffs[c0 + j]]`
 * into 4-column slivers (the layout of `packB`). For a convolution over a zero-padded input this is
 * im2col and packing in one pass: rows are kernel elements and columns output positions (forward), or
 * the other way round (weight gradient).
 */
export function packBGather(
  X: FloatArray,
  xBase: number,
  rowOffs: Int32Array,
  r0: number,
  kc: number,
  colOffs: Int32Array,
  c0: number,
  nc: number,
  P: Float64Array,
  pOff: number,
): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    let d = pOff + j * kc;
    const q0 = xBase + colOffs[c0 + j];
    if (cols === NR) {
      const q1 = xBase + colOffs[c0 + j + 1];
      const q2 = xBase + colOffs[c0 + j + 2];
      const q3 = xBase + colOffs[c0 + j + 3];
      for (let k = 0; k < kc; k++) {
        const r = rowOffs[r0 + k];
        P[d] = X[q0 + r];
        P[d + 1] = X[q1 + r];
        P[d + 2] = X[q2 + r];
        P[d + 3] = X[q3 + r];
        d = (d + NR) | 0;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const r = rowOffs[r0 + k];
        for (let c = 0; c < NR; c++) P[d + c] = c < cols ? X[xBase + colOffs[c0 + j + c] + r] : 0;
        d = (d + NR) | 0;
      }
    }
  }
}

/**
 * Runs the micro-kernel over a packed `mc x kc` A block (at `aOff` in `P`) and a packed `kc x nc` B panel
 * (at `bOff`): `C[block] += alpha * A * B`, where the block's element (i, j) is `C[cOff + i*rsc + j*csc]`.
 * B slivers are the outer loop so each stays in L1 while every A sliver passes over it.
 */
export function macroKernel(
  P: Float64Array,
  aOff: number,
  bOff: number,
  mc: number,
  nc: number,
  kc: number,
  alpha: number,
  C: FloatArray,
  cOff: number,
  rsc: number,
  csc: number,
): void {
  for (let j = 0; j < nc; j += NR) {
    const nr = nc - j < NR ? nc - j : NR;
    const pb = bOff + j * kc;
    const cj = cOff + j * csc;
    for (let i = 0; i < mc; i += MR) {
      const mr = mc - i < MR ? mc - i : MR;
      microKernel(kc, P, aOff + i * kc, pb, alpha, C, cj + i * rsc, rsc, csc, mr, nr);
    }
  }
}

/** `C[block] *= beta` over an `M x N` block (beta = 0 writes zeros, ignoring NaN in C, as BLAS does). */
export function scaleMatrix(beta: number, C: FloatArray, cOff: number, M: number, N: number, rsc: number, csc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    let p = cOff + i * rsc;
    if (beta === 0) {
      if (csc === 1) C.fill(0, p, p + N);
      else for (let j = 0; j < N; j++, p += csc) C[p] = 0;
    } else {
      for (let j = 0; j < N; j++, p += csc) C[p] = beta * C[p];
    }
  }
}

/**
 * Direct strided product for skinny shapes (M < 4): `C += alpha * op(A) * op(B)`, eight (then four,
 * then one) columns at a time with double accumulators, no packing.
 */
function gemmSkinny(
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  rsA: number,
  csA: number,
  B: FloatArray,
  bOff: number,
  rsB: number,
  csB: number,
  C: FloatArray,
  cOff: number,
  rsc: number,
  csc: number,
): void {
  const b1 = csB, b2 = 2 * csB, b3 = 3 * csB;
  for (let i = 0; i < M; i++) {
    const a0 = aOff + i * rsA;
    const ci = cOff + i * rsc;
    let j = 0;
    // Eight columns per pass where possible: one load of A serves 8 multiply-adds (about 10% faster
    // than four for a Linear layer at batch 1).
    const b4 = 4 * csB, b5 = 5 * csB, b6 = 6 * csB, b7 = 7 * csB;
    for (; j + 8 <= N; j += 8) {
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
      let pa = a0;
      let pb = bOff + j * csB;
      for (let k = 0; k < K; k++) {
        const a = A[pa];
        s0 += a * B[pb];
        s1 += a * B[(pb + b1) | 0];
        s2 += a * B[(pb + b2) | 0];
        s3 += a * B[(pb + b3) | 0];
        s4 += a * B[(pb + b4) | 0];
        s5 += a * B[(pb + b5) | 0];
        s6 += a * B[(pb + b6) | 0];
        s7 += a * B[(pb + b7) | 0];
        pa = (pa + csA) | 0;
        pb = (pb + rsB) | 0;
      }
      const c = ci + j * csc;
      C[c] += alpha * s0;
      C[c + csc] += alpha * s1;
      C[c + 2 * csc] += alpha * s2;
      C[c + 3 * csc] += alpha * s3;
      C[c + 4 * csc] += alpha * s4;
      C[c + 5 * csc] += alpha * s5;
      C[c + 6 * csc] += alpha * s6;
      C[c + 7 * csc] += alpha * s7;
    }
    for (; j + 4 <= N; j += 4) {
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      let pa = a0;
      let pb = bOff + j * csB;
      for (let k = 0; k < K; k++) {
        const a = A[pa];
        s0 += a * B[pb];
        s1 += a * B[(pb + b1) | 0];
        s2 += a * B[(pb + b2) | 0];
        s3 += a * B[(pb + b3) | 0];
        pa = (pa + csA) | 0;
        pb = (pb + rsB) | 0;
      }
      const c = ci + j * csc;
      C[c] += alpha * s0;
      C[c + csc] += alpha * s1;
      C[c + 2 * csc] += alpha * s2;
      C[c + 3 * csc] += alpha * s3;
    }
    for (; j < N; j++) {
      let s = 0.0;
      let pa = a0;
      let pb = bOff + j * csB;
      for (let k = 0; k < K; k++) {
        s += A[pa] * B[pb];
        pa = (pa + csA) | 0;
        pb = (pb + rsB) | 0;
      }
      C[ci + j * csc] += alpha * s;
    }
  }
}

/**
 * `C += alpha * op(A) * op(B)` for any strides: op(A)(i, k) = `A[aOff + i*rsA + k*csA]`,
 * op(B)(k, j) = `B[bOff + k*rsB + j*csB]`, C(i, j) = `C[cOff + i*rsc + j*csc]`. The engine behind
 * `sgemm`; C is not scaled here.
 */
export function gemmAccumulate(
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  rsA: number,
  csA: number,
  B: FloatArray,
  bOff: number,
  rsB: number,
  csB: number,
  C: FloatArray,
  cOff: number,
  rsc: number,
  csc: number,
): void {
  if (M === 0 || N === 0 || K === 0 || alpha === 0) return;
  if (M < MR || N < NR) {
    // Skinny: make the short side the rows (C^T = op(B)^T op(A)^T just swaps the strides).
    if (M <= N) gemmSkinny(M, N, K, alpha, A, aOff, rsA, csA, B, bOff, rsB, csB, C, cOff, rsc, csc);
    else gemmSkinny(N, M, K, alpha, B, bOff, csB, rsB, A, aOff, csA, rsA, C, cOff, csc, rsc);
    return;
  }
  const kcMax = kBlock(K);
  const ncMax = Math.min(N, NC);
  const mcMax = Math.min(M, MC);
  const bLen = packedLength(ncMax, kcMax);
  const P = scratchF64(ScratchSlot.PackA, packedLength(mcMax, kcMax) + bLen);
  const aBase = bLen;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcMax) {
      const kc = Math.min(kcMax, K - pc);
      packB(B, bOff + pc * rsB + jc * csB, rsB, csB, kc, nc, P, 0);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(A, aOff + ic * rsA + pc * csA, rsA, csA, mc, kc, P, aBase);
        macroKernel(P, aBase, 0, mc, nc, kc, alpha, C, cOff + ic * rsc + jc * csc, rsc, csc);
      }
    }
  }
}

/** The BLAS name of the product on `C`'s element type, for error messages. */
function blasName(C: FloatArray): string {
  return C.BYTES_PER_ELEMENT === 8 ? "dgemm" : "sgemm";
}

function checkDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new ArgumentError(`${op}: ${name} must be a non-negative integer, but got ${v}`, name, "RuntimeError");
  }
}

/** Runs on every product, so without allocating (a Linear layer at batch 1 is a few microseconds). */
function checkDims(op: string, M: number, N: number, K: number): void {
  checkDim(op, "M", M);
  checkDim(op, "N", N);
  checkDim(op, "K", K);
}

/** Checks that a rows x cols matrix with leading dimension ld at offset fits in an array of length len. */
function checkMatrix(op: string, name: string, len: number, offset: number, rows: number, cols: number, ld: number): void {
  if (rows === 0 || cols === 0) return;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(ld) || ld < cols) {
    throw new ArgumentError(
      `${op}: ${name} needs a non-negative offset and a leading dimension of at least ${cols}, but got offset=${offset} and ld=${ld}`,
      name,
      "RuntimeError",
    );
  }
  const last = offset + (rows - 1) * ld + cols - 1;
  if (last >= len) {
    throw new ArgumentError(
      `${op}: ${name} (${rows}x${cols}, ld=${ld}, offset=${offset}) reads element ${last} of an array of length ${len}`,
      name,
      "RuntimeError",
    );
  }
}

/**
 * The row and column strides of op(X) for a BLAS operand stored with leading dimension `ld`:
 * element (i, k) of op(X) is `X[offset + i*rs + k*cs]` with `[rs, cs] = operandStrides(trans, ld)`.
 */
export function operandStrides(trans: boolean, ld: number): [rs: number, cs: number] {
  return trans ? [1, ld] : [ld, 1];
}

/** Throws `ArgumentError` unless the sizes are non-negative integers and every matrix fits its array. */
export function checkSgemmArgs(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOffset: number,
  lda: number,
  B: FloatArray,
  bOffset: number,
  ldb: number,
  C: FloatArray,
  cOffset: number,
  ldc: number,
): void {
  const op = blasName(C);
  checkDims(op, M, N, K);
  checkMatrix(op, "A", A.length, aOffset, transA ? K : M, transA ? M : K, lda);
  checkMatrix(op, "B", B.length, bOffset, transB ? N : K, transB ? K : N, ldb);
  checkMatrix(op, "C", C.length, cOffset, M, N, ldc);
}

/**
 * BLAS-style SGEMM on row-major Float32Arrays, DGEMM on Float64Arrays:
 * `C = alpha * op(A) * op(B) + beta * C`.
 *
 * - `transA`: false -> A is stored M x K (`A[aOffset + i*lda + k]`); true -> stored K x M.
 * - `transB`: false -> B is stored K x N (`B[bOffset + k*ldb + j]`); true -> stored N x K.
 * - C is M x N at `C[cOffset + i*ldc + j]`. `beta = 0` overwrites C (NaN in C is ignored).
 *
 * Throws `ArgumentError` when a matrix does not fit its array.
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOffset: number,
  lda: number,
  B: FloatArray,
  bOffset: number,
  ldb: number,
  beta: number,
  C: FloatArray,
  cOffset: number,
  ldc: number,
): void {
  checkSgemmArgs(transA, transB, M, N, K, A, aOffset, lda, B, bOffset, ldb, C, cOffset, ldc);
  if (M === 0 || N === 0) return;
  scaleMatrix(beta, C, cOffset, M, N, ldc, 1);
  const [rsA, csA] = operandStrides(transA, lda);
  const [rsB, csB] = operandStrides(transB, ldb);
  gemmAccumulate(M, N, K, alpha, A, aOffset, rsA, csA, B, bOffset, rsB, csB, C, cOffset, ldc, 1);
}

/**
 * Batched SGEMM: for b in 0..batch-1, `C_b = alpha * op(A_b) * op(B_b) + beta * C_b`, where
 * `X_b` starts at `xOffset + b*strideX`. A stride of 0 broadcasts one matrix over the batch
 * (`torch.matmul` of a batch with a single weight).
 */
export function sgemmBatched(
  transA: boolean,
  transB: boolean,
  batch: number,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOffset: number,
  lda: number,
  strideA: number,
  B: FloatArray,
  bOffset: number,
  ldb: number,
  strideB: number,
  beta: number,
  C: FloatArray,
  cOffset: number,
  ldc: number,
  strideC: number,
): void {
  if (!Number.isInteger(batch) || batch < 0) {
    throw new ArgumentError(`sgemmBatched: batch must be a non-negative integer, but got ${batch}`, "batch", "RuntimeError");
  }
  if (batch === 0) return;
  const op = blasName(C);
  checkDims(op, M, N, K);
  // Check the last matrix of each operand; the first is checked by the same arithmetic with b = 0.
  const last = batch - 1;
  checkMatrix(op, "A", A.length, aOffset + last * strideA, transA ? K : M, transA ? M : K, lda);
  checkMatrix(op, "B", B.length, bOffset + last * strideB, transB ? N : K, transB ? K : N, ldb);
  checkMatrix(op, "C", C.length, cOffset + last * strideC, M, N, ldc);
  for (let b = 0; b < batch; b++) {
    sgemm(
      transA, transB, M, N, K, alpha,
      A, aOffset + b * strideA, lda,
      B, bOffset + b * strideB, ldb,
      beta, C, cOffset + b * strideC, ldc,
    );
  }
}
