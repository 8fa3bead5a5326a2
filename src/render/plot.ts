/**
 * Line plots (loss and accuracy curves) drawn to PNG, with axes, tick
 * labels, a legend and a text summary — no browser, no plotting library.
 *
 * `linePlot({ series, title, xlabel, ylabel })` returns a displayable
 * {@link LinePlot}: a PNG in notebooks (sized by metadata) with a text/plain
 * line per series ("train loss 0.123 at step 400"), half blocks in colour
 * terminals, the text elsewhere. A live curve is redrawn in place by
 * displaying it under a display id and updating that id with a new plot:
 *
 * @example
 * const steps: number[] = [], losses: number[] = [];
 * const curve = () => linePlot({ series: [{ name: "train loss", x: steps, y: losses }], title: "loss", xlabel: "step" });
 * display(curve(), { display_id: "loss" });
 * // in the training loop:
 * steps.push(step); losses.push(loss.item());
 * updateDisplay("loss", curve());
 *
 * Values that are not finite (a loss that went NaN) are not drawn: the line
 * breaks there and the summary counts them. With `logY`, values ≤ 0 are
 * skipped the same way. A series with no values yet draws nothing, so an
 * empty plot can be shown before training starts.
 *
 * The image has its own background ("light": near-white, default; "dark":
 * near-black), so it reads the same in light and dark notebook themes; the
 * series colours are the Okabe–Ito palette, distinguishable with the common
 * colour-vision deficiencies.
 */

import { ArgumentError } from "../errors.js";
import { type AnsiColorMode, detectColorMode, pixelsToAnsiLines, terminalColumns } from "./ansi.js";
import { DrawnImage } from "./image.js";
import { drawText, GLYPH_ASCENT, lineHeight, measureText } from "./font.js";
import { formatValue } from "./heatmap.js";
import type { Pixels } from "./png.js";

type Rgb = readonly [number, number, number];
export type PlotTheme = "light" | "dark";

/** One line of the plot. */
export interface Series {
  /** Shown in the legend and the summary: "train loss". */
  name: string;
  /** The x of each point (default 0, 1, 2, ...). */
  x?: ArrayLike<number>;
  /** The y of each point; a 1-d tensor works too (anything with `tolist()`). */
  y: ArrayLike<number> | { tolist(): unknown };
  /** "#rrggbb" or [r, g, b]; default the next palette colour. */
  color?: string | Rgb;
}

