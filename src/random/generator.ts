/**
 * `Generator`: PyTorch's CPU random number generator (ATen `CPUGeneratorImpl`),
 * reproduced so that a seeded notebook prints the numbers PyTorch prints.
 *
 * A generator is an MT19937 engine plus two one-value caches: the Box-Muller
 * transform makes normal samples in pairs, and PyTorch's scalar normal path
 * keeps the second of each pair for the next call (`next_double_normal_sample`;
 * `next_float_normal_sample` exists for the float distribution and is kept in
 * the saved state too). `manual_seed` clears both caches, which is why
 * `manual_seed(0); randn(3)` always prints the same numbers.
 *
 * Seeds are unsigned 64-bit integers. As in PyTorch, negative seeds down to
 * -2^63 are taken as their two's complement (`manual_seed(-1)` seeds
 * 18446744073709551615) and anything outside [-2^63, 2^64) is refused.
 * `initial_seed()` returns the seed as a `bigint` because seeds above 2^53 do
 * not fit a JS number exactly.
 *
 * The default generator, like PyTorch's, starts from a nondeterministic
 * 64-bit seed (`torch.initial_seed()` differs in every fresh process); a
 * `new Generator()` starts from PyTorch's fixed default seed 67280421310721,
 * exactly like `torch.Generator()`.
 *
 * @example
 * import { Generator, manual_seed, defaultGenerator } from "./generator.js";
 * manual_seed(42);                    // seeds defaultGenerator, like torch.manual_seed(42)
 * const g = new Generator().manual_seed(7);
 * g.initial_seed();                   // 7n
 * const saved = g.get_state();        // 5056 bytes, torch.get_rng_state() layout
 * const a = g.random();
 * g.set_state(saved);
 * g.random() === a;                   // true
 */

import { ArgumentError, TsorchError } from "../errors.js";
import { glibcSin } from "./libm.js";
import { MERSENNE_STATE_N, MT19937 } from "./mt19937.js";

/** The seed of a fresh `torch.Generator()` (ATen's `default_rng_seed_val`). */
export const DEFAULT_RNG_SEED = 67280421310721n;

/** Size in bytes of the state `get_state()` returns: `sizeof(CPUGeneratorImplState)` on x86-64. */
export const RNG_STATE_SIZE = 5056;

/** Size of the older state layout `set_state` still accepts (`CPUGeneratorImplStateLegacy`, no float cache). */
export const RNG_STATE_SIZE_LEGACY = 5048;

// Byte offsets of the fields of CPUGeneratorImplState (a legacy TH struct plus two new fields).
const OFF_INITIAL_SEED = 0; // uint64
const OFF_LEFT = 8; // int32
const OFF_SEEDED = 12; // int32
const OFF_NEXT = 16; // uint64
const OFF_STATE = 24; // uint64[624]
const OFF_NORMAL_X = OFF_STATE + 8 * MERSENNE_STATE_N; // 5016, double, unused (0)
const OFF_NORMAL_Y = OFF_NORMAL_X + 8; // double: the cached double normal sample
const OFF_NORMAL_RHO = OFF_NORMAL_Y + 8; // double, unused (0)
const OFF_NORMAL_IS_VALID = OFF_NORMAL_RHO + 8; // int32
const OFF_FLOAT_NORMAL = OFF_NORMAL_IS_VALID + 8; // 5048, float (after 4 bytes of padding)
const OFF_FLOAT_NORMAL_VALID = OFF_FLOAT_NORMAL + 4; // bool

const TWO_POW_64 = 1n << 64n;
const TWO_POW_63 = 1n << 63n;

/**
 * Converts a seed the way PyTorch's `Generator.manual_seed` unpacks it: an
 * integer in [0, 2^64) is used as is, one in [-2^63, 0) is reinterpreted as
 * uint64, anything else is an overflow.
 */
export function seedToUint64(seed: number | bigint): bigint {
  let s: bigint;
  if (typeof seed === "bigint") {
    s = seed;
  } else if (typeof seed === "number" && Number.isInteger(seed)) {
    s = BigInt(seed);
  } else if (typeof seed === "boolean") {
    s = seed ? 1n : 0n;
  } else {
    const kind = pyTypeName(seed);
    throw new ArgumentError(`manual_seed expected a long, but got ${kind}`, "seed", "RuntimeError");
  }
  if (s >= TWO_POW_64 || s < -TWO_POW_63) {
    throw new ArgumentError("Overflow when unpacking long", "seed", "RuntimeError");
  }
  return BigInt.asUintN(64, s);
}

