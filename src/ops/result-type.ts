/**
 * PyTorch's type promotion for ops with several operands (`torch.result_type`).
 *
 * Operands fall in three priority groups: tensors with at least one
 * dimension, zero-dimensional tensors, and Python scalars ("wrapped
 * numbers"). A lower group only matters when it is of a higher *category*
 * (bool < integer < floating): `int32_tensor + torch.tensor(5)` stays int32,
 * but `int32_tensor + torch.tensor(0.5, dtype=float64)` is float64, and
 * `int64_tensor + 0.5` is float32 (a float scalar counts as the default
 * dtype, float32).
 *
 * @example
 * resultType([torch.tensor([1, 2]), 0.5])   // float32
 * resultType([torch.tensor([1], { dtype: torch.uint8 }), torch.tensor(300)])  // uint8
 */
import { type DType, bool, float32, int64, promoteTypes } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type TensorLike, scalarKind } from "./operand.js";

const rank = { bool: 0, int: 1, float: 2 } as const;

function promoteSkip(a: DType | null, b: DType | null): DType | null {
  if (a === null) return b;
  if (b === null) return a;
  return promoteTypes(a, b);
}

/** PyTorch's combine_categories: a lower-priority group only lifts the category. */
function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher !== null && higher.kind === "float") return higher;
  if ((higher !== null && higher.kind === "bool") || (lower !== null && lower.kind === "float")) return promoteSkip(higher, lower);
  if (higher !== null) return higher;
  return lower;
}

/** The dtype of a Python scalar when it takes part in promotion. */
export function scalarDType(x: number | boolean): DType {
  const k = scalarKind(x);
  return k === "bool" ? bool : k === "int" ? int64 : float32;
}

/** `torch.result_type`: the dtype an op over these operands computes in. */
export function resultType(operands: readonly TensorLike[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let wrapped: DType | null = null;
  for (const o of operands) {
    if (o instanceof Tensor) {
      if (o.ndim > 0) dim = promoteSkip(dim, o.dtype);
      else zero = promoteSkip(zero, o.dtype);
    } else {
      wrapped = promoteSkip(wrapped, scalarDType(o));
    }
  }
  return combine(dim, combine(zero, wrapped)) ?? float32;
}

/** True when a value of dtype `from` may be written into `to` by an in-place op (PyTorch's canCast). */
export function canCast(from: DType, to: DType): boolean {
  return rank[from.kind] <= rank[to.kind];
}

/** The floating dtype an op such as `exp` or `/` computes in: the input's if floating, else float32. */
export function toFloating(d: DType): DType {
  return d.kind === "float" ? d : float32;
}

/** PyTorch's short type name in messages ("Float", "Long", "Bool"). */
export function scalarTypeName(d: DType): string {
  const names: Record<string, string> = { float32: "Float", float64: "Double", int64: "Long", int32: "Int", uint8: "Byte", bool: "Bool" };
  return names[d.name]!;
}
