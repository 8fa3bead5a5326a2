/**
 * `torch.save` / `torch.load` and `safetensors.*`: the file edge of the
 * checkpoint formats. Everything here is paths and dispatch; the formats
 * themselves (torch-format.ts, safetensors.ts) take and give bytes only.
 *
 * @example
 * torch.save(net.state_dict(), "lenet.pt");             // PyTorch's zip format: torch.load("lenet.pt") in PyTorch
 * net.load_state_dict(torch.load("lenet.pt"));
 * torch.save(net.state_dict(), "lenet.safetensors");    // by extension: safetensors
 * const sd = safetensors.load_file("lenet.safetensors");
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { ArgumentError, TsorchError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type LoadOptions, type MapLocation, loadCheckpoint, saveCheckpoint } from "./torch-format.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import { attachSummary } from "./summary.js";

export type { LoadOptions, MapLocation } from "./torch-format.js";
export { UnpicklingError, CheckpointError, SafetensorError } from "../errors.js";

/** What `torch.load` reads: a path, or the file's bytes. */
export type CheckpointSource = string | Uint8Array | ArrayBuffer;

export interface SaveOptions {
  /** safetensors only: the header's `__metadata__` (strings to strings). */
  metadata?: Record<string, string>;
  /** Force a format instead of choosing by extension. */
  format?: "torch" | "safetensors";
}

const isSafetensorsPath = (p: string): boolean => /\.safetensors$/i.test(p);

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new TsorchError(`[Errno 2] No such file or directory: '${path}'`, "FileNotFoundError");
    if (code === "EISDIR") throw new TsorchError(`[Errno 21] Is a directory: '${path}'`, "IsADirectoryError");
    throw e;
  }
}

function toBytes(f: CheckpointSource): { bytes: Uint8Array; source: string; path: string | null } {
  if (typeof f === "string") return { bytes: readBytes(f), source: basename(f), path: f };
  if (f instanceof Uint8Array) return { bytes: f, source: "checkpoint", path: null };
  if (f instanceof ArrayBuffer) return { bytes: new Uint8Array(f), source: "checkpoint", path: null };
  throw new ArgumentError(`torch.load expects a path, a Uint8Array or an ArrayBuffer, got ${f === null ? "null" : typeof f}`, "f", "TypeError");
}

/** True for bytes that begin as a safetensors file does (a small header length, then `{`). */
function looksLikeSafetensors(b: Uint8Array): boolean {
  if (b.length < 10 || b[8] !== 0x7b) return false;
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  return n > 0n && n <= BigInt(b.length - 8);
}

/**
 * `torch.save(obj, f)`: writes PyTorch's checkpoint format (a `.safetensors`
 * path writes safetensors). Without `f`, returns the bytes.
 *
 * @example
 * torch.save({ model: net.state_dict(), optimizer: optimizer.state_dict(), epoch: 3 }, "run.pt");
 */
export function save(obj: unknown, f?: string, options: SaveOptions = {}): Uint8Array | undefined {
  const format = options.format ?? (typeof f === "string" && isSafetensorsPath(f) ? "safetensors" : "torch");
  let bytes: Uint8Array;
  if (format === "safetensors") {
    bytes = encodeSafetensors(obj as Record<string, Tensor>, options.metadata ?? null);
  } else {
    if (options.metadata) throw new ArgumentError("metadata is written by the safetensors format only", "metadata");
    const stem = typeof f === "string" ? basename(f).replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_.-]/g, "_") || "archive" : "archive";
    bytes = saveCheckpoint(obj, stem);
  }
  if (f === undefined) return bytes;
  writeFileSync(f, bytes);
  return undefined;
}

/** Tells the options object from a dict `map_location` (`{ "cuda:0": "cpu" }`). */
function loadOptions(arg: MapLocation | LoadOptions | undefined, more: LoadOptions): LoadOptions {
  if (typeof arg === "object" && arg !== null && Object.getPrototypeOf(arg) === Object.prototype &&
    ("map_location" in arg || "weights_only" in arg || "mmap" in arg)) return { ...(arg as LoadOptions), ...more };
  return { ...more, map_location: arg as MapLocation };
}

/**
 * `torch.load(f, map_location?)`: reads what `torch.save` wrote, in PyTorch
 * 1.13 or 2.x (or a safetensors file), weights-only: tensors, state dicts,
 * optimizer states and plain containers; any other pickled global is an
 * `UnpicklingError` naming it. In a notebook the result shows its tensors.
 *
 * @example
 * net.load_state_dict(torch.load("lenet.pt"));
 * torch.load("model.pt", { map_location: "cpu" });
 * torch.load("model.pt", "meta");     // shapes only, nothing read
 */
export function load(f: CheckpointSource, map_location?: MapLocation | LoadOptions, options: LoadOptions = {}): any {
  const { bytes, source, path } = toBytes(f);
  const opts = loadOptions(map_location, options);
  if ((path !== null && isSafetensorsPath(path)) || looksLikeSafetensors(bytes)) {
    const { tensors, metadata } = decodeSafetensors(bytes);
    return attachSummary(tensors, source, metadata);
  }
  return attachSummary(loadCheckpoint(bytes, opts), source);
}

/**
 * The `safetensors` package's functions (`safetensors.torch` in Python).
 *
 * @example
 * safetensors.save_file(net.state_dict(), "lenet.safetensors", { format: "pt" });
 * safetensors.load_file("lenet.safetensors");
 */
export const safetensors = {
  /** The bytes of a safetensors file holding `tensors`. */
  save(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata: Record<string, string> | null = null): Uint8Array {
    return encodeSafetensors(tensors, metadata);
  },
  /** Tensors from the bytes of a safetensors file. */
  load(data: Uint8Array | ArrayBuffer): Record<string, Tensor> {
    const { tensors, metadata } = decodeSafetensors(data instanceof Uint8Array ? data : new Uint8Array(data));
    return attachSummary(tensors, "safetensors", metadata);
  },
  save_file(tensors: Record<string, Tensor> | Map<string, Tensor>, filename: string, metadata: Record<string, string> | null = null): void {
    writeFileSync(filename, encodeSafetensors(tensors, metadata));
  },
  /** Tensors of a safetensors file (`device` may only be "cpu"). */
  load_file(filename: string, device: string = "cpu"): Record<string, Tensor> {
    if (device !== "cpu") throw new ArgumentError(`tsorch loads tensors on the CPU only, not '${device}'`, "device");
    const { tensors, metadata } = decodeSafetensors(readBytes(filename));
    return attachSummary(tensors, basename(filename), metadata);
  },
  /** The header's `__metadata__` of a safetensors file or its bytes (null when it has none). */
  metadata(f: string | Uint8Array): Record<string, string> | null {
    return decodeSafetensors(typeof f === "string" ? readBytes(f) : f).metadata;
  },
};
