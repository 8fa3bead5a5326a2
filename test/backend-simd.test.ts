/**
 * The optional WebAssembly SIMD kernels: the module is assembled from TypeScript and validates; the SIMD
 * sgemm agrees with the TypeScript kernel and the SIMD conv kernels with PyTorch's fixtures and the
 * TypeScript kernels (within float32 accumulation error). (backend-registry.test.ts covers choosing the backend.)
 */
import { describe, expect, it } from "vitest";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "../src/backend/cpu/conv2d.js";
import { sgemm } from "../src/backend/cpu/gemm.js";
import { conv2dGeometry, maxPool2dGeometry, type Conv2dOptions, type Padding4 } from "../src/shape/conv-pool.js";
import { scratchBytes } from "../src/backend/cpu/scratch.js";
import { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from "../src/backend/wasm/conv2d.js";
import { packSlivers, sgemmSimd, simdAvailable, simdGemmModuleBytes, simdMemory } from "../src/backend/wasm/gemm.js";
import { isDepthwise } from "../src/backend/wasm/depthwise.js";
import { simdMaxPool2d } from "../src/backend/wasm/pool2d.js";
import { packPanel, padPlanes } from "../src/backend/wasm/pack.js";
import { makeResident, residentAddress } from "../src/backend/wasm/memory.js";
import { maxPool2d } from "../src/backend/cpu/pool2d.js";
import { FunctionBody, I32, Op, encodeModule } from "../src/backend/wasm/assembler.js";
import { compare, f32, loadFixture, randomArray, rng, type Encoded } from "./backend-helpers.js";

/** The WebAssembly JS API (the project compiles without DOM typings). */
const WA = (globalThis as unknown as {
  WebAssembly: {
    validate(bytes: Uint8Array): boolean;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  };
}).WebAssembly;

describe("wasm assembler", () => {
  it("writes a module the engine accepts and runs (the doc example)", () => {
    const body = new FunctionBody([]).localGet(0).localGet(1).op(Op.i32Add);
    const bytes = encodeModule({ memory: null, functions: [{ name: "add", params: [I32, I32], results: [I32], body }] });
    const inst = new WA.Instance(new WA.Module(bytes));
    expect((inst.exports.add as (a: number, b: number) => number)(2, 3)).toBe(5);
  });

  it("the SIMD GEMM module validates, for every tile shape the generator offers", () => {
    for (const [r, c] of [[4, 8], [2, 16], [6, 8]]) expect(WA.validate(simdGemmModuleBytes(r, c))).toBe(true);
  });
});

describe("SIMD sgemm", () => {
  it("is available on Node 20", () => {
    expect(simdAvailable()).toBe(true);
  });

  it("agrees with the TypeScript kernel on 200 random problems", () => {
    const next = rng(21);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    for (let t = 0; t < 200; t++) {
      const transA = next() < 0.5;
      const transB = next() < 0.5;
      const M = int(1, 40), N = int(1, 40), K = int(1, t < 5 ? 700 : 70);
      const lda = (transA ? M : K) + int(0, 2), ldb = (transB ? K : N) + int(0, 2), ldc = N + int(0, 2);
      const aOff = int(0, 3), bOff = int(0, 3), cOff = int(0, 3);
      const alpha = [1, -0.5, 2][t % 3]!, beta = [0, 1, 0.25][(t >> 1) % 3]!;
      const A = randomArray(next, aOff + (transA ? K : M) * lda);
      const B = randomArray(next, bOff + (transB ? N : K) * ldb);
      const C1 = randomArray(next, cOff + M * ldc);
      const C2 = C1.slice();
      sgemmSimd(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C1, cOff, ldc);
      sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C2, cOff, ldc);
      // Float32 accumulation of K products of values in [-1, 1): error well under 1e-6 * K.
      const tol = 1e-6 * K * Math.abs(alpha) + 1e-6;
      let worst = 0;
      for (let i = 0; i < C1.length; i++) worst = Math.max(worst, Math.abs(C1[i]! - C2[i]!));
      expect(worst, JSON.stringify({ transA, transB, M, N, K, alpha, beta })).toBeLessThan(tol);
    }
  });

  it("multiplies one to three rows by a transposed matrix (a Linear layer at batch 1-3) as the TypeScript kernel does", () => {
    const next = rng(5);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    for (const [M, N, K] of [[1, 120, 400], [1, 84, 120], [1, 10, 84], [2, 7, 33], [3, 130, 257], [1, 4, 64], [2, 5, 1001]] as const) {
      for (const transA of [false, true]) {
        const lda = (transA ? M : K) + int(0, 2), ldb = K + int(0, 3), ldc = N + int(0, 2);
        const aOff = int(0, 3), bOff = int(0, 3), cOff = int(0, 3);
        const A = randomArray(next, aOff + (transA ? K : M) * lda);
        const B = randomArray(next, bOff + N * ldb);
        for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, 0.25]] as const) {
          const C1 = randomArray(next, cOff + M * ldc);
          const C2 = C1.slice();
          sgemmSimd(transA, true, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C1, cOff, ldc);
          sgemm(transA, true, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C2, cOff, ldc);
          let worst = 0;
          for (let i = 0; i < C1.length; i++) worst = Math.max(worst, Math.abs(C1[i]! - C2[i]!));
          expect(worst, JSON.stringify({ M, N, K, transA, alpha, beta })).toBeLessThan(1e-6 * K * Math.abs(alpha) + 1e-6);
          // Padding columns of C (between N and ldc) are left alone.
          for (let i = 0; i < M; i++) for (let j = N; j < ldc && cOff + i * ldc + j < C1.length; j++) {
            expect(C1[cOff + i * ldc + j]).toBe(C2[cOff + i * ldc + j]);
          }
        }
      }
    }
  });

  it("refuses out-of-bounds matrices like the TypeScript kernel", () => {
    expect(() => sgemmSimd(false, true, 1, 120, 400, 1, new Float32Array(400), 0, 400, new Float32Array(120 * 400 - 1), 0, 400, 0, new Float32Array(120), 0, 120))
      .toThrow(/reads element/);
    const A = new Float32Array(64 * 64);
    expect(() => sgemmSimd(false, false, 64, 64, 64, 1, A, 1, 64, A, 0, 64, 0, new Float32Array(64 * 64), 0, 64)).toThrow(/reads element/);
  });
});

