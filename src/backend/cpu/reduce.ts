/**
 * Reduction, scan and softmax kernels over typed arrays.
 *
 * A reduction splits the input's dimensions into *kept* ones (one output
 * element per position) and *reduced* ones (folded into that element). The
 * kernels get the base offset of every output element (`groupBases`) and the
 * reduced sub-space as rows: `n` elements `stride` apart, starting at each of
 * `rowOffsets` relative to the base. Reduced dimensions are coalesced first,
 * so reducing a contiguous block is a single tight loop per output element.
 *
 * Sums, means and variances accumulate in double precision and are rounded
 * once when stored, so float32 results are at least as accurate as PyTorch's
 * (which sums float32 in float32 with cascade summation); they agree to
 * about 1e-7 relative.
 *
 * Line kernels (scans, softmax, arg-reductions, sort) work along a single
 * dimension: `lineBases` gives the start of every line.
 *
 * @example
 * // sum over dim 1 of a contiguous 2x3 array
 * const src = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const bases = groupBases([2], [3], 0);        // [0, 3]
 * const out = new Float32Array(2);
 * reduceKernel("sum", src, bases, new Float64Array([0]), 3, 1, out);   // out = [6, 15]
 */
import type { TypedArray } from "../../tensor/dtype.js";
import { coalesce } from "./elementwise.js";

export type ReduceOp =
  | "sum" | "mean" | "prod" | "max" | "min" | "all" | "any" | "nansum"
  | "norm1" | "norm2" | "normp" | "norminf" | "normneginf" | "norm0" | "logsumexp";

/**
 * The starting offset of every position of `shape` walked row-major with
 * `strides` from `base` (one per output element of a reduction, or one per
 * line of a line kernel).
 */
export function groupBases(shape: readonly number[], strides: readonly number[], base: number): Float64Array {
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = base;
    return out;
  }
  const counter = new Array<number>(nd).fill(0);
  let off = base;
  const last = shape[nd - 1]!;
  const ls = strides[nd - 1]!;
  for (let i = 0; i < n; i += last) {
    for (let j = 0; j < last; j++) out[i + j] = off + j * ls;
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]!++;
      off += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** The reduced sub-space as rows: [rowOffsets, n, stride]. Dimensions are coalesced and ordered by stride. */
export function reducedRows(shape: readonly number[], strides: readonly number[]): [Float64Array, number, number] {
  // Walk the smallest stride innermost: the order of a sum does not change its meaning, and memory order is fastest.
  const order = shape.map((_, i) => i).sort((a, b) => Math.abs(strides[b]!) - Math.abs(strides[a]!));
  const [cs, [cstr]] = coalesce(order.map((i) => shape[i]!), [order.map((i) => strides[i]!)]);
  const nd = cs.length;
  const rows = groupBases(cs.slice(0, nd - 1), cstr!.slice(0, nd - 1), 0);
  return [rows, cs[nd - 1]!, cstr![nd - 1]!];
}

/**
 * Folds the reduced rows of every group into `out[g]` (stored in the array's
 * type). `p` is the order of a p-norm; `count` the number of reduced elements
 * (for means).
 */
