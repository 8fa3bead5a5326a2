/**
 * Ordering: sort, argsort, msort, topk, kthvalue, median, unique,
 * unique_consecutive. NaN sorts above every number (last ascending, first
 * descending), as in PyTorch. Equal values come out in PyTorch's order too:
 * its CPU kernels hand them to libstdc++'s unstable algorithms
 * (`tensor/libstdcxx-sort.ts`), except `sort({ stable: true })`, which keeps
 * them in their original order.
 *
 * @example
 * const { values, indices } = torch.tensor([3, 1, 2]).sort();   // [1, 2, 3], [1, 2, 0]
 * torch.tensor([1, 5, 3]).topk(2)                               // values [5, 3], indices [1, 2]
 */
import { type ArgsOf, type OptionsOf, Bool, Int, arg, required, signature } from "./signature.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, DTypeError, IndexError, TsorchError } from "../errors.js";
import { allocate } from "../tensor/creation.js";
import { bool as boolDType, int64 } from "../tensor/dtype.js";
import { sort as stdSort } from "../tensor/libstdcxx-sort.js";
import { Tensor } from "../tensor/tensor.js";
import { isMeta, metaDataError, metaTensor } from "../tensor/meta.js";
import { contiguousStrides } from "../tensor/strided.js";
import { normDim } from "../tensor/view.js";
import { topkIndices } from "./topk-order.js";
import { saveOutput } from "./grad-utils.js";
import { checkTensor, pyTypeName } from "./operand.js";
import { ValuesIndices, contiguousLines, lines, valueSelectingBackward } from "./reduce.js";

/** Ascending order with NaN last; ties by position. */
function ascending(a: number, b: number): number {
  const an = a !== a;
  const bn = b !== b;
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The comparators of PyTorch's CPU sort: NaN sorts above every number. */
const ascendingBefore = (a: number, b: number): boolean => (a === a && b !== b) || a < b;
const descendingBefore = (a: number, b: number): boolean => (a !== a && b === b) || a > b;

/**
 * The first `k` entries of `pick`'s order of each line along `d`: values and
 * int64 indices, contiguous. `pick` gets a line's values (reused between
 * lines) and returns their positions in the wanted order.
 */
function selectLines(x: Tensor, d: number, k: number, pick: (line: Float64Array) => ArrayLike<number>): [Tensor, Tensor] {
  const outShape = x.ndim === 0 ? [] : [...x.shape];
  if (x.ndim > 0) outShape[d] = k;
  if (isMeta(x)) return [metaTensor(outShape, x.dtype), metaTensor(outShape, int64)];
  const values = allocate(outShape, x.dtype);
  const indices = allocate(outShape, int64);
  if (values.numel() === 0) return [values, indices];
  const src = lines(x, d);
  const dst = contiguousLines(outShape, x.ndim === 0 ? 0 : d);
  const data = x.storage.data;
  const line = new Float64Array(src.n);
  for (let l = 0; l < src.bases.length; l++) {
    for (let i = 0, q = src.bases[l]!; i < src.n; i++, q += src.stride) line[i] = data[q]!;
    const order = pick(line);
    for (let i = 0, o = dst.bases[l]!; i < k; i++, o += dst.stride) {
      values.storage.data[o] = line[order[i]!]!;
      indices.storage.data[o] = order[i]!;
    }
  }
  return [values, indices];
}

/**
 * Each line along `d` sorted: values and int64 indices. Unstable (PyTorch's
 * default) gives ties the order libstdc++'s std::sort leaves them in;
 * stable keeps their original order.
 */
function orderLines(x: Tensor, d: number, descending: boolean, stable = true): [Tensor, Tensor] {
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  const order = new Array<number>(n);
  const sign = descending ? -1 : 1;
  return selectLines(x, d, n, (vals) => {
    for (let i = 0; i < n; i++) order[i] = i;
    if (stable) {
      order.sort((i, j) => {
        // Descending keeps NaN first: reverse the value order but not the tie order.
        const c = ascending(vals[i]!, vals[j]!) * sign;
        return c !== 0 ? c : i - j;
      });
    } else {
      stdSort(order, descending ? (i, j) => descendingBefore(vals[i]!, vals[j]!) : (i, j) => ascendingBefore(vals[i]!, vals[j]!));
    }
    return order;
  });
}

function recordSelecting(node: string, values: Tensor, indices: Tensor, input: Tensor, d: number): void {
  if (!is_grad_enabled() || !input.requires_grad) return;
  const shape = [...input.shape];
  const n = record(node, values, [input], ([g]) => [
    input.ndim === 0 ? g! : g!.new_zeros(shape).scatter(d, indices, g!),
  ]);
  saveOutput(n, indices);
}

/** Options of `sort`. */
export interface SortOptions {
  dim?: number;
  descending?: boolean;
  stable?: boolean;
}

/**
 * Sorts along `dim` (default the last), returning values and the indices
 * they came from.
 */
export function sort(input: Tensor, dim: number | SortOptions = -1, descending = false): ValuesIndices {
  checkTensor(input, "sort");
  const opts: SortOptions = typeof dim === "object" ? dim : { dim, descending };
  const d = normDim(opts.dim ?? -1, input.ndim);
  const [values, indices] = orderLines(input, d, opts.descending ?? false, opts.stable ?? false);
  recordSelecting("SortBackward0", values, indices, input, d);
  return new ValuesIndices(values, indices, "sort");
}

/** The indices that sort `input` along `dim`. */
export function argsort(input: Tensor, dim: number | SortOptions = -1, descending = false): Tensor {
  return sort(input.detach(), dim, descending).indices;
}

/** Sorts along the first dimension (values only). */
export function msort(input: Tensor): Tensor {
  return sort(input, 0).values;
}

/** Options of `topk`. */
export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements along `dim` (default the last),
 * sorted, with their indices.
 *
 * @example
 * const { values, indices } = logits.topk(5, 1);
 */
export function topk(input: Tensor, k: number, dim: number | TopkOptions = -1, largest = true, _sorted = true): ValuesIndices {
  checkTensor(input, "topk");
  const opts: TopkOptions = typeof dim === "object" ? dim : { dim, largest };
  const d = normDim(opts.dim ?? -1, input.ndim);
  const size = input.ndim === 0 ? 1 : input.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) throw new TsorchError("selected index k out of range");
  // The order PyTorch's CPU kernel leaves them in, ties included (see `topk-order.ts`).
  const [values, indices] = selectLines(input, d, k, (line) => topkIndices(line, k, opts.largest ?? true, opts.sorted ?? _sorted));
  recordSelecting("TopkBackward0", values, indices, input, d);
  return new ValuesIndices(values, indices, "topk");
}

