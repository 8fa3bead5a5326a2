/**
 * Loads the TypeScript compiler on first use.
 *
 * `typescript` is one 9 MB script: compiling it costs V8 about 300 ms on a loaded machine, and
 * its parser, binder and emitter compile again on first use. The kernel should answer
 * `kernel_info` before paying for any of it, so nothing imports it at module load time: the
 * evaluator asks for it when it first needs it (or in `warmUp`), and every later call gets the
 * same instance.
 *
 * Across starts the compiled code is kept in V8's code cache, in the user's cache directory
 * (`$XDG_CACHE_HOME/tsorch` or `~/.cache/tsorch`, `TSORCH_CACHE_DIR` to move it, `off` to
 * disable it): after a warm-up `saveCodeCache` writes what V8 compiled (the functions the
 * warm-up ran included), and the next start reads it back instead of compiling, which takes
 * the load from ~450 ms to ~150 ms. V8 checks the cache against the source and its own flags
 * and rejects a stale one; the file name carries TypeScript's and Node's versions.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import type * as TS from "typescript";

export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;
/** The script TypeScript was compiled from, and whether its cache should be (re)written. */
let compiled: { script: vm.Script; cacheFile: string; stale: boolean } | undefined;

/** `~/.cache/tsorch` (or `$XDG_CACHE_HOME/tsorch`, or `$TSORCH_CACHE_DIR`); undefined when disabled. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.TSORCH_CACHE_DIR;
  if (configured === "off" || configured === "0") return undefined;
  if (configured) return configured;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "tsorch");
}

/** The `typescript` module (loaded synchronously on first call). */
export function typescript(): TypeScript {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve("typescript");
  const dir = cacheDirectory();
  if (dir) {
    try {
      loaded = loadWithCodeCache(file, dir);
    } catch {
      // An unreadable install or cache: the ordinary loader says what is wrong, if anything is.
      compiled = undefined;
    }
  }
  loaded ??= require("typescript") as TypeScript;
  return loaded;
}

function loadWithCodeCache(file: string, dir: string): TypeScript {
  const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(file), "..", "package.json"), "utf8")) as { version: string }).version;
  const cacheFile = path.join(dir, `typescript-${version}-node${process.version}-${process.arch}.v8cache`);
  const source = fs.readFileSync(file, "utf8");
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(wrapCommonJs(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  compiled = { script, cacheFile, stale: !cachedData || script.cachedDataRejected === true };
  const module = { exports: {} as unknown };
  const moduleRequire = createRequire(file);
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run(module.exports, moduleRequire, module, file, path.dirname(file));
  return module.exports as TypeScript;
}

function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
}

/**
 * Writes V8's code for TypeScript (as compiled so far) to the cache, when there was no usable
 * cache at load time. Call it after a warm-up, so the cache holds the functions a first cell
 * needs. Never throws: a read-only home only means the next start compiles again.
 */
export function saveCodeCache(): void {
  if (!compiled?.stale) return;
  compiled.stale = false;
  try {
    const data = compiled.script.createCachedData();
    fs.mkdirSync(path.dirname(compiled.cacheFile), { recursive: true });
    // Written beside and renamed, so a kernel starting meanwhile never reads half a file.
    const partial = `${compiled.cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(partial, data);
    fs.renameSync(partial, compiled.cacheFile);
  } catch {
    // Not writable: nothing is lost but time at the next start.
  }
}
