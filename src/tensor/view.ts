/**
 * Views: ops that return a tensor sharing storage with their input, by
 * computing new sizes, strides and offset. Their gradients are views or
 * scatters of the incoming gradient, recorded under PyTorch's node names
 * (`ViewBackward0`, `PermuteBackward0`, `SelectBackward0`, ...).
 *
 * @example
 * const x = torch.arange(12).view(3, 4);
 * x.index(":", "1:3").shape   // torch.Size([3, 2])
 * x.t().contiguous().view(-1) // tensor([ 0,  4,  8,  1,  5,  9,  2,  6, 10,  3,  7, 11])
 */
import { type ArgsOf, Int, IntList, arg, required, signature, union } from "../ops/signature.js";
import { ArgumentError, IndexError, ShapeError, TsorchError, fmtShape } from "../errors.js";
import { record } from "../autograd/graph.js";
import { no_grad } from "../autograd/grad-mode.js";
import { contiguousStrides, copyStrided, shapeNumel } from "./strided.js";
import { Storage, Tensor } from "./tensor.js";
import { sumToShape } from "./sum-to-shape.js";
import { isMeta, metaLike } from "./meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../ops/op-hook.js";
import { describeElementwise, describeFlatten, describePermute, describeSqueeze, describeT, describeTranspose, describeUnflatten, describeUnsqueeze, describeView, describeNarrow, describeSelect, describeExpand, describeSplit, describeChunk, describeUnbind, describeIndex } from "../shape/families/index.js";

/** One item of `x.index(...)`: an int, a slice string ("1:3", "::2", ":"), "...", null (new axis), a slice object, or an index/mask tensor. */
export type IndexItem = number | string | null | SliceSpec | Tensor;

/** A Python slice `start:stop:step`; missing parts take Python's defaults. */
export interface SliceSpec {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * Resolves a possibly negative dim, with PyTorch's error when out of range. A 0-d tensor takes dim 0
 * or -1 as a 1-d one would, unless `wrapScalar` is false (PyTorch's `maybe_wrap_dim(.., false)`:
 * unbind, roll, unique_consecutive), which refuses any dim of a 0-d tensor.
 */
export function normDim(dim: number, ndim: number, wrapScalar = true): number {
  if (ndim === 0 && !wrapScalar) throw new IndexError(`Dimension specified as ${dim} but tensor has no dimensions`, dim, [0, 0]);
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`, dim, [-n, n - 1]);
  }
  return dim < 0 ? dim + n : dim;
}

/** Accepts both `view(2, 3)` and `view([2, 3])` (and a Size). */
export function flattenShapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && typeof args[0] !== "number") return Array.from(args[0] as readonly number[]);
  return args as number[];
}

/** Replaces a -1 in `shape` by the size that makes the element count match, with PyTorch's errors. */
export function inferSize(shape: readonly number[], numel: number, inputShape?: readonly number[], op = "view"): number[] {
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (inferred >= 0) throw new ShapeError("only one dimension can be inferred", { op, shapes: { requested: shape } });
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`invalid shape dimension ${d}`, { op, shapes: { requested: shape } });
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  const invalid = () => new ShapeError(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`, {
    op, shapes: inputShape ? { input: inputShape, requested: shape } : { requested: shape }, expected: { numel: known }, got: { numel },
  });
  if (inferred >= 0) {
    if (known === 0 || numel % known !== 0) throw invalid();
    out[inferred] = numel / known;
  } else if (known !== numel) {
    throw invalid();
  }
  return out;
}

/**
 * Strides for viewing (oldShape, oldStrides) as newShape without a copy, or
 * null when some new dimension would span two non-contiguous chunks (the
 * algorithm of PyTorch's computeStride: walk the old dims in chunks that are
 * contiguous among themselves and match the new dims against each chunk).
 */
