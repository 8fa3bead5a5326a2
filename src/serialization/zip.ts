/**
 * The zip container of PyTorch checkpoints, through fflate: entries stored
 * uncompressed with their data aligned to 64 bytes (as PyTorch writes them, so
 * `torch.load(..., mmap=True)` can map them), and a reader that checks every
 * declared size against the file and every entry's CRC-32 before handing out
 * its bytes, so a damaged file fails here instead of loading wrong numbers.
 *
 * @example
 * const zip = writeZip([["archive/version", strToU8("3\n")]]);
 * readZip(zip).get("archive/version")   // Uint8Array [51, 10]
 */
import { unzipSync, zipSync, type Zippable } from "fflate";
import { CheckpointError } from "../errors.js";

/** PyTorch's text for a file whose zip directory cannot be found. */
const NO_DIRECTORY = "PytorchStreamReader failed reading zip archive: failed finding central directory";

/** Alignment of entry data, as PyTorch's writer keeps it. */
const ALIGN = 64;
/** The extra-field id PyTorch pads with ("FB"). */
const PAD_ID = 0x4246;
/** Deflate cannot expand more than ~1032:1; a larger claim is a lie about the size. */
const MAX_RATIO = 1032;

/** Writes entries, in order, uncompressed, each entry's data at a multiple of 64 bytes. */
export function writeZip(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const files: Zippable = {};
  let offset = 0;
  const mtime = new Date(1980, 0, 1);
  for (const [name, data] of entries) {
    const nameLen = new TextEncoder().encode(name).length;
    const start = offset + 30 + nameLen + 4;
    const pad = (ALIGN - (start % ALIGN)) % ALIGN;
    files[name] = [data, { level: 0, mtime, extra: { [PAD_ID]: new Uint8Array(pad) } }];
    offset = start + pad + data.length;
  }
  return zipSync(files);
}

/** Reads every entry of a zip, checked; throws `CheckpointError` with PyTorch's wording where it has one. */
export function readZip(bytes: Uint8Array, maxBytes = 2 ** 32): Map<string, Uint8Array> {
  if (bytes.length < 22) throw new CheckpointError(`${NO_DIRECTORY} (the file has only ${bytes.length} bytes)`, "truncated");
  let entries = 0;
  const declared = new Map<string, number>();
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        // Each central-directory record takes at least 46 bytes: more entries than that is a damaged count.
        if (++entries > bytes.length / 46) throw new CheckpointError(`${NO_DIRECTORY} (it declares more entries than the file can hold)`, "directory");
        const { name, size, originalSize, compression } = f;
        if (!Number.isSafeInteger(size) || !Number.isSafeInteger(originalSize) || size < 0 || originalSize < 0 || size > bytes.length) {
          throw new CheckpointError(`PytorchStreamReader failed reading zip archive: the entry '${name}' declares ${size} bytes in a file of ${bytes.length}`, "entry-size", name);
        }
        if (compression === 0 && originalSize !== size || compression === 8 && originalSize > size * MAX_RATIO + 64) {
          throw new CheckpointError(`PytorchStreamReader failed reading zip archive: the entry '${name}' declares ${originalSize} bytes from ${size} stored bytes`, "entry-size", name);
        }
        if (compression !== 0 && compression !== 8) {
          throw new CheckpointError(`PytorchStreamReader failed reading zip archive: the entry '${name}' uses compression method ${compression}`, "compression", name);
        }
        total += originalSize;
        if (total > maxBytes) throw new CheckpointError(`the checkpoint's entries add up to more than ${maxBytes} bytes`, "entry-size", name);
        declared.set(name, originalSize);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${NO_DIRECTORY} (${(e as Error).message})`, "zip");
  }
  const crcs = centralCrcs(bytes);
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (data.length !== declared.get(name)) {
      throw new CheckpointError(`PytorchStreamReader failed reading zip archive: the entry '${name}' is truncated (${data.length} of ${declared.get(name)} bytes)`, "truncated", name);
    }
    const expected = crcs.get(name);
    if (expected === undefined || crc32(data) !== expected) {
      throw new CheckpointError(`PytorchStreamReader failed reading record '${name}': the CRC-32 does not match (the file is damaged)`, "crc", name);
    }
    out.set(name, data);
  }
  return out;
}

/** Name → CRC-32 from the central directory (the records fflate has just walked). */
function centralCrcs(bytes: Uint8Array): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, number>();
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) return out;
  let count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = Number(view.getBigUint64(eocd - 12, true));
    if (z + 56 <= bytes.length && view.getUint32(z, true) === 0x06064b50) {
      count = Number(view.getBigUint64(z + 32, true));
      at = Number(view.getBigUint64(z + 48, true));
    }
  }
  const decoder = new TextDecoder();
  for (let i = 0; i < count && at + 46 <= bytes.length; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) break;
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    out.set(name, view.getUint32(at + 16, true));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-32 (zip's, IEEE 802.3) of `data`. */
export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
