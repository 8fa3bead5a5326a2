/**
 * Rich output: how values become MIME bundles, and the `display` functions cells call.
 *
 * Any object can show itself by implementing `[Symbol.for("Jupyter.display")]()`, returning
 * either a MIME bundle (`{ "text/plain": ..., "image/png": <base64> }`) or `{ data, metadata }`
 * when metadata such as an image's width is needed. Strings show as themselves; anything else
 * falls back to `util.inspect` (which honours `[util.inspect.custom]`). A `text/plain` entry is
 * always present, so every frontend (console, nbconvert to text) has something to show.
 *
 * The value of a cell's last expression becomes `execute_result` the same way; `undefined`
 * never shows. Unlike IPython, a trailing semicolon does not hide the value (TypeScript code ends
 * statements with semicolons as a matter of style); `void expr` does.
 *
 * @example
 * display({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>hi</b>", "text/plain": "hi" }) });
 * const handle = display("epoch 1", { display_id: true });
 * handle?.update("epoch 2");
 * display.png(pngBytes, { width: 64, height: 64 });
 * clearOutput(true);
 */
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";

export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display") as never;

/** MIME type → data: strings for text and base64 images, any JSON for `application/json` and `*+json`. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayData {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** An object that knows how to show itself in Jupyter. */
export interface Displayable {
  [DISPLAY_SYMBOL](): MimeBundle | DisplayData;
}

export interface DisplayOptions {
  /** Names the output so `updateDisplay` can replace it later; `true` makes up a fresh id. */
  display_id?: string | true;
  /** Extra output metadata, merged over what the object provides. */
  metadata?: Record<string, unknown>;
}

export interface DisplayHandle {
  readonly display_id: string;
  update(value: unknown, options?: Omit<DisplayOptions, "display_id">): void;
}

/** Where display messages go (the kernel routes them to the running cell). */
export interface DisplaySink {
  publish(msgType: "display_data" | "update_display_data" | "clear_output", content: object): void;
  /** A problem with an object's own rendering, reported to the cell's stderr. */
  warn(text: string): void;
}

const MIME_PATTERN = /^[\w\-+.]+\/[\w\-+.]+$/;

export function isJsonMime(mime: string): boolean {
  return mime === "application/json" || mime.endsWith("+json");
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function"
  );
}

/** Longest text/plain a value renders to; a 100 MB string must not become a 100 MB message. */
export const MAX_PLAIN_TEXT = 1_000_000;

/** The readable text form: strings as they are (up to `MAX_PLAIN_TEXT`), everything else through `util.inspect`. */
export function plainText(value: unknown): string {
  if (typeof value === "string") {
    if (value.length <= MAX_PLAIN_TEXT) return value;
    return `${value.slice(0, MAX_PLAIN_TEXT)}\n… (${(value.length - MAX_PLAIN_TEXT).toLocaleString("en-US")} more characters not shown)`;
  }
  try {
    return inspect(value, { depth: 4, colors: false, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
  } catch (err) {
    return `<${typeof value} that cannot be shown: ${(err as Error).message}>`;
  }
}

function toBase64(value: ArrayBuffer | ArrayBufferView): string {
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(bytes).toString("base64");
}

/** Makes a bundle valid for the wire: MIME-looking keys only, binary data as base64, text as strings. */
export function normalizeBundle(bundle: MimeBundle, warnings: string[] = []): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(bundle)) {
    if (!MIME_PATTERN.test(mime)) {
      warnings.push(`ignored ${JSON.stringify(mime)} in a display bundle: not a MIME type`);
      continue;
    }
    if (value === undefined || value === null) continue;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) out[mime] = toBase64(value);
    else if (isJsonMime(mime)) {
      try {
        out[mime] = JSON.parse(JSON.stringify(value)) as unknown;
      } catch (err) {
        warnings.push(`ignored ${mime}: not JSON (${(err as Error).message})`);
      }
    } else out[mime] = typeof value === "string" ? value : String(value);
  }
  return out;
}

function looksLikeDisplayData(value: Record<string, unknown>): value is { data: MimeBundle; metadata?: Record<string, unknown> } {
  const keys = Object.keys(value);
  return (
    typeof value.data === "object" &&
    value.data !== null &&
    keys.every((k) => k === "data" || k === "metadata") &&
    (value.metadata === undefined || (typeof value.metadata === "object" && value.metadata !== null))
  );
}

