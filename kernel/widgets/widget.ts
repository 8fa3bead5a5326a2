/**
 * The kernel side of the Jupyter widgets protocol (version 2, as ipywidgets 8 speaks it).
 *
 * Each widget is a model whose state lives here and in the frontend, kept in step over a comm on
 * the `jupyter.widget` target:
 * - the kernel opens the comm with the full state (`{ state, buffer_paths }`, metadata
 *   `{ version: "2.1.0" }`, binary values as buffers);
 * - a change on either side is sent as `{ method: "update", state, buffer_paths }`; the kernel
 *   answers each frontend update with `echo_update` (so other views of the same model follow)
 *   and does not send the value back unless it had to change it (a slider clamps);
 * - `request_state` gets the full state as an `update`; `custom` messages go to `onMsg`
 *   handlers (a Button's clicks arrive so);
 * - on `jupyter.widget.control` the frontend asks `request_states` and gets every model's state
 *   at once (`update_states`), which is how JupyterLab restores widgets after a page reload and
 *   how `tsorch run` saves them with the notebook.
 *
 * A frontend that opens the control comm (protocol 1.x) has a widget manager that draws these
 * models: ipywidgets 8's managers (JupyterLab 4, Notebook 7) open it as they connect and again
 * after a reconnect; nbclient, `tsorch run`, jupyter console and the REPL never do. A
 * `comm_info_request` for `jupyter.widget` does not count: ipywidgets 7's managers send it, and
 * they cannot draw protocol-2 models, so their users keep the plain displays.
 * `hasWidgetManager()` says so, and training-loop displays (live.ts) use widgets only then.
 *
 * Outside a kernel (the REPL, a script) widgets still hold state and fire observers; they just
 * have no frontend.
 */
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import type { Comm, CommManager, CommMessage } from "../comms.js";
import { isObject, type JSONObject } from "../messages.js";
import { type SavedModel, type SavedWidgetState, WIDGET_VIEW_MIME } from "../notebook/widget-state.js";
import { putBuffers, removeBuffers } from "./buffers.js";

export { WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "../notebook/widget-state.js";

export const PROTOCOL_VERSION = "2.1.0";
export const CONTROL_PROTOCOL_VERSION = "1.0.0";
export const WIDGET_TARGET = "jupyter.widget";
export const CONTROL_TARGET = "jupyter.widget.control";
const REF = "IPY_MODEL_";

/** A change seen by `observe` handlers (ipywidgets' change dict). */
export interface Change<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: Widget;
  type: "change";
}

export type ChangeHandler<T = unknown> = (change: Change<T>) => void;

/** One model in the shape of the `application/vnd.jupyter.widget-state+json` document. */
export type EmbeddedModel = SavedModel;
export type WidgetStateDocument = SavedWidgetState;

/** Where widgets live: their comms and the registry of open models. */
class WidgetManager {
  comms: CommManager | undefined;
  readonly instances = new Map<string, Widget>();
  /** Set once a frontend with a widget manager has opened the control comm. */
  managerSeen = false;
  reportError: (error: unknown, where: string) => void = () => undefined;

  attach(comms: CommManager): void {
    this.comms = comms;
    comms.registerTarget(CONTROL_TARGET, (comm, open) => this.controlOpened(comm, open));
    comms.registerTarget(WIDGET_TARGET, (comm, open) => this.widgetOpened(comm, open));
  }

  private controlOpened(comm: Comm, open: CommMessage): void {
    const version = String(open.metadata.version ?? "");
    if (version.split(".")[0] !== CONTROL_PROTOCOL_VERSION.split(".")[0]) {
      throw new Error(`incompatible widget control protocol version ${JSON.stringify(version)}; this kernel speaks ${CONTROL_PROTOCOL_VERSION}`);
    }
    this.managerSeen = true;
    comm.onMsg((data) => {
      if (data.method !== "request_states") throw new Error(`unknown widget control method ${JSON.stringify(data.method)}`);
      const states: Record<string, unknown> = {};
      for (const [id, widget] of this.instances) states[id] = { model_name: widget.modelName, model_module: widget.modelModule, model_module_version: widget.modelModuleVersion, state: widget.jsonState() };
      const split = removeBuffers(states);
      comm.send({ method: "update_states", states: split.state, buffer_paths: split.buffer_paths }, {}, split.buffers);
    });
  }

