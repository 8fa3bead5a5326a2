/**
 * Scalar special functions in double precision, the numbers behind
 * `torch.special` and the gamma-family ops: each is a plain
 * `(x: number) => number` (or of two numbers), evaluated by a convergent
 * series where it converges fast and by the asymptotic expansion elsewhere,
 * to well below float32's resolution over the whole range.
 *
 * @example
 * lgamma(0.5)      // 0.5723649429247001 (log sqrt(pi))
 * besselJ(0, 2.4)  // 0.0025076832... (near J0's first zero)
 */

import { erfcFraction } from "../backend/cpu/elementwise.js";

const EULER = 0.5772156649015329;
const SQRT_PI = Math.sqrt(Math.PI);

// Lanczos approximation (g = 7, 9 terms), good to ~1e-15 relative.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log |Gamma(x)|; +inf at 0 and the negative integers. */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The digamma function psi(x) = Gamma'(x) / Gamma(x): -inf at 0 (PyTorch's choice), NaN at the negative integers. */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x < 0) {
    if (Number.isInteger(x)) return NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  const f = 1 / (x * x);
  // Bernoulli terms: B2/2, B4/4, ... of the asymptotic series.
  const t = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
  return r + Math.log(x) - 0.5 / x - t;
}

// (2k)! / B_{2k}: the Euler-Maclaurin coefficients of the Hurwitz zeta function.
const ZETA_A = [
  12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12,
  1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18,
];

/** The Hurwitz zeta function sum_k (k + q)^-x (Riemann's at q = 1); inf at x = 1, NaN for x < 1. */
export function zeta(x: number, q: number): number {
  if (Number.isNaN(x) || Number.isNaN(q)) return NaN;
  if (x === 1) return Infinity;
  if (x < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return Infinity;
    if (x !== Math.floor(x)) return NaN;
  }
  let s = Math.pow(q, -x);
  let a = q;
  let i = 0;
  let b = 0;
  while (i < 9 || a <= 9) {
    i++;
    a += 1;
    b = Math.pow(a, -x);
    s += b;
    if (Math.abs(b / s) < 1.1e-16) return s;
  }
  const w = a;
  s += (b * w) / (x - 1);
  s -= 0.5 * b;
  let fac = 1;
  let k = 0;
  for (let j = 0; j < 12; j++) {
    fac *= x + k;
    b /= w;
    const t = (fac * b) / ZETA_A[j]!;
    s += t;
    if (Math.abs(t / s) < 1.1e-16) break;
    k += 1;
    fac *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/** The n-th derivative of digamma. */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (n === 1) return trigamma(x);
  const sign = n % 2 === 1 ? 1 : -1;
  return sign * Math.exp(lgamma(n + 1)) * zeta(n + 1, x);
}

function trigamma(x: number): number {
  let sign = 1;
  let result = 0;
  if (x < 0.5) {
    sign = -1;
    const s = Math.sin(Math.PI * x);
    result -= (Math.PI * Math.PI) / (s * s);
    x = 1 - x;
  }
  for (let i = 0; i < 6; i++) { result += 1 / (x * x); x += 1; }
  const ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x;
  return sign * result;
}

/** erf(x), to double precision: its Taylor series near 0, else 1 - erfc. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2) {
    let term = x;
    let sum = x;
    const xx = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -xx / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / SQRT_PI) * sum;
  }
  return Math.sign(x) * (1 - erfcPositive(a));
}

/** e^(x^2) erfc(x) for x >= 2, by erfc's continued fraction. */
function erfcxLarge(x: number): number {
  return 1 / (SQRT_PI * erfcFraction(x));
}

function erfcPositive(a: number): number {
  return a < 2 ? 1 - erf(a) : Math.exp(-a * a) * erfcxLarge(a);
}

/** erfc(x) = 1 - erf(x), without the cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? erfcPositive(x) : 2 - erfcPositive(-x);
}

/** The scaled complementary error function e^(x^2) erfc(x). */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2) return x === Infinity ? 0 : erfcxLarge(x);
  if (x < -26.7) return Infinity;
  return Math.exp(x * x) * erfc(x);
}

/** The inverse of erf on (-1, 1): a starting guess refined by Newton steps on erf. */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  // Giles' single-precision approximation as the start.
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-08;
    for (const c of [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
    x = p * y;
  }
  for (let i = 0; i < 3; i++) {
    const err = y > 0.9 ? (1 - y) - erfc(x) : erf(x) - y; // near 1, work with erfc to keep the digits
    const step = (y > 0.9 ? -err : err) / ((2 / SQRT_PI) * Math.exp(-x * x));
    x -= step;
  }
  return x;
}

/** The standard normal CDF. */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log of the standard normal CDF, finite far into the lower tail. */
export function logNdtr(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const t = -x / Math.SQRT2;
  if (t < 2) return Math.log(0.5 * erfc(t));
  if (t === Infinity) return -Infinity;
  return -t * t + Math.log(0.5 * erfcxLarge(t));
}

