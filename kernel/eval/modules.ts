/**
 * Loading the modules cells import, resolved from the notebook's directory.
 *
 * Cells run as scripts, where neither `import` nor `require` exist, so every import goes through
 * here:
 *
 * - bare specifiers (`"lodash-es"`, `"@scope/pkg/sub"`) resolve through the `node_modules`
 *   folders above the notebook with the package's `exports` map and the `import` condition, the
 *   way Node resolves them for an ES module beside the notebook, then load with `import()`: that
 *   works for ESM-only packages, and CommonJS packages get Node's usual namespace
 *   (`default` = `module.exports`);
 * - builtins (`"fs"`, `"node:path"`) load as themselves;
 * - relative paths resolve against the notebook's directory; `.ts` files (also when imported as
 *   `./x.js`, TypeScript's convention) are compiled on the fly and reloaded when they change;
 * - `require()` inside cells is Node's own, created for the notebook's directory.
 */
import fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { packageRoot } from "./package-root.js";
import { typescript } from "./typescript.js";

export type ModuleNamespace = Record<string, unknown>;

/**
 * Where a host that already loaded tsorch's runtime (the kernel, see kernel/preload.ts) leaves
 * its module namespace. `import ... from "tsorch"` in a cell then gets that same instance, also
 * when the host runs bundled: a second copy would make a cell's tensors and modules strangers to
 * the preloaded `torch` and `nn` (`instanceof` fails, two random generators).
 */
export const LOADED_RUNTIME = Symbol.for("tsorch.runtime");

/** The preloaded runtime when `file` is the package's own entry (dist/src/index.js), else undefined. */
function loadedRuntime(file: string): ModuleNamespace | undefined {
  const runtime = (globalThis as Record<symbol, unknown>)[LOADED_RUNTIME];
  if (runtime === undefined || file !== path.join(packageRoot(), "dist", "src", "index.js")) return undefined;
  return runtime as ModuleNamespace;
}

/** Thrown when a specifier resolves to nothing; `code` matches Node's. */
export class ModuleNotFoundError extends Error {
  readonly code = "ERR_MODULE_NOT_FOUND";
  constructor(
    readonly specifier: string,
    readonly from: string,
  ) {
    super(`Cannot find module '${specifier}' imported from ${from}`);
    Object.defineProperty(this, "name", { value: "ModuleNotFoundError", enumerable: false, configurable: true, writable: true });
  }
}

const IMPORT_CONDITIONS = ["node", "import", "default"];
const TS_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx"];

interface LocalTsModule {
  exports: ModuleNamespace;
  /** Every local `.ts` file this module's graph read, with the mtime it had. */
  files: Map<string, number>;
}

export class ModuleLoader {
  /** `require` as a CommonJS file in the notebook's directory would have it. */
  readonly require: NodeJS.Require;
  /** What `import.meta` means in a cell: a module beside the notebook. */
  readonly meta: { url: string; filename: string; dirname: string; resolve: (specifier: string) => string };

  private readonly localTs = new Map<string, LocalTsModule>();