export interface LinePlotOptions {
  series: readonly Series[];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** Logarithmic y axis (values ≤ 0 are not drawn). */
  logY?: boolean;
  /** Image size in pixels (default 720×320). */
  width?: number;
  height?: number;
  /** Fixed axis ranges (default: the data's, with a margin). */
  xlim?: readonly [number, number];
  ylim?: readonly [number, number];
  /** "light" (default) or "dark". */
  theme?: PlotTheme;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where things are on the image (for tests, and to place annotations). */
export interface PlotLayout {
  readonly width: number;
  readonly height: number;
  /** The data area; the axes run along its left and bottom edges. */
  readonly plot: Rect;
  readonly title: Rect;
  readonly legend: Rect;
  /** Axis ranges in data units (log10 units are NOT used here: these are data values). */
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
}

/** What a series holds after checking: its finite points and what was left out. */
export interface SeriesStats {
  readonly name: string;
  readonly color: Rgb;
  readonly points: number;
  /** Points not drawn: NaN, ±Inf, or ≤ 0 on a log axis. */
  readonly skipped: number;
  readonly last: readonly [number, number] | null;
  readonly min: readonly [number, number] | null;
  readonly max: readonly [number, number] | null;
}

interface Palette {
  readonly background: Rgb;
  readonly text: Rgb;
  readonly muted: Rgb;
  readonly grid: Rgb;
  readonly axis: Rgb;
  readonly series: readonly Rgb[];
}

export const PLOT_PALETTES: Record<PlotTheme, Palette> = {
  light: {
    background: [252, 252, 250], text: [33, 33, 33], muted: [96, 96, 96], grid: [226, 226, 222], axis: [110, 110, 110],
    series: [[0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167], [230, 159, 0], [86, 180, 233], [0, 0, 0]],
  },
  dark: {
    background: [28, 28, 30], text: [232, 232, 232], muted: [170, 170, 170], grid: [58, 58, 62], axis: [150, 150, 150],
    series: [[86, 180, 233], [230, 159, 0], [0, 190, 140], [224, 141, 187], [240, 228, 66], [213, 94, 0], [255, 255, 255]],
  },
};

const TEXT_SCALE = 2;
const MARGIN = 12;
const TICK = 5;
const LINE_RADIUS = 1.25;
const LEGEND_SWATCH = 22;
const DEFAULT_WIDTH = 720;
const DEFAULT_HEIGHT = 320;

// ---------------------------------------------------------------------------
// Input

interface Prepared {
  readonly opts: Required<Pick<LinePlotOptions, "width" | "height" | "theme" | "logY">> & LinePlotOptions;
  readonly palette: Palette;
  /** Per series, x and y (y already in log10 units on a log axis; NaN where a point is skipped). */
  readonly xs: readonly Float64Array[];
  readonly ys: readonly Float64Array[];
  readonly stats: readonly SeriesStats[];
}

function toNumbers(values: unknown, what: string): Float64Array {
  if (values && typeof (values as { tolist?: unknown }).tolist === "function") {
    const list = (values as { tolist(): unknown }).tolist();
    const flat = Array.isArray(list) ? list.flat(Infinity) : [list];
    return Float64Array.from(flat as number[], Number);
  }
  if (values === null || typeof values !== "object" || typeof (values as ArrayLike<number>).length !== "number") {
    throw new ArgumentError(`linePlot: ${what} must be an array of numbers`, what, "TypeError");
  }
  return Float64Array.from(values as ArrayLike<number>, Number);
}

function parseColor(color: string | Rgb, name: string): Rgb {
  if (typeof color === "string") {
    const m = /^#?([0-9a-f]{6})$/i.exec(color.trim());
    if (!m) throw new ArgumentError(`linePlot: the color of "${name}" must be "#rrggbb" or [r, g, b], got ${JSON.stringify(color)}`, "color");
    const v = parseInt(m[1]!, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  if (!Array.isArray(color) || color.length !== 3 || color.some((c) => !(c >= 0 && c <= 255))) {
    throw new ArgumentError(`linePlot: the color of "${name}" must be "#rrggbb" or [r, g, b] with values 0..255`, "color");
  }
  return [Math.round(color[0]), Math.round(color[1]), Math.round(color[2])];
}

function checkSize(value: unknown, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 4096) {
    throw new ArgumentError(`linePlot: ${name} must be an integer from ${min} to 4096, got ${String(value)}`, name);
  }
  return value;
}

function checkRange(value: unknown, name: string): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const r = value as readonly number[];
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0]! < r[1]!)) {
    throw new ArgumentError(`linePlot: ${name} must be [low, high] with low < high, got ${JSON.stringify(value)}`, name);
  }
  return [r[0]!, r[1]!];
}

