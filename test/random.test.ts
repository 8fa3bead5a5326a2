/**
 * tsorch's random numbers against PyTorch 1.13.1's CPU generator (AVX2 build).
 *
 * The golden values come from test/fixtures/gen_random.py; every fixture case is
 * replayed with tsorch's samplers and compared bit for bit. float64 samplers that
 * call glibc's log/sin/cos are compared in ulps (glibc is not correctly rounded
 * in about 0.1% of calls; tsorch's versions are), everything else bitwise.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  bernoulliFill,
  DEFAULT_RNG_SEED,
  defaultGenerator,
  exponentialFill,
  fanInAndFanOut,
  geometricFill,
  Generator,
  get_rng_state,
  initConv,
  initial_seed,
  initLinear,
  kaimingUniformBound,
  manual_seed,
  MT19937,
  normalFill,
  normalSample,
  randintFill,
  randomFill,
  randomFromToFill,
  randperm,
  RNG_STATE_SIZE,
  set_rng_state,
  uniformBound,
  uniformFill,
  type SampleArray,
  type SampleDType,
} from "../src/random/index.js";
import { fmaf } from "../src/random/float32.js";
import { fma64, glibcCos, glibcLog, glibcSin } from "../src/random/libm.js";
import { logfAvx, sincosfAvx, sincosOut } from "../src/random/avx_mathfun.js";
import { cppDouble } from "../src/random/dtypes.js";
import { TsorchError } from "../src/errors.js";

// ------------------------------------------------------------------ fixture

interface Expect {
  f32?: string;
  f64?: string;
  int?: string[];
}
interface Op extends Expect {
  op: string;
  dtype?: SampleDType;
  shape?: number[];
  n?: number;
  from?: number | string;
  to?: number | string;
  low?: string;
  high?: string;
  mean?: number;
  std?: number;
  p?: number;
  lambd?: number;
  contiguous?: boolean;
  storage?: [number, number];
  expect?: Expect;
  sha256?: string;
  head?: number[];
}
interface Case {
  name: string;
  seed: string;
  generator: boolean;
  ops: Op[];
  initial_seed: string;
  state_engine_sha256: string;
  state_tail: string;
}
interface LayerRecord {
  type: string;
  in_channels?: number;
  out_channels?: number;
  kernel_size?: number[];
  groups?: number;
  in_features?: number;
  out_features?: number;
  params: Record<string, { shape: number[]; f32: string }>;
  fan_in?: number;
  weight_bound?: number;
  bias_bound?: number;
}
interface Fixture {
  torch_version: string;
  cpu_capability: string;
  default_generator_seed: string;
  cases: Case[];
  sampler: { seed: string; sampler_seed: string; perm: number[] };
  init: { lenet: LayerRecord[]; others: LayerRecord[]; lenet_input: Expect };
  famous: string;
  state: { seed: string; with_cache: string; after: Expect; fresh_generator: string; legacy: string; legacy_after: Expect };
  seeds: { seed: string; initial_seed: string; rand: Expect }[];
  errors: Record<string, { type: string; message: string }>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/random.json", import.meta.url), "utf8"));

function bytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, "base64"));
}
function f32(b64: string): Float32Array {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}
function f64(b64: string): Float64Array {
  const b = bytes(b64);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

/** Distance in units in the last place between two floats of the same type (via their ordered bit patterns). */
function ulps(a: number, b: number, single: boolean): number {
  if (Object.is(a, b)) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  const key = (x: number): bigint => {
    if (single) {
      const i = new Int32Array(new Float32Array([x]).buffer)[0]!;
      return BigInt(i < 0 ? -2147483648 - i : i);
    }
    const i = new BigInt64Array(new Float64Array([x]).buffer)[0]!;
    return i < 0n ? -(1n << 63n) - i : i;
  };
  const d = key(a) - key(b);
  return Number(d < 0n ? -d : d);
}

// ------------------------------------------------------------------ statistics per function, printed at the end

