/**
 * More widgets in JupyterLab 4.6 with ipywidgets 8, in Chromium: jslink between two sliders and
 * between a Play and a slider (moved in the page, no kernel code), Play stepping on its own with
 * the kernel hearing each value, Tab and Accordion pages picked in the page and seen by kernel
 * observers, an Image sent and replaced as a binary buffer, an Output capturing displays (at the
 * start and from a Button's onClick), and a training loop's progress bar and loss curve as
 * widgets that change while the loop runs, each in one output redrawn only once it is finished; and the
 * same loop in Notebook 7.
 */
/// <reference lib="dom" />
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./browser/lab.js";
import { tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-controls-");

const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
writeFileSync(
  join(root, "controls.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [
      code(`const play = new widgets.Play({ min: 0, max: 6, interval: 150, description: "play" });
const played = new widgets.IntSlider({ max: 6, description: "played" });
widgets.jslink([play, "value"], [played, "value"]);
const heard = new widgets.Label({ value: "kernel heard 0" });
play.onChange((v) => (heard.value = \`kernel heard \${v}\`));
const a = new widgets.IntSlider({ max: 10, description: "a" });
const b = new widgets.IntSlider({ max: 10, description: "b" });
widgets.jslink([a, "value"], [b, "value"]);
new widgets.VBox([new widgets.HBox([play, played, heard]), a, b])`),
      code(`const tab = new widgets.Tab({ children: [new widgets.Label({ value: "trace page" }), new widgets.Label({ value: "explanation page" })], titles: ["trace", "explanation"] });
const acc = new widgets.Accordion({ children: [new widgets.Label({ value: "conv1 body" }), new widgets.Label({ value: "fc1 body" })], titles: ["conv1", "fc1"] });
const picked = new widgets.Label({ value: "tab 0, section none" });
const show = () => (picked.value = \`tab \${tab.selected_index}, section \${acc.selected_index ?? "none"}\`);
tab.observe(show, "selected_index");
acc.observe(show, "selected_index");
new widgets.VBox([tab, acc, picked])`),
      code(`import { linePlot } from "tsorch";
const plot = (width: number) => linePlot({ series: [{ name: "loss", y: [1, 0.5, 0.3, 0.25] }], width, height: 160 }).png();
const img = new widgets.Image({ value: plot(300), format: "png", _dom_classes: ["grown"] });
const out = new widgets.Output({ _dom_classes: ["captured"] });
out.capture(() => display.html("<b>captured at start</b>"));
const grow = new widgets.Button({ description: "grow" });
let grown = 0;
grow.onClick(() => {
  grown++;
  img.value = plot(300 + 100 * grown);
  out.capture(() => {
    console.log(\`click \${grown}\`);
    display(torch.tensor([1, 2, 3]).mul(grown));
  });
});
new widgets.VBox([grow, img, out])`),
      code(`import { progressBar } from "tsorch";
const steps: number[] = [], losses: number[] = [];
const curve = () => linePlot({ series: [{ name: "train loss", x: steps, y: losses }], title: "loss", xlabel: "step" });
display(curve(), { display_id: "curve" });
const bar = progressBar({ total: 40, label: "epoch 1/1" });
display(bar, { display_id: "bar" });
torch.manual_seed(0);
const model = new nn.Linear(8, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
const x = torch.randn(256, 8);
const y = x.sum(1, true);
for (let i = 1; i <= 40; i++) {
  opt.zero_grad();
  const loss = F.mse_loss(model(x), y);
  loss.backward();
  opt.step();
  steps.push(i);
  losses.push(loss.item());
  bar.update(i, { loss: loss.item() });
  updateDisplay("bar", bar);
  updateDisplay("curve", curve());
  const until = performance.now() + 50;
  while (performance.now() < until);   // a slower step, as a real one is
}`)
    ],
  }),
);

// The same loop, shorter, for Notebook 7.
writeFileSync(
  join(root, "training.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [
      code(`import { linePlot, progressBar } from "tsorch";
const losses: number[] = [];
display(linePlot({ series: [{ name: "loss", y: [1] }] }), { display_id: "curve" });
const bar = progressBar({ total: 12, label: "epoch 1/1" });
display(bar, { display_id: "bar" });
for (let i = 1; i <= 12; i++) {
  losses.push(1 / i);
  bar.update(i, { loss: 1 / i });
  updateDisplay("bar", bar);
  updateDisplay("curve", linePlot({ series: [{ name: "loss", y: losses }] }));
}`),
    ],
  }),
);

interface Seen {
  /** Widths of the live progress bar, in the order the page showed them. */
  widths: string[];
  /** How many different images the live loss curve showed. */
  curves: number;
  /** The bar's width each time its element was replaced (only once, finished, as the cell ends). */
  barSwaps: string[];
  /** How many curves the page had shown each time the curve's element was replaced. */
  curveSwaps: number[];
}

