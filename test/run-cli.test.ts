/**
 * `tsorch run NOTEBOOK` end to end: the CLI starts its own kernel, runs small notebooks over
 * ZeroMQ, and we check what it prints, the notebook it writes (validated by Jupyter's nbformat),
 * the HTML page, exit statuses, errors with and without `raises-exception`, `--allow-errors`,
 * `--timeout`, Ctrl+C, bad input, and another kernel through `--kernel-name`.
 *
 * Needs `npm run build` and Debian's python3 with nbformat (ipykernel for the python3 test).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath } from "../kernel/paths.js";
import { cellById, GRADIENT_PNG, joined, NOTEBOOKS, readJson, requireBuild, requirePython, stripAnsi, tempDir, tsorch, validateNotebook, type CliResult } from "./run-support.js";
import { scriptArgs } from "./pty.js";

requireBuild();
const dir = tempDir();
const env = { TSORCH_HISTORY: join(dir, "history.jsonl"), COLORTERM: "truecolor" };

describe("tsorch run on a notebook with every kind of output", () => {
  let result: CliResult;
  let plain: string;
  const output = join(dir, "outputs.ipynb");
  const html = join(dir, "outputs.html");

  beforeAll(async () => {
    requirePython(["nbformat"]);
    result = await tsorch(["run", join(NOTEBOOKS, "run-outputs.ipynb"), "--output", output, "--html", html, "--color", "always"], { env });
    plain = stripAnsi(result.stdout);
  });

  it("exits 0 and prints a progress line per cell and a summary", () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (let k = 1; k <= 9; k++) expect(plain).toMatch(new RegExp(`\\[${k}/9\\] cell \\d+ ✓`));
    expect(plain).toContain("run-outputs.ipynb: 9 code cells ran in");
    // The summary wraps at spaces to the 80 columns the run was given.
    expect(plain.replace(/\s+/g, " ")).toContain(`wrote ${output}, ${html}`);
    expect(Math.max(...plain.split("\n").map((l) => [...l].length))).toBeLessThanOrEqual(80);
  });

  it("prints Markdown cells as styled text", () => {
    expect(plain).toContain("Outputs of every kind\n═════");
    expect(plain).toContain("• streams, on stdout and stderr");
    expect(plain).toContain("rich displays (https://jupyter.org)");
    expect(plain).toMatch(/stream │ +terminal/);
    expect(result.stdout).toContain("\x1b[3meach\x1b[23m"); // emphasis in italics
  });

  it("prints streams, results, HTML through its text, Markdown output, and updated and cleared displays", () => {
    expect(plain).toContain("│ const greeting: string = \"hello from tsorch\";");
    expect(plain).toContain("hello from tsorch\n");
    expect(plain).toContain("a warning on stderr\n");
    expect(result.stdout).toContain("\x1b[32mgreen text\x1b[0m"); // the cell's own colours kept
    expect(plain).toContain("Out[2]: 42\n");
    expect(plain).toMatch(/\nbold .* italic\n/);
    expect(plain).toContain("Some markdown output");
    // Not a terminal: updates and clears are shown in sequence, the last state last.
    expect(plain).toMatch(/epoch 1 of 3\n↻ display updated\nepoch 2 of 3\n↻ display updated\nepoch 3 of 3, done\n/);
    expect(plain).toMatch(/shown after clear_output\nfirst draft\nfinal draft\n/);
    expect(plain).toContain("Out[9]: still 17 characters");
  });

  it("draws the PNG as truecolor half-blocks, one row per two pixel rows", () => {
    const blockLines = result.stdout.split("\n").filter((line) => line.includes("▀"));
    expect(blockLines).toHaveLength(6);
    expect(blockLines.every((line) => stripAnsi(line) === "▀".repeat(24))).toBe(true);
    // Top-left pixel (0, 0, 160) over the one below it (0, 23, 160).
    expect(blockLines[0]).toContain("\x1b[38;2;0;0;160;48;2;0;23;160m▀");
  });

  it("shows errors with their traceback and the runtime's shape message", () => {
    expect(result.stdout).toContain("\x1b[0;31mRangeError\x1b[0m: expected <failure> & more");
    expect(plain).toContain("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    expect(plain).toMatch(/cell 9 ✓ raised, as expected/);
  });

  it("writes a valid nbformat 4.5 notebook, byte for byte as Jupyter would", () => {
    expect(validateNotebook(output).sameAsJupyter).toBe(true);
    const text = readFileSync(output, "utf8");
    expect(text.startsWith('{\n "cells": [\n  {\n   "cell_type": "markdown",')).toBe(true);
    const nb = readJson(output);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.kernelspec).toEqual({ display_name: "TypeScript (tsorch)", language: "typescript", name: "tsorch" });
    expect(nb.metadata.language_info).toMatchObject({ name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript" });
    const counts = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.execution_count);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("records every output as nbformat does: streams, results, images, updates, clears, errors", () => {
    const nb = readJson(output);
    const streams = cellById(nb, "c1").outputs!;
    const stdout = streams.filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) => joined(o.text)).join("");
    const stderr = streams.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => joined(o.text)).join("");
    expect(stdout).toBe("hello from tsorch\n\x1b[32mgreen text\x1b[0m\n");
    expect(stderr).toBe("a warning on stderr\n");

    expect(cellById(nb, "c2").outputs).toEqual([{ output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} }]);

    const [image] = cellById(nb, "c3").outputs!;
    expect(image!.output_type).toBe("display_data");
    expect(image!.data!["image/png"]).toBe(GRADIENT_PNG);
    expect(image!.metadata).toEqual({ "image/png": { width: 96, height: 48 } });

    const rich = cellById(nb, "c4").outputs!;
    expect(joined(rich[0]!.data!["text/html"])).toBe("<b>bold</b> &amp; <i>italic</i>");
    expect(joined(rich[1]!.data!["text/markdown"])).toBe("Some **markdown** output");

    // update_display_data replaced the display it targets; it added no output of its own.
    const updated = cellById(nb, "c5").outputs!;
    expect(updated).toHaveLength(1);
    expect(joined(updated[0]!.data!["text/plain"])).toBe("epoch 3 of 3, done");
    expect(JSON.stringify(updated)).not.toContain("transient");

    // clear_output() at once, clear_output(wait=true) at the next output.
    const cleared = cellById(nb, "c6").outputs!;
    expect(cleared.map((o) => o.output_type)).toEqual(["display_data"]);
    expect(joined(cleared[0]!.data!["text/plain"])).toBe("final draft");

    const [rangeError] = cellById(nb, "c8").outputs!;
    expect(rangeError).toMatchObject({ output_type: "error", ename: "RangeError", evalue: "expected <failure> & more" });
    const [shapeError] = cellById(nb, "c9").outputs!;
    expect(shapeError).toMatchObject({ output_type: "error", ename: "RuntimeError" });
    expect(shapeError!.evalue).toContain("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
  });

  it("writes a standalone HTML page with the image inline, escaped tracebacks and rendered Markdown", () => {
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain(`<img src="data:image/png;base64,${GRADIENT_PNG}"`);
    expect(page).toContain('width="96" height="48" class="pixelated"');
    expect(page).toContain("expected &lt;failure&gt; &amp; more");
    expect(page).toContain('<span class="ansi-red-fg">RangeError</span>');
    expect(page).not.toContain("\x1b");
    expect(page).toContain('<h1 id="Outputs-of-every-kind">Outputs of every kind</h1>');
    expect(page).toContain("<li>streams, on <strong>stdout</strong> and stderr</li>");
    expect(page).toContain('<th style="text-align: right">where</th>');
    expect(page).toContain("<b>bold</b> &amp; <i>italic</i>"); // text/html embedded as is
    expect(page).toContain("@media (prefers-color-scheme: dark)");
    expect(page).toContain("Out[2]:".replace(" ", "&nbsp;"));
    // Nothing loaded from elsewhere.
    expect(page).not.toMatch(/<script|<link|src="(?!data:)|url\(/i);
  });
});

describe("tsorch run: errors, timeouts, interrupts", () => {
  it("stops at an untagged error with exit status 1, and leaves later cells unrun", async () => {
    const output = join(dir, "error.ipynb");
    const result = await tsorch(["run", join(NOTEBOOKS, "run-error.ipynb"), "-o", output, "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).not.toContain("\x1b[");
    expect(result.stdout).toContain("before the error");
    expect(result.stdout).toContain("TypeError: untagged failure");
    expect(result.stdout).not.toContain("this cell must not run");
    expect(result.stdout).toContain("run-error.ipynb: cell 2 failed with TypeError: untagged failure");
    expect(result.stdout).toContain("(1 code cell not run)");
    validateNotebook(output);
    const nb = readJson(output);
    expect(nb.cells.map((c) => c.execution_count)).toEqual([1, 2, null]);
    expect(nb.cells[1]!.outputs![0]).toMatchObject({ output_type: "error", ename: "TypeError", evalue: "untagged failure" });
    expect(nb.cells[2]!.outputs).toEqual([]);
  });

  it("goes on after every error with --allow-errors", async () => {
    const result = await tsorch(["run", join(NOTEBOOKS, "run-error.ipynb"), "--allow-errors", "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("TypeError: untagged failure");
    expect(result.stdout).toContain("this cell must not run");
    expect(result.stdout).toContain("3 code cells ran");
  });

  it("interrupts a cell that runs past --timeout, keeps its KeyboardInterrupt, and exits 124", async () => {
    const output = join(dir, "timeout.ipynb");
    // Long enough for the first cell, which loads TypeScript, on a busy machine.
    const result = await tsorch(["run", join(NOTEBOOKS, "run-timeout.ipynb"), "--timeout", "6", "--output", output, "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(124);
    expect(result.stdout).toContain("cell 2 is still running after 6 s (--timeout): interrupting it");
    expect(result.stdout).toContain("KeyboardInterrupt");
    expect(result.stdout).toContain("cell 2 ran longer than 6 s and was interrupted");
    expect(result.stdout).not.toContain("this cell must not run");
    expect(result.ms).toBeLessThan(30_000);
    validateNotebook(output);
    const nb = readJson(output);
    expect(nb.cells[1]!.outputs![0]).toMatchObject({ output_type: "error", ename: "KeyboardInterrupt" });
    expect(nb.cells[2]!.execution_count).toBeNull();
  });

  it("interrupts the kernel on Ctrl+C (SIGINT), ends cleanly with 130 and shuts the kernel down", async () => {
    const child = spawn(process.execPath, [cliPath(), "run", join(NOTEBOOKS, "run-timeout.ipynb"), "--color", "never"], { env: { ...process.env, ...env } });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("[2/3] cell 2 …") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const kernelPids = spawnSync("ps", ["-o", "pid=", "--ppid", String(child.pid)], { encoding: "utf8" }).stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    expect(kernelPids.length, "the kernel runs as a child of tsorch run").toBeGreaterThan(0);
    child.kill("SIGINT");
    const code = await Promise.race([closed, new Promise<"hung">((r) => setTimeout(() => r("hung"), 30_000))]);
    if (code === "hung") child.kill("SIGKILL");
    expect(code, stdout).toBe(130);
    expect(stdout).toContain("interrupting…");
    expect(stdout).toContain("KeyboardInterrupt");
    expect(stdout).toContain("run-timeout.ipynb: interrupted in cell 2");
    expect(stdout).not.toContain("this cell must not run");
    for (const pid of kernelPids) expect(() => process.kill(pid, 0), `kernel ${pid} still running`).toThrow();
  });
});

describe("tsorch run: a kernel that dies", () => {
  it("reports the death, writes what ran, and exits 1", async () => {
    const path = join(dir, "dies.ipynb");
    const output = join(dir, "dies-out.ipynb");
    const cell = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
    writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [cell('console.log("still alive")'), cell('process.kill(process.pid, "SIGKILL")'), cell("1")] }));
    const result = await tsorch(["run", path, "-o", output, "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain("[2/3] cell 2 ✗ the kernel died");
    expect(result.stdout).toContain("dies.ipynb: the kernel died while running cell 2 (killed by a signal)");
    validateNotebook(output);
    const nb = readJson(output);
    expect(joined(nb.cells[0]!.outputs![0]!.text)).toBe("still alive\n");
    expect(nb.cells[2]!.execution_count).toBeNull();
  });
});

describe("tsorch run: command line and bad input", () => {
  it("rejects bad usage with status 2", async () => {
    const none = await tsorch(["run"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("tsorch run: missing NOTEBOOK");
    expect(none.stderr).toContain("Usage: tsorch run NOTEBOOK [options]");
    const timeout = await tsorch(["run", join(NOTEBOOKS, "run-error.ipynb"), "--timeout", "soon"]);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('--timeout must be a positive number of seconds, got "soon"');
    const both = await tsorch(["run", "x.ipynb", "--inplace", "--output", "y.ipynb"]);
    expect(both.stderr).toContain("choose one of --output FILE and --inplace");
    const missingDir = await tsorch(["run", join(NOTEBOOKS, "run-error.ipynb"), "--html", join(dir, "nowhere", "page.html")]);
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr).toContain("does not exist");
    const color = await tsorch(["run", "x.ipynb", "--color", "sometimes"]);
    expect(color.stderr).toContain("--color must be auto, always or never");
    const help = await tsorch(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--allow-errors");
    const top = await tsorch(["--help"]);
    expect(top.stdout).toMatch(/ {2}run +run a notebook/);
    expect(top.stdout).toMatch(/ {2}repl +an interactive TypeScript prompt/);
  });

  it("refuses files that are not nbformat 4 notebooks with a clear message and status 1", async () => {
    const cases: [string, string, RegExp][] = [
      ["missing.ipynb", "", /cannot read .*missing\.ipynb: no such file/],
      ["list.ipynb", "[1, 2]", /list\.ipynb is not a notebook: the file holds a list, not a JSON object/],
      ["broken.ipynb", "{ not json", /broken\.ipynb is not a notebook: invalid JSON/],
      ["v3.ipynb", JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }), /only nbformat 4 notebooks can be run, found nbformat 3 \(upgrade it with/],
      ["cells.ipynb", JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: 7 }] }), /cell 1: "source" must be a string or a list of strings, got number 7/],
      ["kind.ipynb", JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "sql", source: "" }] }), /cell 1 has cell_type "sql"/],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      if (text) writeFileSync(path, text);
      const result = await tsorch(["run", path]);
      expect(result.code, `${name}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain("    at "); // no stack trace
    }
  });

  it("names a missing kernelspec given to --kernel-name", async () => {
    const result = await tsorch(["run", join(NOTEBOOKS, "run-error.ipynb"), "--kernel-name", "no-such-kernel"], { env: { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: dir } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no kernelspec named "no-such-kernel"');
  });

  it("rewrites the notebook with --inplace, repairing missing ids and fields", async () => {
    const path = join(dir, "inplace.ipynb");
    writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: ["const n: number = 2;\n", "n ** 10"] }, { cell_type: "markdown", source: "done" }] }));
    const result = await tsorch(["run", path, "--inplace", "--no-source", "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toContain("│ const n");
    expect(validateNotebook(path).sameAsJupyter).toBe(true);
    const nb = readJson(path);
    expect(nb.cells[0]!.outputs).toEqual([{ output_type: "execute_result", execution_count: 1, data: { "text/plain": ["1024"] }, metadata: {} }]);
    expect(nb.cells.every((c) => typeof c.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id))).toBe(true);
  });

  it("without colour, names images instead of drawing them", async () => {
    const result = await tsorch(["run", join(NOTEBOOKS, "run-outputs.ipynb"), "--color", "never"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\x1b");
    expect(result.stdout).not.toContain("▀");
    expect(result.stdout).toContain("[image/png 24×12]");
  });

  it("rewrites the progress line in place on a terminal, and erases cleared output", async () => {
    const command = `${process.execPath} ${cliPath()} run ${join(NOTEBOOKS, "run-outputs.ipynb")} --no-source`;
    const result = spawnSync("script", scriptArgs(command), { encoding: "utf8", env: { ...process.env, ...env, COLUMNS: "100", LINES: "50", TERM: "xterm-256color" }, timeout: 120_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const screen = result.stdout;
    expect(screen).toContain("starting the kernel…");
    // The status line is drawn, cleared ("\r\x1b[2K") and drawn again as time passes.
    expect(screen).toMatch(/\[1\/9\] cell 2 \x1b\[2m… \d\.\d\d s\x1b\[22m\r\x1b\[2K/);
    // clear_output erases the line above ("\x1b[1A\r\x1b[J") instead of printing a marker.
    expect(screen).toMatch(/this line is cleared\r\n[^\n]*\x1b\[1A\r\x1b\[J/);
    expect(stripAnsi(screen)).not.toContain("(output cleared)");
    // Updating the display shown last redraws it in place.
    expect(stripAnsi(screen)).not.toContain("↻ display updated");
    expect(stripAnsi(screen)).toMatch(/cell 9 ✓ raised, as expected/);
  });
});

describe("tsorch run --kernel-name", () => {
  it("runs a notebook with another installed kernel (ipykernel's python3)", async () => {
    requirePython(["ipykernel", "nbformat"]);
    if (!existsSync("/usr/share/jupyter/kernels/python3/kernel.json")) throw new Error("ipykernel's kernelspec /usr/share/jupyter/kernels/python3 is missing (apt install python3-ipykernel)");
    const source = join(dir, "python.ipynb");
    copyFileSync(join(NOTEBOOKS, "run-python.ipynb"), source);
    const output = join(dir, "python-out.ipynb");
    const result = await tsorch(["run", source, "--kernel-name", "python3", "-o", output, "--color", "never"], {
      env: { ...env, JUPYTER_PATH: "", JUPYTER_DATA_DIR: join(dir, "jupyter-data"), IPYTHONDIR: join(dir, "ipython"), PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("Python 3 (ipykernel) kernel started");
    expect(result.stdout).toContain("hello from python");
    expect(result.stdout).toContain("Out[2]: 42");
    validateNotebook(output);
    const nb = readJson(output);
    expect(nb.metadata.kernelspec).toMatchObject({ name: "python3", language: "python" });
    expect(nb.metadata.language_info.name).toBe("python");
  });
});
