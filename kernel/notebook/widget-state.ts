/**
 * The widget state a run leaves, gathered from IOPub as nbclient does: `comm_open` on
 * `jupyter.widget` gives a model's full state, `update` messages change it, `comm_close` removes
 * it. The result is what JupyterLab saves in a notebook's metadata
 * (`metadata.widgets["application/vnd.jupyter.widget-state+json"]`) and what an HTML page embeds
 * so the widgets show their last values without a kernel.
 *
 * Like nbclient, it also stands in for the frontend's Output widgets: while an Output model's
 * `msg_id` names a request, that request's streams, displays, errors and clears go into the
 * model's `outputs` (`capture()` says so, and the runner leaves them out of the cell).
 *
 * @example
 * const widgets = new WidgetStateRecorder();
 * for (const m of iopubMessages) widgets.record(m);
 * if (!widgets.empty) notebook.metadata.widgets = widgets.metadata();
 */
import type { Message } from "../messages.js";
import { isObject } from "../messages.js";

export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

export interface SavedModel {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: Record<string, unknown>;
  buffers?: { encoding: "base64"; path: (string | number)[]; data: string }[];
}

export interface SavedWidgetState {
  version_major: 2;
  version_minor: 0;
  state: Record<string, SavedModel>;
}

interface Model {
  state: Record<string, unknown>;
  /** Binary values by their path inside `state`, base64. */
  buffers: Map<string, { path: (string | number)[]; data: string }>;
}

type NbOutput = Record<string, unknown>;

export class WidgetStateRecorder {
  private readonly models = new Map<string, Model>();
  /** Output models waiting to be cleared by their next output (`clear_output` with wait). */
  private readonly clearPending = new Set<Model>();

  get empty(): boolean {
    return this.models.size === 0;
  }

  record(message: Message): void {
    const type = message.header.msg_type;
    const content = message.content;
    const id = typeof content.comm_id === "string" ? content.comm_id : undefined;
    if (!id) return;
    if (type === "comm_open") {
      if (content.target_name !== "jupyter.widget" || !isObject(content.data) || !isObject(content.data.state)) return;
      const model: Model = { state: {}, buffers: new Map() };
      this.models.set(id, model);
      this.apply(model, content.data.state, content.data.buffer_paths, message.buffers);
    } else if (type === "comm_msg") {
      const model = this.models.get(id);
      const data = content.data;
      if (!model || !isObject(data) || (data.method !== "update" && data.method !== "echo_update") || !isObject(data.state)) return;
      this.apply(model, data.state, data.buffer_paths, message.buffers);
    } else if (type === "comm_close") {
      this.models.delete(id);
    }
  }

  /**
   * An output of a request some Output widget is capturing goes into that widget's outputs (the
   * most recently opened one, when several name the same request); true when it did.
   */
  capture(message: Message): boolean {
    const type = message.header.msg_type;
    if (!["stream", "display_data", "execute_result", "error", "clear_output"].includes(type)) return false;
    const parent = String(message.parent_header.msg_id ?? "");
    if (parent === "") return false;
    const model = [...this.models.values()].reverse().find((m) => m.state._model_name === "OutputModel" && m.state.msg_id === parent);
    if (!model) return false;
    const content = message.content;
    if (type === "clear_output") {
      if (content.wait === true) this.clearPending.add(model);
      else model.state.outputs = [];
      return true;
    }
    let outputs = Array.isArray(model.state.outputs) ? (model.state.outputs as NbOutput[]) : [];
    if (this.clearPending.delete(model)) outputs = [];
    const last = outputs[outputs.length - 1];
    if (type === "stream" && last?.output_type === "stream" && last.name === content.name) {
      outputs = [...outputs.slice(0, -1), { ...last, text: String(last.text) + String(content.text ?? "") }];
    } else if (type === "stream") {
      outputs = [...outputs, { output_type: "stream", name: content.name, text: String(content.text ?? "") }];
    } else if (type === "error") {
      outputs = [...outputs, { output_type: "error", ename: content.ename, evalue: content.evalue, traceback: content.traceback }];
    } else {
      outputs = [...outputs, { output_type: "display_data", data: content.data, metadata: content.metadata ?? {} }];
    }
    model.state.outputs = outputs;
    return true;
  }

  private apply(model: Model, state: Record<string, unknown>, paths: unknown, buffers: Uint8Array[]): void {
    for (const [key, value] of Object.entries(state)) {
      model.state[key] = value;
      for (const k of [...model.buffers.keys()]) if (JSON.parse(k)[0] === key) model.buffers.delete(k);
    }
    if (!Array.isArray(paths)) return;
    paths.forEach((path, i) => {
      if (!Array.isArray(path) || buffers[i] === undefined) return;
      model.buffers.set(JSON.stringify(path), { path, data: Buffer.from(buffers[i]!).toString("base64") });
    });
  }

  /** The state document, models in the order they were opened. */
  state(): SavedWidgetState {
    const state: Record<string, SavedModel> = {};
    for (const [id, model] of this.models) {
      state[id] = {
        model_name: String(model.state._model_name),
        model_module: String(model.state._model_module),
        model_module_version: String(model.state._model_module_version),
        state: model.state,
        ...(model.buffers.size ? { buffers: [...model.buffers.values()].map((b) => ({ encoding: "base64" as const, ...b })) } : {}),
      };
    }
    return { version_major: 2, version_minor: 0, state };
  }

  /** The notebook metadata entry, as JupyterLab writes it. */
  metadata(): Record<string, unknown> {
    return { [WIDGET_STATE_MIME]: this.state() };
  }
}
