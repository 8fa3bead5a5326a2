/**
 * Feature-map heatmaps: from a tensor, from a batch with a sample index, and
 * from the activations a trace kept; pixels checked through the PNG decoder.
 */
import { describe, expect, test } from "vitest";
import { featureMaps, torch, trace } from "../src/index.js";
import { decodePng } from "../src/render/png.js";
import { colormap } from "../src/render/colormap.js";
import { Net } from "./trace-nets.js";
import { markup } from "./html-markup.js";

const DISPLAY = Symbol.for("Jupyter.display");

const decoded = new WeakMap<Uint8Array, ReturnType<typeof decodePng>>();

/** The RGB of one pixel of a PNG (decoded once per image). */
function pixel(png: Uint8Array, x: number, y: number): number[] {
  let img = decoded.get(png);
  if (!img) decoded.set(png, (img = decodePng(png)));
  const i = (y * img.width + x) * img.channels;
  return [...img.data.subarray(i, i + 3)];
}

describe("featureMaps", () => {
  test("[C, H, W]: one tile per channel, global normalisation by default, colours by value", () => {
    // Channel 0 all 0, channel 1 all 1, channel 2 a left-to-right ramp.
    const x = torch.zeros(3, 8, 8);
    x.index(1).fill_(1);
    x.index(2).copy_(torch.arange(8).float().div(7).expand(8, 8));
    const img = featureMaps(x, { title: "three maps" });
    expect(img.shape).toEqual([3, 8, 8]);
    expect(img.normalize).toBe("global");
    expect(img.summary).toContain("three maps");
    expect(img.summary).toContain("global");
    const png = img.png();
    const lut = colormap("viridis").lut;
    const low = [...lut.subarray(0, 3)];
    const high = [...lut.subarray(255 * 3, 256 * 3)];
    const centre = (c: number) => {
      const t = img.layout.tiles[c]!;
      return pixel(png, t.x + Math.floor(t.width / 2), t.y + Math.floor(t.height / 2));
    };
    expect(centre(0)).toEqual(low);
    expect(centre(1)).toEqual(high);
    const ramp = img.layout.tiles[2]!;
    expect(pixel(png, ramp.x, ramp.y + 2)).toEqual(low);
    expect(pixel(png, ramp.x + ramp.width - 1, ramp.y + 2)).toEqual(high);
    const bundle = (img as unknown as Record<symbol, () => { data: Record<string, string>; metadata: Record<string, unknown> }>)[DISPLAY]!();
    expect(bundle.metadata["image/png"]).toMatchObject({ tiles: { labels: ["ch 0", "ch 1", "ch 2"] } });
    expect(Buffer.from(bundle.data["image/png"]!, "base64").equals(img.tilesPng())).toBe(true);
  });

  test("channel normalisation is said on the image and in the text", () => {
    const x = torch.randn(2, 5, 5);
    const img = featureMaps(x, { normalize: "channel" });
    expect(img.normalize).toBe("channel");
    expect(img.summary).toMatch(/channel/);
    // Each tile spans its own range: both tiles reach the top colour somewhere.
    const png = img.png();
    const high = [...colormap("viridis").lut.subarray(255 * 3, 256 * 3)];
    for (const t of img.layout.tiles) {
      let found = false;
      for (let y = t.y; y < t.y + t.height && !found; y += 2) {
        for (let xx = t.x; xx < t.x + t.width && !found; xx += 2) if (pixel(png, xx, y).join() === high.join()) found = true;
      }
      expect(found).toBe(true);
    }
  });

  test("[N, C, H, W] with a sample index; bad input is a clear error", () => {
    const batch = torch.zeros(4, 2, 6, 6);
    batch.index(3, 1).fill_(5);
    const img = featureMaps(batch, { sample: 3 });
    expect(img.stats[1]!.max).toBe(5);
    expect(img.stats[0]!.max).toBe(0);
    expect(featureMaps(batch, { sample: -1 }).stats[1]!.max).toBe(5);
    expect(() => featureMaps(batch, { sample: 4 })).toThrow("sample 4 is out of range for a batch of 4");
    expect(() => featureMaps(torch.zeros(2, 2, 2, 2, 2))).toThrow(/takes \[C, H, W\] or \[N, C, H, W\]/);
    expect(() => featureMaps(torch.empty(1, 6, 28, 28, { device: "meta" }))).toThrow(/Cannot copy out of meta tensor/);
  });

  test("featureMaps(net, x): every step's maps, or the ones asked for", () => {
    torch.manual_seed(0);
    const net = new Net();
    const gallery = featureMaps(net, torch.randn(2, 1, 32, 32), { sample: 1 });
    expect(gallery.images.map((i) => i.row.path)).toEqual([
      "conv1", "Net.forward › F.relu", "Net.forward › F.max_pool2d", "conv2", "Net.forward › F.relu", "Net.forward › F.max_pool2d",
    ]);
    expect(gallery.get("conv2")!.shape).toEqual([16, 10, 10]);
    const bundle = (gallery as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]!();
    // Each step: its tiles and its colour strip as images, every label as text.
    expect(bundle["text/html"]!.match(/<img /g)!.length).toBe(gallery.images.reduce((n, i) => n + i.image.shape[0] + 1, 0));
    expect(bundle["text/html"]).toContain(">ch 15</span>");
    expect(bundle["text/plain"]).toContain("conv1 · Conv2d(1, 6, 5)");
    expect(featureMaps(net, torch.randn(1, 1, 32, 32), { layers: ["conv1"] }).images.length).toBe(1);
    expect(() => featureMaps(net, [1, 1, 32, 32] as never)).toThrow("featureMaps(net, input) needs an input tensor");
  });

  test("a trace that keeps activations shows each row's maps", () => {
    torch.manual_seed(0);
    const net = new Net();
    const x = torch.randn(1, 1, 32, 32);
    const t = trace(net, x, { keepActivations: true });
    const conv1 = t.row("conv1")!;
    expect([...conv1.activation!.shape]).toEqual([1, 6, 28, 28]);
    const img = t.featureMaps("conv1");
    expect(img.shape).toEqual([6, 28, 28]);
    expect(img.title).toContain("conv1 · Conv2d(1, 6, 5)");
    // The maps are conv1's output: the statistics match the tensor.
    const direct = net.conv1(x);
    expect(img.stats[0]!.max).toBeCloseTo(direct.index(0, 0).max().item(), 5);
    expect(t.featureMaps(t.rows[3]!).shape).toEqual([6, 14, 14]);
    expect(t.row("conv2")!.featureMaps({ normalize: "channel" }).normalize).toBe("channel");
    expect(() => trace(net, [1, 1, 32, 32]).row("conv1")!.featureMaps()).toThrow(/kept no activation/);
    const html = markup(t.toHtml());
    expect(html).toContain("<th>Feature maps</th>");
    expect(html.match(/<img alt="/g)!.length).toBe(6);
    expect(html).toContain("data:image/png;base64,iVBORw0KGgo");
    expect(() => trace(net, [1, 1, 32, 32]).featureMaps("conv1")).toThrow(/kept no activation: trace with \{ keepActivations: true \} and a real input/);
    expect(() => t.featureMaps("nope")).toThrow("no row named 'nope' in this trace");
  });
});
