/**
 * `SyntheticDigits`: an MNIST-like dataset of handwritten-looking digits that
 * a notebook makes itself (about a second for 6,000 images), with nothing to download.
 *
 * Each sample is `[image, label]`: a 1×32×32 float32 image with values in
 * [0, 1] (ink is 1, paper 0) and its digit 0–9 (a number; a DataLoader
 * collates labels into an int64 tensor). All images are made when the dataset
 * is created and kept in `data` ([N, 1, 32, 32]); `targets` holds the labels
 * ([N], int64).
 *
 * How the images are made (all randomness from one tsorch `Generator`, seeded
 * with `2·seed` for the training split and `2·seed + 1` for the test split, so
 * the two never share a stream; the same options always give the same
 * images, bit for bit):
 *
 * 1. Labels: `randperm(size)`, each value taken modulo 10 — every digit
 *    appears size/10 times (±1), in random order.
 * 2. Per image, in index order, nine uniform draws u ∈ [0, 1) (float32's 24 bits):
 *    the style of the digit (one of its 1–3 pen-stroke styles, equally likely; see
 *    `digit-strokes.ts`); the height, 15 + 8u pixels; the width, 0.8 + 0.45u
 *    times the style's; the slant (shear), −0.3 + 0.6u; the rotation,
 *    −15° + 30u; the pen radius, 0.8 + 1.2u pixels (strokes 1.6–4 pixels
 *    thick); the ink, 0.7 + 0.3u; and the shift of the digit's centre from
 *    the image centre, −4 + 8u pixels across, then down, pulled back when
 *    the digit (with its pen) would leave the image.
 * 3. The strokes are drawn with that transform (scale, slant, rotation,
 *    shift) by an anti-aliased round pen.
 * 4. Noise: 1,024 normal samples (`normal_`) times `noise` are added to the
 *    image, and values are clamped to [0, 1].
 *
 * @example
 * const train = datasets.SyntheticDigits({ size: 6000, train: true, seed: 0 });
 * const test = datasets.SyntheticDigits({ size: 1000, train: false, seed: 0 });
 * const [image, label] = train.getitem(0);   // Tensor [1, 32, 32], a number 0–9
 * train.preview(20)                          // a grid of the first 20 images with their labels
 */
