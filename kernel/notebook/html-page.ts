/**
 * A notebook as one standalone HTML page (`tsorch run --html OUT.html`): nothing is loaded from
 * elsewhere (styles inline, images as data URIs), it reads in light and dark mode, and it
 * shows what JupyterLab shows for each output:
 *
 * - the richest MIME type of a bundle, in nbconvert's order (HTML as given, then SVG, PNG,
 *   JPEG, Markdown, LaTeX, JSON, plain text);
 * - streams and tracebacks with their ANSI colours as spans, `\r` progress lines collapsed;
 * - Markdown cells through `markdown-html.ts`, with attachments and images next to the
 *   notebook inlined;
 * - widgets from the state saved in the notebook's metadata, drawn as static HTML with their
 *   last values (`widget-html.ts`), the state itself embedded as nbconvert embeds it.
 *
 * @example
 * writeFileSync("lenet.html", notebookToHtml(executed, { title: "LeNet", notebookDir: "notebooks" }));
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, isAbsolute, resolve } from "node:path";
import { escapeHtml } from "../../src/render/html.js";
import { getVersions } from "../paths.js";
import { ansiToHtml, applyControlCharacters } from "./ansi-html.js";
import { type SavedWidgetState, WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "./widget-state.js";
import { WIDGET_CSS, widgetHtml } from "./widget-html.js";
import { highlightTypeScript } from "./highlight.js";
import { pngSize } from "./image-size.js";
import { markdownToHtml } from "./markdown-html.js";
import { parseMarkdown, plainTextOf } from "./markdown.js";
import type { Cell, CodeCell, MarkdownCell, MimeBundle, Notebook, Output } from "./nbformat.js";
import { joinText } from "./nbformat.js";
import { PAGE_CSS } from "./html-style.js";

export interface HtmlPageOptions {
  /** The page title; default: the first heading of the notebook, else "Notebook". */
  title?: string;
  /** The notebook's directory, for images its Markdown refers to by relative path. */
  notebookDir?: string;
  /** A line under the title naming the source (e.g. the notebook's file name). */
  source?: string;
}

/** Output MIME types in the order the first one present is shown. */
export const MIME_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "text/latex", "application/json", "text/plain"];

const IMAGE_TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp" };
const MAX_INLINE_FILE = 10 * 1024 * 1024;

