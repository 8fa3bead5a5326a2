/**
 * `interact`: controls made from short descriptions, and a function re-run with their values on
 * every change, its output (prints, displays, its return value) shown in an Output widget below
 * them, as ipywidgets' `interact` does. The descriptions:
 *
 *   [16, 128] or [16, 128, 8]   → IntSlider (FloatSlider if any number is fractional)
 *   32 / 0.5                    → a slider around the number
 *   true                        → Checkbox
 *   "text"                      → Text
 *   ["conv1", "fc1"]            → Dropdown
 *   a widget                    → used as is
 *
 * @example
 * interact(({ h, w }) => trace(net, [1, 1, h, w]), { h: [16, 128], w: [16, 128] });
 */
import { DISPLAY_SYMBOL, type DisplayFunction } from "../display.js";
import { KERNEL_SYMBOL } from "../preload.js";
import { Checkbox, Dropdown, FloatSlider, IntSlider, Output, Text, VBox } from "./controls.js";
import { Widget } from "./widget.js";

/** A control description `interact` understands. */
export type Abbreviation = readonly [number, number] | readonly [number, number, number] | number | boolean | string | readonly string[] | Widget;

/** The value a description gives the function. */
export type ValueOf<A> = A extends readonly [number, number] | readonly [number, number, number] | number
  ? number
  : A extends boolean
    ? boolean
    : A extends readonly (infer S extends string)[]
      ? S
      : A extends string
        ? string
        : A extends { value: infer V }
          ? V
          : A extends Dropdown<infer T>
            ? T | null
            : unknown;

export type ValuesOf<C> = { [K in keyof C]: ValueOf<C[K]> };

function isFractional(n: number): boolean {
  return !Number.isInteger(n);
}

/** The widget for one description (`name` becomes its label). */
export function widgetFromAbbreviation(name: string, abbrev: unknown): Widget & { value: unknown } {
  const description = name;
  if (abbrev instanceof Widget) {
    if (!abbrev.keys.includes("value") && !("value" in abbrev)) throw new TypeError(`interact: the widget for ${name} has no value`);
    return abbrev as Widget & { value: unknown };
  }
  if (typeof abbrev === "boolean") return new Checkbox({ value: abbrev, description });
  if (typeof abbrev === "string") return new Text({ value: abbrev, description });
  if (typeof abbrev === "number") {
    if (!Number.isFinite(abbrev)) throw new TypeError(`interact: ${name} = ${abbrev} is not a finite number`);
    // As ipywidgets: a number v gives a slider from -v to 3v (0 to 1 around 0... for 0, -1..1 like it).
    const [min, max] = abbrev > 0 ? [-abbrev, 3 * abbrev] : abbrev < 0 ? [3 * abbrev, -abbrev] : [-1, 1];
    return isFractional(abbrev) ? new FloatSlider({ value: abbrev, min, max, step: 0.1, description }) : new IntSlider({ value: abbrev, min, max, description });
  }
  if (Array.isArray(abbrev)) {
    if (abbrev.length > 0 && abbrev.every((v) => typeof v === "string")) return new Dropdown({ options: abbrev as string[], description });
    if ((abbrev.length === 2 || abbrev.length === 3) && abbrev.every((v) => typeof v === "number" && Number.isFinite(v))) {
      const [min, max, step] = abbrev as number[];
      if (min! > max!) throw new TypeError(`interact: ${name} = [${abbrev.join(", ")}]: min must not exceed max`);
      if (step !== undefined && step <= 0) throw new TypeError(`interact: ${name} = [${abbrev.join(", ")}]: step must be positive`);
      const value = min! + Math.floor((max! - min!) / 2 / (step ?? 1)) * (step ?? 1);
      return abbrev.some(isFractional)
        ? new FloatSlider({ min: min!, max: max!, step: step ?? (max! - min!) / 100, value: (min! + max!) / 2, description })
        : new IntSlider({ min: min!, max: max!, step: step ?? 1, value, description });
    }
  }
  throw new TypeError(
    `interact: cannot make a control for ${name} from ${JSON.stringify(abbrev)}; use [min, max], [min, max, step], a number, true/false, a string, an array of strings, or a widget`,
  );
}

