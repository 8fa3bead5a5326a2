/**
 * Python's spelling of values, so that module reprs and error messages read
 * exactly like PyTorch's: `kernel_size=(5, 5)`, `eps=1e-05`, `bias=True`,
 * `cannot assign 'int' as child module 'fc1'`.
 *
 * JavaScript has one number type; options that PyTorch documents as floats
 * (`p`, `eps`, `momentum`, `negative_slope`) are printed with `pyFloat`
 * (`1` -> `1.0`), counts and sizes with `pyInt`.
 *
 * @example
 * pyTuple([5, 5])         // "(5, 5)"
 * pyFloat(1e-5)           // "1e-05"
 * pyValue(true)           // "True"
 * pyTypename(3)           // "int"
 */
import { formatFloatRepr } from "../tensor/format-float.js";
import { Tensor } from "../tensor/tensor.js";

/** `str(x)` of a Python float. */
export function pyFloat(x: number): string {
  return formatFloatRepr(x);
}

/** `str(x)` of a Python int (JS numbers that are not integers print as floats). */
export function pyInt(x: number): string {
  return Number.isInteger(x) ? String(x) : formatFloatRepr(x);
}

/** `str(x)` of a bool, None, number, string, or tuple (arrays print as tuples). */
export function pyValue(x: unknown): string {
  if (x === null || x === undefined) return "None";
  if (typeof x === "boolean") return x ? "True" : "False";
  if (typeof x === "number") return pyInt(x);
  if (typeof x === "string") return x;
  if (Array.isArray(x)) return pyTuple(x);
  return String(x);
}

/** `repr(x)`: like `pyValue` but strings are quoted. */
export function pyRepr(x: unknown): string {
  if (typeof x === "string") return `'${x}'`;
  return pyValue(x);
}

/** A tuple: `(5, 5)`, `(5,)`, `()`; elements in repr form. */
export function pyTuple(items: readonly unknown[]): string {
  if (items.length === 1) return `(${pyRepr(items[0])},)`;
  return `(${items.map(pyRepr).join(", ")})`;
}

/** The Python type name PyTorch would print for a value like `x` (`torch.typename`). */
export function pyTypename(x: unknown): string {
  if (x instanceof Tensor) return x.type() as string;
  if (x === null || x === undefined) return "NoneType";
  switch (typeof x) {
    case "number":
      return Number.isInteger(x) ? "int" : "float";
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "function": {
      const proto = Object.getPrototypeOf(x);
      // Modules are callable objects: name them by their class.
      if (proto && proto !== Function.prototype && proto.constructor) return proto.constructor.name;
      return "function";
    }
    default:
      if (Array.isArray(x)) return "list";
      return (x as object).constructor?.name === "Object" ? "dict" : (x as object).constructor?.name ?? "object";
  }
}

/** Python's `str(type(x))`: `<class 'list'>`. */
export function pyTypeRepr(x: unknown): string {
  return `<class '${pyTypename(x)}'>`;
}
