/**
 * `tsorch run a.ipynb b.ipynb … --jobs N`: runs notebooks side by side, each in its own kernel
 * (local processes, or kernels on the `--server`), at most N at a time. The terminal shows one
 * progress line per notebook (redrawn in place on a terminal; one line as each ends elsewhere)
 * and a summary table: code cells run, time, how each ended. Every notebook is saved as a single
 * run would save it.
 *
 * Exit status: 0 when every notebook ran to the end, 130 when interrupted, else that of the
 * first notebook (in command-line order) that failed.
 */
import { basename } from "node:path";
import type { RunArguments } from "../commands/run.js";
import { KernelSpecError, NotebookError } from "../notebook/errors.js";
import type { ErrorOutput } from "../notebook/nbformat.js";
import { isCodeCell, joinText } from "../notebook/nbformat.js";
import { NotebookRunner, type RunResult } from "../notebook/runner.js";
import { formatSeconds } from "./progress.js";
import { truncate } from "./screen.js";
import { EXIT_STATUS, prepareNotebook, runnerOptions, saveResults } from "./run-in-terminal.js";
import { colorEnabled, makeStyle, type Style } from "./style.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

interface Job {
  options: RunArguments;
  name: string;
  state: "waiting" | "starting" | "running" | "done";
  /** Code cells to run, and the one running (1-based position among them). */
  total: number;
  position: number;
  cellNumber: number;
  started: number;
  elapsedMs: number;
  result?: RunResult;
  /** The notebook could not be read, or the kernelspec found: why. */
  problem?: string;
  written: string[];
  kept?: string;
  runner?: NotebookRunner;
}

export async function runMany(runs: RunArguments[], jobs: number): Promise<number> {
  const style = makeStyle(colorEnabled(process.stdout, runs[0]!.color));
  const live = process.stdout.isTTY === true && process.env.TERM !== "dumb";
  const all: Job[] = runs.map((options) => ({ options, name: basename(options.notebook), state: "waiting", total: 0, position: 0, cellNumber: 0, started: 0, elapsedMs: 0, written: [] }));
  const board = new Board(all, style, live);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const again = interrupted;
    interrupted = true;
    for (const job of all) {
      job.runner?.interrupt();
      if (again || signal !== "SIGINT") job.runner?.interrupt();
    }
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);

  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < all.length && !interrupted) {
      const job = all[next++]!;
      await runOne(job, () => board.draw());
      board.finished(job);
    }
  };
  board.start();
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, all.length) }, worker));
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    board.stop();
  }
  process.stdout.write("\n" + summaryTable(all, style, performance.now() - started, jobs) + "\n");
  if (interrupted) return EXIT_STATUS.interrupted;
  for (const job of all) {
    if (job.problem !== undefined) return 1;
    if (job.result && job.result.status !== "ok") return EXIT_STATUS[job.result.status];
  }
  return 0;
}

async function runOne(job: Job, changed: () => void): Promise<void> {
  job.state = "starting";
  job.started = performance.now();
  changed();
  try {
    const { notebook, notes } = prepareNotebook(job.options);
    for (const note of notes) process.stderr.write(note + "\n");
    job.total = notebook.cells.filter((c) => isCodeCell(c) && joinText(c.source).trim() !== "").length;
    job.runner = new NotebookRunner(
      runnerOptions(job.options, (event) => {
        if (event.type === "kernel-started") job.state = "running";
        else if (event.type === "cell-start") {
          job.position = event.position;
          job.cellNumber = event.index + 1;
        } else return;
        changed();
      }),
    );
    job.result = await job.runner.run(notebook);
    const saved = saveResults(job.result, job.options);
    job.written = saved.written;
    if (saved.kept !== undefined) job.kept = saved.kept;
  } catch (err) {
    if (!(err instanceof NotebookError || err instanceof KernelSpecError)) throw err;
    job.problem = err.message;
  } finally {
    job.runner = undefined;
    job.state = "done";
    job.elapsedMs = performance.now() - job.started;
  }
}

