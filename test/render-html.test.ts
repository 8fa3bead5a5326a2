import { describe, expect, it } from "vitest";
import { ArgumentError } from "../src/errors.js";
import { TSORCH_CSS, escapeHtml, htmlBlock, htmlTable, rawHtml, styleTag } from "../src/render/html.js";
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
        '<thead><tr><th>Layer</th><th>Output</th><th class="num">Params</th></tr></thead>' +
        '<tbody><tr><td>conv1</td><td>[1, 6, 60, 60]</td><td class="num">156</td></tr>' +
        '<tr class="error"><td>fc1</td><td><b>error</b></td><td class="num">48,120</td></tr></tbody></table>',
    );
  });

  it("pads short rows, takes explicit alignment, renders null as empty", () => {
    const html = htmlTable({ rows: [["a", null], ["b"]], align: ["center", "right"], className: "x" });
    expect(html).toBe(
      '<table class="tsorch-table x"><tbody><tr><td class="center">a</td><td class="num"></td></tr>' +
        '<tr><td class="center">b</td><td class="num"></td></tr></tbody></table>',
    );
  });

  it("refuses rows that are not an array", () => {
    expect(() => htmlTable({ rows: "x" as unknown as string[][] })).toThrow(ArgumentError);
  });
});

describe("stylesheet", () => {
  it("uses JupyterLab variables, each with a fallback, and loads nothing from outside", () => {
    const vars = TSORCH_CSS.match(/var\([^)]*\)/g) ?? [];
    expect(vars.length).toBeGreaterThan(8);
    for (const v of vars) {
      expect(v).toMatch(/^var\(--jp-[a-z0-9-]+, .+/);
    }
    expect(TSORCH_CSS).not.toMatch(/url\(|@import|https?:/);
    // Scoped: every rule starts with .tsorch.
    const selectors = TSORCH_CSS.split("}").map((r) => r.trim()).filter(Boolean).map((r) => r.split("{")[0]!.trim());
    for (const s of selectors) for (const part of s.split(",")) expect(part.trim().startsWith(".tsorch")).toBe(true);
    expect(styleTag()).toBe(`<style>${TSORCH_CSS}</style>`);
    expect(htmlBlock("<p>x</p>")).toBe(`<div class="tsorch"><style>${TSORCH_CSS}</style><p>x</p></div>`);
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
