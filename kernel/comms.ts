/**
 * Comms: long-lived, two-way channels between kernel-side objects and frontend widgets
 * (ipywidgets-style). Either side may open one on a named target; then both send messages
 * until one side closes it.
 *
 * @example
 * comms.registerTarget("counter", (comm, open) => {
 *   let n = Number(open.data.start ?? 0);
 *   comm.onMsg((data) => comm.send({ n: (n += Number(data.step ?? 1)) }));
 * });
 * const c = comms.open("plot", { title: "loss" });   // kernel-initiated
 * c.send({ points: [1, 0.5, 0.25] });
 * c.close();
 */
import { randomUUID } from "node:crypto";
import { isObject, type Header, type JSONObject } from "./messages.js";

export interface CommMessage {
  data: JSONObject;
  metadata: JSONObject;
  buffers: Uint8Array[];
  /** The header of the frontend message (absent for kernel-initiated events). */
  header?: Header;
}

export type CommMsgHandler = (data: JSONObject, message: CommMessage) => void;
export type CommTargetHandler = (comm: Comm, open: CommMessage) => void;

/** Where comm messages go: IOPub, with the current request as parent. */
export interface CommSink {
  /** `metadata` is the message's own metadata (where ipykernel puts a comm's, e.g. the widget protocol version). */
  publish(msgType: "comm_open" | "comm_msg" | "comm_close", content: object, buffers?: Uint8Array[], metadata?: JSONObject): void;
  /** An error thrown by a handler: reported, never fatal. */
  error(error: unknown, where: string): void;
}

export class Comm {
  private readonly msgHandlers: CommMsgHandler[] = [];
  private readonly closeHandlers: CommMsgHandler[] = [];
  private isClosed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly manager: CommManager,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends `data` to the frontend side of this comm. */
  send(data: JSONObject = {}, metadata: JSONObject = {}, buffers: Uint8Array[] = []): void {
    if (this.isClosed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.manager.sink.publish("comm_msg", { comm_id: this.id, data }, buffers, metadata);
  }

  /** Closes the comm on both sides. Closing twice does nothing. */
  close(data: JSONObject = {}, metadata: JSONObject = {}): void {
    if (this.isClosed) return;
    this.manager.sink.publish("comm_close", { comm_id: this.id, data }, [], metadata);
    this.closedBy({ data, metadata, buffers: [] });
  }

  /** Calls `handler` for each message from the frontend; returns a function that stops it. */
  onMsg(handler: CommMsgHandler): () => void {
    this.msgHandlers.push(handler);
    return () => void this.msgHandlers.splice(this.msgHandlers.indexOf(handler) >>> 0, 1);
  }

  /** Calls `handler` once when the comm closes, from either side. */
  onClose(handler: CommMsgHandler): () => void {
    this.closeHandlers.push(handler);
    return () => void this.closeHandlers.splice(this.closeHandlers.indexOf(handler) >>> 0, 1);
  }

  /** @internal */
  received(message: CommMessage): void {
    for (const handler of [...this.msgHandlers]) {
      try {
        handler(message.data, message);
      } catch (err) {
        this.manager.sink.error(err, `comm ${this.targetName} message handler`);
      }
    }
  }

  /** @internal */
  closedBy(message: CommMessage): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.manager.forget(this.id);
    for (const handler of [...this.closeHandlers]) {
      try {
        handler(message.data, message);
      } catch (err) {
        this.manager.sink.error(err, `comm ${this.targetName} close handler`);
      }
    }
  }
}

/** A frontend message; its metadata is the message's (JupyterLab puts the widget protocol version there), else the content's. */
function asCommMessage(content: JSONObject, buffers: Uint8Array[], header?: Header, metadata?: JSONObject): CommMessage {
  return {
    data: isObject(content.data) ? content.data : {},
    metadata: metadata && Object.keys(metadata).length > 0 ? metadata : isObject(content.metadata) ? content.metadata : {},
    buffers,
    ...(header ? { header } : {}),
  };
}

export class CommManager {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, Comm>();

  constructor(readonly sink: CommSink) {}

  /** Lets the frontend open comms on `name`; `handler` receives each new comm. */
  registerTarget(name: string, handler: CommTargetHandler): void {
    if (typeof name !== "string" || name === "") throw new TypeError("registerTarget(name, handler): name must be a non-empty string");
    if (typeof handler !== "function") throw new TypeError("registerTarget(name, handler): handler must be a function");
    this.targets.set(name, handler);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel side. */
  open(targetName: string, data: JSONObject = {}, metadata: JSONObject = {}, buffers: Uint8Array[] = []): Comm {
    if (typeof targetName !== "string" || targetName === "") throw new TypeError("open(targetName): targetName must be a non-empty string");
    const comm = new Comm(randomUUID().replace(/-/g, ""), targetName, this);
    this.comms.set(comm.id, comm);
    this.sink.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, buffers, metadata);
    return comm;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** Open comms, optionally only those of one target: the comm_info_reply `comms` field. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (targetName === undefined || comm.targetName === targetName) out[comm.id] = { target_name: comm.targetName };
    }
    return out;
  }

  /** comm_open from the frontend. An unknown target gets the comm closed again, as ipykernel does. */
  handleOpen(content: JSONObject, buffers: Uint8Array[], header?: Header, metadata?: JSONObject): void {
    const id = content.comm_id;
    const target = content.target_name;
    if (typeof id !== "string" || typeof target !== "string") {
      this.sink.error(new TypeError("comm_open needs string comm_id and target_name"), "comm_open");
      return;
    }
    const handler = this.targets.get(target);
    if (!handler) {
      this.sink.publish("comm_close", { comm_id: id, data: {} });
      this.sink.error(new Error(`no comm target named ${JSON.stringify(target)}`), "comm_open");
      return;
    }
    const comm = new Comm(id, target, this);
    this.comms.set(id, comm);
    try {
      handler(comm, asCommMessage(content, buffers, header, metadata));
    } catch (err) {
      this.sink.error(err, `comm target ${target}`);
      comm.close();
    }
  }

  handleMsg(content: JSONObject, buffers: Uint8Array[], header?: Header, metadata?: JSONObject): void {
    const comm = typeof content.comm_id === "string" ? this.comms.get(content.comm_id) : undefined;
    if (!comm) {
      this.sink.error(new Error(`comm_msg for unknown comm ${JSON.stringify(content.comm_id)}`), "comm_msg");
      return;
    }
    comm.received(asCommMessage(content, buffers, header, metadata));
  }

  handleClose(content: JSONObject, buffers: Uint8Array[], header?: Header, metadata?: JSONObject): void {
    const comm = typeof content.comm_id === "string" ? this.comms.get(content.comm_id) : undefined;
    if (!comm) return; // closing twice, or a comm we refused: nothing to do
    comm.closedBy(asCommMessage(content, buffers, header, metadata));
  }

  /** @internal */
  forget(id: string): void {
    this.comms.delete(id);
  }
}