function prepare(options: LinePlotOptions): Prepared {
  if (typeof options !== "object" || options === null || !Array.isArray(options.series)) {
    throw new ArgumentError("linePlot(options): options.series must be an array of { name, x, y }", "series", "TypeError");
  }
  const theme = options.theme ?? "light";
  if (theme !== "light" && theme !== "dark") throw new ArgumentError(`linePlot: theme must be "light" or "dark", got ${JSON.stringify(theme)}`, "theme");
  const width = checkSize(options.width ?? DEFAULT_WIDTH, "width", 240);
  const height = checkSize(options.height ?? DEFAULT_HEIGHT, "height", 120);
  const logY = options.logY === true;
  const ylim = checkRange(options.ylim, "ylim");
  if (logY && ylim && ylim[0] <= 0) throw new ArgumentError(`linePlot: ylim must be positive on a log axis, got [${ylim.join(", ")}]`, "ylim");
  checkRange(options.xlim, "xlim");
  const palette = PLOT_PALETTES[theme];
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const stats: SeriesStats[] = options.series.map((s, i) => {
    if (typeof s !== "object" || s === null || typeof s.name !== "string") {
      throw new ArgumentError(`linePlot: series ${i} must be { name: string, x?: number[], y: number[] }`, "series", "TypeError");
    }
    const y = toNumbers(s.y, `series "${s.name}" y`);
    const x = s.x === undefined ? Float64Array.from(y, (_, k) => k) : toNumbers(s.x, `series "${s.name}" x`);
    if (x.length !== y.length) {
      throw new ArgumentError(`linePlot: series "${s.name}" has ${x.length} x values but ${y.length} y values`, "series");
    }
    const color = s.color === undefined ? palette.series[i % palette.series.length]! : parseColor(s.color, s.name);
    let skipped = 0;
    let last: [number, number] | null = null;
    let min: [number, number] | null = null;
    let max: [number, number] | null = null;
    const yPlot = new Float64Array(y.length);
    for (let k = 0; k < y.length; k++) {
      const ok = Number.isFinite(x[k]!) && Number.isFinite(y[k]!) && (!logY || y[k]! > 0);
      if (!ok) {
        skipped++;
        yPlot[k] = NaN;
        continue;
      }
      yPlot[k] = logY ? Math.log10(y[k]!) : y[k]!;
      last = [x[k]!, y[k]!];
      if (!min || y[k]! < min[1]) min = [x[k]!, y[k]!];
      if (!max || y[k]! > max[1]) max = [x[k]!, y[k]!];
    }
    xs.push(x);
    ys.push(yPlot);
    return { name: s.name, color, points: y.length, skipped, last, min, max };
  });
  return { opts: { ...options, width, height, theme, logY }, palette, xs, ys, stats };
}

// ---------------------------------------------------------------------------
// Axes

/** The tick step for about `count` ticks over [lo, hi]: 1, 2, 2.5 or 5 × 10^k. */
export function tickStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  return Number(step.toPrecision(12));
}

/** Round tick values inside [lo, hi], about `count` of them (multiples of {@link tickStep}). */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = tickStep(lo, hi, count);
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** A tick label: as many decimals as the tick step has (0.25 → 2, 0.5 → 1, 200 → 0). */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(1).replace(/\.0e/, "e").replace("e+", "e");
  let decimals = 0;
  while (decimals < 8 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return v.toFixed(decimals);
}

/** Ticks of a log axis (range in log10 units): decades, or 1-2-5 within a short range; values in data units. */
function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(lo - 1e-9); k <= hi + 1e-9; k++) decades.push(10 ** k);
  if (decades.length >= 3) {
    const every = Math.ceil(decades.length / 6);
    return decades.filter((_, i) => i % every === 0);
  }
  const ticks: number[] = [];
  for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      const l = Math.log10(v);
      if (l >= lo - 1e-9 && l <= hi + 1e-9) ticks.push(Number(v.toPrecision(12)));
    }
  }
  return ticks.length >= 2 ? ticks : niceTicks(10 ** lo, 10 ** hi, 4);
}

function logLabel(v: number): string {
  const k = Math.round(Math.log10(v));
  if (Math.abs(v - 10 ** k) < 1e-9 * v && (k < -3 || k > 4)) return `1e${k}`;
  return formatValue(v);
}

/** The data extent over all series (y in plot units), or null without points. */
function extent(xs: readonly Float64Array[], ys: readonly Float64Array[]): { x: [number, number]; y: [number, number] } | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  xs.forEach((x, s) => {
    const y = ys[s]!;
    for (let k = 0; k < y.length; k++) {
      if (Number.isNaN(y[k]!)) continue;
      x0 = Math.min(x0, x[k]!);
      x1 = Math.max(x1, x[k]!);
      y0 = Math.min(y0, y[k]!);
      y1 = Math.max(y1, y[k]!);
    }
  });
  return x0 <= x1 ? { x: [x0, x1], y: [y0, y1] } : null;
}

