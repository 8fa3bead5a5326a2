/**
 * Integer sampling as PyTorch's CPU kernels do it: `random_(from, to)` (what
 * `torch.randint` calls), `random_()` without bounds, and `torch.randperm`.
 *
 * `random_(from, to)` takes `(draw % (to - from)) + from` per element, where
 * the draw is ONE 32-bit word, or — for int64, float64 and float32 tensors
 * when the range is 2^32 or more — one 64-bit draw (two words, high first).
 * The modulo has the usual slight bias; PyTorch keeps it, so do we.
 *
 * `randperm(n)` starts from 0..n-1 and, for i = 0..n-2, swaps element i with
 * element i + (draw % (n - i)), one 32-bit draw per step: n - 1 draws in all.
 *
 * int64 values are exact in a `BigInt64Array`; in a `Float64Array` (pass
 * dtype "int64") they are exact up to 2^53.
 *
 * @example
 * manual_seed(0);
 * randintFill(new Float64Array(3), 0, 10); // Float64Array [4, 9, 3], as torch.randint(0, 10, (3,))
 * manual_seed(0);
 * randperm(5);                             // Float64Array [4, 0, 1, 3, 2], as torch.randperm(5)
 */

import { ArgumentError, TsorchError } from "../errors.js";
import { cppTypeName, resolveDType, type SampleArray, type SampleDType } from "./dtypes.js";
import { defaultGenerator, type Generator } from "./generator.js";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TWO_POW_32 = 4294967296;

/** Smallest and largest value of an integer dtype, as bigint. */
function intBounds(dtype: SampleDType): [bigint, bigint] {
  switch (dtype) {
    case "int64":
      return [INT64_MIN, INT64_MAX];
    case "int32":
      return [-(1n << 31n), (1n << 31n) - 1n];
    case "int16":
      return [-32768n, 32767n];
    case "int8":
      return [-128n, 127n];
    case "uint8":
      return [0n, 255n];
    case "bool":
      return [0n, 1n];
    default:
      throw new ArgumentError(`not an integer dtype: ${dtype}`, "dtype", "TypeError");
  }
}

