/**
 * Walking strided memory. A view (transpose, slice, expand...) shares its
 * storage with its base and only changes shape, strides and offset; these
 * helpers turn any such view into row-major data, or copy between views.
 *
 * They loop over all dimensions but the last with an index counter and run the
 * last one as a tight loop, so the per-element cost stays a load and a store.
 */
import type { TypedArray } from "./dtype.js";

/** Row-major strides of a contiguous tensor of this shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i]!, 1);
  }
  return strides;
}

/** Product of the dimensions. */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** True when (shape, strides) describe row-major order with no gaps. */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  // An empty tensor has no elements to be out of order (PyTorch calls it contiguous).
  if (shape.includes(0)) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Copies `numel` elements from a strided source into a strided destination,
 * both walked in row-major order of `shape`.
 */
export function copyStrided(
  shape: readonly number[],
  src: TypedArray, srcStrides: readonly number[], srcOffset: number,
  dst: TypedArray, dstStrides: readonly number[], dstOffset: number,
): void {
  const nd = shape.length;
  if (nd === 0) {
    dst[dstOffset] = src[srcOffset]!;
    return;
  }
  const n = shapeNumel(shape);
  if (n === 0) return;
  const last = shape[nd - 1]!;
  const ss = srcStrides[nd - 1]!;
  const ds = dstStrides[nd - 1]!;
  const counter = new Array<number>(nd - 1).fill(0);
  let so = srcOffset;
  let dOff = dstOffset;
  const rows = n / last;
  for (let r = 0; r < rows; r++) {
    if (ss === 1 && ds === 1) {
      for (let j = 0; j < last; j++) dst[dOff + j] = src[so + j]!;
    } else {
      for (let j = 0, a = so, b = dOff; j < last; j++, a += ss, b += ds) dst[b] = src[a]!;
    }
    // Advance the counter over the outer dimensions, carrying like an odometer.
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]!++;
      so += srcStrides[d]!;
      dOff += dstStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      so -= srcStrides[d]! * shape[d]!;
      dOff -= dstStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}

/** The elements of a strided view in row-major order, in a new array of `ArrayType`. */
export function gatherContiguous<A extends TypedArray>(
  shape: readonly number[], src: TypedArray, strides: readonly number[], offset: number,
  ArrayType: { new(n: number): A },
): A {
  const n = shapeNumel(shape);
  const out = new ArrayType(n);
  copyStrided(shape, src, strides, offset, out, contiguousStrides(shape), 0);
  return out;
}
