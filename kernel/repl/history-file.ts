/**
 * The REPL's input history, kept across sessions in a text file, one typed line a line (as
 * Python's and Node's REPLs keep theirs): `$TSORCH_REPL_HISTORY` if set (an empty value turns
 * saving off), else `$XDG_DATA_HOME/tsorch/repl_history` (`~/.local/share/tsorch/repl_history`).
 *
 * Lines are appended as they are entered, so several REPLs open at once all keep theirs; the
 * file is cut back to the newest `limit` lines when a REPL starts.
 *
 * @example
 * const history = new HistoryFile(historyPath(), 1000);
 * readline.createInterface({ history: history.load(), ... });
 * history.append("torch.zeros(2, 3)");
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Where the history lives, or undefined when saving it is turned off. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TSORCH_REPL_HISTORY !== undefined) return env.TSORCH_REPL_HISTORY.trim() === "" ? undefined : env.TSORCH_REPL_HISTORY;
  const data = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(data, "tsorch", "repl_history");
}

export class HistoryFile {
  private last: string | undefined;
  /** Set when the file could not be written; the REPL goes on without saving. */
  problem: string | undefined;

  constructor(
    readonly path: string | undefined,
    readonly limit = 1000,
  ) {}

  /** The saved lines, newest first (readline's order), trimming the file to `limit`. */
  load(): string[] {
    if (!this.path || !existsSync(this.path)) return [];
    let lines: string[];
    try {
      lines = readFileSync(this.path, "utf8").split("\n").filter((line) => line.trim() !== "");
    } catch (err) {
      this.problem = `cannot read the history file ${this.path}: ${(err as Error).message}`;
      return [];
    }
    if (lines.length > this.limit) {
      lines = lines.slice(-this.limit);
      try {
        writeFileSync(this.path, lines.join("\n") + "\n");
      } catch {
        // Trimming is housekeeping; the history still loads.
      }
    }
    this.last = lines[lines.length - 1];
    return lines.reverse();
  }

  /** Saves one entered line (blank lines and immediate repeats are skipped). */
  append(line: string): void {
    if (!this.path || this.problem || line.trim() === "" || line === this.last || line.includes("\n")) return;
    this.last = line;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, line + "\n", { mode: 0o600 });
    } catch (err) {
      this.problem = `cannot save history to ${this.path}: ${(err as Error).message}`;
    }
  }
}
