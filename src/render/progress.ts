/**
 * A progress bar for training loops that notebooks redraw in place:
 * text/plain like `epoch 2/5 ███████░░░  70% 66/94 [00:03<00:01, 20.5 it/s] loss 0.412`
 * and text/html with a bar styled by the notebook's theme variables (so it
 * reads in light and dark themes); in colour terminals the bar is green.
 *
 * `update(n, metrics)` sets how many of `total` steps are done (an absolute
 * count, not an increment) and the numbers to show after the bar. Showing
 * and redrawing are the notebook's: display the bar under a display id,
 * then update that id.
 *
 * @example
 * const bar = progressBar({ total: loader.length, label: "epoch 1/3" });
 * display(bar, { display_id: "epoch-1" });
 * let i = 0;
 * for (const [x, y] of loader) {
 *   // ... one training step ...
 *   bar.update(++i, { loss: loss.item() });
 *   if (i % 10 === 0 || i === bar.total) updateDisplay("epoch-1", bar);
 * }
 */

import type { InspectOptions } from "node:util";
import { ArgumentError } from "../errors.js";
import { formatValue } from "./heatmap.js";
import { escapeHtml, htmlBlock } from "./html.js";
import { type DisplayResult, inspectCustom, jupyterDisplay } from "./mime.js";

export interface ProgressBarOptions {
  /** Steps in all (a positive integer). */
  total: number;
  /** Text before the bar, e.g. "epoch 2/5". */
  label?: string;
  /** Bar width in characters in the text form (default 20). */
  width?: number;
  /** Clock in milliseconds (default `performance.now`); tests pass their own. */
  now?: () => number;
}

/**
 * Notebooks indent text output by one character of the code font (JupyterLab's
 * `.jp-OutputArea .jp-RenderedText { padding-left: 1ch }`): a bar starts there too, so it lines up
 * with the lines a training loop prints under it. CSS declarations for an empty first box.
 */
export const PROGRESS_INDENT =
  "flex: none; width: 1ch; font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 13px);";

/** Metric values shown after the bar: numbers are shortened to three significant digits. */
export type Metrics = Record<string, number | string>;

/**
 * The bar as plain facts, for front ends that draw bars of their own (notebook widgets): steps
 * done and in all, the label, and what follows the bar (counts, time, metrics) as HTML.
 */
export const progressState: unique symbol = Symbol.for("tsorch.progress") as never;

export interface ProgressState {
  n: number;
  total: number;
  label: string;
  /** Percent, counts, time and metrics, as the text/html form shows them after the bar. */
  detailHtml: string;
  done: boolean;
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** Seconds as mm:ss, or h:mm:ss from an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (v: number) => String(v).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

const PROGRESS_CSS = `
.tsorch-progress { display: flex; align-items: center; flex-wrap: wrap; }
.tsorch-progress .tsorch-indent { display: inline-block; margin: 0; ${PROGRESS_INDENT} }
.tsorch-progress span { margin-right: 0.6em; }
.tsorch-progress .tsorch-bar { display: inline-block; width: 12em; height: 0.85em; border-radius: 3px; overflow: hidden;
  background: rgba(128, 128, 128, 0.25); }
.tsorch-progress .tsorch-fill { display: block; height: 100%; margin: 0; background: #1e88e5; }
.tsorch-progress.tsorch-done .tsorch-fill { background: #43a047; }
.tsorch-progress .tsorch-pct { font-variant-numeric: tabular-nums; min-width: 3em; text-align: right; }
.tsorch-progress .tsorch-metric b { font-weight: 600; }
`.trim();

export class ProgressBar {
  readonly total: number;
  /** Text before the bar. */
  label: string;
  readonly #width: number;
  readonly #now: () => number;
  readonly #start: number;
  #n = 0;
  #metrics: Metrics = {};
  #updatedAt: number;

  /** Use {@link progressBar}. */
  constructor(options: ProgressBarOptions) {
    if (typeof options !== "object" || options === null) {
      throw new ArgumentError("progressBar(options): options must be an object such as { total: 100, label: \"epoch 1\" }", "options", "TypeError");
    }
    const { total, label = "", width = 20, now = () => performance.now() } = options;
    if (typeof total !== "number" || !Number.isInteger(total) || total < 1) {
      throw new ArgumentError(`progressBar: total must be a positive integer, got ${String(total)}`, "total");
    }
    if (!Number.isInteger(width) || width < 1 || width > 200) throw new ArgumentError(`progressBar: width must be an integer from 1 to 200, got ${width}`, "width");
    if (typeof now !== "function") throw new ArgumentError("progressBar: now must be a function returning milliseconds", "now", "TypeError");
    this.total = total;
    this.label = String(label);
    this.#width = width;
    this.#now = now;
    this.#start = now();
    this.#updatedAt = this.#start;
  }

  /** Steps done. */
  get n(): number {
    return this.#n;
  }

  /** The metrics given with the last update. */
  get metrics(): Readonly<Metrics> {
    return this.#metrics;
  }

