import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, SizeError } from "../src/errors.js";
import { stripAnsi } from "../src/render/ansi.js";
import { colormap } from "../src/render/colormap.js";
import { drawText, measureText } from "../src/render/font.js";
import { FeatureMapImage, PALETTES, type Rect, featureMapImage, formatValue } from "../src/render/heatmap.js";
import type { TileGrid } from "../src/render/heatmap.js";
import { decodePng, type Pixels } from "../src/render/png.js";

const VIRIDIS = colormap("viridis").lut;
const V0 = [68, 1, 84];
const V64 = [59, 82, 139];
const V128 = [33, 145, 140];
const V255 = [253, 231, 37];
const MAGENTA = [255, 0, 255];
const TEXT = [...PALETTES.light.text];
const FRAME = [...PALETTES.light.frame];

const dir = mkdtempSync(join(tmpdir(), "tsorch-heatmap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function px(img: Pixels, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(o, o + 3));
}

function viridis(i: number): number[] {
  return Array.from(VIRIDIS.subarray(i * 3, i * 3 + 3));
}

/** The pixel at the centre of map cell (mx, my) of a tile. */
function cell(img: Pixels, tile: Rect, scale: number, mx: number, my: number): number[] {
  return px(img, tile.x + mx * scale + (scale >> 1), tile.y + my * scale + (scale >> 1));
}

/** Which pixels of a rectangle have exactly the given colour, as rows of "#" and ".". */
function mask(img: Pixels, r: Rect, color: number[]): string[] {
  const rows: string[] = [];
  for (let y = r.y; y < r.y + r.height; y++) {
    let row = "";
    for (let x = r.x; x < r.x + r.width; x++) {
      const p = px(img, x, y);
      row += p[0] === color[0] && p[1] === color[1] && p[2] === color[2] ? "#" : ".";
    }
    rows.push(row);
  }
  return rows;
}

/** The mask `text` leaves when drawn alone at (0, 0) in a rectangle of the given size. */
function textMask(text: string, scale: number, width: number, height: number): string[] {
  const img: Pixels = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  drawText(img, text, 0, 0, [1, 2, 3], scale);
  return mask(img, { x: 0, y: 0, width, height }, [1, 2, 3]);
}

function ramp(c: number, h: number, w: number, f: (c: number, y: number, x: number) => number): Float32Array {
  const v = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[(k * h + y) * w + x] = f(k, y, x);
  return v;
}

describe("featureMapImage pixels", () => {
  it("a 0..1 gradient left to right takes the viridis colours column by column", () => {
    const img = featureMapImage(ramp(1, 4, 256, (_, __, x) => x / 255), [1, 4, 256]);
    const { tiles, scale } = img.layout;
    expect(scale).toBe(1);
    const tile = tiles[0]!;
    expect([tile.width, tile.height]).toEqual([256, 4]);
    for (let y = 0; y < 4; y++) {
      expect(px(img.pixels, tile.x, tile.y + y)).toEqual(V0);
      expect(px(img.pixels, tile.x + 255, tile.y + y)).toEqual(V255);
      for (let x = 0; x < 256; x++) expect(px(img.pixels, tile.x + x, tile.y + y)).toEqual(viridis(x));
    }
    expect(px(img.pixels, tile.x + 128, tile.y)).toEqual(V128);
  });

  it("global normalisation shares one range; per-channel maps each channel to its own", () => {
    // ch 0 spans 0..1, ch 1 spans 0..2 (columns 0, 1, 2 hold min, middle, max).
    const values = ramp(2, 2, 3, (c, _, x) => (x / 2) * (c + 1));
    const global = featureMapImage(values, [2, 2, 3], { normalize: "global" });
    const s = global.layout.scale;
    const [g0, g1] = global.layout.tiles as [Rect, Rect];
    expect([0, 1, 2].map((x) => cell(global.pixels, g0, s, x, 1))).toEqual([V0, V64, V128]);
    expect([0, 1, 2].map((x) => cell(global.pixels, g1, s, x, 1))).toEqual([V0, V128, V255]);

    const perChannel = featureMapImage(values, [2, 2, 3], { normalize: "channel" });
    const [c0, c1] = perChannel.layout.tiles as [Rect, Rect];
    for (const tile of [c0, c1]) {
      expect([0, 1, 2].map((x) => cell(perChannel.pixels, tile, s, x, 0))).toEqual([V0, V128, V255]);
    }
    expect(global.title).toBe("2×2×3 feature maps, global range [0, 2]");
    expect(perChannel.title).toBe("2×2×3 feature maps, per-channel range");
    expect(perChannel.normalize).toBe("channel");
  });

  it("a fixed range overrides both, and clamps values outside it", () => {
    const img = featureMapImage(Float32Array.from([-1, 2, 4, 9]), [1, 1, 4], { range: [0, 4] });
    const { tiles, scale } = img.layout;
    expect([0, 1, 2, 3].map((x) => cell(img.pixels, tiles[0]!, scale, x, 0))).toEqual([V0, V128, V255, V255]);
    expect(img.title).toBe("1×1×4 feature maps, fixed range [0, 4]");
  });

  it("the diverging map centres a symmetric range on zero", () => {
    const lut = colormap("diverging").lut;
    const div = (i: number) => Array.from(lut.subarray(i * 3, i * 3 + 3));
    const img = featureMapImage(Float32Array.from([-1, 0, 2]), [1, 1, 3], { colormap: "diverging" });
    const { tiles, scale } = img.layout;
    // Range [-2, 2]: -1 -> t 0.25 (entry 64), 0 -> t 0.5 (entry 128), 2 -> t 1 (entry 255).
    expect([0, 1, 2].map((x) => cell(img.pixels, tiles[0]!, scale, x, 0))).toEqual([div(64), div(128), div(255)]);
    expect(img.title).toBe("1×1×3 feature maps, global range [-1, 2]");
    const labels = img.layout.colorbarLabels;
    const left = textMask("-2", 2, measureText("-2", 2), labels.height);
    expect(mask(img.pixels, labels, TEXT).map((row) => row.slice(0, left[0]!.length))).toEqual(left);
  });

  it("nearest-neighbour scaling is exact, inside a one-pixel frame", () => {
    const values = Float32Array.from({ length: 25 }, (_, i) => (i * 7919) % 25);
    const img = featureMapImage(values, [1, 5, 5]);
    const { scale, tiles } = img.layout;
    expect(scale).toBe(32);
    const tile = tiles[0]!;
    expect([tile.width, tile.height]).toEqual([160, 160]);
    const pixels = img.pixels;
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const v = values[Math.floor(y / scale) * 5 + Math.floor(x / scale)]!;
        // min 0, max 24: value v sits at t = v / 24.
        const expected = viridis(Math.min(255, Math.floor((v / 24) * 256)));
        const got = px(pixels, tile.x + x, tile.y + y);
        if (got[0] !== expected[0] || got[1] !== expected[1] || got[2] !== expected[2]) {
          throw new Error(`pixel (${x}, ${y}) is ${got}, expected ${expected}`);
        }
      }
    }
    for (let i = -1; i <= tile.width; i++) {
      expect(px(pixels, tile.x + i, tile.y - 1)).toEqual(FRAME);
      expect(px(pixels, tile.x + i, tile.y + tile.height)).toEqual(FRAME);
    }
    for (let j = 0; j < tile.height; j++) {
      expect(px(pixels, tile.x - 1, tile.y + j)).toEqual(FRAME);
      expect(px(pixels, tile.x + tile.width, tile.y + j)).toEqual(FRAME);
    }
  });

  it("chooses columns and an integer scale from the map size", () => {
    const cases: [number, number, number, { columns: number; rows: number; scale: number }][] = [
      [6, 28, 28, { columns: 6, rows: 1, scale: 4 }],
      [6, 14, 14, { columns: 6, rows: 1, scale: 8 }],
      [16, 10, 10, { columns: 8, rows: 2, scale: 8 }],
      [16, 5, 5, { columns: 8, rows: 2, scale: 17 }],
      [1, 32, 32, { columns: 1, rows: 1, scale: 5 }],
      [3, 300, 300, { columns: 2, rows: 2, scale: 1 }],
    ];
    for (const [c, h, w, want] of cases) {
      const img = featureMapImage(new Float32Array(c * h * w), [c, h, w]);
      const { columns, rows, scale, width } = img.layout;
      expect({ columns, rows, scale }, `${c}x${h}x${w}`).toEqual(want);
      if (w <= 160) expect(width).toBeLessThanOrEqual(800);
    }
    const custom = featureMapImage(new Float32Array(6 * 4 * 4), [6, 4, 4], { columns: 2, scale: 3 });
    expect([custom.layout.columns, custom.layout.rows, custom.layout.scale]).toEqual([2, 3, 3]);
    expect(custom.layout.tiles[2]!.y).toBeGreaterThan(custom.layout.tiles[1]!.y);
    expect(custom.layout.tiles[2]!.x).toBe(custom.layout.tiles[0]!.x);
  });

  it("draws each tile's label and the title in the text colour", () => {
    const img = featureMapImage(new Float32Array(3 * 28 * 28).map((_, i) => i % 7), [3, 28, 28], { title: "conv1 · relu" });
    const pixels = img.pixels;
    for (let c = 0; c < 3; c++) {
      const band = img.layout.labels[c]!;
      const ink = mask(pixels, band, TEXT);
      expect(ink.join("").includes("#")).toBe(true);
      expect(ink).toEqual(textMask(`ch ${c}`, 2, band.width, band.height));
    }
    const title = img.layout.title;
    expect(mask(pixels, title, TEXT)).toEqual(textMask("conv1 · relu — 3×28×28, global range [0, 6]", 2, title.width, title.height));
    // Nothing in the text colour inside the tiles.
    for (const tile of img.layout.tiles) expect(mask(pixels, tile, TEXT).join("").includes("#")).toBe(false);
  });

  it("custom labels replace ch N", () => {
    const img = featureMapImage(new Float32Array(2 * 8 * 8), [2, 8, 8], { labels: ["edge", "blob"] });
    const band = img.layout.labels[1]!;
    expect(mask(img.pixels, band, TEXT)).toEqual(textMask("blob", 2, band.width, band.height));
    expect(img.summary).toMatch(/^ {2}edge {2}min 0/m);
  });

  it("the colour bar runs from the first to the last colormap entry, labelled min, mid, max", () => {
    const img = featureMapImage(ramp(2, 3, 3, (c, y, x) => c * (y + x) - 0.5), [2, 3, 3]);
    const bar = img.layout.colorbar;
    const pixels = img.pixels;
    for (let y = bar.y; y < bar.y + bar.height; y++) {
      expect(px(pixels, bar.x, y)).toEqual(V0);
      expect(px(pixels, bar.x + bar.width - 1, y)).toEqual(V255);
    }
    // Entries increase along the bar.
    const index = (x: number) => {
      const p = px(pixels, x, bar.y + 2);
      for (let i = 0; i < 256; i++) if (viridis(i).every((v, k) => v === p[k])) return i;
      return -1;
    };
    let last = -1;
    for (let x = bar.x; x < bar.x + bar.width; x++) {
      const i = index(x);
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
    }
    // Range -0.5..3.5: labels "-0.5" (left), "1.5" (centre), "3.5" (right).
    const labels = img.layout.colorbarLabels;
    const ink = mask(pixels, labels, TEXT);
    const left = textMask("-0.5", 2, measureText("-0.5", 2), labels.height);
    expect(ink.map((row) => row.slice(0, left[0]!.length))).toEqual(left);
    const right = textMask("3.5", 2, measureText("3.5", 2), labels.height);
    expect(ink.map((row) => row.slice(labels.width - right[0]!.length))).toEqual(right);
    const midWidth = measureText("1.5", 2);
    const midStart = Math.floor((labels.width - 1) / 2) - Math.floor(midWidth / 2);
    expect(ink.map((row) => row.slice(midStart, midStart + midWidth))).toEqual(textMask("1.5", 2, midWidth, labels.height));
  });

  it("a constant map takes the low end (centre of the diverging map) and is reported", () => {
    const values = ramp(2, 4, 4, (c, y, x) => (c === 0 ? 0.5 : y + x));
    const img = featureMapImage(values, [2, 4, 4], { normalize: "channel" });
    const { tiles, scale } = img.layout;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(cell(img.pixels, tiles[0]!, scale, x, y)).toEqual(V0);
    expect(img.stats[0]!.constant).toBe(true);
    expect(img.stats[1]!.constant).toBe(false);
    expect(img.summary).toContain("constant channels (1): ch 0 = 0.5");
    // The note under the label says so.
    const band = img.layout.labels[0]!;
    const muted = mask(img.pixels, band, [...PALETTES.light.muted]);
    expect(muted.join("").includes("#")).toBe(true);

    const diverging = featureMapImage(new Float32Array(4), [1, 2, 2], { colormap: "diverging" });
    const centre = Array.from(colormap("diverging").lut.subarray(128 * 3, 128 * 3 + 3));
    expect(cell(diverging.pixels, diverging.layout.tiles[0]!, diverging.layout.scale, 1, 1)).toEqual(centre);
    expect(diverging.title).toBe("1×2×2 feature maps, global range [0, 0]");
  });

  it("all-zero input (a dead ReLU layer) renders without error", () => {
    const img = featureMapImage(new Float32Array(6 * 28 * 28), [6, 28, 28], { title: "conv1 · relu" });
    expect(img.title).toBe("conv1 · relu — 6×28×28, global range [0, 0]");
    expect(cell(img.pixels, img.layout.tiles[5]!, 4, 27, 27)).toEqual(V0);
    expect(img.summary).toContain("constant channels (6)");
  });

  it("NaN and ±Inf are magenta, left out of the range, and counted", () => {
    const values = ramp(2, 3, 3, (c, y, x) => c + (y * 3 + x) / 8);
    values[0] = NaN;
    values[4] = Infinity;
    values[9 + 8] = -Infinity;
    const img = featureMapImage(values, [2, 3, 3]);
    const { tiles, scale } = img.layout;
    const pixels = img.pixels;
    expect(cell(pixels, tiles[0]!, scale, 0, 0)).toEqual(MAGENTA);
    expect(cell(pixels, tiles[0]!, scale, 1, 1)).toEqual(MAGENTA);
    expect(cell(pixels, tiles[1]!, scale, 2, 2)).toEqual(MAGENTA);
    // Finite range 0.125 .. 1.875: ends map to the colormap ends.
    expect(cell(pixels, tiles[0]!, scale, 1, 0)).toEqual(V0);
    expect(cell(pixels, tiles[1]!, scale, 1, 2)).toEqual(V255);
    expect(img.title).toBe("2×3×3 feature maps, global range [0.125, 1.88]");
    expect(img.stats[0]).toMatchObject({ nan: 1, posInf: 1, negInf: 0, min: 0.125 });
    expect(img.stats[1]).toMatchObject({ nan: 0, posInf: 0, negInf: 1, max: 1.875 });
    expect(img.summary).toContain("non-finite values: 3 (1 NaN, 1 +Inf, 1 -Inf) in ch 0, ch 1; shown in magenta");
    // The legend swatch: magenta pixels outside every tile.
    let outside = 0;
    for (let y = img.layout.colorbar.y; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) if (px(pixels, x, y).every((v, k) => v === MAGENTA[k])) outside++;
    }
    expect(outside).toBe(14 * 14);
  });

  it("a channel with no finite values at all", () => {
    const img = featureMapImage(Float32Array.from([NaN, NaN, 1, 2]), [2, 1, 2], { normalize: "channel" });
    expect(img.summary).toContain("ch 0  min nan  max nan  mean nan  (no finite values)  2 NaN");
    expect(cell(img.pixels, img.layout.tiles[0]!, img.layout.scale, 0, 0)).toEqual(MAGENTA);
    expect(cell(img.pixels, img.layout.tiles[1]!, img.layout.scale, 1, 0)).toEqual(V255);
    const allBad = featureMapImage(Float32Array.from([NaN, Infinity]), [1, 1, 2]);
    expect(allBad.title).toBe("1×1×2 feature maps, no finite values");
    expect(() => allBad.pixels).not.toThrow();
  });

  it("the dark theme paints a dark background with light text", () => {
    const img = featureMapImage(new Float32Array(4), [1, 2, 2], { theme: "dark" });
    expect(px(img.pixels, 0, 0)).toEqual([...PALETTES.dark.background]);
    expect(mask(img.pixels, img.layout.labels[0]!, [...PALETTES.dark.text]).join("").includes("#")).toBe(true);
  });

  it("keeps its own copy of the values", () => {
    const values = ramp(1, 2, 2, (_, y, x) => y * 2 + x);
    const img = featureMapImage(values, [1, 2, 2]);
    values.fill(0);
    expect(cell(img.pixels, img.layout.tiles[0]!, img.layout.scale, 1, 1)).toEqual(V255);
    const fromArray = featureMapImage([0, 1, 2, 3], [1, 2, 2]);
    expect(fromArray.stats[0]).toMatchObject({ min: 0, max: 3, mean: 1.5 });
  });
});

