/**
 * Feature-map heatmaps: one labelled tile per channel of a C×H×W activation,
 * a colour bar, and a title that says what range the colours mean.
 *
 * What a learner sees after running a conv layer should answer three
 * questions at a glance: which channels respond where (the tiles), how strong
 * (the colour bar and its numbers), and whether two tiles can be compared (the
 * normalisation, written on the image and in the text):
 *
 * - `"global"` (default): one range, the min..max over all channels, for every
 *   tile; a dark tile is weak compared with the others. Like torchvision's
 *   `make_grid(normalize=True)`.
 * - `"channel"`: each tile from its own min..max, which shows the pattern of
 *   weak channels too, but colours of two tiles no longer compare. Like
 *   `make_grid(normalize=True, scale_each=True)`; each tile shows its range.
 *
 * Tiles are scaled up by an integer factor chosen from the map size
 * (nearest-neighbour, so a 5×5 map becomes crisp 5×5 blocks). A constant map
 * (min == max) takes the low end of the colormap (the centre for the diverging
 * map) and is marked "const"; NaN and ±Inf are painted magenta, never a
 * colormap colour, and counted per tile and in the text.
 *
 * @example
 * import { featureMapImage } from "./heatmap.js";
 * const act = new Float32Array(6 * 28 * 28).map(() => Math.random());
 * const img = featureMapImage(act, [6, 28, 28], { title: "conv1 · relu" });
 * img.summary;                    // "conv1 · relu — 6×28×28, global range [0, 1]\n..."
 * img[Symbol.for("Jupyter.display")](); // { data: { "image/png": ..., "text/plain": ... }, metadata: ... }
 * console.log(img);               // half-block heatmap in a colour terminal
 */

import { ArgumentError, ShapeError, SizeError, fmtShape } from "../errors.js";
import { type AnsiColorMode, type AnsiOptions, detectColorMode, pixelsToAnsiLines, resizeNearest, terminalColumns } from "./ansi.js";
import { type Colormap, type ColormapName, COLORMAP_NAMES, colormap, lutIndex } from "./colormap.js";
import { escapeHtml, htmlBlock } from "./html.js";
import { DrawnImage } from "./image.js";
import { type DisplayResult, jupyterDisplay, toBase64 } from "./mime.js";
import { drawText, lineHeight, measureText } from "./font.js";
import { encodePng, MAX_PIXELS, type Pixels } from "./png.js";

export type Normalization = "global" | "channel";
export type Theme = "light" | "dark";
type Rgb = readonly [number, number, number];

export interface FeatureMapOptions {
  /** What the maps are, e.g. `"conv1 · relu"`; shape and range are appended. */
  title?: string;
  /** `"global"` (default): one range for all tiles; `"channel"`: each tile its own min..max. */
  normalize?: Normalization;
  /** Default `"viridis"`; `"diverging"` centres the range on zero. */
  colormap?: ColormapName;
  /** Tiles per row. Default: up to 8, fewer when the tiles would not fit `maxWidth`. */
  columns?: number;
  /** Image pixels per map value (integer). Default: chosen so tiles are about 80 to 160 pixels. */
  scale?: number;
  /** Tile names; default `"ch 0"`, `"ch 1"`, ... */
  labels?: readonly string[];
  /** A fixed value range for the colours (overrides `normalize`), e.g. `[0, 1]` to compare runs. */
  range?: readonly [number, number];
  /** Target image width in pixels used to choose columns and scale (default 800). */
  maxWidth?: number;
  /** `"light"` (default): dark text on white; `"dark"`: light text on near-black. */
  theme?: Theme;
}

