/**
 * Executed notebooks as people read them: rendered to HTML both by `jupyter nbconvert --to html`
 * and by `tsorch run --html`, opened in headless Chromium. For every notebook in the list (the
 * test notebooks and every committed `notebooks/*.ipynb`), the checks come from the executed
 * notebook itself: every image loads, every stream, result and error shows its text, headings
 * show. The tsorch page must load nothing from elsewhere and read in light and dark mode.
 * Screenshots go to `test-output/browser/`. (The functions passed to the page run there, so this
 * file is checked with the DOM's types.)
 *
 * Needs `npm run build`, Debian's chromium (/usr/bin/chromium), playwright-core, and Jupyter's
 * nbconvert; a missing piece fails the suite with what to install.
 */
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyControlCharacters } from "../kernel/notebook/ansi-html.js";
import { MIME_ORDER } from "../kernel/notebook/html-page.js";
import { packageRoot } from "../kernel/paths.js";
import { JUPYTER, jupyterSandbox, requireJupyter } from "./jupyter/environment.js";
import { joined, NOTEBOOKS, readJson, requireBuild, stripAnsi, tsorch, type NotebookFile } from "./run-support.js";

requireBuild();
const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt install chromium)`);
const playwright = await import("playwright-core").catch((err: Error) => {
  throw new Error(`playwright-core cannot be loaded (npm ci installs it): ${err.message}`);
});

/**
 * The notebooks checked: ours, every tutorial committed under notebooks/, and any listed in
 * $TSORCH_BROWSER_NOTEBOOKS (paths separated by ":").
 */
function notebookList(): string[] {
  const committed = join(packageRoot(), "notebooks");
  const tutorials = existsSync(committed) ? readdirSync(committed).filter((f) => f.endsWith(".ipynb")).sort().map((f) => join(committed, f)) : [];
  const extra = (process.env.TSORCH_BROWSER_NOTEBOOKS ?? "").split(":").filter(Boolean);
  for (const path of extra) if (!existsSync(path)) throw new Error(`TSORCH_BROWSER_NOTEBOOKS names ${path}, which does not exist`);
  return [join(NOTEBOOKS, "kernel-smoke.ipynb"), join(NOTEBOOKS, "run-outputs.ipynb"), ...tutorials, ...extra];
}

const SCREENSHOTS = join(packageRoot(), "test-output", "browser");
const work = mkdtempSync(join(tmpdir(), "tsorch-browser-"));
let context: Awaited<ReturnType<typeof playwright.chromium.launchPersistentContext>>;

beforeAll(async () => {
  requireJupyter(["nbconvert", "nbformat"], ["nbconvert"]);
  mkdirSync(SCREENSHOTS, { recursive: true });
  context = await playwright.chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1100, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Expectations {
  /** Outputs whose richest representation is an image. */
  images: number;
  /** Text each page must show: stream lines, plain results, error names and messages, headings. */
  texts: string[];
  /** Error outputs, as "ename: first line of evalue". */
  errors: { ename: string; evalue: string }[];
  /**
   * The text form of widget outputs whose model is not in the notebook's saved widget state:
   * tsorch's page shows it. nbconvert's page draws widgets with a manager script it loads from
   * the network, so offline it shows neither widget nor text.
   */
  widgetTexts: string[];
  /** Widget outputs whose model is in the saved state: tsorch's page draws each as controls. */
  widgetViews: number;
}

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

function firstLine(text: string): string {
  const line = stripAnsi(applyControlCharacters(text)).split("\n").find((l) => l.trim() !== "") ?? "";
  return collapse(line).slice(0, 80);
}

/** What every rendering of this executed notebook must show. */
function expectationsOf(nb: NotebookFile): Expectations {
  const result: Expectations = { images: 0, texts: [], errors: [], widgetTexts: [], widgetViews: 0 };
  const saved = (nb.metadata as { widgets?: Record<string, { state?: Record<string, unknown> }> } | undefined)?.widgets?.[
    "application/vnd.jupyter.widget-state+json"
  ]?.state ?? {};
  for (const cell of nb.cells) {
    if (cell.cell_type === "markdown") {
      const heading = /^#{1,6}\s+(.+)$/m.exec(joined(cell.source));
      if (heading) result.texts.push(collapse(heading[1]!.replace(/`/g, "").replace(/(?<!\w)[*_]+|[*_]+(?!\w)/g, "")));
      continue;
    }
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "stream") {
        const line = firstLine(joined(output.text));
        if (line) result.texts.push(line);
      } else if (output.output_type === "error") {
        result.errors.push({ ename: output.ename!, evalue: firstLine(output.evalue ?? "") });
      } else {
        const data = output.data ?? {};
        const mime = MIME_ORDER.find((m) => data[m] !== undefined);
        if (mime?.startsWith("image/")) result.images += 1;
        else if (mime === "text/plain") {
          const view = data["application/vnd.jupyter.widget-view+json"] as { model_id?: string } | undefined;
          const line = firstLine(joined(data[mime]));
          if (view?.model_id !== undefined && saved[view.model_id] !== undefined) result.widgetViews += 1;
          else if (line) (view !== undefined ? result.widgetTexts : result.texts).push(line);
        }
      }
    }
  }
  return result;
}

