/**
 * Shape ops built from views: the `*_copy` forms PyTorch has for each view op
 * (the same values in a fresh contiguous tensor), the split family
 * (`split_with_sizes`, `tensor_split`, `hsplit`, `vsplit`, `dsplit`,
 * `unsafe_split`, `unsafe_chunk`), `ravel`, `atleast_1d/2d/3d`, `unfold`,
 * `block_diag`, `cartesian_prod`, `meshgrid`, `combinations`, `diagflat`
 * and the `*_scatter` ops that write a tensor into a view of a copy. All
 * are compositions of differentiable ops, so autograd records them.
 *
 * @example
 * torch.tensor_split(torch.arange(7), 3)        // sizes 3, 2, 2
 * torch.meshgrid([torch.arange(2), torch.arange(3)], { indexing: "ij" })
 * torch.block_diag(a, b)
 */
import { TsorchError } from "../errors.js";
import { int64 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { narrowBoundsError, normDim } from "../tensor/view.js";
import { zeros } from "../tensor/creation.js";
import { cat, stack } from "./join.js";
import { checkTensor } from "./operand.js";
import { type ArgsOf, Bool, Dims, Int, IntList, TensorT, arg, oneOf, optional, required, signature, union } from "./signature.js";
import { diag_embed, diagonal, as_strided } from "./rearrange.js";

const copy = (t: Tensor) => t.clone();
const copyAll = (ts: Tensor[]) => ts.map(copy);

/** `x.view_as(x)`, copied. */
export function alias_copy(input: Tensor): Tensor { return copy(checkTensor(input, "alias_copy")); }
export function diagonal_copy(input: Tensor, ...args: Parameters<typeof diagonal> extends [Tensor, ...infer R] ? R : never): Tensor { return copy(diagonal(input, ...args)); }
export function expand_copy(input: Tensor, size: readonly number[]): Tensor { return copy(input.expand(...size)); }
export function narrow_copy(input: Tensor, dim: number, start: number, length: number): Tensor {
  // narrow_copy has no negative-length check of its own: a negative length is refused as out of bounds.
  if (length < 0 && input instanceof Tensor && input.ndim > 0) {
    const size = input.shape[normDim(dim, input.ndim)]!;
    throw narrowBoundsError(input, start < 0 ? start + size : start, length, size);
  }
  return copy(input.narrow(dim, start, length));
}
export function permute_copy(input: Tensor, dims: readonly number[]): Tensor { return copy(input.permute(...dims)); }
export function squeeze_copy(input: Tensor, dim?: number | readonly number[]): Tensor { return copy(dim === undefined ? input.squeeze() : input.squeeze(dim as number)); }
export function t_copy(input: Tensor): Tensor { return copy(input.t()); }
export function transpose_copy(input: Tensor, dim0: number, dim1: number): Tensor { return copy(input.transpose(dim0, dim1)); }
export function unbind_copy(input: Tensor, dim = 0): Tensor[] { return copyAll(input.unbind(dim)); }
export function unsqueeze_copy(input: Tensor, dim: number): Tensor { return copy(input.unsqueeze(dim)); }
export function view_copy(input: Tensor, size: readonly number[]): Tensor { return copy(input.view(...size)); }
export function as_strided_copy(input: Tensor, ...args: Parameters<typeof as_strided> extends [Tensor, ...infer R] ? R : never): Tensor { return copy(as_strided(input, ...args)); }
export function unfold_copy(input: Tensor, dimension: number, size: number, step: number): Tensor { return copy(unfold(input, dimension, size, step)); }

/** Splits `dim` into pieces of the given sizes (which must add up to its length). */
const SPLIT_WITH_SIZES = signature("split_with_sizes", [required("split_sizes", IntList), arg("dim", Int, 0)]);
export function split_with_sizes(input: Tensor, ...args: ArgsOf<typeof SPLIT_WITH_SIZES>): Tensor[] {
  const { split_sizes, dim } = SPLIT_WITH_SIZES.parse(args);
  checkTensor(input, "split_with_sizes");
  const d = dim < 0 ? dim + input.ndim : dim;
  const n = input.shape[d]!;
  const total = split_sizes.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new TsorchError(`split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${dim}), but got split_sizes=[${split_sizes.join(", ")}]`);
  }
  let start = 0;
  return split_sizes.map((s) => { const piece = input.narrow(d, start, s); start += s; return piece; });
}
export function split_with_sizes_copy(input: Tensor, ...args: ArgsOf<typeof SPLIT_WITH_SIZES>): Tensor[] { return copyAll(split_with_sizes(input, ...args)); }
export function unsafe_split(input: Tensor, split_size: number, dim = 0): Tensor[] { return copyAll(input.split(split_size, dim)); }
export function unsafe_chunk(input: Tensor, chunks: number, dim = 0): Tensor[] { return copyAll(input.chunk(chunks, dim)); }

