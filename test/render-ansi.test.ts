import { describe, expect, it } from "vitest";
import { ArgumentError } from "../src/errors.js";
import {
  detectColorMode,
  fitToColumns,
  pixelsToAnsi,
  pixelsToAnsiLines,
  pngToAnsi,
  resizeNearest,
  rgbTo256,
  stripAnsi,
} from "../src/render/ansi.js";
import { type Pixels, encodePng } from "../src/render/png.js";

const E = "\x1b[";

function rgb(width: number, height: number, pixels: number[][]): Pixels {
  return { width, height, channels: 3, data: Uint8Array.from(pixels.flat()) };
}

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

describe("half-block rendering", () => {
  it("a 2x2 image is one line: upper pixel as foreground, lower as background", () => {
    const img = rgb(2, 2, [RED, GREEN, BLUE, WHITE]);
    expect(pixelsToAnsi(img, { color: "truecolor", columns: 80 })).toBe(
      `${E}38;2;255;0;0;48;2;0;0;255m▀${E}38;2;0;255;0;48;2;255;255;255m▀${E}0m`,
    );
  });

  it("the same image in the 256-colour palette", () => {
    const img = rgb(2, 2, [RED, GREEN, BLUE, WHITE]);
    expect(pixelsToAnsi(img, { color: "256", columns: 80 })).toBe(`${E}38;5;196;48;5;21m▀${E}38;5;46;48;5;231m▀${E}0m`);
  });

  it("repeats no escape code while the colours stay the same", () => {
    const img = rgb(3, 2, [RED, RED, GREEN, BLUE, BLUE, BLUE]);
    expect(pixelsToAnsi(img, { color: "truecolor", columns: 80 })).toBe(
      `${E}38;2;255;0;0;48;2;0;0;255m▀▀${E}38;2;0;255;0m▀${E}0m`,
    );
  });

  it("an odd last row leaves the lower half to the terminal background", () => {
    const img = rgb(1, 3, [RED, GREEN, BLUE]);
    expect(pixelsToAnsiLines(img, { color: "truecolor", columns: 80 })).toEqual([
      `${E}38;2;255;0;0;48;2;0;255;0m▀${E}0m`,
      `${E}38;2;0;0;255m▀${E}0m`,
    ]);
  });

  it("transparent pixels show the terminal background", () => {
    const img: Pixels = {
      width: 3,
      height: 2,
      channels: 4,
      // Column 0: opaque over transparent; column 1: transparent over opaque; column 2: both transparent.
      data: Uint8Array.from([255, 0, 0, 255, 9, 9, 9, 0, 9, 9, 9, 10, 9, 9, 9, 0, 0, 0, 255, 200, 9, 9, 9, 127]),
    };
    expect(pixelsToAnsi(img, { color: "truecolor", columns: 80 })).toBe(`${E}38;2;255;0;0m▀${E}38;2;0;0;255m▄ ${E}0m`);
  });

  it("a background colour is reset when the next cell has none", () => {
    const img: Pixels = { width: 2, height: 2, channels: 4, data: Uint8Array.from([...RED, 255, ...RED, 255, ...BLUE, 255, 0, 0, 0, 0]) };
    expect(pixelsToAnsi(img, { color: "truecolor", columns: 80 })).toBe(`${E}38;2;255;0;0;48;2;0;0;255m▀${E}49m▀${E}0m`);
  });
});

describe("width limiting", () => {
  it("an image wider than the terminal is downscaled to exactly its columns", () => {
    // 8x4 of vertical stripes, two pixels each: red red green green blue blue white white.
    const row = [RED, RED, GREEN, GREEN, BLUE, BLUE, WHITE, WHITE];
    const img = rgb(8, 4, [...row, ...row, ...row, ...row]);
    const lines = pixelsToAnsiLines(img, { color: "truecolor", columns: 4 });
    // 8x4 -> 4x2: one line of four cells, each stripe once.
    expect(lines).toEqual([
      `${E}38;2;255;0;0;48;2;255;0;0m▀${E}38;2;0;255;0;48;2;0;255;0m▀${E}38;2;0;0;255;48;2;0;0;255m▀${E}38;2;255;255;255;48;2;255;255;255m▀${E}0m`,
    ]);
  });

  it("keeps images that fit, and never prints more cells than columns", () => {
    const img: Pixels = { width: 300, height: 40, channels: 3, data: new Uint8Array(300 * 40 * 3).map((_, i) => i % 251) };
    for (const columns of [1, 7, 80, 299, 300, 500]) {
      const lines = pixelsToAnsiLines(img, { color: "256", columns });
      const width = Math.min(300, columns);
      for (const line of lines) expect([...stripAnsi(line)].length).toBe(width);
      const height = width === 300 ? 40 : Math.max(1, Math.round((40 * columns) / 300));
      expect(lines.length).toBe(Math.ceil(height / 2));
    }
  });

  it("resizeNearest is exact for integer factors up and down", () => {
    const img = rgb(2, 1, [RED, BLUE]);
    const up = resizeNearest(img, 6, 3);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 6; x++) {
        expect(Array.from(up.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3))).toEqual(x < 3 ? RED : BLUE);
      }
    }
    expect(Array.from(resizeNearest(up, 2, 1).data)).toEqual([...RED, ...BLUE]);
    expect(fitToColumns(img, 10)).toBe(img);
    expect(() => resizeNearest(img, 0, 1)).toThrow(ArgumentError);
    expect(() => pixelsToAnsi(img, { columns: 0 })).toThrow(/columns must be a positive integer/);
  });
});

describe("colour depth", () => {
  it("truecolor only when COLORTERM says so", () => {
    expect(detectColorMode({ COLORTERM: "truecolor" })).toBe("truecolor");
    expect(detectColorMode({ COLORTERM: "24bit" })).toBe("truecolor");
    expect(detectColorMode({ COLORTERM: "" })).toBe("256");
    expect(detectColorMode({ TERM: "xterm-256color" })).toBe("256");
  });

  it("maps RGB to the nearest xterm palette entry (cube or gray ramp)", () => {
    expect(rgbTo256(0, 0, 0)).toBe(16);
    expect(rgbTo256(255, 255, 255)).toBe(231);
    expect(rgbTo256(255, 0, 0)).toBe(196);
    expect(rgbTo256(0, 0, 255)).toBe(21);
    expect(rgbTo256(128, 128, 128)).toBe(244);
    expect(rgbTo256(95, 135, 175)).toBe(16 + 36 * 1 + 6 * 2 + 3);
    // viridis ends
    expect(rgbTo256(68, 1, 84)).toBe(16 + 36 * 1 + 0 + 1);
    expect(rgbTo256(253, 231, 37)).toBe(16 + 36 * 5 + 6 * 4 + 0); // (255, 215, 0): 215 is nearer 231 than 255
  });
});

describe("pngToAnsi", () => {
  it("decodes bytes or notebook base64 (line breaks allowed) and draws half blocks", () => {
    const img = rgb(2, 2, [RED, GREEN, BLUE, WHITE]);
    const expected = pixelsToAnsi(img, { color: "truecolor", columns: 80 });
    const png = encodePng(img);
    expect(pngToAnsi(png, { color: "truecolor", columns: 80 })).toBe(expected);
    const b64 = png.toString("base64");
    const wrapped = b64.slice(0, 20) + "\n" + b64.slice(20);
    expect(pngToAnsi(wrapped, { color: "truecolor", columns: 80 })).toBe(expected);
    expect(() => pngToAnsi("bm90IGEgcG5n")).toThrow(/not a PNG file/);
  });
});
