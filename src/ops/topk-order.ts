/**
 * The k largest (or smallest) values of a row in the order PyTorch 1.13's
 * CPU `topk` returns them, ties included.
 *
 * `topk` fills a vector of (value, index) pairs and hands it to GCC's
 * libstdc++: `std::partial_sort` when `k * 64 <= n`, otherwise
 * `std::nth_element` at k - 1 followed by `std::sort` of the first k - 1
 * pairs. Neither is stable, and their comparator looks at the values only
 * (NaN above everything, then `>`), so equal values come out in an order
 * that depends on the exact swaps these algorithms make. It matters to
 * `multinomial` without replacement: categories of weight zero all score 0
 * and, when more samples are asked than there are positive weights, the
 * order in which they are drawn is this tie order, which is why the
 * algorithms are the step-for-step copies in `tensor/libstdcxx-sort.ts`.
 *
 * @example
 * topkIndices(new Float64Array([0, 1, 0, 0, 2]), 5); // [4, 1, 2, 3, 0], as torch.tensor([0., 1, 0, 0, 2]).topk(5)
 */

import { nthElement, partialSort, sort } from "../tensor/libstdcxx-sort.js";

/** topk's comparators on values: NaN counts as the largest value either way. */
function comparator(values: ArrayLike<number>, largest: boolean): (i: number, j: number) => boolean {
  if (largest) {
    return (i, j) => {
      const x = values[i]!;
      const y = values[j]!;
      return (x !== x && y === y) || x > y;
    };
  }
  return (i, j) => {
    const x = values[i]!;
    const y = values[j]!;
    return (x === x && y !== y) || x < y;
  };
}

/**
 * The indices of the `k` largest (or smallest) of `values` (0 <= k <=
 * values.length), in the order PyTorch 1.13's CPU `topk(k, largest, sorted)`
 * lists them. Unsorted, the first k - 1 come in whatever order
 * `nth_element` left them, as there.
 */
export function topkIndices(values: ArrayLike<number>, k: number, largest = true, sorted = true): number[] {
  const n = values.length;
  if (k === 0) return [];
  const before = comparator(values, largest);
  const order: number[] = new Array<number>(n);
  for (let j = 0; j < n; j++) order[j] = j;
  if (k * 64 <= n) {
    partialSort(order, k, before);
  } else {
    nthElement(order, k - 1, before);
    if (sorted) sort(order, before, 0, k - 1);
  }
  return order.slice(0, k);
}
