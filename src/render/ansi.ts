/**
 * Images in a terminal with ANSI colour and half-block characters.
 *
 * A character cell is about twice as tall as it is wide, so each cell shows
 * two pixels stacked: `▀` (upper half block) painted with foreground = the
 * upper pixel and background = the lower pixel. Pixels stay square and a
 * 28x28 feature map takes 28 columns by 14 lines.
 *
 * Colour is 24-bit (`ESC[38;2;r;g;bm`) when the terminal says it supports it
 * (`COLORTERM=truecolor` or `24bit`), otherwise the nearest of the xterm
 * 256-colour palette (`ESC[38;5;nm`). Transparent pixels (alpha < 128) show the
 * terminal's own background. Images wider than the terminal are downscaled
 * with nearest-neighbour sampling, keeping the aspect ratio.
 *
 * Escape codes are only written when a colour changes, and each line ends with
 * a reset (`ESC[0m`), so lines can be printed or interleaved with text safely.
 *
 * @example
 * import { pixelsToAnsi } from "./ansi.js";
 * const img = { width: 2, height: 2, channels: 3,
 *               data: new Uint8Array([255,0,0, 0,255,0, 0,0,255, 255,255,255]) } as const;
 * console.log(pixelsToAnsi(img, { color: "truecolor" }));  // one line, two cells
 */

import { ArgumentError } from "../errors.js";
import { type Pixels, decodePng } from "./png.js";

export type AnsiColorMode = "truecolor" | "256";

export interface AnsiOptions {
  /** Maximum width in character cells (= pixels). Default: the terminal's columns, or 80. */
  columns?: number;
  /** Colour depth. Default: {@link detectColorMode} of `process.env`. */
  color?: AnsiColorMode;
}

const ESC = "\x1b[";
const RESET = "\x1b[0m";
const UPPER_HALF = "▀";
const LOWER_HALF = "▄";

/**
 * The colour depth a terminal supports, read from the environment the way
 * terminal programs do: `COLORTERM=truecolor|24bit` means 24-bit colour.
 */
export function detectColorMode(env: Record<string, string | undefined> = process.env): AnsiColorMode {
  const colorterm = (env.COLORTERM ?? "").toLowerCase();
  return colorterm === "truecolor" || colorterm === "24bit" ? "truecolor" : "256";
}

/** The default width: the terminal's columns when stdout is a terminal, else 80. */
export function terminalColumns(): number {
  const columns = process.stdout.columns;
  return typeof columns === "number" && columns > 0 ? columns : 80;
}

// The six levels of each axis of the xterm 6x6x6 colour cube (indices 16..231).
const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

function nearestCubeLevel(v: number): number {
  if (v < 48) return 0;
  if (v < 115) return 1;
  return Math.min(5, Math.floor((v - 35) / 40));
}

/**
 * The xterm 256-colour index nearest to (r, g, b): the closer of the 6x6x6
 * cube entry and the 24-step gray ramp (232..255), by squared RGB distance.
 *
 * @example
 * rgbTo256(255, 0, 0); // 196
 * rgbTo256(128, 128, 128); // 244
 */
export function rgbTo256(r: number, g: number, b: number): number {
  const ri = nearestCubeLevel(r);
  const gi = nearestCubeLevel(g);
  const bi = nearestCubeLevel(b);
  const cr = CUBE_LEVELS[ri]!;
  const cg = CUBE_LEVELS[gi]!;
  const cb = CUBE_LEVELS[bi]!;
  const cubeDist = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;

  const mean = (r + g + b) / 3;
  const grayStep = Math.max(0, Math.min(23, Math.round((mean - 8) / 10)));
  const gv = 8 + grayStep * 10;
  const grayDist = (r - gv) ** 2 + (g - gv) ** 2 + (b - gv) ** 2;

  return grayDist < cubeDist ? 232 + grayStep : 16 + 36 * ri + 6 * gi + bi;
}

/** SGR parameters for one colour, as foreground (38) or background (48). */
function sgrColor(kind: 38 | 48, r: number, g: number, b: number, mode: AnsiColorMode): string {
  return mode === "truecolor" ? `${kind};2;${r};${g};${b}` : `${kind};5;${rgbTo256(r, g, b)}`;
}

