/**
 * `tsorch run --server URL` against a real `jupyter server` (Debian's jupyter-server, started
 * here on a free localhost port with a token): the tutorial gives the same outputs as a local
 * run, parameters and input() answers reach the remote kernel, eight notebooks run four at a
 * time with a right summary, and the failures are reported as they happened: a kernel shut
 * down through the server's API, a wrong token, a server that goes away mid-run. No kernel is
 * left running on the server afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts } from "../kernel/client.js";
import { cliPath, packageRoot } from "../kernel/paths.js";
import { jupyterSandbox, requireJupyter, startJupyterServer, type JupyterServer, type JupyterSandbox } from "./jupyter/environment.js";
import { codeCellOutputs, type Notebook } from "./notebook-outputs.js";
import { joined, readJson, requireBuild, tempDir, tsorch, validateNotebook, type CliResult } from "./run-support.js";

requireBuild();
const dir = tempDir("tsorch-remote-test-");
// Wide enough that the one-line summaries are not wrapped to the terminal's width.
const env = { TSORCH_HISTORY: join(dir, "history.jsonl"), JUPYTER_TOKEN: "", COLUMNS: "300" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function notebook(path: string, cells: (string | { source: string; tags: string[] })[]): string {
  const code = (c: string | { source: string; tags: string[] }) => ({
    cell_type: "code",
    execution_count: null,
    metadata: typeof c === "string" ? {} : { tags: c.tags },
    outputs: [],
    source: typeof c === "string" ? c : c.source,
  });
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: cells.map(code) }));
  return path;
}

async function runningKernels(server: JupyterServer): Promise<{ id: string; name: string }[]> {
  const response = await fetch(`${server.url}api/kernels`, { headers: { Authorization: `token ${server.token}` } });
  return (await response.json()) as { id: string; name: string }[];
}

/** Starts `tsorch run …` and calls `when` once its output matches `pattern`; resolves with the finished run. */
function runUntil(args: string[], pattern: RegExp, when: (child: ChildProcess) => Promise<void>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cliPath(), ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let fired = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!fired && pattern.test(stdout)) {
        fired = true;
        when(child).catch(reject);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** A cell that waits long enough to be stopped in the middle of. */
const SLOW_CELL = "await new Promise((resolve) => setTimeout(resolve, 60_000)); 'not reached'";

describe("tsorch run --server", () => {
  let sandbox: JupyterSandbox;
  let server: JupyterServer;
  /** The end of the server's log, for a failure's message (what it said about the kernel it started). */
  const serverTail = () => `\n--- jupyter server log (end) ---\n${server.log().slice(-4000)}`;
  let remote: string[];

  beforeAll(async () => {
    requireJupyter(["jupyter_server"], ["server"]);
    sandbox = jupyterSandbox();
    const [port] = await freePorts(1);
    server = await startJupyterServer(sandbox, port!);
    remote = ["--server", server.url, "--token", server.token];
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    sandbox?.remove();
  });

  it("runs the tutorial on the server with the outputs a local run gives, and shuts its kernel down", async () => {
    const tutorial = join(packageRoot(), "notebooks", "lenet-input-shape.ipynb");
    const localOut = join(dir, "tutorial-local.ipynb");
    const remoteOut = join(dir, "tutorial-remote.ipynb");
    const [local, far] = await Promise.all([
      tsorch(["run", tutorial, "-o", localOut, "--no-source", "--color", "never"], { env }),
      tsorch(["run", tutorial, ...remote, "-o", remoteOut, "--no-source", "--color", "never"], { env }),
    ]);
    expect(local.code, local.stdout + local.stderr).toBe(0);
    expect(far.code, far.stdout + far.stderr + serverTail()).toBe(0);
    expect(far.stdout).toContain(`TypeScript (tsorch) kernel started on ${server.url} in`);
    expect(far.stdout).toMatch(/lenet-input-shape\.ipynb: \d+ code cells ran in/);
    // Nothing from @jupyterlab/services' own logging reaches the output.
    expect(far.stdout + far.stderr).not.toMatch(/Starting WebSocket|Kernel: (idle|busy|dead)/);
    const a = readJson(localOut);
    const b = readJson(remoteOut);
    expect(validateNotebook(remoteOut).sameAsJupyter).toBe(true);
    const outputs = codeCellOutputs(b as unknown as Notebook);
    expect(outputs.flat().length).toBeGreaterThan(10);
    expect(outputs).toEqual(codeCellOutputs(a as unknown as Notebook));
    expect(b.cells.map((c) => c.execution_count)).toEqual(a.cells.map((c) => c.execution_count));
    expect(b.metadata.kernelspec).toEqual(a.metadata.kernelspec);
    expect(b.metadata.language_info).toEqual(a.metadata.language_info);
    expect(await runningKernels(server)).toEqual([]);
  }, 240_000);

  it("records streams, display updates by display_id, clear_output and images from the server as a local run does", async () => {
    const source = join(import.meta.dirname, "notebooks", "run-outputs.ipynb");
    const localOut = join(dir, "outputs-local.ipynb");
    const remoteOut = join(dir, "outputs-remote.ipynb");
    const [local, far] = await Promise.all([
      tsorch(["run", source, "-o", localOut, "--no-source", "--color", "never"], { env }),
      tsorch(["run", source, ...remote, "-o", remoteOut, "--no-source", "--color", "never"], { env }),
    ]);
    expect(local.code, local.stdout + local.stderr).toBe(0);
    expect(far.code, far.stdout + far.stderr + serverTail()).toBe(0);
    expect(readFileSync(remoteOut, "utf8").replace(/"id": "[^"]+"/g, "")).toBe(readFileSync(localOut, "utf8").replace(/"id": "[^"]+"/g, ""));
    expect(far.stdout).toMatch(/epoch 1 of 3\n↻ display updated\nepoch 2 of 3\n↻ display updated\nepoch 3 of 3, done\n/);
  }, 180_000);

  it("injects parameters after the parameters cell, typed as the notebook declares them, and answers input()", async () => {
    const path = notebook(join(dir, "params.ipynb"), [
      { source: 'let epochs: number = 3;\nconst activation: "relu" | "tanh" = "relu";\nconst sizes: number[] = [32];', tags: ["parameters"] },
      "console.log(JSON.stringify({ epochs, activation, sizes, typeofEpochs: typeof epochs }))",
      "const who = await input('name? '); `hello ${who}`",
    ]);
    const file = join(dir, "params.json");
    writeFileSync(file, JSON.stringify({ epochs: 1, sizes: [64, 32] }));
    const out = join(dir, "params-out.ipynb");
    const result = await tsorch(["run", path, ...remote, "-f", file, "-p", "epochs", "5", "-p", "activation", "tanh", "--input", "Ada", "-o", out, "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr + serverTail()).toBe(0);
    expect(result.stdout).toContain("name? Ada");
    const nb = readJson(out);
    expect(nb.cells).toHaveLength(4);
    expect(nb.cells[1]!.metadata).toEqual({ tags: ["injected-parameters"] });
    expect(joined(nb.cells[1]!.source)).toBe('// Parameters injected by tsorch run\nlet epochs: number = 5;\nconst sizes: number[] = [64,32];\nconst activation: "relu" | "tanh" = "tanh";');
    expect(nb.metadata.tsorch).toEqual({ parameters: { epochs: 5, sizes: [64, 32], activation: "tanh" } });
    expect(joined(nb.cells[2]!.outputs![0]!.text)).toBe('{"epochs":5,"activation":"tanh","sizes":[64,32],"typeofEpochs":"number"}\n');
    expect(nb.cells[3]!.outputs).toEqual([{ output_type: "execute_result", execution_count: 4, data: { "text/plain": ["hello Ada"] }, metadata: {} }]);
    validateNotebook(out);

    // A value the declared type refuses fails in the injected cell, with the type checker's message.
    const bad = await tsorch(["run", path, ...remote, "-p", "activation", "sigmoid", "--color", "never", "--no-source"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/cell 2 failed with TSError/);
    expect(bad.stdout).toContain('"sigmoid"');
  }, 180_000);

  it("runs 8 notebooks 4 at a time, each in its own kernel, with a progress line each and a summary table", async () => {
    const names: string[] = [];
    for (let k = 1; k <= 8; k++) {
      const cells = ["console.log('start', Date.now())", "await new Promise((r) => setTimeout(r, 1500))", k === 6 ? "throw new RangeError('notebook 6 fails')" : `${k} * 10`, "console.log('end', Date.now())"];
      names.push(notebook(join(dir, `many-${k}.ipynb`), cells));
    }
    const outDir = join(dir, "many-out");
    await import("node:fs").then((fs) => fs.mkdirSync(outDir, { recursive: true }));
    const result = await tsorch(["run", ...names, ...remote, "--jobs", "4", "-o", outDir, "--color", "never"], { env, timeoutMs: 240_000 });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const lines = result.stdout.split("\n");
    // Not a terminal: one line per notebook as it ends.
    for (let k = 1; k <= 8; k++) expect(lines.filter((l) => new RegExp(`^[✓✗] many-${k}\\.ipynb `).test(l))).toHaveLength(1);
    const header = lines.findIndex((l) => /^notebook +cells +time +status$/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1, header + 9);
    for (let k = 1; k <= 8; k++) {
      const row = rows[k - 1]!;
      expect(row.startsWith(`many-${k}.ipynb`)).toBe(true);
      if (k === 6) expect(row).toMatch(/ 3\/4 +[\d.]+ s +cell 3 failed: RangeError: notebook 6 fails/);
      else expect(row).toMatch(/ 4\/4 +[\d.]+ s +ok · wrote /);
    }
    expect(lines[header + 9]).toMatch(/^8 notebooks in [\d.]+ s \(--jobs 4\): 7 ok, 1 failed$/);
    // Each ran in its own kernel, never more than four at once, and some side by side.
    const spans = [1, 2, 3, 4, 5, 7, 8].map((k) => {
      const nb = readJson(join(outDir, `many-${k}.ipynb`));
      const at = (cell: number) => Number(/\d{13}/.exec(joined(nb.cells[cell]!.outputs![0]!.text))![0]);
      expect(nb.cells[2]!.outputs![0]!.data!["text/plain"]).toEqual([String(k * 10)]);
      return [at(0), at(3)] as const;
    });
    const overlap = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s <= b).length));
    expect(overlap).toBeGreaterThanOrEqual(2);
    expect(overlap).toBeLessThanOrEqual(4);
    expect(readJson(join(outDir, "many-6.ipynb")).cells[2]!.outputs![0]).toMatchObject({ output_type: "error", ename: "RangeError" });
    expect(await runningKernels(server)).toEqual([]);
  }, 300_000);

  it("reports a kernel shut down through the server's API with the cell it was running, and keeps a partial notebook", async () => {
    const path = notebook(join(dir, "killed.ipynb"), ["console.log('before')", SLOW_CELL, "'after'"]);
    const out = join(dir, "killed-out.ipynb");
    const result = await runUntil(["run", path, ...remote, "-o", out, "--color", "never", "--no-source"], /\[2\/3\] cell 2 …/, async () => {
      await sleep(500);
      const [kernel] = await runningKernels(server);
      await fetch(`${server.url}api/kernels/${kernel!.id}`, { method: "DELETE", headers: { Authorization: `token ${server.token}` } });
    });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain("[2/3] cell 2 ✗ the kernel died");
    expect(result.stdout).toMatch(/killed\.ipynb: the kernel was shut down from elsewhere \(the server, or another client\) while running cell 2/);
    const nb = readJson(out);
    expect(nb.metadata.tsorch.partial).toEqual({ cell: 2, reason: expect.stringContaining("while running cell 2") });
    expect(joined(nb.cells[0]!.outputs![0]!.text)).toBe("before\n");
    expect(nb.cells[2]!.outputs).toEqual([]);
    expect(result.ms).toBeLessThan(30_000);
  }, 120_000);

  it("interrupts a cell past --timeout through the server, and on Ctrl+C interrupts, ends with 130 and shuts the kernel down", async () => {
    const path = notebook(join(dir, "stuck.ipynb"), ["const kept = 1;", SLOW_CELL, "'after'"]);
    const out = join(dir, "stuck-out.ipynb");
    // Long enough for the first cell, which loads TypeScript, on a busy machine.
    const timedOut = await tsorch(["run", path, ...remote, "--timeout", "12", "-o", out, "--color", "never", "--no-source"], { env });
    expect(timedOut.code, timedOut.stdout + timedOut.stderr).toBe(124);
    expect(timedOut.stdout).toContain("cell 2 is still running after 12 s (--timeout): interrupting it");
    expect(timedOut.stdout).toContain("stuck.ipynb: cell 2 ran longer than 12 s and was interrupted");
    expect(readJson(out).cells[1]!.outputs![0]).toMatchObject({ output_type: "error", ename: "KeyboardInterrupt" });
    expect(await runningKernels(server)).toEqual([]);

    const interrupted = await runUntil(["run", path, ...remote, "--color", "never", "--no-source"], /\[2\/3\] cell 2 …/, async (child) => {
      await sleep(500);
      child.kill("SIGINT");
    });
    expect(interrupted.code, interrupted.stdout + interrupted.stderr).toBe(130);
    expect(interrupted.stdout).toContain("stuck.ipynb: interrupted in cell 2");
    expect(await runningKernels(server)).toEqual([]);
  }, 180_000);

  it("says so clearly when the token is wrong, or missing, and when nothing listens", async () => {
    const path = notebook(join(dir, "token.ipynb"), ["1"]);
    const wrong = await tsorch(["run", path, "--server", server.url, "--token", "not-the-token"], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`the Jupyter server at ${server.url} refused the token (403 Forbidden): pass the token it prints at start`);
    const missing = await tsorch(["run", path, "--server", server.url], { env });
    expect(missing.stdout).toContain("needs a token (403 Forbidden)");
    // The token in a URL copied from the browser works, and $JUPYTER_TOKEN does too.
    const fromUrl = await tsorch(["run", path, "--server", `${server.url}lab?token=${server.token}`, "--color", "never"], { env });
    expect(fromUrl.code, fromUrl.stdout + fromUrl.stderr + serverTail()).toBe(0);
    const fromEnv = await tsorch(["run", path, "--server", server.url, "--color", "never"], { env: { ...env, JUPYTER_TOKEN: server.token } });
    expect(fromEnv.code, fromEnv.stdout + fromEnv.stderr + serverTail()).toBe(0);
    const [port] = await freePorts(1);
    const nobody = await tsorch(["run", path, "--server", `http://127.0.0.1:${port}/`], { env });
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toContain(`cannot reach the Jupyter server at http://127.0.0.1:${port}/`);
    const noSpec = await tsorch(["run", path, ...remote, "--kernel", "no-such-kernel"], { env });
    expect(noSpec.code).toBe(1);
    expect(noSpec.stderr).toContain(`the Jupyter server at ${server.url} has no kernelspec named "no-such-kernel" (it has: `);
    expect(await runningKernels(server)).toEqual([]);
  }, 180_000);

  it("reports a server that goes away mid-run and marks the notebook it keeps as partial; -i leaves the input alone", async () => {
    const own = jupyterSandbox();
    const [port] = await freePorts(1);
    const doomed = await startJupyterServer(own, port!);
    try {
      const path = notebook(join(dir, "orphan.ipynb"), ["console.log('before')", SLOW_CELL, "'after'"]);
      const original = readFileSync(path, "utf8");
      const html = join(dir, "orphan.html");
      const result = await runUntil(["run", path, "--server", doomed.url, "--token", doomed.token, "-i", "--html", html, "--color", "never", "--no-source"], /\[2\/3\] cell 2 …/, async () => {
        await sleep(500);
        doomed.process.kill("SIGKILL");
      });
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toContain(`the kernel died while running cell 2 (the Jupyter server at ${doomed.url} went away)`);
      expect(result.stdout).toContain(`${path} left as it was: the run did not finish`);
      expect(readFileSync(path, "utf8")).toBe(original);
      expect(existsSync(html)).toBe(true);
      expect(result.ms).toBeLessThan(30_000);
    } finally {
      await doomed.stop();
      own.remove();
    }
  }, 120_000);
});