interface ConvCase {
  groups: number;
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number] | "same" | Padding4;
  x: Encoded;
  w: Encoded;
  b?: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  gw: Encoded;
}

describe("SIMD conv2d kernels", () => {
  const fixture = loadFixture<{ conv: ConvCase[] }>("conv_pool.json");

  it("match PyTorch on every conv fixture (float32 accumulation: atol 1e-5 of the magnitude)", () => {
    let relToMax = 0;
    fixture.conv.forEach((c, i) => {
      const options: Conv2dOptions = { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding };
      const g = conv2dGeometry(c.x.shape, c.w.shape, options, c.b?.shape);
      const x = f32(c.x), w = f32(c.w), gy = f32(c.gy);
      const label = `case ${i}: x${JSON.stringify(c.x.shape)} w${JSON.stringify(c.w.shape)}`;
      for (const [name, got, want] of [
        ["forward", simdConv2d(g, x, w, c.b ? f32(c.b) : null), f32(c.y)],
        ["grad_input", simdConv2dBackwardInput(g, gy, w), f32(c.gx)],
        ["grad_weight", simdConv2dBackwardWeight(g, x, gy), f32(c.gw)],
      ] as const) {
        const r = compare(got, want, 1e-5, 1e-5);
        expect(r.mismatches, `${label} ${name}`).toBe(0);
        expect(r.worst, `${label} ${name} at ${r.index}`).toBeLessThanOrEqual(1);
        relToMax = Math.max(relToMax, r.relToMax);
      }
    });
    console.log(`SIMD conv2d on ${fixture.conv.length} fixtures: max |err|/max|expected| = ${relToMax}`);
  });

  it("run depthwise layers (one filter per channel, stride 1 or 2) on their own kernel, agreeing with the TypeScript one", () => {
    const next = rng(11);
    for (const [N, C, H, W, k, s, p] of [[1, 8, 7, 9, 3, 1, 1], [2, 5, 11, 13, 3, 2, 1], [1, 3, 6, 6, 5, 1, 2], [1, 4, 10, 10, 3, 2, 0], [1, 32, 30, 31, 3, 1, 1], [1, 16, 5, 3, 3, 2, 1], [3, 2, 4, 1, 1, 1, 0]] as const) {
      expect(isDepthwise(conv2dGeometry([N, C, H, W], [C, 1, k, k], { stride: s, padding: p, groups: C }))).toBe(true);
      const g = conv2dGeometry([N, C, H, W], [C, 1, k, k], { stride: s, padding: p, groups: C }, [C]);
      const x = randomArray(next, N * C * H * W), w = randomArray(next, C * k * k), b = randomArray(next, C);
      for (const bias of [b, null]) {
        const want = conv2d(g, x, w, bias);
        const got = new Float32Array(want.length + 2).fill(7);
        simdConv2d(g, x, w, bias, got);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i]! - got[i]!));
        expect(worst, JSON.stringify({ N, C, H, W, k, s, p })).toBeLessThan(1e-5 * k * k);
        expect([got[want.length], got[want.length + 1]]).toEqual([7, 7]);
        // A resident filter (a parameter) is read in place: the same result.
        const holder = { data: w.slice() };
        expect(makeResident(holder)).toBe(true);
        expect(Array.from(simdConv2d(g, x, holder.data, bias))).toEqual(Array.from(got.subarray(0, want.length)));
      }
    }
    // Dilated, stride-3 and channel-multiplier layers keep the GEMM path.
    expect(isDepthwise(conv2dGeometry([1, 4, 9, 9], [4, 1, 3, 3], { groups: 4, dilation: 2 }))).toBe(false);
    expect(isDepthwise(conv2dGeometry([1, 4, 9, 9], [4, 1, 3, 3], { groups: 4, stride: 3 }))).toBe(false);
    expect(isDepthwise(conv2dGeometry([1, 4, 9, 9], [8, 1, 3, 3], { groups: 4 }))).toBe(false);
  });

  it("agree with the TypeScript kernels on wide layers, writing into given arrays", () => {
    const next = rng(5);
    const g = conv2dGeometry([2, 20, 9, 9], [40, 10, 3, 3], { groups: 2, padding: { top: 1, bottom: 2, left: 0, right: 1 } });
    const x = randomArray(next, 2 * 20 * 81);
    const w = randomArray(next, 40 * 10 * 9);
    const b = randomArray(next, 40);
    const gy = randomArray(next, 2 * 40 * g.outH * g.outW);
    const y = new Float32Array(gy.length).fill(7);
    expect(simdConv2d(g, x, w, b, y)).toBe(y);
    expect(compare(y, conv2d(g, x, w, b), 1e-5, 1e-5).worst).toBeLessThanOrEqual(1);
    expect(compare(simdConv2dBackwardInput(g, gy, w), conv2dBackwardInput(g, gy, w), 1e-5, 1e-5).worst).toBeLessThanOrEqual(1);
    expect(compare(simdConv2dBackwardWeight(g, x, gy), conv2dBackwardWeight(g, x, gy), 1e-5, 1e-5).worst).toBeLessThanOrEqual(1);
  });

  it("reuse the module memory and scratch: repeated calls allocate nothing", () => {
    const next = rng(6);
    const g = conv2dGeometry([4, 6, 14, 14], [16, 6, 5, 5]);
    const x = randomArray(next, 4 * 6 * 196), w = randomArray(next, 16 * 150), gy = randomArray(next, 4 * 16 * 100);
    const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
    const run = () => {
      simdConv2d(g, x, w, null, y);
      simdConv2dBackwardInput(g, gy, w, gx);
      simdConv2dBackwardWeight(g, x, gy, gw);
    };
    run();
    const before = scratchBytes();
    const memory = simdMemory(0).buffer.byteLength;
    for (let i = 0; i < 20; i++) run();
    expect(scratchBytes()).toBe(before);
    expect(simdMemory(0).buffer.byteLength).toBe(memory);
  });
});

