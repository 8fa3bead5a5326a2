/**
 * `prompt()` / `input()` for cells: ask the frontend for a line of text and wait for it.
 *
 * Cells run synchronously on the main thread, so the wait is synchronous too: the request goes
 * to the I/O thread, which sends `input_request` on the stdin socket; the main thread sleeps in
 * `Atomics.wait` until the I/O thread has posted the `input_reply` value (or an interrupt).
 *
 * @example
 * const name = input("Your name: ");
 * const secret = input("Token: ", { password: true });
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { Slot, StdinState, type StdinReply, type ToWorker } from "./bridge.js";
import { currentContext } from "./context.js";
import { KeyboardInterrupt, StdinNotImplementedError } from "./errors.js";

export interface InputOptions {
  /** Ask the frontend to hide what is typed. */
  password?: boolean;
}

export class StdinClient {
  constructor(
    private readonly shared: Int32Array,
    private readonly port: MessagePort,
    private readonly post: (message: ToWorker) => void,
    /** Flushes pending output so the text printed before the prompt shows first. */
    private readonly flush: () => void,
  ) {}

  /** Blocks until the frontend answers; throws StdinNotImplementedError when it cannot. */
  request(prompt = "", options: InputOptions = {}): string {
    const context = currentContext();
    if (!context) throw new StdinNotImplementedError("input() can only be called while a cell is running");
    if (!context.options.allowStdin) throw new StdinNotImplementedError();
    if (context.finished) throw new StdinNotImplementedError("input() can only be called while its cell is running, not from a callback that outlived it");
    while (receiveMessageOnPort(this.port)) {
      // drop a reply left over from an interrupted request
    }
    this.flush();
    Atomics.store(this.shared, Slot.STDIN, StdinState.WAITING);
    this.post({
      kind: "input_request",
      prompt: String(prompt),
      password: Boolean(options.password),
      parent: context.parent,
      identities: context.identities,
    });
    for (;;) {
      const state = Atomics.load(this.shared, Slot.STDIN);
      if (state === StdinState.REPLIED) {
        const received = receiveMessageOnPort(this.port) as { message: StdinReply } | undefined;
        Atomics.store(this.shared, Slot.STDIN, StdinState.IDLE);
        return received?.message.value ?? "";
      }
      if (state === StdinState.INTERRUPTED) {
        Atomics.store(this.shared, Slot.STDIN, StdinState.IDLE);
        throw new KeyboardInterrupt("interrupted while waiting for input");
      }
      if (state === StdinState.CLOSED) throw new StdinNotImplementedError("the kernel is shutting down");
      Atomics.wait(this.shared, Slot.STDIN, state, 100);
    }
  }
}