/** Splits at the given indices, or into `sections` pieces as equal as possible (the first ones one longer). */
const TENSOR_SPLIT = signature("tensor_split", [required("indices_or_sections", union(Dims, TensorT, "int or tuple of ints")), arg("dim", Int, 0)]);
export function tensor_split(input: Tensor, ...args: ArgsOf<typeof TENSOR_SPLIT>): Tensor[] {
  const { indices_or_sections: ios, dim } = TENSOR_SPLIT.parse(args);
  checkTensor(input, "tensor_split");
  if (input.ndim === 0) throw new TsorchError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  const d = dim < 0 ? dim + input.ndim : dim;
  const n = input.shape[d]!;
  let indices: number[];
  if (ios instanceof Tensor) {
    if (ios.dtype !== int64) throw new TsorchError(`tensor_split expected tensor_indices_or_sections to have Long dtype, but got ${ios.dtype.name}`);
    if (ios.ndim > 1) throw new TsorchError(`tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ${ios.ndim} dims`);
    indices = ios.ndim === 0 ? [] : (ios.tolist() as number[]);
    if (ios.ndim === 0) return sections(input, d, n, ios.item() as number);
  } else if (typeof ios === "number") {
    return sections(input, d, n, ios);
  } else {
    indices = [...ios];
  }
  const out: Tensor[] = [];
  let prev = 0;
  for (const idx of [...indices, n]) {
    const start = Math.min(Math.max(prev, 0), n);
    const end = Math.min(Math.max(idx < 0 ? idx + n : idx, start), n);
    out.push(input.narrow(d, start, end - start));
    prev = end;
  }
  return out;
}

function sections(input: Tensor, d: number, n: number, k: number): Tensor[] {
  if (k <= 0) throw new TsorchError(`number of sections must be larger than 0, got ${k}`);
  const base = Math.floor(n / k);
  const extra = n % k;
  const out: Tensor[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push(input.narrow(d, start, len));
    start += len;
  }
  return out;
}

function directional(fn: string, input: Tensor, ios: number | readonly number[], dim: number, minDims: number): Tensor[] {
  checkTensor(input, fn);
  if (input.ndim < minDims) {
    throw new TsorchError(`torch.${fn} requires a tensor with at least ${minDims} dimension, but got a tensor with ${input.ndim} dimensions!`);
  }
  if (typeof ios !== "number" && !Array.isArray(ios)) {
    throw new TsorchError(`${fn}() received an invalid combination of arguments - got (Tensor, ${typeof ios === "string" ? "str" : typeof ios}), but expected one of:`, "TypeError");
  }
  if (typeof ios === "number") {
    const n = input.shape[dim]!;
    if (ios === 0 || n % ios !== 0) {
      throw new TsorchError(`torch.${fn} attempted to split along dimension ${dim}, but the size of the dimension ${n} is not divisible by the split_size ${ios}!`);
    }
  }
  return tensor_split(input, ios, dim);
}
/** Splits along dim 1 (dim 0 for 1-D tensors). */
export function hsplit(input: Tensor, indices_or_sections: number | readonly number[]): Tensor[] {
  return directional("hsplit", input, indices_or_sections, input.ndim === 1 ? 0 : 1, 1);
}
export function vsplit(input: Tensor, indices_or_sections: number | readonly number[]): Tensor[] { return directional("vsplit", input, indices_or_sections, 0, 2); }
export function dsplit(input: Tensor, indices_or_sections: number | readonly number[]): Tensor[] { return directional("dsplit", input, indices_or_sections, 2, 3); }