const stats = new Map<string, { total: number; bitwise: number; maxUlp: number }>();
function record(fn: string, got: ArrayLike<number>, want: ArrayLike<number>, single: boolean): { bad: number; maxUlp: number } {
  let bad = 0;
  let maxUlp = 0;
  for (let i = 0; i < want.length; i++) {
    const u = ulps(got[i]!, want[i]!, single);
    if (u !== 0) {
      bad++;
      maxUlp = Math.max(maxUlp, u);
    }
  }
  const s = stats.get(fn) ?? { total: 0, bitwise: 0, maxUlp: 0 };
  s.total += want.length;
  s.bitwise += want.length - bad;
  s.maxUlp = Math.max(s.maxUlp, maxUlp);
  stats.set(fn, s);
  return { bad, maxUlp };
}

afterAll(() => {
  const rows = [...stats.entries()].map(([fn, s]) => ({
    function: fn,
    values: s.total,
    bitwise: `${((100 * s.bitwise) / s.total).toFixed(3)}%`,
    maxUlp: s.maxUlp,
  }));
  console.table(rows);
});

// ------------------------------------------------------------------ replaying fixture operations

function makeArray(dtype: SampleDType, n: number): SampleArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int16":
      return new Int16Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
  }
}

function bound(x: number | string | undefined): bigint | null {
  if (x === undefined) return null;
  return typeof x === "string" ? BigInt(x) : BigInt(x);
}

const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs one fixture operation with tsorch and returns the array it produced and the sampler's name for the stats. */
function runOp(op: Op, gen: Generator): { out: SampleArray; fn: string } {
  const dtype: SampleDType = op.dtype ?? "float32";
  const n = op.n ?? (op.shape ? prod(op.shape) : 0);
  switch (op.op) {
    case "randn": {
      const out = makeArray(dtype, n) as Float32Array | Float64Array;
      const path = n >= 16 ? "vectorised" : "scalar";
      return { out: normalFill(out, 0, 1, gen), fn: `randn ${dtype} (${path})` };
    }
    case "rand":
      return { out: uniformFill(makeArray(dtype, n) as Float32Array, 0, 1, gen), fn: `rand ${dtype}` };
    case "uniform":
      return { out: uniformFill(makeArray(dtype, n) as Float32Array, op.from as number, op.to as number, gen), fn: `uniform_ ${dtype}` };
    case "normal": {
      const contiguous = op.contiguous ?? true;
      const path = n >= 16 && contiguous ? "vectorised" : "scalar";
      const out = makeArray(dtype, n) as Float32Array;
      return { out: normalFill(out, op.mean!, op.std!, gen, contiguous), fn: `normal_ ${dtype} (${path})` };
    }
    case "randint":
      return { out: randintFill(makeArray(dtype, n), BigInt(op.low!), BigInt(op.high!), gen, dtype), fn: `randint ${dtype}` };
    case "random": {
      const out = makeArray(dtype, n);
      if (op.from === undefined) return { out: randomFill(out, gen, dtype), fn: `random_() ${dtype}` };
      return { out: randomFromToFill(out, bound(op.from)!, bound(op.to), gen, dtype), fn: `random_(from, to) ${dtype}` };
    }
    case "bernoulli":
      return { out: bernoulliFill(makeArray(dtype, n), op.p!, gen, dtype), fn: `bernoulli_ ${dtype}` };
    case "exponential":
      return { out: exponentialFill(makeArray(dtype, n) as Float32Array, op.lambd!, gen), fn: `exponential_ ${dtype}` };
    case "geometric":
      return { out: geometricFill(makeArray(dtype, n) as Float32Array, op.p!, gen), fn: `geometric_ ${dtype}` };
    case "randperm":
      return { out: randperm(n, gen), fn: "randperm" };
    case "dropout": {
      // F.dropout draws its mask with bernoulli_(1 - p) and scales the kept values by 1 / (1 - p) in float32.
      const mask = bernoulliFill(new Float32Array(n), 1 - op.p!, gen);
      const scale = Math.fround(1 / Math.fround(1 - op.p!));
      return { out: mask.map((m) => m * scale), fn: "dropout mask" };
    }
  }
  throw new Error(`unknown op ${op.op}`);
}

/** Whether a float64 sampler goes through glibc's log/sin/cos (compared in ulps rather than bitwise). */
function callsLibm(op: Op): boolean {
  const dtype = op.dtype ?? "float32";
  if (op.op === "exponential" || op.op === "geometric") return dtype === "float64";
  if (op.op === "randn" || op.op === "normal") return dtype === "float64";
  return false;
}

