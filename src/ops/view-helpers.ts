/**
 * View-like steps that ops compose but that are not user-facing views:
 * PyTorch's `_unsafe_view` (a reshape of a freshly computed, contiguous
 * result, recorded as `UnsafeViewBackward0`, which is what matmul returns
 * after folding batch dimensions).
 */
import { record } from "../autograd/graph.js";
import { contiguousStrides } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { reshape } from "../tensor/view.js";

/** `x` (contiguous) seen with `shape`, recorded as `UnsafeViewBackward0`. */
export function unsafeView(x: Tensor, shape: readonly number[]): Tensor {
  const src = x.is_contiguous() ? x : x.contiguous();
  const out = new Tensor(src.storage, shape, contiguousStrides(shape), src._offset, src.dtype);
  const inShape = [...x.shape];
  record("UnsafeViewBackward0", out, [src], ([g]) => [reshape(g!, inShape)]);
  return out;
}