describe("featureMapImage text", () => {
  it("the title names the layer, the shape and the range", () => {
    const values = new Float32Array(6 * 28 * 28);
    values[0] = -0.41;
    values[100] = 1.73;
    const img = featureMapImage(values, [6, 28, 28], { title: "conv1 · relu" });
    expect(img.title).toBe("conv1 · relu — 6×28×28, global range [-0.41, 1.73]");
    expect(img.summary.split("\n").slice(0, 3)).toEqual([
      "conv1 · relu — 6×28×28, global range [-0.41, 1.73]",
      "normalisation: global (one range for all channels); colormap viridis (dark purple = low, yellow = high)",
      "  ch 0  min -0.41  max 1.73   mean 0.00168", // numbers padded to one column width
    ]);
    expect(String(img)).toBe(img.summary);
  });

  it("lists at most 32 channels one by one", () => {
    const img = featureMapImage(new Float32Array(40), [40, 1, 1], { normalize: "channel" });
    const lines = img.summary.split("\n");
    expect(lines.filter((l) => /^ {2}ch \d+ /.test(l)).length).toBe(32);
    expect(img.summary).toContain("… 8 more channels (ch 32 to ch 39)");
    expect(lines[1]).toBe(
      "normalisation: per channel (each tile from its own min to max); colormap viridis (dark purple = low, yellow = high)",
    );
  });

  it("formatValue keeps labels short", () => {
    expect(formatValue(0)).toBe("0");
    expect(formatValue(-0)).toBe("0");
    expect(formatValue(-0.41)).toBe("-0.41");
    expect(formatValue(1.73)).toBe("1.73");
    expect(formatValue(0.949)).toBe("0.949");
    expect(formatValue(12.345)).toBe("12.3");
    expect(formatValue(1234.5)).toBe("1235");
    expect(formatValue(123456)).toBe("1.23e5");
    expect(formatValue(0.000012)).toBe("1.2e-5");
    expect(formatValue(0.0001)).toBe("1e-4");
    expect(formatValue(NaN)).toBe("nan");
    expect(formatValue(-Infinity)).toBe("-inf");
  });
});