function checkOp(op: Op, got: SampleArray, fn: string, where: string): void {
  if (op.sha256 !== undefined) {
    const asInt32 = Int32Array.from(got as Float64Array);
    const digest = createHash("sha256").update(new Uint8Array(asInt32.buffer)).digest("hex");
    expect(Array.from(asInt32.slice(0, 10)), where).toEqual(op.head);
    expect(digest, where).toBe(op.sha256);
    record(fn, [0], [0], false);
    return;
  }
  const want = op.expect!;
  if (want.int !== undefined) {
    const gotStrings = Array.from(got as ArrayLike<number | bigint>, (v) => String(v));
    expect(gotStrings, where).toEqual(want.int);
    record(fn, gotStrings.map(Number), want.int.map(Number), false);
    return;
  }
  const single = want.f32 !== undefined;
  const ref = single ? f32(want.f32!) : f64(want.f64!);
  expect(got.length, where).toBe(ref.length);
  const { bad, maxUlp } = record(fn, got as Float64Array, ref, single);
  if (callsLibm(op)) {
    // glibc's double log/sin/cos are off by one ulp in ~0.1% of calls; allow that, nothing more.
    expect(maxUlp, `${where}: max ulp`).toBeLessThanOrEqual(2);
    expect(bad / ref.length, `${where}: fraction not bitwise`).toBeLessThan(0.02);
  } else {
    expect(bad, `${where}: values differing from PyTorch (max ${maxUlp} ulp)`).toBe(0);
  }
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

// ------------------------------------------------------------------ tests

describe("MT19937", () => {
  it("produces the reference Mersenne Twister stream", () => {
    const mt = new MT19937(5489n);
    expect(mt.nextUint32()).toBe(3499211612);
    // The C++ standard requires the 10000th output of a default-constructed mt19937 to be 4123659995.
    for (let i = 1; i < 9999; i++) mt.nextUint32();
    expect(mt.nextUint32()).toBe(4123659995);
  });

  it("seeds from the low 32 bits but remembers the whole seed", () => {
    const a = new MT19937(5n);
    const b = new MT19937((1n << 32n) + 5n);
    expect(b.seed).toBe((1n << 32n) + 5n);
    for (let i = 0; i < 700; i++) expect(b.nextUint32()).toBe(a.nextUint32());
  });

  it("round-trips through its data and validates it", () => {
    const a = new MT19937(9n);
    for (let i = 0; i < 1000; i++) a.nextUint32();
    const b = MT19937.fromData(a.data());
    for (let i = 0; i < 700; i++) expect(b.nextUint32()).toBe(a.nextUint32());
    expect(MT19937.fromData({ ...a.data(), left: 0 }).isValid()).toBe(false);
    expect(MT19937.fromData({ ...a.data(), next: 625 }).isValid()).toBe(false);
    expect(MT19937.fromData({ ...a.data(), seeded: false }).isValid()).toBe(false);
  });
});

describe("Generator", () => {
  it("starts from PyTorch's default seed and state, and the default generator from a random seed", () => {
    expect(new Generator().initial_seed()).toBe(DEFAULT_RNG_SEED);
    expect(String(DEFAULT_RNG_SEED)).toBe(fixture.default_generator_seed);
    expect(Buffer.from(new Generator().get_state()).toString("base64")).toBe(fixture.state.fresh_generator);
    // Like PyTorch's, tsorch's default generator is seeded nondeterministically at startup.
    expect(defaultGenerator.initial_seed()).not.toBe(DEFAULT_RNG_SEED);
  });

  it("treats seeds above 2^32, above 2^63 and negative seeds as PyTorch does", () => {
    for (const row of fixture.seeds) {
      const g = manual_seed(BigInt(row.seed));
      expect(String(g.initial_seed()), row.seed).toBe(row.initial_seed);
      expect(String(initial_seed())).toBe(row.initial_seed);
      const got = uniformFill(new Float32Array(2));
      expect(Array.from(got), row.seed).toEqual(Array.from(f32(row.rand.f32!)));
    }
    // Numbers work too; torch.manual_seed truncates floats like int() does.
    expect(manual_seed(-1).initial_seed()).toBe((1n << 64n) - 1n);
    expect(manual_seed(1.5).initial_seed()).toBe(1n);
  });

  it("refuses seeds PyTorch refuses, with PyTorch's messages", () => {
    const e = fixture.errors;
    expect(() => manual_seed(1n << 64n)).toThrow(e.manual_seed_overflow!.message);
    expect(() => manual_seed(-(1n << 63n) - 1n)).toThrow(e.manual_seed_negative_overflow!.message);
    expect(() => new Generator().manual_seed(1.5)).toThrow(e.generator_manual_seed_float!.message);
    expect(() => manual_seed(NaN)).toThrow(TsorchError);
    try {
      manual_seed(1n << 64n);
    } catch (err) {
      expect((err as TsorchError).name).toBe(e.manual_seed_overflow!.type);
    }
  });

  it("random64 puts the first 32-bit draw in the high word", () => {
    const a = new Generator().manual_seed(3);
    const b = new Generator().manual_seed(3);
    const hi = b.random();
    const lo = b.random();
    expect(a.random64()).toBe((BigInt(hi) << 32n) | BigInt(lo));
    const c = new Generator().manual_seed(3);
    expect(c.random53()).toBe((hi & 0x1fffff) * 2 ** 32 + lo);
  });

  it("get_state gives torch.get_rng_state()'s bytes, cached normal sample included", () => {
    manual_seed(BigInt(fixture.state.seed));
    uniformFill(new Float32Array(3));
    normalFill(new Float32Array(1));
    expect(defaultGenerator.nextDoubleNormalSample).toBeDefined();
    const mine = get_rng_state();
    const torchState = bytes(fixture.state.with_cache);
    expect(mine.length).toBe(RNG_STATE_SIZE);
    expect(sha256(mine.subarray(0, 5016))).toBe(sha256(torchState.subarray(0, 5016)));
    const cachedMine = new DataView(mine.buffer).getFloat64(5024, true);
    const cachedTorch = new DataView(torchState.buffer, torchState.byteOffset).getFloat64(5024, true);
    expect(ulps(cachedMine, cachedTorch, false)).toBeLessThanOrEqual(1);
    const after = normalFill(new Float32Array(5));
    expect(Array.from(after)).toEqual(Array.from(f32(fixture.state.after.f32!)));
  });

  it("set_state accepts PyTorch's bytes (current and legacy layouts) and continues PyTorch's stream", () => {
    const g = new Generator().set_state(bytes(fixture.state.with_cache));
    expect(g.initial_seed()).toBe(BigInt(fixture.state.seed));
    expect(Array.from(normalFill(new Float32Array(5), 0, 1, g))).toEqual(Array.from(f32(fixture.state.after.f32!)));
    // Legacy states store the cached sample as Box-Muller inputs (zeroed by newer PyTorch), giving 0.
    set_rng_state(bytes(fixture.state.legacy));
    expect(Array.from(normalFill(new Float32Array(3)))).toEqual(Array.from(f32(fixture.state.legacy_after.f32!)));
  });

  it("set_state refuses bad states with PyTorch's messages", () => {
    const g = new Generator();
    expect(() => g.set_state(new Uint8Array(10))).toThrow(fixture.errors.set_state_size!.message);
    expect(() => g.set_state(new Uint8Array(RNG_STATE_SIZE))).toThrow(fixture.errors.set_state_invalid!.message);
  });

  it("clone and state round trips are independent copies", () => {
    const g = new Generator().manual_seed(77);
    normalFill(new Float64Array(3), 0, 1, g);
    const c = g.clone();
    const saved = g.get_state();
    const a = normalFill(new Float64Array(40), 0, 1, g);
    expect(Array.from(normalFill(new Float64Array(40), 0, 1, c))).toEqual(Array.from(a));
    g.set_state(saved);
    expect(Array.from(normalFill(new Float64Array(40), 0, 1, g))).toEqual(Array.from(a));
  });

  it("seed() reseeds nondeterministically and clears the cache", () => {
    const g = new Generator();
    normalSample(g);
    const s1 = g.seed();
    expect(g.nextDoubleNormalSample).toBeUndefined();
    expect(g.initial_seed()).toBe(s1);
    expect(g.seed()).not.toBe(s1);
  });
});

describe("fixture cases replayed against PyTorch", () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      let gen: Generator;
      if (c.generator) gen = new Generator().manual_seed(BigInt(c.seed));
      else gen = manual_seed(BigInt(c.seed));
      c.ops.forEach((op, k) => {
        const { out, fn } = runOp(op, gen);
        checkOp(op, out, fn, `${c.name} / op ${k} (${op.op})`);
      });
      expect(String(gen.initial_seed())).toBe(c.initial_seed);
      // The engine must be at exactly PyTorch's position; the cached normal sample equal up to glibc's last bit.
      const state = gen.get_state();
      expect(sha256(state.subarray(0, 5016)), "engine state").toBe(c.state_engine_sha256);
      const tail = bytes(c.state_tail);
      const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
      const sv = new DataView(state.buffer, 5016, 40);
      expect(sv.getInt32(24, true), "double cache valid").toBe(tv.getInt32(24, true));
      expect(ulps(sv.getFloat64(8, true), tv.getFloat64(8, true), false), "cached double sample").toBeLessThanOrEqual(1);
      expect(Array.from(state.subarray(5032 + 16))).toEqual(Array.from(tail.subarray(32)));
    });
  }
});

