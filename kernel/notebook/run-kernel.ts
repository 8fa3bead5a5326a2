/**
 * The kernel a `NotebookRunner` drives, wherever it runs: a process started here and spoken to
 * over ZeroMQ (`startLocalKernel`), or a kernel on a Jupyter Server reached through its REST and
 * websocket API (`startRemoteKernel` in remote-kernel.ts). The runner sends execute requests and
 * reads the replies, IOPub messages and input requests the kernel sends back; everything about
 * where the kernel lives (signals, process groups, HTTP) stays behind this interface.
 *
 * @example
 * const kernel = await startLocalKernel({ cwd: ".", startTimeout: 60 });
 * const msgId = kernel.execute("1 + 1", false);
 * await kernel.nextIOPub(100); // status busy, execute_input, execute_result, status idle …
 * await kernel.shutdown();
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchKernel, type LaunchedKernel } from "../client.js";
import type { JSONObject, Message } from "../messages.js";
import { KernelDiedError } from "./errors.js";
import type { InstalledKernelSpec } from "./kernelspecs.js";

export interface KernelIdentity {
  /** The kernelspec name recorded in the notebook's metadata. */
  name: string;
  display_name: string;
  language: string;
}

/** Why a kernel is gone, once it is. */
export interface KernelLoss {
  /** Appended to "the kernel died while running cell N": " (exit code 1)", " (killed by a signal)", … */
  how: string;
  /** The process's exit code, when known. */
  code: number | null;
  /** The kernel went because the server did: the notebook cannot be finished elsewhere either. */
  serverLost?: boolean;
}

export interface RunKernel {
  readonly identity: KernelIdentity;
  /** The content of the kernel_info_reply (language_info, banner, …). */
  readonly kernelInfo: JSONObject;
  /** Milliseconds from asking for the kernel to its first kernel_info_reply. */
  readonly startupMs: number;
  /** Where the kernel runs, for messages ("" for a local process). */
  readonly where: string;
  /** Sends an execute_request for one cell; returns its msg_id. */
  execute(code: string, allowStdin: boolean): string;
  /** The next IOPub message, waiting up to `ms`; undefined when none came. */
  nextIOPub(ms: number): Promise<Message | undefined>;
  /** Every IOPub message received and not taken yet (output timers send after the last cell). */
  drainIOPub(): Message[];
  /** The execute_reply to `msgId` when it has arrived (removed from the inbox). */
  takeReply(msgId: string): Message | undefined;
  /** Waits up to `ms` for the execute_reply to `msgId`. */
  waitReply(msgId: string, ms: number): Promise<Message | undefined>;
  /** An input_request sent by the request `msgId`, when one is waiting. */
  takeInputRequest(msgId: string): Message | undefined;
  answerInput(request: Message, value: string): void;
  /** Interrupts the running cell (interrupt_request, SIGINT or the server's interrupt). */
  interrupt(): void;
  /** Ends the kernel at once; resolves when it is gone. */
  kill(): Promise<void>;
  /** Set once the kernel is gone. */
  readonly lost: KernelLoss | undefined;
  /**
   * Checks whether a kernel that went quiet is still there (called while waiting on a cell);
   * `now` asks even when the connection looks healthy.
   */
  check(now?: boolean): Promise<void>;
  /** The end of the kernel's log ("" when it cannot be read from here). */
  log(lines: number): string;
  /** Shuts the kernel down (politely, then by force), and closes the connection. */
  shutdown(): Promise<void>;
}

export interface LocalKernelOptions {
  cwd: string;
  /** An installed kernelspec to start instead of tsorch's own kernel. */
  spec?: InstalledKernelSpec;
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for kernel_info. */
  startTimeout: number;
}

