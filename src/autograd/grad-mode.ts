/**
 * Whether ops record the autograd graph. PyTorch uses a thread-local flag and
 * `with torch.no_grad():`; JavaScript has one thread per realm and no `with`,
 * so the flag is module state and the context managers take a callback.
 *
 * @example
 * const y = torch.no_grad(() => w.mul(2));   // y.requires_grad === false
 */
let enabled = true;

export function is_grad_enabled(): boolean {
  return enabled;
}

/** Sets the flag and returns its previous value. */
export function set_grad_enabled(mode: boolean): boolean {
  const previous = enabled;
  enabled = mode;
  return previous;
}

/**
 * Runs `fn` with the flag set to `mode`, restoring it afterwards, also when
 * `fn` throws or (for an async `fn`) when its promise settles.
 */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = set_grad_enabled(mode);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = previous;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => { enabled = previous; }) as T;
  }
  enabled = previous;
  return result;
}

/** `with torch.no_grad():` — run `fn` without recording the graph. */
export function no_grad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** `with torch.enable_grad():` — run `fn` recording the graph, even inside `no_grad`. */
export function enable_grad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
