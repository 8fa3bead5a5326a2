/**
 * Selecting and placing by condition or by index: where, masked_fill,
 * masked_select, index_select, gather, scatter, scatter_add, index_add,
 * nonzero, take. Each records PyTorch's node (`WhereBackward0`,
 * `MaskedFillBackward0`, `GatherBackward0`, ...) and checks indices with
 * PyTorch's messages.
 *
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * torch.where(x.gt(2), x, 0)                       // tensor([[0, 0], [3, 4]])
 * x.gather(1, torch.tensor([[1], [0]]))            // tensor([[2], [3]])
 */
import { record } from "../autograd/graph.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { ArgumentError, AutogradError, DTypeError, IndexError, ShapeError, TsorchError, fmtShape } from "../errors.js";
import { allocate, zeros } from "../tensor/creation.js";
import { type DType, bool as boolDType, castScalar, int32, int64 } from "../tensor/dtype.js";
import { contiguousStrides, copyStrided } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { isMeta, metaTensor } from "../tensor/meta.js";
import { normDim } from "../tensor/view.js";
import { groupBases } from "../backend/cpu/reduce.js";
import { gradFor, inputInfo, gradIf, saveInput, tensorOrNull } from "./grad-utils.js";
import { type Scalar, type TensorLike, checkTensor, isScalar, pyTypeName, scalarNumber } from "./operand.js";
import { resultType, scalarTypeName } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";
import { broadcastShapes } from "./broadcast.js";
import { type ArgsOf, kwarg, oneOf, optional, signature } from "./signature.js";

// ---------------------------------------------------------------- where / masked_fill

function checkCondition(condition: Tensor, fn: string): void {
  if (condition.dtype !== boolDType) {
    throw new DTypeError(`${fn} expected condition to be a boolean tensor, but got a tensor with dtype ${scalarTypeName(condition.dtype)}`, fn, [condition.dtype.name]);
  }
}

/**
 * `input` where `condition` is true, else `other` (broadcasting all three).
 * `input` and `other` may be numbers. With only a condition, the indices of
 * its true elements, one tensor per dimension (`torch.nonzero(c, as_tuple=True)`).
 */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor;
export function where(condition: Tensor): Tensor[];
export function where(condition: Tensor, input?: TensorLike, other?: TensorLike): Tensor | Tensor[] {
  checkTensor(condition, "where", "condition");
  if (input === undefined && other === undefined) return nonzero(condition, { as_tuple: true });
  checkCondition(condition, "where");
  if (input === undefined || other === undefined) throw new ArgumentError("where() takes 1 or 3 arguments", "other", "TypeError");
  const dt = resultType([input, other]);
  const out = elementwise("where", [condition, input, other], dt, dt, [], null, "where");
  if (is_grad_enabled() && ((input instanceof Tensor && input.requires_grad) || (other instanceof Tensor && other.requires_grad))) {
    const ia = inputInfo(input);
    const ib = inputInfo(other);
    const node = record("WhereBackward0", out, [tensorOrNull(input), tensorOrNull(other)], ([g]) => [
      gradIf(ia, () => where(condition, g!, 0)),
      gradIf(ib, () => where(condition, 0, g!)),
    ]);
    saveInput(node, condition);
  }
  return out;
}

/** Checks a mask for masked_fill/masked_select: bool (or uint8, accepted with a warning in PyTorch). */
function checkMask(mask: Tensor, fn: string): void {
  checkTensor(mask, fn, "mask");
  if (mask.dtype !== boolDType && mask.dtype.name !== "uint8" && mask.dtype.name !== "int64") {
    throw new DTypeError(`${fn} only supports boolean masks, but got mask with dtype ${mask.dtype.name === "float32" ? "float" : mask.dtype.name}`, fn, [mask.dtype.name]);
  }
}

/**
 * A copy of `input` with `value` where `mask` is true (mask broadcast to
 * `input`). `value` is a number or a 0-d tensor.
 *
 * @example
 * scores.masked_fill(mask.logical_not(), -Infinity)
 */
