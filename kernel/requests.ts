/**
 * Replies to the shell requests that only read state: completion, inspection, is_complete and
 * history. Each takes the request's content as received (possibly malformed) and returns the
 * reply's content; a request it cannot make sense of throws a TypeError, which the kernel turns
 * into an error reply.
 */
import type { Evaluator } from "./evaluator.js";
import type { HistoryRow, HistoryStore } from "./history.js";
import type { JSONObject, KernelMessage } from "./messages.js";
import { parseHelpQuery } from "./pager.js";

/** A JSON object as `@jupyterlab/services` types it. */
type ServicesJSONObject = KernelMessage.IInspectReply["metadata"];

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

/** Length in Unicode code points, the unit of the protocol's cursor positions (5.2+). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `code` and `cursor_pos` of a request, the cursor clamped into the code (absent: at its end). */
function codeAndCursor(content: JSONObject): { code: string; cursor: number } {
  const code = str(content.code) ?? "";
  const length = codePointLength(code);
  const pos = int(content.cursor_pos);
  return { code, cursor: pos === undefined ? length : Math.max(0, Math.min(pos, length)) };
}

export async function completeReply(evaluator: Evaluator, content: JSONObject): Promise<KernelMessage.ICompleteReplyMsg["content"]> {
  const { code, cursor } = codeAndCursor(content);
  const result = await evaluator.complete(code, cursor);
  return {
    status: "ok",
    matches: result.matches,
    cursor_start: result.cursor_start,
    cursor_end: result.cursor_end,
    metadata: (result.metadata ?? {}) as ServicesJSONObject,
  };
}

export async function inspectReply(evaluator: Evaluator, content: JSONObject): Promise<KernelMessage.IInspectReplyMsg["content"]> {
  const { code, cursor } = codeAndCursor(content);
  const result = await evaluator.inspect(code, cursor, content.detail_level === 1 ? 1 : 0);
  return { status: "ok", found: result.found, data: result.found ? result.data : {}, metadata: {} };
}

/** `name?` cells are the pager's syntax, complete as they are; the rest is the evaluator's call. */
export async function isCompleteReply(evaluator: Evaluator, content: JSONObject): Promise<KernelMessage.IIsCompleteReplyMsg["content"]> {
  const code = str(content.code) ?? "";
  if (parseHelpQuery(code)) return { status: "complete" };
  const result = await evaluator.isComplete(code);
  return result.status === "incomplete" ? { status: "incomplete", indent: result.indent ?? "" } : { status: result.status };
}

/** history_request with jupyter_client's defaults (tail of 10; range over the current session). */
export function historyReply(history: HistoryStore, content: JSONObject): { status: "ok"; history: HistoryRow[] } {
  const output = content.output === true;
  switch (content.hist_access_type) {
    case "tail":
      return { status: "ok", history: history.tail(int(content.n) ?? 10, { output }) };
    case "range":
      return { status: "ok", history: history.range(int(content.session) ?? 0, int(content.start) ?? 0, int(content.stop) ?? null, { output }) };
    case "search":
      return { status: "ok", history: history.search(str(content.pattern) ?? "*", { n: int(content.n) ?? null, unique: content.unique === true, output }) };
    default:
      throw new TypeError(`hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(content.hist_access_type)}`);
  }
}