/** Widens a degenerate range; adds `pad` of its span on each side. */
function padRange(lo: number, hi: number, pad: number): [number, number] {
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

interface Axes {
  /** Ranges in plot units (log10 for a log y axis). */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  readonly xLabels: readonly string[];
  readonly yLabels: readonly string[];
}

function axes(p: Prepared, plotWidth: number, plotHeight: number): Axes {
  const { opts } = p;
  const ext = extent(p.xs, p.ys);
  const xData: [number, number] = ext ? [ext.x[0], ext.x[1]] : [0, 1];
  const x: [number, number] = opts.xlim ? [opts.xlim[0], opts.xlim[1]] : xData[0] === xData[1] ? padRange(xData[0], xData[1], 0) : xData;
  const ylim = opts.ylim ? (opts.logY ? [Math.log10(opts.ylim[0]), Math.log10(opts.ylim[1])] : [opts.ylim[0], opts.ylim[1]]) : undefined;
  const y = (ylim as [number, number] | undefined) ?? (ext ? padRange(ext.y[0], ext.y[1], 0.06) : opts.logY ? [-1, 1] as [number, number] : [0, 1] as [number, number]);

  // As many ticks as fit: x labels at least 24 pixels apart, y ticks at least two text lines apart.
  const fits = (ticks: readonly number[], labels: readonly string[], span: number, lo: number, hi: number, gap: (l: string) => number) => {
    const pos = ticks.map((v) => ((v - lo) / (hi - lo)) * span);
    return ticks.every((_, k) => k === 0 || pos[k]! - pos[k - 1]! >= (gap(labels[k]!) + gap(labels[k - 1]!)) / 2);
  };
  // The most ticks that fit; at least two when any step gives two.
  const linear = (lo: number, hi: number, span: number, gap: (l: string) => number): [number[], string[]] => {
    const candidates = Array.from({ length: 12 }, (_, i) => {
      const ticks = niceTicks(lo, hi, i + 1);
      return [ticks, ticks.map((v) => formatTick(v, tickStep(lo, hi, i + 1)))] as [number[], string[]];
    });
    const fitting = candidates.filter(([t, l]) => t.length >= 2 && fits(t, l, span, lo, hi, gap));
    if (fitting.length) return fitting.reduce((a, b) => (b[0].length > a[0].length ? b : a));
    const two = candidates.filter(([t]) => t.length >= 2);
    if (two.length) return two.reduce((a, b) => (b[0].length < a[0].length ? b : a));
    return candidates[0]!;
  };
  const [xTicks, xLabels] = linear(x[0], x[1], plotWidth, (l) => measureText(l, TEXT_SCALE) + 24);
  const rowGap = () => Math.round(lineHeight(TEXT_SCALE) * 1.6);
  let yTicks: number[];
  let yLabels: string[];
  if (opts.logY) {
    yTicks = logTicks(y[0], y[1]);
    yLabels = yTicks.map(logLabel);
    yTicks = yTicks.map((v) => Math.log10(v));
  } else {
    [yTicks, yLabels] = linear(y[0], y[1], plotHeight, rowGap);
  }
  return { x, y, xTicks, yTicks, xLabels, yLabels };
}

// ---------------------------------------------------------------------------
// Drawing

function fillRect(img: Pixels, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let j = y0; j < y1; j++) {
    for (let i = x0; i < x1; i++) {
      const o = (j * img.width + i) * img.channels;
      img.data[o] = color[0];
      img.data[o + 1] = color[1];
      img.data[o + 2] = color[2];
      if (img.channels === 4) img.data[o + 3] = 255;
    }
  }
}

/**
 * Coverage of a polyline (with breaks at NaN) drawn with a round pen of
 * radius `radius`, clipped to `clip`, kept as the max per pixel so joints
 * are not painted twice.
 */
