import { describe, expect, it } from "vitest";
import { ArgumentError } from "../src/errors.js";
import { TSORCH_CSS, escapeHtml, htmlBlock, htmlTable, inlineCss, rawHtml } from "../src/render/html.js";
import { imageBundle, inspectCustom, isDisplayable, jupyterDisplay, normalizeDisplay, toBase64 } from "../src/render/mime.js";
import { inspect } from "node:util";

describe("escapeHtml", () => {
  it("escapes the five special characters and nothing else", () => {
    expect(escapeHtml(`<b class="x">Tom & Jerry's</b>`)).toBe("&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;");
    expect(escapeHtml("conv1 · relu — 6×28×28")).toBe("conv1 · relu — 6×28×28");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });
});

describe("htmlTable", () => {
  it("builds header, body, caption; escapes text; numbers align right with separators", () => {
    const html = htmlTable({
      caption: "LeNet <64x64>",
      header: ["Layer", "Output", "Params"],
      rows: [
        ["conv1", "[1, 6, 60, 60]", 156],
        ["fc1", rawHtml("<b>error</b>"), 48120],
      ],
      rowClasses: [undefined, "error"],
    });
    expect(html).toBe(
      '<table class="tsorch-table"><caption>LeNet &lt;64x64&gt;</caption>' +
        '<thead><tr><th align="left">Layer</th><th align="left">Output</th><th class="num" align="right">Params</th></tr></thead>' +
        '<tbody><tr><td align="left">conv1</td><td align="left">[1, 6, 60, 60]</td><td class="num" align="right">156</td></tr>' +
        '<tr class="error"><td align="left">fc1</td><td align="left"><b>error</b></td><td class="num" align="right">48,120</td></tr></tbody></table>',
    );
  });

  it("pads short rows, takes explicit alignment, renders null as empty", () => {
    const html = htmlTable({ rows: [["a", null], ["b"]], align: ["center", "right"], className: "x" });
    expect(html).toBe(
      '<table class="tsorch-table x"><tbody><tr><td class="center" align="center">a</td><td class="num" align="right"></td></tr>' +
        '<tr><td class="center" align="center">b</td><td class="num" align="right"></td></tr></tbody></table>',
    );
  });

  it("refuses rows that are not an array", () => {
    expect(() => htmlTable({ rows: "x" as unknown as string[][] })).toThrow(ArgumentError);
  });
});

describe("styles survive sanitizing", () => {
  it("are written once as CSS scoped to .tsorch and loaded from nowhere", () => {
    expect(TSORCH_CSS).not.toMatch(/url\(|@import|https?:/);
    const selectors = TSORCH_CSS.split("}").map((r) => r.trim()).filter(Boolean).map((r) => r.split("{")[0]!.trim());
    for (const s of selectors) for (const part of s.split(",")) expect(part.trim().startsWith(".tsorch")).toBe(true);
  });

  it("are delivered inline, with no <style> element (untrusted front ends strip it) and no var() (sanitizers drop it)", () => {
    const html = htmlBlock(htmlTable({ header: ["Layer", "n"], rows: [["├─conv1", 156]], rowClasses: ["error"] }));
    expect(html).not.toContain("<style");
    expect(html).not.toContain("var(");
    expect(html).toMatch(/^<div class="tsorch" style="font-family: ui-monospace, [^"]*monospace; [^"]*text-align: left"/);
    // Rules apply by descendant selectors and specificity: the number column aligns right,
    // the failing row's cells are red, and `align` is there for renderers that keep no style.
    expect(html).toMatch(/<td align="left" style="[^"]*text-align: left[^"]*color: #e53935[^"]*">├─conv1<\/td>/);
    expect(html).toMatch(/<td class="num" align="right" style="[^"]*text-align: right[^"]*">156<\/td>/);
  });

  it("inlines descendant, class, tag and :first-child rules; an element's own style wins; :hover rules are dropped", () => {
    const css = ".a td:first-child { color: red; } .a td { color: blue; padding: 1px; } .a tr:hover td { color: green; } .b { margin: 0; }";
    const out = inlineCss('<div class="a"><table><tr><td>x</td><td style="padding: 2px">y</td></tr></table></div><p class="b">z</p>', css);
    expect(out).toBe(
      '<div class="a"><table><tr><td style="color: red; padding: 1px">x</td><td style="color: blue; padding: 2px">y</td></tr></table></div><p class="b" style="margin: 0">z</p>',
    );
    expect(inlineCss('<p class="x">a<br>b<img src="q.png"></p><span class="x">c</span>', ".x { font-weight: 600; }")).toBe(
      '<p class="x" style="font-weight: 600">a<br>b<img src="q.png"></p><span class="x" style="font-weight: 600">c</span>',
    );
  });

  it("inlines a theme variable's fallback", () => {
    expect(inlineCss('<b class="c">x</b>', ".c { color: var(--jp-error-color1, rgba(211, 47, 47, 0.5)); font: var(--jp-x); }")).toBe(
      '<b class="c" style="color: rgba(211, 47, 47, 0.5); font: inherit">x</b>',
    );
  });
});

describe("MIME display protocol", () => {
  it("uses the global Jupyter.display symbol and util.inspect.custom", () => {
    expect(jupyterDisplay).toBe(Symbol.for("Jupyter.display"));
    expect(inspectCustom).toBe(inspect.custom);
  });

  it("recognises displayable objects", () => {
    expect(isDisplayable({ [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "x" }) })).toBe(true);
    expect(isDisplayable({ [Symbol.for("Jupyter.display")]: 3 })).toBe(false);
    expect(isDisplayable(null)).toBe(false);
    expect(isDisplayable("text")).toBe(false);
  });

  it("normalises both result shapes to { data, metadata }", () => {
    expect(normalizeDisplay({ "text/plain": "a" })).toEqual({ data: { "text/plain": "a" }, metadata: {} });
    expect(normalizeDisplay({ data: { "text/plain": "a" }, metadata: { x: 1 } })).toEqual({
      data: { "text/plain": "a" },
      metadata: { x: 1 },
    });
    expect(normalizeDisplay({ data: { "text/plain": "a" } })).toEqual({ data: { "text/plain": "a" }, metadata: {} });
    // A bundle whose JSON payload happens to be called "data" stays a bundle.
    const bundle = { "application/json": { a: 1 }, data: { b: 2 } };
    expect(normalizeDisplay(bundle)).toEqual({ data: bundle, metadata: {} });
  });

  it("imageBundle carries base64 PNG, text and the size as metadata", () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const result = imageBundle({ png, width: 12, height: 5, text: "maps", extra: { "text/html": "<i>m</i>" } });
    expect(result).toEqual({
      data: { "text/html": "<i>m</i>", "image/png": "iVBORwECAw==", "text/plain": "maps" },
      metadata: { "image/png": { width: 12, height: 5 } },
    });
    // A view into a larger buffer encodes only its own bytes.
    const big = Uint8Array.from([9, 9, 1, 2, 3, 9]);
    expect(toBase64(big.subarray(2, 5))).toBe(Buffer.from([1, 2, 3]).toString("base64"));
  });
});
