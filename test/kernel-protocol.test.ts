/**
 * The kernel's messaging protocol, driven by our own ZeroMQ client against a spawned kernel
 * (`node dist/kernel/cli.js kernel`): authentication and bad input, every socket, interrupts,
 * stdin, comms, history across restarts, output routing and limits, shutdown.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, launchKernel, type LaunchedKernel } from "../kernel/client.js";
import { endpoint } from "../kernel/connection.js";
import type { Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";
import { DELIMITER, encode, ReplayGuard, Signer, decode } from "../kernel/wire.js";
import { stripAnsi } from "./run-support.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const historyDir = mkdtempSync(join(tmpdir(), "tsorch-history-"));
afterAll(() => rmSync(historyDir, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { TSORCH_HISTORY: join(historyDir, "history.jsonl"), TSORCH_LOG: "info", ...extra };
}

function text(outputs: Message[], type = "execute_result"): string | undefined {
  const m = outputs.find((o) => o.header.msg_type === type);
  return (m?.content.data as Record<string, string> | undefined)?.["text/plain"];
}

function streamText(outputs: Message[], name = "stdout"): string {
  return outputs
    .filter((o) => o.header.msg_type === "stream" && o.content.name === name)
    .map((o) => String(o.content.text))
    .join("");
}

describe("tsorch kernel protocol", () => {
  let kernel: LaunchedKernel;
  let client: KernelClient;

  beforeAll(async () => {
    kernel = await launchKernel({ env: env() });
    client = kernel.client;
  });

  afterAll(async () => {
    await kernel?.stop();
  });

  it("answers kernel_info on shell and control with a 5.3+ reply, wrapped in busy/idle", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };
    for (const channel of ["shell", "control"] as const) {
      const { reply, all } = await client.request(channel, "kernel_info_request", {});
      const c = reply.content as Record<string, any>;
      expect(reply.header.msg_type).toBe("kernel_info_reply");
      expect(c.status).toBe("ok");
      expect(Number(c.protocol_version.split(".")[1])).toBeGreaterThanOrEqual(3);
      expect(c.implementation).toBe("tsorch");
      expect(c.implementation_version).toBe(pkg.version);
      expect(c.language_info).toMatchObject({ name: "typescript", mimetype: "text/x.typescript", file_extension: ".ts", pygments_lexer: "typescript", nbconvert_exporter: "script" });
      expect(c.language_info.version).toMatch(/^\d+\.\d+/);
      expect(c.banner).toContain("tsorch");
      expect(c.help_links.length).toBeGreaterThan(0);
      expect(all.map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
      for (const m of [reply, ...all]) {
        expect(m.header).toMatchObject({ msg_type: expect.any(String), msg_id: expect.any(String), session: expect.any(String), username: expect.any(String), version: c.protocol_version });
        expect(Number.isNaN(Date.parse(m.header.date))).toBe(false);
      }
    }
  });

  it("greets each new IOPub subscriber with iopub_welcome (XPUB, protocol 5.5)", async () => {
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 5000 });
    sub.connect(endpoint(kernel.info, kernel.info.iopub_port));
    sub.subscribe();
    try {
      const frames = await sub.receive();
      const result = decode(frames, new Signer(kernel.info.key), new ReplayGuard());
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.message.header.msg_type).toBe("iopub_welcome");
        expect(result.message.content).toEqual({ subscription: "" });
        expect(result.message.parent_header).toEqual({});
      }
    } finally {
      sub.close();
    }
  });

  it("executes with execute_input, execute_result and a reply carrying the execution count", async () => {
    const { reply, all } = await client.execute("6 * 7");
    const types = all.map((m) => m.header.msg_type);
    expect(types[0]).toBe("status");
    expect(all[0]!.content.execution_state).toBe("busy");
    expect(types).toContain("execute_input");
    expect(types[types.length - 1]).toBe("status");
    const input = all.find((m) => m.header.msg_type === "execute_input")!;
    const result = all.find((m) => m.header.msg_type === "execute_result")!;
    expect(input.content.code).toBe("6 * 7");
    expect(result.content.execution_count).toBe(input.content.execution_count);
    expect(reply.content).toMatchObject({ status: "ok", execution_count: input.content.execution_count });
    expect((result.content.data as Record<string, string>)["text/plain"]).toBe("42");
    for (const m of all) expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
    const next = await client.execute("1");
    expect(next.reply.content.execution_count).toBe(Number(input.content.execution_count) + 1);
  });

  it("gives every message a unique msg_id", () => {
    const ids = client.iopubLog.map((m) => m.header.msg_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(client.refused).toEqual([]);
  });

  it("routes stdout and stderr to stream messages", async () => {
    const { outputs } = await client.execute('console.log("hello, world"); console.error("careful"); process.stdout.write("raw\\n");');
    expect(streamText(outputs, "stdout")).toBe("hello, world\nraw\n");
    expect(streamText(outputs, "stderr")).toBe("careful\n");
  });

  it("reports errors as an error message and an error reply", async () => {
    const { reply, outputs } = await client.execute('throw new RangeError("out of range")');
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError", evalue: "out of range" });
    expect(outputs.map((m) => m.header.msg_type)).toEqual(["error"]);
    expect(outputs[0]!.content.traceback).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it("shows an explained shape error's own display before its traceback", async () => {
    const { reply, outputs } = await client.execute([
      "const shapeNet = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Flatten(), new nn.Linear(6 * 28 * 28, 10));",
      "shapeNet(torch.zeros(1, 1, 64, 64))",
    ].join("\n"));
    expect(reply.content).toMatchObject({ status: "error", ename: "RuntimeError", evalue: "mat1 and mat2 shapes cannot be multiplied (1x21600 and 4704x10)" });
    expect(outputs.map((m) => m.header.msg_type)).toEqual(["display_data", "error"]);
    const data = outputs[0]!.content.data as Record<string, string>;
    expect(data["text/plain"]).toContain("4704");
    expect(data["text/plain"]).toContain("Sizes that work: square input 32");
    expect(data["text/html"]).toContain("<table");
  });

  it("writes runtime warnings as Python does, into the cell that caused them", async () => {
    const { outputs } = await client.execute("F.mse_loss(torch.zeros(1, 10), torch.zeros(10))");
    expect(streamText(outputs, "stderr")).toMatch(/^UserWarning: Using a target size \(torch\.Size\(\[10\]\)\) that is different to the input size/);
    expect(text(outputs)).toBe("tensor(0.)");
  });

  it("shows the last expression (semicolon or not), hides undefined and everything of a silent execution", async () => {
    expect(text((await client.execute("40 + 2;")).outputs)).toBe("42");
    expect(text((await client.execute("40 + 2 // shown")).outputs)).toBe("42");
    expect(text((await client.execute("void (40 + 2)")).outputs)).toBeUndefined();
    expect(text((await client.execute("undefined")).outputs)).toBeUndefined();
    const before = (await client.execute("0")).reply.content.execution_count as number;
    const silent = await client.execute('console.log("hidden"); 5', { silent: true });
    expect(silent.outputs).toEqual([]);
    expect(silent.all.map((m) => m.header.msg_type)).toEqual(["status", "status"]);
    const unstored = await client.execute("7", { store_history: false });
    expect(unstored.reply.content.execution_count).toBe(before);
    expect((await client.execute("8")).reply.content.execution_count).toBe(before + 1);
  });

  it("evaluates user_expressions after a successful cell", async () => {
    const { reply } = await client.execute("const ue = 20;", { user_expressions: { double: "ue * 2", bad: "missingName.x" } });
    const ue = reply.content.user_expressions as Record<string, any>;
    expect(ue.double).toMatchObject({ status: "ok", data: { "text/plain": "40" } });
    expect(ue.bad.status).toBe("error");
  });

  it("publishes display_data, update_display_data and clear_output", async () => {
    const { outputs } = await client.execute(
      'const h = display("first", { display_id: "progress" }); updateDisplay("progress", "second"); h?.update("third"); clearOutput(true);' +
        'display({ [Symbol.for("Jupyter.display")]: () => ({ data: { "text/html": "<i>x</i>" }, metadata: { isolated: true } }) });',
    );
    const types = outputs.map((m) => m.header.msg_type);
    expect(types).toEqual(["display_data", "update_display_data", "update_display_data", "clear_output", "display_data"]);
    expect(outputs[0]!.content).toMatchObject({ data: { "text/plain": "first" }, transient: { display_id: "progress" } });
    expect(outputs[1]!.content).toMatchObject({ data: { "text/plain": "second" }, transient: { display_id: "progress" } });
    expect(outputs[2]!.content).toMatchObject({ data: { "text/plain": "third" } });
    expect(outputs[3]!.content).toEqual({ wait: true });
    expect(outputs[4]!.content).toMatchObject({ data: { "text/html": "<i>x</i>", "text/plain": expect.any(String) }, metadata: { isolated: true } });
  });

  it("pages help(), help(value) and name? through the execute_reply payload", async () => {
    const general = await client.execute("help()");
    expect(general.reply.content.payload).toEqual([{ source: "page", data: { "text/plain": expect.stringContaining("display(") }, start: 0 }]);
    const value = await client.execute("help(Map)");
    expect((value.reply.content.payload as any[])[0].data["text/plain"]).toContain("Map");
    const query = await client.execute("Math.max?");
    const payload = query.reply.content.payload as any[];
    expect(payload).toHaveLength(1);
    expect(payload[0].source).toBe("page");
    expect(payload[0].data["text/plain"]).toMatch(/max/);
    const isComplete = await client.request("shell", "is_complete_request", { code: "Math.max?" });
    expect(isComplete.reply.content.status).toBe("complete");
  });

  it("serves complete, inspect and is_complete", async () => {
    const complete = await client.request("shell", "complete_request", { code: "Math.ma", cursor_pos: 7 });
    expect(complete.reply.content).toMatchObject({ status: "ok", cursor_end: 7 });
    expect(complete.reply.content.matches).toContain("max");
    const inspect = await client.request("shell", "inspect_request", { code: "Math.max", cursor_pos: 8, detail_level: 0 });
    expect(inspect.reply.content).toMatchObject({ status: "ok", found: true });
    expect(Object.keys(inspect.reply.content.data as object)).toContain("text/plain");
    const incomplete = await client.request("shell", "is_complete_request", { code: "function f() {" });
    expect(incomplete.reply.content.status).toBe("incomplete");
  });

  it("drops unsigned, mis-signed, replayed and malformed messages without executing them", async () => {
    const marker = "SHOULD_NOT_RUN_" + Date.now();
    const before = (await client.execute("0")).reply.content.execution_count as number;
    const signer = new Signer(kernel.info.key);
    const forge = (key: string | undefined, code: string) => {
      const header = { msg_id: `forged-${Math.random()}`, msg_type: "execute_request", session: "s", username: "u", date: new Date().toISOString(), version: "5.3" };
      const message = { identities: [], header, parent_header: {}, metadata: {}, content: { code, silent: false }, buffers: [] };
      const frames = encode(message as never, key === undefined ? new Signer("") : new Signer(key));
      return frames;
    };
    await client.sendRaw("shell", forge(undefined, `console.log("${marker}")`)); // unsigned
    await client.sendRaw("shell", forge("wrong key", `console.log("${marker}")`)); // mis-signed
    const valid = forge(kernel.info.key, "1000 + 1");
    await client.sendRaw("shell", valid);
    const replayed = [...valid];
    replayed[replayed.length - 1] = Buffer.from(JSON.stringify({ code: `console.log("${marker}")`, silent: false }));
    await client.sendRaw("shell", replayed); // same signature, different content: fails the HMAC
    await client.sendRaw("shell", valid); // exact replay
    const garbage = [DELIMITER, signer.sign([Buffer.from("{"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]), "{", "{}", "{}", "{}"];
    await client.sendRaw("shell", garbage); // signed but not JSON
    await client.sendRaw("shell", ["no delimiter at all"]);
    await client.sendRaw("shell", [DELIMITER, "abc"]);
    await client.sendRaw("shell", [Buffer.from([0xff, 0x00, 0x13])]);
    const arrayHeader = [Buffer.from("[]"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
    await client.sendRaw("shell", [DELIMITER, signer.sign(arrayHeader), ...arrayHeader]);
    await client.sendRaw("control", forge("wrong key", "0"));
    await sleep(300);
    const after = await client.execute("0");
    // Only the one valid message ran: the count moved by it and by this cell.
    expect(after.reply.content.execution_count).toBe(before + 2);
    expect(client.iopubLog.some((m) => JSON.stringify(m.content).includes(marker))).toBe(false);
    const log = kernel.stderr();
    for (const reason of ["unsigned message", "invalid signature", "replayed message", "not valid JSON", "no <IDS|MSG> delimiter", "expected at least 5 frames", "header is not a JSON object"]) {
      expect(log).toContain(reason);
    }
  });

  it("answers malformed content with an error reply instead of failing", async () => {
    const { reply } = await client.request("shell", "execute_request", { code: 42 });
    expect(reply.content).toMatchObject({ status: "error", ename: "TypeError" });
    const history = await client.request("shell", "history_request", { hist_access_type: "sideways", output: false, raw: true });
    expect(history.reply.content.status).toBe("error");
    const unknown = client.send("shell", "no_such_request", {});
    const statuses = await client.collect(unknown.msg_id);
    expect(statuses.map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
    expect((await client.execute("2 + 2")).reply.content.status).toBe("ok");
  });

  it("keeps the heartbeat and control answering during a 3 s busy loop", async () => {
    const busy = client.execute("const t0 = Date.now(); while (Date.now() - t0 < 3000) {}");
    await sleep(500);
    const pings: number[] = [];
    for (let i = 0; i < 10; i++) {
      pings.push(await client.heartbeat(2000));
      await sleep(100);
    }
    const info = await client.request("control", "kernel_info_request", {}, 2000);
    expect(info.reply.content.status).toBe("ok");
    expect((await busy).reply.content.status).toBe("ok");
    pings.sort((a, b) => a - b);
    expect(pings[Math.floor(pings.length / 2)]!).toBeLessThan(100);
  });

  it("interrupts a synchronous loop, keeping earlier variables", async () => {
    await client.execute("let kept = 41;");
    const running = client.execute("while (true) {}");
    await sleep(400);
    const interrupt = await client.request("control", "interrupt_request", {});
    expect(interrupt.reply.content).toEqual({ status: "ok" });
    const { reply, outputs } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(outputs.map((m) => m.header.msg_type)).toEqual(["error"]);
    expect(text((await client.execute("kept + 1")).outputs)).toBe("42");
  });

  it("interrupts a forever-pending await", async () => {
    const running = client.execute("await new Promise(() => {});");
    await sleep(400);
    await client.request("control", "interrupt_request", {});
    expect((await running).reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(text((await client.execute("kept + 2")).outputs)).toBe("43");
  });

  it("interrupts a busy loop that runs after an await", async () => {
    const running = client.execute("await new Promise((r) => setTimeout(r, 10)); while (true) {}");
    await sleep(400);
    await client.request("control", "interrupt_request", {});
    expect((await running).reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(text((await client.execute("kept + 3")).outputs)).toBe("44");
  });

  it("interrupts a loop right after `await null`, and the next cell still runs", async () => {
    // The loop runs as a microtask queued behind nothing but the evaluator's own links, which the
    // termination that stops it also drops: the evaluator must not depend on them.
    const running = client.execute("await null; while (true) {}");
    await sleep(400);
    await client.request("control", "interrupt_request", {});
    expect((await running).reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(text((await client.execute("kept + 4")).outputs)).toBe("45");
    expect(text((await client.execute("const afterAwaitNull = 1; afterAwaitNull + kept")).outputs)).toBe("42");
  });

  it("interrupt clears a running setInterval and a busy timer callback", async () => {
    await client.execute("let ticks = 0; setInterval(() => { ticks++; }, 5);");
    await sleep(200);
    await client.request("control", "interrupt_request", {});
    await sleep(50);
    const a = Number(text((await client.execute("ticks")).outputs));
    await sleep(200);
    const b = Number(text((await client.execute("ticks")).outputs));
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
    await client.execute("setTimeout(() => { while (true) {} }, 10);");
    await sleep(300);
    await client.request("control", "interrupt_request", {});
    expect(text((await client.execute("kept + 4")).outputs)).toBe("45");
  });

  it("stops a loop on SIGINT sent to the process (signal-mode frontends)", async () => {
    const running = client.execute("while (true) {}");
    await sleep(400);
    kernel.process.kill("SIGINT");
    expect((await running).reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(text((await client.execute("kept + 5")).outputs)).toBe("46");
  });

  it("aborts queued executes after an error when stop_on_error is set", async () => {
    await client.execute("let sideEffect = 0;");
    const failing = client.execute('await new Promise((r) => setTimeout(r, 200)); throw new Error("first fails")');
    const queued1 = client.execute("sideEffect += 1");
    const queued2 = client.execute("sideEffect += 10");
    const [f, q1, q2] = await Promise.all([failing, queued1, queued2]);
    expect(f.reply.content.status).toBe("error");
    for (const q of [q1, q2]) {
      expect(q.reply.content).toEqual({ status: "aborted" }); // no execution_count: the prompt stays empty
      expect(q.outputs).toEqual([]);
    }
    expect(text((await client.execute("sideEffect")).outputs)).toBe("0");
    const lenient = client.execute('throw new Error("no stop")', { stop_on_error: false });
    const after = client.execute("sideEffect += 100; sideEffect");
    await lenient;
    expect(text((await after).outputs)).toBe("100");
  });

  it("reads input through input_request when the frontend allows stdin", async () => {
    const prompts: [string, boolean][] = [];
    const { outputs } = await client.execute('const who = input("Name: "); const pin = input("PIN: ", { password: true }); `${who}:${pin}`', {
      onInput: (prompt, password) => {
        prompts.push([prompt, password]);
        return password ? "1234" : "Ada";
      },
    });
    expect(prompts).toEqual([["Name: ", false], ["PIN: ", true]]);
    expect(text(outputs)).toBe("Ada:1234");
    const refused = await client.execute('input("x")', { allow_stdin: false });
    expect(refused.reply.content).toMatchObject({ status: "error", ename: "StdinNotImplementedError" });
  });

  it("interrupts a cell waiting for input", async () => {
    const header = client.send("shell", "execute_request", { code: 'input("never answered: ")', silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });
    const request = await client.inbox.stdin.take((m) => m.parent_header.msg_id === header.msg_id, 30_000, "input_request");
    expect(request.content).toEqual({ prompt: "never answered: ", password: false });
    await client.request("control", "interrupt_request", {});
    const reply = await client.reply("shell", header.msg_id);
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    await client.collect(header.msg_id);
    client.send("stdin", "input_reply", { value: "too late" }, { parent: request.header });
    const after = await client.execute("40 + 2");
    expect(text(after.outputs), JSON.stringify(after)).toBe("42");
  });

  it("runs comms both ways and lists them in comm_info", async () => {
    await client.execute('comms.registerTarget("echo", (comm, open) => { comm.send({ opened: open.data }); comm.onMsg((data) => comm.send({ echo: data })); });');
    const open = client.send("shell", "comm_open", { comm_id: "c1", target_name: "echo", data: { hello: 1 } });
    const openOut = await client.collect(open.msg_id);
    expect(openOut.find((m) => m.header.msg_type === "comm_msg")?.content).toMatchObject({ comm_id: "c1", data: { opened: { hello: 1 } } });
    const msg = client.send("shell", "comm_msg", { comm_id: "c1", data: { x: 2 } });
    const msgOut = await client.collect(msg.msg_id);
    expect(msgOut.find((m) => m.header.msg_type === "comm_msg")?.content).toMatchObject({ comm_id: "c1", data: { echo: { x: 2 } } });
    const info = await client.request("shell", "comm_info_request", { target_name: "echo" });
    expect(info.reply.content).toEqual({ status: "ok", comms: { c1: { target_name: "echo" } } });
    const other = await client.request("shell", "comm_info_request", { target_name: "other" });
    expect(other.reply.content.comms).toEqual({});
    const close = client.send("shell", "comm_close", { comm_id: "c1", data: {} });
    await client.collect(close.msg_id);
    expect((await client.request("shell", "comm_info_request", {})).reply.content.comms).toEqual({});
    const unknown = client.send("shell", "comm_open", { comm_id: "c2", target_name: "nobody", data: {} });
    const unknownOut = await client.collect(unknown.msg_id);
    expect(unknownOut.find((m) => m.header.msg_type === "comm_close")?.content).toMatchObject({ comm_id: "c2" });
    const { outputs } = await client.execute('const c = comms.open("plot", { a: 1 }); c.send({ b: 2 }); c.close();');
    expect(outputs.map((m) => m.header.msg_type)).toEqual(["comm_open", "comm_msg", "comm_close"]);
    expect(outputs[0]!.content).toMatchObject({ target_name: "plot", data: { a: 1 } });
  });

  it("sends output of a timer to the cell that started it, after that cell finished", async () => {
    const first = await client.execute('setTimeout(() => console.log("late from first"), 300); "started"');
    const second = await client.execute("1");
    const late = await client.inbox.iopub.take((m) => m.header.msg_type === "stream", 5000, "the late stream");
    expect(late.content.text).toBe("late from first\n");
    expect(late.parent_header.msg_id).toBe(first.reply.parent_header.msg_id);
    expect(late.parent_header.msg_id).not.toBe(second.reply.parent_header.msg_id);
  });

  it("reports an error thrown by a timer callback in its cell and stays up", async () => {
    const cell = await client.execute('setTimeout(() => { throw new Error("timer exploded"); }, 50);');
    const report = await client.inbox.iopub.take((m) => m.header.msg_type === "stream" && String(m.content.text).includes("timer exploded"), 5000, "the timer error");
    expect(report.content.name).toBe("stderr");
    expect(report.parent_header.msg_id).toBe(cell.reply.parent_header.msg_id);
    expect(text((await client.execute("kept")).outputs)).toBe("41");
  });

  it("turns process.exit() in a cell into an error instead of dying", async () => {
    const { reply } = await client.execute("process.exit(3)");
    expect(reply.content).toMatchObject({ status: "error", ename: "SystemExit" });
    expect((await client.execute("1 + 1")).reply.content.status).toBe("ok");
  });

  it("truncates a 100 MB print with a note and keeps answering", async () => {
    const started = performance.now();
    const { reply, outputs } = await client.execute('console.log("x".repeat(100_000_000)); "done"', { timeout: 60_000 });
    expect(reply.content.status).toBe("ok");
    const out = streamText(outputs, "stdout");
    expect(out.length).toBeLessThanOrEqual(1_000_000);
    expect(out.length).toBeGreaterThan(900_000);
    expect(streamText(outputs, "stderr")).toMatch(/output truncated[\s\S]*99,000,001 characters of output were dropped/);
    expect(text(outputs)).toBe("done");
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(await client.heartbeat()).toBeLessThan(1000);
    expect(text((await client.execute("kept")).outputs)).toBe("41");
  });
});

describe("tsorch kernel lifecycle", () => {
  it("keeps history across a restart, with session numbers and ranges", async () => {
    const historyFile = join(historyDir, "restart.jsonl");
    const first = await launchKernel({ env: env({ TSORCH_HISTORY: historyFile }) });
    await first.client.execute("const before = 'restart'");
    await first.client.execute("before.length");
    const tailBefore = await first.client.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: true, raw: true });
    const [[session1, line1, entry]] = tailBefore.reply.content.history as [number, number, [string, string | null]][];
    expect(entry).toEqual(["const before = 'restart'", null]);
    expect(line1).toBe(1);
    const shutdown = first.client.send("control", "shutdown_request", { restart: true });
    expect((await first.client.reply("control", shutdown.msg_id)).content).toEqual({ status: "ok", restart: true });
    expect(await first.exited, first.stderr()).toBe(0);
    first.client.close();

    const second = await launchKernel({ env: env({ TSORCH_HISTORY: historyFile }) });
    try {
      await second.client.execute("1 + 1");
      const tail = await second.client.request("shell", "history_request", { hist_access_type: "tail", n: 3, output: true, raw: true });
      const rows = tail.reply.content.history as [number, number, [string, string | null]][];
      expect(rows.map((r) => r[2][0])).toEqual(["const before = 'restart'", "before.length", "1 + 1"]);
      expect(rows[1]![2][1]).toBe("7");
      expect(rows[2]![0]).toBe(session1 + 1);
      const previous = await second.client.request("shell", "history_request", { hist_access_type: "range", session: -1, start: 2, stop: 3, output: false, raw: true });
      expect(previous.reply.content.history).toEqual([[session1, 2, "before.length"]]);
      const search = await second.client.request("shell", "history_request", { hist_access_type: "search", pattern: "before*", output: false, raw: true, unique: true });
      expect((search.reply.content.history as unknown[]).length).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it("replies to shutdown_request on control and on IOPub, then exits 0", async () => {
    const kernel = await launchKernel({ env: env() });
    const header = kernel.client.send("control", "shutdown_request", { restart: false });
    const reply = await kernel.client.reply("control", header.msg_id);
    expect(reply.content).toEqual({ status: "ok", restart: false });
    const broadcast = await kernel.client.inbox.iopub.take((m) => m.header.msg_type === "shutdown_reply", 5000, "shutdown_reply on IOPub");
    expect(broadcast.parent_header.msg_id).toBe(header.msg_id);
    expect(await kernel.exited, kernel.stderr()).toBe(0);
    kernel.client.close();
  });

  it("shuts down even while a cell spins", async () => {
    const kernel = await launchKernel({ env: env() });
    void kernel.client.execute("while (true) {}").catch(() => undefined);
    await sleep(300);
    const started = performance.now();
    kernel.client.send("control", "shutdown_request", { restart: false });
    expect(await kernel.exited, kernel.stderr()).toBe(0);
    expect(performance.now() - started).toBeLessThan(6000);
    kernel.client.close();
  });

  it("exits 0 when shut down while TypeScript is still loading, without cutting the process loose", async () => {
    const kernel = await launchKernel({ env: env() });
    const header = kernel.client.send("control", "shutdown_request", { restart: false });
    expect((await kernel.client.reply("control", header.msg_id)).content).toEqual({ status: "ok", restart: false });
    expect(await kernel.exited, kernel.stderr()).toBe(0);
    expect(kernel.stderr()).not.toContain("terminating the process");
    kernel.client.close();
  });

  it("reports a type error in the very first cell as the cell's error, also when the cell ran before the checker was ready", async () => {
    const kernel = await launchKernel({ env: env() });
    try {
      const first = await kernel.client.execute('const early: number = "seven" as any as string; early');
      // Before the project is built the cell runs unchecked and is checked before its reply;
      // a kernel that was already warm checks it first. Either way the reply is the type error.
      expect(first.reply.content.status).toBe("error");
      expect(first.reply.content.ename).toBe("TSError");
      expect(String(first.reply.content.evalue)).toContain("TS2322");
      const ran = text(first.outputs) !== undefined;
      if (ran) {
        expect(text(first.outputs)).toBe("seven");
        const errors = first.outputs.filter((m) => m.header.msg_type === "error");
        expect(errors).toHaveLength(1);
        expect(stripAnsi((errors[0]!.content.traceback as string[]).join("\n"))).toContain("found after the cell ran");
      }
      // The next cell is checked as usual: `early` exists only if the cell ran, typed as declared.
      const next = await kernel.client.execute("const n: number = early; typeof n");
      expect(next.reply.content.status).toBe(ran ? "ok" : "error");
      if (ran) expect(text(next.outputs)).toBe("string");
    } finally {
      await kernel.stop();
    }
  });

  it("survives an interrupt while TypeScript is still loading", async () => {
    const kernel = await launchKernel({ env: env() });
    try {
      const interrupt = await kernel.client.request("control", "interrupt_request", {});
      expect(interrupt.reply.content).toEqual({ status: "ok" });
      await sleep(1500);
      expect(text((await kernel.client.execute("const early: number = 5; early * 2")).outputs)).toBe("10");
      expect(kernel.stderr()).not.toContain("terminating its current execution");
    } finally {
      await kernel.stop();
    }
  });

  it("works over ipc and without a signing key", async () => {
    const ipc = await launchKernel({ env: env(), transport: "ipc" });
    try {
      expect(text((await ipc.client.execute("2 ** 10")).outputs)).toBe("1024");
    } finally {
      await ipc.stop();
    }
    const unsigned = await launchKernel({ env: env(), key: "" });
    try {
      expect(text((await unsigned.client.execute("3 * 3")).outputs)).toBe("9");
      expect(unsigned.client.refused).toEqual([]);
    } finally {
      await unsigned.stop();
    }
  });

  it("runs another evaluator named by TSORCH_EVALUATOR, and stays up when none loads", async () => {
    const plain = await launchKernel({ env: env({ TSORCH_EVALUATOR: join(import.meta.dirname, "jupyter", "js-evaluator.mjs") }) });
    try {
      expect(text((await plain.client.execute("[1, 2, 3].length")).outputs)).toBe("3");
    } finally {
      await plain.stop();
    }
    const broken = await launchKernel({ env: env({ TSORCH_EVALUATOR: "/nonexistent/evaluator.mjs" }) });
    try {
      const { reply } = await broken.client.execute("1 + 1");
      expect(reply.content).toMatchObject({ status: "error", ename: "KernelError" });
      expect(String(reply.content.evalue)).toContain("could not be loaded");
      const info = await broken.client.request("shell", "kernel_info_request", {});
      expect(info.reply.content.status).toBe("ok");
    } finally {
      await broken.stop();
    }
  });

  it("fails clearly on a bad connection file", async () => {
    const { spawnSync } = await import("node:child_process");
    const result = spawnSync(process.execPath, [cliPath(), "kernel", "--connection-file", "/nonexistent/connection.json"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot read connection file /nonexistent/connection.json");
  });
});
