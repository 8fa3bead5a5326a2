/**
 * The pieces `tsorch run` is built from, without a kernel: nbformat writing, output recording
 * (streams, display updates across cells, clear_output with and without wait), Markdown to
 * HTML and to the terminal, ANSI to HTML, the terminal screen's erasing, and notebook reading.
 */
import { describe, expect, it } from "vitest";
import { ansiToHtml, applyControlCharacters } from "../kernel/notebook/ansi-html.js";
import { highlightTypeScript } from "../kernel/notebook/highlight.js";
import { notebookToHtml, renderBundle } from "../kernel/notebook/html-page.js";
import { markdownToHtml } from "../kernel/notebook/markdown-html.js";
import { parseMarkdown } from "../kernel/notebook/markdown.js";
import type { CodeCell, Notebook } from "../kernel/notebook/nbformat.js";
import { OutputRecorder } from "../kernel/notebook/outputs.js";
import { parseNotebook } from "../kernel/notebook/read.js";
import { serializeNotebook, splitLinesKeepEnds } from "../kernel/notebook/write.js";
import { renderBundle as renderTerminalBundle, renderError } from "../kernel/terminal/bundle.js";
import { markdownToTerminal, wrap } from "../kernel/terminal/markdown.js";
import { Screen } from "../kernel/terminal/screen.js";
import { colorEnabled, makeStyle, visibleWidth } from "../kernel/terminal/style.js";
import { GRADIENT_PNG, stripAnsi } from "./run-support.js";

const codeCell = (): CodeCell => ({ cell_type: "code", metadata: {}, source: "", execution_count: null, outputs: [] });

describe("writing notebooks as Jupyter does", () => {
  it("splits lines with Python's splitlines(keepends=True)", () => {
    expect(splitLinesKeepEnds("a\nb\r\nc\rd")).toEqual(["a\n", "b\r\n", "c\r", "d"]);
    expect(splitLinesKeepEnds("x\n")).toEqual(["x\n"]);
    expect(splitLinesKeepEnds("")).toEqual([]);
    expect(splitLinesKeepEnds("p\u2028q\x0cr")).toEqual(["p\u2028", "q\x0c", "r"]);
  });

  it("sorts keys (integer-like ones too), indents by one space, splits text but not images or JSON", () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { z: 1, "10": "ten", "9": "nine", orig_nbformat: 3 },
      cells: [
        {
          cell_type: "code",
          id: "a",
          metadata: { trusted: true },
          source: "x\ny",
          execution_count: 1,
          outputs: [
            { output_type: "display_data", data: { "text/plain": "1\n2", "image/png": "AAA\nBBB", "application/json": { b: 1, a: [] } }, metadata: {} },
            { output_type: "stream", name: "stdout", text: "é\n" },
          ],
        },
      ],
    };
    const text = serializeNotebook(nb);
    expect(text).toBe(
      [
        "{",
        ' "cells": [',
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": 1,',
        '   "id": "a",',
        '   "metadata": {},',
        '   "outputs": [',
        "    {",
        '     "data": {',
        '      "application/json": {',
        '       "a": [],',
        '       "b": 1',
        "      },",
        '      "image/png": "AAA\\nBBB",',
        '      "text/plain": [',
        '       "1\\n",',
        '       "2"',
        "      ]",
        "     },",
        '     "metadata": {},',
        '     "output_type": "display_data"',
        "    },",
        "    {",
        '     "name": "stdout",',
        '     "output_type": "stream",',
        '     "text": [',
        '      "é\\n"',
        "     ]",
        "    }",
        "   ],",
        '   "source": [',
        '    "x\\n",',
        '    "y"',
        "   ]",
        "  }",
        " ],",
        ' "metadata": {',
        '  "10": "ten",',
        '  "9": "nine",',
        '  "z": 1',
        " },",
        ' "nbformat": 4,',
        ' "nbformat_minor": 5',
        "}",
        "",
      ].join("\n"),
    );
    // The object given is left as it was.
    expect(nb.cells[0]!.source).toBe("x\ny");
  });
});