describe("SIMD max_pool2d", () => {
  it("matches the TypeScript kernel bit for bit (values and indices) on 600 random windows, strides, paddings and ceil modes, ties, NaN and -inf included", () => {
    const next = rng(21);
    let simdRuns = 0;
    for (let t = 0; t < 600; t++) {
      const k: [number, number] = [1 + (t % 4), 1 + ((t >> 2) % 4)];
      const s: [number, number] = [1 + ((t >> 4) % 3), 1 + ((t >> 6) % 2)];
      const p: [number, number] = [Math.min((t >> 7) % 2, k[0] >> 1), Math.min((t >> 8) % 2, k[1] >> 1)];
      const shape = [1 + (t % 2), 1 + (t % 3), 3 + ((t * 7) % 15), 3 + ((t * 13) % 19)];
      let g;
      try {
        g = maxPool2dGeometry(shape, { kernelSize: k, stride: s, padding: p, ceilMode: (t >> 9) % 2 === 1 || t % 5 === 0 });
      } catch {
        continue; // a window wider than the padded input
      }
      const x = new Float32Array(shape.reduce((a, b) => a * b));
      const kind = t % 4;
      for (let i = 0; i < x.length; i++) {
        const u = next();
        x[i] = kind === 0 ? u : kind === 1 ? Math.floor(u * 3) : u < 0.1 ? NaN : u < 0.2 ? -Infinity : u;
      }
      const want = maxPool2d(g, x);
      const got = simdMaxPool2d(g, x);
      if (g.outW >= 4) simdRuns++;
      const ctx = JSON.stringify({ k, s, p, shape, ceil: g.ceilMode });
      expect(Array.from(got.indices), ctx).toEqual(Array.from(want.indices));
      expect(Array.from(got.output).map(String), ctx).toEqual(Array.from(want.output).map(String));
    }
    expect(simdRuns).toBeGreaterThan(200);
  });

  it("pads planes with a fill value around each copied plane", () => {
    const heap = simdMemory(64);
    heap.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0);
    padPlanes(0, 16, 2, 2, 3, 4, 5, 1, 2, -Infinity);
    const I = -Infinity;
    expect(Array.from(heap.subarray(16, 56))).toEqual([
      I, I, I, I, I, I, I, 1, 2, 3, I, I, 4, 5, 6, I, I, I, I, I,
      I, I, I, I, I, I, I, 7, 8, 9, I, I, 10, 11, 12, I, I, I, I, I,
    ]);
  });
});

