/**
 * Interrupting cells: SIGINT stops a busy synchronous loop (V8's breakOnSigint), an awaiting
 * cell is ended too, and in both cases the names defined before stay and the next cell runs.
 *
 * The signal comes from a worker thread, as it would from the kernel's control thread: the main
 * thread is stuck in the loop, so no timer of its own could send it.
 */
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { notebook, plain, removeNotebookDirs, type TestNotebook } from "./eval-fixtures/helpers.js";

let nb: TestNotebook;
/** A SIGINT arriving outside any cell must not end the test process. */
const ignoreStraySigint = () => {};

beforeAll(async () => {
  process.on("SIGINT", ignoreStraySigint);
  nb = notebook({
    extraDeclarations: "declare function cellStarted(): void;",
    extraGlobals: { cellStarted: () => (globalThis as unknown as { cellStarted: () => void }).cellStarted() },
  });
  await nb.ev.warmUp();
});

afterAll(() => {
  process.off("SIGINT", ignoreStraySigint);
  delete (globalThis as Record<string, unknown>).cellStarted;
  removeNotebookDirs();
});

/**
 * Sends SIGINT to this process from another thread, `delayMs` after the cell calls
 * `started()` (a global the cells below call just before they loop or wait), so a slow type
 * check on a busy machine cannot make the signal arrive before the loop does.
 */
function sigintOnceStarted(delayMs: number): Promise<void> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  (globalThis as Record<string, unknown>).cellStarted = () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const worker = new Worker(
    `const { workerData } = require("node:worker_threads");
     Atomics.wait(workerData.flag, 0, 0, 60_000);
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.delayMs);
     process.kill(workerData.pid, "SIGINT");`,
    { eval: true, workerData: { delayMs, pid: process.pid, flag } },
  );
  return new Promise((resolve, reject) => {
    worker.on("exit", () => resolve());
    worker.on("error", reject);
  });
}

describe("SIGINT", () => {
  test("stops a synchronous infinite loop and keeps earlier state", async () => {
    await nb.value("let progress = 0\nconst keptFromBefore = 'kept'");
    const sent = sigintOnceStarted(200);
    const started = performance.now();
    const out = await nb.run("progress = 1\nconst inLoopCell = 'defined before the loop'\ncellStarted()\nwhile (true) { progress++ }");
    const elapsed = performance.now() - started;
    await sent;
    expect(out).toMatchObject({ status: "runtime_error", ename: "KeyboardInterrupt" });
    if (out.status === "runtime_error") expect(plain(out.traceback)).toContain("KeyboardInterrupt");
    expect(elapsed).toBeLessThan(10_000);
    expect(await nb.value("keptFromBefore")).toBe("kept");
    expect(await nb.value("inLoopCell")).toBe("defined before the loop");
    expect(await nb.value("progress > 1")).toBe(true);
    expect(await nb.value("1 + 1")).toBe(2);
  });

  test("stops a loop inside a function defined by an earlier cell", async () => {
    await nb.value("function spin(): number { cellStarted(); let i = 0; for (;;) i++ }");
    const sent = sigintOnceStarted(100);
    const out = await nb.run("spin()");
    await sent;
    expect(out).toMatchObject({ status: "runtime_error", ename: "KeyboardInterrupt" });
    expect(await nb.value("typeof spin")).toBe("function");
  });

  test("ends a cell that awaits forever", async () => {
    const sent = sigintOnceStarted(100);
    const out = await nb.run("const beforeWait = 'set'\ncellStarted()\nawait new Promise(() => {})");
    await sent;
    expect(out).toMatchObject({ status: "runtime_error", ename: "KeyboardInterrupt" });
    expect(await nb.value("beforeWait")).toBe("set");
  });
});

describe("abortPending", () => {
  test("ends the awaiting cell from the kernel's side", async () => {
    const pending = nb.run("await new Promise((r) => setTimeout(r, 60_000))");
    await new Promise((r) => setTimeout(r, 100));
    expect(nb.ev.abortPending()).toBe(true);
    expect(await pending).toMatchObject({ status: "runtime_error", ename: "KeyboardInterrupt" });
    expect(nb.ev.abortPending()).toBe(false);
    expect(await nb.value("'next cell'")).toBe("next cell");
  });
});
