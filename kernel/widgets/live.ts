/**
 * Training-loop displays as widgets. A progress bar (`progressBar`) or a plot (`linePlot`, any
 * image) shown with a `display_id` and then replaced with `updateDisplay(id, value)` is, when the
 * frontend has a widget manager, a widget whose models change in place: the bar is a
 * FloatProgress with its numbers beside it in an HTML widget, the plot an Image widget getting
 * the new PNG as a binary buffer. While the cell runs the output is drawn once and never
 * replaced, so nothing flickers; when it ends, each such output is replaced once with the same
 * view and its finished text, HTML or image, so a notebook saved without widget state
 * (JupyterLab's default) still shows the last bar and curve.
 *
 * Where there is no widget manager (nbconvert, `tsorch run`, jupyter console, the REPL) the same
 * calls give today's displays: `display_data`, then `update_display_data`.
 *
 * The rule for "has a widget manager" is `hasWidgetManager()` (widget.ts): a frontend opened the
 * `jupyter.widget.control` comm, as ipywidgets 8's managers do when they connect. A widget output
 * still carries its text (and, for bars, HTML) forms, so a second frontend without widgets on the
 * same kernel shows those.
 *
 * @example
 * const bar = progressBar({ total: loader.length, label: "epoch 1" });
 * display(bar, { display_id: "epoch-1" });       // a Progress widget in JupyterLab
 * bar.update(10, { loss: 0.52 });
 * updateDisplay("epoch-1", bar);                  // one comm update, no output redrawn
 */
import { PROGRESS_INDENT, progressState, type ProgressState } from "../../src/render/progress.js";
import type { DisplayData, DisplayInterceptor } from "../display.js";
import { FloatProgress, HBox, HTML, Image } from "./controls.js";
import { hasWidgetManager, type Widget } from "./widget.js";

interface Live {
  kind: "progress" | "image";
  view: Widget;
  apply(value: unknown, shown: () => DisplayData): boolean;
}

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif"] as const;

function progressOf(value: unknown): ProgressState | undefined {
  const describe = (value as { [progressState]?: () => ProgressState } | null | undefined)?.[progressState];
  return typeof describe === "function" ? describe.call(value) : undefined;
}

/** An image-only bundle (a plot, a heatmap): its type and bytes. */
function imageOf(shown: DisplayData): { format: string; bytes: Uint8Array; width?: number; height?: number } | undefined {
  if (shown.data["text/html"] !== undefined) return undefined;
  const mime = IMAGE_TYPES.find((m) => typeof shown.data[m] === "string");
  if (!mime) return undefined;
  const size = (shown.metadata[mime] ?? {}) as { width?: unknown; height?: unknown };
  return {
    format: mime.slice("image/".length),
    bytes: new Uint8Array(Buffer.from(shown.data[mime] as string, "base64")),
    ...(typeof size.width === "number" ? { width: size.width } : {}),
    ...(typeof size.height === "number" ? { height: size.height } : {}),
  };
}

const DETAIL_STYLE = "display:flex;flex-wrap:wrap;gap:0.6em;align-items:center;font-variant-numeric:tabular-nums";

function progressWidget(first: ProgressState): Live {
  const bar = new FloatProgress({ min: 0, max: first.total, value: 0, description: first.label, style: { description_width: "initial" }, layout: { width: "18em" } });
  const detail = new HTML({ value: "" });
  const set = (p: ProgressState) => {
    bar.holdSync(() => {
      bar.max = p.total;
      bar.value = Math.min(p.n, p.total);
      bar.description = p.label;
      bar.bar_style = p.done ? "success" : "";
    });
    // The box starts where printed text starts (see PROGRESS_INDENT), less the widget's own margin.
    detail.value = `<style>.tsorch-live-progress::before { content: ""; ${PROGRESS_INDENT} margin-left: calc(-1 * var(--jp-widgets-margin, 2px)); }</style>` +
      `<div class="tsorch-progress-detail" style="${DETAIL_STYLE}">${p.detailHtml}</div>`;
  };
  set(first);
  return {
    kind: "progress",
    view: new HBox({ children: [bar, detail], layout: { align_items: "center" }, _dom_classes: ["tsorch-live-progress"] }),
    apply: (value) => {
      const p = progressOf(value);
      if (!p) return false;
      set(p);
      return true;
    },
  };
}

