/**
 * The backward pass: walks the graph from the roots in dependency order (a
 * node runs once all the gradients flowing into it have arrived; among the
 * ready nodes, the most recently created runs first, as in PyTorch's ready
 * queue, so sums of gradients meet in the same order), sums the gradients
 * that meet at a node, and adds the result into the `.grad` of the leaves.
 *
 * The same walk serves `torch.autograd.grad`, which captures the gradients
 * of chosen tensors instead of accumulating into `.grad`, and
 * `backward({ inputs })`, which accumulates into the chosen tensors only.
 *
 * @example
 * const w = torch.tensor([1, 2, 3]).requires_grad_();
 * w.mul(w).sum().backward();
 * w.grad   // tensor([2., 4., 6.])
 */
import { AutogradError, ShapeError, fmtShape } from "../errors.js";
import { AccumulateGrad, type GradFn, accumulatorOf, edgeOf } from "./graph.js";
import { withGradMode } from "./grad-mode.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { contiguousStrides } from "../tensor/strided.js";
import { add as differentiableAdd } from "../ops/binary.js";

const FREED_MESSAGE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already " +
  "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
  "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access " +
  "saved tensors after calling backward.";

/** A fresh contiguous tensor holding a + b (same shapes); the engine's own accumulation, outside the graph. */
function addFresh(a: Tensor, b: Tensor): Tensor {
  const ad = a._contiguousData();
  const bd = b._contiguousData();
  const out = new (a.dtype.ArrayType)(ad.length);
  for (let i = 0; i < ad.length; i++) out[i] = ad[i]! + bd[i]!;
  return new Tensor(new Storage(out), a.shape, contiguousStrides(a.shape), 0, a.dtype);
}

/** A contiguous copy outside the graph. */
function copyOf(a: Tensor): Tensor {
  return new Tensor(new Storage(a.toFlatArray()), a.shape, contiguousStrides(a.shape), 0, a.dtype);
}

/** Adds `g` into `target` in place when `target` is a dense block of its own dtype; false when it cannot. */
function addInPlace(target: Tensor, g: Tensor): boolean {
  if (target.dtype !== g.dtype || !target.is_contiguous() || target.storage.device !== "cpu" || g.storage.device !== "cpu") return false;
  const d = target.storage.data;
  const o = target._offset;
  // A tensor whose elements are repeated (expanded) cannot be contiguous, so each element is written once.
  if (g.is_contiguous()) {
    const gd = g.storage.data;
    const go = g._offset;
    const n = target.numel();
    for (let i = 0; i < n; i++) d[o + i] = d[o + i]! + gd[go + i]!;
  } else {
    addStrided(g, d, o);
  }
  target.storage.version++;
  return true;
}

/**
 * `dst[dstOffset + i] += g[i]` for the elements of a strided `g` in
 * row-major order, without gathering `g` first (a weight's gradient arrives
 * transposed from `TBackward0`).
 */
function addStrided(g: Tensor, dst: Tensor["storage"]["data"], dstOffset: number): void {
  const shape = g.shape;
  const nd = shape.length;
  const src = g.storage.data;
  const strides = g._strides;
  const last = shape[nd - 1]!;
  const ls = strides[nd - 1]!;
  const rows = last === 0 ? 0 : g.numel() / last;
  const index = new Array<number>(nd).fill(0);
  let base = g._offset;
  let k = dstOffset;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < last; j++) dst[k + j] = dst[k + j]! + src[base + j * ls]!;
    k += last;
    // Next row: carry through the leading dimensions.
    for (let dim = nd - 2; dim >= 0; dim--) {
      index[dim]!++;
      base += strides[dim]!;
      if (index[dim]! < shape[dim]!) break;
      base -= strides[dim]! * shape[dim]!;
      index[dim] = 0;
    }
  }
}

/** Gradients of the outputs of one node, summed as they arrive. */
class GradBuffer {
  readonly grads: (Tensor | null)[];
  /** With create_graph the sums must be part of the graph too, for gradients of gradients. */
  constructor(n: number, private readonly createGraph: boolean) {
    this.grads = new Array(n).fill(null);
  }
  add(i: number, g: Tensor | null): void {
    if (g === null) return;
    const cur = this.grads[i];
    this.grads[i] = !cur ? g : this.createGraph ? differentiableAdd(cur, g) : addFresh(cur, g);
  }
}

/** Ready nodes, the one created last on top (PyTorch's ready queue orders by sequence number). */
class ReadyQueue {
  private readonly heap: GradFn[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(node: GradFn): void {
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.sequence_nr >= node.sequence_nr) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = node;
  }

