/**
 * The kernel's preloaded functions as the terminal REPL provides them, with the same names and
 * types (`preload.ts` declares them for both): `display` draws a value in the terminal (images
 * as half-blocks), `updateDisplay` draws the new value, `input` reads a line from the terminal,
 * `help` prints, `exit`/`quit` leave the REPL. Comms need a Jupyter frontend and say so.
 *
 * @example
 * const globals = replGlobals({ write: (t) => process.stdout.write(t), show, readLine, exit });
 * globals.display(torch.randn(2, 2));
 */
import { requestedDisplayId, withShorthands, type DisplayHandle, type DisplayOptions } from "../display.js";
import { describeValue, KERNEL_HELP } from "../pager.js";
import * as widgets from "../widgets/index.js";

export interface ReplHost {
  /** Writes text to the terminal. */
  write(text: string): void;
  /** A value as terminal text (see `show.ts`); `raw` shows strings unquoted. */
  show(value: unknown, raw: boolean): string;
  /** Reads one line typed at the terminal, synchronously (the cell waits). */
  readLine(prompt: string, password: boolean): string;
  /** Leaves the REPL once the running input is done. */
  exit(): void;
}

/** Comms connect kernel code to widgets in a notebook; a terminal has none. */
class NoComms {
  private fail(): never {
    throw new Error("comms need a Jupyter frontend (JupyterLab, Notebook); the terminal REPL has none");
  }
  registerTarget(): void {
    this.fail();
  }
  unregisterTarget(): void {}
  open(): never {
    this.fail();
  }
  get(): undefined {
    return undefined;
  }
}

export function replGlobals(host: ReplHost): Record<string, unknown> {
  const showLine = (value: unknown) => host.write(host.show(value, true).replace(/\n?$/, "\n"));

  const display = withShorthands((value: unknown, options?: DisplayOptions): DisplayHandle | undefined => {
    const id = requestedDisplayId(options);
    showLine(value);
    return id ? { display_id: id, update: (next: unknown) => showLine(next) } : undefined;
  });

  const input = (prompt = "", options: { password?: boolean } = {}) => host.readLine(String(prompt), options.password === true);
  return {
    display,
    updateDisplay: (displayId: string, value: unknown) => {
      if (typeof displayId !== "string" || displayId === "") throw new TypeError("updateDisplay(displayId, value): displayId must be a non-empty string");
      showLine(value);
    },
    // A terminal keeps what it printed; there is no output area to clear.
    clearOutput: () => undefined,
    input,
    prompt: input,
    help: (...args: unknown[]) => host.write((args.length === 0 ? KERNEL_HELP : describeValue(args[0])) + "\n"),
    comms: new NoComms(),
    // Widgets keep their state and observers in a terminal; they have no frontend to show in.
    widgets,
    exit: () => host.exit(),
    quit: () => host.exit(),
  };
}
