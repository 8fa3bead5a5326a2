/**
 * Two traces side by side — the same network on 32×32 and on 64×64 — with
 * the rows whose shapes differ marked, the row where one of them failed, and
 * the rows one of them never reached.
 *
 * Rows are matched by path (`conv1`, `Net.forward › F.max_pool2d` counted
 * in order of appearance), so two runs of one network line up row by row.
 *
 * @example
 * compareTraces(trace(net, [1, 1, 32, 32]), trace(net, [1, 1, 64, 64])).toText()
 * // Layer ...                 [1, 1, 32, 32]      [1, 1, 64, 64]
 * // ├─Conv2d (conv1): 1-1     [1, 6, 28, 28]      [1, 6, 60, 60]     ≠
 * // ...
 * // ├─Linear (fc1): 1-9       [1, 120]            ✗ failed           ✗
 */
import { escapeHtml, htmlBlock, htmlTable, rawHtml } from "../render/html.js";
import { TextView } from "../render/text-view.js";
import type { TraceRow } from "./row.js";
import type { Trace } from "./trace.js";
import { fmtShape } from "./format.js";
import { type Style, ansi, plain } from "./render-ansi.js";
import { TRACE_CSS } from "./render-trace.js";

/** How a pair of rows compares. */
export type PairStatus = "same" | "differs" | "failed" | "missing";

export interface ComparedRow {
  /** The row's label (`Conv2d (conv1)`, `Net.forward › F.relu`). */
  readonly label: string;
  readonly depth: number;
  readonly a: TraceRow | undefined;
  readonly b: TraceRow | undefined;
  /** `differs`: output shapes differ; `failed`: this row threw in one trace; `missing`: one trace never got here. */
  readonly status: PairStatus;
}

function key(row: TraceRow, seen: Map<string, number>): string {
  const base = `${row.kind}:${row.path}`;
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  return `${base}#${n}`;
}

function label(row: TraceRow): string {
  return row.kind === "module" ? (row.depth === 0 ? row.type : `${row.type} (${row.name})`) : row.path;
}

function sameShapes(x: TraceRow, y: TraceRow): boolean {
  const a = x.outputs.map((t) => t.shape.join(","));
  const b = y.outputs.map((t) => t.shape.join(","));
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** The result of {@link compareTraces}: aligned rows and their views. */
export class TraceComparison extends TextView {
  readonly rows: readonly ComparedRow[];

  constructor(readonly a: Trace, readonly b: Trace) {
    super();
    const seenA = new Map<string, number>();
    const seenB = new Map<string, number>();
    const keysA = a.rows.map((r) => key(r, seenA));
    const keysB = b.rows.map((r) => key(r, seenB));
    const byKeyB = new Map(keysB.map((k, i) => [k, b.rows[i]!]));
    const order: string[] = [...keysA];
    // Rows only in b go after the row that precedes them in b.
    keysB.forEach((k, i) => {
      if (order.includes(k)) return;
      const prev = i > 0 ? keysB[i - 1]! : null;
      const at = prev === null ? 0 : order.indexOf(prev) + 1;
      order.splice(at, 0, k);
    });
    const byKeyA = new Map(keysA.map((k, i) => [k, a.rows[i]!]));
    this.rows = order.map((k) => {
      const ra = byKeyA.get(k);
      const rb = byKeyB.get(k);
      const row = (ra ?? rb)!;
      let status: PairStatus;
      if ((ra && ra.failed && ra === a.failedRow) || (rb && rb.failed && rb === b.failedRow)) status = "failed";
      else if (!ra || !rb) status = "missing";
      else if (ra.failed || rb.failed) status = "same";
      else status = sameShapes(ra, rb) ? "same" : "differs";
      return { label: label(row), depth: row.depth, a: ra, b: rb, status };
    });
  }

  /** Rows whose output shapes differ. */
  get differing(): ComparedRow[] {
    return this.rows.filter((r) => r.status === "differs");
  }

  /** The row where one of the traces failed, if any. */
  get failure(): ComparedRow | undefined {
    return this.rows.find((r) => r.status === "failed");
  }

  private cell(t: Trace, r: TraceRow | undefined): string {
    if (!r) return t.failed ? "— (not reached)" : "—";
    if (r.failed) return "✗ failed";
    return r.outputs.map((o) => fmtShape(o.shape)).join(", ");
  }

  private table(): { header: string[]; rows: { cells: string[]; status: PairStatus }[] } {
    const title = (t: Trace) => t.inputs.map((i) => fmtShape(i.shape)).join(", ");
    const header = ["Layer", "Args", title(this.a), title(this.b), ""];
    const mark = { same: "", differs: "≠", failed: "✗", missing: "·" };
    const rows = this.rows.map((r) => {
      const row = (r.a ?? r.b)!;
      const prefix = r.depth === 0 ? "" : "│    ".repeat(r.depth - 1) + "├─";
      return { cells: [prefix + r.label, row.spec.args, this.cell(this.a, r.a), this.cell(this.b, r.b), mark[r.status]], status: r.status };
    });
    return { header, rows };
  }

  private summaryLine(): string {
    const parts = [`${this.differing.length} row(s) differ`];
    const f = this.failure;
    if (f) parts.push(`${f.label} failed in ${f.a?.failed ? "the first" : "the second"} trace`);
    return parts.join("; ");
  }

  private render(style: Style): string {
    const { header, rows } = this.table();
    const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r.cells[i]!].length)));
    const line = (cells: string[]) => cells.map((c, i) => c + " ".repeat(Math.max(0, widths[i]! - [...c].length))).join("   ").trimEnd();
    const rule = "=".repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
    const out = [style.bold(`${this.a.root.type}: ${header[2]} vs ${header[3]}`), rule, style.bold(line(header)), rule];
    for (const r of rows) {
      const text = line(r.cells);
      out.push(r.status === "failed" ? style.red(style.bold(text)) : r.status === "differs" ? style.yellow(text) : r.status === "missing" ? style.dim(text) : text);
    }
    out.push(rule, this.summaryLine());
    return out.join("\n");
  }

  toText(): string {
    return this.render(plain);
  }

  toAnsi(): string {
    return this.render(ansi);
  }

  toHtml(): string {
    const { header, rows } = this.table();
    const cls = { same: undefined, differs: "warn", failed: "error", missing: "op" } as const;
    return htmlBlock(htmlTable({
      caption: `${this.a.root.type}: ${header[2]} vs ${header[3]}`,
      header, rows: rows.map((r) => [rawHtml(`<code>${escapeHtml(r.cells[0]!)}</code>`), ...r.cells.slice(1)]), rowClasses: rows.map((r) => cls[r.status]), className: "tsorch-trace",
    }) + `<div class="tsorch-muted">${escapeHtml(this.summaryLine())}</div>`, TRACE_CSS);
  }

}

/**
 * Compares two traces row by row.
 *
 * @example
 * const c = compareTraces(trace(net, [1, 1, 32, 32]), trace(net, [1, 1, 64, 64]));
 * c.differing.map((r) => r.label)   // ["Net", "Conv2d (conv1)", "Net.forward › F.relu", ...]
 * c.failure?.label                  // "Linear (fc1)"
 */
export function compareTraces(a: Trace, b: Trace): TraceComparison {
  return new TraceComparison(a, b);
}