describe("featureMapImage display", () => {
  it("the Jupyter bundle: HTML with every label as text, a PNG of the tiles alone (transparent between them), the text, the tile grid", () => {
    const img = featureMapImage(ramp(6, 28, 28, (c, y, x) => Math.sin(x / (c + 2)) * y), [6, 28, 28], { title: "conv1" });
    const result = img[Symbol.for("Jupyter.display") as typeof import("../src/render/mime.js").jupyterDisplay]() as {
      data: Record<string, string>;
      metadata: Record<string, { width: number; height: number; tiles: TileGrid }>;
    };
    expect(Object.keys(result.data).sort()).toEqual(["image/png", "text/html", "text/plain"]);
    expect(result.data["text/plain"]).toBe(img.summary);
    const grid = result.metadata["image/png"]!.tiles;
    expect(grid).toMatchObject({ mapWidth: 28, mapHeight: 28, scale: img.layout.scale, columns: img.layout.columns, labels: ["ch 0", "ch 1", "ch 2", "ch 3", "ch 4", "ch 5"] });
    // The PNG holds the tiles and nothing else: exactly the grid's size, RGBA, the gap between two tiles transparent.
    const png = Buffer.from(result.data["image/png"]!, "base64");
    const decoded = decodePng(png);
    const tile = 28 * grid.scale;
    const across = Math.min(6, grid.columns);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([across * tile + (across - 1) * grid.gap, Math.ceil(6 / across) * tile + (Math.ceil(6 / across) - 1) * grid.gap, 4]);
    expect(result.metadata["image/png"]).toMatchObject({ width: decoded.width, height: decoded.height });
    expect(decoded.data[(2 * decoded.width + tile + 1) * 4 + 3]).toBe(0);
    expect(decoded.data[(2 * decoded.width + 1) * 4 + 3]).toBe(255);
    // The HTML: title, labels and colour-bar numbers as text; one image per tile plus the colour strip; no stylesheet.
    const html = result.data["text/html"]!;
    expect(html).toContain(">conv1 — 6×28×28, global range [");
    for (const label of grid.labels) expect(html).toContain(`>${label}</span>`);
    expect(html.match(/<img /g)).toHaveLength(7);
    for (const n of grid.bar) expect(html).toContain(`<span>${n}</span>`);
    expect(html).not.toContain("<style");
    const file = join(dir, "conv1-tiles.png");
    writeFileSync(file, png);
    expect(execFileSync("file", ["-b", file]).toString()).toContain(`PNG image data, ${decoded.width} x ${decoded.height}, 8-bit/color RGBA`);
    // The drawn image (title and labels on it) is still there for saving to a file.
    expect(decodePng(img.png()).width).toBe(img.width);
  });

  it("util.inspect gives the text without colours and half blocks with them", () => {
    const img = featureMapImage(ramp(2, 4, 4, (c, y, x) => c + y + x), [2, 4, 4]);
    expect(inspect(img, { colors: false })).toBe(img.summary);
    const coloured = inspect(img, { colors: true });
    expect(coloured).toContain("\x1b[38;");
    expect(coloured).toContain("▀");
    expect(stripAnsi(coloured).split("\n")[0]).toBe(img.title);
  });

  it("the terminal view: title, labels, exact tile cells, colour strip and its numbers", () => {
    const img = featureMapImage(Float32Array.from([0, 1]), [1, 1, 2], { title: "t" });
    const lines = img.toAnsi({ columns: 80, color: "truecolor", scale: 1 }).split("\n");
    expect(lines[0]).toBe("\x1b[1mt — 1×1×2, global range [0, 1]\x1b[22m");
    expect(lines[1]).toBe("ch");
    expect(lines[2]).toBe(`\x1b[38;2;${V0.join(";")}m▀\x1b[38;2;${V255.join(";")}m▀\x1b[0m`);
    const strip = stripAnsi(lines[3]!);
    expect(strip).toBe("▀".repeat(40));
    expect(lines[3]!.startsWith(`\x1b[38;2;${V0.join(";")};48;2;${V0.join(";")}m▀`)).toBe(true);
    expect(lines[3]!.endsWith(`\x1b[38;2;${V255.join(";")};48;2;${V255.join(";")}m▀\x1b[0m`)).toBe(true);
    expect(lines[4]).toMatch(/^0 +0\.5 +1$/);
    expect(lines[4]!.length).toBe(40);
    expect(lines[5]).toBe("normalisation: global (one range for all channels); colormap viridis");
  });

  it("the terminal view fits the columns it is given", () => {
    const img = featureMapImage(ramp(16, 5, 5, (c, y, x) => c * y - x), [16, 5, 5]);
    for (const columns of [20, 45, 80, 200]) {
      const text = stripAnsi(img.toAnsi({ columns, color: "256" }));
      // Image lines and tile labels stay inside the terminal (prose lines may wrap).
      const drawn = text.split("\n").filter((l) => /[▀▄]|^ch /.test(l));
      expect(drawn.length).toBeGreaterThan(5);
      for (const line of drawn) expect([...line].length, `${columns}: ${line}`).toBeLessThanOrEqual(columns);
      for (let c = 0; c < 16; c++) expect(text).toContain(`ch ${c}`);
    }
    // A map wider than the terminal is downscaled to fit.
    const wide = featureMapImage(new Float32Array(300).map((_, i) => i), [1, 1, 300]);
    const lines = stripAnsi(wide.toAnsi({ columns: 50, color: "256" })).split("\n");
    expect(lines[2]).toBe("▀".repeat(50));
  });
});

