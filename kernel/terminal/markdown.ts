/**
 * Markdown cells in a terminal, lightly styled: headings bold (the first level underlined too),
 * `code` in cyan, *emphasis* in italics, links with their address, lists with bullets, quotes
 * with a bar, tables aligned; paragraphs wrapped to the terminal's width (at most 100 columns,
 * easier to read). Without colour the same layout, plain.
 *
 * @example
 * markdownToTerminal("# LeNet\n\nA *small* net.", makeStyle(false), 80);
 * // "LeNet\n═════\n\nA small net."
 */
import { parseMarkdown, plainTextOf, type Block, type Inline } from "../notebook/markdown.js";
import { visibleWidth, type Style } from "./style.js";

const MAX_WIDTH = 100;

export function markdownToTerminal(markdown: string, style: Style, columns: number): string {
  const width = Math.max(20, Math.min(columns, MAX_WIDTH));
  return renderBlocks(parseMarkdown(markdown), style, width).join("\n");
}

function renderBlocks(blocks: Block[], style: Style, width: number): string[] {
  const lines: string[] = [];
  for (const [i, block] of blocks.entries()) {
    if (i > 0) lines.push("");
    lines.push(...renderBlock(block, style, width));
  }
  return lines;
}

function renderBlock(block: Block, style: Style, width: number): string[] {
  switch (block.type) {
    case "heading": {
      const text = renderInlines(block.children, style);
      if (block.level === 1) {
        const plain = plainTextOf(block.children);
        return [style.bold(text), style.dim("═".repeat(Math.min(width, Math.max(3, visibleWidth(plain)))))];
      }
      if (block.level === 2) return [style.bold(text), style.dim("─".repeat(Math.min(width, Math.max(3, visibleWidth(plainTextOf(block.children))))))];
      return [style.bold(text)];
    }
    case "paragraph":
      return wrap(renderInlines(block.children, style), width);
    case "code":
    case "math":
      return block.text.split("\n").map((line) => "    " + style.cyan(line));
    case "rule":
      return [style.dim("─".repeat(Math.min(width, 40)))];
    case "quote":
      return renderBlocks(block.children, style, width - 2).map((line) => style.dim("│ ") + line);
    case "list": {
      const lines: string[] = [];
      block.items.forEach((item, n) => {
        const marker = block.ordered ? `${block.start + n}.` : "•";
        const pad = " ".repeat(marker.length + 1);
        const body = renderBlocks(item, style, width - pad.length - 2).filter((line, k, all) => line !== "" || (k > 0 && k < all.length - 1));
        body.forEach((line, k) => lines.push(`  ${k === 0 ? style.dim(marker) + " " : pad}${line}`));
      });
      return lines;
    }
    case "table":
      return renderTable(block, style);
  }
}

function renderTable(block: Extract<Block, { type: "table" }>, style: Style): string[] {
  const header = block.header.map((cell) => renderInlines(cell, style));
  const rows = block.rows.map((row) => row.map((cell) => renderInlines(cell, style)));
  const widths = header.map((h, c) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[c] ?? ""))));
  const pad = (text: string, c: number) => {
    const space = widths[c]! - visibleWidth(text);
    const align = block.align[c];
    if (align === "right") return " ".repeat(space) + text;
    if (align === "center") return " ".repeat(Math.floor(space / 2)) + text + " ".repeat(Math.ceil(space / 2));
    return text + " ".repeat(space);
  };
  const line = (cells: string[]) => cells.map((cell, c) => pad(cell, c)).join(style.dim(" │ "));
  return [style.bold(line(header)), style.dim(widths.map((w) => "─".repeat(w)).join("─┼─")), ...rows.map(line)];
}

function renderInlines(inlines: Inline[], style: Style): string {
  return inlines.map((node) => renderInline(node, style)).join("");
}

function renderInline(node: Inline, style: Style): string {
  switch (node.type) {
    case "text":
      return node.text;
    case "code":
      return style.cyan(node.text);
    case "math":
      return style.italic(node.text);
    case "emph":
      return style.italic(renderInlines(node.children, style));
    case "strong":
      return style.bold(renderInlines(node.children, style));
    case "strike":
      return style.dim(renderInlines(node.children, style));
    case "break":
      return "\n";
    case "link": {
      const text = renderInlines(node.children, style);
      return plainTextOf(node.children) === node.href ? style.underline(text) : `${style.underline(text)} ${style.dim(`(${node.href})`)}`;
    }
    case "image":
      return style.dim(`[image: ${node.alt || node.src}]`);
  }
}

/** Word-wraps styled text to `width` columns; explicit line breaks are kept. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    let lineWidth = 0;
    for (const word of paragraph.split(/ +/)) {
      const w = visibleWidth(word);
      if (line !== "" && lineWidth + 1 + w > width) {
        lines.push(line);
        line = word;
        lineWidth = w;
      } else if (line === "") {
        line = word;
        lineWidth = w;
      } else {
        line += " " + word;
        lineWidth += 1 + w;
      }
    }
    lines.push(line);
  }
  return lines;
}
