/**
 * Protocol fuzz: more than 10,000 hostile or broken messages on shell, control and stdin, from
 * many identities. Random bytes, wrong frame counts, missing, bad and wrong-key signatures,
 * replays, and correctly signed messages that are corrupt, mistyped, `__proto__`-laden or
 * nested 10,000 levels deep. Asserted: nothing is executed, every signed request gets a reply or
 * a logged refusal, nothing unsigned is answered, and afterwards the kernel still has its
 * variables, its heartbeat and its next execution count.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchKernel, type LaunchedKernel } from "../kernel/client.js";
import { endpoint } from "../kernel/connection.js";
import { makeHeader } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";
import { decode, DELIMITER, ReplayGuard, Signer } from "../kernel/wire.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const TOTAL = 10_200;
const CHANNELS = ["shell", "control", "stdin"] as const;
type RequestChannel = (typeof CHANNELS)[number];

/** A seeded generator, so a failing run can be repeated. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const deep = (levels: number, leaf = "1") => "[".repeat(levels) + leaf + "]".repeat(levels);
const MARKER = "globalThis.__fuzzExecuted = (globalThis.__fuzzExecuted ?? 0) + 1";

/** What the kernel owes a message: a reply (by msg_id), a refusal in its log, or nothing at all (unauthenticated). */
type Expect = { kind: "reply"; msgId: string } | { kind: "log"; pattern: RegExp } | { kind: "silence" };

interface Fuzzed {
  frames: Buffer[];
  expect: Expect;
  category: string;
}

