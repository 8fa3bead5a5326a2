/**
 * `default_collate`: turns a list of samples into one batch, as PyTorch's
 * DataLoader does — tensors are stacked along a new first dimension,
 * numbers become a tensor, and tuples, arrays and objects are collated
 * field by field (so `[image, label]` samples give `[images, labels]`).
 *
 * Numbers: JavaScript has a single number type, so where Python would look at
 * `int` versus `float`, a batch whose numbers are all integers becomes int64
 * and any other becomes float64 (PyTorch's dtypes for Python ints and
 * floats). Booleans give bool, bigints int64; strings stay a list.
 *
 * @example
 * default_collate([[torch.zeros(1, 32, 32), 3], [torch.ones(1, 32, 32), 7]]);
 * // [Tensor [2, 1, 32, 32], tensor([3, 7]) (int64)]
 * default_collate([{ x: 1.5 }, { x: 2 }]);  // { x: tensor([1.5, 2.0], dtype=float64) }
 */
import { ArgumentError } from "../../errors.js";
import { int64 } from "../../tensor/dtype.js";
import { tensor } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { stack } from "../../ops/join.js";

/** The batch type `default_collate` makes from samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | bigint | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : T[];

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Tensor) return "Tensor";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function collateError(found: unknown): ArgumentError {
  return new ArgumentError(
    `default_collate: batch must contain tensors, numbers, booleans, strings, arrays or objects; found ${kindOf(found)}`,
    "batch",
    "TypeError",
  );
}

function collateNumbers(batch: readonly number[]): Tensor {
  const allIntegers = batch.every((v) => Number.isInteger(v));
  return tensor(batch as number[], { dtype: allIntegers ? "int64" : "float64" });
}

/**
 * One batch from a list of samples (PyTorch's `default_collate`).
 * Throws PyTorch's errors for tensors of different shapes and for samples
 * whose arrays differ in length.
 */
export function default_collate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch)) throw new ArgumentError("default_collate: batch must be an array of samples", "batch", "TypeError");
  if (batch.length === 0) throw new ArgumentError("default_collate: cannot collate an empty batch", "batch");
  const first: unknown = batch[0];
  const kind = kindOf(first);
  const mixed = batch.find((b) => kindOf(b) !== kind);
  if (mixed !== undefined) {
    throw new ArgumentError(`default_collate: the samples of a batch must be of one kind; found ${kind} and ${kindOf(mixed)}`, "batch", "TypeError");
  }
  switch (kind) {
    case "Tensor":
      return stack(batch as unknown as Tensor[], 0) as Collated<T>;
    case "number":
      return collateNumbers(batch as unknown as number[]) as Collated<T>;
    case "boolean":
      return tensor(batch as unknown as boolean[]) as Collated<T>;
    case "bigint": {
      const t = tensor((batch as unknown as bigint[]).map(Number), { dtype: int64 });
      return t as Collated<T>;
    }
    case "string":
      return [...batch] as Collated<T>;
    case "array": {
      const rows = batch as unknown as unknown[][];
      const size = rows[0]!.length;
      if (rows.some((r) => r.length !== size)) throw new ArgumentError("each element in list of batch should be of equal size", "batch", "RuntimeError");
      // Transpose: field k of every sample, collated.
      return Array.from({ length: size }, (_, k) => default_collate(rows.map((r) => r[k]))) as Collated<T>;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(first as object)) {
        out[key] = default_collate(batch.map((b) => (b as Record<string, unknown>)[key]));
      }
      return out as Collated<T>;
    }
    default:
      throw collateError(first);
  }
}

/** What a loader with `batch_size: null` applies to each sample: tensors and everything else unchanged. */
export function default_convert<T>(sample: T): T {
  return sample;
}