/** The `k`-th smallest element (1-based) along `dim`, with its index. */
export const KTHVALUE = signature("kthvalue", [required("k", Int), arg("dim", Int, -1), arg("keepdim", Bool, false)]);

export function kthvalue(input: Tensor, ...args: ArgsOf<typeof KTHVALUE>): ValuesIndices {
  checkTensor(input, "kthvalue");
  const { k, dim, keepdim } = KTHVALUE.parse(args);
  const d0 = normDim(dim, input.ndim);
  const size = input.ndim === 0 ? 1 : input.shape[d0]!;
  if (!Number.isInteger(k) || k < 1 || k > size) throw new IndexError(`kthvalue(): selected number k out of range for dimension ${d0}`, k, [1, size]);
  // A 0-d input is its one-element line.
  const x = input.ndim === 0 ? input.detach().reshape([1]) : input.detach();
  const d = input.ndim === 0 ? 0 : d0;
  const [sv, si] = orderLines(x, d, false);
  let values = sv.narrow(d, k - 1, 1).contiguous();
  let indices = si.narrow(d, k - 1, 1).contiguous();
  if (input.ndim === 0) {
    values = values.reshape([]);
    indices = indices.reshape([]);
  } else if (!keepdim) {
    values = values.squeeze(d);
    indices = indices.squeeze(d);
  }
  values = values.detach();
  if (is_grad_enabled() && input.requires_grad) {
    const shape = [...input.shape];
    const node = record("KthvalueBackward0", values, [input], ([g]) => [valueSelectingBackward(g!, input.ndim === 0 ? [] : [d], indices, shape, keepdim)]);
    saveOutput(node, indices);
  }
  return new ValuesIndices(values, indices, "kthvalue");
}

/**
 * The median: of all elements (the lower of the two middle values for an
 * even count), or along `dim` with indices.
 */
export const MEDIAN = signature("median", [required("dim", Int), arg("keepdim", Bool, false)]);
/** `median(dim, keepdim?)`, positional or by keyword (without arguments: the median of every element). */
export type MedianDimArgs = ArgsOf<typeof MEDIAN> | [OptionsOf<typeof MEDIAN> & { dim: number }];

