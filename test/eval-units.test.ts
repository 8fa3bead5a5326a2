/**
 * The evaluator's small parts on their own: the source map reader, code point positions, V8
 * stack parsing, the module resolver's view of package `exports`, and the scope module's text
 * and how declaration snapshots are pointed away from it.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { codePointToUtf16, offsetToLineCol, utf16ToCodePoint } from "../kernel/eval/positions.js";
import { SourceMap, decodeVlqSegment } from "../kernel/eval/source-map.js";
import { ModuleLoader, ModuleNotFoundError } from "../kernel/eval/modules.js";
import { redirectScopeImports, scopeModuleText } from "../kernel/eval/scope.js";
import { parseStack } from "../kernel/eval/traceback.js";
import { makeNotebookDir, removeNotebookDirs } from "./eval-fixtures/helpers.js";
import type { TypeScript } from "../kernel/eval/typescript.js";

afterAll(removeNotebookDirs);

const ts = createRequire(import.meta.url)("typescript") as TypeScript;

describe("base64 VLQ", () => {
  test("decodes single and multi-digit values with signs", () => {
    expect(decodeVlqSegment("A")).toEqual([0]);
    expect(decodeVlqSegment("C")).toEqual([1]);
    expect(decodeVlqSegment("D")).toEqual([-1]);
    expect(decodeVlqSegment("gB")).toEqual([16]);
    expect(decodeVlqSegment("hB")).toEqual([-16]);
    expect(decodeVlqSegment("AAgBC")).toEqual([0, 0, 16, 1]);
    expect(decodeVlqSegment("2HktC")).toEqual([123, 1234]);
  });

  test("rejects malformed segments", () => {
    expect(() => decodeVlqSegment("A*")).toThrow(SyntaxError);
    expect(() => decodeVlqSegment("g")).toThrow(/truncated/);
    expect(() => SourceMap.parse('{"version":3}')).toThrow(/not a source map/);
  });
});

describe("source maps", () => {
  test("map positions of TypeScript's own output back to the source", () => {
    const source = [
      "interface Cfg { n: number }",
      "enum E { A }",
      "",
      "function f(c: Cfg): number {",
      "  return c.n * 2",
      "}",
      "const value = f({ n: 3 })",
    ].join("\n");
    const out = ts.transpileModule(source, { compilerOptions: { sourceMap: true, target: ts.ScriptTarget.ES2022 }, fileName: "x.ts" });
    const map = SourceMap.parse(out.sourceMapText!);
    const js = out.outputText.split("\n");
    const lineOf = (needle: string) => js.findIndex((l) => l.includes(needle));
    const ret = lineOf("return c.n * 2");
    expect(map.originalPosition(ret, js[ret]!.indexOf("return"))).toEqual({ source: "x.ts", line: 4, column: 2 });
    const call = lineOf("const value");
    expect(map.originalPosition(call, js[call]!.indexOf("f("))?.line).toBe(6);
    // A column before the first segment of a line maps to that line's first segment.
    expect(map.originalPosition(ret, 0)?.line).toBe(4);
    expect(map.originalPosition(10_000, 0)).toBeUndefined();
  });
});

describe("positions", () => {
  test("code points and UTF-16 offsets convert both ways", () => {
    const text = "a😀×b";
    expect(codePointToUtf16(text, 0)).toBe(0);
    expect(codePointToUtf16(text, 2)).toBe(3);
    expect(codePointToUtf16(text, 4)).toBe(5);
    expect(codePointToUtf16(text, 99)).toBe(5);
    expect(utf16ToCodePoint(text, 3)).toBe(2);
    expect(utf16ToCodePoint(text, 5)).toBe(4);
  });

  test("line and column are 1-based, columns in code points", () => {
    const text = "one\n😀😀x\r\nthree";
    expect(offsetToLineCol(text, 0)).toEqual({ line: 1, col: 1 });
    expect(offsetToLineCol(text, text.indexOf("x"))).toEqual({ line: 2, col: 3 });
    expect(offsetToLineCol(text, text.indexOf("three"))).toEqual({ line: 3, col: 1 });
  });
});

describe("V8 stacks", () => {
  test("frames with and without function names, async frames, spaces and brackets in file names", () => {
    const frames = parseStack(
      [
        "Error: boom",
        "    at Net.forward (Cell In[3]:5:11)",
        "    at Cell In[4]:2:1",
        "    at async train (file:///tmp/x (copy)/a.js:10:3)",
        "    at async Cell In[5]:1:7",
        "    at Array.map (<anonymous>)",
        "    at new Model (/tmp/m.js:1:2)",
        "    at Object.<anonymous> [as f] (/tmp/o.js:3:4)",
      ].join("\n"),
    );
    expect(frames).toEqual([
      { functionName: "Net.forward", file: "Cell In[3]", line: 5, column: 11 },
      { functionName: "", file: "Cell In[4]", line: 2, column: 1 },
      { functionName: "train", file: "file:///tmp/x (copy)/a.js", line: 10, column: 3 },
      { functionName: "", file: "Cell In[5]", line: 1, column: 7 },
      { functionName: "Array.map", file: "<anonymous>", line: 0, column: 0 },
      { functionName: "new Model", file: "/tmp/m.js", line: 1, column: 2 },
      { functionName: "Object.<anonymous>", file: "/tmp/o.js", line: 3, column: 4 },
    ]);
  });
});

describe("module resolution from the notebook's directory", () => {
  const dir = makeNotebookDir();
  const loader = new ModuleLoader(dir);

  test("package exports with the import condition, builtins, relative TypeScript", () => {
    expect(loader.resolve("esm-only", dir)).toBe(path.join(dir, "node_modules/esm-only/index.js"));
    expect(loader.resolve("esm-only/side-effect", dir)).toBe(path.join(dir, "node_modules/esm-only/side-effect.js"));
    expect(loader.resolve("cjs-typed", dir)).toBe(path.join(dir, "node_modules/cjs-typed/index.js"));
    expect(loader.resolve("fs", dir)).toBe("node:fs");
    expect(loader.resolve("node:path", dir)).toBe("node:path");
    expect(loader.resolve("./util.js", dir)).toBe(path.join(dir, "util.ts"));
    expect(loader.resolve("./plain.mjs", dir)).toBe(path.join(dir, "plain.mjs"));
  });

  test("a subpath the package does not export, or a missing package, is ModuleNotFoundError", () => {
    expect(() => loader.resolve("esm-only/internal", dir)).toThrow(ModuleNotFoundError);
    expect(() => loader.resolve("nope-nothing", dir)).toThrow(/Cannot find module 'nope-nothing'/);
  });
});

describe("the scope module", () => {
  const specifier = (owner: number) => (owner === 0 ? "./g.mjs" : `./c${owner}.mjs`);

  test("re-exports each name from its owner, one line per owner", () => {
    const owners = new Map([
      ["torch", 0],
      ["net", 3],
      ["Net", 3],
      ["x", 7],
    ]);
    expect(scopeModuleText(owners, specifier)).toBe(
      'export { torch } from "./g.mjs";\nexport { net, Net } from "./c3.mjs";\nexport { x } from "./c7.mjs";\nexport {};\n',
    );
    expect(scopeModuleText(new Map(), specifier)).toBe("export {};\n");
  });

  const owners: Record<string, string> = { Net: "./c3.mjs", Tensor: "./g.mjs", Layer: "./c5.mjs" };
  const redirect = (text: string) => redirectScopeImports(ts, text, "./s.mjs", (name) => owners[name]);

  test("an import from the scope becomes one import per owner, keeping aliases and type modifiers", () => {
    expect(redirect('import { Net, type Layer, Tensor as T } from "./s.mjs";\ndeclare const n: Net;\n')).toBe(
      'import { Net } from "./c3.mjs";\nimport { type Layer } from "./c5.mjs";\nimport { Tensor as T } from "./g.mjs";\ndeclare const n: Net;\n',
    );
    expect(redirect('import type { Net } from "./s.mjs";\n')).toBe('import type { Net } from "./c3.mjs";\n');
  });

  test("import types of the scope (in either spelling) point at the owner of their first name", () => {
    expect(redirect('declare const a: import("./s.mjs").Net;\ndeclare const b: import("./s.mts").Layer.Options;\n')).toBe(
      'declare const a: import("./c3.mjs").Net;\ndeclare const b: import("./c5.mjs").Layer.Options;\n',
    );
  });

  test("text that does not mention the scope is returned as it is; unknown names are left alone", () => {
    const text = 'import { Net } from "./c3.mjs";\ndeclare const n: Net;\n';
    expect(redirect(text)).toBe(text);
    expect(redirect('import { Unknown } from "./s.mjs";\n')).toBe('import { Unknown } from "./s.mjs";\n');
  });
});
