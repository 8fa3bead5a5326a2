/**
 * Bad cells, and bad messages, against one kernel: each ends with an error (or is refused) and
 * the kernel stays up with its variables. Among them the ways a kernel used to be taken down: a
 * cell growing an array without end (V8's fatal "invalid size error"), a heap that grows after an
 * `await`, and correctly signed requests whose header nests 10,000 levels deep.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchKernel, type LaunchedKernel } from "../kernel/client.js";
import { makeHeader, type Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";
import { DELIMITER } from "../kernel/wire.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const result = (outputs: Message[]) => (outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, string> | undefined)?.["text/plain"];

/** Cell, and the error name it must end with (undefined: it must succeed). */
const BAD_CELLS: [string, string, string | undefined][] = [
  ["throw null", "throw null", undefined],
  ["throw undefined", "throw undefined", undefined],
  ["throw a string", 'throw "plain string"', undefined],
  ["throw a symbol", 'throw Symbol("s")', undefined],
  ["throw an object whose getters throw", 'throw { get name(): string { throw new Error("name") }, get message(): string { throw new Error("message") } }', undefined],
  ["throw an Error whose toString throws", 'const e = new Error("x"); e.toString = () => { throw new Error("toString") }; throw e', "Error"],
  ["throw a Proxy that throws on every trap", "throw new Proxy({}, { get() { throw new Error('trap') }, has() { throw new Error('trap') }, ownKeys() { throw new Error('trap') }, getPrototypeOf() { throw new Error('trap') } })", undefined],
  ["unbounded recursion", "const down = (n: number): number => down(n + 1) + 1; down(0)", "RangeError"],
  ["a string doubled without end", 'let s = "x"; while (true) s += s', "RangeError"],
  ["an array too long", "new Array(2 ** 32)", "RangeError"],
  ["an ArrayBuffer too large", "new ArrayBuffer(2 ** 50)", "RangeError"],
  ["process.exit", "process.exit(3)", "SystemExit"],
  ["a syntax error", "const = 5", undefined],
  ["a type error", 'const n: number = "five"', undefined],
  ["input without stdin", 'input("name?")', "StdinNotImplementedError"],
  ["a tensor of absurd size", "torch.zeros([1e6, 1e6])", undefined],
];