const BUILTIN: KernelIdentity = { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" };

/** Starts tsorch's kernel (or `spec`'s) as a child process in its own process group. */
export async function startLocalKernel(options: LocalKernelOptions): Promise<RunKernel> {
  const { spec } = options;
  // A short ipc path when the temp dir allows it (no port races); tcp otherwise.
  const transport = join(tmpdir(), "tsorch-kernel-XXXXXX", "kernel-5").length < 100 ? "ipc" : "tcp";
  let kernel: LaunchedKernel;
  try {
    kernel = await launchKernel({
      cwd: options.cwd,
      env: { ...(spec?.env ?? {}), ...(options.env ?? {}) },
      timeout: options.startTimeout * 1000,
      transport,
      detached: true,
      ...(spec ? { argv: spec.argv } : {}),
    });
  } catch (err) {
    const message = (err as Error).message;
    const log = /before answering:\n([\s\S]*)$/.exec(message)?.[1] ?? "";
    const what = spec ? `the ${spec.name} kernel (${spec.argv[0]})` : "the tsorch kernel";
    throw new KernelDiedError(`${what} did not start: ${message.split("\n")[0]}`, null, log);
  }
  return new LocalKernel(kernel, spec);
}

class LocalKernel implements RunKernel {
  readonly identity: KernelIdentity;
  readonly where = "";
  private exit: { code: number | null } | undefined;

  constructor(
    private readonly kernel: LaunchedKernel,
    private readonly spec: InstalledKernelSpec | undefined,
  ) {
    this.identity = spec ? { name: spec.name, display_name: spec.display_name, language: spec.language } : BUILTIN;
    void kernel.exited.then((code) => (this.exit = { code }));
  }

  get kernelInfo(): JSONObject {
    return this.kernel.kernelInfo.content;
  }

  get startupMs(): number {
    return this.kernel.startupMs;
  }

  get lost(): KernelLoss | undefined {
    if (!this.exit) return undefined;
    const { code } = this.exit;
    return { code, how: code === null ? " (killed by a signal)" : ` (exit code ${code})` };
  }

  execute(code: string, allowStdin: boolean): string {
    return this.kernel.client.send("shell", "execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: allowStdin,
      stop_on_error: false,
    }).msg_id;
  }

  nextIOPub(ms: number): Promise<Message | undefined> {
    return this.kernel.client.inbox.iopub.take(() => true, ms, "IOPub").catch(() => undefined);
  }

  drainIOPub(): Message[] {
    return this.kernel.client.inbox.iopub.messages.splice(0);
  }

  takeReply(msgId: string): Message | undefined {
    return takeNow(this.kernel.client.inbox.shell.messages, (m) => m.parent_header.msg_id === msgId);
  }

  waitReply(msgId: string, ms: number): Promise<Message | undefined> {
    return this.kernel.client.inbox.shell.take((m) => m.parent_header.msg_id === msgId, ms, "execute_reply").catch(() => undefined);
  }

  takeInputRequest(msgId: string): Message | undefined {
    return takeNow(this.kernel.client.inbox.stdin.messages, (m) => m.parent_header.msg_id === msgId && m.header.msg_type === "input_request");
  }

  answerInput(request: Message, value: string): void {
    this.kernel.client.send("stdin", "input_reply", { value }, { parent: request.header });
  }

  interrupt(): void {
    if (this.spec?.interrupt_mode === "signal") this.kernel.process.kill("SIGINT");
    else this.kernel.client.send("control", "interrupt_request", {});
  }

  async kill(): Promise<void> {
    this.kernel.process.kill("SIGKILL");
    await this.kernel.exited;
  }

  async check(): Promise<void> {
    // The exit event says it all for a child process.
  }

  log(lines: number): string {
    return tail(this.kernel.stderr(), lines);
  }

  async shutdown(): Promise<void> {
    try {
      await this.kernel.stop(5000);
    } catch {
      this.kernel.process.kill("SIGKILL");
    }
  }
}

/** Removes and returns the first message matching, without waiting. */
export function takeNow(messages: Message[], match: (m: Message) => boolean): Message | undefined {
  const i = messages.findIndex(match);
  return i >= 0 ? messages.splice(i, 1)[0] : undefined;
}

export function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n").trim();
}
