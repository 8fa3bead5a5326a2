/**
 * Turns a cell's IOPub messages into the outputs a notebook stores, the way JupyterLab and
 * nbclient do:
 *
 * - consecutive `stream` messages of the same name become one output;
 * - `display_data` with a `transient.display_id` can later be replaced by `update_display_data`
 *   with that id, in whichever cell it was shown (the update itself adds no output);
 * - `clear_output` empties the cell's outputs, at once or, with `wait`, just before the next
 *   output arrives (so a redrawn progress display does not flicker);
 * - bundles are made valid nbformat: text types as strings, `application/*json` types as JSON,
 *   metadata an object; `transient` is never stored.
 *
 * Each call returns what changed, in order, so a terminal can show the same thing.
 *
 * @example
 * const recorder = new OutputRecorder();
 * recorder.record(cell, "stream", { name: "stdout", text: "hi\n" }); // [{ type: "stream", ... }]
 * cell.outputs; // [{ output_type: "stream", name: "stdout", text: "hi\n" }]
 */
import type { CodeCell, DisplayDataOutput, ErrorOutput, ExecuteResultOutput, MimeBundle, Output } from "./nbformat.js";
import { isJsonMime, joinText } from "./nbformat.js";

export type RichOutput = DisplayDataOutput | ExecuteResultOutput;

export type OutputEvent =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | { type: "output"; output: RichOutput | ErrorOutput; displayId?: string }
  /** `update_display_data`: `updated` outputs (in any cell) now show `data`. */
  | { type: "update"; displayId: string; data: MimeBundle; metadata: Record<string, unknown>; updated: number }
  /** The cell's outputs were emptied. */
  | { type: "clear" };

interface Shown {
  cell: CodeCell;
  output: RichOutput;
}

export class OutputRecorder {
  /** Outputs shown under each display id, in every cell so far. */
  private readonly displays = new Map<string, Shown[]>();
  /** Cells whose outputs are to be cleared before their next output (`clear_output(wait=True)`). */
  private readonly clearPending = new Set<CodeCell>();

  /** Empties a cell before it runs, forgetting the displays it showed last time. */
  reset(cell: CodeCell): void {
    this.clear(cell);
    this.clearPending.delete(cell);
  }

  /** Applies one IOPub message of `cell`; returns what changed (nothing for status, comms and the like). */
  record(cell: CodeCell, msgType: string, content: Record<string, unknown>): OutputEvent[] {
    switch (msgType) {
      case "stream": {
        const name = content.name === "stderr" ? "stderr" : "stdout";
        const text = typeof content.text === "string" ? content.text : String(content.text ?? "");
        return [...this.flushClear(cell), this.appendStream(cell, name, text)];
      }
      case "display_data":
      case "execute_result": {
        const output: RichOutput =
          msgType === "execute_result"
            ? { output_type: "execute_result", execution_count: countOf(content.execution_count), data: normalizeBundle(content.data), metadata: objectOf(content.metadata) }
            : { output_type: "display_data", data: normalizeBundle(content.data), metadata: objectOf(content.metadata) };
        const events = this.flushClear(cell);
        cell.outputs.push(output);
        const displayId = displayIdOf(content);
        if (displayId !== undefined) {
          const shown = this.displays.get(displayId) ?? [];
          shown.push({ cell, output });
          this.displays.set(displayId, shown);
        }
        events.push({ type: "output", output, ...(displayId !== undefined ? { displayId } : {}) });
        return events;
      }
      case "error": {
        const output: ErrorOutput = {
          output_type: "error",
          ename: String(content.ename ?? "Error"),
          evalue: String(content.evalue ?? ""),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        };
        const events = this.flushClear(cell);
        cell.outputs.push(output);
        events.push({ type: "output", output });
        return events;
      }
      case "update_display_data": {
        const displayId = displayIdOf(content);
        if (displayId === undefined) return [];
        const data = normalizeBundle(content.data);
        const metadata = objectOf(content.metadata);
        const shown = this.displays.get(displayId) ?? [];
        for (const { output } of shown) {
          output.data = data;
          output.metadata = metadata;
        }
        return [{ type: "update", displayId, data, metadata, updated: shown.length }];
      }
      case "clear_output":
        if (content.wait === true) {
          this.clearPending.add(cell);
          return [];
        }
        this.clearPending.delete(cell);
        this.clear(cell);
        return [{ type: "clear" }];
      default:
        return [];
    }
  }

  private flushClear(cell: CodeCell): OutputEvent[] {
    if (!this.clearPending.delete(cell)) return [];
    this.clear(cell);
    return [{ type: "clear" }];
  }

  private clear(cell: CodeCell): void {
    cell.outputs.length = 0;
    for (const [id, shown] of this.displays) {
      const kept = shown.filter((s) => s.cell !== cell);
      if (kept.length === 0) this.displays.delete(id);
      else this.displays.set(id, kept);
    }
  }

  private appendStream(cell: CodeCell, name: "stdout" | "stderr", text: string): OutputEvent {
    const last: Output | undefined = cell.outputs[cell.outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name) last.text = joinText(last.text) + text;
    else cell.outputs.push({ output_type: "stream", name, text });
    return { type: "stream", name, text };
  }
}

function countOf(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const id = objectOf(content.transient).display_id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** nbformat keeps JSON types as JSON and every other type as text; anything else is made text. */
export function normalizeBundle(value: unknown): MimeBundle {
  const bundle: MimeBundle = {};
  for (const [mime, data] of Object.entries(objectOf(value))) {
    if (data === undefined || data === null) continue;
    if (isJsonMime(mime)) bundle[mime] = data;
    else if (typeof data === "string") bundle[mime] = data;
    else if (Array.isArray(data) && data.every((line) => typeof line === "string")) bundle[mime] = data.join("");
    else bundle[mime] = JSON.stringify(data);
  }
  return bundle;
}
