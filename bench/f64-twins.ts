/**
 * Do float64 twins of the CPU kernels pay? For each kernel written once over both dtypes (conv2d,
 * gemm, max_pool2d) and the one that keeps a float64 twin (interpolate's forwards) this times, on
 * both dtypes:
 *
 * - **mono**: a copy of the kernel fed one array type only, which is what a twin gives:
 *   monomorphic element loads;
 * - **generic**: one function fed both Float32Array and Float64Array, as a collapsed kernel is.
 *
 * A copy is the same source loaded again under another module URL (`?generic`, `?mono32`), so it
 * gets its own V8 type feedback; generic copies are warmed with both types before anything is timed.
 * Only the named module is copied: gemm's and conv2d's copies share micro-kernels.ts, whose 4x4 tile
 * loops read packed Float64Array panels (and, in the gathering variants, the input itself).
 *
 * CPU time of the process (`process.cpuUsage`, user + system) per call, median over interleaved
 * rounds, so a loaded machine slows every variant alike. Prints each variant's ratio to the mono
 * variant of its dtype.
 *
 *     npm run build && node dist/bench/f64-twins.js [rounds]
 */
import { conv2dGeometry, maxPool2dGeometry, upsample2dGeometry } from "../src/shape/conv-pool.js";

type Arr = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
type AnyFn = (...args: any[]) => any;

/** A second, independent instance of a kernel module: same code, its own type feedback. */
async function kernelCopy(path: string, tag: string): Promise<Record<string, AnyFn>> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return import(new URL(`../src/backend/cpu/${path}${ext}?${tag}`, import.meta.url).href) as Promise<Record<string, AnyFn>>;
}
const genericCopy = (path: string) => kernelCopy(path, "generic");

