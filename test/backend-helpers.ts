/** Shared pieces of the backend kernel tests: fixture decoding, a seeded PRNG, closeness checks. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Encoded {
  shape: number[];
  b64: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Parsed `test/fixtures/<name>`. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, "fixtures", name), "utf8")) as T;
}

function bytes(e: Encoded): Uint8Array {
  const buf = Buffer.from(e.b64, "base64");
  // Copy into a fresh, aligned buffer.
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

/** A base64 float32 fixture array. */
export function f32(e: Encoded): Float32Array {
  const b = bytes(e);
  return new Float32Array(b.buffer, 0, b.length / 4);
}

/** A base64 little-endian float64 fixture array. */
export function f64(e: Encoded): Float64Array {
  const b = bytes(e);
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** A base64 int32 fixture array. */
export function i32(e: Encoded): Int32Array {
  const b = bytes(e);
  return new Int32Array(b.buffer, 0, b.length / 4);
}

export { rng } from "../bench/rng.js";

/** Uniform values in [-1, 1). */
export function randomArray(next: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

export interface Closeness {
  /** Largest |got - expected| / (atol + rtol*|expected|); at most 1 when allclose holds. */
  worst: number;
  /** Largest |got - expected| / max|expected| (the error relative to the array's magnitude). */
  relToMax: number;
  /** Where `worst` happened. */
  index: number;
  /** NaN/inf positions that differ, and length mismatches. */
  mismatches: number;
}

/**
 * `allclose(got, expected, rtol, atol)` with `atol = atolScale * max|expected|`: the absolute slack
 * scales with the magnitude of the sums, since float32 sums of many terms carry errors relative to
 * that magnitude, not to each (possibly cancelling) result. NaN and infinities must match exactly.
 */
export function compare(got: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atolScale = 1e-6): Closeness {
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const v = Math.abs(expected[i]!);
    if (Number.isFinite(v) && v > maxAbs) maxAbs = v;
  }
  const atol = atolScale * Math.max(maxAbs, 1e-30);
  let worst = 0;
  let relToMax = 0;
  let index = -1;
  let mismatches = got.length === expected.length ? 0 : 1;
  const n = Math.min(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(g)) {
      if (!Object.is(g, e) && !(Number.isNaN(g) && Number.isNaN(e))) mismatches++;
      continue;
    }
    const d = Math.abs(g - e);
    const r = d / (atol + rtol * Math.abs(e));
    if (r > worst) {
      worst = r;
      index = i;
    }
    if (maxAbs > 0 && d / maxAbs > relToMax) relToMax = d / maxAbs;
  }
  return { worst, relToMax, index, mismatches };
}