interface PageReport {
  text: string;
  /** Row counts of the trace tables on the page, in order. */
  traceTableRows: number[];
  /** Text of the table rows highlighted as failed. */
  errorRows: string[];
  images: { src: string; naturalWidth: number; complete: boolean }[];
  requests: string[];
  /** Widgets drawn from the saved state (outermost ones). */
  widgets: number;
  background: string;
  color: string;
}

async function openPage(file: string, screenshot: string, colorScheme: "light" | "dark" = "light"): Promise<PageReport> {
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  // nbconvert's template asks CDNs for require.js and MathJax; this machine has no network.
  await page.route(/^https?:/, (route) => route.abort());
  try {
    await page.emulateMedia({ colorScheme });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.waitForFunction(() => [...document.images].every((img) => img.complete), undefined, { timeout: 20_000 });
    // MathJax (asked for by nbconvert's template, not reachable here) leaves a loading note on screen.
    await page.addStyleTag({ content: "#MathJax_Message { display: none !important; }" });
    await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: true });
    return await page.evaluate(
      (list) => ({
        text: document.body.innerText,
        traceTableRows: [...document.querySelectorAll("table.tsorch-table")].map((t) => t.querySelectorAll("tbody tr").length),
        errorRows: [...document.querySelectorAll("table.tsorch-table tr.error")].map((r) => (r as HTMLElement).innerText),
        images: [...document.images].map((img) => ({ src: img.src.slice(0, 40), naturalWidth: img.naturalWidth, complete: img.complete })),
        requests: list,
        widgets: document.querySelectorAll(".w:not(.w .w)").length,
        background: getComputedStyle(document.documentElement).backgroundColor,
        color: getComputedStyle(document.body).color,
      }),
      requests,
    );
  } finally {
    await page.close();
  }
}

/** Relative luminance of a CSS rgb() colour, 0 (black) to 1 (white). */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? ["0", "0", "0"]).slice(0, 3).map((v) => Number(v) / 255);
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

function checkShows(report: PageReport, expected: Expectations, where: string, widgetText = true): void {
  const text = collapse(report.text);
  for (const wanted of widgetText ? [...expected.texts, ...expected.widgetTexts] : expected.texts) expect(text, `${where} shows "${wanted}"`).toContain(wanted);
  if (widgetText) expect(report.widgets, `${where}: widgets drawn from the saved state`).toBeGreaterThanOrEqual(expected.widgetViews);
  for (const error of expected.errors) {
    expect(text, `${where} shows the error ${error.ename}`).toContain(error.ename);
    if (error.evalue) expect(text, `${where} shows "${error.evalue}"`).toContain(error.evalue);
  }
  expect(report.images.length, `${where}: images`).toBeGreaterThanOrEqual(expected.images);
  for (const image of report.images) expect(image.naturalWidth, `${where}: image ${image.src}… loaded`).toBeGreaterThan(0);
}

