/**
 * Damaged and hostile checkpoint files: each gets a typed error that says what
 * is wrong, in bounded time and memory, and nothing in the file is run.
 * Cases: wrong magic, truncated zips and pickles, storages shorter than their
 * tensors, offsets and strides outside the storage, sizes beyond any memory,
 * deep nesting, self-reference, huge memo indices, absurd declared entry
 * sizes, unknown opcodes, globals outside the whitelist; and safetensors
 * headers that lie.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CheckpointError, SafetensorError, torch, TsorchError, UnpicklingError } from "../src/index.js";
import { writeZip } from "../src/serialization/zip.js";
import { unpickle } from "../src/serialization/unpickle.js";
import { safetensors } from "../src/serialization/index.js";

const FIX = fileURLToPath(new URL("./fixtures/checkpoints/", import.meta.url));
const enc = new TextEncoder();

/** A checkpoint zip around a hand-written pickle and storages. */
function archive(pkl: number[] | Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const entries: [string, Uint8Array][] = [["archive/data.pkl", Uint8Array.from(pkl)]];
  for (const [k, v] of Object.entries(storages)) entries.push([`archive/data/${k}`, v]);
  entries.push(["archive/version", enc.encode("3\n")]);
  return writeZip(entries);
}

const bytes = (s: string): number[] => [...enc.encode(s)];
const GLOBAL = (m: string, n: string): number[] => [0x63, ...bytes(`${m}\n${n}\n`)];
const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...bytes(s)];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const int = (v: number): number[] => (v < 2 ** 31 ? [0x4a, ...u32(v)] : [0x8a, 8, ...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))]);

/** A pickle of one `_rebuild_tensor_v2(storage '0' of `numel` floats, offset, size, stride)`. */
function tensorPickle(numel: number, offset: number, size: number[], stride: number[]): number[] {
  const tuple = (xs: number[]) => [0x28, ...xs.flatMap(int), 0x74];
  return [
    0x80, 2, ...GLOBAL("torch._utils", "_rebuild_tensor_v2"),
    0x28, 0x28, ...str("storage"), ...GLOBAL("torch", "FloatStorage"), ...str("0"), ...str("cpu"), ...int(numel), 0x74, 0x51,
    ...int(offset), ...tuple(size), ...tuple(stride), 0x89, ...GLOBAL("collections", "OrderedDict"), 0x29, 0x52, 0x74, 0x52, 0x2e,
  ];
}

function thrown(f: () => unknown): Error {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e).toBeInstanceOf(TsorchError);
    return e as Error;
  }
  throw new Error("expected an error");
}

const noHooks = { resolveGlobal: (m: string, n: string): never => { throw new UnpicklingError(`${m}.${n}`, 0, `${m}.${n}`); } };

describe("the zip layer", () => {
  const good = readFileSync(`${FIX}torch2/tensors.pt`);

  test("wrong magic: PyTorch's invalid load key", () => {
    const e = thrown(() => torch.load(enc.encode("hello, not a checkpoint")));
    expect(e).toBeInstanceOf(UnpicklingError);
    expect(e.message).toMatch(/^invalid load key, 'h'\./);
    expect(thrown(() => torch.load(new Uint8Array(0))).message).toMatch(/Ran out of input/);
  });

  test("truncated zips at many lengths: typed errors, never a crash", () => {
    for (let n = 4; n < good.length; n += 97) {
      const e = thrown(() => torch.load(good.subarray(0, n)));
      expect(e instanceof CheckpointError || e instanceof UnpicklingError).toBe(true);
    }
    expect(thrown(() => torch.load(good.subarray(0, good.length - 10))).message).toMatch(/failed finding central directory/);
  });

  test("a damaged byte in a storage is caught by its CRC-32", () => {
    const copy = good.slice();
    copy[70] ^= 0x55; // inside data.pkl, the first entry's data (at byte 64)
    const e = thrown(() => torch.load(copy));
    expect(e).toBeInstanceOf(CheckpointError);
  });

  test("absurd declared entry sizes (4 GiB from a few bytes) are refused before any allocation", () => {
    const z = archive(tensorPickle(1, 0, [1], [1]), { 0: new Uint8Array(4) });
    const view = new DataView(z.buffer);
    // Patch every central-directory record's uncompressed size.
    for (let i = 0; i + 4 <= z.length; i++) {
      if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, 0xfffffff0, true);
    }
    const e = thrown(() => torch.load(z));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).reason).toBe("entry-size");
  });
});

