/**
 * The backward pass: walks the graph from the roots in dependency order
 * (a node runs once all the gradients flowing into it have arrived), sums
 * the gradients that meet at a node, and adds the result into the `.grad`
 * of the leaves.
 *
 * @example
 * const w = torch.tensor([1, 2, 3]).requires_grad_();
 * w.mul(w).sum().backward();
 * w.grad   // tensor([2., 4., 6.])
 */
import { AutogradError, ShapeError, fmtShape } from "../errors.js";
import { AccumulateGrad, type GradFn, edgeOf } from "./graph.js";
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

/** Counts, for every node reachable from the roots, how many edges lead into it. */
function countDependencies(roots: GradFn[]): Map<GradFn, number> {
  const deps = new Map<GradFn, number>();
  const seen = new Set<GradFn>();
  const stack = [...roots];
  for (const r of roots) seen.add(r);
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
  // With create_graph, .grad keeps its graph so it can be differentiated again (PyTorch does the same).
  v.grad = createGraph ? (v.grad ? differentiableAdd(v.grad, g) : g) : accumulated(v.grad, g);
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

/** Runs backward from `roots` (with their output gradients) into the leaves. */
export function runBackward(roots: Tensor[], grads: (Tensor | null)[], retainGraph: boolean, createGraph: boolean): void {
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
  const deps = countDependencies(rootNodes);
  const ready = rootNodes.filter((n) => !deps.get(n));
  withGradMode(createGraph, () => {
    while (ready.length > 0) {
      const node = ready.pop()!;
      const buf = buffers.get(node)!;
      buffers.delete(node);
      for (const next of runNode(node, buf.grads, retainGraph, createGraph)) {
        const [target, nr, g] = next;
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
  const inputGrads = node.backwardFn(grads);
  if (!retainGraph) node.release();
  const out: [GradFn, number, Tensor | null][] = [];
  node.next_functions.forEach(([next, nr], i) => {
    if (next) out.push([next, nr, inputGrads[i] ?? null]);
  });
  return out;
}
