/**
 * What a user sees when a cell fails: compile errors at the cell's own line and column, runtime
 * tracebacks mapped through the compiled code back to the cell lines, IPython's layout and
 * colours, nothing of the kernel's own frames.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { packageRoot } from "../kernel/eval/package-root.js";
import { notebook, plain, type TestNotebook, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

let nb: TestNotebook;

beforeAll(async () => {
  nb = notebook();
  await nb.ev.warmUp();
});

async function compileError(code: string) {
  const out = await nb.run(code);
  if (out.status !== "compile_error") throw new Error(`expected a compile error, got ${out.status}`);
  return { ...out, text: plain(out.traceback), count: nb.count };
}

async function runtimeError(code: string) {
  const out = await nb.run(code);
  if (out.status !== "runtime_error") throw new Error(`expected a runtime error, got ${out.status}: ${"traceback" in out ? plain(out.traceback) : ""}`);
  return { ...out, text: plain(out.traceback), count: nb.count };
}

describe("compile errors", () => {
  test("a type error names the cell, line and column, shows the line with a caret, and the cell does not run", async () => {
    const e = await compileError('let ranBefore = 1\nconst m: number = "a"\nranBefore = 2');
    expect(e.ename).toBe("TSError");
    expect(e.evalue).toBe(`Cell In[${e.count}], line 2, col 7: error TS2322: Type 'string' is not assignable to type 'number'.`);
    expect(e.text).toContain(`Cell In[${e.count}], line 2, col 7: error TS2322: Type 'string' is not assignable to type 'number'.`);
    expect(e.text).toContain('      1 let ranBefore = 1\n----> 2 const m: number = "a"\n              ^');
    expect(e.text).toMatch(/TSError: 1 type error; the cell did not run\.$/);
    // Nothing ran: the name from line 1 does not exist.
    expect((await nb.run("ranBefore")).status).toBe("compile_error");
  });

  test("every error is listed, each at its own line", async () => {
    const e = await compileError("const a: string = 1\n\nconst b: boolean = 'x'\nzqxNothing");
    expect(e.text).toContain("line 1, col 7: error TS2322");
    expect(e.text).toContain("line 3, col 7: error TS2322");
    expect(e.text).toContain("line 4, col 1: error TS2304: Cannot find name 'zqxNothing'.");
    expect(e.evalue).toContain("(and 2 more)");
    expect(e.text).toContain("TSError: 3 type errors; the cell did not run.");
  });

  test("a syntax error is a SyntaxError at its position", async () => {
    const e = await compileError("const ok = 1\nconst broken = (1 + \nconst after = 2");
    expect(e.ename).toBe("SyntaxError");
    expect(e.text).toMatch(/line 3, col 1: error TS1109: Expression expected\./);
    expect(e.text).toContain("SyntaxError: 1 syntax error; the cell did not run.");
  });

  test("columns count code points, so emoji and × before the error do not shift it", async () => {
    const e = await compileError('const s = "😀×😀"; const n: number = s');
    // `n` is code point 24 (1-based); counting UTF-16 units would say 26.
    expect(e.evalue).toContain("line 1, col 24: error TS2322");
    expect(e.text).toContain("\n" + " ".repeat(8 + 23) + "^");
  });

  test("messages mention cells, not the kernel's virtual files", async () => {
    await nb.value("class Box { v = 1 }\nconst oldBox = new Box()");
    await nb.value("class Box { w = 'x' }");
    const e = await compileError("const b2: Box = oldBox");
    expect(e.text).not.toContain("__tsorch");
    expect(e.text).toContain("Property 'w' is missing");
  });

  test("errors at the very end of the cell stay inside the cell", async () => {
    const e = await compileError("const x = (");
    expect(e.text).toContain("line 1, col 12");
    expect(e.text).not.toContain("import {");
  });
});

describe("runtime tracebacks", () => {
  test("the failing line of a multi-line cell, with context and IPython's arrow", async () => {
    const code = ["const a = 1", "const b = 2", "", "// a comment", "function fail(): never {", "  throw new RangeError('out of range')", "}", "fail()"].join("\n");
    const e = await runtimeError(code);
    expect(e.ename).toBe("RangeError");
    expect(e.evalue).toBe("out of range");
    // Oldest frame first: the call on line 8, then the throw on line 6 inside `fail`.
    const call = e.text.indexOf(`Cell In[${e.count}], line 8\n`);
    const inner = e.text.indexOf(`Cell In[${e.count}], line 6, in fail\n`);
    expect(call).toBeGreaterThanOrEqual(0);
    expect(inner).toBeGreaterThan(call);
    expect(e.text).toContain("----> 8 fail()");
    expect(e.text).toContain("      5 function fail(): never {\n----> 6   throw new RangeError('out of range')");
    expect(e.text).toMatch(/RangeError: out of range$/);
  });

  test("lines stay right after TypeScript-only syntax and the cell's rewriting", async () => {
    const code = [
      "interface Cfg {",
      "  size: number",
      "}",
      "enum Mode { A, B }",
      "type Pair = [number, number]",
      "const { size }: Cfg = { size: 3 }",
      "const pair: Pair = [1, 2]",
      "class Thing {",
      "  constructor(private readonly n: number) {}",
      "  explode(): number { return (null as any as { x: number }).x + this.n }",
      "}",
      "new Thing(size).explode()",
    ].join("\n");
    const e = await runtimeError(code);
    expect(e.ename).toBe("TypeError");
    expect(e.evalue).toContain("Cannot read properties of null");
    expect(e.text).toContain(`Cell In[${e.count}], line 12\n`);
    expect(e.text).toContain(`Cell In[${e.count}], line 10, in Thing.explode`);
    expect(e.text).toContain("---> 10   explode(): number");
  });

  test("frames in functions from earlier cells point at those cells", async () => {
    await nb.value(
      [
        "class Net extends nn.Module {",
        "  fc1 = new nn.Linear(400, 120)",
        "  override forward(x: Tensor): Tensor {",
        "    x = x.view(1, x.numel())",
        "    return this.fc1.forward(x)",
        "  }",
        "}",
        "const net = new Net()",
      ].join("\n"),
    );
    const netCell = nb.count;
    const e = await runtimeError("const input = torch.zeros(1, 1, 13, 13)\nnet.forward(input)");
    expect(e.ename).toBe("RuntimeError");
    expect(e.evalue).toBe("mat1 and mat2 shapes cannot be multiplied (1x169 and 400x120)");
    expect(e.text).toContain(`Cell In[${e.count}], line 2\n`);
    expect(e.text).toContain(`Cell In[${netCell}], line 5, in Net.forward`);
    expect(e.text).toContain("----> 5     return this.fc1.forward(x)");
  });

  test("frames are named from the cell's source, not from V8's receiver (`Proxy.forward`)", async () => {
    const e = await runtimeError(
      [
        "class Layer {",
        "  forward(): number {",
        "    const inner = () => { throw new Error('in a lambda') }",
        "    return inner()",
        "  }",
        "}",
        "const callable = new Proxy(new Layer(), {})",
        "callable.forward()",
      ].join("\n"),
    );
    expect(e.text).toContain(`Cell In[${e.count}], line 4, in Layer.forward`);
    expect(e.text).toContain(`Cell In[${e.count}], line 3, in inner`);
    expect(e.text).not.toContain("in Proxy.");
  });

  test("errors after an await map to the right line", async () => {
    const e = await runtimeError("await Promise.resolve()\nconst z = 1\n\nJSON.parse('{oops')");
    expect(e.ename).toBe("SyntaxError");
    expect(e.text).toContain(`Cell In[${e.count}], line 4\n`);
  });

  test("no frames of the kernel, of Node or of the caller are shown", async () => {
    const e = await runtimeError("function deep(n: number): number { return n === 0 ? (undefined as any).x : deep(n - 1) }\ndeep(3)");
    expect(e.text).not.toMatch(/kernel[\\/]eval|node:vm|node:internal|vitest|runInThisContext|\$tsorch/);
    expect(e.text.match(/in deep/g)?.length).toBe(4);
  });

  test("V8 messages quote the cell's own names, not the compiled ones", async () => {
    const e = await runtimeError("const notFn: any = 5\nnotFn()");
    expect(e.evalue).toBe("notFn is not a function");
    const e2 = await runtimeError("const holder: any = {}\nholder.method()");
    expect(e2.evalue).toBe("holder.method is not a function");
  });

  test("tracebacks carry IPython's colours", async () => {
    const out = await nb.run("throw new Error('coloured')");
    expect(out.status).toBe("runtime_error");
    if (out.status !== "runtime_error") return;
    const raw = out.traceback.join("\n");
    expect(raw).toContain("\x1b[0;31mError\x1b[0m: coloured");
    expect(raw).toContain("\x1b[0;32m----> 1\x1b[0m");
    expect(out.traceback[0]).toContain("Traceback (most recent call last)");
  });

  test("an error's cause is shown first, as Python shows chained exceptions", async () => {
    const e = await runtimeError("try { JSON.parse('{') } catch (err) { throw new Error('config unreadable', { cause: err }) }");
    const cause = e.text.indexOf("SyntaxError:");
    const direct = e.text.indexOf("The above exception was the direct cause of the following exception:");
    const main = e.text.lastIndexOf("Error: config unreadable");
    expect(cause).toBeGreaterThanOrEqual(0);
    expect(direct).toBeGreaterThan(cause);
    expect(main).toBeGreaterThan(direct);
  });

  test("formatError maps errors thrown later by functions the cells defined", async () => {
    await nb.value("function later() {\n  throw new Error('from a callback')\n}");
    const laterCell = nb.count;
    const out = await nb.run("later");
    expect(out.status).toBe("ok");
    let caught: unknown;
    try {
      (out as { value: () => void }).value();
    } catch (error) {
      caught = error;
    }
    const formatted = nb.ev.formatError(caught, 99);
    expect(formatted).toMatchObject({ ename: "Error", evalue: "from a callback" });
    expect(plain(formatted.traceback)).toContain(`Cell In[${laterCell}], line 2, in later`);
  });
});

describe("runtime frames", () => {
  /** A notebook over the real runtime (its modules, ops and errors), as the kernel has it. */
  let real: TestNotebook;
  beforeAll(async () => {
    const runtime = await import("../src/index.js");
    real = notebook({ runtimeTypes: undefined, globals: { torch: runtime.torch, nn: runtime.nn, F: runtime.F, Tensor: runtime.Tensor } });
    await real.ev.warmUp();
  });

  async function realError(code: string) {
    const out = await real.run(code);
    if (out.status !== "runtime_error") throw new Error(`expected a runtime error, got ${out.status}: ${"traceback" in out ? plain(out.traceback) : ""}`);
    return { ...out, text: plain(out.traceback), count: real.count };
  }

  test("frames inside tsorch fold into one line naming the module and its path, with no internal names or lines", async () => {
    await real.run(
      [
        "class Tiny extends nn.Module {",
        "  fc1 = new nn.Linear(400, 120);",
        "  forward(x: Tensor): Tensor {",
        "    return this.fc1(x.view(1, -1));",
        "  }",
        "}",
        "const tiny = new Tiny();",
      ].join("\n"),
    );
    const defined = real.count;
    const e = await realError("tiny(torch.zeros(1, 16, 13, 13))");
    expect(e.text).toContain(`Cell In[${defined}], line 4, in Tiny.forward`);
    expect(e.text).toContain("  ↳ inside nn.Linear (fc1)\n");
    // The module-call machinery between the user's two frames is left out, and nothing names
    // the runtime's files, lines or wrappers (they change between releases; saved notebooks would go stale).
    expect(e.text.match(/↳/g)).toHaveLength(1);
    expect(e.text).not.toMatch(/\.(ts|js):\d+|_call|\bf →|wrapper/);
    expect(e.text).toMatch(/RuntimeError: mat1 and mat2 shapes cannot be multiplied \(1x2704 and 400x120\)$/);
  });

  test("a failing op is named as the user called it", async () => {
    expect((await realError("torch.cat([torch.zeros(2, 3), torch.zeros(3, 2)], 1)")).text).toContain("  ↳ inside torch.cat\n");
    expect((await realError("torch.zeros(2, 3).view(4)")).text).toContain("  ↳ inside Tensor.view\n");
    expect((await realError("F.linear(torch.zeros(2, 3), torch.zeros(4, 4))")).text).toContain("  ↳ inside F.linear\n");
    const nested = await realError("new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(5, 2))(torch.zeros(1, 3))");
    expect(nested.text).toContain("  ↳ inside nn.Sequential → nn.Linear (1)\n");
  });

  test("frames of files that cannot be read are named from V8's frames, never located", () => {
    const root = packageRoot();
    const error = new Error("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    error.name = "RuntimeError";
    error.stack = [
      "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)",
      // Files that do not exist: names come from V8's frames (for real files, from their source).
      `    at linear (file://${path.join(root, "dist/src/nn/no-such-functional.js")}:88:11)`,
      `    at Linear.forward (file://${path.join(root, "dist/src/nn/no-such-linear.js")}:40:16)`,
      `    at Module._call (${path.join(root, "src/nn/no-such-module.ts")}:120:20)`,
      `    at f (${path.join(root, "src/nn/no-such-module.ts")}:110:20)`,
      `    at Script.runInThisContext (node:vm:316:38)`,
      `    at CellEvaluator.runScript (${path.join(root, "kernel/eval/index.ts")}:380:17)`,
    ].join("\n");
    const text = plain(nb.ev.formatError(Object.assign(error, { modulePath: "fc1", moduleType: "Linear" }), 7).traceback);
    expect(text).toContain("↳ inside nn.Linear (fc1)");
    expect(text).not.toContain("no-such");
    expect(text).not.toContain("node:vm");
    expect(text).not.toContain("CellEvaluator");
    expect(text).toMatch(/RuntimeError: mat1 and mat2 shapes cannot be multiplied \(1x2704 and 400x120\)$/);
  });
});
