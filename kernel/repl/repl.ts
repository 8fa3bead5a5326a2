/**
 * `tsorch repl`: TypeScript typed at a prompt, run by the same evaluator as notebook cells
 * (type-checked across inputs, top-level await, the runtime's names preloaded), in this process.
 *
 * At the prompt:
 * - Enter runs the input when it is complete; an open brace, bracket or template literal
 *   continues on a `...` line with the indent the evaluator suggests. Two blank lines in a row
 *   run an incomplete input anyway (to see the syntax error);
 * - Tab completes from the TypeScript language service (`torch.ze` → `torch.zeros`), a second
 *   Tab lists the choices (however quickly it follows); `name?` shows the documentation of `name`;
 * - a pasted block (bracketed paste) is one input, blank lines and its own indentation kept;
 *   the suggested indent of a `...` line gives way when the user types their own;
 * - Ctrl+C clears the line (and a pending multi-line input); Ctrl+D on an empty line leaves;
 * - Up and Down walk the history, saved across sessions (`history-file.ts`).
 *
 * While input runs, Ctrl+C interrupts it: synchronous code stops (the evaluator runs it with
 * `breakOnSigint`), a pending `await` is abandoned, and code that spins after an `await` is
 * stopped by a second thread (`interrupt-watch.ts`); every variable defined so far is kept.
 *
 * Results are printed with `util.inspect` in colour, so tensors and modules show as they do in
 * PyTorch; displayable objects with images draw them with half-blocks; errors show the
 * evaluator's traceback. With input from a pipe there is no prompt or banner, and the exit
 * status is 1 if any input failed.
 *
 * @example
 * const status = await new Repl({ input: process.stdin, output: process.stdout, color: "auto" }).start();
 */
import { createInterface, type Interface } from "node:readline";
import type { ReadStream } from "node:tty";
import { detectColorMode } from "../../src/render/ansi.js";
import { isDisplayable } from "../display.js";
import { codePointToUtf16 } from "../eval/positions.js";
import { loadEvaluator, type Evaluator } from "../evaluator.js";
import { getVersions } from "../paths.js";
import { parseHelpQuery } from "../pager.js";
import { KERNEL_SYMBOL, loadRuntime, loadRuntimeTools, preloadDeclarations } from "../preload.js";
import { codePointLength } from "../requests.js";
import { fitToWidth } from "../terminal/fit.js";
import { colorEnabled, makeStyle, stripEscapes, type ColorChoice, type Style } from "../terminal/style.js";
import { replGlobals } from "./globals.js";
import { HistoryFile, historyPath } from "./history-file.js";
import { InputInterrupter } from "./interrupt-watch.js";
import { readLineSync } from "./read-line-sync.js";
import { showValue } from "./show.js";

/** Asks the terminal to mark pasted text (readline reports the marks as `paste-start`/`paste-end` keys). */
const BRACKETED_PASTE_ON = "\u001b[?2004h";
const BRACKETED_PASTE_OFF = "\u001b[?2004l";

/** A pasted block: its complete lines, and what follows the last newline (left on the line). */
interface Paste {
  lines: string[];
  rest: string;
}

export interface ReplOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Where tracebacks go (default: `output`). */
  errorOutput?: NodeJS.WriteStream;
  color?: ColorChoice;
  /** The history file; default from `historyPath()` (undefined there turns saving off). */
  historyFile?: string | undefined;
  /** Where relative imports and packages resolve from (default: the working directory). */
  cwd?: string;
}

const HISTORY_SIZE = 1000;

export class Repl {
  private readonly style: Style;
  private readonly interactive: boolean;
  private readonly history: HistoryFile;
  private readonly errorOutput: NodeJS.WriteStream;
  private evaluator!: Evaluator;
  private rl!: Interface;
  /** Lines of an input not complete yet. */
  private buffer: string[] = [];
  private blankLines = 0;
  private queue: (string | Paste)[] = [];
  /** Lines of the block being pasted (bracketed paste), while it arrives. */
  private pasteLines: string[] | undefined;
  /** The indent the prompt put on the current continuation line (typed indentation replaces it). */
  private autoIndent = "";
  private draining = false;
  private inputEnded = false;
  private exitRequested = false;
  private executionCount = 0;
  private failures = 0;
  private hintShown = false;
  private ended = false;
  private finish!: (status: number) => void;
  /** Ctrl+C for input that spins after an `await` (interactive sessions only). */
  private interrupter: InputInterrupter | undefined;

