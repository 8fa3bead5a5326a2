/**
 * `tsorch repl` in a real terminal: a pseudo-terminal from util-linux's `script`, with our
 * keystrokes written to its input and the screen read from its output. Covers completion,
 * multi-line input with indentation, Ctrl+C during a running loop (state kept) and at the
 * prompt, errors from the runtime, images drawn with half-blocks, history across sessions,
 * and Ctrl+D; plus the REPL reading a script from a pipe.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath } from "../kernel/paths.js";
import { GRADIENT_PNG, requireBuild, stripAnsi, tempDir, tsorch } from "./run-support.js";
import { scriptArgs } from "./pty.js";

requireBuild();
if (spawnSync("script", ["--version"]).status !== 0) throw new Error("`script` (util-linux) is missing: the REPL tests need it for a pseudo-terminal");
const dir = tempDir("tsorch-repl-test-");

interface Session {
  /** Types text (use "\r" for Enter, "\t" for Tab, "\x03" for Ctrl+C, "\x04" for Ctrl+D). */
  type(text: string): void;
  /** The screen so far, without escape codes. */
  screen(): string;
  /** Everything the terminal received, escape codes included. */
  raw(): string;
  /** Waits until the screen (from `from` on) matches; returns the index after the match. */
  waitFor(pattern: RegExp | string, from?: number, ms?: number): Promise<number>;
  /** Resolves with the exit code when the REPL ends. */
  exited: Promise<number | null>;
  kill(): void;
}

