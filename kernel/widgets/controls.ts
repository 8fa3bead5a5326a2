/**
 * The widgets cells use, as ipywidgets 8 defines them: the same model and view names, the same
 * state keys and defaults (checked against ipywidgets itself by `test/widgets-protocol.test.ts`
 * with `test/fixtures/widgets.json`), and the same property names, so what a Python user knows
 * carries over.
 *
 * @example
 * const h = new widgets.IntSlider({ value: 32, min: 16, max: 128, description: "H" });
 * h.observe((change) => console.log(change.old, "→", change.new), "value");
 * h.onChange((value) => console.log("H is", value));
 * display(new widgets.VBox({ children: [h, new widgets.Label({ value: "drag me" })] }));
 */
import { outputContext } from "../context.js";
import { toDisplayData } from "../display.js";
import { type Change, type ChangeHandler, Widget } from "./widget.js";

const CONTROLS = "@jupyter-widgets/controls";
const BASE = "@jupyter-widgets/base";
const OUTPUT = "@jupyter-widgets/output";
const VERSION = "2.0.0";

type State = Record<string, unknown>;

function modelKeys(modelName: string, viewName: string | null, module = CONTROLS, viewModule = module, version = VERSION): State {
  return {
    _model_module: module,
    _model_module_version: version,
    _model_name: modelName,
    _view_count: null,
    _view_module: viewModule,
    _view_module_version: version,
    _view_name: viewName,
  };
}

const LAYOUT_KEYS = [
  "align_content", "align_items", "align_self", "border_bottom", "border_left", "border_right", "border_top", "bottom", "display",
  "flex", "flex_flow", "grid_area", "grid_auto_columns", "grid_auto_flow", "grid_auto_rows", "grid_column", "grid_gap", "grid_row",
  "grid_template_areas", "grid_template_columns", "grid_template_rows", "height", "justify_content", "justify_items", "left", "margin",
  "max_height", "max_width", "min_height", "min_width", "object_fit", "object_position", "order", "overflow", "padding", "right", "top",
  "visibility", "width",
] as const;

/** CSS layout of a widget's view (width, height, margin, flex, grid, ...), as CSS strings or null. */
export type LayoutOptions = Partial<Record<(typeof LAYOUT_KEYS)[number], string | null>>;

/** The style models and their keys (besides description_width, which all but ButtonStyle have). */
const STYLES: Record<string, State> = {
  SliderStyleModel: { description_width: "", handle_color: null },
  DescriptionStyleModel: { description_width: "" },
  ToggleButtonsStyleModel: { button_width: "", description_width: "", font_weight: "" },
  CheckboxStyleModel: { background: null, description_width: "" },
  ButtonStyleModel: {
    button_color: null, font_family: null, font_size: null, font_style: null, font_variant: null, font_weight: null, text_color: null, text_decoration: null,
  },
  TextStyleModel: { background: null, description_width: "", font_size: null, text_color: null },
  LabelStyleModel: {
    background: null, description_width: "", font_family: null, font_size: null, font_style: null, font_variant: null, font_weight: null,
    text_color: null, text_decoration: null,
  },
  HTMLStyleModel: { background: null, description_width: "", font_size: null, text_color: null },
  ProgressStyleModel: { bar_color: null, description_width: "" },
};

