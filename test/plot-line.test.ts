/**
 * linePlot: the PNG is decoded and its pixels checked — the line passes
 * through the pixels its data map to, the axes and tick labels are drawn,
 * gaps are left where values are not finite, a log axis spaces decades
 * evenly — plus the text summary, the display bundle, the terminal form and
 * the typed errors.
 */
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { ArgumentError, linePlot, torch } from "../src/index.js";
import { PLOT_PALETTES, formatTick, niceTicks } from "../src/render/plot.js";
import { decodePng, type Pixels } from "../src/render/png.js";

type Rgb = readonly [number, number, number];
const light = PLOT_PALETTES.light;
const BLUE = light.series[0]!;
const ORANGE = light.series[1]!;

function pixel(img: Pixels, x: number, y: number): Rgb {
  const o = (Math.floor(y) * img.width + Math.floor(x)) * img.channels;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

const same = (a: Rgb, b: Rgb, tol = 0) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

/** Any pixel within `r` of (x, y) has exactly `color`. */
function near(img: Pixels, x: number, y: number, color: Rgb, r = 1): boolean {
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (same(pixel(img, x + dx, y + dy), color)) return true;
  return false;
}

function countColor(img: Pixels, rect: { x: number; y: number; width: number; height: number }, pred: (c: Rgb) => boolean): number {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.height; y++) for (let x = rect.x; x < rect.x + rect.width; x++) if (pred(pixel(img, x, y))) n++;
  return n;
}

describe("the line lands on the right pixels", () => {
  const x = [0, 10, 20, 30, 40];
  const y = [4, 3, 2, 1, 0];
  const plot = linePlot({ series: [{ name: "train loss", x, y }], title: "loss", xlabel: "step", ylabel: "loss" });
  const img = decodePng(plot.png());

  test("PNG size matches the layout and the display metadata", () => {
    expect([img.width, img.height]).toEqual([720, 320]);
    const shown = (plot as unknown as Record<symbol, () => { data: Record<string, string>; metadata: Record<string, { width: number; height: number }> }>)[Symbol.for("Jupyter.display")]!();
    expect(shown.metadata["image/png"]).toEqual({ width: 720, height: 320 });
    expect(Buffer.from(shown.data["image/png"]!, "base64").equals(plot.png())).toBe(true);
    expect(shown.data["text/plain"]).toBe(plot.summary);
  });

  test("every data point, and points between them, are painted in the series colour", () => {
    for (let k = 0; k < x.length; k++) {
      const [px, py] = plot.toPixel(x[k]!, y[k]!);
      expect(near(img, px, py, BLUE), `point ${k} at ${px.toFixed(1)},${py.toFixed(1)}`).toBe(true);
    }
    for (const t of [5, 12.5, 27, 33]) {
      const [px, py] = plot.toPixel(t, 4 - t / 10);
      expect(near(img, px, py, BLUE), `x=${t}`).toBe(true);
    }
  });

  test("away from the line there is no series colour", () => {
    for (const [tx, ty] of [[5, 1], [35, 3], [20, 3.5]] as const) {
      const [px, py] = plot.toPixel(tx, ty);
      expect(near(img, px, py, BLUE, 3), `(${tx}, ${ty})`).toBe(false);
    }
  });

  test("the data span the axes (with a margin on y), and the mapping is linear", () => {
    const [x0] = plot.toPixel(0, 0);
    const [x1] = plot.toPixel(40, 0);
    const { plot: area } = plot.layout;
    expect(x0).toBeCloseTo(area.x, 6);
    expect(x1).toBeCloseTo(area.x + area.width, 6);
    const [, yTop] = plot.toPixel(0, 4);
    const [, yBottom] = plot.toPixel(0, 0);
    expect(yTop).toBeGreaterThan(area.y);
    expect(yBottom).toBeLessThan(area.y + area.height);
    const [, yMid] = plot.toPixel(0, 2);
    expect(yMid).toBeCloseTo((yTop + yBottom) / 2, 6);
  });

  test("axes: a left and a bottom line in the axis colour, with tick marks and labels", () => {
    const { plot: area, yTicks, xTicks } = plot.layout;
    const axis = light.axis;
    for (let y = area.y; y < area.y + area.height; y += 7) expect(pixel(img, area.x - 1, y)).toEqual(axis);
    for (let x = area.x; x < area.x + area.width; x += 7) expect(pixel(img, x, area.y + area.height)).toEqual(axis);
    expect(yTicks).toEqual([0, 1, 2, 3, 4]);
    expect(xTicks).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    // Tick labels: text pixels left of the y axis, and under the x axis.
    const ink = (c: Rgb) => same(c, light.muted);
    expect(countColor(img, { x: 0, y: area.y, width: area.x - 6, height: area.height }, ink)).toBeGreaterThan(40);
    expect(countColor(img, { x: area.x, y: area.y + area.height + 6, width: area.width, height: 20 }, ink)).toBeGreaterThan(60);
    // Grid lines at the ticks inside the plot area.
    const [, gy] = plot.toPixel(0, 1);
    expect(countColor(img, { x: area.x, y: Math.floor(gy), width: area.width, height: 1 }, (c) => same(c, light.grid))).toBeGreaterThan(area.width / 2);
  });

  test("title and legend are drawn; the legend swatch has the series colour", () => {
    const text = (c: Rgb) => same(c, light.text);
    const { title, legend } = plot.layout;
    expect(countColor(img, title, text)).toBeGreaterThan(30);
    expect(countColor(img, legend, (c) => same(c, BLUE))).toBeGreaterThan(40);
    expect(countColor(img, legend, text)).toBeGreaterThan(60);
  });

  test("the summary says where each series ended", () => {
    expect(plot.summary).toBe("loss:\ntrain loss 0 at step 40 (min 0 at step 40, max 4 at step 0; 5 points)");
    expect(String(linePlot({ series: [{ name: "train loss", x: [100, 400], y: [0.5, 0.123] }], xlabel: "step" }))).toContain(
      "train loss 0.123 at step 400",
    );
  });
});