/** The elements as a 1-D tensor (a view when possible). */
export function ravel(input: Tensor): Tensor { return checkTensor(input, "ravel").reshape(-1); }

function atleast(n: number, fn: string, inputs: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  const one = (x: Tensor): Tensor => {
    checkTensor(x, fn);
    if (x.ndim >= n) return x;
    if (n === 1 || x.ndim === 0) return x.reshape(n === 1 ? [1] : n === 2 ? [1, 1] : [1, 1, 1]);
    if (n === 2) return x.unsqueeze(0);
    return x.ndim === 1 ? x.unsqueeze(0).unsqueeze(-1) : x.unsqueeze(-1);
  };
  if (inputs.length === 1 && !Array.isArray(inputs[0])) return one(inputs[0] as Tensor);
  return (inputs.length === 1 ? (inputs[0] as Tensor[]) : (inputs as Tensor[])).map(one);
}
export function atleast_1d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] { return atleast(1, "atleast_1d", tensors); }
export function atleast_2d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] { return atleast(2, "atleast_2d", tensors); }
export function atleast_3d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] { return atleast(3, "atleast_3d", tensors); }

/** The windows of length `size`, `step` apart, along `dimension`, as a new last dimension (a view). */
export function unfold(input: Tensor, dimension: number, size: number, step: number): Tensor {
  checkTensor(input, "unfold");
  const nd = Math.max(input.ndim, 1);
  const d = dimension < 0 ? dimension + nd : dimension;
  const len = input.ndim === 0 ? 1 : input.shape[d]!;
  if (size > len) throw new TsorchError(`maximum size for tensor at dimension ${d} is ${len} but size is ${size}`);
  if (step <= 0) throw new TsorchError(`step is ${step} but must be > 0`);
  const count = Math.floor((len - size) / step) + 1;
  if (input.ndim === 0) return input.reshape([size]);
  const shape = [...input.shape];
  const strides = [...input.stride()];
  shape[d] = count;
  const st = strides[d]!;
  strides[d] = st * step;
  return as_strided(input, [...shape, size], [...strides, st], input.storage_offset());
}

/** The matrices on the diagonal of one block matrix. */
export function block_diag(...tensors: Tensor[]): Tensor {
  tensors.forEach((t, i) => checkTensor(t, "block_diag", "tensors", i + 1));
  const mats = tensors.map((t, i) => {
    if (t.ndim > 2) throw new TsorchError(`torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ${i} has ${t.ndim} dimensions`);
    return t.ndim === 2 ? t : t.reshape([1, -1]);
  });
  const rows = mats.reduce((a, m) => a + m.shape[0]!, 0);
  const cols = mats.reduce((a, m) => a + m.shape[1]!, 0);
  const dtype = mats.reduce((d, m) => (m.dtype.kind === "float" || d.kind !== "float" ? m.dtype : d), mats[0]?.dtype ?? int64);
  let r = 0;
  let c = 0;
  const rowBlocks = mats.map((m) => {
    const [h, w] = [m.shape[0]!, m.shape[1]!];
    const parts = [zeros([h, c], { dtype }), m.to(dtype), zeros([h, cols - c - w], { dtype })];
    r += h;
    c += w;
    return cat(parts, 1);
  });
  return rowBlocks.length ? cat(rowBlocks, 0) : zeros([rows, cols], { dtype });
}

