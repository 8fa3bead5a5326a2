/**
 * Faults from outside the kernel: its launcher dying (during start-up and later), kill -9 in
 * the middle of a cell (history and a notebook `tsorch run -i` is writing stay readable and
 * complete up to the last finished write), a full disk for history, a connection file whose
 * port is taken, and two clients sending at once.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KernelClient, launchKernel, makeConnectionInfo } from "../kernel/client.js";
import { HistoryStore } from "../kernel/history.js";
import { cliPath } from "../kernel/paths.js";
import { tsorch, validateNotebook } from "./run-support.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), "tsorch-faults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, test: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!test()) {
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
  return performance.now() - started;
}

/**
 * A launcher (a shell) that starts the kernel in the background, prints its pid, then either
 * exits at once or waits to be killed. `jupyter`: set JPY_PARENT_PID to the shell, as jupyter_client does.
 */
async function launchThroughShell(options: { exitAtOnce: boolean; jupyter: boolean }) {
  const info = await makeConnectionInfo();
  const file = join(dir, `launcher-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(info));
  const script = `${options.jupyter ? "JPY_PARENT_PID=$$ " : ""}"${process.execPath}" "${cliPath()}" kernel -f "${file}" >/dev/null 2>&1 & echo $!; ${options.exitAtOnce ? "exit 0" : "exec sleep 600"}`;
  const env = { ...process.env };
  delete env.JPY_PARENT_PID;
  const shell = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "ignore"], env });
  const pid = await new Promise<number>((resolve) => shell.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { shell, kernelPid: pid, info };
}

describe("the kernel's launcher goes away", () => {
  it("exits when the launcher is already gone during start-up (JPY_PARENT_PID)", async () => {
    const { kernelPid } = await launchThroughShell({ exitAtOnce: true, jupyter: true });
    const ms = await waitFor("the orphaned kernel to exit", () => !alive(kernelPid), 30_000);
    console.log(`launcher gone before start-up: the kernel exited ${(ms / 1000).toFixed(1)} s after it was started`);
  });

  for (const jupyter of [true, false]) {
    it(`exits within a second or two when the launcher is killed later (${jupyter ? "JPY_PARENT_PID" : "parent pid only"})`, async () => {
      const { shell, kernelPid, info } = await launchThroughShell({ exitAtOnce: false, jupyter });
      const client = new KernelClient(info);
      try {
        await client.connect(30_000);
        const { reply } = await client.execute("1 + 1");
        expect(reply.content.status).toBe("ok");
      } finally {
        client.close();
      }
      shell.kill("SIGKILL");
      const ms = await waitFor("the orphaned kernel to exit", () => !alive(kernelPid), 15_000);
      console.log(`launcher killed (${jupyter ? "JPY_PARENT_PID" : "parent pid"}): the kernel exited ${ms.toFixed(0)} ms later`);
      expect(ms).toBeLessThan(10_000);
    });
  }
});

describe("kill -9 in the middle of a cell", () => {
  it("leaves the history file readable and complete up to the last finished write", async () => {
    const history = join(dir, "kill-history.jsonl");
    const kernel = await launchKernel({ env: { TSORCH_HISTORY: history } });
    for (let i = 1; i <= 5; i++) expect((await kernel.client.execute(`const v${i} = ${i}; v${i} * 10`)).reply.content.status).toBe("ok");
    kernel.client.send("shell", "execute_request", { code: "let spin = 0; while (true) spin++", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await waitFor("the spinning cell to be recorded", () => readFileSync(history, "utf8").includes("while (true)"), 20_000);
    kernel.process.kill("SIGKILL");
    await kernel.exited;
    kernel.client.close();
    const after = new HistoryStore(history);
    const rows = after.range(-1, 1, undefined, { output: true });
    expect(rows).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => [1, i, [`const v${i} = ${i}; v${i} * 10`, String(i * 10)]]),
      [1, 6, ["let spin = 0; while (true) spin++", null]],
    ]);
  });

  it("leaves the notebook `tsorch run -i` was given whole, as last written", async () => {
    const path = join(dir, "killed.ipynb");
    const cell = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
    const original = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell('console.log("one")'), cell("2 + 2"), cell("while (true) {}"), cell('"never"')] };
    writeFileSync(path, JSON.stringify(original));
    const run = spawn(process.execPath, [cliPath(), "run", path, "-i", "--color", "never"], {
      env: { ...process.env, TSORCH_HISTORY: join(dir, "run-history.jsonl") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    run.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    run.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const code = new Promise<number | null>((resolve) => run.on("close", resolve));
    // The kernel is the run's child: kill it once the spinning cell has started.
    let kernelPid: number | undefined;
    await waitFor("cell 3 to start", () => out.includes("[3/4]"), 60_000).catch(() => undefined);
    await waitFor("the kernel process", () => {
      const ps = spawnSync("ps", ["-o", "pid=", "--ppid", String(run.pid)], { encoding: "utf8" }).stdout.trim();
      kernelPid = ps ? Number(ps.split(/\s+/)[0]) : undefined;
      return kernelPid !== undefined;
    }, 10_000).catch(() => undefined);
    await sleep(1000);
    if (kernelPid !== undefined) process.kill(kernelPid, "SIGKILL");
    const result = { code: await code, stdout: out, stderr: "" };
    expect(kernelPid, "the kernel process was not found").toBeDefined();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/the kernel died while running cell 3/);
    // -i writes over the notebook only when every cell ran: it is left exactly as it was last written.
    expect(readFileSync(path, "utf8")).toBe(JSON.stringify(original));
    expect(result.stdout).toContain("left as it was: the run did not finish");
    validateNotebook(path);
    expect(readdirNoTemp(dir)).toBe(true);
  });
});

/** No temporary notebook (`.name.pid.tmp`) was left behind. */
function readdirNoTemp(where: string): boolean {
  return !spawnSync("ls", ["-a", where], { encoding: "utf8" }).stdout.split("\n").some((f) => f.endsWith(".tmp"));
}

describe("a full disk for history", () => {
  it("keeps history in memory, warns once, and keeps working", async () => {
    const kernel = await launchKernel({ env: { TSORCH_HISTORY: "/dev/full" } });
    try {
      for (let i = 1; i <= 4; i++) expect((await kernel.client.execute(`${i} * 3`)).reply.content.status).toBe("ok");
      const { reply } = await kernel.client.request("shell", "history_request", { hist_access_type: "tail", n: 10, output: true, raw: true });
      expect((reply.content.history as unknown[]).map((r) => (r as [number, number, [string, string]])[2])).toEqual([["1 * 3", "3"], ["2 * 3", "6"], ["3 * 3", "9"], ["4 * 3", "12"]]);
      const warnings = kernel.stderr().split("\n").filter((l) => l.includes("is not writable"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/history file \/dev\/full is not writable \(ENOSPC.*\); history is kept in memory only/);
    } finally {
      await kernel.stop();
    }
  });
});

describe("a connection file whose port is taken", () => {
  it("fails at once with a clear error naming the port", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const info = { ...(await makeConnectionInfo()), hb_port: port };
      const file = join(dir, "busy.json");
      writeFileSync(file, JSON.stringify(info));
      const result = await tsorch(["kernel", "--connection-file", file], { timeoutMs: 30_000 });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`tsorch kernel: cannot listen on tcp://127.0.0.1:${port} (hb_port of the connection file): the port is already in use by another process`);
      console.log(`port in use: the kernel exited with status 1 in ${result.ms.toFixed(0)} ms`);
    } finally {
      server.close();
    }
  });
});

