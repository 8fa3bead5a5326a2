/**
 * The kernel's I/O thread. It owns the five ZeroMQ sockets, so the heartbeat echoes and control
 * requests (kernel_info, interrupt, shutdown) are answered even while the main thread is stuck
 * in a cell's `while (true) {}`.
 *
 * Incoming traffic is authenticated and parsed here (see `wire.ts`); everything that needs the
 * user's namespace (execute, complete, inspect, comms, history...) is forwarded to the main
 * thread, which sends its replies and IOPub messages back through this thread.
 */
import { existsSync } from "node:fs";
import { Session } from "node:inspector";
import { workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { Slot, StdinState, type ToMain, type ToWorker, type WorkerInit } from "./bridge.js";
import { endpoint, portOf, writeConnectionFile, type ConnectionInfo, type PortName } from "./connection.js";
import { formatBytes } from "./errors.js";
import { cellHeapLimit } from "./heap.js";
import { launcherGone } from "./launcher.js";
import { log } from "./log.js";
import { MainThreadStopper } from "./main-thread-stop.js";
import { makeHeader, type Channel, type Header, type JSONObject, type Message, type ParentHeader } from "./messages.js";
import { decode, encode, ReplayGuard, Signer, type RefusedRequest } from "./wire.js";

const init = workerData as WorkerInit;
const shared = new Int32Array(init.shared);
const port = init.port;
const toMain = (message: ToMain): void => port.postMessage(message);
const signer = new Signer(init.connection.key, init.connection.signature_scheme);
const replay = new ReplayGuard();

// Nothing on this thread may take the kernel down: an error that escapes a handler is logged, not fatal.
process.on("uncaughtException", (err) => log.error("I/O thread error:", err));
process.on("unhandledRejection", (reason) => log.error("I/O thread error (promise):", reason));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** After a shutdown request: stop the main thread's execution if it has not taken the request in by then. */
const SHUTDOWN_TERMINATE_MS = 3000;
/** Kill the process if the main thread has not taken the request in by then... */
const SHUTDOWN_KILL_MS = 15_000;
/** ...or has taken it in but still not exited (it needs well under a second to flush and close). */
const SHUTDOWN_KILL_SEEN_MS = 20_000;

/** Sends on one socket strictly one message after another (zeromq.js refuses concurrent sends). */
class Outbox {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: zmq.Writable & zmq.Socket,
    private readonly name: string,
  ) {}

  push(frames: Buffer[]): Promise<void> {
    this.chain = this.chain.then(
      () => (this.socket.closed ? undefined : this.socket.send(frames)),
    ).catch((err: unknown) => log.warn(`cannot send on ${this.name}:`, err));
    return this.chain;
  }

  drain(): Promise<void> {
    return this.chain;
  }
}

const sockets = {
  shell: new zmq.Router({ linger: 1000 }),
  control: new zmq.Router({ linger: 1000 }),
  stdin: new zmq.Router({ linger: 1000 }),
  // XPUB rather than PUB: subscriptions become visible, and each one is greeted with iopub_welcome (5.5).
  iopub: new zmq.XPublisher({ linger: 1000, sendHighWaterMark: 0 }),
  hb: new zmq.Reply({ linger: 0 }),
};
sockets.iopub.verbosity = "allSubs";

const outboxes: Record<Channel, Outbox> = {
  shell: new Outbox(sockets.shell, "shell"),
  control: new Outbox(sockets.control, "control"),
  stdin: new Outbox(sockets.stdin, "stdin"),
  iopub: new Outbox(sockets.iopub, "iopub"),
};

