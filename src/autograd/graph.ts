/**
 * The autograd graph: one node per differentiable op that ran while grad mode
 * was on, named as PyTorch names it (`AddmmBackward0`, `ReluBackward0`, ...),
 * linked to the nodes of its inputs through `next_functions`.
 *
 * An op records itself with `record()`: it passes its outputs, its inputs and
 * a closure that maps the gradient of the outputs to the gradients of the
 * inputs. The closure keeps what it needs (saved tensors) alive until the
 * backward pass frees it, unless `retain_graph` is set.
 *
 * @example
 * const y = x.mul(2);     // x.requires_grad === true
 * y.grad_fn!.name         // "MulBackward0"
 * y.grad_fn!.next_functions[0][0]!.name  // "AccumulateGrad"
 */
import { inspect } from "node:util";
import { AutogradError } from "../errors.js";
import { is_grad_enabled } from "./grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";

/** Maps the gradients of a node's outputs to the gradients of its inputs (null: input needs none). */
export type BackwardFn = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[];

/** A tensor saved for backward, with the storage version it had when saved. */
interface SavedTensor {
  tensor: Tensor;
  version: number;
  /** An op's input (its producer is named when backward runs) or the saving node's own output. */
  role: "input" | "output";
}

const TENSOR_TYPE: Record<string, string> = {
  float32: "FloatTensor", float64: "DoubleTensor", int64: "LongTensor", int32: "IntTensor", uint8: "ByteTensor", bool: "BoolTensor",
};

export class GradFn {
  /** PyTorch's class name for this node, e.g. `AddBackward0`. */
  readonly name: string;
  /** One entry per differentiable input: the node that produced it and which of its outputs. */
  readonly next_functions: ReadonlyArray<readonly [GradFn | null, number]>;
  /** How many outputs the op had (split/unbind/max-with-indices have several). */
  readonly numOutputs: number;
  /** The closure; null once the graph has been freed by a backward pass. */
  backwardFn: BackwardFn | null;
  /** Hooks run on the gradient of the outputs before they flow to the inputs (`register_hook`). */
  readonly preHooks: ((grads: (Tensor | null)[]) => (Tensor | null)[] | void)[] = [];
  private saved: SavedTensor[] = [];

  constructor(name: string, next: ReadonlyArray<readonly [GradFn | null, number]>, backwardFn: BackwardFn | null, numOutputs = 1) {
    this.name = name;
    this.next_functions = next;
    this.backwardFn = backwardFn;
    this.numOutputs = numOutputs;
  }

  /**
   * Remembers the version of a tensor the backward closure reads, so that an
   * in-place change before backward is reported the way PyTorch reports it
   * instead of silently producing wrong gradients.
   */
  saveForBackward(tensor: Tensor, role: "input" | "output" = "input"): void {
    this.saved.push({ tensor, version: tensor.storage.version, role });
  }

  /** Throws PyTorch's error if a saved tensor was modified in place after it was saved. */
  checkSavedVersions(): void {
    for (const s of this.saved) {
      if (s.tensor.storage.version === s.version) continue;
      const t = s.tensor;
      // PyTorch names the producer as it is when backward runs: none for a leaf, this node for its own output.
      const producer = s.role === "output" ? `, which is output ${t.output_nr} of ${this.name},`
        : t.grad_fn ? `, which is output ${t.output_nr} of ${t.grad_fn.name},` : "";
      throw new AutogradError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
        `[torch.${TENSOR_TYPE[t.dtype.name]} [${t.shape.join(", ")}]]${producer} is at version ` +
        `${t.storage.version}; expected version ${s.version} instead. Hint: enable anomaly detection to find ` +
        `the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
      );
    }
  }

  /** Drops the closure and saved tensors (what `retain_graph=False` does after backward). */
  release(): void {
    this.backwardFn = null;
    this.saved = [];
  }

  /** Registers a hook on the gradients flowing into this node (PyTorch's `register_prehook`). */
  register_prehook(hook: (grads: (Tensor | null)[]) => (Tensor | null)[] | void): void {
    this.preHooks.push(hook);
  }

  toString(): string {
    return `<${this.name} object>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The node at a leaf that requires grad: backward adds the incoming gradient
 * to `variable.grad`. One per leaf, created on first use, as in PyTorch.
 */
export class AccumulateGrad extends GradFn {
  constructor(readonly variable: Tensor) {
    super("AccumulateGrad", [], null);
  }
}

const accumulators = new WeakMap<Tensor, AccumulateGrad>();

/** The AccumulateGrad node of a leaf tensor (cached so every path to a leaf meets at one node). */
export function accumulatorOf(leaf: Tensor): AccumulateGrad {
  let acc = accumulators.get(leaf);
  if (!acc) {
    acc = new AccumulateGrad(leaf);
    accumulators.set(leaf, acc);
  }
  return acc;
}

/** The (node, output index) edge that a gradient for `t` must flow into, or null if `t` needs none. */
export function edgeOf(t: Tensor | null | undefined): readonly [GradFn | null, number] {
  if (!t || !t.requires_grad) return [null, 0];
  if (t.grad_fn) return [t.grad_fn, t.output_nr];
  return [accumulatorOf(t), 0];
}

/** True when an op on these inputs must record a node. */
export function needsGrad(inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  if (!is_grad_enabled()) return false;
  for (const t of inputs) if (t && t.requires_grad) return true;
  return false;
}

/**
 * Records an op in the graph if grad mode is on and any input requires grad.
 * Returns the node (so the op can save tensors on it), or null when nothing
 * was recorded. `inputs` lists the differentiable inputs in PyTorch's order,
 * which fixes the order of `next_functions` and of the closure's results.
 */
export function record(
  name: string,
  outputs: Tensor | readonly Tensor[],
  inputs: ReadonlyArray<Tensor | null | undefined>,
  backward: BackwardFn,
): GradFn | null {
  if (!needsGrad(inputs)) return null;
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const node = new GradFn(name, inputs.map(edgeOf), backward, outs.length);
  outs.forEach((o, i) => o._setGradFn(node, i));
  return node;
}
