/**
 * Small pieces for `text/html` output: escaping, tables, and one stylesheet.
 *
 * The styles are written once, as CSS scoped to `.tsorch`, and delivered inline: {@link htmlBlock}
 * copies each rule onto the elements it matches as a `style` attribute. Front ends that do not
 * trust an output (JupyterLab and Notebook for a notebook opened from disk, GitHub, nbviewer)
 * strip `<style>` elements but keep inline styles, so a table looks the same trusted or not.
 * Inline values are literal (a sanitizer drops `var(...)`): colours are `inherit` or translucent
 * grays and tints that read on light and dark backgrounds alike. Structure carries what matters
 * without any CSS too: tree labels are `<code>` (monospace), cells carry `align`. Nothing is
 * loaded from outside.
 *
 * @example
 * import { htmlTable, htmlBlock } from "./html.js";
 * const html = htmlBlock(htmlTable({
 *   header: ["Layer", "Output shape", "Params"],
 *   rows: [["conv1", "[1, 6, 28, 28]", 156], ["fc1", "[1, 120]", 48120]],
 * }));
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
  /** Per-column CSS classes on its cells (e.g. "args", so a stylesheet can treat that column apart). */
  columnClasses?: readonly (string | undefined)[];
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
 * // '<table class="tsorch-table"><thead><tr><th align="left">name</th><th class="num" align="right">n</th></tr></thead>
 * //  <tbody><tr><td align="left">a&lt;b</td><td class="num" align="right">1,200</td></tr></tbody></table>' (one line)
 */
export function htmlTable(options: TableOptions): string {
  const { header, rows, caption, align, rowClasses, className, columnClasses } = options;
  if (!Array.isArray(rows)) throw new ArgumentError("htmlTable: rows must be an array of arrays", "rows");
  const columns = Math.max(header?.length ?? 0, ...rows.map((r) => r.length));
  // A column is numeric, and aligns right, when its first non-empty body cell is a number.
  const aligns: Align[] = [];
  for (let c = 0; c < columns; c++) {
    const first = rows.map((r) => r[c]).find((v) => v !== null && v !== undefined && v !== "");
    aligns.push(align?.[c] ?? (typeof first === "number" || typeof first === "bigint" ? "right" : "left"));
  }
  const alignClass = (c: number) => (aligns[c] === "right" ? "num" : aligns[c] === "center" ? "center" : undefined);
  // `align` too: it holds where no style survives (a renderer that strips both).
  const cellAttrs = (c: number) => `${classAttr([alignClass(c), columnClasses?.[c]])} align="${aligns[c]}"`;

  let html = `<table${classAttr(["tsorch-table", className])}>`;
  if (caption !== undefined) html += `<caption>${cellHtml(caption)}</caption>`;
  if (header !== undefined) {
    html += "<thead><tr>";
    for (let c = 0; c < columns; c++) {
      html += `<th${cellAttrs(c)}>${cellHtml(header[c])}</th>`;
    }
    html += "</tr></thead>";
  }
  html += "<tbody>";
  rows.forEach((row, r) => {
    html += `<tr${classAttr([rowClasses?.[r]])}>`;
    for (let c = 0; c < columns; c++) {
      html += `<td${cellAttrs(c)}>${cellHtml(row[c])}</td>`;
    }
    html += "</tr>";
  });
  return html + "</tbody></table>";
}

/**
 * The styles of `.tsorch` blocks (inlined by {@link htmlBlock}). Where a value is a theme
 * variable, its fallback is what is inlined.
 */
export const TSORCH_CSS = `
.tsorch { font-family: var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  font-size: var(--jp-code-font-size, 13px); line-height: 1.4; color: inherit; overflow-x: auto; text-align: left; }
.tsorch .tsorch-table { border-collapse: collapse; margin: 0.25em 0; color: inherit; font-size: inherit; font-family: inherit; }
.tsorch .tsorch-table caption { caption-side: top; text-align: left; padding: 0 0 0.3em 0; font-weight: 600; }
.tsorch .tsorch-table th, .tsorch .tsorch-table td { padding: 2px 10px; text-align: left; vertical-align: top;
  white-space: nowrap; border: none; border-bottom: 1px solid rgba(128, 128, 128, 0.25); background: transparent;
  font-family: inherit; }
.tsorch .tsorch-table th { font-weight: 600; border-bottom: 1px solid rgba(128, 128, 128, 0.6); }
.tsorch .tsorch-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.tsorch .tsorch-table .center { text-align: center; }
.tsorch .tsorch-table tr.error td { color: #e53935; background: rgba(229, 57, 53, 0.12); font-weight: 600; }
.tsorch .tsorch-table tr.warn td { background: rgba(245, 124, 0, 0.14); }
.tsorch .tsorch-muted { opacity: 0.75; }
.tsorch .tsorch-error { color: #e53935; font-weight: 600; }
.tsorch code { font-family: inherit; font-size: inherit; background: rgba(128, 128, 128, 0.12); color: inherit;
  padding: 0 3px; border-radius: 3px; }
.tsorch pre { font-family: inherit; font-size: inherit; background: transparent; color: inherit; margin: 0.3em 0;
  padding: 0; white-space: pre-wrap; text-align: left; }
`.trim();

/**
 * Wraps content in a `.tsorch` block, ready to be a `text/html` value: {@link TSORCH_CSS} and
 * the `extraCss` given are applied as inline styles (see the module comment).
 *
 * @example
 * htmlBlock(htmlTable({ rows: [["ok"]] })); // '<div class="tsorch" style="font-family: ui-monospace, ...'
 */