function send(
  channel: Channel,
  msgType: string,
  content: object,
  parent: ParentHeader,
  options: { identities?: Uint8Array[]; metadata?: JSONObject; buffers?: Uint8Array[] } = {},
): Promise<void> {
  const header = makeHeader(msgType, init.sender);
  const identities =
    channel === "iopub" ? [Buffer.from(options.identities?.[0] ?? topicFor(msgType, content))] : (options.identities ?? []);
  let frames: Buffer[];
  try {
    frames = encode(
      { identities, header, parent_header: parent, metadata: options.metadata ?? {}, content, buffers: options.buffers ?? [] },
      signer,
    );
  } catch (err) {
    // Content JSON cannot hold (nested too deeply, say): a reply still goes out, as an error.
    log.error(`cannot encode ${msgType} on ${channel}:`, err);
    if (!msgType.endsWith("_reply")) return Promise.resolve();
    const failed: JSONObject = { status: "error", ename: "EncodingError", evalue: `the ${msgType} could not be encoded: ${(err as Error)?.message ?? err}`, traceback: [] };
    const count = (content as { execution_count?: unknown }).execution_count;
    if (typeof count === "number") failed.execution_count = count;
    try {
      frames = encode({ identities, header, parent_header: safeParent(parent), metadata: {}, content: failed, buffers: [] }, signer);
    } catch (again) {
      log.error(`cannot encode even an error ${msgType}:`, again);
      return Promise.resolve();
    }
  }
  return outboxes[channel].push(frames);
}

/** A parent header reduced to its flat string fields. */
function safeParent(parent: ParentHeader): ParentHeader {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) if (typeof value === "string") out[key] = value;
  return out as unknown as ParentHeader;
}

/** IOPub topics follow ipykernel's convention; subscribers almost always take everything anyway. */
function topicFor(msgType: string, content: object): string {
  if (msgType === "stream") return `stream.${(content as { name?: string }).name ?? "stdout"}`;
  return `kernel.${init.sender.session}.${msgType}`;
}

function status(state: "busy" | "idle" | "starting", parent: ParentHeader): Promise<void> {
  return send("iopub", "status", { execution_state: state }, parent);
}

// ---------------------------------------------------------------------------------------------
// Interrupts

/**
 * Stops whatever the main thread is doing. SIGINT first: `vm`'s `breakOnSigint` turns it into an
 * exception in synchronous cell code within ~25 ms, and the main thread's SIGINT listener sees it
 * when the cell is only awaiting. If the main thread has not acknowledged after a grace period it
 * is busy outside `vm` (code after an `await`, a timer callback): V8's `terminateExecution`,
 * reached through the inspector, stops that without losing the context.
 */
class Interrupter {
  private readonly stopper = new MainThreadStopper();
  private disposed = false;
  /** Interrupts being seen through (from the signal until the main thread acknowledges or the cell ends). */
  active = 0;

  interrupt(): void {
    const seq = Atomics.add(shared, Slot.INTERRUPT_SEQ, 1) + 1;
    const cell = Atomics.load(shared, Slot.CELL);
    toMain({ kind: "interrupt", seq, cell });
    if (Atomics.compareExchange(shared, Slot.STDIN, StdinState.WAITING, StdinState.INTERRUPTED) === StdinState.WAITING) {
      // Waiting for input: waking it is enough, and a signal racing the wake-up could outlive the cell.
      Atomics.notify(shared, Slot.STDIN);
    } else {
      this.signal(cell);
    }
    this.active += 1;
    void this.watch(seq, cell).finally(() => (this.active -= 1));
  }

  private signal(cell: number): void {
    Atomics.store(shared, Slot.SIGNAL_CELL, cell);
    Atomics.store(shared, Slot.SIGNAL_TIME, nowSeconds());
    try {
      process.kill(process.pid, "SIGINT");
    } catch (err) {
      log.warn("cannot raise SIGINT:", err);
    }
  }

  private acknowledged(seq: number): boolean {
    return Atomics.load(shared, Slot.INTERRUPT_ACK) >= seq;
  }