function imageWidget(first: NonNullable<ReturnType<typeof imageOf>>): Live {
  const image = new Image({ value: first.bytes, format: first.format, ...(first.width ? { width: first.width } : {}), ...(first.height ? { height: first.height } : {}), _dom_classes: ["tsorch-live-image"] });
  return {
    kind: "image",
    view: image,
    apply: (_value, shown) => {
      const next = imageOf(shown());
      if (!next) return false;
      image.holdSync(() => {
        image.format = next.format;
        if (next.width) image.width = String(next.width);
        if (next.height) image.height = String(next.height);
        image.value = next.bytes;
      });
      return true;
    },
  };
}

/** The output a live display leaves in the notebook: its view, and its own forms as they are now. */
function settled(live: Live, shown: DisplayData): DisplayData {
  const keep = live.kind === "progress" ? ["text/plain", "text/html"] : ["text/plain", ...IMAGE_TYPES];
  const data = Object.fromEntries(Object.entries(shown.data).filter(([mime]) => keep.includes(mime)));
  return { data: { ...data, ...live.view.viewBundle() }, metadata: shown.metadata };
}

/** The widget-backed displays of this kernel, by display_id. */
export class LiveDisplays implements DisplayInterceptor {
  readonly #live = new Map<string, Live>();
  /** What each display changed since the last settle() holds now. */
  readonly #changed = new Map<string, () => DisplayData>();

  show(value: unknown, displayId: string, shown: DisplayData): DisplayData | undefined {
    if (!hasWidgetManager()) return undefined;
    const progress = progressOf(value);
    const image = progress ? undefined : imageOf(shown);
    if (!progress && !image) {
      this.#live.delete(displayId);
      return undefined;
    }
    // The same id shown again (a cell run twice): one model, so every output with the id follows, as with update_display_data.
    let live = this.#live.get(displayId);
    if (!live || !live.view.connected || live.kind !== (progress ? "progress" : "image") || !live.apply(value, () => shown)) {
      live = progress ? progressWidget(progress) : imageWidget(image!);
      this.#live.set(displayId, live);
    }
    const fallback = Object.fromEntries(Object.entries(shown.data).filter(([mime]) => mime === "text/plain" || (progress && mime === "text/html")));
    this.#changed.delete(displayId);
    return { data: { ...fallback, ...live.view.viewBundle() }, metadata: {} };
  }

  update(displayId: string, value: unknown, shown: () => DisplayData): boolean {
    const live = this.#live.get(displayId);
    if (!live) return false;
    if (live.view.connected && hasWidgetManager() && live.apply(value, shown)) {
      this.#changed.set(displayId, shown);
      return true;
    }
    // Something else under the id now (or the widget was closed): the output is replaced as usual.
    this.#live.delete(displayId);
    this.#changed.delete(displayId);
    return false;
  }

  /**
   * The displays updated in place since the last call, with their view and their text, HTML or
   * image as they are now: the kernel sends them once as a request ends, so a notebook saved
   * without widget state (JupyterLab's default) shows the finished bar and the last curve.
   */
  settle(): { displayId: string; shown: DisplayData }[] {
    const out: { displayId: string; shown: DisplayData }[] = [];
    for (const [displayId, shown] of this.#changed) {
      const live = this.#live.get(displayId);
      if (live?.view.connected) out.push({ displayId, shown: settled(live, shown()) });
    }
    this.#changed.clear();
    return out;
  }
}