for (const [index, source] of notebookList().entries()) {
  const name = basename(source, ".ipynb");
  describe(`${name}.ipynb rendered in Chromium`, () => {
    const dir = join(work, `${index}-${name}`);
    const executed = join(dir, `${name}.ipynb`);
    const tsorchHtml = join(dir, `${name}.tsorch.html`);
    const nbconvertHtml = join(dir, `${name}.nbconvert.html`);
    let expected: Expectations;

    beforeAll(async () => {
      mkdirSync(dir, { recursive: true });
      const run = await tsorch(["run", source, "--output", executed, "--html", tsorchHtml, "--color", "never"], { env: { TSORCH_HISTORY: join(dir, "history.jsonl") } });
      if (run.code !== 0) throw new Error(`tsorch run ${source} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
      const sandbox = jupyterSandbox();
      try {
        const convert = spawnSync(JUPYTER, ["nbconvert", "--to", "html", executed, "--output-dir", dir, "--output", `${name}.nbconvert`], { encoding: "utf8", env: sandbox.env, timeout: 120_000 });
        if (convert.status !== 0) throw new Error(`jupyter nbconvert --to html failed:\n${convert.stderr}`);
      } finally {
        sandbox.remove();
      }
      const nb = readJson(executed);
      expected = expectationsOf(nb);
      const outputs = nb.cells.reduce((n, c) => n + (c.outputs?.length ?? 0), 0);
      if (outputs > 0 && expected.texts.length + expected.errors.length + expected.images === 0) throw new Error(`nothing to check in ${executed}`);
    });

    it("tsorch run --html: every output shows, images load, nothing is fetched from elsewhere", async () => {
      const report = await openPage(tsorchHtml, `${name}-tsorch-light.png`);
      checkShows(report, expected, "tsorch page");
      // The checks do fail when something is missing.
      expect(() => checkShows(report, { ...expected, texts: ["text no notebook prints 7f3a"] }, "tsorch page")).toThrow();
      expect(() => checkShows(report, { ...expected, images: report.images.length + 1 }, "tsorch page")).toThrow();
      expect(() => checkShows(report, { ...expected, widgetViews: report.widgets + 1 }, "tsorch page")).toThrow();
      expect(report.requests.filter((url) => !url.startsWith("file:") && !url.startsWith("data:"))).toEqual([]);
      expect(luminance(report.background)).toBeGreaterThan(0.8);
      expect(luminance(report.color)).toBeLessThan(0.1);
    });

    it("tsorch run --html reads in dark mode", async () => {
      const report = await openPage(tsorchHtml, `${name}-tsorch-dark.png`, "dark");
      checkShows(report, expected, "tsorch page (dark)");
      expect(luminance(report.background)).toBeLessThan(0.05);
      expect(luminance(report.color)).toBeGreaterThan(0.7);
    });

    it("jupyter nbconvert --to html of the executed notebook: every output shows, images load", async () => {
      const report = await openPage(nbconvertHtml, `${name}-nbconvert.png`);
      checkShows(report, expected, "nbconvert page", false);
    });
  });
}

/**
 * The tutorial's own story, as a reader sees it in the page: the summary table with every step
 * of the forward, and the 64×64 failure explained with the failing row highlighted.
 */
describe("lenet-input-shape.ipynb: the story shows in the rendered page", () => {
  const source = join(packageRoot(), "notebooks", "lenet-input-shape.ipynb");
  const dir = join(work, "lenet-story");
  const html = join(dir, "lenet.html");

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const run = await tsorch(["run", source, "--output", join(dir, "lenet.ipynb"), "--html", html, "--color", "never"], { env: { TSORCH_HISTORY: join(dir, "history.jsonl") } });
    if (run.code !== 0) throw new Error(`tsorch run ${source} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  });

  it("has the trace table rows, the highlighted failing layer and the explanation", async () => {
    const report = await openPage(html, "lenet-story.png");
    // summary(net, input): the module row and its 12 steps (layers, F calls and the view).
    expect(report.traceTableRows[0]).toBe(13);
    expect(report.errorRows.some((r) => r.includes("fc1"))).toBe(true);
    const text = collapse(report.text);
    expect(text).toContain("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(text).toContain("Sizes that work: square inputs 32 to 35");
    expect(text).toContain("nn.AdaptiveAvgPool2d([5, 5])");
    expect(text).toContain("⌊(⌊(H−4)/2⌋−4)/2⌋");
    for (const image of report.images) expect(image.naturalWidth).toBeGreaterThan(0);
    expect(report.images.length).toBeGreaterThanOrEqual(3);
  });
});
