/**
 * A kernel on a Jupyter Server (or JupyterHub, or Enterprise Gateway: they speak the same REST
 * and websocket API), driven through @jupyterlab/services as JupyterLab drives it: the
 * KernelManager starts it (`POST /api/kernels`), a KernelConnection carries the messages over
 * the kernel's websocket, the server interrupts and shuts it down.
 *
 * What can go wrong is said in one line each: the server cannot be reached, refuses the token
 * (403), has no such kernelspec, or goes away mid-run; the kernel dies (the server restarts
 * it: the notebook's state is gone) or is shut down by someone else.
 *
 * @example
 * const kernel = await startRemoteKernel({ server: parseServer("http://127.0.0.1:8888/?token=abc", undefined), kernelName: "tsorch", startTimeout: 60 });
 * kernel.where; // "http://127.0.0.1:8888/"
 */
import { KernelManager, KernelSpecAPI, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import WebSocket from "ws";
import type { JSONObject, Message } from "../messages.js";
import { KernelDiedError, KernelSpecError } from "./errors.js";
import type { ServerOptions } from "./server.js";
import { takeNow, type KernelIdentity, type KernelLoss, type RunKernel } from "./run-kernel.js";

export interface RemoteKernelOptions {
  server: ServerOptions;
  kernelName: string;
  /** Seconds to wait for the kernel to start and answer kernel_info. */
  startTimeout: number;
}

/** How often, at most, a kernel that went quiet is looked up on the server. */
const CHECK_MS = 1000;

let managers = 0;
const { debug, warn } = console;

/**
 * @jupyterlab/services narrates on the console (every websocket opened and kernel status on
 * console.debug, which Node writes to stdout; reconnection attempts on console.warn). The run
 * reports those things itself, so they are kept out of its output while a kernel is in use.
 */
function quietConsole(on: boolean): void {
  console.debug = on ? () => undefined : debug;
  console.warn = on ? (...args: unknown[]) => (typeof args[0] === "string" && args[0].startsWith("Connection lost") ? undefined : warn(...args)) : warn;
}

/** Starts a kernel on the server; throws `KernelSpecError` or `KernelDiedError` with a clear message. */
export async function startRemoteKernel(options: RemoteKernelOptions): Promise<RunKernel> {
  const { server, kernelName } = options;
  const settings = ServerConnection.makeSettings({
    baseUrl: server.url,
    wsUrl: server.url.replace(/^http/, "ws"),
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as never,
  });
  const fail = (message: string) => new KernelDiedError(message, null, "");
  const started = performance.now();
  let specs: Awaited<ReturnType<typeof KernelSpecAPI.getSpecs>>;
  try {
    specs = await KernelSpecAPI.getSpecs(settings);
  } catch (err) {
    throw fail(describeServerError(err, server));
  }
  const available = Object.keys(specs.kernelspecs);
  const wanted = available.find((name) => name.toLowerCase() === kernelName.toLowerCase());
  const spec = wanted !== undefined ? specs.kernelspecs[wanted] : undefined;
  if (!spec) {
    throw new KernelSpecError(`the Jupyter server at ${server.url} has no kernelspec named "${kernelName}" (it has: ${available.join(", ") || "none"})` + (kernelName === "tsorch" ? "; run `tsorch install` where the server runs" : ""), kernelName);
  }
  const identity: KernelIdentity = { name: spec.name, display_name: spec.display_name, language: spec.language };

  managers += 1;
  if (managers === 1) quietConsole(true);
  const manager = new KernelManager({ serverSettings: settings, standby: "never" });
  let connection: Kernel.IKernelConnection | undefined;
  try {
    connection = await withTimeout(manager.startNew({ name: spec.name }, { handleComms: false }), options.startTimeout, `the server to start a ${spec.name} kernel`);
    const reply = await withTimeout(connection.info, options.startTimeout, `the ${spec.name} kernel on the server to answer kernel_info`);
    return new RemoteKernel(manager, connection, identity, server, reply as unknown as JSONObject, performance.now() - started);
  } catch (err) {
    if (connection) await connection.shutdown().catch(() => undefined);
    release(manager);
    throw fail(err instanceof KernelDiedError ? err.message : describeServerError(err, server));
  }
}

function release(manager: KernelManager): void {
  manager.dispose();
  managers -= 1;
  if (managers === 0) quietConsole(false);
}

/** One line for what the server said (or did not). */
export function describeServerError(err: unknown, server: ServerOptions): string {
  if (err instanceof ServerConnection.ResponseError) {
    const status = err.response.status;
    if (status === 403 || status === 401) {
      const how = server.token ? "refused the token" : "needs a token";
      return `the Jupyter server at ${server.url} ${how} (${status} ${err.response.statusText || "Forbidden"}): pass the token it prints at start (or \`jupyter server list\` shows) with --token or $JUPYTER_TOKEN`;
    }
    if (status === 404) return `${server.url} is not a Jupyter server (404 for ${new URL(err.response.url).pathname}): give the base URL it serves from`;
    return `the Jupyter server at ${server.url} answered ${status} ${err.response.statusText}: ${err.message}`;
  }
  if (err instanceof ServerConnection.NetworkError) return `cannot reach the Jupyter server at ${server.url} (${err.message}); is it running?`;
  return `the Jupyter server at ${server.url}: ${(err as Error).message}`;
}

async function withTimeout<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KernelDiedError(`timed out after ${seconds} s waiting for ${what}`, null, "")), seconds * 1000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A services message as the runner reads messages (no ZeroMQ identities, buffers dropped). */
function asMessage(msg: KernelMessage.IMessage): Message {
  return { identities: [], header: msg.header as unknown as Message["header"], parent_header: msg.parent_header as unknown as Message["parent_header"], metadata: msg.metadata as JSONObject, content: msg.content as unknown as JSONObject, buffers: [] };
}

