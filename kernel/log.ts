/**
 * Kernel diagnostics. They go straight to file descriptor 2 with `fs.writeSync`, never through
 * `process.stderr.write` (which the kernel redirects into cells' output) nor through a worker's
 * proxied stderr (which waits for the main thread, and the main thread may be running a cell).
 *
 * `TSORCH_LOG=debug|info|warn|error|silent` chooses how much is written (default `warn`).
 */
import { writeSync } from "node:fs";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

function configuredLevel(): number {
  const name = (process.env.TSORCH_LOG ?? "warn").toLowerCase();
  return name in LEVELS ? LEVELS[name as LogLevel] : LEVELS.warn;
}

const threshold = configuredLevel();

function write(level: LogLevel, parts: unknown[]): void {
  if (LEVELS[level] < threshold) return;
  const text = parts.map((p) => (p instanceof Error ? (p.stack ?? String(p)) : String(p))).join(" ");
  writeAll(Buffer.from(`[tsorch ${level}] ${text}\n`));
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Node makes a piped stderr non-blocking, so a burst of diagnostics (a flood of bad messages)
 * meets a full pipe: wait for the reader up to a second rather than lose lines.
 */
function writeAll(bytes: Buffer): void {
  let waited = 0;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(2, bytes));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || waited >= 1000) return; // stderr closed, or nobody reads it
      Atomics.wait(pause, 0, 0, 1);
      waited += 1;
    }
  }
}

export const log = {
  debug: (...parts: unknown[]) => write("debug", parts),
  info: (...parts: unknown[]) => write("info", parts),
  warn: (...parts: unknown[]) => write("warn", parts),
  error: (...parts: unknown[]) => write("error", parts),
  enabled: (level: LogLevel) => LEVELS[level] >= threshold,
};
