/**
 * Light syntax colouring of TypeScript cell sources for the HTML page: comments, strings,
 * numbers, keywords and the names of calls. A regex tokenizer, not a parser: it only has to
 * make code easier to read, and it escapes everything it does not colour.
 *
 * @example
 * highlightTypeScript('const x = torch.zeros(1, 2); // a "tensor"');
 * // '<span class="tok-kw">const</span> x = torch.<span class="tok-fn">zeros</span>(<span class="tok-num">1</span>, ...'
 */
import { escapeHtml } from "../../src/render/html.js";

const KEYWORDS = new Set(
  (
    "abstract as async await break case catch class const continue debugger declare default delete do else enum export extends " +
    "false finally for from function get if implements import in instanceof interface keyof let new null of private protected public " +
    "readonly return satisfies set static super switch this throw true try type typeof undefined var void while with yield"
  ).split(" "),
);

const TYPES = new Set("any bigint boolean never number object string symbol unknown".split(" "));

const TOKEN = new RegExp(
  [
    String.raw`(?<comment>\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))`,
    String.raw`(?<string>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|\`(?:[^\`\\]|\\[\s\S])*\`?)`,
    String.raw`(?<number>\b(?:0[xX][\da-fA-F_]+n?|0[bB][01_]+n?|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?n?|\.\d[\d_]*(?:[eE][+-]?\d+)?)\b)`,
    String.raw`(?<word>[A-Za-z_$][\w$]*)`,
  ].join("|"),
  "g",
);

export function highlightTypeScript(code: string): string {
  let html = "";
  let last = 0;
  for (let m = TOKEN.exec(code); m; m = TOKEN.exec(code)) {
    html += escapeHtml(code.slice(last, m.index));
    last = m.index + m[0].length;
    const groups = m.groups!;
    const text = escapeHtml(m[0]);
    if (groups.comment !== undefined) html += `<span class="tok-comment">${text}</span>`;
    else if (groups.string !== undefined) html += `<span class="tok-str">${text}</span>`;
    else if (groups.number !== undefined) html += `<span class="tok-num">${text}</span>`;
    else if (KEYWORDS.has(m[0])) html += `<span class="tok-kw">${text}</span>`;
    else if (TYPES.has(m[0])) html += `<span class="tok-type">${text}</span>`;
    else if (/^\s*\(/.test(code.slice(last))) html += `<span class="tok-fn">${text}</span>`;
    else if (/^[A-Z]/.test(m[0])) html += `<span class="tok-type">${text}</span>`;
    else html += text;
  }
  return html + escapeHtml(code.slice(last));
}