export function notebookToHtml(notebook: Notebook, options: HtmlPageOptions = {}): string {
  const usedIds = new Set<string>();
  const language = String(notebook.metadata.language_info?.name ?? notebook.metadata.kernelspec?.language ?? "");
  const widgets = savedWidgets(notebook);
  const cells = notebook.cells.map((cell) => renderCell(cell, { usedIds, language, notebookDir: options.notebookDir, widgets })).filter(Boolean);
  const title = options.title ?? firstHeading(notebook) ?? options.source ?? "Notebook";
  const kernel = notebook.metadata.kernelspec?.display_name;
  const meta = [options.source, kernel].filter(Boolean).map((s) => escapeHtml(String(s))).join(" · ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="tsorch ${escapeHtml(getVersions().tsorch)}">
<title>${escapeHtml(title)}</title>
<style>
${PAGE_CSS}${widgets ? `\n${WIDGET_CSS}` : ""}
</style>
</head>
<body>
<main class="notebook">
${meta ? `<div class="nb-meta">${meta}</div>\n` : ""}${cells.join("\n")}
</main>
${widgetStateScript(notebook)}</body>
</html>
`;
}

interface RenderContext {
  usedIds: Set<string>;
  language: string;
  notebookDir: string | undefined;
  /** The widget state saved with the notebook, for outputs that are widget views. */
  widgets?: SavedWidgetState | undefined;
}

function renderCell(cell: Cell, context: RenderContext): string {
  const id = cell.id ? ` id="cell-${escapeHtml(cell.id)}"` : "";
  if (cell.cell_type === "markdown") {
    const body = markdownToHtml(joinText(cell.source), { usedIds: context.usedIds, resolveImage: (src) => resolveImage(src, cell, context.notebookDir) });
    return `<section class="cell markdown-cell"${id}><div class="row"><div class="prompt"></div><div class="body">\n${body}\n</div></div></section>`;
  }
  if (cell.cell_type === "raw") {
    const format = String(cell.metadata.format ?? cell.metadata.raw_mimetype ?? "");
    return format === "text/html" ? `<section class="cell raw-cell"${id}>${joinText(cell.source)}</section>` : "";
  }
  return renderCodeCell(cell, id, context);
}

function renderCodeCell(cell: CodeCell, id: string, context: RenderContext): string {
  const count = cell.execution_count ?? " ";
  const source = joinText(cell.source);
  const code = /^(typescript|javascript)$/i.test(context.language) ? highlightTypeScript(source) : escapeHtml(source);
  const input = `<div class="input row"><div class="prompt in">In&nbsp;[${count}]:</div><div class="body"><pre class="source"><code>${code}</code></pre></div></div>`;
  const outputs = cell.outputs.map((output) => renderOutput(output, context)).join("\n");
  const executed = cell.execution_count === null ? "" : ` data-execution-count="${cell.execution_count}"`;
  return `<section class="cell code-cell"${id}${executed}>\n${input}\n<div class="outputs">\n${outputs}\n</div>\n</section>`;
}

function renderOutput(output: Output, context: RenderContext): string {
  switch (output.output_type) {
    case "stream": {
      const text = ansiToHtml(applyControlCharacters(joinText(output.text)));
      return row(`output stream ${output.name}`, "", `<pre>${text}</pre>`);
    }
    case "error": {
      const traceback = output.traceback.length > 0 ? output.traceback.join("\n") : `\x1b[31m${output.ename}\x1b[0m: ${output.evalue}`;
      return row("output error", "", `<pre>${ansiToHtml(traceback)}</pre>`);
    }
    case "execute_result":
      return row("output execute-result", `Out[${output.execution_count ?? " "}]:`, renderBundle(output.data, output.metadata, context));
    case "display_data":
      return row("output display-data", "", renderBundle(output.data, output.metadata, context));
    default:
      return "";
  }
}

function row(classes: string, prompt: string, body: string): string {
  const label = prompt ? escapeHtml(prompt).replace(" ", "&nbsp;") : "";
  return `<div class="${classes} row"><div class="prompt out">${label}</div><div class="body">${body}</div></div>`;
}

/** The richest representation of a bundle, as HTML: a widget view drawn from the saved state where there is one. */
export function renderBundle(data: MimeBundle, metadata: Record<string, unknown>, context: Pick<RenderContext, "usedIds" | "widgets"> = { usedIds: new Set() }): string {
  const view = data[WIDGET_VIEW_MIME] as { model_id?: unknown } | undefined;
  if (context.widgets && typeof view?.model_id === "string") {
    const drawn = widgetHtml(view.model_id, context.widgets, (output) => renderOutput(output, { ...context, language: "", notebookDir: undefined }));
    if (drawn !== undefined) return `<div class="widget-output">${drawn}</div>`;
  }
  const mime = MIME_ORDER.find((m) => data[m] !== undefined && data[m] !== null);
  const text = (m: string) => {
    const value = data[m];
    return Array.isArray(value) ? value.join("") : String(value);
  };
  switch (mime) {
    case "text/html":
      return `<div class="html-output">${text(mime)}</div>`;
    case "image/svg+xml":
      return image(mime, Buffer.from(text(mime)).toString("base64"), metadata, data);
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return image(mime, text(mime).replace(/\s+/g, ""), metadata, data);
    case "text/markdown":
      return `<div class="markdown-output">${markdownToHtml(text(mime), { usedIds: context.usedIds })}</div>`;
    case "text/latex":
      return `<pre class="math">${escapeHtml(text(mime))}</pre>`;
    case "application/json":
      return `<pre>${escapeHtml(JSON.stringify(data[mime], null, 2))}</pre>`;
    case "text/plain":
      return `<pre>${ansiToHtml(text(mime))}</pre>`;
    default: {
      const types = Object.keys(data).join(", ") || "nothing";
      return `<pre class="unsupported">[output of type ${escapeHtml(types)}]</pre>`;
    }
  }
}

function image(mime: string, base64: string, metadata: Record<string, unknown>, data: MimeBundle): string {
  const size = (metadata[mime] ?? {}) as { width?: unknown; height?: unknown };
  const attrs: string[] = [];
  if (typeof size.width === "number" && size.width > 0) attrs.push(`width="${Math.round(size.width)}"`);
  if (typeof size.height === "number" && size.height > 0) attrs.push(`height="${Math.round(size.height)}"`);
  // Feature maps and heatmaps are pixel data: shown larger than they are, they stay crisp.
  const natural = mime === "image/png" ? pngSize(base64) : undefined;
  if (natural && typeof size.width === "number" && size.width >= natural[0] * 2) attrs.push(`class="pixelated"`);
  const alt = typeof data["text/plain"] === "string" || Array.isArray(data["text/plain"]) ? joinText(data["text/plain"] as string | string[]) : mime;
  return `<img src="data:${mime};base64,${base64}" alt="${escapeHtml(alt.slice(0, 200))}"${attrs.length ? " " + attrs.join(" ") : ""}>`;
}

/** An image a Markdown cell refers to, as a data URI: an attachment, a data URI, or a file next to the notebook. */
function resolveImage(src: string, cell: MarkdownCell, notebookDir: string | undefined): string | undefined {
  if (/^data:image\/[\w.+-]+;base64,/.test(src)) return src;
  if (src.startsWith("attachment:")) {
    const bundle = cell.attachments?.[decodeURIComponent(src.slice("attachment:".length))];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
    if (!bundle || !mime) return undefined;
    const value = bundle[mime];
    const payload = Array.isArray(value) ? value.join("") : String(value);
    return `data:${mime};base64,${mime === "image/svg+xml" && !/^[A-Za-z0-9+/=\s]+$/.test(payload) ? Buffer.from(payload).toString("base64") : payload.replace(/\s+/g, "")}`;
  }
  if (notebookDir === undefined || /^[a-z][a-z0-9+.-]*:/i.test(src) || isAbsolute(src)) return undefined;
  const mime = IMAGE_TYPES[extname(src.split(/[?#]/)[0]!).toLowerCase()];
  let path: string;
  try {
    path = resolve(notebookDir, decodeURIComponent(src.split(/[?#]/)[0]!));
  } catch {
    return undefined;
  }
  if (!mime || !existsSync(path) || !statSync(path).isFile() || statSync(path).size > MAX_INLINE_FILE) return undefined;
  return `data:${mime};base64,${readFileSync(path).toString("base64")}`;
}

function firstHeading(notebook: Notebook): string | undefined {
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = parseMarkdown(joinText(cell.source)).find((b) => b.type === "heading");
    if (heading && heading.type === "heading") return plainTextOf(heading.children).trim() || undefined;
  }
  return undefined;
}

/**
 * The widgets' saved state, embedded as nbconvert embeds it (a widget manager on the page, such as
 * @jupyter-widgets/html-manager, can render the views from it); empty without widgets.
 */
function widgetStateScript(notebook: Notebook): string {
  const saved = savedWidgets(notebook);
  if (!saved) return "";
  return `<script type="${WIDGET_STATE_MIME}">\n${JSON.stringify(saved).replace(/</g, "\\u003c")}\n</script>\n`;
}

function savedWidgets(notebook: Notebook): SavedWidgetState | undefined {
  const saved = (notebook.metadata.widgets as Record<string, unknown> | undefined)?.[WIDGET_STATE_MIME] as SavedWidgetState | undefined;
  return typeof saved === "object" && saved !== null && typeof saved.state === "object" && saved.state !== null ? saved : undefined;
}
