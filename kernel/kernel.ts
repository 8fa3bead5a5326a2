/**
 * The kernel's main thread: user code runs here, in one persistent namespace.
 *
 * Requests arrive from the I/O thread (`worker.ts`) already authenticated and parsed. Shell
 * requests are handled one at a time, in order, each wrapped in `status: busy` / `status: idle`
 * with the request as parent; replies and IOPub messages go back to the I/O thread to be
 * signed and sent.
 *
 * A cell runs in its own `RequestContext` (see `context.ts`) so that its output, timers and
 * comm traffic are attributed to it. An interrupt ends the running cell with a
 * `KeyboardInterrupt` error, clears the timers cells started, and keeps every variable.
 */
import { getHeapStatistics } from "node:v8";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { SHARED_SLOTS, Slot, type ToMain, type ToWorker, type WorkerInit } from "./bridge.js";
import { CommManager } from "./comms.js";
import * as widgets from "./widgets/index.js";
import { LiveDisplays } from "./widgets/live.js";
import { attachWidgets } from "./widgets/widget.js";
import { readConnectionFile, type ConnectionInfo } from "./connection.js";
import { currentContext, outputContext, RequestContext, requestContext, runInContext } from "./context.js";
import { createDisplayApi, isDisplayable, toDisplayData, type DisplayApi } from "./display.js";
import { ConnectionFileError, KeyboardInterrupt, MemoryError, SystemExit } from "./errors.js";
import { loadEvaluator, preloadCompiler, type EvalOutcome, type Evaluator, type FormattedError } from "./evaluator.js";
import { configuredBudget, heapBudget } from "./heap.js";
import { HistoryStore } from "./history.js";
import { kernelInfoContent } from "./kernel-info.js";
import { STARTED_BY } from "./launcher.js";
import { log } from "./log.js";
import { defaultSender, isObject, type Channel, type Header, type JSONObject, type KernelMessage, type Message, type ParentHeader } from "./messages.js";
import { captureProcessOutput, OutputRouter, writeToProcess } from "./output.js";
import { describeValue, KERNEL_HELP, pagePayload, parseHelpQuery } from "./pager.js";
import { KERNEL_SYMBOL, loadRuntime, loadRuntimeTools, preloadDeclarations, type KernelGlobals } from "./preload.js";
import { codePointLength, completeReply, historyReply, inspectReply, isCompleteReply, str } from "./requests.js";
import { StdinClient } from "./stdin.js";
import { TerminationGuard } from "./termination.js";
import { native, TimerRegistry } from "./timers.js";

interface QueuedRequest {
  channel: Channel;
  message: Message;
  /** Set when an earlier cell failed with stop_on_error: answered without running. */
  aborted?: boolean;
  /** Set when the I/O thread refused the request's content (too deep, too large, not JSON): why. */
  refused?: string;
}

interface RunningCell {
  context: RequestContext;
  finish(outcome: EvalOutcome): void;
}

const realExit = process.exit.bind(process);

/** Defined (true) in the bundled CLI (scripts/bundle.mjs), which bundles the I/O thread too. */
declare const TSORCH_BUNDLE: boolean | undefined;
/** The I/O thread's module, beside this one. */
const WORKER_MODULE = typeof TSORCH_BUNDLE !== "undefined" && TSORCH_BUNDLE ? "./worker.bundle.js" : "./worker.js";

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000) % 2 ** 31;
}

/** How long the kernel must be quiet before the evaluator's warm-up builds the project. */
const WARM_UP_QUIET_MS = 300;
/**
 * ...and this long after a frontend's kernel_info_request (answered by the I/O thread): a client
 * that just connected usually sends its first cells next (Run All, nbconvert, `tsorch run`), and
 * they should run at once in the quick path rather than wait for the whole warm-up.
 */
const WARM_UP_AFTER_CONNECT_MS = 1000;