export function median(input: Tensor): Tensor;
export function median(input: Tensor, ...args: MedianDimArgs): ValuesIndices;
export function median(input: Tensor, ...args: [] | MedianDimArgs): Tensor | ValuesIndices {
  checkTensor(input, "median");
  const parsed = args.length === 0 ? undefined : MEDIAN.parse(args);
  const dim = parsed?.dim, keepdim = parsed?.keepdim ?? false;
  if (input.dtype === boolDType) {
    throw new DTypeError(`"${dim === undefined ? "median_cpu" : "median_out"}" not implemented for 'Bool'`, "median", ["bool"]);
  }
  if (dim === undefined) {
    const n = input.numel();
    const out = allocate([], input.dtype);
    if (n === 0) {
      out.storage.data[0] = NaN;
      return out;
    }
    const flat = input.detach().reshape(-1);
    const [sv] = orderLines(flat, 0, false);
    // A NaN anywhere makes the median NaN (NaN sorts last).
    const last = sv.storage.data[n - 1]!;
    out.storage.data[0] = last !== last ? NaN : sv.storage.data[Math.floor((n - 1) / 2)]!;
    if (is_grad_enabled() && input.requires_grad) {
      record("MedianBackward0", out, [input], ([g]) => {
        const v = out.item();
        const mask = Number.isNaN(v) ? input.isnan() : input.eq(out);
        return [mask.mul(g!.div(mask.sum()))];
      });
    }
    return out;
  }
  const d = normDim(dim, input.ndim);
  const size = input.ndim === 0 ? 1 : input.shape[d]!;
  if (size === 0) throw new IndexError(`median(): Expected reduction dim ${d} to have non-zero size.`, d, [0, 0]);
  const r = medianAlong(input.detach(), d, keepdim);
  const values = r.values;
  if (is_grad_enabled() && input.requires_grad) {
    const shape = [...input.shape];
    const node = record("MedianBackward1", values, [input], ([g]) => [valueSelectingBackward(g!, input.ndim === 0 ? [] : [d], r.indices, shape, keepdim)]);
    saveOutput(node, r.indices);
  }
  return new ValuesIndices(values, r.indices, "median");
}

/** Median along `d` with its index; a line holding NaN gives NaN at the first NaN's index. */
function medianAlong(x: Tensor, d: number, keepdim: boolean): ValuesIndices {
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const [sv, si] = orderLines(x, d, false);
  const k = Math.floor((size - 1) / 2);
  const dd = x.ndim === 0 ? 0 : d;
  let values = x.ndim === 0 ? sv : sv.narrow(dd, k, 1).contiguous();
  let indices = x.ndim === 0 ? si : si.narrow(dd, k, 1).contiguous();
  // Lines with a NaN: NaN sorts last; take it (its first occurrence) instead.
  const lastV = x.ndim === 0 ? sv : sv.narrow(dd, size - 1, 1).contiguous();
  const firstNanIdx = x.ndim === 0 ? si : nanIndices(x, dd);
  const lv = lastV.storage.data;
  for (let i = 0; i < lv.length; i++) {
    if (lv[i] !== lv[i]) {
      values.storage.data[i] = NaN;
      indices.storage.data[i] = firstNanIdx.storage.data[i]!;
    }
  }
  if (!keepdim && x.ndim > 0) {
    values = values.squeeze(dd);
    indices = indices.squeeze(dd);
  }
  return new ValuesIndices(values.detach(), indices, "median");
}

/** Index of the first NaN of every line along `d` (keepdim layout). */
function nanIndices(x: Tensor, d: number): Tensor {
  const nan = x.isnan().to("uint8");
  return nan.argmax(d, true);
}


// ---------------------------------------------------------------- unique

/** Options of `unique`. */
export interface UniqueOptions {
  /** Ignored with `dim`: the unique slices always come out sorted, as in PyTorch. */
  sorted?: boolean;
  return_inverse?: boolean;
  return_counts?: boolean;
  /** Compare whole slices along this dimension instead of single elements. */
  dim?: number | null;
}

/** Options of `unique_consecutive`. */
export interface UniqueConsecutiveOptions {
  return_inverse?: boolean;
  return_counts?: boolean;
  /** Compare whole slices along this dimension instead of single elements. */
  dim?: number | null;
}

/** What the unique kernels find: the distinct values or slices, and per input entry its group. */
interface UniqueParts {
  values: Tensor;
  inverse: Tensor;
  counts: Tensor;
}