function kernelDisplay(): DisplayFunction | undefined {
  return (globalThis as Record<symbol, { display?: DisplayFunction } | undefined>)[KERNEL_SYMBOL]?.display;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs `fn` with `values` so that what it shows lands in `out` (replacing what was there), and
 * shows its return value too. Errors are shown in `out`, not thrown: a bad slider position must
 * not break the widget.
 */
function runInto(out: Output, fn: () => unknown, onResult: (value: unknown) => void): void | Promise<void> {
  const show = (value: unknown) => {
    onResult(value);
    if (value !== undefined) (kernelDisplay() ?? ((v: unknown) => console.log(v)))(value);
  };
  const fail = (err: unknown) => {
    const e = err as Error;
    const text = (e && typeof e === "object" && typeof e.stack === "string" ? e.stack.split("\n    at ")[0] : String(err)) ?? String(err);
    // A tsorch error (shape mismatch) can show itself richly; others show their message.
    if (e && typeof e === "object" && typeof (e as unknown as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function") kernelDisplay()?.(e);
    else console.error(text);
  };
  return out.capture(() => {
    out.clearOutput(true);
    try {
      const result = fn();
      if (isThenable(result)) return Promise.resolve(result).then(show, fail);
      show(result);
    } catch (err) {
      fail(err);
    }
    return undefined;
  });
}

/**
 * Controls and an output: the widget `interactive` returns. `result` is the function's last
 * return value; `values` the controls' current values.
 */
export class Interactive<V extends Record<string, unknown> = Record<string, unknown>> extends VBox {
  /** The controls by name. */
  readonly controls: { [K in keyof V]: Widget & { value: V[K] } };
  readonly out: Output;
  result: unknown = undefined;
  readonly #fn: (values: V) => unknown;

  constructor(fn: (values: V) => unknown, controls: Record<string, unknown>, options: { manual?: boolean } = {}) {
    if (typeof fn !== "function") throw new TypeError("interact(fn, controls): fn must be a function of one object, e.g. ({ h, w }) => trace(net, [1, 1, h, w])");
    if (typeof controls !== "object" || controls === null) throw new TypeError("interact(fn, controls): controls must be an object such as { h: [16, 128] }");
    const made = Object.fromEntries(Object.entries(controls).map(([k, a]) => [k, widgetFromAbbreviation(k, a)]));
    const out = new Output();
    super({ children: [...Object.values(made), out], _dom_classes: ["widget-interact"] });
    this.controls = made as never;
    this.out = out;
    this.#fn = fn;
    if (!options.manual) for (const w of Object.values(made)) w.observe(() => void this.update(), "value");
  }

  /** The controls' current values. */
  get values(): V {
    return Object.fromEntries(Object.entries(this.controls).map(([k, w]) => [k, (w as { value: unknown }).value])) as V;
  }

  /** `interact(n=3, act="relu")`: the text form where there are no widgets (a terminal, a text view). */
  override toString(): string {
    return `interact(${Object.entries(this.values).map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`).join(", ")})`;
  }

  /** Runs the function with the current values (each change does this). */
  update(): void | Promise<void> {
    const values = this.values;
    return runInto(this.out, () => this.#fn(values), (r) => (this.result = r));
  }
}

/**
 * Controls for `fn`'s arguments and its output, not yet shown (display it, or make it a cell's
 * last expression). The function runs once now.
 * @example const ui = interactive(({ lr }) => `lr = ${lr}`, { lr: [0.001, 0.1] }); display(ui);
 */
export function interactive<const C extends Record<string, Abbreviation>>(fn: (values: ValuesOf<C>) => unknown, controls: C): Interactive<ValuesOf<C>> {
  const ui = new Interactive<ValuesOf<C>>(fn, controls);
  void ui.update();
  return ui;
}

/**
 * Shows controls for `fn`'s arguments and re-runs `fn` on every change, its output below them.
 * @example interact(({ h, w }) => trace(net, [1, 1, h, w]), { h: [16, 128], w: [16, 128] });
 */
export function interact<const C extends Record<string, Abbreviation>>(fn: (values: ValuesOf<C>) => unknown, controls: C): void {
  const ui = new Interactive<ValuesOf<C>>(fn, controls);
  (kernelDisplay() ?? ((v: unknown) => console.log(String(v))))(ui);
  void ui.update();
}

/**
 * An Output widget that `fn` fills with the values of `controls` (widgets you lay out yourself),
 * re-run on each change.
 * @example
 * const h = new widgets.IntSlider({ min: 16, max: 128, value: 32 });
 * const out = widgets.interactive_output(({ h }) => trace(net, [1, 1, h, h]), { h });
 * display(new widgets.HBox([h, out]));
 */
export function interactive_output<C extends Record<string, Widget & { value: unknown }>>(
  fn: (values: { [K in keyof C]: C[K]["value"] }) => unknown,
  controls: C,
): Output {
  if (typeof fn !== "function") throw new TypeError("interactive_output(fn, controls): fn must be a function");
  for (const [k, w] of Object.entries(controls ?? {})) if (!(w instanceof Widget)) throw new TypeError(`interactive_output: controls.${k} must be a widget`);
  const out = new Output();
  const run = () => {
    const values = Object.fromEntries(Object.entries(controls).map(([k, w]) => [k, w.value])) as { [K in keyof C]: C[K]["value"] };
    void runInto(out, () => fn(values), () => undefined);
  };
  for (const w of Object.values(controls)) w.observe(run, "value");
  run();
  return out;
}