  /** Done fraction, 0 to 1. */
  get fraction(): number {
    return Math.min(1, this.#n / this.total);
  }

  /** Seconds from creation to the last update. */
  get elapsed(): number {
    return (this.#updatedAt - this.#start) / 1000;
  }

  /** Steps per second so far (NaN before any step). */
  get rate(): number {
    return this.#n > 0 && this.elapsed > 0 ? this.#n / this.elapsed : NaN;
  }

  /** Seconds left at the current rate (NaN before any step). */
  get remaining(): number {
    return Math.max(0, this.total - this.#n) / this.rate;
  }

  get done(): boolean {
    return this.#n >= this.total;
  }

  /**
   * Sets the steps done (absolute, 0 to total; more than total shows as 100%)
   * and, if given, the metrics to show (replacing the previous ones).
   */
  update(n: number, metrics?: Metrics): this {
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      throw new ArgumentError(`ProgressBar.update(n): n must be a number of steps ≥ 0, got ${String(n)}`, "n");
    }
    if (metrics !== undefined && (typeof metrics !== "object" || metrics === null)) {
      throw new ArgumentError("ProgressBar.update(n, metrics): metrics must be an object such as { loss: 0.41 }", "metrics", "TypeError");
    }
    this.#n = n;
    if (metrics) this.#metrics = { ...metrics };
    this.#updatedAt = this.#now();
    return this;
  }

  /** `loss 0.412 acc 0.912`. */
  metricsText(): string {
    return Object.entries(this.#metrics)
      .map(([k, v]) => `${k} ${typeof v === "number" ? formatValue(v) : String(v)}`)
      .join(" ");
  }

  /** `[00:03<00:01, 20.5 it/s]` (elapsed < remaining, rate). */
  timeText(): string {
    const rate = this.rate;
    const rateText = Number.isNaN(rate) ? "? it/s" : rate >= 1 ? `${rate.toFixed(1)} it/s` : `${(1 / rate).toFixed(1)} s/it`;
    return `[${formatDuration(this.elapsed)}<${formatDuration(this.remaining)}, ${rateText}]`;
  }

  /** The bar as characters: full blocks, one partial block (eighths), light shade for the rest. */
  barText(): string {
    const cells = this.fraction * this.#width;
    const full = Math.floor(cells);
    const part = full < this.#width ? EIGHTHS[Math.floor((cells - full) * 8)]! : "";
    return "█".repeat(full) + part + "░".repeat(this.#width - full - (part ? 1 : 0));
  }

  #pct(): string {
    return `${Math.floor(this.fraction * 100)}%`.padStart(4);
  }

  toString(): string {
    const parts = [this.label, this.barText(), this.#pct(), `${this.#n}/${this.total}`, this.timeText(), this.metricsText()];
    return parts.filter((p) => p !== "").join(" ");
  }

  /** The text/html form: label, bar, percent, counts and time, metrics. */
  html(): string {
    const pct = (this.fraction * 100).toFixed(1);
    const inner =
      `<div class="tsorch-progress${this.done ? " tsorch-done" : ""}" role="progressbar" aria-valuemin="0" aria-valuemax="${this.total}" aria-valuenow="${this.#n}">` +
      `<span class="tsorch-indent"></span>` +
      (this.label ? `<span class="tsorch-label">${escapeHtml(this.label)}</span>` : "") +
      `<span class="tsorch-bar"><span class="tsorch-fill" style="width:${pct}%"></span></span>` +
      this.#detailHtml() +
      `</div>`;
    return htmlBlock(inner, PROGRESS_CSS);
  }

  /** What follows the bar in the HTML form: percent, counts and time, metrics. */
  #detailHtml(): string {
    const metrics = Object.entries(this.#metrics)
      .map(([k, v]) => `<span class="tsorch-metric">${escapeHtml(k)} <b>${escapeHtml(typeof v === "number" ? formatValue(v) : String(v))}</b></span>`)
      .join(" ");
    return (
      `<span class="tsorch-pct">${Math.floor(this.fraction * 100)}%</span>` +
      `<span class="tsorch-muted">${this.#n}/${this.total} ${escapeHtml(this.timeText())}</span>` +
      metrics
    );
  }

  [progressState](): ProgressState {
    return { n: this.#n, total: this.total, label: this.label, detailHtml: this.#detailHtml(), done: this.done };
  }

  [jupyterDisplay](): DisplayResult {
    return { "text/plain": this.toString(), "text/html": this.html() };
  }

  [inspectCustom](_depth: number, options: InspectOptions | undefined): string {
    if (!options?.colors) return this.toString();
    const colored = `\x1b[32m${this.barText().replace(/░+$/, (rest) => `\x1b[90m${rest}`)}\x1b[39m`;
    const parts = [this.label, colored, this.#pct(), `${this.#n}/${this.total}`, this.timeText(), this.metricsText()];
    return parts.filter((p) => p !== "").join(" ");
  }
}

/**
 * A progress bar over `total` steps.
 *
 * @example
 * const bar = progressBar({ total: 94, label: "epoch 2/5" });
 * bar.update(66, { loss: 0.412 });
 * String(bar);   // "epoch 2/5 ██████████████▋░░░░░  70% 66/94 [00:03<00:01, 20.5 it/s] loss 0.412"
 */
export function progressBar(options: ProgressBarOptions): ProgressBar {
  return new ProgressBar(options);
}
