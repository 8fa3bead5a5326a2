/**
 * Terminal text (tracebacks, coloured streams) as HTML: SGR escape codes become `<span>`s,
 * everything else is escaped. The 16 standard colours become classes (`ansi-red-fg`,
 * `ansi-bright-blue-bg`) so the page can pick shades that read on light and dark backgrounds;
 * 256-colour and 24-bit colours become inline styles. Other escape sequences (cursor moves,
 * titles) are dropped.
 *
 * `\r` and `\b` are applied as JupyterLab does for streams: a carriage return starts the line
 * over (progress bars), a backspace deletes the character before it.
 *
 * @example
 * ansiToHtml("\x1b[31mValueError\x1b[0m: <bad>");
 * // '<span class="ansi-red-fg">ValueError</span>: &lt;bad&gt;'
 */
import { escapeHtml } from "../../src/render/html.js";

const NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

type Color = { kind: "class"; name: string } | { kind: "rgb"; r: number; g: number; b: number };

interface State {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
  fg: Color | undefined;
  bg: Color | undefined;
}

const initial = (): State => ({ bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false, fg: undefined, bg: undefined });

// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function ansiToHtml(text: string): string {
  let html = "";
  let state = initial();
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk) html += wrapSpan(escapeHtml(chunk), state);
  };
  for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
    emit(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] === "m" && m[2] === "") state = applySgr(state, m[1] ?? "");
  }
  emit(text.slice(last));
  return html;
}

/** Applies `\r` (start the line over) and `\b` (delete the previous character) like JupyterLab's output area. */
export function applyControlCharacters(text: string): string {
  let out = text;
  // Keep "\r\n" as a newline; a lone "\r" drops what came before it on the line.
  out = out.replace(/\r\n/g, "\n");
  if (out.includes("\r")) out = out.split("\n").map((line) => line.slice(line.lastIndexOf("\r") + 1)).join("\n");
  while (/[^\n\b]\x08/.test(out)) out = out.replace(/[^\n\b]\x08/g, "");
  return out.replace(/\x08/g, "");
}

function wrapSpan(html: string, state: State): string {
  const classes: string[] = [];
  const styles: string[] = [];
  let fg = state.fg;
  let bg = state.bg;
  if (state.inverse) {
    [fg, bg] = [bg ?? { kind: "class", name: "default-inverse" }, fg ?? { kind: "class", name: "default" }];
  }
  // Bold with a standard colour shows its bright shade, as most terminals do.
  if (state.bold && fg?.kind === "class" && NAMES.includes(fg.name)) fg = { kind: "class", name: `bright-${fg.name}` };
  for (const [color, side] of [[fg, "fg"], [bg, "bg"]] as const) {
    if (!color) continue;
    if (color.kind === "class") classes.push(`ansi-${color.name}-${side}`);
    else styles.push(`${side === "fg" ? "color" : "background-color"}: rgb(${color.r}, ${color.g}, ${color.b})`);
  }
  if (state.bold) classes.push("ansi-bold");
  if (state.dim) classes.push("ansi-dim");
  if (state.italic) classes.push("ansi-italic");
  if (state.underline) classes.push("ansi-underline");
  if (state.strike) classes.push("ansi-strike");
  if (classes.length === 0 && styles.length === 0) return html;
  const classAttr = classes.length ? ` class="${classes.join(" ")}"` : "";
  const styleAttr = styles.length ? ` style="${styles.join("; ")}"` : "";
  return `<span${classAttr}${styleAttr}>${html}</span>`;
}

function applySgr(previous: State, params: string): State {
  const state = { ...previous };
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) Object.assign(state, initial());
    else if (code === 1) state.bold = true;
    else if (code === 2) state.dim = true;
    else if (code === 3) state.italic = true;
    else if (code === 4) state.underline = true;
    else if (code === 7) state.inverse = true;
    else if (code === 9) state.strike = true;
    else if (code === 22) state.bold = state.dim = false;
    else if (code === 23) state.italic = false;
    else if (code === 24) state.underline = false;
    else if (code === 27) state.inverse = false;
    else if (code === 29) state.strike = false;
    else if (code >= 30 && code <= 37) state.fg = { kind: "class", name: NAMES[code - 30]! };
    else if (code >= 90 && code <= 97) state.fg = { kind: "class", name: `bright-${NAMES[code - 90]!}` };
    else if (code >= 40 && code <= 47) state.bg = { kind: "class", name: NAMES[code - 40]! };
    else if (code >= 100 && code <= 107) state.bg = { kind: "class", name: `bright-${NAMES[code - 100]!}` };
    else if (code === 39) state.fg = undefined;
    else if (code === 49) state.bg = undefined;
    else if (code === 38 || code === 48) {
      const { color, used } = extendedColor(codes, i + 1);
      if (color) {
        if (code === 38) state.fg = color;
        else state.bg = color;
      }
      i += used;
    }
  }
  return state;
}

/** `5;n` (256 colours) or `2;r;g;b` (24-bit) after a 38 or 48. */
function extendedColor(codes: number[], at: number): { color: Color | undefined; used: number } {
  if (codes[at] === 5 && codes[at + 1] !== undefined) return { color: color256(codes[at + 1]!), used: 2 };
  if (codes[at] === 2 && codes[at + 3] !== undefined) {
    const [r, g, b] = [codes[at + 1]!, codes[at + 2]!, codes[at + 3]!].map((v) => Math.max(0, Math.min(255, v)));
    return { color: { kind: "rgb", r: r!, g: g!, b: b! }, used: 4 };
  }
  return { color: undefined, used: 0 };
}

const CUBE = [0, 95, 135, 175, 215, 255];

function color256(n: number): Color | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 8) return { kind: "class", name: NAMES[n]! };
  if (n < 16) return { kind: "class", name: `bright-${NAMES[n - 8]!}` };
  if (n < 232) {
    const i = n - 16;
    return { kind: "rgb", r: CUBE[Math.floor(i / 36)]!, g: CUBE[Math.floor(i / 6) % 6]!, b: CUBE[i % 6]! };
  }
  const v = 8 + (n - 232) * 10;
  return { kind: "rgb", r: v, g: v, b: v };
}
