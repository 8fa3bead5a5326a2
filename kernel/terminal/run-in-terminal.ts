/**
 * `tsorch run` in a terminal: reads the notebook, runs it with a `NotebookRunner` while a
 * `NotebookPrinter` shows it, turns Ctrl+C into an interrupt of the kernel, writes the executed
 * notebook and the HTML page, and ends with a one-line summary and the exit status.
 */
import { writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { detectColorMode } from "../../src/render/ansi.js";
import type { RunArguments } from "../commands/run.js";
import { KernelSpecError, NotebookError } from "../notebook/errors.js";
import { notebookToHtml } from "../notebook/html-page.js";
import type { ErrorOutput } from "../notebook/nbformat.js";
import { isCodeCell } from "../notebook/nbformat.js";
import { readNotebook } from "../notebook/read.js";
import { NotebookRunner, type RunResult } from "../notebook/runner.js";
import { writeNotebook } from "../notebook/write.js";
import { NotebookPrinter } from "./notebook-printer.js";
import { formatSeconds } from "./progress.js";
import { Screen } from "./screen.js";
import { colorEnabled, makeStyle, type Style } from "./style.js";

/** Writes the executed notebook and the HTML page asked for; returns the files written. */
function saveResults(result: RunResult, options: RunArguments): string[] {
  const written: string[] = [];
  if (options.output !== undefined) {
    writeNotebook(options.output, result.notebook);
    written.push(options.output);
  }
  if (options.html !== undefined) {
    const page = notebookToHtml(result.notebook, { notebookDir: dirname(resolve(options.notebook)), source: basename(options.notebook) });
    writeFileSync(options.html, page);
    written.push(options.html);
  }
  return written;
}

/** 0 all ran, 1 a cell failed or the kernel died, 124 a cell timed out, 130 interrupted. */
export const EXIT_STATUS = { ok: 0, error: 1, "kernel-died": 1, timeout: 124, interrupted: 130 } as const;

export async function runInTerminal(options: RunArguments): Promise<number> {
  const style = makeStyle(colorEnabled(process.stdout, options.color));
  let notebook;
  try {
    notebook = readNotebook(options.notebook);
  } catch (err) {
    if (!(err instanceof NotebookError)) throw err;
    process.stderr.write(`tsorch run: ${err.message}\n`);
    return 1;
  }
  const savedWith = notebook.metadata.kernelspec?.name;
  if (options.kernelName === undefined && typeof savedWith === "string" && savedWith !== "" && savedWith.toLowerCase() !== "tsorch") {
    // Running a Python notebook through TypeScript fails on its first line; say why up front.
    process.stderr.write(style.dim(`note: ${basename(options.notebook)} was saved with the ${savedWith} kernel; running it with tsorch (--kernel-name ${savedWith} runs it with that one)`) + "\n");
  }
  // Once stdout is gone (`tsorch run nb.ipynb | head`), stop writing and end the run.
  let stdoutClosed = false;
  const stdout = {
    write: (text: string) => (stdoutClosed ? false : process.stdout.write(text)),
    get isTTY() {
      return process.stdout.isTTY;
    },
    get columns() {
      return process.stdout.columns;
    },
    get rows() {
      return process.stdout.rows;
    },
  };
  const screen = new Screen(stdout, { live: process.stdout.isTTY === true && process.env.TERM !== "dumb" });
  const printer = new NotebookPrinter({ screen, style, colorMode: detectColorMode(), showSource: options.showSource });
  const runner = new NotebookRunner({
    cwd: dirname(resolve(options.notebook)),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    allowErrors: options.allowErrors,
    ...(options.kernelName !== undefined ? { kernelName: options.kernelName } : {}),
    onEvent: (event) => printer.handle(event),
  });

  // The kernel has its own process group: Ctrl+C reaches only this process, which interrupts the cell.
  const onSignal = (signal: NodeJS.Signals) => {
    const first = !runner.interrupted;
    runner.interrupt();
    if (signal === "SIGTERM" || signal === "SIGHUP") runner.interrupt();
    screen.newlineIfNeeded();
    screen.write(style.yellow(first && signal === "SIGINT" ? "interrupting… (Ctrl+C again to stop the kernel at once)" : "stopping the kernel") + "\n");
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    stdoutClosed = true;
    runner.interrupt();
    runner.interrupt();
  };
  process.stdout.on("error", onStdoutError);
  printer.starting();
  const started = performance.now();
  let result: RunResult;
  try {
    result = await runner.run(notebook);
  } catch (err) {
    if (err instanceof KernelSpecError) {
      printer.stop();
      process.stderr.write(`tsorch run: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    printer.stop();
    process.stdout.off("error", onStdoutError);
  }

  const written = result.executed > 0 || result.status === "ok" ? saveResults(result, options) : [];
  stdout.write(summary(result, options, performance.now() - started, written, style) + "\n");
  return EXIT_STATUS[result.status];
}

function summary(result: RunResult, options: RunArguments, elapsedMs: number, written: string[], style: Style): string {
  const name = basename(options.notebook);
  const codeCells = result.notebook.cells.filter(isCodeCell).length;
  const wrote = written.length ? style.dim(` · wrote ${written.join(", ")}`) : "";
  const failed = result.failedCell;
  const cellName = failed !== undefined ? `cell ${failed + 1}` : "a cell";
  switch (result.status) {
    case "ok": {
      const expected = result.expectedErrors > 0 ? ` (${result.expectedErrors} raised an error, as allowed)` : "";
      return `${style.green("✓")} ${name}: ${result.executed} code cell${result.executed === 1 ? "" : "s"} ran in ${formatSeconds(elapsedMs)}${expected}${wrote}`;
    }
    case "error": {
      const cell = failed !== undefined ? result.notebook.cells[failed] : undefined;
      const error = cell && isCodeCell(cell) ? (cell.outputs.filter((o) => o.output_type === "error").pop() as ErrorOutput | undefined) : undefined;
      const what = error ? `${style.red(error.ename)}${error.evalue ? `: ${firstLine(error.evalue)}` : ""}` : "an error";
      const left = codeCells - result.executed;
      return (
        `${style.red("✗")} ${name}: ${cellName} failed with ${what}\n` +
        style.dim(`  the run stopped there${left > 0 ? ` (${left} code cell${left === 1 ? "" : "s"} not run)` : ""}; tag the cell raises-exception, or pass --allow-errors, to go on after it`) +
        wrote
      );
    }
    case "timeout":
      return `${style.red("✗")} ${name}: ${cellName} ran longer than ${options.timeout} s and was interrupted${wrote}`;
    case "interrupted":
      return `${style.yellow("✗")} ${name}: interrupted${failed !== undefined ? ` in ${cellName}` : ""}${wrote}`;
    case "kernel-died": {
      const error = result.kernelError;
      const log = error?.log ? "\n" + style.dim(error.log.split("\n").map((l) => "  " + l).join("\n")) : "";
      return `${style.red("✗")} ${name}: ${error?.message ?? "the kernel died"}${log}${wrote}`;
    }
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]!;
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}