  private async watch(seq: number, cell: number): Promise<void> {
    const started = Date.now();
    let terminations = 0;
    await sleep(200);
    while (!this.acknowledged(seq)) {
      // The cell this interrupt was for is over and another runs: that one was not meant.
      if (Atomics.load(shared, Slot.CELL) !== cell) return;
      // Loading TypeScript or compiling a cell is kernel work: give it up to 5 s before cutting in.
      if (Atomics.load(shared, Slot.PROTECTED) > 0 && Date.now() - started < 5000) {
        await sleep(50);
        continue;
      }
      // The cell may have gone from compiling to running synchronously since the first signal.
      this.signal(cell);
      await sleep(100);
      if (this.acknowledged(seq) || Atomics.load(shared, Slot.CELL) !== cell) return;
      if (terminations >= 5) {
        log.error("the main thread does not answer interrupts; giving up");
        return;
      }
      terminations += 1;
      log.info(`main thread busy after interrupt ${seq}: terminating its current execution`);
      this.terminate();
      await sleep(50);
      // A termination may have swallowed the first notice along with the busy code: repeat it.
      toMain({ kind: "interrupt", seq, cell });
      await sleep(500);
    }
  }

  terminate(): void {
    if (this.disposed) return;
    if (Atomics.load(shared, Slot.TERMINATION_SAFE) !== 1) {
      log.warn("cannot stop the main thread safely on this Node version; only SIGINT was sent");
      return;
    }
    try {
      this.stopper.stop();
    } catch (err) {
      log.error("cannot terminate the main thread's execution:", err);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stopper.disconnect();
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000) % 2 ** 31;
}

const interrupter = new Interrupter();

// ---------------------------------------------------------------------------------------------
// Heap

/**
 * Reads the main thread's heap through the inspector (answered even while a cell allocates) and
 * stops a cell that grows it past the limit (see heap.ts), every 100 ms while a cell runs.
 */
class HeapWatch {
  private session: Session | undefined;
  private reading = false;
  private stoppedCell = 0;
  private warnedNearV8 = 0;

  start(): void {
    try {
      this.session = new Session();
      this.session.connectToMainThread();
    } catch (err) {
      log.warn("cannot watch the heap (no inspector):", err);
      return;
    }
    setInterval(() => this.tick(), 100).unref();
  }

  private tick(): void {
    const cell = Atomics.load(shared, Slot.CELL);
    // An inspector request arriving while an interrupt lands can swallow it: stay out of the way.
    if (cell === 0 || this.reading || !this.session || interrupter.active > 0 || shuttingDown) return;
    this.reading = true;
    this.session.post("Runtime.getHeapUsage", (err, usage) => {
      this.reading = false;
      if (err || !usage || Atomics.load(shared, Slot.CELL) !== cell) return;
      this.check(cell, (usage as { usedSize: number }).usedSize);
    });
  }

  private check(cell: number, used: number): void {
    const { budget, v8Limit } = init.heap;
    if (used > v8Limit * 0.95 && this.warnedNearV8 !== cell) {
      this.warnedNearV8 = cell;
      log.error(`the JavaScript heap is at ${formatBytes(used)} of V8's ${formatBytes(v8Limit)}: if the running cell cannot be stopped, V8 will end the process`);
    }
    // Garbage left by earlier cells counts in `used`: a cell is judged on what it adds to the heap it started with.
    const limit = cellHeapLimit(budget, Atomics.load(shared, Slot.HEAP_AT_START_MIB) * 2 ** 20);
    if (used <= limit || this.stoppedCell === cell) return;
    this.stoppedCell = cell;
    Atomics.store(shared, Slot.MEMORY_USED_MIB, Math.round(used / 2 ** 20));
    Atomics.store(shared, Slot.MEMORY_LIMIT_MIB, Math.round(limit / 2 ** 20));
    Atomics.store(shared, Slot.MEMORY_CELL, cell);
    log.warn(`cell ${cell} grew the JavaScript heap to ${formatBytes(used)}, over the limit of ${formatBytes(limit)}: stopping it`);
    interrupter.interrupt();
  }

