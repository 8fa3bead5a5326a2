/**
 * A small Jupyter client over ZeroMQ: starts a kernel process (or connects to one), sends
 * requests, and collects replies and IOPub messages by parent. The benchmarks and the protocol
 * tests drive the kernel with it; it verifies the kernel's signatures like any frontend would.
 *
 * @example
 * const kernel = await launchKernel();
 * const { reply, outputs } = await kernel.client.execute("1 + 1");
 * outputs.find((m) => m.header.msg_type === "execute_result")?.content; // { data: { "text/plain": "2" }, ... }
 * await kernel.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { makeHeader, type Channel, type JSONObject, type Message, type Sender } from "./messages.js";
import { cliPath } from "./paths.js";
import { decode, encode, ReplayGuard, Signer } from "./wire.js";

type RequestChannel = Exclude<Channel, "iopub">;

interface Waiter {
  match(message: Message): boolean;
  resolve(message: Message): void;
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = "TimeoutError";
  }
}

/** Messages received on one channel, with waiters for those not yet arrived. */
class Inbox {
  readonly messages: Message[] = [];
  private waiters: Waiter[] = [];

  push(message: Message): void {
    const i = this.waiters.findIndex((w) => w.match(message));
    if (i >= 0) {
      const [waiter] = this.waiters.splice(i, 1);
      waiter!.resolve(message);
    } else this.messages.push(message);
  }

  /** The first message matching, removed from the inbox, waiting up to `ms`. */
  take(match: (m: Message) => boolean, ms: number, what: string): Promise<Message> {
    const i = this.messages.findIndex(match);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new TimeoutError(what, ms));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  clear(): void {
    this.messages.length = 0;
  }
}

export interface ExecuteOptions {
  silent?: boolean;
  store_history?: boolean;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
  user_expressions?: JSONObject;
  /** Answers input_request messages while the cell runs. */
  onInput?: (prompt: string, password: boolean) => string;
  timeout?: number;
}

export interface ExecuteResult {
  reply: Message;
  /** IOPub messages of this request between busy and idle, excluding status and execute_input. */
  outputs: Message[];
  /** Every IOPub message of this request, in order. */
  all: Message[];
}

export class KernelClient {
  readonly sender: Sender = { session: randomUUID(), username: "tsorch-client" };
  readonly signer: Signer;
  private readonly replay = new ReplayGuard();
  readonly sockets: {
    shell: zmq.Dealer;
    control: zmq.Dealer;
    stdin: zmq.Dealer;
    iopub: zmq.Subscriber;
    hb: zmq.Request;
  };
  readonly inbox: Record<Channel, Inbox> = { shell: new Inbox(), control: new Inbox(), stdin: new Inbox(), iopub: new Inbox() };
  /** Every IOPub message ever received, in order (never consumed). */
  readonly iopubLog: Message[] = [];
  /** Frames refused by signature checking (the kernel must never produce any). */
  readonly refused: string[] = [];
  /** `performance.now()` when the first kernel_info_reply arrived during `connect`. */
  firstReplyAt: number | undefined;
  private closed = false;
  private hbBusy: Promise<unknown> = Promise.resolve();

