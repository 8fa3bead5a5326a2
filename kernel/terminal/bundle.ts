/**
 * Rich output in a terminal: how a MIME bundle (from a kernel, or from an object's
 * `[Symbol.for("Jupyter.display")]()`) and an error are shown as text.
 *
 * - `image/png` is drawn with half-block characters in 24-bit or 256 colours, scaled down to
 *   the terminal's width; without colour a placeholder names the image and its size;
 * - feature maps (a PNG of tiles whose metadata says where they are) are cut apart and laid
 *   out for the terminal's width, each tile at a legible size under its name as text, with the
 *   colour strip and its numbers; without colour, their text summary;
 * - `text/markdown` is rendered like a Markdown cell; `text/html`, SVG, LaTeX and other types
 *   show through their `text/plain` (which every bundle from the kernel has);
 * - `application/json` without `text/plain` is pretty-printed;
 * - an error shows its traceback with the kernel's colours, its name in red when the
 *   traceback carries no colour of its own.
 *
 * @example
 * process.stdout.write(renderBundle({ "image/png": b64, "text/plain": "<PNG image>" }, {}, options) + "\n");
 */
import { pngToAnsi, type AnsiColorMode } from "../../src/render/ansi.js";
import { ansiColorBar, ansiTileRows, type TileGrid } from "../../src/render/heatmap.js";
import { decodePng, type Pixels } from "../../src/render/png.js";
import { pngSize } from "../notebook/image-size.js";
import { fitToWidth } from "./fit.js";
import { markdownToTerminal } from "./markdown.js";
import { stripEscapes, type Style } from "./style.js";

export interface TerminalRenderOptions {
  style: Style;
  /** The terminal's width in columns. */
  columns: number;
  /** The width text is fitted to (default `columns`; unlimited for a log that named no width). */
  fitColumns?: number;
  colorMode: AnsiColorMode;
}

type Bundle = Record<string, unknown>;

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : JSON.stringify(value, null, 2));

/** A bundle as terminal text, without a trailing newline. */
export function renderBundle(data: Bundle, metadata: Record<string, unknown>, options: TerminalRenderOptions): string {
  return fitToWidth(bundleText(data, metadata, options), options.fitColumns ?? options.columns);
}

function bundleText(data: Bundle, metadata: Record<string, unknown>, options: TerminalRenderOptions): string {
  const parts: string[] = [];
  const plain = data["text/plain"] !== undefined ? text(data["text/plain"]) : undefined;
  const tiles = (metadata?.["image/png"] as { tiles?: TileGrid } | undefined)?.tiles;
  if (tiles && data["image/png"] !== undefined && options.style.enabled) {
    try {
      return renderTiles(text(data["image/png"]), tiles, plain, options);
    } catch {
      // A grid that does not match its image: show it as an image.
    }
  }
  const imageMime = ["image/png", "image/jpeg", "image/gif", "image/svg+xml"].find((m) => data[m] !== undefined);
  if (imageMime) {
    parts.push(renderImage(imageMime, text(data[imageMime]), options));
    // Images usually say only "<PNG image>" as text; anything more (a caption, statistics) is worth showing.
    if (plain !== undefined && !isPlaceholder(plain)) parts.push(renderText(plain, options));
    return parts.join("\n");
  }
  if (data["text/markdown"] !== undefined) return markdownToTerminal(text(data["text/markdown"]), options.style, options.columns);
  if (plain !== undefined) return renderText(plain, options);
  if (data["application/json"] !== undefined) return JSON.stringify(data["application/json"], null, 2);
  if (data["text/html"] !== undefined) return renderText(htmlToText(text(data["text/html"])), options);
  const types = Object.keys(data);
  return options.style.dim(`[output of type ${types.join(", ") || "nothing"}]`);
}

/** Text with its ANSI colours, or without them when colour is off. */
export function renderText(value: string, options: Pick<TerminalRenderOptions, "style">): string {
  return options.style.enabled ? value : stripEscapes(value);
}

export function renderImage(mime: string, base64: string, options: TerminalRenderOptions): string {
  const size = mime === "image/png" ? pngSize(base64) : undefined;
  const label = `[${mime}${size ? ` ${size[0]}×${size[1]}` : ""}]`;
  if (mime !== "image/png" || !options.style.enabled) return options.style.dim(label);
  try {
    return pngToAnsi(base64, { columns: Math.max(1, options.columns), color: options.colorMode });
  } catch (err) {
    return options.style.dim(`${label} cannot be drawn: ${(err as Error).message}`);
  }
}

/** Feature maps: the title (first line of the summary), the tiles with their names, the colour strip. */
function renderTiles(base64: string, grid: TileGrid, plain: string | undefined, options: TerminalRenderOptions): string {
  const image = decodePng(Buffer.from(base64.replace(/\s+/g, ""), "base64"));
  const tw = grid.mapWidth * grid.scale;
  const th = grid.mapHeight * grid.scale;
  const tiles: Pixels[] = grid.labels.map((_, c) => {
    const x0 = (c % grid.columns) * (tw + grid.gap);
    const y0 = Math.floor(c / grid.columns) * (th + grid.gap);
    if (x0 + tw > image.width || y0 + th > image.height) throw new Error("tile outside the image");
    const data = new Uint8Array(grid.mapWidth * grid.mapHeight * image.channels);
    // One pixel per map value (the centre of each scaled block).
    for (let y = 0; y < grid.mapHeight; y++) {
      for (let x = 0; x < grid.mapWidth; x++) {
        const s = ((y0 + y * grid.scale) * image.width + x0 + x * grid.scale) * image.channels;
        data.set(image.data.subarray(s, s + image.channels), (y * grid.mapWidth + x) * image.channels);
      }
    }
    return { width: grid.mapWidth, height: grid.mapHeight, channels: image.channels, data };
  });
  const { style, columns, colorMode: color } = options;
  const title = plain?.split("\n")[0];
  return [
    ...(title ? [style.bold(title)] : []),
    ...ansiTileRows(tiles, { labels: grid.labels, notes: grid.notes, mapWidth: grid.mapWidth, mapHeight: grid.mapHeight, columns, color }),
    ...ansiColorBar(grid.colormap, grid.bar, columns, color),
    grid.caption,
  ].join("\n");
}

/** An error as a notebook shows it: the traceback, or `ename: evalue` when there is none. */
export function renderError(ename: string, evalue: string, traceback: string[], options: Pick<TerminalRenderOptions, "style" | "columns" | "fitColumns">): string {
  return fitToWidth(errorText(ename, evalue, traceback, options), options.fitColumns ?? options.columns);
}

function errorText(ename: string, evalue: string, traceback: string[], options: Pick<TerminalRenderOptions, "style">): string {
  const { style } = options;
  if (traceback.length === 0) return `${style.bold(style.red(ename))}${evalue ? `: ${evalue}` : ""}`;
  const joined = traceback.join("\n");
  if (!style.enabled) return stripEscapes(joined);
  if (joined.includes("\x1b[")) return joined;
  // An uncoloured traceback: highlight the line naming the error.
  return joined
    .split("\n")
    .map((line) => (line.startsWith(`${ename}:`) || line === ename ? style.bold(style.red(ename)) + line.slice(ename.length) : line))
    .join("\n");
}

function isPlaceholder(plain: string): boolean {
  return /^<[^<>\n]*>$/.test(plain.trim()) || plain.trim() === "";
}

/** Last resort for an HTML-only bundle: the text between the tags. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
