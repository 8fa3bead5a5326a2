/**
 * Where the package's files are, whether the kernel runs compiled (`dist/kernel/*.js`) or from
 * source under vitest (`kernel/*.ts`): both are found from the package root.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding tsorch's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string };
        if (pkg.name === "tsorch") return (root = dir);
      } catch {
        // not ours, keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find tsorch's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/**
 * The CLI that kernel.json starts: the bundle `npm run build` makes (scripts/bundle.mjs), which
 * starts several times faster than the ~300 modules it is made of; dist/kernel/cli.js when only
 * TypeScript's output is there.
 */
export function cliPath(): string {
  const bundle = join(packageRoot(), "dist", "kernel", "cli.bundle.js");
  return existsSync(bundle) ? bundle : join(packageRoot(), "dist", "kernel", "cli.js");
}

/** Kernelspec logos. */
export function assetsDir(): string {
  return join(packageRoot(), "kernel", "assets");
}

let versions: { tsorch: string; typescript: string } | undefined;

/** tsorch's and TypeScript's versions, read from package.json files (never loads the compiler). */
export function getVersions(): { tsorch: string; typescript: string } {
  if (versions) return versions;
  let tsorch = "0.0.0";
  try {
    tsorch = (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    // keep the placeholder
  }
  let typescript = "unknown";
  try {
    const require = createRequire(import.meta.url);
    typescript = (JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string }).version;
  } catch {
    // TypeScript missing: the evaluator will say so when a cell runs
  }
  return (versions = { tsorch, typescript });
}
