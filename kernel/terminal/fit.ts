/**
 * Text that fits the terminal: outputs come from the kernel as text made for no particular
 * width, and a line longer than the terminal wraps into a mess. `fitToWidth` makes every line
 * fit `columns`:
 *
 * - tables (blocks between `====` rules, as `summary` and `compareTraces` print them) leave out
 *   whole columns, the least telling first (Time, Mult-Adds, Args, Input Shape, Param #, then
 *   from the right), and say which; a row still too wide is cut with `…`;
 * - other lines wrap at word boundaries with a hanging indent (under the text of a `•` or `-`
 *   item, or under the line's own indentation), keeping their colours.
 *
 * Lines holding `\r` (progress bars redrawn in place) are left alone.
 *
 * @example
 * fitToWidth("  • let fc1 take in_features from the data: nn.LazyLinear(120), or …", 40)
 * // "  • let fc1 take in_features from the\n    data: nn.LazyLinear(120), or …"
 */

const ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/y;

/** A visible character with the escape sequences written just before it. */
interface Unit {
  esc: string;
  ch: string;
}

interface Line {
  units: Unit[];
  /** Escapes after the last visible character. */
  tail: string;
}

function parse(line: string): Line {
  const units: Unit[] = [];
  let esc = "";
  for (let i = 0; i < line.length; ) {
    ESCAPE.lastIndex = i;
    const m = ESCAPE.exec(line);
    if (m) {
      esc += m[0];
      i += m[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    units.push({ esc, ch });
    esc = "";
    i += ch.length;
  }
  return { units, tail: esc };
}

const show = (line: Line) => line.units.map((u) => u.esc + u.ch).join("") + line.tail;
const plainOf = (line: Line) => line.units.map((u) => u.ch).join("");

/** How many columns a line takes (escapes take none). */
export function visibleWidth(text: string): number {
  return parse(text).units.length;
}

/** Every line of `text` at most `columns` wide. */
export function fitToWidth(text: string, columns: number): string {
  if (!(columns >= 8) || !Number.isFinite(columns)) return text;
  const lines = text.split("\n");
  if (lines.every((l) => visibleWidth(l) <= columns)) return text;
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const table = tableAt(lines, i);
    if (table) {
      out.push(...fitTable(lines.slice(i, table.end), table, columns));
      i = table.end;
      continue;
    }
    out.push(...wrapLine(lines[i]!, columns));
    i++;
  }
  return out.join("\n");
}

// ---------------------------------------------------------------- tables

const isRule = (line: string) => /^=+$/.test(plainOf(parse(line)).trimEnd()) && visibleWidth(line) >= 10;

interface TableSpan {
  /** Index after the table's last line. */
  end: number;
  /** Offsets (from the table's start) of the header line and of the body rows. */
  header: number;
  rows: number[];
}

/** A table starting at `start`: rule, header, rule, rows, rule (then, optionally, more lines and a closing rule). */
function tableAt(lines: readonly string[], start: number): TableSpan | undefined {
  if (!isRule(lines[start]!) || start + 2 >= lines.length || !isRule(lines[start + 2]!)) return undefined;
  const rows: number[] = [];
  let i = start + 3;
  for (; i < lines.length && !isRule(lines[i]!); i++) {
    if (lines[i]!.trim() === "") return undefined;
    rows.push(i - start);
  }
  if (i >= lines.length) return undefined;
  let end = i + 1;
  // Lines after the table (totals) up to a closing rule belong to it.
  for (let j = end; j < lines.length && lines[j]!.trim() !== ""; j++) {
    if (isRule(lines[j]!)) {
      end = j + 1;
      break;
    }
  }
  return { end, header: 1, rows };
}

/** Columns to leave out first, by heading; the output shape is the last to go (rows are cut with `…` instead). */
const DROP_FIRST = ["Time", "Mult-Adds", "Args", "Input Shape", "Param #"];
const KEEP = new Set(["Output Shape"]);
const GUTTER = 3;

function fitTable(lines: readonly string[], span: TableSpan, columns: number): string[] {
  const parsed = lines.map(parse);
  const grid = [span.header, ...span.rows].map((i) => parsed[i]!);
  const width = Math.max(...grid.map((l) => l.units.length));
  if (width <= columns) return lines.flatMap((l) => wrapLine(l, columns));
  // Gutters: character positions that are blank in the header and every row.
  const blank = Array.from({ length: width }, (_, x) => grid.every((l) => x >= l.units.length || l.units[x]!.ch === " "));
  const cols: [number, number][] = [];
  for (let x = 0; x < width; ) {
    while (x < width && blank[x]) x++;
    if (x >= width) break;
    let end = x;
    // A column ends at a run of GUTTER blanks.
    while (end < width && !blank.slice(end, end + GUTTER).every(Boolean)) end++;
    cols.push([x, end]);
    x = end;
  }
  if (cols.length < 2) return lines.flatMap((l) => wrapLine(l, columns));
  const header = parsed[span.header]!;
  const name = (c: [number, number]) => plainOf({ units: header.units.slice(c[0], c[1]), tail: "" }).trim();
  const kept = cols.map(() => true);
  const keptWidth = () => cols.reduce((n, c, k) => (kept[k] ? n + (c[1] - c[0]) + (n > 0 ? GUTTER : 0) : n), 0);
  const order = [
    ...DROP_FIRST.map((h) => cols.findIndex((c) => name(c) === h)).filter((k) => k > 0),
    ...cols.map((_, k) => cols.length - 1 - k).filter((k) => k > 0 && !KEEP.has(name(cols[k]!))),
  ];
  for (const k of order) {
    if (keptWidth() <= columns) break;
    kept[k] = false;
  }
  const dropped = cols.filter((_, k) => !kept[k]).map(name);
  const cut = (line: Line): string => {
    const units: Unit[] = [];
    let carried = "";
    cols.forEach((c, k) => {
      const part = line.units.slice(c[0], c[1]);
      const gap = line.units.slice(c[1], cols[k + 1]?.[0] ?? c[1]);
      if (!kept[k]) {
        for (const u of [...part, ...gap]) carried += u.esc;
        return;
      }
      for (const u of part) {
        units.push({ esc: carried + u.esc, ch: u.ch });
        carried = "";
      }
      // The gutter after a kept column, when another kept column follows.
      if (kept.slice(k + 1).some(Boolean)) {
        for (let g = 0; g < GUTTER; g++) {
          const u = gap[g];
          units.push({ esc: carried + (u?.esc ?? ""), ch: " " });
          carried = "";
        }
        for (const u of gap.slice(GUTTER)) carried += u.esc;
      }
    });
    // Rows are padded to the full width; what a row ends with is what it ends with.
    while (units.length > 0 && units[units.length - 1]!.ch === " " && units[units.length - 1]!.esc === "") units.pop();
    return truncate({ units, tail: carried + line.tail }, columns);
  };
  const ruleWidth = Math.min(columns, keptWidth());
  const out = parsed.map((line, i) => {
    if (isRule(lines[i]!)) return show({ units: line.units.slice(0, ruleWidth), tail: line.tail });
    if (i === span.header || span.rows.includes(i)) return cut(line);
    return wrapLine(lines[i]!, columns).join("\n");
  });
  if (dropped.length > 0) {
    out.push(...wrapLine(`(left out to fit ${columns} columns: ${dropped.join(", ")})`, columns));
  }
  return out;
}

/** A line cut to `columns`, ending with `…` when something was cut. */
function truncate(line: Line, columns: number): string {
  if (line.units.length <= columns) return show(line);
  const units = line.units.slice(0, columns - 1);
  const rest = line.units.slice(columns - 1).map((u) => u.esc).join("");
  return show({ units: [...units, { esc: "", ch: "…" }], tail: rest + line.tail });
}

// ---------------------------------------------------------------- prose

/** The indentation of the lines a long line wraps onto: under the text of a bullet, or under the line's own indent. */
function hangingIndent(plain: string, columns: number): number {
  const m = /^(\s*)([•\-*▸→]|\d+[.)])?\s*/.exec(plain)!;
  const indent = m[0].length;
  return indent > columns / 2 ? 0 : indent;
}