function strokeCoverage(cover: Float32Array, width: number, clip: Rect, px: Float64Array, py: Float64Array, radius: number): void {
  const reach = radius + 0.5;
  const x0c = Math.max(0, Math.floor(clip.x));
  const x1c = Math.min(width - 1, Math.ceil(clip.x + clip.width) - 1);
  const y0c = Math.max(0, Math.floor(clip.y));
  const y1c = Math.ceil(clip.y + clip.height) - 1;
  const segment = (ax: number, ay: number, bx: number, by: number) => {
    const i0 = Math.max(x0c, Math.floor(Math.min(ax, bx) - reach));
    const i1 = Math.min(x1c, Math.ceil(Math.max(ax, bx) + reach));
    const j0 = Math.max(y0c, Math.floor(Math.min(ay, by) - reach));
    const j1 = Math.min(y1c, Math.ceil(Math.max(ay, by) + reach));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let j = j0; j <= j1; j++) {
      const cy = j + 0.5;
      for (let i = i0; i <= i1; i++) {
        const cx = i + 0.5;
        let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = ax + t * dx - cx;
        const ey = ay + t * dy - cy;
        const c = reach - Math.sqrt(ex * ex + ey * ey);
        if (c <= 0) continue;
        const o = j * width + i;
        const v = c > 1 ? 1 : c;
        if (v > cover[o]!) cover[o] = v;
      }
    }
  };
  const n = px.length;
  for (let k = 0; k < n; k++) {
    if (Number.isNaN(py[k]!)) continue;
    const prevOk = k > 0 && !Number.isNaN(py[k - 1]!);
    const nextOk = k + 1 < n && !Number.isNaN(py[k + 1]!);
    if (nextOk) segment(px[k]!, py[k]!, px[k + 1]!, py[k + 1]!);
    // A point with no neighbour to join shows as a dot, slightly larger than the line.
    else if (!prevOk) segment(px[k]!, py[k]!, px[k]! + 1e-9, py[k]!);
  }
}

function blend(img: Pixels, cover: Float32Array, color: Rgb): void {
  const { data, channels } = img;
  for (let p = 0; p < cover.length; p++) {
    const a = cover[p]!;
    if (a <= 0) continue;
    const o = p * channels;
    data[o] = Math.round(data[o]! + (color[0] - data[o]!) * a);
    data[o + 1] = Math.round(data[o + 1]! + (color[1] - data[o + 1]!) * a);
    data[o + 2] = Math.round(data[o + 2]! + (color[2] - data[o + 2]!) * a);
    if (channels === 4) data[o + 3] = Math.max(data[o + 3]!, Math.round(255 * a));
  }
}

/** Plot units to pixel coordinates (continuous: pixel (i, j) has its centre at (i + 0.5, j + 0.5)). */
function mapper(ax: Axes, plot: Rect): { x: (v: number) => number; y: (v: number) => number } {
  const [x0, x1] = ax.x;
  const [y0, y1] = ax.y;
  return {
    x: (v) => plot.x + ((v - x0) / (x1 - x0)) * plot.width,
    y: (v) => plot.y + plot.height - ((v - y0) / (y1 - y0)) * plot.height,
  };
}

interface Drawing {
  readonly layout: PlotLayout;
  readonly axes: Axes;
  readonly titleText: string;
  /** Legend entries with their positions. */
  readonly legend: readonly { x: number; y: number; name: string; color: Rgb }[];
}

