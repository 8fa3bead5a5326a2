/**
 * The wasm backend's SGEMM on WebAssembly SIMD (128-bit, four float32 lanes), with the same signature
 * and semantics as the pure TypeScript `sgemm` (cpu/gemm.ts). The SIMD conv kernels (conv2d.ts) run
 * on the same module through `simdMemory` and `simdGemm`.
 *
 * The module is assembled from TypeScript at load time (`assembler.ts`); nothing prebuilt or
 * downloaded. How it works:
 * - op(A) and op(B) are packed by TypeScript into the module's memory, A as 4-row slivers and B as
 *   8-column slivers (k-major), zero-padded to whole slivers; transposes and strides cost nothing more.
 * - The micro-kernel keeps a 4x8 tile of C in eight v128 registers; per k it loads two vectors of B,
 *   splats four values of A (`v128.load32_splat`) and does 8 vector multiplies and 8 adds (64 flops).
 *   Relaxed-SIMD FMA is not used: Node 20 ships it behind a flag.
 * - C comes back through `C = alpha * AB + beta * C` in TypeScript.
 *
 * Accumulation is in float32 (like PyTorch's BLAS), so results differ from the float64-accumulating
 * TypeScript kernel by float32 rounding (about 1e-7 times the magnitude of the sums per term). Small
 * products (under 16^3 multiply-adds) and skinny ones (fewer than 4 rows or columns) go to the
 * TypeScript kernel, where copying and tile padding would dominate — except one to three rows times
 * a transposed matrix (a Linear layer at batch 1-3), which `dot_rows` computes as four-lane dot
 * products (LeNet's forward at batch 1: 171 -> 125 us CPU, its fully connected layers 3x faster).
 *
 * Tile shapes measured on this machine (kernel alone, K = 512, one run under load): 4x8 28-40
 * GFLOP/s, 2x16 24-30, 4x16 14-21, 4x12 11-18, 6x8 and 8x8 15-18 (more accumulators than the 16 XMM
 * registers: spills).
 */
import { TsorchError } from "../../errors.js";
import { checkSgemmArgs, operandStrides, sgemm } from "../cpu/gemm.js";
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { align4, heapF32, instantiate, memoryImport, residentAddress } from "./memory.js";
import { packFunctions, packModuleBytes, packPanel } from "./pack.js";
import { type CallList, parallelGemm } from "./threads.js";

/** Rows and columns of the SIMD micro-kernel's tile. */
const MR = 4;
const NR = 8;
/**
 * Cache blocks: k steps per block and rows of A per block (64 x 4096 floats: 1 MB, L2). Measured here
 * (kernel alone, alternating rounds, load 10): KC/MC 4096/64 gave 29-40 GFLOP/s over five ResNet-like
 * shapes, unblocked 29-40, 256/128 27-40; a 512x56x4608 product (ResNet's last layer) gained most (30 -> 36).
 */
const KC = 4096;
const MC = 64;

/**
 * The module: `kernel(a, b, c, k, ldcBytes, acc)` computes one `tileRows x tileCols` tile over k
 * (default 4x8), `gemm(a, b, c, mp, np, k, acc)` runs it over every tile of an `mp x np` C (mp a
 * multiple of tileRows, np of tileCols, k >= 1; byte addresses). A packed as tileRows-row slivers, B
 * as tileCols-column slivers, both k-major; C row-major with `np` columns. `acc = 0` writes
 * `C = A*B`, otherwise `C += A*B`.
 */
