/**
 * `Subset`: a dataset seen through a list of indices (what `random_split`
 * returns).
 *
 * @example
 * const evens = new Subset(ds, [0, 2, 4, 6]);
 * evens.getitem(1);  // ds.getitem(2)
 */
import { Dataset, normalizeIndex } from "./dataset.js";

export class Subset<T> extends Dataset<T> {
  constructor(
    /** The whole dataset. */
    readonly dataset: Dataset<T>,
    /** The indices into `dataset` this subset holds, in order. */
    readonly indices: readonly number[],
  ) {
    super();
  }

  get length(): number {
    return this.indices.length;
  }

  getitem(index: number): T {
    return this.dataset.getitem(this.indices[normalizeIndex(index, this.indices.length, "Subset")]!);
  }
}
