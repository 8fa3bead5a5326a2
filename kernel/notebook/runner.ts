/**
 * Executes a notebook through a real kernel, as a Jupyter client does: a process started here
 * and spoken to over ZeroMQ, or a kernel on a Jupyter Server (`server`). One
 * `execute_request` per code cell, in order, with the cell's IOPub messages (matched by parent
 * `msg_id`) recorded as its outputs until the kernel says `idle` and the `execute_reply` is in.
 *
 * Policy, as nbclient's:
 * - a cell that fails stops the run, unless it carries the `raises-exception` tag or the runner
 *   was asked to allow errors;
 * - a cell running longer than `timeout` seconds is interrupted (`interrupt_request`, SIGINT
 *   for kernelspecs with `interrupt_mode: "signal"`, the server's interrupt for a remote kernel)
 *   and stops the run;
 * - input() is answered from `inputs`, in order, or refused when there are none;
 * - `interrupt()` (Ctrl+C in `tsorch run`) interrupts the running cell and stops the run;
 *   a second call kills the kernel;
 * - empty code cells are not sent (their count stays null, as nbclient leaves them);
 * - the kernel is shut down at the end in every case.
 *
 * Everything that happens is reported to a listener, so a terminal can show the run live.
 *
 * @example
 * const runner = new NotebookRunner({ cwd: dirname(path), timeout: 60 });
 * const result = await runner.run(readNotebook(path));
 * result.status; // "ok" | "error" | "timeout" | "interrupted" | "kernel-died"
 */
import type { Message } from "../messages.js";
import { KernelDiedError, KernelSpecError } from "./errors.js";
import { findKernelSpec, type InstalledKernelSpec } from "./kernelspecs.js";
import type { CodeCell, MarkdownCell, Notebook } from "./nbformat.js";
import { cellTags, isCodeCell, joinText, RAISES_EXCEPTION_TAG } from "./nbformat.js";
import { OutputRecorder, type OutputEvent } from "./outputs.js";
import { WidgetStateRecorder } from "./widget-state.js";
import { startLocalKernel, type KernelIdentity, type RunKernel } from "./run-kernel.js";
import type { ServerOptions } from "./server.js";

export type { KernelIdentity } from "./run-kernel.js";

/** How a cell ended. `expected-error` is a failure the run goes on after (tag or `allowErrors`). */
export type CellStatus = "ok" | "error" | "expected-error" | "timeout" | "interrupted" | "kernel-died";

export type RunStatus = "ok" | "error" | "timeout" | "interrupted" | "kernel-died";

export type RunEvent =
  /** `where`: the server the kernel runs on ("" for a local process). */
  | { type: "kernel-started"; kernel: KernelIdentity; startupMs: number; banner: string; where: string }
  | { type: "markdown"; index: number; cell: MarkdownCell }
  | { type: "cell-start"; index: number; cell: CodeCell; position: number; total: number }
  | { type: "execution-count"; index: number; count: number }
  | { type: "output"; index: number; cell: CodeCell; event: OutputEvent; late: boolean }
  /** Documentation the kernel sent to the pager (`name?` cells, `help()`). */
  | { type: "page"; index: number; text: string }
  /** The cell ran past the timeout and is being interrupted. */
  | { type: "timeout"; index: number; seconds: number }
  /** The cell called input(): answered with `value`, or (none left) interrupted. */
  | { type: "input"; index: number; prompt: string; password: boolean; value?: string }
  | { type: "cell-end"; index: number; cell: CodeCell; status: CellStatus; elapsedMs: number };

export interface RunnerOptions {
  /** The kernel's working directory (nbclient uses the notebook's directory). */
  cwd: string;
  /** Seconds a cell may run before it is interrupted; undefined or 0 for no limit. */
  timeout?: number;
  /** Go on after every failing cell, not only those tagged `raises-exception`. */
  allowErrors?: boolean;
  /** An installed kernelspec to start instead of tsorch's own kernel. */
  kernelName?: string;
  /** Extra environment for the kernel. */
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the kernel to answer kernel_info at start. */
  startTimeout?: number;
  /** Seconds an interrupted cell gets to end before the kernel is killed. */
  interruptGrace?: number;
  /** Run on this Jupyter Server instead of starting a local process (`kernelName` names its kernelspec). */
  server?: ServerOptions;
  /**
   * Answers for the cells' input() calls, in order. Undefined: input() is refused (the kernel
   * raises StdinNotImplementedError). When the answers run out, the asking cell is interrupted.
   */
  inputs?: string[];
  onEvent?: (event: RunEvent) => void;
}

