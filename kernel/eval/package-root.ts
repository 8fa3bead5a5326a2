/**
 * Where tsorch itself lives on disk.
 *
 * The evaluator runs from `kernel/eval/*.ts` (tests, source checkouts) or from
 * `dist/kernel/eval/*.js` (installed); both sit below the package root, found by walking up to
 * the `package.json` named `tsorch`. From there come the runtime's types (for the typed
 * globals `torch`, `nn`, ...) and the paths used to recognise runtime frames in tracebacks.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_NAME = "tsorch";

let cachedRoot: string | undefined;

/** The directory holding tsorch's `package.json`. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        const name = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown }).name;
        if (name === PACKAGE_NAME) return (cachedRoot = dir);
      } catch {
        // An unreadable manifest on the way up is not ours; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not found (copied files): the directory two levels up from kernel/eval is the best guess.
  return (cachedRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."));
}

/**
 * The entry file whose exports type the runtime globals: the compiled declarations when the
 * package is built, else the TypeScript source (a source checkout before `npm run build`), else
 * nothing (every runtime global is then typed `any`).
 */
export function runtimeTypesEntry(root = packageRoot()): string | undefined {
  for (const candidate of [path.join(root, "dist/src/index.d.ts"), path.join(root, "src/index.ts")]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Directories whose frames belong to the tsorch runtime (compiled and source forms). */
export function runtimeDirectories(root = packageRoot()): string[] {
  return [path.join(root, "dist/src") + path.sep, path.join(root, "src") + path.sep];
}

/** Directories whose frames belong to the kernel itself and are never shown to users. */
export function kernelDirectories(root = packageRoot()): string[] {
  return [path.join(root, "dist/kernel") + path.sep, path.join(root, "kernel") + path.sep];
}
