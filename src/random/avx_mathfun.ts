/**
 * One lane of the AVX2 `log256_ps` and `sincos256_ps` that PyTorch's
 * vectorised normal sampler uses (aten/src/ATen/native/cpu/avx_mathfun.h:
 * Giovanni Garberoglio's AVX port of Julien Pommier's SSE versions of the
 * Cephes `logf`/`sinf`/`cosf`), reproduced bit for bit in float32.
 *
 * Every vector operation becomes one float32 operation (`Math.fround`), with
 * one twist that decides the last bit of many results: PyTorch builds its
 * AVX2 kernels with `-mavx2 -mfma` in GNU C++ mode, where GCC contracts a
 * multiplication whose only use is an addition into a fused multiply-add
 * (`-ffp-contract=fast`), even across the separate intrinsics of this file.
 * So each Horner step `y = y * x + p` is one `fmaf`, and so are the
 * Cody-Waite reduction steps `x += y * DP`. Which products stay separate was
 * established against Debian's torch 1.13.1 (AVX2): every lane of every
 * fixture matches bit for bit.
 *
 * @example
 * logfAvx(Math.fround(0.5)); // -0.6931471824645996 (float32 ln 0.5)
 * sincosfAvx(Math.fround(1));
 * sincosOut.sin;             // 0.8414709568023682 (float32 sin 1)
 */

import { fmaf } from "./float32.js";

const f = Math.fround;

// Cephes logf coefficients, as float32.
const LOG_P0 = f(7.0376836292e-2);
const LOG_P1 = f(-1.151461031e-1);
const LOG_P2 = f(1.167699874e-1);
const LOG_P3 = f(-1.2420140846e-1);
const LOG_P4 = f(1.4249322787e-1);
const LOG_P5 = f(-1.6668057665e-1);
const LOG_P6 = f(2.0000714765e-1);
const LOG_P7 = f(-2.4999993993e-1);
const LOG_P8 = f(3.3333331174e-1);
const LOG_Q1 = f(-2.12194440e-4);
const LOG_Q2 = f(0.693359375);
const SQRTHF = f(0.707106781186547524);
const MIN_NORM_POS = 1.1754943508222875e-38; // 2^-126, the smallest normal float

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** One lane of `log256_ps`: natural log in float32 (NaN for x <= 0). */
export function logfAvx(xIn: number): number {
  if (xIn <= 0 || Number.isNaN(xIn)) return NaN; // the invalid mask ORs all ones in: a NaN
  let x = xIn < MIN_NORM_POS ? MIN_NORM_POS : xIn; // cut off denormals
  F32[0] = x;
  const bits = I32[0]!;
  // The exponent, and the mantissa scaled to [0.5, 1).
  let e = f(((bits >>> 23) - 0x7f) + 1);
  I32[0] = (bits & ~0x7f800000) | 0x3f000000;
  x = F32[0];
  // if (x < SQRTHF) { e -= 1; x = x + x - 1 } else { x = x - 1 }
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = f(x - 1);
  e = f(e - (below ? 1 : 0));
  x = f(x + tmp);
  const z = f(x * x);
  let y = LOG_P0;
  y = fmaf(y, x, LOG_P1);
  y = fmaf(y, x, LOG_P2);
  y = fmaf(y, x, LOG_P3);
  y = fmaf(y, x, LOG_P4);
  y = fmaf(y, x, LOG_P5);
  y = fmaf(y, x, LOG_P6);
  y = fmaf(y, x, LOG_P7);
  y = fmaf(y, x, LOG_P8);
  y = f(y * x); // feeds a multiplication: not contracted
  y = fmaf(y, z, f(e * LOG_Q1)); // y*z + e*q1: the first product is fused
  y = fmaf(-z, 0.5, y); // y - z*0.5
  x = f(x + y);
  return fmaf(e, LOG_Q2, x);
}

// Cephes sinf/cosf constants, as float32.
const MINUS_DP1 = f(-0.78515625);
const MINUS_DP2 = f(-2.4187564849853515625e-4);
const MINUS_DP3 = f(-3.77489497744594108e-8);
const SINCOF_P0 = f(-1.9515295891e-4);
const SINCOF_P1 = f(8.3321608736e-3);
const SINCOF_P2 = f(-1.6666654611e-1);
const COSCOF_P0 = f(2.443315711809948e-5);
const COSCOF_P1 = f(-1.388731625493765e-3);
const COSCOF_P2 = f(4.166664568298827e-2);
const FOPI = f(1.27323954473516); // 4 / pi

/** Where `sincosfAvx` leaves its two results (no allocation per call). */
export const sincosOut = { sin: 0, cos: 0 };

/**
 * One lane of `sincos256_ps`: float32 sine and cosine of `xIn`, left in
 * `sincosOut`. Accurate for
 * |x| < 8192, which covers the sampler's [0, 2 pi).
 */
export function sincosfAvx(xIn: number): void {
  const negative = xIn < 0 || Object.is(xIn, -0);
  let x = Math.abs(xIn);
  // Octant: j = (trunc(x * 4/pi) + 1) & ~1, so that |x - j pi/4| <= pi/4.
  const scaled = f(x * FOPI);
  let j = scaled < 2147483648 ? Math.trunc(scaled) : -2147483648; // cvttps: out of range gives INT_MIN
  j = ((j + 1) & ~1) | 0;
  const y = f(j);
  const swapSinSign = (j & 4) !== 0;
  const polyMask = (j & 2) === 0; // true: sine from the sine polynomial
  const cosSignBit = ((j - 2) & 4) === 0;
  // Extended-precision modular arithmetic, each step fused: x = ((x - y*DP1) - y*DP2) - y*DP3.
  x = fmaf(y, MINUS_DP1, x);
  x = fmaf(y, MINUS_DP2, x);
  x = fmaf(y, MINUS_DP3, x);
  const z = f(x * x);
  // Cosine polynomial on [-pi/4, pi/4].
  let yc = COSCOF_P0;
  yc = fmaf(yc, z, COSCOF_P1);
  yc = fmaf(yc, z, COSCOF_P2);
  yc = f(yc * z);
  yc = fmaf(yc, z, -f(z * 0.5)); // y*z - z*0.5
  yc = f(yc + 1);
  // Sine polynomial on [-pi/4, pi/4].
  let ys = SINCOF_P0;
  ys = fmaf(ys, z, SINCOF_P1);
  ys = fmaf(ys, z, SINCOF_P2);
  ys = f(ys * z);
  ys = fmaf(ys, x, x);
  // Select with masks and add, exactly as the vector code does (zeros keep their signs that way).
  const ysin2 = polyMask ? ys : 0;
  const ysin1 = polyMask ? 0 : yc;
  const s = ysin1 + ysin2;
  const c = yc - ysin1 + (ys - ysin2);
  sincosOut.sin = negative !== swapSinSign ? -s : s;
  sincosOut.cos = cosSignBit ? -c : c;
}