/** Grids of coordinates: one tensor per input, each with every input's length as a dimension. */
const MESHGRID = signature("meshgrid", [arg("indexing", optional(oneOf("ij", "xy")), null)], 0);
export function meshgrid(...args: (Tensor | readonly Tensor[] | Record<string, unknown>)[]): Tensor[] {
  const tensors: Tensor[] = [];
  let rest = args;
  while (rest.length > 0 && (rest[0] instanceof Tensor || Array.isArray(rest[0]))) {
    const a = rest[0]!;
    if (a instanceof Tensor) tensors.push(a); else tensors.push(...(a as Tensor[]));
    rest = rest.slice(1);
  }
  const { indexing } = MESHGRID.parse(rest as ArgsOf<typeof MESHGRID>);
  if (tensors.length === 0) throw new TsorchError("torch.meshgrid: Expected at least one tensor");
  tensors.forEach((t) => {
    if (t.ndim > 1) throw new TsorchError(`torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ${t.shape.length}D`);
  });
  const swap = (indexing ?? "ij") === "xy" && tensors.length >= 2;
  const order = swap ? [1, 0, ...tensors.slice(2).map((_, i) => i + 2)] : tensors.map((_, i) => i);
  const sizes = order.map((i) => tensors[i]!.numel());
  const grids = order.map((src, pos) => {
    const shape = sizes.map((_, j) => (j === pos ? sizes[pos]! : 1));
    return tensors[src]!.reshape(shape).expand(...sizes);
  });
  const out = order.map((_, i) => grids[order.indexOf(i)]!);
  return out;
}

/** Every tuple of one element from each 1-D input, as rows. */
export function cartesian_prod(...tensors: Tensor[]): Tensor {
  tensors.forEach((t, i) => {
    checkTensor(t, "cartesian_prod", "tensors", i + 1);
    if (t.ndim !== 1) throw new TsorchError(`Expect a 1D vector, but got shape [${t.shape.join(", ")}]`);
  });
  if (tensors.length === 1) return tensors[0]!;
  return stack(meshgrid(tensors, { indexing: "ij" }).map((g) => g.flatten()), 1);
}

/** The r-element combinations of a 1-D tensor's elements, as rows (itertools.combinations). */
const COMBINATIONS = signature("combinations", [arg("r", Int, 2), arg("with_replacement", Bool, false)]);
export function combinations(input: Tensor, ...args: ArgsOf<typeof COMBINATIONS>): Tensor {
  const { r, with_replacement } = COMBINATIONS.parse(args);
  checkTensor(input, "combinations");
  if (input.ndim !== 1) throw new TsorchError(`Expect a 1D vector, but got shape [${input.shape.join(", ")}]`);
  if (r < 0) throw new TsorchError(`Expect a non-negative number, but got ${r}`);
  if (r === 0) return zeros([0], { dtype: input.dtype });
  const n = input.shape[0]!;
  const rows: number[][] = [];
  const pick = (start: number, acc: number[]) => {
    if (acc.length === r) { rows.push(acc); return; }
    for (let i = start; i < n; i++) pick(with_replacement ? i : i + 1, [...acc, i]);
  };
  pick(0, []);
  if (rows.length === 0) return zeros([0, r], { dtype: input.dtype });
  const idx = Tensor._fromData(new int64.ArrayType(rows.flat()), [rows.length * r], int64);
  const picked = input.index_select(0, idx);
  return picked.reshape([rows.length, r]);
}

/** The flattened input on the `offset`-th diagonal of a square matrix. */
const DIAGFLAT = signature("diagflat", [arg("offset", Int, 0)]);
export function diagflat(input: Tensor, ...args: ArgsOf<typeof DIAGFLAT>): Tensor {
  const { offset } = DIAGFLAT.parse(args);
  return diag_embed(checkTensor(input, "diagflat").reshape(-1), offset);
}