export function reduceKernel(
  op: ReduceOp,
  src: TypedArray,
  bases: Float64Array,
  rowOffsets: Float64Array,
  n: number,
  stride: number,
  out: TypedArray,
  p = 0,
): void {
  const groups = bases.length;
  const rows = rowOffsets.length;
  const count = rows * n;
  for (let g = 0; g < groups; g++) {
    const base = bases[g]!;
    let acc: number;
    switch (op) {
      case "sum":
      case "mean": {
        acc = 0;
        for (let r = 0; r < rows; r++) {
          const start = base + rowOffsets[r]!;
          if (stride === 1) for (let i = start, end = start + n; i < end; i++) acc += src[i]!;
          else for (let i = 0, q = start; i < n; i++, q += stride) acc += src[q]!;
        }
        if (op === "mean") acc /= count;
        break;
      }
      case "nansum": {
        acc = 0;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = src[q]!;
            if (v === v) acc += v;
          }
        }
        break;
      }
      case "prod": {
        acc = 1;
        for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) acc *= src[q]!;
        break;
      }
      case "max": {
        acc = -Infinity;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = src[q]!;
            if (v > acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
        }
        break;
      }
      case "min": {
        acc = Infinity;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = src[q]!;
            if (v < acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
        }
        break;
      }
      case "all": {
        acc = 1;
        outer: for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            if (src[q] === 0) {
              acc = 0;
              break outer;
            }
          }
        }
        break;
      }
      case "any": {
        acc = 0;
        outer: for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            if (src[q] !== 0) {
              acc = 1;
              break outer;
            }
          }
        }
        break;
      }
      case "norm0": {
        acc = 0;
        for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) if (src[q] !== 0) acc++;
        break;
      }
      case "norm1": {
        acc = 0;
        for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) acc += Math.abs(src[q]!);
        break;
      }
      case "norm2": {
        acc = 0;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = src[q]!;
            acc += v * v;
          }
        }
        acc = Math.sqrt(acc);
        break;
      }
      case "normp": {
        acc = 0;
        for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) acc += Math.pow(Math.abs(src[q]!), p);
        acc = Math.pow(acc, 1 / p);
        break;
      }
      case "norminf": {
        acc = 0;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = Math.abs(src[q]!);
            if (v > acc || v !== v) acc = v;
          }
        }
        break;
      }
      case "normneginf": {
        acc = Infinity;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = Math.abs(src[q]!);
            if (v < acc || v !== v) acc = v;
          }
        }
        break;
      }
      case "logsumexp": {
        let m = -Infinity;
        for (let r = 0; r < rows; r++) {
          for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
            const v = src[q]!;
            if (v > m || v !== v) m = v;
          }
        }
        // An infinite maximum is left out of the shift, as PyTorch does (all -inf gives -inf, any +inf gives +inf).
        if (m === Infinity || m === -Infinity) m = 0;
        let s = 0;
        for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) s += Math.exp(src[q]! - m);
        acc = Math.log(s) + m;
        break;
      }
    }
    out[g] = acc;
  }
}

/**
 * Variance (and optionally the mean) of every group, two-pass in double:
 * sum((x - mean)^2) / (N - correction). `std` takes the square root.
 */
export function varianceKernel(
  src: TypedArray,
  bases: Float64Array,
  rowOffsets: Float64Array,
  n: number,
  stride: number,
  correction: number,
  std: boolean,
  out: TypedArray,
  meanOut: TypedArray | null,
): void {
  const rows = rowOffsets.length;
  const count = rows * n;
  for (let g = 0; g < bases.length; g++) {
    const base = bases[g]!;
    let s = 0;
    for (let r = 0; r < rows; r++) for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) s += src[q]!;
    const mean = s / count;
    let ss = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0, q = base + rowOffsets[r]!; i < n; i++, q += stride) {
        const d = src[q]! - mean;
        ss += d * d;
      }
    }
    const v = ss / Math.max(count - correction, 0);
    out[g] = std ? Math.sqrt(v) : v;
    if (meanOut) meanOut[g] = mean;
  }
}

/**
 * Max or min along lines with the index of the winner (the first one; a NaN
 * wins and stops the search, as in PyTorch). Lines start at `bases`, have `n`
 * elements `stride` apart.
 */
export function argReduceKernel(
  op: "max" | "min",
  src: TypedArray,
  bases: Float64Array,
  n: number,
  stride: number,
  values: TypedArray | null,
  indices: TypedArray | null,
): void {
  const isMax = op === "max";
  for (let g = 0; g < bases.length; g++) {
    let q = bases[g]!;
    let best = src[q]!;
    let bi = 0;
    if (best === best) {
      q += stride;
      for (let i = 1; i < n; i++, q += stride) {
        const v = src[q]!;
        if (v !== v) {
          best = v;
          bi = i;
          break;
        }
        if (isMax ? v > best : v < best) {
          best = v;
          bi = i;
        }
      }
    }
    if (values) values[g] = best;
    if (indices) indices[g] = bi;
  }
}

