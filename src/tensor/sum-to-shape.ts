/**
 * Reduces a broadcast gradient back to the shape of the operand that was
 * broadcast: sums over the leading dimensions that broadcasting added and
 * over the dimensions where the operand had size 1. Every broadcasting op's
 * backward (add, mul, expand, ...) ends with this.
 *
 * @example
 * sumToShape(torch.ones(4, 3), [1, 3])   // tensor([[4., 4., 4.]])
 */
import { Tensor } from "./tensor.js";
import { contiguousStrides, shapeNumel } from "./strided.js";

export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.equals(shape)) return g;
  const lead = g.ndim - shape.length;
  const outShape = [...shape];
  const out = Tensor._fromData(new (g.dtype.ArrayType)(shapeNumel(outShape)), outShape, g.dtype);
  const od = out.storage.data;
  // For each dim of g, the stride into `out` (0 where the dim is summed away).
  const outStrides = contiguousStrides(outShape);
  const mapStrides = g.shape.map((_, i) => {
    const j = i - lead;
    return j < 0 || shape[j] === 1 ? 0 : outStrides[j]!;
  });
  const nd = g.ndim;
  const gd = g.storage.data;
  const counter = new Array<number>(nd).fill(0);
  let gi = g._offset;
  let oi = 0;
  const n = g.numel();
  for (let k = 0; k < n; k++) {
    od[oi] += gd[gi]!;
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]!++;
      gi += g._strides[d]!;
      oi += mapStrides[d]!;
      if (counter[d]! < g.shape[d]!) break;
      gi -= g._strides[d]! * g.shape[d]!;
      oi -= mapStrides[d]! * g.shape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}
