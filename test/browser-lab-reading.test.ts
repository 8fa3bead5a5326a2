/**
 * How the committed notebooks read in a browser: in JupyterLab 4.6 the LeNet tutorial in both
 * themes (no white output boxes in the dark one) and Shift+Tab on a runtime op showing
 * PyTorch's form of its signature; Notebook 7 opens each committed notebook (untrusted) with its
 * outputs and images. Screenshots go to test-output/browser-lab/.
 */
/// <reference lib="dom" />
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../kernel/paths.js";
import { startLab, type Lab } from "./browser/lab.js";
import { tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-reading-");
const NOTEBOOKS = readdirSync(join(packageRoot(), "notebooks")).filter((f) => f.endsWith(".ipynb"));
for (const name of NOTEBOOKS) copyFileSync(join(packageRoot(), "notebooks", name), join(root, name));
writeFileSync(
  join(root, "tooltip.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [{ cell_type: "code", metadata: {}, source: "torch.amax", outputs: [], execution_count: null }],
  }),
);

/** Brings every cell into view once: JupyterLab renders outputs out of view lazily. */
async function renderAll(lab: Lab): Promise<void> {
  await lab.page.evaluate(async () => {
    for (const c of document.querySelectorAll(".jp-Cell")) {
      c.scrollIntoView();
      await new Promise((r) => setTimeout(r, 30));
    }
  });
}

describe("reading the committed notebooks in JupyterLab 4.6", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("Shift+Tab on torch.amax shows PyTorch's form of the signature", async () => {
    await lab.open("tooltip.ipynb");
    await lab.command("notebook:enter-edit-mode");
    await lab.page.keyboard.press("Control+End");
    await lab.page.keyboard.press("Shift+Tab");
    const tooltip = await lab.page.waitForSelector(".jp-Tooltip", { timeout: 30_000 });
    await lab.page.waitForFunction(() => /amax/.test(document.querySelector(".jp-Tooltip")?.textContent ?? ""), undefined, { timeout: 30_000 });
    const text = (await tooltip.textContent()) ?? "";
    expect(text).toContain("amax(input, dim=[], keepdim=False)");
    expect(text).toContain("function amax(input: Tensor");
    await lab.screenshot("reading-tooltip-amax");
  });

});

// A JupyterLab of its own: opening a second notebook after the tooltip one did not settle in time.
describe("the LeNet tutorial in JupyterLab's two themes", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("the LeNet tutorial in the light and the dark theme (screenshots kept as artifacts)", async () => {
    await lab.open("lenet-input-shape.ipynb");
    await renderAll(lab);
    for (const theme of ["light", "dark"] as const) {
      await lab.setTheme(theme);
      expect(await lab.page.evaluate(() => document.body.getAttribute("data-jp-theme-light"))).toBe(String(theme === "light"));
      // Outputs keep the page's background: no white boxes in the dark theme.
      const backgrounds = await lab.page.evaluate(() =>
        [...document.querySelectorAll(".jp-OutputArea-output .tsorch")].map((e) => getComputedStyle(e).backgroundColor),
      );
      expect(backgrounds.length).toBeGreaterThan(0);
      expect(backgrounds.filter((b) => b === "rgb(255, 255, 255)")).toEqual([]);
      await lab.screenshot(`reading-lenet-${theme}`);
    }
    await lab.setTheme("light");
  });

  it("the summary tables fit the notebook column: the symbolic one wraps its formulas, tree labels stay on one line", async () => {
    await lab.open("lenet-input-shape.ipynb");
    await renderAll(lab);
    const tables = await lab.page.evaluate(() =>
      [...document.querySelectorAll(".jp-OutputArea-output table.tsorch-trace")].map((t) => {
        const output = t.closest(".jp-OutputArea-output")!;
        const first = t.querySelector("tbody td:first-child") as HTMLElement;
        return {
          symbolic: /\(1, 1, H, W\)/.test(t.textContent ?? ""),
          width: t.getBoundingClientRect().width,
          column: output.getBoundingClientRect().width,
          treeWhiteSpace: getComputedStyle(first).whiteSpace,
          treeFont: getComputedStyle(first).fontFamily,
        };
      }),
    );
    console.log("summary tables (width / column px):", tables.map((t) => `${t.symbolic ? "symbolic" : "concrete"} ${Math.round(t.width)}/${Math.round(t.column)}`).join(", "));
    const symbolic = tables.filter((t) => t.symbolic);
    expect(symbolic.length).toBeGreaterThan(0);
    expect(tables.length).toBeGreaterThan(symbolic.length);
    for (const t of tables) {
      expect(t.column).toBeGreaterThan(400);
      expect(t.width).toBeLessThanOrEqual(t.column);
      expect(t.treeWhiteSpace).toBe("pre");
      expect(t.treeFont).toMatch(/mono/i);
    }
    await lab.page.evaluate(() => {
      const t = [...document.querySelectorAll(".jp-OutputArea-output table.tsorch-trace")].find((e) => /\(1, 1, H, W\)/.test(e.textContent ?? ""));
      t?.scrollIntoView();
    });
    await lab.screenshot("reading-lenet-symbolic-summary");
  });
});

describe("the committed notebooks in Notebook 7", () => {
  let nb: Lab;
  beforeAll(async () => {
    nb = await startLab({ root, app: "notebook", viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await nb?.stop();
  });

  it.each(NOTEBOOKS)("opens %s with its stored outputs", async (name) => {
    await nb.open(name);
    await renderAll(nb);
    const look = await nb.page.evaluate(() => ({
      cells: document.querySelectorAll(".jp-Cell").length,
      outputs: document.querySelectorAll(".jp-OutputArea-output").length,
      images: [...document.querySelectorAll(".jp-OutputArea-output img")].map((i) => (i as HTMLImageElement).naturalWidth),
    }));
    expect(look.cells).toBeGreaterThan(3);
    expect(look.outputs).toBeGreaterThan(3);
    expect(look.images.filter((w) => w === 0)).toEqual([]);
    await nb.screenshot(`reading-notebook7-${name.replace(/\.ipynb$/, "")}`);
  });
});