describe("protocol fuzz", () => {
  let kernel: LaunchedKernel;
  let logText = "";
  const historyDir = mkdtempSync(join(tmpdir(), "tsorch-fuzz-"));

  beforeAll(async () => {
    kernel = await launchKernel({ env: { TSORCH_HISTORY: join(historyDir, "history.jsonl"), TSORCH_LOG: "warn" } });
    kernel.process.stderr!.on("data", (d: Buffer) => (logText += d.toString()));
  });

  afterAll(async () => {
    await kernel?.stop();
    rmSync(historyDir, { recursive: true, force: true });
  });

  it(`survives ${TOTAL} fuzzed messages without executing or answering any forgery`, async () => {
    const client = kernel.client;
    const before = await client.execute("const keep = 41; keep + 1");
    expect(before.reply.content.status).toBe("ok");
    const countBefore = before.reply.content.execution_count as number;

    const random = mulberry32(20261207);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const signer = client.signer;
    const wrongKey = new Signer(randomUUID());
    const session = randomUUID();
    const header = (msgType: string, extra: object = {}) => ({ ...makeHeader(msgType, { session, username: "fuzz" }), ...extra });
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const signed = (dicts: Buffer[], buffers: Buffer[] = []) => [Buffer.from(DELIMITER), Buffer.from(signer.sign(dicts)), ...dicts, ...buffers];
    const dictsOf = (h: object, content: unknown = {}, parent: unknown = {}, metadata: unknown = {}) => [json(h), json(parent), json(metadata), json(content)];

    // A real, signed message captured once: replayed below from other identities.
    const captured = signed(dictsOf(header("execute_request"), { code: MARKER, silent: false }));
    await client.sendRaw("shell", captured.map((f) => f));
    const capturedReply = await client.inbox.shell.take((m) => m.header.msg_type === "execute_reply" && m.content.execution_count === countBefore + 1, 30_000, "the captured request's reply");
    expect(capturedReply.content.status).toBe("ok");
    await client.execute("delete (globalThis as any).__fuzzExecuted", { store_history: false });

    const requestTypes = ["kernel_info_request", "execute_request", "interrupt_request", "shutdown_request", "complete_request", "inspect_request", "history_request", "is_complete_request", "comm_info_request"];

    function make(channel: RequestChannel): Fuzzed {
      const category = pick([
        "random-bytes", "bad-hmac", "no-hmac", "wrong-key", "frame-count", "replay",
        "signed-corrupt-json", "signed-corrupt-header", "signed-wrong-types", "signed-proto", "signed-deep", "signed-bad-code", "signed-unknown", "signed-non-object",
      ] as const);
      const type = pick(requestTypes);
      const h = header(type);
      const content = { code: MARKER, silent: false, store_history: true, restart: false };
      const routed = channel !== "stdin";
      const reply: Expect = { kind: "reply", msgId: h.msg_id };
      switch (category) {
        case "random-bytes":
          return { category, expect: { kind: "silence" }, frames: Array.from({ length: 1 + Math.floor(random() * 8) }, () => randomBytes(Math.floor(random() * 64))) };
        case "bad-hmac":
          return { category, expect: { kind: "silence" }, frames: [Buffer.from(DELIMITER), Buffer.from(randomBytes(32).toString("hex")), ...dictsOf(h, content)] };
        case "no-hmac":
          return { category, expect: { kind: "silence" }, frames: [Buffer.from(DELIMITER), Buffer.alloc(0), ...dictsOf(h, content)] };
        case "wrong-key": {
          const dicts = dictsOf(h, content);
          return { category, expect: { kind: "silence" }, frames: [Buffer.from(DELIMITER), Buffer.from(wrongKey.sign(dicts)), ...dicts] };
        }
        case "frame-count": {
          const dicts = dictsOf(h, content).slice(0, Math.floor(random() * 4));
          return { category, expect: { kind: "silence" }, frames: [Buffer.from(DELIMITER), Buffer.from(signer.sign(dicts)), ...dicts] };
        }
        case "replay":
          return { category, expect: { kind: "silence" }, frames: captured };
        case "signed-corrupt-json": {
          // The header is fine, another dictionary is not JSON: refused with an error reply.
          const dicts = dictsOf(h, content);
          const at = 1 + Math.floor(random() * 3);
          dicts[at] = Buffer.concat([dicts[at]!.subarray(0, Math.max(1, dicts[at]!.length - 1 - Math.floor(random() * 3))), randomBytes(2)]);
          if (!routed) return { category, expect: { kind: "log", pattern: /refused \S+ \S+ on stdin/ }, frames: signed(dicts) };
          return { category, expect: reply, frames: signed(dicts) };
        }
        case "signed-corrupt-header": {
          const dicts = dictsOf(h, content);
          dicts[0] = Buffer.from(`{"msg_id": "${h.msg_id}", "msg_type": ${random() < 0.5 ? "[" : "nul"}`);
          return { category, expect: { kind: "log", pattern: /dropped a message on \w+: header is not valid JSON/ }, frames: signed(dicts) };
        }
        case "signed-wrong-types": {
          if (random() < 0.5) {
            // No usable msg_type: nothing to answer with, so a logged refusal.
            return { category, expect: { kind: "log", pattern: /dropped a message on \w+: header\.msg_(type|id) must be a non-empty string/ }, frames: signed(dictsOf({ ...h, msg_type: pick([7, null, [], {}, ""]) }, content)) };
          }
          const bad = { ...h, [pick(["session", "username", "version", "date"])]: pick([5, true, [1], { a: 1 }]) };
          if (!routed) return { category, expect: { kind: "log", pattern: /refused \S+ \S+ on stdin/ }, frames: signed(dictsOf(bad, content)) };
          return { category, expect: reply, frames: signed(dictsOf(bad, content)) };
        }
        case "signed-proto": {
          // JSON.parse makes "__proto__" an own key; nothing must reach a prototype or run.
          const pt = routed ? "execute_request" : "input_reply";
          const ph = header(pt);
          const dicts = [
            Buffer.from(JSON.stringify(ph).replace(/}$/, `, "__proto__": {"msg_type": "shutdown_request", "polluted": 1}}`)),
            Buffer.from(`{"__proto__": {"msg_id": "x"}}`),
            Buffer.from(`{"__proto__": {"deletedCells": 1}}`),
            Buffer.from(`{"__proto__": {"code": ${JSON.stringify(MARKER)}, "silent": false}, "constructor": {"prototype": {"code": 1}}}`),
          ];
          if (!routed) return { category, expect: { kind: "log", pattern: /input_reply arrived while no input was requested/ }, frames: signed(dicts) };
          if (channel === "control") return { category, expect: { kind: "log", pattern: /unsupported control message execute_request/ }, frames: signed(dicts) };
          return { category, expect: { kind: "reply", msgId: ph.msg_id }, frames: signed(dicts) };
        }
        case "signed-deep": {
          const where = Math.floor(random() * 4);
          const levels = pick([65, 1000, 10_000, 50_000]);
          const h2 = where === 0 ? { ...h, nested: "@@" } : h;
          const dicts = dictsOf(h2, where === 3 ? { ...content, nested: "@@" } : content, where === 1 ? { nested: "@@" } : {}, where === 2 ? { nested: "@@" } : {});
          dicts[where] = Buffer.from(dicts[where]!.toString().replace('"@@"', deep(levels)));
          if (!routed) return { category, expect: { kind: "log", pattern: /refused \S+ \S+ on stdin: \w+ nests deeper/ }, frames: signed(dicts) };
          return { category, expect: reply, frames: signed(dicts) };
        }
        case "signed-bad-code": {
          const eh = header(routed ? "execute_request" : "input_reply");
          const dicts = dictsOf(eh, { code: pick([5, null, [MARKER], { toString: MARKER }, true]), silent: pick([false, "no", 0]) });
          if (!routed) return { category, expect: { kind: "log", pattern: /input_reply arrived while no input was requested/ }, frames: signed(dicts) };
          if (channel === "control") return { category, expect: { kind: "log", pattern: /unsupported control message execute_request/ }, frames: signed(dicts) };
          return { category, expect: { kind: "reply", msgId: eh.msg_id }, frames: signed(dicts) };
        }
        case "signed-unknown": {
          const uh = header(`fuzz_${Math.floor(random() * 1000)}_request`);
          const pattern = channel === "stdin" ? /unexpected fuzz_\d+_request on stdin/ : new RegExp(`unsupported ${channel} message fuzz_\\d+_request`);
          return { category, expect: { kind: "log", pattern }, frames: signed(dictsOf(uh, content)) };
        }
        case "signed-non-object": {
          const dicts = dictsOf(h, pick([[1, 2], "code", 42, null]));
          if (!routed) return { category, expect: { kind: "log", pattern: /refused \S+ \S+ on stdin: content is not a JSON object/ }, frames: signed(dicts) };
          return { category, expect: reply, frames: signed(dicts) };
        }
      }
    }

    // Several identities per channel, as many clients would be; the replay category adds new ones.
    const replies = new Map<string, number>();
    const forged: string[] = [];
    const sockets: { channel: RequestChannel; socket: zmq.Dealer }[] = [];
    const verify = new ReplayGuard();
    const listen = async (socket: zmq.Dealer) => {
      try {
        for await (const frames of socket) {
          const result = decode(frames, signer, verify);
          if (!result.ok) {
            forged.push(result.reason);
            continue;
          }
          const id = result.message.parent_header.msg_id;
          if (typeof id === "string") replies.set(id, (replies.get(id) ?? 0) + 1);
        }
      } catch {
        // closed
      }
    };
    const open = (channel: RequestChannel) => {
      const socket = new zmq.Dealer({ routingId: `fuzz-${channel}-${sockets.length}-${randomUUID()}`, linger: 0 });
      socket.connect(endpoint(kernel.info, kernel.info[`${channel}_port`]));
      sockets.push({ channel, socket });
      void listen(socket);
      return socket;
    };
    const pools = Object.fromEntries(CHANNELS.map((c) => [c, [open(c), open(c), open(c)]])) as Record<RequestChannel, zmq.Dealer[]>;

    const sent: Fuzzed[] = [];
    const counts: Record<string, number> = {};
    const started = performance.now();
    let hbWorst = 0;
    for (let i = 0; i < TOTAL; i++) {
      const channel = CHANNELS[i % 3]!;
      const fuzzed = make(channel);
      const socket = fuzzed.category === "replay" && random() < 0.2 ? open(channel) : pick(pools[channel]);
      await socket.send(fuzzed.frames);
      sent.push(fuzzed);
      counts[fuzzed.category] = (counts[fuzzed.category] ?? 0) + 1;
      if (i % 1000 === 999) hbWorst = Math.max(hbWorst, await client.heartbeat(10_000));
    }
    const sendMs = performance.now() - started;

    // Every reply owed arrives; then a normal request, queued behind them all, proves the shell caught up.
    const owed = sent.filter((f) => f.expect.kind === "reply").map((f) => (f.expect as { msgId: string }).msgId);
    const deadline = Date.now() + 60_000;
    while (owed.some((id) => !replies.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const after = await client.execute("keep + 1");
    const totalMs = performance.now() - started;

    const missing = owed.filter((id) => !replies.has(id));
    expect(missing.slice(0, 5), `${missing.length} signed requests got no reply`).toEqual([]);
    expect([...replies.values()].every((n) => n === 1), "a request was answered twice").toBe(true);
    // Nothing was answered that was not owed: no forged, replayed or malformed-unrouted message got a reply.
    expect(replies.size).toBe(new Set(owed).size);
    expect(forged, "the kernel sent frames that do not verify").toEqual([]);

    // Every signed message not answered was refused in the log.
    const logged = sent.filter((f) => f.expect.kind === "log");
    const byPattern = new Map<string, { pattern: RegExp; n: number }>();
    for (const f of logged) {
      const p = (f.expect as { pattern: RegExp }).pattern;
      const entry = byPattern.get(p.source) ?? { pattern: p, n: 0 };
      entry.n += 1;
      byPattern.set(p.source, entry);
    }
    // Refusals on control and stdin are logged by their own socket loops, which may still be catching up.
    const logDeadline = Date.now() + 30_000;
    const short = () => [...byPattern.values()].some(({ pattern, n }) => logText.split("\n").filter((l) => pattern.test(l)).length < n);
    while (short() && Date.now() < logDeadline) await new Promise((r) => setTimeout(r, 250));
    const lines = logText.split("\n");
    for (const { pattern, n } of byPattern.values()) {
      expect(lines.filter((l) => pattern.test(l)).length, `log lines for ${pattern}`).toBeGreaterThanOrEqual(n);
    }

    // Nothing ran: the marker is unset, and the execution count moved by exactly the one real cell.
    expect(after.reply.content.status).toBe("ok");
    expect(after.reply.content.execution_count).toBe(countBefore + 2);
    expect((after.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, string>)["text/plain"]).toBe("42");
    const marker = await client.execute("String((globalThis as any).__fuzzExecuted)", { store_history: false });
    expect((marker.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, string>)["text/plain"]).toBe("undefined");
    expect(kernel.process.exitCode).toBe(null);
    const hb = await client.heartbeat();
    expect(logText).not.toMatch(/I\/O thread error|RangeError|Maximum call stack/);

    for (const { socket } of sockets) socket.close();
    const signedCount = sent.filter((f) => f.expect.kind !== "silence").length;
    console.log(
      `fuzz: ${TOTAL} messages (${sent.reduce((n, f) => n + f.frames.length, 0)} frames) on shell/control/stdin from ${sockets.length} identities, ` +
        `sent in ${(sendMs / 1000).toFixed(1)} s, all handled in ${(totalMs / 1000).toFixed(1)} s; ` +
        `${signedCount} signed: ${owed.length} answered with a reply, ${logged.length} refused in the log; ` +
        `${TOTAL - signedCount} unauthenticated, none answered; 0 executed; heartbeat worst ${hbWorst.toFixed(1)} ms during, ${hb.toFixed(1)} ms after\n` +
        `  by category: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    );
  });
});