export function masked_fill(input: Tensor, mask: Tensor, value: Scalar | Tensor): Tensor {
  checkTensor(input, "masked_fill");
  checkMask(mask, "masked_fill_");
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ArgumentError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`, "value", "RuntimeError");
  }
  const dt = input.dtype;
  const v = value instanceof Tensor ? castScalar(value.storage.data[value._offset]!, dt) : castScalar(scalarNumber(value), dt);
  const out = elementwise("where", [mask, v, input], dt, dt, [], null, "masked_fill");
  const valueT = value instanceof Tensor ? value : null;
  if (is_grad_enabled() && (input.requires_grad || valueT?.requires_grad)) {
    const ia = inputInfo(input);
    if (valueT) {
      const iv = inputInfo(valueT);
      const node = record("MaskedFillBackward1", out, [input, valueT], ([g]) => [
        gradIf(ia, () => where(mask, 0, g!)),
        iv.needs ? gradFor(sumAll(where(mask, g!, 0)), [], iv.dtype) : null,
      ]);
      saveInput(node, mask);
    } else {
      const node = record("MaskedFillBackward0", out, [input], ([g]) => [gradIf(ia, () => where(mask, 0, g!))]);
      saveInput(node, mask);
    }
  }
  return out;
}

/** Sum of every element, through the Tensor method (differentiable, for gradients of gradients). */
function sumAll(x: Tensor): Tensor {
  return x.sum();
}

/** The elements of `input` where `mask` is true, as a 1-d tensor (mask and input broadcast together). */
export function masked_select(input: Tensor, mask: Tensor): Tensor {
  checkTensor(input, "masked_select");
  checkMask(mask, "masked_select");
  const shape = broadcastShapes([input.shape, mask.shape], "masked_select");
  const x = input.detach().expand(shape).contiguous()._contiguousData();
  const m = mask.expand(shape).contiguous()._contiguousData();
  const picked: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) picked.push(i);
  const out = allocate([picked.length], input.dtype);
  for (let k = 0; k < picked.length; k++) out.storage.data[k] = x[picked[k]!]!;
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    const inDType = input.dtype;
    const node = record("MaskedSelectBackward0", out, [input], ([g]) => {
      const full = zeros(shape, { dtype: g!.dtype });
      const gd = g!.contiguous()._contiguousData();
      for (let k = 0; k < picked.length; k++) full.storage.data[picked[k]!] = gd[k]!;
      return [gradFor(full, inShape, inDType)];
    });
    saveInput(node, mask);
  }
  return out;
}

// ---------------------------------------------------------------- nonzero

/** Indices of the non-zero elements: an [n, ndim] int64 tensor, or with `as_tuple` one 1-d tensor per dimension. */
export function nonzero(input: Tensor, options: { as_tuple: true }): Tensor[];
export function nonzero(input: Tensor, options?: { as_tuple?: false }): Tensor;
export function nonzero(input: Tensor, options: { as_tuple?: boolean } = {}): Tensor | Tensor[] {
  checkTensor(input, "nonzero");
  const data = input._contiguousData();
  const nd = input.ndim;
  const hits: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) hits.push(i);
  const strides = contiguousStrides(input.shape);
  // PyTorch fills an [ndim, n] buffer and returns its transpose: the result is column-major.
  const buffer = allocate([nd, hits.length], int64);
  const cd = buffer.storage.data;
  const n = hits.length;
  hits.forEach((flat, r) => {
    let rest = flat;
    for (let d = 0; d < nd; d++) {
      const c = Math.floor(rest / strides[d]!);
      cd[d * n + r] = c;
      rest -= c * strides[d]!;
    }
  });
  const coords = new Tensor(buffer.storage, [n, nd], [1, n], 0, int64);
  if (!options.as_tuple) return coords;
  if (nd === 0) return [allocate([hits.length], int64)];
  return Array.from({ length: nd }, (_, d) => coords.select(1, d).contiguous().detach());
}

/** Number of non-zero elements (over `dim` if given). */
export function count_nonzero(input: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor(input, "count_nonzero");
  const nz = elementwise("ne", [input, 0], input.dtype, boolDType);
  return dim === undefined ? nz.sum() : nz.sum(dim);
}

// ---------------------------------------------------------------- index_select / gather / scatter

function checkIndexDType(index: Tensor, fn: string, allowInt32: boolean): void {
  if (index.dtype === int64 || (allowInt32 && index.dtype.name === "int32")) return;
  const what = allowInt32 ? "int32 or int64" : "int64";
  throw new DTypeError(`${fn}(): Expected dtype ${what} for index`, fn, [index.dtype.name]);
}

/**
 * The slices `index` of dimension `dim` (index is 1-d or 0-d, int64 or int32).
 *
 * @example
 * torch.arange(6).view(2, 3).index_select(1, torch.tensor([2, 0]))  // tensor([[2, 0], [5, 3]])
 */
export function index_select(input: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(input, "index_select");
  checkTensor(index, "index_select", "index", 3);
  checkIndexDType(index, "index_select", true);
  if (index.ndim > 1) throw new IndexError("index_select(): Index is supposed to be a vector", index.ndim, [0, 1]);
  const d = normDim(dim, input.ndim);
  const size = input.ndim === 0 ? 1 : input.shape[d]!;
  // A meta index has no values to check; its length is all the output shape needs.
  const idx = isMeta(index) ? [] : Array.from(index._contiguousData());
  for (const v of idx) {
    if (v < 0 || v >= size) {
      // PyTorch's kernel for the columns of a contiguous matrix words it differently.
      if (input.ndim === 2 && d === 1 && input.is_contiguous()) throw new TsorchError(`INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
      throw new IndexError("index out of range in self", v, [0, size - 1]);
    }
  }
  const outShape = input.ndim === 0 ? [] : [...input.shape];
  if (input.ndim > 0) outShape[d] = index.numel();
  const meta = isMeta(input) || isMeta(index);
  const out = meta ? metaTensor(outShape, input.dtype) : allocate(outShape, input.dtype);
  if (meta) {
    // The output's shape is all there is to compute.
  } else if (input.ndim === 0) {
    out.storage.data[0] = input.storage.data[input._offset]!;
  } else {
    const rowShape = input.shape.filter((_, i) => i !== d);
    const srcStrides = input._strides.filter((_, i) => i !== d);
    const outStrides = out._strides;
    const dstStrides = outStrides.filter((_, i) => i !== d);
    idx.forEach((p, k) => {
      copyStrided(rowShape, input.storage.data, srcStrides, input._offset + p * input._strides[d]!, out.storage.data, dstStrides, k * outStrides[d]!);
    });
  }
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    const node = record("IndexSelectBackward0", out, [input], ([g]) => [index_add(zeros(inShape, { dtype: g!.dtype }), d, index, g!)]);
    saveInput(node, index);
  }
  return out;
}