export interface RunResult {
  status: RunStatus;
  /** The notebook with outputs, execution counts and kernel metadata (the input object, updated). */
  notebook: Notebook;
  /** Index (in `notebook.cells`) of the cell that stopped the run. */
  failedCell?: number;
  /** Code cells sent to the kernel. */
  executed: number;
  /** Cells that failed where that was allowed (`raises-exception`, `allowErrors`). */
  expectedErrors: number;
  /** Set when the kernel died or could not start: why, with the end of its log. */
  kernelError?: KernelDiedError;
  /** The run stopped because the Jupyter Server went away. */
  serverLost?: boolean;
}

const POLL_MS = 100;

export class NotebookRunner {
  private kernel: RunKernel | undefined;
  private readonly recorder = new OutputRecorder();
  private readonly widgets = new WidgetStateRecorder();
  /** Which cell each execute_request was for, so late output (a timer's) lands in its own cell. */
  private readonly cellByMsgId = new Map<string, { index: number; cell: CodeCell }>();
  private runningMsgId: string | undefined;
  private interrupts = 0;
  /** The running cell ran past the timeout (so a kernel killed for not stopping is a timeout). */
  private timedOut = false;
  private expectedErrors = 0;
  /** The kernel broadcast a shutdown_reply: someone (the server, another client) is shutting it down. */
  private shutdownSeen = false;
  /** Answers for input() not used yet. */
  private readonly inputs: string[];

  constructor(private readonly options: RunnerOptions) {
    this.inputs = [...(options.inputs ?? [])];
  }

  /**
   * Asks the run to stop: the running cell is interrupted and no further cell runs. A second
   * call kills the kernel at once.
   */
  interrupt(): void {
    this.interrupts += 1;
    if (this.interrupts >= 2) void this.kernel?.kill().catch(() => undefined);
  }

  get interrupted(): boolean {
    return this.interrupts > 0;
  }

  /** Runs every cell; throws only a `KernelSpecError` (the kernel named cannot be found). */
  async run(notebook: Notebook): Promise<RunResult> {
    let identity: KernelIdentity;
    try {
      identity = await this.start();
    } catch (err) {
      if (err instanceof KernelSpecError) throw err;
      const kernelError = err instanceof KernelDiedError ? err : new KernelDiedError((err as Error).message, null, "");
      return { status: this.interrupted ? "interrupted" : "kernel-died", notebook, executed: 0, expectedErrors: 0, kernelError };
    }
    try {
      notebook.metadata.kernelspec = { ...(notebook.metadata.kernelspec ?? {}), ...identity };
      const languageInfo = this.kernel!.kernelInfo.language_info;
      if (typeof languageInfo === "object" && languageInfo !== null) notebook.metadata.language_info = languageInfo as Record<string, unknown>;
      return await this.runCells(notebook);
    } finally {
      await this.shutdown();
    }
  }

