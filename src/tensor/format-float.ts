/**
 * Python's float formatting, digit for digit: `'{:.4f}'.format(x)`,
 * `'{:.4e}'.format(x)` and `repr(x)`.
 *
 * Python rounds the exact binary value of a double and breaks exact ties to
 * even (0.03125 → `'0.0312'`), while JS `toFixed`/`toExponential` break them
 * away from zero (`0.03125.toFixed(4) === "0.0313"`). Ties are rare but real
 * (any k/32 at four decimals), so the exact answer comes from BigInt
 * arithmetic on the double's mantissa and exponent; the JS built-ins, which
 * are exact everywhere else, serve as a fast path when no tie is possible.
 *
 * @example
 * formatFixed(0.03125, 4)     // "0.0312"
 * formatExponential(1e-5, 4)  // "1.0000e-05"
 * formatFloatRepr(0.1)        // "0.1"
 * formatFloatRepr(1e16)       // "1e+16"
 */
import { ArgumentError } from "../errors.js";

/** A finite nonzero |x| as `mant * 2^exp`, with `mant` odd (so `exp` is the lowest set bit). */
function decompose(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = hi >>> 20;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal: no implicit leading bit
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  while ((mant & 1n) === 0n) {
    mant >>= 1n;
    exp += 1;
  }
  return { mant, exp };
}

/** `num / den` rounded to the nearest integer, exact ties to even. */
function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** `|x| * 10^scale` rounded half to even, exactly. */
function scaledRound(mant: bigint, exp: number, scale: number): bigint {
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (scale >= 0) num *= 10n ** BigInt(scale);
  else den *= 10n ** BigInt(-scale);
  return divRoundHalfEven(num, den);
}

/** True when `|x| * 2^bits` is an odd integer, i.e. the lowest set bit of x is worth 2^-bits. */
function lowestBitIs(x: number, bits: number): boolean {
  const y = Math.abs(x) * 2 ** bits; // exact: scaling by a power of two
  return Number.isInteger(y) && y % 2 === 1;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? "-" : "";
}

function nonFinite(x: number): string | undefined {
  if (Number.isNaN(x)) return "nan"; // Python never shows the sign of a NaN
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return undefined;
}

function checkPrecision(precision: number): void {
  if (!Number.isInteger(precision) || precision < 0) {
    throw new ArgumentError(`precision must be a non-negative integer, got ${precision}`, "precision");
  }
}

/** The exact digits of `|x|` with `precision` decimals (BigInt path). */
function fixedDigitsExact(x: number, precision: number): string {
  if (x === 0) return precision > 0 ? "0." + "0".repeat(precision) : "0";
  const { mant, exp } = decompose(x);
  const digits = scaledRound(mant, exp, precision).toString().padStart(precision + 1, "0");
  if (precision === 0) return digits;
  return digits.slice(0, digits.length - precision) + "." + digits.slice(digits.length - precision);
}

/**
 * Python's `'{:.<precision>f}'.format(x)`: fixed-point, correctly rounded,
 * ties to even, the sign kept for negative values that round to zero.
 *
 * @example
 * formatFixed(2.5, 0)        // "2"
 * formatFixed(-0.00001, 4)   // "-0.0000"
 * formatFixed(1e21, 0)       // "1000000000000000000000"
 */
export function formatFixed(x: number, precision: number): string {
  checkPrecision(precision);
  const special = nonFinite(x);
  if (special !== undefined) return special;
  const abs = Math.abs(x);
  // toFixed is exact up to 100 decimals below 1e21; it differs from Python only on ties.
  const fast = precision <= 100 && abs < 1e21 && !lowestBitIs(abs, precision + 1);
  return signOf(x) + (fast ? abs.toFixed(precision) : fixedDigitsExact(abs, precision));
}

/** The exact significant digits and decimal exponent of `|x|` rounded to `precision + 1` digits. */
function expDigitsExact(x: number, precision: number): { digits: string; exp10: number } {
  if (x === 0) return { digits: "0".repeat(precision + 1), exp10: 0 };
  const { mant, exp } = decompose(x);
  const low = 10n ** BigInt(precision);
  const high = low * 10n;
  // Math.log10 may be off by one near powers of ten; the exact check corrects it.
  let exp10 = Math.floor(Math.log10(Math.abs(x)));
  for (;;) {
    const n = scaledRound(mant, exp, precision - exp10);
    if (n >= high) {
      exp10 += 1;
    } else if (n < low) {
      exp10 -= 1;
    } else {
      return { digits: n.toString(), exp10 };
    }
    // Rounding up to exactly 10^(p+1) lands here once more with exp10 + 1 and
    // yields 10^p, which is right: 9.99995 → 1.0000e+01.
  }
}