export function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], newShape: readonly number[]): number[] | null {
  const numel = shapeNumel(oldShape);
  // Nothing to keep apart: an empty tensor, or a 0-d one viewed as ones ([1], [1, 1], ...).
  if (numel === 0 || oldShape.length === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    const chunkEnds = d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBaseStride);
    if (chunkEnds) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBaseStride = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

export const view = hooked("view", function view(x: Tensor, shape: readonly number[]): Tensor {
  const newShape = inferSize(shape, x.numel(), x.shape, "view");
  const strides = viewStrides(x.shape, x._strides, newShape);
  if (strides === null) {
    throw new ShapeError(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
      { op: "view", shapes: { input: x.shape, requested: shape } },
    );
  }
  const out = x._view(newShape, strides, x._offset);
  const inShape = [...x.shape];
  record("ViewBackward0", out, [x], ([g]) => [reshape(g!, inShape)]);
  return out;
}, describeView("view"));

export const reshape = hooked("reshape", function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const newShape = inferSize(shape, x.numel(), x.shape, "reshape");
  const strides = viewStrides(x.shape, x._strides, newShape);
  const inShape = [...x.shape];
  if (strides !== null) {
    const out = x._view(newShape, strides, x._offset);
    record("ReshapeAliasBackward0", out, [x], ([g]) => [reshape(g!, inShape)]);
    return out;
  }
  // A copy: PyTorch records it as a clone followed by an unsafe view.
  const copy = clone(x);
  const out = copy._view(newShape, contiguousStrides(newShape), 0);
  out._base = null;
  record("UnsafeViewBackward0", out, [copy], ([g]) => [reshape(g!, inShape)]);
  return out;
}, describeView("reshape"));

export const FLATTEN = signature("flatten", [arg("start_dim", Int, 0), arg("end_dim", Int, -1)]);

export const flatten = hooked("flatten", function flatten(x: Tensor, ...args: ArgsOf<typeof FLATTEN>): Tensor {
  const { start_dim: startDim, end_dim: endDim } = FLATTEN.parse(args);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim);
  const e = normDim(endDim, x.ndim);
  if (s > e) throw new ArgumentError("flatten() has invalid args: start_dim cannot come after end_dim", "start_dim", "RuntimeError");
  if (s === e) return x;
  const shape = [...x.shape.slice(0, s), shapeNumel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}, describeFlatten);

export const unflatten = hooked("unflatten", function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim(dim, x.ndim);
  const inner = inferSize(sizes, x.shape[d]!);
  return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}, describeUnflatten);

export const permute = hooked("permute", function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ShapeError(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`.replace("(sparse_coo)", ""), { op: "permute", shapes: { input: x.shape } });
  }
  const nd = dims.map((d) => normDim(d, x.ndim));
  if (new Set(nd).size !== nd.length) throw new ArgumentError("permute(): duplicate dims are not allowed.", "dims", "RuntimeError");
  const out = x._view(nd.map((d) => x.shape[d]!), nd.map((d) => x._strides[d]!), x._offset);
  const inverse = new Array<number>(nd.length);
  nd.forEach((d, i) => { inverse[d] = i; });
  record("PermuteBackward0", out, [x], ([g]) => [permute(g!, inverse)]);
  return out;
}, describePermute);

export const transpose = hooked("transpose", function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim);
  const b = normDim(dim1, x.ndim);
  const shape = [...x.shape];
  const strides = [...x._strides];
  [shape[a], shape[b]] = [shape[b]!, shape[a]!];
  [strides[a], strides[b]] = [strides[b]!, strides[a]!];
  const out = x.ndim === 0 ? x._view([], [], x._offset) : x._view(shape, strides, x._offset);
  record("TransposeBackward0", out, [x], ([g]) => [transpose(g!, dim0, dim1)]);
  return out;
}, describeTranspose);

export const t = hooked("t", function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`, { op: "t", shapes: { input: x.shape } });
  const out = x.ndim < 2 ? x._view(x.shape, x._strides, x._offset) : x._view([x.shape[1]!, x.shape[0]!], [x._strides[1]!, x._strides[0]!], x._offset);
  record("TBackward0", out, [x], ([g]) => [t(g!)]);
  return out;
}, describeT);

export const squeeze = hooked("squeeze", function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const inShape = [...x.shape];
  if (Array.isArray(dim)) {
    // A tuple of dims: each that has size 1 goes (PyTorch's squeeze.dims, SqueezeBackward2).
    const drop = new Set((dim as readonly number[]).map((d) => normDim(d, Math.max(x.ndim, 1))).filter((d) => x.ndim > 0 && x.shape[d] === 1));
    const keep = x.shape.map((_, i) => i).filter((i) => !drop.has(i));
    const out = x._view(keep.map((i) => x.shape[i]!), keep.map((i) => x._strides[i]!), x._offset);
    record("SqueezeBackward2", out, [x], ([g]) => [reshape(g!, inShape)]);
    return out;
  }
  if (dim === undefined) {
    const keep = x.shape.map((s, i) => (s === 1 ? -1 : i)).filter((i) => i >= 0);
    const out = x._view(keep.map((i) => x.shape[i]!), keep.map((i) => x._strides[i]!), x._offset);
    record("SqueezeBackward0", out, [x], ([g]) => [reshape(g!, inShape)]);
    return out;
  }
  const d = normDim(dim as number, x.ndim);
  if (x.ndim === 0 || x.shape[d] !== 1) {
    const out = x._view(x.shape, x._strides, x._offset);
    record("SqueezeBackward1", out, [x], ([g]) => [g]);
    return out;
  }
  const out = x._view(x.shape.filter((_, i) => i !== d), x._strides.filter((_, i) => i !== d), x._offset);
  record("SqueezeBackward1", out, [x], ([g]) => [reshape(g!, inShape)]);
  return out;
}, describeSqueeze);

