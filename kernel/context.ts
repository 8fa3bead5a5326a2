/**
 * Which request a piece of output belongs to.
 *
 * Each request the main thread handles (a cell, a comm message) runs inside its own
 * `RequestContext`, held by an `AsyncLocalStorage`. Node carries that store into every timer,
 * promise continuation and callback the request starts, so a `console.log` from a
 * `setTimeout` fired after the cell finished still goes to that cell (its parent_header).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Header, JSONObject } from "./messages.js";

let nextSeq = 1;

export class RequestContext {
  /** Positive and unique: the interrupt machinery names cells by it. */
  readonly seq = nextSeq++;
  /** Characters of stream output kept so far, and dropped beyond the cap. */
  outputChars = 0;
  droppedChars = 0;
  truncationNoted = false;
  /** execute_reply payloads (pager pages) gathered while the cell runs. */
  readonly payloads: JSONObject[] = [];
  /** Set once the reply has been sent; output may still arrive from the request's timers. */
  finished = false;

  constructor(
    readonly parent: Header,
    readonly identities: Uint8Array[],
    readonly options: { allowStdin: boolean; silent: boolean; executionCount: number },
  ) {}

  get silent(): boolean {
    return this.options.silent;
  }
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

let latest: RequestContext | undefined;

/** The request whose code is running now, or undefined outside any request. */
export function currentContext(): RequestContext | undefined {
  return requestContext.getStore();
}

/** The current request or, for output with no owner (module-level code, stray callbacks), the latest one. */
export function outputContext(): RequestContext | undefined {
  return requestContext.getStore() ?? latest;
}

export function runInContext<T>(context: RequestContext, fn: () => T): T {
  latest = context;
  return requestContext.run(context, fn);
}
