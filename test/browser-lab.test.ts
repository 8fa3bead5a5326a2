/**
 * The JupyterLab harness itself, on the kernel's smoke notebook: JupyterLab 4 and Notebook 7 start
 * tsorch, Run All executes every cell, and the outputs show in the page (text, the result, the
 * image, the HTML and the error). The suites that look closer (notebook rendering, widgets) build
 * on `test/browser/lab.ts`.
 */
/// <reference lib="dom" />
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./browser/lab.js";
import { NOTEBOOKS, tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-");
copyFileSync(join(NOTEBOOKS, "kernel-smoke.ipynb"), join(root, "smoke.ipynb"));

/** The text of each code cell's output area, in order. */
function outputTexts(lab: Lab): Promise<string[]> {
  return lab.page.$$eval(".jp-CodeCell", (cells) =>
    cells.map((c) => [...c.querySelectorAll(".jp-OutputArea-output")].map((o) => o.textContent ?? "").join("\n").trim()),
  );
}

describe("JupyterLab 4.6 in Chromium", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("opens a notebook on the tsorch kernel and runs all cells", async () => {
    await lab.open("smoke.ipynb");
    const kernelName = await lab.page.evaluate(() => {
      const app = (window as unknown as { jupyterapp: { shell: { currentWidget: unknown } } }).jupyterapp;
      const widget = app.shell.currentWidget as { sessionContext: { session: { kernel: { name: string } } } };
      return widget.sessionContext.session.kernel.name;
    });
    expect(kernelName).toBe("tsorch");
    await lab.command("notebook:clear-all-cell-outputs");
    await lab.runAll();
    const texts = await outputTexts(lab);
    expect(texts[0]).toContain("hello from tsorch");
    expect(texts[1]).toContain("42");
    expect(texts[3]).toContain("bold");
    expect(texts[4]).toContain("expected failure");
    // The error cell is tagged raises-exception, so Run All goes on to the last cell.
    expect(texts[5]).toBe("17");
    const image = await lab.page.$eval(".jp-CodeCell:nth-child(4) img, .jp-RenderedImage img", (img) => (img as HTMLImageElement).naturalWidth);
    expect(image).toBe(1);
    await lab.screenshot("harness-smoke-light");
  });

  it("switches to the dark theme", async () => {
    await lab.setTheme("dark");
    const background = await lab.page.evaluate(() => getComputedStyle(document.body).getPropertyValue("--jp-layout-color0").trim());
    expect(background).not.toBe("");
    await lab.screenshot("harness-smoke-dark");
    await lab.setTheme("light");
  });
});

describe("Notebook 7 in Chromium", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, app: "notebook" });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("opens the notebook and runs a cell on tsorch", async () => {
    await lab.open("smoke.ipynb");
    await lab.command("notebook:clear-all-cell-outputs");
    await lab.runAll();
    const texts = await outputTexts(lab);
    expect(texts[1]).toContain("42");
    await lab.screenshot("harness-smoke-notebook7");
  });
});