  pop(): GradFn {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.sequence_nr > h[l]!.sequence_nr ? r : l;
        if (h[c]!.sequence_nr <= last.sequence_nr) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/** Counts, for every node reachable from the roots, how many edges lead into it. */
function countDependencies(roots: GradFn[]): Map<GradFn, number> {
  const deps = new Map<GradFn, number>();
  const seen = new Set<GradFn>(roots);
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const [next] of node.next_functions) {
      if (!next) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return deps;
}

/**
 * The nodes from which some target can be reached (targets included), for
 * runs restricted to chosen inputs: a node outside this set has nothing to
 * contribute and is skipped.
 */
function reachingTargets(roots: GradFn[], targets: Set<GradFn>): Set<GradFn> {
  const reaches = new Set<GradFn>();
  const done = new Set<GradFn>();
  // Iterative post-order: a node is decided after all its next nodes.
  const stack: [GradFn, boolean][] = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [node, expanded] = stack.pop()!;
    if (done.has(node)) continue;
    if (!expanded) {
      stack.push([node, true]);
      for (const [next] of node.next_functions) if (next && !done.has(next)) stack.push([next, false]);
      continue;
    }
    done.add(node);
    if (targets.has(node) || node.next_functions.some(([n]) => n !== null && reaches.has(n))) reaches.add(node);
  }
  return reaches;
}

/** Adds `g` into a leaf's `.grad`, checking the shape as PyTorch does. */
function accumulateLeaf(node: AccumulateGrad, g: Tensor, createGraph: boolean): void {
  const v = node.variable;
  if (!g.shape.equals(v.shape)) {
    throw new ShapeError(`Function AccumulateGrad returned an invalid gradient - got ${fmtShape(g.shape)} but expected shape compatible with ${fmtShape(v.shape)}`, { op: "backward", shapes: { grad: g.shape, variable: v.shape } });
  }
  for (const hook of node.preHooks) {
    const replaced = hook([g]);
    if (replaced && replaced[0]) g = replaced[0];
  }
  accumulateGrad(v, g, createGraph);
  for (const hook of node.postHooks) hook([], [g]);
}

/**
 * PyTorch's AccumulateGrad: the first gradient is stored (as a copy), later
 * ones are added in place, so `.grad` keeps its identity across backward
 * calls (and `zero_grad()` followed by backward refills the same tensor).
 * With create_graph the sum is recorded, for gradients of gradients.
 */
export function accumulateGrad(v: Tensor, g: Tensor, createGraph: boolean): void {
  const existing = v._grad;
  if (createGraph) {
    v.grad = existing ? differentiableAdd(existing, g) : g;
    return;
  }
  if (existing === null) {
    v.grad = copyOf(g);
    return;
  }
  if (!existing.shape.equals(g.shape) || !addInPlace(existing, g)) v.grad = addFresh(existing, g);
}

/** `existing + g` as a fresh tensor outside the graph (a copy of `g` when there is none yet). */
export function accumulated(existing: Tensor | null, g: Tensor): Tensor {
  return existing ? addFresh(existing, g) : copyOf(g);
}

/** The gradient a root starts with: the one given, or 1 for a scalar. */
function rootGradient(root: Tensor, given: Tensor | null, i: number): Tensor {
  if (!root.requires_grad) {
    throw new AutogradError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
  }
  if (given) {
    if (!given.shape.equals(root.shape)) {
      throw new ShapeError(`Mismatch in shape: grad_output[${i}] has a shape of torch.Size(${fmtShape(given.shape)}) and output[${i}] has a shape of torch.Size(${fmtShape(root.shape)}).`, { op: "backward", shapes: { grad_output: given.shape, output: root.shape } });
    }
    return given;
  }
  if (root.numel() !== 1) throw new AutogradError("grad can be implicitly created only for scalar outputs");
  const one = new (root.dtype.ArrayType)(1);
  one[0] = 1;
  return new Tensor(new Storage(one), root.shape, contiguousStrides(root.shape), 0, root.dtype);
}

/** What one walk of the graph does. */
interface TaskOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** The tensors whose gradients are wanted; all leaves when absent. */
  inputs?: readonly Tensor[];
  /** Return the gradients of `inputs` instead of accumulating them into `.grad` (`autograd.grad`). */
  capture?: boolean;
}

/** Where the gradient of an input arrives: a node's output slot. */
interface Target {
  node: GradFn;
  nr: number;
  index: number;
}

