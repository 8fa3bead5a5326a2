/**
 * The kernelspec: the `kernel.json` (plus logos) that tells Jupyter how to start tsorch, and
 * where it goes. Written directly, without Python.
 *
 * Locations, as Jupyter searches them:
 * - `--user` (default): `$JUPYTER_DATA_DIR/kernels`, else the per-user Jupyter data directory
 *   (`$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter` on Linux, `~/Library/Jupyter` on
 *   macOS, `%APPDATA%\jupyter` on Windows);
 * - `--sys-prefix`: `<prefix>/share/jupyter/kernels` for the active Python environment, taken
 *   from `$VIRTUAL_ENV` or `$CONDA_PREFIX`; with neither, `/usr/local` (on Jupyter's system
 *   path, and not owned by the OS package manager as `/usr/share` is);
 * - `--prefix DIR`: `DIR/share/jupyter/kernels`.
 *
 * @example
 * installKernelSpec({ scope: { kind: "prefix", dir: "/tmp/env" } }); // "/tmp/env/share/jupyter/kernels/tsorch"
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, platform } from "node:os";
import { join } from "node:path";
import { v8OldSpaceMiB } from "./heap.js";
import { LANGUAGE } from "./kernel-info.js";
import { log } from "./log.js";
import { assetsDir, cliPath } from "./paths.js";

export const DEFAULT_NAME = "tsorch";
export const DEFAULT_DISPLAY_NAME = "TypeScript (tsorch)";
export const LOGOS = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"] as const;

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "message" | "signal";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

export type InstallScope = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

/**
 * `maxHeap` (bytes): the JavaScript heap a cell may grow to before it is stopped with a
 * MemoryError (`TSORCH_MAX_HEAP`, see heap.ts), with V8's own limit set a quarter above it.
 */
export function kernelSpec(displayName = DEFAULT_DISPLAY_NAME, maxHeap?: number): KernelSpec {
  const node = maxHeap === undefined ? [process.execPath] : [process.execPath, `--max-old-space-size=${v8OldSpaceMiB(maxHeap)}`];
  return {
    argv: [...node, cliPath(), "kernel", "--connection-file", "{connection_file}"],
    display_name: displayName,
    language: LANGUAGE,
    interrupt_mode: "message",
    // No `kernel_protocol_version`: jupyter_client before 8.8 warns about it on every load.
    env: maxHeap === undefined ? {} : { TSORCH_MAX_HEAP: sizeText(maxHeap) },
    metadata: { debugger: false },
  };
}

/** 8589934592 → "8g", 536870912 → "512m": as a person would write it in the kernelspec. */
function sizeText(bytes: number): string {
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}g`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20}m`;
  return String(bytes);
}

/** The per-user Jupyter data directory (jupyter_core's `jupyter_data_dir()`). */
export function jupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = homedir();
  switch (platform()) {
    case "darwin":
      return join(home, "Library", "Jupyter");
    case "win32":
      return join(process.env.APPDATA ?? join(home, "AppData", "Roaming"), "jupyter");
    default:
      return join(process.env.XDG_DATA_HOME || join(home, ".local", "share"), "jupyter");
  }
}

export function kernelsDir(scope: InstallScope): string {
  switch (scope.kind) {
    case "user":
      return join(jupyterDataDir(), "kernels");
    case "sys-prefix":
      return join(process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX || "/usr/local", "share", "jupyter", "kernels");
    case "prefix":
      return join(scope.dir, "share", "jupyter", "kernels");
  }
}

/** Jupyter accepts kernel names of letters, digits, `.`, `_` and `-`. */
export function checkKernelName(name: string): string {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new RangeError(`invalid kernel name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-" only`);
  }
  return name.toLowerCase();
}

/** Writes kernel.json and the logos into `dir` (created if needed). */
export function writeKernelSpec(dir: string, spec: KernelSpec): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  for (const logo of LOGOS) {
    const source = join(assetsDir(), logo);
    if (existsSync(source)) copyFileSync(source, join(dir, logo));
    else log.warn(`logo ${source} is missing; the kernelspec will have no ${logo}`);
  }
}

export interface InstallOptions {
  scope?: InstallScope;
  name?: string;
  displayName?: string;
  /** Bytes; see `kernelSpec`. */
  maxHeap?: number;
}

/** Installs the kernelspec; returns the directory written. */
export function installKernelSpec(options: InstallOptions = {}): string {
  const name = checkKernelName(options.name ?? DEFAULT_NAME);
  const dir = join(kernelsDir(options.scope ?? { kind: "user" }), name);
  writeKernelSpec(dir, kernelSpec(options.displayName ?? DEFAULT_DISPLAY_NAME, options.maxHeap));
  return dir;
}

/** Removes an installed kernelspec; returns its directory, or undefined if there was none. */
export function uninstallKernelSpec(options: Omit<InstallOptions, "displayName"> = {}): string | undefined {
  const name = checkKernelName(options.name ?? DEFAULT_NAME);
  const dir = join(kernelsDir(options.scope ?? { kind: "user" }), name);
  if (!existsSync(join(dir, "kernel.json"))) return undefined;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