/** Base offsets into `t` for every position of `shape`, with dimension `dim` left out (its index is added per element). */
function basesSkipping(t: Tensor, shape: readonly number[], dim: number): Float64Array {
  const strides = t._strides.map((s, i) => (i === dim ? 0 : s));
  return groupBases(shape, strides, t._offset);
}

/** Validates an index tensor for gather/scatter against `self` and returns its values (bounds-checked). */
function checkedIndex(fn: string, self: Tensor, dim: number, index: Tensor, src: Tensor | null): number[] {
  checkTensor(index, fn, "index", 3);
  // PyTorch 2.x takes int32 indices too (1.13 wanted int64); an empty index of any integer dtype is accepted.
  if (index.dtype !== int64 && index.dtype !== int32 && !(index.numel() === 0 && index.dtype.kind === "int")) {
    throw new DTypeError(`${fn}(): Expected dtype int32/int64 for index`, fn, [index.dtype.name]);
  }
  // gather names its `self` "input"; the scatter family says "self".
  const selfName = fn === "gather" ? "input" : "self";
  if (index.ndim !== Math.max(self.ndim, 0) && !(index.ndim <= 1 && self.ndim <= 1)) {
    throw new ShapeError(`Index tensor must have the same number of dimensions as ${selfName} tensor`, { op: fn, shapes: { input: self.shape, index: index.shape } });
  }
  if (src && src.ndim !== index.ndim && !(index.ndim <= 1 && src.ndim <= 1)) {
    throw new ShapeError("Index tensor must have the same number of dimensions as src tensor", { op: fn, shapes: { src: src.shape, index: index.shape } });
  }
  // ATen's scatter_gather_shape_check: index no larger than self apart from `dim`, and (scatter with a src) than src in every dim.
  const largerThanSelf = (i: number) => i !== dim && index.shape[i]! > (self.shape[i] ?? 1);
  if (src) {
    const wrong = [...Array(index.ndim).keys()].some((i) => largerThanSelf(i) || index.shape[i]! > (src.shape[i] ?? 1));
    if (wrong) {
      throw new ShapeError(
        `Expected index ${fmtShape(index.shape)} to be no larger than self ${fmtShape(self.shape)} apart from dimension ${dim} and to be no larger size than src ${fmtShape(src.shape)}`,
        { op: fn, shapes: { input: self.shape, index: index.shape, src: src.shape } });
    }
  } else {
    for (let i = 0; i < index.ndim; i++) {
      if (largerThanSelf(i)) {
        throw new ShapeError(`Size does not match at dimension ${i} expected index ${fmtShape(index.shape)} to be no larger than self ${fmtShape(self.shape)} apart from dimension ${dim}`, { op: fn, shapes: { input: self.shape, index: index.shape } });
      }
    }
  }
  const size = self.ndim === 0 ? 1 : self.shape[dim]!;
  if (isMeta(index)) return [];
  const values = Array.from(index._contiguousData());
  for (const v of values) {
    if (v < -size || v >= size) throw new TsorchError(`index ${v} is out of bounds for dimension ${dim} with size ${size}`);
  }
  return values.map((v) => (v < 0 ? v + size : v));
}

