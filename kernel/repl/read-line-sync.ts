/**
 * `input()` in the REPL: a cell reads one line from the terminal and waits for it, as Python's
 * `input` does. The terminal is put in raw mode and keys are handled here (typing, Backspace,
 * Enter, Ctrl+C, Ctrl+D), so a password can be read without echo.
 *
 * @example
 * const name = readLineSync(process.stdin, process.stdout, "name? ", false);
 */
import { readSync } from "node:fs";
import type { ReadStream } from "node:tty";
import { KeyboardInterrupt, StdinNotImplementedError } from "../errors.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function readLineSync(input: NodeJS.ReadStream, output: { write(text: string): unknown }, prompt: string, password: boolean): string {
  if (!input.isTTY) throw new StdinNotImplementedError("input() needs an interactive terminal; the REPL's input is not one");
  const tty = input as unknown as ReadStream;
  const wasRaw = tty.isRaw;
  tty.setRawMode(true);
  output.write(prompt);
  const bytes: number[] = [];
  const buffer = Buffer.alloc(64);
  // Echoes multi-byte characters once their last byte has arrived.
  const echo = new TextDecoder("utf-8");
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync((input as unknown as { fd?: number }).fd ?? 0, buffer, 0, buffer.length, null);
      } catch (err) {
        // libuv may have made the descriptor non-blocking: wait a little and read again.
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
          Atomics.wait(sleeper, 0, 0, 20);
          continue;
        }
        throw err;
      }
      if (n === 0) return finish();
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) return finish();
        if (byte === 0x03) {
          output.write("^C\n");
          throw new KeyboardInterrupt("input() interrupted");
        }
        if (byte === 0x04 && bytes.length === 0) return finish();
        if (byte === 0x7f || byte === 0x08) {
          if (bytes.length === 0) continue;
          // Drop a whole UTF-8 character: its continuation bytes, then its lead byte.
          while (bytes.length > 0 && (bytes[bytes.length - 1]! & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
          if (!password) output.write("\b \b");
          continue;
        }
        if (byte < 0x20) continue;
        bytes.push(byte);
        if (!password) output.write(echo.decode(Uint8Array.of(byte), { stream: true }));
      }
    }
  } finally {
    tty.setRawMode(wasRaw);
  }

  function finish(): string {
    output.write("\n");
    return Buffer.from(bytes).toString("utf8");
  }
}