/** What one channel holds. `min`, `max`, `mean` cover finite values only (NaN when there are none). */
export interface ChannelStats {
  readonly index: number;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
  /** All finite values equal (or no finite values at all). */
  readonly constant: boolean;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where everything is on the image, for tests and for linking tiles to other views. */
export interface HeatmapLayout {
  readonly width: number;
  readonly height: number;
  /** Image pixels per map value. */
  readonly scale: number;
  readonly columns: number;
  readonly rows: number;
  readonly title: Rect;
  /** The area inside each tile's frame (exactly W·scale × H·scale), by channel. */
  readonly tiles: readonly Rect[];
  /** The band above each tile holding its name (and range or counts), by channel. */
  readonly labels: readonly Rect[];
  /** The colour strip, inside its frame. */
  readonly colorbar: Rect;
  /** The band below the colour strip holding its numbers. */
  readonly colorbarLabels: Rect;
}

/** The colours a theme uses; `nonFinite` marks NaN and ±Inf in every theme. */
export interface Palette {
  readonly background: Rgb;
  readonly text: Rgb;
  readonly muted: Rgb;
  readonly frame: Rgb;
  readonly nonFinite: Rgb;
}

export const PALETTES: Record<Theme, Palette> = {
  light: { background: [255, 255, 255], text: [33, 33, 33], muted: [100, 100, 100], frame: [190, 190, 190], nonFinite: [255, 0, 255] },
  dark: { background: [24, 24, 27], text: [232, 232, 232], muted: [165, 165, 165], frame: [80, 80, 84], nonFinite: [255, 0, 255] },
};

// Layout constants, in image pixels.
const MARGIN = 12;
const GAP_X = 12;
const GAP_Y = 12;
const TITLE_SCALE = 2;
const CAPTION_SUB_SCALE = 2;
const MAX_TILE = 160;
const DEFAULT_MAX_WIDTH = 800;
const DEFAULT_COLUMNS = 8;
const BAR_HEIGHT = 14;
const TICK = 4;
/** How many channels the text summary lists one by one. */
const MAX_LISTED = 32;

/**
 * A number as short as it can be while still useful on a label: three
 * significant digits, exponent form only for very large or small magnitudes.
 *
 * @example
 * formatValue(-0.41); // "-0.41"
 * formatValue(1234.5); // "1235"
 * formatValue(0.000012); // "1.2e-5"
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
  if (a >= 1000) return v.toFixed(0);
  const s = v.toPrecision(3);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

// ---------------------------------------------------------------------------
// Input checks and statistics

interface Resolved {
  readonly title: string | undefined;
  readonly normalize: Normalization;
  readonly colormap: Colormap;
  readonly columns: number | undefined;
  readonly scale: number | undefined;
  readonly labels: readonly string[];
  readonly range: readonly [number, number] | undefined;
  readonly maxWidth: number;
  readonly palette: Palette;
}

function positiveInt(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ArgumentError(`featureMapImage: ${name} must be an integer in 1..${max}, got ${String(value)}`, name);
  }
  return value;
}

function resolveOptions(options: FeatureMapOptions, channels: number): Resolved {
  if (typeof options !== "object" || options === null) {
    throw new ArgumentError(`featureMapImage: options must be an object, got ${String(options)}`, "options");
  }
  const normalize = options.normalize ?? "global";
  if (normalize !== "global" && normalize !== "channel") {
    throw new ArgumentError(
      `featureMapImage: normalize must be "global" or "channel", got ${JSON.stringify(normalize)}`,
      "normalize",
    );
  }
  const cmapName = options.colormap ?? "viridis";
  if (!COLORMAP_NAMES.includes(cmapName)) {
    throw new ArgumentError(
      `featureMapImage: colormap must be one of ${COLORMAP_NAMES.join(", ")}, got ${JSON.stringify(cmapName)}`,
      "colormap",
    );
  }
  const theme = options.theme ?? "light";
  if (theme !== "light" && theme !== "dark") {
    throw new ArgumentError(`featureMapImage: theme must be "light" or "dark", got ${JSON.stringify(theme)}`, "theme");
  }
  let range: readonly [number, number] | undefined;
  if (options.range !== undefined) {
    const r = options.range;
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) {
      throw new ArgumentError(
        `featureMapImage: range must be [low, high] with finite low < high, got ${JSON.stringify(r)}`,
        "range",
      );
    }
    range = [r[0], r[1]];
  }
  if (options.labels !== undefined && !Array.isArray(options.labels)) {
    throw new ArgumentError("featureMapImage: labels must be an array of strings", "labels");
  }
  const labels = Array.from({ length: channels }, (_, c) => {
    const given = options.labels?.[c];
    return given === undefined ? `ch ${c}` : String(given);
  });
  return {
    title: options.title === undefined ? undefined : String(options.title),
    normalize,
    colormap: colormap(cmapName),
    columns: positiveInt(options.columns, "columns", 4096),
    scale: positiveInt(options.scale, "scale", 256),
    labels,
    range,
    maxWidth: positiveInt(options.maxWidth, "maxWidth", 1 << 15) ?? DEFAULT_MAX_WIDTH,
    palette: PALETTES[theme],
  };
}

function checkShape(values: ArrayLike<number>, shape: readonly number[]): [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(
      `featureMapImage: shape must be [C, H, W] with positive integer sizes, got ${
        Array.isArray(shape) ? fmtShape(shape) : String(shape)
      } (for a batch, pass one sample: [N, C, H, W] -> [C, H, W])`,
      "shape",
    );
  }
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new ArgumentError(`featureMapImage: values must be a Float32Array, got ${String(values)}`, "values");
  }
  const [c, h, w] = shape as [number, number, number];
  if (c * h * w !== values.length) {
    throw new ShapeError(`shape '${fmtShape(shape)}' is invalid for input of size ${values.length}`, {
      op: "featureMapImage",
      shapes: { values: [values.length], shape },
      expected: { numel: c * h * w },
      got: { numel: values.length },
    });
  }
  return [c, h, w];
}

function computeStats(values: Float32Array | Float64Array, shape: readonly [number, number, number], labels: readonly string[]): ChannelStats[] {
  const [channels, h, w] = shape;
  const size = h * w;
  const stats: ChannelStats[] = [];
  for (let c = 0; c < channels; c++) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    for (let i = c * size, end = i + size; i < end; i++) {
      const v = values[i]!;
      if (v - v === 0) {
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      } else if (v !== v) nan++;
      else if (v > 0) posInf++;
      else negInf++;
    }
    const finite = size - nan - posInf - negInf;
    stats.push({
      index: c,
      label: labels[c]!,
      min: finite > 0 ? min : NaN,
      max: finite > 0 ? max : NaN,
      mean: finite > 0 ? sum / finite : NaN,
      nan,
      posInf,
      negInf,
      constant: finite === 0 || min === max,
    });
  }
  return stats;
}

/** The min and max over all finite values (NaN, NaN when there are none). */
function dataRange(stats: readonly ChannelStats[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of stats) {
    if (s.min < lo) lo = s.min;
    if (s.max > hi) hi = s.max;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** The value range each tile's colours span (before the colormap). */
function colourRanges(stats: readonly ChannelStats[], opts: Resolved): [number, number][] {
  const symmetric = opts.colormap.name === "diverging";
  const fit = (lo: number, hi: number): [number, number] => {
    if (Number.isNaN(lo)) return [0, 0];
    if (!symmetric) return [lo, hi];
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return [-m, m];
  };
  if (opts.range !== undefined) return stats.map(() => [opts.range![0], opts.range![1]]);
  if (opts.normalize === "global") {
    const [lo, hi] = dataRange(stats);
    const r = fit(lo, hi);
    return stats.map(() => r);
  }
  return stats.map((s) => fit(s.min, s.max));
}

// ---------------------------------------------------------------------------
// Painting

function fillRect(img: Pixels, x: number, y: number, w: number, h: number, color: Rgb): void {
  const { width, channels, data } = img;
  const x0 = Math.max(0, x);
  const x1 = Math.min(width, x + w);
  const y0 = Math.max(0, y);
  const y1 = Math.min(img.height, y + h);
  if (x1 <= x0 || y1 <= y0) return;
  const first = (y0 * width + x0) * channels;
  for (let px = x0; px < x1; px++) {
    const o = (y0 * width + px) * channels;
    data[o] = color[0];
    data[o + 1] = color[1];
    data[o + 2] = color[2];
    if (channels === 4) data[o + 3] = 255;
  }
  const rowLen = (x1 - x0) * channels;
  for (let py = y0 + 1; py < y1; py++) data.copyWithin((py * width + x0) * channels, first, first + rowLen);
}

/** A 1-pixel frame just outside the rectangle. */
function frameRect(img: Pixels, r: Rect, color: Rgb): void {
  fillRect(img, r.x - 1, r.y - 1, r.width + 2, 1, color);
  fillRect(img, r.x - 1, r.y + r.height, r.width + 2, 1, color);
  fillRect(img, r.x - 1, r.y, 1, r.height, color);
  fillRect(img, r.x + r.width, r.y, 1, r.height, color);
}

/**
 * Paints one channel as an (h·scale)×(w·scale) block at (x, y): each value is
 * mapped to a colormap entry once, written `scale` times along the row, and the
 * finished image row is copied `scale - 1` times below itself.
 */
function paintTile(
  img: Pixels,
  x: number,
  y: number,
  values: Float32Array | Float64Array,
  offset: number,
  h: number,
  w: number,
  scale: number,
  range: readonly [number, number],
  cmap: Colormap,
  palette: Palette,
): void {
  const { width, channels, data } = img;
  const lut = cmap.lut;
  const [lo, hi] = range;
  const span = hi - lo;
  // A flat range has no position to show: the low end, or the centre of a diverging map.
  const flatIndex = cmap.name === "diverging" ? lutIndex(0.5) : 0;
  const nf = palette.nonFinite;
  const rowLen = w * scale * channels;
  for (let my = 0; my < h; my++) {
    const top = ((y + my * scale) * width + x) * channels;
    let o = top;
    for (let mx = 0; mx < w; mx++) {
      const v = values[offset + my * w + mx]!;
      let r: number;
      let g: number;
      let b: number;
      if (v - v !== 0) {
        [r, g, b] = nf;
      } else {
        const i = (span > 0 ? lutIndex((v - lo) / span) : flatIndex) * 3;
        r = lut[i]!;
        g = lut[i + 1]!;
        b = lut[i + 2]!;
      }
      for (let s = 0; s < scale; s++) {
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
        if (channels === 4) data[o + 3] = 255;
        o += channels;
      }
    }
    for (let s = 1; s < scale; s++) data.copyWithin(top + s * width * channels, top, top + rowLen);
  }
}

function nonFiniteText(s: ChannelStats): string {
  const parts: string[] = [];
  if (s.nan > 0) parts.push(`${s.nan} NaN`);
  if (s.posInf > 0) parts.push(`${s.posInf} +Inf`);
  if (s.negInf > 0) parts.push(`${s.negInf} -Inf`);
  return parts.join(", ");
}

/** The second label line of a tile: its own range (per-channel mode), "const", and bad-value counts. */
function tileNote(s: ChannelStats, normalize: Normalization): string {
  const parts: string[] = [];
  const finite = !Number.isNaN(s.min);
  if (!finite) parts.push("no finite values");
  else if (s.constant) parts.push(`const ${formatValue(s.min)}`);
  else if (normalize === "channel") parts.push(`[${formatValue(s.min)}, ${formatValue(s.max)}]`);
  const bad = nonFiniteText(s);
  if (bad) parts.push(bad);
  return parts.join(" ");
}

interface Plan {
  readonly values: Float32Array | Float64Array;
  readonly shape: readonly [number, number, number];
  readonly stats: readonly ChannelStats[];
  readonly ranges: readonly (readonly [number, number])[];
  readonly opts: Resolved;
  readonly titleText: string;
}

function titleLine(shape: readonly [number, number, number], stats: readonly ChannelStats[], opts: Resolved): string {
  const [c, h, w] = shape;
  const [lo, hi] = dataRange(stats);
  const dims = `${c}×${h}×${w}`;
  let rangeText: string;
  if (opts.range !== undefined) rangeText = `fixed range [${formatValue(opts.range[0])}, ${formatValue(opts.range[1])}]`;
  else if (opts.normalize === "channel") rangeText = "per-channel range";
  else if (Number.isNaN(lo)) rangeText = "no finite values";
  else rangeText = `global range [${formatValue(lo)}, ${formatValue(hi)}]`;
  return opts.title !== undefined && opts.title !== "" ? `${opts.title} — ${dims}, ${rangeText}` : `${dims} feature maps, ${rangeText}`;
}

function normalizationCaption(opts: Resolved): [string, string] {
  if (opts.range !== undefined) return ["normalisation: fixed", "one given range for all channels"];
  return opts.normalize === "global"
    ? ["normalisation: global", "one range for all channels"]
    : ["normalisation: per channel", "each tile from its own min to max"];
}

/** The colour-bar numbers: low, middle and high of the mapped range ("min/mid/max" per channel). */
function barLabels(plan: Plan): [string, string, string] {
  const { opts, ranges } = plan;
  if (opts.normalize === "channel" && opts.range === undefined) {
    return opts.colormap.name === "diverging" ? ["-|max|", "0", "+|max|"] : ["min", "mid", "max"];
  }
  const [lo, hi] = ranges[0] ?? [0, 0];
  if (lo === hi) return [formatValue(lo), "", formatValue(hi)];
  return [formatValue(lo), formatValue((lo + hi) / 2), formatValue(hi)];
}

/** Everything decided before painting: the public layout plus text sizes and strings. */
interface Drawing {
  readonly layout: HeatmapLayout;
  readonly labelScale: number;
  readonly noteScale: number;
  readonly notes: readonly string[];
  readonly labelClip: number;
  readonly barText: readonly [string, string, string];
  readonly caption: readonly [string, string];
  readonly badText: string;
}

/**
 * Places the title, tiles, labels and colour bar. Cheap (no pixels), so it runs
 * when the image object is made and an impossible size fails right away.
 */
function planDrawing(plan: Plan): Drawing {
  const { shape, stats, opts } = plan;
  const [channels, h, w] = shape;

  // Columns and scale: up to 8 tiles per row (make_grid's default), each at
  // most MAX_TILE pixels and as large as the width allows.
  const avail = opts.maxWidth - 2 * MARGIN;
  let columns = Math.min(channels, opts.columns ?? DEFAULT_COLUMNS);
  let perTile = Math.floor((avail - (columns - 1) * GAP_X) / columns);
  if (opts.columns === undefined && Math.max(h, w) > perTile) {
    // Even at scale 1 the tiles do not fit: fewer per row.
    columns = Math.max(1, Math.min(channels, Math.floor((avail + GAP_X) / (w + 2 + GAP_X))));
    perTile = Math.floor((avail - (columns - 1) * GAP_X) / columns);
  }
  const scale = opts.scale ?? Math.max(1, Math.floor(Math.min(MAX_TILE, perTile) / Math.max(h, w)));
  const rows = Math.ceil(channels / columns);
  const tileW = w * scale;
  const tileH = h * scale;

  // Labels at scale 2 when the longest fits above its tile, else scale 1; notes
  // (ranges, "const", NaN counts) likewise, all tiles alike.
  const labelClip = tileW + GAP_X - 2;
  const labelScale = Math.max(...stats.map((s) => measureText(s.label, 2))) <= labelClip ? 2 : 1;
  const notes = stats.map((s) => tileNote(s, opts.normalize));
  const hasNotes = notes.some((n) => n !== "");
  const noteScale = notes.every((n) => measureText(n, 2) <= labelClip) ? 2 : 1;
  const labelBand = lineHeight(labelScale) + (hasNotes ? lineHeight(noteScale) + 2 : 0) + 3;
  const cellW = tileW + GAP_X;
  const cellH = labelBand + tileH + GAP_Y;
  const gridW = columns * tileW + (columns - 1) * GAP_X;

  const caption = normalizationCaption(opts);
  const badTotal = stats.reduce((n, s) => n + s.nan + s.posInf + s.negInf, 0);
  const badText = badTotal > 0 ? `NaN/Inf: ${badTotal}` : "";
  const captionW = Math.max(
    measureText(caption[0], 2),
    measureText(caption[1], CAPTION_SUB_SCALE),
    badText ? BAR_HEIGHT + 6 + measureText(badText, 2) : 0,
  );
  const barText = barLabels(plan);
  // The middle number is centred: each half of the bar holds half of it, one end number and a gap.
  const [loW, midW, hiW] = barText.map((t) => measureText(t, 2)) as [number, number, number];
  const barTextW = 2 * (Math.max(loW, hiW) + Math.ceil(midW / 2) + 12);
  const barW = Math.max(160, barTextW, Math.min(320, Math.floor(gridW / 2)));
  const titleW = measureText(plan.titleText, TITLE_SCALE);

  const width = Math.max(gridW, titleW, barW + 2 + 20 + captionW) + 2 * MARGIN;
  const gridTop = MARGIN + lineHeight(TITLE_SCALE) + 8;
  const barTop = gridTop + rows * cellH + 4;
  const barLabelTop = barTop + BAR_HEIGHT + 1 + TICK + 2;
  const captionH = lineHeight(2) + 2 + lineHeight(CAPTION_SUB_SCALE) + (badText ? 4 + lineHeight(2) : 0);
  const height = Math.max(barLabelTop + lineHeight(2), barTop - 1 + captionH) + MARGIN;
  if (width * height > MAX_PIXELS) {
    throw new SizeError(
      `featureMapImage: the image would be ${width}x${height} pixels, over the limit of ${MAX_PIXELS}; ` +
        "pass a smaller scale or fewer channels",
      "featureMapImage",
      [height, width],
    );
  }

  const tiles: Rect[] = [];
  const labels: Rect[] = [];
  for (let c = 0; c < channels; c++) {
    const x = MARGIN + 1 + (c % columns) * cellW;
    const y = gridTop + Math.floor(c / columns) * cellH;
    labels.push({ x, y, width: tileW, height: labelBand - 3 });
    tiles.push({ x, y: y + labelBand, width: tileW, height: tileH });
  }
  const colorbar: Rect = { x: MARGIN + 1, y: barTop, width: barW, height: BAR_HEIGHT };
  return {
    layout: {
      width,
      height,
      scale,
      columns,
      rows,
      title: { x: MARGIN, y: MARGIN, width: titleW, height: lineHeight(TITLE_SCALE) },
      tiles,
      labels,
      colorbar,
      colorbarLabels: { x: colorbar.x, y: barLabelTop, width: barW, height: lineHeight(2) },
    },
    labelScale,
    noteScale,
    notes,
    labelClip,
    barText,
    caption,
    badText,
  };
}

/** Paints the planned drawing. */
function paint(plan: Plan, drawing: Drawing): Pixels {
  const { shape, stats, ranges, opts } = plan;
  const { layout, labelScale, noteScale, notes, labelClip, barText, caption, badText } = drawing;
  const [channels, h, w] = shape;
  const palette = opts.palette;
  const { width, height, scale } = layout;

  const img: Pixels = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  fillRect(img, 0, 0, width, height, palette.background);
  drawText(img, plan.titleText, layout.title.x, layout.title.y, palette.text, TITLE_SCALE);

  for (let c = 0; c < channels; c++) {
    const label = layout.labels[c]!;
    const tile = layout.tiles[c]!;
    drawText(img, stats[c]!.label, label.x, label.y, palette.text, { scale: labelScale, maxWidth: labelClip });
    if (notes[c]) {
      drawText(img, notes[c]!, label.x, label.y + lineHeight(labelScale) + 2, palette.muted, {
        scale: noteScale,
        maxWidth: labelClip,
      });
    }
    frameRect(img, tile, palette.frame);
    paintTile(img, tile.x, tile.y, plan.values, c * h * w, h, w, scale, ranges[c]!, opts.colormap, palette);
  }

  // Colour bar: one colormap entry per column, the ends exactly entries 0 and 255.
  const bar = layout.colorbar;
  const lut = opts.colormap.lut;
  for (let i = 0; i < bar.width; i++) {
    const k = Math.round((i * 255) / (bar.width - 1)) * 3;
    fillRect(img, bar.x + i, bar.y, 1, bar.height, [lut[k]!, lut[k + 1]!, lut[k + 2]!]);
  }
  frameRect(img, bar, palette.frame);
  const midX = bar.x + Math.floor((bar.width - 1) / 2);
  for (const tx of [bar.x, midX, bar.x + bar.width - 1]) fillRect(img, tx, bar.y + bar.height + 1, 1, TICK, palette.text);
  const [lo, mid, hi] = barText;
  const textY = layout.colorbarLabels.y;
  drawText(img, lo, bar.x, textY, palette.text, 2);
  drawText(img, mid, midX - Math.floor(measureText(mid, 2) / 2), textY, palette.text, 2);
  drawText(img, hi, bar.x + bar.width - measureText(hi, 2), textY, palette.text, 2);

  // Normalisation caption (and the NaN/Inf swatch) to the right of the bar.
  const capX = bar.x + bar.width + 1 + 20;
  drawText(img, caption[0], capX, bar.y - 1, palette.text, 2);
  drawText(img, caption[1], capX, bar.y - 1 + lineHeight(2) + 2, palette.muted, CAPTION_SUB_SCALE);
  if (badText) {
    const swatchY = bar.y - 1 + lineHeight(2) + 2 + lineHeight(CAPTION_SUB_SCALE) + 4;
    fillRect(img, capX, swatchY, BAR_HEIGHT, BAR_HEIGHT, palette.nonFinite);
    drawText(img, badText, capX + BAR_HEIGHT + 6, swatchY, palette.text, 2);
  }
  return img;
}

// ---------------------------------------------------------------------------
// Text

function summaryText(plan: Plan, colorName: string): string {
  const { stats, opts } = plan;
  const lines = [plan.titleText];
  const [captionTop, captionSub] = normalizationCaption(opts);
  lines.push(`${captionTop} (${captionSub}); colormap ${colorName}`);

  const listed = stats.slice(0, MAX_LISTED);
  const labelW = Math.max(...listed.map((s) => s.label.length));
  const col = (text: string, width: number) => text.padEnd(width);
  const numW = Math.max(...listed.flatMap((s) => [formatValue(s.min).length, formatValue(s.max).length]));
  for (const s of listed) {
    let line = `  ${col(s.label, labelW)}  min ${col(formatValue(s.min), numW)}  max ${col(formatValue(s.max), numW)}  mean ${formatValue(s.mean)}`;
    if (s.constant) line += Number.isNaN(s.min) ? "  (no finite values)" : "  (constant)";
    const bad = nonFiniteText(s);
    if (bad) line += `  ${bad}`;
    lines.push(line.trimEnd());
  }
  if (stats.length > MAX_LISTED) {
    lines.push(`  … ${stats.length - MAX_LISTED} more channels (${stats[MAX_LISTED]!.label} to ${stats[stats.length - 1]!.label})`);
  }

  const constant = stats.filter((s) => s.constant && !Number.isNaN(s.min));
  if (constant.length > 0) {
    lines.push(`constant channels (${constant.length}): ${constant.map((s) => `${s.label} = ${formatValue(s.min)}`).join(", ")}`);
  }
  const nan = stats.reduce((n, s) => n + s.nan, 0);
  const posInf = stats.reduce((n, s) => n + s.posInf, 0);
  const negInf = stats.reduce((n, s) => n + s.negInf, 0);
  if (nan + posInf + negInf > 0) {
    const where = stats.filter((s) => s.nan + s.posInf + s.negInf > 0).map((s) => s.label);
    lines.push(
      `non-finite values: ${nan + posInf + negInf} (${nan} NaN, ${posInf} +Inf, ${negInf} -Inf) in ${where.join(", ")}; shown in magenta`,
    );
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Terminal view

/** Options of the terminal rendering. */
export interface FeatureMapAnsiOptions extends AnsiOptions {
  /** Terminal pixels per map value (default: 4 for maps up to 6 wide, 2 up to 12, else 1). */
  scale?: number;
}

const ANSI_GAP = 2;

/**
 * The heatmap for a terminal: the title, then rows of tiles (labels as text
 * above half-block tiles), then a colour strip with its numbers. Tiles are
 * laid out to fit `columns`; a map wider than the terminal is downscaled.
 */
function renderAnsi(plan: Plan, options: FeatureMapAnsiOptions): string {
  const { shape, stats, opts } = plan;
  const [channels, h, w] = shape;
  const columns = options.columns ?? terminalColumns();
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ArgumentError(`featureMapImage.toAnsi: columns must be a positive integer, got ${columns}`, "columns");
  }
  const mode: AnsiColorMode = options.color ?? detectColorMode();
  const scale = positiveInt(options.scale, "scale", 64);
  const tiles = Array.from({ length: channels }, (_, c) => tilePixels(plan, c, 1));
  const out: string[] = [`\x1b[1m${plan.titleText}\x1b[22m`];
  out.push(...ansiTileRows(tiles, { labels: stats.map((s) => s.label), notes: stats.map((s) => tileNote(s, opts.normalize)), mapWidth: w, mapHeight: h, columns, color: mode, scale }));

  out.push(...ansiColorBar(opts.colormap.name, barLabels(plan), columns, mode));
  out.push(captionText(opts));
  const bad = stats.reduce((n, s) => n + s.nan + s.posInf + s.negInf, 0);
  if (bad > 0) out.push(`\x1b[35mNaN/Inf\x1b[39m values (magenta): ${bad}`);
  return out.join("\n");
}

/** What the colours mean, in one line: `normalisation: global (one range for all channels); colormap viridis`. */
function captionText(opts: Resolved): string {
  const [captionTop, captionSub] = normalizationCaption(opts);
  return `${captionTop} (${captionSub}); colormap ${opts.colormap.name}`;
}

/**
 * A colour strip for a terminal (one cell per step, up to 40 wide) with its low, middle and
 * high numbers as text under it.
 */
export function ansiColorBar(name: ColormapName, labels: readonly [string, string, string], columns: number, mode: AnsiColorMode): string[] {
  const barW = Math.max(2, Math.min(40, columns));
  const bar: Pixels = { width: barW, height: 2, channels: 3, data: new Uint8Array(barW * 2 * 3) };
  const lut = colormap(name).lut;
  for (let i = 0; i < barW; i++) {
    const k = Math.round((i * 255) / (barW - 1)) * 3;
    for (const y of [0, 1]) bar.data.set(lut.subarray(k, k + 3), (y * barW + i) * 3);
  }
  const [lo, mid, hi] = labels;
  const midAt = Math.floor((barW - 1) / 2) - Math.floor(mid.length / 2);
  let ticks = lo.padEnd(Math.max(lo.length + 1, midAt)) + mid;
  ticks = ticks.padEnd(Math.max(ticks.length + 1, barW - hi.length)) + hi;
  return [...pixelsToAnsiLines(bar, { columns: barW, color: mode }), ticks];
}

/**
 * Rows of tiles for a terminal, each tile's name (and note) as text above its half-block
 * picture: tiles at a size the eye can read (4 cells per value for maps up to 6 wide, 2 up to
 * 12, else 1; smaller only when one tile is wider than the terminal), as many per row as fit.
 * `tiles` are the channels' pictures at any integer scale of the map.
 */
export function ansiTileRows(
  tiles: readonly Pixels[],
  o: { labels: readonly string[]; notes: readonly string[]; mapWidth: number; mapHeight: number; columns: number; color: AnsiColorMode; scale?: number | undefined },
): string[] {
  const side = Math.max(o.mapWidth, o.mapHeight);
  const scale = o.scale ?? (side <= 6 ? 4 : side <= 12 ? 2 : 1);
  const tileW = Math.max(1, Math.min(o.mapWidth * scale, o.columns));
  const tileH = Math.max(1, Math.round((o.mapHeight * tileW) / o.mapWidth));
  const perRow = Math.max(1, Math.min(tiles.length, Math.floor((o.columns + ANSI_GAP) / (tileW + ANSI_GAP))));
  const hasNotes = o.notes.some((n) => n !== "");
  const cell = (text: string) => (text.length > tileW ? text.slice(0, tileW) : text.padEnd(tileW));
  const stripW = (n: number) => n * tileW + (n - 1) * ANSI_GAP;
  const out: string[] = [];
  for (let first = 0; first < tiles.length; first += perRow) {
    const n = Math.min(perRow, tiles.length - first);
    const range = Array.from({ length: n }, (_, k) => first + k);
    out.push(range.map((c) => cell(o.labels[c] ?? "")).join(" ".repeat(ANSI_GAP)).trimEnd());
    if (hasNotes) out.push(range.map((c) => cell(o.notes[c] ?? "")).join(" ".repeat(ANSI_GAP)).trimEnd());
    // One RGBA strip per row of tiles; the gaps stay transparent (terminal background).
    const strip: Pixels = { width: stripW(n), height: tileH, channels: 4, data: new Uint8Array(stripW(n) * tileH * 4) };
    range.forEach((c, k) => {
      const tile = resizeNearest(tiles[c]!, tileW, tileH);
      const x = k * (tileW + ANSI_GAP);
      for (let y = 0; y < tileH; y++) {
        for (let tx = 0; tx < tileW; tx++) {
          const sOff = (y * tileW + tx) * tile.channels;
          const d = (y * strip.width + x + tx) * 4;
          strip.data[d] = tile.data[sOff]!;
          strip.data[d + 1] = tile.data[sOff + 1]!;
          strip.data[d + 2] = tile.data[sOff + 2]!;
          strip.data[d + 3] = tile.channels === 4 ? tile.data[sOff + 3]! : 255;
        }
      }
    });
    out.push(...pixelsToAnsiLines(strip, { columns: strip.width, color: o.color }));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Notebook view: text around images that hold no text

/**
 * How the tiles sit in the tiles-only PNG (`image/png` of the display bundle), so that a
 * terminal can cut them apart and lay them out for its own width with the labels as text.
 * Carried in the bundle's metadata as `metadata["image/png"].tiles`.
 */
export interface TileGrid {
  /** Map values across and down one tile. */
  readonly mapWidth: number;
  readonly mapHeight: number;
  /** Image pixels per map value. */
  readonly scale: number;
  readonly columns: number;
  readonly gap: number;
  /** Each tile's name and note (its own range, "const", bad-value counts), by channel. */
  readonly labels: readonly string[];
  readonly notes: readonly string[];
  /** The colour-bar numbers (low, middle, high), the colormap and what the colours mean. */
  readonly bar: readonly [string, string, string];
  readonly colormap: ColormapName;
  readonly caption: string;
}

/** One channel at `scale` as RGBA pixels. */
function tilePixels(plan: Plan, c: number, scale: number): Pixels {
  const [, h, w] = plan.shape;
  const img: Pixels = { width: w * scale, height: h * scale, channels: 4, data: new Uint8Array(w * scale * h * scale * 4) };
  paintTile(img, 0, 0, plan.values, c * h * w, h, w, scale, plan.ranges[c]!, plan.opts.colormap, plan.opts.palette);
  return img;
}

/** Every tile in a grid, the gaps transparent, no text and no frame: what any background shows through. */
function tilesGridPixels(plan: Plan, grid: TileGrid): Pixels {
  const [channels, h, w] = plan.shape;
  const tw = w * grid.scale;
  const th = h * grid.scale;
  const columns = Math.min(grid.columns, channels);
  const rows = Math.ceil(channels / columns);
  const width = columns * tw + (columns - 1) * grid.gap;
  const height = rows * th + (rows - 1) * grid.gap;
  const img: Pixels = { width, height, channels: 4, data: new Uint8Array(width * height * 4) };
  for (let c = 0; c < channels; c++) {
    const x = (c % columns) * (tw + grid.gap);
    const y = Math.floor(c / columns) * (th + grid.gap);
    paintTile(img, x, y, plan.values, c * h * w, h, w, grid.scale, plan.ranges[c]!, plan.opts.colormap, plan.opts.palette);
  }
  return img;
}

/** The colour strip alone: `width` steps of the colormap, `height` pixels tall. */
function colorStripPixels(plan: Plan, width: number, height: number): Pixels {
  const img: Pixels = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  const lut = plan.opts.colormap.lut;
  for (let i = 0; i < width; i++) {
    const k = Math.round((i * 255) / (width - 1)) * 3;
    for (let y = 0; y < height; y++) img.data.set(lut.subarray(k, k + 3), (y * width + i) * 3);
  }
  return img;
}

const dataUri = (pixels: Pixels) => `data:image/png;base64,${toBase64(encodePng(pixels))}`;

/** Styles of the notebook view (inlined by `htmlBlock`). */
const HEATMAP_CSS = `
.tsorch .tsorch-heatmap-title { font-weight: 600; margin: 0 0 0.4em 0; }
.tsorch .tsorch-tiles { display: flex; flex-wrap: wrap; margin: 0; }
.tsorch .tsorch-tile { display: inline-block; margin: 0 12px 10px 0; vertical-align: top; }
.tsorch .tsorch-tile-label { display: block; white-space: nowrap; overflow: hidden; }
.tsorch .tsorch-tile img { display: block; border: 1px solid rgba(128, 128, 128, 0.45); margin: 2px 0 0 0; max-width: none; }
.tsorch .tsorch-colorbar img { display: block; border: 1px solid rgba(128, 128, 128, 0.45); max-width: none; }
.tsorch .tsorch-ticks { display: flex; justify-content: space-between; }
.tsorch .tsorch-bad { color: #d81b60; }
`.trim();

/**
 * The notebook view: the title, each tile's name and the colour-bar numbers as HTML text
 * (they follow the theme and stay sharp at any zoom) around PNGs that hold only data (a tile,
 * the colour strip). Tiles wrap to the width of the output area.
 */
function heatmapHtml(plan: Plan, grid: TileGrid): string {
  const [channels] = plan.shape;
  const tiles: string[] = [];
  for (let c = 0; c < channels; c++) {
    const img = tilePixels(plan, c, grid.scale);
    const note = grid.notes[c] ? `<span class="tsorch-tile-label tsorch-muted">${escapeHtml(grid.notes[c]!)}</span>` : "";
    tiles.push(
      `<div class="tsorch-tile"><span class="tsorch-tile-label">${escapeHtml(grid.labels[c]!)}</span>${note}` +
        `<img src="${dataUri(img)}" width="${img.width}" height="${img.height}" alt="${escapeHtml(grid.labels[c]!)}"></div>`,
    );
  }
  const stripWidth = 256;
  const [lo, mid, hi] = grid.bar;
  const bad = plan.stats.reduce((n, s) => n + s.nan + s.posInf + s.negInf, 0);
  return htmlBlock(
    `<div class="tsorch-heatmap-title">${escapeHtml(plan.titleText)}</div>` +
      `<div class="tsorch-tiles">${tiles.join("")}</div>` +
      `<div class="tsorch-colorbar" style="width: ${stripWidth + 2}px"><img src="${dataUri(colorStripPixels(plan, stripWidth, 12))}" width="${stripWidth}" height="12" alt="colour bar">` +
      `<div class="tsorch-ticks"><span>${escapeHtml(lo)}</span><span>${escapeHtml(mid)}</span><span>${escapeHtml(hi)}</span></div></div>` +
      `<div class="tsorch-muted">${escapeHtml(grid.caption)}</div>` +
      (bad > 0 ? `<div class="tsorch-bad">NaN/Inf values (magenta): ${bad}</div>` : ""),
    HEATMAP_CSS,
  );
}

// ---------------------------------------------------------------------------
// The displayable object

/**
 * Feature maps ready to show: a PNG with text alternative in notebooks, a
 * half-block heatmap (or the text summary) in terminals. The image is drawn on
 * first use and kept.
 */
export class FeatureMapImage extends DrawnImage {
  /** [C, H, W] of the maps. */
  readonly shape: readonly [number, number, number];
  /** Per-channel min, max, mean and counts of non-finite values. */
  readonly stats: readonly ChannelStats[];
  /** The normalisation used: "global" or "channel". */
  readonly normalize: Normalization;
  /** The text shown where images cannot be. */
  readonly summary: string;
  /** Where the tiles, labels and colour bar are on the image. */
  readonly layout: HeatmapLayout;
  readonly #plan: Plan;
  readonly #drawing: Drawing;

  /** Use {@link featureMapImage}. */
  constructor(values: ArrayLike<number>, shape: readonly [number, number, number], options: FeatureMapOptions = {}) {
    super();
    const dims = checkShape(values, shape);
    const opts = resolveOptions(options, dims[0]);
    // A private copy: the source tensor may change before the image is drawn.
    const copy = values instanceof Float32Array ? values.slice() : Float64Array.from(values);
    const stats = computeStats(copy, dims, opts.labels);
    const plan: Plan = {
      values: copy,
      shape: dims,
      stats,
      ranges: colourRanges(stats, opts),
      opts,
      titleText: titleLine(dims, stats, opts),
    };
    this.#plan = plan;
    this.shape = dims;
    this.stats = stats;
    this.normalize = opts.normalize;
    this.summary = summaryText(plan, opts.colormap.description);
    this.#drawing = planDrawing(plan);
    this.layout = this.#drawing.layout;
  }

  /** The title line drawn on the image. */
  get title(): string {
    return this.#plan.titleText;
  }

  protected override draw(): Pixels {
    return paint(this.#plan, this.#drawing);
  }

  get width(): number {
    return this.layout.width;
  }

  get height(): number {
    return this.layout.height;
  }

  /** The terminal rendering (ANSI colour, half blocks). */
  toAnsi(options: FeatureMapAnsiOptions = {}): string {
    return renderAnsi(this.#plan, options);
  }

  /** How the tiles sit in {@link tilesPng} (same columns and scale as the drawn image). */
  get tileGrid(): TileGrid {
    const plan = this.#plan;
    return {
      mapWidth: plan.shape[2],
      mapHeight: plan.shape[1],
      scale: this.layout.scale,
      columns: this.layout.columns,
      gap: GAP_X,
      labels: plan.stats.map((s) => s.label),
      notes: plan.stats.map((s) => tileNote(s, plan.opts.normalize)),
      bar: barLabels(plan),
      colormap: plan.opts.colormap.name,
      caption: captionText(plan.opts),
    };
  }

  /** The tiles alone as a PNG: no text, transparent between the tiles. */
  tilesPng(): Buffer {
    this.#tilesPng ??= encodePng(tilesGridPixels(this.#plan, this.tileGrid));
    return this.#tilesPng;
  }

  #tilesPng: Buffer | undefined;

  /** The notebook view: title, tile names and colour-bar numbers as text around images of the data. */
  toHtml(): string {
    return heatmapHtml(this.#plan, this.tileGrid);
  }

  /**
   * Notebooks get HTML (labels as text around images of the data alone) with the tiles-only PNG
   * and the text summary as alternatives; the PNG's metadata says where the tiles are, so a
   * terminal can lay them out for its width and print the labels as text.
   */
  override [jupyterDisplay](): DisplayResult {
    const grid = this.tileGrid;
    const png = this.tilesPng();
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    return {
      data: { "text/html": this.toHtml(), "image/png": toBase64(png), "text/plain": this.summary },
      metadata: { "image/png": { width, height, tiles: grid } },
    };
  }
}

/**
 * Feature maps of one sample as a displayable heatmap grid.
 *
 * @param values C·H·W numbers in row-major order (channel, then row, then column)
 * @param shape  [C, H, W]
 *
 * @example
 * const img = featureMapImage(conv1Out, [6, 28, 28], { title: "conv1 · relu", normalize: "channel" });
 * display(img); // notebook: PNG grid; terminal: half-block tiles
 */
export function featureMapImage(
  values: ArrayLike<number>,
  shape: readonly [number, number, number],
  options: FeatureMapOptions = {},
): FeatureMapImage {
  return new FeatureMapImage(values, shape, options);
}