function startRepl(history: string, extraEnv: NodeJS.ProcessEnv = {}): Session {
  const env = { ...process.env, TERM: "xterm-256color", COLORTERM: "truecolor", COLUMNS: "100", LINES: "40", TSORCH_REPL_HISTORY: history, ...extraEnv };
  const child = spawn("script", scriptArgs(`${process.execPath} ${cliPath()} repl`), { env, cwd: dir });
  let raw = "";
  child.stdout.on("data", (d: Buffer) => (raw += d.toString()));
  child.stderr.on("data", (d: Buffer) => (raw += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const screen = () => stripAnsi(raw);
  return {
    type: (text) => child.stdin.write(text),
    screen,
    raw: () => raw,
    exited,
    kill: () => child.kill("SIGKILL"),
    async waitFor(pattern, from = 0, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const text = screen().slice(from);
        const match = typeof pattern === "string" ? { index: text.indexOf(pattern), length: pattern.length } : (() => {
          const m = pattern.exec(text);
          return m ? { index: m.index, length: m[0].length } : { index: -1, length: 0 };
        })();
        if (match.index >= 0) return from + match.index + match.length;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the screen after ${from}:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function withRepl(history: string, body: (repl: Session) => Promise<void>): Promise<void> {
  const repl = startRepl(history);
  try {
    await repl.waitFor("ts> ");
    await body(repl);
  } finally {
    repl.kill();
  }
}

/** Types a line and Enter; resolves (with the screen position) once the next prompt is up. */
async function submit(repl: Session, line: string): Promise<number> {
  const from = repl.screen().length;
  repl.type(line + "\r");
  const echoed = await repl.waitFor(line, Math.max(0, from - 10));
  return repl.waitFor("ts> ", echoed);
}

/** Ctrl+D on an empty line: the REPL leaves with status 0. */
async function exitWithCtrlD(repl: Session): Promise<void> {
  repl.type("\x04");
  const code = await Promise.race([repl.exited, new Promise<"running">((r) => setTimeout(() => r("running"), 15_000))]);
  expect(code, repl.screen()).toBe(0);
}

describe("tsorch repl in a terminal", () => {
  it("completes with Tab from the language service: torch.ze → torch.zero → zeros", async () => {
    await withRepl(join(dir, "h1"), async (repl) => {
      repl.type("torch.ze\t");
      // zero_, zeros and zeros_like share "zero": the first Tab inserts that much.
      let at = await repl.waitFor("ts> torch.zero");
      repl.type("\t");
      at = await repl.waitFor(/zeros\s+zeros_like|zeros_like\s+zeros/, at);
      repl.type("s(2, 3)\r");
      await repl.waitFor("tensor([[0., 0., 0.],\n        [0., 0., 0.]])", at);
      expect(repl.screen()).toContain("ts> torch.zeros(2, 3)");
      // Names defined at the prompt complete too, in one Tab when there is one match.
      at = await submit(repl, "const learningRate: number = 0.01");
      // Readline completes on a Tab that ends what the terminal sent (a pasted Tab is text).
      repl.type("learningR\t");
      at = await repl.waitFor("learningRate", at);
      repl.type(" * 2\r");
      await repl.waitFor("0.02", at);
      expect(repl.screen()).toContain("ts> learningRate * 2");
      await exitWithCtrlD(repl);
    });
  });

  it("continues an incomplete input with the suggested indent, and lines up closing braces", async () => {
    await withRepl(join(dir, "h2"), async (repl) => {
      repl.type("class Point {\r");
      let at = await repl.waitFor("... ");
      repl.type("constructor(public x: number, public y: number) {}\r");
      at = await repl.waitFor("... ", at);
      repl.type("norm(): number {\r");
      at = await repl.waitFor("... ", at);
      repl.type("return Math.hypot(this.x, this.y)\r");
      at = await repl.waitFor("... ", at);
      repl.type("}\r");
      at = await repl.waitFor("... ", at);
      repl.type("}\r");
      at = await repl.waitFor("ts> ", at);
      const screen = repl.screen();
      expect(screen).toContain("ts> class Point {\n...   constructor(public x: number, public y: number) {}\n...   norm(): number {\n...     return Math.hypot(this.x, this.y)\n...   }\n... }\n");
      repl.type("new Point(3, 4).norm()\r");
      await repl.waitFor(/\n5\n/, at);
      repl.type("const p = new Point(1, 2); p\r");
      await repl.waitFor("Point { x: 1, y: 2 }");
      await exitWithCtrlD(repl);
    });
  });

  it("interrupts `while (true) {}` and a pending await with Ctrl+C, keeping what was defined before", async () => {
    await withRepl(join(dir, "h3"), async (repl) => {
      let at = await submit(repl, 'let kept: string = "survives the interrupt"');
      repl.type("while (true) {}\r");
      await repl.waitFor("while (true) {}\n", at);
      // Ctrl+C until the loop is seen stopped (the first may land while the cell is still compiling).
      const deadline = Date.now() + 40_000;
      while (!repl.screen().slice(at).includes("KeyboardInterrupt")) {
        if (Date.now() > deadline) throw new Error(`the loop was not interrupted:\n${repl.screen()}`);
        await new Promise((r) => setTimeout(r, 1500));
        repl.type("\x03");
        await new Promise((r) => setTimeout(r, 500));
      }
      at = await repl.waitFor("ts> ", at);
      expect(repl.screen()).toMatch(/KeyboardInterrupt +Traceback/);
      repl.type("kept.toUpperCase()\r");
      at = await repl.waitFor("'SURVIVES THE INTERRUPT'", at);
      // A cell waiting on a promise that never settles: Ctrl+C abandons the wait.
      at = await repl.waitFor("ts> ", at);
      repl.type("await new Promise(() => {})\r");
      at = await repl.waitFor("await new Promise(() => {})\n", at);
      await new Promise((r) => setTimeout(r, 1500));
      repl.type("\x03");
      at = await repl.waitFor("KeyboardInterrupt", at);
      at = await repl.waitFor("ts> ", at);
      repl.type("kept.length\r");
      await repl.waitFor("22", at);
      await exitWithCtrlD(repl);
    });
  });

  it("interrupts code that spins after an `await` (a loop, then a timer callback), keeping what was defined", async () => {
    await withRepl(join(dir, "h3b"), async (repl) => {
      let at = await submit(repl, "let before: number = 41");
      for (const spin of ["await null; while (true) {}", "setTimeout(() => { for (;;) {} }, 10); await new Promise((r) => setTimeout(r, 50)); 'unreached'"]) {
        repl.type(spin + "\r");
        at = await repl.waitFor(spin + "\n", at);
        // Ctrl+C until the input is seen stopped (the first may land while it is still compiling).
        const deadline = Date.now() + 40_000;
        while (!repl.screen().slice(at).includes("KeyboardInterrupt")) {
          if (Date.now() > deadline) throw new Error(`the input was not interrupted:\n${repl.screen()}`);
          await new Promise((r) => setTimeout(r, 1500));
          repl.type("\x03");
          await new Promise((r) => setTimeout(r, 1000));
        }
        at = await repl.waitFor("ts> ", at);
        expect(repl.screen().slice(at)).not.toContain("unreached");
        repl.type("before + 1\r");
        at = await repl.waitFor("42", at);
        at = await repl.waitFor("ts> ", at);
      }
      await exitWithCtrlD(repl);
      expect(repl.screen()).not.toContain("Waiting for the debugger");
    });
  });

  it("clears the line on Ctrl+C at the prompt", async () => {
    await withRepl(join(dir, "h4"), async (repl) => {
      repl.type("this is not code");
      await repl.waitFor("ts> this is not code");
      repl.type("\x03");
      let at = await repl.waitFor("^C\n");
      at = await repl.waitFor("ts> ", at);
      repl.type("40 + 2\r");
      await repl.waitFor(/\n42\n/, at);
      // A pending multi-line input goes too.
      repl.type("function unfinished() {\r");
      at = await repl.waitFor("... ", at);
      repl.type("\x03");
      at = await repl.waitFor("ts> ", at);
      repl.type('typeof unfinished\r');
      await repl.waitFor("error TS2304: Cannot find name 'unfinished'", at);
      await exitWithCtrlD(repl);
    });
  });

  it("shows the runtime's shape error with its traceback", async () => {
    await withRepl(join(dir, "h5"), async (repl) => {
      repl.type("torch.zeros(1, 2704).matmul(torch.zeros(400, 120))\r");
      await repl.waitFor("RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
      expect(repl.screen()).toMatch(/RuntimeError +Traceback \(most recent call last\)/);
      expect(repl.screen()).toContain("----> 1 torch.zeros(1, 2704).matmul(torch.zeros(400, 120))");
      await exitWithCtrlD(repl);
    });
  });

  it("explains the LeNet 64x64 failure: the failing layer, the arithmetic, the sizes that work", async () => {
    await withRepl(join(dir, "h5b"), async (repl) => {
      let at = await submit(repl, [
        "class Net extends nn.Module { conv1 = new nn.Conv2d(1, 6, 5); conv2 = new nn.Conv2d(6, 16, 5);",
        " fc1 = new nn.Linear(400, 120); fc2 = new nn.Linear(120, 84); fc3 = new nn.Linear(84, 10);",
        " forward(x: Tensor): Tensor { x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]); x = F.max_pool2d(F.relu(this.conv2(x)), 2);",
        " x = x.view(-1, x.size().slice(1).reduce((a, b) => a * b, 1)); return this.fc3(F.relu(this.fc2(F.relu(this.fc1(x))))); } }",
      ].join(""));
      at = await submit(repl, "const net = new Net()");
      repl.type("net(torch.randn(1, 1, 64, 64))\r");
      at = await repl.waitFor("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13", at);
      await repl.waitFor("Sizes that work: square inputs 32 to 35", at);
      await repl.waitFor("nn.AdaptiveAvgPool2d([5, 5])", at);
      await repl.waitFor("RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)", at);
      // The net is still there: the error lost nothing.
      await submit(repl, "net(torch.randn(1, 1, 32, 32)).shape");
      expect(repl.screen()).toContain("torch.Size([1, 10])");
      await exitWithCtrlD(repl);
    });
  });

  it("draws displayed images with half-blocks, and prints results in colour", async () => {
    await withRepl(join(dir, "h6"), async (repl) => {
      repl.type(`display.png("${GRADIENT_PNG}")\r`);
      const at = await repl.waitFor("▀".repeat(24));
      // The rows arrive in more than one write: wait for the image's last row before counting them.
      const rows = () => repl.screen().split("\n").filter((line) => line === "▀".repeat(24)).length;
      for (const deadline = Date.now() + 10_000; rows() < 6 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      expect(rows()).toBe(6);
      repl.type('({ answer: 42, name: "tsorch" })\r');
      await repl.waitFor("{ answer: 42, name: 'tsorch' }", at);
      expect(repl.raw()).toContain("{ answer: \x1b[33m42\x1b[39m, name: \x1b[32m'tsorch'\x1b[39m }");
      await exitWithCtrlD(repl);
    });
  });

  it("keeps history across sessions in $TSORCH_REPL_HISTORY", async () => {
    const history = join(dir, "history-file");
    await withRepl(history, async (repl) => {
      await submit(repl, "const remembered: number = 1234");
      await exitWithCtrlD(repl);
    });
    expect(existsSync(history)).toBe(true);
    expect(readFileSync(history, "utf8")).toContain("const remembered: number = 1234\n");
    await withRepl(history, async (repl) => {
      repl.type("\x1b[A"); // Up: the last line of the previous session
      await repl.waitFor("ts> const remembered: number = 1234");
      repl.type("\r");
      const at = await repl.waitFor("ts> ", repl.screen().indexOf("1234") + 4);
      repl.type("remembered / 2\r");
      await repl.waitFor("617", at);
      await exitWithCtrlD(repl);
    });
  });
});

describe("tsorch repl reading a pipe", () => {
  it("runs complete inputs in order without prompts, and exits 1 after a failure", async () => {
    const child = spawn(process.execPath, [cliPath(), "repl"], { env: { ...process.env, TSORCH_REPL_HISTORY: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.end('const a: number = 2\nfunction twice(n: number) {\n  return n * 2\n}\ntwice(a)\n"text"\ndisplay("raw text")\nmissingName\na + 1\n');
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stdout).toBe("4\n'text'\nraw text\n3\n");
    expect(stderr).toContain("Cannot find name 'missingName'");
    expect(code).toBe(1);
  });

  it("rejects arguments it does not know", async () => {
    const result = await tsorch(["repl", "extra"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unexpected argument "extra"');
  });
});