  constructor(private readonly options: ReplOptions) {
    this.style = makeStyle(colorEnabled(options.output, options.color ?? "auto"));
    this.interactive = options.input.isTTY === true;
    this.history = new HistoryFile("historyFile" in options ? options.historyFile : historyPath(), HISTORY_SIZE);
    this.errorOutput = options.errorOutput ?? options.output;
  }

  private get prompt(): string {
    return this.style.green("ts> ");
  }

  private get continuation(): string {
    return this.style.dim("... ");
  }

  private write(text: string): void {
    this.options.output.write(text);
  }

  /** Runs until Ctrl+D, `exit()` or the end of the input; resolves to the exit status. */
  async start(): Promise<number> {
    const { input, output } = this.options;
    const done = new Promise<number>((resolve) => (this.finish = resolve));
    const runtime = await loadRuntime();
    const globals = replGlobals({
      write: (text) => this.write(text),
      show: (value, raw) => showValue(value, { ...this.renderOptions(), rawStrings: raw }),
      readLine: (prompt, password) => readLineSync(input, output, prompt, password),
      exit: () => {
        this.exitRequested = true;
      },
    });
    (globalThis as Record<symbol, unknown>)[KERNEL_SYMBOL] = { ...globals, executionCount: () => this.executionCount };
    if (this.interactive) {
      this.interrupter = new InputInterrupter(() => this.evaluator.abortPending?.());
      this.interrupter.start();
    }
    this.evaluator = await loadEvaluator({
      cwd: this.options.cwd ?? process.cwd(),
      globals: { ...runtime.exports, ...globals, ...(await loadRuntimeTools(runtime)) },
      preloadDeclarations: preloadDeclarations(),
      ...(this.interrupter ? { onCompiling: this.interrupter.onCompiling } : {}),
    });
    if (this.interactive) this.banner(Object.keys(runtime.exports), runtime.error);
    else if (runtime.error) this.errorOutput.write(`tsorch repl: ${runtime.error}\n`);

    const savedHistory = this.interactive ? this.history.load() : [];
    if (this.history.problem) this.write(this.style.dim(`(${this.history.problem})`) + "\n");
    if (this.interactive) output.write(BRACKETED_PASTE_ON);
    this.rl = createInterface({
      input,
      output,
      terminal: this.interactive,
      history: savedHistory,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      tabSize: 2,
      ...(this.interactive ? { completer: (line: string, callback: (err: Error | null, result: [string[], string]) => void) => void this.complete(line, callback) } : {}),
    });
    this.rl.setPrompt(this.prompt);
    // readline completes on a Tab only when it ends a chunk of input, and inserts the others as
    // text: two quick Tabs (one chunk) gave a literal tab, then completed the empty word after it.
    // Every Tab completes here (the second lists the choices), except in pasted text.
    Object.defineProperty(this.rl, "isCompletionEnabled", { get: () => this.pasteLines === undefined, set: () => undefined, configurable: true });
    this.rl.on("line", (line) => {
      if (this.pasteLines) {
        // A line of a pasted block: kept for the block, under a `...` prompt, no auto-indent.
        this.pasteLines.push(line);
        this.write(this.continuation);
        return;
      }
      this.queue.push(line);
      void this.drain();
    });
    this.rl.on("SIGINT", () => this.onPromptInterrupt());
    // Registered after readline's own listener, so the typed character is already in the line.
    if (this.interactive) {
      input.on("keypress", (ch: string | undefined, key: { name?: string } | undefined) => {
        if (key?.name === "paste-start") this.pasteLines = [];
        else if (key?.name === "paste-end") this.endPaste();
        else if (!this.pasteLines) this.adjustIndent(ch);
      });
    }
    this.rl.on("close", () => {
      this.inputEnded = true;
      void this.drain();
    });
    // Load TypeScript while the user types the first line.
    setImmediate(() => void this.evaluator.warmUp().catch(() => undefined));
    this.showPrompt();
    return done;
  }

  private renderOptions() {
    return { style: this.style, columns: this.options.output.columns || Number(process.env.COLUMNS) || 80, colorMode: detectColorMode() };
  }

  private banner(runtimeNames: string[], runtimeError: string | undefined): void {
    const v = getVersions();
    const { style } = this;
    // Wrapped at word boundaries to the terminal's width, as all the REPL's text.
    const columns = this.renderOptions().columns;
    const write = (text: string) => this.options.output.write(fitToWidth(text.replace(/\n$/, ""), columns) + "\n");
    write(`tsorch ${v.tsorch} REPL · TypeScript ${v.typescript} · Node ${process.version}\n`);
    write(style.dim(`${[...runtimeNames, "display"].join(", ")} are ready.`) + "\n");
    write(style.dim("Tab completes, name? shows docs, help() lists functions, Ctrl+C interrupts, Ctrl+D exits.") + "\n");
    if (runtimeError) write(style.yellow(runtimeError) + "\n");
    if (this.history.problem) write(style.dim(this.history.problem) + "\n");
  }

