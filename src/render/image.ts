/**
 * What every drawn image of the runtime (feature-map grids, line plots) has in
 * common: pixels painted on first use, PNG bytes encoded on first use, and the
 * three ways to show itself — a PNG bundle with its size in notebooks, ANSI
 * half blocks in colour terminals, the text summary elsewhere.
 */
import type { InspectOptions } from "node:util";
import { type DisplayResult, imageBundle, inspectCustom, jupyterDisplay } from "./mime.js";
import { encodePng, type Pixels } from "./png.js";

export abstract class DrawnImage {
  #pixels: Pixels | undefined;
  #png: Buffer | undefined;

  /** The text shown where images cannot be. */
  abstract readonly summary: string;
  abstract get width(): number;
  abstract get height(): number;
  /** Paints the image (called once, on first use). */
  protected abstract draw(): Pixels;
  /** The terminal rendering (ANSI colour, half blocks). */
  abstract toAnsi(): string;

  /** The RGB image (drawn on first use). */
  get pixels(): Pixels {
    this.#pixels ??= this.draw();
    return this.#pixels;
  }

  /** The PNG file bytes. */
  png(): Buffer {
    this.#png ??= encodePng(this.pixels);
    return this.#png;
  }

  toString(): string {
    return this.summary;
  }

  [jupyterDisplay](): DisplayResult {
    return imageBundle({ png: this.png(), width: this.width, height: this.height, text: this.summary });
  }

  [inspectCustom](_depth: number, options: InspectOptions | undefined): string {
    return options?.colors ? this.toAnsi() : this.summary;
  }
}
