/**
 * Member completion after `name.` reads the program kept built between cells instead of making a
 * new one for the cell being edited. It must say exactly what the language service says: the
 * same matches, in the same order, with the same kinds and signatures. `(name).` takes the
 * service's way with the same meaning, so the two are compared on the real runtime's types.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runtimeTypesEntry } from "../kernel/eval/package-root.js";
// The runtime first: its modules import each other in an order the op modules rely on.
import "../src/index.js";
import { signatureTexts } from "../src/ops/signature.js";
import { stripAnsi } from "./run-support.js";
import { notebook, removeNotebookDirs, type TestNotebook } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

let nb: TestNotebook;

beforeAll(async () => {
  nb = notebook({ runtimeTypes: runtimeTypesEntry() });
  await nb.ev.warmUp();
  const setup = await nb.run(
    [
      "class Net extends nn.Module { fc1 = new nn.Linear(4, 2); _hidden = 1; forward(x: Tensor) { return this.fc1.forward(x) } }",
      "const net = new Net()",
      "const s = 'abc'",
      "const obj = { a: 1, b: 'x', f(n: number) { return n } }",
      "let maybe: { q: number } | undefined = undefined as any",
    ].join("\n"),
  );
  expect(setup.status).toBe("ok");
});

type Entry = { text: string; type: string; signature: string };
const entries = (r: { metadata: Record<string, unknown> }) => (r.metadata._jupyter_types_experimental as Entry[]).map((e) => `${e.text} ${e.type} ${e.signature}`);

describe("member completion without a new program", () => {
  const cases: [string, string][] = [
    ["torch", ""],
    ["torch", "ra"],
    ["torch", "_"],
    ["nn", ""],
    ["nn", "Con"],
    ["F", "re"],
    ["net", ""],
    ["net", "_"],
    ["net.fc1", ""],
    ["net.fc1.weight", "sh"],
    ["Math", ""],
    ["Tensor", ""],
    ["s", ""],
    ["obj", ""],
    ["maybe", ""],
  ];
  test.each(cases)("%s.%s reads as the language service's", (root, prefix) => {
    const fastCode = `${root}.${prefix}`;
    const slowCode = `(${root}).${prefix}`;
    const fast = nb.ev.complete(fastCode, fastCode.length);
    const slow = nb.ev.complete(slowCode, slowCode.length);
    // Signatures are written within a time budget, so on a busy machine one side may lack some.
    const kinds = (r: typeof fast) => entries(r).map((e) => e.split(" ").slice(0, 2).join(" "));
    expect(kinds(fast)).toEqual(kinds(slow));
    const signatures = (r: typeof fast) => (r.metadata._jupyter_types_experimental as Entry[]).map((e) => e.signature);
    const [a, b] = [signatures(fast), signatures(slow)];
    expect(a.filter((sig, i) => sig !== "" && b[i] !== "" && sig !== b[i])).toEqual([]);
    expect(fast.cursor_start).toBe(root.length + 1);
    expect(fast.cursor_end).toBe(fastCode.length);
  });

  test("torch. lists functions as functions with their signatures, and hides _ names", () => {
    const r = nb.ev.complete("torch.", 6);
    expect(r.matches.length).toBeGreaterThan(200);
    expect(r.matches.some((m) => m.startsWith("_"))).toBe(false);
    const types = r.metadata._jupyter_types_experimental as Entry[];
    expect(types.find((e) => e.text === "cat")?.type).toBe("function");
    expect(types.find((e) => e.text === "Tensor")?.type).toBe("class");
  });

  test("a name the cell binds itself, a string, a call before the dot: the service's way, right for each", () => {
    expect(nb.ev.complete("const net = 'x'\nnet.len", 23).matches).toContain("length");
    expect(nb.ev.complete("function f(torch: string) { return torch.toUpp", 46).matches).toEqual(["toUpperCase"]);
    expect(nb.ev.complete("'torch.", 7).matches).not.toContain("zeros");
    expect(nb.ev.complete("net.forward(torch.zeros(1, 4)).sh", 33).matches).toContain("shape");
  });
});

describe("bare-word completion without a new program", () => {
  const words = ["t", "tor", "n", "ne", "Ne", "Ma", "co", "le", "_", "s", "ob", "ma", "re", "di", "F", "zzz", "const a = 1\nne", "net.forward\nto"];
  test.each(words)("%j reads as the language service's", (code) => {
    const fast = nb.ev.complete(code, [...code].length);
    const slow = nb.ev.complete(code, [...code].length, false);
    expect(fast.matches).toEqual(slow.matches);
    const kinds = (r: typeof fast) => entries(r).map((e) => e.split(" ").slice(0, 2).join(" "));
    expect(kinds(fast)).toEqual(kinds(slow));
    const signatures = (r: typeof fast) => (r.metadata._jupyter_types_experimental as Entry[]).map((e) => e.signature);
    const [a, b] = [signatures(fast), signatures(slow)];
    expect(a.filter((sig, i) => sig !== "" && b[i] !== "" && sig !== b[i])).toEqual([]);
    expect([fast.cursor_start, fast.cursor_end]).toEqual([slow.cursor_start, slow.cursor_end]);
  });

  test("a bare word lists the notebook's names, globals and keywords; not names hidden by _", () => {
    expect(nb.ev.complete("ne", 2).matches).toEqual(expect.arrayContaining(["net", "new"]));
    expect(nb.ev.complete("tor", 3).matches).toContain("torch");
    expect(nb.ev.complete("Ma", 2).matches).toContain("Math");
    expect(nb.ev.complete("co", 2).matches).toEqual(expect.arrayContaining(["const", "console", "continue"]));
    expect(nb.ev.complete("t", 1).matches.some((m) => m.startsWith("_"))).toBe(false);
  });

  test("a name the cell declares, or a word inside an expression, is still offered (the full way)", () => {
    expect(nb.ev.complete("const netty = 1\nne", 18).matches).toEqual(expect.arrayContaining(["net", "netty", "new"]));
    expect(nb.ev.complete("Math.max(ne", 11).matches).toContain("net");
    expect(nb.ev.complete("function g(nested: number) { return nes", 39).matches).toContain("nested");
  });
});

describe("signatures as PyTorch writes them, from the op's one signature", () => {
  test("Shift+Tab on torch.amax: PyTorch's form first, then the TypeScript type", () => {
    expect(signatureTexts("amax")).toEqual(["amax(input, dim=[], keepdim=False)"]);
    const shown = nb.ev.inspect("torch.amax", 10, 0);
    const plain = stripAnsi(shown.data["text/plain"]!);
    expect(plain).toMatch(/^Signature: amax\(input, dim=\[\], keepdim=False\)\nTypeScript: function amax\(input: Tensor/);
    expect(shown.data["text/markdown"]).toContain("```python\namax(input, dim=[], keepdim=False)\n```");
  });

  test("a Tensor method drops `input`; completion details carry the same form", () => {
    expect(stripAnsi(nb.ev.inspect("net.fc1.weight.amax", 19, 0).data["text/plain"]!)).toMatch(/^Signature: amax\(dim=\[\], keepdim=False\)/);
    const types = nb.ev.complete("torch.am", 8).metadata._jupyter_types_experimental as Entry[];
    expect(types.find((e) => e.text === "amax")?.signature).toBe("(input, dim=[], keepdim=False)");
    const methods = nb.ev.complete("net.fc1.weight.am", 17).metadata._jupyter_types_experimental as Entry[];
    expect(methods.find((e) => e.text === "amax")?.signature).toBe("(dim=[], keepdim=False)");
  });

  test("factories and layers without an op signature read as PyTorch's, from their declarations", () => {
    const shown = (code: string) => stripAnsi(nb.ev.inspect(code, [...code].length, 0).data["text/plain"]!).split("\n")[0];
    expect(signatureTexts("randn")).toEqual([]);
    expect(shown("torch.randn")).toBe("Signature: randn(*size, generator?, dtype?, requires_grad?, device?)");
    expect(shown("nn.Conv2d")).toBe(
      "Signature: Conv2d(in_channels, out_channels, kernel_size, stride?, padding?, dilation?, groups?, bias?, padding_mode?, *, dtype?, device?)");
    expect(shown("nn.Linear")).toBe("Signature: Linear(in_features, out_features, bias?, *, dtype?, device?)");
    expect(shown("nn.ReLU")).toBe("Signature: ReLU(inplace?)");
    // The TypeScript form follows, and the markdown carries both.
    const full = nb.ev.inspect("torch.randn", 11, 0);
    expect(stripAnsi(full.data["text/plain"]!)).toMatch(/\nTypeScript: function randn\(\.\.\.args/);
    expect(full.data["text/markdown"]).toContain("```python\nrandn(*size, generator?, dtype?, requires_grad?, device?)\n```");
    // Completion details carry the parameters too.
    const types = nb.ev.complete("torch.rand", 10).metadata._jupyter_types_experimental as Entry[];
    expect(types.find((e) => e.text === "randn")?.signature).toBe("(*size, generator?, dtype?, requires_grad?, device?)");
    // The notebook's own functions and classes keep their TypeScript signature.
    expect(shown("net.forward")).toMatch(/^Signature: \(method\) Net\.forward\(x: Tensor\)/);
  });

  test("a function of the notebook with an op's name keeps its own TypeScript signature", async () => {
    expect((await nb.run("function amax(a: number, b: number) { return Math.max(a, b) }")).status).toBe("ok");
    expect(stripAnsi(nb.ev.inspect("amax", 4, 0).data["text/plain"]!)).toMatch(/^Signature: function amax\(a: number, b: number\): number/);
  });
});

