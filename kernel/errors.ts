/**
 * Errors raised by the kernel and the CLI (as opposed to the runtime's errors in `src/errors.ts`).
 *
 * Like the runtime, each error's `name` is what a notebook shows as the error name, and the
 * numbers or paths behind the message are kept as fields.
 */

/** A command line that cannot be understood: shown with the usage text, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A connection file that is missing, unreadable or lacks a field the kernel needs. */
export class ConnectionFileError extends Error {
  constructor(
    message: string,
    readonly path: string | undefined,
  ) {
    super(message);
    this.name = "ConnectionFileError";
  }
}

/**
 * `prompt()`/`input()` called while the frontend said it cannot answer input requests
 * (`allow_stdin: false`), as ipykernel raises `StdinNotImplementedError`.
 */
export class StdinNotImplementedError extends Error {
  constructor(message = "prompt() and input() are not available: this frontend does not support input requests") {
    super(message);
    this.name = "StdinNotImplementedError";
  }
}

/** The user interrupted the running cell (interrupt_request or SIGINT). */
export class KeyboardInterrupt extends Error {
  constructor(message = "") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/** `process.exit()` called from a cell: the kernel refuses to die and reports this instead. */
export class SystemExit extends Error {
  constructor(readonly code: number | string | undefined) {
    super(
      `process.exit(${code ?? ""}) was called in a cell; the kernel keeps running ` +
        "(use the frontend's restart to start over)",
    );
    this.name = "SystemExit";
  }
}

/**
 * A cell stopped because the JavaScript heap grew past the kernel's limit (Python's
 * `MemoryError`). The kernel and the variables defined so far survive.
 */
export class MemoryError extends Error {
  constructor(
    readonly usedBytes: number,
    readonly limitBytes: number,
    readonly v8LimitBytes: number,
  ) {
    super(
      `the cell was stopped: the JavaScript heap reached ${formatBytes(usedBytes)}, over the kernel's limit of ${formatBytes(limitBytes)} ` +
        `(V8 itself would end the process at ${formatBytes(v8LimitBytes)})`,
    );
    this.name = "MemoryError";
  }
}

/** `1.50 GiB`, `512 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