/** How a finished notebook ended, in a few words. */
function outcome(job: Job): { ok: boolean; text: string } {
  if (job.problem !== undefined) return { ok: false, text: job.problem };
  const result = job.result;
  if (!result) return { ok: false, text: "not run (interrupted)" };
  const cell = result.failedCell !== undefined ? `cell ${result.failedCell + 1}` : "";
  switch (result.status) {
    case "ok":
      return { ok: true, text: result.expectedErrors > 0 ? `ok (${result.expectedErrors} raised, as allowed)` : "ok" };
    case "error": {
      const failed = result.failedCell !== undefined ? result.notebook.cells[result.failedCell] : undefined;
      const error = failed && isCodeCell(failed) ? (failed.outputs.filter((o) => o.output_type === "error").pop() as ErrorOutput | undefined) : undefined;
      const what = error ? `${error.ename}${error.evalue ? `: ${error.evalue.split("\n")[0]!.slice(0, 120)}` : ""}` : "an error";
      return { ok: false, text: `${cell} failed: ${what}` };
    }
    case "timeout":
      return { ok: false, text: `${cell} ran past --timeout ${job.options.timeout} s` };
    case "interrupted":
      return { ok: false, text: `interrupted${cell ? ` in ${cell}` : ""}` };
    case "kernel-died":
      return { ok: false, text: result.kernelError?.message.split("\n")[0] ?? "the kernel died" };
  }
}

function cellsColumn(job: Job): string {
  const result = job.result;
  if (!result) return job.problem !== undefined ? "-" : `0/${job.total}`;
  return `${result.executed}/${job.total}`;
}

/** The progress lines: one per notebook, redrawn in place on a terminal. */
class Board {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private frame = 0;

  constructor(
    private readonly jobs: Job[],
    private readonly style: Style,
    private readonly live: boolean,
  ) {}

  start(): void {
    if (!this.live) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live) this.draw();
  }

  /** Elsewhere than a terminal, a notebook's line is written once, when it ends. */
  finished(job: Job): void {
    if (!this.live) process.stdout.write(this.line(job) + "\n");
    else this.draw();
  }

  draw(): void {
    if (!this.live) return;
    const columns = process.stdout.columns || 80;
    const lines = this.jobs.map((job) => truncate(this.line(job), columns - 1));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    process.stdout.write(up + lines.map((l) => `\r\x1b[2K${l}\n`).join(""));
    this.drawn = lines.length;
    this.frame += 1;
  }

  private line(job: Job): string {
    const { style } = this;
    const width = Math.max(...this.jobs.map((j) => j.name.length));
    const name = job.name.padEnd(width);
    switch (job.state) {
      case "waiting":
        return `${style.dim("·")} ${style.dim(name)} ${style.dim("waiting")}`;
      case "starting":
      case "running": {
        const spinner = style.cyan(SPINNER[this.frame % SPINNER.length]!);
        const where = job.state === "starting" ? "starting the kernel" : `[${job.position}/${job.total}] cell ${job.cellNumber}`;
        return `${spinner} ${name} ${style.dim(`${where} … ${formatSeconds(performance.now() - job.started)}`)}`;
      }
      case "done": {
        const { ok, text } = outcome(job);
        const mark = ok ? style.green("✓") : style.red("✗");
        return `${mark} ${name} ${style.dim(`${cellsColumn(job)} cells ${formatSeconds(job.elapsedMs)}`)} ${ok ? style.dim(text) : style.red(text)}`;
      }
    }
  }
}

/** The table after the run: one row per notebook, then the totals. */
function summaryTable(jobs: Job[], style: Style, elapsedMs: number, parallel: number): string {
  const rows = jobs.map((job) => {
    const { ok, text } = outcome(job);
    const wrote = job.written.length ? ` · wrote ${job.written.join(", ")}` : "";
    const kept = job.kept !== undefined ? ` · ${job.kept} left as it was` : "";
    return { name: job.name, cells: cellsColumn(job), time: job.state === "done" ? formatSeconds(job.elapsedMs) : "-", ok, status: text, extra: wrote + kept };
  });
  const w = {
    name: Math.max("notebook".length, ...rows.map((r) => r.name.length)),
    cells: Math.max("cells".length, ...rows.map((r) => r.cells.length)),
    time: Math.max("time".length, ...rows.map((r) => r.time.length)),
  };
  const header = style.bold(`${"notebook".padEnd(w.name)}  ${"cells".padStart(w.cells)}  ${"time".padStart(w.time)}  status`);
  const body = rows.map((r) => `${r.name.padEnd(w.name)}  ${r.cells.padStart(w.cells)}  ${r.time.padStart(w.time)}  ${r.ok ? style.green(r.status) : style.red(r.status)}${style.dim(r.extra)}`);
  const okCount = rows.filter((r) => r.ok).length;
  const failed = rows.length - okCount;
  const total = `${rows.length} notebooks in ${formatSeconds(elapsedMs)} (--jobs ${parallel}): ${okCount} ok${failed ? `, ${failed} failed` : ""}`;
  return [header, ...body, failed ? style.red(total) : style.green(total)].join("\n");
}
