/**
 * `torch.autograd`: computing gradients explicitly (`grad`), running
 * backward from several tensors at once (`backward`), and the grad-mode
 * switches.
 *
 * @example
 * const x = torch.tensor([1, 2, 3]).float().requires_grad_();
 * const y = x.pow(2).sum();
 * const [dx] = torch.autograd.grad(y, x, { create_graph: true });   // 2x, with a graph
 * const [ddx] = torch.autograd.grad(dx!.sum(), x);                  // tensor([2., 2., 2.])
 */
import { ArgumentError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { computeGrad, runBackward } from "./engine.js";

export { no_grad, enable_grad, is_grad_enabled, set_grad_enabled } from "./grad-mode.js";
export { GradFn, AccumulateGrad, HookHandle } from "./graph.js";
export { registerTensorHook, type TensorHook } from "./hooks.js";
export { Function, FunctionCtx, type GradResult } from "./function.js";
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradgradcheckOptions } from "./gradcheck.js";
export { warn, catch_warnings, onWarning, resetWarnings, type WarningRecord, type WarningCategory } from "../warnings.js";

type Tensors = Tensor | readonly Tensor[];
type MaybeTensors = Tensor | null | readonly (Tensor | null)[];

function listOf<T>(x: T | readonly T[] | null | undefined, what: string): T[] {
  if (x === undefined || x === null) return [];
  if (Array.isArray(x)) return [...x];
  if (x instanceof Tensor) return [x as T];
  throw new ArgumentError(`${what} must be a Tensor or a sequence of Tensors`, what, "TypeError");
}

/** Keyword arguments of `torch.autograd.grad`. */
export interface GradOptions {
  grad_outputs?: MaybeTensors;
  /** Keep the graph for another backward (defaults to `create_graph`). */
  retain_graph?: boolean | null;
  /** Record the backward pass, so the result can be differentiated again. */
  create_graph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of raising. */
  allow_unused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs` (one per input, in
 * order), without touching `.grad`. A non-scalar output needs its
 * `grad_outputs`.
 *
 * @example
 * const [gw, gb] = torch.autograd.grad(loss, [w, b]);
 */
export function grad(outputs: Tensors, inputs: Tensors, options: GradOptions | MaybeTensors = {}): (Tensor | null)[] {
  const o: GradOptions = options === null || options instanceof Tensor || Array.isArray(options)
    ? { grad_outputs: options as MaybeTensors } : options as GradOptions;
  const outs = listOf(outputs, "outputs");
  const ins = listOf(inputs, "inputs");
  const gouts = listOf<Tensor | null>(o.grad_outputs as never, "grad_outputs");
  if (gouts.length > 0 && gouts.length !== outs.length) {
    throw new ArgumentError(`grad requires one grad_output per output: got ${gouts.length} grad_outputs and ${outs.length} outputs`, "grad_outputs", "RuntimeError");
  }
  const createGraph = o.create_graph ?? false;
  return computeGrad(outs, ins, gouts, o.retain_graph ?? createGraph, createGraph, o.allow_unused ?? false);
}

/** Keyword arguments of `torch.autograd.backward`. */
export interface BackwardOptions {
  grad_tensors?: MaybeTensors;
  retain_graph?: boolean | null;
  create_graph?: boolean;
  /** Accumulate into these tensors' `.grad` only. */
  inputs?: Tensors | null;
}

/**
 * Backward from several tensors at once: the sum of their gradients is
 * accumulated into the leaves' `.grad`.
 *
 * @example
 * torch.autograd.backward([loss1, loss2]);
 */
export function backward(tensors: Tensors, options: BackwardOptions | MaybeTensors = {}): void {
  const o: BackwardOptions = options === null || options instanceof Tensor || Array.isArray(options)
    ? { grad_tensors: options as MaybeTensors } : options as BackwardOptions;
  const roots = listOf(tensors, "tensors");
  const grads = listOf<Tensor | null>(o.grad_tensors as never, "grad_tensors");
  const createGraph = o.create_graph ?? false;
  const inputs = o.inputs === undefined || o.inputs === null ? undefined : listOf(o.inputs, "inputs");
  runBackward(roots, grads, o.retain_graph ?? createGraph, createGraph, inputs);
}