/**
 * Running sums or products along lines (`cumsum`, `cumprod`), accumulated in
 * double like PyTorch's CPU kernel; `out` is contiguous with lines at `outBases`
 * and `outStride` apart.
 */
export function scanKernel(
  op: "cumsum" | "cumprod" | "cummax" | "cummin" | "logcumsumexp",
  src: TypedArray,
  bases: Float64Array,
  n: number,
  stride: number,
  out: TypedArray,
  outBases: Float64Array,
  outStride: number,
  indices: TypedArray | null = null,
): void {
  for (let g = 0; g < bases.length; g++) {
    let q = bases[g]!;
    let o = outBases[g]!;
    if (op === "cumsum") {
      let acc = 0;
      for (let i = 0; i < n; i++, q += stride, o += outStride) out[o] = acc += src[q]!;
    } else if (op === "cumprod") {
      let acc = 1;
      for (let i = 0; i < n; i++, q += stride, o += outStride) out[o] = acc *= src[q]!;
    } else if (op === "logcumsumexp") {
      let acc = -Infinity;
      for (let i = 0; i < n; i++, q += stride, o += outStride) {
        const v = src[q]!;
        const m = Math.max(acc, v);
        acc = m === -Infinity ? -Infinity : m + Math.log(Math.exp(acc - m) + Math.exp(v - m));
        out[o] = acc;
      }
    } else {
      const isMax = op === "cummax";
      let best = NaN;
      let bi = 0;
      for (let i = 0; i < n; i++, q += stride, o += outStride) {
        const v = src[q]!;
        // PyTorch keeps the LAST index among equal values, and a NaN sticks once seen.
        if (i === 0 || v !== v || (best === best && (isMax ? v >= best : v <= best))) {
          best = v;
          bi = i;
        }
        out[o] = best;
        if (indices) indices[o] = bi;
      }
    }
  }
}

/**
 * Softmax or log-softmax along lines, numerically stable (the line maximum
 * is subtracted before exponentiating). `out` may have its own layout.
 */
export function softmaxKernel(
  log: boolean,
  src: TypedArray,
  bases: Float64Array,
  n: number,
  stride: number,
  out: TypedArray,
  outBases: Float64Array,
  outStride: number,
): void {
  for (let g = 0; g < bases.length; g++) {
    const b = bases[g]!;
    const ob = outBases[g]!;
    let m = -Infinity;
    for (let i = 0, q = b; i < n; i++, q += stride) {
      const v = src[q]!;
      if (v > m || v !== v) m = v;
    }
    let s = 0;
    if (log) {
      for (let i = 0, q = b; i < n; i++, q += stride) s += Math.exp(src[q]! - m);
      const shift = m + Math.log(s);
      for (let i = 0, q = b, o = ob; i < n; i++, q += stride, o += outStride) out[o] = src[q]! - shift;
    } else {
      for (let i = 0, q = b, o = ob; i < n; i++, q += stride, o += outStride) {
        const e = Math.exp(src[q]! - m);
        out[o] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let i = 0, o = ob; i < n; i++, o += outStride) out[o] = out[o]! * inv;
    }
  }
}

/**
 * Gradient of softmax along lines: gx = y * (g - sum(g * y)), or for
 * log-softmax gx = g - exp(y) * sum(g). All three operands share the line
 * geometry of contiguous tensors of the same shape.
 */
export function softmaxBackwardKernel(
  log: boolean,
  grad: TypedArray,
  y: TypedArray,
  bases: Float64Array,
  n: number,
  stride: number,
  out: TypedArray,
): void {
  for (let g = 0; g < bases.length; g++) {
    const b = bases[g]!;
    let s = 0;
    if (log) {
      for (let i = 0, q = b; i < n; i++, q += stride) s += grad[q]!;
      for (let i = 0, q = b; i < n; i++, q += stride) out[q] = grad[q]! - Math.exp(y[q]!) * s;
    } else {
      for (let i = 0, q = b; i < n; i++, q += stride) s += grad[q]! * y[q]!;
      for (let i = 0, q = b; i < n; i++, q += stride) out[q] = y[q]! * (grad[q]! - s);
    }
  }
}
