/**
 * Completion, inspection and is_complete for cells being edited, all from the TypeScript
 * language service over the notebook's real types; positions in Unicode code points.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stripAnsi } from "../kernel/eval/ansi.js";
import type { CompletionResult } from "../kernel/eval/index.js";
import { notebook, type TestNotebook, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

let nb: TestNotebook;
let netCell = 0;

beforeAll(async () => {
  nb = notebook();
  await nb.ev.warmUp();
  await nb.value(
    [
      "/** A tiny network. */",
      "class Net extends nn.Module {",
      "  fc1 = new nn.Linear(4, 2)",
      "  /** Runs the layers. */",
      "  override forward(x: Tensor): Tensor { return this.fc1.forward(x) }",
      "}",
      "const net = new Net()",
      "const x = torch.zeros(1, 4)",
    ].join("\n"),
  );
  netCell = nb.count;
});

type TypeEntry = { start: number; end: number; text: string; type: string; signature: string };

function types(result: CompletionResult): TypeEntry[] {
  return result.metadata._jupyter_types_experimental as TypeEntry[];
}

/** Completes with the cursor at the end of `code`. */
function completeAtEnd(code: string): CompletionResult {
  return nb.ev.complete(code, [...code].length);
}

describe("completion", () => {
  test("members of a runtime global after `.`", () => {
    const r = completeAtEnd("torch.");
    expect(r.matches).toEqual(expect.arrayContaining(["zeros", "ones", "Tensor"]));
    expect(r.cursor_start).toBe(6);
    expect(r.cursor_end).toBe(6);
    const zeros = types(r).find((t) => t.text === "zeros")!;
    expect(zeros).toMatchObject({ type: "function", start: 6, end: 6 });
    expect(zeros.signature).toBe("(...shape: number[]): Tensor");
  });

  test("the typed prefix narrows the matches and sets cursor_start", () => {
    const r = completeAtEnd("torch.ze");
    expect(r.matches).toEqual(["zeros"]);
    expect(r).toMatchObject({ cursor_start: 6, cursor_end: 8 });
  });

  test("members of a class declared in a cell, and of nested properties", () => {
    expect(completeAtEnd("net.").matches).toEqual(expect.arrayContaining(["fc1", "forward"]));
    expect(completeAtEnd("net.fc1.").matches).toEqual(expect.arrayContaining(["inFeatures", "outFeatures", "forward"]));
    const shape = completeAtEnd("x.shape.");
    expect(shape.matches).toEqual(expect.arrayContaining(["length", "map", "reduce"]));
    expect(types(shape).find((t) => t.text === "length")?.type).toBe("property");
  });

  test("globals, cell names and keywords", () => {
    expect(completeAtEnd("pri").matches).toContain("print");
    expect(completeAtEnd("ne").matches).toEqual(expect.arrayContaining(["net", "new"]));
    const kw = completeAtEnd("retu");
    expect(kw.matches).toContain("return");
    expect(types(kw).find((t) => t.text === "return")?.type).toBe("keyword");
    const cls = completeAtEnd("Ne");
    expect(types(cls).find((t) => t.text === "Net")?.type).toBe("class");
    expect(types(completeAtEnd("disp")).find((t) => t.text === "display")?.type).toBe("function");
  });

  test("names declared in the cell being edited are offered too", () => {
    expect(completeAtEnd("const localThing = 1\nlocalT").matches).toContain("localThing");
  });

  test("cursor positions are code points: emoji and × before the cursor", () => {
    const code = 'const s = "😀×😀"; s.toUpp';
    const r = completeAtEnd(code);
    expect(r.matches).toEqual(["toUpperCase"]);
    // `toUpp` starts at code point 19 (0-based); in UTF-16 units it would be 21.
    expect(r).toMatchObject({ cursor_start: 19, cursor_end: 24 });
  });

  test("a cursor in the middle of the code completes there", () => {
    const code = "torch.on\nconst y = 1";
    const r = nb.ev.complete(code, 8);
    expect(r.matches).toEqual(["ones"]);
    expect(r).toMatchObject({ cursor_start: 6, cursor_end: 8 });
  });

  test("named imports complete from the package's types", () => {
    const r = nb.ev.complete('import { gr } from "esm-only"', 11);
    expect(r.matches).toContain("greet");
  });

  test("nothing to complete gives an empty, well-formed reply", () => {
    const r = nb.ev.complete("const n = 1 + ", 14);
    expect(r.cursor_end).toBe(14);
    expect(Array.isArray(r.matches)).toBe(true);
    const none = completeAtEnd("zzqqx");
    expect(none).toMatchObject({ matches: [], cursor_start: 0, cursor_end: 5 });
  });

  test("latency after warm-up (printed, not asserted)", () => {
    const samples: Record<string, number[]> = { "torch.": [], "net.fc1.": [], "pri": [] };
    for (let i = 0; i < 15; i++) {
      for (const code of Object.keys(samples)) {
        const t = performance.now();
        completeAtEnd(code);
        samples[code]!.push(performance.now() - t);
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(
      "complete latency (median of 15):",
      Object.entries(samples)
        .map(([code, xs]) => `${JSON.stringify(code)} ${median(xs).toFixed(1)} ms`)
        .join(", "),
    );
  });
});

describe("inspection", () => {
  test("quick info with signature and JSDoc, as plain text and markdown", () => {
    const r = nb.ev.inspect("torch.zeros", 11, 0);
    expect(r.found).toBe(true);
    const text = stripAnsi(r.data["text/plain"]!);
    expect(text).toContain("Signature:");
    expect(text).toContain("zeros: (...shape: number[]) => Tensor");
    expect(text).toContain("Returns a tensor filled with zeros.");
    expect(r.data["text/markdown"]).toContain("```typescript");
  });

  test("names from earlier cells show their real declaration and where it is", () => {
    const r = nb.ev.inspect("net", 1, 0);
    const text = stripAnsi(r.data["text/plain"]!);
    expect(text).toContain("const net: Net");
    expect(text).not.toContain("alias");
    expect(text).toContain(`Defined in: Cell In[${netCell}], line 7`);
    const cls = stripAnsi(nb.ev.inspect("Net", 2, 0).data["text/plain"]!);
    expect(cls).toContain("A tiny network.");
  });

  test("detail level 1 adds the declaration's source", () => {
    const r = nb.ev.inspect("net.forward", 9, 1);
    const text = stripAnsi(r.data["text/plain"]!);
    expect(text).toContain("Runs the layers.");
    expect(text).toContain("Source:");
    expect(text).toContain("override forward(x: Tensor): Tensor { return this.fc1.forward(x) }");
    expect(nb.ev.inspect("net.forward", 9, 0).data["text/plain"]).not.toContain("Source:");
  });

  test("inside a call's parentheses it describes the function being called", () => {
    const r = nb.ev.inspect("torch.zeros(", 12, 0);
    expect(r.found).toBe(true);
    expect(stripAnsi(r.data["text/plain"]!)).toContain("...shape: number[]");
  });

  test("code points: inspecting after emoji finds the right name", () => {
    const code = 'const s = "😀😀"; net';
    const r = nb.ev.inspect(code, [...code].length, 0);
    expect(stripAnsi(r.data["text/plain"]!)).toContain("const net: Net");
  });

  test("nothing at the cursor: not found", () => {
    expect(nb.ev.inspect("   ", 1, 0)).toEqual({ found: false, data: {} });
  });
});

describe("is_complete", () => {
  test("complete code", () => {
    for (const code of ["1 + 1", "const a = [1, 2]", "function f() {\n  return 1\n}", "", "await x", "class A {}"]) {
      expect(nb.ev.isComplete(code)).toEqual({ status: "complete" });
    }
  });

  test("incomplete code, with the indent of the next line", () => {
    expect(nb.ev.isComplete("function f() {")).toEqual({ status: "incomplete", indent: "  " });
    expect(nb.ev.isComplete("const a = [\n  [1, 2,")).toEqual({ status: "incomplete", indent: "    " });
    expect(nb.ev.isComplete("const s = `value ${")).toMatchObject({ status: "incomplete" });
    expect(nb.ev.isComplete("const t = `multi\nline")).toMatchObject({ status: "incomplete" });
    expect(nb.ev.isComplete("/* a comment")).toMatchObject({ status: "incomplete" });
    expect(nb.ev.isComplete("const sum = 1 +")).toMatchObject({ status: "incomplete" });
    expect(nb.ev.isComplete("if (ready)")).toMatchObject({ status: "incomplete" });
    expect(nb.ev.isComplete("function g(x: number)")).toEqual({ status: "incomplete", indent: "  " });
    expect(nb.ev.isComplete("const re = /[(]/\nfoo(")).toEqual({ status: "incomplete", indent: "  " });
  });

  test("invalid code that more input cannot fix", () => {
    expect(nb.ev.isComplete("let 1x = 3")).toEqual({ status: "invalid" });
    expect(nb.ev.isComplete("const a = )\nconst b = 1")).toEqual({ status: "invalid" });
    expect(nb.ev.isComplete('const s = "unterminated')).toEqual({ status: "invalid" });
  });
});