/**
 * `out[i][j] = input[i][index[i][j]]` for `dim = 1` (and likewise for other
 * dims): picks one element per index position.
 */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(input, "gather");
  const d = normDim(dim, input.ndim);
  const idx = checkedIndex("gather", input, d, index, null);
  const meta = isMeta(input) || isMeta(index);
  const out = meta ? metaTensor([...index.shape], input.dtype) : allocate([...index.shape], input.dtype);
  if (!meta) {
    const src = input.storage.data;
    const od = out.storage.data;
    if (input.ndim === 0) {
      // A 0-d input has one element; every (in-range) index picks it.
      for (let i = 0; i < idx.length; i++) od[i] = src[input._offset]!;
    } else {
      const bases = basesSkipping(input, index.shape, d);
      const stride = input._strides[d]!;
      for (let i = 0; i < idx.length; i++) od[i] = src[bases[i]! + idx[i]! * stride]!;
    }
  }
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    const node = record("GatherBackward0", out, [input], ([g]) => [scatter_add(zeros(inShape, { dtype: g!.dtype }), d, index, g!)]);
    saveInput(node, index);
  }
  return out;
}

/** `torch.take_along_dim(input, indices, dim)`: gather with broadcasting of the other dimensions. */
export function take_along_dim(input: Tensor, indices: Tensor, dim?: number): Tensor {
  if (dim === undefined) return gather(input.reshape(-1), 0, indices.reshape(-1));
  const d = normDim(dim, input.ndim);
  const shapeIn = [...input.shape];
  const shapeIdx = [...indices.shape];
  shapeIn[d] = 1;
  shapeIdx[d] = 1;
  const b = broadcastShapes([shapeIn, shapeIdx], "take_along_dim");
  const inExp = [...b];
  inExp[d] = input.shape[d]!;
  const idxExp = [...b];
  idxExp[d] = indices.shape[d]!;
  return gather(input.expand(inExp), d, indices.expand(idxExp));
}

/** Writes `src` (a tensor or a number) into `target` at the positions `index` names along `dim`; `reduce` adds. */
function scatterInto(target: Tensor, d: number, idx: readonly number[], index: Tensor, src: Tensor | number, add: boolean | "multiply"): void {
  const bases = basesSkipping(target, index.shape, d);
  const stride = target.ndim === 0 ? 0 : target._strides[d]!;
  const td = target.storage.data;
  const put = (o: number, v: number) => { td[o] = add === "multiply" ? td[o]! * v : add ? td[o]! + v : v; };
  if (typeof src === "number") {
    const v = castScalar(src, target.dtype);
    for (let i = 0; i < idx.length; i++) put(bases[i]! + idx[i]! * stride, v);
    return;
  }
  // src is read at the index positions (it may be larger than index).
  const srcBases = groupBases(index.shape, src._strides, src._offset);
  const sd = src.storage.data;
  for (let i = 0; i < idx.length; i++) put(bases[i]! + idx[i]! * stride, sd[srcBases[i]!]!);
}

