import { describe, expect, it } from "vitest";
import { ArgumentError } from "../src/errors.js";
import { COLORMAP_NAMES, type ColormapName, colorAt, colormap, lutIndex } from "../src/render/colormap.js";

// Reference entries of the 256-colour viridis table (matplotlib's data rounded to 8 bits).
const VIRIDIS_REFERENCE: [number, [number, number, number]][] = [
  [0, [68, 1, 84]],
  [32, [71, 45, 123]],
  [64, [59, 82, 139]],
  [128, [33, 145, 140]],
  [192, [94, 201, 98]],
  [255, [253, 231, 37]],
];

function entry(name: ColormapName, i: number): number[] {
  return Array.from(colormap(name).lut.subarray(i * 3, i * 3 + 3));
}

/** Relative luminance (sRGB weights on gamma-encoded values; enough to check ordering). */
function luma([r, g, b]: number[]): number {
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

describe("colormaps", () => {
  it("every map is a 256-entry RGB table with a description", () => {
    for (const name of COLORMAP_NAMES) {
      const map = colormap(name);
      expect(map.name).toBe(name);
      expect(map.lut).toBeInstanceOf(Uint8Array);
      expect(map.lut.length).toBe(768);
      expect(map.description.length).toBeGreaterThan(10);
    }
  });

  it("viridis matches the reference entries", () => {
    for (const [i, rgb] of VIRIDIS_REFERENCE) expect(entry("viridis", i)).toEqual(rgb);
  });

  it("viridis gets lighter from start to end", () => {
    const lumas = Array.from({ length: 256 }, (_, i) => luma(entry("viridis", i)));
    for (let i = 8; i < 256; i += 8) expect(lumas[i]!).toBeGreaterThan(lumas[i - 8]!);
  });

  it("gray runs from black to white through equal channels", () => {
    for (const i of [0, 1, 127, 128, 254, 255]) expect(entry("gray", i)).toEqual([i, i, i]);
  });

  it("diverging is blue at the low end, near-white in the centre, red at the high end", () => {
    const [r0, , b0] = entry("diverging", 0);
    const [r1, , b1] = entry("diverging", 255);
    expect(b0!).toBeGreaterThan(r0! + 80);
    expect(r1!).toBeGreaterThan(b1! + 80);
    const centre = colorAt(colormap("diverging"), 0.5);
    for (const c of centre) expect(c).toBeGreaterThan(225);
    // Symmetric lightness: entries at equal distance from the centre are about equally light.
    for (const d of [32, 64, 100]) {
      expect(Math.abs(luma(entry("diverging", 127 - d)) - luma(entry("diverging", 128 + d)))).toBeLessThan(40);
    }
  });

  it("lutIndex bins [0, 1] into 256 equal steps, clamps, and maps NaN to 0", () => {
    expect(lutIndex(0)).toBe(0);
    expect(lutIndex(1)).toBe(255);
    expect(lutIndex(0.5)).toBe(128);
    expect(lutIndex(1 / 256 - 1e-9)).toBe(0);
    expect(lutIndex(1 / 256)).toBe(1);
    expect(lutIndex(1 - 1e-12)).toBe(255);
    expect(lutIndex(-3)).toBe(0);
    expect(lutIndex(7)).toBe(255);
    expect(lutIndex(NaN)).toBe(0);
    // A 0..255 ramp divided by 255 hits every entry exactly once.
    const hit = new Set(Array.from({ length: 256 }, (_, i) => lutIndex(i / 255)));
    expect(hit.size).toBe(256);
  });

  it("colorAt reads the table", () => {
    expect(colorAt(colormap("viridis"), 0)).toEqual([68, 1, 84]);
    expect(colorAt(colormap("viridis"), 1)).toEqual([253, 231, 37]);
    expect(colorAt(colormap("gray"), 0.5)).toEqual([128, 128, 128]);
  });

  it("an unknown name is a typed error listing the choices", () => {
    expect(() => colormap("jet" as ColormapName)).toThrow(ArgumentError);
    expect(() => colormap("jet" as ColormapName)).toThrow(/unknown colormap 'jet', expected one of viridis, gray, diverging/);
  });
});
