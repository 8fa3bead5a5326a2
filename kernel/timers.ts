/**
 * Timers started by cells, tracked so that an interrupt can stop them.
 *
 * The global `setTimeout`, `setInterval` and `setImmediate` are wrapped: a timer created while a
 * request runs (or from a callback that request started, thanks to AsyncLocalStorage) is
 * remembered with its request until it fires or is cleared. An error thrown by its callback is
 * reported to that request's output instead of killing the process.
 *
 * The kernel's own code uses `native.*`, captured before the wrapping.
 */
import { promisify } from "node:util";
import { currentContext, type RequestContext } from "./context.js";

export const native = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
};

type Kind = "timeout" | "interval" | "immediate";
type AnyFunction = (...args: unknown[]) => unknown;

export class TimerRegistry {
  private readonly live = new Map<unknown, { kind: Kind; context: RequestContext }>();

  constructor(private readonly onError: (error: unknown, context: RequestContext) => void) {}

  /** How many cell timers are pending. */
  get size(): number {
    return this.live.size;
  }

  /** Timers still pending for one request. */
  countFor(context: RequestContext): number {
    let n = 0;
    for (const entry of this.live.values()) if (entry.context === context) n++;
    return n;
  }

  /** Clears every tracked timer (of `context` only, when given); returns how many were cleared. */
  clear(context?: RequestContext): number {
    let n = 0;
    for (const [handle, entry] of this.live) {
      if (context && entry.context !== context) continue;
      this.live.delete(handle);
      if (entry.kind === "immediate") native.clearImmediate(handle as NodeJS.Immediate);
      else native.clearTimeout(handle as NodeJS.Timeout);
      n++;
    }
    return n;
  }

  /** Replaces the global timer functions with tracking ones (idempotent). */
  install(): void {
    if ((globalThis.setTimeout as { tracked?: boolean }).tracked) return;
    const registry = this;
    const run = (callback: AnyFunction, self: unknown, args: unknown[], context: RequestContext) => {
      try {
        return callback.apply(self, args);
      } catch (error) {
        registry.onError(error, context);
        return undefined;
      }
    };

    function setTimeout(callback: AnyFunction, delay?: number, ...args: unknown[]) {
      const context = currentContext();
      if (!context || typeof callback !== "function") return native.setTimeout(callback, delay, ...args);
      const handle: NodeJS.Timeout = native.setTimeout(function (this: unknown, ...a: unknown[]) {
        registry.live.delete(handle);
        return run(callback, this, a, context);
      }, delay, ...args);
      registry.live.set(handle, { kind: "timeout", context });
      return handle;
    }
    function setInterval(callback: AnyFunction, delay?: number, ...args: unknown[]) {
      const context = currentContext();
      if (!context || typeof callback !== "function") return native.setInterval(callback, delay, ...args);
      const handle = native.setInterval(function (this: unknown, ...a: unknown[]) {
        return run(callback, this, a, context);
      }, delay, ...args);
      registry.live.set(handle, { kind: "interval", context });
      return handle;
    }
    function setImmediate(callback: AnyFunction, ...args: unknown[]) {
      const context = currentContext();
      if (!context || typeof callback !== "function") return native.setImmediate(callback, ...args);
      const handle: NodeJS.Immediate = native.setImmediate(function (this: unknown, ...a: unknown[]) {
        registry.live.delete(handle);
        return run(callback, this, a, context);
      }, ...args);
      registry.live.set(handle, { kind: "immediate", context });
      return handle;
    }
    function clearTimeout(handle: unknown) {
      registry.live.delete(handle);
      native.clearTimeout(handle as NodeJS.Timeout);
    }
    function clearInterval(handle: unknown) {
      registry.live.delete(handle);
      native.clearInterval(handle as NodeJS.Timeout);
    }
    function clearImmediate(handle: unknown) {
      registry.live.delete(handle);
      native.clearImmediate(handle as NodeJS.Immediate);
    }
    // `util.promisify(setTimeout)` keeps working (untracked, like any promise the cell awaits).
    for (const [wrapped, original] of [
      [setTimeout, native.setTimeout],
      [setImmediate, native.setImmediate],
    ] as const) {
      Object.defineProperty(wrapped, promisify.custom, {
        value: (original as unknown as Record<symbol, unknown>)[promisify.custom],
      });
    }
    Object.defineProperty(setTimeout, "tracked", { value: true });
    const g = globalThis as unknown as Record<string, unknown>;
    Object.assign(g, { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate });
  }
}
