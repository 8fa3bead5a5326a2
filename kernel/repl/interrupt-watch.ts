/**
 * Ctrl+C for REPL input, including input that spins after an `await`.
 *
 * The main thread handles what it can reach: synchronous code stops through `breakOnSigint`,
 * and a pending `await` is abandoned by the evaluator's SIGINT listener. For code that spins
 * after an `await`, no listener ever runs; a second thread (`interrupt-thread.ts`) notices that
 * the SIGINT went unanswered and stops the main thread's current execution, as the kernel's
 * I/O thread does. Variables defined so far are kept either way.
 *
 * When it had to stop the main thread that way, the thread says so with a message; the main
 * thread then makes the evaluator end the input (`onTerminated`, normally `abortPending`).
 *
 * @example
 * const interrupter = new InputInterrupter(() => evaluator.abortPending());
 * interrupter.start();
 * const evaluator = await loadEvaluator({ ..., onCompiling: interrupter.onCompiling });
 * const outcome = await interrupter.run(() => evaluator.execute(code, count));
 */
import { Worker } from "node:worker_threads";
import { TerminationGuard } from "../termination.js";
import { REPL_SLOTS, ReplSlot } from "./interrupt-slots.js";

/** Defined (true) in the bundled CLI (scripts/bundle.mjs), whose chunks sit in dist/kernel/ beside the thread's own bundle. */
declare const TSORCH_BUNDLE: boolean | undefined;
const INTERRUPT_THREAD = typeof TSORCH_BUNDLE !== "undefined" && TSORCH_BUNDLE ? "./interrupt-thread.bundle.js" : "./interrupt-thread.js";

export class InputInterrupter {
  private readonly shared = new Int32Array(new SharedArrayBuffer(REPL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly guard = new TerminationGuard();
  private worker: Worker | undefined;

  constructor(private readonly onTerminated: () => void) {}

  /** The evaluator's `onCompiling`: compiling is protected from termination, running code is not. */
  readonly onCompiling = (compiling: boolean): void => void Atomics.add(this.shared, ReplSlot.PROTECTED, compiling ? 1 : -1);

  /** The main thread's SIGINT listener: proof that it is responsive, and the place to recover from a termination. */
  private readonly onSignal = (): void => {
    Atomics.store(this.shared, ReplSlot.PENDING, 0);
    this.guard.recover();
  };

  /**
   * Listens for SIGINT for the REPL's whole life (one arriving between inputs, from `kill -INT`
   * or a Ctrl+C racing the end of an input, must not end it) and starts the interrupt thread
   * where a terminated execution can be recovered from.
   */
  start(): void {
    this.guard.listenForSigint(this.onSignal);
    if (!this.guard.supported()) return;
    this.guard.install();
    try {
      this.worker = new Worker(new URL(INTERRUPT_THREAD, import.meta.url), { workerData: { shared: this.shared.buffer } });
      // The REPL leaves when the user does, whatever this thread is doing.
      this.worker.unref();
      this.worker.on("error", () => (this.worker = undefined));
      this.worker.on("message", () => {
        this.guard.recover();
        this.onTerminated();
      });
    } catch {
      this.worker = undefined;
    }
  }

  /** True once Ctrl+C can stop input that spins after an `await`. */
  get watching(): boolean {
    return Atomics.load(this.shared, ReplSlot.WATCHING) === 1;
  }

  /** Runs one input, with Ctrl+C watched for. */
  async run<T>(execute: () => Promise<T>): Promise<T> {
    this.guard.recover();
    Atomics.store(this.shared, ReplSlot.PENDING, 0);
    Atomics.store(this.shared, ReplSlot.RUNNING, 1);
    try {
      return await execute();
    } finally {
      Atomics.store(this.shared, ReplSlot.RUNNING, 0);
      this.guard.recover();
    }
  }

  dispose(): void {
    process.off("SIGINT", this.onSignal);
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