describe("reading notebooks", () => {
  it("fills what a sloppy notebook leaves out, and repairs ids for 4.5", () => {
    const nb = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, cells: [{ cell_type: "code", source: "1", id: "same" }, { cell_type: "raw", source: ["a"], id: "same" }, { cell_type: "markdown", source: "", id: "bad id!" }] }));
    expect(nb.metadata).toEqual({});
    expect(nb.cells[0]).toMatchObject({ outputs: [], execution_count: null, metadata: {}, id: "same" });
    expect(nb.cells[1]!.id).not.toBe("same");
    expect(nb.cells[2]!.id).toMatch(/^[0-9a-f]{8}$/);
    expect(parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 4, cells: [{ cell_type: "code", source: "" }] })).cells[0]!.id).toBeUndefined();
  });

  it("refuses what is not a notebook, saying where", () => {
    expect(() => parseNotebook("{}", "a.ipynb")).toThrow("a.ipynb: only nbformat 4 notebooks can be run, found no nbformat field");
    expect(() => parseNotebook('{"nbformat": 4, "cells": {}}', "b.ipynb")).toThrow('b.ipynb: "cells" must be a list, got an object');
    expect(() => parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": 3}]}', "c.ipynb")).toThrow('c.ipynb: cell 1: "outputs" must be a list, got number 3');
    expect(() => parseNotebook('{"nbformat": 4, "nbformat_minor": -1, "cells": []}', "d.ipynb")).toThrow("nbformat_minor must be a non-negative integer");
  });
});

