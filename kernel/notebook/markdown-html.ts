/**
 * Markdown cells as HTML for the standalone page. All text is escaped (raw HTML in Markdown
 * shows as text), `javascript:` links are dropped, and images are only shown when they can be
 * inlined (a data URI, a cell attachment, or a file next to the notebook) so the page never
 * loads anything from elsewhere; other images become links.
 *
 * @example
 * markdownToHtml("## Shapes\n\n`x` is *1x1x32x32*");
 * // '<h2 id="shapes">Shapes</h2>\n<p><code>x</code> is <em>1x1x32x32</em></p>'
 */
import { escapeHtml } from "../../src/render/html.js";
import { parseMarkdown, plainTextOf, type Block, type Inline } from "./markdown.js";

export interface MarkdownHtmlOptions {
  /** Turns an image source into a data URI, or undefined when it cannot be inlined. */
  resolveImage?: (src: string) => string | undefined;
  /** Heading ids already used on the page (kept unique across cells). */
  usedIds?: Set<string>;
}

export function markdownToHtml(markdown: string, options: MarkdownHtmlOptions = {}): string {
  const context = { resolveImage: options.resolveImage ?? inlineDataOnly, usedIds: options.usedIds ?? new Set<string>() };
  return parseMarkdown(markdown)
    .map((block) => renderBlock(block, context))
    .join("\n");
}

interface Context {
  resolveImage: (src: string) => string | undefined;
  usedIds: Set<string>;
}

function inlineDataOnly(src: string): string | undefined {
  return /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$/.test(src) ? src : undefined;
}

function renderBlock(block: Block, context: Context): string {
  switch (block.type) {
    case "heading": {
      const id = uniqueId(slug(plainTextOf(block.children)), context.usedIds);
      return `<h${block.level} id="${escapeHtml(id)}">${renderInlines(block.children, context)}</h${block.level}>`;
    }
    case "paragraph":
      return `<p>${renderInlines(block.children, context)}</p>`;
    case "code": {
      const lang = block.lang ? ` class="language-${escapeHtml(block.lang)}"` : "";
      return `<pre><code${lang}>${escapeHtml(block.text)}</code></pre>`;
    }
    case "math":
      return `<div class="math">${escapeHtml(block.text)}</div>`;
    case "list": {
      const tag = block.ordered ? "ol" : "ul";
      const start = block.ordered && block.start !== 1 ? ` start="${block.start}"` : "";
      const items = block.items.map((item) => `<li>${renderItem(item, context)}</li>`).join("\n");
      return `<${tag}${start}>\n${items}\n</${tag}>`;
    }
    case "quote":
      return `<blockquote>\n${block.children.map((b) => renderBlock(b, context)).join("\n")}\n</blockquote>`;
    case "rule":
      return "<hr>";
    case "table": {
      const style = (c: number) => (block.align[c] ? ` style="text-align: ${block.align[c]}"` : "");
      const head = block.header.map((cell, c) => `<th${style(c)}>${renderInlines(cell, context)}</th>`).join("");
      const rows = block.rows.map((row) => `<tr>${row.map((cell, c) => `<td${style(c)}>${renderInlines(cell, context)}</td>`).join("")}</tr>`).join("\n");
      return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
    }
  }
}

/** A list item of one paragraph is written without `<p>` (a "tight" list). */
function renderItem(blocks: Block[], context: Context): string {
  return blocks.map((b) => (b.type === "paragraph" ? renderInlines(b.children, context) : renderBlock(b, context))).join("\n");
}

function renderInlines(inlines: Inline[], context: Context): string {
  return inlines.map((node) => renderInline(node, context)).join("");
}

function renderInline(node: Inline, context: Context): string {
  switch (node.type) {
    case "text":
      return escapeHtml(node.text);
    case "code":
      return `<code>${escapeHtml(node.text)}</code>`;
    case "math":
      return `<span class="math">${escapeHtml(node.text)}</span>`;
    case "emph":
      return `<em>${renderInlines(node.children, context)}</em>`;
    case "strong":
      return `<strong>${renderInlines(node.children, context)}</strong>`;
    case "strike":
      return `<del>${renderInlines(node.children, context)}</del>`;
    case "break":
      return "<br>";
    case "link": {
      const href = safeHref(node.href);
      const inner = renderInlines(node.children, context);
      return href === undefined ? inner : `<a href="${escapeHtml(href)}">${inner}</a>`;
    }
    case "image": {
      const src = context.resolveImage(node.src);
      if (src !== undefined) return `<img src="${escapeHtml(src)}" alt="${escapeHtml(node.alt)}">`;
      const href = safeHref(node.src);
      const label = escapeHtml(node.alt || node.src);
      return href === undefined ? label : `<a href="${escapeHtml(href)}">${label}</a>`;
    }
  }
}

/** Links that cannot run script: http(s), mailto, fragments and relative paths. */
function safeHref(href: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href.trim());
  if (!scheme) return href;
  return ["http", "https", "mailto", "ftp"].includes(scheme[1]!.toLowerCase()) ? href : undefined;
}

/** Heading anchors as JupyterLab makes them: the text with spaces as hyphens. */
function slug(text: string): string {
  return text.trim().replace(/\s+/g, "-").replace(/[^\p{L}\p{N}_-]/gu, "") || "section";
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 1; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}
