/**
 * Everything the main thread publishes on IOPub goes through here, so that stream text and
 * other messages keep their order.
 *
 * Stream text (console.*, process.stdout/stderr.write) is coalesced: consecutive writes to the
 * same stream of the same cell become one `stream` message, sent when 64 KiB have gathered,
 * when the oldest pending text is 50 ms old (checked on every write, so a synchronous loop
 * that prints progress still shows it), on a short timer, or before any other message.
 *
 * Each request may print at most `TSORCH_MAX_OUTPUT` characters (default 1,000,000); beyond
 * that the text is counted and dropped, with a note, so a cell printing 100 MB cannot take the
 * kernel or the frontend down.
 */
import { writeSync } from "node:fs";
import { outputContext, type RequestContext } from "./context.js";
import { log } from "./log.js";
import type { Header, JSONObject, ParentHeader } from "./messages.js";
import { native } from "./timers.js";

export type StreamName = "stdout" | "stderr";

/** Sends one IOPub message (implemented by the kernel: a post to the I/O thread). */
export type Publish = (msgType: string, content: object, parent: ParentHeader, extra?: { metadata?: JSONObject; buffers?: Uint8Array[] }) => void;

interface PendingChunk {
  parent: Header;
  name: StreamName;
  text: string;
}

const FLUSH_CHARS = 64 * 1024;
const FLUSH_AGE_MS = 50;

export function outputLimit(): number {
  const raw = Number(process.env.TSORCH_MAX_OUTPUT);
  return Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : 1_000_000;
}

export class OutputRouter {
  private pending: PendingChunk[] = [];
  private pendingChars = 0;
  private oldest = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: Publish,
    /** Where text goes when no request ever ran (the kernel process's own stdio). */
    private readonly fallback: (name: StreamName, text: string) => void,
    readonly limit = outputLimit(),
  ) {}

  /** Appends stream text for `context` (by default the request whose code is running). */
  write(name: StreamName, text: string, context: RequestContext | undefined = outputContext()): void {
    if (text.length === 0) return;
    if (!context) return this.fallback(name, text);
    if (context.silent) return;
    const room = this.limit - context.outputChars;
    if (room <= 0) {
      context.droppedChars += text.length;
      return;
    }
    let piece = text;
    if (text.length > room) {
      piece = text.slice(0, room);
      context.droppedChars += text.length - room;
    }
    context.outputChars += piece.length;
    this.append(context.parent, name, piece);
    if (context.outputChars >= this.limit && !context.truncationNoted) {
      context.truncationNoted = true;
      this.append(
        context.parent,
        "stderr",
        `\n[tsorch] output truncated: this cell reached the limit of ${this.limit.toLocaleString("en-US")} characters ` +
          "(TSORCH_MAX_OUTPUT); further output is dropped.\n",
      );
    }
    if (this.pendingChars >= FLUSH_CHARS || performance.now() - this.oldest >= FLUSH_AGE_MS) this.flush();
    else this.scheduleFlush();
  }

  /** Publishes a non-stream message after any stream text written before it. */
  publish(msgType: string, content: object, parent: ParentHeader, extra?: { metadata?: JSONObject; buffers?: Uint8Array[] }): void {
    this.flush();
    this.send(msgType, content, parent, extra);
  }

  /** Called when a request's reply is about to go out: says how much was dropped, then flushes. */
  finishRequest(context: RequestContext): void {
    if (context.droppedChars > 0) {
      this.append(
        context.parent,
        "stderr",
        `[tsorch] ${context.droppedChars.toLocaleString("en-US")} characters of output were dropped.\n`,
      );
      context.droppedChars = 0;
    }
    this.flush();
  }

  flush(): void {
    if (this.timer !== undefined) {
      native.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    for (const chunk of chunks) {
      try {
        this.send("stream", { name: chunk.name, text: chunk.text }, chunk.parent);
      } catch (err) {
        log.error("cannot publish stream output:", err);
      }
    }
  }

  private append(parent: Header, name: StreamName, text: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.name === name && last.parent.msg_id === parent.msg_id) last.text += text;
    else {
      if (this.pending.length === 0) this.oldest = performance.now();
      this.pending.push({ parent, name, text });
    }
    this.pendingChars += text.length;
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined) return;
    this.timer = native.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 10);
  }
}

function chunkToString(chunk: unknown, encoding?: unknown): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) {
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString(
      typeof encoding === "string" && Buffer.isEncoding(encoding) ? encoding : "utf8",
    );
  }
  return String(chunk);
}

/**
 * Routes `process.stdout.write` and `process.stderr.write` (and with them the global `console`,
 * which writes through them) into the router.
 */
export function captureProcessOutput(router: OutputRouter): void {
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const write = function (chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      router.write(name, chunkToString(chunk, encoding));
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    };
    Object.defineProperty(stream, "write", { value: write, writable: true, configurable: true });
  }
}

/** The kernel process's own stdout/stderr, bypassing the capture (for output no request owns). */
export function writeToProcess(name: StreamName, text: string): void {
  try {
    writeSync(name === "stdout" ? 1 : 2, text);
  } catch {
    // the descriptor is closed: drop it
  }
}