/** The inverse of the standard normal CDF. */
export function ndtri(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x = p < 0.5 ? -Math.SQRT2 * erfinv(1 - 2 * p) : Math.SQRT2 * erfinv(2 * p - 1);
  if (!Number.isFinite(x)) x = p < 0.5 ? -38 : 38;
  for (let i = 0; i < 4; i++) {
    const pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    if (pdf === 0) break;
    const err = p < 0.5 ? ndtr(x) - p : (1 - p) - ndtr(-x);
    x -= (p < 0.5 ? err : -err) / pdf;
  }
  return x;
}

/** Bessel functions of the first (J) and second (Y) kind, orders 0 and 1. */
export function besselJ(n: 0 | 1, x: number): number {
  if (Number.isNaN(x)) return NaN;
  const sign = n === 1 && x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a === Infinity) return 0;
  if (a <= 12) return sign * besselSeries(n, a).j;
  return sign * hankel(n, a).j;
}

export function besselY(n: 0 | 1, x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return 0;
  if (x <= 12) return besselSeries(n, x).y;
  return hankel(n, x).y;
}

/** Power series of J_n and Y_n (n = 0, 1) with psi(k + 1) = H_k - gamma. */
function besselSeries(n: 0 | 1, x: number): { j: number; y: number } {
  const h = x / 2;
  const hh = h * h;
  let term = n === 0 ? 1 : h; // (x/2)^(2k+n) / (k! (n+k)!) at k = 0
  let j = 0;
  let ysum = 0;
  let hk = 0; // H_k
  let hnk = n === 0 ? 0 : 1; // H_{n+k}
  for (let k = 0; k < 200; k++) {
    const s = k % 2 === 0 ? term : -term;
    j += s;
    ysum += s * ((hk - EULER) + (hnk - EULER));
    if (Math.abs(term) < 1e-18 * Math.max(1, Math.abs(j)) && k > 2) break;
    term *= hh / ((k + 1) * (k + 1 + n));
    hk += 1 / (k + 1);
    hnk += 1 / (k + 1 + n);
  }
  let y = (2 / Math.PI) * j * Math.log(h) - ysum / Math.PI;
  if (n === 1) y -= 2 / (Math.PI * x);
  return { j, y };
}

/** Hankel's asymptotic expansion for large x. */
function hankel(n: number, x: number): { j: number; y: number } {
  const mu = 4 * n * n;
  let p = 0;
  let q = 0;
  let a = 1;
  let last = Infinity;
  for (let k = 0; k < 60; k++) {
    const term = a / Math.pow(x, k);
    if (Math.abs(term) > last) break;
    last = Math.abs(term);
    const s = (k >> 1) % 2 === 0 ? 1 : -1;
    if (k % 2 === 0) p += s * term; else q += s * term;
    a *= (mu - (2 * k + 1) * (2 * k + 1)) / ((k + 1) * 8);
  }
  const chi = x - (n / 2 + 0.25) * Math.PI;
  const f = Math.sqrt(2 / (Math.PI * x));
  return { j: f * (p * Math.cos(chi) - q * Math.sin(chi)), y: f * (p * Math.sin(chi) + q * Math.cos(chi)) };
}

/** Modified Bessel function I_n (n = 0, 1), or e^-|x| I_n(x) when `scaled`. */
export function besselI(n: 0 | 1, x: number, scaled = false): number {
  if (Number.isNaN(x)) return NaN;
  const sign = n === 1 && x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a > 30) {
    if (a === Infinity) return scaled ? 0 : sign * Infinity;
    const mu = 4 * n * n;
    let sum = 0;
    let t = 1;
    for (let k = 0; k < 40; k++) {
      sum += t;
      const next = (-t * (mu - (2 * k + 1) * (2 * k + 1))) / ((k + 1) * 8 * a);
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
      t = next;
    }
    const v = sum / Math.sqrt(2 * Math.PI * a);
    return sign * (scaled ? v : v * Math.exp(a));
  }
  const h = a / 2;
  let term = n === 0 ? 1 : h;
  let s = 0;
  for (let k = 0; k < 200; k++) {
    s += term;
    term *= (h * h) / ((k + 1) * (k + 1 + n));
    if (term < 1e-18 * s) break;
  }
  return sign * (scaled ? s * Math.exp(-a) : s);
}