/**
 * The distinct elements, sorted. With `return_inverse` / `return_counts`,
 * an array `[values, inverse?, counts?]` as PyTorch returns a tuple.
 *
 * With `dim`, the distinct slices along `dim` (rows for `dim: 0` of a
 * matrix), compared lexicographically and always sorted; `inverse` then
 * gives for each slice of the input its index among them.
 *
 * The result is not differentiable: it takes part in autograd (its `grad_fn`
 * is `Unique2Backward0` / `UniqueDimBackward0`) but backward through it
 * fails, as in PyTorch.
 *
 * @example
 * torch.unique(torch.tensor([3, 1, 3]))                                  // tensor([1, 3])
 * const [rows, inverse, counts] = torch.unique(torch.tensor([[1, 2], [0, 5], [1, 2]]),
 *   { dim: 0, return_inverse: true, return_counts: true }) as Tensor[];
 * // rows [[0, 5], [1, 2]], inverse [1, 0, 1], counts [1, 2]
 */
export function unique(input: Tensor, options: UniqueOptions = {}): Tensor | Tensor[] {
  checkTensor(input, "unique");
  if (options.dim !== undefined && options.dim !== null) {
    const dim = checkDimArgument(options.dim, "unique_dim(): argument 'dim' (position 2)");
    const parts = uniqueSlices(input, dim, false);
    recordNotDifferentiable("UniqueDimBackward0", "unique_dim", parts.values, input);
    return uniqueResult(parts, options);
  }
  const parts = uniqueElements(input);
  recordNotDifferentiable("Unique2Backward0", "_unique2", parts.values, input);
  return uniqueResult(parts, options);
}

/**
 * Keeps the first of every run of equal consecutive elements (C++'s
 * `std::unique`), or of equal consecutive slices along `dim`. Returns the
 * values, or `[values, inverse?, counts?]` on request. NaN never equals
 * anything, so every NaN starts a run of its own.
 *
 * @example
 * torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1, 1, 2]))   // tensor([1, 2, 3, 1, 2])
 * const [values, counts] = torch.unique_consecutive(torch.tensor([1, 1, 2]), { return_counts: true }) as Tensor[];
 * // values [1, 2], counts [2, 1]
 */
export function unique_consecutive(input: Tensor, options: UniqueConsecutiveOptions = {}): Tensor | Tensor[] {
  checkTensor(input, "unique_consecutive");
  let parts: UniqueParts;
  if (options.dim !== undefined && options.dim !== null) {
    parts = uniqueSlices(input, checkDimArgument(options.dim, "unique_consecutive(): argument 'dim'"), true);
  } else {
    parts = consecutiveElements(input);
  }
  recordNotDifferentiable("UniqueConsecutiveBackward0", "unique_consecutive", parts.values, input);
  return uniqueResult(parts, options);
}

/** PyTorch's tuple: the values alone, or `[values, inverse?, counts?]`. */
function uniqueResult(parts: UniqueParts, options: { return_inverse?: boolean; return_counts?: boolean }): Tensor | Tensor[] {
  if (!options.return_inverse && !options.return_counts) return parts.values;
  const result: Tensor[] = [parts.values];
  if (options.return_inverse) result.push(parts.inverse);
  if (options.return_counts) result.push(parts.counts);
  return result;
}

/**
 * PyTorch records the unique ops in the graph (the values require grad when
 * the input does) with a backward that refuses; so does tsorch.
 */
function recordNotDifferentiable(node: string, aten: string, values: Tensor, input: Tensor): void {
  record(node, values, [input], () => {
    throw new TsorchError(`the derivative for '${aten}' is not implemented.`, "NotImplementedError");
  });
}

/** The `dim` argument as Python's argument parser accepts it: an int (a bool is refused). */
function checkDimArgument(dim: unknown, where: string): number {
  if (typeof dim !== "number" || !Number.isInteger(dim)) {
    throw new ArgumentError(`${where} must be int, not ${pyTypeName(dim)}`, "dim", "TypeError");
  }
  return dim;
}

/** An int64 vector holding `values`. */
function int64Vector(values: readonly number[]): Tensor {
  const t = allocate([values.length], int64);
  t.storage.data.set(values);
  return t;
}

/** Distinct elements of the flattened input, sorted with NaN last (as one value). */
function uniqueElements(input: Tensor): UniqueParts {
  const data = input._contiguousData();
  const sortedVals = Array.from(data).sort(ascending);
  const values: number[] = [];
  const counts: number[] = [];
  for (const v of sortedVals) {
    const last = values.length - 1;
    if (last >= 0 && (values[last] === v || (v !== v && values[last] !== values[last]))) counts[last]!++;
    else {
      values.push(v);
      counts.push(1);
    }
  }
  const out = allocate([values.length], input.dtype);
  out.storage.data.set(values);
  const inverse = allocate([...input.shape], int64);
  const pos = new Map<number, number>();
  values.forEach((v, i) => pos.set(v, i));
  for (let i = 0; i < data.length; i++) inverse.storage.data[i] = pos.get(data[i]!) ?? values.length - 1;
  return { values: out, inverse, counts: int64Vector(counts) };
}