describe("bad cells", () => {
  let kernel: LaunchedKernel;
  const historyDir = mkdtempSync(join(tmpdir(), "tsorch-bad-cells-"));

  beforeAll(async () => {
    kernel = await launchKernel({ env: { TSORCH_HISTORY: join(historyDir, "history.jsonl") } });
    const { reply } = await kernel.client.execute("const keep = { answer: 42 }; keep.answer");
    expect(reply.content.status).toBe("ok");
  });

  afterAll(async () => {
    await kernel?.stop();
    rmSync(historyDir, { recursive: true, force: true });
  });

  async function stillAlive(): Promise<void> {
    expect(kernel.process.exitCode).toBe(null);
    const { reply, outputs } = await kernel.client.execute("keep.answer + 1", { timeout: 120_000 });
    expect(reply.content.status).toBe("ok");
    expect(result(outputs)).toBe("43");
  }

  it.each(BAD_CELLS)("%s ends with an error and the kernel keeps its variables", async (_name, code, ename) => {
    const { reply, outputs } = await kernel.client.execute(code, { timeout: 120_000 });
    expect(reply.content.status).toBe("error");
    if (ename) expect(reply.content.ename).toBe(ename);
    expect(outputs.some((m) => m.header.msg_type === "error")).toBe(true);
    await stillAlive();
  });

  it("a JavaScript array grown without end stops with a MemoryError, not V8's fatal invalid size error", async () => {
    const started = performance.now();
    const { reply, outputs } = await kernel.client.execute("const grown: number[] = []; while (true) grown.push(1)", { timeout: 120_000 });
    const ms = performance.now() - started;
    expect(reply.content).toMatchObject({ status: "error", ename: "MemoryError" });
    expect(String(reply.content.evalue)).toMatch(/^the cell was stopped: the JavaScript heap reached [\d.]+ (GiB|MiB), over the kernel's limit of [\d.]+ (GiB|MiB) \(V8 itself would end the process at [\d.]+ GiB\)$/);
    expect(outputs.find((m) => m.header.msg_type === "error")?.content.traceback).toContain(
      "variables defined so far are kept; free memory by dropping large values (x = undefined), or give the kernel more with `tsorch install --max-heap 4g`",
    );
    // The array survives with what it had, and can be let go.
    const length = Number(result((await kernel.client.execute("grown.length")).outputs));
    expect(length).toBeGreaterThan(1_000_000);
    expect((await kernel.client.execute("grown.length = 0")).reply.content.status).toBe("ok");
    console.log(`array push: stopped after ${(ms / 1000).toFixed(1)} s at ${(length / 1e6).toFixed(1)} M elements; ${reply.content.evalue}`);
    await stillAlive();
  });

  it("a heap grown after an await stops with a MemoryError too", async () => {
    const { reply } = await kernel.client.execute('await 0; const words: string[] = []; while (true) words.push("w".repeat(40) + words.length)', { timeout: 120_000 });
    expect(reply.content).toMatchObject({ status: "error", ename: "MemoryError" });
    expect((await kernel.client.execute("words.length = 0")).reply.content.status).toBe("ok");
    await stillAlive();
  });

  it("an infinite loop is interrupted, and a promise that never settles too", async () => {
    for (const code of ["while (true) {}", "await new Promise(() => {})"]) {
      const header = kernel.client.send("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
      await new Promise((r) => setTimeout(r, 1500));
      await kernel.client.request("control", "interrupt_request", {});
      const reply = await kernel.client.reply("shell", header.msg_id, 60_000);
      expect(reply.content, JSON.stringify(reply.content)).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    }
    await stillAlive();
  });

  it("errors thrown later, from timers and promises nobody awaits, land as stderr and hurt nothing", async () => {
    const { reply } = await kernel.client.execute('setTimeout(() => { throw new Error("late") }, 10); void Promise.reject(new Error("rejected")); "scheduled"');
    expect(reply.content.status).toBe("ok");
    await new Promise((r) => setTimeout(r, 500));
    await stillAlive();
  });

  it("outputs that cannot be shown or sent: throwing displays, deep values, huge prints", async () => {
    for (const code of [
      '({ [Symbol.for("Jupyter.display")]() { throw new Error("bad display") } })',
      "new Proxy({}, { get() { throw new Error('trap') }, ownKeys() { throw new Error('trap') }, getPrototypeOf() { throw new Error('trap') } })",
      "let deep: any = {}; for (let i = 0; i < 100000; i++) deep = { deep }; deep",
      "let nest: any = []; for (let i = 0; i < 100000; i++) nest = [nest]; display.json({ nest })",
      'console.log("x".repeat(20_000_000))',
    ]) {
      await kernel.client.execute(code, { timeout: 120_000 });
      await stillAlive();
    }
  });

  it("signed requests whose header nests 10,000 levels deep are answered with an error on shell and control", async () => {
    const client = kernel.client;
    const nested = "[".repeat(10_000) + "]".repeat(10_000);
    for (const channel of ["shell", "control"] as const) {
      for (const type of ["kernel_info_request", "interrupt_request", "execute_request"]) {
        const header = makeHeader(type, client.sender);
        const dicts = [JSON.stringify({ ...header, deep: "@" }).replace('"@"', nested), "{}", "{}", JSON.stringify({ code: "keep.answer = 0" })].map((s) => Buffer.from(s));
        await client.sendRaw(channel, [DELIMITER, client.signer.sign(dicts), ...dicts]);
        const reply = await client.reply(channel, header.msg_id, 30_000);
        expect(reply.header.msg_type).toBe(type.replace("_request", "_reply"));
        expect(reply.content).toMatchObject({ status: "error", ename: "ProtocolError", evalue: "message refused: header nests deeper than 64 levels" });
      }
    }
    await stillAlive();
  });
});