describe("more than one series, gaps, log axes", () => {
  test("two series in two colours, the later on top", () => {
    const plot = linePlot({ series: [{ name: "train", x: [0, 1], y: [0, 1] }, { name: "test", x: [0, 1], y: [1, 0] }] });
    const img = decodePng(plot.png());
    const [ax, ay] = plot.toPixel(0.1, 0.1);
    const [bx, by] = plot.toPixel(0.1, 0.9);
    expect(near(img, ax, ay, BLUE)).toBe(true);
    expect(near(img, bx, by, ORANGE)).toBe(true);
    const [cx, cy] = plot.toPixel(0.5, 0.5);
    expect(near(img, cx, cy, ORANGE)).toBe(true);
  });

  test("NaN and Infinity break the line and are counted", () => {
    const plot = linePlot({ series: [{ name: "loss", x: [0, 1, 2, 3, 4], y: [1, 1, Number.NaN, 1, 1] }] });
    const img = decodePng(plot.png());
    const [gx, gy] = plot.toPixel(2, 1);
    expect(near(img, gx, gy, BLUE, 2)).toBe(false);
    const [lx, ly] = plot.toPixel(0.5, 1);
    expect(near(img, lx, ly, BLUE)).toBe(true);
    expect(plot.stats[0]!.skipped).toBe(1);
    expect(plot.summary).toContain("1 not drawn (not finite)");
  });

  test("a log axis puts decades at equal distances and skips values ≤ 0", () => {
    const plot = linePlot({ series: [{ name: "loss", x: [0, 1, 2, 3, 4], y: [100, 10, 1, 0.1, 0] }], logY: true });
    const [, y100] = plot.toPixel(0, 100);
    const [, y10] = plot.toPixel(0, 10);
    const [, y1] = plot.toPixel(0, 1);
    expect(y10 - y100).toBeCloseTo(y1 - y10, 6);
    expect(plot.layout.yTicks).toEqual([0.1, 1, 10, 100]);
    expect(plot.stats[0]!.skipped).toBe(1);
    expect(plot.summary).toContain("not finite or ≤ 0 on the log axis");
    const img = decodePng(plot.png());
    const [px, py] = plot.toPixel(1.5, 10 ** 0.5);
    expect(near(img, px, py, BLUE)).toBe(true);
  });

  test("an empty plot (before training) draws axes and says there is no data", () => {
    const plot = linePlot({ series: [{ name: "train loss", x: [], y: [] }], title: "loss" });
    expect(plot.summary).toBe("loss:\ntrain loss: no data");
    const img = decodePng(plot.png());
    expect(img.width).toBe(720);
    expect(countColor(img, plot.layout.plot, (c) => same(c, BLUE))).toBe(0);
  });

  test("y can be a 1-d tensor; x defaults to 0, 1, 2, ...", () => {
    const plot = linePlot({ series: [{ name: "t", y: torch.tensor([3, 2, 1]) }] });
    expect(plot.stats[0]!.last).toEqual([2, 1]);
  });

  test("the dark theme paints a dark background with light text", () => {
    const plot = linePlot({ series: [{ name: "loss", y: [1, 2] }], title: "dark", theme: "dark" });
    const img = decodePng(plot.png());
    expect(pixel(img, 1, 1)).toEqual(PLOT_PALETTES.dark.background);
    expect(countColor(img, plot.layout.title, (c) => same(c, PLOT_PALETTES.dark.text))).toBeGreaterThan(20);
  });

  test("width, height, limits and colours can be set", () => {
    const plot = linePlot({ series: [{ name: "a", y: [0, 1], color: "#ff0000" }], width: 400, height: 200, xlim: [0, 2], ylim: [0, 2] });
    const img = decodePng(plot.png());
    expect([img.width, img.height]).toEqual([400, 200]);
    expect(plot.layout.xRange).toEqual([0, 2]);
    expect(plot.layout.yRange).toEqual([0, 2]);
    const [px, py] = plot.toPixel(0.5, 0.5);
    expect(near(img, px, py, [255, 0, 0])).toBe(true);
  });
});

