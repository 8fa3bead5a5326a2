/**
 * The trace table in three forms: plain text, ANSI for terminals, and HTML
 * for notebooks (inline styles that read on light and dark pages and survive
 * sanitizing). torchinfo's columns, plus the op arguments and
 * time:
 *
 *   Layer (type (var_name):depth-idx) | Args | Input Shape | Output Shape | Param # | Mult-Adds | Time
 *
 * Functional ops appear as `Net.forward › F.max_pool2d: 1-3`, the failing row
 * is marked ✗ (HTML class `error`), rows with a warning ⚠ (class `warn`).
 * Below the table: the arrow chain, warnings, and for a failed trace the
 * explanation. A symbolic trace shows formulas with named size functions.
 *
 * @example
 * traceText(trace(net, [1, 1, 32, 32]), { columns: ["output", "params"] })
 */
import { escapeHtml, htmlBlock, htmlTable, rawHtml, type Cell } from "../render/html.js";
import { toBase64 } from "../render/mime.js";
import type { TraceRow } from "./row.js";
import type { Trace } from "./trace.js";
import { FunctionNamer, fmtCount, fmtShape, fmtSymShape, fmtTime } from "./format.js";
import { type Style, ansi, plain } from "./render-ansi.js";
import { featureMaps } from "./feature-maps.js";

/** A column of the trace table. */
export type ColumnKey = "args" | "input" | "output" | "params" | "macs" | "time";

export interface TableOptions {
  /** Columns after the layer column (default: all; time only for timed traces). */
  columns?: readonly ColumnKey[];
  /** Deepest row shown (default: all). */
  depth?: number;
  /** Shapes as formulas (default: for traces made with named sizes). */
  symbolic?: boolean;
  /** For a failed trace, add the explanation below the table (default true). */
  explain?: boolean;
  /** Add the arrow chain below the table (default true). */
  chain?: boolean;
  /** HTML: feature-map thumbnails for rows with kept activations (default true). */
  maps?: boolean;
  /** Lines inserted after the table (the summary's totals). */
  after?: readonly string[];
}

const TITLES: Record<ColumnKey, string> = {
  args: "Args", input: "Input Shape", output: "Output Shape", params: "Param #", macs: "Mult-Adds", time: "Time",
};

const RIGHT = new Set<ColumnKey>(["params", "macs", "time"]);

interface ModelRow {
  row: TraceRow;
  cells: string[];
  cls: "error" | "warn" | "op" | undefined;
}

interface Model {
  columns: ColumnKey[];
  header: string[];
  rows: ModelRow[];
  footnotes: string[];
}

/** The columns a trace shows by default. */
function defaultColumns(trace: Trace): ColumnKey[] {
  const cols: ColumnKey[] = ["args", "input", "output", "params", "macs"];
  if (trace.timed) cols.push("time");
  return cols;
}

/** The rows and cells of the table. */
function model(trace: Trace, options: TableOptions): Model {
  const columns = [...(options.columns ?? defaultColumns(trace))];
  const symbolic = options.symbolic ?? trace.symbolicInput !== null;
  const replay = symbolic ? trace.replay() : null;
  const namer = new FunctionNamer();
  const maxDepth = options.depth ?? Infinity;
  const visible = trace.rows.filter((r) => r.depth <= maxDepth);
  const counters = new Map<number, number>();
  const rows: ModelRow[] = visible.map((row) => {
    let label = row.kind === "module"
      ? (row.depth === 0 ? row.type : `${row.type} (${row.name}): ${row.depth}`)
      : `${row.path}: ${row.depth}`;
    if (row.depth > 0) {
      const n = (counters.get(row.depth) ?? 0) + 1;
      counters.set(row.depth, n);
      label += `-${n}`;
    }
    const siblings = row.parent ? row.parent.children.filter((c) => c.depth <= maxDepth) : [];
    const last = siblings[siblings.length - 1] === row;
    const prefix = row.depth === 0 ? "" : "│    ".repeat(row.depth - 1) + (last && row.depth > 1 ? "└─" : "├─");
    const shapeCell = (which: "input" | "output"): string => {
      if (which === "output" && row.failed) return "✗ failed";
      if (replay) {
        const s = which === "input" ? replay.inputsOf(row)?.[0] : replay.outputOf(row)?.[0];
        if (s) return fmtSymShape(s, namer);
      }
      const list = which === "input" ? row.inputs : row.outputs;
      return list.map((t) => fmtShape(t.shape)).join(", ");
    };
    const cells = columns.map((c) => {
      switch (c) {
        case "args": return row.spec.args;
        case "input": return shapeCell("input");
        case "output": return shapeCell("output") + (row.warning ? " ⚠" : "");
        case "params": return row.isLeaf || row.kind === "op" ? fmtCount(row.params) : row.params > 0 ? fmtCount(row.params) : "--";
        case "macs": return fmtCount(row.macs);
        case "time": return fmtTime(row.timeMs);
      }
    });
    const failedHere = row.failed && trace.failedRow === row;
    const cls = failedHere ? "error" : row.warning ? "warn" : row.kind === "op" ? "op" : undefined;
    return { row, cells: [prefix + label, ...cells], cls };
  });
  const footnotes = namer.definitions().map((d) => `where ${d}`);
  return { columns, header: ["Layer (type (var_name):depth-idx)", ...columns.map((c) => TITLES[c])], rows, footnotes };
}