export const unsqueeze = hooked("unsqueeze", function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1);
  const shape = [...x.shape];
  const strides = [...x._strides];
  const stride = d < x.ndim ? x.shape[d]! * x._strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const out = x._view(shape, strides, x._offset);
  record("UnsqueezeBackward0", out, [x], ([g]) => [squeeze(g!, d)]);
  return out;
}, describeUnsqueeze);

/** Gradient of a view that picks part of `inShape`: zeros with `g` written into the same part. */
function scatterIntoZeros(g: Tensor, inShape: readonly number[], pick: (z: Tensor) => Tensor): Tensor {
  const z = Tensor._fromData(new (g.dtype.ArrayType)(shapeNumel(inShape)), inShape, g.dtype);
  const target = no_grad(() => pick(z));
  copyStrided(g.shape, g.storage.data, g._strides, g._offset, target.storage.data, target._strides, target._offset);
  return z;
}

/** Python slice semantics over a dimension of `size`: clamped start/stop, positive step. */
function sliceBounds(size: number, spec: SliceSpec): [number, number, number] {
  const step = spec.step ?? 1;
  if (step <= 0) throw new ArgumentError("step must be greater than zero", "step");
  const clamp = (v: number | null | undefined, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    const r = v < 0 ? v + size : v;
    return Math.min(Math.max(r, 0), size);
  };
  const start = clamp(spec.start, 0);
  const stop = Math.max(clamp(spec.stop, size), start);
  return [start, stop, step];
}

/** `x[:, start:stop:step]` along `dim` as a view (PyTorch's `slice`). */
export function sliceDim(x: Tensor, dim: number, spec: SliceSpec): Tensor {
  const d = normDim(dim, x.ndim);
  const [start, stop, step] = sliceBounds(x.shape[d]!, spec);
  const shape = [...x.shape];
  const strides = [...x._strides];
  shape[d] = Math.ceil((stop - start) / step);
  strides[d] = x._strides[d]! * step;
  const out = x._view(shape, strides, x._offset + start * x._strides[d]!);
  const inShape = [...x.shape];
  record("SliceBackward0", out, [x], ([g]) => [scatterIntoZeros(g!, inShape, (z) => sliceDim(z, d, { start, stop, step }))]);
  return out;
}

export const NARROW = signature("narrow", [required("dim", Int), required("start", Int), required("length", Int)]);