/** A copy of `input` with `src` written into the view `view(copy)`. */
function scatterInto(input: Tensor, src: Tensor, view: (t: Tensor) => Tensor, fn: string): Tensor {
  checkTensor(input, fn);
  checkTensor(src, fn, "src", 2);
  const target = view(input);
  if (target.shape.length !== src.shape.length || target.shape.some((s, i) => s !== src.shape[i])) {
    throw new TsorchError(`expected src to have a size equal to the slice of self. src size = [${src.shape.join(", ")}], slice size = [${target.shape.join(", ")}]`);
  }
  // Differentiable: input where the view is not, src where it is (a mask of the view's positions).
  const mask = zeros([...input.shape], { dtype: int64 });
  view(mask).fill_(1);
  return input.where(mask.eq(0), spreadInto(input.shape, src, view).to(input.dtype));
}

/** `src` placed into a zero tensor of `shape` at the view's positions, recorded by autograd (gather of a padded src). */
function spreadInto(shape: readonly number[], src: Tensor, view: (t: Tensor) => Tensor): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const pos = Tensor._fromData(new int64.ArrayType(n).map((_, i) => i), [...shape], int64);
  const positions = view(pos).contiguous().reshape(-1);
  const lookup = new int64.ArrayType(n).fill(src.numel());
  const flatPos = positions.toFlatArray();
  for (let i = 0; i < flatPos.length; i++) lookup[Number(flatPos[i])] = i;
  const padded = cat([src.reshape(-1), zeros([1], { dtype: src.dtype })], 0);
  return padded.index_select(0, Tensor._fromData(lookup, [n], int64)).reshape([...shape]);
}

export function select_scatter(input: Tensor, src: Tensor, dim: number, index: number): Tensor {
  return scatterInto(input, src, (t) => t.select(dim, index), "select_scatter");
}
export function slice_scatter(input: Tensor, src: Tensor, dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
  return scatterInto(input, src, (t) => {
    const n = t.shape[dim < 0 ? dim + t.ndim : dim]!;
    const s = Math.min(Math.max(start === null ? 0 : start < 0 ? start + n : start, 0), n);
    const e = Math.min(Math.max(end === null ? n : end < 0 ? end + n : end, s), n);
    const len = Math.ceil((e - s) / step);
    const d = dim < 0 ? dim + t.ndim : dim;
    const shape = [...t.shape];
    const strides = [...t.stride()];
    shape[d] = len;
    const offset = t.storage_offset() + s * strides[d]!;
    strides[d] = strides[d]! * step;
    return as_strided(t, shape, strides, offset);
  }, "slice_scatter");
}
const DIAGONAL_SCATTER = signature("diagonal_scatter", [arg("offset", Int, 0), arg("dim1", Int, 0), arg("dim2", Int, 1)], 2);
export function diagonal_scatter(input: Tensor, src: Tensor, ...args: ArgsOf<typeof DIAGONAL_SCATTER>): Tensor {
  const { offset, dim1, dim2 } = DIAGONAL_SCATTER.parse(args);
  return scatterInto(input, src, (t) => diagonal(t, offset, dim1, dim2), "diagonal_scatter");
}
export function as_strided_scatter(input: Tensor, src: Tensor, size: readonly number[], stride: readonly number[], storage_offset: number | null = null): Tensor {
  return scatterInto(input, src, (t) => as_strided(t.contiguous(), size, stride, storage_offset ?? 0), "as_strided_scatter");
}

/** Sums broadcast dimensions away until the shape is `size`; `size` must be expandable to the input's shape. */
export function sum_to_size(input: Tensor, ...sizeArgs: (number | readonly number[])[]): Tensor {
  const size = sizeArgs.length === 1 && Array.isArray(sizeArgs[0]) ? [...(sizeArgs[0] as readonly number[])] : (sizeArgs as number[]);
  const shape = input.shape;
  const lead = shape.length - size.length;
  const ok = lead >= 0 && size.every((s, i) => s === shape[lead + i] || s === 1);
  if (!ok) throw new TsorchError(`size {[${size.join(", ")}]} is not expandable to size {[${shape.join(", ")}]}.`);
  let r = input;
  for (let i = 0; i < lead; i++) r = r.sum(0);
  size.forEach((s, i) => { if (s === 1 && r.shape[i] !== 1) r = r.sum(i, true); });
  return r;
}
