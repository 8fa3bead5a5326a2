/**
 * The Jupyter wire format over ZeroMQ, and its authentication.
 *
 *     [identities..., "<IDS|MSG>", hmac-hex, header, parent_header, metadata, content, buffers...]
 *
 * The signature is checked in constant time on the raw frames *before* any JSON is parsed, so a
 * forged or corrupt message costs one HMAC and is never interpreted. A signature seen before is
 * a replay and is refused too (jupyter_client keeps the same kind of bounded digest history).
 *
 * @example
 * const signer = new Signer("secret", "hmac-sha256");
 * const frames = encode(message, signer);
 * const back = decode(frames, signer, new ReplayGuard()); // { ok: true, message }
 */
import { createHmac, getHashes, timingSafeEqual } from "node:crypto";
import { isObject, type Header, type JSONObject, type Message, type ParentHeader } from "./messages.js";

export const DELIMITER = "<IDS|MSG>";
const DELIMITER_BYTES = Buffer.from(DELIMITER);

/** Signs and verifies messages; an empty key means signing is off (signature `""`). */
export class Signer {
  private readonly key: Buffer;
  private readonly digest: string;

  constructor(key: string, scheme = "hmac-sha256") {
    this.key = Buffer.from(key, "utf8");
    const digest = scheme.replace(/^hmac-/i, "").toLowerCase();
    if (!getHashes().includes(digest)) {
      throw new Error(`unsupported signature scheme ${JSON.stringify(scheme)}`);
    }
    this.digest = digest;
  }

  get enabled(): boolean {
    return this.key.length > 0;
  }

  sign(parts: readonly Uint8Array[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac(this.digest, this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  /** Constant-time comparison of a received hex signature with the expected one. */
  verify(signature: Uint8Array, parts: readonly Uint8Array[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(parts), "latin1");
    if (signature.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength), expected);
  }
}

/** Remembers the last `capacity` signatures; a message whose signature is already known is a replay. */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 65536) {}

  /** Records the signature; returns true when it had been seen before. */
  check(signature: string): boolean {
    if (signature === "") return false; // unsigned traffic (empty key) cannot be told apart
    if (this.seen.has(signature)) return true;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) {
      // Sets iterate in insertion order: drop the oldest tenth at once rather than one per message.
      let drop = Math.ceil(this.capacity / 10);
      for (const old of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(old);
      }
    }
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * Limits on what one incoming message may hold. JSON deeper than `depth` would make every
 * recursive walk over it (`JSON.stringify` when the header is echoed as a reply's parent,
 * structured clone between threads) overflow the stack; a message larger than `bytes` is refused
 * before it is parsed. Both are far beyond anything a frontend sends (widget state is a few levels deep).
 */
export const MESSAGE_LIMITS = {
  depth: 64,
  bytes: envBytes("TSORCH_MAX_MESSAGE_BYTES", 256 * 2 ** 20),
};

function envBytes(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * The header fields of a message refused after its signature was verified, so that its sender
 * can still be answered: only flat string fields are kept, whatever else the header held.
 */
export interface RefusedRequest {
  identities: Uint8Array[];
  header: Header;
}

export type DecodeResult =
  | { ok: true; message: Message }
  | { ok: false; reason: string; /** Set when the message was authentic (signed) and its header names a request. */ refused?: RefusedRequest };

/**
 * How deeply arrays and objects nest in a JSON text, read from the bytes without parsing (and
 * without recursion); stops counting at `limit + 1`.
 */
export function jsonDepth(frame: Uint8Array, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < frame.length; i++) {
    const c = frame[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** The flat string fields of a header frame, if it is a JSON object with a msg_type and msg_id. */
function salvageHeader(frame: Uint8Array): Header | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const header: Record<string, string> = {};
  for (const field of ["msg_id", "msg_type", "session", "username", "date", "version"]) {
    const v = value[field];
    if (typeof v === "string" && v.length <= 1024) header[field] = v;
  }
  if (!header.msg_id || !header.msg_type) return undefined;
  return header as unknown as Header;
}

function parseDict(frame: Uint8Array, what: string): JSONObject | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("utf8"));
  } catch (err) {
    return `${what} is not valid JSON (${(err as Error).message})`;
  }
  if (!isObject(value)) return `${what} is not a JSON object`;
  return value;
}

