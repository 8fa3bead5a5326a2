/**
 * SGEMM against a float64 reference: every transpose combination, offsets, leading dimensions larger
 * than the rows, alpha/beta, skinny shapes, and sizes that cross the K (512), M (128) and N (1024)
 * blocks and the 4x4 tile edges.
 */
import { describe, expect, it } from "vitest";
import { sgemm, sgemmBatched } from "../src/backend/cpu/gemm.js";
import { scratchBytes } from "../src/backend/cpu/scratch.js";
import { ArgumentError } from "../src/errors.js";
import { randomArray, rng } from "./backend-helpers.js";

interface Problem {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  aOff: number;
  bOff: number;
  cOff: number;
  lda: number;
  ldb: number;
  ldc: number;
}

/** Runs sgemm on random data and returns the worst error relative to sum(|a*b|) + |beta*c|. */
function check(p: Problem, next: () => number): number {
  const aRows = p.transA ? p.K : p.M;
  const aCols = p.transA ? p.M : p.K;
  const bRows = p.transB ? p.N : p.K;
  const bCols = p.transB ? p.K : p.N;
  const A = randomArray(next, p.aOff + aRows * p.lda);
  const B = randomArray(next, p.bOff + bRows * p.ldb);
  const C = randomArray(next, p.cOff + p.M * p.ldc + 3);
  if (p.beta === 0) C.fill(NaN); // beta = 0 must ignore C entirely
  const C0 = C.slice();
  expect(aCols).toBeLessThanOrEqual(p.lda);
  expect(bCols).toBeLessThanOrEqual(p.ldb);
  sgemm(p.transA, p.transB, p.M, p.N, p.K, p.alpha, A, p.aOff, p.lda, B, p.bOff, p.ldb, p.beta, C, p.cOff, p.ldc);
  const a = (i: number, k: number) => (p.transA ? A[p.aOff + k * p.lda + i]! : A[p.aOff + i * p.lda + k]!);
  const b = (k: number, j: number) => (p.transB ? B[p.bOff + j * p.ldb + k]! : B[p.bOff + k * p.ldb + j]!);
  let worst = 0;
  for (let i = 0; i < p.M; i++) {
    for (let j = 0; j < p.N; j++) {
      let s = 0;
      let mag = 0;
      for (let k = 0; k < p.K; k++) {
        s += a(i, k) * b(k, j);
        mag += Math.abs(a(i, k) * b(k, j));
      }
      const c0 = p.beta === 0 ? 0 : p.beta * C0[p.cOff + i * p.ldc + j]!;
      const want = p.alpha * s + c0;
      const got = C[p.cOff + i * p.ldc + j]!;
      const err = Math.abs(got - want) / (Math.abs(p.alpha) * mag + Math.abs(c0) + 1e-30);
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
    }
  }
  // Elements outside C's M x N block are untouched (the padding between rows and after the block).
  for (let i = 0; i < C.length; i++) {
    const row = Math.floor((i - p.cOff) / p.ldc);
    const col = (i - p.cOff) % p.ldc;
    const inside = i >= p.cOff && row < p.M && col < p.N;
    if (!inside && !Object.is(C[i], C0[i])) return Infinity;
  }
  return worst;
}

function randomProblem(next: () => number, maxM: number, maxN: number, maxK: number): Problem {
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const transA = next() < 0.5;
  const transB = next() < 0.5;
  const M = int(1, maxM);
  const N = int(1, maxN);
  const K = int(0, maxK);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  return {
    transA, transB, M, N, K,
    alpha: pick([1, 1, -0.5, 2]),
    beta: pick([0, 1, 0.25]),
    aOff: int(0, 3), bOff: int(0, 3), cOff: int(0, 3),
    lda: (transA ? M : K) + int(0, 2) || 1,
    ldb: (transB ? K : N) + int(0, 2) || 1,
    ldc: N + int(0, 2),
  };
}

