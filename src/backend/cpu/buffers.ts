/**
 * The arrays a kernel reads and writes: every kernel checks that what it was
 * handed is as long as its geometry needs, and either fills a caller's
 * destination (reused memory) or a new one.
 */
import { ArgumentError } from "../../errors.js";

type NumberArray = Float32Array | Float64Array | Int32Array;

/** Throws `ArgumentError` when `arr` is shorter than the geometry of `op` needs. */
export function checkLength(op: string, name: string, arr: ArrayLike<number>, expected: number): void {
  if (arr.length < expected) {
    throw new ArgumentError(`${op}: ${name} has ${arr.length} elements but the geometry needs ${expected}`, name, "RuntimeError");
  }
}

/** `out` checked for length, or a new Float32Array (or `ArrayType`) of `length` elements. */
export function destination<A extends NumberArray = Float32Array>(
  op: string, name: string, out: A | undefined, length: number,
  ArrayType: { new(n: number): A } = Float32Array as unknown as { new(n: number): A },
): A {
  if (out === undefined) return new ArrayType(length);
  checkLength(op, name, out, length);
  return out;
}
