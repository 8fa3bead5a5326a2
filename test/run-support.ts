/**
 * Shared by the `tsorch run`, REPL and browser suites: running the built CLI, validating
 * notebooks with Jupyter's own nbformat (Debian's python3), and reading terminal output.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { cliPath } from "../kernel/paths.js";

export const PYTHON = "/usr/bin/python3";
export const NOTEBOOKS = join(import.meta.dirname, "notebooks");

export function requireBuild(): void {
  if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);
}

/** Throws a clear error unless Debian's python3 can import `modules`. */
export function requirePython(modules: string[]): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: these tests need Debian's python3 (apt install python3 ${modules.map((m) => `python3-${m}`).join(" ")})`);
  const probe = spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
  if (probe.status !== 0) throw new Error(`${PYTHON} cannot import ${modules.join(", ")} (apt install jupyter-nbformat / python3-<module>):\n${probe.stderr}`);
}

/** A temporary directory removed after the suite. */
export function tempDir(prefix = "tsorch-run-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node dist/kernel/cli.js ...args` to completion (killing it after `timeoutMs`). */
export function tsorch(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cliPath(), ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, COLUMNS: "80", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * What a terminal would show after receiving `text`: escape sequences applied rather than just
 * removed (carriage returns and cursor moves overwrite, erase sequences erase), colours dropped.
 * Plain output without cursor movement comes back unchanged.
 */
export function stripAnsi(text: string): string {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (lines[row] ??= []);
  const pattern = /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\r\n\b]|[^\x1b\r\n\b]+/g;
  for (const m of text.matchAll(pattern)) {
    const token = m[0];
    if (token === "\r") col = 0;
    else if (token === "\n") {
      row += 1;
      col = 0;
      line();
    } else if (token === "\b") col = Math.max(0, col - 1);
    else if (m[2] !== undefined) {
      const n = Number(m[1]?.split(";")[0] || "0");
      switch (m[2]) {
        case "G":
          col = Math.max(0, (n || 1) - 1);
          break;
        case "A":
          row = Math.max(0, row - (n || 1));
          break;
        case "B":
          row += n || 1;
          break;
        case "C":
          col += n || 1;
          break;
        case "D":
          col = Math.max(0, col - (n || 1));
          break;
        case "K":
          if (n === 2) lines[row] = [];
          else if (n === 1) line().fill(" ", 0, col);
          else line().length = Math.min(line().length, col);
          break;
        case "J":
          line().length = Math.min(line().length, col);
          lines.length = row + 1;
          break;
      }
    } else if (!token.startsWith("\x1b")) {
      const current = line();
      for (const ch of token) {
        while (current.length < col) current.push(" ");
        current[col++] = ch;
      }
    }
  }
  return lines.map((l) => (l ?? []).join("")).join("\n");
}

const VALIDATE = `
import json, sys, nbformat
text = open(sys.argv[1], encoding="utf-8").read()
raw = json.loads(text)
nbformat.validate(raw, version=4, version_minor=raw["nbformat_minor"])
nb = nbformat.reads(text, as_version=4)
nbformat.validate(nb)
again = nbformat.writes(nb)
if not again.endswith("\\n"):
    again += "\\n"
print("same" if again == text else "different")
`;

/**
 * Validates a notebook file with nbformat (the JSON as written, and as nbformat reads it), and
 * reports whether nbformat would write it back byte for byte the same.
 */
export function validateNotebook(path: string): { sameAsJupyter: boolean } {
  requirePython(["nbformat"]);
  const result = spawnSync(PYTHON, ["-c", VALIDATE, path], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`nbformat rejects ${path}:\n${result.stderr}`);
  return { sameAsJupyter: result.stdout.trim() === "same" };
}

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  id?: string;
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: NotebookOutput[];
  metadata: Record<string, unknown>;
}

export interface NotebookFile {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: NotebookCell[];
}

export function readJson(path: string): NotebookFile {
  return JSON.parse(readFileSync(path, "utf8")) as NotebookFile;
}

export const joined = (value: unknown): string => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "");

/** The code cell with the given id. */
export function cellById(nb: NotebookFile, id: string): NotebookCell {
  const cell = nb.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell ${id}`);
  return cell;
}

/** A base64 PNG (24×12 gradient) used by run-outputs.ipynb. */
export const GRADIENT_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAABgAAAAMCAIAAAD3UuoiAAAALElEQVR4nGNkYFjAzcCAjHhQuVgRphoWBnEGqgAqGiRBLYMGn9eGsUHDNtYAai4CzI324LoAAAAASUVORK5CYII=";
