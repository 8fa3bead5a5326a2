/**
 * The live shape explorer: sliders for a network's input size (batch, channels, H, W), and on
 * every move the per-layer trace and the explanation of a failure, re-traced on meta tensors (no
 * arithmetic, a millisecond for LeNet). The failing row is highlighted, the sizes that work are
 * marked under the H and W sliders, and a layer picked in the drop-down shows its feature maps
 * for a real input at the chosen size.
 *
 * It uses the runtime's public shape-insight API only: `trace` (meta tensors, or a real input
 * with kept activations), the trace's rows, HTML and feature maps, and its explanation.
 *
 * @example
 * explore(net, [1, 1, 32, 32]);             // a cell's last expression shows it
 * const ex = explore(net, [1, 1, 32, 32]);  // or keep it: ex.h.value = 64; ex.trace.failed
 */
import { F, nn, torch, trace as traceNet, type Explanation, type Tensor, type Trace, type TraceRow } from "../../src/index.js";
import { Dropdown, HBox, HTML, Image, IntSlider, Layout, VBox } from "./controls.js";

type Module = Parameters<typeof traceNet>[0];

/**
 * What a cell passes: an nn.Module and a tensor, typed by shape (checked when called), because a
 * cell's `nn.Module` is declared by the kernel's bundled runtime types, a copy of these.
 */
export interface ModuleLike {
  forward(...args: never[]): unknown;
}
export interface TensorLike {
  readonly shape: readonly number[];
}