/** The title line: what ran on what. */
function titleLine(trace: Trace, symbolic: boolean): string {
  const input = symbolic && trace.symbolicInput
    ? trace.symbolicInput.map((s) => `(${s.join(", ")})`).join(", ") +
      ` (replayed from ${Object.entries(trace.env).map(([k, v]) => `${k}=${v}`).join(", ")})`
    : trace.inputs.map((t) => fmtShape(t.shape)).join(", ");
  const mode = trace.meta ? "shape-only (meta)" : "computed";
  return `${trace.root.type} on ${input} · ${mode}${trace.failed ? " · failed" : ""}`;
}

function pad(text: string, width: number, right: boolean): string {
  const n = [...text].length;
  return right ? " ".repeat(Math.max(0, width - n)) + text : text + " ".repeat(Math.max(0, width - n));
}

/** Text lines of the table, styled. */
function tableLines(trace: Trace, options: TableOptions, style: Style): string[] {
  const m = model(trace, options);
  const aligns = [false, ...m.columns.map((c) => RIGHT.has(c))];
  const widths = m.header.map((h, i) => Math.max([...h].length, ...m.rows.map((r) => [...r.cells[i]!].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, aligns[i]!)).join("   ").trimEnd();
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  const rule = "=".repeat(total);
  const out = [rule, style.bold(line(m.header)), rule];
  for (const r of m.rows) {
    const text = line(r.cells);
    out.push(r.cls === "error" ? style.red(style.bold(text)) : r.cls === "warn" ? style.yellow(text) : r.cls === "op" ? style.cyan(text) : text);
  }
  out.push(rule);
  if (options.after && options.after.length > 0) out.push(...options.after, rule);
  out.push(...m.footnotes.map((f) => style.dim(f)));
  return out;
}

/** What follows the table: the chain, warnings, and (for a failure) the explanation. */
function afterLines(trace: Trace, options: TableOptions, style: Style): string[] {
  const out: string[] = [];
  const symbolic = options.symbolic ?? trace.symbolicInput !== null;
  if (options.chain ?? true) out.push(trace.chain({ symbolic }));
  for (const r of trace.warnings) out.push(style.yellow(`⚠ ${r.path}: ${r.warning}`));
  if (trace.failed && (options.explain ?? true)) {
    const ex = trace.explanation() as unknown as { lines?: () => string[] } | null;
    const err = trace.error as { name?: string; message?: string };
    out.push("", style.red(style.bold(`${err?.name ?? "Error"}: ${err?.message ?? String(trace.error)}`)));
    if (ex?.lines) out.push(...ex.lines().map((l, i) => (i === 0 ? style.red(l) : i === 1 ? style.bold(l) : l)));
  }
  return out;
}

function render(trace: Trace, options: TableOptions, style: Style): string {
  const symbolic = options.symbolic ?? trace.symbolicInput !== null;
  return [style.bold(titleLine(trace, symbolic)), ...tableLines(trace, options, style), ...afterLines(trace, options, style)].join("\n");
}

/** The trace as plain text. */
export function traceText(trace: Trace, options: TableOptions = {}): string {
  return render(trace, options, plain);
}

/** The trace with ANSI colours (failing row red, warnings yellow, functional ops cyan). */
export function traceAnsi(trace: Trace, options: TableOptions = {}): string {
  return render(trace, options, ansi);
}

/**
 * Extra styles for trace tables (inlined by `htmlBlock`): the table fits the column it is in (a
 * symbolic summary's formulas would make it wider than a notebook): tree labels keep their
 * spacing in a monospace `<code>` on one line, numbers stay whole, and the other cells (shapes,
 * formulas, arguments) wrap. `word-break: break-all`, since sanitizers keep it and drop
 * `overflow-wrap: anywhere` (JupyterLab's allows only `normal|break-word`, which cannot narrow a column).
 * Arguments wrap only at their spaces, so `6, 16, 5` never reads as `6, 1` / `6, 5`.
 * Op rows are muted, chains wrap.
 */
export const TRACE_CSS = `
.tsorch .tsorch-trace { max-width: 100%; }
.tsorch .tsorch-trace th, .tsorch .tsorch-trace td { white-space: normal; word-break: break-all; }
.tsorch .tsorch-trace th { word-break: normal; }
.tsorch .tsorch-trace td.num { white-space: nowrap; word-break: normal; }
.tsorch .tsorch-trace td.args { word-break: normal; }
.tsorch .tsorch-trace td:first-child { white-space: pre; word-break: normal; }
.tsorch .tsorch-trace td:first-child code { white-space: pre; background: transparent; padding: 0; }
.tsorch .tsorch-trace tr.op td { opacity: 0.75; }
.tsorch .tsorch-trace tr.op td:first-child { font-style: italic; }
.tsorch .tsorch-chain { margin: 0.4em 0; white-space: normal; word-break: break-word; }
.tsorch .tsorch-warn { color: #ef6c00; }
.tsorch .tsorch-trace img { image-rendering: pixelated; max-width: 480px; }
`.trim();

/** The feature-map thumbnail of a row (HTML `<details>`), when the trace kept its activation. */
function mapCell(row: TraceRow): Cell {
  const a = row.activation;
  if (!a || a.is_meta || (a.ndim !== 3 && a.ndim !== 4) || (a.shape[a.ndim - 1] ?? 0) < 2) return "";
  try {
    const img = featureMaps(a, { title: row.path || row.type, maxWidth: 480 });
    // The tiles alone (no text drawn in the image, transparent between tiles): it follows the theme.
    const png = img.tilesPng();
    const src = `data:image/png;base64,${toBase64(png)}`;
    return rawHtml(`<details><summary>maps</summary><img alt="${escapeHtml(img.summary)}" src="${src}" width="${png.readUInt32BE(16)}"></details>`);
  } catch {
    return "";
  }
}

/** The table and what follows it as HTML, without the outer block (for embedding in `htmlBlock(…, TRACE_CSS)`). */
export function traceTableHtml(trace: Trace, options: TableOptions = {}): string {
  const m = model(trace, options);
  const symbolic = options.symbolic ?? trace.symbolicInput !== null;
  const withMaps = (options.maps ?? true) && m.rows.some((r) => r.row.activation !== null);
  const header: Cell[] = [...m.header, ...(withMaps ? ["Feature maps"] : [])];
  // The tree column as code: monospace, spacing kept, even where no style survives.
  const rows: Cell[][] = m.rows.map((r) => [rawHtml(`<code>${escapeHtml(r.cells[0]!)}</code>`), ...r.cells.slice(1), ...(withMaps ? [mapCell(r.row)] : [])]);
  const align = ["left" as const, ...m.columns.map((c) => (RIGHT.has(c) ? ("right" as const) : ("left" as const))), ...(withMaps ? ["left" as const] : [])];
  let html = htmlTable({
    caption: titleLine(trace, symbolic), header, rows, align, rowClasses: m.rows.map((r) => r.cls), className: "tsorch-trace",
    columnClasses: [undefined, ...m.columns.map((c) => (c === "args" ? "args" : undefined))],
  });
  if (options.after && options.after.length > 0) html += `<pre class="tsorch-muted">${escapeHtml(options.after.join("\n"))}</pre>`;
  for (const f of m.footnotes) html += `<div class="tsorch-muted">${escapeHtml(f)}</div>`;
  if (options.chain ?? true) html += `<div class="tsorch-chain">${escapeHtml(trace.chain({ symbolic }))}</div>`;
  for (const r of trace.warnings) html += `<div class="tsorch-warn">⚠ ${escapeHtml(`${r.path}: ${r.warning}`)}</div>`;
  if (trace.failed && (options.explain ?? true)) {
    const ex = trace.explanation() as unknown as { lines?: () => string[] } | null;
    const err = trace.error as { name?: string; message?: string };
    html += `<div class="tsorch-error">${escapeHtml(`${err?.name ?? "Error"}: ${err?.message ?? String(trace.error)}`)}</div>`;
    if (ex?.lines) html += `<pre>${escapeHtml(ex.lines().join("\n"))}</pre>`;
  }
  return html;
}

/** The trace as a `text/html` block. */
export function traceHtml(trace: Trace, options: TableOptions = {}): string {
  return htmlBlock(traceTableHtml(trace, options), TRACE_CSS);
}