export function simdGemmModuleBytes(tileRows = MR, tileCols = NR, blockK = KC, blockM = MC): Uint8Array {
  const NV = tileCols / 4; // vectors per row of the tile
  // kernel: params a=0, b=1, c=2, k=3, ldc=4, acc=5; locals: row pointer, tileRows*NV accumulators,
  // NV vectors of B, one splat of A
  const nAcc = tileRows * NV;
  const kernel = new FunctionBody([I32, ...new Array<typeof V128>(nAcc + NV + 1).fill(V128)]);
  const [a, b, c, k, ldc, accumulate, row] = [0, 1, 2, 3, 4, 5, 6];
  const acc = (r: number, h: number) => 7 + NV * r + h;
  const bv = (h: number) => 7 + nAcc + h;
  const av = 7 + nAcc + NV;
  // With accumulate != 0 the tile starts from C (C += A*B) instead of zero (C = A*B).
  kernel.block();
  kernel.localGet(accumulate).op(Op.i32Eqz).brIf(0);
  kernel.localGet(c).localSet(row);
  for (let r = 0; r < tileRows; r++) {
    for (let h = 0; h < NV; h++) kernel.localGet(row).v128Load(16 * h).localSet(acc(r, h));
    kernel.localGet(row).localGet(ldc).op(Op.i32Add).localSet(row);
  }
  kernel.end();
  kernel.loop();
  for (let h = 0; h < NV; h++) kernel.localGet(b).v128Load(16 * h).localSet(bv(h));
  for (let r = 0; r < tileRows; r++) {
    kernel.localGet(a).v128Load32Splat(4 * r).localSet(av);
    for (let h = 0; h < NV; h++) {
      kernel.localGet(acc(r, h)).localGet(av).localGet(bv(h)).f32x4Mul().f32x4Add().localSet(acc(r, h));
    }
  }
  kernel.localGet(a).i32Const(4 * tileRows).op(Op.i32Add).localSet(a);
  kernel.localGet(b).i32Const(4 * tileCols).op(Op.i32Add).localSet(b);
  kernel.localGet(k).i32Const(1).op(Op.i32Sub).localTee(k).brIf(0);
  kernel.end();
  for (let r = 0; r < tileRows; r++) {
    for (let h = 0; h < NV; h++) kernel.localGet(c).localGet(acc(r, h)).v128Store(16 * h);
    kernel.localGet(c).localGet(ldc).op(Op.i32Add).localSet(c);
  }

  const gemm = gemmDriverBody(tileRows, tileCols, blockK, blockM);

  return encodeModule({
    memory: memoryImport(),
    functions: [
      { name: "kernel", params: [I32, I32, I32, I32, I32, I32], results: [], body: kernel },
      { name: "gemm", params: [I32, I32, I32, I32, I32, I32, I32], results: [], body: gemm },
      { name: "dot_rows", params: [I32, I32, I32, I32, I32, I32], results: [], body: dotRowsBody() },
    ],
  });
}

/**
 * The `gemm` driver: runs the kernel (function 0) over C in cache blocks, as in Goto's GEMM. For each
 * block of `blockK` steps of k, for each block of `blockM` rows of A (its slivers stay in L2 while every
 * sliver of B passes once), for each B sliver (in L1 while it meets the block's A slivers), for each A
 * sliver of the block: one tile over the block's k steps, added onto C after the first k block. The
 * packed panels need no repacking: a k block of a sliver is a contiguous run of it.
 */
