/**
 * A fresh kernel's first cells run before the type checker is ready (`quickStart`): compiled
 * without types, checked as soon as the project is built, and nothing the checker finds is lost.
 */
import { afterAll, describe, expect, test } from "vitest";
import { notebook, plain, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

describe("cells before the checker is ready", () => {
  test("run at once with scope semantics, then get checked: errors come back from checkLate, names keep their types", async () => {
    const nb = notebook({ quickStart: true });
    // Declarations, a local shadowing a global, a class, and the runtime: all before any program exists.
    expect(await nb.run("const x: number = 20\nfunction twice(torch: number) { return torch * 2 }\ntwice(x) + 2")).toEqual({
      status: "ok",
      value: 42,
      hasValue: true,
    });
    expect(await nb.run("class Box { constructor(public v: number) {} }\nconst b = new Box(x)\nb.v + torch.zeros(2).shape[0]")).toMatchObject({
      status: "ok",
      value: 22,
    });
    // A type error runs anyway (it is JavaScript) and is reported by the check that follows.
    expect(await nb.run('const wrong: number = "text" as any as string\nwrong')).toMatchObject({ status: "ok", value: "text" });
    const late = nb.ev.checkLate();
    expect(late).toHaveLength(1);
    expect(late[0]!.executionCount).toBe(3);
    expect(late[0]!.ename).toBe("TSError");
    expect(plain(late[0]!.traceback)).toMatch(/TS2322[\s\S]*not assignable to type 'number'[\s\S]*found after the cell ran/);
    expect(nb.ev.checkLate()).toEqual([]);
    // Later cells are checked against what the early ones declared.
    expect(await nb.run("b.v.toFixed(1)")).toMatchObject({ status: "ok", value: "20.0" });
    const typed = await nb.run("b.nope");
    expect(typed.status).toBe("compile_error");
    if (typed.status === "compile_error") expect(typed.evalue).toContain("Property 'nope' does not exist on type 'Box'");
    expect(await nb.run("twice(x)")).toMatchObject({ status: "ok", value: 40 });
  });

  test("syntax errors are still caught before running, and a runtime error keeps its traceback at the cell's line", async () => {
    const nb = notebook({ quickStart: true });
    const syntax = await nb.run("const = 1");
    expect(syntax.status).toBe("compile_error");
    const thrown = await nb.run("const ok = 1\n\nthrow new Error('boom')");
    expect(thrown.status).toBe("runtime_error");
    if (thrown.status === "runtime_error") expect(plain(thrown.traceback)).toMatch(/----> 3/);
    expect(nb.ev.checkLate()).toEqual([]);
    expect(await nb.run("ok + 1")).toMatchObject({ status: "ok", value: 2 });
  });

  test("completion checks what is left first (its members are typed), keeping the errors for checkLate", async () => {
    const nb = notebook({ quickStart: true });
    expect(await nb.run('const label: number = "five" as any as string\nconst s = "abc"')).toMatchObject({ status: "ok" });
    const members = nb.ev.complete("s.toUpp", 7).matches;
    expect(members).toContain("toUpperCase");
    // The project is built now: the next cell is checked before it runs.
    expect((await nb.run('const t: number = s')).status).toBe("compile_error");
    const late = nb.ev.checkLate();
    expect(late.map((l) => l.executionCount)).toEqual([1]);
    expect(late[0]!.evalue).toContain("TS2322");
  });

  test("without quickStart, the first cell waits for the checker as before", async () => {
    const nb = notebook();
    const out = await nb.run('const y: number = "a"');
    expect(out.status).toBe("compile_error");
  });
});