  constructor(readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key, info.signature_scheme);
    // Frontends share one identity between shell and stdin (the kernel answers input on stdin to it).
    const routingId = this.sender.session;
    // Retry connecting every 10 ms (not ZeroMQ's 100 ms) so start-up is measured closely.
    const common = { linger: 0, reconnectInterval: 10 };
    this.sockets = {
      shell: new zmq.Dealer({ ...common, routingId }),
      control: new zmq.Dealer({ ...common, routingId }),
      stdin: new zmq.Dealer({ ...common, routingId }),
      iopub: new zmq.Subscriber(common),
      hb: new zmq.Request(common),
    };
  }

  /** Connects every socket and waits until IOPub delivers (a kernel_info round trip seen on IOPub). */
  async connect(timeout = 20_000): Promise<Message> {
    const { shell, control, stdin, iopub, hb } = this.sockets;
    shell.connect(endpoint(this.info, this.info.shell_port));
    control.connect(endpoint(this.info, this.info.control_port));
    stdin.connect(endpoint(this.info, this.info.stdin_port));
    iopub.connect(endpoint(this.info, this.info.iopub_port));
    iopub.subscribe();
    hb.connect(endpoint(this.info, this.info.hb_port));
    void this.listen("shell", shell);
    void this.listen("control", control);
    void this.listen("stdin", stdin);
    void this.listen("iopub", iopub);
    const deadline = Date.now() + timeout;
    for (;;) {
      const header = this.send("shell", "kernel_info_request", {});
      try {
        const reply = await this.inbox.shell.take((m) => m.parent_header.msg_id === header.msg_id, 1000, "kernel_info_reply");
        this.firstReplyAt ??= performance.now();
        // IOPub is subscribed once the status of that request arrives.
        await this.inbox.iopub.take((m) => m.parent_header.msg_id === header.msg_id && m.header.msg_type === "status", 500, "status").catch(() => undefined);
        if (this.iopubLog.some((m) => m.parent_header.msg_id === header.msg_id)) {
          this.inbox.iopub.clear();
          return reply;
        }
      } catch (err) {
        if (!(err instanceof TimeoutError)) throw err;
      }
      if (Date.now() > deadline) throw new TimeoutError("the kernel to answer kernel_info", timeout);
    }
  }

  private async listen(channel: Channel, socket: zmq.Dealer | zmq.Subscriber): Promise<void> {
    try {
      for await (const frames of socket) {
        const result = decode(frames, this.signer, this.replay);
        if (!result.ok) {
          this.refused.push(`${channel}: ${result.reason}`);
          continue;
        }
        if (channel === "iopub") this.iopubLog.push(result.message);
        this.inbox[channel].push(result.message);
      }
    } catch (err) {
      if (!this.closed) throw err;
    }
  }

  /** Signs and sends a request; returns its header. */
  send(channel: RequestChannel, msgType: string, content: object, options: { parent?: object; metadata?: JSONObject; buffers?: Uint8Array[] } = {}) {
    const header = makeHeader(msgType, this.sender);
    const frames = encode(
      { identities: [], header, parent_header: (options.parent ?? {}) as Message["parent_header"], metadata: options.metadata ?? {}, content, buffers: options.buffers ?? [] },
      this.signer,
    );
    void this.sockets[channel].send(frames);
    return header;
  }

  /** Sends frames as given (to test what the kernel does with bad input). */
  sendRaw(channel: RequestChannel, frames: (Buffer | string)[]): Promise<void> {
    return this.sockets[channel].send(frames);
  }

  /** The reply to a request sent on `channel`. */
  reply(channel: RequestChannel, msgId: string, ms = 30_000): Promise<Message> {
    return this.inbox[channel].take((m) => m.parent_header.msg_id === msgId, ms, `the reply to ${msgId}`);
  }

  /** Sends a request and waits for its reply and for its idle status on IOPub. */
  async request(channel: RequestChannel, msgType: string, content: object, ms = 30_000): Promise<{ reply: Message; all: Message[] }> {
    const header = this.send(channel, msgType, content);
    const [reply, all] = await Promise.all([this.reply(channel, header.msg_id, ms), this.collect(header.msg_id, ms)]);
    return { reply, all };
  }

  /** IOPub messages of one request up to and including its idle status. */
  async collect(msgId: string, ms = 30_000): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const m = await this.inbox.iopub.take((x) => x.parent_header.msg_id === msgId, ms, `IOPub messages of ${msgId}`);
      all.push(m);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") return all;
    }
  }

  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const { onInput, timeout = 60_000, ...flags } = options;
    const header = this.send("shell", "execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: Boolean(onInput),
      stop_on_error: true,
      ...flags,
    });
    let done = false;
    const answering = onInput
      ? (async () => {
          while (!done) {
            const request = await this.inbox.stdin.take((m) => m.parent_header.msg_id === header.msg_id, timeout, "input_request").catch(() => undefined);
            if (!request) return;
            const value = onInput(String(request.content.prompt ?? ""), Boolean(request.content.password));
            this.send("stdin", "input_reply", { value }, { parent: request.header });
          }
        })()
      : undefined;
    const [reply, all] = await Promise.all([this.reply("shell", header.msg_id, timeout), this.collect(header.msg_id, timeout)]);
    done = true;
    void answering;
    const outputs = all.filter((m) => m.header.msg_type !== "status" && m.header.msg_type !== "execute_input");
    return { reply, outputs, all };
  }

  /** Round-trip time of one heartbeat, in milliseconds. */
  async heartbeat(ms = 5000): Promise<number> {
    const run = this.hbBusy.then(async () => {
      const started = performance.now();
      const payload = randomBytes(8);
      await this.sockets.hb.send(payload);
      const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new TimeoutError("heartbeat", ms)), ms));
      const [echo] = await Promise.race([this.sockets.hb.receive(), timer]);
      if (!echo || !payload.equals(echo)) throw new Error("heartbeat echo differs from what was sent");
      return performance.now() - started;
    });
    this.hbBusy = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    for (const socket of Object.values(this.sockets)) socket.close();
  }
}

