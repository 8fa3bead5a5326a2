/**
 * The register-blocked micro-kernels behind every GEMM and convolution here: each computes one 4x4
 * tile of C (16 accumulators in local doubles) over a K range, then adds it into its destination.
 *
 * Why 4x4 and why doubles: V8 compiles each `a * b` and `+=` to one scalar SSE instruction, and the loop
 * is bound by how many instructions it issues (each typed-array load carries a bounds check and an
 * address computation). A 4x4 tile does 16 multiply-adds per 8 loads; measured on this machine
 * (Node 20, x64) it beat 4x2, 2x4, 3x4, 4x3, 6x2, 2x6, 8x1 and 1x8 (wider tiles spill accumulators to
 * the stack as much as they save loads). Packed panels are Float64Array so no float->double
 * conversion happens in the loop, and sums are exact to double precision until the epilogue adds
 * them into C, a Float32Array (one rounding to float32) or a Float64Array (none). Indices advance
 * with `(p + n) | 0`: 32-bit adds without overflow checks.
 *
 * The variants differ in where B comes from and where C goes:
 * - `microKernel`: A and B from packed panels, C strided (`C[c0 + i*rsc + j*csc] += alpha * acc`).
 * - `microKernelGather`: B gathered from an image through an offset table (implicit im2col).
 * - `microKernelGather2`: the same with only 2 live rows (the edge of 6 output channels).
 * - `microKernelScatter`: packed A and B, C added at `Y[r_i + q_j]` (col2im fused into the epilogue).
 *
 * Edge tiles (fewer than 4 live rows or columns) compute the full 4x4 on zero-padded panels and store
 * only the live part.
 */
import type { FloatArray } from "./float-array.js";

/** Rows of a packed A sliver (and of the micro-kernel tile). */
export const MR = 4;
/** Columns of a packed B sliver (and of the micro-kernel tile). */
export const NR = 4;

/** The edge tile of the micro-kernel (a 4x4 of doubles), written when a tile is partly outside C. */
const edgeTile = new Float64Array(MR * NR);

/**
 * The 4x4 micro-kernel: `C[tile] += alpha * Apanel(4 x kc) * Bpanel(kc x 4)`, with both panels packed in
 * `P` (A sliver at `pa`, B sliver at `pb`). The tile's element (i, j) is `C[c0 + i*rsc + j*csc]`; only the
 * top-left `mr x nr` part is stored (edge tiles).
 */
export function microKernel(
  kc: number,
  P: Float64Array,
  pa: number,
  pb: number,
  alpha: number,
  C: FloatArray,
  c0: number,
  rsc: number,
  csc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0;
  let c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
  for (let k = 0; k < kc; k++) {
    const b0 = P[pb], b1 = P[(pb + 1) | 0], b2 = P[(pb + 2) | 0], b3 = P[(pb + 3) | 0];
    let a = P[pa];
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = P[(pa + 1) | 0];
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = P[(pa + 2) | 0];
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = P[(pa + 3) | 0];
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
    pa = (pa + 4) | 0;
    pb = (pb + 4) | 0;
  }
  if (mr === 4 && nr === 4) {
    if (csc === 1) {
      let r = c0;
      C[r] += alpha * c00; C[r + 1] += alpha * c01; C[r + 2] += alpha * c02; C[r + 3] += alpha * c03;
      r += rsc;
      C[r] += alpha * c10; C[r + 1] += alpha * c11; C[r + 2] += alpha * c12; C[r + 3] += alpha * c13;
      r += rsc;
      C[r] += alpha * c20; C[r + 1] += alpha * c21; C[r + 2] += alpha * c22; C[r + 3] += alpha * c23;
      r += rsc;
      C[r] += alpha * c30; C[r + 1] += alpha * c31; C[r + 2] += alpha * c32; C[r + 3] += alpha * c33;
      return;
    }
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < mr; i++) {
    const row = c0 + i * rsc;
    for (let j = 0; j < nr; j++) C[row + j * csc] += alpha * t[i * 4 + j];
  }
}

/**
 * The 4x4 micro-kernel with B *gathered* instead of packed: `C[tile] += Apanel(4 x kc) * G(kc x 4)` where
 * `G(k, j) = X[b_j + offs[o0 + k]]` (b0..b3 are the four column bases). This is an implicit im2col: for a
 * convolution, column j is an output position (base = where its window starts in the zero-padded input)
 * and row k a kernel element (offset = channel, kh, kw inside the window), so the column matrix is never
 * built or packed. The same kernel computes the weight gradient with the roles swapped (rows are
 * positions, columns are kernel elements). One extra load per k (the offset) buys skipping a whole
 * packing pass, which dominates small convolutions such as LeNet's.
 */
