/**
 * Ops that move elements around without arithmetic: repeat, tile, flip,
 * fliplr/flipud, roll, tril/triu, diag, diagonal (a view), diag_embed, trace,
 * movedim, rot90. Each records PyTorch's node (`RepeatBackward0`,
 * `FlipBackward0`, `TrilBackward0`, ...).
 *
 * @example
 * torch.tensor([1, 2]).repeat(2, 2)     // tensor([[1, 2, 1, 2], [1, 2, 1, 2]])
 * torch.ones(3, 3).tril()               // lower triangle
 */
import { type ArgsOf, Dims, Int, IntList, arg, optional, required, signature } from "./signature.js";
import { groupBases } from "../backend/cpu/reduce.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { allocate, zeros } from "../tensor/creation.js";
import { contiguousStrides, copyStrided, shapeNumel } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { asStrided, flattenShapeArgs, normDim, permute } from "../tensor/view.js";
import { checkTensor } from "./operand.js";
import { isMeta } from "../tensor/meta.js";
import { sum } from "./reduce.js";

/**
 * Tiles the tensor: dimension i is repeated `sizes[i]` times (extra leading
 * sizes add dimensions).
 */
export function repeat(input: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  checkTensor(input, "repeat");
  const reps = flattenShapeArgs(sizes);
  if (reps.length < input.ndim) {
    throw new ShapeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor", { op: "repeat", shapes: { input: input.shape, repeats: reps } });
  }
  for (const r of reps) {
    if (!Number.isInteger(r) || r < 0) throw new ArgumentError(`Trying to create tensor with negative dimension ${r}: [${reps.join(", ")}]`, "repeats", "RuntimeError");
  }
  const lead = reps.length - input.ndim;
  const padded = [...Array(lead).fill(1), ...input.shape];
  const outShape = padded.map((s, i) => s * reps[i]!);
  const out = allocate(outShape, input.dtype);
  if (out.numel() > 0) {
    // View the output as [r0, s0, r1, s1, ...] and copy the source into every tile.
    const src = input.reshape(padded);
    const outStrides = contiguousStrides(outShape);
    const tileShape: number[] = [];
    const tileStrides: number[] = [];
    const srcStrides: number[] = [];
    padded.forEach((s, i) => {
      tileShape.push(reps[i]!, s);
      tileStrides.push(s * outStrides[i]!, outStrides[i]!);
      srcStrides.push(0, src._strides[i]!);
    });
    copyStrided(tileShape, src.storage.data, srcStrides, src._offset, out.storage.data, tileStrides, 0);
  }
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    record("RepeatBackward0", out, [input], ([g]) => {
      const split: number[] = [];
      padded.forEach((s, i) => split.push(reps[i]!, s));
      const summed = sum(g!.reshape(split), padded.map((_, i) => 2 * i));
      return [summed.reshape(inShape)];
    });
  }
  return out;
}

/** Like NumPy's tile: `repeat` with the sizes padded with leading 1s. */
export function tile(input: Tensor, dims: readonly number[]): Tensor {
  checkTensor(input, "tile");
  const reps = dims.length < input.ndim ? [...Array(input.ndim - dims.length).fill(1), ...dims] : [...dims];
  return repeat(input, reps);
}

/** A copy with the order of elements reversed along `dims`. */
export const FLIP = signature("flip", [required("dims", Dims)]);

export function flip(input: Tensor, ...args: ArgsOf<typeof FLIP>): Tensor {
  checkTensor(input, "flip");
  const { dims } = FLIP.parse(args);
  const list = (typeof dims === "number" ? [dims] : [...dims]).map((d) => normDim(d, input.ndim));
  if (new Set(list).size !== list.length) throw new ArgumentError(`dims has duplicates, original flip dims size=${list.length}, but unique flip dims size=${new Set(list).size}`, "dims", "RuntimeError");
  const out = allocate([...input.shape], input.dtype);
  if (out.numel() > 0) {
    let offset = input._offset;
    const strides = [...input._strides];
    for (const d of list) {
      offset += (input.shape[d]! - 1) * input._strides[d]!;
      strides[d] = -strides[d]!;
    }
    copyStrided(input.shape, input.storage.data, strides, offset, out.storage.data, out._strides, 0);
  }
  if (is_grad_enabled() && input.requires_grad) record("FlipBackward0", out, [input], ([g]) => [flip(g!, list)]);
  return out;
}

/** Flips the columns (dim 1). */
export function fliplr(input: Tensor): Tensor {
  if (input.ndim < 2) throw new ShapeError("Input must be >= 2-d.", { op: "fliplr", shapes: { input: input.shape } });
  return flip(input, [1]);
}

