/**
 * `tsorch run` and `tsorch repl` on a real terminal screen: tmux runs them in a pseudo-terminal
 * of a given size and keeps the screen as a terminal draws it (cursor moves applied, long lines
 * wrapped), so what is asserted is what a person sees. At 80×24 and 120×50: no line is wider
 * than the terminal (read with wrapped lines joined), feature maps are half-block tiles with
 * their names as text beside them; in the REPL a pasted block (blank line and own indentation
 * included) is one input with no stray prompts, typed indentation is not doubled by the
 * suggested one, and two quick Tabs after `net.` list its members.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { visibleWidth } from "../kernel/terminal/fit.js";
import { cliPath } from "../kernel/paths.js";
import { requireBuild, tempDir } from "./run-support.js";

requireBuild();
if (spawnSync("tmux", ["-V"]).status !== 0) throw new Error("tmux is missing: the terminal tests need it (.ci/run installs it)");

const dir = tempDir("tsorch-pty-test-");
const NOTEBOOK = join(import.meta.dirname, "..", "notebooks", "lenet-input-shape.ipynb");
let sessions = 0;
const servers: string[] = [];

afterAll(() => {
  for (const server of servers) spawnSync("tmux", ["-L", server, "kill-server"]);
});

/** One program on a tmux screen of its own (a private server, so nothing else is touched). */
class Screen {
  readonly server = `tsorch-test-${process.pid}-${++sessions}`;

  constructor(
    readonly columns: number,
    readonly rows: number,
    command: string,
  ) {
    servers.push(this.server);
    // The shell keeps the pane open after the program ends, so its last screen can be read.
    const shell = `cd ${JSON.stringify(dir)} && ${command}; echo "[exit $?]"; sleep 600`;
    this.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", String(columns), "-y", String(rows), "sh", "-c", shell);
    this.tmux("set-option", "-t", "t", "history-limit", "100000");
  }

  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.server, ...args], {
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm-256color", COLORTERM: "truecolor", TSORCH_REPL_HISTORY: join(dir, "history"), NO_COLOR: "" },
    });
  }

  /** The visible screen. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-t", "t");
  }

  /** Everything printed so far, each line as written: lines the terminal wrapped are joined again. */
  transcript(): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t");
  }

  type(text: string): void {
    this.tmux("send-keys", "-t", "t", "-l", text);
  }

  keys(...names: string[]): void {
    this.tmux("send-keys", "-t", "t", ...names);
  }

  /** Pastes as a terminal does (bracketed when the program asked for it). */
  paste(text: string): void {
    this.tmux("set-buffer", "-b", "p", text);
    this.tmux("paste-buffer", "-p", "-b", "p", "-t", "t");
  }

  async waitFor(pattern: RegExp, ms = 120_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = this.transcript();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  close(): void {
    spawnSync("tmux", ["-L", this.server, "kill-server"]);
  }
}

const tsorch = (args: string) => `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath())} ${args}`;

function tooWide(text: string, columns: number): string[] {
  return text.split("\n").filter((line) => visibleWidth(line) > columns);
}

describe.each([
  [80, 24],
  [120, 50],
])("at %i×%i", (columns, rows) => {
  it("tsorch run fits the tutorial to the width, with feature maps as tiles and text labels", async () => {
    const screen = new Screen(columns, rows, tsorch(`run ${JSON.stringify(NOTEBOOK)}`));
    try {
      const text = await screen.waitFor(/\[exit \d+\]/, 300_000);
      expect(text).toContain("[exit 0]");
      expect(tooWide(text, columns)).toEqual([]);
      const lines = text.split("\n");
      const blocks = lines.filter((line) => /[▀▄]/.test(line));
      expect(blocks.length).toBeGreaterThan(10);
      // Tile rows hold tiles only: names, titles and the colour bar's numbers are terminal text.
      expect(blocks.filter((line) => /[A-Za-z0-9]/.test(line))).toEqual([]);
      expect(lines.some((line) => /\bch 0\b/.test(line))).toBe(true);
      // The symbolic summary fits by leaving columns out, and says so.
      expect(text).toMatch(/fc1/);
    } finally {
      screen.close();
    }
  });

  it("the REPL: a pasted block is one input, typed indentation is not doubled, two quick Tabs list members", async () => {
    const screen = new Screen(columns, rows, tsorch("repl"));
    try {
      await screen.waitFor(/Ctrl\+C interrupts/);
      screen.type("const net = new nn.Linear(2, 3)");
      screen.keys("Enter");
      await screen.waitFor(/ts> const net = new nn\.Linear\(2, 3\)\nts> $/m);

      screen.paste("function twice(a: number) {\n  const b = a * 2\n\n  return b\n}\ntwice(21)\n");
      let text = await screen.waitFor(/^42$/m);
      const block = text.slice(text.indexOf("ts> function twice"), text.indexOf("\n42\n") + 1);
      expect(block.split("\n").map((line) => line.trimEnd())).toEqual(["ts> function twice(a: number) {", "...   const b = a * 2", "...", "...   return b", "... }", "... twice(21)", ""]);

      // Typed indentation replaces the suggested one; a closing brace lines up with its block.
      screen.type("if (twice(1) > 0) {");
      screen.keys("Enter");
      await screen.waitFor(/ts> if \(twice\(1\) > 0\) \{\n\.\.\./);
      screen.type('  console.log("indented " + twice(2))');
      screen.keys("Enter");
      await screen.waitFor(/twice\(2\)\)\n\.\.\./);
      screen.type("}");
      screen.keys("Enter");
      text = await screen.waitFor(/^indented 4$/m);
      expect(text).toContain('\n...   console.log("indented " + twice(2))\n... }\n');

      // Both Tabs in one write, as a quick double press arrives: the members of `net`, not every global.
      screen.type("net.");
      screen.keys("Tab", "Tab");
      text = await screen.waitFor(/in_features[\s\S]*ts> net\.$/m);
      const listing = text.slice(text.indexOf("ts> net.\n"));
      expect(listing).toMatch(/\bweight\b/);
      expect(listing).toMatch(/\bforward\b/);
      expect(listing).not.toMatch(/\bWritableStream\b|\bencodeURIComponent\b/);
      expect(tooWide(screen.transcript(), columns)).toEqual([]);
    } finally {
      screen.close();
    }
  });
});