function filled(C: Ctor, n: number, seed: number): Arr {
  const a = new C(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

/** One thing to time: `run()` does `reps` calls on prepared arrays. */
interface Variant {
  label: string;
  run: () => void;
}
interface Case {
  name: string;
  /** Per dtype: [mono, generic...] */
  variants: Variant[];
  /** Warms generic functions with both types before anything is timed. */
  warm: () => void;
}

function cpuMs(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function cases(): Promise<Case[]> {
  const out: Case[] = [];
  const dtypes: [string, Ctor][] = [["f32", Float32Array], ["f64", Float64Array]];

  // --- interpolate (bilinear, the hot path, and nearest) and max_pool2d 2x2: one loop over both
  // types, so the monomorphic reference is a copy of it fed one type only.
  const interp = { mono32: await kernelCopy("interpolate", "mono32"), mono64: await kernelCopy("interpolate", "mono64"),
    generic: await kernelCopy("interpolate", "generic") };
  for (const [mode, fn] of [["bilinear", "upsampleBilinear2d"], ["nearest", "upsampleNearest2d"]] as const) {
    const kind = mode === "bilinear" ? "linear" : "nearest";
    const shape = [2, 16, 64, 64], size = [128, 128];
    const n = 2 * 16 * 64 * 64, m = 2 * 16 * 128 * 128;
    const vs: Variant[] = [];
    for (const [dt, C] of dtypes) {
      const g = upsample2dGeometry(shape, size, { kind, double: C === Float64Array });
      const x = filled(C, n, 1), y = new C(m);
      const mono = (dt === "f32" ? interp.mono32 : interp.mono64)[fn]!;
      vs.push({ label: `mono ${dt}`, run: () => mono(g, x, y) });
      vs.push({ label: `generic ${dt}`, run: () => interp.generic[fn]!(g, x, y) });
    }
    out.push({ name: `interpolate ${mode} [2,16,64,64]->128x128`, variants: vs, warm: () => { for (const v of vs) v.run(); } });
  }
  {
    const pool = { mono32: await kernelCopy("pool2d", "mono32"), mono64: await kernelCopy("pool2d", "mono64"),
      generic: await kernelCopy("pool2d", "generic") };
    const g = maxPool2dGeometry([8, 16, 56, 56], { kernelSize: 2 });
    const n = 8 * 16 * 56 * 56, m = 8 * 16 * 28 * 28;
    const idx = new Int32Array(m);
    const vs: Variant[] = [];
    for (const [dt, C] of dtypes) {
      const x = filled(C, n, 2), y = new C(m);
      const mono = (dt === "f32" ? pool.mono32 : pool.mono64).maxPool2d!;
      vs.push({ label: `mono ${dt}`, run: () => mono(g, x, y, idx) });
      vs.push({ label: `generic ${dt}`, run: () => pool.generic.maxPool2d!(g, x, y, idx) });
      // The general window loop (any window), which served float64 before the 2x2 path did.
      vs.push({ label: `windows ${dt}`, run: () => pool.generic.maxPoolWindows!(g, x, y, idx) });
    }
    out.push({ name: "max_pool2d 2x2 [8,16,56,56]", variants: vs, warm: () => { for (const v of vs) v.run(); } });
  }

  // --- gemm: 128^3 and a Linear layer (x W^T, 64x400 by 120x400) ---
  {
    const g = { mono32: await kernelCopy("gemm", "mono32"), mono64: await kernelCopy("gemm", "mono64"),
      generic: await genericCopy("gemm") };
    for (const [label, M, N, K, tB] of [["128x128x128", 128, 128, 128, false], ["linear 64x400 . (120x400)^T", 64, 120, 400, true]] as const) {
      const vs: Variant[] = [];
      for (const [dt, C] of dtypes) {
        const A = filled(C, M * K, 3), B = filled(C, K * N, 4), Cm = new C(M * N);
        const ldb = tB ? K : N;
        const mono = (dt === "f32" ? g.mono32 : g.mono64).sgemm!;
        const call = (f: AnyFn) => () => f(false, tB, M, N, K, 1, A, 0, K, B, 0, ldb, 0, Cm, 0, N);
        vs.push({ label: `mono ${dt}`, run: call(mono) });
        vs.push({ label: `generic ${dt}`, run: call(g.generic.sgemm!) });
      }
      out.push({ name: `gemm ${label}`, variants: vs, warm: () => { for (const v of vs) v.run(); } });
    }
  }

  // --- conv2d forward: LeNet's two convolutions at batch 8 ---
  {
    const cv = { mono32: await kernelCopy("conv2d", "mono32"), mono64: await kernelCopy("conv2d", "mono64"),
      generic: await genericCopy("conv2d") };
    for (const [inS, wS] of [[[8, 1, 32, 32], [6, 1, 5, 5]], [[8, 6, 14, 14], [16, 6, 5, 5]]] as const) {
      const g = conv2dGeometry(inS, wS);
      const n = inS.reduce((a: number, b) => a * b, 1), k = wS.reduce((a: number, b) => a * b, 1);
      const m = g.batch * g.outChannels * g.outH * g.outW;
      const vs: Variant[] = [];
      for (const [dt, C] of dtypes) {
        const x = filled(C, n, 5), w = filled(C, k, 6), b = filled(C, wS[0], 7), y = new C(m);
        const mono = (dt === "f32" ? cv.mono32 : cv.mono64).conv2d!;
        vs.push({ label: `mono ${dt}`, run: () => mono(g, x, w, b, y) });
        vs.push({ label: `generic ${dt}`, run: () => cv.generic.conv2d!(g, x, w, b, y) });
      }
      out.push({ name: `conv2d [${inS}] * [${wS}]`, variants: vs, warm: () => { for (const v of vs) v.run(); } });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 15);
  const all = await cases();
  for (const c of all) {
    for (let i = 0; i < 30; i++) c.warm();
    // Calls per sample: about 10 ms of CPU each.
    const reps = c.variants.map((v) => {
      const t = Math.max(0.01, cpuMs(() => { for (let i = 0; i < 5; i++) v.run(); }) / 5);
      return Math.max(1, Math.round(10 / t));
    });
    const samples: number[][] = c.variants.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Interleaved, starting from a different variant each round.
      for (let j = 0; j < c.variants.length; j++) {
        const i = (j + r) % c.variants.length;
        const v = c.variants[i]!, n = reps[i]!;
        samples[i]!.push(cpuMs(() => { for (let q = 0; q < n; q++) v.run(); }) / n);
      }
    }
    const med = samples.map(median);
    console.log(`\n${c.name}`);
    c.variants.forEach((v, i) => {
      const dt = v.label.slice(-3);
      const refLabel = "mono";
      const ref = med[c.variants.findIndex((u) => u.label === `${refLabel} ${dt}`)]!;
      const ratio = v.label.startsWith(refLabel) ? "" : `  ${(med[i]! / ref).toFixed(3)}x ${refLabel}`;
      console.log(`  ${v.label.padEnd(24)} ${med[i]!.toFixed(3).padStart(9)} ms${ratio}`);
    });
  }
}

await main();