describe("SIMD panel packing", () => {
  it("packPanel lays out every operand layout exactly as packSlivers does (rows or slivers contiguous, partial slivers, other strides)", () => {
    const next = rng(31);
    for (const [rows, K, width, layout] of [
      [8, 13, 4, "rows"], [7, 9, 4, "rows"], [3, 5, 4, "rows"], [12, 4, 4, "rows"],
      [16, 11, 8, "cols"], [21, 6, 8, "cols"], [9, 7, 4, "cols"], [5, 3, 8, "cols"],
      [10, 10, 8, "rows"], [6, 6, 4, "strided"],
    ] as const) {
      const ld = layout === "strided" ? K + 3 : (layout === "rows" ? K : rows) + 2;
      const [rs, cs] = layout === "rows" ? [ld, 1] : layout === "cols" ? [1, ld] : [ld, 2];
      const X = randomArray(next, 5 + rows * K * 3 + ld * Math.max(rows, K) * 2);
      const sliversLen = Math.ceil(rows / width) * width * K;
      const mem = simdMemory(4 * sliversLen + 4096);
      mem.fill(7, 0, 2 * sliversLen);
      packSlivers(X, 5, rs, cs, rows, K, width, mem, 0);
      const want = Array.from(mem.subarray(0, sliversLen));
      mem.fill(7, 0, 2 * sliversLen);
      packPanel(X, 5, rs, cs, rows, K, width, mem, 0, 2 * sliversLen + 4);
      expect(Array.from(mem.subarray(0, sliversLen)), JSON.stringify({ rows, K, width, layout })).toEqual(want);
      // The same matrix resident in the backend's memory (a parameter) is packed where it is.
      const holder = { data: X.slice() };
      expect(makeResident(holder)).toBe(true);
      expect(residentAddress(holder.data)).toBeGreaterThan(0);
      const heap = simdMemory(4 * sliversLen + 4096);
      heap.fill(7, 0, 2 * sliversLen);
      packPanel(holder.data, 5, rs, cs, rows, K, width, heap, 0, 2 * sliversLen + 4);
      expect(Array.from(heap.subarray(0, sliversLen)), `resident ${JSON.stringify({ rows, K, width, layout })}`).toEqual(want);
    }
  });
});
