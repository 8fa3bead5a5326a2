/**
 * Adapts a Tensor to the printer in format.ts (which knows nothing of the
 * Tensor class): PyTorch's `repr(x)`, character for character.
 */
import { formatTensor, type PrintDType } from "./format.js";
import type { Tensor } from "./tensor.js";

/** Reads the element at a row-major logical index through the tensor's strides (only shown elements are read). */
function logicalGetter(t: Tensor): (flat: number) => number {
  const data = t.storage.data;
  const shape = t.shape;
  const strides = t._strides;
  const nd = shape.length;
  return (flat: number) => {
    let off = t._offset;
    for (let d = nd - 1; d >= 0; d--) {
      const size = shape[d]!;
      off += (flat % size) * strides[d]!;
      flat = Math.floor(flat / size);
    }
    return data[off]!;
  };
}

/** PyTorch's repr of a meta tensor: `tensor(..., device='meta', size=(1, 1, 64, 64))`, no values to show. */
function formatMetaRepr(t: Tensor): string {
  const dims = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  const dtype = t.dtype.name === "float32" ? "" : `, dtype=torch.${t.dtype.name}`;
  const grad = t.grad_fn ? `, grad_fn=<${t.grad_fn.name}>` : t.requires_grad ? ", requires_grad=True" : "";
  return `tensor(..., device='meta', size=${dims}${dtype}${grad})`;
}

export function formatTensorRepr(t: Tensor): string {
  if (t.device === "meta") return formatMetaRepr(t);
  const get = logicalGetter(t);
  const isBool = t.dtype.name === "bool";
  return formatTensor({
    shape: t.shape,
    dtype: t.dtype.name as PrintDType,
    get: isBool ? (i) => get(i) !== 0 : get,
    requires_grad: t.requires_grad,
    grad_fn: t.grad_fn ? t.grad_fn.name : null,
    isParameter: (t as { _isParameter?: boolean })._isParameter === true || t.constructor.name === "Parameter",
  });
}