/** Modified Bessel function K_n (n = 0, 1), or e^x K_n(x) when `scaled`. */
export function besselK(n: 0 | 1, x: number, scaled = false): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return Infinity;
  if (x === Infinity) return 0;
  if (x > 12) {
    const mu = 4 * n * n;
    let sum = 0;
    let t = 1;
    for (let k = 0; k < 40; k++) {
      sum += t;
      const next = (t * (mu - (2 * k + 1) * (2 * k + 1))) / ((k + 1) * 8 * x);
      if (Math.abs(next) < 1e-17 * Math.abs(sum) || Math.abs(next) > Math.abs(t)) break;
      t = next;
    }
    const v = Math.sqrt(Math.PI / (2 * x)) * sum;
    return scaled ? v : v * Math.exp(-x);
  }
  const h = x / 2;
  const hh = h * h;
  let term = n === 0 ? 1 : h;
  let s = 0;
  let hk = 0;
  let hnk = n === 0 ? 0 : 1;
  for (let k = 0; k < 200; k++) {
    s += term * ((hk - EULER) + (hnk - EULER));
    term *= hh / ((k + 1) * (k + 1 + n));
    hk += 1 / (k + 1);
    hnk += 1 / (k + 1 + n);
    if (term < 1e-18) break;
  }
  const In = besselI(n, x);
  const v = n === 0 ? -Math.log(h) * In + 0.5 * s : 1 / x + Math.log(h) * In - 0.5 * s;
  return scaled ? v * Math.exp(x) : v;
}

/** The Airy function Ai(x). */
export function airyAi(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x === -Infinity) return 0;
  if (x > 5) {
    const z = (2 / 3) * Math.pow(x, 1.5);
    let sum = 0;
    let u = 1;
    for (let k = 0; k < 30; k++) {
      const t = (k % 2 === 0 ? u : -u) / Math.pow(z, k);
      if (k > 0 && Math.abs(t) > Math.abs(sum) * 1e-17 === false) break;
      sum += t;
      const kk = k + 1;
      u *= ((6 * kk - 5) * (6 * kk - 3) * (6 * kk - 1)) / ((2 * kk - 1) * 216 * kk);
    }
    return (Math.exp(-z) / (2 * SQRT_PI * Math.pow(x, 0.25))) * sum;
  }
  if (x < -10) {
    const ax = -x;
    const z = (2 / 3) * Math.pow(ax, 1.5);
    let p = 0;
    let q = 0;
    let u = 1;
    for (let k = 0; k < 30; k++) {
      const t = u / Math.pow(z, k);
      const s = (k >> 1) % 2 === 0 ? 1 : -1;
      if (k % 2 === 0) p += s * t; else q += s * t;
      const kk = k + 1;
      u *= ((6 * kk - 5) * (6 * kk - 3) * (6 * kk - 1)) / ((2 * kk - 1) * 216 * kk);
      if (u / Math.pow(z, kk) < 1e-17) break;
    }
    const th = z + Math.PI / 4;
    return (Math.sin(th) * p - Math.cos(th) * q) / (SQRT_PI * Math.pow(ax, 0.25));
  }
  // Maclaurin series: Ai(x) = c1 f(x) - c2 g(x).
  const c1 = 0.355028053887817239;
  const c2 = 0.258819403792806798;
  const x3 = x * x * x;
  let f = 1;
  let g = x;
  let tf = 1;
  let tg = x;
  for (let k = 1; k < 200; k++) {
    tf *= x3 / ((3 * k - 1) * (3 * k));
    tg *= x3 / ((3 * k) * (3 * k + 1));
    f += tf;
    g += tg;
    if (Math.abs(tf) + Math.abs(tg) < 1e-18 * (Math.abs(f) + Math.abs(g))) break;
  }
  return c1 * f - c2 * g;
}

/** Orthogonal polynomials of degree n at x, by their three-term recurrences (n < 0 gives 0). */
export type PolyKind = "T" | "U" | "V" | "W" | "H" | "He" | "L" | "P";

export function orthoPoly(kind: PolyKind, x: number, nIn: number): number {
  if (Number.isNaN(x) || Number.isNaN(nIn)) return NaN;
  const n = Math.trunc(nIn);
  if (n < 0) return 0;
  let p0 = 1;
  let p1: number;
  switch (kind) {
    case "T": p1 = x; break;
    case "U": p1 = 2 * x; break;
    case "V": p1 = 2 * x - 1; break;
    case "W": p1 = 2 * x + 1; break;
    case "H": p1 = 2 * x; break;
    case "He": p1 = x; break;
    case "L": p1 = 1 - x; break;
    case "P": p1 = x; break;
  }
  if (n === 0) return p0;
  for (let k = 1; k < n; k++) {
    let p2: number;
    switch (kind) {
      case "H": p2 = 2 * x * p1 - 2 * k * p0; break;
      case "He": p2 = x * p1 - k * p0; break;
      case "L": p2 = ((2 * k + 1 - x) * p1 - k * p0) / (k + 1); break;
      case "P": p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1); break;
      default: p2 = 2 * x * p1 - p0;
    }
    p0 = p1;
    p1 = p2;
  }
  return p1;
}
