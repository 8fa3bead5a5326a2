/**
 * The connection file a Jupyter frontend writes before starting a kernel: where to bind the
 * five sockets and the key that signs every message.
 *
 * @example
 * const info = readConnectionFile("/run/user/1000/jupyter/kernel-1.json");
 * endpoint(info, info.shell_port); // "tcp://127.0.0.1:53794"
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ConnectionFileError } from "./errors.js";

export type Transport = "tcp" | "ipc";

export interface ConnectionInfo {
  transport: Transport;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** HMAC key; the empty string turns signing off. */
  key: string;
  /** `hmac-sha256` unless the frontend chose another digest. */
  signature_scheme: string;
  kernel_name?: string;
}

export const PORT_NAMES = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;
export type PortName = (typeof PORT_NAMES)[number];

/** Checks a parsed connection file and fills the defaults jupyter_client also assumes. */
export function parseConnectionInfo(raw: unknown, path?: string): ConnectionInfo {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConnectionFileError("connection file must hold a JSON object", path);
  }
  const obj = raw as Record<string, unknown>;
  const transport = obj.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new ConnectionFileError(`unsupported transport ${JSON.stringify(transport)} (expected "tcp" or "ipc")`, path);
  }
  const ip = obj.ip ?? (transport === "tcp" ? "127.0.0.1" : "kernel-ipc");
  if (typeof ip !== "string" || ip === "") {
    throw new ConnectionFileError(`"ip" must be a non-empty string, got ${JSON.stringify(obj.ip)}`, path);
  }
  const ports = {} as Record<PortName, number>;
  for (const name of PORT_NAMES) {
    const value = obj[name] ?? 0;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new ConnectionFileError(`"${name}" must be an integer port in 0..65535, got ${JSON.stringify(value)}`, path);
    }
    ports[name] = value;
  }
  const key = obj.key ?? "";
  if (typeof key !== "string") {
    throw new ConnectionFileError(`"key" must be a string, got ${typeof key}`, path);
  }
  const scheme = obj.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string" || !/^hmac-[a-z0-9-]+$/i.test(scheme)) {
    throw new ConnectionFileError(`"signature_scheme" must look like "hmac-sha256", got ${JSON.stringify(scheme)}`, path);
  }
  const kernelName = typeof obj.kernel_name === "string" ? obj.kernel_name : undefined;
  return { transport, ip, ...ports, key, signature_scheme: scheme, ...(kernelName ? { kernel_name: kernelName } : {}) };
}

export function readConnectionFile(path: string): ConnectionInfo {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConnectionFileError(`cannot read connection file ${path}: ${(err as Error).message}`, path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConnectionFileError(`connection file ${path} is not valid JSON: ${(err as Error).message}`, path);
  }
  return parseConnectionInfo(raw, path);
}

/** Writes the ports actually bound back, as ipykernel does when it was asked to pick them (port 0). */
export function writeConnectionFile(path: string, info: ConnectionInfo): void {
  writeFileSync(path, JSON.stringify(info, null, 1) + "\n", { mode: 0o600 });
}

/**
 * The ZeroMQ address of one socket. Port 0 over tcp means "any free port" (`tcp://ip:*`);
 * ipc endpoints follow jupyter_client's `<ip>-<port>` naming.
 */
export function endpoint(info: ConnectionInfo, port: number): string {
  if (info.transport === "ipc") return `ipc://${info.ip}-${port}`;
  const host = info.ip.includes(":") && !info.ip.startsWith("[") ? `[${info.ip}]` : info.ip;
  return `tcp://${host}:${port === 0 ? "*" : port}`;
}

/** The port of a bound endpoint such as `tcp://127.0.0.1:40123`; 0 when it has none. */
export function portOf(address: string): number {
  const match = /:(\d+)$/.exec(address) ?? /-(\d+)$/.exec(address);
  return match ? Number(match[1]) : 0;
}