  /**
   * @param cwd The notebook's directory.
   * @param fallbackDir Where to look for packages the notebook's directory does not have
   *   (tsorch's root, so `import ... from "tsorch"` works from any directory).
   */
  constructor(
    readonly cwd: string,
    private readonly fallbackDir?: string,
  ) {
    const filename = path.join(cwd, "__notebook__.ts");
    const base = createRequire(filename);
    const require = ((specifier: string) => this.requireFrom(base, cwd, specifier)) as NodeJS.Require;
    Object.assign(require, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions });
    this.require = require;
    this.meta = {
      url: pathToFileURL(filename).href,
      filename,
      dirname: cwd,
      resolve: (specifier: string) => {
        const resolved = this.resolve(specifier, cwd);
        return resolved.startsWith("node:") ? resolved : pathToFileURL(resolved).href;
      },
    };
  }

  /** `import(specifier)` from the notebook's directory. */
  async importModule(specifier: string): Promise<ModuleNamespace> {
    if (typeof specifier !== "string") specifier = String(specifier);
    const resolved = this.resolve(specifier, this.cwd);
    if (resolved.startsWith("node:")) return (await import(resolved)) as ModuleNamespace;
    const runtime = loadedRuntime(resolved);
    if (runtime) return runtime;
    if (isTypeScriptFile(resolved)) return this.loadLocalTs(resolved).exports;
    if (resolved.endsWith(".json")) return { default: JSON.parse(fs.readFileSync(resolved, "utf8")) as unknown };
    const url = pathToFileURL(resolved);
    // A local file that changed since it was last imported is imported afresh.
    if (!isInNodeModules(resolved)) url.search = `?mtime=${Math.trunc(fs.statSync(resolved).mtimeMs)}`;
    return (await import(url.href)) as ModuleNamespace;
  }

  /** The file (or `node:` builtin) a specifier names for an ES module in `fromDir`. */
  resolve(specifier: string, fromDir: string): string {
    if (specifier.startsWith("node:")) return specifier;
    if (builtinModules.includes(specifier)) return `node:${specifier}`;
    if (specifier.startsWith("file:")) return resolveFile(new URL(specifier).pathname) ?? notFound(specifier, fromDir);
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      return resolveFile(path.resolve(fromDir, specifier)) ?? notFound(specifier, fromDir);
    }
    const found = resolvePackage(specifier, fromDir) ?? (this.fallbackDir ? resolvePackage(specifier, this.fallbackDir) : undefined);
    if (found) return found;
    // Packages that only export a `require` entry are still usable.
    try {
      return createRequire(path.join(fromDir, "__notebook__.js")).resolve(specifier);
    } catch {
      return notFound(specifier, fromDir);
    }
  }

  private requireFrom(base: NodeJS.Require, dir: string, specifier: string): unknown {
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      const file = resolveFile(path.resolve(dir, specifier));
      if (file && isTypeScriptFile(file)) return this.loadLocalTs(file).exports;
    } else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier)) {
      let runtime: ModuleNamespace | undefined;
      try {
        runtime = loadedRuntime(this.resolve(specifier, dir));
      } catch {
        runtime = undefined; // Node's require says what is wrong below
      }
      if (runtime) return runtime;
    }
    try {
      return base(specifier);
    } catch (error) {
      // An ESM-only package exports no `require` entry; its `import` entry can still be
      // require()d on Node versions that load ES modules synchronously.
      const code = (error as { code?: unknown }).code;
      if (code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" || !process.features.require_module) throw error;
      return base(this.resolve(specifier, dir));
    }
  }

  /**
   * Compiles a local TypeScript file to CommonJS and runs it (its own imports of `.ts` files
   * come back here; packages go through Node's `require`, which loads ESM too on Node ≥ 20.19).
   * The result is reused until one of the files it read changes.
   */
  private loadLocalTs(file: string, active = new Map<string, LocalTsModule>()): LocalTsModule {
    const cached = this.localTs.get(file);
    if (cached && [...cached.files].every(([f, mtime]) => mtimeOf(f) === mtime)) return cached;
    const inProgress = active.get(file);
    if (inProgress) return inProgress; // a cycle: hand out the partial exports, as Node does
    const ts = typescript();
    const source = fs.readFileSync(file, "utf8");
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        sourceMap: false,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    const module = { exports: {} as ModuleNamespace };
    const record: LocalTsModule = { exports: module.exports, files: new Map([[file, mtimeOf(file)]]) };
    active.set(file, record);
    const dir = path.dirname(file);
    const base = createRequire(file);
    const localRequire = ((specifier: string) => {
      if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
        const target = resolveFile(path.resolve(dir, specifier));
        if (target && isTypeScriptFile(target)) {
          const dep = this.loadLocalTs(target, active);
          for (const [f, m] of dep.files) record.files.set(f, m);
          return dep.exports;
        }
      }
      return base(specifier);
    }) as NodeJS.Require;
    Object.assign(localRequire, { resolve: base.resolve, cache: base.cache });
    const fn = vm.compileFunction(output.outputText, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
    fn.call(module.exports, module.exports, localRequire, module, file, dir);
    record.exports = module.exports;
    active.delete(file);
    this.localTs.set(file, record);
    return record;
  }
}