  /** A model the frontend created (`new_widget` in JavaScript): kept with the state it sent. */
  private widgetOpened(comm: Comm, open: CommMessage): void {
    const version = String(open.metadata.version ?? "");
    if (version.split(".")[0] !== PROTOCOL_VERSION.split(".")[0]) {
      throw new Error(`incompatible widget protocol version ${JSON.stringify(version)}; this kernel speaks ${PROTOCOL_VERSION}`);
    }
    const data = open.data;
    const state = isObject(data.state) ? { ...data.state } : {};
    putBuffers(state, data.buffer_paths, open.buffers);
    new Widget(state, { comm });
  }

  open(widget: Widget): Comm | undefined {
    if (!this.comms) return undefined;
    const split = removeBuffers(widget.jsonState());
    return this.comms.open(WIDGET_TARGET, { state: split.state, buffer_paths: split.buffer_paths } as JSONObject, { version: PROTOCOL_VERSION }, split.buffers);
  }
}

export const manager = new WidgetManager();

/** Connects widgets to a kernel's comms (the kernel calls this once at start). */
export function attachWidgets(comms: CommManager, reportError?: (error: unknown, where: string) => void): void {
  manager.attach(comms);
  if (reportError) manager.reportError = reportError;
}

/** Whether a frontend with a widget manager (JupyterLab, Notebook 7) is connected to this kernel. */
export function hasWidgetManager(): boolean {
  return manager.managerSeen && manager.comms !== undefined;
}

/** Every open model's state, as JupyterLab saves it in a notebook's metadata and nbconvert embeds it in HTML. */
export function widgetState(options: { dropDefaults?: boolean } = {}): WidgetStateDocument {
  const state: Record<string, EmbeddedModel> = {};
  for (const [id, widget] of manager.instances) state[id] = widget.embedded(options.dropDefaults === true);
  return { version_major: 2, version_minor: 0, state };
}

function toJson(value: unknown): unknown {
  if (value instanceof Widget) return REF + value.model_id;
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}

