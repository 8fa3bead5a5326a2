/**
 * Shared pieces of backward formulas.
 *
 * A gradient arrives with the shape and dtype of an op's output. The input it
 * belongs to may have been broadcast (a bias added to every row) or promoted
 * (a float32 tensor times a float64 one): `gradFor` sums the gradient back to
 * the input's shape and casts it to the input's dtype, which is what
 * PyTorch's engine does before handing a gradient to the next node.
 *
 * Everything here is built from differentiable ops, so `create_graph: true`
 * records the backward pass too.
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import type { GradFn } from "../autograd/graph.js";
import { toDtypeCopy } from "../tensor/convert.js";
import { type DType, float32 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { reshape } from "../tensor/view.js";
import { sum } from "./reduce.js";

/** Sums `g` over the dimensions that broadcasting added or stretched, to get `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.equals(shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    const j = i - lead;
    if (j < 0 || (shape[j] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length > 0 ? sum(g, dims, true) : g;
  return summed.shape.equals(shape) ? summed : reshape(summed, shape);
}

/** `g` reduced to `shape` and cast to `dtype`: the gradient of an input with that shape and dtype. */
export function gradFor(g: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const r = sumTo(g, shape);
  return r.dtype === dtype ? r : toDtypeCopy(r, dtype);
}

/** What a backward formula needs to know about an input, captured when the op runs. */
export interface InputInfo {
  /** Whether the input needs a gradient at all. */
  readonly needs: boolean;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Captures `x`'s gradient needs (a scalar needs none). */
export function inputInfo(x: unknown): InputInfo {
  if (x instanceof Tensor) return { needs: x.requires_grad, shape: [...x.shape], dtype: x.dtype };
  return { needs: false, shape: [], dtype: float32 };
}

/** The gradient for one input: `make()` reduced and cast for it, or null when it needs none. */
export function gradIf(info: InputInfo, make: () => Tensor): Tensor | null {
  return info.needs ? gradFor(make(), info.shape, info.dtype) : null;
}

/** The tensor among op operands, or null for a scalar (the autograd input list of an op). */
export function tensorOrNull(x: unknown): Tensor | null {
  return x instanceof Tensor ? x : null;
}

/**
 * Saves an input the backward formula reads, so that changing it in place
 * before backward is PyTorch's error (naming the input's producer as it is
 * when backward runs) instead of a wrong gradient.
 */
export function saveInput(node: GradFn | null, t: unknown): void {
  if (node && t instanceof Tensor) node.saveForBackward(t, "input");
}

/** Saves an output the backward formula reads (PyTorch names the saving node in the error). */
export function saveOutput(node: GradFn | null, t: Tensor): void {
  if (node) node.saveForBackward(t, "output");
}

/** True when an op over these operands records a node (grad mode on and some tensor requires grad). */
export function recording(a: unknown, b?: unknown, c?: unknown): boolean {
  if (!is_grad_enabled()) return false;
  return (a instanceof Tensor && a.requires_grad) || (b instanceof Tensor && b.requires_grad) || (c instanceof Tensor && c.requires_grad);
}