describe("ticks", () => {
  test("nice steps of 1, 2, 2.5 and 5 × 10^k", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 376, 4)).toEqual([100, 200, 300]);
    expect(niceTicks(-0.1, 2.5, 6)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(-0.1, 2.5, 5)).toEqual([0, 1, 2]);
    expect(niceTicks(0.69, 0.99, 3)).toEqual([0.7, 0.8, 0.9]);
  });

  test("labels have the decimals of the step", () => {
    expect(formatTick(0.5, 0.5)).toBe("0.5");
    expect(formatTick(0.25, 0.25)).toBe("0.25");
    expect(formatTick(1, 0.25)).toBe("1.00");
    expect(formatTick(300, 100)).toBe("300");
    expect(formatTick(0, 0.1)).toBe("0");
    expect(formatTick(200000, 100000)).toBe("2e5");
  });
});

describe("terminal and errors", () => {
  test("colour terminals get half blocks and a legend; others the summary", () => {
    const plot = linePlot({ series: [{ name: "train loss", x: [0, 1, 2], y: [3, 2, 1] }], title: "loss", xlabel: "step" });
    const colored = inspect(plot, { colors: true });
    expect(colored).toMatch(/[▀▄]/);
    expect(colored).toContain("\x1b[");
    expect(colored).toContain("train loss 1 at step 2");
    expect(inspect(plot, { colors: false })).toBe(plot.summary);
    const lines = plot.toAnsi({ columns: 40, rows: 5, color: "truecolor" }).split("\n");
    expect(lines.length).toBe(1 + 5 + 1 + 1);
  });

  test("bad input is a typed error", () => {
    const bad = (options: unknown, text: string) => {
      let caught: unknown;
      try {
        linePlot(options as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ArgumentError);
      expect((caught as Error).message).toContain(text);
    };
    bad({}, "options.series must be an array");
    bad({ series: [{ name: "a", x: [1, 2], y: [1] }] }, 'series "a" has 2 x values but 1 y values');
    bad({ series: [{ name: "a", y: "nope" }] }, 'series "a" y must be an array of numbers');
    bad({ series: [{ y: [1] }] }, "series 0 must be { name: string");
    bad({ series: [{ name: "a", y: [1], color: "red" }] }, 'the color of "a" must be "#rrggbb"');
    bad({ series: [], width: 10 }, "width must be an integer from 240 to 4096, got 10");
    bad({ series: [], ylim: [2, 1] }, "ylim must be [low, high] with low < high");
    bad({ series: [], logY: true, ylim: [0, 1] }, "ylim must be positive on a log axis");
    bad({ series: [], theme: "blue" }, 'theme must be "light" or "dark"');
    expect(() => linePlot({ series: [{ name: "a", y: [1] }] }).toAnsi({ columns: 5 })).toThrow(ArgumentError);
  });
});
