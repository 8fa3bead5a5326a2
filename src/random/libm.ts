/**
 * Double-precision `log`, `sin`, `cos` and `fma` that agree with the C
 * library PyTorch calls, for the sampling code's float64 paths.
 *
 * PyTorch's scalar normal sampler, its float64 vectorised normal fill and its
 * exponential/geometric samplers call glibc's `log`, `sin` and `cos`. V8's
 * `Math.log` / `Math.sin` / `Math.cos` (ports of fdlibm) differ from glibc in
 * the last bit for 3-7% of the arguments the samplers produce, which would
 * show in every float64 tensor. glibc is correctly rounded nearly always, so
 * these functions evaluate in double-double arithmetic (about 100 significant
 * bits; the small high-order series terms in plain double) and round once at
 * the end. What remains are glibc's own misroundings: measured on 200,000
 * sampler arguments, 0.08% (log) and 0.13-0.14% (sin, cos) of glibc's
 * results are one ulp off the correctly rounded value that these return.
 * They cost about 0.4 microseconds a call; only the sampling code uses them.
 *
 * `fma64(a, b, c)` is `a * b + c` with a single rounding: PyTorch's AVX2
 * build lets GCC contract `x * std + mean` and `x * (to - from) + from` into
 * fused multiply-adds, and JavaScript has no `Math.fma`.
 *
 * @example
 * glibcLog(0.5) === -0.6931471805599453; // true
 * fma64(0.1, 10, -1);                    // 5.551115123125783e-17 (exactly 0.1*10-1), where 0.1*10-1 gives 0
 */

// ---------------------------------------------------------------- double-double primitives

// Results of the error-free transforms, returned through module variables to avoid allocating.
let H = 0;
let L = 0;

/** (H, L) = a + b exactly (Knuth's TwoSum). */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  L = a - (s - bb) + (b - bb);
  H = s;
}

/** (H, L) = a + b exactly, given |a| >= |b| or a == 0. */
function fastTwoSum(a: number, b: number): void {
  const s = a + b;
  L = b - (s - a);
  H = s;
}

const SPLITTER = 134217729; // 2^27 + 1

/** (H, L) = a * b exactly (Dekker's product with Veltkamp splitting; |a|, |b| < 2^995). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  L = ah * bh - p + ah * bl + al * bh + al * bl;
  H = p;
}

/** (H, L) = (ah + al) * (bh + bl), to about 2^-104 relative. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const ph = H;
  const pl = L + (ah * bl + al * bh);
  fastTwoSum(ph, pl);
}

/** (H, L) = (ah + al) + (bh + bl), to about 2^-104 relative. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const sh = H;
  const sl = L;
  twoSum(al, bl);
  const th = H;
  const tl = L;
  fastTwoSum(sh, sl + th);
  fastTwoSum(H, L + tl);
}

/** (H, L) = (ah + al) / (bh + bl), to about 2^-104 relative: three quotient digits (long division). */
function ddDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMul(q1, 0, bh, bl);
  ddAdd(ah, al, -H, -L); // r1 = a - q1 * b
  const r1h = H;
  const r1l = L;
  const q2 = r1h / bh;
  ddMul(q2, 0, bh, bl);
  ddAdd(r1h, r1l, -H, -L); // r2 = r1 - q2 * b
  const q3 = H / bh;
  fastTwoSum(q1, q2);
  fastTwoSum(H, L + q3);
}

// ---------------------------------------------------------------- fma

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Index of the low 32-bit word of a double in U32 (little-endian on every platform Node runs on).
const LO = 0;
const HI = 1;

/** The double next to `v` in the direction of the sign of `dir` (`nextafter`). */
function nudge(v: number, dir: number): number {
  if (v === 0) return dir > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  F64[0] = v;
  const away = v > 0 === dir > 0; // moving away from zero increases the magnitude bits
  if (away) {
    if (U32[LO] === 0xffffffff) {
      U32[LO] = 0;
      U32[HI] = U32[HI]! + 1;
    } else {
      U32[LO] = U32[LO]! + 1;
    }
  } else if (U32[LO] === 0) {
    U32[LO] = 0xffffffff;
    U32[HI] = U32[HI]! - 1;
  } else {
    U32[LO] = U32[LO]! - 1;
  }
  return F64[0];
}

