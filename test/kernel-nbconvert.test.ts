/**
 * tsorch under Jupyter's own command-line frontends: `jupyter nbconvert --to notebook --execute`
 * (nbclient) runs a notebook and keeps its outputs; `jupyter console --kernel tsorch` evaluates a
 * cell typed into a terminal (a pty from `script`).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JUPYTER, jupyterSandbox, requireJupyter } from "./jupyter/environment.js";
import { joined, type Output } from "./notebook-outputs.js";
import { scriptArgs } from "./pty.js";

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;?]*[a-zA-Z]|\u001b[()][A-Z0-9]|\u001b[=>]|\r/g, "");

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, ...(cwd ? { cwd } : {}) });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("jupyter nbconvert --execute", () => {
  it("runs a notebook and records streams, results, rich output and an expected error", async () => {
    requireJupyter(["nbconvert", "nbclient"], ["nbconvert"]);
    const sandbox = jupyterSandbox();
    const source = join(import.meta.dirname, "notebooks", "kernel-smoke.ipynb");
    const result = await run(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", source, "--output-dir", sandbox.dir, "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=120"], sandbox.env);
    const executedPath = join(sandbox.dir, "executed.ipynb");
    expect(result.code, result.output).toBe(0);
    expect(existsSync(executedPath), result.output).toBe(true);
    const notebook = JSON.parse(readFileSync(executedPath, "utf8")) as { cells: { cell_type: string; outputs?: Output[]; execution_count?: number }[]; metadata: Record<string, any> };
    const code = notebook.cells.filter((c) => c.cell_type === "code");
    expect(code.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6]);
    const [greet, product, png, html, failure, length] = code.map((c) => c.outputs ?? []);
    expect(greet).toEqual([expect.objectContaining({ output_type: "stream", name: "stdout" })]);
    expect(joined(greet![0]!.text)).toBe("hello from tsorch\n");
    expect(product![0]).toMatchObject({ output_type: "execute_result", execution_count: 2 });
    expect(joined(product![0]!.data!["text/plain"])).toBe("42");
    expect(png![0]!.output_type).toBe("display_data");
    expect(joined(png![0]!.data!["image/png"]).trim()).toMatch(/^iVBORw0KGgo/);
    expect(joined(html![0]!.data!["text/html"])).toBe("<b>bold</b>");
    expect(failure![0]).toMatchObject({ output_type: "error", ename: "Error", evalue: "expected failure" });
    expect(joined(length![0]!.data!["text/plain"])).toBe("17");
    expect(notebook.metadata.language_info).toMatchObject({ name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript" });
    sandbox.remove();
  });
});

describe("jupyter console", () => {
  it("evaluates a cell typed into a terminal and prints its result", async () => {
    requireJupyter(["jupyter_console"], ["console"]);
    const sandbox = jupyterSandbox();
    const env = { ...sandbox.env, TERM: "xterm", COLUMNS: "120", LINES: "40" };
    // `script` gives jupyter console the terminal it insists on; its stdin is what we type.
    const child = spawn("script", scriptArgs(`${JUPYTER} console --kernel tsorch --simple-prompt`), { env });
    let screen = "";
    child.stdout.on("data", (d: Buffer) => (screen += d.toString()));
    child.stderr.on("data", (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const waitFor = async (pattern: RegExp, ms: number) => {
      const deadline = Date.now() + ms;
      while (!pattern.test(stripAnsi(screen))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in the console; it showed:\n${stripAnsi(screen)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await waitFor(/In \[1\]:/, 60_000);
      child.stdin.write("const answer: number = 6 * 7; answer + 0.5\n");
      await waitFor(/Out\[1\]:\s*42\.5/, 60_000);
      child.stdin.write('console.log("from " + "console")\n');
      await waitFor(/from console/, 30_000);
      child.stdin.write("exit()\n"); // an ask_exit payload, as IPython's exit sends
      const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000))]);
      expect(code, stripAnsi(screen)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      sandbox.remove();
    }
    expect(stripAnsi(screen)).toContain("tsorch");
  });
});
