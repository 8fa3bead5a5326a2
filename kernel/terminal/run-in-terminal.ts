/**
 * `tsorch run` in a terminal: reads the notebook (putting the parameters in), runs it with a `NotebookRunner` while a
 * `NotebookPrinter` shows it, turns Ctrl+C into an interrupt of the kernel, writes the executed
 * notebook and the HTML page, and ends with a one-line summary and the exit status.
 */
import { writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { detectColorMode } from "../../src/render/ansi.js";
import type { RunArguments } from "../commands/run.js";
import { KernelSpecError, NotebookError } from "../notebook/errors.js";
import { notebookToHtml } from "../notebook/html-page.js";
import type { ErrorOutput, Notebook } from "../notebook/nbformat.js";
import { isCodeCell } from "../notebook/nbformat.js";
import { readNotebook } from "../notebook/read.js";
import { injectParameters } from "../notebook/parameters.js";
import { NotebookRunner, type RunEvent, type RunnerOptions, type RunResult } from "../notebook/runner.js";
import { writeNotebook } from "../notebook/write.js";
import { NotebookPrinter } from "./notebook-printer.js";
import { formatSeconds } from "./progress.js";
import { fitToWidth } from "./fit.js";
import { Screen } from "./screen.js";
import { colorEnabled, makeStyle, type Style } from "./style.js";

/**
 * Writes the executed notebook and the HTML page asked for; returns the files written. Nothing
 * is written over the input notebook (`--inplace`) unless every cell ran; a notebook the kernel
 * or the server left half-run is marked as such in its metadata (`tsorch.partial`).
 */
export function saveResults(result: RunResult, options: RunArguments): { written: string[]; kept?: string } {
  const written: string[] = [];
  if (result.executed === 0 && result.status !== "ok") return { written };
  if (result.status === "kernel-died") markPartial(result);
  let kept: string | undefined;
  if (options.output !== undefined) {
    if (options.inplace && result.status !== "ok") kept = options.output;
    else {
      writeNotebook(options.output, result.notebook);
      written.push(options.output);
    }
  }
  if (options.html !== undefined) {
    const page = notebookToHtml(result.notebook, { notebookDir: dirname(resolve(options.notebook)), source: basename(options.notebook) });
    writeFileSync(options.html, page);
    written.push(options.html);
  }
  return { written, ...(kept !== undefined ? { kept } : {}) };
}

function markPartial(result: RunResult): void {
  const { notebook } = result;
  const previous = typeof notebook.metadata.tsorch === "object" && notebook.metadata.tsorch !== null ? (notebook.metadata.tsorch as Record<string, unknown>) : {};
  const partial = { reason: result.kernelError?.message ?? "the kernel died", ...(result.failedCell !== undefined ? { cell: result.failedCell + 1 } : {}) };
  notebook.metadata.tsorch = { ...previous, partial };
}

/**
 * Reads the notebook and puts the parameters in; returns it with notes for the user (a
 * parameter the notebook does not declare, a notebook saved with another kernel).
 */
export function prepareNotebook(options: RunArguments): { notebook: Notebook; notes: string[] } {
  const notebook = readNotebook(options.notebook);
  const notes: string[] = [];
  const name = basename(options.notebook);
  const savedWith = notebook.metadata.kernelspec?.name;
  if (options.kernelName === undefined && typeof savedWith === "string" && savedWith !== "" && savedWith.toLowerCase() !== "tsorch") {
    // Running a Python notebook through TypeScript fails on its first line; say why up front.
    notes.push(`note: ${name} was saved with the ${savedWith} kernel; running it with tsorch (--kernel ${savedWith} runs it with that one)`);
  }
  if (options.parameters) {
    const injection = injectParameters(notebook, options.parameters);
    if (injection.noParametersCell) notes.push(`note: ${name} has no cell tagged "parameters": the parameters go in a cell at the top`);
    for (const unknown of injection.unknown) notes.push(`note: ${name} does not declare the parameter ${unknown} in its parameters cell (injected anyway)`);
  }
  return { notebook, notes };
}

/** The runner's options for one notebook's run, events going to `onEvent`. */
export function runnerOptions(options: RunArguments, onEvent: (event: RunEvent) => void): RunnerOptions {
  return {
    cwd: dirname(resolve(options.notebook)),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    allowErrors: options.allowErrors,
    ...(options.kernelName !== undefined ? { kernelName: options.kernelName } : {}),
    ...(options.server ? { server: options.server } : {}),
    ...(options.inputs ? { inputs: options.inputs } : {}),
    onEvent,
  };
}

/** 0 all ran, 1 a cell failed or the kernel died, 124 a cell timed out, 130 interrupted. */
export const EXIT_STATUS = { ok: 0, error: 1, "kernel-died": 1, timeout: 124, interrupted: 130 } as const;

export async function runInTerminal(options: RunArguments): Promise<number> {
  const style = makeStyle(colorEnabled(process.stdout, options.color));
  let notebook: Notebook;
  try {
    const prepared = prepareNotebook(options);
    notebook = prepared.notebook;
    for (const note of prepared.notes) process.stderr.write(style.dim(note) + "\n");
  } catch (err) {
    if (!(err instanceof NotebookError)) throw err;
    process.stderr.write(`tsorch run: ${err.message}\n`);
    return 1;
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
  const runner = new NotebookRunner(runnerOptions(options, (event) => printer.handle(event)));

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

  const { written, kept } = saveResults(result, options);
  stdout.write(fitToWidth(summary(result, options, performance.now() - started, written, style), screen.fitColumns) + "\n");
  if (kept !== undefined) stdout.write(style.dim(`  ${kept} left as it was: the run did not finish (-o FILE keeps the partial notebook)`) + "\n");
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