describe("what a seeded tutorial prints", () => {
  it("manual_seed(0); randn(1, 1, 4, 4) gives -1.1258, -1.1524, -0.2506, ...", () => {
    manual_seed(0);
    const x = normalFill(new Float32Array(16));
    const printed = fixture.famous.match(/-?\d+\.\d{4}/g)!.map(Number);
    expect(printed.slice(0, 3)).toEqual([-1.1258, -1.1524, -0.2506]);
    expect(Array.from(x, (v) => Number(v.toFixed(4)))).toEqual(printed);
  });

  it("the LeNet layers get PyTorch's default init, bit for bit", () => {
    manual_seed(0);
    for (const rec of fixture.init.lenet) initLayer(rec);
    // ...and the input drawn right after is torch.randn(1, 1, 32, 32) at the same stream position.
    const x = normalFill(new Float32Array(1024));
    record("randn after LeNet init", x, f32(fixture.init.lenet_input.f32!), true);
    expect(Array.from(x)).toEqual(Array.from(f32(fixture.init.lenet_input.f32!)));
  });

  it("grouped convs, bias-free Linear and BatchNorm (which draws nothing) match too", () => {
    manual_seed(0);
    for (const rec of fixture.init.others) initLayer(rec);
  });

  it("the init bounds equal init.py's double arithmetic", () => {
    for (const rec of fixture.init.lenet) {
      expect(kaimingUniformBound(rec.fan_in!)).toBe(rec.weight_bound);
      expect(uniformBound(rec.fan_in!)).toBe(rec.bias_bound);
      expect(fanInAndFanOut(rec.params.weight!.shape)[0]).toBe(rec.fan_in);
    }
  });

  it("RandomSampler's shuffle: one int64 random_() seeds a fresh Generator for randperm", () => {
    manual_seed(BigInt(fixture.sampler.seed));
    const seedOut = randomFill(new BigInt64Array(1));
    expect(String(seedOut[0])).toBe(fixture.sampler.sampler_seed);
    const g = new Generator().manual_seed(seedOut[0]!);
    expect(Array.from(randperm(10, g))).toEqual(fixture.sampler.perm);
  });
});

