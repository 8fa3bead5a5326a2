/**
 * `tensor.register_hook(fn)`: `fn(grad)` runs when the gradient of the
 * tensor has been computed, before it is used; returning a tensor replaces
 * the gradient. On a leaf the hook runs before the gradient is added to
 * `.grad`; on a non-leaf, before the gradient flows into the node that
 * produced the tensor.
 *
 * @example
 * const x = torch.ones(3).requires_grad_();
 * const h = x.register_hook((g) => g.mul(2));
 * x.sum().backward();
 * x.grad          // tensor([2., 2., 2.])
 * h.remove();
 */
import { AutogradError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type HookHandle, accumulatorOf } from "./graph.js";

/** A tensor hook: gets the gradient; may return a replacement. */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined | null;

/** Registers `hook` on the gradient of `t`; returns a handle whose `remove()` unregisters it. */
export function registerTensorHook(t: Tensor, hook: TensorHook): HookHandle {
  if (typeof hook !== "function") throw new AutogradError("register_hook expects a function");
  if (!t.requires_grad) throw new AutogradError("cannot register a hook on a tensor that doesn't require gradient");
  const node = t.grad_fn ?? accumulatorOf(t);
  const nr = t.grad_fn ? t.output_nr : 0;
  return node.register_prehook((grads) => {
    const g = grads[nr];
    if (!g) return;
    const replaced = hook(g);
    if (!replaced) return;
    const out = grads.slice();
    out[nr] = replaced;
    return out;
  });
}
