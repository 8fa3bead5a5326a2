/**
 * Writing a notebook exactly as Jupyter does (`nbformat.write`): multi-line text split into lists
 * of lines, keys sorted, one space of indent, non-ASCII characters kept, a final newline. A
 * notebook written here and one saved by JupyterLab differ only where their content differs,
 * so executed notebooks diff cleanly under version control.
 *
 * @example
 * writeNotebook("out.ipynb", executed);
 * serializeNotebook(nb).startsWith('{\n "cells": [') // true
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { MimeBundle, Notebook } from "./nbformat.js";

/** Text MIME types Jupyter splits into lines besides `text/*` (nbformat's `_non_text_split_mimes`). */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

export function serializeNotebook(notebook: Notebook): string {
  const copy = JSON.parse(JSON.stringify(notebook)) as Notebook;
  stripTransient(copy);
  splitLines(copy);
  return stringify(copy, "") + "\n";
}

/** Writes through a temporary file and a rename, so a failure never leaves half a notebook. */
export function writeNotebook(path: string, notebook: Notebook): void {
  const text = serializeNotebook(notebook);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Python's `str.splitlines(keepends=True)`: every line keeps its terminator, and the
 * terminators are the ones Python recognises (so a notebook round-trips through nbformat).
 *
 * @example
 * splitLinesKeepEnds("a\nb\r\nc"); // ["a\n", "b\r\n", "c"]
 */
export function splitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  const pattern = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    lines.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function splitBundle(bundle: MimeBundle): void {
  for (const [mime, value] of Object.entries(bundle)) {
    if (typeof value === "string" && (mime.startsWith("text/") || SPLIT_MIMES.has(mime))) bundle[mime] = splitLinesKeepEnds(value);
  }
}

function splitLines(notebook: Notebook): void {
  for (const cell of notebook.cells) {
    if (typeof cell.source === "string") cell.source = splitLinesKeepEnds(cell.source);
    if (cell.cell_type !== "code") {
      for (const attachment of Object.values(cell.attachments ?? {})) splitBundle(attachment);
      continue;
    }
    for (const output of cell.outputs) {
      if (output.output_type === "execute_result" || output.output_type === "display_data") splitBundle(output.data);
      else if (output.output_type === "stream" && typeof output.text === "string") output.text = splitLinesKeepEnds(output.text);
    }
  }
}

/** What nbformat drops on write: signatures, the original version, per-cell trust. */
function stripTransient(notebook: Notebook): void {
  delete notebook.metadata.orig_nbformat;
  delete notebook.metadata.orig_nbformat_minor;
  delete notebook.metadata.signature;
  for (const cell of notebook.cells) delete cell.metadata.trusted;
}

/**
 * `json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False)`. Written by hand because
 * JavaScript objects put integer-like keys first whatever order they were inserted in.
 */
function stringify(value: unknown, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = indent + " ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + stringify(v === undefined ? null : v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringify(v, inner)}`).join(",\n")}\n${indent}}`;
}