  private emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }

  private async start(): Promise<KernelIdentity> {
    const startTimeout = this.options.startTimeout ?? 60;
    let kernel: RunKernel;
    if (this.options.server) {
      // Loaded only for remote runs: @jupyterlab/services is large.
      const { startRemoteKernel } = await import("./remote-kernel.js");
      kernel = await startRemoteKernel({ server: this.options.server, kernelName: this.options.kernelName ?? "tsorch", startTimeout });
    } else {
      const spec = this.kernelSpec();
      kernel = await startLocalKernel({ cwd: this.options.cwd, ...(spec ? { spec } : {}), ...(this.options.env ? { env: this.options.env } : {}), startTimeout });
    }
    this.kernel = kernel;
    // Ctrl+C twice while the kernel was starting: it goes at once.
    if (this.interrupts >= 2) void kernel.kill().catch(() => undefined);
    this.emit({ type: "kernel-started", kernel: kernel.identity, startupMs: kernel.startupMs, banner: String(kernel.kernelInfo.banner ?? ""), where: kernel.where });
    return kernel.identity;
  }

  /** The installed kernelspec asked for; none for tsorch's own kernel (also when "tsorch" is not installed). */
  private kernelSpec(): InstalledKernelSpec | undefined {
    const name = this.options.kernelName;
    if (!name) return undefined;
    try {
      return findKernelSpec(name);
    } catch (err) {
      if (err instanceof KernelSpecError && name.toLowerCase() === "tsorch") return undefined;
      throw err;
    }
  }

  private async runCells(notebook: Notebook): Promise<RunResult> {
    const total = notebook.cells.filter((c) => isCodeCell(c) && joinText(c.source).trim() !== "").length;
    let position = 0;
    let executed = 0;
    const result = (status: RunStatus, extra: Partial<RunResult> = {}): RunResult => ({ status, notebook, executed, expectedErrors: this.expectedErrors, ...extra });
    for (const [index, cell] of notebook.cells.entries()) {
      if (this.interrupted) return result("interrupted");
      if (cell.cell_type === "markdown") {
        this.emit({ type: "markdown", index, cell });
        continue;
      }
      if (!isCodeCell(cell)) continue;
      if (joinText(cell.source).trim() === "") {
        this.recorder.reset(cell);
        cell.execution_count = null;
        continue;
      }
      position += 1;
      executed += 1;
      this.emit({ type: "cell-start", index, cell, position, total });
      const started = performance.now();
      let status: CellStatus;
      try {
        status = await this.execute(index, cell);
      } catch (err) {
        if (!(err instanceof KernelDiedError)) throw err;
        const status: RunStatus = this.timedOut ? "timeout" : this.interrupts >= 2 ? "interrupted" : "kernel-died";
        this.emit({ type: "cell-end", index, cell, status, elapsedMs: performance.now() - started });
        return result(status, { failedCell: index, kernelError: err, ...(this.kernel?.lost?.serverLost ? { serverLost: true } : {}) });
      }
      if (status === "expected-error") this.expectedErrors += 1;
      this.emit({ type: "cell-end", index, cell, status, elapsedMs: performance.now() - started });
      if (status === "error" || status === "timeout" || status === "interrupted") return result(status, { failedCell: index });
    }
    // Output that timers of earlier cells send after the last cell finished.
    this.drainIOPub();
    // The widgets' last state, saved with the notebook as JupyterLab saves it.
    if (!this.widgets.empty) notebook.metadata.widgets = this.widgets.metadata();
    return result("ok");
  }

  /** Runs one cell to its idle status and reply; returns how it ended. */
  private async execute(index: number, cell: CodeCell): Promise<CellStatus> {
    const kernel = this.kernel!;
    this.recorder.reset(cell);
    cell.execution_count = null;
    const msgId = kernel.execute(joinText(cell.source), this.options.inputs !== undefined);
    this.cellByMsgId.set(msgId, { index, cell });
    this.runningMsgId = msgId;

    const timeoutMs = this.options.timeout && this.options.timeout > 0 ? this.options.timeout * 1000 : Infinity;
    const graceMs = (this.options.interruptGrace ?? 10) * 1000;
    const started = performance.now();
    let reply: Message | undefined;
    let idle = false;
    let interruptedAt: number | undefined;
    let unanswered = false;
    this.timedOut = false;
    const isReply = (m: Message) => m.parent_header.msg_id === msgId;
    try {
      while (!(reply && idle)) {
        if (kernel.lost) throw this.died(`the kernel died while running cell ${index + 1}`);
        const now = performance.now();
        if (interruptedAt === undefined && now - started > timeoutMs) {
          this.timedOut = true;
          this.emit({ type: "timeout", index, seconds: this.options.timeout! });
        }
        if (interruptedAt === undefined && (this.timedOut || this.interrupted || unanswered)) {
          interruptedAt = now;
          kernel.interrupt();
        }
        if (interruptedAt !== undefined && now - interruptedAt > graceMs) {
          await kernel.kill();
          throw this.died(`cell ${index + 1} did not stop within ${graceMs / 1000} s of the interrupt; the kernel was killed`);
        }
        const request = kernel.takeInputRequest(msgId);
        if (request) unanswered = !this.answer(index, request);
        reply ??= kernel.takeReply(msgId);
        if (!idle) {
          const message = await kernel.nextIOPub(POLL_MS);
          if (message) {
            this.dispatch(message);
            if (isReply(message) && message.header.msg_type === "status" && message.content.execution_state === "idle") idle = true;
          } else await kernel.check();
        } else if (!reply) {
          reply = await kernel.waitReply(msgId, POLL_MS);
          if (!reply) await kernel.check();
        }
      }
      if (reply.content.status === "error" && reply.content.ename === "KeyboardInterrupt" && interruptedAt === undefined) {
        // An interrupt nobody here asked for: a kernel being shut down from elsewhere stops its cell
        // first. Its shutdown_reply follows on IOPub; wait a moment for it (or for the kernel to go).
        const until = performance.now() + 1000;
        while (!this.shutdownSeen && !kernel.lost && performance.now() < until) {
          const message = await kernel.nextIOPub(POLL_MS);
          if (message) this.dispatch(message);
          else await kernel.check();
        }
      }
      if (this.shutdownSeen) {
        // Shut down because the server is stopping, or by someone else through it?
        await kernel.check(true);
        if (!kernel.lost?.serverLost) throw this.died(`the kernel was shut down from elsewhere (the server, or another client) while running cell ${index + 1}`);
        throw this.died(`the kernel died while running cell ${index + 1}`);
      }
    } finally {
      this.runningMsgId = undefined;
    }

    const content = reply.content;
    if (typeof content.execution_count === "number") cell.execution_count = content.execution_count;
    for (const payload of Array.isArray(content.payload) ? content.payload : []) {
      const page = payload as { source?: string; data?: Record<string, unknown> };
      if (page.source === "page" && typeof page.data?.["text/plain"] === "string") this.emit({ type: "page", index, text: page.data["text/plain"] });
    }
    if (content.status === "ok") return "ok";
    if (this.timedOut) return "timeout";
    if (this.interrupted) return "interrupted";
    const expected = this.options.allowErrors === true || cellTags(cell).includes(RAISES_EXCEPTION_TAG);
    return expected ? "expected-error" : "error";
  }

  /** Answers an input_request with the next `--input` value; false when none is left. */
  private answer(index: number, request: Message): boolean {
    const prompt = String(request.content.prompt ?? "");
    const value = this.inputs.shift();
    this.emit({ type: "input", index, prompt, password: request.content.password === true, ...(value !== undefined ? { value } : {}) });
    if (value === undefined) return false;
    this.kernel!.answerInput(request, value);
    return true;
  }

  /** Routes one IOPub message to the cell that sent the request it answers. */
  private dispatch(message: Message): void {
    if (message.header.msg_type === "shutdown_reply") this.shutdownSeen = true;
    this.widgets.record(message);
    if (this.widgets.capture(message)) return; // inside an Output widget, not the cell
    const target = this.cellByMsgId.get(String(message.parent_header.msg_id ?? ""));
    if (!target) return;
    const type = message.header.msg_type;
    if (type === "execute_input" && typeof message.content.execution_count === "number") {
      this.emit({ type: "execution-count", index: target.index, count: message.content.execution_count });
      return;
    }
    const late = message.parent_header.msg_id !== this.runningMsgId;
    for (const event of this.recorder.record(target.cell, type, message.content)) {
      this.emit({ type: "output", index: target.index, cell: target.cell, event, late });
    }
  }

  private drainIOPub(): void {
    for (const message of this.kernel?.drainIOPub() ?? []) this.dispatch(message);
  }

  private died(message: string): KernelDiedError {
    const lost = this.kernel?.lost;
    return new KernelDiedError(message + (lost?.how ?? ""), lost?.code ?? null, this.kernel?.log(40) ?? "");
  }

  private async shutdown(): Promise<void> {
    const kernel = this.kernel;
    if (!kernel) return;
    this.kernel = undefined;
    await kernel.shutdown();
  }
}
