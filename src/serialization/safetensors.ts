/**
 * The safetensors format, bytes in and bytes out: an 8-byte little-endian
 * header length, a JSON header (`{"__metadata__": {...}, "name": {"dtype":
 * "F32", "shape": [...], "data_offsets": [begin, end]}, ...}`, padded with
 * spaces to a multiple of 8), then the tensors' bytes, contiguous and
 * little-endian. No code, no pickle: loading only checks and copies.
 *
 * The reader applies the checks of the reference implementation: a header
 * of at most 100 MB that fits the file, known dtypes, sizes that match their
 * byte ranges, and ranges that tile the data exactly (no gap, no overlap).
 *
 * @example
 * const bytes = encodeSafetensors(net.state_dict(), { format: "pt" });
 * net.load_state_dict(decodeSafetensors(bytes).tensors);
 */
import { SafetensorError } from "../errors.js";
import { type DType, bool, float32, float64, int32, int64, uint8 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { shapeNumel } from "../tensor/strided.js";
import { setOwn } from "./py-types.js";

const CODES: Record<string, DType> = { F32: float32, F64: float64, I64: int64, I32: int32, U8: uint8, BOOL: bool };
const CODE_OF: Record<string, string> = { float32: "F32", float64: "F64", int64: "I64", int32: "I32", uint8: "U8", bool: "BOOL" };
/** Codes of the format that tsorch has no dtype for (named in the error). */
const FOREIGN = new Set(["F16", "BF16", "I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "C64", "F4", "F6_E2M3", "F6_E3M2", "E8M0", "F8_E8M0"]);
const MAX_HEADER = 100_000_000;

/** A decoded file: the tensors in file order and the header's `__metadata__`. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
}

/** The bytes of a safetensors file holding `tensors` (any layout; written contiguous) and `metadata`. */
export function encodeSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata: Record<string, string> | null = null): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new SafetensorError(`Key \`${name}\` is invalid, expected torch.Tensor but received ${t === null ? "None" : typeof t}`);
    if (t.is_meta) throw new SafetensorError(`Cannot save '${name}': a tensor on the 'meta' device has no values`);
  }
  if (metadata !== null) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new SafetensorError(`metadata values must be strings; '${k}' is ${typeof v}`);
    }
  }
  // Larger elements first, then by name, as the reference writer orders them (keeps every tensor aligned).
  entries.sort(([a, x], [b, y]) => y.dtype.itemsize - x.dtype.itemsize || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== null) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const bytes = elementBytes(t);
    setOwn(header, name, { dtype: CODE_OF[t.dtype.name], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] });
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A tensor's elements in row-major order as little-endian bytes. */
function elementBytes(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const n = t.numel();
  const src = c.storage.data.subarray(c.storage_offset(), c.storage_offset() + n);
  const out = new Uint8Array(n * t.dtype.itemsize);
  const view = new DataView(out.buffer);
  switch (t.dtype.name) {
    case "float32": for (let i = 0; i < n; i++) view.setFloat32(4 * i, src[i]!, true); break;
    case "float64": for (let i = 0; i < n; i++) view.setFloat64(8 * i, src[i]!, true); break;
    case "int64": for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(src[i]!), true); break;
    case "int32": for (let i = 0; i < n; i++) view.setInt32(4 * i, src[i]!, true); break;
    default: out.set(src as Uint8Array);
  }
  return out;
}

/** Reads a safetensors file; every malformation is a `SafetensorError`. */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) throw new SafetensorError(`HeaderTooSmall: the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw new SafetensorError(`HeaderTooLarge: the header claims ${n64} bytes (at most ${MAX_HEADER})`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw new SafetensorError(`InvalidHeaderLength: the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let header: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith("{")) throw new Error("the header does not start with '{'");
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorError(`InvalidHeaderDeserialization: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorError("InvalidHeaderDeserialization: the header is not a JSON object");
  const data = bytes.subarray(8 + n);
  let metadata: Record<string, string> | null = null;
  const infos: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info) || Object.values(info).some((v) => typeof v !== "string")) {
        throw new SafetensorError("InvalidHeaderDeserialization: __metadata__ must map strings to strings");
      }
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const i = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof i !== "object" || i === null || typeof i.dtype !== "string" || !Array.isArray(i.shape) || !Array.isArray(i.data_offsets) || i.data_offsets.length !== 2) {
      throw new SafetensorError(`InvalidHeaderDeserialization: the entry for '${name}' needs dtype, shape and data_offsets`);
    }
    const dtype = CODES[i.dtype];
    if (!dtype) {
      throw new SafetensorError(FOREIGN.has(i.dtype)
        ? `'${name}' is ${i.dtype}, a dtype tsorch has not got (it has F32, F64, I64, I32, U8 and BOOL); convert it before saving`
        : `InvalidHeaderDeserialization: unknown dtype '${i.dtype}' for '${name}'`);
    }
    const shape = i.shape as unknown[];
    if (shape.length > 64 || shape.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorError(`InvalidHeaderDeserialization: the shape of '${name}' must be non-negative integers`);
    }
    const [begin, end] = i.data_offsets as unknown[];
    if (typeof begin !== "number" || typeof end !== "number" || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
      throw new SafetensorError(`InvalidOffset: '${name}' has data_offsets [${String(begin)}, ${String(end)}]`);
    }
    const numel = shapeNumel(shape as number[]);
    if (!Number.isSafeInteger(numel) || numel * dtype.itemsize !== end - begin) {
      throw new SafetensorError(`TensorInvalidInfo: '${name}' of shape [${shape.join(", ")}] and dtype ${i.dtype} needs ${numel * dtype.itemsize} bytes, its data_offsets give ${end - begin}`);
    }
    infos.push({ name, dtype, shape: shape as number[], begin, end });
  }
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const info of infos) {
    if (info.begin !== expected) throw new SafetensorError(`InvalidOffset: '${info.name}' starts at byte ${info.begin} of the data, expected ${expected} (the byte ranges must tile the data)`);
    expected = info.end;
  }
  if (expected !== data.length) throw new SafetensorError(`MetadataIncompleteBuffer: the tensors cover ${expected} bytes, the data has ${data.length}`);
  const tensors: Record<string, Tensor> = {};
  for (const { name, dtype, shape, begin, end } of infos) setOwn(tensors, name, decodeTensor(data.subarray(begin, end), dtype, shape));
  return { tensors, metadata };
}

function decodeTensor(b: Uint8Array, dtype: DType, shape: number[]): Tensor {
  const n = shapeNumel(shape);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new dtype.ArrayType(n);
  switch (dtype.name) {
    case "float32": for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true); break;
    case "float64": for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true); break;
    case "int64": for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true)); break;
    case "int32": for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true); break;
    case "bool": for (let i = 0; i < n; i++) out[i] = b[i] ? 1 : 0; break;
    default: out.set(b);
  }
  return Tensor._fromData(out, shape, dtype);
}