/** A contiguous copy of `x` outside the graph (the buffer scatter-like ops write into). */
function freshCopy(x: Tensor, dtype: DType = x.dtype): Tensor {
  const out = allocate([...x.shape], dtype);
  copyStrided(x.shape, x.storage.data, x._strides, x._offset, out.storage.data, out._strides, 0);
  return out;
}

/** The value (or tensor) scatter writes, cast to the target's dtype. */
function srcFor(fn: string, target: Tensor, src: Tensor | Scalar): Tensor | number {
  if (src instanceof Tensor) {
    if (src.dtype !== target.dtype) {
      // ATen's check names scatter() for every op of the family.
      throw new DTypeError("scatter(): Expected self.dtype to be equal to src.dtype", fn, [target.dtype.name, src.dtype.name]);
    }
    return src;
  }
  if (!isScalar(src)) throw new ArgumentError(`${fn}(): argument 'src' must be Tensor or Number, not ${pyTypeName(src)}`, "src", "TypeError");
  return scalarNumber(src);
}

/** scatter's `reduce` keyword: accumulate with "add" or "multiply" instead of overwriting. */
export const SCATTER = signature("scatter", [kwarg("reduce", optional(oneOf("add", "multiply")), null)], 4);

/**
 * A copy of `input` with `src` written at `index` along `dim`:
 * `out[i][index[i][j]] = src[i][j]` for `dim = 1`. `src` may be a number.
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | Scalar, ...rest: ArgsOf<typeof SCATTER>): Tensor {
  checkTensor(input, "scatter");
  const { reduce } = SCATTER.parse(rest);
  const d = normDim(dim, input.ndim);
  const s = srcFor("scatter", input, src);
  const idx = checkedIndex("scatter", input, d, index, s instanceof Tensor ? s : null);
  const out = freshCopy(input);
  scatterInto(out, d, idx, index, s, reduce === null ? false : reduce === "add" ? true : "multiply");
  // PyTorch has no gradient for scatter with a reduction.
  if (reduce !== null) {
    if (is_grad_enabled() && (input.requires_grad || (s instanceof Tensor && s.requires_grad))) {
      record("ScatterBackward0", out, [input, s instanceof Tensor ? s : null], () => { throw new AutogradError("the derivative for 'scatter' with a reduce argument is not implemented."); });
    }
    return out;
  }
  const srcT = s instanceof Tensor ? s : null;
  if (is_grad_enabled() && (input.requires_grad || srcT?.requires_grad)) {
    const ia = inputInfo(input);
    if (srcT) {
      const is = inputInfo(srcT);
      const node = record("ScatterBackward0", out, [input, srcT], ([g]) => [
        gradIf(ia, () => scatter(g!, d, index, 0)),
        gradIf(is, () => gather(g!, d, index)),
      ]);
      saveInput(node, index);
    } else {
      const node = record("ScatterBackward1", out, [input], ([g]) => [gradIf(ia, () => scatter(g!, d, index, 0))]);
      saveInput(node, index);
    }
  }
  return out;
}

/** A copy of `input` with `src` added at `index` along `dim` (repeated indices accumulate). */
export function scatter_add(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(input, "scatter_add");
  checkTensor(src, "scatter_add", "src", 4);
  const d = normDim(dim, input.ndim);
  srcFor("scatter_add", input, src);
  const idx = checkedIndex("scatter_add", input, d, index, src);
  const out = freshCopy(input);
  scatterInto(out, d, idx, index, src, true);
  if (is_grad_enabled() && (input.requires_grad || src.requires_grad)) {
    const ia = inputInfo(input);
    const is = inputInfo(src);
    const node = record("ScatterAddBackward0", out, [input, src], ([g]) => [gradIf(ia, () => g!), gradIf(is, () => gather(g!, d, index))]);
    saveInput(node, index);
  }
  return out;
}

/** @internal Writes scatter/scatter_add into `target` in place (for the `_` variants). */
export function scatterInPlace(target: Tensor, dim: number, index: Tensor, src: Tensor | Scalar, add: boolean): number {
  const d = normDim(dim, target.ndim);
  const s = srcFor(add ? "scatter_add_" : "scatter_", target, src);
  const idx = checkedIndex(add ? "scatter_add_" : "scatter_", target, d, index, s instanceof Tensor ? s : null);
  scatterInto(target, d, idx, index, s, add);
  return d;
}

