/**
 * The "meta" device: tensors with a shape, strides and dtype but no data.
 *
 * PyTorch's meta tensors let you ask "what shape would this network produce
 * for a 1x1x4096x4096 input?" without allocating or computing anything. Here
 * as there, an op on a meta input runs every check a real run makes (same
 * errors, same messages), computes the output shape and skips the compute.
 * A real tensor meeting a meta tensor (a layer's parameters and a meta input)
 * gives a meta result.
 *
 * The checks live in the generic paths (element-wise dispatch, reductions,
 * matrix products, views/clone/contiguous, the layer functions), which call
 * {@link anyMeta} once. Any other op that tries to read the values of a meta
 * tensor hits its storage's `data` getter and fails with PyTorch's
 * `Cannot copy out of meta tensor; no data!`: an op without meta support can
 * never compute on an empty array by mistake.
 *
 * @example
 * const x = torch.empty(1, 1, 4096, 4096, { device: "meta" });  // no allocation
 * String(x)                       // "tensor(..., device='meta', size=(1, 1, 4096, 4096))"
 * new nn.Conv2d(1, 6, 5)(x).shape // torch.Size([1, 6, 4092, 4092]), instantly
 */
import { SizeError, TsorchError, fmtShape } from "../errors.js";
import type { DType, TypedArray } from "./dtype.js";
import { contiguousStrides } from "./strided.js";
import { Storage, Tensor } from "./tensor.js";

/** What reading the values of a meta tensor throws (PyTorch's text and exception type). */
export function metaDataError(): TsorchError {
  return new TsorchError(
    "Cannot copy out of meta tensor; no data! (a tensor on the 'meta' device has a shape but no values: " +
    "this operation needs values; create the tensor on the CPU to run it)",
    "NotImplementedError");
}

function refuse(): never {
  throw metaDataError();
}

/**
 * The data of every meta storage: one shared stand-in for a typed array
 * whose every read or write (an element, `length`, `subarray`, ...) throws.
 * A storage holding it is an ordinary `Storage` (same shape for the engine,
 * nothing defined per instance), and `Storage.device` says "meta" for it.
 */
export const META_DATA = new Proxy(new Float32Array(0), {
  get: refuse, set: refuse, has: refuse, ownKeys: refuse, defineProperty: refuse, deleteProperty: refuse,
  getOwnPropertyDescriptor: refuse,
}) as TypedArray;

/** A storage without data (its `device` is "meta"). */
export function metaStorage(): Storage {
  return new Storage(META_DATA);
}

/** True for a tensor on the meta device. */
export function isMeta(x: unknown): boolean {
  return x instanceof Tensor && x.storage.data === META_DATA;
}

/** True when any argument is a meta tensor (non-tensors are ignored). */
export function anyMeta(a: unknown, b?: unknown, c?: unknown, d?: unknown): boolean {
  return isMeta(a) || isMeta(b) || isMeta(c) || isMeta(d);
}

/** True when any tensor of the list is on the meta device. */
export function anyMetaIn(xs: readonly unknown[]): boolean {
  for (const x of xs) if (isMeta(x)) return true;
  return false;
}

/**
 * A contiguous meta tensor of `shape` and `dtype`. Sizes are checked as an
 * allocation would check them (integers, not negative) but any size is
 * accepted: nothing is allocated.
 */
export function metaTensor(shape: readonly number[], dtype: DType): Tensor {
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d)) {
      throw new TsorchError(`size must be a sequence of integers, but got ${fmtShape(shape as number[])}`, "TypeError");
    }
    if (d < 0) throw new SizeError(`Trying to create tensor with negative dimension ${d}: ${fmtShape(shape)}`, "empty", shape);
  }
  return new Tensor(metaStorage(), shape, contiguousStrides(shape), 0, dtype);
}

/** A meta tensor with `x`'s shape (or `shape`) and dtype (or `dtype`). */
export function metaLike(x: Tensor, shape: readonly number[] = x.shape, dtype: DType = x.dtype): Tensor {
  return metaTensor(shape, dtype);
}