/** One line wrapped at spaces to `columns` (a word longer than a line is split), colours carried over. */
export function wrapLine(text: string, columns: number): string[] {
  if (!(columns >= 8) || text.includes("\r") || visibleWidth(text) <= columns) return [text];
  const line = parse(text);
  const indent = hangingIndent(plainOf(line), columns);
  const out: string[] = [];
  let units = line.units;
  let first = true;
  /** The colour escapes in force where the next line starts (since the last reset). */
  let active = "";
  while (units.length > 0) {
    const room = first ? columns : columns - indent;
    if (units.length <= room) {
      out.push((first ? "" : " ".repeat(indent) + active) + show({ units, tail: line.tail }));
      break;
    }
    let cut = -1;
    for (let k = room; k > 0; k--) {
      if (units[k]!.ch === " ") {
        cut = k;
        break;
      }
    }
    if (cut <= (first ? indent : 0)) cut = room;
    const piece = units.slice(0, cut);
    let next = cut;
    while (next < units.length && units[next]!.ch === " ") next++;
    const shown = show({ units: piece, tail: "" });
    const escapes = piece.map((u) => u.esc).join("") + units.slice(cut, next).map((u) => u.esc).join("");
    const open = (active + escapes).replace(/^[\s\S]*\x1b\[0?m/, "");
    out.push((first ? "" : " ".repeat(indent) + active) + shown + (open !== "" ? "\x1b[0m" : ""));
    active = open;
    units = units.slice(next);
    first = false;
  }
  return out;
}
