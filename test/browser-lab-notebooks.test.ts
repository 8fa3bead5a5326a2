/**
 * The committed tutorials as a person meets them in JupyterLab 4.6: opened from disk (untrusted,
 * so JupyterLab's sanitizer strips every `<style>` element), their stored outputs must read as
 * written: trace tables in a monospace font with the tree column left-aligned, images that
 * decode, the explained error. Run All on a notebook whose second cell fails must leave the
 * prompts of the skipped cells empty and the kernel idle. Tab lists completions. Screenshots
 * in both themes go to test-output/browser-lab/.
 */
/// <reference lib="dom" />
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../kernel/paths.js";
import { startLab, type Lab } from "./browser/lab.js";
import { tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-notebooks-");
copyFileSync(join(packageRoot(), "notebooks", "lenet-input-shape.ipynb"), join(root, "lenet.ipynb"));

const cell = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
writeFileSync(
  join(root, "stops.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [cell("1 + 1"), cell('throw new Error("stop here")'), cell("2 + 2"), cell("torch.zeros(2, 3).")],
  }),
);

interface TableLook {
  font: string;
  align: string;
  text: string;
}

describe("committed notebooks in JupyterLab 4.6", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("stored outputs of an untrusted notebook read as written: monospace, left-aligned trace tables, images, the explanation", async () => {
    await lab.open("lenet.ipynb");
    const trusted = await lab.page.evaluate(() => {
      const app = (window as unknown as { jupyterapp: { shell: { currentWidget: unknown } } }).jupyterapp;
      const widget = app.shell.currentWidget as { content: { model: { cells: { get(i: number): { trusted: boolean }; length: number } } } };
      const cells = widget.content.model.cells;
      return Array.from({ length: cells.length }, (_, i) => cells.get(i).trusted).some(Boolean);
    });
    expect(trusted).toBe(false);
    // JupyterLab renders outputs of cells out of view lazily: bring each into view once.
    await lab.page.evaluate(async () => {
      for (const c of document.querySelectorAll(".jp-Cell")) {
        c.scrollIntoView();
        await new Promise((r) => setTimeout(r, 30));
      }
    });
    const tables: TableLook[] = await lab.page.$$eval("table.tsorch-table tbody tr:nth-child(2) td:first-child", (tds) =>
      tds.map((td) => {
        const code = td.querySelector("code") ?? td;
        return { font: getComputedStyle(code).fontFamily, align: getComputedStyle(td).textAlign, text: td.textContent ?? "" };
      }),
    );
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const t of tables) {
      expect(t.font).toMatch(/mono/i);
      expect(t.align).toBe("left");
      expect(t.text).toMatch(/^├─/);
    }
    // No stylesheet survived (the page is untrusted), yet the failing row is marked red.
    expect(await lab.page.$$eval(".jp-OutputArea style", (s) => s.length)).toBe(0);
    const errorRow = await lab.page.$eval("table.tsorch-table tr.error td", (td) => getComputedStyle(td).color);
    expect(errorRow).toBe("rgb(229, 57, 53)");
    const images = await lab.page.$$eval(".jp-OutputArea-output img", (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(images.length).toBeGreaterThan(6);
    for (const w of images) expect(w).toBeGreaterThan(0);
    const text = await lab.page.$eval(".jp-Notebook", (n) => (n.textContent ?? "").replace(/\s+/g, " "));
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(text).toContain("↳ inside nn.Linear (fc1)");
    // Feature-map labels are text in the page, not pixels.
    expect(text).toMatch(/ch 0\s*ch 1/);
    await lab.screenshot("lenet-untrusted-light");
    await lab.setTheme("dark");
    await lab.screenshot("lenet-untrusted-dark");
    await lab.setTheme("light");
  });
});

describe("Run All in JupyterLab 4.6, in a fresh session", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("Run All stops at a failing cell: skipped cells keep an empty prompt and the kernel ends idle", async () => {
    await lab.open("stops.ipynb");
    // Started from the page without waiting on the command's promise; done when the failing cell has its count.
    await lab.page.evaluate(() => {
      void (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute("notebook:run-all-cells");
    });
    // Prompts of this notebook only: the LeNet notebook stays open in another tab.
    await lab.page.waitForFunction(
      () =>
        /\[\d+\]/.test(
          ((window as unknown as { jupyterapp: { shell: { currentWidget: { node: HTMLElement } } } }).jupyterapp.shell.currentWidget.node.querySelectorAll(
            ".jp-CodeCell .jp-InputArea-prompt",
          )[1]?.textContent ?? ""),
        ),
      undefined,
      { timeout: 90_000 },
    );
    await lab.waitIdle(60_000);
    const prompts = await lab.page.evaluate(() =>
      [...(window as unknown as { jupyterapp: { shell: { currentWidget: { node: HTMLElement } } } }).jupyterapp.shell.currentWidget.node.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].map((p) =>
        (p.textContent ?? "").replace(/\s+/g, ""),
      ),
    );
    expect(prompts[0]).toMatch(/^\[\d+\]:$/);
    expect(prompts[1]).toMatch(/^\[\d+\]:$/);
    expect(prompts[2]).toBe("[]:");
    expect(prompts[3]).toBe("[]:");
    expect(await lab.kernelStatus()).toBe("idle");
  });

  it("Tab after a tensor lists its members", async () => {
    await lab.page.evaluate(() => {
      const app = (window as unknown as { jupyterapp: { shell: { currentWidget: unknown } } }).jupyterapp;
      const widget = app.shell.currentWidget as { content: { activeCellIndex: number } };
      widget.content.activeCellIndex = 3;
    });
    await lab.command("notebook:enter-edit-mode");
    await lab.page.keyboard.press("Control+End");
    await lab.page.keyboard.press("Tab");
    const items = await lab.page
      .waitForSelector(".jp-Completer-item", { timeout: 20_000 })
      .then(() => lab.page.$$eval(".jp-Completer-item .jp-Completer-match", (ms) => ms.map((m) => m.textContent ?? "")));
    expect(items).toContain("view");
    expect(items).toContain("shape");
    expect(items.filter((i) => i.startsWith("_"))).toEqual([]);
    await lab.screenshot("completion-tensor");
  });
});