describe("two clients at once", () => {
  it("answers each on its own identity, with one execution count sequence and the right parents", async () => {
    const kernel = await launchKernel();
    const second = new KernelClient(kernel.info);
    try {
      await second.connect(30_000);
      const a = kernel.client;
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => [a.execute(`const fromA${i} = ${i}; "A" + fromA${i}`), second.execute(`const fromB${i} = ${i}; "B" + fromB${i}`)]).flat(),
      );
      const counts = runs.map((r) => r.reply.content.execution_count as number);
      expect(new Set(counts).size).toBe(20);
      expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      runs.forEach((r, k) => {
        const who = k % 2 === 0 ? "A" : "B";
        const result = r.outputs.find((m) => m.header.msg_type === "execute_result");
        expect((result?.content.data as Record<string, string>)["text/plain"]).toBe(`${who}${Math.floor(k / 2)}`);
      });
      // Both clients see every result on IOPub, each with its own request as parent.
      expect(second.iopubLog.filter((m) => m.header.msg_type === "execute_result").length).toBeGreaterThanOrEqual(20);
      // Each one's variables are the kernel's: the other client sees them.
      const cross = await second.execute("fromA9 + fromB9");
      expect((cross.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, string>)["text/plain"]).toBe("18");
      expect(a.refused).toEqual([]);
      expect(second.refused).toEqual([]);
    } finally {
      second.close();
      await kernel.stop();
    }
  });
});