function gemmDriverBody(tileRows: number, tileCols: number, blockK: number, blockM: number): FunctionBody {
  const [a, b, c, mp, np, k, acc] = [0, 1, 2, 3, 4, 5, 6];
  const [pc, kcur, ic, mcur, j, i, ldc, ap, bp, cp, accf, aBlock] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const f = new FunctionBody(new Array<typeof I32>(12).fill(I32));
  const min = (x: () => void, y: () => void) => {
    // select(x, y, x < y) with x and y evaluated twice (locals and constants only)
    x(); y(); x(); y(); f.op(Op.i32LtU).op(0x1b /* select */);
  };
  f.localGet(np).i32Const(4).op(Op.i32Mul).localSet(ldc);
  f.i32Const(0).localSet(pc);
  f.loop(); // k blocks
  min(() => f.i32Const(blockK), () => f.localGet(k).localGet(pc).op(Op.i32Sub));
  f.localSet(kcur);
  // After the first k block the tiles add onto C (the kernel accumulates for any nonzero flag).
  f.localGet(acc).localGet(pc).op(Op.i32Or).localSet(accf);
  f.i32Const(0).localSet(ic);
  f.loop(); // row blocks of A
  min(() => f.i32Const(blockM), () => f.localGet(mp).localGet(ic).op(Op.i32Sub));
  f.localSet(mcur);
  f.localGet(a).localGet(ic).localGet(k).op(Op.i32Mul).i32Const(4).op(Op.i32Mul).op(Op.i32Add)
    .localGet(pc).i32Const(4 * tileRows).op(Op.i32Mul).op(Op.i32Add).localSet(aBlock);
  f.localGet(b).localGet(pc).i32Const(4 * tileCols).op(Op.i32Mul).op(Op.i32Add).localSet(bp);
  f.i32Const(0).localSet(j);
  f.loop(); // B slivers
  f.localGet(aBlock).localSet(ap);
  f.localGet(c).localGet(ic).localGet(np).op(Op.i32Mul).localGet(j).op(Op.i32Add).i32Const(4).op(Op.i32Mul).op(Op.i32Add)
    .localSet(cp);
  f.i32Const(0).localSet(i);
  f.loop(); // A slivers of the block
  f.localGet(ap).localGet(bp).localGet(cp).localGet(kcur).localGet(ldc).localGet(accf).call(0);
  f.localGet(ap).localGet(k).i32Const(4 * tileRows).op(Op.i32Mul).op(Op.i32Add).localSet(ap);
  f.localGet(cp).localGet(ldc).i32Const(tileRows).op(Op.i32Mul).op(Op.i32Add).localSet(cp);
  f.localGet(i).i32Const(tileRows).op(Op.i32Add).localTee(i).localGet(mcur).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(bp).localGet(k).i32Const(4 * tileCols).op(Op.i32Mul).op(Op.i32Add).localSet(bp);
  f.localGet(j).i32Const(tileCols).op(Op.i32Add).localTee(j).localGet(np).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(ic).i32Const(blockM).op(Op.i32Add).localTee(ic).localGet(mp).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(pc).i32Const(blockK).op(Op.i32Add).localTee(pc).localGet(k).op(Op.i32LtU).brIf(0);
  f.end();
  return f;
}

/** Float32 lanes `l` of the two vectors on the stack as the byte lanes of `i8x16.shuffle`. */
function lanes(l: readonly number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

/**
 * `dot_rows(a, b, c, m, n, kb)`, byte addresses: `C[i][j] = dot(A row i, B row j)` for `m >= 1` rows
 * of A and `n` rows of B (a positive multiple of 4), every row `kb` bytes (a positive multiple of 16,
 * zero-padded), C row-major with `n` columns. The product of a few rows with a transposed matrix (a
 * Linear layer on a small batch): four rows of B at a time, four lanes of k per step in four vector
 * accumulators, whose lanes are summed by two rounds of shuffles into the four outputs.
 */
function dotRowsBody(): FunctionBody {
  const [a, b, c, m, n, kb] = [0, 1, 2, 3, 4, 5];
  const [j, kk, b0, b1, b2, b3] = [6, 7, 8, 9, 10, 11];
  const s = (q: number) => 12 + q;
  const [av, t, u] = [16, 17, 18];
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128]);
  f.loop(); // over the rows of A
  f.localGet(b).localSet(b0);
  f.i32Const(0).localSet(j);
  f.loop(); // over groups of four rows of B
  f.localGet(b0).localGet(kb).op(Op.i32Add).localSet(b1);
  f.localGet(b1).localGet(kb).op(Op.i32Add).localSet(b2);
  f.localGet(b2).localGet(kb).op(Op.i32Add).localSet(b3);
  for (let q = 0; q < 4; q++) f.v128Zero().localSet(s(q));
  f.i32Const(0).localSet(kk);
  f.loop(); // over k, four lanes at a time
  f.localGet(a).localGet(kk).op(Op.i32Add).v128Load(0).localSet(av);
  [b0, b1, b2, b3].forEach((row, q) => {
    f.localGet(s(q)).localGet(av).localGet(row).localGet(kk).op(Op.i32Add).v128Load(0).f32x4Mul().f32x4Add().localSet(s(q));
  });
  f.localGet(kk).i32Const(16).op(Op.i32Add).localTee(kk).localGet(kb).op(Op.i32LtU).brIf(0);
  f.end();
  // [sum s0, sum s1, sum s2, sum s3]: pairwise lane sums of (s0, s1) and (s2, s3), then of those.
  f.localGet(s(0)).localGet(s(1)).i8x16Shuffle(lanes([0, 4, 1, 5])).localGet(s(0)).localGet(s(1)).i8x16Shuffle(lanes([2, 6, 3, 7])).f32x4Add().localSet(t);
  f.localGet(s(2)).localGet(s(3)).i8x16Shuffle(lanes([0, 4, 1, 5])).localGet(s(2)).localGet(s(3)).i8x16Shuffle(lanes([2, 6, 3, 7])).f32x4Add().localSet(u);
  f.localGet(c);
  f.localGet(t).localGet(u).i8x16Shuffle(lanes([0, 1, 4, 5])).localGet(t).localGet(u).i8x16Shuffle(lanes([2, 3, 6, 7])).f32x4Add();
  f.v128Store(0);
  f.localGet(c).i32Const(16).op(Op.i32Add).localSet(c);
  f.localGet(b3).localGet(kb).op(Op.i32Add).localSet(b0);
  f.localGet(j).i32Const(4).op(Op.i32Add).localTee(j).localGet(n).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(a).localGet(kb).op(Op.i32Add).localSet(a);
  f.localGet(m).i32Const(1).op(Op.i32Sub).localTee(m).brIf(0);
  f.end();
  return f;
}

