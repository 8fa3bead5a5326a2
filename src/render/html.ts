/**
 * Small pieces for `text/html` output: escaping, tables, and one stylesheet.
 *
 * The stylesheet is scoped to `.tsorch` and takes its colours and fonts from
 * JupyterLab's theme variables (`var(--jp-...)`), so the same HTML reads well
 * in light and dark themes; every variable has a fallback that also works in
 * other front ends (classic Notebook, VS Code, nbconvert HTML), mostly
 * `inherit` or translucent grays that suit both backgrounds. Nothing is loaded
 * from outside.
 *
 * @example
 * import { htmlTable, styleTag, escapeHtml } from "./html.js";
 * const html = `<div class="tsorch">${styleTag()}${htmlTable({
 *   header: ["Layer", "Output shape", "Params"],
 *   rows: [["conv1", "[1, 6, 28, 28]", 156], ["fc1", "[1, 120]", 48120]],
 * })}</div>`;
 */

import { ArgumentError } from "../errors.js";

/**
 * Escapes text for use in HTML content and in quoted attribute values.
 *
 * @example
 * escapeHtml(`<b class="x">&</b>`); // "&lt;b class=&quot;x&quot;&gt;&amp;&lt;/b&gt;"
 */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** HTML that is already safe (built by code, not taken from user strings); inserted as is. */
export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Marks a string of HTML as trusted markup for {@link htmlTable} cells. */
export function rawHtml(html: string): RawHtml {
  return new RawHtml(html);
}

/** A table cell: text (escaped), a number (right-aligned), or trusted markup. */
export type Cell = string | number | bigint | RawHtml | null | undefined;

export type Align = "left" | "right" | "center";

export interface TableOptions {
  /** Column headings (escaped). */
  header?: readonly Cell[];
  rows: readonly (readonly Cell[])[];
  /** Shown above the table. */
  caption?: Cell;
  /** Per-column alignment; by default numbers align right and everything else left. */
  align?: readonly (Align | undefined)[];
  /** Per-row CSS classes (e.g. "error" to highlight the failing layer). */
  rowClasses?: readonly (string | undefined)[];
  /** Extra class on the `<table>`. */
  className?: string;
}

function cellHtml(cell: Cell): string {
  if (cell instanceof RawHtml) return cell.html;
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number" || typeof cell === "bigint") return escapeHtml(cell.toLocaleString("en-US"));
  return escapeHtml(cell);
}

function classAttr(classes: readonly (string | undefined)[]): string {
  const names = classes.filter((c): c is string => typeof c === "string" && c.length > 0);
  return names.length > 0 ? ` class="${escapeHtml(names.join(" "))}"` : "";
}

/**
 * An HTML table. Text is escaped, numbers get thousands separators and align
 * right, {@link RawHtml} is inserted unchanged.
 *
 * @example
 * htmlTable({ header: ["name", "n"], rows: [["a<b", 1200]] });
 * // '<table class="tsorch-table"><thead><tr><th>name</th><th class="num">n</th></tr></thead>
 * //  <tbody><tr><td>a&lt;b</td><td class="num">1,200</td></tr></tbody></table>' (one line)
 */
export function htmlTable(options: TableOptions): string {
  const { header, rows, caption, align, rowClasses, className } = options;
  if (!Array.isArray(rows)) throw new ArgumentError("htmlTable: rows must be an array of arrays", "rows");
  const columns = Math.max(header?.length ?? 0, ...rows.map((r) => r.length));
  // A column is numeric, and aligns right, when its first non-empty body cell is a number.
  const aligns: Align[] = [];
  for (let c = 0; c < columns; c++) {
    const first = rows.map((r) => r[c]).find((v) => v !== null && v !== undefined && v !== "");
    aligns.push(align?.[c] ?? (typeof first === "number" || typeof first === "bigint" ? "right" : "left"));
  }
  const alignClass = (c: number) => (aligns[c] === "right" ? "num" : aligns[c] === "center" ? "center" : undefined);

  let html = `<table${classAttr(["tsorch-table", className])}>`;
  if (caption !== undefined) html += `<caption>${cellHtml(caption)}</caption>`;
  if (header !== undefined) {
    html += "<thead><tr>";
    for (let c = 0; c < columns; c++) {
      html += `<th${classAttr([alignClass(c)])}>${cellHtml(header[c])}</th>`;
    }
    html += "</tr></thead>";
  }
  html += "<tbody>";
  rows.forEach((row, r) => {
    html += `<tr${classAttr([rowClasses?.[r]])}>`;
    for (let c = 0; c < columns; c++) {
      html += `<td${classAttr([alignClass(c)])}>${cellHtml(row[c])}</td>`;
    }
    html += "</tr>";
  });
  return html + "</tbody></table>";
}

/**
 * The stylesheet for `.tsorch` blocks. Theme variables first, fallbacks that
 * work on light and dark pages second.
 */
export const TSORCH_CSS = `
.tsorch { font-family: var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  font-size: var(--jp-code-font-size, 13px); line-height: 1.4; color: var(--jp-content-font-color1, inherit);
  overflow-x: auto; }
.tsorch .tsorch-table { border-collapse: collapse; margin: 0.25em 0; }
.tsorch .tsorch-table caption { caption-side: top; text-align: left; padding: 0 0 0.3em 0;
  color: var(--jp-content-font-color2, inherit); font-weight: 600; }
.tsorch .tsorch-table th, .tsorch .tsorch-table td { padding: 2px 10px; text-align: left; vertical-align: top;
  white-space: nowrap; border-bottom: 1px solid var(--jp-border-color2, rgba(128, 128, 128, 0.25)); }
.tsorch .tsorch-table th { font-weight: 600; border-bottom: 1px solid var(--jp-border-color1, rgba(128, 128, 128, 0.6)); }
.tsorch .tsorch-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.tsorch .tsorch-table .center { text-align: center; }
.tsorch .tsorch-table tbody tr:hover { background: var(--jp-layout-color2, rgba(128, 128, 128, 0.08)); }
.tsorch .tsorch-table tr.error td { color: var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.10); font-weight: 600; }
.tsorch .tsorch-table tr.warn td { background: rgba(245, 124, 0, 0.12); }
.tsorch .tsorch-muted { color: var(--jp-content-font-color2, inherit); opacity: 0.8; }
.tsorch .tsorch-error { color: var(--jp-error-color1, #d32f2f); font-weight: 600; }
.tsorch code { font-family: inherit; background: var(--jp-layout-color2, rgba(128, 128, 128, 0.12));
  padding: 0 3px; border-radius: 3px; }
`.trim();

/** `<style>` element holding {@link TSORCH_CSS}. */
export function styleTag(): string {
  return `<style>${TSORCH_CSS}</style>`;
}

/**
 * Wraps content in a `.tsorch` block with the stylesheet, ready to be a
 * `text/html` value.
 *
 * @example
 * htmlBlock(htmlTable({ rows: [["ok"]] })); // '<div class="tsorch"><style>...</style><table ...'
 */
export function htmlBlock(innerHtml: string): string {
  return `<div class="tsorch">${styleTag()}${innerHtml}</div>`;
}
