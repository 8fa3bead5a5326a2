/**
 * A small Markdown reader for notebook text cells: the subset tutorials use, parsed into a tree
 * that both the HTML page (`markdown-html.ts`) and the terminal (`terminal/markdown.ts`) render.
 *
 * Blocks: ATX and setext headings, paragraphs, fenced and indented code, bullet and numbered
 * lists (nested by indentation), block quotes, horizontal rules, pipe tables, `$$` math.
 * Inlines: `code`, *emphasis*, **strong**, ~~strike~~, [links](url), ![images](src), <autolinks>,
 * bare http(s) URLs, `$math$`, backslash escapes, hard line breaks. Raw HTML is kept as text
 * (it is shown, never interpreted).
 *
 * @example
 * parseMarkdown("# LeNet\n\nA *small* `Conv2d` net.");
 * // [{ type: "heading", level: 1, children: [{ type: "text", text: "LeNet" }] },
 * //  { type: "paragraph", children: [text "A ", emph [text "small"], text " ", code "Conv2d", text " net."] }]
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "math"; text: string }
  | { type: "emph"; children: Inline[] }
  | { type: "strong"; children: Inline[] }
  | { type: "strike"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "image"; src: string; alt: string }
  | { type: "break" };

export type Align = "left" | "right" | "center" | null;

export type Block =
  | { type: "heading"; level: number; children: Inline[] }
  | { type: "paragraph"; children: Inline[] }
  | { type: "code"; lang: string; text: string }
  | { type: "math"; text: string }
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "quote"; children: Block[] }
  | { type: "rule" }
  | { type: "table"; align: Align[]; header: Inline[][]; rows: Inline[][][] };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_SEPARATOR = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;

export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n"));
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ type: "paragraph", children: parseInlines(paragraph.join("\n").trim()) });
    paragraph = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") {
      endParagraph();
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      endParagraph();
      const marker = fence[1]!;
      const body: string[] = [];
      const indent = line.length - line.trimStart().length;
      for (i++; i < lines.length; i++) {
        const closing = lines[i]!.trim();
        if (closing.startsWith(marker[0]!.repeat(marker.length)) && /^([`~])\1*$/.test(closing)) break;
        body.push(lines[i]!.slice(Math.min(indent, lines[i]!.length - lines[i]!.trimStart().length)));
      }
      blocks.push({ type: "code", lang: fence[2] ?? "", text: body.join("\n") });
      continue;
    }
    if (line.trim().startsWith("$$")) {
      endParagraph();
      const rest = line.trim().slice(2);
      const body: string[] = [];
      if (rest.endsWith("$$") && rest.length >= 2) body.push(rest.slice(0, -2));
      else {
        if (rest.trim()) body.push(rest);
        for (i++; i < lines.length && !lines[i]!.trim().endsWith("$$"); i++) body.push(lines[i]!);
        if (i < lines.length) body.push(lines[i]!.trim().slice(0, -2));
      }
      blocks.push({ type: "math", text: body.join("\n").trim() });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      endParagraph();
      blocks.push({ type: "heading", level: atx[1]!.length, children: parseInlines(atx[2] ?? "") });
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paragraph.length > 0) {
      blocks.push({ type: "heading", level: setext[1]![0] === "=" ? 1 : 2, children: parseInlines(paragraph.join("\n").trim()) });
      paragraph = [];
      continue;
    }
    if (RULE.test(line)) {
      endParagraph();
      blocks.push({ type: "rule" });
      continue;
    }
    if (QUOTE.test(line)) {
      endParagraph();
      const body: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== ""; i++) {
        const m = QUOTE.exec(lines[i]!);
        body.push(m ? m[1]! : lines[i]!);
      }
      blocks.push({ type: "quote", children: parseBlocks(body) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && (paragraph.length === 0 || item[1]!.length === 0)) {
      endParagraph();
      i = parseList(lines, i, blocks) - 1;
      continue;
    }
    if (line.includes("|") && paragraph.length === 0 && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]!) && lines[i + 1]!.includes("-")) {
      i = parseTable(lines, i, blocks) - 1;
      continue;
    }
    if (paragraph.length === 0 && /^ {4}/.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && (/^ {4}/.test(lines[i]!) || lines[i]!.trim() === ""); i++) body.push(lines[i]!.slice(4));
      i--;
      while (body.length > 0 && body[body.length - 1]!.trim() === "") body.pop();
      blocks.push({ type: "code", lang: "", text: body.join("\n") });
      continue;
    }
    paragraph.push(line);
  }
  endParagraph();
  return blocks;
}

/** Parses the list starting at `start`; returns the index of the first line after it. */
function parseList(lines: string[], start: number, blocks: Block[]): number {
  const first = LIST_ITEM.exec(lines[start]!)!;
  const baseIndent = first[1]!.length;
  const ordered = /\d/.test(first[2]!);
  const items: Block[][] = [];
  let i = start;
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]!);
    if (!m || m[1]!.length !== baseIndent || /\d/.test(m[2]!) !== ordered) break;
    const contentIndent = baseIndent + m[2]!.length + 1;
    const body = [m[3] ?? ""];
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      const indent = line.length - line.trimStart().length;
      if (line.trim() === "") {
        // A blank line continues the item only if indented content follows.
        const next = lines[i + 1];
        if (next !== undefined && next.trim() !== "" && next.length - next.trimStart().length >= contentIndent) {
          body.push("");
          continue;
        }
        break;
      }
      const nested = LIST_ITEM.exec(line);
      if (nested && nested[1]!.length <= baseIndent) break;
      if (indent < contentIndent && (nested || FENCE.test(line) || ATX.test(line) || QUOTE.test(line))) break;
      body.push(line.slice(Math.min(indent, contentIndent)));
    }
    items.push(parseBlocks(body));
    // Skip blank lines between items of the same list.
    while (i < lines.length && lines[i]!.trim() === "" && i + 1 < lines.length) {
      const next = LIST_ITEM.exec(lines[i + 1]!);
      if (next && next[1]!.length === baseIndent && /\d/.test(next[2]!) === ordered) i++;
      else break;
    }
  }
  blocks.push({ type: "list", ordered, start: ordered ? parseInt(first[2]!, 10) : 1, items });
  return i;
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let current = "";
  let inCode = false;
  for (let k = 0; k < row.length; k++) {
    const ch = row[k]!;
    if (ch === "\\" && row[k + 1] === "|") {
      current += "|";
      k++;
    } else if (ch === "`") {
      inCode = !inCode;
      current += ch;
    } else if (ch === "|" && !inCode) {
      cells.push(current.trim());
      current = "";
    } else current += ch;
  }
  cells.push(current.trim());
  return cells;
}