  private showPrompt(indent = ""): void {
    if (!this.interactive) return;
    this.rl.setPrompt(this.buffer.length > 0 ? this.continuation : this.prompt);
    this.rl.prompt();
    this.autoIndent = indent;
    if (indent) this.rl.write(indent);
  }

  /** Handles entered lines one at a time, in order, even when they arrive while input runs. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.exitRequested) {
        const next = this.queue.shift()!;
        await (typeof next === "string" ? this.handleLine(next) : this.handlePaste(next));
      }
    } finally {
      this.draining = false;
    }
    if (this.exitRequested || this.inputEnded) await this.end();
  }

  private async handleLine(line: string): Promise<void> {
    if (this.interactive) this.history.append(line);
    this.buffer.push(line);
    const code = this.buffer.join("\n");
    if (code.trim() === "") {
      this.buffer = [];
      this.showPrompt();
      return;
    }
    const help = this.buffer.length === 1 ? parseHelpQuery(code) : undefined;
    if (help) {
      await this.showHelp(help.target, help.detailLevel);
      this.buffer = [];
      this.showPrompt();
      return;
    }
    let status: Awaited<ReturnType<Evaluator["isComplete"]>>;
    try {
      status = await this.evaluator.isComplete(code);
    } catch {
      status = { status: "unknown" };
    }
    if (status.status === "incomplete") {
      this.blankLines = line.trim() === "" ? this.blankLines + 1 : 0;
      if (this.blankLines < 2 && !this.inputEnded) {
        this.showPrompt(this.interactive ? (status.indent ?? "") : "");
        return;
      }
    }
    this.buffer = [];
    this.blankLines = 0;
    await this.execute(code);
    if (!this.exitRequested) this.showPrompt();
  }

  /**
   * The end of a pasted block, as the terminal marked it: its lines (blank ones too) join the
   * input as they are, without auto-indent; a block that ends with a newline runs when it is
   * complete, and text after the last newline stays on the line for editing.
   */
  private endPaste(): void {
    const lines = this.pasteLines ?? [];
    this.pasteLines = undefined;
    if (lines.length === 0) return; // pasted within one line: readline has it
    const rl = this.rl as Interface & { line: string; _refreshLine?: () => void };
    // The line after the block is drawn under a `...` prompt written by hand: readline's own.
    this.rl.setPrompt(this.continuation);
    if (rl.line !== "") rl._refreshLine?.();
    this.queue.push({ lines, rest: rl.line });
    void this.drain();
  }

  private async handlePaste(paste: Paste): Promise<void> {
    if (this.interactive) for (const line of paste.lines) this.history.append(line);
    this.buffer.push(...paste.lines);
    this.blankLines = 0;
    const code = this.buffer.join("\n");
    let status: Awaited<ReturnType<Evaluator["isComplete"]>> = { status: "incomplete" };
    if (paste.rest === "" && code.trim() !== "") {
      try {
        status = await this.evaluator.isComplete(code);
      } catch {
        status = { status: "unknown" };
      }
    }
    if (paste.rest !== "") return; // the rest of the input is on the line being edited
    if (status.status === "incomplete" || code.trim() === "") {
      if (code.trim() === "") this.buffer = [];
      this.showPrompt(status.status === "incomplete" ? (status.indent ?? "") : "");
      return;
    }
    this.buffer = [];
    // Off the `...` written after the last line.
    if (this.interactive) this.write("\r\u001b[K");
    await this.execute(code);
    if (!this.exitRequested) this.showPrompt();
  }