/** The Python type name of a JS value, for "expected a long, but got float". */
function pyTypeName(x: unknown): string {
  if (typeof x === "number") return "float";
  if (typeof x === "string") return "str";
  if (x === null || x === undefined) return "NoneType";
  if (Array.isArray(x)) return "list";
  return typeof x;
}

/** A nondeterministic 64-bit seed, as `c10::detail::getNonDeterministicRandom()` reads one from /dev/urandom. */
export function nondeterministicSeed(): bigint {
  const words = new BigUint64Array(1);
  globalThis.crypto.getRandomValues(words);
  return words[0]!;
}

export class Generator {
  /** Only CPU generators exist in tsorch. */
  readonly device = "cpu";
  /** The MT19937 engine; every draw goes through it. */
  engine: MT19937;
  /** Second value of the last scalar Box-Muller pair in double precision, consumed by the next scalar normal draw. */
  nextDoubleNormalSample: number | undefined = undefined;
  /** The float counterpart of `nextDoubleNormalSample` (kept for state round-trips). */
  nextFloatNormalSample: number | undefined = undefined;

  /** A generator seeded with 67280421310721, like `torch.Generator()` (or `torch.Generator("cpu")`). */
  constructor(device: string = "cpu") {
    if (device !== "cpu") {
      throw new ArgumentError(`tsorch generators live on the CPU only, but got device='${device}'`, "device", "RuntimeError");
    }
    this.engine = new MT19937(DEFAULT_RNG_SEED);
  }

  /**
   * Seeds the generator and clears both cached normal samples
   * (`torch.Generator.manual_seed`). Returns the generator, as PyTorch does.
   */
  manual_seed(seed: number | bigint): this {
    this.setCurrentSeed(seedToUint64(seed));
    return this;
  }

  /** The seed this generator was last seeded with, as an unsigned 64-bit `bigint`. */
  initial_seed(): bigint {
    return this.engine.seed;
  }

  /** Reseeds from a nondeterministic source and returns the new seed (`torch.Generator.seed`). */
  seed(): bigint {
    const s = nondeterministicSeed();
    this.setCurrentSeed(s);
    return s;
  }

  /** One 32-bit draw, in [0, 2^32): `CPUGeneratorImpl::random()`. */
  random(): number {
    return this.engine.nextUint32();
  }

  /**
   * One 64-bit draw: two 32-bit draws, the FIRST being the high word
   * (`CPUGeneratorImpl::random64()` calls `make64BitsFrom32Bits(random1, random2)`).
   */
  random64(): bigint {
    return this.engine.nextUint64();
  }

  /**
   * The low 53 bits of `random64()` as an exact JS number, without BigInt: what
   * `uniform_real_distribution<double>` keeps of each 64-bit draw.
   */
  random53(): number {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return (hi & 0x1fffff) * 4294967296 + lo;
  }

  /**
   * The generator's full state in the byte layout of `torch.get_rng_state()`
   * (5056 bytes, little-endian `CPUGeneratorImplState`), so a state saved by
   * PyTorch can be loaded here and the other way round.
   */
  get_state(): Uint8Array {
    const bytes = new Uint8Array(RNG_STATE_SIZE);
    const view = new DataView(bytes.buffer);
    const e = this.engine;
    view.setBigUint64(OFF_INITIAL_SEED, e.seed, true);
    view.setInt32(OFF_LEFT, e.left, true);
    view.setInt32(OFF_SEEDED, e.seeded ? 1 : 0, true);
    view.setBigUint64(OFF_NEXT, BigInt(e.next), true);
    for (let i = 0; i < MERSENNE_STATE_N; i++) {
      // Each 32-bit word is stored widened to 64 bits (the legacy TH layout).
      view.setUint32(OFF_STATE + 8 * i, e.state[i]!, true);
    }
    if (this.nextDoubleNormalSample !== undefined) {
      view.setFloat64(OFF_NORMAL_Y, this.nextDoubleNormalSample, true);
      view.setInt32(OFF_NORMAL_IS_VALID, 1, true);
    }
    if (this.nextFloatNormalSample !== undefined) {
      view.setFloat32(OFF_FLOAT_NORMAL, this.nextFloatNormalSample, true);
      bytes[OFF_FLOAT_NORMAL_VALID] = 1;
    }
    return bytes;
  }

