/**
 * Reading a notebook file: JSON, nbformat 4, every cell with what a runner needs. A file that
 * is not a notebook is refused with a `NotebookError` saying what is wrong and where, never
 * with a crash halfway through a run.
 *
 * Missing optional parts are filled in the way Jupyter would (`metadata: {}`, `outputs: []`,
 * `execution_count: null`, and cell ids for nbformat 4.5+), so the notebook written back
 * validates even when the input was sloppy.
 *
 * @example
 * const nb = readNotebook("test/notebooks/run-basics.ipynb");
 * nb.cells.length; // 7
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { NotebookError } from "./errors.js";
import type { Cell, Notebook } from "./nbformat.js";

export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new NotebookError(`cannot read ${path}: ${why}`, path);
  }
  return parseNotebook(text, path);
}

export function parseNotebook(text: string, path = "<notebook>"): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new NotebookError(`${path} is not a notebook: invalid JSON (${(err as Error).message})`, path);
  }
  if (!isObject(raw)) throw new NotebookError(`${path} is not a notebook: the file holds ${describe(raw)}, not a JSON object`, path);
  if (raw.nbformat !== 4) {
    const found = raw.nbformat === undefined ? "no nbformat field" : `nbformat ${JSON.stringify(raw.nbformat)}`;
    const hint = typeof raw.nbformat === "number" && raw.nbformat < 4 ? " (upgrade it with `jupyter nbconvert --to notebook --nbformat 4`)" : "";
    throw new NotebookError(`${path}: only nbformat 4 notebooks can be run, found ${found}${hint}`, path);
  }
  const minor = raw.nbformat_minor ?? 0;
  if (typeof minor !== "number" || !Number.isInteger(minor) || minor < 0) {
    throw new NotebookError(`${path}: nbformat_minor must be a non-negative integer, got ${JSON.stringify(minor)}`, path);
  }
  if (!Array.isArray(raw.cells)) throw new NotebookError(`${path}: "cells" must be a list, got ${describe(raw.cells)}`, path);
  const metadata = raw.metadata ?? {};
  if (!isObject(metadata)) throw new NotebookError(`${path}: "metadata" must be an object, got ${describe(metadata)}`, path);

  const ids = new Set<string>();
  const cells = raw.cells.map((cell: unknown, index: number) => checkCell(cell, index, path, minor, ids));
  return { ...raw, nbformat: 4, nbformat_minor: minor, metadata, cells } as Notebook;
}

function checkCell(raw: unknown, index: number, path: string, minor: number, ids: Set<string>): Cell {
  const where = `${path}: cell ${index + 1}`;
  if (!isObject(raw)) throw new NotebookError(`${where} is ${describe(raw)}, not an object`, path);
  const type = raw.cell_type;
  if (type !== "code" && type !== "markdown" && type !== "raw") {
    throw new NotebookError(`${where} has cell_type ${JSON.stringify(type)} (expected "code", "markdown" or "raw")`, path);
  }
  const source = raw.source ?? "";
  if (!(typeof source === "string" || (Array.isArray(source) && source.every((line) => typeof line === "string")))) {
    throw new NotebookError(`${where}: "source" must be a string or a list of strings, got ${describe(source)}`, path);
  }
  const metadata = raw.metadata ?? {};
  if (!isObject(metadata)) throw new NotebookError(`${where}: "metadata" must be an object, got ${describe(metadata)}`, path);
  const cell: Record<string, unknown> = { ...raw, source, metadata };
  if (type === "code") {
    const outputs = raw.outputs ?? [];
    if (!Array.isArray(outputs)) throw new NotebookError(`${where}: "outputs" must be a list, got ${describe(outputs)}`, path);
    cell.outputs = outputs;
    cell.execution_count = typeof raw.execution_count === "number" ? raw.execution_count : null;
  }
  if (minor >= 5) {
    // nbformat 4.5 requires unique ids matching [a-zA-Z0-9-_]{1,64}; repair rather than refuse, as nbformat.validate(repair_duplicate_cell_ids) does.
    let id = typeof raw.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(raw.id) ? raw.id : undefined;
    if (id === undefined || ids.has(id)) id = freshId(ids);
    ids.add(id);
    cell.id = id;
  }
  return cell as unknown as Cell;
}

/** A random cell id (8 hex digits, as nbformat makes them) not in `taken`. */
export function freshId(taken: Set<string>): string {
  for (;;) {
    const id = randomBytes(4).toString("hex");
    if (!taken.has(id)) return id;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}
