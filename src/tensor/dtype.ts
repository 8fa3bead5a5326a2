/**
 * Element types, PyTorch's names and promotion rules.
 *
 * int64 is stored in a Float64Array: every integer up to 2^53 is exact there,
 * and arithmetic stays on plain JS numbers instead of BigInt (which would make
 * index tensors, argmax and class targets slow and awkward). Values beyond
 * 2^53 are out of scope and documented as such.
 *
 * @example
 * torch.zeros(2, { dtype: torch.int64 }).dtype.toString() // "torch.int64"
 */
import { inspect } from "node:util";
import { ArgumentError } from "../errors.js";

export type DTypeName = "float32" | "float64" | "int64" | "int32" | "uint8" | "bool";

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

type ArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/** An element type: `torch.float32`, `torch.int64`, `torch.bool`, ... */
export class DType {
  constructor(
    readonly name: DTypeName,
    /** Python-side category, used by type promotion: bool < integral < floating. */
    readonly kind: "bool" | "int" | "float",
    /** Bytes per element as PyTorch counts them (int64 is 8 even though stored as float64). */
    readonly itemsize: number,
    /** The typed array that stores this dtype. */
    readonly ArrayType: ArrayCtor,
    /** Rank within the kind, for promotion (int32 < int64, float32 < float64). */
    readonly rank: number,
  ) {}

  get is_floating_point(): boolean {
    return this.kind === "float";
  }

  toString(): string {
    return `torch.${this.name}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export const float32 = new DType("float32", "float", 4, Float32Array, 1);
export const float64 = new DType("float64", "float", 8, Float64Array, 2);
export const int64 = new DType("int64", "int", 8, Float64Array, 3);
export const int32 = new DType("int32", "int", 4, Int32Array, 2);
export const uint8 = new DType("uint8", "int", 1, Uint8Array, 1);
export const bool = new DType("bool", "bool", 1, Uint8Array, 0);

const BY_NAME: Record<string, DType> = {
  float32, float: float32, float64, double: float64, int64, long: int64, int32, int: int32, uint8, bool,
};

/** What users may pass where a dtype is expected: `torch.float32` or `"float32"` (also PyTorch's aliases). */
export type DTypeLike = DType | DTypeName | "float" | "double" | "long" | "int";

/** Resolves a dtype argument, with PyTorch's aliases (`float`, `long`, ...). */
export function toDType(d: DTypeLike | undefined | null, fallback: DType = float32): DType {
  if (d === undefined || d === null) return fallback;
  if (d instanceof DType) return d;
  const found = BY_NAME[String(d).replace(/^torch\./, "")];
  if (!found) throw new ArgumentError(`Unknown dtype '${String(d)}'; expected one of torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool`, "dtype", "TypeError");
  return found;
}

/** The dtype of two tensor operands combined (PyTorch's promote_types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const order = { bool: 0, int: 1, float: 2 } as const;
  if (order[a.kind] !== order[b.kind]) return order[a.kind] > order[b.kind] ? a : b;
  return a.rank >= b.rank ? a : b;
}

/** Rounds a JS number the way storing it into this dtype does (used for scalars in ops). */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype.name) {
    case "float32": return Math.fround(x);
    case "float64": return x;
    case "bool": return x ? 1 : 0;
    case "uint8": return (Math.trunc(x) & 0xff);
    case "int32": return Math.trunc(x) | 0;
    default: return Math.trunc(x);
  }
}

/**
 * A complex element type, `torch.complex64` (pairs of float32) or
 * `torch.complex128` (pairs of float64). Complex tensors are their own class
 * (`ComplexTensor`, src/ops/complex.ts) over a real tensor in view_as_real's
 * layout, so this is not a `DType`: real ops and creation functions never
 * mistake one for a real dtype.
 */
export class ComplexDType {
  readonly is_complex = true;
  readonly is_floating_point = false;
  constructor(
    readonly name: "complex64" | "complex128",
    /** The dtype of the real and imaginary parts. */
    readonly real: DType,
    /** PyTorch's scalar type name, as its errors print it. */
    readonly scalarName: "ComplexFloat" | "ComplexDouble",
  ) {}

  get itemsize(): number {
    return 2 * this.real.itemsize;
  }

  toString(): string {
    return `torch.${this.name}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export const complex64 = new ComplexDType("complex64", float32, "ComplexFloat");
export const complex128 = new ComplexDType("complex128", float64, "ComplexDouble");

/** The complex dtype whose parts are `real` (float32 -> complex64, float64 -> complex128). */
export function complexOf(real: DType): ComplexDType {
  return real === float64 ? complex128 : complex64;
}