export interface ExploreOptions {
  /** Slider ranges (default: a quarter to four times the starting size, within 1..512). */
  h?: readonly [number, number];
  w?: readonly [number, number];
  batch?: readonly [number, number];
  channels?: readonly [number, number];
  /**
   * The real input whose feature maps are shown (resized to the chosen H×W); default: random
   * values from a fixed seed, drawn without touching the global generator.
   */
  input?: TensorLike;
  /** The layer shown first in the heatmap drop-down (a row path such as "conv1"). */
  layer?: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

const STYLE = `<style>
.tsorch-explore-marks { font: 12px var(--jp-ui-font-family, sans-serif); display: flex; align-items: center; gap: 8px; margin: 0 0 4px 8px; }
.tsorch-explore-track { position: relative; width: 240px; height: 8px; border-radius: 4px; background: var(--jp-error-color3, rgba(211, 47, 47, 0.25)); }
.tsorch-explore-ok { position: absolute; top: 0; height: 8px; background: var(--jp-success-color1, #388e3c); border-radius: 2px; }
.tsorch-explore-now { position: absolute; top: -3px; width: 2px; height: 14px; background: var(--jp-content-font-color1, #000); }
.tsorch-explore-status { font: 13px var(--jp-code-font-family, monospace); padding: 2px 0; }
.tsorch-explore-status.ok { color: var(--jp-success-color1, #388e3c); }
.tsorch-explore-status.fail { color: var(--jp-error-color1, #d32f2f); font-weight: 600; }
.tsorch-explanation { font: 13px var(--jp-code-font-family, monospace); white-space: pre-wrap; margin: 4px 0; }
</style>`;

/** `32–35, 60` for a sorted list of sizes. */
function ranges(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(i === j ? String(values[i]) : `${values[i]}–${values[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

function defaultRange(size: number): [number, number] {
  return [Math.max(1, Math.floor(size / 4)), Math.min(512, Math.max(size * 4, size + 8))];
}

function checkRange(name: string, r: readonly [number, number] | undefined, fallback: [number, number], start: number): [number, number] {
  const [lo, hi] = r ?? fallback;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) throw new TypeError(`explore: ${name} must be [min, max] with 1 ≤ min ≤ max, got ${JSON.stringify(r)}`);
  if (start < lo || start > hi) throw new TypeError(`explore: the starting ${name} ${start} is outside ${name}'s range [${lo}, ${hi}]`);
  return [lo, hi];
}

/** The explorer: a VBox whose parts stay reachable (`ex.h.value = 64`, `ex.trace`, `ex.explanation`). */
export class Explorer extends VBox {
  readonly net: Module;
  readonly batch: IntSlider;
  readonly channels: IntSlider;
  readonly h: IntSlider;
  readonly w: IntSlider;
  /** Where the sizes that work are, under the H and W sliders. */
  readonly hMarks: HTML;
  readonly wMarks: HTML;
  /** One line: the output shape, or the failing layer. */
  readonly status: HTML;
  /** The per-layer trace, the failing row highlighted. */
  readonly traceView: HTML;
  /** The explanation of the failure (empty when the forward runs). */
  readonly explanationView: HTML;
  /** Which layer's feature maps to show. */
  readonly layer: Dropdown<number>;
  readonly heatmap: Image;
  readonly heatmapNote: HTML;
  /** The trace at the current size, and its explanation (null when it runs). */
  trace!: Trace;
  explanation: Explanation | null = null;
  /** Milliseconds the last re-trace took (the trace and its table). */
  lastUpdateMs = 0;
  /** How long a slider must rest before the explanation, marks and heatmap are redone (ms). */
  settleMs = 40;
  #pending: ReturnType<typeof setTimeout> | undefined;
  readonly #input: Tensor | undefined;
  readonly #seed = torch.Generator ? new torch.Generator() : undefined;
  #marksCache = new Map<string, string>();
  #solved = new Map<string, Explanation["sizes"]>();

  constructor(net: ModuleLike, shape: readonly number[], options: ExploreOptions = {}) {
    if (!(net instanceof nn.Module)) throw new TypeError("explore(net, [N, C, H, W]): net must be an nn.Module");
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new TypeError(`explore(net, [N, C, H, W]): the size must be four positive integers, got ${JSON.stringify(shape)}`);
    }
    const [n0, c0, h0, w0] = shape as [number, number, number, number];
    const narrow = { width: "420px" };
    const style = { description_width: "70px" };
    const slider = (description: string, value: number, [min, max]: [number, number]) => new IntSlider({ value, min, max, description, layout: narrow, style });
    const batch = slider("batch", n0, checkRange("batch", options.batch, [1, Math.max(16, n0)], n0));
    const channels = slider("channels", c0, checkRange("channels", options.channels, [1, Math.max(8, c0 * 2)], c0));
    const h = slider("H", h0, checkRange("h", options.h, defaultRange(h0), h0));
    const w = slider("W", w0, checkRange("w", options.w, defaultRange(w0), w0));
    const hMarks = new HTML();
    const wMarks = new HTML();
    const status = new HTML();
    const traceView = new HTML({ layout: { overflow: "auto" } });
    const explanationView = new HTML();
    const first = traceNet(net as unknown as Module, [n0, c0, h0, w0], { timing: false });
    const maps = first.steps.filter((r) => r.outputs[0]?.shape.length === 4);
    const choices = maps.map((r, i) => [`${r.name} ${shapeText(r.outputs[0]!.shape)}`, i] as const);
    const startAt = Math.max(0, options.layer === undefined ? 0 : maps.findIndex((r) => r.name === options.layer || r.path === options.layer));
    const layer = new Dropdown<number>({ options: choices, description: "layer", style, ...(choices.length ? { index: startAt } : {}) });
    const heatmap = new Image({ format: "png" });
    const heatmapNote = new HTML();
    super({
      children: [
        new HTML({ value: STYLE }),
        new HBox([batch, channels]),
        h, hMarks, w, wMarks,
        status, traceView, explanationView,
        new VBox({ children: [layer, heatmapNote, heatmap], layout: new Layout({ margin: "8px 0 0 0" }) }),
      ],
      _dom_classes: ["tsorch-explore"],
    });
    this.net = net as unknown as Module;
    this.batch = batch;
    this.channels = channels;
    this.h = h;
    this.w = w;
    this.hMarks = hMarks;
    this.wMarks = wMarks;
    this.status = status;
    this.traceView = traceView;
    this.explanationView = explanationView;
    this.layer = layer;
    this.heatmap = heatmap;
    this.heatmapNote = heatmapNote;
    if (options.input !== undefined && !(options.input instanceof torch.Tensor)) throw new TypeError("explore: options.input must be a tensor (N, C, H, W)");
    this.#input = options.input as Tensor | undefined;
    // A first explanation warms the solver and, if the largest size fails, solves which sizes work.
    const largest = traceNet(this.net, [n0, c0, h.max, w.max], { timing: false });
    if (largest.failed) {
      largest.toHtml({ explain: false, chain: false });
      const ex = largest.explanation();
      const solved = ex?.sizes;
      if (ex?.exact && solved && solved.impossible.length === 0 && solved.vars.length === 2 && !solved.works({ [solved.vars[0]!]: h.max, [solved.vars[1]!]: w.max })) {
        this.#solved.set(`${n0}x${c0}`, solved);
      }
    }
    this.update(first);
    this.settle();
    for (const s of [batch, channels, h, w]) s.observe(() => this.update(), "value");
    layer.observe(() => this.showHeatmap(), "index");
  }

  /** Where there is no widget manager (a terminal, a saved notebook): the trace and the explanation as text. */
  override toString(): string {
    const size = this.size.join("×");
    const head = this.trace.failed ? `explore ${size}: ${this.trace.failedRow?.path ?? "the forward"} fails` : `explore ${size}: runs`;
    return [head, this.trace.toText({ explain: false, chain: false }), ...(this.explanation ? this.explanation.lines() : [])].join("\n");
  }

  /** The size the sliders show. */
  get size(): [number, number, number, number] {
    return [this.batch.value, this.channels.value, this.h.value, this.w.value];
  }

  /**
   * Re-traces at the sliders' size and refreshes the views (each slider move does this). The
   * trace and the status come at once; the explanation, the marks and the heatmap follow when the
   * slider has rested for `settleMs` (at once outside a notebook), so a drag is not held up by
   * sizes it passed through.
   */
  update(given?: Trace): void {
    const started = performance.now();
    const size = this.size;
    const t = given ?? traceNet(this.net, size, { timing: false });
    this.trace = t;
    this.explanation = null;
    this.status.value = statusHtml(t, null, size);
    this.traceView.value = t.toHtml({ explain: false, chain: false });
    if (!t.failed) this.explanationView.value = "";
    this.lastUpdateMs = performance.now() - started;
    if (this.#pending) clearTimeout(this.#pending);
    this.#pending = undefined;
    if (this.settleMs <= 0 || !this.connected) return this.settle();
    this.#pending = setTimeout(() => this.#settleStepwise(t), this.settleMs);
  }

  /** Finishes the last update now: explanation, marks and heatmap. */
  settle(): void {
    if (this.#pending) clearTimeout(this.#pending);
    this.#pending = undefined;
    const t = this.trace;
    this.#explain(t);
    this.#mark();
    this.showHeatmap();
  }

  /** The same, one step at a time, each yielding to the event loop: a newer slider move cancels the steps left. */
  #settleStepwise(t: Trace): void {
    this.#pending = undefined;
    if (t !== this.trace) return;
    const steps = [() => this.#explain(t), () => this.#mark(), () => this.showHeatmap()];
    const next = () => {
      this.#pending = undefined;
      if (t !== this.trace) return;
      steps.shift()!();
      if (steps.length > 0) this.#pending = setTimeout(next, 0);
    };
    next();
  }

  #explain(t: Trace): void {
    const size = this.size;
    const ex = t.failed ? t.explanation() : null;
    this.explanation = ex;
    // The solved sizes answer "does H×W work?" without tracing, when they model the whole failure.
    const solved = ex?.sizes;
    if (solved && ex.exact && solved.impossible.length === 0 && solved.vars.length === 2 && !solved.works({ [solved.vars[0]!]: size[2], [solved.vars[1]!]: size[3] })) {
      this.#solved.set(`${size[0]}x${size[1]}`, solved);
    }
    if (ex) {
      this.status.value = statusHtml(t, ex, size);
      this.explanationView.value = `<div class="tsorch-explanation">${ex.lines().map(escapeHtml).join("\n")}</div>`;
    }
  }

  #mark(): void {
    this.hMarks.value = this.marks("H");
    this.wMarks.value = this.marks("W");
  }

  /** Whether the net runs at `size` (solved sizes when known, else a shape-only trace). */
  works(size: readonly [number, number, number, number]): boolean {
    const solved = this.#solved.get(`${size[0]}x${size[1]}`);
    if (solved && solved.vars.length === 2) return solved.works({ [solved.vars[0]!]: size[2], [solved.vars[1]!]: size[3] });
    return !traceNet(this.net, [...size], { timing: false }).failed;
  }

  /** The sizes that work along one slider, the others held where they are, as a strip and in words. */
  marks(axis: "H" | "W"): string {
    const slider = axis === "H" ? this.h : this.w;
    const [n, c, h, w] = this.size;
    const key = `${axis}:${n}x${c}x${axis === "H" ? w : h}:${slider.min}-${slider.max}:${this.#solved.has(`${n}x${c}`)}`;
    let body = this.#marksCache.get(key);
    if (body === undefined) {
      const ok: number[] = [];
      for (let v = slider.min; v <= slider.max; v++) if (this.works(axis === "H" ? [n, c, v, w] : [n, c, h, v])) ok.push(v);
      const span = slider.max - slider.min + 1;
      const pct = (v: number) => ((v - slider.min) / span) * 100;
      const segments: string[] = [];
      const text = ranges(ok);
      for (const part of text ? text.split(", ") : []) {
        const [lo, hi = lo] = part.split("–").map(Number) as [number, number?];
        segments.push(`<span class="tsorch-explore-ok" style="left:${pct(lo).toFixed(2)}%;width:${Math.max(0.8, pct(hi! + 1) - pct(lo)).toFixed(2)}%"></span>`);
      }
      body = JSON.stringify({ segments: segments.join(""), text: text || "none in this range" });
      this.#marksCache.set(key, body);
    }
    const { segments, text } = JSON.parse(body) as { segments: string; text: string };
    const other = axis === "H" ? `W = ${w}` : `H = ${h}`;
    const now = `<span class="tsorch-explore-now" style="left:${(((slider.value - slider.min) / (slider.max - slider.min + 1)) * 100).toFixed(2)}%"></span>`;
    return `<div class="tsorch-explore-marks" data-axis="${axis}"><span class="tsorch-explore-track">${segments}${now}</span><span>${axis} works: <b>${escapeHtml(text)}</b> (with ${other})</span></div>`;
  }

  /** Feature maps of the chosen layer for a real input at the current size. */
  showHeatmap(): void {
    const index = this.layer.value;
    if (index === null) {
      this.heatmapNote.value = "no layer here makes 4-D feature maps";
      return;
    }
    const size = this.size;
    const t = traceNet(this.net, [this.realInput(size)], { keepActivations: true, timing: false });
    const rows = t.steps.filter((r) => r.outputs[0]?.shape.length === 4);
    const row: TraceRow | undefined = rows[index];
    if (!row?.activation) {
      this.heatmapNote.value = `<span class="tsorch-muted">${escapeHtml(this.layer.label ?? "this layer")} is not reached at ${size.join("×")}${t.failedRow ? `: ${escapeHtml(t.failedRow.path)} fails first` : ""}</span>`;
      this.heatmap.value = new Uint8Array(0);
      return;
    }
    const image = t.featureMaps(row);
    this.heatmapNote.value = `${escapeHtml(row.name)} ${shapeText(row.outputs[0]!.shape)} for a ${this.#input ? "resized" : "random"} ${size.join("×")} input`;
    this.heatmap.holdSync(() => {
      this.heatmap.value = new Uint8Array(image.png());
      this.heatmap.width = String(image.width);
    });
  }

  private realInput(size: [number, number, number, number]): Tensor {
    const [n, c, h, w] = size;
    const given = this.#input;
    if (given && given.dim() === 4 && given.shape[0] === n && given.shape[1] === c) {
      return F.interpolate(given, { size: [h, w], mode: "bilinear", align_corners: false });
    }
    this.#seed?.manual_seed(0);
    return torch.randn([n, c, h, w], this.#seed ? { generator: this.#seed } : {});
  }
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")})`;
}

function statusHtml(t: Trace, ex: Explanation | null, size: readonly number[]): string {
  if (!t.failed) {
    const out = t.outputs.map((o) => shapeText(o.shape)).join(", ");
    return `<div class="tsorch-explore-status ok" data-ok="true">✓ ${size.join("×")} runs: output ${escapeHtml(out)}</div>`;
  }
  const where = t.failedRow ? `${t.failedRow.path}` : "the forward";
  const why = ex?.headline ?? (t.error instanceof Error ? t.error.message : String(t.error));
  return `<div class="tsorch-explore-status fail" data-ok="false" data-failed="${escapeHtml(where)}">✗ ${size.join("×")}: ${escapeHtml(where)} fails: ${escapeHtml(why)}</div>`;
}

/**
 * Sliders for `net`'s input size with its trace and explanation, re-traced on every move (shape
 * only, no compute), the sizes that work marked, and feature maps for a layer you pick.
 *
 * @example explore(net, [1, 1, 32, 32])
 */
export function explore(net: ModuleLike, shape: readonly [number, number, number, number] | readonly number[], options: ExploreOptions = {}): Explorer {
  return new Explorer(net, shape, options);
}
