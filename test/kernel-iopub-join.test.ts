/**
 * A client that sends its first cell before its IOPub subscription has reached the kernel (ZeroMQ
 * connects in the background; jupyter console types the first cell as soon as kernel_info is
 * answered) still gets that cell's output: shell requests wait for the first subscription, once,
 * and only for a moment.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { afterAll, describe, expect, it } from "vitest";
import { makeConnectionInfo } from "../kernel/client.js";
import { endpoint } from "../kernel/connection.js";
import type { Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";
import { decode, encode, ReplayGuard, Signer } from "../kernel/wire.js";

const dir = mkdtempSync(join(tmpdir(), "tsorch-iopub-join-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a late IOPub subscriber", () => {
  it("still receives the output of a cell sent before it subscribed", async () => {
    const info = await makeConnectionInfo();
    const file = join(dir, "connection.json");
    writeFileSync(file, JSON.stringify(info));
    const child = spawn(process.execPath, [cliPath(), "kernel", "--connection-file", file], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const signer = new Signer(info.key);
    const replay = new ReplayGuard();
    const session = randomUUID();
    let n = 0;
    const request = (msg_type: string, content: object) => {
      const header = { msg_id: `${session}_${++n}`, msg_type, session, username: "test", date: new Date().toISOString(), version: "5.4" };
      return { header, frames: encode({ identities: [], header, parent_header: {}, metadata: {}, content, buffers: [] }, signer) };
    };
    const shell = new zmq.Dealer({ linger: 0, receiveTimeout: 20_000, routingId: session });
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
    try {
      shell.connect(endpoint(info, info.shell_port));
      // The kernel answers kernel_info at once; nothing listens on IOPub yet.
      const hello = request("kernel_info_request", {});
      await shell.send(hello.frames);
      const decoded = (frames: Buffer[]): Message => {
        const result = decode(frames, signer, replay);
        if (!result.ok) throw new Error(result.reason);
        return result.message;
      };
      expect(decoded(await shell.receive()).header.msg_type).toBe("kernel_info_reply");
      const cell = request("execute_request", { code: "6 * 7 + 0.5", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
      const sentAt = performance.now();
      await shell.send(cell.frames);
      // The subscription arrives a little later, as a background connect does.
      await sleep(150);
      sub.connect(endpoint(info, info.iopub_port));
      sub.subscribe();
      const seen: Message[] = [];
      while (!seen.some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle" && m.parent_header.msg_id === cell.header.msg_id)) {
        seen.push(decoded(await sub.receive()));
      }
      const waited = performance.now() - sentAt;
      const result = seen.find((m) => m.header.msg_type === "execute_result");
      expect(result, log).toBeDefined();
      expect((result!.content.data as Record<string, string>)["text/plain"]).toBe("42.5");
      // Busy came to the subscriber too: the cell started after it joined.
      expect(seen.some((m) => m.header.msg_type === "status" && m.content.execution_state === "busy" && m.parent_header.msg_id === cell.header.msg_id)).toBe(true);
      const reply = decoded(await shell.receive());
      expect(reply.content).toMatchObject({ status: "ok", execution_count: 1 });
      expect(waited).toBeGreaterThan(150);
    } finally {
      shell.close();
      sub.close();
      child.kill("SIGKILL");
    }
  }, 60_000);
});
