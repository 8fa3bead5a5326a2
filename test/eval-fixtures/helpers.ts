/**
 * Shared set-up for the evaluator suites: a notebook directory with packages installed, an
 * evaluator over the stand-in runtime, and a cell runner that numbers cells like Jupyter does.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CellEvaluator, type CellEvaluatorOptions, type EvalOutcome } from "../../kernel/eval/index.js";
import { stripAnsi } from "../../kernel/eval/ansi.js";
import * as runtime from "./runtime/index.js";

export const FIXTURES = path.dirname(fileURLToPath(import.meta.url));
export const RUNTIME_TYPES = path.join(FIXTURES, "runtime/index.ts");

/** Kernel-provided globals' declarations, as the kernel would pass them. */
export const PRELOAD = `
/** Shows a value in the notebook, as rich output when it knows how. */
declare function display(value: unknown, options?: { displayId?: string }): DisplayHandle;
/** A handle to update a display in place. */
interface DisplayHandle {
  readonly displayId: string;
  update(value: unknown): void;
}
`;

const createdDirs: string[] = [];

/** Removes the notebook directories this test file created (call from `afterAll`). */
export function removeNotebookDirs(): void {
  for (const dir of createdDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh notebook directory (in the OS temp dir) with the fixture packages in its
 * node_modules and the fixture sources beside it. Packages are copied at test time because
 * `node_modules/` is not committed.
 */
export function makeNotebookDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsorch-eval-"));
  createdDirs.push(dir);
  fs.cpSync(path.join(FIXTURES, "notebook"), dir, { recursive: true });
  for (const pkg of fs.readdirSync(path.join(FIXTURES, "packages"))) {
    fs.cpSync(path.join(FIXTURES, "packages", pkg), path.join(dir, "node_modules", pkg), { recursive: true });
  }
  return dir;
}

export interface TestNotebook {
  ev: CellEvaluator;
  dir: string;
  /** Runs a cell with the next execution count. */
  run(code: string): Promise<EvalOutcome>;
  /** Runs a cell and returns its value, failing loudly if it did not succeed. */
  value(code: string): Promise<unknown>;
  count: number;
}

/** Options for a test notebook: the evaluator's, plus globals and declarations added to the defaults. */
export interface TestNotebookOptions extends Partial<CellEvaluatorOptions> {
  extraGlobals?: Record<string, unknown>;
  extraDeclarations?: string;
}

export function notebook(options: TestNotebookOptions = {}): TestNotebook {
  const { extraGlobals, extraDeclarations, ...evaluatorOptions } = options;
  const dir = options.cwd ?? makeNotebookDir();
  const displayed: unknown[] = [];
  const ev = new CellEvaluator({
    cwd: dir,
    runtimeTypes: RUNTIME_TYPES,
    preloadDeclarations: PRELOAD + (extraDeclarations ?? ""),
    globals: {
      torch: runtime.torch,
      nn: runtime.nn,
      Tensor: runtime.Tensor,
      print: runtime.print,
      display: (value: unknown) => {
        displayed.push(value);
        return { displayId: "d1", update() {} };
      },
      featureMaps: () => "not typed by the runtime",
      ...extraGlobals,
    },
    ...evaluatorOptions,
  });
  const nb: TestNotebook = {
    ev,
    dir,
    count: 0,
    run: (code) => ev.execute(code, ++nb.count),
    async value(code) {
      const out = await nb.run(code);
      if (out.status !== "ok") throw new Error(`cell failed: ${out.ename}: ${out.evalue}\n${plain(out.traceback)}`);
      return out.value;
    },
  };
  return nb;
}

/** A traceback as plain text. */
export function plain(traceback: readonly string[]): string {
  return stripAnsi(traceback.join("\n"));
}

export { runtime };
