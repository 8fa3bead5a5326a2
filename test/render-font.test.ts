import { describe, expect, it } from "vitest";
import { GLYPH_HEIGHT, drawText, hasGlyph, lineHeight, measureText } from "../src/render/font.js";
import type { Pixels } from "../src/render/png.js";

function canvas(width: number, height: number, channels: 3 | 4 = 3): Pixels {
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

/** The image as rows of "#" (any red > 0) and ".", for comparing with glyph drawings. */
function picture(img: Pixels): string[] {
  const rows: string[] = [];
  for (let y = 0; y < img.height; y++) {
    let row = "";
    for (let x = 0; x < img.width; x++) row += img.data[(y * img.width + x) * img.channels]! > 0 ? "#" : ".";
    rows.push(row);
  }
  return rows;
}

describe("bitmap font", () => {
  it("covers digits, letters and the label punctuation", () => {
    const needed = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .-+:()=×·—[],/%";
    for (const ch of needed) expect(hasGlyph(ch), ch).toBe(true);
    expect(hasGlyph("é")).toBe(false);
  });

  it("measures text: glyph widths plus one pixel between, times the scale", () => {
    expect(measureText("")).toBe(0);
    expect(measureText("0")).toBe(5);
    expect(measureText("00")).toBe(11);
    expect(measureText("ch 0")).toBe(5 + 1 + 5 + 1 + 3 + 1 + 5);
    expect(measureText("ch 0", 2)).toBe(42);
    expect(measureText("1.5")).toBe(5 + 1 + 1 + 1 + 5);
    expect(lineHeight(2)).toBe(GLYPH_HEIGHT * 2);
  });

  it("draws the glyph pixels exactly", () => {
    const img = canvas(13, 9);
    const end = drawText(img, "1:", 1, 1, [255, 255, 255]);
    expect(end).toBe(1 + 5 + 1 + 1);
    expect(picture(img)).toEqual([
      ".............",
      "...#.........",
      "..##.........",
      "...#...#.....",
      "...#.........",
      "...#.........",
      "...#...#.....",
      "..###........",
      ".............",
    ]);
  });

  it("scales every font pixel into a square block and writes the colour (opaque on RGBA)", () => {
    const img = canvas(8, 16, 4);
    drawText(img, "-", 0, 0, [10, 20, 30], 2);
    // "-" is a 4-pixel bar on row 3: rows 6 and 7 at scale 2, columns 0..7.
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 8; x++) {
        const o = (y * 8 + x) * 4;
        const on = y === 6 || y === 7;
        expect(Array.from(img.data.subarray(o, o + 4))).toEqual(on ? [10, 20, 30, 255] : [0, 0, 0, 0]);
      }
    }
  });

  it("descenders go below the baseline", () => {
    const img = canvas(5, 9);
    drawText(img, "g", 0, 0, [255, 0, 0]);
    expect(picture(img).slice(7)).toEqual(["....#", ".###."]);
  });

  it("clips at the image edges and at maxWidth without throwing", () => {
    const img = canvas(7, 4);
    expect(() => drawText(img, "WWWW", -3, -2, [255, 255, 255], 3)).not.toThrow();
    const small = canvas(40, 9);
    drawText(small, "abcdef", 0, 0, [255, 255, 255], { maxWidth: 14 });
    // Only "ab" (5 + 1 + 5 = 11 pixels) fits into 14; column 12 onwards stays empty.
    expect(picture(small).every((row) => row.slice(12) === ".".repeat(28))).toBe(true);
    expect(picture(small).some((row) => row.slice(6, 11).includes("#"))).toBe(true);
  });

  it("unknown characters draw as a hollow box", () => {
    const img = canvas(5, 9);
    drawText(img, "é", 0, 0, [255, 255, 255]);
    expect(picture(img).slice(0, 7)).toEqual(["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####"]);
  });
});
