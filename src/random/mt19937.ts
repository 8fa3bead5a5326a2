/**
 * The 32-bit Mersenne Twister exactly as PyTorch's CPU generator runs it
 * (ATen `at::mt19937`, aten/src/ATen/core/MT19937RNGEngine.h).
 *
 * PyTorch keeps its own copy of MT19937 (Cokus' in-place variant of the 2002
 * reference code) rather than `std::mt19937`, but the output stream is the
 * same: seeded with `s`, the first word of `torch.manual_seed(s)` is
 * `std::mt19937(s)()`. What matters for bit-exactness:
 *
 * - the 64-bit seed is remembered whole (it is what `initial_seed()` returns)
 *   but only its low 32 bits initialise the state;
 * - the state is regenerated lazily, on the first draw after seeding
 *   (`left = 1`), and then every 624 draws;
 * - `left`, `next` and `seeded` are part of `torch.get_rng_state()`, so they
 *   are kept here under the same names.
 *
 * @example
 * const mt = new MT19937(5489n);
 * mt.nextUint32(); // 3499211612, the first output of the reference MT19937
 */

/** Words of state (MT19937's N). */
export const MERSENNE_STATE_N = 624;
/** MT19937's M: the offset of the word mixed into each twist. */
export const MERSENNE_STATE_M = 397;

const MATRIX_A = 0x9908b0df;
const UMASK = 0x80000000;
const LMASK = 0x7fffffff;

/** The plain data of an engine: what PyTorch calls `mt19937_data_pod`. */
export interface MT19937Data {
  /** The full 64-bit seed it was created with (only the low 32 bits seed the state). */
  seed: bigint;
  /** Draws left before the state is regenerated (1..624). */
  left: number;
  /** Always true for an engine that was seeded; `set_state` refuses false. */
  seeded: boolean;
  /** Index of the next state word to temper (0..624). */
  next: number;
  /** The 624 state words. */
  state: Uint32Array;
}

export class MT19937 {
  seed: bigint;
  left: number;
  seeded: boolean;
  next: number;
  readonly state: Uint32Array;

  /** Seeds like `at::mt19937(seed)`: a uint64 seed, of which the low 32 bits initialise the state. */
  constructor(seed: bigint = 5489n) {
    this.state = new Uint32Array(MERSENNE_STATE_N);
    this.seed = BigInt.asUintN(64, seed);
    this.seeded = true;
    const s = this.state;
    s[0] = Number(this.seed & 0xffffffffn);
    for (let j = 1; j < MERSENNE_STATE_N; j++) {
      const prev = s[j - 1]!;
      // 1812433253 * (prev ^ (prev >> 30)) + j, modulo 2^32.
      s[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  /** An engine holding a copy of `data`, as `set_data` does; check it with `isValid()`. */
  static fromData(data: MT19937Data): MT19937 {
    const mt = new MT19937(0n);
    mt.seed = BigInt.asUintN(64, data.seed);
    mt.left = data.left;
    mt.seeded = data.seeded;
    mt.next = data.next;
    mt.state.set(data.state);
    return mt;
  }

  /** A copy of the engine's data (`data()` in ATen). */
  data(): MT19937Data {
    return { seed: this.seed, left: this.left, seeded: this.seeded, next: this.next, state: this.state.slice() };
  }

  /** The condition `set_state` enforces before accepting a state ("Invalid mt19937 state"). */
  isValid(): boolean {
    return this.seeded && this.left > 0 && this.left <= MERSENNE_STATE_N && this.next <= MERSENNE_STATE_N;
  }

  clone(): MT19937 {
    return MT19937.fromData(this.data());
  }

  /** The next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    if (--this.left === 0) this.nextState();
    let y = this.state[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A 64-bit value made of two draws, the FIRST one being the high word — how
   * `CPUGeneratorImpl::random64()` composes them (`make64BitsFrom32Bits(hi, lo)`).
   */
  nextUint64(): bigint {
    const hi = this.nextUint32();
    const lo = this.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Regenerates all 624 words in place (the "twist"). */
  private nextState(): void {
    const s = this.state;
    const N = MERSENNE_STATE_N;
    const M = MERSENNE_STATE_M;
    this.left = N;
    this.next = 0;
    let k = 0;
    for (; k < N - M; k++) s[k] = s[k + M]! ^ twist(s[k]!, s[k + 1]!);
    for (; k < N - 1; k++) s[k] = s[k + M - N]! ^ twist(s[k]!, s[k + 1]!);
    // The last word pairs with the already-regenerated first word.
    s[N - 1] = s[M - 1]! ^ twist(s[N - 1]!, s[0]!);
  }
}

function twist(u: number, v: number): number {
  const mixed = ((u & UMASK) | (v & LMASK)) >>> 0;
  return ((mixed >>> 1) ^ (v & 1 ? MATRIX_A : 0)) >>> 0;
}