/** Re-creates one layer's parameters with initConv/initLinear and compares them with PyTorch's. */
function initLayer(rec: LayerRecord): void {
  const wantW = rec.params.weight ? f32(rec.params.weight.f32) : null;
  const wantB = rec.params.bias ? f32(rec.params.bias.f32) : null;
  if (rec.type === "BatchNorm2d") {
    // weight = 1, bias = 0, no draws: nothing to call.
    expect(Array.from(wantW!).every((v) => v === 1)).toBe(true);
    expect(Array.from(wantB!).every((v) => v === 0)).toBe(true);
    return;
  }
  const w = new Float32Array(wantW!.length);
  const b = wantB ? new Float32Array(wantB.length) : null;
  if (rec.type === "Conv2d") {
    const fanIn = (rec.in_channels! / rec.groups!) * prod(rec.kernel_size!);
    expect(fanIn).toBe(rec.fan_in);
    initConv(w, b, fanIn);
  } else {
    initLinear(w, b, rec.in_features!);
  }
  const label = `${rec.type} init`;
  expect(record(label, w, wantW!, true).bad, `${label} weight`).toBe(0);
  if (b) expect(record(label, b, wantB!, true).bad, `${label} bias`).toBe(0);
}

describe("argument errors carry PyTorch's messages", () => {
  const e = fixture.errors;
  const cases: [string, () => unknown][] = [
    ["uniform_from_gt_to", () => uniformFill(new Float32Array(3), 2, 1)],
    ["uniform_from_gt_to_frac", () => uniformFill(new Float32Array(3), 0.5, 1e-7)],
    ["uniform_to_inf", () => uniformFill(new Float32Array(3), 0, Infinity)],
    ["uniform_range_overflow", () => uniformFill(new Float32Array(3), -3e38, 3e38)],
    ["normal_std_negative", () => normalFill(new Float32Array(3), 0, -1)],
    ["normal_std_negative_frac", () => normalFill(new Float32Array(3), 0, -0.25)],
    ["bernoulli_p", () => bernoulliFill(new Float32Array(3), 1.5)],
    ["exponential_lambda", () => exponentialFill(new Float32Array(3), -1)],
    ["geometric_p", () => geometricFill(new Float32Array(3), 0)],
    ["random_from_ge_to", () => randomFromToFill(new BigInt64Array(3), 5, 5)],
    ["random_int32_out_of_bounds", () => randomFromToFill(new Int32Array(3), 0, 2 ** 40)],
    ["random_int32_from_out_of_bounds", () => randomFromToFill(new Int32Array(3), -(2 ** 40), 0)],
    ["random_uint8_out_of_bounds", () => randomFromToFill(new Uint8Array(3), 0, 300)],
    ["random_int16_out_of_bounds", () => randomFromToFill(new Int16Array(3), 0, 2 ** 16)],
    ["random_int8_out_of_bounds", () => randomFromToFill(new Int8Array(3), -200, 0)],
    ["randperm_negative", () => randperm(-1)],
  ];
  for (const [key, fn] of cases) {
    it(key, () => {
      const want = e[key]!;
      let caught: unknown;
      try {
        fn();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TsorchError);
      expect((caught as TsorchError).message).toBe(want.message);
      expect((caught as TsorchError).name).toBe(want.type);
    });
  }

  it("an array that cannot hold the dtype is refused", () => {
    expect(() => randomFill(new Float32Array(2), undefined, "int64")).toThrow(/cannot hold/);
  });

  it("formats doubles like C++ streams", () => {
    expect(cppDouble(2)).toBe("2");
    expect(cppDouble(0.5)).toBe("0.5");
    expect(cppDouble(1e-7)).toBe("1e-07");
    expect(cppDouble(3e38)).toBe("3e+38");
    expect(cppDouble(123456789)).toBe("1.23457e+08");
    expect(cppDouble(0.0001234)).toBe("0.0001234");
    expect(cppDouble(NaN)).toBe("nan");
  });
});