/** Whether `|x|` lies exactly halfway between two (precision+1)-digit decimals with exponent exp10. */
function isExpTie(x: number, precision: number, exp10: number): boolean {
  const scale = precision - exp10;
  if (scale >= 0) return lowestBitIs(x, scale + 1);
  // |x| >= 10^(p+1): a tie needs x to be an integer; let the exact path decide.
  return Number.isInteger(x);
}

function pythonExponent(exp10: number): string {
  const sign = exp10 < 0 ? "-" : "+";
  return "e" + sign + String(Math.abs(exp10)).padStart(2, "0");
}

/**
 * Python's `'{:.<precision>e}'.format(x)`: one digit, `precision` decimals,
 * an exponent of at least two digits; correctly rounded, ties to even.
 *
 * @example
 * formatExponential(1.03125, 4)  // "1.0312e+00"
 * formatExponential(2.5, 0)      // "2e+00"
 * formatExponential(0, 4)        // "0.0000e+00"
 */
export function formatExponential(x: number, precision: number): string {
  checkPrecision(precision);
  const special = nonFinite(x);
  if (special !== undefined) return special;
  const abs = Math.abs(x);
  let digits: string;
  let exp10: number;
  const js = abs !== 0 && precision <= 100 ? abs.toExponential(precision) : undefined;
  const jsExp = js === undefined ? 0 : Number(js.slice(js.indexOf("e") + 1));
  if (js !== undefined && !isExpTie(abs, precision, jsExp)) {
    digits = js.slice(0, js.indexOf("e")).replace(".", "");
    exp10 = jsExp;
  } else {
    ({ digits, exp10 } = expDigitsExact(abs, precision));
  }
  const mantissa = precision > 0 ? digits[0] + "." + digits.slice(1) : digits;
  return signOf(x) + mantissa + pythonExponent(exp10);
}

/**
 * Python's `repr(x)` / `str(x)` of a float: the shortest digits that read
 * back as the same double, positional for 1e-4 <= |x| < 1e16 (with a `.0`
 * when integral), scientific otherwise.
 *
 * @example
 * formatFloatRepr(0.1)       // "0.1"
 * formatFloatRepr(123)       // "123.0"
 * formatFloatRepr(1e-5)      // "1e-05"
 * formatFloatRepr(Math.fround(0.1))  // "0.10000000149011612"
 */
export function formatFloatRepr(x: number): string {
  const special = nonFinite(x);
  if (special !== undefined) return special;
  if (x === 0) return signOf(x) + "0.0";
  // Both JS and Python pick the shortest round-tripping digits, the closest one on a choice.
  const js = Math.abs(x).toExponential();
  const e = js.indexOf("e");
  const digits = js.slice(0, e).replace(".", "");
  const exp10 = Number(js.slice(e + 1));
  let body: string;
  if (exp10 < -4 || exp10 >= 16) {
    body = (digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits) + pythonExponent(exp10);
  } else if (exp10 < 0) {
    body = "0." + "0".repeat(-exp10 - 1) + digits;
  } else if (digits.length <= exp10 + 1) {
    body = digits + "0".repeat(exp10 + 1 - digits.length) + ".0";
  } else {
    body = digits.slice(0, exp10 + 1) + "." + digits.slice(exp10 + 1);
  }
  return signOf(x) + body;
}

/** The exact paths, exported so tests can check the fast paths against them. */
export const exactForTesting = {
  fixed: (x: number, precision: number): string => {
    const special = nonFinite(x);
    return special ?? signOf(x) + fixedDigitsExact(Math.abs(x), precision);
  },
  exponential: (x: number, precision: number): string => {
    const special = nonFinite(x);
    if (special !== undefined) return special;
    const { digits, exp10 } = expDigitsExact(Math.abs(x), precision);
    const mantissa = precision > 0 ? digits[0] + "." + digits.slice(1) : digits;
    return signOf(x) + mantissa + pythonExponent(exp10);
  },
};
