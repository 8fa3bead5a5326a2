/**
 * A small bitmap font for labels drawn inside images (tile names, colour-bar
 * numbers, titles), so a PNG explains itself without a browser font.
 *
 * Glyphs are 7 pixels tall above the baseline (capitals and digits) plus 2
 * rows of descender (g, j, p, q, y, and the comma); most are 5 pixels wide,
 * narrow ones (i, l, ., :, parentheses) are narrower, and one pixel of space
 * follows each. Scale multiplies every pixel (scale 2 gives 14-pixel capitals,
 * readable at notebook zoom).
 *
 * Each glyph below is written as its rows from top to bottom separated by
 * spaces, `#` for ink and `.` for paper; rows 8 and 9 (descender) may be left
 * out. Characters without a glyph draw as a hollow box.
 *
 * @example
 * const img = { width: 60, height: 20, channels: 3, data: new Uint8Array(60 * 20 * 3) } as const;
 * drawText(img, "ch 0", 2, 2, [255, 255, 255], 2);
 * measureText("ch 0", 2); // 42
 */

import type { Pixels } from "./png.js";

/** Rows per glyph cell, descender included. */
export const GLYPH_HEIGHT = 9;
/** Rows above and including the baseline (height of capitals and digits). */
export const GLYPH_ASCENT = 7;

const GLYPH_SOURCE: Record<string, string> = {
  " ": "... ... ... ... ... ... ...",
  "0": ".###. #...# #...# #.#.# #...# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "####. ....# ....# .###. ....# ....# ####.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",

  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "####. #...# #...# #...# #...# #...# ####.",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: "### .#. .#. .#. .#. .#. ###",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",

  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... ####. #...# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #.... .###.",
  d: "....# ....# .#### #...# #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..## .#.. #### .#.. .#.. .#.. .#..",
  g: "..... ..... .#### #...# #...# #...# .#### ....# .###.",
  h: "#.... #.... ####. #...# #...# #...# #...#",
  i: ".#. ... ##. .#. .#. .#. ###",
  j: "...# .... ..## ...# ...# ...# ...# #..# .##.",
  k: "#... #... #..# #.#. ##.. #.#. #..#",
  l: "##. .#. .#. .#. .#. .#. ###",
  m: "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",
  n: "..... ..... ####. #...# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# #...# .#### ....# ....#",
  r: ".... .... #.## ##.. #... #... #...",
  s: "..... ..... .#### #.... .###. ....# ####.",
  t: ".#.. .#.. #### .#.. .#.. .#.. ..##",
  u: "..... ..... #...# #...# #...# #...# .####",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",

  ".": ". . . . . . #",
  ",": ".. .. .. .. .. .# .# #.",
  ":": ". . # . . # .",
  ";": ".. .. .# .. .. .# .# #.",
  "-": ".... .... .... #### .... .... ....",
  "−": ".... .... .... #### .... .... ....",
  "–": "..... ..... ..... ##### ..... ..... .....",
  "—": "....... ....... ....... ####### ....... ....... .......",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "±": "..#.. ..#.. ##### ..#.. ..#.. ..... #####",
  "=": "..... ..... ##### ..... ##### ..... .....",
  "×": "... ... #.# .#. #.# ... ...",
  "·": ". . . # . . .",
  "(": "..# .#. #.. #.. #.. .#. ..#",
  ")": "#.. .#. ..# ..# ..# .#. #..",
  "[": "### #.. #.. #.. #.. #.. ###",
  "]": "### ..# ..# ..# ..# ..# ###",
  "/": "....# ....# ...#. ..#.. .#... #.... #....",
  "_": "..... ..... ..... ..... ..... ..... #####",
  "%": "##..# ##..# ...#. ..#.. .#... #..## #..##",
  "'": "# # . . . . .",
  '"': "#.# #.# ... ... ... ... ...",
  "!": "# # # # # . #",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "*": "..... #.#.# .###. ##### .###. #.#.# .....",
  "<": "...# ..#. .#.. #... .#.. ..#. ...#",
  ">": "#... .#.. ..#. ...# ..#. .#.. #...",
  "|": "# # # # # # #",
  "~": "..... ..... .#... #.#.# ...#. ..... .....",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "→": "..... ..#.. ...#. ##### ...#. ..#.. .....",
  "…": "..... ..... ..... ..... ..... ..... #.#.#",
};