function isFloating(dtype: SampleDType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Significand bits of a floating dtype (`std::numeric_limits<T>::digits`). */
function digits(dtype: SampleDType): number {
  return dtype === "float32" ? 24 : 53;
}

/** `static_cast<T>(int64)` for a floating T, then back to int64 (round to nearest, ties to even). */
function roundTripThroughFloat(v: bigint, dtype: SampleDType): bigint {
  const d = Number(v); // correctly rounded to double
  if (dtype === "float64") return BigInt(d);
  return BigInt(Math.fround(bigintToFloat32Exact(v, d)));
}

/** The double whose float32 rounding equals the float32 rounding of the integer v (no double rounding). */
function bigintToFloat32Exact(v: bigint, approx: number): number {
  const a = v < 0n ? -v : v;
  if (a <= 9007199254740992n) return approx;
  // Keep 26 significant bits plus a sticky bit so that one rounding to float32 is exact.
  const shift = BigInt(a.toString(2).length - 26);
  const kept = a >> shift;
  const sticky = (kept << shift) !== a ? 1n : 0n;
  const scaled = Number((kept << 1n) | sticky) * 2 ** (Number(shift) - 1);
  return v < 0n ? -scaled : scaled;
}

/** `update_from<T>`: moves `from` right until casting values >= it to T cannot land below it. */
function updateFrom(from: bigint, dtype: SampleDType): bigint {
  const fromPlus1 = roundTripThroughFloat(from + 1n, dtype);
  if (fromPlus1 < from) {
    let a = from + 1n;
    if (a < 0n) a = -a;
    const n = BigInt(a.toString(2).length - 1);
    return fromPlus1 + (1n << (n - BigInt(digits(dtype)) + 1n));
  }
  return from;
}

/** `update_to<T>`: moves `to` left until casting values below it to T cannot reach it. */
function updateTo(to: bigint, dtype: SampleDType): bigint {
  const toMinus1 = roundTripThroughFloat(to - 1n, dtype);
  if (toMinus1 >= to) {
    let a = to - 1n;
    if (a < 0n) a = -a;
    const n = BigInt(a.toString(2).length - 1);
    return toMinus1 - (1n << (n - BigInt(digits(dtype)) + 1n));
  }
  return to;
}

function toBigInt(x: number | bigint, name: string): bigint {
  if (typeof x === "bigint") return x;
  if (!Number.isInteger(x)) {
    throw new ArgumentError(`random_(): argument '${name}' must be int, not float`, name, "TypeError");
  }
  return BigInt(x);
}

/** `check_from_to_in_range` for integral dtypes (floating bounds never fail for float32/float64 and int64 inputs). */
function checkInRange(from: bigint, toInc: bigint, dtype: SampleDType): void {
  if (isFloating(dtype)) return;
  const [lo, hi] = intBounds(dtype);
  const name = cppTypeName(dtype);
  if (from < lo || from > hi) throw new TsorchError(`from is out of bounds for ${name}`);
  if (toInc < lo || toInc > hi) throw new TsorchError(`to - 1 is out of bounds for ${name}`);
}

/**
 * Fills `out` like `tensor.random_(from, to)`: integers uniform in
 * [from, to) (to = null: up to the dtype's largest exact integer, as
 * `random_(from, None)`; from = -2^63 with to = null: all 64-bit values).
 * `torch.randint(low, high, size)` is this on an int64 tensor. Returns `out`.
 */
export function randomFromToFill<T extends SampleArray>(
  out: T,
  from: number | bigint,
  to: number | bigint | null,
  gen: Generator = defaultGenerator,
  dtype?: SampleDType,
): T {
  const dt = resolveDType(out, dtype);
  let lo = toBigInt(from, "from");
  if (to !== null) {
    let hi = toBigInt(to, "to");
    if (!(lo < hi)) throw new TsorchError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
    if (isFloating(dt)) {
      lo = updateFrom(lo, dt);
      hi = updateTo(hi, dt);
      if (!(lo < hi)) {
        throw new TsorchError(
          `random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=${lo} >= to=${hi}`,
        );
      }
    }
    checkInRange(lo, hi - 1n, dt);
    fillFromTo(out, dt, BigInt.asUintN(64, hi - lo), lo, gen);
  } else if (lo !== INT64_MIN) {
    let toInc: bigint;
    if (isFloating(dt)) {
      toInc = 1n << BigInt(digits(dt));
      lo = updateFrom(lo, dt);
      if (!(lo < toInc)) {
        throw new TsorchError(
          `random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from=${lo} > to_inc=${toInc}`,
        );
      }
    } else {
      toInc = intBounds(dt)[1];
    }
    checkInRange(lo, toInc, dt);
    fillFromTo(out, dt, BigInt.asUintN(64, toInc - lo + 1n), lo, gen);
  } else {
    if (!(dt === "int64" || dt === "float64" || dt === "float32")) {
      throw new TsorchError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16");
    }
    for (let i = 0; i < out.length; i++) store(out, dt, i, BigInt.asIntN(64, gen.random64()));
  }
  return out;
}

/** `torch.randint(low, high, ...)` into `out` (int64 unless `dtype` says otherwise): `random_(low, high)`. */
export function randintFill<T extends SampleArray>(
  out: T,
  low: number | bigint,
  high: number | bigint,
  gen: Generator = defaultGenerator,
  dtype?: SampleDType,
): T {
  return randomFromToFill(out, low, high, gen, dtype ?? (out instanceof Float64Array ? "int64" : undefined));
}

/** The `random_from_to` kernel: per element, (draw % range) + base, cast to the dtype. */
function fillFromTo(out: SampleArray, dtype: SampleDType, range: bigint, base: bigint, gen: Generator): void {
  const wide = (dtype === "int64" || dtype === "float64" || dtype === "float32") && range >= 1n << 32n;
  const n = out.length;
  if (!wide && base >= -(1n << 52n) && base <= 1n << 52n && !(out instanceof BigInt64Array)) {
    // Fast path: everything fits a double exactly.
    const r = Number(range);
    const b = Number(base);
    for (let i = 0; i < n; i++) storeNumber(out, dtype, i, (gen.random() % r) + b);
    return;
  }
  for (let i = 0; i < n; i++) {
    const draw = wide ? gen.random64() : BigInt(gen.random());
    store(out, dtype, i, BigInt.asIntN(64, (draw % range) + base));
  }
}

/** Writes an int64 value (exact as a number) as `static_cast<T>` would. */
function storeNumber(out: SampleArray, dtype: SampleDType, i: number, v: number): void {
  if (out instanceof BigInt64Array) out[i] = BigInt(v);
  else if (dtype === "bool") out[i] = v !== 0 ? 1 : 0;
  else out[i] = v; // typed-array stores round floats and wrap integers like the C++ casts
}

/** Writes an int64 value as `static_cast<T>` would. */
function store(out: SampleArray, dtype: SampleDType, i: number, v: bigint): void {
  if (out instanceof BigInt64Array) {
    out[i] = v;
  } else if (dtype === "float32") {
    (out as Float32Array)[i] = bigintToFloat32Exact(v, Number(v));
  } else if (dtype === "bool") {
    out[i] = v !== 0n ? 1 : 0;
  } else if (out instanceof Float64Array) {
    out[i] = Number(v);
  } else {
    out[i] = Number(BigInt.asIntN(32, v));
  }
}

/**
 * Fills `out` like `tensor.random_()` with no bounds: per element one draw
 * reduced modulo the dtype's integer range — float32: 32-bit draw mod 2^24+1;
 * float64: 64-bit draw mod 2^53+1; int64: 64-bit draw mod 2^63; int32/16/8:
 * 32-bit draw mod 2^31/2^15/2^7; uint8: mod 256; bool: lowest bit.
 * (`RandomSampler` seeds its shuffling generator with one int64 `random_()`.)
 */
export function randomFill<T extends SampleArray>(out: T, gen: Generator = defaultGenerator, dtype?: SampleDType): T {
  const dt = resolveDType(out, dtype);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    switch (dt) {
      case "float32":
        out[i] = gen.random() % 16777217;
        break;
      case "float64":
        out[i] = Number(gen.random64() % 9007199254740993n);
        break;
      case "int64":
        store(out, dt, i, gen.random64() & INT64_MAX);
        break;
      case "int32":
        out[i] = gen.random() % 2147483648;
        break;
      case "int16":
        out[i] = gen.random() % 32768;
        break;
      case "int8":
        out[i] = gen.random() % 128;
        break;
      case "uint8":
        out[i] = gen.random() % 256;
        break;
      case "bool":
        out[i] = gen.random() & 1;
        break;
    }
  }
  return out;
}

