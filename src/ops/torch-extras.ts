/**
 * Small `torch.*` helpers about dtypes: `result_type` and `can_cast`.
 *
 * @example
 * torch.result_type(torch.tensor([1, 2]), 0.5)   // torch.float32
 * torch.can_cast(torch.float32, torch.int64)     // false
 */
import type { DType } from "../tensor/dtype.js";
import type { TensorLike } from "./operand.js";
import { canCast, resultType } from "./result-type.js";

/** The dtype an arithmetic op over `tensor` and `other` computes in. */
export function result_type(tensor: TensorLike, other: TensorLike): DType {
  return resultType([tensor, other]);
}

/** Whether PyTorch allows writing a value of `from` into a tensor of `to` in an in-place op. */
export function can_cast(from: DType, to: DType): boolean {
  return canCast(from, to);
}
