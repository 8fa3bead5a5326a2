/**
 * Compile errors of a cell, as the user reads them: the cell's own line and column, the line
 * itself with a caret under the span, TypeScript's message and code.
 *
 *     Cell In[4], line 2, col 7: error TS2322: Type 'string' is not assignable to type 'number'.
 *           1 let n: number = 0
 *     ----> 2 const m: number = "a"
 *                   ^
 *     TSError: 1 type error; the cell did not run.
 *
 * The ename is `SyntaxError` when the cell does not parse and `TSError` (ts-node's name, and what
 * a search for the message finds) when it parses but does not type-check; both mean nothing ran.
 */
import type * as TS from "typescript";
import { GREEN, RED, RESET, errorLine, gutterWidth, sourceContext } from "./ansi.js";
import { lineStarts, offsetToLineCol, splitLines, utf16ToCodePoint } from "./positions.js";
import type { FormattedError } from "./traceback.js";
import type { TypeScript } from "./typescript.js";

/** A diagnostic reduced to what the report needs, with positions inside the cell. */
export interface CellDiagnostic {
  code: number;
  message: string;
  /** UTF-16 offsets in the cell, or undefined for a diagnostic without a position. */
  start: number | undefined;
  length: number;
  category: "error" | "warning";
}

/** At most this many diagnostics are shown in full; the rest are counted. */
const MAX_SHOWN = 10;

export function toCellDiagnostics(
  ts: TypeScript,
  diagnostics: readonly TS.Diagnostic[],
  cellLength: number,
  renameFiles: (text: string) => string,
): CellDiagnostic[] {
  return diagnostics
    .filter((d) => d.category === ts.DiagnosticCategory.Error || d.category === ts.DiagnosticCategory.Warning)
    .map((d) => {
      // Positions past the cell's end belong to the synthetic imports appended to it: report them at its end.
      const start = d.start === undefined ? undefined : Math.min(d.start, cellLength);
      const length = d.start === undefined || d.start >= cellLength ? 0 : Math.min(d.length ?? 0, cellLength - d.start);
      return {
        code: d.code,
        message: renameFiles(ts.flattenDiagnosticMessageText(d.messageText, "\n", 0)),
        start,
        length,
        category: d.category === ts.DiagnosticCategory.Error ? ("error" as const) : ("warning" as const),
      };
    });
}

/** `Cell In[4], line 2, col 7: error TS2322: message` (no colours), or without the position. */
export function diagnosticHeadline(d: CellDiagnostic, source: string, executionCount: number | undefined): string {
  const where = cellLabel(executionCount) + position(d, source);
  return `${where}: ${d.category} TS${d.code}: ${d.message}`;
}

function cellLabel(executionCount: number | undefined): string {
  return `Cell In[${executionCount ?? " "}]`;
}

function position(d: CellDiagnostic, source: string): string {
  if (d.start === undefined) return "";
  const { line, col } = offsetToLineCol(source, d.start);
  return `, line ${line}, col ${col}`;
}

export function formatCompileError(
  diagnostics: readonly CellDiagnostic[],
  source: string,
  executionCount: number | undefined,
  syntactic: boolean,
  consequence = "the cell did not run",
): FormattedError {
  const ename = syntactic ? "SyntaxError" : "TSError";
  const errors = diagnostics.filter((d) => d.category === "error");
  const shown = errors.slice(0, MAX_SHOWN);
  const lines = splitLines(source);
  const starts = lineStarts(source);
  const chunks = shown.map((d) => diagnosticChunk(d, source, lines, starts, executionCount));
  if (errors.length > shown.length) chunks.push(`... and ${errors.length - shown.length} more`);
  const kind = syntactic ? "syntax error" : "type error";
  const count = `${errors.length} ${kind}${errors.length === 1 ? "" : "s"}`;
  const first = errors[0];
  const evalue = first
    ? diagnosticHeadline(first, source, executionCount) + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : "")
    : count;
  return { ename, evalue, traceback: [...chunks, errorLine(ename, `${count}; ${consequence}.`)] };
}

function diagnosticChunk(
  d: CellDiagnostic,
  source: string,
  lines: string[],
  starts: number[],
  executionCount: number | undefined,
): string {
  const message = d.message.split("\n");
  const head =
    `${GREEN}${cellLabel(executionCount)}${position(d, source)}${RESET}: ${RED}${d.category} TS${d.code}${RESET}: ${message[0]}` +
    message
      .slice(1)
      .map((m) => `\n  ${m}`)
      .join("");
  if (d.start === undefined) return head + "\n";
  const { line, col } = offsetToLineCol(source, d.start, starts);
  const lineText = lines[line - 1] ?? "";
  const lineStart = starts[line - 1] ?? 0;
  // The caret spans the diagnostic on its first line, in code points.
  const spanEnd = Math.min(d.start + Math.max(d.length, 1), lineStart + lineText.length);
  const width = Math.max(1, utf16ToCodePoint(source.slice(d.start, spanEnd), spanEnd - d.start));
  const caret = " ".repeat(gutterWidth(line) + col - 1) + RED + "^".repeat(width) + RESET;
  return [head, ...sourceContext(lines, line), caret].join("\n") + "\n";
}