/**
 * Renders a value as display data. Problems with an object's own display method (it throws,
 * returns something odd) do not fail: the value falls back to text and `warnings` says why.
 */
export function toDisplayData(value: unknown, warnings: string[] = []): DisplayData {
  let data: MimeBundle = {};
  let metadata: Record<string, unknown> = {};
  if (isDisplayable(value)) {
    try {
      const result: unknown = value[DISPLAY_SYMBOL]();
      if (typeof result !== "object" || result === null || Array.isArray(result)) {
        warnings.push(`[Symbol.for("Jupyter.display")]() returned ${result === null ? "null" : typeof result}, not a MIME bundle`);
      } else if (typeof (result as { then?: unknown }).then === "function") {
        warnings.push(`[Symbol.for("Jupyter.display")]() returned a promise; it must return the bundle itself`);
      } else if (looksLikeDisplayData(result as Record<string, unknown>)) {
        const r = result as { data: MimeBundle; metadata?: Record<string, unknown> };
        data = normalizeBundle(r.data, warnings);
        metadata = { ...(r.metadata ?? {}) };
      } else {
        data = normalizeBundle(result as MimeBundle, warnings);
      }
    } catch (err) {
      warnings.push(`[Symbol.for("Jupyter.display")]() threw ${(err as Error)?.name ?? "an error"}: ${(err as Error)?.message ?? String(err)}`);
    }
  }
  if (typeof data["text/plain"] !== "string") {
    data["text/plain"] = isDisplayable(value) ? plainText(withoutDisplay(value)) : plainText(value);
  }
  return { data, metadata };
}

/** Inspect an object without recursing into its display method (which already failed or gave no text). */
function withoutDisplay(value: object): unknown {
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== "Object" ? `<${name}>` : value;
}

// ---------------------------------------------------------------------------------------------
// Displayable objects for the common MIME types

/** A displayable holding one bundle as given. */
export function bundle(data: MimeBundle, metadata: Record<string, unknown> = {}): Displayable {
  return { [DISPLAY_SYMBOL]: () => ({ data, metadata }) };
}

export const html = (text: string): Displayable => bundle({ "text/html": text, "text/plain": stripTags(text) });
export const markdown = (text: string): Displayable => bundle({ "text/markdown": text, "text/plain": text });
export const latex = (text: string): Displayable => bundle({ "text/latex": text, "text/plain": text });
export const svg = (text: string): Displayable => bundle({ "image/svg+xml": text, "text/plain": "<SVG image>" });
export const json = (value: unknown): Displayable => bundle({ "application/json": value, "text/plain": plainText(value) });

export interface ImageOptions {
  width?: number;
  height?: number;
}

/** A PNG from its bytes or base64 text. */
export const png = (data: Uint8Array | ArrayBuffer | string, options: ImageOptions = {}): Displayable =>
  image("image/png", data, options);
export const jpeg = (data: Uint8Array | ArrayBuffer | string, options: ImageOptions = {}): Displayable =>
  image("image/jpeg", data, options);

function image(mime: string, data: Uint8Array | ArrayBuffer | string, options: ImageOptions): Displayable {
  const base64 = typeof data === "string" ? data : toBase64(data);
  const size = options.width && options.height ? `${options.width}x${options.height} ` : "";
  const metadata: Record<string, unknown> = {};
  if (options.width !== undefined || options.height !== undefined) {
    metadata[mime] = { ...(options.width !== undefined ? { width: options.width } : {}), ...(options.height !== undefined ? { height: options.height } : {}) };
  }
  return bundle({ [mime]: base64, "text/plain": `<${size}${mime.slice(6).toUpperCase()} image>` }, metadata);
}

/** The text of an HTML fragment for terminals: tags dropped, the common entities decoded. */
function stripTags(text: string): string {
  const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  const plain = text
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, name: string) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) ? String.fromCodePoint(code) : m;
      }
      return entities[name.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 0 ? plain : "<HTML>";
}

// ---------------------------------------------------------------------------------------------
// The functions preloaded into cells