/** Flips the rows (dim 0). */
export function flipud(input: Tensor): Tensor {
  if (input.ndim < 1) throw new ShapeError("Input must be >= 1-d.", { op: "flipud", shapes: { input: input.shape } });
  return flip(input, [0]);
}

/**
 * Shifts elements cyclically by `shifts` along `dims` (without dims: the
 * flattened tensor, reshaped back).
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
  checkTensor(input, "roll");
  const sh = typeof shifts === "number" ? [shifts] : [...shifts];
  if (sh.length === 0) throw new ArgumentError("`shifts` required", "shifts", "RuntimeError");
  if (dims === undefined || dims === null || (Array.isArray(dims) && dims.length === 0)) {
    if (sh.length !== 1) throw new ArgumentError(`shifts and dimensions must align. shifts: ${sh.length}, dims:0`, "dims", "RuntimeError");
    // Over the flattened tensor, recorded as one RollBackward0 like PyTorch.
    const out = roll(input.detach().reshape(-1), sh[0]!, 0).view(input.shape);
    if (is_grad_enabled() && input.requires_grad) record("RollBackward0", out, [input], ([g]) => [roll(g!, sh.map((v) => -v))]);
    return out;
  }
  const ds = (typeof dims === "number" ? [dims] : [...dims]).map((d) => normDim(d, input.ndim, false));
  if (ds.length !== sh.length) throw new ArgumentError(`shifts and dimensions must align. shifts: ${sh.length}, dims:${ds.length}`, "dims", "RuntimeError");
  let out = input.detach();
  let moved = false;
  ds.forEach((d, i) => {
    const n = out.shape[d]!;
    if (n === 0) return;
    const s = ((sh[i]! % n) + n) % n;
    if (s === 0) return;
    out = catPieces(out.narrow(d, n - s, s), out.narrow(d, 0, n - s), d);
    moved = true;
  });
  if (!moved) out = out.clone();
  if (is_grad_enabled() && input.requires_grad) {
    record("RollBackward0", out, [input], ([g]) => [roll(g!, sh.map((v) => -v), ds)]);
  }
  return out;
}

/** Two pieces joined along `d` into a new contiguous tensor (outside the graph). */
function catPieces(a: Tensor, b: Tensor, d: number): Tensor {
  const shape = [...a.shape];
  shape[d] = a.shape[d]! + b.shape[d]!;
  const out = allocate(shape, a.dtype);
  copyStrided(a.shape, a.storage.data, a._strides, a._offset, out.storage.data, out._strides, 0);
  copyStrided(b.shape, b.storage.data, b._strides, b._offset, out.storage.data, out._strides, a.shape[d]! * out._strides[d]!);
  return out;
}

function triangle(input: Tensor, diagonal: number, lower: boolean): Tensor {
  const fn = lower ? "tril" : "triu";
  checkTensor(input, fn);
  if (input.ndim < 2) throw new ShapeError(`${fn}: input tensor must have at least 2 dimensions`, { op: fn, shapes: { input: input.shape } });
  const out = input.detach().clone();
  const rows = input.shape[input.ndim - 2]!;
  const cols = input.shape[input.ndim - 1]!;
  const od = out.storage.data;
  const mats = shapeNumel(input.shape.slice(0, -2));
  for (let m = 0; m < mats; m++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const keep = lower ? j - i <= diagonal : j - i >= diagonal;
        if (!keep) od[m * rows * cols + i * cols + j] = 0;
      }
    }
  }
  if (is_grad_enabled() && input.requires_grad) {
    record(lower ? "TrilBackward0" : "TriuBackward0", out, [input], ([g]) => [triangle(g!, diagonal, lower)]);
  }
  return out;
}

/** The lower triangle of the last two dimensions (elements with `j - i <= diagonal`), zeros elsewhere. */
export function tril(input: Tensor, diagonal = 0): Tensor {
  return triangle(input, diagonal, true);
}

/** The upper triangle of the last two dimensions (elements with `j - i >= diagonal`), zeros elsewhere. */
export function triu(input: Tensor, diagonal = 0): Tensor {
  return triangle(input, diagonal, false);
}

/**
 * A view of the diagonal `offset` of the matrices in dims `dim1`, `dim2`,
 * appended as the last dimension.
 */
export const DIAGONAL = signature("diagonal", [arg("offset", Int, 0), arg("dim1", Int, 0), arg("dim2", Int, 1)]);

