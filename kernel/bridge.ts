/**
 * What the two threads of a running kernel say to each other.
 *
 * The worker thread owns the ZeroMQ sockets (so heartbeat and control answer while a cell
 * computes); the main thread runs user code. They talk over MessagePorts, plus a small
 * SharedArrayBuffer for the things a busy main thread must see or wait on synchronously:
 * stdin replies, interrupt acknowledgements, and which cell is running.
 */
import type { MessagePort } from "node:worker_threads";
import type { ConnectionInfo } from "./connection.js";
import type { StartedBy } from "./launcher.js";
import type { Channel, Header, JSONObject, Message, ParentHeader, Sender } from "./messages.js";

/** Int32 slots of the shared state. */
export const Slot = {
  /** Stdin handshake, one of the `StdinState` values. */
  STDIN: 0,
  /** Incremented by the worker for each interrupt it starts. */
  INTERRUPT_SEQ: 1,
  /** The last interrupt sequence number the main thread has handled. */
  INTERRUPT_ACK: 2,
  /** Above 0 while the main thread runs kernel code that must not be terminated (loading TypeScript, compiling a cell). */
  PROTECTED: 3,
  /** Sequence number of the running cell, 0 when none. */
  CELL: 4,
  /** Cell that was running when the worker last raised SIGINT. */
  SIGNAL_CELL: 5,
  /** Seconds (mod 2^31) of the last SIGINT the worker raised, to tell it from an external one. */
  SIGNAL_TIME: 6,
  /** 1 when the main thread can recover from a terminated execution (see termination.ts). */
  TERMINATION_SAFE: 7,
  /** 1 once the main thread has taken in a shutdown request and is on its way out. */
  SHUTDOWN_SEEN: 8,
  /** Sequence number of the cell the I/O thread stopped because the heap outgrew the limit (see heap.ts). */
  MEMORY_CELL: 9,
  /** The heap used then, and the limit, in MiB. */
  MEMORY_USED_MIB: 10,
  MEMORY_LIMIT_MIB: 11,
  /** The heap in use (MiB) when the running cell started, garbage included. */
  HEAP_AT_START_MIB: 12,
} as const;
export const SHARED_SLOTS = 13;

/** Where the main thread keeps the function the I/O thread calls (by inspector) before terminating. */
export const PREPARE_TERMINATION = Symbol.for("tsorch.kernel.prepareTermination");
export const PREPARE_EXPRESSION = `globalThis[Symbol.for("tsorch.kernel.prepareTermination")]?.()`;

export const StdinState = { IDLE: 0, WAITING: 1, REPLIED: 2, INTERRUPTED: 3, CLOSED: 4 } as const;

/** Everything the worker needs to start. */
export interface WorkerInit {
  connection: ConnectionInfo;
  connectionFile: string | undefined;
  sender: Sender;
  kernelInfo: object;
  shared: SharedArrayBuffer;
  /** Main ⇄ worker messages. */
  port: MessagePort;
  /** Worker → main stdin replies, read synchronously with `receiveMessageOnPort`. */
  stdinPort: MessagePort;
  /** Who started the process (the kernel ends itself when they are gone). */
  startedBy: StartedBy;
  /** V8's heap limit and the kernel's own, in bytes (see heap.ts). */
  heap: { v8Limit: number; budget: number };
}

/** Worker → main. */
export type ToMain =
  | { kind: "bound"; ports: Record<string, number> }
  | { kind: "fatal"; error: string }
  /** `refused`: an authentic request the I/O thread could not accept (why); answered with an error reply. */
  | { kind: "request"; channel: Channel; message: Message; refused?: string }
  /** The I/O thread answered a kernel_info_request itself: a frontend is there, its cells may follow. */
  | { kind: "kernel_info" }
  | { kind: "interrupt"; seq: number; cell: number }
  | { kind: "shutdown"; restart: boolean }
  | { kind: "closed" };

/** Main → worker. */
export type ToWorker =
  | {
      kind: "send";
      channel: Channel;
      msgType: string;
      content: object;
      parent: ParentHeader;
      metadata?: JSONObject;
      identities?: Uint8Array[];
      buffers?: Uint8Array[];
    }
  /** A shell request forwarded earlier is fully answered (reply and idle sent). */
  | { kind: "done"; channel: Channel }
  | { kind: "cell"; seq: number; running: boolean }
  | { kind: "input_request"; prompt: string; password: boolean; parent: Header; identities: Uint8Array[] }
  | { kind: "close" };

/** Worker → main on the stdin port. */
export interface StdinReply {
  value: string;
}
