/**
 * The arithmetic of the optimizers' in-place updates, element by element,
 * rounded the way PyTorch's CPU kernels round float32 so that trajectories
 * match PyTorch's: a Python scalar is first rounded to the tensor's dtype,
 * `a.add_(b, alpha=s)` and `a.addcmul_(b, c, value=s)` round once (the AVX2
 * kernels use fused multiply-add), `a.mul_(s)`, `a / s` and `addcdiv_`'s
 * quotient round at every step. float64 tensors compute in double.
 *
 * @example
 * const r = roundingOf(p.dtype);
 * p[i] = r(p[i] + r(-lr) * g[i]);   // p.add_(g, alpha=-lr)
 */
import type { DType, TypedArray } from "../tensor/dtype.js";
import { float32 } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { contiguousStrides, copyStrided } from "../tensor/strided.js";

/** Rounding of one arithmetic result to the dtype. */
export type Round = (v: number) => number;

const identity: Round = (v) => v;

export function roundingOf(dtype: DType): Round {
  return dtype === float32 ? Math.fround : identity;
}

/** The values of `t` in row-major order (not a copy when contiguous; do not write to it). */
export function valuesOf(t: Tensor): ArrayLike<number> {
  return t._contiguousData() as ArrayLike<number>;
}

/**
 * The values of `t` to update in place: `data[offset + i]` for element i.
 * `commit()` writes them back when `t` is not contiguous and counts the
 * write in the storage version, as an in-place op does.
 */
export function writable(t: Tensor): { data: TypedArray; offset: number; commit(): void } {
  if (t.is_contiguous()) {
    return { data: t.storage.data, offset: t._offset, commit: () => { t.storage.version++; } };
  }
  const data = t.toFlatArray();
  return {
    data,
    offset: 0,
    commit: () => {
      copyStrided(t.shape, data, contiguousStrides(t.shape), 0, t.storage.data, t._strides, t._offset);
      t.storage.version++;
    },
  };
}
