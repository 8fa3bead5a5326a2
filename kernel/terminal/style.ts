/**
 * ANSI styling for terminal output, switched off as a whole when colour is not wanted, and the
 * width of styled text as the terminal will show it.
 *
 * Colour follows the usual conventions: `--color always|never` wins, then `NO_COLOR` (any
 * value) turns it off and `FORCE_COLOR` (other than `0`) turns it on, otherwise colour is used
 * when the stream is a terminal (and `TERM` is not `dumb`).
 *
 * @example
 * const style = makeStyle(true);
 * style.red("TypeError") // "\x1b[31mTypeError\x1b[39m"
 * visibleWidth(style.bold("abc")) // 3
 */

export type ColorChoice = "auto" | "always" | "never";

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  italic(text: string): string;
  underline(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

function wrap(open: number, close: number): (text: string) => string {
  // Re-open after an inner close so nested styles survive (bold inside dim, say).
  return (text) => `\x1b[${open}m${text.replaceAll(`\x1b[${close}m`, `\x1b[${close}m\x1b[${open}m`)}\x1b[${close}m`;
}

const plain = (text: string) => text;

export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    return { enabled, bold: plain, dim: plain, italic: plain, underline: plain, red: plain, green: plain, yellow: plain, blue: plain, magenta: plain, cyan: plain };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    italic: wrap(3, 23),
    underline: wrap(4, 24),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}

/** Whether to write colour to `stream` (see the module comment for the rules). */
export function colorEnabled(stream: { isTTY?: boolean }, choice: ColorChoice = "auto", env: NodeJS.ProcessEnv = process.env): boolean {
  if (choice === "always") return true;
  if (choice === "never") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Removes every ANSI escape sequence, not only colours. */
export function stripEscapes(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** Characters a terminal draws two columns wide (CJK, fullwidth forms, most emoji). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns `text` (one line) takes on screen: escapes take none, wide characters two, combining marks none. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const ch of stripEscapes(text)) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

/** Rows `text` takes in a terminal `columns` wide, counting wrapped lines. */
export function screenRows(text: string, columns: number): number {
  let rows = 0;
  for (const line of text.split("\n")) rows += Math.max(1, Math.ceil(visibleWidth(line) / Math.max(1, columns)));
  return rows;
}