function planDrawing(p: Prepared): Drawing {
  const { width, height } = p.opts;
  const text = lineHeight(TEXT_SCALE);
  const titleText = p.opts.title ?? "";
  const titleRect: Rect = { x: MARGIN, y: MARGIN, width: measureText(titleText, TEXT_SCALE), height: titleText ? text : 0 };

  // Legend: on the title's row, right-aligned, when it fits there; else on rows of its own below.
  const entryWidth = (name: string) => LEGEND_SWATCH + 6 + measureText(name, TEXT_SCALE);
  const ENTRY_GAP = 18;
  const oneRow = p.stats.reduce((w, s, i) => w + entryWidth(s.name) + (i ? ENTRY_GAP : 0), 0);
  const legend: { x: number; y: number; name: string; color: Rgb }[] = [];
  const titleEnd = titleText ? titleRect.x + titleRect.width + 24 : MARGIN;
  let legendTop: number;
  if (titleEnd + oneRow <= width - MARGIN) {
    legendTop = MARGIN;
    let lx = width - MARGIN - oneRow;
    for (const s of p.stats) {
      legend.push({ x: lx, y: legendTop, name: s.name, color: s.color });
      lx += entryWidth(s.name) + ENTRY_GAP;
    }
  } else {
    legendTop = titleRect.y + titleRect.height + 6;
    let lx = MARGIN;
    let ly = legendTop;
    for (const s of p.stats) {
      const w = entryWidth(s.name);
      if (lx > MARGIN && lx + w > width - MARGIN) {
        lx = MARGIN;
        ly += text + 4;
      }
      legend.push({ x: lx, y: ly, name: s.name, color: s.color });
      lx += w + ENTRY_GAP;
    }
  }
  const legendBottom = legend.length > 0 ? legend[legend.length - 1]!.y + text : legendTop;
  const legendRect: Rect = { x: MARGIN, y: legendTop, width: width - 2 * MARGIN, height: legendBottom - legendTop };
  const headerBottom = Math.max(titleRect.y + titleRect.height, legendBottom);

  // The y label sits above the y axis; tick labels left of it; the x label under the x tick labels.
  const top = Math.max(MARGIN, headerBottom + 8) + (p.opts.ylabel ? text + 4 : 0) + GLYPH_ASCENT;
  const bottom = height - MARGIN - text - 6 - (p.opts.xlabel ? text + 4 : 0);
  // Tick labels depend on the axes, which depend on the plot size: measure with a first guess, then settle.
  let left = MARGIN + measureText("0.00", TEXT_SCALE) + TICK + 4;
  let ax = axes(p, width - MARGIN - left, bottom - top);
  left = MARGIN + Math.max(measureText("0", TEXT_SCALE), ...ax.yLabels.map((l) => measureText(l, TEXT_SCALE))) + TICK + 4;
  const lastLabel = ax.xLabels[ax.xLabels.length - 1] ?? "";
  const right = width - MARGIN - Math.ceil(measureText(lastLabel, TEXT_SCALE) / 2);
  ax = axes(p, right - left, bottom - top);
  const plot: Rect = { x: left, y: top, width: Math.max(10, right - left), height: Math.max(10, bottom - top) };
  const unlog = (v: number) => (p.opts.logY ? 10 ** v : v);
  const layout: PlotLayout = {
    width, height, plot, title: titleRect, legend: legendRect,
    xRange: ax.x, yRange: [unlog(ax.y[0]), unlog(ax.y[1])],
    xTicks: ax.xTicks, yTicks: ax.yTicks.map(unlog),
  };
  return { layout, axes: ax, titleText, legend };
}

function paint(p: Prepared, d: Drawing): Pixels {
  const { width, height, plot } = d.layout;
  const { palette } = p;
  const img: Pixels = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  fillRect(img, 0, 0, width, height, palette.background);
  const text = lineHeight(TEXT_SCALE);
  const map = mapper(d.axes, plot);

  if (d.titleText) drawText(img, d.titleText, d.layout.title.x, d.layout.title.y, palette.text, TEXT_SCALE);
  for (const e of d.legend) {
    fillRect(img, e.x, e.y + GLYPH_ASCENT - 2, LEGEND_SWATCH, 4, e.color);
    drawText(img, e.name, e.x + LEGEND_SWATCH + 6, e.y, palette.text, TEXT_SCALE);
  }
  if (p.opts.ylabel) drawText(img, p.opts.ylabel, MARGIN, plot.y - GLYPH_ASCENT - text - 4, palette.muted, TEXT_SCALE);

  // Grid and ticks.
  const bottom = plot.y + plot.height;
  d.axes.yTicks.forEach((v, k) => {
    const y = Math.floor(map.y(v));
    if (y < plot.y - 0.5 || y > bottom) return;
    fillRect(img, plot.x, y, plot.width, 1, palette.grid);
    fillRect(img, plot.x - TICK, y, TICK, 1, palette.axis);
    const label = d.axes.yLabels[k]!;
    drawText(img, label, plot.x - TICK - 4 - measureText(label, TEXT_SCALE), y - Math.round((GLYPH_ASCENT * TEXT_SCALE) / 2), palette.muted, TEXT_SCALE);
  });
  d.axes.xTicks.forEach((v, k) => {
    const x = Math.floor(map.x(v));
    if (x < plot.x - 0.5 || x > plot.x + plot.width) return;
    fillRect(img, x, plot.y, 1, plot.height, palette.grid);
    fillRect(img, x, bottom, 1, TICK, palette.axis);
    const label = d.axes.xLabels[k]!;
    drawText(img, label, x - Math.round(measureText(label, TEXT_SCALE) / 2), bottom + TICK + 3, palette.muted, TEXT_SCALE);
  });
  if (p.opts.xlabel) {
    const w = measureText(p.opts.xlabel, TEXT_SCALE);
    drawText(img, p.opts.xlabel, plot.x + Math.round((plot.width - w) / 2), bottom + TICK + 3 + text + 4, palette.muted, TEXT_SCALE);
  }
  // Axes: left and bottom edges.
  fillRect(img, plot.x - 1, plot.y, 1, plot.height + 1, palette.axis);
  fillRect(img, plot.x - 1, bottom, plot.width + 1, 1, palette.axis);

  // Series, in order (later ones on top).
  const clip: Rect = { x: plot.x, y: plot.y - LINE_RADIUS, width: plot.width + LINE_RADIUS, height: plot.height + LINE_RADIUS };
  p.stats.forEach((s, i) => {
    const cover = new Float32Array(width * height);
    const px = p.xs[i]!.map(map.x);
    const py = p.ys[i]!.map((v) => (Number.isNaN(v) ? NaN : map.y(v)));
    strokeCoverage(cover, width, clip, px, py, LINE_RADIUS);
    blend(img, cover, s.color);
  });
  if (p.stats.every((s) => s.last === null)) {
    const msg = "no data yet";
    drawText(img, msg, plot.x + Math.round((plot.width - measureText(msg, TEXT_SCALE)) / 2), plot.y + Math.round(plot.height / 2) - text / 2, palette.muted, TEXT_SCALE);
  }
  return img;
}