export class Kernel {
  private readonly sender = defaultSender();
  private readonly shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 4));
  private readonly port: MessagePort;
  private readonly workerPort: MessagePort;
  private readonly stdinPort: MessagePort;
  private readonly workerStdinPort: MessagePort;
  private worker: Worker | undefined;

  readonly output: OutputRouter;
  readonly timers: TimerRegistry;
  readonly displayApi: DisplayApi;
  readonly comms: CommManager;
  readonly stdin: StdinClient;
  readonly history: HistoryStore;
  private readonly termination = new TerminationGuard(requestContext as never);
  private evaluatorPromise: Promise<Evaluator> | undefined;
  private runtime: ReturnType<typeof loadRuntime> | undefined;
  private evaluator: Evaluator | undefined;

  /** Number of executions stored in history so far; the next stored cell gets this + 1. */
  private executionCount = 0;
  private readonly queue: QueuedRequest[] = [];
  private busy = false;
  /** When the last shell request started (the warm-up waits for a quiet moment). */
  private lastRequestAt = 0;
  /** When the I/O thread last answered a kernel_info_request (a frontend connecting). */
  private lastKernelInfoAt = 0;
  private running: RunningCell | undefined;
  private handledInterrupt = 0;
  private shuttingDown = false;
  private bound: ((ports: Record<string, number>) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;

  constructor(
    private readonly connection: ConnectionInfo,
    private readonly connectionFile?: string,
  ) {
    const main = new MessageChannel();
    this.port = main.port1;
    this.workerPort = main.port2;
    const stdin = new MessageChannel();
    this.stdinPort = stdin.port1;
    this.workerStdinPort = stdin.port2;

    this.output = new OutputRouter((msgType, content, parent, extra) => this.post({ kind: "send", channel: "iopub", msgType, content, parent, ...extra }), writeToProcess);
    this.timers = new TimerRegistry((error, context) => this.reportAsyncError(error, context, "a timer callback"));
    const sink = {
      publish: (msgType: string, content: object, buffers?: Uint8Array[], metadata?: JSONObject) => {
        const context = outputContext();
        if (!context) return log.warn(`${msgType} outside any request was dropped`);
        if (context.silent) return;
        this.output.publish(msgType, content, context.parent, buffers || metadata ? { ...(buffers ? { buffers } : {}), ...(metadata ? { metadata } : {}) } : undefined);
      },
    };
    this.displayApi = createDisplayApi({ ...sink, warn: (text) => this.output.write("stderr", `[display] ${text}\n`) }, new LiveDisplays());
    this.comms = new CommManager({ ...sink, error: (error, where) => this.reportAsyncError(error, outputContext(), where) });
    attachWidgets(this.comms, (error, where) => this.reportAsyncError(error, outputContext(), where));
    this.stdin = new StdinClient(this.shared, this.stdinPort, (m) => this.post(m), () => this.output.flush());
    this.history = new HistoryStore();
  }

  // -------------------------------------------------------------------------------------------
  // Start-up

  /** Binds the sockets (in the I/O thread) and starts loading the evaluator; resolves when bound. */
  async start(): Promise<Record<string, number>> {
    this.installProcessHooks();
    // The runtime and the compiler load while the I/O thread binds the sockets: the first cell
    // needs both, and the I/O thread answers kernel_info by itself meanwhile.
    this.runtime = loadRuntime();
    this.runtime.catch(() => undefined); // reported when the evaluator loads
    native.setImmediate(() => void preloadCompiler((work) => this.protect(work)));
    const v8Limit = getHeapStatistics().heap_size_limit;
    const init: WorkerInit = {
      connection: this.connection,
      connectionFile: this.connectionFile,
      sender: this.sender,
      kernelInfo: kernelInfoContent(),
      shared: this.shared.buffer as SharedArrayBuffer,
      port: this.workerPort,
      stdinPort: this.workerStdinPort,
      startedBy: STARTED_BY,
      heap: { v8Limit, budget: heapBudget(v8Limit, configuredBudget(process.env, (text) => log.warn(text))) },
    };
    const bound = new Promise<Record<string, number>>((resolve, reject) => {
      this.bound = resolve;
      this.failed = reject;
    });
    this.port.on("message", (message: ToMain) => this.onMessage(message));
    this.worker = new Worker(new URL(WORKER_MODULE, import.meta.url), {
      workerData: init,
      transferList: [this.workerPort, this.workerStdinPort],
      // The worker's own stdio goes straight to the process's descriptors, not into a cell's output.
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.on("data", (chunk: Buffer) => writeToProcess("stdout", chunk.toString()));
    this.worker.stderr.on("data", (chunk: Buffer) => writeToProcess("stderr", chunk.toString()));
    this.worker.on("error", (err) => {
      log.error("the I/O thread failed:", err);
      this.failed?.(err);
      realExit(1);
    });
    this.worker.on("exit", (code) => {
      if (!this.shuttingDown) {
        log.error(`the I/O thread exited (code ${code}); stopping the kernel`);
        realExit(1);
      }
    });
    const ports = await bound;
    // Loading TypeScript is kernel work an interrupt must not cut short (see worker.ts); so is each warm-up step.
    Atomics.add(this.shared, Slot.PROTECTED, 1);
    this.evaluatorPromise = this.loadEvaluator();
    this.evaluatorPromise.catch((err: unknown) => {
      log.error("cannot start the evaluator:", err);
      Atomics.sub(this.shared, Slot.PROTECTED, 1);
    });
    return ports;
  }

  private async loadEvaluator(): Promise<Evaluator> {
    const runtime = await (this.runtime ?? loadRuntime());
    const kernelGlobals: KernelGlobals = {
      display: this.displayApi.display,
      updateDisplay: this.displayApi.updateDisplay,
      clearOutput: this.displayApi.clearOutput,
      input: (prompt, options) => this.stdin.request(prompt, options),
      prompt: (message, options) => this.stdin.request(message, options),
      help: (...args: unknown[]) => this.help(args),
      comms: this.comms,
      widgets,
      ...(await loadRuntimeTools(runtime)),
      exit: () => this.askExit(),
      quit: () => this.askExit(),
    };
    (globalThis as Record<symbol, unknown>)[KERNEL_SYMBOL] = { ...kernelGlobals, executionCount: () => this.executionCount };
    // Only names the cells cannot already see: console, timers and the rest stay Node's globals.
    const globals: Record<string, unknown> = { ...runtime.exports, ...kernelGlobals };
    // Compiling a cell is kernel work an interrupt must not cut short; the cell's own code is not.
    const onCompiling = (compiling: boolean) => void Atomics.add(this.shared, Slot.PROTECTED, compiling ? 1 : -1);
    const evaluator = await loadEvaluator({ cwd: process.cwd(), globals, preloadDeclarations: preloadDeclarations(), onCompiling, quickStart: true });
    this.evaluator = evaluator;
    // Warm the TypeScript service once the thread is free, so later cells do not pay for it.
    // Loading is over; the warm-up's steps are protected one at a time, so a cell that spins while
    // the warm-up waits for its next turn can still be stopped at once.
    Atomics.sub(this.shared, Slot.PROTECTED, 1);
    const step = <T>(work: () => T): T => this.protect(work);
    const started = performance.now();
    // Building the project is one long synchronous parse: a cell arriving meanwhile would wait for
    // all of it. The cells a frontend sends right after start (Run All) run before the checker
    // instead, so the warm-up starts only once the kernel has been quiet for a moment.
    const warmUpWhenQuiet = () => {
      const now = performance.now();
      if (this.busy || this.queue.length > 0 || now - this.lastRequestAt < WARM_UP_QUIET_MS || now - this.lastKernelInfoAt < WARM_UP_AFTER_CONNECT_MS) {
        native.setTimeout(warmUpWhenQuiet, WARM_UP_QUIET_MS).unref();
        return;
      }
      evaluator.warmUp(step).then(
        () => log.info(`evaluator warm ${(performance.now() - started).toFixed(0)} ms after it loaded`),
        (err: unknown) => log.warn("evaluator warm-up failed:", err),
      );
    };
    native.setTimeout(warmUpWhenQuiet, WARM_UP_QUIET_MS).unref();
    return evaluator;
  }

  /** Runs kernel work (loading the compiler, a warm-up step) that an interrupt must not cut short. */
  private protect<T>(work: () => T): T {
    Atomics.add(this.shared, Slot.PROTECTED, 1);
    try {
      return work();
    } finally {
      Atomics.sub(this.shared, Slot.PROTECTED, 1);
    }
  }

  private installProcessHooks(): void {
    this.termination.install();
    Atomics.store(this.shared, Slot.TERMINATION_SAFE, this.termination.supported() ? 1 : 0);
    captureProcessOutput(this.output);
    this.timers.install();
    // Without a listener SIGINT would kill the process; with one, `vm`'s breakOnSigint still wins while a cell runs synchronously.
    this.termination.listenForSigint(() => this.onSignal());
    process.on("uncaughtException", (error) => this.reportAsyncError(error, outputContext(), "a callback"));
    process.on("unhandledRejection", (reason) => this.reportAsyncError(reason, outputContext(), "a promise nobody awaited"));
    // Node prints warnings as "(node:123) UserWarning: ..." on the process's stderr; a notebook user
    // expects Python's "UserWarning: ..." in the cell that caused it (the runtime warns through
    // process.emitWarning: size mismatches in losses, a view that mixes samples, ...).
    process.removeAllListeners("warning");
    process.on("warning", (w: Error) => this.output.write("stderr", `${w.name}: ${w.message}\n`, outputContext()));
    process.exit = ((code?: number | string) => {
      if (currentContext()) throw new SystemExit(code);
      return realExit(code as number);
    }) as typeof process.exit;
  }

  private post(message: ToWorker): void {
    this.port.postMessage(message);
  }

  // -------------------------------------------------------------------------------------------
  // Messages from the I/O thread

  private onMessage(message: ToMain): void {
    this.termination.recover();
    switch (message.kind) {
      case "bound":
        this.bound?.(message.ports);
        break;
      case "fatal":
        this.failed?.(new ConnectionFileError(message.error, this.connectionFile));
        break;
      case "request":
        if (message.channel === "control") void this.handleControl(message.message);
        else {
          this.queue.push({ channel: message.channel, message: message.message, ...(message.refused !== undefined ? { refused: message.refused } : {}) });
          this.pump();
        }
        break;
      case "kernel_info":
        this.lastKernelInfoAt = performance.now();
        break;
      case "interrupt":
        this.onInterrupt(message.seq, message.cell);
        break;
      case "shutdown":
        this.onShutdown();
        break;
      case "closed":
        // The I/O thread has closed its sockets: let it end before the process does, so ZeroMQ's
        // teardown runs in a thread that is still whole (an exit racing it aborted now and then).
        void Promise.race([this.worker?.terminate(), new Promise((resolve) => native.setTimeout(resolve, 1000))]).finally(() => realExit(0));
        break;
    }
  }

  private pump(): void {
    if (this.busy || this.shuttingDown) return;
    const next = this.queue.shift();
    if (!next) return;
    this.busy = true;
    this.lastRequestAt = performance.now();
    this.handleShell(next).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  private send(channel: Channel, request: Message, msgType: string, content: object): void {
    this.output.flush();
    this.post({ kind: "send", channel, msgType, content, parent: request.header, identities: request.identities });
  }

  private status(state: "busy" | "idle", parent: ParentHeader): void {
    this.output.publish("status", { execution_state: state } satisfies KernelMessage.IStatusMsg["content"], parent);
  }

  private async handleShell(item: QueuedRequest): Promise<void> {
    const { message, channel } = item;
    const type = message.header.msg_type;
    this.status("busy", message.header);
    try {
      if (item.refused !== undefined) this.replyRefused(channel, message, item.refused);
      else if (item.aborted) this.replyAborted(message);
      else await this.dispatch(channel, message);
    } catch (err) {
      log.error(`error while handling ${type}:`, err);
      if (type.endsWith("_request")) {
        const e = err as Error;
        this.send(channel, message, type.replace(/_request$/, "_reply"), {
          status: "error",
          ename: e?.name ?? "Error",
          evalue: e?.message ?? String(err),
          traceback: [],
          ...(type === "execute_request" ? { execution_count: this.executionCount } : {}),
        });
      }
    } finally {
      this.output.flush();
      this.status("idle", message.header);
      this.post({ kind: "done", channel });
    }
  }

  private async handleControl(message: Message): Promise<void> {
    // kernel_info, interrupt and shutdown are answered by the I/O thread; anything else lands here.
    this.status("busy", message.header);
    if (message.header.msg_type === "kernel_info_request") this.send("control", message, "kernel_info_reply", kernelInfoContent());
    else log.warn(`unsupported control message ${message.header.msg_type} ${message.header.msg_id}; no reply`);
    this.status("idle", message.header);
  }

  private async dispatch(channel: Channel, message: Message): Promise<void> {
    const content = message.content;
    switch (message.header.msg_type) {
      case "execute_request":
        return this.execute(channel, message);
      case "complete_request":
        return this.send(channel, message, "complete_reply", await completeReply(await this.ready(), content));
      case "inspect_request":
        return this.send(channel, message, "inspect_reply", await inspectReply(await this.ready(), content));
      case "is_complete_request":
        return this.send(channel, message, "is_complete_reply", await isCompleteReply(await this.ready(), content));
      case "history_request":
        return this.send(channel, message, "history_reply", historyReply(this.history, content));
      case "comm_info_request":
        return this.send(channel, message, "comm_info_reply", {
          status: "ok",
          comms: this.comms.info(str(content.target_name)),
        } satisfies KernelMessage.ICommInfoReplyMsg["content"]);
      case "kernel_info_request":
        return this.send(channel, message, "kernel_info_reply", kernelInfoContent());
      case "connect_request": {
        const { shell_port, iopub_port, stdin_port, hb_port, control_port } = this.connection;
        return this.send(channel, message, "connect_reply", { status: "ok", shell_port, iopub_port, stdin_port, hb_port, control_port });
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return this.comm(message);
      default:
        log.warn(`unsupported shell message ${message.header.msg_type} ${message.header.msg_id}; no reply`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // execute

  private async ready(): Promise<Evaluator> {
    if (!this.evaluatorPromise) throw new Error("the kernel has not started");
    return this.evaluatorPromise;
  }

  private async execute(channel: Channel, message: Message): Promise<void> {
    const content = message.content as Partial<KernelMessage.IExecuteRequestMsg["content"]>;
    const code = content.code;
    if (typeof code !== "string") {
      return this.send(channel, message, "execute_reply", {
        status: "error",
        ename: "TypeError",
        evalue: "execute_request content.code must be a string",
        traceback: [],
        execution_count: this.executionCount,
      });
    }
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    const stopOnError = content.stop_on_error !== false;
    const count = storeHistory ? this.executionCount + 1 : this.executionCount;
    if (storeHistory) {
      this.executionCount = count;
      this.history.storeInput(count, code);
    }
    const context = new RequestContext(message.header, message.identities, { allowStdin: content.allow_stdin === true, silent, executionCount: count });
    if (!silent) this.output.publish("execute_input", { code, execution_count: count } satisfies KernelMessage.IExecuteInputMsg["content"], message.header);

    const evaluator = await this.ready();
    const help = parseHelpQuery(code);
    let outcome: EvalOutcome;
    if (help) outcome = await this.page(context, evaluator, help.target, help.detailLevel);
    else if (code.trim() === "") outcome = { status: "ok", value: undefined, hasValue: false };
    else outcome = await this.runCell(context, evaluator, code, count);
    // Bars and plots drawn as widgets get their final text, HTML and image forms in the saved output.
    runInContext(context, () => this.displayApi.settle());

    let reply: JSONObject;
    if (outcome.status === "ok") {
      if (outcome.hasValue && outcome.value !== undefined) {
        const warnings: string[] = [];
        const { data, metadata } = runInContext(context, () => toDisplayData(outcome.value, warnings));
        for (const w of warnings) this.output.write("stderr", `[display] ${w}\n`, context);
        if (!silent) {
          const result = { execution_count: count, data, metadata } as KernelMessage.IExecuteResultMsg["content"];
          this.output.publish("execute_result", result, message.header);
        }
        if (storeHistory && typeof data["text/plain"] === "string") this.history.storeOutput(count, data["text/plain"].slice(0, 100_000));
      }
      // A fresh kernel runs its first cells before the type checker is ready, so the result shows
      // sooner; the cell is checked now, before its reply, and what the checker finds is this
      // cell's error (Run All stops here as it would have).
      const late = this.lateChecks(evaluator);
      if (late.length > 0) {
        for (const error of late) if (!silent) this.output.publish("error", error, message.header);
        reply = { status: "error", ...late[0]!, execution_count: count, user_expressions: {}, payload: [] };
        if (stopOnError) this.abortQueuedExecutes();
      } else {
        const userExpressions = await this.userExpressions(content.user_expressions, evaluator, message, count);
        reply = { status: "ok", execution_count: count, payload: context.payloads, user_expressions: userExpressions };
      }
    } else {
      const error: FormattedError & KernelMessage.IErrorMsg["content"] = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
      if (!silent && outcome.status === "runtime_error") this.publishErrorDisplay(context, outcome.error, message.header);
      if (!silent) for (const late of this.lateChecks(evaluator)) this.output.publish("error", late, message.header);
      if (!silent) this.output.publish("error", error, message.header);
      reply = { status: "error", ...error, execution_count: count, user_expressions: {}, payload: [] };
      if (stopOnError) this.abortQueuedExecutes();
    }
    context.finished = true;
    this.output.finishRequest(context);
    this.send(channel, message, "execute_reply", reply);
  }

  /** What checking the cells that ran before the type checker was ready found (see `Evaluator.checkLate`). */
  private lateChecks(evaluator: Evaluator): FormattedError[] {
    try {
      return (evaluator.checkLate?.() ?? []).map(({ ename, evalue, traceback }) => ({ ename, evalue, traceback }));
    } catch (err) {
      log.warn("checking the first cells failed:", err);
      return [];
    }
  }

  /**
   * An error that can show itself (a shape error carrying its trace, the failing layer and the
   * sizes that would work) is displayed before its traceback, so notebooks show the explanation
   * as HTML and terminals as text. Plain errors get only the `error` message.
   */
  private publishErrorDisplay(context: RequestContext, error: unknown, parent: ParentHeader): void {
    if (!isDisplayable(error)) return;
    try {
      const { data, metadata } = runInContext(context, () => toDisplayData(error));
      this.output.publish("display_data", { data, metadata, transient: {} }, parent);
    } catch (e) {
      log.warn("an error's display bundle failed:", e);
    }
  }

  /**
   * Runs one cell. The evaluation starts in its own turn of the event loop (setImmediate), so that
   * if the I/O thread has to terminate a runaway execution, what dies is that turn and not this
   * function; the cell then ends through `finish`, which an interrupt can also call.
   */
  private runCell(context: RequestContext, evaluator: Evaluator, code: string, count: number): Promise<EvalOutcome> {
    return new Promise<EvalOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: EvalOutcome) => {
        if (settled) return;
        settled = true;
        if (outcome.status !== "ok" && Atomics.load(this.shared, Slot.MEMORY_CELL) === context.seq) outcome = this.memoryError();
        if (this.running?.context === context) this.running = undefined;
        Atomics.store(this.shared, Slot.CELL, 0);
        resolve(outcome);
      };
      this.running = { context, finish };
      Atomics.store(this.shared, Slot.HEAP_AT_START_MIB, Math.round(process.memoryUsage().heapUsed / 2 ** 20));
      Atomics.store(this.shared, Slot.CELL, context.seq);
      native.setImmediate(() => {
        if (this.shuttingDown) {
          return finish({ status: "runtime_error", error: undefined, ename: "KernelShutdown", evalue: "not run: the kernel is shutting down", traceback: [] });
        }
        runInContext(context, () => {
          let pending: Promise<EvalOutcome>;
          try {
            pending = evaluator.execute(code, count);
          } catch (err) {
            return finish(this.runtimeError(err, count));
          }
          pending.then(finish, (err: unknown) => finish(this.runtimeError(err, count)));
        });
      });
    });
  }

  /** The outcome of a cell the I/O thread stopped for growing the heap past the limit. */
  private memoryError(): EvalOutcome {
    const mib = (slot: number) => Atomics.load(this.shared, slot) * 2 ** 20;
    const error = new MemoryError(mib(Slot.MEMORY_USED_MIB), mib(Slot.MEMORY_LIMIT_MIB), getHeapStatistics().heap_size_limit);
    const advice = "variables defined so far are kept; free memory by dropping large values (x = undefined), or give the kernel more with `tsorch install --max-heap 4g`";
    return { status: "runtime_error", error, ename: error.name, evalue: error.message, traceback: [`\u001b[0;31mMemoryError\u001b[0m: ${error.message}`, advice] };
  }

  private runtimeError(error: unknown, count: number): EvalOutcome {
    const formatted = this.formatError(error, count);
    return { status: "runtime_error", error, ...formatted };
  }

  private formatError(error: unknown, count?: number): FormattedError {
    try {
      if (this.evaluator) return this.evaluator.formatError(error, count);
    } catch (err) {
      log.warn("formatError failed:", err);
    }
    const e = error as Error;
    const ename = typeof e?.name === "string" ? e.name : "Error";
    const evalue = typeof e?.message === "string" ? e.message : String(error);
    return { ename, evalue, traceback: [`${ename}: ${evalue}`] };
  }

  /** `name?` as a cell: the evaluator's documentation of `name`, sent to the pager. */
  private async page(context: RequestContext, evaluator: Evaluator, target: string, detailLevel: 0 | 1): Promise<EvalOutcome> {
    let data: Record<string, string>;
    try {
      const result = await evaluator.inspect(target, codePointLength(target), detailLevel);
      data = result.found && Object.keys(result.data).length > 0 ? result.data : { "text/plain": `Object \`${target}\` not found.` };
    } catch (err) {
      data = { "text/plain": `Cannot inspect \`${target}\`: ${(err as Error).message}` };
    }
    context.payloads.push(pagePayload(data));
    return { status: "ok", value: undefined, hasValue: false };
  }

  private help(args: unknown[]): void {
    const context = currentContext();
    const text = args.length === 0 ? KERNEL_HELP : describeValue(args[0]);
    if (context && !context.finished && context.parent.msg_type === "execute_request") context.payloads.push(pagePayload({ "text/plain": text }));
    else this.output.write("stdout", text + "\n");
  }

  /** IPython's `exit`: a payload asking the frontend to close; the kernel itself keeps running. */
  private askExit(): void {
    const context = currentContext();
    if (context && context.parent.msg_type === "execute_request") context.payloads.push({ source: "ask_exit", keepkernel: false });
  }

  private async userExpressions(expressions: unknown, evaluator: Evaluator, message: Message, count: number): Promise<JSONObject> {
    const out: JSONObject = {};
    if (!isObject(expressions)) return out;
    for (const [name, expression] of Object.entries(expressions)) {
      if (typeof expression !== "string") {
        out[name] = { status: "error", ename: "TypeError", evalue: "user expression must be a string", traceback: [] };
        continue;
      }
      const context = new RequestContext(message.header, message.identities, { allowStdin: false, silent: true, executionCount: count });
      const outcome = await this.runCell(context, evaluator, expression, count);
      if (outcome.status === "ok") {
        const { data, metadata } = toDisplayData(outcome.value);
        out[name] = { status: "ok", data, metadata };
      } else out[name] = { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    }
    return out;
  }

  /**
   * stop_on_error: execute requests already queued when a cell fails are answered with an error
   * without running (ipykernel's abort). Messages the I/O thread has posted but this thread has
   * not yet received count as queued, so they are pulled in first.
   */
  private abortQueuedExecutes(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.onMessage(m.message as ToMain);
    for (const item of this.queue) if (item.message.header.msg_type === "execute_request") item.aborted = true;
  }

  private replyRefused(channel: Channel, message: Message, reason: string): void {
    const type = message.header.msg_type;
    this.send(channel, message, type.replace(/_request$/, "_reply"), {
      status: "error",
      ename: "ProtocolError",
      evalue: `message refused: ${reason}`,
      traceback: [],
      ...(type === "execute_request" ? { execution_count: this.executionCount, user_expressions: {}, payload: [] } : {}),
    });
  }

  /**
   * An aborted execute is answered as ipykernel answers it: `{ status: "aborted" }` and nothing
   * else. With no `execution_count` in the reply, frontends leave the skipped cell's prompt empty
   * (JupyterLab copies any count it finds onto the cell, so `[2]` would show on cells that never ran).
   */
  private replyAborted(message: Message): void {
    this.send("shell", message, "execute_reply", { status: "aborted" });
  }

  // -------------------------------------------------------------------------------------------
  // comms

  private comm(message: Message): void {
    const context = new RequestContext(message.header, message.identities, { allowStdin: false, silent: false, executionCount: this.executionCount });
    runInContext(context, () => {
      const { content, buffers, header, metadata } = message;
      if (header.msg_type === "comm_open") this.comms.handleOpen(content, buffers, header as Header, metadata);
      else if (header.msg_type === "comm_msg") this.comms.handleMsg(content, buffers, header as Header, metadata);
      else this.comms.handleClose(content, buffers, header as Header, metadata);
    });
    this.output.finishRequest(context);
  }

  // -------------------------------------------------------------------------------------------
  // Interrupts, errors outside cells, shutdown

  private onInterrupt(seq: number, cell: number): void {
    if (seq <= this.handledInterrupt) return;
    this.handledInterrupt = seq;
    Atomics.store(this.shared, Slot.INTERRUPT_ACK, seq);
    const running = this.running;
    if (cell !== 0 && running && running.context.seq !== cell) return; // that cell is over; this one was not meant
    this.interrupt();
  }

  /** SIGINT from outside (a signal-mode frontend, Ctrl-C in a terminal); the I/O thread's own come with a message. */
  private onSignal(): void {
    const sentAt = Atomics.load(this.shared, Slot.SIGNAL_TIME);
    if (sentAt !== 0 && Math.abs(nowSeconds() - sentAt) <= 2) return;
    this.interrupt();
  }

  private interrupt(): void {
    const cleared = this.timers.clear();
    const running = this.running;
    if (!running) {
      if (cleared > 0) log.info(`interrupt cleared ${cleared} timers`);
      return;
    }
    try {
      this.evaluator?.abortPending?.(); // frees the evaluator's own wait on the cell's promise
    } catch (err) {
      log.warn("abortPending failed:", err);
    }
    const note = cleared > 0 ? ` (${cleared} timer${cleared === 1 ? "" : "s"} cleared)` : "";
    const error = new KeyboardInterrupt(`interrupted by the user${note}`);
    running.finish({
      status: "runtime_error",
      error,
      ename: "KeyboardInterrupt",
      evalue: error.message,
      traceback: [`\u001b[0;31mKeyboardInterrupt\u001b[0m: ${error.message}; variables defined so far are kept`],
    });
  }

  private reportAsyncError(error: unknown, context: RequestContext | undefined, where: string): void {
    if (error instanceof SystemExit) return; // already explained by the cell that called it
    const formatted = this.formatError(error, context?.options.executionCount);
    const text = `[tsorch] uncaught error in ${where}:\n${formatted.traceback.join("\n")}\n`;
    this.output.write("stderr", text, context);
  }

  private onShutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    Atomics.store(this.shared, Slot.SHUTDOWN_SEEN, 1);
    this.timers.clear();
    this.output.flush();
    this.post({ kind: "close" });
    native.setTimeout(() => realExit(0), 2000).unref();
  }
}

/** `tsorch kernel --connection-file FILE`: runs until a shutdown_request (or a signal) ends it. */
export async function runKernel(connectionFile: string): Promise<Kernel> {
  const connection = readConnectionFile(connectionFile);
  const kernel = new Kernel(connection, connectionFile);
  const ports = await kernel.start();
  log.info(`kernel ready on ${connection.transport}://${connection.ip} ports ${JSON.stringify(ports)}`);
  return kernel;
}
