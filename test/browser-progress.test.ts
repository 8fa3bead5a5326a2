/**
 * Progress bars in JupyterLab 4.6: the bar starts where the text printed under it starts. A
 * training loop shows a bar and then prints lines (`epoch 1: loss 0.25`); JupyterLab indents
 * text output by `--jp-code-padding`, so a bar drawn flush left reads as a separate block. Checked
 * for the bar displayed once (its HTML form), for the live widget a display id gives (while the
 * loop runs and as it is left in the notebook), and in the saved notebook reopened.
 */
/// <reference lib="dom" />
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./browser/lab.js";
import { tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-progress-");
const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
writeFileSync(
  join(root, "progress.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [
      code(`import { progressBar } from "tsorch";
const once = progressBar({ total: 10, label: "epoch 1/1" });
once.update(10, { loss: 0.25 });
display(once);
console.log("epoch 1: loss 0.250");`),
      code(`const live = progressBar({ total: 5, label: "epoch 1/1" });
display(live, { display_id: "bar" });
for (let i = 1; i <= 5; i++) { live.update(i, { loss: 1 / i }); updateDisplay("bar", live); }
console.log("epoch 1: loss 0.200");`),
    ],
  }),
);

/**
 * For each cell: the left edge (px) of the first text or bar the progress output draws, and of
 * the first character of the printed text.
 */
async function edges(lab: Lab): Promise<{ bar: number; text: number }[]> {
  return lab.page.evaluate(() => {
    const firstInk = (root: Element): number | undefined => {
      // The leftmost visible box: a text run or an element with a background or border of its own (the bar).
      let left = Infinity;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.nodeType === Node.TEXT_NODE) {
          if (!node.textContent?.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) if (r.width > 0) left = Math.min(left, r.left);
        } else {
          const el = node as HTMLElement;
          const style = getComputedStyle(el);
          if (el.tagName === "STYLE" || style.display === "none") continue;
          const painted = style.backgroundColor !== "rgba(0, 0, 0, 0)" || parseFloat(style.borderLeftWidth) > 0;
          const r = el.getBoundingClientRect();
          if (painted && r.width > 0 && r.height > 0) left = Math.min(left, r.left);
        }
      }
      return left === Infinity ? undefined : left;
    };
    return [...document.querySelectorAll(".jp-CodeCell")].map((cell) => {
      const outputs = [...cell.querySelectorAll(".jp-OutputArea-output")];
      const barOutput = outputs.find((o) => o.querySelector(".tsorch-progress, .tsorch-live-progress, .widget-progress"));
      const textOutput = outputs.find((o) => o.matches("[data-mime-type='application/vnd.jupyter.stdout']") || o.querySelector("pre"));
      return { bar: barOutput ? (firstInk(barOutput) ?? NaN) : NaN, text: textOutput ? (firstInk(textOutput) ?? NaN) : NaN };
    });
  });
}

describe("progress bars line up with the text under them in JupyterLab 4.6", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1280, height: 900 } });
    await lab.open("progress.ipynb");
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("a bar displayed once and a live one start where the printed text starts", async () => {
    await lab.runAll();
    await lab.page.waitForFunction(() => document.querySelectorAll(".jp-CodeCell .jp-OutputArea-output").length >= 4, undefined, { timeout: 60_000 });
    await lab.page.waitForTimeout(500);
    const seen = await edges(lab);
    await lab.screenshot("progress-indent");
    expect(seen).toHaveLength(2);
    for (const { bar, text } of seen) expect(Number.isFinite(bar) && Number.isFinite(text)).toBe(true);
    expect(seen.map(({ bar, text }) => Math.abs(bar - text) <= 1.5 || `${bar} vs ${text}`)).toEqual([true, true]);
  });

  it("still lines up as saved: the notebook reopened from disk", async () => {
    await lab.command("docmanager:save");
    await lab.page.waitForTimeout(500);
    await lab.command("application:close-all");
    await lab.open("progress.ipynb");
    await lab.page.waitForFunction(() => document.querySelectorAll(".jp-CodeCell .jp-OutputArea-output").length >= 4, undefined, { timeout: 60_000 });
    await lab.page.waitForTimeout(500);
    const seen = await edges(lab);
    await lab.screenshot("progress-indent-reopened");
    for (const { bar, text } of seen) expect(Number.isFinite(bar) && Number.isFinite(text)).toBe(true);
    expect(seen.map(({ bar, text }) => Math.abs(bar - text) <= 1.5 || `${bar} vs ${text}`)).toEqual([true, true]);
  });
});