/** narrow's (and narrow_copy's) refusal of a window past the end of the dimension. */
export function narrowBoundsError(x: Tensor, start: number, length: number, size: number): ShapeError {
  return new ShapeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`, { op: "narrow", shapes: { input: x.shape } });
}

export const narrow = hooked("narrow", function narrow(x: Tensor, ...args: ArgsOf<typeof NARROW>): Tensor {
  const { dim, start, length } = NARROW.parse(args);
  if (x.ndim === 0) throw new ArgumentError("narrow() cannot be applied to a 0-dim tensor.", "input", "RuntimeError");
  if (length < 0) throw new ArgumentError("narrow(): length must be non-negative.", "length", "RuntimeError");
  const d = normDim(dim, x.ndim);
  const size = x.shape[d]!;
  if (start < -size || start > size) {
    throw new IndexError(`start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`, start, [-size, size]);
  }
  const s = start < 0 ? start + size : start;
  if (s + length > size) throw narrowBoundsError(x, s, length, size);
  return sliceDim(x, d, { start: s, stop: s + length, step: 1 });
}, describeNarrow);

export const select = hooked("select", function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new IndexError("select() cannot be applied to a 0-dim tensor.", index, [0, 0]);
  const d = normDim(dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new IndexError(`index ${index} is out of bounds for dimension ${d} with size ${size}`, index, [-size, size - 1]);
  }
  const i = index < 0 ? index + size : index;
  const out = x._view(x.shape.filter((_, k) => k !== d), x._strides.filter((_, k) => k !== d), x._offset + i * x._strides[d]!);
  const inShape = [...x.shape];
  record("SelectBackward0", out, [x], ([g]) => [scatterIntoZeros(g!, inShape, (z) => select(z, d, i))]);
  return out;
}, describeSelect);

export const expand = hooked("expand", function expand(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new ShapeError(
      `expand(torch.FloatTensor{[${x.shape.join(", ")}]}, size=[${sizes.join(", ")}]): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
      { op: "expand", shapes: { input: x.shape, requested: sizes } },
    );
  }
  const lead = sizes.length - x.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const j = i - lead;
    const want = sizes[i]!;
    if (j < 0) {
      if (want < 0) throw new ShapeError(`The expanded size of the tensor (${want}) isn't allowed in a leading, non-existing dimension ${i}`, { op: "expand", shapes: { input: x.shape, requested: sizes } });
      shape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[j]!;
    if (want === -1 || want === have) {
      shape.push(have);
      strides.push(x._strides[j]!);
    } else if (have === 1) {
      shape.push(want);
      strides.push(0);
    } else {
      throw new ShapeError(
        `The expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x.shape)}`,
        { op: "expand", shapes: { input: x.shape, requested: sizes }, expected: { size: have }, got: { size: want } },
      );
    }
  }
  const out = x._view(shape, strides, x._offset);
  const inShape = [...x.shape];
  record("ExpandBackward0", out, [x], ([g]) => [sumToShape(g!, inShape)]);
  return out;
}, describeExpand);

export function asStrided(x: Tensor, size: readonly number[], stride: readonly number[], offset: number): Tensor {
  if (size.length !== stride.length) throw new ArgumentError(`mismatch in length of strides and shape`, "stride", "RuntimeError");
  let maxIndex = offset;
  for (let i = 0; i < size.length; i++) if (size[i]! > 0) maxIndex += (size[i]! - 1) * stride[i]!;
  // A meta tensor has no storage to overrun.
  if (!isMeta(x) && shapeNumel(size) > 0 && maxIndex >= x.storage.data.length) {
    throw new ShapeError(`setStorage: sizes ${fmtShape(size)}, strides ${fmtShape(stride)}, storage offset ${offset}, and itemsize ${x.dtype.itemsize} requiring a storage size of ${(maxIndex + 1) * x.dtype.itemsize} are out of bounds for storage of size ${x.storage.data.length * x.dtype.itemsize}`, { op: "as_strided", shapes: { size, stride } });
  }
  return x._view(size, stride, offset);
}

/** A contiguous copy (or `x` itself when already contiguous), recorded as `CloneBackward0`. */
export const contiguous = hooked("contiguous", function contiguous(x: Tensor): Tensor {
  if (x.is_contiguous()) return x;
  return clone(x);
}, describeElementwise());

export const clone = hooked("clone", function clone(x: Tensor): Tensor {
  // A meta tensor clones to a meta tensor: the shape, no copy.
  const out = isMeta(x) ? metaLike(x) : new Tensor(new Storage(x.toFlatArray()), x.shape, contiguousStrides(x.shape), 0, x.dtype);
  record("CloneBackward0", out, [x], ([g]) => [g]);
  return out;
}, describeElementwise());

export const SPLIT = signature("split", [required("split_size_or_sections", union(Int, IntList, "int or list of ints")), arg("dim", Int, 0)]);

export const split = hooked("split", function split(x: Tensor, ...args: ArgsOf<typeof SPLIT>): Tensor[] {
  const { split_size_or_sections: sizeOrSizes, dim } = SPLIT.parse(args);
  const d = normDim(dim, x.ndim);
  const total = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSizes === "number") {
    if (sizeOrSizes <= 0 && total > 0) throw new ArgumentError(`split expects split_size be non-negative, but got split_size=${sizeOrSizes}`, "split_size", "RuntimeError");
    sizes = [];
    for (let s = 0; s < total; s += sizeOrSizes) sizes.push(Math.min(sizeOrSizes, total - s));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSizes];
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sum !== total) {
      throw new ShapeError(`split_with_sizes expects split_sizes to sum exactly to ${total} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`, { op: "split", shapes: { input: x.shape } });
    }
  }
  const out: Tensor[] = [];
  const starts: number[] = [];
  let start = 0;
  for (const s of sizes) {
    const shape = [...x.shape];
    shape[d] = s;
    starts.push(start);
    out.push(x._view(shape, x._strides, x._offset + start * x._strides[d]!));
    start += s;
  }
  // PyTorch records one node whose outputs are the pieces.
  recordPieces(typeof sizeOrSizes === "number" ? "SplitBackward0" : "SplitWithSizesBackward0", x, out, (z, i) => sliceDim(z, d, { start: starts[i]!, stop: starts[i]! + sizes[i]! }));
  return out;
}, describeSplit);