interface Instance {
  gemm: (a: number, b: number, c: number, mp: number, np: number, k: number, acc: number) => void;
  dot_rows: (a: number, b: number, c: number, m: number, n: number, kb: number) => void;
}

let instance: Instance | null | undefined;
let moduleBytes: Uint8Array;

/** The instantiated module, or null when this engine has no WebAssembly SIMD. */
function getInstance(): Instance | null {
  if (instance !== undefined) return instance;
  moduleBytes = simdGemmModuleBytes();
  const exports = instantiate(moduleBytes);
  instance = exports === null ? null : { gemm: exports.gemm as Instance["gemm"], dot_rows: exports.dot_rows as Instance["dot_rows"] };
  return instance;
}

/** The modules a worker thread instantiates (threads.ts): this GEMM module and the packing module. */
export function workerModules(): Uint8Array[] {
  getInstance();
  return [moduleBytes, packModuleBytes()];
}

/** Runs a call list (threads.ts) on the calling thread. */
export function runCallsHere(job: CallList): void {
  const pack = packFunctions();
  const fns: ((...args: number[]) => void)[] = [getInstance()!.gemm, pack.gather, pack.bias_rows];
  const w = job.words;
  for (let i = 0, o = 0; i < job.count; i++, o += 8) fns[w[o]!]!(w[o + 1]!, w[o + 2]!, w[o + 3]!, w[o + 4]!, w[o + 5]!, w[o + 6]!, w[o + 7]!);
}

/** Whether WebAssembly SIMD is available (the module validates and instantiates). */
export function simdAvailable(): boolean {
  return getInstance() !== null;
}

/**
 * A Float32Array over the backend's memory (memory.ts) with room for `floats` values. Callers lay out
 * packed panels in it and call `simdGemm`. Throws when SIMD is unavailable; check `simdAvailable()` first.
 */
export function simdMemory(floats: number): Float32Array {
  if (getInstance() === null) throw new TsorchError("WebAssembly SIMD is not available in this JavaScript engine");
  return heapF32(floats);
}

/**
 * Runs the SIMD GEMM on panels already in `simdMemory`, offsets in floats: A at `a` as 4-row slivers
 * (`mp` rows, a multiple of 4), B at `b` as 8-column slivers (`np` columns, a multiple of 8), both
 * k-major over `k >= 1`; C at `c`, `mp x np` row-major. `accumulate` adds into C instead of
 * overwriting it.
 */