// ---------------------------------------------------------------------------
// Text

function summaryLine(s: SeriesStats, xlabel: string | undefined, logY: boolean): string {
  const at = (pt: readonly [number, number]) => `${formatValue(pt[1])} at ${xlabel ? `${xlabel} ` : "x="}${formatValue(pt[0])}`;
  const why = logY ? "not finite or ≤ 0 on the log axis" : "not finite";
  if (s.last === null) return `${s.name}: no data${s.skipped ? ` (${s.skipped} values ${why})` : ""}`;
  let line = `${s.name} ${at(s.last)}`;
  if (s.points - s.skipped > 1) line += ` (min ${at(s.min!)}, max ${at(s.max!)}; ${s.points} points)`;
  if (s.skipped) line += `; ${s.skipped} not drawn (${why})`;
  return line;
}

// ---------------------------------------------------------------------------
// The displayable object

/** A line plot ready to show: PNG in notebooks, half blocks in colour terminals, text elsewhere. */
export class LinePlot extends DrawnImage {
  /** Per series: points, last, min and max values, points not drawn. */
  readonly stats: readonly SeriesStats[];
  /** One line per series ("train loss 0.123 at step 400 ..."), after the title. */
  readonly summary: string;
  readonly layout: PlotLayout;
  readonly #prepared: Prepared;
  readonly #drawing: Drawing;

  /** Use {@link linePlot}. */
  constructor(options: LinePlotOptions) {
    super();
    this.#prepared = prepare(options);
    this.#drawing = planDrawing(this.#prepared);
    this.layout = this.#drawing.layout;
    this.stats = this.#prepared.stats;
    const { title, xlabel, logY } = this.#prepared.opts;
    const lines = this.stats.map((s) => summaryLine(s, xlabel, logY));
    this.summary = [title ? `${title}:` : "", ...(lines.length ? lines : ["(no series)"])].filter(Boolean).join("\n");
  }

  get width(): number {
    return this.layout.width;
  }

  get height(): number {
    return this.layout.height;
  }

