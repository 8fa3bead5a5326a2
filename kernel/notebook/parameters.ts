/**
 * Notebook parameters, as papermill has them: the code cell tagged `parameters` holds the
 * defaults; a run given values (`-p name value`, `--parameters-file params.json`) gets a new
 * cell right after it, tagged `injected-parameters`, that declares them again with the values
 * given, as TypeScript literals. A cell injected by an earlier run is replaced, and the values
 * are recorded in the notebook's metadata (`metadata.tsorch.parameters`).
 *
 * A declaration in the parameters cell lends its keyword and type to the injected one, so
 * `let epochs: number = 3` with `-p epochs 5` injects `let epochs: number = 5;` and the kernel
 * type-checks the value given against the type the author wrote.
 *
 * @example
 * parseParameterValue("0.01");   // 0.01
 * parseParameterValue("true");   // true
 * parseParameterValue("[1, 2]"); // [1, 2]
 * parseParameterValue("relu");   // "relu"
 * injectParameters(nb, { lr: 0.01 }).cellIndex; // index of the injected cell
 */
import { NotebookError } from "./errors.js";
import type { Cell, CodeCell, Notebook } from "./nbformat.js";
import { cellTags, isCodeCell, joinText } from "./nbformat.js";
import { freshId } from "./read.js";

export const PARAMETERS_TAG = "parameters";
export const INJECTED_PARAMETERS_TAG = "injected-parameters";

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };
export type Parameters = Record<string, ParameterValue>;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The value of `-p name value`: a number, `true`/`false`, `null`, a JSON array or object when it
 * reads as one, and otherwise the text itself (`-r name value` keeps text as text).
 */
export function parseParameterValue(text: string): ParameterValue {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed === "null") return null;
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as ParameterValue;
    } catch {
      // Not JSON after all: it is text.
    }
  }
  return text;
}

/** Checks a parameter's name: it becomes a TypeScript variable. */
export function checkParameterName(name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`parameter name ${JSON.stringify(name)} is not a TypeScript identifier`);
}

/** Reads `--parameters-file`: a JSON object of name → value. */
export function parseParametersFile(text: string, path: string): Parameters {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new NotebookError(`${path}: not JSON (${(err as Error).message})`, path);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new NotebookError(`${path}: expected a JSON object of parameter names to values`, path);
  for (const name of Object.keys(value)) checkParameterName(name);
  return value as Parameters;
}

/** `const`/`let`/`var` declarations of the parameters cell: name → keyword and written type. */
function declarations(source: string): Map<string, { keyword: string; type: string | undefined }> {
  const found = new Map<string, { keyword: string; type: string | undefined }>();
  const pattern = /^[ \t]*(?:export\s+)?(const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*(?::\s*([^=;\n]+?))?\s*=/gm;
  for (const m of source.matchAll(pattern)) found.set(m[2]!, { keyword: m[1]!, type: m[3]?.trim() });
  return found;
}

export interface Injection {
  /** Index of the injected cell in `notebook.cells`. */
  cellIndex: number;
  /** Names given that the parameters cell does not declare (injected all the same, as papermill does). */
  unknown: string[];
  /** No cell is tagged `parameters`: the values went in at the top. */
  noParametersCell: boolean;
}

/** Puts the injected-parameters cell in place (replacing an earlier one) and records the values. */
export function injectParameters(notebook: Notebook, parameters: Parameters): Injection {
  const earlier = notebook.cells.findIndex((c) => cellTags(c).includes(INJECTED_PARAMETERS_TAG));
  if (earlier >= 0) notebook.cells.splice(earlier, 1);
  const defaultsAt = notebook.cells.findIndex((c) => isCodeCell(c) && cellTags(c).includes(PARAMETERS_TAG));
  const declared = defaultsAt >= 0 ? declarations(joinText(notebook.cells[defaultsAt]!.source)) : new Map();
  const lines = ["// Parameters injected by tsorch run"];
  for (const [name, value] of Object.entries(parameters)) {
    checkParameterName(name);
    const declaration = declared.get(name);
    const keyword = declaration?.keyword ?? "const";
    const type = declaration?.type ? `: ${declaration.type}` : "";
    lines.push(`${keyword} ${name}${type} = ${JSON.stringify(value)};`);
  }
  const cell: CodeCell = { cell_type: "code", execution_count: null, metadata: { tags: [INJECTED_PARAMETERS_TAG] }, outputs: [], source: lines.join("\n") };
  if (notebook.nbformat_minor >= 5) cell.id = freshId(new Set(notebook.cells.map((c: Cell) => c.id).filter((id): id is string => typeof id === "string")));
  const cellIndex = defaultsAt + 1;
  notebook.cells.splice(cellIndex, 0, cell);
  const previous = typeof notebook.metadata.tsorch === "object" && notebook.metadata.tsorch !== null ? (notebook.metadata.tsorch as Record<string, unknown>) : {};
  notebook.metadata.tsorch = { ...previous, parameters };
  return { cellIndex, unknown: Object.keys(parameters).filter((name) => defaultsAt >= 0 && !declared.has(name)), noParametersCell: defaultsAt < 0 };
}
