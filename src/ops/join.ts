/**
 * Joining tensors: cat (concat, concatenate), stack, hstack, vstack, dstack,
 * column_stack. dtypes are promoted as in PyTorch; mismatched sizes get
 * PyTorch's messages; gradients are slices of the incoming gradient
 * (`CatBackward0`, `StackBackward0`).
 *
 * @example
 * torch.cat([torch.zeros(2, 3), torch.ones(1, 3)]).shape     // torch.Size([3, 3])
 * torch.stack([torch.zeros(3), torch.ones(3)], 1).shape      // torch.Size([3, 2])
 */
import { type ArgsOf, Int, arg, signature } from "./signature.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { allocate } from "../tensor/creation.js";
import { promoteTypes } from "../tensor/dtype.js";
import { copyStrided } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { normDim } from "../tensor/view.js";
import { toDtypeCopy } from "../tensor/convert.js";
import { pyTypeName } from "./operand.js";
import { anyMetaIn, metaTensor } from "../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeJoin } from "../shape/families/index.js";

function checkList(tensors: unknown, fn: string): Tensor[] {
  if (!Array.isArray(tensors)) {
    throw new ArgumentError(`${fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${pyTypeName(tensors)}`, "tensors", "TypeError");
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      throw new ArgumentError(`expected Tensor as element ${i} in argument 0, but got ${pyTypeName(t)}`, "tensors", "TypeError");
    }
  });
  return tensors as Tensor[];
}

