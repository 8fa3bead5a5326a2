/**
 * In-place writes that modules make outside autograd: loading a state dict
 * (`param.copy_(value)`), zeroing gradients, initialising weights, updating
 * BatchNorm's running statistics. Each write goes through the tensor's strides
 * and bumps its storage version, so autograd still notices a parameter that
 * changed after it was saved for backward.
 *
 * @example
 * fillInPlace(p.grad!, 0);
 * copyInPlace(p, loaded);
 */
import { castScalar } from "../tensor/dtype.js";
import { contiguousStrides, copyStrided, shapeNumel } from "../tensor/strided.js";
import type { Tensor } from "../tensor/tensor.js";

/** Sets every element of `t` to `value` (cast to its dtype). */
export function fillInPlace(t: Tensor, value: number): void {
  const v = castScalar(value, t.dtype);
  const n = t.numel();
  if (t.is_contiguous()) {
    t.storage.data.fill(v, t._offset, t._offset + n);
  } else {
    const src = new (t.dtype.ArrayType)(n).fill(v);
    copyStrided(t.shape, src, contiguousStrides(t.shape), 0, t.storage.data, t._strides, t._offset);
  }
  t.storage.version++;
}

/** Writes the row-major `values` (one per element) into `t` through its strides. */
export function writeInPlace(t: Tensor, values: ArrayLike<number>): void {
  const n = shapeNumel(t.shape);
  if (t.dtype.is_floating_point && ArrayBuffer.isView(values) && t.is_contiguous()) {
    // One typed-array copy (converting element types as the loop below would).
    t.storage.data.set((values as unknown as Float64Array).subarray(0, n), t._offset);
    t.storage.version++;
    return;
  }
  const src = new (t.dtype.ArrayType)(n);
  const integral = !t.dtype.is_floating_point;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    src[i] = integral ? castScalar(v, t.dtype) : v;
  }
  copyStrided(t.shape, src, contiguousStrides(t.shape), 0, t.storage.data, t._strides, t._offset);
  t.storage.version++;
}

/** `dst.copy_(src)` for tensors of the same shape (any dtypes): the values of `src`, converted to `dst`'s dtype. */
export function copyInPlace(dst: Tensor, src: Tensor): void {
  writeInPlace(dst, src.toFlatArray());
}
