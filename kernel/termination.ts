/**
 * Making V8's `terminateExecution` survivable for Node 20.
 *
 * The I/O thread stops code that runs outside `vm` (after an `await`, in a timer callback) with
 * `Runtime.terminateExecution` through the inspector. Termination unwinds without running
 * `finally` blocks, and Node's async-hooks bookkeeping lives in such blocks: the async id stack
 * is left with entries nobody pops. Node then aborts the process ("async hook stack has become
 * corrupted", or `CHECK_EQ(execution_async_id(), 0)`) as soon as hooks are active, and they
 * are, because the kernel's AsyncLocalStorage uses them.
 *
 * So, right before terminating, the I/O thread has the main thread run `prepare()` (an inspector
 * `Runtime.evaluate`, which executes even while user code spins): it turns the storage's hook
 * off and the stack-consistency check with it. After the termination, the next message the main
 * thread handles calls `recover()`: it empties the async id stack, restores the check, turns the
 * storage back on, and re-arms the timer list (a timer callback cut short never told libuv when
 * the next timer is due).
 *
 * This uses `process.binding("async_wrap")`, which Node 20 still exposes. Where it is missing,
 * `supported()` is false and the I/O thread never terminates (interrupts then rely on SIGINT,
 * which covers synchronous cell code and pending awaits).
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import { PREPARE_TERMINATION } from "./bridge.js";
import { log } from "./log.js";
import { native } from "./timers.js";

interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  clearAsyncIdStack(): void;
  constants: { kCheck: number };
}


function loadBinding(): AsyncWrapBinding | undefined {
  const previous = process.noDeprecation;
  process.noDeprecation = true; // DEP0111 would otherwise land in a cell's stderr
  try {
    const binding = (process as unknown as { binding(name: string): unknown }).binding("async_wrap") as AsyncWrapBinding;
    if (binding?.async_hook_fields instanceof Uint32Array && typeof binding.clearAsyncIdStack === "function" && typeof binding.constants?.kCheck === "number") {
      return binding;
    }
  } catch {
    // not available on this Node
  } finally {
    process.noDeprecation = previous;
  }
  return undefined;
}

export class TerminationGuard {
  private readonly binding = loadBinding();
  private savedCheck: number | undefined;
  private readonly sigintListeners: (() => void)[] = [];

  /** `storage`: the AsyncLocalStorage whose hook must be off while a terminated execution unwinds, if any. */
  constructor(private readonly storage?: AsyncLocalStorage<unknown>) {}

  supported(): boolean {
    return this.binding !== undefined;
  }

  /**
   * Listens for SIGINT, and keeps listening across terminations: `vm` takes every SIGINT
   * listener away while it runs code with `breakOnSigint` and puts them back in a `finally`,
   * which a terminated execution never reaches. Without a listener the next SIGINT would kill
   * the process.
   */
  listenForSigint(listener: () => void): void {
    this.sigintListeners.push(listener);
    process.on("SIGINT", listener);
  }

  /** Registers `prepare` where the I/O thread's evaluate finds it. */
  install(): void {
    if (!this.binding) return;
    (globalThis as Record<symbol, unknown>)[PREPARE_TERMINATION] = () => this.prepare();
  }

  /** Runs inside the main thread while user code spins, just before the termination. */
  prepare(): boolean {
    if (!this.binding || this.savedCheck !== undefined) return false;
    this.storage?.disable();
    const fields = this.binding.async_hook_fields;
    const kCheck = this.binding.constants.kCheck;
    this.savedCheck = fields[kCheck]!;
    fields[kCheck] = 0;
    return true;
  }

  /** Called at the start of every message the main thread handles; cheap when nothing was prepared. */
  recover(): void {
    if (!this.binding || this.savedCheck === undefined) return;
    this.binding.clearAsyncIdStack();
    this.binding.async_hook_fields[this.binding.constants.kCheck] = this.savedCheck;
    this.savedCheck = undefined;
    this.storage?.enterWith(undefined);
    const present = process.listeners("SIGINT");
    for (const listener of this.sigintListeners) if (!present.includes(listener)) process.on("SIGINT", listener);
    // A new timer list (an unused fractional duration) makes Node schedule libuv's timer again.
    native.setTimeout(() => {}, 1 + Math.random() / 1000);
    log.info("recovered from a terminated execution");
  }
}