/** True if the last significand bit of `v` is 1. */
function isOddSignificand(v: number): boolean {
  F64[0] = v;
  return (U32[LO]! & 1) === 1;
}

/**
 * `a * b + c` rounded once, like the hardware FMA the AVX2 build of PyTorch
 * uses. Boldo and Melquiond's emulation: the exact product and sum as
 * double-double, the low parts added with rounding to odd, then one
 * round-to-nearest. Exact for finite arguments whose product does not
 * overflow or underflow; otherwise falls back to `a * b + c`.
 */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || !Number.isFinite(c) || Math.abs(p) > 1e300 || (p !== 0 && Math.abs(p) < 1e-290)) {
    return p + c;
  }
  twoProd(a, b);
  const uh = H;
  const ul = L;
  twoSum(c, uh);
  const th = H;
  const tl = L;
  // v = RO(tl + ul): round to nearest, then if inexact and even, step toward the exact value.
  twoSum(tl, ul);
  let v = H;
  const err = L;
  if (err !== 0 && !isOddSignificand(v)) v = nudge(v, err);
  return th + v;
}

// ---------------------------------------------------------------- log

const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
const SQRT2 = Math.SQRT2;

// 1/(2n+1) as double-doubles, for the atanh series. With s^2 <= 0.0295, terms from
// n = 4 on are below 2^-23 of the sum, so plain double suffices for them (error < 2^-76).
const ATANH_TERMS = 22;
const ATANH_DD_TERMS = 4;
const INV_ODD_HI = new Float64Array(ATANH_TERMS);
const INV_ODD_LO = new Float64Array(ATANH_TERMS);
for (let n = 0; n < ATANH_TERMS; n++) {
  const d = 2 * n + 1;
  const q = 1 / d;
  twoProd(q, d);
  INV_ODD_HI[n] = q;
  INV_ODD_LO[n] = (1 - H - L) / d;
}

/**
 * Natural logarithm, correctly rounded except in astronomically rare cases;
 * agrees with glibc's `log` (what `std::log(double)` calls on Linux).
 */
export function glibcLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)).
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: make subnormals normal
    k = -54;
  }
  F64[0] = x;
  const hi = U32[HI]!;
  k += ((hi >>> 20) & 0x7ff) - 1023;
  U32[HI] = (hi & 0x800fffff) | 0x3ff00000;
  let m = F64[0];
  if (m > SQRT2) {
    m /= 2;
    k += 1;
  }
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz).
  twoSum(m, 1);
  ddDiv(m - 1, 0, H, L);
  const sh = H;
  const sl = L;
  ddMul(sh, sl, sh, sl);
  const zh = H;
  const zl = L;
  // Horner: the small high-order terms in plain double, the leading ones in double-double.
  let th = INV_ODD_HI[ATANH_TERMS - 1]!;
  for (let n = ATANH_TERMS - 2; n >= ATANH_DD_TERMS; n--) th = th * zh + INV_ODD_HI[n]!;
  let tl = 0;
  for (let n = ATANH_DD_TERMS - 1; n >= 0; n--) {
    ddMul(th, tl, zh, zl);
    ddAdd(H, L, INV_ODD_HI[n]!, INV_ODD_LO[n]!);
    th = H;
    tl = L;
  }
  ddMul(th, tl, 2 * sh, 2 * sl);
  const lh = H;
  const ll = L;
  if (k === 0) return lh + ll;
  twoProd(k, LN2_HI);
  const kh = H;
  const kl = L + k * LN2_LO;
  ddAdd(kh, kl, lh, ll);
  return H + L;
}

// ---------------------------------------------------------------- sin, cos

// pi/2 = P1 + P2 + P3: P1 and P2 carry 33 significant bits each, so k * P1 and
// k * P2 are exact for |k| < 2^20.
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487959506e-21;
const TWO_OVER_PI = 0.6366197723675814;
const REDUCE_LIMIT = 1e6; // well inside |k| < 2^20