describe("sgemm", () => {
  it("matches a float64 reference on 400 random small problems (tile edges, skinny, all transposes)", () => {
    const next = rng(1);
    for (let t = 0; t < 400; t++) {
      const p = randomProblem(next, 13, 13, 20);
      expect(check(p, next), JSON.stringify(p)).toBeLessThan(1e-6);
    }
  });

  it("matches across K, M and N blocks", () => {
    const next = rng(2);
    const big: [number, number, number][] = [
      [9, 7, 1300], // three K blocks
      [150, 6, 40], // two M blocks (MC = 128) with an edge
      [5, 1100, 9], // two N blocks (NC = 1024)
      [133, 131, 517], // everything at once, with edges in M and N
    ];
    for (const [M, N, K] of big) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const p: Problem = {
          transA, transB, M, N, K, alpha: 1, beta: 0.5, aOff: 1, bOff: 2, cOff: 3,
          lda: (transA ? M : K) + 1, ldb: (transB ? K : N) + 2, ldc: N + 1,
        };
        expect(check(p, next), JSON.stringify(p)).toBeLessThan(1e-6);
      }
    }
  });

  it("multiplies the documented example", () => {
    const C = new Float32Array(4);
    sgemm(false, false, 2, 2, 3, 1, new Float32Array([1, 2, 3, 4, 5, 6]), 0, 3, new Float32Array([1, 0, 0, 1, 1, 1]), 0, 2, 0, C, 0, 2);
    expect([...C]).toEqual([4, 5, 10, 11]);
  });

  it("K = 0 or alpha = 0 only scales C by beta", () => {
    const C = new Float32Array([1, 2, 3, 4]);
    sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 2, 3, C, 0, 2);
    expect([...C]).toEqual([3, 6, 9, 12]);
    sgemm(false, false, 2, 2, 1, 0, new Float32Array(2), 0, 1, new Float32Array(2), 0, 2, 0, C, 0, 2);
    expect([...C]).toEqual([0, 0, 0, 0]);
  });

  it("refuses matrices that do not fit their arrays, with a typed error", () => {
    const A = new Float32Array(6);
    expect(() => sgemm(false, false, 2, 2, 3, 1, A, 0, 3, new Float32Array(5), 0, 2, 0, new Float32Array(4), 0, 2))
      .toThrow(ArgumentError);
    expect(() => sgemm(false, false, 2, 2, 3, 1, A, 0, 2, new Float32Array(6), 0, 2, 0, new Float32Array(4), 0, 2))
      .toThrow(/leading dimension of at least 3/);
    expect(() => sgemm(false, false, -1, 2, 3, 1, A, 0, 3, new Float32Array(6), 0, 2, 0, new Float32Array(4), 0, 2))
      .toThrow(/M must be a non-negative integer/);
  });

  it("batched: each matrix of the batch, and a stride of 0 broadcasts", () => {
    const next = rng(3);
    const [batch, M, N, K] = [3, 5, 6, 7];
    const A = randomArray(next, batch * M * K);
    const W = randomArray(next, K * N); // broadcast over the batch
    const C = new Float32Array(batch * M * N);
    sgemmBatched(false, false, batch, M, N, K, 1, A, 0, K, M * K, W, 0, N, 0, 0, C, 0, N, M * N);
    for (let b = 0; b < batch; b++) {
      const Cb = new Float32Array(M * N);
      sgemm(false, false, M, N, K, 1, A, b * M * K, K, W, 0, N, 0, Cb, 0, N);
      expect([...C.subarray(b * M * N, (b + 1) * M * N)]).toEqual([...Cb]);
    }
    expect(() => sgemmBatched(false, false, 4, M, N, K, 1, A, 0, K, M * K, W, 0, N, 0, 0, C, 0, N, M * N)).toThrow(ArgumentError);
  });

  it("reuses its scratch panels: repeated calls allocate nothing new", () => {
    const next = rng(4);
    const A = randomArray(next, 200 * 300);
    const B = randomArray(next, 300 * 100);
    const C = new Float32Array(200 * 100);
    sgemm(false, false, 200, 100, 300, 1, A, 0, 300, B, 0, 100, 0, C, 0, 100);
    const before = scratchBytes();
    for (let i = 0; i < 20; i++) sgemm(false, true, 200, 100, 300, 1, A, 0, 300, B, 0, 300, 0, C, 0, 100);
    expect(scratchBytes()).toBe(before);
  });
});
