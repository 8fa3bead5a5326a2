/**
 * The display protocol between runtime objects and whatever shows them.
 *
 * An object that can show itself in a notebook implements
 * `[Symbol.for("Jupyter.display")]()` and returns either a MIME bundle
 * (`{ "text/plain": ..., "image/png": <base64>, ... }`) or, when the front end
 * needs metadata such as an image's size, `{ data: <bundle>, metadata: {...} }`.
 * The symbol is registered globally (`Symbol.for`), so objects made by any copy
 * of this package, or by other libraries that follow the same convention
 * (Deno's Jupyter kernel uses the same name), are recognised.
 *
 * Terminals use `[util.inspect.custom](depth, options)` instead; ANSI colour
 * is only emitted when `options.colors` is true.
 *
 * @example
 * import { jupyterDisplay, imageBundle } from "./mime.js";
 * const thing = {
 *   [jupyterDisplay]: () => ({ "text/plain": "hello", "text/html": "<b>hello</b>" }),
 * };
 */

import { inspect } from "node:util";

/** `Symbol.for("Jupyter.display")`: the method that returns a {@link DisplayResult}. */
export const jupyterDisplay: unique symbol = Symbol.for("Jupyter.display");

/** `util.inspect.custom`: the method terminals and `console.log` call. */
export const inspectCustom: typeof inspect.custom = inspect.custom;

/**
 * A MIME bundle: MIME type to content. Text types hold strings, binary types
 * (`image/png`) hold base64 without line breaks, JSON types hold plain values.
 */
export type MimeBundle = { [mimeType: string]: unknown } & {
  "text/plain"?: string;
  "text/html"?: string;
  "text/markdown"?: string;
  "image/png"?: string;
  "image/svg+xml"?: string;
  "application/json"?: unknown;
};

/** What `[jupyterDisplay]()` returns: a bare bundle, or a bundle with metadata. */
export type DisplayResult = MimeBundle | { data: MimeBundle; metadata?: Record<string, unknown> };

/** An object that can show itself in a notebook. */
export interface Displayable {
  [jupyterDisplay](): DisplayResult;
}

/** Whether `value` implements the display method. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[jupyterDisplay] === "function"
  );
}

/**
 * Brings either shape of {@link DisplayResult} to `{ data, metadata }`.
 * A result is taken as the wrapped form when it has an object `data` field and
 * no key that looks like a MIME type.
 */
export function normalizeDisplay(result: DisplayResult): { data: MimeBundle; metadata: Record<string, unknown> } {
  const keys = Object.keys(result);
  const wrapped =
    "data" in result &&
    typeof result.data === "object" &&
    result.data !== null &&
    !keys.some((k) => k.includes("/"));
  if (wrapped) {
    const { data, metadata } = result as { data: MimeBundle; metadata?: Record<string, unknown> };
    return { data, metadata: metadata ?? {} };
  }
  return { data: result as MimeBundle, metadata: {} };
}

/** Base64 of raw bytes, no line breaks (what Jupyter expects for binary MIME types). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export interface ImageBundleOptions {
  /** The PNG file bytes. */
  png: Uint8Array;
  /** Pixel size of the PNG (reported in metadata so front ends reserve the space). */
  width: number;
  height: number;
  /** The text shown where images cannot be (terminals, nbconvert to text, screen readers). */
  text: string;
  /** Extra representations (e.g. "text/html") added to the bundle. */
  extra?: MimeBundle;
}

/**
 * The display result for a PNG image: `image/png` (base64) with its text
 * alternative, and `{ "image/png": { width, height } }` metadata.
 *
 * @example
 * imageBundle({ png, width: 760, height: 212, text: "6 feature maps" });
 * // { data: { "image/png": "iVBORw0K...", "text/plain": "6 feature maps" },
 * //   metadata: { "image/png": { width: 760, height: 212 } } }
 */
export function imageBundle(options: ImageBundleOptions): { data: MimeBundle; metadata: Record<string, unknown> } {
  const { png, width, height, text, extra } = options;
  return {
    data: { ...extra, "image/png": toBase64(png), "text/plain": text },
    metadata: { "image/png": { width, height } },
  };
}