  dispose(): void {
    try {
      this.session?.disconnect();
    } catch {
      // already gone
    }
    this.session = undefined;
  }
}

const heapWatch = new HeapWatch();

// ---------------------------------------------------------------------------------------------
// Requests

/** Shell requests forwarded to the main thread and not yet answered. */
let pendingShell = 0;
let shuttingDown = false;

function onFrames(channel: Channel, frames: Buffer[]): void {
  const result = decode(frames, signer, replay);
  if (!result.ok) {
    if (result.refused) return refuse(channel, result.refused, result.reason);
    log.warn(`dropped a message on ${channel}: ${result.reason}`);
    return;
  }
  const message = result.message;
  const type = message.header.msg_type;
  log.debug(`${channel} <- ${type} ${message.header.msg_id}`);
  if (channel === "stdin") return onStdin(message);
  if (shuttingDown) {
    log.info(`ignoring ${type}: shutting down`);
    return;
  }
  if (type === "kernel_info_request" && (channel === "control" || pendingShell === 0)) {
    // Nothing queued on shell, so answering here keeps the order and does not wait for TypeScript to load.
    void answer(channel, message, "kernel_info_reply", init.kernelInfo);
    toMain({ kind: "kernel_info" });
    return;
  }
  if (type === "interrupt_request") {
    void answer(channel, message, "interrupt_reply", { status: "ok" }, () => interrupter.interrupt());
    return;
  }
  if (type === "shutdown_request") {
    void shutdown(channel, message);
    return;
  }
  if (channel !== "shell") return toMain({ kind: "request", channel, message });
  pendingShell += 1;
  toShell({ kind: "request", channel, message });
}

/**
 * How long shell requests wait, once, for the first IOPub subscription. ZeroMQ connects in the
 * background, and a client that sends a cell as soon as kernel_info is answered (jupyter console
 * does) may not be subscribed yet: that cell's output would be published to nobody. XPUB shows
 * the subscription arriving (`welcome`), so the requests go on the moment it does; a client that
 * never subscribes loses this much time once.
 */
const IOPUB_GRACE_MS = 1000;
let iopubJoined = false;
let heldShell: ToMain[] = [];
let graceTimer: NodeJS.Timeout | undefined;

/** Passes a shell request to the main thread, in order, once IOPub has a subscriber (or the grace is over). */
function toShell(message: ToMain): void {
  if (iopubJoined) return toMain(message);
  heldShell.push(message);
  graceTimer ??= setTimeout(releaseShell, IOPUB_GRACE_MS);
}

function releaseShell(): void {
  if (iopubJoined) return;
  iopubJoined = true;
  clearTimeout(graceTimer);
  const held = heldShell;
  heldShell = [];
  for (const message of held) toMain(message);
}

/**
 * An authentic message that breaks the limits or the format (see `wire.ts`). A request is
 * answered with an error reply; shell ones go through the main thread, which knows the
 * execution count and keeps them in order with the rest of the queue.
 */
function refuse(channel: Channel, request: RefusedRequest, reason: string): void {
  const type = request.header.msg_type;
  log.warn(`refused ${type} ${request.header.msg_id} on ${channel}: ${reason}`);
  if (!type.endsWith("_request") || channel === "stdin" || shuttingDown) return;
  const message: Message = { identities: request.identities, header: request.header, parent_header: {}, metadata: {}, content: {}, buffers: [] };
  if (channel === "shell") {
    pendingShell += 1;
    toShell({ kind: "request", channel, message, refused: reason });
    return;
  }
  void answer(channel, message, type.replace(/_request$/, "_reply"), { status: "error", ename: "ProtocolError", evalue: `message refused: ${reason}`, traceback: [] });
}

async function answer(
  channel: Channel,
  request: Message,
  replyType: string,
  content: object,
  action?: () => void,
): Promise<void> {
  const parent = request.header as Header;
  void status("busy", parent);
  try {
    action?.();
  } catch (err) {
    log.error(`${request.header.msg_type} failed:`, err);
  }
  void send(channel, replyType, content, parent, { identities: request.identities });
  await status("idle", parent);
}

async function shutdown(channel: Channel, request: Message): Promise<void> {
  shuttingDown = true;
  const restart = request.content.restart === true;
  const parent = request.header as Header;
  void status("busy", parent);
  const content = { status: "ok", restart };
  void send(channel, "shutdown_reply", content, parent, { identities: request.identities });
  void send("iopub", "shutdown_reply", content, parent);
  await status("idle", parent);
  toMain({ kind: "shutdown", restart });
  escalateShutdown();
}

/**
 * The main thread exits once it has flushed. A cell running now, or starting before the main
 * thread has seen the shutdown, is interrupted so that happens at once. A main thread that has not
 * even taken in the request after a grace period is stopped; one that still does not answer is cut
 * loose. The deadlines are generous: on a loaded machine a main thread busy compiling can take
 * seconds to get to its messages, and killing it then would look like a crash to the frontend.
 */
function escalateShutdown(): void {
  const seen = () => Atomics.load(shared, Slot.SHUTDOWN_SEEN) === 1;
  let interrupted = 0;
  setInterval(() => {
    const cell = Atomics.load(shared, Slot.CELL);
    if (cell !== 0 && cell !== interrupted) {
      interrupted = cell;
      interrupter.interrupt();
    }
  }, 50).unref();
  setTimeout(() => {
    if (!seen()) interrupter.terminate();
  }, SHUTDOWN_TERMINATE_MS).unref();
  const started = Date.now();
  const lastResort = setInterval(() => {
    const waited = Date.now() - started;
    if (seen() ? waited < SHUTDOWN_KILL_SEEN_MS : waited < SHUTDOWN_KILL_MS) return;
    clearInterval(lastResort);
    log.warn(`main thread did not exit ${Math.round(waited / 1000)} s after shutdown_request; terminating the process`);
    process.kill(process.pid, "SIGTERM");
  }, 250);
  lastResort.unref();
}

// ---------------------------------------------------------------------------------------------
// stdin

let stdinParent: Header | undefined;

function onStdin(message: Message): void {
  if (message.header.msg_type !== "input_reply") {
    log.warn(`unexpected ${message.header.msg_type} on stdin`);
    return;
  }
  if (Atomics.load(shared, Slot.STDIN) !== StdinState.WAITING || !stdinParent) {
    log.warn("input_reply arrived while no input was requested; dropped");
    return;
  }
  const value = message.content.value;
  init.stdinPort.postMessage({ value: typeof value === "string" ? value : String(value ?? "") });
  stdinParent = undefined;
  Atomics.store(shared, Slot.STDIN, StdinState.REPLIED);
  Atomics.notify(shared, Slot.STDIN);
}

// ---------------------------------------------------------------------------------------------
// Main thread → sockets

port.on("message", (message: ToWorker) => {
  switch (message.kind) {
    case "send":
      void send(message.channel, message.msgType, message.content, message.parent, message);
      break;
    case "done":
      if (message.channel === "shell") pendingShell = Math.max(0, pendingShell - 1);
      break;
    case "input_request":
      stdinParent = message.parent;
      void send("stdin", "input_request", { prompt: message.prompt, password: message.password }, message.parent, {
        identities: message.identities,
      });
      break;
    case "close":
      void close();
      break;
    default:
      log.warn("unknown message from the main thread:", JSON.stringify(message));
  }
});

async function close(): Promise<void> {
  shuttingDown = true;
  interrupter.dispose();
  heapWatch.dispose();
  await Promise.race([Promise.all(Object.values(outboxes).map((o) => o.drain())), sleep(1000)]);
  for (const socket of Object.values(sockets)) {
    socket.linger = 200;
    socket.close();
  }
  Atomics.store(shared, Slot.STDIN, StdinState.CLOSED);
  Atomics.notify(shared, Slot.STDIN);
  toMain({ kind: "closed" });
}

// ---------------------------------------------------------------------------------------------
// Start

async function serve(channel: Channel, socket: zmq.Router): Promise<void> {
  try {
    for await (const frames of socket) {
      try {
        onFrames(channel, frames);
      } catch (err) {
        log.error(`error while handling a ${channel} message:`, err);
      }
    }
  } catch (err) {
    if (!socket.closed) log.error(`${channel} socket failed:`, err);
  }
}

async function heartbeat(): Promise<void> {
  try {
    for await (const frames of sockets.hb) await sockets.hb.send(frames);
  } catch (err) {
    if (!sockets.hb.closed) log.error("heartbeat socket failed:", err);
  }
}

async function welcome(): Promise<void> {
  try {
    for await (const [frame] of sockets.iopub) {
      // A subscription is byte 1 followed by the topic; byte 0 is an unsubscription.
      if (frame && frame[0] === 1) {
        const subscription = frame.subarray(1).toString("utf8");
        void send("iopub", "iopub_welcome", { subscription }, {}, { identities: [Buffer.from(subscription)] });
        releaseShell();
      }
    }
  } catch (err) {
    if (!sockets.iopub.closed) log.error("iopub socket failed:", err);
  }
}

/** ipc "ports" are file suffixes; pick the first free one when asked for 0. */
function freeIpcPort(info: ConnectionInfo, taken: Set<number>): number {
  for (let n = 1; ; n++) if (!taken.has(n) && !existsSync(`${info.ip}-${n}`)) return n;
}

async function bindAll(): Promise<Record<PortName, number>> {
  const info = { ...init.connection };
  // IOPub first: a client's subscription then has the longest start on its first request.
  const pairs: [PortName, zmq.Socket][] = [
    ["iopub_port", sockets.iopub],
    ["shell_port", sockets.shell],
    ["control_port", sockets.control],
    ["stdin_port", sockets.stdin],
    ["hb_port", sockets.hb],
  ];
  const taken = new Set<number>();
  const bound = {} as Record<PortName, number>;
  for (const [name, socket] of pairs) {
    let wanted = info[name];
    if (info.transport === "ipc" && wanted === 0) wanted = freeIpcPort(info, taken);
    taken.add(wanted);
    const address = endpoint(info, wanted);
    try {
      await socket.bind(address);
    } catch (err) {
      const reason = (err as { code?: string }).code === "EADDRINUSE" || /in use/i.test((err as Error).message) ? "the port is already in use by another process" : (err as Error).message;
      throw new Error(`cannot listen on ${address} (${name} of the connection file): ${reason}`);
    }
    bound[name] = info.transport === "tcp" && wanted === 0 ? portOf(socket.lastEndpoint ?? "") : wanted;
  }
  const changed = pairs.some(([name]) => bound[name] !== init.connection[name]);
  if (changed && init.connectionFile) writeConnectionFile(init.connectionFile, { ...info, ...bound });
  return bound;
}

async function start(): Promise<void> {
  watchLauncher();
  let bound: Record<PortName, number>;
  try {
    bound = await bindAll();
  } catch (err) {
    toMain({ kind: "fatal", error: (err as Error).message });
    for (const socket of Object.values(sockets)) socket.close();
    return;
  }
  void serve("shell", sockets.shell);
  void serve("control", sockets.control);
  void serve("stdin", sockets.stdin);
  void heartbeat();
  void welcome();
  void status("starting", {});
  toMain({ kind: "bound", ports: bound });
  heapWatch.start();
}

/** The kernel ends itself once the process that started it is gone, start-up included (see launcher.ts). */
function watchLauncher(): void {
  const check = () => {
    const gone = launcherGone(init.startedBy);
    if (!gone) return;
    clearInterval(timer);
    log.warn(`${gone}; exiting`);
    process.kill(process.pid, "SIGTERM");
  };
  const timer = setInterval(check, 500);
  timer.unref();
  check();
}

void start();
