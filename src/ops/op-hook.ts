/**
 * The op hook: how the shape tracer sees functional ops (`F.relu`,
 * `F.max_pool2d`), views (`x.view(-1, 400)`, `torch.flatten`) and torch ops
 * (`add`, `matmul`, `cat`) called inside a module's `forward`, which module
 * hooks alone never see.
 *
 * Each such op is exported wrapped in {@link hooked}. While nobody listens
 * the wrapper costs one counter check and a direct call. While a listener is
 * installed (the shape tracer, during a module call), the outermost hooked op
 * of a call chain is reported on entry and on exit; ops it calls internally
 * (the `view` inside `F.linear`, the `max_pool2d` behind
 * `max_pool2d_with_indices`) run unreported, folded into the outer op.
 *
 * The third argument of `hooked` reads the op's recorded arguments into a
 * call of its op family (src/shape/descriptor.ts): what the trace shows, the
 * size rule the symbolic replay runs and the story an explanation tells.
 *
 * This file imports only types, so any runtime file can use it without
 * creating an import cycle.
 *
 * @example
 * export const relu = hooked("F.relu", function relu(input: Tensor, inplace = false): Tensor { ... }, describeElementwise());
 *
 * const stop = addOpListener({
 *   onOpEnter: (name, args) => ({ name, t0: performance.now() }),
 *   onOpExit: (token, output, error) => console.log(token, output),
 * });
 */

import type { Describer } from "../shape/descriptor.js";

/** Receives hooked ops as they start and end. */
export interface OpListener {
  /**
   * Called before the op runs with its name, arguments (do not keep or
   * change the array) and describer (null for ops without a family). Whatever
   * it returns comes back in `onOpExit`.
   */
  onOpEnter(name: string, args: readonly unknown[], describe: Describer | null): unknown;
  /** Called after the op returned (`output`) or threw (`error`, with `failed` true). */
  onOpExit(token: unknown, output: unknown, error: unknown, failed: boolean): void;
}

/**
 * The counters the wrappers read: `listening` (listeners installed) and
 * `depth` (hooked ops currently running). An object with two number fields
 * keeps the check a single monomorphic load.
 */
const state = { listening: 0, depth: 0 };
let listeners: OpListener[] = [];

/**
 * Subscribes to hooked ops; returns the function that unsubscribes (calling
 * it twice is harmless).
 */
export function addOpListener(listener: OpListener): () => void {
  listeners = [...listeners, listener];
  state.listening = listeners.length;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    listeners = listeners.filter((l) => l !== listener);
    state.listening = listeners.length;
  };
}

/** True while a hooked op is running (a module call made from inside an op is part of that op). */
export function insideHookedOp(): boolean {
  return state.depth > 0;
}

/**
 * Forgets running ops; only for a host that abandoned a computation without
 * unwinding it (normal returns and throws already restore the depth).
 */
export function resetOpHook(): void {
  state.depth = 0;
}

/**
 * Marks the start of a stretch whose ops are not reported (a leaf layer's
 * insides: the `F.conv2d` inside `Conv2d` belongs to the layer's row). Ops
 * inside it run as plain calls, as if an outer op were running. Pair with
 * {@link exitOpaque}.
 */
export function enterOpaque(): void {
  state.depth++;
}

/** Ends a stretch started by {@link enterOpaque}. */
export function exitOpaque(): void {
  if (state.depth > 0) state.depth--;
}

/** Runs `fn` reported to the one listener (the common case, without allocating). */
function callReportedOne(listener: OpListener, name: string, describe: Describer | null, fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const token = listener.onOpEnter(name, args, describe);
  state.depth++;
  let output: unknown;
  try {
    output = fn.apply(self, args);
  } catch (e) {
    state.depth--;
    listener.onOpExit(token, undefined, e, true);
    throw e;
  }
  state.depth--;
  listener.onOpExit(token, output, undefined, false);
  return output;
}

/** Runs `fn` as a reported op (the slow path of {@link hooked}). */
function callReported(name: string, describe: Describer | null, fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const current = listeners;
  if (current.length === 1) return callReportedOne(current[0]!, name, describe, fn, self, args);
  const tokens = current.map((l) => l.onOpEnter(name, args, describe));
  state.depth++;
  let output: unknown;
  try {
    output = fn.apply(self, args);
  } catch (e) {
    state.depth--;
    for (let i = 0; i < current.length; i++) current[i]!.onOpExit(tokens[i], undefined, e, true);
    throw e;
  }
  state.depth--;
  for (let i = 0; i < current.length; i++) current[i]!.onOpExit(tokens[i], output, undefined, false);
  return output;
}

/**
 * Wraps an op so listeners can see it. The wrapper keeps the function's
 * name, its `this` and its TypeScript signature (overloads included).
 * `describe` reads the recorded arguments into the op's family call.
 *
 * @example
 * export const view = hooked("view", function view(x: Tensor, shape: readonly number[]): Tensor { ... }, describeView("view"));
 */
export function hooked<F extends (...args: any[]) => any>(name: string, fn: F, describe: Describer | null = null): F {
  const impl = fn as unknown as (...args: unknown[]) => unknown;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    // Nobody listens, or an outer hooked op is running (this one is part of it): a plain call.
    if (state.listening === 0 || state.depth !== 0) return impl.apply(this, args);
    return callReported(name, describe, impl, this, args);
  };
  Object.defineProperty(wrapper, "name", { value: fn.name, configurable: true });
  Object.defineProperty(wrapper, "length", { value: fn.length, configurable: true });
  Object.defineProperty(wrapper, "opName", { value: name });
  return wrapper as unknown as F;
}