/** Walks the graph; returns the captured gradients of `inputs` (null entries for unreached ones). */
function execute(roots: readonly Tensor[], grads: readonly (Tensor | null)[], opts: TaskOptions): (Tensor | null)[] {
  const { retainGraph, createGraph } = opts;
  const buffers = new Map<GradFn, GradBuffer>();
  const rootNodes: GradFn[] = [];
  roots.forEach((root, i) => {
    const g = rootGradient(root, grads[i] ?? null, i);
    const [node, nr] = edgeOf(root);
    if (!node) return;
    let buf = buffers.get(node);
    if (!buf) {
      buf = new GradBuffer(node.numOutputs, createGraph);
      buffers.set(node, buf);
      rootNodes.push(node);
    }
    buf.add(nr, g);
  });

  // Restricted runs: which nodes lead to the chosen inputs, and where their gradients arrive.
  const targets = new Map<GradFn, Target[]>();
  const captured: (Tensor | null)[] = [];
  let runnable: Set<GradFn> | null = null;
  if (opts.inputs) {
    opts.inputs.forEach((t, index) => {
      if (!t.requires_grad) throw new AutogradError("One of the differentiated Tensors does not require grad");
      const node = t.grad_fn ?? accumulatorOf(t);
      const list = targets.get(node) ?? [];
      list.push({ node, nr: t.grad_fn ? t.output_nr : 0, index });
      targets.set(node, list);
      captured.push(null);
    });
    runnable = reachingTargets(rootNodes, new Set(targets.keys()));
  }

  const deps = countDependencies(rootNodes);
  const ready = new ReadyQueue();
  for (const n of rootNodes) if (!deps.get(n)) ready.push(n);
  withGradMode(createGraph, () => {
    while (ready.size > 0) {
      const node = ready.pop();
      const buf = buffers.get(node)!;
      buffers.delete(node);
      const here = targets.get(node);
      if (here) {
        for (const t of here) {
          const g = buf.grads[t.nr] ?? null;
          if (!g) continue;
          if (opts.capture) captured[t.index] = g;
          else if (node instanceof AccumulateGrad) accumulateLeaf(node, g, createGraph);
          else accumulateGrad(opts.inputs![t.index]!, g, createGraph);
        }
      }
      // With chosen inputs, run only what leads to them (their own AccumulateGrad has been handled above).
      if (runnable && (node instanceof AccumulateGrad || !node.next_functions.some(([n]) => n !== null && runnable!.has(n)))) {
        continue;
      }
      for (const [target, nr, g] of runNode(node, buf.grads, retainGraph, createGraph)) {
        let tb = buffers.get(target);
        if (!tb) {
          tb = new GradBuffer(target.numOutputs, createGraph);
          buffers.set(target, tb);
        }
        tb.add(nr, g);
        const left = (deps.get(target) ?? 1) - 1;
        deps.set(target, left);
        if (left === 0) ready.push(target);
      }
    }
  });
  return captured;
}

/** Runs backward from `roots` (with their output gradients) into the leaves, or into `inputs` only when given. */
export function runBackward(
  roots: Tensor[], grads: (Tensor | null)[], retainGraph: boolean, createGraph: boolean, inputs?: readonly Tensor[],
): void {
  if (inputs !== undefined && inputs.length === 0) throw new AutogradError("'inputs' argument to backward() cannot be empty.");
  execute(roots, grads, { retainGraph, createGraph, inputs });
}

/**
 * `torch.autograd.grad`: the gradients of `outputs` with respect to
 * `inputs`, returned rather than accumulated into `.grad`.
 */
export function computeGrad(
  outputs: readonly Tensor[], inputs: readonly Tensor[], gradOutputs: readonly (Tensor | null)[],
  retainGraph: boolean, createGraph: boolean, allowUnused: boolean,
): (Tensor | null)[] {
  const out = execute(outputs, gradOutputs, { retainGraph, createGraph, inputs, capture: true });
  if (!allowUnused && out.some((g) => g === null)) {
    throw new AutogradError("One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.");
  }
  return out;
}

/** Runs one node; returns the gradients it sends to each next node. */
function runNode(node: GradFn, grads: (Tensor | null)[], retainGraph: boolean, createGraph: boolean): [GradFn, number, Tensor | null][] {
  if (node instanceof AccumulateGrad) {
    if (grads[0]) accumulateLeaf(node, grads[0], createGraph);
    return [];
  }
  if (!node.backwardFn) throw new AutogradError(FREED_MESSAGE);
  node.checkSavedVersions();
  for (const hook of node.preHooks) {
    const replaced = hook(grads);
    if (replaced) grads = replaced;
  }
  // No gradient reached this node (a custom function returned null for the input it produced):
  // nothing flows on, and the leaves below keep `grad` null.
  let inputGrads: (Tensor | null)[] = [];
  if (node.runsWithoutGradients || grads.some((g) => g)) inputGrads = node.backwardFn(grads);
  for (const hook of node.postHooks) {
    const replaced = hook(inputGrads, grads);
    if (replaced) inputGrads = replaced;
  }
  if (!retainGraph) node.release();
  const out: [GradFn, number, Tensor | null][] = [];
  const next = node.next_functions;
  for (let i = 0; i < next.length; i++) {
    const [fn, nr] = next[i]!;
    if (fn) out.push([fn, nr, inputGrads[i] ?? null]);
  }
  return out;
}