/** The legacy exception: 1-d empty tensors are skipped by cat whatever the other shapes. */
function skipped(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

/**
 * Concatenates along an existing dimension. All tensors must have the same
 * shape except in `dim`.
 */
export const CAT = signature("cat", [arg("dim", Int, 0)]);
export const STACK = signature("stack", [arg("dim", Int, 0)]);

export const cat = hooked("cat", function cat(tensors: readonly Tensor[], ...args: ArgsOf<typeof CAT>): Tensor {
  const { dim } = CAT.parse(args);
  const list = checkList(tensors, "cat");
  if (list.length === 0) throw new ArgumentError("torch.cat(): expected a non-empty list of Tensors", "tensors", "RuntimeError");
  let dtype = list[0]!.dtype;
  for (const t of list) dtype = promoteTypes(dtype, t.dtype);
  const ref = list.find((t) => !skipped(t));
  if (!ref) {
    const out = allocate([0], dtype);
    recordCat(out, list, 0);
    return out;
  }
  if (ref.ndim === 0) throw new ArgumentError(`zero-dimensional tensor (at position ${list.indexOf(ref)}) cannot be concatenated`, "tensors", "RuntimeError");
  const d = normDim(dim, ref.ndim);
  let total = 0;
  list.forEach((t, i) => {
    if (skipped(t)) return;
    if (t.ndim !== ref.ndim) {
      throw new ShapeError(`Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim}`, { op: "cat", shapes: { [`tensor${list.indexOf(ref)}`]: ref.shape, [`tensor${i}`]: t.shape } });
    }
    for (let k = 0; k < ref.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        throw new ShapeError(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list.`, {
          op: "cat", shapes: { [`tensor${list.indexOf(ref)}`]: ref.shape, [`tensor${i}`]: t.shape }, expected: { size: ref.shape[k] }, got: { size: t.shape[k] },
        });
      }
    }
    total += t.shape[d]!;
  });
  const outShape = [...ref.shape];
  outShape[d] = total;
  // Meta tensors in the list (tensor/meta.ts): the checks above, a shape-only result.
  if (anyMetaIn(list)) return metaTensor(outShape, dtype);
  const out = allocate(outShape, dtype);
  let start = 0;
  for (const t of list) {
    if (skipped(t)) continue;
    const src = t.dtype === dtype ? t : toDtypeCopy(t.detach(), dtype);
    if (src.is_contiguous()) copyBlocks(src, out, d, start);
    else copyStrided(src.shape, src.storage.data, src._strides, src._offset, out.storage.data, out._strides, start * out._strides[d]!);
    start += t.shape[d]!;
  }
  recordCat(out, list, d);
  return out;
}, describeJoin("cat"));

/**
 * A contiguous `src` into the contiguous `out` at index `start` of dim `d`: one block copy per index of
 * the dims before `d` (a channel cat of NCHW maps copies each image's planes in one go, SqueezeNet's
 * fire modules 5x faster than the element-wise strided walk).
 */
function copyBlocks(src: Tensor, out: Tensor, d: number, start: number): void {
  let outer = 1;
  for (let k = 0; k < d; k++) outer *= src.shape[k]!;
  let inner = 1;
  for (let k = d + 1; k < src.ndim; k++) inner *= src.shape[k]!;
  const block = src.shape[d]! * inner;
  const outBlock = out.shape[d]! * inner;
  const from = src.storage.data as Float32Array, to = out.storage.data as Float32Array;
  for (let o = 0, s0 = src._offset, d0 = start * inner; o < outer; o++, s0 += block, d0 += outBlock) {
    to.set(from.subarray(s0, s0 + block), d0);
  }
}

function recordCat(out: Tensor, list: readonly Tensor[], d: number): void {
  if (!is_grad_enabled() || !list.some((t) => t.requires_grad)) return;
  const infos = list.map((t) => ({ shape: [...t.shape], dtype: t.dtype, skip: skipped(t), needs: t.requires_grad }));
  record("CatBackward0", out, list, ([g]) => {
    let start = 0;
    return infos.map((info) => {
      if (info.skip) return info.needs ? allocate(info.shape, info.dtype) : null;
      const len = info.shape[d]!;
      const piece = g!.narrow(d, start, len);
      start += len;
      if (!info.needs) return null;
      return piece.dtype === info.dtype ? piece : piece.to(info.dtype);
    });
  });
}

export const concat = cat;
export const concatenate = cat;

/**
 * Stacks tensors of the same shape along a new dimension `dim`.
 */
export const stack = hooked("stack", function stack(tensors: readonly Tensor[], ...args: ArgsOf<typeof STACK>): Tensor {
  const { dim } = STACK.parse(args);
  const list = checkList(tensors, "stack");
  if (list.length === 0) throw new ArgumentError("stack expects a non-empty TensorList", "tensors", "RuntimeError");
  const ref = list[0]!;
  list.forEach((t, i) => {
    if (!t.shape.equals(ref.shape)) {
      throw new ShapeError(`stack expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`, {
        op: "stack", shapes: { tensor0: ref.shape, [`tensor${i}`]: t.shape },
      });
    }
  });
  const d = normDim(dim, ref.ndim + 1);
  const out = cat(list.map((t) => t.detach().unsqueeze(d)), d);
  if (is_grad_enabled() && list.some((t) => t.requires_grad)) {
    const infos = list.map((t) => ({ dtype: t.dtype, needs: t.requires_grad }));
    record("StackBackward0", out, list, ([g]) => {
      const parts = g!.unbind(d);
      return infos.map((info, i) => (info.needs ? (parts[i]!.dtype === info.dtype ? parts[i]! : parts[i]!.to(info.dtype)) : null));
    });
  }
  return out;
}, describeJoin("stack"));

/** Concatenates along dim 1 (dim 0 for 1-d tensors). */
export function hstack(tensors: readonly Tensor[]): Tensor {
  if (Array.isArray(tensors) && tensors.length === 0) throw new ArgumentError("hstack expects a non-empty TensorList", "tensors", "RuntimeError");
  const list = checkList(tensors, "hstack").map((t) => (t.ndim === 0 ? t.reshape(1) : t));
  return cat(list, list[0] && list[0].ndim === 1 ? 0 : 1);
}

/** Stacks rows: 1-d tensors become rows, then cat along dim 0. */
export function vstack(tensors: readonly Tensor[]): Tensor {
  if (Array.isArray(tensors) && tensors.length === 0) throw new ArgumentError("vstack expects a non-empty TensorList", "tensors", "RuntimeError");
  const list = checkList(tensors, "vstack").map((t) => (t.ndim === 0 ? t.reshape(1, 1) : t.ndim === 1 ? t.unsqueeze(0) : t));
  return cat(list, 0);
}

export const row_stack = vstack;

/** Stacks along the third dimension (1-d and 2-d tensors are lifted to 3-d first). */
export function dstack(tensors: readonly Tensor[]): Tensor {
  if (Array.isArray(tensors) && tensors.length === 0) throw new ArgumentError("dstack expects a non-empty TensorList", "tensors", "RuntimeError");
  const list = checkList(tensors, "dstack").map((t) => (t.ndim === 0 ? t.reshape(1, 1, 1) : t.ndim === 1 ? t.reshape(1, -1, 1) : t.ndim === 2 ? t.unsqueeze(2) : t));
  return cat(list, 2);
}

/** Stacks 1-d tensors as columns (2-d tensors are concatenated along dim 1). */
export function column_stack(tensors: readonly Tensor[]): Tensor {
  const list = checkList(tensors, "column_stack").map((t) => (t.ndim <= 1 ? t.reshape(-1, 1) : t));
  return cat(list, 1);
}