export function simdGemm(a: number, b: number, c: number, mp: number, np: number, k: number, accumulate: boolean): void {
  parallelGemm(getInstance()!.gemm, workerModules, MR, a * 4, b * 4, c * 4, mp, np, k, accumulate ? 1 : 0);
}

/** Rows of an A sliver and columns of a B sliver of `simdGemm`. */
export const SIMD_TILE_ROWS = MR;
export const SIMD_TILE_COLS = NR;

/**
 * Packs the `rows x K` matrix with element (i, k) at `X[off + i*rs + k*cs]` into slivers of `width`
 * rows, k-major: element (i, k) goes to `mem[base + floor(i/width)*width*K + k*width + i%width]`, rows
 * past `rows` are zero. (For B the "rows" are its columns.) The loop runs k-major to write sequentially.
 */
export function packSlivers(
  X: Float32Array,
  off: number,
  rs: number,
  cs: number,
  rows: number,
  K: number,
  width: number,
  mem: Float32Array,
  base: number,
): void {
  for (let s = 0; s < rows; s += width) {
    const live = Math.min(width, rows - s);
    let d = base + s * K;
    const first = off + s * rs;
    if (live === 4 && width === 4) {
      // Whole 4- and 8-row slivers unrolled: about twice the generic loop's speed.
      const r1 = first + rs, r2 = first + 2 * rs, r3 = first + 3 * rs;
      for (let k = 0, o = 0; k < K; k++, o += cs, d += 4) {
        mem[d] = X[first + o]!;
        mem[d + 1] = X[r1 + o]!;
        mem[d + 2] = X[r2 + o]!;
        mem[d + 3] = X[r3 + o]!;
      }
      continue;
    }
    if (live === 8 && width === 8) {
      const r1 = first + rs, r2 = first + 2 * rs, r3 = first + 3 * rs;
      const r4 = first + 4 * rs, r5 = first + 5 * rs, r6 = first + 6 * rs, r7 = first + 7 * rs;
      for (let k = 0, o = 0; k < K; k++, o += cs, d += 8) {
        mem[d] = X[first + o]!;
        mem[d + 1] = X[r1 + o]!;
        mem[d + 2] = X[r2 + o]!;
        mem[d + 3] = X[r3 + o]!;
        mem[d + 4] = X[r4 + o]!;
        mem[d + 5] = X[r5 + o]!;
        mem[d + 6] = X[r6 + o]!;
        mem[d + 7] = X[r7 + o]!;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      const src = first + k * cs;
      for (let r = 0; r < live; r++) mem[d + r] = X[src + r * rs];
      for (let r = live; r < width; r++) mem[d + r] = 0;
      d += width;
    }
  }
}

/** Products below this many multiply-adds run on the TypeScript kernel. */
const MIN_WORK = 16 * 16 * 16;
/** Row-times-transposed products (`dotRows`) below this many multiply-adds per row of A, likewise. */
const MIN_DOT_WORK = 256;

/**
 * `C = alpha * op(A) * B^T + beta * C` for fewer than four rows of A (a Linear layer at batch 1-3):
 * the rows of A and of B (the weight's rows, contiguous) copied into the backend's memory zero-padded
 * to whole vectors, and `dot_rows` forms every output as a four-lane dot product.
 */
function dotRows(
  inst: Instance, transA: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOffset: number, lda: number, B: Float32Array, bOffset: number, ldb: number,
  beta: number, C: Float32Array, cOffset: number, ldc: number,
): void {
  const kp = (K + 3) & ~3;
  const np = (N + 3) & ~3;
  const aLen = M * kp;
  // A resident B (a parameter, memory.ts) whose rows are whole vectors is read where it is.
  const resident = kp === K && np === N && ldb === K ? residentAddress(B) : -1;
  const bBase = aLen;
  const cBase = resident >= 0 ? aLen : bBase + np * kp;
  const mem = simdMemory(cBase + M * np);
  for (let i = 0; i < M; i++) {
    const d = i * kp;
    if (!transA) mem.set(A.subarray(aOffset + i * lda, aOffset + i * lda + K), d);
    else for (let k = 0; k < K; k++) mem[d + k] = A[aOffset + k * lda + i]!;
    if (kp !== K) mem.fill(0, d + K, d + kp);
  }
  if (resident >= 0) {
    // Read in place.
  } else if (ldb === K && kp === K) mem.set(B.subarray(bOffset, bOffset + N * K), bBase);
  else {
    for (let jj = 0; jj < N; jj++) {
      const d = bBase + jj * kp;
      mem.set(B.subarray(bOffset + jj * ldb, bOffset + jj * ldb + K), d);
      if (kp !== K) mem.fill(0, d + K, d + kp);
    }
  }
  if (np !== N) mem.fill(0, bBase + N * kp, cBase);
  inst.dot_rows(0, resident >= 0 ? resident + 4 * bOffset : 4 * bBase, 4 * cBase, M, np, 4 * kp);
  for (let i = 0; i < M; i++) {
    const src = cBase + i * np;
    const dst = cOffset + i * ldc;
    if (beta === 0) {
      if (alpha === 1) C.set(mem.subarray(src, src + N), dst);
      else for (let jj = 0; jj < N; jj++) C[dst + jj] = alpha * mem[src + jj]!;
    } else for (let jj = 0; jj < N; jj++) C[dst + jj] = alpha * mem[src + jj]! + beta * C[dst + jj]!;
  }
}

/**
 * `C = alpha * op(A) * op(B) + beta * C` on WebAssembly SIMD; same arguments as `sgemm` (gemm.ts).
 * Falls back to the TypeScript kernel for tiny products or when SIMD is unavailable.
 */
export function sgemmSimd(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  aOffset: number,
  lda: number,
  B: Float32Array,
  bOffset: number,
  ldb: number,
  beta: number,
  C: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  const inst = getInstance();
  if (inst !== null && transB && M < MR && N >= MR && N * K >= MIN_DOT_WORK && alpha !== 0) {
    checkSgemmArgs(transA, transB, M, N, K, A, aOffset, lda, B, bOffset, ldb, C, cOffset, ldc);
    dotRows(inst, transA, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc);
    return;
  }
  if (inst === null || M * N * K < MIN_WORK || alpha === 0 || M < MR || N < MR) {
    sgemm(transA, transB, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc);
    return;
  }
  checkSgemmArgs(transA, transB, M, N, K, A, aOffset, lda, B, bOffset, ldb, C, cOffset, ldc);
  const mp = Math.ceil(M / MR) * MR;
  const np = Math.ceil(N / NR) * NR;
  const aLen = mp * K;
  const bLen = np * K;
  const cBase = aLen + bLen;
  const [rsA, csA] = operandStrides(transA, lda);
  const [rsB, csB] = operandStrides(transB, ldb);
  // Where packPanel stages each operand's block before packing it.
  const stage = align4(cBase + mp * np);
  const mem = simdMemory(stage + Math.max((M - 1) * rsA + (K - 1) * csA, (N - 1) * csB + (K - 1) * rsB) + 1);
  packPanel(A, aOffset, rsA, csA, M, K, MR, mem, 0, stage);
  packPanel(B, bOffset, csB, rsB, N, K, NR, mem, aLen, stage);
  simdGemm(0, aLen, cBase, mp, np, K, false);
  for (let i = 0; i < M; i++) {
    const src = cBase + i * np;
    const dst = cOffset + i * ldc;
    if (beta === 0 && alpha === 1) C.set(mem.subarray(src, src + N), dst);
    else if (beta === 0) for (let jj = 0; jj < N; jj++) C[dst + jj] = alpha * mem[src + jj];
    else for (let jj = 0; jj < N; jj++) C[dst + jj] = alpha * mem[src + jj] + beta * C[dst + jj];
  }
}