// (-1)^n / (2n+1)! and (-1)^n / (2n)! as double-doubles, for the Taylor series on [-pi/4, pi/4].
// With r^2 <= 0.62, terms from n = 5 on are below 2^-21 of the sum: plain double suffices for them.
const TAYLOR_TERMS = 15;
const TAYLOR_DD_TERMS = 5;
const SIN_HI = new Float64Array(TAYLOR_TERMS);
const SIN_LO = new Float64Array(TAYLOR_TERMS);
const COS_HI = new Float64Array(TAYLOR_TERMS);
const COS_LO = new Float64Array(TAYLOR_TERMS);
{
  // 1/j! for j = 0..2*TAYLOR_TERMS, by repeated double-double division.
  let fh = 1;
  let fl = 0;
  for (let j = 0; j <= 2 * TAYLOR_TERMS; j++) {
    if (j > 0) {
      ddDiv(fh, fl, j, 0);
      fh = H;
      fl = L;
    }
    const n = j >> 1;
    const sign = n % 2 === 0 ? 1 : -1;
    if (n < TAYLOR_TERMS) {
      if (j % 2 === 1) {
        SIN_HI[n] = sign * fh;
        SIN_LO[n] = sign * fl;
      } else {
        COS_HI[n] = sign * fh;
        COS_LO[n] = sign * fl;
      }
    }
  }
}

// The reduced argument r = rh + rl and the quadrant, set by reduce().
let RH = 0;
let RL = 0;
let QUADRANT = 0;

/** r = x - k pi/2 with |r| <= pi/4 (plus rounding), k mod 4 in QUADRANT; for 0 <= x < REDUCE_LIMIT. */
function reduce(x: number): void {
  const k = Math.round(x * TWO_OVER_PI);
  // x - k*P1 is exact (Sterbenz) and k*P2 is exact; only k*P3 needs a two-product.
  twoSum(x - k * PIO2_1, -(k * PIO2_2));
  const ah = H;
  const al = L;
  twoProd(k, PIO2_3);
  ddAdd(ah, al, -H, -L);
  RH = H;
  RL = L;
  QUADRANT = k % 4;
}

/** sin(r) for the reduced r, as a double-double in (H, L). */
function sinReduced(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  const zh = H;
  const zl = L;
  let th = SIN_HI[TAYLOR_TERMS - 1]!;
  for (let n = TAYLOR_TERMS - 2; n >= TAYLOR_DD_TERMS; n--) th = th * zh + SIN_HI[n]!;
  let tl = 0;
  for (let n = TAYLOR_DD_TERMS - 1; n >= 0; n--) {
    ddMul(th, tl, zh, zl);
    ddAdd(H, L, SIN_HI[n]!, SIN_LO[n]!);
    th = H;
    tl = L;
  }
  ddMul(th, tl, rh, rl);
}

/** cos(r) for the reduced r, as a double-double in (H, L). */
function cosReduced(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  const zh = H;
  const zl = L;
  let th = COS_HI[TAYLOR_TERMS - 1]!;
  for (let n = TAYLOR_TERMS - 2; n >= TAYLOR_DD_TERMS; n--) th = th * zh + COS_HI[n]!;
  let tl = 0;
  for (let n = TAYLOR_DD_TERMS - 1; n >= 0; n--) {
    ddMul(th, tl, zh, zl);
    ddAdd(H, L, COS_HI[n]!, COS_LO[n]!);
    th = H;
    tl = L;
  }
}

/** Sine, correctly rounded in all but astronomically rare cases; agrees with glibc's `sin`. */
export function glibcSin(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < REDUCE_LIMIT)) return Math.sin(x); // NaN, infinities and huge arguments: not produced by sampling
  if (ax < 1e-8) return x; // sin x = x - x^3/6 rounds to x here
  reduce(ax);
  const q = QUADRANT;
  if (q === 0 || q === 2) sinReduced(RH, RL);
  else cosReduced(RH, RL);
  let v = H + L;
  if (q >= 2) v = -v;
  return x < 0 ? -v : v;
}

/** Cosine, correctly rounded in all but astronomically rare cases; agrees with glibc's `cos`. */
export function glibcCos(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < REDUCE_LIMIT)) return Math.cos(x);
  if (ax < 1e-9) return 1; // cos x = 1 - x^2/2 rounds to 1 here
  reduce(ax);
  const q = QUADRANT;
  if (q === 0 || q === 2) cosReduced(RH, RL);
  else sinReduced(RH, RL);
  let v = H + L;
  if (q === 1 || q === 2) v = -v;
  return v;
}