/** Runs of equal consecutive elements of the flattened input; NaN != NaN, as ATen compares. */
function consecutiveElements(input: Tensor): UniqueParts {
  const data = input._contiguousData();
  const values: number[] = [];
  const counts: number[] = [];
  const inverse = allocate([...input.shape], int64);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (values.length === 0 || v !== values[values.length - 1]) {
      values.push(v);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse.storage.data[i] = values.length - 1;
  }
  const out = allocate([values.length], input.dtype);
  out.storage.data.set(values);
  return { values: out, inverse, counts: int64Vector(counts) };
}

/**
 * ATen's `unique_dim` (and `unique_dim_consecutive`): the slices along `dim`
 * are compared as rows of `n / size(dim)` values. Unless `consecutive`, the
 * rows are first ordered by the very sort PyTorch's CPU kernel runs (GCC's
 * `std::sort`, reproduced in `tensor/libstdcxx-sort.ts`), lexicographically
 * with `<` and `>`: a NaN compares as neither, so where rows hold NaN the
 * order is whatever that sort makes of it, and a row holding NaN never
 * equals another (nor itself).
 */
function uniqueSlices(input: Tensor, dim: number, consecutive: boolean): UniqueParts {
  if (isMeta(input)) throw metaDataError();
  const d = normDim(dim, input.ndim, false);
  const shape = [...input.shape];
  const n = shape[d]!;
  if (input.numel() === 0) {
    const zeroDims = shape.filter((s) => s === 0).length;
    if (n !== 0) throw new TsorchError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
    // The trailing space is PyTorch's.
    if (zeroDims > 1) throw new TsorchError("Number of zero sized dimensions is more than one, so unique cannot be applied ");
    return { values: allocate(shape, input.dtype), inverse: int64Vector([]), counts: int64Vector([]) };
  }
  // Rows: the slices along d as ATen lays them out (swapping d with dim 0, not moving it
  // to the front): this fixes the order in which a slice's values are compared.
  const rows = input.detach().transpose(0, d).contiguous()._contiguousData();
  const m = rows.length / n;
  const less = (a: number, b: number): boolean => {
    for (let i = 0, p = a * m, q = b * m; i < m; i++, p++, q++) {
      if (rows[p]! < rows[q]!) return true;
      if (rows[p]! > rows[q]!) return false;
    }
    return false;
  };
  const equal = (a: number, b: number): boolean => {
    for (let i = 0, p = a * m, q = b * m; i < m; i++, p++, q++) if (rows[p] !== rows[q]) return false;
    return true;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  if (!consecutive) stdSort(order, less);
  // Each row is compared with the last one kept, as ATen's std::unique-like pass does.
  const kept = [order[0]!];
  const counts: number[] = [];
  const inverse = allocate([n], int64);
  let runStart = 0;
  for (let k = 1; k < n; k++) {
    if (!equal(order[k]!, kept[kept.length - 1]!)) {
      kept.push(order[k]!);
      counts.push(k - runStart);
      runStart = k;
    }
    inverse.storage.data[order[k]!] = kept.length - 1;
  }
  counts.push(n - runStart);
  return { values: stackRows(input, rows, m, kept, d), inverse, counts: int64Vector(counts) };
}

/**
 * The kept rows laid out one after the other and seen with dims 0 and `d`
 * swapped back: like PyTorch's result, not contiguous for `d > 0`, and not a
 * view of anything.
 */
function stackRows(input: Tensor, rows: ArrayLike<number>, m: number, kept: readonly number[], d: number): Tensor {
  const swapped = [...input.shape];
  swapped[d] = input.shape[0]!;
  swapped[0] = kept.length;
  const stacked = allocate(swapped, input.dtype);
  const out = stacked.storage.data;
  kept.forEach((r, k) => {
    for (let i = 0; i < m; i++) out[k * m + i] = rows[r * m + i]!;
  });
  const shape = [...swapped];
  const strides = contiguousStrides(swapped);
  [shape[0], shape[d]] = [shape[d]!, shape[0]!];
  [strides[0], strides[d]] = [strides[d]!, strides[0]!];
  return new Tensor(stacked.storage, shape, strides, 0, input.dtype);
}
