/**
 * Widgets drawn from their saved state as static HTML, for `tsorch run --html`: the page shows
 * each control with its last value and needs no script and no network (nbconvert's page loads a
 * widget manager from a CDN to do this; without the network its widgets are blank).
 *
 * Each ipywidgets 8 view has a plain-HTML likeness: sliders as disabled range inputs with their
 * readout, Dropdown as a select, ToggleButtons and Button as buttons, Checkbox, Text and Textarea
 * as read-only inputs, Label and HTML as text, Image from its base64 buffer, Progress as a bar in
 * its bar_style colour, Play as its buttons, HBox/VBox as flex boxes, Tab as its titles with the
 * selected child, Accordion as `<details>` (the selected one open), Output as its captured
 * outputs. Layout keys become inline CSS and `_dom_classes` classes, so a widget styled by its
 * own HTML (the shape explorer) reads as it does in JupyterLab. A model the state does not hold,
 * or a view without a likeness, gives undefined and the output falls back to its other forms.
 *
 * @example
 * const saved = notebook.metadata.widgets?.["application/vnd.jupyter.widget-state+json"];
 * widgetHtml(modelId, saved, (output) => renderOutput(output));   // "<div class=\"w-hbox\">…"
 */
import { escapeHtml } from "../../src/render/html.js";
import type { Output } from "./nbformat.js";
import type { SavedModel, SavedWidgetState } from "./widget-state.js";

const REF = "IPY_MODEL_";

/** The page styles for the widgets' likenesses (theme colours from the page's own variables). */
export const WIDGET_CSS = `
.w { box-sizing: border-box; font-size: 13px; }
.w-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; min-height: 28px; }
.w-desc { flex: none; width: var(--w-desc, 80px); max-width: 12em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: right; padding-right: 4px; }
.w-desc:empty { display: none; }
.w-indent { flex: none; width: var(--w-desc, 80px); }
.w-hbox { display: flex; flex-direction: row; flex-wrap: wrap; gap: 4px; align-items: flex-start; }
.w-vbox { display: flex; flex-direction: column; gap: 2px; }
.w-slider input[type=range] { width: 12em; accent-color: #1e88e5; }
.w-readout { font-variant-numeric: tabular-nums; min-width: 3em; }
.w-range { position: relative; display: inline-block; width: 12em; height: 4px; border-radius: 2px; background: rgba(128,128,128,0.35); }
.w-range > span { position: absolute; top: 0; bottom: 0; background: #1e88e5; border-radius: 2px; }
.w-bar { display: inline-block; width: 12em; height: 1.1em; border-radius: 2px; overflow: hidden; background: rgba(128,128,128,0.25); }
.w-bar > span { display: block; height: 100%; background: #1e88e5; }
.w button, .w select, .w input, .w textarea { font: inherit; color: inherit; }
.w button { padding: 2px 12px; border: 1px solid rgba(128,128,128,0.45); border-radius: 2px; background: rgba(128,128,128,0.12); min-height: 26px; }
.w button.w-on { background: rgba(30,136,229,0.25); border-color: #1e88e5; }
.w-tabbar { display: flex; gap: 2px; border-bottom: 1px solid rgba(128,128,128,0.45); }
.w-tabbar span { padding: 3px 12px; border: 1px solid transparent; border-bottom: none; opacity: 0.7; }
.w-tabbar span.w-on { border-color: rgba(128,128,128,0.45); border-top: 2px solid #1e88e5; opacity: 1; }
.w-tabpanel { padding: 6px 4px; }
.w details { border: 1px solid rgba(128,128,128,0.45); margin-bottom: -1px; }
.w summary { padding: 4px 8px; cursor: pointer; background: rgba(128,128,128,0.08); }
.w details > div { padding: 6px 8px; }
.w-output > .row { margin: 0; }
`.trim();

const STYLE_COLOURS: Record<string, string> = { primary: "#1e88e5", success: "#43a047", info: "#00acc1", warning: "#fb8c00", danger: "#e53935" };

/** Layout keys that are CSS properties as they are named (underscores as dashes). */
const LAYOUT_CSS = [
  "align_content", "align_items", "align_self", "bottom", "display", "flex", "flex_flow", "grid_area", "grid_auto_columns", "grid_auto_flow",
  "grid_auto_rows", "grid_column", "grid_gap", "grid_row", "grid_template_areas", "grid_template_columns", "grid_template_rows", "height",
  "justify_content", "justify_items", "left", "margin", "max_height", "max_width", "min_height", "min_width", "object_fit", "object_position",
  "order", "overflow", "padding", "right", "top", "visibility", "width", "border_bottom", "border_left", "border_right", "border_top",
];

type RenderOutput = (output: Output) => string;

class Drawer {
  /** Models being drawn, so a box that contains itself ends. */
  private readonly open = new Set<string>();

  constructor(
    private readonly saved: SavedWidgetState,
    private readonly renderOutput: RenderOutput,
  ) {}

