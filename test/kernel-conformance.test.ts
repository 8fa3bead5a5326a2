/**
 * jupyter_kernel_test (the Jupyter project's kernel conformance suite) against tsorch, through
 * real jupyter_client: `test/jupyter/test_tsorch_kernel.py` sets every sample attribute, so
 * every test must run and pass, none skipped.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jupyterSandbox, PYTHON, requireJupyter } from "./jupyter/environment.js";

describe("jupyter_kernel_test", () => {
  it("passes every conformance test with none skipped", async () => {
    requireJupyter(["jupyter_client", "jupyter_kernel_test"]);
    const sandbox = jupyterSandbox();
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(PYTHON, ["-m", "unittest", "-v", "test_tsorch_kernel"], {
        cwd: join(import.meta.dirname, "jupyter"),
        env: sandbox.env,
      });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.stderr.on("data", (d: Buffer) => (text += d.toString()));
      child.on("exit", (code) => resolve({ code, text }));
    });
    sandbox.remove();
    const ran = /Ran (\d+) tests?/.exec(output.text);
    expect(ran, output.text).not.toBeNull();
    expect(Number(ran![1]), output.text).toBeGreaterThanOrEqual(14);
    expect(output.text, output.text).not.toMatch(/skipped/i);
    expect(output.text, output.text).toMatch(/\nOK\s*$/);
    expect(output.code, output.text).toBe(0);
  });
});