function parseTable(lines: string[], start: number, blocks: Block[]): number {
  const header = splitRow(lines[start]!);
  const align: Align[] = splitRow(lines[start + 1]!).map((cell) => {
    const left = cell.startsWith(":");
    const right = cell.endsWith(":");
    return left && right ? "center" : right ? "right" : left ? "left" : null;
  });
  const rows: Inline[][][] = [];
  let i = start + 2;
  for (; i < lines.length && lines[i]!.trim() !== "" && lines[i]!.includes("|"); i++) {
    const cells = splitRow(lines[i]!);
    rows.push(header.map((_, c) => parseInlines(cells[c] ?? "")));
  }
  blocks.push({ type: "table", align: header.map((_, c) => align[c] ?? null), header: header.map((h) => parseInlines(h)), rows });
  return i;
}

// ---------------------------------------------------------------------------------------------
// Inlines

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

export function parseInlines(text: string): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const pushText = (t: string) => {
    buffer += t;
  };
  const flush = () => {
    if (buffer) out.push({ type: "text", text: buffer });
    buffer = "";
  };
  const push = (node: Inline) => {
    flush();
    out.push(node);
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const rest = text.slice(i);
    if (ch === "\\" && text[i + 1] === "\n") {
      push({ type: "break" });
      i += 2;
      continue;
    }
    if (ch === "\\" && i + 1 < text.length && PUNCTUATION.test(text[i + 1]!)) {
      pushText(text[i + 1]!);
      i += 2;
      continue;
    }
    if (ch === "\n") {
      if (buffer.endsWith("  ")) {
        buffer = buffer.trimEnd();
        push({ type: "break" });
      } else pushText(" ");
      i++;
      continue;
    }
    if (ch === "`") {
      const run = /^`+/.exec(rest)![0];
      const close = text.indexOf(run, i + run.length);
      if (close >= 0 && text[close + run.length] !== "`") {
        let code = text.slice(i + run.length, close).replace(/\n/g, " ");
        if (code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
        push({ type: "code", text: code });
        i = close + run.length;
        continue;
      }
      pushText(run);
      i += run.length;
      continue;
    }
    if (ch === "$" && text[i + 1] !== "$" && text[i + 1] !== " " && text[i + 1] !== undefined) {
      const close = text.indexOf("$", i + 1);
      if (close > i + 1 && text[close - 1] !== " " && text[close - 1] !== "\\" && !/\d/.test(text[close + 1] ?? "")) {
        push({ type: "math", text: text.slice(i + 1, close) });
        i = close + 1;
        continue;
      }
    }
    if (ch === "!" && text[i + 1] === "[") {
      const link = parseLink(text, i + 1);
      if (link) {
        push({ type: "image", src: link.href, alt: plainTextOf(parseInlines(link.label)) });
        i = link.end;
        continue;
      }
    }
    if (ch === "[") {
      const link = parseLink(text, i);
      if (link) {
        push({ type: "link", href: link.href, children: parseInlines(link.label) });
        i = link.end;
        continue;
      }
    }
    if (ch === "<") {
      const auto = /^<((?:https?|mailto|ftp):[^\s<>]+)>/i.exec(rest);
      if (auto) {
        push({ type: "link", href: auto[1]!, children: [{ type: "text", text: auto[1]! }] });
        i += auto[0].length;
        continue;
      }
    }
    if ((ch === "h" || ch === "H") && /[\s(]$|^$/.test(text.slice(Math.max(0, i - 1), i))) {
      const bare = /^https?:\/\/[^\s<]*[^\s<.,:;"')\]!?]/i.exec(rest);
      if (bare) {
        push({ type: "link", href: bare[0], children: [{ type: "text", text: bare[0] }] });
        i += bare[0].length;
        continue;
      }
    }
    if (ch === "~" && text[i + 1] === "~") {
      const close = text.indexOf("~~", i + 2);
      if (close > i + 2) {
        push({ type: "strike", children: parseInlines(text.slice(i + 2, close)) });
        i = close + 2;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      const span = parseEmphasis(text, i);
      if (span) {
        push(span.node);
        i = span.end;
        continue;
      }
    }
    pushText(ch);
    i++;
  }
  flush();
  return out;
}

/** `[label](href "title")` starting at the `[`; undefined when it is not a link. */
function parseLink(text: string, open: number): { label: string; href: string; end: number } | undefined {
  let depth = 0;
  let close = -1;
  for (let k = open; k < text.length; k++) {
    const c = text[k];
    if (c === "\\") {
      k++;
      continue;
    }
    if (c === "[") depth++;
    else if (c === "]" && --depth === 0) {
      close = k;
      break;
    }
  }
  if (close < 0 || text[close + 1] !== "(") return undefined;
  const target = /^\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/.exec(text.slice(close + 1));
  if (!target) return undefined;
  const href = target[1]!.replace(/^<|>$/g, "");
  return { label: text.slice(open + 1, close), href, end: close + 1 + target[0].length };
}

/** `*em*`, `_em_`, `**strong**`, `__strong__` at `start`; `_` only between non-word characters. */
function parseEmphasis(text: string, start: number): { node: Inline; end: number } | undefined {
  const ch = text[start]!;
  const double = text[start + 1] === ch;
  const delimiter = double ? ch + ch : ch;
  const after = text[start + delimiter.length];
  if (after === undefined || /\s/.test(after)) return undefined;
  if (ch === "_" && /\w/.test(text[start - 1] ?? "")) return undefined;
  let search = start + delimiter.length;
  for (;;) {
    const close = text.indexOf(delimiter, search);
    if (close < 0) return undefined;
    const before = text[close - 1]!;
    const next = text[close + delimiter.length];
    const tooLong = !double && next === ch; // `*a**` closes strong, not emphasis
    const wordAfter = ch === "_" && /\w/.test(next ?? "");
    if (close > start + delimiter.length && !/\s/.test(before) && !tooLong && !wordAfter) {
      const inner = parseInlines(text.slice(start + delimiter.length, close));
      return { node: double ? { type: "strong", children: inner } : { type: "emph", children: inner }, end: close + delimiter.length };
    }
    search = close + delimiter.length + (tooLong ? 1 : 0);
  }
}

/** The text of inlines without markup (image alt text, terminal widths). */
export function plainTextOf(inlines: Inline[]): string {
  return inlines
    .map((node) => {
      switch (node.type) {
        case "text":
        case "code":
        case "math":
          return node.text;
        case "image":
          return node.alt;
        case "break":
          return "\n";
        default:
          return plainTextOf(node.children);
      }
    })
    .join("");
}
