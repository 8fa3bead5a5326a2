/**
 * Input history on disk, shared by every kernel of one user and kept across restarts, with
 * IPython's query semantics (tail, range over sessions, glob search).
 *
 * The store is an append-only JSON Lines file (`$TSORCH_HISTORY`, else
 * `$XDG_DATA_HOME/tsorch/history.jsonl`, else `~/.local/share/tsorch/history.jsonl`):
 *
 *     {"t":"s","id":"<uuid>","at":"<date>"}           a kernel session starts
 *     {"t":"i","s":"<uuid>","l":3,"src":"1 + 1"}       input line 3 of that session
 *     {"t":"o","s":"<uuid>","l":3,"out":"2"}           its result, as text/plain
 *
 * Session numbers are the order of the session records, so kernels running at the same time
 * never collide; each append is one small `O_APPEND` write. Lines that do not parse (a crash
 * mid-write) are skipped, and the next kernel ends such a half line before appending. If the
 * file cannot be written (a full disk, a read-only home), history is kept in memory only, with
 * one warning.
 *
 * @example
 * const h = new HistoryStore("/tmp/h.jsonl");
 * h.storeInput(1, "1 + 1"); h.storeOutput(1, "2");
 * h.tail(1, { output: true }); // [[h.session, 1, ["1 + 1", "2"]]]
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { log } from "./log.js";

export interface HistoryEntry {
  session: number;
  line: number;
  source: string;
  output: string | null;
}

/** One row of a history_reply: `[session, line, source]` or `[session, line, [source, output]]`. */
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

export function defaultHistoryFile(): string {
  if (process.env.TSORCH_HISTORY) return process.env.TSORCH_HISTORY;
  const base = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(base, "tsorch", "history.jsonl");
}