describe("storages and tensors", () => {
  test("a storage shorter than its tensors need", () => {
    const e = thrown(() => torch.load(archive(tensorPickle(6, 0, [2, 3], [3, 1]), { 0: new Uint8Array(20) })));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toMatch(/should hold 6 float32 elements \(24 bytes\) but its record has 20 bytes/);
  });

  test("offsets and strides outside the storage: PyTorch's setStorage message", () => {
    const store = { 0: new Uint8Array(24) };
    const e = thrown(() => torch.load(archive(tensorPickle(6, 2, [2, 3], [3, 1]), store)));
    expect(e.message).toBe("setStorage: sizes [2, 3], strides [3, 1], storage offset 2, and itemsize 4 requiring a storage size of 32 are out of bounds for storage of size 24");
    expect(thrown(() => torch.load(archive(tensorPickle(6, 0, [2, 3], [4, 1]), store))).message).toMatch(/requiring a storage size of 28/);
  });

  test("sizes that would need more memory than any machine has never allocate", () => {
    const e = thrown(() => torch.load(archive(tensorPickle(2 ** 40, 0, [2 ** 20, 2 ** 20], [2 ** 20, 1]), { 0: new Uint8Array(8) })));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).reason).toBe("short-storage");
    // A claimed storage far beyond the record, and a view whose last element lies beyond the storage.
    const v = thrown(() => torch.load(archive(tensorPickle(2, 0, [2 ** 30, 2 ** 30], [1, 1]), { 0: new Uint8Array(8) })));
    expect(v.message).toMatch(/out of bounds for storage of size 8/);
  });

  test("a missing storage record", () => {
    const e = thrown(() => torch.load(archive(tensorPickle(1, 0, [1], [1]))));
    expect(e.message).toMatch(/failed locating file data\/0/);
  });

  test("map_location: cpu and meta work, other devices are refused as PyTorch refuses CUDA without a GPU", () => {
    const z = archive(tensorPickle(2, 0, [2], [1]), { 0: new Uint8Array(new Float32Array([1, 2]).buffer) });
    expect(torch.load(z, "cpu").tolist()).toEqual([1, 2]);
    expect(torch.load(z, { map_location: "meta" }).is_meta).toBe(true);
    expect(torch.load(z, (s: unknown) => s).tolist()).toEqual([1, 2]);
    const cuda = archive(bytesReplace(tensorPickle(2, 0, [2], [1]), "cpu", "cud"), { 0: new Uint8Array(8) });
    expect(thrown(() => torch.load(cuda)).message).toMatch(/Attempting to deserialize object on a CUD/);
    expect(thrown(() => torch.load(z, "cuda:0")).message).toMatch(/only the 'cpu' and 'meta' devices/);
  });
});

function bytesReplace(xs: number[], from: string, to: string): number[] {
  const s = String.fromCharCode(...xs).replace(from, to);
  return [...s].map((c) => c.charCodeAt(0));
}