  private async execute(code: string): Promise<void> {
    const input = this.options.input as unknown as ReadStream;
    this.executionCount += 1;
    // Cooked mode while input runs: the terminal turns Ctrl+C into SIGINT, which stops the code.
    this.rl.pause();
    if (this.interactive) input.setRawMode(false);
    // A SIGINT that arrives while the input is still being compiled must not end the REPL.
    const keepAlive = () => undefined;
    process.on("SIGINT", keepAlive);
    // Input is paused, so a cell awaiting something that holds no handle (`await new Promise(() => {})`)
    // would otherwise leave the event loop empty and end the process.
    const alive = setInterval(keepAlive, 1 << 30);
    let outcome: Awaited<ReturnType<Evaluator["execute"]>>;
    try {
      const count = this.executionCount;
      outcome = this.interrupter ? await this.interrupter.run(() => this.evaluator.execute(code, count)) : await this.evaluator.execute(code, count);
    } finally {
      clearInterval(alive);
      process.off("SIGINT", keepAlive);
      if (this.interactive && !this.inputEnded) input.setRawMode(true);
      this.rl.resume();
    }
    if (outcome.status === "ok") {
      if (outcome.hasValue && outcome.value !== undefined) this.write(showValue(outcome.value, this.renderOptions()) + "\n");
      return;
    }
    this.failures += 1;
    // The terminal echoed ^C where the cursor was; start the traceback on a line of its own.
    if (this.interactive && outcome.ename === "KeyboardInterrupt") this.errorOutput.write("\n");
    // An error that can show itself (a shape error with its trace and explanation) is shown first, as the kernel does.
    if (outcome.status === "runtime_error" && isDisplayable(outcome.error)) {
      // The stack frames Node adds to an inspected error would repeat the traceback printed next.
      const shown = showValue(outcome.error, this.renderOptions()).replace(/(\n\s+at [^\n]*)+$/, "");
      this.errorOutput.write(shown + "\n");
    }
    const traceback = outcome.traceback.length > 0 ? outcome.traceback.join("\n") : `${this.style.red(outcome.ename)}: ${outcome.evalue}`;
    this.errorOutput.write((this.style.enabled ? traceback : stripEscapes(traceback)) + "\n");
  }

  private async showHelp(target: string, detailLevel: 0 | 1): Promise<void> {
    try {
      const result = await this.evaluator.inspect(target, codePointLength(target), detailLevel);
      const text = result.found ? result.data["text/plain"] : undefined;
      this.write((text ? (this.style.enabled ? text : stripEscapes(text)) : `Object \`${target}\` not found.`) + "\n");
    } catch (err) {
      this.write(`Cannot inspect \`${target}\`: ${(err as Error).message}\n`);
    }
  }

  /**
   * Keeps the suggested indent of a continuation line from doubling what the user types: a
   * space typed first replaces it (the user indents by hand), and a closing bracket typed first
   * moves one level left, so `}` lines up with the line that opened the block.
   */
  private adjustIndent(ch: string | undefined): void {
    const indent = this.autoIndent;
    this.autoIndent = "";
    if (this.buffer.length === 0) return;
    const rl = this.rl as Interface & { line: string; cursor: number; _refreshLine?: () => void };
    if (typeof rl._refreshLine !== "function" || rl.cursor !== rl.line.length) return;
    if (ch === " " && indent !== "" && rl.line === indent + " ") {
      rl.line = " ";
      rl.cursor = 1;
      rl._refreshLine();
      return;
    }
    if ((ch !== "}" && ch !== "]" && ch !== ")") || indent === "" || rl.line !== indent + ch) return;
    rl.line = indent.slice(2) + ch;
    rl.cursor = rl.line.length;
    rl._refreshLine();
  }

  /** Ctrl+C at the prompt: drop the line and any pending multi-line input. */
  private onPromptInterrupt(): void {
    const rl = this.rl as Interface & { line: string; cursor: number };
    const hadText = rl.line !== "" || this.buffer.length > 0;
    this.write("^C\n");
    rl.line = "";
    rl.cursor = 0;
    this.buffer = [];
    this.blankLines = 0;
    if (!hadText && !this.hintShown) {
      this.hintShown = true;
      this.write(this.style.dim("(Ctrl+D on an empty line, or exit(), leaves the REPL)") + "\n");
    }
    this.showPrompt();
  }

  private async complete(line: string, callback: (err: Error | null, result: [string[], string]) => void): Promise<void> {
    try {
      const before = this.buffer.length > 0 ? this.buffer.join("\n") + "\n" : "";
      const code = before + line;
      const result = await this.evaluator.complete(code, codePointLength(code));
      const start = codePointToUtf16(code, result.cursor_start) - before.length;
      callback(null, [result.matches, line.slice(Math.max(0, start))]);
    } catch {
      callback(null, [[], line]);
    }
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.buffer.length > 0 && !this.interactive && !this.exitRequested) {
      // A script's unfinished last input: run it, so its syntax error is reported.
      const code = this.buffer.join("\n");
      this.buffer = [];
      await this.execute(code);
    }
    if (this.interactive) this.write(BRACKETED_PASTE_OFF + "\n");
    this.interrupter?.dispose();
    this.rl.close();
    this.finish(!this.interactive && this.failures > 0 ? 1 : 0);
  }
}