describe("arithmetic building blocks", () => {
  /** Exact a*b+c rounded to the given precision, via BigInt rationals (all doubles are dyadic). */
  function exactFma(a: number, b: number, c: number, single: boolean): number {
    const toFrac = (x: number): [bigint, number] => {
      // x = m * 2^e exactly
      if (x === 0) return [0n, 0];
      let e = 0;
      let m = x;
      while (!Number.isInteger(m)) {
        m *= 2;
        e--;
      }
      return [BigInt(m), e];
    };
    const [ma, ea] = toFrac(a);
    const [mb, eb] = toFrac(b);
    const [mc, ec] = toFrac(c);
    const ep = ea + eb;
    const e = Math.min(ep, ec);
    const sum = ma * mb * (1n << BigInt(ep - e)) + mc * (1n << BigInt(ec - e));
    // Round sum * 2^e to `bits` significant bits, ties to even.
    const bits = single ? 24 : 53;
    if (sum === 0n) return 0;
    const neg = sum < 0n;
    let s = neg ? -sum : sum;
    const len = s.toString(2).length;
    let exp = e;
    if (len > bits) {
      const shift = BigInt(len - bits);
      const q = s >> shift;
      const r = s - (q << shift);
      const half = 1n << (shift - 1n);
      s = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
      exp += Number(shift);
    }
    const v = Number(s) * 2 ** exp;
    return neg ? -v : v;
  }

  it("fmaf rounds once, including double-rounding ties", () => {
    const g = new Generator().manual_seed(1);
    const f = Math.fround;
    let checked = 0;
    for (let i = 0; i < 20000; i++) {
      const a = f((g.random() / 2 ** 32 - 0.5) * 8);
      const b = f((g.random() / 2 ** 32 - 0.5) * 8);
      // c chosen near -a*b so that cancellation and ties happen.
      const c = i % 2 ? f(-a * b + f(g.random() / 2 ** 40)) : f((g.random() / 2 ** 32 - 0.5) * 2 ** -((i % 30) - 5));
      expect(fmaf(a, b, c)).toBe(exactFma(a, b, c, true));
      checked++;
    }
    // A constructed tie: a*b + c lands exactly halfway in double but not exactly.
    const a = f(1 + 2 ** -23);
    const b = f(1 + 2 ** -23);
    const c = f(2 ** -24);
    expect(fmaf(a, b, c)).toBe(exactFma(a, b, c, true));
    expect(checked).toBe(20000);
  });

  it("fma64 rounds once", () => {
    const g = new Generator().manual_seed(2);
    for (let i = 0; i < 20000; i++) {
      const a = (g.random53() / 2 ** 53 - 0.5) * 16;
      const b = (g.random53() / 2 ** 53 - 0.5) * 16;
      const c = i % 2 ? -a * b : (g.random53() / 2 ** 53 - 0.5) * 2 ** -((i % 60) - 5);
      expect(fma64(a, b, c)).toBe(exactFma(a, b, c, false));
    }
    expect(fma64(0.1, 10, -1)).toBe(5.551115123125783e-17);
  });

  it("log, sin and cos are correctly rounded on known values and within an ulp of Math's", () => {
    expect(glibcLog(0.5)).toBe(-0.6931471805599453);
    expect(glibcLog(2)).toBe(0.6931471805599453);
    expect(glibcLog(1)).toBe(0);
    expect(glibcLog(0)).toBe(-Infinity);
    expect(glibcLog(-1)).toBeNaN();
    expect(glibcLog(Number.MIN_VALUE)).toBe(-744.4400719213812);
    expect(glibcSin(Math.PI)).toBe(1.2246467991473532e-16);
    expect(glibcCos(Math.PI)).toBe(-1);
    expect(glibcSin(0)).toBe(0);
    expect(glibcCos(0)).toBe(1);
    const g = new Generator().manual_seed(3);
    for (let i = 0; i < 5000; i++) {
      const u = g.random53() / 2 ** 53;
      const th = 2 * Math.PI * u;
      expect(ulps(glibcSin(th), Math.sin(th), false)).toBeLessThanOrEqual(1);
      expect(ulps(glibcCos(th), Math.cos(th), false)).toBeLessThanOrEqual(1);
      expect(ulps(glibcLog(1 - u), Math.log(1 - u), false)).toBeLessThanOrEqual(1);
    }
  });

  it("the AVX lane functions stay close to the true functions", () => {
    const g = new Generator().manual_seed(4);
    for (let i = 0; i < 5000; i++) {
      const u = Math.fround((g.random() & 0xffffff) / 2 ** 24);
      const th = Math.fround(Math.fround(2 * Math.PI) * u);
      sincosfAvx(th);
      expect(Math.abs(sincosOut.sin - Math.sin(th))).toBeLessThan(2e-7);
      expect(Math.abs(sincosOut.cos - Math.cos(th))).toBeLessThan(2e-7);
      const x = Math.fround(1 - u);
      expect(Math.abs(logfAvx(x) - Math.log(x))).toBeLessThanOrEqual(Math.abs(Math.log(x)) * 3e-7 + 1e-7);
    }
  });
});