  model(ref: unknown): SavedModel | undefined {
    const id = typeof ref === "string" ? (ref.startsWith(REF) ? ref.slice(REF.length) : ref) : undefined;
    return id === undefined ? undefined : this.saved.state[id];
  }

  draw(id: string): string | undefined {
    const model = this.saved.state[id];
    if (!model || this.open.has(id)) return undefined;
    this.open.add(id);
    try {
      const inner = this.view(model);
      if (inner === undefined) return undefined;
      const classes = ["w", `w-${model.model_name.replace(/Model$/, "").toLowerCase()}`, ...strings(model.state._dom_classes)];
      const style = this.css(model);
      return `<div class="${escapeHtml(classes.join(" "))}"${style ? ` style="${escapeHtml(style)}"` : ""}>${inner}</div>`;
    } finally {
      this.open.delete(id);
    }
  }

  private css(model: SavedModel): string {
    const layout = this.model(model.state.layout)?.state ?? {};
    const style = this.model(model.state.style)?.state ?? {};
    const parts: string[] = [];
    for (const key of LAYOUT_CSS) {
      const v = layout[key];
      if (typeof v === "string" && v !== "" && !/[;{}<>]/.test(v)) parts.push(`${key.replace(/_/g, "-")}: ${v}`);
    }
    if (typeof style.description_width === "string" && style.description_width !== "" && !/[;{}<>]/.test(style.description_width)) {
      parts.push(`--w-desc: ${style.description_width === "initial" ? "auto" : style.description_width}`);
    }
    for (const [key, css] of [["text_color", "color"], ["background", "background"], ["font_weight", "font-weight"], ["font_size", "font-size"]] as const) {
      const v = style[key];
      if (typeof v === "string" && v !== "" && !/[;{}<>]/.test(v)) parts.push(`${css}: ${v}`);
    }
    return parts.join("; ");
  }

  private description(s: Record<string, unknown>): string {
    const text = typeof s.description === "string" ? s.description : "";
    return `<span class="w-desc">${s.description_allow_html === true ? text : escapeHtml(text)}</span>`;
  }

  private children(s: Record<string, unknown>): string[] {
    return (Array.isArray(s.children) ? s.children : []).map((ref) => {
      const id = typeof ref === "string" && ref.startsWith(REF) ? ref.slice(REF.length) : "";
      return this.draw(id) ?? "";
    });
  }