function fromJson(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(REF)) return manager.instances.get(value.slice(REF.length)) ?? value;
  if (Array.isArray(value)) return value.map(fromJson);
  return value;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((v, i) => v === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isObject(a) && isObject(b) && !(a instanceof Widget) && !(b instanceof Widget)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

export interface WidgetInternals {
  /** The comm to use instead of opening one (a model the frontend created). */
  comm?: Comm;
  /** Turns a value for `name` into what the model keeps (clamps, checks); throws a clear error if it cannot. */
  validate?: (name: string, value: unknown, widget: Widget) => unknown;
}

/**
 * A widget model: state synchronised with the frontend, observers, custom messages.
 * The classes in `controls.ts` give it typed properties (`slider.value`).
 */
export class Widget {
  readonly model_id: string;
  #state: Record<string, unknown>;
  #comm: Comm | undefined;
  #validate: WidgetInternals["validate"];
  #observers: { names: Set<string> | "all"; handler: ChangeHandler }[] = [];
  #msgHandlers: ((content: Record<string, unknown>, buffers: Uint8Array[]) => void)[] = [];
  /** Values the frontend just sent for a key, not to be sent back (ipywidgets' property lock). */
  #lock: Map<string, unknown> | undefined;
  #holding: Set<string> | undefined;
  readonly #defaults: Record<string, unknown>;

  constructor(state: Record<string, unknown>, internals: WidgetInternals = {}) {
    this.#defaults = { ...state };
    this.#state = { ...state };
    this.#validate = internals.validate;
    if (internals.comm) this.#comm = internals.comm;
    else this.#comm = manager.open(this);
    this.model_id = this.#comm?.id ?? randomUUID().replace(/-/g, "");
    manager.instances.set(this.model_id, this);
    this.#comm?.onMsg((data, message) => this.#received(data, message));
    this.#comm?.onClose(() => {
      this.#comm = undefined;
      manager.instances.delete(this.model_id);
    });
  }

  get modelName(): string {
    return String(this.#state._model_name);
  }
  get modelModule(): string {
    return String(this.#state._model_module);
  }
  get modelModuleVersion(): string {
    return String(this.#state._model_module_version);
  }
  /** The names synchronised with the frontend. */
  get keys(): string[] {
    return Object.keys(this.#state);
  }
  /** Whether the model still has its comm (false after close(), or outside a kernel). */
  get connected(): boolean {
    return this.#comm !== undefined && !this.#comm.closed;
  }

  /** A state value as the model keeps it (widgets, bytes). */
  get(name: string): unknown {
    return this.#state[name];
  }

  /** Sets one state value: observers run, and the frontend gets it unless it came from there. */
  set(name: string, value: unknown): void {
    this.setState({ [name]: value });
  }

  /** Sets several values at once: one update message, then the observers. */
  setState(values: Record<string, unknown>, fromFrontend = false): void {
    const changes: Change[] = [];
    for (const [name, raw] of Object.entries(values)) {
      if (!(name in this.#state)) {
        if (fromFrontend) continue;
        throw new TypeError(`${this.constructor.name} has no property ${JSON.stringify(name)}; it has ${this.publicKeys().join(", ")}`);
      }
      const value = this.#validate ? this.#validate(name, raw, this) : raw;
      const old = this.#state[name];
      if (fromFrontend && !sameJson(toJson(value), toJson(raw))) this.#lock?.delete(name); // changed here: the frontend must hear it
      if (sameJson(old, value)) continue;
      this.#state[name] = value;
      changes.push({ name, old, new: value, owner: this, type: "change" });
    }
    const toSend = changes.map((c) => c.name).filter((n) => !(this.#lock?.has(n) && sameJson(toJson(this.#lock.get(n)), toJson(this.#state[n]))));
    if (this.#holding) toSend.forEach((n) => this.#holding!.add(n));
    else this.#sendState(toSend);
    for (const change of changes) this.#notify(change);
  }

  /** Runs `fn`, sending the changes it makes in one update at the end. */
  holdSync<T>(fn: () => T): T {
    if (this.#holding) return fn();
    this.#holding = new Set();
    try {
      return fn();
    } finally {
      const names = [...this.#holding];
      this.#holding = undefined;
      this.#sendState(names);
    }
  }

  /**
   * Calls `handler` on every change of the named properties (all of them if none are named),
   * as ipywidgets' `observe`. Returns a function that stops it.
   * @example slider.observe((c) => console.log(c.old, "→", c.new), "value");
   */
  observe(handler: ChangeHandler, names?: string | string[]): () => void {
    if (typeof handler !== "function") throw new TypeError("observe(handler, names): handler must be a function");
    const entry = { names: names === undefined ? ("all" as const) : new Set(typeof names === "string" ? [names] : names), handler };
    if (entry.names !== "all") for (const n of entry.names) if (!(n in this.#state)) throw new TypeError(`observe: ${this.constructor.name} has no property ${JSON.stringify(n)}`);
    this.#observers.push(entry);
    return () => this.unobserve(handler);
  }

  unobserve(handler: ChangeHandler): void {
    this.#observers = this.#observers.filter((o) => o.handler !== handler);
  }

  /** Sends a custom message to the frontend model (`{ method: "custom", content }`). */
  send(content: Record<string, unknown>, buffers: Uint8Array[] = []): void {
    this.#comm?.send({ method: "custom", content } as JSONObject, {}, buffers);
  }

  /** Calls `handler` for each custom message from the frontend. Returns a function that stops it. */
  onMsg(handler: (content: Record<string, unknown>, buffers: Uint8Array[]) => void): () => void {
    this.#msgHandlers.push(handler);
    return () => void (this.#msgHandlers = this.#msgHandlers.filter((h) => h !== handler));
  }

  /** Handles a custom message as if the frontend had sent it (a Button's `click()` uses this). */
  receiveCustom(content: Record<string, unknown>, buffers: Uint8Array[] = []): void {
    for (const h of [...this.#msgHandlers]) {
      try {
        h(content, buffers);
      } catch (err) {
        manager.reportError(err, `a message handler of ${this.constructor.name}`);
      }
    }
  }

  /** Closes the model: its views disappear from the frontend. */
  close(): void {
    manager.instances.delete(this.model_id);
    const comm = this.#comm;
    this.#comm = undefined;
    comm?.close();
  }

  /** The state as JSON (widgets as "IPY_MODEL_<id>", bytes kept for the buffers). */
  jsonState(keys: string[] = Object.keys(this.#state)): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = toJson(this.#state[k]);
    return out;
  }

  embedded(dropDefaults = false): EmbeddedModel {
    const full = this.jsonState();
    const keep = dropDefaults ? Object.keys(full).filter((k) => k.startsWith("_model") || !sameJson(this.#state[k], this.#defaults[k])) : Object.keys(full);
    const split = removeBuffers(Object.fromEntries(keep.map((k) => [k, full[k]])));
    return {
      model_name: this.modelName,
      model_module: this.modelModule,
      model_module_version: this.modelModuleVersion,
      state: split.state,
      ...(split.buffers.length ? { buffers: split.buffers.map((b, i) => ({ encoding: "base64" as const, path: split.buffer_paths[i]!, data: Buffer.from(b).toString("base64") })) } : {}),
    };
  }

  /** Names a user sets (not the `_model_*` bookkeeping). */
  publicKeys(): string[] {
    return Object.keys(this.#state).filter((k) => !k.startsWith("_"));
  }

  #sendState(names: string[]): void {
    if (names.length === 0 || !this.#comm || this.#comm.closed) return;
    const split = removeBuffers(this.jsonState(names));
    this.#comm.send({ method: "update", state: split.state, buffer_paths: split.buffer_paths } as JSONObject, {}, split.buffers);
  }

  #notify(change: Change): void {
    for (const o of [...this.#observers]) {
      if (o.names !== "all" && !o.names.has(change.name)) continue;
      try {
        o.handler(change);
      } catch (err) {
        manager.reportError(err, `an observer of ${this.constructor.name}.${change.name}`);
      }
    }
  }

  #received(data: Record<string, unknown>, message: CommMessage): void {
    switch (data.method) {
      case "update": {
        if (!isObject(data.state)) return;
        const state: Record<string, unknown> = { ...data.state };
        putBuffers(state, data.buffer_paths, message.buffers);
        const known = Object.keys(state).filter((k) => k in this.#state);
        if (known.length > 0 && this.#comm) {
          const echo = removeBuffers(Object.fromEntries(known.map((k) => [k, state[k]])));
          this.#comm.send({ method: "echo_update", state: echo.state, buffer_paths: echo.buffer_paths } as JSONObject, {}, echo.buffers);
        }
        const values = Object.fromEntries(known.map((k) => [k, fromJson(state[k])]));
        this.#lock = new Map(Object.entries(values));
        try {
          this.setState(values, true);
        } catch (err) {
          // A value the model refuses: the frontend gets the kernel's values back, and the error is reported.
          this.#lock = undefined;
          this.#sendState(known);
          throw err;
        } finally {
          this.#lock = undefined;
        }
        return;
      }
      case "request_state":
        return this.#sendState(Object.keys(this.#state));
      case "custom":
        return this.receiveCustom(isObject(data.content) ? data.content : {}, message.buffers);
      default:
        throw new Error(`unknown widget message method ${JSON.stringify(data.method)}`);
    }
  }

  /** The output entry that shows a view of this model: `{ "application/vnd.jupyter.widget-view+json": ... }`. */
  viewBundle(): Record<string, unknown> {
    return { [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.model_id } };
  }

  /** How notebooks show the widget: a view of this model (and text where there is no widget manager). */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { "text/plain": this.toString(), ...this.viewBundle() };
  }

  toString(): string {
    const parts = this.publicKeys()
      .filter((k) => !["layout", "style", "_dom_classes", "tabbable", "tooltip", "description_allow_html"].includes(k))
      .filter((k) => !sameJson(this.#state[k], this.#defaults[k]) || k === "value")
      .map((k) => `${k}=${describe(this.#state[k])}`);
    return `${this.constructor.name}(${parts.join(", ")})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function describe(value: unknown): string {
  if (value instanceof Widget) return value.constructor.name;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return JSON.stringify(value) ?? String(value);
}