/** Records one node for views `pieces` of `x` (`pick` finds piece i in a tensor shaped like `x`); their gradients are written into zeros. */
function recordPieces(name: string, x: Tensor, pieces: Tensor[], pick: (z: Tensor, i: number) => Tensor): void {
  const inShape = [...x.shape];
  record(name, pieces, [x], (grads) => {
    const dtype = grads.find((g) => g !== null)?.dtype ?? x.dtype;
    const z = Tensor._fromData(new (dtype.ArrayType)(shapeNumel(inShape)), inShape, dtype);
    grads.forEach((g, i) => {
      if (!g) return;
      const target = no_grad(() => pick(z, i));
      copyStrided(g.shape, g.storage.data, g._strides, g._offset, target.storage.data, target._strides, target._offset);
    });
    return [z];
  });
}

export const CHUNK = signature("chunk", [required("chunks", Int), arg("dim", Int, 0)]);

export const chunk = hooked("chunk", function chunk(x: Tensor, ...args: ArgsOf<typeof CHUNK>): Tensor[] {
  const { chunks, dim } = CHUNK.parse(args);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ArgumentError("chunk expects `chunks` to be greater than 0, got: " + chunks, "chunks", "RuntimeError");
  const d = normDim(dim, x.ndim);
  const each = Math.ceil(x.shape[d]! / chunks);
  return split(x, Math.max(each, 1), d);
}, describeChunk);

export const UNBIND = signature("unbind", [arg("dim", Int, 0)]);

export const unbind = hooked("unbind", function unbind(x: Tensor, ...args: ArgsOf<typeof UNBIND>): Tensor[] {
  const { dim } = UNBIND.parse(args);
  const d = normDim(dim, x.ndim, false);
  const out: Tensor[] = [];
  const shape = x.shape.filter((_, k) => k !== d);
  const strides = x._strides.filter((_, k) => k !== d);
  for (let i = 0; i < x.shape[d]!; i++) out.push(x._view(shape, strides, x._offset + i * x._strides[d]!));
  recordPieces("UnbindBackward0", x, out, (z, i) => select(z, d, i));
  return out;
}, describeUnbind);

/** Parses "1:3", "::2", ":" and "-1:" into a slice; "..." is handled by the caller. */
function parseSlice(text: string): SliceSpec {
  const parts = text.split(":");
  if (parts.length < 2 || parts.length > 3) throw new ArgumentError(`invalid slice '${text}': expected 'start:stop' or 'start:stop:step'`, "index", "IndexError");
  const num = (p: string | undefined) => {
    if (p === undefined || p.trim() === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new ArgumentError(`invalid slice '${text}': '${p}' is not an integer`, "index", "IndexError");
    return v;
  };
  return { start: num(parts[0]), stop: num(parts[1]), step: num(parts[2]) };
}

/** Python indexing (`x[...]`) as a sequence of views, or a gather for tensor indices. */
export const index = hooked("index", function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  const consumes = (it: IndexItem) => it !== null && it !== "...";
  const ellipsisAt = items.indexOf("...");
  if (items.filter((it) => it === "...").length > 1) throw new ArgumentError("an index can only have a single ellipsis ('...')", "index", "IndexError");
  const used = items.filter(consumes).reduce<number>((n, it) => n + (it instanceof Tensor && it.dtype.name === "bool" ? it.ndim : 1), 0);
  if (used > x.ndim) throw new IndexError(`too many indices for tensor of dimension ${x.ndim}`, used, [0, x.ndim]);
  let expanded = items;
  if (ellipsisAt >= 0) {
    const fill: IndexItem[] = Array(x.ndim - used).fill(":");
    expanded = [...items.slice(0, ellipsisAt), ...fill, ...items.slice(ellipsisAt + 1)];
  }
  let out = x;
  let dim = 0;
  for (const it of expanded) {
    if (it === null) {
      out = unsqueeze(out, dim);
      dim++;
    } else if (typeof it === "number") {
      out = select(out, dim, it);
    } else if (typeof it === "string") {
      out = sliceDim(out, dim, parseSlice(it));
      dim++;
    } else if (it instanceof Tensor) {
      out = indexWithTensor(out, dim, it);
      dim += it.dtype.name === "bool" ? 1 : it.ndim;
    } else {
      out = sliceDim(out, dim, it);
      dim++;
    }
  }
  return out;
}, describeIndex);

