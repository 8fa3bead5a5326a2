/**
 * Packed declarations: a tree of `.d.ts` files as one file of ambient modules that type-checks
 * exactly like the files did (exports, privacy, global augmentations, scripts, packages they
 * import), with lines that map back to the files.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { declarationBundle, isFresh, originalLine, packageEntryName, packDeclarations } from "../kernel/eval/declaration-bundle.js";
import { packageRoot } from "../kernel/eval/package-root.js";
import { CellProject, cellCompilerOptions } from "../kernel/eval/project.js";
import { typescript } from "../kernel/eval/typescript.js";
import { FIXTURES } from "./eval-fixtures/helpers.js";

const ts = typescript();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A directory with the fixture package and its dependencies installed in `node_modules`. */
function installed(): { dir: string; entry: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsorch-bundle-"));
  dirs.push(dir);
  fs.cpSync(path.join(FIXTURES, "packed"), path.join(dir, "node_modules/packed-fixture"), { recursive: true });
  for (const dep of fs.readdirSync(path.join(FIXTURES, "packed-deps"))) {
    fs.cpSync(path.join(FIXTURES, "packed-deps", dep), path.join(dir, "node_modules", dep), { recursive: true });
  }
  return { dir, entry: path.join(dir, "node_modules/packed-fixture/index.d.ts") };
}

function pack(entry: string, provides: string[] = ["node"]) {
  return packDeclarations(ts, { entry, entryName: packageEntryName(entry), compilerOptions: cellCompilerOptions(ts), provides });
}

describe("packing", () => {
  test("module files become ambient modules named by package and path; scripts are copied", () => {
    const { dir, entry } = installed();
    const bundle = pack(entry);
    expect([...bundle.moduleNames].sort()).toEqual([
      "extra-types",
      "extra-types/more.js",
      "packed-fixture",
      "packed-fixture/shapes.js",
      "packed-fixture/util/helper.js",
    ]);
    expect(bundle.entryName).toBe("packed-fixture");
    // Names made up from paths are for the bundle only; the entry's and imported packages' are real.
    expect([...bundle.internalNames].sort()).toEqual(["extra-types/more.js", "packed-fixture/shapes.js", "packed-fixture/util/helper.js"]);
    expect(bundle.file).toBe(path.join(path.dirname(entry), "__tsorch_bundle.d.ts"));
    expect(bundle.text).toContain('declare module "packed-fixture/shapes.js" {');
    expect(bundle.text).toContain('export * from "packed-fixture/shapes.js";');
    expect(bundle.text).toContain('import { Shape } from "packed-fixture/shapes.js";');
    expect(bundle.text).toContain('export * from "extra-types/more.js";');
    // The script is copied as it is (its ambient module included), not wrapped.
    expect(bundle.text).toContain("declare var packedCounter: number;");
    expect(bundle.ambientNames).toEqual(["buffer-like"]);
    const packed = bundle.files.map((f) => path.relative(dir, f.file)).sort();
    expect(packed).toEqual(
      [
        "node_modules/extra-types/index.d.ts",
        "node_modules/extra-types/more.d.ts",
        "node_modules/packed-fixture/globals.d.ts",
        "node_modules/packed-fixture/index.d.ts",
        "node_modules/packed-fixture/shapes.d.ts",
        "node_modules/packed-fixture/util/helper.d.ts",
      ].map((p) => p.split("/").join(path.sep)),
    );
  });

  test("a bare import that a packed script declares as an ambient module is not packed from node_modules", () => {
    const { entry } = installed();
    const bundle = pack(entry);
    expect(bundle.moduleNames).not.toContain("buffer-like");
    expect(bundle.files.some((f) => f.file.includes(`${path.sep}buffer-like${path.sep}`))).toBe(false);
    expect(bundle.text).not.toContain("fromThePackage");
  });

  test("reference directives are blanked; type references the bundle does not provide go to its top", () => {
    const { entry } = installed();
    expect(pack(entry).text).not.toMatch(/\/\/\/\s*<reference/);
    const withNode = pack(entry, []);
    expect(withNode.text.startsWith('/// <reference types="node" />\n')).toBe(true);
  });

  test("every line of a packed file keeps its line, so positions map back", () => {
    const { entry } = installed();
    const bundle = pack(entry);
    const bundleLines = bundle.text.split("\n");
    for (const { file } of bundle.files) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      const part = bundle.parts.find((p) => p.file === file)!;
      lines.forEach((line, i) => {
        const packedLine = bundleLines[part.line + i]!;
        if (/^\/\/\/\s*</.test(line)) expect(packedLine).toBe("");
        else if (!/from "|import\(/.test(line)) expect(packedLine).toBe(line);
        expect(originalLine(bundle, part.line + i)).toEqual({ file, line: i });
      });
    }
    const shapeLine = bundleLines.findIndex((l) => l.includes("export declare class Shape"));
    expect(originalLine(bundle, shapeLine)).toEqual({ file: path.join(path.dirname(entry), "shapes.d.ts"), line: 3 });
  });

  test("packageEntryName is the package name only for the package's declaration entry", () => {
    const { entry } = installed();
    expect(packageEntryName(entry)).toBe("packed-fixture");
    expect(packageEntryName(path.join(path.dirname(entry), "shapes.d.ts"))).toBeUndefined();
  });
});

