/**
 * `featureMaps(tensor)`: a layer's activations as a grid of heatmaps, one
 * labelled tile per channel, with the normalisation written on the image
 * ("global": one colour range for all tiles, so tiles compare; "channel":
 * each tile its own range). Takes `[C, H, W]`, or `[N, C, H, W]` and a
 * sample index; `[H, W]` is one channel.
 *
 * Traces that keep activations show the same grids per row
 * (`trace.featureMaps("conv1")`).
 *
 * @example
 * const y = F.relu(net.conv1(x));                      // [1, 6, 28, 28]
 * featureMaps(y, { title: "conv1 · relu" })            // PNG in a notebook, half blocks in a terminal
 * featureMaps(batch, { sample: 3, normalize: "channel" })
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { type FeatureMapImage, type FeatureMapOptions, featureMapImage } from "../render/heatmap.js";
import { metaDataError } from "../tensor/meta.js";
import { Tensor } from "../tensor/tensor.js";
import type { InspectOptions } from "node:util";
import { Module } from "../nn/module.js";
import { escapeHtml, htmlBlock } from "../render/html.js";
import { type DisplayResult, inspectCustom, jupyterDisplay } from "../render/mime.js";
import type { TraceRow } from "./row.js";
import { type Trace, trace } from "./trace.js";

/** Options of {@link featureMaps}: the heatmap's, plus which sample of a batch. */
export interface FeatureMapsOptions extends FeatureMapOptions {
  /** The sample of an `[N, C, H, W]` batch to show (default 0). */
  sample?: number;
}

/** Options of `featureMaps(net, x)`: the heatmaps', plus which layers. */
export interface NetFeatureMapsOptions extends FeatureMapsOptions {
  /** Rows to show, by path (`conv1`) or op name (`F.max_pool2d`); default every step with feature maps. */
  layers?: readonly string[];
}

/**
 * The feature maps of every step of a network that produces them (`[N, C,
 * H, W]` outputs), one heatmap grid per step, in order: an HTML page of
 * images in notebooks, half-block heatmaps in colour terminals.
 */
export class FeatureMapGallery {
  constructor(
    /** The trace the maps come from. */
    readonly trace: Trace,
    /** One image per step, with the step's row. */
    readonly images: readonly { readonly row: TraceRow; readonly image: FeatureMapImage }[],
  ) {}

  /** The image of one step, by path or op name. */
  get(name: string): FeatureMapImage | undefined {
    return this.images.find((i) => i.row.path === name || i.row.name === name)?.image;
  }

  toString(): string {
    return this.images.map((i) => i.image.summary).join("\n\n");
  }

  [jupyterDisplay](): DisplayResult {
    const html = this.images.map(({ image }) => `<div style="margin: 0.5em 0">${image.toHtml()}</div>`).join("");
    return { "text/plain": this.toString(), "text/html": htmlBlock(`<div class="tsorch-muted">${escapeHtml(this.trace.chain())}</div>${html}`) };
  }

  [inspectCustom](_depth: number, options: InspectOptions | undefined): string {
    return options?.colors ? this.images.map((i) => i.image.toAnsi()).join("\n\n") : this.toString();
  }
}

/**
 * Feature maps of one sample as a displayable heatmap grid; or, given a
 * network and an input, the feature maps of every step of its forward.
 *
 * @example
 * featureMaps(torch.randn(6, 28, 28), { normalize: "channel" }).shape   // [6, 28, 28]
 * featureMaps(net, torch.randn(1, 1, 32, 32))                            // conv1, relu, pool, conv2, ... as heatmaps
 * featureMaps(net, x, { layers: ["conv1"], sample: 0 })
 */
export function featureMaps(tensor: Tensor, options?: FeatureMapsOptions): FeatureMapImage;
export function featureMaps(net: Module, input: Tensor, options?: NetFeatureMapsOptions): FeatureMapGallery;
export function featureMaps(first: Tensor | Module, second?: Tensor | FeatureMapsOptions, third?: NetFeatureMapsOptions): FeatureMapImage | FeatureMapGallery {
  if (first instanceof Module) {
    if (!(second instanceof Tensor)) throw new ArgumentError("featureMaps(net, input) needs an input tensor", "input", "TypeError");
    const { layers, ...heatmap } = third ?? {};
    const t = trace(first, second, { keepActivations: true, timing: false });
    const rows = t.steps.filter((r) => {
      const a = r.activation;
      const wanted = layers === undefined || layers.includes(r.path) || layers.includes(r.name);
      return wanted && a !== null && (a.ndim === 3 || a.ndim === 4) && (a.shape[a.ndim - 1] ?? 0) > 1;
    });
    return new FeatureMapGallery(t, rows.map((row) => ({ row, image: row.featureMaps(heatmap) })));
  }
  return tensorMaps(first, second as FeatureMapsOptions | undefined);
}

function tensorMaps(tensor: Tensor, options: FeatureMapsOptions = {}): FeatureMapImage {
  if (!(tensor instanceof Tensor)) throw new ArgumentError("featureMaps() takes a tensor of shape [C, H, W] or [N, C, H, W]", "tensor", "TypeError");
  if (tensor.is_meta) throw metaDataError();
  const { sample = 0, ...heatmap } = options;
  let x = tensor.detach();
  if (x.ndim === 4) {
    const n = x.shape[0]!;
    if (!Number.isInteger(sample) || sample < -n || sample >= n) {
      throw new ArgumentError(`sample ${sample} is out of range for a batch of ${n}`, "sample", "IndexError");
    }
    x = x.select(0, sample < 0 ? sample + n : sample);
  } else if (x.ndim === 2) {
    x = x.unsqueeze(0);
  } else if (x.ndim !== 3) {
    throw new ShapeError(`featureMaps() takes [C, H, W] or [N, C, H, W] (or [H, W]), got ${x.ndim}-D [${x.shape.join(", ")}]`,
      { op: "featureMaps", shapes: { input: x.shape }, expected: { ndim: [2, 3, 4] }, got: { ndim: x.ndim } });
  }
  if (!x.dtype.is_floating_point) x = x.to("float32");
  const values = x.contiguous()._contiguousData();
  const [c, h, w] = x.shape as unknown as [number, number, number];
  const title = heatmap.title ?? (tensor.ndim === 4 ? `sample ${sample}` : undefined);
  return featureMapImage(values, [c, h, w], { ...heatmap, title });
}
