/**
 * SyntheticDigits: made the same way every time from its seed, balanced
 * labels, images in [0, 1] with ink where the digit is, the recipe's ranges
 * respected, a preview a learner can look at, and typed errors for bad options.
 */
import { describe, expect, test } from "vitest";
import { ArgumentError, IndexError, datasets, torch } from "../src/index.js";
import { DIGIT_GLYPHS, glyphBounds } from "../src/datasets/digit-strokes.js";
import { decodePng } from "../src/render/png.js";

const { SyntheticDigits, SyntheticDigitsDataset } = datasets;

const pixels = (ds: InstanceType<typeof SyntheticDigitsDataset>) => ds.data.storage.data as Float32Array;

describe("SyntheticDigits", () => {
  const ds = SyntheticDigits({ size: 500, seed: 3 });

  test("the same options give the same images and labels, bit for bit, with or without new", () => {
    const again = new SyntheticDigits({ size: 500, seed: 3 });
    expect(again).toBeInstanceOf(SyntheticDigitsDataset);
    expect(ds).toBeInstanceOf(SyntheticDigits);
    expect(Buffer.from(pixels(again).buffer).equals(Buffer.from(pixels(ds).buffer))).toBe(true);
    expect(again.targets.tolist()).toEqual(ds.targets.tolist());
  });

  test("the recipe is pinned: seed 0 always makes these images (notebooks quote results computed on them)", () => {
    const pinned = SyntheticDigits({ size: 100, seed: 0 });
    expect((pinned.targets.tolist() as number[]).slice(0, 12)).toEqual([4, 9, 3, 0, 1, 9, 7, 5, 3, 1, 1, 2]);
    const d = pixels(pinned);
    let sum = 0;
    let weighted = 0;
    for (let i = 0; i < d.length; i++) {
      sum += d[i]!;
      weighted += d[i]! * (i % 7);
    }
    expect(sum).toBeCloseTo(14032.672866, 3);
    expect(weighted).toBeCloseTo(42121.559511, 3);
    const r = pinned.recipe(0);
    expect(r.style).toBe(0);
    expect(r.height).toBeCloseTo(22.762997, 5);
    expect(r.rotation).toBeCloseTo(-3.775272, 5);
  });

  test("the global generator is neither used nor disturbed", () => {
    torch.manual_seed(11);
    const expected = torch.randn(3).tolist();
    torch.manual_seed(11);
    SyntheticDigits({ size: 20 });
    expect(torch.randn(3).tolist()).toEqual(expected);
  });

  test("another seed or the other split gives other images", () => {
    const other = SyntheticDigits({ size: 500, seed: 4 });
    const test = SyntheticDigits({ size: 500, seed: 3, train: false });
    expect(other.targets.tolist()).not.toEqual(ds.targets.tolist());
    expect(test.targets.tolist()).not.toEqual(ds.targets.tolist());
    // No test image equals a training image.
    const n = 32 * 32;
    const train = new Set(Array.from({ length: 500 }, (_, i) => Buffer.from(pixels(ds).buffer, i * n * 4, n * 4).toString("base64")));
    for (let i = 0; i < 500; i++) expect(train.has(Buffer.from(pixels(test).buffer, i * n * 4, n * 4).toString("base64"))).toBe(false);
  });

  test("labels are balanced: size/10 of each digit (±1), in random order", () => {
    expect(ds.classCounts()).toEqual(new Array(10).fill(50));
    expect(SyntheticDigits({ size: 23 }).classCounts()).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
    const labels = ds.targets.tolist() as number[];
    expect(labels.slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("images are [N, 1, 32, 32] float32 in [0, 1]; labels [N] int64; samples are [view, number]", () => {
    expect([...ds.data.shape]).toEqual([500, 1, 32, 32]);
    expect(ds.data.dtype).toBe(torch.float32);
    expect([...ds.targets.shape]).toEqual([500]);
    expect(ds.targets.dtype).toBe(torch.int64);
    expect(ds.data.min().item()).toBeGreaterThanOrEqual(0);
    expect(ds.data.max().item()).toBeLessThanOrEqual(1);
    const [image, label] = ds.getitem(7);
    expect([...image.shape]).toEqual([1, 32, 32]);
    expect(image.storage).toBe(ds.data.storage);
    expect(label).toBe((ds.targets.tolist() as number[])[7]);
    expect(ds.getitem(-1)[1]).toBe((ds.targets.tolist() as number[])[499]);
    expect(ds.length).toBe(500);
  });

  test("without noise the paper is exactly 0 and every digit has ink, inside the image", () => {
    const clean = SyntheticDigits({ size: 200, noise: 0, seed: 1 });
    const data = pixels(clean);
    for (let k = 0; k < 200; k++) {
      const img = data.subarray(k * 1024, (k + 1) * 1024);
      let ink = 0;
      let zero = 0;
      for (const v of img) {
        if (v > 0.5) ink++;
        if (v === 0) zero++;
      }
      expect(ink, `image ${k} has ink`).toBeGreaterThan(15);
      expect(zero, `image ${k} is mostly paper`).toBeGreaterThan(600);
      // The pen stays off the outermost ring of pixels (up to its soft edge).
      for (let i = 0; i < 32; i++) {
        for (const v of [img[i]!, img[31 * 32 + i]!, img[i * 32]!, img[i * 32 + 31]!]) expect(v).toBeLessThan(0.5);
      }
    }
  });

  test("with noise the paper is noisy and the noise grows with `noise`", () => {
    const std = (noise: number) => {
      const d = pixels(SyntheticDigits({ size: 50, noise, seed: 2 }));
      // The corner pixels are paper: their spread is the noise (clamped at 0).
      const corner: number[] = [];
      for (let k = 0; k < 50; k++) corner.push(d[k * 1024]!, d[k * 1024 + 1]!, d[k * 1024 + 32]!);
      const mean = corner.reduce((a, b) => a + b, 0) / corner.length;
      return Math.sqrt(corner.reduce((a, b) => a + (b - mean) ** 2, 0) / corner.length);
    };
    expect(std(0)).toBe(0);
    expect(std(0.1)).toBeGreaterThan(0.03);
    expect(std(0.3)).toBeGreaterThan(std(0.1));
  });

  test("each recipe stays within the documented ranges", () => {
    for (let i = 0; i < ds.length; i++) {
      const r = ds.recipe(i);
      expect(r.label).toBe(ds.getitem(i)[1]);
      expect(r.style).toBeLessThan(DIGIT_GLYPHS[r.label]!.length);
      expect(r.height).toBeGreaterThanOrEqual(15);
      expect(r.height).toBeLessThan(23);
      expect(r.width).toBeGreaterThanOrEqual(0.8);
      expect(r.width).toBeLessThan(1.25);
      expect(Math.abs(r.slant)).toBeLessThanOrEqual(0.3);
      expect(Math.abs(r.rotation)).toBeLessThanOrEqual(15);
      expect(r.pen).toBeGreaterThanOrEqual(0.8);
      expect(r.pen).toBeLessThan(2);
      expect(r.ink).toBeGreaterThanOrEqual(0.7);
      expect(Math.abs(r.center[0] - 16)).toBeLessThanOrEqual(4 + 1e-9);
      expect(Math.abs(r.center[1] - 16)).toBeLessThanOrEqual(4 + 1e-9);
    }
  });

  test("every glyph fits the unit box its strokes are written in", () => {
    const identity = { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 };
    DIGIT_GLYPHS.forEach((styles, digit) => {
      expect(styles.length, `digit ${digit}`).toBeGreaterThan(0);
      for (const glyph of styles) {
        const [x0, y0, x1, y1] = glyphBounds(glyph, identity);
        expect(x0).toBeGreaterThanOrEqual(-0.36);
        expect(x1).toBeLessThanOrEqual(0.36);
        expect(y0).toBeGreaterThanOrEqual(-0.51);
        expect(y1).toBeLessThanOrEqual(0.51);
        expect(y1 - y0, `digit ${digit} is a full-height glyph`).toBeGreaterThan(0.9);
      }
    });
  });

  test("preview: a labelled grid PNG of the requested images", () => {
    const grid = ds.preview(12, { start: 5, columns: 6 });
    const png = decodePng(grid.png());
    expect(png.width).toBe(grid.image.width);
    expect(png.height).toBe(grid.image.height);
    expect(grid.image.layout.tiles.length).toBe(12);
    expect(grid.image.layout.columns).toBe(6);
    const labels = (ds.targets.tolist() as number[]).slice(5, 17).join(" ");
    expect(grid.summary).toBe(`SyntheticDigits train, images 5-16 of 500; labels: ${labels}`);
    const shown = grid[Symbol.for("Jupyter.display") as never] as unknown as () => { data: Record<string, string>; metadata: Record<string, { width: number }> };
    const bundle = shown.call(grid);
    expect(bundle.data["text/plain"]).toBe(grid.summary);
    expect(bundle.metadata["image/png"]!.width).toBe(png.width);
    // The first tile shows image 5 in gray: its brightest pixel is white-ish ink.
    const tile = grid.image.layout.tiles[0]!;
    let brightest = 0;
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      for (let x = tile.x; x < tile.x + tile.width; x++) brightest = Math.max(brightest, png.data[(y * png.width + x) * png.channels]!);
    }
    expect(brightest).toBeGreaterThan(180);
    // A preview past the end is cut short.
    expect(ds.preview(20, { start: 490 }).image.layout.tiles.length).toBe(10);
  });

  test("text forms", () => {
    expect(String(ds)).toContain("Number of datapoints: 500");
    expect(String(SyntheticDigits({ size: 10, train: false }))).toContain("Split: Test");
    expect(ds.classes[7]).toBe("7 - seven");
  });

  test("bad options and indices are typed errors", () => {
    const bad = (options: unknown, text: string, name = "ValueError") => {
      let caught: unknown;
      try {
        SyntheticDigits(options as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ArgumentError);
      expect((caught as Error).name).toBe(name);
      expect((caught as Error).message).toContain(text);
    };
    bad({ size: 0 }, "size must be an integer from 1 to 100000, got 0");
    bad({ size: 1.5 }, "size must be an integer");
    bad({ size: 1e9 }, "size must be an integer from 1 to 100000");
    bad({ seed: -1 }, "seed must be a non-negative integer");
    bad({ noise: 2 }, "noise must be a number from 0 to 1, got 2");
    bad({ noise: Number.NaN }, "noise must be a number from 0 to 1");
    bad({ train: "yes" }, "train must be true or false", "TypeError");
    bad(null, "options must be an object", "TypeError");
    expect(() => ds.getitem(500)).toThrow(IndexError);
    expect(() => ds.recipe(-501)).toThrow(IndexError);
    expect(() => ds.preview(0)).toThrow(ArgumentError);
  });
});
