/**
 * What a loaded checkpoint shows in a notebook: every tensor by its key
 * (nested keys joined with dots: `model.fc1.weight`, `optimizer.state.0.exp_avg`),
 * its shape and dtype, and the totals, as a table (HTML) or aligned text.
 * `torch.load` attaches it to the value it returns, so the state dict stays
 * an ordinary object (`net.load_state_dict(torch.load(path))` works on it).
 *
 * @example
 * const sd = torch.load("lenet.pt");
 * sd            // in a notebook: "lenet.pt: 10 tensors, 61,706 values (float32), 241.0 KiB" and the table
 */
import { Tensor } from "../tensor/tensor.js";
import { escapeHtml, htmlBlock, htmlTable, rawHtml } from "../render/html.js";
import { pyValue } from "../nn/python-style.js";

/** Rows shown before "… and N more". */
const MAX_ROWS = 80;
/** Other values (an epoch, learning rates) listed under the table. */
const MAX_SCALARS = 12;

interface Row {
  key: string;
  tensor: Tensor;
}

/** The tensors of a loaded value with their dotted keys (each tensor once, in order), and its other leaves. */
export function tensorsOf(value: unknown, scalars: [string, string][] = []): Row[] {
  const rows: Row[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, key: string, depth: number): void => {
    if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || typeof v === "string" || v === null) {
      if (key !== "" && !/(^|\.)params\.\d+$/.test(key)) scalars.push([key, typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? String(v) : pyValue(v)]);
      return;
    }
    if (typeof v !== "object" || seen.has(v) || depth > 64) return;
    seen.add(v);
    if (v instanceof Tensor) {
      rows.push({ key, tensor: v });
      return;
    }
    const join = (k: string): string => (key === "" ? k : `${key}.${k}`);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, join(String(i)), depth + 1));
    else if (v instanceof Map) for (const [k, x] of v) walk(x, join(String(k)), depth + 1);
    else if (!(v instanceof Set) && !ArrayBuffer.isView(v)) for (const [k, x] of Object.entries(v)) walk(x, join(k), depth + 1);
  };
  walk(value, "", 0);
  return rows;
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The headline: `lenet.pt: 10 tensors, 61,706 values (float32), 241.0 KiB`. */
function headline(source: string, rows: Row[]): string {
  const numel = rows.reduce((s, r) => s + r.tensor.numel(), 0);
  const bytes = rows.reduce((s, r) => s + r.tensor.numel() * r.tensor.dtype.itemsize, 0);
  const dtypes = [...new Set(rows.map((r) => r.tensor.dtype.name))].join(", ");
  const params = rows.filter((r) => r.tensor.requires_grad).length;
  return `${source}: ${rows.length} tensor${rows.length === 1 ? "" : "s"}, ${numel.toLocaleString("en-US")} values` +
    (dtypes ? ` (${dtypes})` : "") + `, ${fmtBytes(bytes)}` + (params > 0 ? `, ${params} requiring grad` : "");
}

/** The summary of a loaded checkpoint as a MIME bundle (text and HTML). */
export function checkpointBundle(value: unknown, source: string, metadata: Record<string, string> | null = null): Record<string, string> {
  const scalars: [string, string][] = [];
  const rows = tensorsOf(value, scalars);
  const head = headline(source, rows);
  const others = scalars.slice(0, MAX_SCALARS).map(([k, v]) => `${k} = ${v}`).join(" · ") +
    (scalars.length > MAX_SCALARS ? ` · … ${scalars.length - MAX_SCALARS} more` : "");
  const shown = rows.slice(0, MAX_ROWS);
  const more = rows.length - shown.length;
  const shape = (t: Tensor): string => `[${t.shape.join(", ")}]`;
  const layout = (t: Tensor): string => (t.is_contiguous() ? "" : "view");
  const keyWidth = Math.max(3, ...shown.map((r) => r.key.length));
  const shapeWidth = Math.max(5, ...shown.map((r) => shape(r.tensor).length));
  const lines = [head];
  if (metadata) for (const [k, v] of Object.entries(metadata)) lines.push(`  ${k}: ${v}`);
  lines.push(`  ${"key".padEnd(keyWidth)}  ${"shape".padEnd(shapeWidth)}  dtype`);
  for (const r of shown) {
    lines.push(`  ${r.key.padEnd(keyWidth)}  ${shape(r.tensor).padEnd(shapeWidth)}  ${r.tensor.dtype.name}${layout(r.tensor) ? "  (view)" : ""}`);
  }
  if (more > 0) lines.push(`  … and ${more} more`);
  if (others) lines.push(`  also: ${others}`);
  const meta = metadata
    ? `<div class="tsorch-muted">${Object.entries(metadata).map(([k, v]) => `${escapeHtml(k)}: <code>${escapeHtml(v)}</code>`).join(" · ")}</div>`
    : "";
  const html = htmlBlock(htmlTable({
    caption: head,
    header: ["key", "shape", "dtype", "values", ""],
    rows: [
      ...shown.map((r) => [r.key, shape(r.tensor), r.tensor.dtype.name, r.tensor.numel(), layout(r.tensor)]),
      ...(more > 0 ? [[rawHtml(`<span class="tsorch-muted">… and ${more} more</span>`)]] : []),
    ],
  }) + meta + (others ? `<div class="tsorch-muted">also: ${escapeHtml(others)}</div>` : ""));
  return { "text/plain": lines.join("\n"), "text/html": html };
}

/**
 * Makes `value` show its summary in notebooks (a non-enumerable display
 * method: keys, `Object.entries` and `load_state_dict` do not see it).
 */
export function attachSummary<T>(value: T, source: string, metadata: Record<string, string> | null = null): T {
  if (typeof value === "object" && value !== null && !(value instanceof Tensor) && Object.isExtensible(value)) {
    Object.defineProperty(value, Symbol.for("Jupyter.display"), {
      value: () => checkpointBundle(value, source, metadata), enumerable: false, configurable: true, writable: true,
    });
  }
  return value;
}