function notFound(specifier: string, fromDir: string): never {
  throw new ModuleNotFoundError(specifier, fromDir);
}

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function isTypeScriptFile(file: string): boolean {
  return TS_EXTENSIONS.some((ext) => file.endsWith(ext)) && !file.endsWith(".d.ts");
}

function isInNodeModules(file: string): boolean {
  return file.includes(`${path.sep}node_modules${path.sep}`);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * A relative or absolute path as a file: exactly, with TypeScript's `.js` → `.ts` mapping, with
 * an extension added, or as a directory's index.
 */
function resolveFile(p: string): string | undefined {
  if (isFile(p)) return p;
  const ext = path.extname(p);
  const swaps: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"], ".jsx": [".tsx"] };
  for (const swap of swaps[ext] ?? []) {
    const candidate = p.slice(0, -ext.length) + swap;
    if (isFile(candidate)) return candidate;
  }
  for (const add of [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"]) if (isFile(p + add)) return p + add;
  for (const index of ["index.ts", "index.js", "index.mjs"]) if (isFile(path.join(p, index))) return path.join(p, index);
  return undefined;
}

/** `"@scope/pkg/sub/path"` → `["@scope/pkg", "./sub/path"]`. */
function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const rest = parts.slice(nameLength).join("/");
  return [name, rest === "" ? "." : `./${rest}`];
}

interface PackageJson {
  name?: string;
  main?: string;
  module?: string;
  exports?: unknown;
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Resolves a bare specifier through the `node_modules` folders at and above `fromDir`. */
function resolvePackage(specifier: string, fromDir: string): string | undefined {
  const [name, subpath] = splitSpecifier(specifier);
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    // A package may import itself by name (this is how `tsorch` finds itself from its own tree).
    const self = readPackageJson(dir);
    if (self?.name === name && self.exports !== undefined) {
      const hit = resolveExports(dir, self.exports, subpath);
      if (hit) return hit;
    }
    const pkgDir = path.join(dir, "node_modules", name);
    const pkg = readPackageJson(pkgDir);
    if (pkg) {
      if (pkg.exports !== undefined && pkg.exports !== null) return resolveExports(pkgDir, pkg.exports, subpath);
      if (subpath !== ".") return resolveFile(path.join(pkgDir, subpath));
      return resolveFile(path.join(pkgDir, pkg.main ?? "index.js")) ?? resolveFile(path.join(pkgDir, "index.js"));
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The `exports` field lookup of Node's resolver, for the `import` conditions. */
function resolveExports(pkgDir: string, exports: unknown, subpath: string): string | undefined {
  const isConditionMap =
    typeof exports === "object" && exports !== null && !Array.isArray(exports) && Object.keys(exports).every((k) => !k.startsWith("."));
  const map: Record<string, unknown> =
    typeof exports === "string" || Array.isArray(exports) || isConditionMap ? { ".": exports } : (exports as Record<string, unknown>);
  if (subpath in map) return resolveTarget(pkgDir, map[subpath], undefined);
  // Patterns: the longest matching "./prefix*suffix" key wins.
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (!best || prefix.length > best.key.indexOf("*")) best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best ? resolveTarget(pkgDir, map[best.key], best.match) : undefined;
}

function resolveTarget(pkgDir: string, target: unknown, patternMatch: string | undefined): string | undefined {
  if (typeof target === "string") {
    const relative = patternMatch === undefined ? target : target.replaceAll("*", patternMatch);
    const file = path.join(pkgDir, relative);
    return isFile(file) ? file : undefined;
  }
  if (Array.isArray(target)) {
    for (const t of target) {
      const hit = resolveTarget(pkgDir, t, patternMatch);
      if (hit) return hit;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (IMPORT_CONDITIONS.includes(condition)) {
        const hit = resolveTarget(pkgDir, value, patternMatch);
        if (hit) return hit;
      }
    }
  }
  return undefined;
}