/** Free TCP ports on 127.0.0.1 (asked of the OS, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function makeConnectionInfo(options: { key?: string; transport?: "tcp" | "ipc"; dir?: string } = {}): Promise<ConnectionInfo> {
  const key = options.key ?? randomUUID();
  if (options.transport === "ipc") {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "tsorch-ipc-"));
    return { transport: "ipc", ip: join(dir, "kernel"), shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key, signature_scheme: "hmac-sha256" };
  }
  const [shell, iopub, stdin, control, hb] = await freePorts(5);
  return { transport: "tcp", ip: "127.0.0.1", shell_port: shell!, iopub_port: iopub!, stdin_port: stdin!, control_port: control!, hb_port: hb!, key, signature_scheme: "hmac-sha256" };
}

export interface LaunchedKernel {
  process: ChildProcess;
  client: KernelClient;
  /** The kernel_info_reply that answered the connection handshake (language_info, banner, ...). */
  kernelInfo: Message;
  info: ConnectionInfo;
  connectionFile: string;
  /** The kernel's stderr so far (its log). */
  stderr(): string;
  /** Milliseconds from spawn to the first kernel_info_reply (sent right away, queued by ZeroMQ until the kernel binds). */
  startupMs: number;
  /** Resolves with the exit code when the kernel process ends. */
  exited: Promise<number | null>;
  /** shutdown_request on control, then wait for the process to end (killing it after `ms`). */
  stop(ms?: number): Promise<number | null>;
}

export interface LaunchOptions {
  env?: NodeJS.ProcessEnv;
  key?: string;
  transport?: "tcp" | "ipc";
  /** The kernel's working directory. */
  cwd?: string;
  timeout?: number;
  /**
   * The command to start, as a kernelspec's argv: `{connection_file}` is replaced by the
   * connection file's path. Default: this package's `tsorch kernel --connection-file FILE`.
   */
  argv?: string[];
  /** Starts the kernel in its own process group, so a Ctrl+C typed in the terminal reaches only the frontend. */
  detached?: boolean;
}

/** How much of the kernel's stderr/stdout `stderr()` keeps (the end of it). */
const MAX_KERNEL_LOG = 1_000_000;

/** Spawns `node dist/kernel/cli.js kernel -f <file>` (or `options.argv`) and connects a client to it. */
export async function launchKernel(options: LaunchOptions = {}): Promise<LaunchedKernel> {
  const dir = mkdtempSync(join(tmpdir(), "tsorch-kernel-"));
  const info = await makeConnectionInfo({ ...(options.key !== undefined ? { key: options.key } : {}), ...(options.transport ? { transport: options.transport, dir } : {}) });
  const connectionFile = join(dir, "connection.json");
  writeFileSync(connectionFile, JSON.stringify(info));
  const started = performance.now();
  const argv = options.argv
    ? options.argv.map((arg) => arg.replaceAll("{connection_file}", connectionFile))
    : [process.execPath, cliPath(), "kernel", "--connection-file", connectionFile];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let log = "";
  const append = (d: Buffer) => {
    log += d.toString();
    if (log.length > MAX_KERNEL_LOG) log = log.slice(-MAX_KERNEL_LOG / 2);
  };
  child.stderr!.on("data", append);
  child.stdout!.on("data", append);
  // A command that cannot be started reports through "error" (ENOENT), and may never emit "exit".
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.on("error", (err) => {
      append(Buffer.from(`cannot start ${argv[0]}: ${err.message}\n`));
      resolve(child.exitCode ?? 127);
    });
  });
  // The connection file (and ipc sockets) go with the kernel.
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const client = new KernelClient(info);
  let startupMs: number;
  let kernelInfo: Message;
  try {
    kernelInfo = await Promise.race([
      client.connect(options.timeout ?? 20_000),
      exited.then((code) => Promise.reject(new Error(`kernel exited with code ${code} before answering:\n${log}`))),
    ]);
    startupMs = (client.firstReplyAt ?? performance.now()) - started;
  } catch (err) {
    client.close();
    child.kill("SIGKILL");
    throw err;
  }
  return {
    process: child,
    client,
    kernelInfo,
    info,
    connectionFile,
    stderr: () => log,
    startupMs,
    exited,
    async stop(ms = 10_000) {
      if (child.exitCode === null) {
        client.send("control", "shutdown_request", { restart: false });
        const timer = setTimeout(() => child.kill("SIGKILL"), ms);
        const code = await exited;
        clearTimeout(timer);
        client.close();
        return code;
      }
      client.close();
      return child.exitCode;
    },
  };
}
