/**
 * Imports in cells: npm packages installed beside the notebook (ESM-only, CommonJS, untyped),
 * builtins, `require`, dynamic `import()`, and TypeScript/JavaScript files beside the notebook.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { notebook, type TestNotebook, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

let nb: TestNotebook;

beforeAll(async () => {
  nb = notebook();
  await nb.ev.warmUp();
});

describe("ESM-only packages", () => {
  test("default, named and namespace imports", async () => {
    expect(await nb.value('import Greeter, { greet, answer } from "esm-only"\n[new Greeter("hi").greet("Ada"), greet("Bob"), answer]')).toEqual([
      "hi, Ada",
      "hello, Bob",
      42,
    ]);
    expect(await nb.value('import * as esm from "esm-only"\nesm.greet("ns")')).toBe("hello, ns");
  });

  test("imported names are typed from the package's declarations", async () => {
    const out = await nb.run('import { greet as g2 } from "esm-only"\ng2(42)');
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") expect(out.evalue).toContain("Argument of type 'number' is not assignable to parameter of type 'string'");
  });

  test("imports stay available to later cells", async () => {
    await nb.value('import { greet as hello } from "esm-only"');
    expect(await nb.value('hello("later")')).toBe("hello, later");
    expect((await nb.run("hello(1)")).status).toBe("compile_error");
  });

  test("side-effect imports run the module", async () => {
    await nb.value('import "esm-only/side-effect"');
    expect((globalThis as { esmOnlySideEffects?: number }).esmOnlySideEffects).toBeGreaterThanOrEqual(1);
  });

  test("dynamic import() resolves from the notebook's directory", async () => {
    expect(await nb.value('const dyn = await import("esm-only")\ndyn.answer')).toBe(42);
  });

  test("a type-only import loads nothing and still types the cell", async () => {
    expect(await nb.value('import type Greeter2 from "esm-only"\nconst gg: Greeter2 | undefined = undefined\ngg')).toBeUndefined();
  });
});

describe("CommonJS packages", () => {
  test("named and default imports of a typed CommonJS package", async () => {
    expect(await nb.value('import { add, version } from "cjs-typed"\n[add(2, 3), version]')).toEqual([5, "1.2.3"]);
    expect(await nb.value('import cjs from "cjs-typed"\ncjs.add(1, 1)')).toBe(2);
    expect((await nb.run('add("a", 1)')).status).toBe("compile_error");
  });

  test("an untyped package is `any`, through import or require", async () => {
    expect(await nb.value('import double from "untyped"\ndouble(21)')).toBe(42);
    expect(await nb.value('const double2 = require("untyped")\ndouble2(4)')).toBe(8);
    expect(await nb.value('require("cjs-typed").version')).toBe("1.2.3");
  });

  test("require() of an ESM-only package works too (its `import` entry, loaded by Node ≥ 20.19's require(esm))", async () => {
    expect(await nb.value('require("esm-only").answer')).toBe(42);
  });
});

describe("builtins and missing modules", () => {
  test("node builtins with and without the node: prefix", async () => {
    expect(await nb.value('import path from "node:path"\nimport { EOL } from "os"\npath.join("a", "b") + EOL.length')).toBe("a/b1");
  });

  test("a missing package is a compile error that names it", async () => {
    const out = await nb.run('import nothing from "no-such-package"');
    expect(out).toMatchObject({ status: "compile_error", ename: "TSError" });
    if (out.status === "compile_error") expect(out.evalue).toContain("Cannot find module 'no-such-package'");
  });

  test("a package installed during the session is found by the next cell", async () => {
    const pkg = path.join(nb.dir, "node_modules", "late-arrival");
    expect((await nb.run('import { late } from "late-arrival"')).status).toBe("compile_error");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "late-arrival", type: "module", exports: "./index.js", types: "./index.d.ts" }));
    fs.writeFileSync(path.join(pkg, "index.js"), "export const late = 'arrived';\n");
    fs.writeFileSync(path.join(pkg, "index.d.ts"), "export declare const late: string;\n");
    expect(await nb.value('import { late } from "late-arrival"\nlate')).toBe("arrived");
  });
});

describe("files beside the notebook", () => {
  test("a TypeScript file, imported with its .js or .ts name, typed and run", async () => {
    expect(await nb.value('import util, { norm, type Point } from "./util.js"\nconst pt: Point = { x: 3, y: 4 };\n[norm(pt), util]')).toEqual([5, "util"]);
    expect(await nb.value('import { norm as norm2 } from "./util.ts"\nnorm2({ x: 6, y: 8 })')).toBe(10);
    const bad = await nb.run('norm({ x: 1 })');
    expect(bad.status).toBe("compile_error");
  });

  test("an edited TypeScript file is reloaded by the next import", async () => {
    fs.writeFileSync(path.join(nb.dir, "scale.ts"), "export const scale = 2;\n");
    // mtime resolution: make sure the change is visible even on coarse clocks.
    const later = new Date(Date.now() + 2000);
    fs.utimesSync(path.join(nb.dir, "scale.ts"), later, later);
    expect(await nb.value('import { norm as norm3 } from "./util.js"\nnorm3({ x: 3, y: 4 })')).toBe(10);
  });

  test("an ES module file", async () => {
    expect(await nb.value('import { plain } from "./plain.mjs"\nplain')).toBe("plain ESM beside the notebook");
  });
});