  protected override draw(): Pixels {
    return paint(this.#prepared, this.#drawing);
  }

  /**
   * Where the data point (x, y) lands on the image, in pixel coordinates
   * (the pixel containing it is [floor(px), floor(py)]).
   */
  toPixel(x: number, y: number): [number, number] {
    const map = mapper(this.#drawing.axes, this.layout.plot);
    return [map.x(x), map.y(this.#prepared.opts.logY ? Math.log10(y) : y)];
  }

  /** The terminal rendering: title, the curves in half blocks with the y range beside them, x range and legend. */
  toAnsi(options: { columns?: number; rows?: number; color?: AnsiColorMode } = {}): string {
    return renderAnsi(this.#prepared, options);
  }

}

function renderAnsi(p: Prepared, options: { columns?: number; rows?: number; color?: AnsiColorMode }): string {
  const columns = options.columns ?? Math.min(100, terminalColumns());
  const rows = options.rows ?? 12;
  if (!Number.isInteger(columns) || columns < 20) throw new ArgumentError(`LinePlot.toAnsi: columns must be an integer ≥ 20, got ${columns}`, "columns");
  if (!Number.isInteger(rows) || rows < 3) throw new ArgumentError(`LinePlot.toAnsi: rows must be an integer ≥ 3, got ${rows}`, "rows");
  const mode = options.color ?? detectColorMode();
  const ax0 = axes(p, columns, rows * 2);
  const fmtY = (v: number) => (p.opts.logY ? logLabel(10 ** v) : formatValue(v));
  const yTop = fmtY(ax0.y[1]);
  const yBottom = fmtY(ax0.y[0]);
  const gutter = Math.max(yTop.length, yBottom.length) + 1;
  const w = columns - gutter - 1;
  const h = rows * 2;
  // Transparent background (the terminal's own), axes in gray, curves in their colours.
  const img: Pixels = { width: w, height: h, channels: 4, data: new Uint8Array(w * h * 4) };
  const plot: Rect = { x: 1, y: 0, width: w - 1, height: h - 1 };
  const map = mapper(ax0, plot);
  for (let j = 0; j < h; j++) setPixel(img, 0, j, p.palette.axis);
  for (let i = 0; i < w; i++) setPixel(img, i, h - 1, p.palette.axis);
  p.stats.forEach((s, i) => {
    const cover = new Float32Array(w * h);
    const px = p.xs[i]!.map(map.x);
    const py = p.ys[i]!.map((v) => (Number.isNaN(v) ? NaN : map.y(v)));
    strokeCoverage(cover, w, { x: 1, y: 0, width: w - 1, height: h - 1 }, px, py, 0.5);
    for (let k = 0; k < cover.length; k++) if (cover[k]! >= 0.5) setPixel(img, k % w, Math.floor(k / w), s.color);
  });
  const lines = pixelsToAnsiLines(img, { columns: w, color: mode });
  const out: string[] = [];
  if (p.opts.title) out.push(`\x1b[1m${p.opts.title}\x1b[22m`);
  lines.forEach((line, r) => {
    const label = r === 0 ? yTop : r === lines.length - 1 ? yBottom : "";
    out.push(label.padStart(gutter - 1) + " " + line);
  });
  const xLeft = formatValue(ax0.x[0]);
  const xRight = formatValue(ax0.x[1]);
  const xl = p.opts.xlabel ?? "";
  const inner = Math.max(1, w - xLeft.length - xRight.length);
  const mid = xl.length < inner - 2 ? xl.padStart(Math.floor((inner + xl.length) / 2)).padEnd(inner) : " ".repeat(inner);
  out.push(" ".repeat(gutter) + xLeft + mid + xRight);
  const sgr = (c: Rgb) => (mode === "truecolor" ? `38;2;${c[0]};${c[1]};${c[2]}` : `38;5;${rgb256(c)}`);
  out.push(p.stats.map((s) => `\x1b[${sgr(s.color)}m━━\x1b[39m ${summaryLine(s, p.opts.xlabel, p.opts.logY)}`).join("\n"));
  return out.join("\n");
}

function rgb256(c: Rgb): number {
  // The 6×6×6 cube is close enough for a legend swatch.
  const q = (v: number) => Math.round((v / 255) * 5);
  return 16 + 36 * q(c[0]) + 6 * q(c[1]) + q(c[2]);
}

function setPixel(img: Pixels, x: number, y: number, c: Rgb): void {
  const o = (y * img.width + x) * 4;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
  img.data[o + 3] = 255;
}

/**
 * A line plot of one or more series.
 *
 * @example
 * linePlot({
 *   series: [{ name: "train loss", x: steps, y: losses }, { name: "test loss", x: evalSteps, y: testLosses }],
 *   title: "LeNet on SyntheticDigits", xlabel: "step", ylabel: "loss", logY: true,
 * })
 */
export function linePlot(options: LinePlotOptions): LinePlot {
  return new LinePlot(options);
}
