/**
 * Jupyter notebooks (nbformat 4) as plain data: the shapes of cells and outputs, and the small
 * accessors everything else uses. Reading, writing and executing live next door (`read.ts`,
 * `write.ts`, `runner.ts`).
 *
 * Text fields may be stored as one string or as a list of lines (`["a\n", "b"]`); in memory they
 * are handled as given and read through {@link joinText}.
 *
 * @example
 * const nb = readNotebook("lenet.ipynb");
 * nb.cells.filter(isCodeCell).map((c) => joinText(c.source));
 */

/** A string, or the same string split into lines as Jupyter writes it. */
export type MultilineString = string | string[];

/** MIME type → data; text types hold strings, `application/*json` types any JSON. */
export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

interface CellBase {
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
}

export interface CodeCell extends CellBase {
  cell_type: "code";
  execution_count: number | null;
  outputs: Output[];
}

export interface MarkdownCell extends CellBase {
  cell_type: "markdown";
  attachments?: Record<string, MimeBundle>;
}

export interface RawCell extends CellBase {
  cell_type: "raw";
  attachments?: Record<string, MimeBundle>;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata {
  name: string;
  display_name: string;
  language?: string;
  [key: string]: unknown;
}

export interface NotebookMetadata {
  kernelspec?: KernelSpecMetadata;
  language_info?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

/** The tag that lets a cell fail without stopping the run (nbclient and nbconvert honour it too). */
export const RAISES_EXCEPTION_TAG = "raises-exception";

export function joinText(text: MultilineString | undefined): string {
  if (text === undefined) return "";
  return Array.isArray(text) ? text.join("") : text;
}

export function isCodeCell(cell: Cell): cell is CodeCell {
  return cell.cell_type === "code";
}

/** The cell's tags (`metadata.tags`), ignoring anything that is not a list of strings. */
export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** True for `application/json` and `application/<something>+json`, whose data nbformat keeps as JSON. */
export function isJsonMime(mime: string): boolean {
  return /^application\/(.*\+)?json$/.test(mime);
}

