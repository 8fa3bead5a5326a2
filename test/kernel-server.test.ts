/**
 * tsorch behind a real `jupyter server`, driven the way JupyterLab drives kernels: through
 * `@jupyterlab/services` (REST + the kernel websocket). Start, execute, rich display with a PNG,
 * interrupt, restart, sessions, shutdown.
 */
import { KernelManager, ServerConnection, SessionManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { freePorts } from "../kernel/client.js";
import { jupyterSandbox, requireJupyter, startJupyterServer, type JupyterServer } from "./jupyter/environment.js";

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
  let server: JupyterServer;
  let settings: ServerConnection.ISettings;
  let kernels: KernelManager;
  let sandbox: ReturnType<typeof jupyterSandbox>;

  beforeAll(async () => {
    requireJupyter(["jupyter_server"], ["server"]);
    sandbox = jupyterSandbox();
    const [port] = await freePorts(1);
    server = await startJupyterServer(sandbox, port!);
    settings = ServerConnection.makeSettings({ baseUrl: server.url, wsUrl: server.url.replace(/^http/, "ws"), token: server.token, WebSocket: WebSocket as never });
    kernels = new KernelManager({ serverSettings: settings });
    await kernels.ready;
  });

  afterAll(async () => {
    kernels?.dispose();
    await server?.stop();
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
