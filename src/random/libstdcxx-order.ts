/**
 * The k largest values of a row in the order PyTorch 1.13's CPU `topk`
 * returns them, ties included.
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

/**
 * The indices of the `k` largest of `values` (1 <= k <= values.length), in
 * the order PyTorch 1.13's CPU `topk(k)` (largest, sorted) lists them.
 */
export function topkIndices(values: Float64Array, k: number): number[] {
  const n = values.length;
  // topk's "largest" comparator on (value, index) pairs looks at the values only:
  // NaN first, then larger values first.
  const before = (i: number, j: number): boolean => {
    const x = values[i]!;
    const y = values[j]!;
    return (x !== x && y === y) || x > y;
  };
  const order: number[] = new Array<number>(n);
  for (let j = 0; j < n; j++) order[j] = j;
  if (k * 64 <= n) {
    partialSort(order, k, before);
  } else {
    nthElement(order, k - 1, before);
    sort(order, before, 0, k - 1);
  }
  return order.slice(0, k);
}