export function diagonal(input: Tensor, ...args: ArgsOf<typeof DIAGONAL>): Tensor {
  checkTensor(input, "diagonal");
  const { offset, dim1, dim2 } = DIAGONAL.parse(args);
  const d1 = normDim(dim1, input.ndim);
  const d2 = normDim(dim2, input.ndim);
  if (d1 === d2) throw new ArgumentError(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`, "dim2", "RuntimeError");
  let start = input._offset;
  let len: number;
  if (offset >= 0) {
    len = Math.max(Math.min(input.shape[d1]!, input.shape[d2]! - offset), 0);
    if (len > 0) start += offset * input._strides[d2]!;
  } else {
    len = Math.max(Math.min(input.shape[d1]! + offset, input.shape[d2]!), 0);
    if (len > 0) start -= offset * input._strides[d1]!;
  }
  const shape: number[] = [];
  const strides: number[] = [];
  input.shape.forEach((s, i) => {
    if (i !== d1 && i !== d2) {
      shape.push(s);
      strides.push(input._strides[i]!);
    }
  });
  shape.push(len);
  strides.push(input._strides[d1]! + input._strides[d2]!);
  const out = input._view(shape, strides, start);
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    record("DiagonalBackward0", out, [input], ([g]) => {
      const z = zeros(inShape, { dtype: g!.dtype });
      const target = diagonal(z.detach(), offset, d1, d2);
      copyStrided(g!.shape, g!.storage.data, g!._strides, g!._offset, z.storage.data, target._strides, target._offset);
      return [z];
    });
  }
  return out;
}

/**
 * A 1-d tensor becomes a square matrix with it on diagonal `diagonal`; a
 * 2-d tensor gives its diagonal `diagonal` as a 1-d copy.
 */
export function diag(input: Tensor, diagonalIndex = 0): Tensor {
  checkTensor(input, "diag");
  if (input.ndim === 1) {
    const n = input.shape[0]! + Math.abs(diagonalIndex);
    const out = zeros([n, n], { dtype: input.dtype });
    const target = diagonal(out, diagonalIndex);
    copyStrided(input.shape, input.storage.data, input._strides, input._offset, out.storage.data, target._strides, target._offset);
    if (is_grad_enabled() && input.requires_grad) record("DiagBackward0", out, [input], ([g]) => [diagonal(g!, diagonalIndex).clone()]);
    return out;
  }
  if (input.ndim === 2) {
    const out = diagonal(input.detach(), diagonalIndex).clone();
    if (is_grad_enabled() && input.requires_grad) {
      const inShape = [...input.shape];
      record("DiagBackward0", out, [input], ([g]) => {
        const z = zeros(inShape, { dtype: g!.dtype });
        const target = diagonal(z, diagonalIndex);
        copyStrided(g!.shape, g!.storage.data, g!._strides, g!._offset, z.storage.data, target._strides, target._offset);
        return [z];
      });
    }
    return out;
  }
  throw new ShapeError("diag(): Supports 1D or 2D tensors. Got " + input.ndim + "D", { op: "diag", shapes: { input: input.shape } });
}

export const DIAG_EMBED = signature("diag_embed", [arg("offset", Int, 0), arg("dim1", Int, -2), arg("dim2", Int, -1)]);

/**
 * Matrices with the last dimension of `input` on their diagonal `offset`;
 * the two new dimensions of the result are `dim1` and `dim2` (default the last two).
 */
export function diag_embed(input: Tensor, ...args: ArgsOf<typeof DIAG_EMBED>): Tensor {
  checkTensor(input, "diag_embed");
  const { offset, dim1, dim2 } = DIAG_EMBED.parse(args);
  const outDims = input.ndim + 1;
  const d1 = normDim(dim1, outDims);
  const d2 = normDim(dim2, outDims);
  if (d1 === d2) throw new ArgumentError(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`, "dim2", "RuntimeError");
  const n = (input.ndim === 0 ? 1 : input.shape[input.ndim - 1]!) + Math.abs(offset);
  const rest = input.shape.slice(0, -1);
  const shape: number[] = [];
  for (let i = 0, k = 0; i < outDims; i++) shape.push(i === d1 || i === d2 ? n : rest[k++]!);
  const out = zeros(shape, { dtype: input.dtype, device: input.device });
  if (!isMeta(out)) {
    const target = diagonal(out, offset, d1, d2);
    const src = input.expand([...target.shape]);
    copyStrided(src.shape, src.storage.data, src._strides, src._offset, out.storage.data, target._strides, target._offset);
  }
  if (is_grad_enabled() && input.requires_grad) {
    record("DiagEmbedBackward0", out, [input], ([g]) => [diagonal(g!, offset, d1, d2).clone()]);
  }
  return out;
}

/** Sum of the main diagonal of a 2-d tensor. */
export function trace(input: Tensor): Tensor {
  checkTensor(input, "trace");
  if (input.ndim !== 2) throw new ShapeError("trace: expected a matrix, but got tensor with dim " + input.ndim, { op: "trace", shapes: { input: input.shape } });
  const diagValues = diagonal(input.detach()).clone();
  const out = diagValues.sum();
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    record("TraceBackward0", out, [input], ([g]) => {
      const z = zeros(inShape, { dtype: g!.dtype });
      const n = Math.min(inShape[0]!, inShape[1]!);
      const v = g!.item();
      for (let i = 0; i < n; i++) z.storage.data[i * inShape[1]! + i] = v;
      return [z];
    });
  }
  return out;
}