describe("featureMapImage refuses bad input with typed errors", () => {
  it("values that do not match the shape", () => {
    expect(() => featureMapImage(new Float32Array(100), [6, 28, 28])).toThrow(ShapeError);
    expect(() => featureMapImage(new Float32Array(100), [6, 28, 28])).toThrow("shape '[6, 28, 28]' is invalid for input of size 100");
  });

  it("a shape that is not [C, H, W]", () => {
    expect(() => featureMapImage(new Float32Array(4), [1, 1, 2, 2] as unknown as [number, number, number])).toThrow(
      /shape must be \[C, H, W\].*got \[1, 1, 2, 2\]/,
    );
    expect(() => featureMapImage(new Float32Array(0), [0, 2, 2])).toThrow(ArgumentError);
    expect(() => featureMapImage(null as unknown as Float32Array, [1, 1, 1])).toThrow(ArgumentError);
  });

  it("bad options", () => {
    const v = new Float32Array(4);
    expect(() => featureMapImage(v, [1, 2, 2], { normalize: "each" as "channel" })).toThrow(/normalize must be "global" or "channel"/);
    expect(() => featureMapImage(v, [1, 2, 2], { colormap: "jet" as "gray" })).toThrow(ArgumentError);
    expect(() => featureMapImage(v, [1, 2, 2], { range: [1, 1] })).toThrow(/finite low < high/);
    expect(() => featureMapImage(v, [1, 2, 2], { scale: 0 })).toThrow(/scale must be an integer/);
    expect(() => featureMapImage(v, [1, 2, 2], { columns: 1.5 })).toThrow(/columns must be an integer/);
    expect(() => featureMapImage(v, [1, 2, 2], { theme: "blue" as "dark" })).toThrow(ArgumentError);
  });

  it("an image too large to draw fails when made, not when shown", () => {
    expect(() => featureMapImage(new Float32Array(40_000), [1, 200, 200], { scale: 256 })).toThrow(SizeError);
  });

  it("is a FeatureMapImage", () => {
    expect(featureMapImage(new Float32Array(1), [1, 1, 1])).toBeInstanceOf(FeatureMapImage);
  });
});