describe("the unpickler", () => {
  test("globals outside the whitelist are named, and nothing runs", () => {
    for (const [m, n] of [["os", "system"], ["builtins", "eval"], ["posix", "system"], ["__main__", "Net"], ["subprocess", "Popen"]] as const) {
      const pkl = [0x80, 2, ...GLOBAL(m, n), ...str("echo pwned"), 0x85, 0x52, 0x2e];
      const e = thrown(() => torch.load(archive(pkl)));
      expect(e).toBeInstanceOf(UnpicklingError);
      expect(e.name).toBe("UnpicklingError");
      expect((e as UnpicklingError).global).toBe(`${m}.${n}`);
      expect(e.message).toContain(`Unsupported global: GLOBAL ${m}.${n}`);
    }
    // STACK_GLOBAL too (protocol 4's way of naming them).
    const e = thrown(() => torch.load(archive([0x80, 4, ...str("builtins"), ...str("exec"), 0x93, 0x2e])));
    expect((e as UnpicklingError).global).toBe("builtins.exec");
  });

  test("opcodes that build arbitrary objects, and unknown opcodes", () => {
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 2, 0x29, 0x29, 0x81, 0x2e]), noHooks)).message).toMatch(/NEWOBJ .*not allowed/);
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 2, 0xff, 0x2e]), noHooks)).message).toBe("invalid load key, '\\xff'.");
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 9, 0x2e]), noHooks)).message).toMatch(/unsupported pickle protocol: 9/);
  });

  test("truncated pickles: a length that runs past the end, no STOP", () => {
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x41]), noHooks)).message).toMatch(/truncated/);
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 2, 0x4e]), noHooks)).message).toMatch(/no STOP/);
    expect(thrown(() => unpickle(Uint8Array.from([0x80, 2, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0x2e]), noHooks)).message).toMatch(/more than 2\^53|truncated/);
  });

  test("huge memo indices cost nothing; a missing one is named", () => {
    const put = [0x80, 2, 0x4e, 0x72, 0xff, 0xff, 0xff, 0xff, 0x30, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e];
    expect(unpickle(Uint8Array.from(put), noHooks)).toBe(null);
    const get = [0x80, 2, 0x6a, 0xfe, 0xff, 0xff, 0xff, 0x2e];
    expect(thrown(() => unpickle(Uint8Array.from(get), noHooks)).message).toBe("Memo value not found at index 4294967294");
  });

  test("deeply nested pickles are refused without overflowing the stack", () => {
    const deep = [0x80, 2, ...Array(100_000).fill(0x5d), ...Array(99_999).fill(0x61), 0x2e];
    const e = thrown(() => unpickle(Uint8Array.from(deep), noHooks));
    expect(e.message).toMatch(/nests containers more than 256 deep/);
    const marks = [0x80, 2, ...Array(100_000).fill(0x28), 0x2e];
    expect(thrown(() => unpickle(Uint8Array.from(marks), noHooks))).toBeInstanceOf(UnpicklingError);
  });

  test("a list that contains itself is refused", () => {
    const self = [0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]; // l = []; l.append(l)
    expect(thrown(() => unpickle(Uint8Array.from(self), noHooks)).message).toMatch(/contains itself/);
  });

  test("shared structure referenced many times stays linear (no exponential walk)", () => {
    // a0 = [], a1 = [a0, a0], a2 = [a1, a1], ... : 2^60 paths, 61 objects.
    const ops = [0x80, 2, 0x5d, 0x72, ...u32(0), 0x30];
    for (let i = 1; i <= 60; i++) ops.push(0x5d, 0x6a, ...u32(i - 1), 0x61, 0x6a, ...u32(i - 1), 0x61, 0x72, ...u32(i), 0x30);
    ops.push(0x6a, ...u32(60), 0x2e);
    const t0 = performance.now();
    const v = unpickle(Uint8Array.from(ops), noHooks) as unknown[];
    expect(performance.now() - t0).toBeLessThan(500);
    expect(v[0]).toBe(v[1]);
  });

  test("well-formed values: ints of every size, floats, strings, dicts with int keys, tuples, sets", () => {
    const p = [0x80, 2, 0x7d, 0x28, 0x4b, 1, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0x4b, 2, 0x47, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, 0x75, 0x2e];
    const v = unpickle(Uint8Array.from(p), noHooks) as Record<string, unknown>;
    expect(v["1"]).toBe(2n ** 63n);
    expect(v["2"]).toBe(Math.PI);
  });
});

describe("safetensors", () => {
  const good = safetensors.save({ a: torch.tensor([1, 2, 3]).float(), b: torch.tensor([true, false]) }, { k: "v" });

  test("round trip with metadata", () => {
    const back = safetensors.load(good);
    expect(back.a!.tolist()).toEqual([1, 2, 3]);
    expect(back.b!.dtype.name).toBe("bool");
    expect(safetensors.metadata(good)).toEqual({ k: "v" });
  });

  test("headers that lie: too large, beyond the file, not JSON, bad offsets, unknown dtype", () => {
    const withHeader = (h: string, data = new Uint8Array(0)): Uint8Array => {
      const j = enc.encode(h);
      const out = new Uint8Array(8 + j.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
      out.set(j, 8);
      out.set(data, 8 + j.length);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([1, 2, 3]), /HeaderTooSmall/],
      [Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x10, 0x7b]), /HeaderTooLarge/],
      [Uint8Array.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0x7b]), /InvalidHeaderLength/],
      [withHeader("[1]"), /InvalidHeaderDeserialization/],
      [withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(4)), /MetadataIncompleteBuffer|InvalidOffset/],
      [withHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)), /TensorInvalidInfo/],
      [withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /InvalidOffset/],
      [withHeader('{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', new Uint8Array(2)), /F16, a dtype tsorch has not got/],
      [withHeader('{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', new Uint8Array(4)), /non-negative integers|TensorInvalidInfo/],
    ];
    for (const [b, re] of cases) {
      const e = thrown(() => safetensors.load(b));
      expect(e).toBeInstanceOf(SafetensorError);
      expect(e.message).toMatch(re);
    }
  });
});