import type { InspectOptions } from "node:util";
import { ArgumentError } from "../errors.js";
import { Generator } from "../random/generator.js";
import { randperm } from "../random/integer.js";
import { normalFill } from "../random/normal.js";
import { uniformFloat01 } from "../random/uniform.js";
import { type FeatureMapImage, type Theme, featureMapImage } from "../render/heatmap.js";
import { type DisplayResult, imageBundle, inspectCustom, jupyterDisplay } from "../render/mime.js";
import { int64, float32 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { Dataset, normalizeIndex } from "../utils/data/dataset.js";
import { type Affine, DIGIT_GLYPHS, drawGlyph, glyphBounds } from "./digit-strokes.js";

/** Image side in pixels. */
export const IMAGE_SIZE = 32;
/** The largest dataset made at once (400 MB of images). */
export const MAX_SIZE = 100_000;

export interface SyntheticDigitsOptions {
  /** Number of images (default 1000). */
  size?: number;
  /** The training split (default true) or the test split: different images for the same seed. */
  train?: boolean;
  /** Seed of the split's generator (default 0). */
  seed?: number;
  /** Standard deviation of the pixel noise added before clamping to [0, 1] (default 0.1; 0 for clean images). */
  noise?: number;
}

/** How one image was drawn (what the uniform draws of step 2 became). */
export interface DigitRecipe {
  readonly label: number;
  /** Which of the digit's pen styles. */
  readonly style: number;
  /** Glyph height in pixels. */
  readonly height: number;
  /** Width factor. */
  readonly width: number;
  /** Shear: x moves by slant·y. */
  readonly slant: number;
  /** Rotation in degrees (clockwise on screen). */
  readonly rotation: number;
  /** Pen radius in pixels. */
  readonly pen: number;
  readonly ink: number;
  /** Where the digit's centre ended up, in pixels from the top-left corner. */
  readonly center: readonly [number, number];
}

export interface PreviewOptions {
  /** First image shown (default 0). */
  start?: number;
  /** Images per row (default 10). */
  columns?: number;
  /** Image pixels per dataset pixel (default 2). */
  scale?: number;
  theme?: Theme;
}

/** Draws the digit `label` into `out` (32×32) from the generator's next nine uniform draws. */
function drawDigit(out: Float32Array, label: number, gen: Generator): DigitRecipe {
  const u = () => uniformFloat01(gen);
  const styles = DIGIT_GLYPHS[label]!;
  const style = Math.min(styles.length - 1, Math.floor(u() * styles.length));
  const height = 15 + 8 * u();
  const width = 0.8 + 0.45 * u();
  const slant = -0.3 + 0.6 * u();
  const rotation = -15 + 30 * u();
  const pen = 0.8 + 1.2 * u();
  const ink = 0.7 + 0.3 * u();
  const shiftX = -4 + 8 * u();
  const shiftY = -4 + 8 * u();

  // Scale, then slant, then rotate: M = R · Shear · Scale.
  const t = (rotation * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const m: Affine = { a: cos * width * height, b: (cos * slant - sin) * height, c: 0, d: sin * width * height, e: (sin * slant + cos) * height, f: 0 };
  const glyph = styles[style]!;
  const [x0, y0, x1, y1] = glyphBounds(glyph, m);
  const reach = pen + 0.5;
  m.c = place(IMAGE_SIZE / 2 + shiftX - (x0 + x1) / 2, x0, x1, reach);
  m.f = place(IMAGE_SIZE / 2 + shiftY - (y0 + y1) / 2, y0, y1, reach);
  drawGlyph(out, IMAGE_SIZE, IMAGE_SIZE, glyph, m, pen, ink);
  return { label, style, height, width, slant, rotation, pen, ink, center: [m.c + (x0 + x1) / 2, m.f + (y0 + y1) / 2] };
}

/** The offset closest to `wanted` that keeps [lo, hi] (plus the pen's reach) inside the image; centred when it cannot fit. */
function place(wanted: number, lo: number, hi: number, reach: number): number {
  const min = reach - lo;
  const max = IMAGE_SIZE - reach - hi;
  if (min > max) return IMAGE_SIZE / 2 - (lo + hi) / 2;
  return Math.min(max, Math.max(min, wanted));
}

function checkOptions(options: SyntheticDigitsOptions): Required<SyntheticDigitsOptions> {
  if (typeof options !== "object" || options === null) {
    throw new ArgumentError("SyntheticDigits(options): options must be an object such as { size: 1000, train: true, seed: 0 }", "options", "TypeError");
  }
  const { size = 1000, train = true, seed = 0, noise = 0.1 } = options;
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new ArgumentError(`SyntheticDigits: size must be an integer from 1 to ${MAX_SIZE}, got ${size}`, "size");
  }
  if (typeof train !== "boolean") throw new ArgumentError(`SyntheticDigits: train must be true or false, got ${String(train)}`, "train", "TypeError");
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgumentError(`SyntheticDigits: seed must be a non-negative integer, got ${seed}`, "seed");
  if (typeof noise !== "number" || !(noise >= 0 && noise <= 1)) {
    throw new ArgumentError(`SyntheticDigits: noise must be a number from 0 to 1, got ${String(noise)}`, "noise");
  }
  return { size, train, seed, noise };
}

/** The dataset class; `SyntheticDigits` makes one with or without `new`. */
export class SyntheticDigitsDataset extends Dataset<[Tensor, number]> {
  static {
    // Shown by loaders and inspectors under the name users call it by.
    Object.defineProperty(this, "name", { value: "SyntheticDigits" });
  }

  /** The digit names, index = label (torchvision's `classes`). */
  static readonly classes: readonly string[] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];

  /** All images, [size, 1, 32, 32] float32 in [0, 1]. */
  readonly data: Tensor;
  /** All labels, [size] int64. */
  readonly targets: Tensor;
  readonly size: number;
  readonly train: boolean;
  readonly seed: number;
  readonly noise: number;
  readonly #labels: Uint8Array;
  readonly #recipes: DigitRecipe[];

  constructor(options: SyntheticDigitsOptions = {}) {
    super();
    const { size, train, seed, noise } = checkOptions(options);
    this.size = size;
    this.train = train;
    this.seed = seed;
    this.noise = noise;
    const gen = new Generator().manual_seed(2 * seed + (train ? 0 : 1));
    const labels = new Uint8Array(size);
    randperm(size, gen).forEach((v, i) => (labels[i] = v % 10));
    const pixels = IMAGE_SIZE * IMAGE_SIZE;
    const images = new Float32Array(size * pixels);
    const noiseBuffer = new Float32Array(pixels);
    const recipes: DigitRecipe[] = [];
    for (let k = 0; k < size; k++) {
      const image = images.subarray(k * pixels, (k + 1) * pixels);
      recipes.push(drawDigit(image, labels[k]!, gen));
      if (noise > 0) {
        normalFill(noiseBuffer, 0, 1, gen);
        for (let p = 0; p < pixels; p++) {
          const v = image[p]! + noise * noiseBuffer[p]!;
          image[p] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
    this.data = Tensor._fromData(images, [size, 1, IMAGE_SIZE, IMAGE_SIZE], float32);
    this.targets = Tensor._fromData(Float64Array.from(labels), [size], int64);
    this.#labels = labels;
    this.#recipes = recipes;
  }

  get length(): number {
    return this.size;
  }

  get classes(): readonly string[] {
    return SyntheticDigitsDataset.classes;
  }

  /** Image `index` (a [1, 32, 32] view of `data`) and its label. */
  getitem(index: number): [Tensor, number] {
    const i = normalizeIndex(index, this.size, "SyntheticDigits");
    return [this.data.select(0, i), this.#labels[i]!];
  }

  /** How image `index` was drawn: style, height, slant, rotation, pen, ink, centre. */
  recipe(index: number): DigitRecipe {
    return this.#recipes[normalizeIndex(index, this.size, "SyntheticDigits")]!;
  }

  /** How many images of each digit, index = digit. */
  classCounts(): number[] {
    const counts = new Array<number>(10).fill(0);
    for (const l of this.#labels) counts[l]!++;
    return counts;
  }

  /**
   * `n` images from `start` as a grid labelled with their digits (gray, ink
   * white on black: exactly the values the network sees, 0 to 1).
   *
   * @example
   * datasets.SyntheticDigits({ size: 100 }).preview(20)
   */
  preview(n = 20, options: PreviewOptions = {}): DigitGrid {
    const { start = 0, columns = 10, scale = 2, theme } = options;
    const first = normalizeIndex(start, this.size, "SyntheticDigits");
    if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`preview(n): n must be a positive integer, got ${n}`, "n");
    const count = Math.min(n, this.size - first);
    const pixels = IMAGE_SIZE * IMAGE_SIZE;
    const values = this.data.storage.data.subarray(first * pixels, (first + count) * pixels) as Float32Array;
    const labels = Array.from({ length: count }, (_, k) => `#${first + k}: ${this.#labels[first + k]}`);
    const title = `SyntheticDigits ${this.train ? "train" : "test"}, images ${first}-${first + count - 1} of ${this.size}`;
    const image = featureMapImage(values, [count, IMAGE_SIZE, IMAGE_SIZE], {
      title,
      colormap: "gray",
      range: [0, 1],
      labels,
      columns: Math.min(columns, count),
      scale,
      maxWidth: 1000,
      theme,
    });
    return new DigitGrid(image, `${title}; labels: ${Array.from(this.#labels.subarray(first, first + count)).join(" ")}`);
  }

  override toString(): string {
    return [
      "Dataset SyntheticDigits",
      `    Number of datapoints: ${this.size}`,
      `    Split: ${this.train ? "Train" : "Test"}`,
      `    Seed: ${this.seed}`,
      `    Noise: ${this.noise}`,
      `    Images: [${this.size}, 1, ${IMAGE_SIZE}, ${IMAGE_SIZE}] float32 in [0, 1]; labels 0-9`,
    ].join("\n");
  }

  [inspectCustom](_depth: number, _options: InspectOptions | undefined): string {
    return this.toString();
  }
}

/** Images of a dataset in a labelled grid: the PNG in notebooks, half blocks in colour terminals, the labels as text. */
export class DigitGrid {
  constructor(
    /** The grid (tiles, labels, gray scale bar). */
    readonly image: FeatureMapImage,
    /** "SyntheticDigits train, images 0-19 of 6000; labels: 4 1 7 ...". */
    readonly summary: string,
  ) {}

  get width(): number {
    return this.image.width;
  }

  get height(): number {
    return this.image.height;
  }

  png(): Buffer {
    return this.image.png();
  }

  toString(): string {
    return this.summary;
  }

  [jupyterDisplay](): DisplayResult {
    return imageBundle({ png: this.image.png(), width: this.image.width, height: this.image.height, text: this.summary });
  }

  [inspectCustom](_depth: number, options: InspectOptions | undefined): string {
    return options?.colors ? `${this.image.toAnsi()}\n${this.summary}` : this.summary;
  }
}

/** `SyntheticDigits(options)` or `new SyntheticDigits(options)`: both make a {@link SyntheticDigitsDataset}. */
export interface SyntheticDigitsConstructor {
  new (options?: SyntheticDigitsOptions): SyntheticDigitsDataset;
  (options?: SyntheticDigitsOptions): SyntheticDigitsDataset;
  readonly prototype: SyntheticDigitsDataset;
  readonly classes: readonly string[];
}

/**
 * Makes the dataset; callable with or without `new` (torchvision's
 * `datasets.MNIST(...)` is a plain call in Python).
 */
export const SyntheticDigits = new Proxy(SyntheticDigitsDataset, {
  apply: (target, _self, args: [SyntheticDigitsOptions?]) => new target(...args),
}) as unknown as SyntheticDigitsConstructor;
export type SyntheticDigits = SyntheticDigitsDataset;