/**
 * Nearest-neighbour resize: each target pixel takes the source pixel under its
 * centre. Used for downscaling to the terminal width; exact for integer factors.
 */
export function resizeNearest(image: Pixels, width: number, height: number): Pixels {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ArgumentError(`resizeNearest: target size must be positive integers, got ${width}x${height}`, "size");
  }
  if (width === image.width && height === image.height) return image;
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
    const srcRow = sy * image.width * channels;
    const dstRow = y * width * channels;
    for (let x = 0; x < width; x++) {
      const s = srcRow + xs[x]! * channels;
      const d = dstRow + x * channels;
      for (let c = 0; c < channels; c++) data[d + c] = image.data[s + c]!;
    }
  }
  return { width, height, channels, data };
}

/**
 * Fits an image into `columns` cells: unchanged when it fits, otherwise
 * scaled down to exactly `columns` wide with the aspect ratio kept.
 */
export function fitToColumns(image: Pixels, columns: number): Pixels {
  if (image.width <= columns) return image;
  const height = Math.max(1, Math.round((image.height * columns) / image.width));
  return resizeNearest(image, columns, height);
}

/**
 * The image as lines of half-block characters, one line per two pixel rows
 * (an odd last row leaves the lower halves empty). No trailing newline.
 */
export function pixelsToAnsiLines(image: Pixels, options: AnsiOptions = {}): string[] {
  const columns = options.columns ?? terminalColumns();
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ArgumentError(`pixelsToAnsi: columns must be a positive integer, got ${columns}`, "columns");
  }
  const mode = options.color ?? detectColorMode();
  const img = fitToColumns(image, columns);
  const { width, height, channels, data } = img;
  const opaque = (o: number) => channels === 3 || data[o + 3]! >= 128;

  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = "";
    // The colours currently set on this line ("" = terminal default).
    let fg = "";
    let bg = "";
    for (let x = 0; x < width; x++) {
      const up = (y * width + x) * channels;
      const lo = y + 1 < height ? up + width * channels : -1;
      const upOn = opaque(up);
      const loOn = lo >= 0 && opaque(lo);
      let glyph: string;
      let wantFg = "";
      let wantBg = "";
      if (upOn) {
        glyph = UPPER_HALF;
        wantFg = sgrColor(38, data[up]!, data[up + 1]!, data[up + 2]!, mode);
        if (loOn) wantBg = sgrColor(48, data[lo]!, data[lo + 1]!, data[lo + 2]!, mode);
      } else if (loOn) {
        glyph = LOWER_HALF;
        wantFg = sgrColor(38, data[lo]!, data[lo + 1]!, data[lo + 2]!, mode);
      } else {
        glyph = " ";
        wantFg = fg; // a space does not show its foreground: keep whatever is set
      }
      const params: string[] = [];
      if (wantFg !== fg) params.push(wantFg === "" ? "39" : wantFg);
      if (wantBg !== bg) params.push(wantBg === "" ? "49" : wantBg);
      if (params.length > 0) line += `${ESC}${params.join(";")}m`;
      fg = wantFg;
      bg = wantBg;
      line += glyph;
    }
    lines.push(line + RESET);
  }
  return lines;
}

/**
 * The image as one string of half-block lines joined by "\n" (no trailing
 * newline), ready for `console.log` or a REPL.
 */
export function pixelsToAnsi(image: Pixels, options: AnsiOptions = {}): string {
  return pixelsToAnsiLines(image, options).join("\n");
}

/**
 * A PNG file (bytes, or base64 as found in a notebook's `image/png` output) as
 * half-block lines, for showing notebook images in a terminal.
 *
 * @example
 * console.log(pngToAnsi(output.data["image/png"], { columns: process.stdout.columns }));
 */
export function pngToAnsi(png: Uint8Array | string, options: AnsiOptions = {}): string {
  const bytes = typeof png === "string" ? Buffer.from(png.replace(/\s+/g, ""), "base64") : png;
  return pixelsToAnsi(decodePng(bytes), options);
}

/** Removes ANSI SGR escape sequences (for measuring or logging). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