  /**
   * Restores a state from `get_state()` (or from PyTorch's `torch.get_rng_state()`
   * bytes). Also takes the 5048-byte legacy layout, whose cached normal sample
   * is stored as Box-Muller inputs: as in PyTorch it becomes
   * `normal_rho * sin(2 pi normal_x)`. Refuses states of another size or with
   * an impossible engine position, with PyTorch's messages.
   */
  set_state(state: Uint8Array): this {
    if (!(state instanceof Uint8Array)) {
      throw new ArgumentError("RNG state must be a torch.ByteTensor", "new_state", "TypeError");
    }
    const legacy = state.length === RNG_STATE_SIZE_LEGACY;
    if (!legacy && state.length !== RNG_STATE_SIZE) {
      throw new TsorchError(
        `Expected either a CPUGeneratorImplStateLegacy of size ${RNG_STATE_SIZE_LEGACY} or a CPUGeneratorImplState of size ${RNG_STATE_SIZE} but found the input RNG state size to be ${state.length}`,
      );
    }
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const words = new Uint32Array(MERSENNE_STATE_N);
    for (let i = 0; i < MERSENNE_STATE_N; i++) words[i] = view.getUint32(OFF_STATE + 8 * i, true);
    const engine = MT19937.fromData({
      seed: view.getBigUint64(OFF_INITIAL_SEED, true),
      left: view.getInt32(OFF_LEFT, true),
      seeded: view.getInt32(OFF_SEEDED, true) !== 0,
      // PyTorch narrows the stored uint64 to uint32.
      next: view.getUint32(OFF_NEXT, true),
      state: words,
    });
    if (!engine.isValid()) throw new TsorchError("Invalid mt19937 state");
    const cacheValid = view.getInt32(OFF_NORMAL_IS_VALID, true) !== 0;
    let cachedDouble: number | undefined;
    let cachedFloat: number | undefined;
    if (legacy) {
      if (cacheValid) {
        const rho = view.getFloat64(OFF_NORMAL_RHO, true);
        const x = view.getFloat64(OFF_NORMAL_X, true);
        cachedDouble = rho * glibcSin(2.0 * Math.PI * x);
      }
    } else {
      if (cacheValid) cachedDouble = view.getFloat64(OFF_NORMAL_Y, true);
      if (state[OFF_FLOAT_NORMAL_VALID]) cachedFloat = view.getFloat32(OFF_FLOAT_NORMAL, true);
    }
    this.engine = engine;
    this.nextDoubleNormalSample = cachedDouble;
    this.nextFloatNormalSample = cachedFloat;
    return this;
  }

  /** An independent generator in the same state (engine and both caches). */
  clone(): Generator {
    const g = new Generator();
    g.engine = this.engine.clone();
    g.nextDoubleNormalSample = this.nextDoubleNormalSample;
    g.nextFloatNormalSample = this.nextFloatNormalSample;
    return g;
  }

  /** `set_current_seed`: a fresh engine and empty normal caches. */
  private setCurrentSeed(seed: bigint): void {
    this.nextFloatNormalSample = undefined;
    this.nextDoubleNormalSample = undefined;
    this.engine = new MT19937(seed);
  }
}

/**
 * The generator every sampling function uses when none is passed
 * (`torch.default_generator`). Seeded nondeterministically at startup, like
 * PyTorch's; call `manual_seed` for reproducible numbers.
 */
export const defaultGenerator: Generator = new Generator();
defaultGenerator.seed();

/**
 * `torch.manual_seed(seed)`: seeds the default generator and returns it.
 * Like the Python function it first converts the seed with `int()`, so
 * `manual_seed(1.5)` seeds 1 (a `Generator`'s own `manual_seed` refuses floats).
 */
export function manual_seed(seed: number | bigint): Generator {
  return defaultGenerator.manual_seed(pyInt(seed));
}

/** `torch.initial_seed()`: the seed of the default generator. */
export function initial_seed(): bigint {
  return defaultGenerator.initial_seed();
}

/** `torch.seed()`: reseeds the default generator nondeterministically and returns the seed. */
export function seed(): bigint {
  return defaultGenerator.seed();
}

/** `torch.get_rng_state()`: the default generator's state bytes. */
export function get_rng_state(): Uint8Array {
  return defaultGenerator.get_state();
}

/** `torch.set_rng_state(state)`. */
export function set_rng_state(state: Uint8Array): void {
  defaultGenerator.set_state(state);
}

/** Python's `int(x)` on a number: truncation toward zero, with Python's errors for NaN and infinities. */
function pyInt(x: number | bigint): number | bigint {
  if (typeof x === "bigint") return x;
  if (typeof x !== "number") return x;
  if (Number.isNaN(x)) throw new ArgumentError("cannot convert float NaN to integer", "seed", "ValueError");
  if (!Number.isFinite(x)) throw new ArgumentError("cannot convert float infinity to integer", "seed", "RuntimeError");
  const t = Math.trunc(x);
  // Beyond 2^53 a JS number is already an integer; BigInt keeps every bit of it.
  return Number.isSafeInteger(t) ? t : BigInt(t);
}
