/**
 * Rich output in a terminal: how a MIME bundle (from a kernel, or from an object's
 * `[Symbol.for("Jupyter.display")]()`) and an error are shown as text.
 *
 * - `image/png` is drawn with half-block characters in 24-bit or 256 colours, scaled down to
 *   the terminal's width; without colour a placeholder names the image and its size;
 * - `text/markdown` is rendered like a Markdown cell; `text/html`, SVG, LaTeX and other types
 *   show through their `text/plain` (which every bundle from the kernel has);
 * - `application/json` without `text/plain` is pretty-printed;
 * - an error shows its traceback with the kernel's colours, its name in red when the
 *   traceback carries no colour of its own.
 *
 * @example
 * process.stdout.write(renderBundle({ "image/png": b64, "text/plain": "<PNG image>" }, {}, options) + "\n");
 */
import { pngToAnsi, type AnsiColorMode } from "../../src/render/ansi.js";
import { pngSize } from "../notebook/image-size.js";
import { markdownToTerminal } from "./markdown.js";
import { stripEscapes, type Style } from "./style.js";

export interface TerminalRenderOptions {
  style: Style;
  /** The terminal's width in columns. */
  columns: number;
  colorMode: AnsiColorMode;
}

type Bundle = Record<string, unknown>;

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : JSON.stringify(value, null, 2));

/** A bundle as terminal text, without a trailing newline. */
export function renderBundle(data: Bundle, _metadata: Record<string, unknown>, options: TerminalRenderOptions): string {
  const parts: string[] = [];
  const plain = data["text/plain"] !== undefined ? text(data["text/plain"]) : undefined;
  const imageMime = ["image/png", "image/jpeg", "image/gif", "image/svg+xml"].find((m) => data[m] !== undefined);
  if (imageMime) {
    parts.push(renderImage(imageMime, text(data[imageMime]), options));
    // Images usually say only "<PNG image>" as text; anything more (a caption, statistics) is worth showing.
    if (plain !== undefined && !isPlaceholder(plain)) parts.push(renderText(plain, options));
    return parts.join("\n");
  }
  if (data["text/markdown"] !== undefined) return markdownToTerminal(text(data["text/markdown"]), options.style, options.columns);
  if (plain !== undefined) return renderText(plain, options);
  if (data["application/json"] !== undefined) return JSON.stringify(data["application/json"], null, 2);
  if (data["text/html"] !== undefined) return renderText(htmlToText(text(data["text/html"])), options);
  const types = Object.keys(data);
  return options.style.dim(`[output of type ${types.join(", ") || "nothing"}]`);
}

/** Text with its ANSI colours, or without them when colour is off. */
export function renderText(value: string, options: Pick<TerminalRenderOptions, "style">): string {
  return options.style.enabled ? value : stripEscapes(value);
}

export function renderImage(mime: string, base64: string, options: TerminalRenderOptions): string {
  const size = mime === "image/png" ? pngSize(base64) : undefined;
  const label = `[${mime}${size ? ` ${size[0]}×${size[1]}` : ""}]`;
  if (mime !== "image/png" || !options.style.enabled) return options.style.dim(label);
  try {
    return pngToAnsi(base64, { columns: Math.max(1, options.columns), color: options.colorMode });
  } catch (err) {
    return options.style.dim(`${label} cannot be drawn: ${(err as Error).message}`);
  }
}

/** An error as a notebook shows it: the traceback, or `ename: evalue` when there is none. */
export function renderError(ename: string, evalue: string, traceback: string[], options: Pick<TerminalRenderOptions, "style">): string {
  const { style } = options;
  if (traceback.length === 0) return `${style.bold(style.red(ename))}${evalue ? `: ${evalue}` : ""}`;
  const joined = traceback.join("\n");
  if (!style.enabled) return stripEscapes(joined);
  if (joined.includes("\x1b[")) return joined;
  // An uncoloured traceback: highlight the line naming the error.
  return joined
    .split("\n")
    .map((line) => (line.startsWith(`${ename}:`) || line === ename ? style.bold(style.red(ename)) + line.slice(ename.length) : line))
    .join("\n");
}

function isPlaceholder(plain: string): boolean {
  return /^<[^<>\n]*>$/.test(plain.trim()) || plain.trim() === "";
}

/** Last resort for an HTML-only bundle: the text between the tags. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