function checkHeader(header: JSONObject): string | undefined {
  for (const field of ["msg_id", "msg_type"] as const) {
    if (typeof header[field] !== "string" || header[field] === "") return `header.${field} must be a non-empty string`;
  }
  for (const field of ["session", "username", "version", "date"] as const) {
    if (header[field] !== undefined && typeof header[field] !== "string") return `header.${field} must be a string`;
  }
  return undefined;
}

/**
 * Decodes the frames of one incoming message. Never throws: anything wrong (missing delimiter,
 * too few frames, bad or replayed signature, invalid JSON, missing header fields) is a refusal
 * with a reason for the log.
 */
export function decode(frames: readonly Uint8Array[], signer: Signer, replay: ReplayGuard): DecodeResult {
  const at = frames.findIndex((f) => f.length === DELIMITER_BYTES.length && DELIMITER_BYTES.equals(f));
  if (at < 0) return { ok: false, reason: "no <IDS|MSG> delimiter" };
  if (frames.length < at + 6) return { ok: false, reason: `expected at least 5 frames after the delimiter, got ${frames.length - at - 1}` };
  const signature = frames[at + 1]!;
  const dicts = frames.slice(at + 2, at + 6);
  if (signer.enabled) {
    if (signature.length === 0) return { ok: false, reason: "unsigned message (the connection key requires a signature)" };
    if (!signer.verify(signature, dicts)) return { ok: false, reason: "invalid signature" };
    if (replay.check(Buffer.from(signature).toString("latin1"))) return { ok: false, reason: "replayed message (signature seen before)" };
  }
  const identities = frames.slice(0, at).map((f) => new Uint8Array(f));
  // From here on the message is authentic (or signing is off): a refusal names the request it refuses.
  const refuse = (reason: string): DecodeResult => {
    const header = frames[at + 2]!.length <= MESSAGE_LIMITS.bytes ? salvageHeader(frames[at + 2]!) : undefined;
    return { ok: false, reason, ...(header ? { refused: { identities, header } } : {}) };
  };
  let bytes = 0;
  for (let i = at + 2; i < frames.length; i++) bytes += frames[i]!.length;
  if (bytes > MESSAGE_LIMITS.bytes) return refuse(`message of ${bytes} bytes is larger than the limit of ${MESSAGE_LIMITS.bytes} bytes (TSORCH_MAX_MESSAGE_BYTES)`);
  const names = ["header", "parent_header", "metadata", "content"];
  for (let i = 0; i < 4; i++) {
    const depth = jsonDepth(dicts[i]!, MESSAGE_LIMITS.depth);
    if (depth > MESSAGE_LIMITS.depth) return refuse(`${names[i]} nests deeper than ${MESSAGE_LIMITS.depth} levels`);
  }
  const parsed: JSONObject[] = [];
  for (let i = 0; i < 4; i++) {
    const dict = parseDict(dicts[i]!, names[i]!);
    if (typeof dict === "string") return refuse(dict);
    parsed.push(dict);
  }
  const headerProblem = checkHeader(parsed[0]!);
  if (headerProblem) return refuse(headerProblem);
  return {
    ok: true,
    message: {
      identities,
      header: parsed[0] as unknown as Header,
      parent_header: parsed[1] as ParentHeader,
      metadata: parsed[2]!,
      content: parsed[3]!,
      buffers: frames.slice(at + 6).map((f) => new Uint8Array(f)),
    },
  };
}

/** JSON for the wire; values JSON cannot hold (undefined, functions) are dropped, bigints become numbers. */
export function toJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) ?? "{}";
}

/** Encodes a message into frames ready for a ROUTER/XPUB send. */
export function encode(message: Omit<Message, "content"> & { content: object }, signer: Signer): Buffer[] {
  const dicts = [
    Buffer.from(toJSON(message.header)),
    Buffer.from(toJSON(message.parent_header)),
    Buffer.from(toJSON(message.metadata)),
    Buffer.from(toJSON(message.content)),
  ];
  const signature = Buffer.from(signer.sign(dicts), "latin1");
  return [
    ...message.identities.map((id) => Buffer.from(id)),
    DELIMITER_BYTES,
    signature,
    ...dicts,
    ...message.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  ];
}