/** `x[idx]` with an integer tensor along `dim`, or `x[mask]` with a bool mask starting at `dim`: a copy. */
function indexWithTensor(x: Tensor, dim: number, idx: Tensor): Tensor {
  if (idx.dtype.name === "bool") {
    const maskShape = x.shape.slice(dim, dim + idx.ndim);
    if (!idx.shape.equals(maskShape)) {
      throw new IndexError(`The shape of the mask ${fmtShape(idx.shape)} at index ${dim} does not match the shape of the indexed tensor ${fmtShape(x.shape)} at index ${dim}`, dim, [0, x.ndim]);
    }
    const flatMask = idx.toFlatArray();
    const positions: number[] = [];
    flatMask.forEach((v, i) => { if (v) positions.push(i); });
    // PyTorch records one IndexBackward0 on x itself: merge the masked dims outside the graph.
    const merged = no_grad(() => reshape(x, [...x.shape.slice(0, dim), flatMask.length, ...x.shape.slice(dim + idx.ndim)]));
    return gatherAlong(merged, dim, positions, [positions.length], x);
  }
  if (idx.dtype.kind !== "int") throw new TsorchError("tensors used as indices must be long, int, byte or bool tensors", "IndexError");
  const size = x.shape[dim]!;
  const positions = Array.from(idx.toFlatArray(), (v) => {
    if (v < -size || v >= size) throw new IndexError(`index ${v} is out of bounds for dimension ${dim} with size ${size}`, v, [-size, size - 1]);
    return v < 0 ? v + size : v;
  });
  return gatherAlong(x, dim, positions, [...idx.shape]);
}

/**
 * Copies the slices `positions` of dimension `dim` into a new tensor whose
 * dim is replaced by `idxShape`. `source` is the tensor the gradient goes to
 * (`x` itself, or the tensor `x` is a reshape of).
 */
function gatherAlong(x: Tensor, dim: number, positions: readonly number[], idxShape: readonly number[], source: Tensor = x): Tensor {
  const outer = [...x.shape.slice(0, dim)];
  const inner = [...x.shape.slice(dim + 1)];
  const outShape = [...outer, ...idxShape, ...inner];
  const out = Tensor._fromData(new (x.dtype.ArrayType)(shapeNumel(outShape)), outShape, x.dtype);
  const rowShape = [...outer, ...inner];
  const srcStrides = [...x._strides.slice(0, dim), ...x._strides.slice(dim + 1)];
  const dstFull = contiguousStrides([...outer, positions.length, ...inner]);
  const dstStrides = [...dstFull.slice(0, dim), ...dstFull.slice(dim + 1)];
  positions.forEach((p, k) => {
    copyStrided(rowShape, x.storage.data, srcStrides, x._offset + p * x._strides[dim]!, out.storage.data, dstStrides, k * dstFull[dim]!);
  });
  const inShape = [...x.shape];
  record("IndexBackward0", out, [source], ([g]) => {
    const gc = contiguous(g!).reshape([...outer, positions.length, ...inner]);
    const z = Tensor._fromData(new (g!.dtype.ArrayType)(shapeNumel(inShape)), inShape, g!.dtype);
    const zd = z.storage.data;
    const gd = gc._contiguousData();
    const zStrides = contiguousStrides(inShape);
    const innerN = shapeNumel(inner);
    const outerN = shapeNumel(outer);
    // Accumulate: an index may repeat, and every occurrence adds its gradient.
    for (let o = 0; o < outerN; o++) {
      positions.forEach((p, k) => {
        const src = (o * positions.length + k) * innerN;
        const dst = o * (zStrides[dim - 1] ?? shapeNumel(inShape)) + p * zStrides[dim]!;
        for (let i = 0; i < innerN; i++) zd[dst + i]! += gd[src + i]!;
      });
    }
    return [source === x ? z : z.view([...source.shape])];
  });
  return out;
}