  private view(model: SavedModel): string | undefined {
    const s = model.state;
    const desc = () => this.description(s);
    const str = (v: unknown) => escapeHtml(typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
    switch (model.model_name) {
      case "HBoxModel":
      case "VBoxModel":
      case "GridBoxModel":
      case "BoxModel":
        return this.children(s).join("");
      case "TabModel": {
        const titles = strings(s.titles);
        const selected = typeof s.selected_index === "number" ? s.selected_index : -1;
        const children = this.children(s);
        const bar = children.map((_, i) => `<span${i === selected ? ' class="w-on"' : ""}>${escapeHtml(titles[i] ?? "")}</span>`).join("");
        return `<div class="w-tabbar">${bar}</div><div class="w-tabpanel">${children[selected] ?? ""}</div>`;
      }
      case "AccordionModel": {
        const titles = strings(s.titles);
        const selected = typeof s.selected_index === "number" ? s.selected_index : -1;
        return this.children(s).map((child, i) => `<details${i === selected ? " open" : ""}><summary>${escapeHtml(titles[i] ?? "")}</summary><div>${child}</div></details>`).join("");
      }
      case "IntSliderModel":
      case "FloatSliderModel": {
        const [min, max, step, value] = [num(s.min), num(s.max), num(s.step), num(s.value)];
        const readout = s.readout === false ? "" : `<span class="w-readout">${escapeHtml(formatNumber(value, str(s.readout_format)))}</span>`;
        return `<div class="w-row">${desc()}<input type="range" disabled min="${min}" max="${max}" step="${step}" value="${value}" aria-label="${str(s.description)}">${readout}</div>`;
      }
      case "IntRangeSliderModel":
      case "FloatRangeSliderModel": {
        const [min, max] = [num(s.min), num(s.max)];
        const [lo, hi] = Array.isArray(s.value) ? s.value.map(num) : [min, max];
        const at = (v: number) => (max > min ? ((v - min) / (max - min)) * 100 : 0).toFixed(1);
        const format = str(s.readout_format);
        const readout = s.readout === false ? "" : `<span class="w-readout">${escapeHtml(`${formatNumber(lo!, format)} – ${formatNumber(hi!, format)}`)}</span>`;
        return `<div class="w-row">${desc()}<span class="w-range"><span style="left: ${at(lo!)}%; right: ${(100 - Number(at(hi!))).toFixed(1)}%"></span></span>${readout}</div>`;
      }
      case "IntProgressModel":
      case "FloatProgressModel": {
        const [min, max, value] = [num(s.min), num(s.max), num(s.value)];
        const pct = max > min ? Math.min(100, Math.max(0, ((value - min) / (max - min)) * 100)) : 0;
        const colour = str(this.model(s.style)?.state.bar_color) || STYLE_COLOURS[str(s.bar_style)] || "";
        return `<div class="w-row">${desc()}<span class="w-bar" role="progressbar" aria-valuemin="${min}" aria-valuemax="${max}" aria-valuenow="${value}"><span style="width: ${pct.toFixed(1)}%${colour && !/[;{}<>]/.test(colour) ? `; background: ${colour}` : ""}"></span></span></div>`;
      }
      case "DropdownModel": {
        const labels = strings(s._options_labels);
        const options = labels.map((label, i) => `<option${i === s.index ? " selected" : ""}>${escapeHtml(label)}</option>`).join("");
        return `<div class="w-row">${desc()}<select disabled>${options}</select></div>`;
      }
      case "ToggleButtonsModel": {
        const labels = strings(s._options_labels);
        const buttons = labels.map((label, i) => `<button disabled${i === s.index ? ' class="w-on"' : ""}>${escapeHtml(label)}</button>`).join("");
        return `<div class="w-row">${desc()}${buttons}</div>`;
      }
      case "ButtonModel": {
        const colour = str(this.model(s.style)?.state.button_color) || STYLE_COLOURS[str(s.button_style)] || "";
        const style = colour && !/[;{}<>]/.test(colour) ? ` style="background: ${colour}; color: #fff; border-color: ${colour}"` : "";
        return `<button disabled${style}>${str(s.description)}</button>`;
      }
      case "CheckboxModel":
        return `<div class="w-row">${s.indent === false ? "" : '<span class="w-indent"></span>'}<label><input type="checkbox" disabled${s.value === true ? " checked" : ""}> ${str(s.description)}</label></div>`;
      case "TextModel":
        return `<div class="w-row">${desc()}<input type="text" readonly value="${str(s.value)}" placeholder="${str(s.placeholder).replace("\u200b", "")}"></div>`;
      case "TextareaModel":
        return `<div class="w-row">${desc()}<textarea readonly${typeof s.rows === "number" ? ` rows="${s.rows}"` : ""}>${str(s.value)}</textarea></div>`;
      case "LabelModel":
        return `<div class="w-row">${desc()}<span>${str(s.value)}</span></div>`;
      case "HTMLModel":
      case "HTMLMathModel":
        return `${s.description ? `<div class="w-row">${desc()}` : ""}<div class="w-html">${typeof s.value === "string" ? s.value : ""}</div>${s.description ? "</div>" : ""}`;
      case "ImageModel": {
        const data = model.buffers?.find((b) => b.path.length === 1 && b.path[0] === "value")?.data;
        if (!data) return "";
        const format = str(s.format) || "png";
        const mime = format === "svg" ? "image/svg+xml" : `image/${format}`;
        const size = (["width", "height"] as const).filter((k) => typeof s[k] === "string" && /^\d+(\.\d+)?(px|%)?$/.test(s[k] as string)).map((k) => `${k}="${escapeHtml((s[k] as string).replace(/px$/, ""))}"`);
        return `<img src="data:${escapeHtml(mime)};base64,${data}" alt=""${size.length ? " " + size.join(" ") : ""}>`;
      }
      case "PlayModel":
        return `<div class="w-row">${desc()}<button disabled title="play">▶</button><button disabled title="stop">■</button>${s.show_repeat === false ? "" : `<button disabled title="repeat"${s.repeat === true ? ' class="w-on"' : ""}>↻</button>`}</div>`;
      case "OutputModel":
        return (Array.isArray(s.outputs) ? s.outputs : []).map((o) => this.renderOutput(o as Output)).join("\n");
      default:
        return undefined;
    }
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** A number in a Python/d3 format as sliders use them: "d", ".2f", ".3e", ".1%"; others as is. */
export function formatNumber(value: number, format: string): string {
  const m = /^\.?(\d+)?([defg%])$/.exec(format);
  if (!m) return String(value);
  const digits = m[1] === undefined ? undefined : Number(m[1]);
  switch (m[2]) {
    case "d":
      return String(Math.round(value));
    case "f":
      return value.toFixed(digits ?? 6);
    case "e":
      return value.toExponential(digits ?? 6);
    case "%":
      return `${(value * 100).toFixed(digits ?? 0)}%`;
    default:
      return digits === undefined ? String(value) : String(Number(value.toPrecision(Math.max(1, digits))));
  }
}

/** A widget view as static HTML from the saved state, or undefined when it cannot be drawn. */
export function widgetHtml(modelId: string, saved: SavedWidgetState, renderOutput: RenderOutput): string | undefined {
  return new Drawer(saved, renderOutput).draw(modelId);
}
