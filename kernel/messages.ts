/**
 * Jupyter messages as the kernel handles them: the four dictionaries of the wire format plus
 * the routing identities and binary buffers.
 *
 * Content types come from `@jupyterlab/services` (`KernelMessage`), imported for types only so
 * nothing of it is loaded at run time.
 */
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { KernelMessage } from "@jupyterlab/services";

export type { KernelMessage };

/** The protocol version this kernel speaks (kernel_info on control, XPUB + iopub_welcome). */
export const PROTOCOL_VERSION = "5.5";

export type JSONObject = Record<string, unknown>;

/** A message header; `msg_type` is any string because frontends may send types we do not know. */
export type Header = Omit<KernelMessage.IHeader, "msg_type"> & { msg_type: string };

/** A parent header: the header of the request being answered, or `{}` when there is none. */
export type ParentHeader = Header | Record<string, never>;

export type Channel = "shell" | "control" | "stdin" | "iopub";

/** A decoded message as it travels between the kernel's threads. */
export interface Message<C extends object = JSONObject> {
  /** ZeroMQ routing prefix (ROUTER identities, or the topic on IOPub). */
  identities: Uint8Array[];
  header: Header;
  parent_header: ParentHeader;
  metadata: JSONObject;
  content: C;
  buffers: Uint8Array[];
}

/** Who the kernel is in the headers it writes. */
export interface Sender {
  session: string;
  username: string;
}

export function defaultSender(): Sender {
  let username = process.env.USER ?? "";
  if (!username) {
    try {
      username = userInfo().username;
    } catch {
      username = "kernel";
    }
  }
  return { session: randomUUID(), username };
}

let counter = 0;

/**
 * A fresh header. Message ids are `<session>_<pid>_<n>` like jupyter_client's, which makes them
 * unique per message and easy to trace back to a kernel process in logs.
 */
export function makeHeader(msgType: string, sender: Sender): Header {
  counter += 1;
  return {
    msg_id: `${sender.session}_${process.pid}_${counter}`,
    msg_type: msgType,
    session: sender.session,
    username: sender.username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

export function isObject(value: unknown): value is JSONObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