export function microKernelGather(
  kc: number,
  P: Float64Array,
  pa: number,
  X: FloatArray,
  offs: Int32Array,
  o0: number,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  C: FloatArray,
  c0: number,
  rsc: number,
  csc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0;
  let c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
  const end = o0 + kc;
  for (let o = o0; o < end; o++) {
    const off = offs[o];
    const x0 = X[(b0 + off) | 0], x1 = X[(b1 + off) | 0], x2 = X[(b2 + off) | 0], x3 = X[(b3 + off) | 0];
    let a = P[pa];
    c00 += a * x0; c01 += a * x1; c02 += a * x2; c03 += a * x3;
    a = P[(pa + 1) | 0];
    c10 += a * x0; c11 += a * x1; c12 += a * x2; c13 += a * x3;
    a = P[(pa + 2) | 0];
    c20 += a * x0; c21 += a * x1; c22 += a * x2; c23 += a * x3;
    a = P[(pa + 3) | 0];
    c30 += a * x0; c31 += a * x1; c32 += a * x2; c33 += a * x3;
    pa = (pa + 4) | 0;
  }
  if (mr === 4 && nr === 4 && csc === 1) {
    let r = c0;
    C[r] += c00; C[r + 1] += c01; C[r + 2] += c02; C[r + 3] += c03;
    r += rsc;
    C[r] += c10; C[r + 1] += c11; C[r + 2] += c12; C[r + 3] += c13;
    r += rsc;
    C[r] += c20; C[r + 1] += c21; C[r + 2] += c22; C[r + 3] += c23;
    r += rsc;
    C[r] += c30; C[r + 1] += c31; C[r + 2] += c32; C[r + 3] += c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < mr; i++) {
    const row = c0 + i * rsc;
    for (let j = 0; j < nr; j++) C[row + j * csc] += t[i * 4 + j];
  }
}

/**
 * `microKernelGather` for an A sliver with at most 2 live rows (the edge of M = 6 output channels, say):
 * 2x4 accumulators instead of 4x4, so the padding rows cost nothing.
 */
export function microKernelGather2(
  kc: number,
  P: Float64Array,
  pa: number,
  X: FloatArray,
  offs: Int32Array,
  o0: number,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  C: FloatArray,
  c0: number,
  rsc: number,
  csc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  const end = o0 + kc;
  for (let o = o0; o < end; o++) {
    const off = offs[o];
    const x0 = X[(b0 + off) | 0], x1 = X[(b1 + off) | 0], x2 = X[(b2 + off) | 0], x3 = X[(b3 + off) | 0];
    const a0 = P[pa], a1 = P[(pa + 1) | 0];
    c00 += a0 * x0; c01 += a0 * x1; c02 += a0 * x2; c03 += a0 * x3;
    c10 += a1 * x0; c11 += a1 * x1; c12 += a1 * x2; c13 += a1 * x3;
    pa = (pa + 4) | 0;
  }
  if (mr === 2 && nr === 4 && csc === 1) {
    C[c0] += c00; C[c0 + 1] += c01; C[c0 + 2] += c02; C[c0 + 3] += c03;
    const r = c0 + rsc;
    C[r] += c10; C[r + 1] += c11; C[r + 2] += c12; C[r + 3] += c13;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  for (let i = 0; i < mr; i++) {
    const row = c0 + i * rsc;
    for (let j = 0; j < nr; j++) C[row + j * csc] += t[i * 4 + j];
  }
}

/**
 * The 4x4 micro-kernel with a *scattering* epilogue: computes the tile `Apanel(4 x kc) * Bpanel(kc x 4)`
 * from packed panels (as `microKernel`) and adds element (i, j) to `Y[r_i + q_j]`. For a convolution's
 * input gradient the tile is a block of the column gradient (rows = kernel elements with offsets r,
 * columns = output positions with window bases q), so this is col2im fused into the GEMM: no column
 * buffer is written, zeroed or read back. Equal addresses within a tile (overlapping windows) are
 * accumulated one after the other, so they add up correctly.
 */
export function microKernelScatter(
  kc: number,
  P: Float64Array,
  pa: number,
  pb: number,
  Y: FloatArray,
  r0: number,
  r1: number,
  r2: number,
  r3: number,
  q0: number,
  q1: number,
  q2: number,
  q3: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0;
  let c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
  for (let k = 0; k < kc; k++) {
    const b0 = P[pb], b1 = P[(pb + 1) | 0], b2 = P[(pb + 2) | 0], b3 = P[(pb + 3) | 0];
    let a = P[pa];
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = P[(pa + 1) | 0];
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = P[(pa + 2) | 0];
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = P[(pa + 3) | 0];
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
    pa = (pa + 4) | 0;
    pb = (pb + 4) | 0;
  }
  if (mr === 4 && nr === 4) {
    Y[r0 + q0] += c00; Y[r0 + q1] += c01; Y[r0 + q2] += c02; Y[r0 + q3] += c03;
    Y[r1 + q0] += c10; Y[r1 + q1] += c11; Y[r1 + q2] += c12; Y[r1 + q3] += c13;
    Y[r2 + q0] += c20; Y[r2 + q1] += c21; Y[r2 + q2] += c22; Y[r2 + q3] += c23;
    Y[r3 + q0] += c30; Y[r3 + q1] += c31; Y[r3 + q2] += c32; Y[r3 + q3] += c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < mr; i++) {
    const r = i === 0 ? r0 : i === 1 ? r1 : i === 2 ? r2 : r3;
    for (let j = 0; j < nr; j++) Y[r + (j === 0 ? q0 : j === 1 ? q1 : j === 2 ? q2 : q3)] += t[i * 4 + j];
  }
}