describe("recording outputs", () => {
  it("coalesces consecutive streams of one name only", () => {
    const recorder = new OutputRecorder();
    const cell = codeCell();
    recorder.record(cell, "stream", { name: "stdout", text: "a" });
    recorder.record(cell, "stream", { name: "stdout", text: "b\n" });
    recorder.record(cell, "stream", { name: "stderr", text: "e\n" });
    recorder.record(cell, "stream", { name: "stdout", text: "c\n" });
    expect(cell.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "e\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
  });

  it("applies update_display_data to every output with that id, in any cell, and never stores transient", () => {
    const recorder = new OutputRecorder();
    const first = codeCell();
    const second = codeCell();
    recorder.record(first, "display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } });
    recorder.record(second, "display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } });
    recorder.record(second, "display_data", { data: { "text/plain": "other" }, metadata: {}, transient: { display_id: "e" } });
    const events = recorder.record(second, "update_display_data", { data: { "text/plain": "v2" }, metadata: { x: 1 }, transient: { display_id: "d" } });
    expect(events).toEqual([{ type: "update", displayId: "d", data: { "text/plain": "v2" }, metadata: { x: 1 }, updated: 2 }]);
    expect(first.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": "v2" }, metadata: { x: 1 } }]);
    expect(second.outputs.map((o) => (o as { data: Record<string, string> }).data["text/plain"])).toEqual(["v2", "other"]);
    // After the first cell is cleared, an update no longer reaches it.
    recorder.reset(first);
    expect(recorder.record(second, "update_display_data", { data: { "text/plain": "v3" }, transient: { display_id: "d" } })[0]).toMatchObject({ updated: 1 });
    expect(recorder.record(second, "update_display_data", { data: { "text/plain": "v3" }, transient: { display_id: "unknown" } })[0]).toMatchObject({ updated: 0 });
  });

  it("clears at once, or with wait only when the next output arrives", () => {
    const recorder = new OutputRecorder();
    const cell = codeCell();
    recorder.record(cell, "stream", { name: "stdout", text: "old\n" });
    expect(recorder.record(cell, "clear_output", { wait: true })).toEqual([]);
    expect(cell.outputs).toHaveLength(1); // still shown until something replaces it
    const events = recorder.record(cell, "execute_result", { execution_count: 3, data: { "text/plain": "new" }, metadata: {} });
    expect(events.map((e) => e.type)).toEqual(["clear", "output"]);
    expect(cell.outputs).toEqual([{ output_type: "execute_result", execution_count: 3, data: { "text/plain": "new" }, metadata: {} }]);
    expect(recorder.record(cell, "clear_output", { wait: false })).toEqual([{ type: "clear" }]);
    expect(cell.outputs).toEqual([]);
  });

  it("makes bundles valid nbformat: JSON types kept, other types as text, null entries dropped", () => {
    const recorder = new OutputRecorder();
    const cell = codeCell();
    recorder.record(cell, "display_data", { data: { "application/vnd.custom+json": { a: 1 }, "text/plain": ["a", "b"], "text/x-num": 5, "image/png": null }, metadata: "bad" });
    recorder.record(cell, "error", { ename: "E", evalue: 3, traceback: ["x", 2] });
    expect(cell.outputs).toEqual([
      { output_type: "display_data", data: { "application/vnd.custom+json": { a: 1 }, "text/plain": "ab", "text/x-num": "5" }, metadata: {} },
      { output_type: "error", ename: "E", evalue: "3", traceback: ["x", "2"] },
    ]);
  });
});

describe("Markdown", () => {
  it("parses the blocks tutorials use", () => {
    const blocks = parseMarkdown("Title\n=====\n\n1. one\n2. two\n   - nested\n\n> quoted\n\n```ts\nconst x = 1;\n```\n\n---\n\n    indented\n\n$$\na^2\n$$");
    expect(blocks.map((b) => b.type)).toEqual(["heading", "list", "quote", "code", "rule", "code", "math"]);
    const list = blocks[1] as Extract<(typeof blocks)[number], { type: "list" }>;
    expect(list.ordered).toBe(true);
    expect(list.items[1]!.map((b) => b.type)).toEqual(["paragraph", "list"]);
  });

  it("renders HTML with everything escaped, safe links and only inline images", () => {
    const html = markdownToHtml(
      "## A <b>title</b>\n\nSee [docs](https://pytorch.org/docs \"PyTorch\"), `a<b`, **bold _and_ italic**, ~~gone~~, $x^2$, snake_case_name.\n" +
        "Line  \nbreak [bad](javascript:alert(1)) ![remote](https://example.com/x.png) ![inline](data:image/png;base64,AAAA) <https://a.b/c>",
    );
    expect(html).toContain('<h2 id="A-btitleb">A &lt;b&gt;title&lt;/b&gt;</h2>');
    expect(html).toContain('<a href="https://pytorch.org/docs">docs</a>');
    expect(html).toContain("<code>a&lt;b</code>");
    expect(html).toContain("<strong>bold <em>and</em> italic</strong>");
    expect(html).toContain("<del>gone</del>");
    expect(html).toContain('<span class="math">x^2</span>');
    expect(html).toContain("snake_case_name");
    expect(html).toContain("Line<br>break");
    expect(html).toContain("bad "); // the javascript: link is dropped, its text kept
    expect(html).not.toContain("javascript:");
    expect(html).toContain('<a href="https://example.com/x.png">remote</a>'); // never loaded
    expect(html).toContain('<img src="data:image/png;base64,AAAA" alt="inline">');
    expect(html).toContain('<a href="https://a.b/c">https://a.b/c</a>');
  });

  it("renders tables with alignment, and unique heading ids across cells", () => {
    const used = new Set<string>();
    expect(markdownToHtml("# Same", { usedIds: used })).toBe('<h1 id="Same">Same</h1>');
    expect(markdownToHtml("# Same", { usedIds: used })).toBe('<h1 id="Same-1">Same</h1>');
    const table = markdownToHtml("| a | b |\n|:-:|--:|\n| `x\\|y` | 2 |");
    expect(table).toContain('<th style="text-align: center">a</th>');
    expect(table).toContain('<td style="text-align: center"><code>x|y</code></td><td style="text-align: right">2</td>');
  });

  it("renders in the terminal, wrapped and lightly styled", () => {
    const plain = markdownToTerminal("# LeNet\n\nA *small* net with `Conv2d` layers, see [the tutorial](https://pytorch.org).\n\n- one\n- two", makeStyle(false), 30);
    expect(plain).toBe("LeNet\n═════\n\nA small net with Conv2d\nlayers, see the tutorial\n(https://pytorch.org).\n\n  • one\n  • two");
    const coloured = markdownToTerminal("`code` and **bold**", makeStyle(true), 80);
    expect(coloured).toBe("\x1b[36mcode\x1b[39m and \x1b[1mbold\x1b[22m");
    expect(wrap("\x1b[1maaaa\x1b[22m bbbb cccc", 9)).toEqual(["\x1b[1maaaa\x1b[22m bbbb", "cccc"]);
  });
});

describe("ANSI to HTML", () => {
  it("turns colours into classes and styles, escapes text, drops other escapes", () => {
    expect(ansiToHtml("\x1b[0;31mValueError\x1b[0m: <x> & y")).toBe('<span class="ansi-red-fg">ValueError</span>: &lt;x&gt; &amp; y');
    expect(ansiToHtml("\x1b[1;32mok\x1b[22m!")).toBe('<span class="ansi-bright-green-fg ansi-bold">ok</span><span class="ansi-green-fg">!</span>');
    expect(ansiToHtml("\x1b[38;5;196mr\x1b[48;2;1;2;3mb\x1b[39;49mn")).toBe(
      '<span style="color: rgb(255, 0, 0)">r</span><span style="color: rgb(255, 0, 0); background-color: rgb(1, 2, 3)">b</span>n',
    );
    expect(ansiToHtml("a\x1b[2Kb\x1b]0;title\x07c")).toBe("abc");
  });

  it("applies carriage returns and backspaces as an output area does", () => {
    expect(applyControlCharacters("10%\r50%\r100%\ndone\r\n")).toBe("100%\ndone\n");
    expect(applyControlCharacters("abc\b\bd")).toBe("ad");
  });

  it("highlights TypeScript without losing or unescaping text", () => {
    const code = 'const x: number = f(1e3); // <b> "q"\nlet s = `a${x}`;';
    const html = highlightTypeScript(code);
    expect(html).toContain('<span class="tok-kw">const</span>');
    expect(html).toContain('<span class="tok-type">number</span>');
    expect(html).toContain('<span class="tok-fn">f</span>(<span class="tok-num">1e3</span>)');
    expect(html).toContain('<span class="tok-comment">// &lt;b&gt; &quot;q&quot;</span>');
    expect(html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&")).toBe(code);
  });
});

describe("bundles and pages", () => {
  it("picks the richest MIME type for HTML, with image sizes and alt text", () => {
    expect(renderBundle({ "text/html": "<b>x</b>", "text/plain": "x" }, {})).toBe('<div class="html-output"><b>x</b></div>');
    expect(renderBundle({ "image/png": GRADIENT_PNG, "text/plain": "<PNG>" }, { "image/png": { width: 48 } })).toBe(
      `<img src="data:image/png;base64,${GRADIENT_PNG}" alt="&lt;PNG&gt;" width="48" class="pixelated">`,
    );
    expect(renderBundle({ "image/svg+xml": "<svg/>", "text/plain": "s" }, {})).toContain('src="data:image/svg+xml;base64,PHN2Zy8+"');
    expect(renderBundle({ "application/json": { a: 1 } }, {})).toBe("<pre>{\n  &quot;a&quot;: 1\n}</pre>");
    expect(renderBundle({ "application/x-unknown": "?" }, {})).toContain("[output of type application/x-unknown]");
  });

  it("renders a whole notebook page: prompts, skipped raw cells, attachments inlined", () => {
    const page = notebookToHtml(
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)" }, language_info: { name: "typescript" } },
        cells: [
          { cell_type: "markdown", id: "m", metadata: {}, source: "# Page title\n![pic](attachment:p.png)", attachments: { "p.png": { "image/png": GRADIENT_PNG } } },
          { cell_type: "raw", id: "r", metadata: {}, source: "raw text never shown" },
          { cell_type: "code", id: "c", metadata: {}, source: "1 + 1", execution_count: 4, outputs: [{ output_type: "execute_result", execution_count: 4, data: { "text/plain": "2" }, metadata: {} }] },
          { cell_type: "code", id: "d", metadata: {}, source: "x", execution_count: null, outputs: [{ output_type: "error", ename: "E", evalue: "v", traceback: [] }] },
        ],
      },
      { source: "demo.ipynb" },
    );
    expect(page).toContain("<title>Page title</title>");
    expect(page).toContain('<div class="nb-meta">demo.ipynb · TypeScript (tsorch)</div>');
    expect(page).toContain(`<img src="data:image/png;base64,${GRADIENT_PNG}" alt="pic">`);
    expect(page).not.toContain("raw text never shown");
    expect(page).toContain('<div class="prompt in">In&nbsp;[4]:</div>');
    expect(page).toContain('<div class="prompt out">Out[4]:</div>'.replace("Out[4]:", "Out[4]:"));
    expect(page).toContain("In&nbsp;[ ]:");
    expect(page).toContain('<span class="ansi-red-fg">E</span>: v');
  });
});

describe("terminal rendering", () => {
  const render = (enabled: boolean) => ({ style: makeStyle(enabled), columns: 10, fitColumns: 80, colorMode: "256" as const });

  it("draws PNGs within the width, names them without colour, and shows text for HTML", () => {
    const drawn = renderTerminalBundle({ "image/png": GRADIENT_PNG, "text/plain": "<PNG image>" }, {}, render(true));
    const lines = drawn.split("\n");
    expect(lines).toHaveLength(3); // 24x12 scaled to 10x5 → 3 rows of half-blocks
    expect(lines.every((l) => stripAnsi(l) === "▀".repeat(10) || stripAnsi(l) === "▀".repeat(10).replace(/.$/, "▀"))).toBe(true);
    expect(drawn).toContain("\x1b[38;5;");
    expect(renderTerminalBundle({ "image/png": GRADIENT_PNG, "text/plain": "<PNG image>" }, {}, render(false))).toBe("[image/png 24×12]");
    expect(renderTerminalBundle({ "image/png": GRADIENT_PNG, "text/plain": "a caption" }, {}, render(false))).toBe("[image/png 24×12]\na caption");
    expect(renderTerminalBundle({ "image/png": "bm90IGEgcG5n", "text/plain": "<x>" }, {}, render(true))).toMatch(/^\x1b\[2m\[image\/png\] cannot be drawn: /);
    expect(renderTerminalBundle({ "text/html": "<p>a &amp; b</p><script>x()</script>" }, {}, render(false))).toBe("a & b");
  });

  it("highlights an uncoloured traceback's error line, and strips colour when off", () => {
    expect(renderError("ValueError", "bad", ["Traceback:", "  line 1", "ValueError: bad"], render(true))).toBe("Traceback:\n  line 1\n\x1b[1m\x1b[31mValueError\x1b[39m\x1b[22m: bad");
    expect(renderError("E", "v", ["\x1b[31mE\x1b[0m: v"], render(false))).toBe("E: v");
    expect(renderError("E", "v", [], render(false))).toBe("E: v");
  });

  it("keeps a status line at the bottom and erases output that is still on screen", () => {
    let written = "";
    const out = { write: (t: string) => (written += t), isTTY: true, columns: 20, rows: 10 };
    const screen = new Screen(out, { live: true });
    screen.setStatus("working");
    screen.mark();
    screen.write("one\n");
    expect(written).toBe("working\r\x1b[2Kone\nworking");
    screen.write("a line longer than twenty columns\n");
    expect(screen.rowsSinceMark()).toBe(3);
    written = "";
    expect(screen.eraseSinceMark()).toBe(true);
    expect(written).toBe("\r\x1b[2K\x1b[3A\r\x1b[Jworking");
    // Too tall to be on screen: refused.
    screen.mark();
    screen.write("1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    expect(screen.eraseSinceMark()).toBe(false);
    const pipe = new Screen({ write: () => undefined }, { live: false });
    pipe.write("x\n");
    expect(pipe.eraseSinceMark()).toBe(false);
  });

  it("decides colour from --color, NO_COLOR, FORCE_COLOR and the stream", () => {
    expect(colorEnabled({ isTTY: true }, "auto", {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, "auto", {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, "auto", { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, "auto", { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: true }, "auto", { TERM: "dumb" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, "always", { NO_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: true }, "never", {})).toBe(false);
    expect(visibleWidth("\x1b[1m日本\x1b[0m ok")).toBe(7);
  });
});
