/**
 * Python's `warnings.warn` for the runtime: PyTorch warns (rather than
 * raises) when a loss target's size differs from the input's, when a
 * non-leaf tensor's `.grad` is read, when deprecated arguments are used.
 *
 * A warning goes to the listeners registered with `onWarning`; with none,
 * to the process's "warning" listeners, at once (Node prints them as
 * "(node:…) UserWarning: …"; the notebook kernel writes "UserWarning: …" into
 * the cell that caused it, as Python does). As with Python's default filter,
 * a warning is shown once per message until `resetWarnings()`.
 *
 * @example
 * const seen = catch_warnings(() => F.mse_loss(torch.randn(1, 10), torch.randn(10)));
 * seen[0].category   // "UserWarning"
 * seen[0].message    // "Using a target size (torch.Size([10])) that is different to the input size ..."
 */

/** Python's warning categories that PyTorch uses. */
export type WarningCategory = "UserWarning" | "DeprecationWarning" | "FutureWarning" | "RuntimeWarning";

/** One warning as Python's `warnings.WarningMessage` reports it. */
export interface WarningRecord {
  message: string;
  category: WarningCategory;
}

type Listener = (w: WarningRecord) => void;

const listeners = new Set<Listener>();
const shown = new Set<string>();
/** Active `catch_warnings` recorders, innermost last; they see every warning (Python's "always" filter). */
const recorders: WarningRecord[][] = [];

/**
 * Issues a warning. Inside `catch_warnings` it is recorded (every time);
 * otherwise it is shown once per message and category.
 */
export function warn(message: string, category: WarningCategory = "UserWarning"): void {
  const w = { message, category };
  const rec = recorders[recorders.length - 1];
  if (rec) {
    rec.push(w);
    return;
  }
  const key = `${category}: ${message}`;
  if (shown.has(key)) return;
  shown.add(key);
  if (listeners.size === 0) {
    emitNow(message, category);
    return;
  }
  for (const l of listeners) l(w);
}

/** Registers `listener` for the warnings shown from now on; returns a function that removes it. */
export function onWarning(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Forgets which warnings were shown, so that each is shown again once. */
export function resetWarnings(): void {
  shown.clear();
}

/**
 * `with warnings.catch_warnings(record=True): warnings.simplefilter("always")`:
 * runs `fn` and returns every warning it issued (they are not shown).
 */
export function catch_warnings(fn: () => unknown): WarningRecord[] {
  const rec: WarningRecord[] = [];
  recorders.push(rec);
  try {
    fn();
  } finally {
    recorders.pop();
  }
  return rec;
}

/** PyTorch's warning when `.grad` is read on a non-leaf tensor that does not retain its gradient. */
export const NON_LEAF_GRAD_WARNING =
  "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be " +
  "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, " +
  "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the " +
  "leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered internally at  " +
  "./build/aten/src/ATen/core/TensorBody.h:480.)";

export function warnNonLeafGrad(): void {
  warn(NON_LEAF_GRAD_WARNING);
}

/**
 * Hands the warning to the process's "warning" listeners at once.
 * `process.emitWarning` would deliver it on the next tick, after the notebook
 * cell that caused it has finished, so it would be shown under the wrong cell.
 */
function emitNow(message: string, category: WarningCategory): void {
  const w = new Error(message);
  w.name = category;
  if (process.listenerCount("warning") === 0) {
    process.emitWarning(w);
    return;
  }
  process.emit("warning", w);
}