const MISSING = "##### #...# #...# #...# #...# #...# #####";

interface Glyph {
  readonly width: number;
  /** GLYPH_HEIGHT rows of `width` cells, 1 = ink. */
  readonly bits: Uint8Array;
}

function parseGlyph(source: string): Glyph {
  const rows = source.split(" ");
  const width = rows[0]!.length;
  // A malformed table entry is a bug in this file: fail at load, not as a garbled label.
  if (rows.length < GLYPH_ASCENT || rows.length > GLYPH_HEIGHT || rows.some((r) => r.length !== width)) {
    throw new Error(`font: malformed glyph "${source}"`);
  }
  const bits = new Uint8Array(width * GLYPH_HEIGHT);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) bits[y * width + x] = row[x] === "#" ? 1 : 0;
  });
  return { width, bits };
}

/** Glyphs parsed on first use: most sessions draw no text into images, and start-up should not pay for the font. */
const GLYPHS = new Map<string, Glyph>();
let missingGlyph: Glyph | undefined;

function glyphFor(ch: string): Glyph {
  let glyph = GLYPHS.get(ch);
  if (glyph === undefined) {
    const source = hasGlyph(ch) ? GLYPH_SOURCE[ch] : undefined;
    if (source === undefined) return (missingGlyph ??= parseGlyph(MISSING));
    glyph = parseGlyph(source);
    GLYPHS.set(ch, glyph);
  }
  return glyph;
}

/** Whether the font draws `ch` (otherwise it shows as a hollow box). */
export function hasGlyph(ch: string): boolean {
  return Object.prototype.hasOwnProperty.call(GLYPH_SOURCE, ch);
}

/**
 * Width in pixels of `text` drawn at `scale` (no trailing space).
 *
 * @example
 * measureText("ch 0"); // 21
 */
export function measureText(text: string, scale = 1): number {
  let width = 0;
  for (const ch of text) width += glyphFor(ch).width + 1;
  return Math.max(0, width - 1) * scale;
}

/** Height in pixels of one line of text at `scale`, descender included. */
export function lineHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

export interface DrawTextOptions {
  /** Pixels per font pixel (integer, default 1). */
  scale?: number;
  /** Glyphs that would end right of `x + maxWidth` are not drawn. */
  maxWidth?: number;
}

/**
 * Draws `text` with its top-left corner at (x, y) in `color`, clipped to the
 * image. Returns the x just past the last glyph drawn.
 */
export function drawText(
  image: Pixels,
  text: string,
  x: number,
  y: number,
  color: readonly [number, number, number],
  scaleOrOptions: number | DrawTextOptions = 1,
): number {
  const opts = typeof scaleOrOptions === "number" ? { scale: scaleOrOptions } : scaleOrOptions;
  const scale = Math.max(1, Math.floor(opts.scale ?? 1));
  const limit = opts.maxWidth === undefined ? Infinity : x + opts.maxWidth;
  const { width, height, channels, data } = image;
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const glyph = glyphFor(ch);
    if (penX + glyph.width * scale > limit) break;
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < glyph.width; gx++) {
        if (glyph.bits[gy * glyph.width + gx] === 0) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = penX + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const o = (py * width + px) * channels;
            data[o] = color[0];
            data[o + 1] = color[1];
            data[o + 2] = color[2];
            if (channels === 4) data[o + 3] = 255;
          }
        }
      }
    }
    penX += (glyph.width + 1) * scale;
  }
  return penX - scale;
}
