/**
 * The type-checking project behind the evaluator: the scope module every cell imports from, the
 * input file cells are checked in, cell modules that keep their types, packed declarations for
 * `@types/node` and a `.d.ts` runtime, and the program prepared while the kernel is idle.
 */
import fs from "node:fs";
import path from "node:path";
import type * as TS from "typescript";
import { afterAll, describe, expect, test } from "vitest";
import { FIXTURES, makeNotebookDir, notebook, plain, removeNotebookDirs, type TestNotebook } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

/** The evaluator's project, for looking at the program it checks cells in. */
interface ProjectView {
  program(): TS.Program;
  isVirtual(file: string): boolean;
  fileText(file: string): string | undefined;
}

function projectOf(nb: TestNotebook): ProjectView {
  return (nb.ev as unknown as { project: ProjectView }).project;
}

function liveCells(nb: TestNotebook): number {
  return (nb.ev as unknown as { live: Map<number, unknown> }).live.size;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("cells and the scope module", () => {
  test("a type an earlier cell's declarations use stays alive after every name of that cell is redeclared", async () => {
    const nb = notebook();
    await nb.ev.warmUp();
    await nb.value("class Box { v = 1; get() { return this.v } }\nconst b = new Box()");
    // b2's declaration refers to the first Box through the first cell's module.
    await nb.value("const b2 = b");
    await nb.value("class Box { w = 'x' }\nconst b = 0");
    expect(await nb.value("b2.get()")).toBe(1);
    const out = await nb.run("const s: string = b2.get()");
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") expect(out.evalue).toContain("Type 'number' is not assignable to type 'string'");
  });

  test("a declaration that names an earlier type keeps that type when the name is redeclared", async () => {
    const nb = notebook();
    await nb.value("class Box { v = 1; get() { return this.v } }\nconst b = new Box()");
    await nb.value("const b4: Box = b");
    await nb.value("class Box { w = 'x' }");
    expect(await nb.value("b4.get()")).toBe(1);
    const out = await nb.run("const nb4: Box = b4");
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") expect(plain(out.traceback)).toContain("Property 'w' is missing");
  });

  test("cells that declare nothing leave no module behind", async () => {
    const nb = notebook();
    await nb.value("const kept = 1");
    const before = liveCells(nb);
    for (let i = 0; i < 5; i++) expect(await nb.value(`${i} + kept`)).toBe(i + 1);
    expect(liveCells(nb)).toBe(before);
  });

  test("after a cell that declared names, the next program is prepared while idle, and cells and completion work on it", async () => {
    const nb = notebook();
    await nb.ev.warmUp();
    await nb.value("const idleName = 41");
    await tick();
    await tick();
    const project = projectOf(nb);
    const input = project.program().getSourceFiles().find((f) => f.fileName.endsWith("input.mts"))!;
    // The input file holds only the imports every cell has: the next cell only replaces its text.
    expect(input.text).toMatch(/^\n;\nimport \{ {2}\} from "\.\/__tsorch\d+_scope\.mjs";\nexport \{\};\n$/);
    expect(nb.ev.complete("idleN", 5).matches).toContain("idleName");
    expect(await nb.value("idleName + 1")).toBe(42);
  });

  test("the idle work goes around a kernel's wrapped global timers (it is not a cell's timer)", async () => {
    const nb = notebook();
    await nb.ev.warmUp();
    const global = globalThis as { setImmediate: typeof setImmediate };
    const original = global.setImmediate;
    const fromEvaluator: string[] = [];
    global.setImmediate = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
      const stack = new Error().stack ?? "";
      if (/kernel[\\/]eval[\\/]/.test(stack)) fromEvaluator.push(stack);
      return original(callback, ...args);
    }) as typeof setImmediate;
    try {
      await nb.value("const tracked = 1");
      await nb.value("import { join } from 'node:path'\nconst joinedAgain = join('a')");
    } finally {
      global.setImmediate = original;
    }
    await tick();
    expect(fromEvaluator).toEqual([]);
    expect(await nb.value("tracked")).toBe(1);
  });

  test("compile errors name the cells that declared the types", async () => {
    const nb = notebook();
    await nb.value("class Unit { u = 1 }");
    const out = await nb.run("const u: Unit = 5");
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") {
      expect(out.evalue).toContain("Type 'number' is not assignable to type 'Unit'");
      expect(out.evalue).not.toMatch(/__tsorch|scope|input\.m/);
    }
  });
});