/** Moves dimensions `source` to positions `destination`, keeping the others in order (a view). */
export const MOVEDIM = signature("movedim", [required("source", Dims), required("destination", Dims)]);

export function movedim(input: Tensor, ...args: ArgsOf<typeof MOVEDIM>): Tensor {
  checkTensor(input, "movedim");
  const { source, destination } = MOVEDIM.parse(args);
  const src = (typeof source === "number" ? [source] : [...source]).map((d) => normDim(d, input.ndim));
  const dst = (typeof destination === "number" ? [destination] : [...destination]).map((d) => normDim(d, input.ndim));
  for (const [name, given, list] of [["source", source, src], ["destination", destination, dst]] as const) {
    if (new Set(list).size !== list.length) {
      throw new ArgumentError(`movedim: repeated dim in \`${name}\` (${JSON.stringify(typeof given === "number" ? [given] : given).replace(/,/g, ", ")})`, name, "RuntimeError");
    }
  }
  if (src.length !== dst.length) {
    throw new ArgumentError(`movedim: Invalid source or destination dims: source (${JSON.stringify(src)} dims) should contain the same number of dims as destination (${JSON.stringify(dst)} dims)`, "destination", "RuntimeError");
  }
  const order = new Array<number>(input.ndim).fill(-1);
  src.forEach((s, i) => { order[dst[i]!] = s; });
  const rest = [...Array(input.ndim).keys()].filter((d) => !src.includes(d));
  let k = 0;
  for (let i = 0; i < order.length; i++) if (order[i] === -1) order[i] = rest[k++]!;
  return permute(input, order);
}

export const moveaxis = movedim;

/** Rotates by 90 degrees `k` times in the plane of `dims`. */
export const ROT90 = signature("rot90", [arg("k", Int, 1), arg("dims", IntList, [0, 1])]);

export function rot90(input: Tensor, ...args: ArgsOf<typeof ROT90>): Tensor {
  checkTensor(input, "rot90");
  const { k, dims } = ROT90.parse(args);
  if (dims.length !== 2) throw new ArgumentError(`expected total rotation dims == 2, but got dims = ${dims.length}`, "dims", "RuntimeError");
  if (input.ndim < 2) throw new ArgumentError(`expected total dims >= 2, but got total dims = ${input.ndim}`, "input", "RuntimeError");
  if (dims[0] === dims[1] || Math.abs(dims[0]! - dims[1]!) === input.ndim) {
    throw new ArgumentError(`expected rotation dims to be different, but got dim0 = ${dims[0]} and dim1 = ${dims[1]}`, "dims", "RuntimeError");
  }
  const kk = ((k % 4) + 4) % 4;
  const [a, b] = [normDim(dims[0]!, input.ndim), normDim(dims[1]!, input.ndim)];
  if (kk === 1) return flip(input, [b]).transpose(a, b);
  if (kk === 2) return flip(input, [a, b]);
  if (kk === 3) return flip(input, [a]).transpose(a, b);
  return input.clone();
}

export const AS_STRIDED = signature("as_strided", [required("size", IntList), required("stride", IntList), arg("storage_offset", optional(Int), null)]);

/**
 * A view of `input`'s storage with the given sizes and strides (and storage
 * offset, default the input's). Its gradient (`AsStridedBackward0`) sums the
 * output's gradient into the storage positions it read, then reads those
 * positions back in the input's own layout.
 */
export function as_strided(input: Tensor, ...args: ArgsOf<typeof AS_STRIDED>): Tensor {
  checkTensor(input, "as_strided");
  const { size, stride, storage_offset } = AS_STRIDED.parse(args);
  const offset = storage_offset ?? input._offset;
  const out = asStrided(input, size, stride, offset);
  if (is_grad_enabled() && input.requires_grad) {
    const inShape = [...input.shape];
    const inStrides = [...input._strides];
    const inOffset = input._offset;
    const storageLength = input.storage.data.length;
    record("AsStridedBackward0", out, [input], ([g]) => {
      const gd = g!._contiguousData();
      const buf = new Float64Array(storageLength);
      const written = groupBases(size, stride, offset);
      for (let i = 0; i < written.length; i++) buf[written[i]!]! += gd[i]!;
      const gi = allocate(inShape, g!.dtype);
      const read = groupBases(inShape, inStrides, inOffset);
      const od = gi.storage.data;
      for (let i = 0; i < read.length; i++) od[i] = buf[read[i]!]!;
      return [gi];
    });
  }
  return out;
}
