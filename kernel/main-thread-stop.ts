/**
 * Stopping the main thread's current JavaScript from another thread, for code no SIGINT reaches
 * (a loop after an `await`, a busy timer callback). Used by the kernel's I/O thread and by the
 * REPL's interrupt thread.
 *
 * An inspector session connected to the main thread delivers its messages even while that
 * thread spins. The first one runs `prepare` there (see `termination.ts`, which makes the
 * termination survivable), the second is V8's `terminateExecution`.
 *
 * @example
 * const stopper = new MainThreadStopper();
 * stopper.stop();        // from a worker thread
 * stopper.disconnect();  // when done: a connected session makes Node wait for a debugger at exit
 */
import { Session } from "node:inspector";
import { PREPARE_EXPRESSION } from "./bridge.js";

export class MainThreadStopper {
  private session: Session | undefined;

  /** Stops whatever the main thread is running now. Throws if the inspector cannot be reached. */
  stop(): void {
    if (!this.session) {
      const session = new Session();
      session.connectToMainThread();
      this.session = session;
    }
    this.session.post("Runtime.evaluate", { expression: PREPARE_EXPRESSION });
    this.session.post("Runtime.terminateExecution");
  }

  disconnect(): void {
    try {
      this.session?.disconnect();
    } catch {
      // already gone
    }
    this.session = undefined;
  }
}
