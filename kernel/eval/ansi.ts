/**
 * The colours and layout of IPython's tracebacks, which Jupyter frontends render from ANSI codes:
 * red for the error name and the rule, green for locations and the arrow, cyan for function names.
 */

export const RED = "\x1b[0;31m";
export const GREEN = "\x1b[0;32m";
export const CYAN = "\x1b[0;36m";
export const DIM = "\x1b[2m";
export const BOLD = "\x1b[1m";
export const RESET = "\x1b[0m";

export const RULE = `${RED}${"-".repeat(75)}${RESET}`;

/** `RuntimeError                              Traceback (most recent call last)` in IPython's layout. */
export function tracebackHeader(ename: string): string {
  return `${RED}${ename}${RESET}${" ".repeat(Math.max(1, 42 - ename.length))}Traceback (most recent call last)`;
}

/** The last line of a traceback: `RuntimeError: message`. */
export function errorLine(ename: string, evalue: string): string {
  return `${RED}${ename}${RESET}: ${evalue}`;
}

/** `Cell In[3], line 7`, coloured as IPython does. */
export function cellLocation(executionCount: number | undefined, rest: string): string {
  const label = executionCount === undefined ? "In[ ]" : `In[${executionCount}]`;
  return `Cell ${GREEN}${label}${rest}${RESET}`;
}

/**
 * Source lines around `line` (1-based) with IPython's gutter: `----> 7 code` for the line itself,
 * `      5 code` for context. `before` lines of context precede it, `after` follow.
 */
export function sourceContext(lines: readonly string[], line: number, before = 2, after = 0): string[] {
  const out: string[] = [];
  const first = Math.max(1, line - before);
  const last = Math.min(lines.length, line + after);
  for (let n = first; n <= last; n++) {
    const num = String(n);
    const text = lines[n - 1] ?? "";
    if (n === line) out.push(`${GREEN}${"-".repeat(Math.max(1, 5 - num.length))}> ${num}${RESET} ${text}`);
    else out.push(`${GREEN}${" ".repeat(Math.max(1, 7 - num.length))}${num}${RESET} ${text}`);
  }
  return out;
}

/** The width of the `----> 7 ` gutter for a line number, for carets that line up under the code. */
export function gutterWidth(line: number): number {
  return Math.max(7, String(line).length + 2) + 1;
}

/** Removes ANSI escape sequences (for plain-text consumers and tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