export interface DisplayFunction {
  (value: unknown, options?: DisplayOptions): DisplayHandle | undefined;
  html(text: string, options?: DisplayOptions): DisplayHandle | undefined;
  markdown(text: string, options?: DisplayOptions): DisplayHandle | undefined;
  latex(text: string, options?: DisplayOptions): DisplayHandle | undefined;
  svg(text: string, options?: DisplayOptions): DisplayHandle | undefined;
  json(value: unknown, options?: DisplayOptions): DisplayHandle | undefined;
  png(data: Uint8Array | ArrayBuffer | string, options?: DisplayOptions & ImageOptions): DisplayHandle | undefined;
  jpeg(data: Uint8Array | ArrayBuffer | string, options?: DisplayOptions & ImageOptions): DisplayHandle | undefined;
  bundle(data: MimeBundle, options?: DisplayOptions): DisplayHandle | undefined;
}

export interface DisplayApi {
  display: DisplayFunction;
  updateDisplay(displayId: string, value: unknown, options?: Omit<DisplayOptions, "display_id">): void;
  clearOutput(wait?: boolean): void;
  /** At the end of a request: the outputs the interceptor kept up to date another way get their final forms. */
  settle(): void;
}

/** The display_id a `display` call asks for (a fresh one for `true`), checked. */
export function requestedDisplayId(options?: DisplayOptions): string | undefined {
  const id = options?.display_id === true ? randomUUID() : options?.display_id;
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw new TypeError(`display(value, { display_id }): display_id must be a non-empty string or true, got ${plainText(id)}`);
  }
  return id;
}

/** A display function with its shorthands: `display.html(text)`, `display.png(bytes)`, ... */
export function withShorthands(show: (value: unknown, options?: DisplayOptions) => DisplayHandle | undefined): DisplayFunction {
  const display = show as DisplayFunction;
  display.html = (text, options) => display(html(text), options);
  display.markdown = (text, options) => display(markdown(text), options);
  display.latex = (text, options) => display(latex(text), options);
  display.svg = (text, options) => display(svg(text), options);
  display.json = (value, options) => display(json(value), options);
  display.png = (data, options) => display(png(data, options), options);
  display.jpeg = (data, options) => display(jpeg(data, options), options);
  display.bundle = (data, options) => display(bundle(data), options);
  return display;
}

/**
 * Displays shown another way than their bundle (training-loop bars and plots as widgets): `show`
 * gets each display with an id and returns what to publish instead, or undefined; `update`
 * returns true when it has updated the id itself (no update_display_data then).
 */
export interface DisplayInterceptor {
  show(value: unknown, displayId: string, shown: DisplayData): DisplayData | undefined;
  update(displayId: string, value: unknown, shown: () => DisplayData): boolean;
  /** The displays it changed since the last call, with what they should now hold (sent as update_display_data). */
  settle(): { displayId: string; shown: DisplayData }[];
}

export function createDisplayApi(sink: DisplaySink, interceptor?: DisplayInterceptor): DisplayApi {
  const render = (value: unknown, options: DisplayOptions | undefined) => {
    const warnings: string[] = [];
    const { data, metadata } = toDisplayData(value, warnings);
    for (const w of warnings) sink.warn(w);
    return { data, metadata: { ...metadata, ...(options?.metadata ?? {}) } };
  };

  const updateDisplay = (displayId: string, value: unknown, options?: Omit<DisplayOptions, "display_id">): void => {
    if (typeof displayId !== "string" || displayId === "") {
      throw new TypeError(`updateDisplay(displayId, value): displayId must be a non-empty string, got ${plainText(displayId)}`);
    }
    let shown: DisplayData | undefined;
    const once = () => (shown ??= render(value, options));
    if (interceptor?.update(displayId, value, once)) return;
    sink.publish("update_display_data", { ...once(), transient: { display_id: displayId } });
  };

  const display = withShorthands((value: unknown, options?: DisplayOptions): DisplayHandle | undefined => {
    const id = requestedDisplayId(options);
    const shown = render(value, options);
    const { data, metadata } = (id !== undefined && interceptor?.show(value, id, shown)) || shown;
    sink.publish("display_data", { data, metadata, transient: id ? { display_id: id } : {} });
    if (!id) return undefined;
    return { display_id: id, update: (next, opts) => updateDisplay(id, next, opts) };
  });

  const clearOutput = (wait = false): void => {
    sink.publish("clear_output", { wait: Boolean(wait) });
  };

  const settle = (): void => {
    for (const { displayId, shown } of interceptor?.settle() ?? []) sink.publish("update_display_data", { ...shown, transient: { display_id: displayId } });
  };

  return { display, updateDisplay, clearOutput, settle };
}
