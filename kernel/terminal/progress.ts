/**
 * The progress line of a running cell: `[3/12] cell 5 … 2.4 s`. On a terminal it is the status
 * line of the `Screen`, redrawn ten times a second with a spinner and the elapsed time, and
 * replaced by its final form when the cell ends (`[3/12] cell 5 ✓ 2.41 s`); elsewhere one
 * plain line is written when the cell starts and one when it ends.
 *
 * @example
 * const progress = new CellProgress(screen, style);
 * progress.start(3, 12, 5);
 * progress.finish("ok");   // "[3/12] cell 5 ✓ 0.42 s"
 */
import type { CellStatus } from "../notebook/runner.js";
import type { Screen } from "./screen.js";
import type { Style } from "./style.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - minutes * 60)} s`;
}

const MARKS: Record<CellStatus, string> = {
  ok: "✓",
  error: "✗",
  "expected-error": "✓",
  timeout: "⏱",
  interrupted: "✗",
  "kernel-died": "✗",
};

const WORDS: Partial<Record<CellStatus, string>> = {
  error: "failed",
  "expected-error": "raised, as expected",
  timeout: "timed out",
  interrupted: "interrupted",
  "kernel-died": "the kernel died",
};

export class CellProgress {
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private label = "";
  private frame = 0;

  constructor(
    private readonly screen: Screen,
    private readonly style: Style,
  ) {}

  start(position: number, total: number, cellNumber: number): void {
    this.stopTimer();
    this.started = performance.now();
    this.label = `[${position}/${total}] cell ${cellNumber}`;
    if (!this.screen.live) {
      this.screen.write(this.style.dim(`${this.label} …`) + "\n");
      return;
    }
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  /** Replaces the progress line with the cell's result (a permanent line). */
  finish(status: CellStatus, elapsedMs = performance.now() - this.started): void {
    this.stopTimer();
    this.screen.setStatus(undefined);
    this.screen.newlineIfNeeded();
    const { style } = this;
    const mark = MARKS[status];
    const coloured = status === "ok" || status === "expected-error" ? style.green(mark) : status === "timeout" ? style.yellow(mark) : style.red(mark);
    const word = WORDS[status] ? ` ${WORDS[status]}` : "";
    const text = status === "ok" || status === "expected-error" ? style.dim(word) : style.red(word);
    this.screen.write(`${style.dim(this.label)} ${coloured}${text} ${style.dim(formatSeconds(elapsedMs))}\n`);
  }

  stop(): void {
    this.stopTimer();
    this.screen.setStatus(undefined);
  }

  private draw(): void {
    const elapsed = formatSeconds(performance.now() - this.started);
    const spinner = SPINNER[this.frame++ % SPINNER.length]!;
    this.screen.setStatus(`${this.style.cyan(spinner)} ${this.label} ${this.style.dim(`… ${elapsed}`)}`);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
