/**
 * tsorch behind a real `jupyter server`, driven the way JupyterLab drives kernels: through
 * `@jupyterlab/services` (REST + the kernel websocket). Start, execute, rich display with a PNG,
 * interrupt, restart, sessions, shutdown.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { KernelManager, ServerConnection, SessionManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { freePorts } from "../kernel/client.js";
import { JUPYTER, jupyterSandbox, requireJupyter } from "./jupyter/environment.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 2x2 PNG (red, green / blue, white), shown through the display symbol. */
const PNG_2X2 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC";

async function run(kernel: Kernel.IKernelConnection, code: string) {
  const future = kernel.requestExecute({ code, stop_on_error: true });
  const iopub: KernelMessage.IIOPubMessage[] = [];
  future.onIOPub = (msg) => void iopub.push(msg);
  const reply = await future.done;
  return { reply: reply.content as KernelMessage.IExecuteReply & { ename?: string }, iopub };
}

function plain(iopub: KernelMessage.IIOPubMessage[], type = "execute_result"): string | undefined {
  const msg = iopub.find((m) => m.header.msg_type === type);
  return (msg?.content as { data?: Record<string, string> } | undefined)?.data?.["text/plain"];
}

describe("jupyter server with @jupyterlab/services", () => {
  let server: ChildProcess;
  let log = "";
  let settings: ServerConnection.ISettings;
  let kernels: KernelManager;
  let sandbox: ReturnType<typeof jupyterSandbox>;

  beforeAll(async () => {
    requireJupyter(["jupyter_server"], ["server"]);
    sandbox = jupyterSandbox();
    const [port] = await freePorts(1);
    const token = randomUUID();
    server = spawn(JUPYTER, ["server", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--ServerApp.token=${token}`, `--ServerApp.root_dir=${sandbox.dir}`, "--ServerApp.port_retries=0", ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], { env: sandbox.env });
    server.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const baseUrl = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`jupyter server exited:\n${log}`);
      try {
        const response = await fetch(`${baseUrl}api/status?token=${token}`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`jupyter server did not start:\n${log}`);
      await sleep(250);
    }
    settings = ServerConnection.makeSettings({ baseUrl, wsUrl: `ws://127.0.0.1:${port}/`, token, WebSocket: WebSocket as never });
    kernels = new KernelManager({ serverSettings: settings });
    await kernels.ready;
  });

  afterAll(async () => {
    kernels?.dispose();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.on("exit", resolve));
      server.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    sandbox?.remove();
  });

  it("lists the tsorch kernelspec", async () => {
    const response = await ServerConnection.makeRequest(`${settings.baseUrl}api/kernelspecs`, {}, settings);
    const specs = (await response.json()) as { kernelspecs: Record<string, { spec: { language: string; interrupt_mode: string; display_name: string } }> };
    expect(specs.kernelspecs.tsorch?.spec).toMatchObject({ language: "typescript", interrupt_mode: "message", display_name: "TypeScript (tsorch)" });
  });

  it("starts, executes, displays a PNG, interrupts, restarts and shuts down", async () => {
    const kernel = await kernels.startNew({ name: "tsorch" });
    try {
      const info = await kernel.info;
      expect(info.implementation).toBe("tsorch");
      expect(info.language_info.name).toBe("typescript");

      const sum = await run(kernel, "const kept: number = 20; kept + 22");
      expect(sum.reply.status).toBe("ok");
      expect(plain(sum.iopub)).toBe("42");

      const shown = await run(
        kernel,
        `class Pixels { [Symbol.for("Jupyter.display")]() { return { data: { "image/png": "${PNG_2X2}", "text/plain": "<2x2 pixels>" }, metadata: { "image/png": { width: 2, height: 2 } } }; } }\n` +
          "display(new Pixels());",
      );
      const image = shown.iopub.find((m) => m.header.msg_type === "display_data");
      expect(image?.content).toMatchObject({ data: { "image/png": PNG_2X2, "text/plain": "<2x2 pixels>" }, metadata: { "image/png": { width: 2, height: 2 } } });

      const spinning = run(kernel, "while (true) {}");
      await sleep(1000);
      await kernel.interrupt();
      const interrupted = await spinning;
      expect(interrupted.reply.status).toBe("error");
      expect(interrupted.reply.ename).toBe("KeyboardInterrupt");
      expect(plain((await run(kernel, "kept")).iopub)).toBe("20");

      await kernel.restart();
      await kernel.info;
      // A new process: the count starts again and earlier names are gone.
      const fresh = await run(kernel, "2 ** 5");
      expect(plain(fresh.iopub)).toBe("32");
      expect(fresh.reply.execution_count).toBe(1);
      const gone = await run(kernel, "kept");
      expect(gone.reply.status).toBe("error");
      expect((gone.reply as { evalue?: string }).evalue).toMatch(/kept/);
    } finally {
      await kernel.shutdown();
    }
    await kernels.refreshRunning();
    expect([...kernels.running()].map((k) => k.id)).not.toContain(kernel.id);
  });

  it("runs a notebook session", async () => {
    const sessions = new SessionManager({ serverSettings: settings, kernelManager: kernels });
    await sessions.ready;
    const session = await sessions.startNew({ path: "lenet.ipynb", type: "notebook", name: "lenet.ipynb", kernel: { name: "tsorch" } });
    try {
      expect(session.kernel?.name).toBe("tsorch");
      const out = await run(session.kernel!, 'console.log("in a session")');
      const stream = out.iopub.find((m) => m.header.msg_type === "stream");
      expect((stream?.content as { text: string }).text).toBe("in a session\n");
    } finally {
      await session.shutdown();
      sessions.dispose();
    }
  });
});
