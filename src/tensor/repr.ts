/**
 * Adapts a Tensor to the printer in format.ts (which knows nothing of the
 * Tensor class): PyTorch's `repr(x)`.
 */
import type { Tensor } from "./tensor.js";

export function formatTensorRepr(t: Tensor): string {
  const flat = Array.from(t.toFlatArray());
  return `tensor(${JSON.stringify(flat)}, shape=[${t.shape.join(", ")}])`;
}
