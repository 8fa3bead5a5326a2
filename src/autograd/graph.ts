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

/**
 * Nodes whose PyTorch backward saves no tensors (only sizes or scalars), so
 * PyTorch can run them again after the graph was freed: `(x + 1).sum()` can
 * be backwarded twice without `retain_graph`, `(x * 2).sum()` cannot.
 */
const SAVES_NO_TENSORS = new Set([
  "AddBackward0", "AddBackward1", "SubBackward0", "SubBackward1", "RsubBackward0", "RsubBackward1", "NegBackward0",
  "MulBackward1", "DivBackward1", "SumBackward0", "SumBackward1", "MeanBackward0", "MeanBackward1",
  "ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "TBackward0", "TransposeBackward0",
  "PermuteBackward0", "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward3",
  "ExpandBackward0", "CloneBackward0", "SliceBackward0", "SelectBackward0", "CatBackward0", "StackBackward0",
  "SplitBackward0", "SplitWithSizesBackward0", "UnbindBackward0", "ToCopyBackward0", "ConstantPadNdBackward0",
  "RepeatBackward0", "FlipBackward0", "AliasBackward0", "DiagonalBackward0", "TrilBackward0", "TriuBackward0",
  "RollBackward0", "CumsumBackward0", "TraceBackward0", "AccumulateGrad",
  // Resampling keeps only sizes and scales, so PyTorch lets a second backward through it too.
  "UpsampleNearest2DBackward1", "UpsampleNearestExact2DBackward1", "UpsampleBilinear2DBackward1",
  "UpsampleBicubic2DBackward1", "UpsampleBilinear2DAaBackward1", "UpsampleBicubic2DAaBackward1",
  "UpsampleNearest1DBackward1", "UpsampleNearestExact1DBackward1", "UpsampleLinear1DBackward1",
]);

/** Returned by `register_hook` and friends; `remove()` unregisters the hook. */
export class HookHandle {
  constructor(private readonly list: unknown[], private readonly hook: unknown) {}

  /** Unregisters the hook (removing twice is harmless). */
  remove(): void {
    const i = this.list.indexOf(this.hook);
    if (i >= 0) this.list.splice(i, 1);
  }
}

/** A hook on a node's outputs' gradients: may return replacements. */
export type PreHook = (grads: (Tensor | null)[]) => (Tensor | null)[] | void;
/** A hook run after a node: sees the gradients it produced (for its inputs) and received; may replace the former. */
export type PostHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | void;

/** Creation order of nodes: the engine runs later nodes first, as PyTorch's ready queue does. */
let nextSequenceNr = 0;
/** Identity of nodes in their repr (Python prints an object's address). */
let nextNodeId = 0;

/** The hook list of a node without hooks (shared; registering a hook gives the node its own list). */
const NO_HOOKS: readonly never[] = Object.freeze([]);

export class GradFn {
  /** PyTorch's class name for this node, e.g. `AddBackward0`. */
  readonly name: string;
  /** Creation order (PyTorch's `sequence_nr`); the backward pass runs ready nodes with the highest first. */
  readonly sequence_nr: number;
  /** One entry per differentiable input: the node that produced it and which of its outputs. */
  readonly next_functions: ReadonlyArray<readonly [GradFn | null, number]>;
  /** How many outputs the op had (split/unbind/max-with-indices have several). */
  readonly numOutputs: number;
  /** The closure; null once the graph has been freed by a backward pass. */
  backwardFn: BackwardFn | null;
  /** Hooks run on the gradient of the outputs before they flow to the inputs (tensor `register_hook`). */
  preHooks: readonly PreHook[] = NO_HOOKS;
  /** Hooks run after the node, on the gradients it computed (`grad_fn.register_hook`). */
  postHooks: readonly PostHook[] = NO_HOOKS;
  /** True once a backward pass without `retain_graph` freed what the node saved. */
  released = false;
  /**
   * Whether the node runs when none of its outputs received a gradient. Built-in nodes do not
   * (their inputs get no gradient either, as PyTorch's generated backward functions decide);
   * custom functions do, with zeros or nulls as `set_materialize_grads` says.
   */
  get runsWithoutGradients(): boolean {
    return false;
  }
  private saved: SavedTensor[] | null = null;

  constructor(name: string, next: ReadonlyArray<readonly [GradFn | null, number]>, backwardFn: BackwardFn | null, numOutputs = 1) {
    this.name = name;
    this.sequence_nr = name === "AccumulateGrad" ? Number.MAX_SAFE_INTEGER : nextSequenceNr++;
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
    (this.saved ??= []).push({ tensor, version: tensor.storage.version, role });
  }

  /** Throws PyTorch's error if a saved tensor was modified in place after it was saved. */
  checkSavedVersions(): void {
    if (this.saved === null) return;
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

  /**
   * Frees what the node saved (what `retain_graph=False` does after
   * backward). Nodes that save no tensors in PyTorch keep working, so a
   * second backward through them succeeds as it does there.
   */
  release(): void {
    this.released = true;
    this.saved = null;
    if (!SAVES_NO_TENSORS.has(this.name)) this.backwardFn = null;
  }

  /** Registers a hook on the gradients flowing into this node (PyTorch's `register_prehook`). */
  register_prehook(hook: PreHook): HookHandle {
    const hooks = this.preHooks === NO_HOOKS ? [] : (this.preHooks as PreHook[]);
    hooks.push(hook);
    this.preHooks = hooks;
    return new HookHandle(hooks, hook);
  }

  /**
   * `grad_fn.register_hook(fn)`: `fn(grad_inputs, grad_outputs)` runs after
   * the node computed the gradients of its inputs; returning an array
   * replaces them.
   */
  register_hook(hook: PostHook): HookHandle {
    const hooks = this.postHooks === NO_HOOKS ? [] : (this.postHooks as PostHook[]);
    hooks.push(hook);
    this.postHooks = hooks;
    return new HookHandle(hooks, hook);
  }

  /** A stand-in for the object address Python prints: distinct per node, stable for its lifetime. */
  private readonly id = nextNodeId++;

  /** Python's repr: `<MseLossBackward0 object at 0x7f3a5c0000f0>`. */
  toString(): string {
    return `<${this.name} object at 0x${(0x7f3a5c000000 + this.id * 0x30).toString(16)}>`;
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