function checked(widget: Widget, name: string, value: unknown, check: (v: unknown) => boolean, expected: string): unknown {
  if (!check(value)) throw new TypeError(`${widget.constructor.name}.${name} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  return value;
}

const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const isStr = (v: unknown) => typeof v === "string";
const isBool = (v: unknown) => typeof v === "boolean";

/** Common checks by property name; each class adds its own. */
function validateCommon(widget: Widget, name: string, value: unknown): unknown {
  switch (name) {
    case "description": case "placeholder": case "readout_format": case "button_style": case "bar_style": case "box_style": case "icon":
      return checked(widget, name, value, isStr, "a string");
    case "disabled": case "continuous_update": case "readout": case "indent": case "description_allow_html":
    case "playing": case "repeat": case "show_repeat":
      return checked(widget, name, value, isBool, "true or false");
    case "orientation":
      return checked(widget, name, value, (v) => v === "horizontal" || v === "vertical", `"horizontal" or "vertical"`);
    case "children":
      return checked(widget, name, Array.isArray(value) ? [...value] : value, (v) => Array.isArray(v) && v.every((c) => c instanceof Widget), "an array of widgets");
    case "layout":
      return value instanceof Layout ? value : new Layout(value as LayoutOptions);
  }
  return value;
}

/** Accessors on the prototype for each state key, so `slider.value = 3` sends an update. */
function defineProperties(cls: { prototype: object }, names: string[]): void {
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(cls.prototype, name)) continue;
    Object.defineProperty(cls.prototype, name, {
      get(this: Widget) {
        return this.get(name);
      },
      set(this: Widget, value: unknown) {
        this.set(name, value);
      },
      configurable: true,
    });
  }
}

interface ModelSpec {
  model: string;
  view: string | null;
  module?: string;
  style?: string;
  /** Has description and description_allow_html (Button has only description). */
  described?: boolean | "description-only";
  /** Has layout, _dom_classes, tabbable, tooltip (a DOMWidget). */
  dom?: boolean;
  state: State;
  validate?: (widget: Widget, name: string, value: unknown) => unknown;
}

/** Makes the full initial state of a model: defaults, then the options given, checked. */
function initialState(spec: ModelSpec, options: State, owner: string): State {
  const version = spec.module === OUTPUT ? "1.0.0" : VERSION;
  const state: State = { ...modelKeys(spec.model, spec.view, spec.module ?? CONTROLS, spec.module ?? CONTROLS, version) };
  if (spec.dom !== false) Object.assign(state, { _dom_classes: [], tabbable: null, tooltip: null });
  if (spec.described) Object.assign(state, spec.described === true ? { description: "", description_allow_html: false } : { description: "" });
  Object.assign(state, spec.state);
  for (const key of Object.keys(options)) {
    if (options[key] === undefined) continue;
    if (!(key in state) && key !== "layout" && key !== "style") {
      const known = Object.keys(state).filter((k) => !k.startsWith("_")).concat(spec.dom !== false ? ["layout"] : [], spec.style ? ["style"] : []);
      throw new TypeError(`${owner}: unknown option ${JSON.stringify(key)}; it takes ${known.join(", ")}`);
    }
  }
  return state;
}

/**
 * Builds a widget from its spec: layout and style models first (they are models of their own),
 * then the widget's comm with its full state.
 */
abstract class SpecWidget extends Widget {
  constructor(spec: ModelSpec, options: State = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError(`new ${spec.model.replace(/Model$/, "")}(options): options must be an object`);
    const owner = `new ${spec.model.replace(/Model$/, "")}`;
    const state = initialState(spec, options, owner);
    const { layout, style, ...rest } = options;
    if (spec.dom !== false) state.layout = layout instanceof Layout ? layout : new Layout((layout ?? {}) as LayoutOptions);
    if (spec.style) state.style = style instanceof Style ? style : new Style(spec.style, (style ?? {}) as State);
    const validate = (name: string, value: unknown, widget: Widget) => {
      const v = validateCommon(widget, name, value);
      return spec.validate ? spec.validate(widget, name, v) : v;
    };
    // Options are checked as they would be when set later, against the defaults and each other.
    const probe = { constructor: { name: spec.model.replace(/Model$/, "") }, get: (k: string) => state[k] } as unknown as Widget;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) state[k] = validate(k, v, probe);
    if (spec.validate) for (const k of ["value", "index", "selected_index"]) if (k in state && !(k in rest)) state[k] = spec.validate(probe, k, state[k]);
    super(state, { validate });
    // Typed properties (`slider.value = 3`): one accessor per state key the class does not define itself.
    for (const key of this.publicKeys()) {
      if (!(key in this)) Object.defineProperty(this, key, { get: () => this.get(key), set: (v: unknown) => this.set(key, v), enumerable: true });
    }
  }
}

/** A widget's CSS layout (its own model, shared by reference). */
export interface Layout extends LayoutOptions {}
export class Layout extends Widget {
  constructor(options: LayoutOptions = {}) {
    const state: State = { ...modelKeys("LayoutModel", "LayoutView", BASE) };
    for (const k of LAYOUT_KEYS) state[k] = null;
    for (const [k, v] of Object.entries(options ?? {})) {
      if (!(k in state)) throw new TypeError(`new Layout: unknown option ${JSON.stringify(k)}; it takes ${LAYOUT_KEYS.join(", ")}`);
      if (v !== null && typeof v !== "string") throw new TypeError(`Layout.${k} must be a CSS string such as "300px", got ${JSON.stringify(v)}`);
      state[k] = v;
    }
    super(state);
  }
}
defineProperties(Layout, [...LAYOUT_KEYS]);

/** A widget's style (colours, description width): the model depends on the widget. */
export class Style extends Widget {
  constructor(modelName: string, options: State = {}) {
    const keys = STYLES[modelName];
    if (!keys) throw new TypeError(`no style model ${modelName}`);
    const state: State = { ...modelKeys(modelName, "StyleView", CONTROLS, BASE), ...keys };
    for (const [k, v] of Object.entries(options)) {
      if (!(k in keys)) throw new TypeError(`style: unknown option ${JSON.stringify(k)}; it takes ${Object.keys(keys).join(", ")}`);
      state[k] = v;
    }
    super(state);
    for (const key of Object.keys(keys)) Object.defineProperty(this, key, { get: () => this.get(key), set: (v: unknown) => this.set(key, v), enumerable: true });
  }
  [key: string]: unknown;
}

interface DOMState {
  /** CSS layout (width, height, margin, ...). */
  layout: Layout;
  tooltip: string | null;
  tabbable: boolean | null;
  _dom_classes: string[];
}
interface DescribedState extends DOMState {
  /** The label shown before the control. */
  description: string;
  description_allow_html: boolean;
  style: Style;
}
type Options<S> = Partial<Omit<S, "layout" | "style">> & { layout?: Layout | LayoutOptions; style?: Style | Record<string, unknown> };

/** Widgets with a `value`: `onChange(handler)` observes it. */
abstract class ValueWidget<T> extends SpecWidget {
  /**
   * Calls `handler` with the new value whenever it changes (from the frontend or from code).
   * Returns a function that stops it.
   * @example slider.onChange((v) => console.log("now", v));
   */
  onChange(handler: (value: T, change: Change<T>) => void): () => void {
    return this.observe((c) => handler(c.new as T, c as Change<T>), "value");
  }
}

function numberRange(kind: "int" | "float", clampValue: boolean) {
  const isKind = kind === "int" ? isInt : isNum;
  const what = kind === "int" ? "an integer" : "a finite number";
  return (w: Widget, name: string, value: unknown): unknown => {
    switch (name) {
      case "min": case "max": case "step": case "interval":
        checked(w, name, value, isKind, what);
        return value;
      case "value": {
        if (Array.isArray(w.get("value")) || Array.isArray(value)) {
          checked(w, name, value, (v) => Array.isArray(v) && v.length === 2 && v.every(isKind), `a pair [low, high] of ${kind === "int" ? "integers" : "numbers"}`);
          const [lo, hi] = (value as number[]).map((v) => clamp(v, w.get("min") as number, w.get("max") as number)) as [number, number];
          return lo <= hi ? [lo, hi] : [hi, lo];
        }
        checked(w, name, value, isKind, what);
        return clampValue ? clamp(value as number, w.get("min") as number, w.get("max") as number) : value;
      }
    }
    return value;
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

const sliderState = { behavior: "drag-tap", continuous_update: true, disabled: false, orientation: "horizontal", readout: true, step: 1 };

interface SliderState<T> extends DescribedState {
  value: T;
  min: number;
  max: number;
  step: number;
  orientation: "horizontal" | "vertical";
  /** Shows the value beside the slider. */
  readout: boolean;
  readout_format: string;
  /** Sends values while dragging (true) or only on release (false). */
  continuous_update: boolean;
  disabled: boolean;
  behavior: "drag-tap" | "drag-snap" | "tap" | "drag" | "snap";
}

/** A slider over integers. @example new widgets.IntSlider({ value: 32, min: 16, max: 128, step: 1, description: "H" }) */
export interface IntSlider extends SliderState<number> {}
export class IntSlider extends ValueWidget<number> {
  constructor(options: Options<SliderState<number>> = {}) {
    super({ model: "IntSliderModel", view: "IntSliderView", style: "SliderStyleModel", described: true,
      state: { ...sliderState, max: 100, min: 0, readout_format: "d", value: 0 }, validate: numberRange("int", true) }, options);
  }
}

/** A slider over numbers. @example new widgets.FloatSlider({ value: 0.01, min: 0, max: 0.1, step: 0.001, readout_format: ".3f" }) */
export interface FloatSlider extends SliderState<number> {}
export class FloatSlider extends ValueWidget<number> {
  constructor(options: Options<SliderState<number>> = {}) {
    super({ model: "FloatSliderModel", view: "FloatSliderView", style: "SliderStyleModel", described: true,
      state: { ...sliderState, max: 100, min: 0, readout_format: ".2f", step: 0.1, value: 0 }, validate: numberRange("float", true) }, options);
  }
}

/** Two handles over integers: value is [low, high]. @example new widgets.IntRangeSlider({ value: [16, 64], min: 8, max: 128 }) */
export interface IntRangeSlider extends SliderState<[number, number]> {}
export class IntRangeSlider extends ValueWidget<[number, number]> {
  constructor(options: Options<SliderState<[number, number]>> = {}) {
    super({ model: "IntRangeSliderModel", view: "IntRangeSliderView", style: "SliderStyleModel", described: true,
      state: { ...sliderState, max: 100, min: 0, readout_format: "d", value: [25, 75] }, validate: numberRange("int", true) }, options);
  }
}

/** Options as labels (`["a", "b"]`), as [label, value] pairs, or as an object label → value. */
export type SelectionOptions<T> = readonly T[] | readonly (readonly [string, T])[] | Record<string, T>;

function normalizeOptions(options: unknown, owner: string): [string, unknown][] {
  if (Array.isArray(options)) return options.map((o) => (Array.isArray(o) && o.length === 2 && typeof o[0] === "string" ? [o[0], o[1]] : [String(o), o]));
  if (typeof options === "object" && options !== null) return Object.entries(options);
  throw new TypeError(`${owner}: options must be an array of choices, of [label, value] pairs, or an object label → value`);
}

interface SelectionState<T> extends DescribedState {
  /** The chosen option's value (null when nothing is chosen). */
  value: T | null;
  /** The chosen option's label. */
  label: string | null;
  /** The chosen option's position, or null. */
  index: number | null;
  options: SelectionOptions<T>;
  disabled: boolean;
}
type SelectionInit<T> = Options<Omit<SelectionState<T>, "options">> & { options: SelectionOptions<T> };

/**
 * Picks one of several options; `value` is the chosen option's value, `label` its label, `index`
 * its position. Only labels and the index travel to the frontend (as in ipywidgets).
 */
abstract class Selection<T> extends ValueWidget<T | null> {
  #options: [string, T][];
  constructor(spec: ModelSpec, init: SelectionInit<T>) {
    const owner = `new ${spec.model.replace(/Model$/, "")}`;
    if (typeof init !== "object" || init === null || init.options === undefined) throw new TypeError(`${owner}({ options }): options are required, e.g. { options: ["conv1", "fc1"] }`);
    const options = normalizeOptions(init.options, owner) as [string, T][];
    const { options: _o, value, label, index, ...rest } = init;
    let start: number | null = options.length > 0 ? 0 : null;
    if (index !== undefined) start = index;
    else if (label !== undefined) start = options.findIndex((o) => o[0] === label);
    else if (value !== undefined) start = options.findIndex((o) => Object.is(o[1], value));
    if (start !== null && (start < 0 || start >= options.length || !Number.isInteger(start))) {
      throw new TypeError(`${owner}: ${index !== undefined ? `index ${index}` : value !== undefined ? `value ${JSON.stringify(value)}` : `label ${JSON.stringify(label)}`} is not one of the options (${options.map((o) => o[0]).join(", ")})`);
    }
    const validate = (w: Widget, name: string, v: unknown) => {
      if (name === "index") return checked(w, name, v, (x) => x === null || (isInt(x) && (x as number) >= 0 && (x as number) < (w.get("_options_labels") as string[]).length), "null or the position of an option");
      return spec.validate ? spec.validate(w, name, v) : v;
    };
    super({ ...spec, state: { _options_labels: options.map((o) => o[0]), ...spec.state, index: start }, validate }, rest as State);
    this.#options = options;
  }

  get options(): SelectionOptions<T> {
    return this.#options;
  }
  set options(options: SelectionOptions<T>) {
    const next = normalizeOptions(options, `${this.constructor.name}.options`) as [string, T][];
    const current = this.label;
    this.#options = next;
    const keep = next.findIndex((o) => o[0] === current);
    this.holdSync(() => {
      this.set("index", null);
      this.set("_options_labels", next.map((o) => o[0]));
      this.set("index", keep >= 0 ? keep : next.length > 0 ? 0 : null);
    });
  }
  get value(): T | null {
    const i = this.get("index") as number | null;
    return i === null ? null : (this.#options[i]?.[1] ?? null);
  }
  set value(value: T | null) {
    const i = value === null ? -1 : this.#options.findIndex((o) => Object.is(o[1], value));
    if (value !== null && i < 0) throw new TypeError(`${this.constructor.name}.value: ${JSON.stringify(value)} is not one of the options (${this.#options.map((o) => o[0]).join(", ")})`);
    this.set("index", i < 0 ? null : i);
  }
  get label(): string | null {
    const i = this.get("index") as number | null;
    return i === null ? null : (this.#options[i]?.[0] ?? null);
  }
  set label(label: string | null) {
    const i = label === null ? -1 : this.#options.findIndex((o) => o[0] === label);
    if (label !== null && i < 0) throw new TypeError(`${this.constructor.name}.label: ${JSON.stringify(label)} is not one of the options`);
    this.set("index", i < 0 ? null : i);
  }

  /** `value` and `label` are seen as changes of `index`, reported in their own terms. */
  override observe(handler: ChangeHandler, names?: string | string[]): () => void {
    const list = names === undefined ? undefined : typeof names === "string" ? [names] : names;
    const virtual = (list ?? []).filter((n) => n === "value" || n === "label");
    const real = list?.filter((n) => n !== "value" && n !== "label");
    const stops: (() => void)[] = [];
    if (virtual.length > 0) {
      const wrapped: ChangeHandler = (c) => {
        const pick = (i: unknown, k: 0 | 1) => (i === null ? null : (this.#options[i as number]?.[k] ?? null));
        for (const n of virtual) handler({ ...c, name: n, old: pick(c.old, n === "value" ? 1 : 0), new: pick(c.new, n === "value" ? 1 : 0) });
      };
      stops.push(super.observe(wrapped, "index"));
    }
    if (real === undefined || real.length > 0) stops.push(super.observe(handler, real));
    return () => stops.forEach((s) => s());
  }
}

/** A drop-down list. @example new widgets.Dropdown({ options: ["conv1", "pool1", "conv2"], value: "conv2", description: "layer" }) */
export interface Dropdown<T = unknown> extends Omit<SelectionState<T>, "value" | "label" | "index" | "options"> {
  index: number | null;
}
export class Dropdown<T = unknown> extends Selection<T> {
  constructor(init: SelectionInit<T>) {
    super({ model: "DropdownModel", view: "DropdownView", style: "DescriptionStyleModel", described: true, state: { disabled: false } }, init);
  }
}

interface ToggleButtonsExtra {
  button_style: "" | "primary" | "success" | "info" | "warning" | "danger";
  /** One tooltip per button. */
  tooltips: string[];
  /** One Font Awesome icon name per button. */
  icons: string[];
}
/** A row of buttons, one chosen. @example new widgets.ToggleButtons({ options: ["SGD", "Adam"], button_style: "info" }) */
export interface ToggleButtons<T = unknown> extends Omit<SelectionState<T>, "value" | "label" | "index" | "options">, ToggleButtonsExtra {
  index: number | null;
}
export class ToggleButtons<T = unknown> extends Selection<T> {
  constructor(init: SelectionInit<T> & Partial<ToggleButtonsExtra>) {
    super({ model: "ToggleButtonsModel", view: "ToggleButtonsView", style: "ToggleButtonsStyleModel", described: true,
      state: { button_style: "", disabled: false, icons: [], tooltips: [] } }, init);
  }
}

interface CheckboxState extends DescribedState {
  value: boolean;
  disabled: boolean;
  /** Lines the box up with other controls' descriptions. */
  indent: boolean;
}
/** @example new widgets.Checkbox({ value: true, description: "normalize" }) */
export interface Checkbox extends CheckboxState {}
export class Checkbox extends ValueWidget<boolean> {
  constructor(options: Options<CheckboxState> = {}) {
    super({ model: "CheckboxModel", view: "CheckboxView", style: "CheckboxStyleModel", described: true, state: { disabled: false, indent: true, value: false },
      validate: (w, n, v) => (n === "value" ? checked(w, n, v, isBool, "true or false") : v) }, options);
  }
}

interface ButtonState extends DOMState {
  /** The button's text. */
  description: string;
  button_style: "" | "primary" | "success" | "info" | "warning" | "danger";
  disabled: boolean;
  /** A Font Awesome icon name, e.g. "check". */
  icon: string;
  style: Style;
}
/** A button; `onClick(handler)` runs kernel code on each click. @example const b = new widgets.Button({ description: "train" }); b.onClick(() => train()); */
export interface Button extends ButtonState {}
export class Button extends SpecWidget {
  constructor(options: Options<ButtonState> = {}) {
    super({ model: "ButtonModel", view: "ButtonView", style: "ButtonStyleModel", described: "description-only", state: { button_style: "", disabled: false, icon: "" } }, options);
  }
  /** Calls `handler` on each click in the frontend. Returns a function that stops it. */
  onClick(handler: (button: Button) => void): () => void {
    if (typeof handler !== "function") throw new TypeError("Button.onClick(handler): handler must be a function");
    return this.onMsg((content) => {
      if (content.event === "click") handler(this);
    });
  }
  /** Runs the click handlers as a click in the frontend would. */
  click(): void {
    this.receiveCustom({ event: "click" });
  }
}

interface TextState extends DescribedState {
  value: string;
  placeholder: string;
  disabled: boolean;
  continuous_update: boolean;
}
const textValidate = (w: Widget, n: string, v: unknown) => (n === "value" ? checked(w, n, v, isStr, "a string") : n === "rows" ? checked(w, n, v, (x) => x === null || isInt(x), "null or an integer") : v);
/** One line of text. @example new widgets.Text({ placeholder: "name", description: "run" }) */
export interface Text extends TextState {}
export class Text extends ValueWidget<string> {
  constructor(options: Options<TextState> = {}) {
    super({ model: "TextModel", view: "TextView", style: "TextStyleModel", described: true, state: { continuous_update: true, disabled: false, placeholder: "\u200b", value: "" }, validate: textValidate }, options);
  }
}
interface TextareaState extends TextState {
  rows: number | null;
}
/** Several lines of text. */
export interface Textarea extends TextareaState {}
export class Textarea extends ValueWidget<string> {
  constructor(options: Options<TextareaState> = {}) {
    super({ model: "TextareaModel", view: "TextareaView", style: "TextStyleModel", described: true, state: { continuous_update: true, disabled: false, placeholder: "\u200b", rows: null, value: "" }, validate: textValidate }, options);
  }
}

interface LabelState extends DescribedState {
  value: string;
  placeholder: string;
}
/** Text shown as is. @example new widgets.Label({ value: "fc1 expects 400 features" }) */
export interface Label extends LabelState {}
export class Label extends ValueWidget<string> {
  constructor(options: Options<LabelState> = {}) {
    super({ model: "LabelModel", view: "LabelView", style: "LabelStyleModel", described: true, state: { placeholder: "\u200b", value: "" }, validate: textValidate }, options);
  }
}
/** HTML shown as is (trusted, as in ipywidgets). @example new widgets.HTML({ value: "<b>fails</b> at 64×64" }) */
export interface HTML extends LabelState {}
export class HTML extends ValueWidget<string> {
  constructor(options: Options<LabelState> = {}) {
    super({ model: "HTMLModel", view: "HTMLView", style: "HTMLStyleModel", described: true, state: { placeholder: "\u200b", value: "" }, validate: textValidate }, options);
  }
}

interface ImageState extends DOMState {
  /** The encoded image (PNG bytes, ...); sent to the frontend as a binary buffer. */
  value: Uint8Array;
  format: string;
  width: string;
  height: string;
}
/** An image from bytes. @example new widgets.Image({ value: pngBytes, format: "png", width: "256" }) */
export interface Image extends Omit<ImageState, "width" | "height"> {
  width: string;
  height: string;
}
export class Image extends ValueWidget<Uint8Array> {
  constructor(options: Partial<Omit<ImageState, "layout" | "width" | "height">> & { layout?: Layout | LayoutOptions; width?: string | number; height?: string | number } = {}) {
    super({ model: "ImageModel", view: "ImageView", state: { format: "png", height: "", value: new Uint8Array(0), width: "" },
      validate: (w, n, v) => {
        if (n === "value") {
          if (v instanceof ArrayBuffer) return new Uint8Array(v);
          return checked(w, n, v, (x) => x instanceof Uint8Array, "bytes (a Uint8Array, e.g. a PNG)");
        }
        if (n === "width" || n === "height") return typeof v === "number" ? String(v) : checked(w, n, v, isStr, "a string or number of pixels");
        return v;
      } }, options as State);
  }
}

interface PlayState extends DescribedState {
  value: number;
  min: number;
  max: number;
  step: number;
  /** Milliseconds between steps. */
  interval: number;
  playing: boolean;
  repeat: boolean;
  show_repeat: boolean;
  disabled: boolean;
}
/** Steps a value on a timer in the frontend (link it to a slider with jslink). @example new widgets.Play({ min: 16, max: 128, step: 8, interval: 200 }) */
export interface Play extends PlayState {}
export class Play extends ValueWidget<number> {
  constructor(options: Options<PlayState> = {}) {
    super({ model: "PlayModel", view: "PlayView", style: "DescriptionStyleModel", described: true,
      state: { disabled: false, interval: 100, max: 100, min: 0, playing: false, repeat: false, show_repeat: true, step: 1, value: 0 }, validate: numberRange("int", true) }, options);
  }
}

interface ProgressState extends DescribedState {
  value: number;
  min: number;
  max: number;
  bar_style: "" | "success" | "info" | "warning" | "danger";
  orientation: "horizontal" | "vertical";
}
/** A progress bar over integers. @example const p = new widgets.IntProgress({ max: 94, description: "epoch 1" }); p.value += 1; */
export interface IntProgress extends ProgressState {}
export class IntProgress extends ValueWidget<number> {
  constructor(options: Options<ProgressState> = {}) {
    super({ model: "IntProgressModel", view: "ProgressView", style: "ProgressStyleModel", described: true,
      state: { bar_style: "", max: 100, min: 0, orientation: "horizontal", value: 0 }, validate: numberRange("int", true) }, options);
  }
}
/** A progress bar over numbers. */
export interface FloatProgress extends ProgressState {}
export class FloatProgress extends ValueWidget<number> {
  constructor(options: Options<ProgressState> = {}) {
    super({ model: "FloatProgressModel", view: "ProgressView", style: "ProgressStyleModel", described: true,
      state: { bar_style: "", max: 100, min: 0, orientation: "horizontal", value: 0 }, validate: numberRange("float", true) }, options);
  }
}
/** A progress bar: IntProgress. */
export const Progress = IntProgress;

interface BoxState extends DOMState {
  children: Widget[];
  box_style: "" | "success" | "info" | "warning" | "danger";
}
type BoxInit<S> = Options<S> | Widget[];
const boxOptions = <S>(init: BoxInit<S>): State => (Array.isArray(init) ? { children: init } : (init as State));

/** Children side by side. @example new widgets.HBox([h, w]) or new widgets.HBox({ children: [h, w] }) */
export interface HBox extends BoxState {}
export class HBox extends SpecWidget {
  constructor(init: BoxInit<BoxState> = {}) {
    super({ model: "HBoxModel", view: "HBoxView", state: { box_style: "", children: [] } }, boxOptions(init));
  }
}
/** Children one below the other. */
export interface VBox extends BoxState {}
export class VBox extends SpecWidget {
  constructor(init: BoxInit<BoxState> = {}) {
    super({ model: "VBoxModel", view: "VBoxView", state: { box_style: "", children: [] } }, boxOptions(init));
  }
}

interface TitledState extends BoxState {
  /** One title per child. */
  titles: string[];
  /** The open child, or null. */
  selected_index: number | null;
}
const titledValidate = (w: Widget, n: string, v: unknown) => {
  if (n === "titles") return checked(w, n, v, (x) => Array.isArray(x) && x.every(isStr), "an array of strings");
  if (n === "selected_index") return checked(w, n, v, (x) => x === null || (isInt(x) && (x as number) >= 0 && (x as number) < Math.max(1, (w.get("children") as unknown[]).length)), "null or the position of a child");
  return v;
};
/** Children as tabs. @example new widgets.Tab({ children: [a, b], titles: ["trace", "explanation"] }) */
export interface Tab extends TitledState {}
export class Tab extends SpecWidget {
  constructor(init: BoxInit<TitledState> = {}) {
    const options = boxOptions(init);
    super({ model: "TabModel", view: "TabView", state: { box_style: "", children: [], selected_index: null, titles: [] }, validate: titledValidate },
      { ...options, selected_index: options.selected_index ?? (Array.isArray(options.children) && options.children.length > 0 ? 0 : null) });
  }
}
/** Children in collapsible sections. */
export interface Accordion extends TitledState {}
export class Accordion extends SpecWidget {
  constructor(init: BoxInit<TitledState> = {}) {
    super({ model: "AccordionModel", view: "AccordionView", state: { box_style: "", children: [], selected_index: null, titles: [] }, validate: titledValidate }, boxOptions(init));
  }
}

interface OutputState extends DOMState {
  /** The id of the request whose outputs the frontend captures here ("" when none). */
  msg_id: string;
  /** The captured outputs (nbformat outputs), kept in step by the frontend. */
  outputs: Record<string, unknown>[];
}
/**
 * An output area inside a widget: what `capture(fn)` displays or prints lands here instead of in
 * the cell (the frontend routes those messages by `msg_id`).
 * @example const out = new widgets.Output(); display(out); out.capture(() => display(net));
 */
export interface Output extends OutputState {}
export class Output extends SpecWidget {
  #depth = 0;
  constructor(options: Options<OutputState> = {}) {
    super({ model: "OutputModel", view: "OutputView", module: OUTPUT, state: { msg_id: "", outputs: [] } }, options);
  }

  /**
   * Runs `fn` with its output (console, display, clearOutput) going to this widget. A promise
   * returned by `fn` keeps capturing until it settles.
   */
  capture<T>(fn: () => T): T {
    const context = outputContext();
    if (!context || !this.connected) return fn();
    const msgId = context.parent.msg_id;
    if (this.#depth++ === 0) this.set("msg_id", msgId);
    const end = () => {
      if (--this.#depth === 0) this.set("msg_id", "");
    };
    let result: T;
    try {
      result = fn();
    } catch (err) {
      end();
      throw err;
    }
    if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then === "function") {
      return (result as unknown as Promise<unknown>).finally(end) as T;
    }
    end();
    return result;
  }

  /** Clears the widget's outputs; with wait, when the next output arrives (no flicker). */
  clearOutput(wait = false): void {
    const clear = (globalThis as Record<symbol, { clearOutput?: (wait?: boolean) => void } | undefined>)[Symbol.for("tsorch.kernel")]?.clearOutput;
    if (clear && this.connected && outputContext()) this.capture(() => clear(wait));
    else this.set("outputs", []);
  }

  /** Adds text to the widget as a stdout stream. */
  appendStdout(text: string): void {
    this.set("outputs", [...this.outputs, { output_type: "stream", name: "stdout", text: String(text) }]);
  }

  /** Adds text to the widget as a stderr stream. */
  appendStderr(text: string): void {
    this.set("outputs", [...this.outputs, { output_type: "stream", name: "stderr", text: String(text) }]);
  }

  /** Adds a value's rich display to the widget. */
  appendDisplayData(value: unknown): void {
    const { data, metadata } = toDisplayData(value);
    this.set("outputs", [...this.outputs, { output_type: "display_data", data, metadata }]);
  }
}

/**
 * Links two widgets' properties in the frontend (no kernel round trip), as ipywidgets' jslink.
 * @example widgets.jslink([play, "value"], [slider, "value"]);
 */
export class Link extends Widget {
  constructor(source: [Widget, string], target: [Widget, string]) {
    for (const [w, name] of [source, target]) {
      if (!(w instanceof Widget)) throw new TypeError("jslink([widget, name], [widget, name]): each end must be a widget and a property name");
      if (!w.keys.includes(name)) throw new TypeError(`jslink: ${w.constructor.name} has no synchronised property ${JSON.stringify(name)}`);
    }
    super({ ...modelKeys("LinkModel", null), source: [...source], target: [...target] });
  }
  /** Stops the link. */
  unlink(): void {
    this.close();
  }
}

export function jslink(source: [Widget, string], target: [Widget, string]): Link {
  return new Link(source, target);
}
