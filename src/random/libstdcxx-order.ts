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
 * order in which they are drawn is this tie order. The functions below
 * follow the libstdc++ (GCC 12) algorithms step for step: introselect
 * (median-of-three pivot, unguarded partition, insertion sort under 4
 * elements, heap select past the depth limit), introsort (threshold 16,
 * then a final insertion sort) and the binary heap of `partial_sort`.
 *
 * @example
 * topkIndices(new Float64Array([0, 1, 0, 0, 2]), 5); // [4, 1, 2, 3, 0], as torch.tensor([0., 1, 0, 0, 2]).topk(5)
 */

/** A row of (value, index) pairs being reordered in place. */
class Pairs {
  constructor(
    readonly v: Float64Array,
    readonly ix: Float64Array,
  ) {}

  swap(a: number, b: number): void {
    const v = this.v[a]!;
    const i = this.ix[a]!;
    this.v[a] = this.v[b]!;
    this.ix[a] = this.ix[b]!;
    this.v[b] = v;
    this.ix[b] = i;
  }

  /** Copies pair `from` over pair `to` (a C++ move assignment). */
  move(to: number, from: number): void {
    this.v[to] = this.v[from]!;
    this.ix[to] = this.ix[from]!;
  }

  set(to: number, v: number, i: number): void {
    this.v[to] = v;
    this.ix[to] = i;
  }
}

/** topk's "largest" comparator: NaN first, then larger values first. */
function before(x: number, y: number): boolean {
  return (x !== x && y === y) || x > y;
}

/** `std::__lg`: floor(log2(n)) for n >= 1. */
function lg(n: number): number {
  return 31 - Math.clz32(n);
}

// ---------------------------------------------------------------- insertion sorts

function unguardedLinearInsert(p: Pairs, last: number): void {
  const v = p.v[last]!;
  const i = p.ix[last]!;
  let next = last - 1;
  while (before(v, p.v[next]!)) {
    p.move(last, next);
    last = next;
    next--;
  }
  p.set(last, v, i);
}

function insertionSort(p: Pairs, first: number, last: number): void {
  if (first === last) return;
  for (let i = first + 1; i !== last; i++) {
    if (before(p.v[i]!, p.v[first]!)) {
      const v = p.v[i]!;
      const ix = p.ix[i]!;
      for (let j = i; j > first; j--) p.move(j, j - 1);
      p.set(first, v, ix);
    } else {
      unguardedLinearInsert(p, i);
    }
  }
}

function unguardedInsertionSort(p: Pairs, first: number, last: number): void {
  for (let i = first; i !== last; i++) unguardedLinearInsert(p, i);
}

const SORT_THRESHOLD = 16;

function finalInsertionSort(p: Pairs, first: number, last: number): void {
  if (last - first > SORT_THRESHOLD) {
    insertionSort(p, first, first + SORT_THRESHOLD);
    unguardedInsertionSort(p, first + SORT_THRESHOLD, last);
  } else {
    insertionSort(p, first, last);
  }
}

// ---------------------------------------------------------------- heap

/** `std::__push_heap` of the pair (v, i) into the hole at `hole`. */
function pushHeap(p: Pairs, first: number, hole: number, top: number, v: number, i: number): void {
  let parent = Math.trunc((hole - 1) / 2);
  while (hole > top && before(p.v[first + parent]!, v)) {
    p.move(first + hole, first + parent);
    hole = parent;
    parent = Math.trunc((hole - 1) / 2);
  }
  p.set(first + hole, v, i);
}

/** `std::__adjust_heap`: sinks the hole at `hole` to a leaf, then pushes (v, i) back up. */
function adjustHeap(p: Pairs, first: number, hole: number, len: number, v: number, i: number): void {
  const top = hole;
  let child = hole;
  while (child < Math.trunc((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (before(p.v[first + child]!, p.v[first + child - 1]!)) child--;
    p.move(first + hole, first + child);
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.trunc((len - 2) / 2)) {
    child = 2 * (child + 1);
    p.move(first + hole, first + child - 1);
    hole = child - 1;
  }
  pushHeap(p, first, hole, top, v, i);
}

function makeHeap(p: Pairs, first: number, last: number): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.trunc((len - 2) / 2); ; parent--) {
    adjustHeap(p, first, parent, len, p.v[first + parent]!, p.ix[first + parent]!);
    if (parent === 0) return;
  }
}