/** SQLite GLOB semantics (as IPython's search): `*`, `?`, `[...]`, `[^...]`; case-sensitive; whole string. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith("^");
        if (negate) body = body.slice(1);
        out += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

interface Row {
  session: string;
  line: number;
  source: string;
  output: string | null;
}

export class HistoryStore {
  private readonly id = randomUUID();
  private sessionNumber = 0;
  private started = false;
  private persistent = true;
  /** Everything read from the file so far, plus our own appends. */
  private readonly sessions: string[] = [];
  private readonly rows = new Map<string, Row>();
  private readOffset = 0;

  constructor(readonly file: string = defaultHistoryFile()) {}

  /** This kernel's session number (starting the session on first use). */
  get session(): number {
    this.start();
    return this.sessionNumber;
  }

  storeInput(line: number, source: string): void {
    this.start();
    this.append({ t: "i", s: this.id, l: line, src: source });
    this.rows.set(`${this.id}:${line}`, { session: this.id, line, source, output: null });
  }

  storeOutput(line: number, output: string): void {
    this.start();
    this.append({ t: "o", s: this.id, l: line, out: output });
    const row = this.rows.get(`${this.id}:${line}`);
    if (row) row.output = output;
  }

  /** The last `n` inputs over all sessions, oldest first. */
  tail(n: number, options: { output?: boolean } = {}): HistoryRow[] {
    const all = this.entries();
    return all.slice(Math.max(0, all.length - Math.max(0, n))).map((e) => toRow(e, options.output));
  }

  /**
   * Lines `start <= line < stop` of one session. `session` 0 is the current one and negative
   * values count back from it (-1 is the previous session), as in IPython; `stop` 0 or absent
   * means to the end.
   */
  range(session: number, start = 0, stop?: number | null, options: { output?: boolean } = {}): HistoryRow[] {
    const current = this.session;
    const wanted = session <= 0 ? current + session : session;
    return this.entries()
      .filter((e) => e.session === wanted && e.line >= start && (!stop || e.line < stop))
      .map((e) => toRow(e, options.output));
  }

  /** Inputs matching a glob pattern; `n` keeps the last n matches; `unique` keeps the latest of each source. */
  search(pattern = "*", options: { n?: number | null; unique?: boolean; output?: boolean } = {}): HistoryRow[] {
    const regexp = globToRegExp(pattern);
    let matches = this.entries().filter((e) => regexp.test(e.source));
    if (options.unique) {
      const latest = new Map<string, HistoryEntry>();
      for (const e of matches) {
        latest.delete(e.source);
        latest.set(e.source, e);
      }
      matches = [...latest.values()];
    }
    if (options.n && options.n > 0) matches = matches.slice(Math.max(0, matches.length - options.n));
    return matches.map((e) => toRow(e, options.output));
  }

  /** All entries known, in (session, line) order. */
  entries(): HistoryEntry[] {
    this.start();
    this.readNew();
    const numbers = new Map(this.sessions.map((id, i) => [id, i + 1]));
    const out: HistoryEntry[] = [];
    for (const row of this.rows.values()) {
      const session = numbers.get(row.session);
      if (session !== undefined) out.push({ session, line: row.line, source: row.source, output: row.output });
    }
    return out.sort((a, b) => a.session - b.session || a.line - b.line);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // A kernel killed mid-append leaves half a line: end it, so it does not swallow our first record.
      if (!endsWithNewline(this.file)) appendFileSync(this.file, "\n");
      this.append({ t: "s", id: this.id, at: new Date().toISOString() });
    } catch (err) {
      this.goInMemory(err);
    }
    this.readNew();
    if (!this.sessions.includes(this.id)) this.sessions.push(this.id);
    this.sessionNumber = this.sessions.indexOf(this.id) + 1;
  }

  private append(record: object): void {
    if (!this.persistent) return;
    try {
      appendFileSync(this.file, JSON.stringify(record) + "\n", { mode: 0o600 });
    } catch (err) {
      this.goInMemory(err);
    }
  }

  private goInMemory(err: unknown): void {
    if (!this.persistent) return;
    this.persistent = false;
    log.warn(`history file ${this.file} is not writable (${(err as Error).message}); history is kept in memory only`);
  }

  /** Reads what was appended to the file (by any kernel) since the last read. */
  private readNew(): void {
    if (!this.persistent) return;
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.readOffset) this.readOffset = 0; // truncated by someone: start over
      if (size === this.readOffset) return;
      const buffer = Buffer.alloc(size - this.readOffset);
      let got = 0;
      while (got < buffer.length) {
        const n = readSync(fd, buffer, got, buffer.length - got, this.readOffset + got);
        if (n <= 0) break;
        got += n;
      }
      // Only whole lines: a concurrent append may be half-written.
      const end = buffer.lastIndexOf(0x0a, got - 1);
      if (end < 0) return;
      this.readOffset += end + 1;
      for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) this.ingest(line);
    } finally {
      closeSync(fd);
    }
  }

  private ingest(line: string): void {
    if (!line) return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (record.t === "s" && typeof record.id === "string") {
      if (!this.sessions.includes(record.id)) this.sessions.push(record.id);
    } else if (record.t === "i" && typeof record.s === "string" && typeof record.l === "number" && typeof record.src === "string") {
      const key = `${record.s}:${record.l}`;
      const existing = this.rows.get(key);
      this.rows.set(key, { session: record.s, line: record.l, source: record.src, output: existing?.output ?? null });
    } else if (record.t === "o" && typeof record.s === "string" && typeof record.l === "number" && typeof record.out === "string") {
      const row = this.rows.get(`${record.s}:${record.l}`);
      if (row) row.output = record.out;
    }
  }
}

/** True for a missing or empty file, or one whose last byte is a newline. */
function endsWithNewline(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return true;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function toRow(entry: HistoryEntry, output?: boolean): HistoryRow {
  return output ? [entry.session, entry.line, [entry.source, entry.output]] : [entry.session, entry.line, entry.source];
}