export function htmlBlock(innerHtml: string, extraCss = ""): string {
  return inlineCss(`<div class="tsorch">${innerHtml}</div>`, TSORCH_CSS + "\n" + extraCss);
}

// ---------------------------------------------------------------- inlining

interface Compound {
  tag: string | undefined;
  classes: string[];
  firstChild: boolean;
}

interface Rule {
  /** Compound selectors, outermost first (descendant combinators only). */
  selector: Compound[];
  specificity: number;
  order: number;
  declarations: [string, string][];
}

interface OpenElement {
  tag: string;
  classes: string[];
  firstChild: boolean;
  children: number;
}

/** Elements that have no closing tag. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/**
 * The subset of CSS our stylesheets use: rules of descendant selectors made of a tag, classes
 * and `:first-child`. Rules with any other selector (`:hover`) are dropped, since no inline
 * style can express them.
 */
function parseCss(css: string): Rule[] {
  const rules: Rule[] = [];
  let order = 0;
  for (const block of css.split("}")) {
    const open = block.indexOf("{");
    if (open < 0) continue;
    const declarations = parseDeclarations(block.slice(open + 1));
    for (const text of block.slice(0, open).split(",")) {
      const selector: Compound[] = [];
      let ok = true;
      for (const part of text.trim().split(/\s+/)) {
        const m = /^([a-z][a-z0-9]*)?((?:\.[\w-]+)*)(:first-child)?$/i.exec(part);
        if (!m || part === "") {
          ok = false;
          break;
        }
        selector.push({ tag: m[1]?.toLowerCase(), classes: m[2] ? m[2].slice(1).split(".") : [], firstChild: m[3] !== undefined });
      }
      if (!ok || selector.length === 0) continue;
      const specificity = selector.reduce((n, c) => n + 100 * (c.classes.length + (c.firstChild ? 1 : 0)) + (c.tag ? 1 : 0), 0);
      rules.push({ selector, specificity, order: order++, declarations });
    }
  }
  return rules.sort((a, b) => a.specificity - b.specificity || a.order - b.order);
}

function parseDeclarations(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const decl of splitTopLevel(text, ";")) {
    const colon = decl.indexOf(":");
    if (colon < 0) continue;
    const property = decl.slice(0, colon).trim().toLowerCase();
    const value = resolveVariables(decl.slice(colon + 1).trim().replace(/\s+/g, " "));
    if (property && value) out.push([property, value]);
  }
  return out;
}

/** Splits at `sep` outside parentheses. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** `var(--jp-x, fallback)` → `fallback`; sanitizers drop values that use variables. */
function resolveVariables(value: string): string {
  for (let at = value.indexOf("var("); at >= 0; at = value.indexOf("var(")) {
    let depth = 0;
    let end = at + 3;
    for (; end < value.length; end++) {
      if (value[end] === "(") depth++;
      else if (value[end] === ")" && --depth === 0) break;
    }
    const args = splitTopLevel(value.slice(at + 4, end), ",");
    const fallback = args.length > 1 ? value.slice(at + 4, end).slice(value.slice(at + 4, end).indexOf(",") + 1).trim() : "inherit";
    value = value.slice(0, at) + fallback + value.slice(end + 1);
  }
  return value;
}

function matches(compound: Compound, el: OpenElement): boolean {
  if (compound.tag && compound.tag !== el.tag) return false;
  if (compound.firstChild && !el.firstChild) return false;
  return compound.classes.every((c) => el.classes.includes(c));
}

/** Whether `selector` matches the last element of `path` (outermost first). */
function selectorMatches(selector: Compound[], path: OpenElement[]): boolean {
  let s = selector.length - 1;
  let p = path.length - 1;
  if (!matches(selector[s]!, path[p]!)) return false;
  for (s--, p--; s >= 0; p--) {
    if (p < 0) return false;
    if (matches(selector[s]!, path[p]!)) s--;
  }
  return true;
}

const ruleCache = new Map<string, Rule[]>();

/**
 * Applies `css` to `html` (markup this project generates: well formed, attributes quoted) as
 * inline `style` attributes; an element's own `style` comes last and wins.
 */
export function inlineCss(html: string, css: string): string {
  let rules = ruleCache.get(css);
  if (!rules) ruleCache.set(css, (rules = parseCss(css)));
  const stack: OpenElement[] = [{ tag: "", classes: [], firstChild: true, children: 0 }];
  return html.replace(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g, (whole, closing: string, name: string, attrs: string, selfClose: string) => {
    const tag = name.toLowerCase();
    if (closing) {
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]!.tag === tag) {
          stack.length = i;
          break;
        }
      }
      return whole;
    }
    const parent = stack[stack.length - 1]!;
    const classes = /\sclass="([^"]*)"/.exec(attrs)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    const el: OpenElement = { tag, classes, firstChild: parent.children === 0, children: 0 };
    parent.children++;
    const path = [...stack.slice(1), el];
    const styles = new Map<string, string>();
    for (const rule of rules) {
      if (selectorMatches(rule.selector, path)) for (const [p, v] of rule.declarations) styles.set(p, v);
    }
    if (!VOID.has(tag) && !selfClose) stack.push(el);
    if (styles.size === 0) return whole;
    const own = /\sstyle="([^"]*)"/.exec(attrs);
    if (own) for (const [p, v] of parseDeclarations(own[1]!)) styles.set(p, v);
    const style = [...styles].map(([p, v]) => `${p}: ${v}`).join("; ").replaceAll('"', "'");
    const rest = own ? attrs.replace(own[0], "") : attrs;
    return `<${name}${rest} style="${style}"${selfClose}>`;
  });
}
