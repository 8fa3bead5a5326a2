/**
 * The committed tutorials are committed executed; this re-executes each of them twice — with
 * `tsorch run` (our own client, no Python) and with `jupyter nbconvert --execute` (Jupyter's
 * nbclient) — and compares the fresh outputs with the committed ones: the same outputs in the
 * same order, text equal once timings are masked, errors with the same name, message and traceback, images
 * that decode to the same size.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../kernel/paths.js";
import { JUPYTER, jupyterSandbox, requireJupyter } from "./jupyter/environment.js";
import { codeCellOutputs, normalize, type Notebook } from "./notebook-outputs.js";
import { requireBuild, tempDir, tsorch } from "./run-support.js";

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const notebooksDir = join(packageRoot(), "notebooks");
const tutorials = readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort();

describe("committed notebooks re-execute to their committed outputs", () => {
  it("has tutorials to check", () => {
    expect(tutorials).toContain("lenet-input-shape.ipynb");
    expect(tutorials).toContain("neural-networks.ipynb");
    expect(tutorials).toContain("sequences.ipynb");
  });

  it("masks timings but nothing else", () => {
    expect(normalize("Net   1.70 ms\n├─conv1  0.33 ms")).toBe("Net <time>\n├─conv1 <time>");
    expect(normalize("epoch 2/5 ██░ 70% 66/94 [00:03<00:01, 20.5 it/s] loss 0.412")).toBe("epoch 2/5 ██░ 70% 66/94 [<elapsed>] loss 0.412");
    expect(normalize("fc1 expects 400 = 16×5×5 features, got 2704")).toBe("fc1 expects 400 = 16×5×5 features, got 2704");
  });

  for (const file of tutorials) {
    const source = join(notebooksDir, file);
    const committed = codeCellOutputs(JSON.parse(readFileSync(source, "utf8")) as Notebook);

    it(`${file}: tsorch run gives the committed outputs`, async () => {
      requireBuild();
      const out = join(tempDir(), file);
      const result = await tsorch(["run", source, "--output", out, "--color", "never"], { timeoutMs: 600_000 });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const fresh = codeCellOutputs(JSON.parse(readFileSync(out, "utf8")) as Notebook);
      expect(fresh).toEqual(committed);
    });

    it(`${file}: jupyter nbconvert --execute gives the committed outputs`, async () => {
      requireJupyter(["nbconvert", "nbclient"], ["nbconvert"]);
      const sandbox = jupyterSandbox();
      try {
        const result = await run(JUPYTER, [
          "nbconvert", "--to", "notebook", "--execute", source, "--output-dir", sandbox.dir, "--output", file,
          "--ExecutePreprocessor.timeout=600",
        ], sandbox.env);
        expect(result.code, result.output).toBe(0);
        const fresh = codeCellOutputs(JSON.parse(readFileSync(join(sandbox.dir, file), "utf8")) as Notebook);
        expect(fresh).toEqual(committed);
      } finally {
        sandbox.remove();
      }
    });
  }
});
