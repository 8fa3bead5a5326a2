/**
 * The element types the sampling functions fill, and how numbers are written
 * into PyTorch's error messages.
 *
 * Samplers work on plain typed arrays. The array type implies the dtype
 * (`Float32Array` is float32, `BigInt64Array` is int64, ...), except that a
 * `Float64Array` may also hold an int64 tensor (exact up to 2^53): pass
 * `"int64"` explicitly in that case, because `random_()` and `random_(from,
 * to)` consume the stream differently for int64 and float64.
 *
 * @example
 * resolveDType(new Float64Array(3));          // "float64"
 * resolveDType(new Float64Array(3), "int64"); // "int64", values stored as exact doubles
 */

import { ArgumentError } from "../errors.js";

/** The dtypes the samplers support, by PyTorch's names. */
export type SampleDType = "float32" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** Any array a sampler can fill. */
export type SampleArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** Floating-point arrays: what `uniform_`, `normal_` and `exponential_` fill. */
export type FloatArray = Float32Array | Float64Array;

/** The dtype `out` holds: `dtype` if given and compatible with the array type, else the array type's own. */
export function resolveDType(out: SampleArray, dtype?: SampleDType): SampleDType {
  const natural = naturalDType(out);
  if (dtype === undefined || dtype === natural) return natural;
  const ok =
    (dtype === "int64" && out instanceof Float64Array) ||
    (dtype === "bool" && out instanceof Uint8Array);
  if (!ok) {
    throw new ArgumentError(
      `a ${out.constructor.name} cannot hold a ${dtype} tensor (use Float64Array or BigInt64Array for int64, Uint8Array for bool)`,
      "dtype",
      "TypeError",
    );
  }
  return dtype;
}

function naturalDType(out: SampleArray): SampleDType {
  if (out instanceof Float32Array) return "float32";
  if (out instanceof Float64Array) return "float64";
  if (out instanceof BigInt64Array) return "int64";
  if (out instanceof Int32Array) return "int32";
  if (out instanceof Int16Array) return "int16";
  if (out instanceof Int8Array) return "int8";
  if (out instanceof Uint8Array) return "uint8";
  throw new ArgumentError("expected a Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array", "out", "TypeError");
}

/** The C++ type name PyTorch's messages print for a dtype (`caffe2::TypeMeta` names). */
export function cppTypeName(dtype: SampleDType): string {
  switch (dtype) {
    case "float32":
      return "float";
    case "float64":
      return "double";
    case "int64":
      return "long int";
    case "int32":
      return "int";
    case "int16":
      return "short int";
    case "int8":
      return "signed char";
    case "uint8":
      return "unsigned char";
    case "bool":
      return "bool";
  }
}

/** PyTorch's name of the dtype, as `torch.float32` prints it in messages (`Float`, `Long`, ...). */
export function scalarTypeName(dtype: SampleDType): string {
  switch (dtype) {
    case "float32":
      return "Float";
    case "float64":
      return "Double";
    case "int64":
      return "Long";
    case "int32":
      return "Int";
    case "int16":
      return "Short";
    case "int8":
      return "Char";
    case "uint8":
      return "Byte";
    case "bool":
      return "Bool";
  }
}

/**
 * A double as C++ `std::ostream << x` prints it (the `%g` style with six
 * significant digits), which is how numbers appear in ATen's messages:
 * `2`, `0.5`, `1e-07`, `3.40282e+38`, `nan`, `inf`.
 */
export function cppDouble(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, expStr] = x.toExponential(5).split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const m = stripZeros(mant);
    const sign = exp < 0 ? "-" : "+";
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return stripZeros(x.toFixed(Math.max(0, 5 - exp)));
}

function stripZeros(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}