/** Arrays `randperm` can write its int64 result into. */
export type PermutationArray = Float64Array | BigInt64Array | Int32Array;

/**
 * `torch.randperm(n)`: a random permutation of 0..n-1, as int64 values in a
 * new `Float64Array`, or written into `out` (whose length must be `n`).
 */
export function randperm(n: number, gen?: Generator): Float64Array;
export function randperm<T extends PermutationArray>(n: number, gen: Generator | undefined, out: T): T;
export function randperm(n: number, gen: Generator = defaultGenerator, out?: PermutationArray): PermutationArray {
  if (!Number.isSafeInteger(n)) throw new ArgumentError(`randperm(): argument 'n' must be int, not float`, "n", "TypeError");
  if (n < 0) throw new TsorchError(`Trying to create tensor with negative dimension ${n}: [${n}]`);
  if (n >= TWO_POW_32) throw new ArgumentError(`randperm of n >= 2^32 is not supported (got n=${n})`, "n", "RuntimeError");
  const perm = new Float64Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = gen.random() % (n - i);
    const t = perm[i]!;
    perm[i] = perm[i + z]!;
    perm[i + z] = t;
  }
  if (out === undefined) return perm;
  if (out.length !== n) throw new ArgumentError(`randperm: out has ${out.length} elements, expected ${n}`, "out", "RuntimeError");
  if (out instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = BigInt(perm[i]!);
  else out.set(perm);
  return out;
}
