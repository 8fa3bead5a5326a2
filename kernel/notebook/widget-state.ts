/**
 * The widget state a run leaves, gathered from IOPub as nbclient does: `comm_open` on
 * `jupyter.widget` gives a model's full state, `update` messages change it, `comm_close` removes
 * it. The result is what JupyterLab saves in a notebook's metadata
 * (`metadata.widgets["application/vnd.jupyter.widget-state+json"]`) and what an HTML page embeds
 * so the widgets show their last values without a kernel.
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

export class WidgetStateRecorder {
  private readonly models = new Map<string, Model>();

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
