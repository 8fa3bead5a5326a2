/**
 * Single-precision arithmetic for emulating PyTorch's float32 kernels.
 *
 * A float32 `+`, `-`, `*` or `sqrt` is the double result rounded with
 * `Math.fround` (the double result of two floats is exact or close enough
 * that rounding twice equals rounding once). A fused multiply-add is the one
 * operation that needs care: `a * b` is exact in double (24 + 24 bits), but
 * `a * b + c` may round once in double and again to float, and the two
 * roundings differ from one rounding when the double sum lands exactly halfway
 * between two floats. `fmaf` detects that case and breaks the tie the way the
 * exact value would.
 *
 * @example
 * const f = Math.fround;
 * fmaf(f(0.1), f(3), f(-0.3));    // -7.450580596923828e-9: one rounding
 * f(f(f(0.1) * f(3)) + f(-0.3)); // 0: two roundings
 */

const fround = Math.fround;

/**
 * `fmaf(a, b, c)`: `a * b + c` rounded once to float32, for float32 inputs
 * (results of `Math.fround`), as `_mm256_fmadd_ps` and `vfmadd` compute it.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b; // exact
  const s = p + c;
  const r = fround(s);
  if (r === s) return r;
  // s rounds to r directly unless s is exactly the midpoint of r and its other neighbour r2.
  const d = s - r;
  const r2 = r + 2 * d;
  if (fround(r2) !== r2) return r;
  // A tie in double: the rounding error of p + c says on which side the exact sum lies.
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  if (err === 0) return r; // a true tie: fround already rounded it to even
  return err > 0 === d > 0 ? r2 : r;
}
