/**
 * `Dataset`: the map-style dataset every loader reads, as in
 * `torch.utils.data.Dataset` — a `length` and `getitem(index)`.
 *
 * Python writes `dataset[i]` and `len(dataset)`; TypeScript has no operator
 * overloading, so the same two things are `dataset.getitem(i)` and
 * `dataset.length`. Datasets are also iterable, in index order.
 *
 * @example
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   getitem(i: number): [number, number] { return [i, i * i]; }
 * }
 * const ds = new Squares();
 * ds.getitem(3);      // [3, 9]
 * [...ds].length;     // 10
 */
import { ArgumentError, IndexError } from "../../errors.js";

export abstract class Dataset<T> implements Iterable<T> {
  /** How many samples there are (`len(dataset)`). */
  abstract get length(): number;

  /** Sample `index` (`dataset[index]`); negative indices count from the end. */
  abstract getitem(index: number): T;

  /** The samples in index order. */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.getitem(i);
  }
}

/**
 * Turns a Python-style index (negative counts from the end) into 0..length-1,
 * or throws PyTorch's IndexError for an index outside the dataset.
 */
export function normalizeIndex(index: number, length: number, what = "dataset"): number {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new ArgumentError(`${what} indices must be integers, not ${typeof index === "number" ? "float" : typeof index}`, "index", "TypeError");
  }
  if (index < -length || index >= length) {
    throw new IndexError(`index ${index} is out of range for a ${what} of length ${length}`, index, [-length, length - 1]);
  }
  return index < 0 ? index + length : index;
}

/** Whether `value` can be read as a map-style dataset (a `length` and a `getitem`). */
export function isDataset(value: unknown): value is Dataset<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Dataset<unknown>).getitem === "function" &&
    typeof (value as Dataset<unknown>).length === "number"
  );
}