const slider = (name: string) => `.widget-hslider:has(.widget-label:text-is('${name}'))`;

describe("jslink, Play, Tab, Accordion, Image, Output and training progress in JupyterLab 4.6 with ipywidgets 8", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1400, height: 2200 } });
    await lab.open("controls.ipynb");
    // Watch the training loop's widgets from the moment they appear until the loop ends.
    await lab.page.evaluate(() => {
      const w = window as unknown as { tsorchLive: Seen & { bar?: Element; curve?: Element } };
      const seen: Seen & { bar?: Element; curve?: Element } = { widths: [], curves: 0, barSwaps: [], curveSwaps: [] };
      w.tsorchLive = seen;
      let lastSrc = "";
      new MutationObserver(() => {
        const bar = document.querySelector(".tsorch-live-progress .progress-bar");
        if (bar) {
          seen.bar ??= bar;
          if (seen.bar !== bar) {
            seen.barSwaps.push(seen.widths.at(-1) ?? "");
            seen.bar = bar;
          }
          const width = (bar as HTMLElement).style.width;
          if (width && seen.widths.at(-1) !== width) seen.widths.push(width);
        }
        const curve = document.querySelector("img.tsorch-live-image") as HTMLImageElement | null;
        if (curve) {
          seen.curve ??= curve;
          if (seen.curve !== curve) {
            seen.curveSwaps.push(seen.curves);
            seen.curve = curve;
          }
          if (curve.src && curve.src !== lastSrc) {
            lastSrc = curve.src;
            seen.curves++;
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["style", "src"] });
    });
    await lab.runAll();
  }, 240_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it("jslink: moving one slider moves its twin in the page", async () => {
    const page = lab.page;
    await page.locator(slider("a")).waitFor({ timeout: 30_000 });
    await page.locator(`${slider("a")} .noUi-handle`).focus();
    for (let i = 0; i < 3; i++) await page.locator(`${slider("a")} .noUi-handle`).press("ArrowRight");
    await page.locator(`${slider("b")} .widget-readout`, { hasText: "3" }).waitFor({ timeout: 10_000 });
    expect(await page.locator(`${slider("b")} .widget-readout`).textContent()).toBe("3");
  });

  it("Play steps on its own, its jslinked slider follows, and the kernel hears each value", async () => {
    const page = lab.page;
    await page.locator(".widget-play button").first().click();
    await page.locator(`${slider("played")} .widget-readout`, { hasText: "6" }).waitFor({ timeout: 20_000 });
    await page.locator(".widget-label", { hasText: "kernel heard 6" }).waitFor({ timeout: 10_000 });
    await lab.screenshot("widgets-controls-play");
  });

  it("Tab and Accordion: a page picked in the page shows, and the kernel's observers see it", async () => {
    const page = lab.page;
    const tab = page.locator(".widget-tab");
    await tab.locator(".lm-TabBar-tab", { hasText: "explanation" }).click();
    await tab.locator(".widget-label", { hasText: "explanation page" }).waitFor({ state: "visible", timeout: 10_000 });
    expect(await tab.locator(".widget-label", { hasText: "trace page" }).isVisible()).toBe(false);
    await page.locator(".widget-label", { hasText: "tab 1, section none" }).waitFor({ timeout: 10_000 });
    const accordion = page.locator(".widget-accordion");
    expect(await accordion.locator(".widget-label", { hasText: "fc1 body" }).isVisible()).toBe(false);
    await accordion.getByText("fc1", { exact: true }).click();
    await accordion.locator(".widget-label", { hasText: "fc1 body" }).waitFor({ state: "visible", timeout: 10_000 });
    await page.locator(".widget-label", { hasText: "tab 1, section 1" }).waitFor({ timeout: 10_000 });
    await lab.screenshot("widgets-controls-tab-accordion");
  });

  it("Image from a binary buffer, replaced by a Button's onClick; Output captures displays there, not in the cell", async () => {
    const page = lab.page;
    const img = page.locator("img.grown");
    const width = () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth);
    await expect.poll(width, { timeout: 10_000 }).toBeGreaterThan(0);
    const before = await width();
    const out = page.locator(".captured");
    await out.locator("b", { hasText: "captured at start" }).waitFor({ timeout: 10_000 });
    await page.locator("button.widget-button", { hasText: "grow" }).click();
    await out.getByText("click 1").waitFor({ timeout: 10_000 });
    await out.getByText("tensor([1, 2, 3])").waitFor({ timeout: 10_000 });
    await expect.poll(width, { timeout: 10_000 }).toBeGreaterThan(before);
    const after = await width();
    // 300 → 400 CSS pixels wide: the new PNG is a third wider, whatever the plot's pixel density.
    expect(after / before).toBeCloseTo(4 / 3, 1);
    await page.locator("button.widget-button", { hasText: "grow" }).click();
    await out.getByText("tensor([2, 4, 6])").waitFor({ timeout: 10_000 });
    // What the Output captured is in the widget only: the cell's own outputs are the widget view alone.
    const cell = page.locator(".jp-CodeCell", { has: page.locator(".captured") });
    expect(await cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child").count()).toBe(1);
    expect(await cell.locator(".jp-OutputArea-output").first().textContent()).toContain("click 2");
    await lab.screenshot("widgets-controls-image-output");
  });

  it("a training loop's progress bar and loss curve are widgets that change while it runs, replaced only once finished", async () => {
    const page = lab.page;
    const seen = await page.evaluate(() => {
      const s = (window as unknown as { tsorchLive: Seen }).tsorchLive;
      return { widths: s.widths, curves: s.curves, barSwaps: s.barSwaps, curveSwaps: s.curveSwaps };
    });
    console.log(`training loop: the page drew ${seen.widths.length} bar widths and ${seen.curves} loss curves during 40 steps; views redrawn at the end: bar ${seen.barSwaps.length}, curve ${seen.curveSwaps.length}`);
    expect(seen.widths.at(-1)).toBe("100%");
    // Values between the first and the last arrived while the loop ran (the run ends at 100%).
    const middle = seen.widths.map((w) => parseFloat(w)).filter((v) => v > 0 && v < 100);
    expect(middle.length).toBeGreaterThanOrEqual(5);
    expect(middle).toEqual([...middle].sort((a, b) => a - b));
    expect(seen.curves).toBeGreaterThanOrEqual(5);
    // The views are drawn once while the loop runs; as the cell ends each output gets its finished
    // forms (for notebooks saved without widget state), which redraws it once with the same model.
    expect(seen.barSwaps.length).toBeLessThanOrEqual(1);
    expect(seen.barSwaps.every((w) => w === "100%")).toBe(true);
    expect(seen.curveSwaps.length).toBeLessThanOrEqual(1);
    expect(seen.curveSwaps.every((n) => n >= 41)).toBe(true);
    const cell = page.locator(".jp-CodeCell", { has: page.locator(".tsorch-live-progress") });
    expect(await cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child").count()).toBe(2);
    expect(await cell.locator(".tsorch-live-progress .progress-bar").getAttribute("class")).toContain("progress-bar-success");
    expect(await cell.locator(".tsorch-live-progress .widget-html").textContent()).toMatch(/100%\s*40\/40 \[[^\]]+\]\s*loss 0\.01/);
    expect(await cell.locator("img.tsorch-live-image").evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(300);
    await cell.scrollIntoViewIfNeeded();
    await lab.screenshot("widgets-controls-training");

    // Saved from JupyterLab, the notebook's outputs read without widgets: the finished bar and the last curve.
    await lab.command("docmanager:save");
    await expect.poll(() => JSON.parse(readFileSync(join(root, "controls.ipynb"), "utf8")).cells[3].outputs.length, { timeout: 10_000 }).toBe(2);
    const [curveOut, barOut] = JSON.parse(readFileSync(join(root, "controls.ipynb"), "utf8")).cells[3].outputs as { data: Record<string, string | string[]> }[];
    expect(Object.keys(curveOut!.data).sort()).toEqual(["application/vnd.jupyter.widget-view+json", "image/png", "text/plain"]);
    expect([barOut!.data["text/plain"]].flat().join("")).toMatch(/^epoch 1\/1 █+ 100% 40\/40/);
    expect([barOut!.data["text/html"]].flat().join("")).toContain("tsorch-done");
  });
});

describe("training progress as widgets in Notebook 7", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, app: "notebook", viewport: { width: 1200, height: 1200 } });
    await lab.open("training.ipynb");
    await lab.runAll();
  }, 240_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it("shows the bar and the curve as widgets, finished", async () => {
    const page = lab.page;
    const bar = page.locator(".tsorch-live-progress .progress-bar");
    await bar.waitFor({ timeout: 30_000 });
    await expect.poll(() => bar.evaluate((el) => (el as HTMLElement).style.width), { timeout: 10_000 }).toBe("100%");
    expect(await bar.getAttribute("class")).toContain("progress-bar-success");
    expect(await page.locator(".tsorch-live-progress .widget-html").textContent()).toContain("12/12");
    expect(await page.locator("img.tsorch-live-image").evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(300);
    await lab.screenshot("widgets-notebook7-training");
  });
});
