/**
 * Terminal styles for the trace views: ANSI SGR codes, each one switched off
 * by its own reset so styles nest. The plain style returns text unchanged, so
 * one renderer serves `text/plain` and colour terminals.
 *
 * @example
 * ansi.red(ansi.bold("✗ fc1"))   // "\x1b[31m\x1b[1m✗ fc1\x1b[22m\x1b[39m"
 */

/** What a renderer can ask for. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const wrap = (on: number, off: number) => (s: string) => (s === "" ? s : `\x1b[${on}m${s}\x1b[${off}m`);

/** ANSI colours (used when `util.inspect` is asked for colours). */
export const ansi: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  green: wrap(32, 39),
  cyan: wrap(36, 39),
};

const same = (s: string) => s;

/** No styling: `text/plain`. */
export const plain: Style = { bold: same, dim: same, red: same, yellow: same, green: same, cyan: same };