/** `std::__pop_heap(first, last, result)`: the top goes to `result`, the pair at `result` into the heap. */
function popHeap(p: Pairs, first: number, last: number, result: number): void {
  const v = p.v[result]!;
  const i = p.ix[result]!;
  p.move(result, first);
  adjustHeap(p, first, 0, last - first, v, i);
}

function heapSelect(p: Pairs, first: number, middle: number, last: number): void {
  makeHeap(p, first, middle);
  for (let i = middle; i < last; i++) {
    if (before(p.v[i]!, p.v[first]!)) popHeap(p, first, middle, i);
  }
}

function sortHeap(p: Pairs, first: number, last: number): void {
  while (last - first > 1) {
    last--;
    popHeap(p, first, last, last);
  }
}

function partialSort(p: Pairs, first: number, middle: number, last: number): void {
  heapSelect(p, first, middle, last);
  sortHeap(p, first, middle);
}

// ---------------------------------------------------------------- quicksort partition

function moveMedianToFirst(p: Pairs, result: number, a: number, b: number, c: number): void {
  const v = p.v;
  if (before(v[a]!, v[b]!)) {
    if (before(v[b]!, v[c]!)) p.swap(result, b);
    else if (before(v[a]!, v[c]!)) p.swap(result, c);
    else p.swap(result, a);
  } else if (before(v[a]!, v[c]!)) {
    p.swap(result, a);
  } else if (before(v[b]!, v[c]!)) {
    p.swap(result, c);
  } else {
    p.swap(result, b);
  }
}

function unguardedPartition(p: Pairs, first: number, last: number, pivot: number): number {
  for (;;) {
    while (before(p.v[first]!, p.v[pivot]!)) first++;
    last--;
    while (before(p.v[pivot]!, p.v[last]!)) last--;
    if (!(first < last)) return first;
    p.swap(first, last);
    first++;
  }
}

function unguardedPartitionPivot(p: Pairs, first: number, last: number): number {
  const mid = first + Math.trunc((last - first) / 2);
  moveMedianToFirst(p, first, first + 1, mid, last - 1);
  return unguardedPartition(p, first + 1, last, first);
}

// ---------------------------------------------------------------- the three algorithms

function introsortLoop(p: Pairs, first: number, last: number, depth: number): void {
  while (last - first > SORT_THRESHOLD) {
    if (depth === 0) {
      partialSort(p, first, last, last);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(p, first, last);
    introsortLoop(p, cut, last, depth);
    last = cut;
  }
}

/** `std::sort(first, last)`. */
function sort(p: Pairs, first: number, last: number): void {
  if (first === last) return;
  introsortLoop(p, first, last, lg(last - first) * 2);
  finalInsertionSort(p, first, last);
}

/** `std::nth_element(first, nth, last)`. */
function nthElement(p: Pairs, first: number, nth: number, last: number): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(p, first, nth + 1, last);
      p.swap(first, nth);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(p, first, last);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(p, first, last);
}

/**
 * The indices of the `k` largest of `values` (1 <= k <= values.length), in
 * the order PyTorch 1.13's CPU `topk(k)` (largest, sorted) lists them.
 */
export function topkIndices(values: Float64Array, k: number): number[] {
  const n = values.length;
  const p = new Pairs(Float64Array.from(values), new Float64Array(n));
  for (let j = 0; j < n; j++) p.ix[j] = j;
  if (k * 64 <= n) {
    partialSort(p, 0, k, n);
  } else {
    nthElement(p, 0, k - 1, n);
    sort(p, 0, k - 1);
  }
  return Array.from(p.ix.subarray(0, k));
}