/**
 * A copy of `input` with `alpha * source` added at the slices `index` of
 * dimension `dim` (repeated indices accumulate).
 */
export function index_add(input: Tensor, dim: number, index: Tensor, source: Tensor, options: { alpha?: number } = {}): Tensor {
  checkTensor(input, "index_add");
  checkTensor(source, "index_add", "source", 4);
  checkIndexDType(index, "index_add", true);
  const d = normDim(dim, input.ndim);
  const size = input.ndim === 0 ? 1 : input.shape[d]!;
  const idx = Array.from(index._contiguousData());
  if (idx.length !== (source.ndim === 0 ? 1 : source.shape[d])) {
    throw new ShapeError(`index_add_(): Number of indices (${idx.length}) should be equal to source.size(dim): (${source.ndim === 0 ? 1 : source.shape[d]}), for dim: ${d}`, { op: "index_add", shapes: { source: source.shape, index: index.shape } });
  }
  if (source.ndim !== input.ndim || source.shape.some((n, i) => i !== d && n !== input.shape[i])) {
    throw new ShapeError(
      `source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = ${fmtShape(input.shape)} source.shape = ${fmtShape(source.shape)}`,
      { op: "index_add", shapes: { input: input.shape, source: source.shape } });
  }
  for (const v of idx) if (v < -size || v >= size) throw new IndexError(`index out of range in self`, v, [-size, size - 1]);
  const alpha = options.alpha ?? 1;
  const out = freshCopy(input);
  const src = source.contiguous();
  const sd = src._contiguousData();
  const rowShape = input.shape.filter((_, i) => i !== d);
  const outRowStrides = out._strides.filter((_, i) => i !== d);
  const srcRowStrides = contiguousStrides(source.shape).filter((_, i) => i !== d);
  const srcDimStride = contiguousStrides(source.shape)[d] ?? 0;
  const outBases = groupBases(rowShape, outRowStrides, 0);
  const srcBases = groupBases(rowShape, srcRowStrides, 0);
  const od = out.storage.data;
  idx.forEach((p, k) => {
    const pos = p < 0 ? p + size : p;
    const ob = pos * (out._strides[d] ?? 0);
    const sb = k * srcDimStride;
    for (let i = 0; i < outBases.length; i++) od[ob + outBases[i]!] += alpha * sd[sb + srcBases[i]!]!;
  });
  if (is_grad_enabled() && (input.requires_grad || source.requires_grad)) {
    const ia = inputInfo(input);
    const is = inputInfo(source);
    const node = record("IndexAddBackward0", out, [input, source], ([g]) => [
      gradIf(ia, () => g!),
      gradIf(is, () => {
        const picked = index_select(g!, d, index);
        return alpha === 1 ? picked : picked.mul(alpha);
      }),
    ]);
    saveInput(node, index);
  }
  return out;
}

/** Elements of `input` at flat (row-major) positions `index`; the result has `index`'s shape. */
export function take(input: Tensor, index: Tensor): Tensor {
  checkTensor(input, "take");
  if (index.dtype !== int64) throw new DTypeError("take(): Expected a long tensor for index, but got " + scalarTypeName(index.dtype), "take", [index.dtype.name]);
  const n = input.numel();
  const positions = Array.from(index._contiguousData(), (v) => {
    if (v < -n || v >= n) throw new IndexError(`out of range: tried to access index ${v} on a tensor of ${n} elements.`, v, [-n, n - 1]);
    return v < 0 ? v + n : v;
  });
  const flat = input.detach().contiguous()._contiguousData();
  const out = allocate([...index.shape], input.dtype);
  positions.forEach((p, k) => { out.storage.data[k] = flat[p]!; });
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    const node = record("TakeBackward0", out, [input], ([g]) => {
      const z = zeros(inShape, { dtype: g!.dtype });
      const gd = g!.contiguous()._contiguousData();
      positions.forEach((p, k) => { z.storage.data[p] += gd[k]!; });
      return [z];
    });
    saveInput(node, index);
  }
  return out;
}
