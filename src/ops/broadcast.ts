/**
 * Broadcasting: the shape two or more operands combine to, with PyTorch's
 * error when they cannot, and the strides that read an operand as if it had
 * been expanded to that shape (0 along broadcast dimensions).
 *
 * @example
 * broadcastShapes([[2, 3], [3]], "add")   // [2, 3]
 * broadcastShapes([[3], [4]], "add")      // ShapeError: The size of tensor a (3) must match
 *                                         //   the size of tensor b (4) at non-singleton dimension 0
 */
import { ShapeError } from "../errors.js";
import { Size } from "../tensor/size.js";
import type { Tensor } from "../tensor/tensor.js";
import { expand } from "../tensor/view.js";
import { checkTensor } from "./operand.js";

/** The broadcast of two shapes, or PyTorch's RuntimeError naming both sizes and the output dimension. */
export function broadcastPair(a: readonly number[], b: readonly number[], op: string): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = nd - 1; i >= 0; i--) {
    const offset = nd - 1 - i;
    const da = a.length - 1 - offset;
    const db = b.length - 1 - offset;
    const sa = da >= 0 ? a[da]! : 1;
    const sb = db >= 0 ? b[db]! : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new ShapeError(
        `The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`,
        { op, shapes: { a: [...a], b: [...b] }, expected: { size: sa }, got: { size: sb } },
      );
    }
    out[i] = sa === 1 ? sb : sa;
  }
  return out;
}

/** The broadcast of several shapes, folded left to right as PyTorch's TensorIterator does. */
export function broadcastShapes(shapes: readonly (readonly number[])[], op: string): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastPair(out, s, op);
  return out;
}

/** Strides that read `t` as if expanded to `shape` (which it must broadcast to). */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const nd = shape.length;
  const lead = nd - t.ndim;
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const j = i - lead;
    out[i] = j < 0 || t.shape[j] === 1 ? 0 : t._strides[j]!;
  }
  return out;
}

/** `torch.broadcast_shapes(*shapes)`: the broadcast shape, or PyTorch's error. */
export function broadcast_shapes(...shapes: (number | readonly number[])[]): Size {
  const list = shapes.map((s) => (typeof s === "number" ? [s] : [...s]));
  try {
    return Size.of_(broadcastShapes(list, "broadcast_shapes"));
  } catch (e) {
    if (e instanceof ShapeError) {
      throw new ShapeError("Shape mismatch: objects cannot be broadcast to a single shape", { op: "broadcast_shapes", shapes: Object.fromEntries(list.map((s, i) => [String(i), s])) });
    }
    throw e;
  }
}

/** `torch.broadcast_tensors(*tensors)`: views of every tensor expanded to the common shape. */
export function broadcast_tensors(...tensors: Tensor[]): Tensor[] {
  tensors.forEach((t, i) => checkTensor(t, "broadcast_tensors", "tensors", i + 1));
  const shape = broadcastShapes(tensors.map((t) => t.shape), "broadcast_tensors");
  return tensors.map((t) => expand(t, shape));
}

/** `torch.broadcast_to(input, shape)`: `input.expand(shape)`. */
export function broadcast_to(input: Tensor, shape: readonly number[]): Tensor {
  return expand(checkTensor(input, "broadcast_to"), shape);
}
