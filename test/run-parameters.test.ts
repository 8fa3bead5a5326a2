/**
 * `tsorch run` features that do not need a server: papermill-style parameters (values read as
 * TypeScript literals, the injected cell, a re-run replacing it), input() answered from
 * `--input`, several notebooks with `--jobs`, `-i` leaving the input alone when the run does
 * not finish, and the command-line errors of these options.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Notebook } from "../kernel/notebook/nbformat.js";
import { injectParameters, parseParametersFile, parseParameterValue } from "../kernel/notebook/parameters.js";
import { parseServer } from "../kernel/notebook/server.js";
import { joined, readJson, requireBuild, tempDir, tsorch, validateNotebook } from "./run-support.js";

requireBuild();
const dir = tempDir("tsorch-params-test-");
// Wide enough that the one-line summaries are not wrapped to the terminal's width.
const env = { TSORCH_HISTORY: join(dir, "history.jsonl"), COLUMNS: "300" };

function writeNotebook(name: string, cells: (string | { source: string; tags: string[] })[], minor = 5): string {
  const path = join(dir, name);
  const nb = {
    nbformat: 4,
    nbformat_minor: minor,
    metadata: {},
    cells: cells.map((c, i) => ({ ...(minor >= 5 ? { id: `c${i}` } : {}), cell_type: "code", execution_count: null, metadata: typeof c === "string" ? {} : { tags: c.tags }, outputs: [], source: typeof c === "string" ? c : c.source })),
  };
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

const memoryNotebook = (sources: (string | { source: string; tags: string[] })[]): Notebook =>
  ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: sources.map((c, i) => ({ id: `c${i}`, cell_type: "code", execution_count: null, outputs: [], metadata: typeof c === "string" ? {} : { tags: c.tags }, source: typeof c === "string" ? c : c.source })) }) as Notebook;

describe("parameters", () => {
  it("reads -p values as TypeScript literals: numbers, booleans, null, JSON, else text", () => {
    expect(parseParameterValue("5")).toBe(5);
    expect(parseParameterValue("-0.01")).toBe(-0.01);
    expect(parseParameterValue("1e-3")).toBe(0.001);
    expect(parseParameterValue("true")).toBe(true);
    expect(parseParameterValue("false")).toBe(false);
    expect(parseParameterValue("null")).toBeNull();
    expect(parseParameterValue("[1, 2]")).toEqual([1, 2]);
    expect(parseParameterValue('{"a": "b"}')).toEqual({ a: "b" });
    expect(parseParameterValue("[not json")).toBe("[not json");
    expect(parseParameterValue("relu")).toBe("relu");
    expect(parseParameterValue("0x10")).toBe("0x10");
    expect(parseParameterValue("NaN")).toBe("NaN");
    expect(parseParameterValue("")).toBe("");
  });

  it("injects after the parameters cell with the declared keyword and type, replacing an earlier injection", () => {
    const nb = memoryNotebook([{ source: "let lr: number = 0.1;\nconst name = 'a';", tags: ["parameters"] }, "lr"]);
    const first = injectParameters(nb, { lr: 0.5, extra: "x" });
    expect(first).toEqual({ cellIndex: 1, unknown: ["extra"], noParametersCell: false });
    expect(nb.cells[1]).toMatchObject({ cell_type: "code", metadata: { tags: ["injected-parameters"] }, source: '// Parameters injected by tsorch run\nlet lr: number = 0.5;\nconst extra = "x";' });
    expect(nb.cells[1]!.id).toMatch(/^[0-9a-f]{8}$/);
    const again = injectParameters(nb, { name: "b" });
    expect(again.cellIndex).toBe(1);
    expect(nb.cells).toHaveLength(3);
    expect(nb.cells[1]!.source).toBe('// Parameters injected by tsorch run\nconst name = "b";');
    expect(nb.metadata.tsorch).toEqual({ parameters: { name: "b" } });
  });

  it("puts the values at the top of a notebook without a parameters cell", () => {
    const nb = memoryNotebook(["1"]);
    expect(injectParameters(nb, { n: 2 })).toEqual({ cellIndex: 0, unknown: [], noParametersCell: true });
    expect(nb.cells[0]!.source).toBe("// Parameters injected by tsorch run\nconst n = 2;");
  });

  it("reads a parameters file as a JSON object and refuses anything else", () => {
    expect(parseParametersFile('{"a": 1, "b": [true]}', "p.json")).toEqual({ a: 1, b: [true] });
    expect(() => parseParametersFile("[1]", "p.json")).toThrow("p.json: expected a JSON object of parameter names to values");
    expect(() => parseParametersFile("{", "p.json")).toThrow(/p\.json: not JSON/);
    expect(() => parseParametersFile('{"not a name": 1}', "p.json")).toThrow('parameter name "not a name" is not a TypeScript identifier');
  });

  it("reads --server URLs: the token from --token, the URL, then $JUPYTER_TOKEN; the browser's page dropped", () => {
    expect(parseServer("http://127.0.0.1:8888/lab?token=abc", undefined, "env")).toEqual({ url: "http://127.0.0.1:8888/", token: "abc" });
    expect(parseServer("http://127.0.0.1:8888/lab?token=abc", "given", "env").token).toBe("given");
    expect(parseServer("https://hub.example/user/ada", undefined, "env")).toEqual({ url: "https://hub.example/user/ada/", token: "env" });
    expect(parseServer("http://h:1/tree/", undefined).url).toBe("http://h:1/");
    expect(() => parseServer("localhost:8888", undefined)).toThrow("expected an http:// or https:// URL");
    expect(() => parseServer("not a url", undefined)).toThrow("not a URL");
  });
});

describe("tsorch run with parameters, input and several notebooks (local kernels)", () => {
  it("runs with -p and -r, answers input() from --input, and refuses the input() it has no answer for", async () => {
    const path = writeNotebook("local-params.ipynb", [{ source: "const count: number = 1;\nconst label: string = 'x';", tags: ["parameters"] }, "console.log(count * 2, label)", "const a = await input('first? ');\nconst b = await input('second? ');\n[a, b]"]);
    const out = join(dir, "local-params-out.ipynb");
    const ok = await tsorch(["run", path, "-p", "count", "21", "-r", "label", "007", "--input", "one", "--input", "two", "-o", out, "--color", "never"], { env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("42 007\n");
    expect(ok.stdout).toContain("first? one\nsecond? two\n");
    const nb = readJson(out);
    expect(joined(nb.cells[1]!.source)).toBe('// Parameters injected by tsorch run\nconst count: number = 21;\nconst label: string = "007";');
    expect(nb.metadata.tsorch).toEqual({ parameters: { count: 21, label: "007" } });
    expect(validateNotebook(out).sameAsJupyter).toBe(true);

    const short = await tsorch(["run", path, "--input", "only one", "--color", "never", "--no-source"], { env });
    expect(short.code).toBe(1);
    expect(short.stdout).toContain('input("second? ") has no answer left (--input gives them, in order): interrupting the cell');
    expect(short.stdout).toMatch(/cell 3 failed with KeyboardInterrupt/);

    const none = await tsorch(["run", path, "--color", "never", "--no-source"], { env });
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/StdinNotImplementedError: prompt\(\) and input\(\) are not available/);
  }, 120_000);

  it("runs several notebooks side by side, and leaves an -i notebook as it was when its run did not finish", async () => {
    const good = writeNotebook("side-a.ipynb", ["const n = 6;", "n * 7"], 4);
    const bad = writeNotebook("side-b.ipynb", ["const m = 1;", "throw new Error('stop here')", "m"], 4);
    const before = readFileSync(bad, "utf8");
    const result = await tsorch(["run", good, bad, "--jobs", "2", "-i", "--color", "never"], { env });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^✓ side-a\.ipynb 2\/2 cells [\d.]+ s ok$/m);
    expect(result.stdout).toMatch(/^✗ side-b\.ipynb 2\/3 cells [\d.]+ s cell 2 failed: Error: stop here$/m);
    expect(result.stdout).toMatch(/^side-a\.ipynb +2\/2 +[\d.]+ s +ok · wrote .*side-a\.ipynb$/m);
    expect(result.stdout).toMatch(/^side-b\.ipynb +2\/3 +[\d.]+ s +cell 2 failed: Error: stop here · .*side-b\.ipynb left as it was$/m);
    expect(result.stdout).toMatch(/^2 notebooks in [\d.]+ s \(--jobs 2\): 1 ok, 1 failed$/m);
    expect(readFileSync(bad, "utf8")).toBe(before);
    expect(readJson(good).cells[1]!.outputs).toEqual([{ output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} }]);
  }, 120_000);

  it("rejects bad uses of the new options with status 2", async () => {
    const path = writeNotebook("usage.ipynb", ["1"]);
    const cases: [string[], string][] = [
      [["-p", "epochs"], "-p needs a NAME and a VALUE"],
      [["-p", "not-a-name", "1"], 'parameter name "not-a-name" is not a TypeScript identifier'],
      [["--jobs", "0"], "--jobs must be a whole number of notebooks, 1 or more"],
      [["--token", "t"], "--token goes with --server URL"],
      [["--server", "localhost:8888"], "expected an http:// or https:// URL"],
      [["--parameters-file", join(dir, "missing.json")], "no such file"],
      [["--kernel", "a", "--kernel-name", "b"], "--kernel and --kernel-name name the same thing"],
      [[path, "-o", join(dir, "not-a-dir")], "with several notebooks, --output names an existing directory"],
    ];
    for (const [args, message] of cases) {
      const result = await tsorch(["run", path, ...args], { env });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  }, 60_000);
});
