/**
 * GCC libstdc++'s (GCC 12) `std::sort`, `std::partial_sort` and
 * `std::nth_element`, step for step, over an array of indices ordered by a
 * `less(x, y)` comparator on those indices.
 *
 * PyTorch 1.13's CPU kernels call these algorithms (`unique_dim` sorts its
 * rows with `std::sort`; `topk` uses `std::partial_sort` or
 * `std::nth_element` + `std::sort`). None is stable, so where the comparator
 * calls elements equivalent (ties), or is not even a strict weak order (rows
 * holding NaN compared with `<`), the result is the order these exact swaps
 * leave, and reproducing PyTorch's output means reproducing them:
 * introsort (median-of-three pivot, unguarded Hoare partition, runs of 16
 * left to a final insertion sort, heapsort past a depth of 2·log2(n)),
 * introselect (insertion sort under 4 elements, heap select past the depth
 * limit) and the binary heap of `partial_sort`.
 *
 * Ranges are half-open `[first, last)` positions of `a`, as in C++. The
 * scans C++ leaves unguarded (relying on the comparator to stop them) carry
 * index guards here: with a strict weak order they never fire; without one
 * they stop a scan that would leave the array (undefined behaviour in C++).
 *
 * @example
 * const a = [0, 1, 2, 3];
 * const key = [3, 1, 2, 0];
 * sort(a, (x, y) => key[x]! < key[y]!); // a is [3, 1, 2, 0]
 */

/** A comparator on the indices held in the array: true when `x` goes before `y`. */
export type Less = (x: number, y: number) => boolean;

/** `std::sort(a + first, a + last, less)`. */
export function sort(a: number[], less: Less, first = 0, last = a.length): void {
  if (first === last) return;
  introsortLoop(a, first, last, lg(last - first) * 2, less);
  finalInsertionSort(a, first, last, less);
}

/** `std::partial_sort(a + first, a + middle, a + last, less)`: the smallest `middle - first` in order at the front. */
export function partialSort(a: number[], middle: number, less: Less, first = 0, last = a.length): void {
  heapSelect(a, first, middle, last, less);
  sortHeap(a, first, middle, less);
}

/** `std::nth_element(a + first, a + nth, a + last, less)`. */
export function nthElement(a: number[], nth: number, less: Less, first = 0, last = a.length): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(a, first, nth + 1, last, less);
      swap(a, first, nth);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(a, first, last, less);
}

/** `std::__lg`: floor(log2(n)) for n >= 1. */
function lg(n: number): number {
  return 31 - Math.clz32(n);
}

function swap(a: number[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

// ---------------------------------------------------------------- introsort

/** libstdc++'s `_S_threshold`: ranges up to this size are left to the final insertion sort. */
const THRESHOLD = 16;

function introsortLoop(a: number[], first: number, last: number, depth: number, less: Less): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSort(a, last, less, first, last);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

/** Moves the median of a[first+1], a[mid], a[last-1] to a[first] and partitions around it. */
function unguardedPartitionPivot(a: number[], first: number, last: number, less: Less): number {
  const mid = first + Math.trunc((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

function moveMedianToFirst(a: number[], result: number, x: number, y: number, z: number, less: Less): void {
  if (less(a[x]!, a[y]!)) {
    if (less(a[y]!, a[z]!)) swap(a, result, y);
    else if (less(a[x]!, a[z]!)) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x]!, a[z]!)) {
    swap(a, result, x);
  } else if (less(a[y]!, a[z]!)) {
    swap(a, result, z);
  } else {
    swap(a, result, y);
  }
}

/** Hoare partition of [lo, last) around the element at `pivot` (= lo - 1). */
function unguardedPartition(a: number[], lo: number, last: number, pivot: number, less: Less): number {
  let hi = last;
  for (;;) {
    while (lo < last && less(a[lo]!, a[pivot]!)) lo++;
    hi--;
    while (hi > pivot && less(a[pivot]!, a[hi]!)) hi--;
    if (!(lo < hi)) return lo;
    swap(a, lo, hi);
    lo++;
  }
}

// ---------------------------------------------------------------- insertion sorts

function finalInsertionSort(a: number[], first: number, last: number, less: Less): void {
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(a, i, less);
  } else {
    insertionSort(a, first, last, less);
  }
}

function insertionSort(a: number[], first: number, last: number, less: Less): void {
  for (let i = first + 1; i < last; i++) {
    if (less(a[i]!, a[first]!)) {
      const v = a[i]!;
      for (let j = i; j > first; j--) a[j] = a[j - 1]!;
      a[first] = v;
    } else {
      unguardedLinearInsert(a, i, less);
    }
  }
}

/** Shifts a[last] left past every element it goes before (C++ relies on an earlier element to stop it). */
function unguardedLinearInsert(a: number[], last: number, less: Less): void {
  const v = a[last]!;
  let next = last - 1;
  while (next >= 0 && less(v, a[next]!)) {
    a[last] = a[next]!;
    last = next;
    next--;
  }
  a[last] = v;
}

// ---------------------------------------------------------------- heap

/** `std::__make_heap` over [first, last). */
function makeHeap(a: number[], first: number, last: number, less: Less): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.trunc((len - 2) / 2); ; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent]!, less);
    if (parent === 0) return;
  }
}

/** `std::__heap_select`: the heap [first, middle) ends up holding the smallest of [first, last). */
function heapSelect(a: number[], first: number, middle: number, last: number, less: Less): void {
  makeHeap(a, first, middle, less);
  for (let i = middle; i < last; i++) {
    if (less(a[i]!, a[first]!)) popHeap(a, first, middle, i, less);
  }
}

function sortHeap(a: number[], first: number, last: number, less: Less): void {
  while (last - first > 1) {
    last--;
    popHeap(a, first, last, last, less);
  }
}

/** `std::__pop_heap(first, last, result)`: the top goes to `result`, the element at `result` into the heap. */
function popHeap(a: number[], first: number, last: number, result: number, less: Less): void {
  const v = a[result]!;
  a[result] = a[first]!;
  adjustHeap(a, first, 0, last - first, v, less);
}

/** `std::__adjust_heap`: sinks the hole at `hole` to a leaf, then pushes `value` back up (`std::__push_heap`). */
function adjustHeap(a: number[], first: number, hole: number, len: number, value: number, less: Less): void {
  const top = hole;
  let child = hole;
  while (child < Math.trunc((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (less(a[first + child]!, a[first + child - 1]!)) child--;
    a[first + hole] = a[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.trunc((len - 2) / 2)) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1]!;
    hole = child - 1;
  }
  let parent = Math.trunc((hole - 1) / 2);
  while (hole > top && less(a[first + parent]!, value)) {
    a[first + hole] = a[first + parent]!;
    hole = parent;
    parent = Math.trunc((hole - 1) / 2);
  }
  a[first + hole] = value;
}