describe("the program", () => {
  test("holds a handful of files: the standard library, @types/node and the runtime packed, the notebook's modules", async () => {
    const nb = notebook();
    await nb.ev.warmUp();
    await nb.value("const p: number = process.pid\nconst r: string = require('node:path').join('a', 'b')");
    const project = projectOf(nb);
    const files = project.program().getSourceFiles().map((f) => f.fileName);
    const onDisk = files.filter((f) => !project.isVirtual(f));
    // The fixture runtime is TypeScript source (read as it is); @types/node is one packed file.
    expect(onDisk.filter((f) => f.includes(`${path.sep}@types${path.sep}node${path.sep}`))).toEqual([
      expect.stringMatching(/__tsorch_bundle\.d\.ts$/),
    ]);
    expect(files.some((f) => f.includes(`${path.sep}undici-types${path.sep}`))).toBe(false);
    expect(files.length).toBeLessThan(12);
  });

  test("node's types come from the packed @types/node, ambient modules included", async () => {
    const nb = notebook();
    expect(await nb.value("import { join } from 'node:path'\nconst joined: string = join('a', 'b')\njoined")).toBe(path.join("a", "b"));
    const bad = await nb.run("const pid: string = process.pid");
    expect(bad.status).toBe("compile_error");
    expect(nb.ev.inspect("process", 7, 0).data["text/plain"]).toMatch(/@types[\\/]node[\\/]globals\.d\.ts:3\b/);
  });
});

describe("a runtime typed by compiled declarations", () => {
  /** A notebook whose runtime types are the packed fixture package (installed beside it). */
  function packedRuntimeNotebook(where: "node_modules" | "beside"): { nb: TestNotebook; entry: string } {
    const dir = makeNotebookDir();
    const root = where === "node_modules" ? path.join(dir, "node_modules/packed-fixture") : path.join(dir, "runtime");
    fs.cpSync(path.join(FIXTURES, "packed"), root, { recursive: true });
    for (const dep of fs.readdirSync(path.join(FIXTURES, "packed-deps"))) {
      fs.cpSync(path.join(FIXTURES, "packed-deps", dep), path.join(dir, "node_modules", dep), { recursive: true });
    }
    class Shape {
      readonly sides: number;
      constructor(sides: number) {
        this.sides = sides;
      }
    }
    const entry = path.join(root, "index.d.ts");
    const nb = notebook({ cwd: dir, runtimeTypes: entry, extraGlobals: { Shape, helper: (s: Shape) => s.sides, version: "1.0" } });
    return { nb, entry };
  }

  test("globals are typed from the packed declarations, and importing the package gives the same types", async () => {
    const { nb } = packedRuntimeNotebook("node_modules");
    expect(await nb.value("helper(new Shape(4))")).toBe(4);
    expect(await nb.value("const v: string = version\nv")).toBe("1.0");
    // Shape has a private member: only the very same declaration is assignable.
    expect(await nb.value("import type { Shape as Imported } from 'packed-fixture'\nconst s: Imported = new Shape(2)\ns.sides")).toBe(2);
    expect((await nb.run("const wrong: number = new Shape(1)")).status).toBe("compile_error");
    const files = projectOf(nb).program().getSourceFiles().map((f) => f.fileName);
    expect(files.filter((f) => f.includes(`${path.sep}packed-fixture${path.sep}`))).toEqual([expect.stringMatching(/__tsorch_bundle\.d\.ts$/)]);
  });

  test("import completion offers the package, not the names its files go by inside the bundle", async () => {
    const { nb } = packedRuntimeNotebook("node_modules");
    const code = 'import { Shape } from "packed-';
    expect(nb.ev.complete(code, code.length).matches).toEqual(["packed-fixture"]);
    const ext = 'import { Extra } from "extra-';
    expect(nb.ev.complete(ext, ext.length).matches).toEqual(["extra-types"]);
  });

  test("inspection names the declaration file and line a packed declaration came from", async () => {
    const { nb } = packedRuntimeNotebook("node_modules");
    const text = nb.ev.inspect("Shape", 5, 0).data["text/plain"]!;
    expect(plain([text])).toContain(`Defined in: ${path.join("node_modules", "packed-fixture", "shapes.d.ts")}:4`);
    expect(plain([nb.ev.inspect("helper", 6, 0).data["text/plain"]!])).toContain("Counts a shape's sides.");
  });

  test("declarations that change on disk are packed again (checked at most once a second)", async () => {
    const { nb, entry } = packedRuntimeNotebook("beside");
    expect(await nb.value("const v1: string = version\nv1")).toBe("1.0");
    fs.writeFileSync(entry, fs.readFileSync(entry, "utf8").replace("export declare const version: string;", "export declare const version: number;"));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await nb.run("0");
    const out = await nb.run("const v2: string = version");
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") expect(out.evalue).toContain("Type 'number' is not assignable to type 'string'");
  });
});