class RemoteKernel implements RunKernel {
  readonly where: string;
  private readonly iopub: Message[] = [];
  private readonly replies: Message[] = [];
  private readonly stdin: Message[] = [];
  private waiting: (() => void) | undefined;
  private loss: KernelLoss | undefined;
  private lastCheck = 0;
  private closed = false;

  constructor(
    private readonly manager: KernelManager,
    private readonly connection: Kernel.IKernelConnection,
    readonly identity: KernelIdentity,
    private readonly server: ServerOptions,
    readonly kernelInfo: JSONObject,
    readonly startupMs: number,
  ) {
    this.where = server.url;
    connection.iopubMessage.connect((_, msg) => {
      this.iopub.push(asMessage(msg));
      this.wake();
    });
    connection.statusChanged.connect((_, status) => {
      // The server saw the kernel process end and started a new one: what the notebook built is gone.
      if (status === "autorestarting" || status === "restarting") this.lose({ code: null, how: " (the server restarted it; the notebook's state is gone)" });
      this.wake();
    });
    connection.connectionStatusChanged.connect(() => this.wake());
  }

  get lost(): KernelLoss | undefined {
    return this.loss;
  }

  private lose(loss: KernelLoss): void {
    this.loss ??= loss;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  execute(code: string, allowStdin: boolean): string {
    const future = this.connection.requestExecute({ code, silent: false, store_history: true, user_expressions: {}, allow_stdin: allowStdin, stop_on_error: false });
    const msgId = future.msg.header.msg_id;
    future.onReply = (msg) => {
      this.replies.push(asMessage(msg));
      this.wake();
    };
    future.onStdin = (msg) => {
      this.stdin.push(asMessage(msg));
      this.wake();
    };
    // Rejected when the connection goes: the runner watches for that itself.
    future.done.catch(() => undefined);
    return msgId;
  }

  /** Resolves when a message arrives or `ms` passes. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve();
      }, ms);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async nextIOPub(ms: number): Promise<Message | undefined> {
    if (this.iopub.length === 0) await this.wait(ms);
    return this.iopub.shift();
  }

  drainIOPub(): Message[] {
    return this.iopub.splice(0);
  }

  takeReply(msgId: string): Message | undefined {
    return takeNow(this.replies, (m) => m.parent_header.msg_id === msgId);
  }

  async waitReply(msgId: string, ms: number): Promise<Message | undefined> {
    const now = this.takeReply(msgId);
    if (now) return now;
    await this.wait(ms);
    return this.takeReply(msgId);
  }

  takeInputRequest(msgId: string): Message | undefined {
    return takeNow(this.stdin, (m) => m.parent_header.msg_id === msgId && m.header.msg_type === "input_request");
  }

  answerInput(request: Message, value: string): void {
    this.connection.sendInputReply({ status: "ok", value }, request.header as unknown as KernelMessage.IHeader<"input_request">);
  }

  interrupt(): void {
    void this.connection.interrupt().catch(() => undefined);
  }

  async kill(): Promise<void> {
    this.lose({ code: null, how: " (shut down on the server)" });
    await this.connection.shutdown().catch(() => undefined);
  }

  /**
   * When the websocket is down or the kernel says it is dead, asks the server about the kernel:
   * gone from /api/kernels means it was shut down there; no answer means the server went away.
   */
  async check(now = false): Promise<void> {
    if (this.loss || this.closed) return;
    const healthy = this.connection.connectionStatus === "connected" && this.connection.status !== "dead" && this.connection.status !== "unknown";
    if (!now && (healthy || performance.now() - this.lastCheck < CHECK_MS)) return;
    this.lastCheck = performance.now();
    const settings = this.connection.serverSettings;
    try {
      const response = await ServerConnection.makeRequest(`${settings.baseUrl}api/kernels/${encodeURIComponent(this.connection.id)}`, {}, settings);
      if (response.status === 404) this.lose({ code: null, how: " (the server no longer has it: it was shut down there)" });
      else if (response.ok) {
        const model = (await response.json()) as { execution_state?: string };
        if (model.execution_state === "dead") this.lose({ code: null, how: " (the server reports it dead)" });
      }
    } catch (err) {
      if (err instanceof ServerConnection.NetworkError) this.lose({ code: null, how: ` (the Jupyter server at ${this.server.url} went away)`, serverLost: true });
    }
  }

  log(): string {
    // A remote kernel's log is the server's, not readable from here.
    return "";
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.loss?.serverLost) {
      try {
        await withTimeout(this.connection.shutdown(), 10, "the server to shut the kernel down");
      } catch {
        // Gone already, or the server is: nothing left to stop from here.
      }
    }
    this.connection.dispose();
    release(this.manager);
  }
}