describe("type-checking against a bundle", () => {
  function check(code: string) {
    const { dir, entry } = installed();
    const project = new CellProject(dir, path.join(packageRoot(), "package.json"));
    expect(project.packTypes(entry, packageEntryName(entry))).toBe("packed-fixture");
    const main = project.virtualPath("main.mts");
    project.setFile(main, code);
    project.setRoots([main]);
    const program = project.program();
    const diagnostics = program.getSemanticDiagnostics(program.getSourceFile(main)).map((d) => ({
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    }));
    const onDisk = program.getSourceFiles().filter((f) => !project.isVirtual(f.fileName) && !f.fileName.endsWith("__tsorch_bundle.d.ts"));
    return { diagnostics, onDisk: onDisk.map((f) => f.fileName) };
  }

  test("exports, imported packages, global augmentations and scripts type as they did", () => {
    const { diagnostics, onDisk } = check(
      [
        'import { Shape, helper, version, extra, bufferLike } from "packed-fixture";',
        "const sides: number = helper(new Shape(3));",
        "const v: string = version;",
        "const e: number = extra().extra;",
        "const b: true = bufferLike().ambient;",
        "const g: PackedGlobal = { ok: true };",
        "const c: number = packedCounter;",
        "const p: number = process.pid;",
        "export {};",
      ].join("\n"),
    );
    expect(diagnostics).toEqual([]);
    // Nothing of the packed trees (nor of @types/node) is read from disk by the program.
    expect(onDisk).toEqual([]);
  });

  test("what a file kept private stays private, and classes stay nominal", () => {
    const { diagnostics } = check(
      [
        'import { secret } from "packed-fixture/shapes.js";',
        'import { Shape, bufferLike } from "packed-fixture";',
        "const s: Shape = { sides: 3 } as { sides: number };",
        "bufferLike().fromThePackage;",
        "export {};",
      ].join("\n"),
    );
    expect(diagnostics.map((d) => d.code).sort()).toEqual([2339, 2459, 2741]);
    expect(diagnostics.find((d) => d.code === 2459)!.message).toContain("declares 'secret' locally, but it is not exported");
  });
});

describe("caching and freshness", () => {
  test("a changed file makes the bundle stale, and the next bundle has the change", () => {
    const { entry } = installed();
    const request = { entry, entryName: "packed-fixture", compilerOptions: cellCompilerOptions(ts), cacheDir: null };
    const first = declarationBundle(ts, request);
    expect(isFresh(first)).toBe(true);
    expect(declarationBundle(ts, request)).toBe(first);
    const shapes = path.join(path.dirname(entry), "shapes.d.ts");
    fs.writeFileSync(shapes, fs.readFileSync(shapes, "utf8").replace("readonly sides: number;", "readonly sides: number;\n    readonly corners: number;"));
    expect(isFresh(first)).toBe(false);
    const second = declarationBundle(ts, request);
    expect(second).not.toBe(first);
    expect(second.text).toContain("readonly corners: number;");
  });

  test("bundles are written to the cache directory and read back from it", () => {
    const { dir, entry } = installed();
    const cacheDir = path.join(dir, "cache");
    const bundle = declarationBundle(ts, { entry, compilerOptions: cellCompilerOptions(ts), cacheDir });
    const files = fs.readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    const cached = JSON.parse(fs.readFileSync(path.join(cacheDir, files[0]!), "utf8")) as { text: string; entry: string };
    expect(cached.text).toBe(bundle.text);
    expect(cached.entry).toBe(entry);
  });

  test("the cache drops bundles unused for two weeks and keeps at most 64", () => {
    const { dir, entry } = installed();
    const cacheDir = path.join(dir, "cache");
    fs.mkdirSync(cacheDir);
    const old = new Date(Date.now() - 15 * 24 * 3600 * 1000);
    const recent = new Date(Date.now() - 3600 * 1000);
    for (let i = 0; i < 80; i++) {
      const file = path.join(cacheDir, `stale${i}.json`);
      fs.writeFileSync(file, "{}");
      fs.utimesSync(file, i < 10 ? old : recent, i < 10 ? old : recent);
    }
    declarationBundle(ts, { entry, compilerOptions: cellCompilerOptions(ts), cacheDir });
    const left = fs.readdirSync(cacheDir);
    expect(left).toHaveLength(64);
    expect(left.filter((name) => /^stale[0-9]\.json$/.test(name))).toEqual([]);
    expect(left.filter((name) => !name.startsWith("stale"))).toHaveLength(1);
  });
});
