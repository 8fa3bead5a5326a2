/**
 * PyTorch's checkpoint format, bytes in and bytes out: a zip holding
 * `<name>/data.pkl` (the pickled object, tensors as `_rebuild_tensor_v2`
 * calls on persistent storage ids), `<name>/data/<key>` (one entry per
 * storage, raw little-endian elements), `<name>/byteorder` and
 * `<name>/version`. Views that share a storage share it in the file too,
 * and come back sharing it.
 *
 * Loading is weights-only, like `torch.load(weights_only=True)`: the
 * whitelist below is every global such a file needs; any other global is an
 * `UnpicklingError` naming it. Storages are checked against the tensors that
 * use them before anything is allocated beyond the file's own bytes.
 *
 * @example
 * const bytes = saveCheckpoint(net.state_dict());
 * net.load_state_dict(loadCheckpoint(bytes) as StateDict);
 */
import { CheckpointError, UnpicklingError } from "../errors.js";
import { DType, bool, float32, float64, int32, int64, uint8 } from "../tensor/dtype.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { META_DATA, metaStorage } from "../tensor/meta.js";
import { Parameter } from "../nn/parameter.js";
import { type PyGlobal, newPyDict, unpickle } from "./unpickle.js";
import { Pickler } from "./pickle.js";
import { markTuple } from "./py-types.js";
import { readZip, writeZip } from "./zip.js";

/** PyTorch's storage classes, by the dtype tsorch keeps them in (null: a dtype tsorch has not got). */
const STORAGE_TYPES: Record<string, DType | null> = {
  FloatStorage: float32, DoubleStorage: float64, LongStorage: int64, IntStorage: int32, ByteStorage: uint8,
  BoolStorage: bool, HalfStorage: null, BFloat16Storage: null, ShortStorage: null, CharStorage: null,
  ComplexFloatStorage: null, ComplexDoubleStorage: null, QInt8Storage: null, QUInt8Storage: null, QInt32Storage: null,
};

const STORAGE_NAME: Record<string, string> = {
  float32: "FloatStorage", float64: "DoubleStorage", int64: "LongStorage", int32: "IntStorage", uint8: "ByteStorage",
  bool: "BoolStorage",
};

/** PyTorch's dtype names for the storages tsorch cannot hold, for the message. */
const FOREIGN_DTYPE: Record<string, string> = {
  HalfStorage: "float16", BFloat16Storage: "bfloat16", ShortStorage: "int16", CharStorage: "int8",
  ComplexFloatStorage: "complex64", ComplexDoubleStorage: "complex128", QInt8Storage: "qint8", QUInt8Storage: "quint8",
  QInt32Storage: "qint32",
};

const DTYPES: Record<string, DType> = { float32, float64, int64, int32, uint8, bool, float: float32, double: float64, long: int64, int: int32 };

/** A storage class as the pickle names it. */
interface StorageType extends PyGlobal {
  readonly storageName: string;
  readonly dtype: DType | null;
}

/** Where a storage may go: PyTorch's `map_location` (a device, a dict of locations, or a function). */
export type MapLocation =
  | string
  | { toString(): string }
  | Record<string, string>
  | ((storage: Storage, location: string) => Storage | null | undefined)
  | null
  | undefined;

export interface LoadOptions {
  map_location?: MapLocation;
  /** Only `true` (the default, and the only way tsorch loads): nothing in the file is executed. */
  weights_only?: boolean;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------- saving

/**
 * The bytes of `torch.save(obj)`: a zip PyTorch 1.13 and 2.x load (with
 * `weights_only=True` too). `name` is the archive's folder (PyTorch uses the
 * file's stem).
 */
export function saveCheckpoint(obj: unknown, name = "archive"): Uint8Array {
  const storages = new Map<Storage, { key: string; dtype: DType }>();
  const pickler = new Pickler((v, p) => {
    if (v instanceof DType) {
      // A dtype pickles as the torch attribute it is (`torch.float32`), which weights_only allows.
      p.global("torch", v.name);
      return true;
    }
    if (!(v instanceof Tensor)) return false;
    if (v.storage.data === META_DATA) {
      throw new CheckpointError("Cannot save a tensor on the 'meta' device: it has a shape but no values", "meta");
    }
    const isParam = v instanceof Parameter;
    if (isParam) p.global("torch._utils", "_rebuild_parameter");
    if (isParam) p.byte(0x28); // MARK: (tensor, requires_grad, OrderedDict())
    let entry = storages.get(v.storage);
    if (!entry) {
      entry = { key: String(storages.size), dtype: v.dtype };
      storages.set(v.storage, entry);
    }
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.byte(0x28);
    p.byte(0x28);
    p.save("storage");
    p.global("torch", STORAGE_NAME[entry.dtype.name]!);
    p.save(entry.key);
    p.save("cpu");
    p.save(v.storage.data.length);
    p.byte(0x74, 0x51); // TUPLE, BINPERSID
    p.save(v.storage_offset());
    p.save(markTuple([...v.shape]));
    p.save(markTuple(v.stride()));
    p.save(isParam ? false : v.requires_grad);
    p.global("collections", "OrderedDict");
    p.byte(0x29, 0x52); // (), REDUCE
    p.byte(0x74, 0x52); // TUPLE, REDUCE
    if (isParam) {
      p.save(v.requires_grad);
      p.global("collections", "OrderedDict");
      p.byte(0x29, 0x52, 0x74, 0x52);
    }
    p.memoize(v);
    return true;
  });
  const pkl = pickler.dump(obj);
  const enc = new TextEncoder();
  const entries: [string, Uint8Array][] = [[`${name}/data.pkl`, pkl], [`${name}/byteorder`, enc.encode("little")]];
  for (const [storage, { key, dtype }] of storages) entries.push([`${name}/data/${key}`, storageBytes(storage.data, dtype)]);
  entries.push([`${name}/version`, enc.encode("3\n")]);
  return writeZip(entries);
}

/** A storage's elements as PyTorch lays them out (little-endian; int64 as 8-byte integers). */
function storageBytes(data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, dtype: DType): Uint8Array {
  if (dtype === int64) {
    const out = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]!);
    return toLittle(new Uint8Array(out.buffer), 8);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return toLittle(bytes, dtype.itemsize);
}

/** Swaps bytes to little-endian order on a big-endian machine (in place). */
function toLittle(bytes: Uint8Array, itemsize: number): Uint8Array {
  if (!LITTLE_ENDIAN) swapBytes(bytes, itemsize);
  return bytes;
}

function swapBytes(bytes: Uint8Array, itemsize: number): void {
  if (itemsize === 1) return;
  for (let i = 0; i + itemsize <= bytes.length; i += itemsize) bytes.subarray(i, i + itemsize).reverse();
}

// ---------------------------------------------------------------- loading

/** What the pickle's persistent ids and rebuild calls need from the archive. */
interface Archive {
  prefix: string;
  records: Map<string, Uint8Array>;
  bigEndian: boolean;
  cache: Map<string, { storage: Storage; dtype: DType }>;
  mapLocation: MapLocation;
}

/**
 * Reads what `torch.save` wrote (PyTorch 1.13 or 2.x, zip format): tensors,
 * state dicts (`_metadata` kept), optimizer states and plain containers.
 */
export function loadCheckpoint(bytes: Uint8Array, options: LoadOptions = {}): unknown {
  if (options.weights_only === false) {
    throw new UnpicklingError("weights_only=False is not available: tsorch never runs code from a checkpoint; it loads tensors, state dicts and plain containers (weights_only=True)", 0);
  }
  checkMagic(bytes);
  const records = readZip(bytes);
  const names = [...records.keys()];
  if (names.some((k) => /(^|\/)(constants\.pkl|code\/)/.test(k))) {
    throw new CheckpointError("This is a TorchScript archive (torch.jit.save), not a torch.save checkpoint. In PyTorch: torch.save(torch.jit.load(path).state_dict(), 'weights.pt')", "torchscript");
  }
  const pkl = names.find((k) => /^[^/]*\/?data\.pkl$/.test(k) && k.split("/").length <= 2);
  if (pkl === undefined) {
    throw new CheckpointError(`PytorchStreamReader failed locating file data.pkl: file not found (the zip holds ${names.slice(0, 5).join(", ") || "nothing"})`, "no-data-pkl");
  }
  const prefix = pkl.slice(0, pkl.length - "data.pkl".length);
  const byteorder = records.get(`${prefix}byteorder`);
  const order = byteorder ? new TextDecoder().decode(byteorder).trim() : "little";
  if (order !== "little" && order !== "big") throw new CheckpointError(`Unknown endianness type: ${order}`, "byteorder", `${prefix}byteorder`);
  const archive: Archive = { prefix, records, bigEndian: order === "big", cache: new Map(), mapLocation: options.map_location };
  return unpickle(records.get(pkl)!, {
    resolveGlobal: (module, name, offset) => resolveGlobal(module, name, offset),
    persistentLoad: (pid, offset) => loadStorage(archive, pid, offset),
  });
}

/** Zip, or else a clear word on what the file is. */
function checkMagic(bytes: Uint8Array): void {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return;
  // The legacy (pre-1.6, or _use_new_zipfile_serialization=False) format starts with a pickled magic number.
  const legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  if (bytes.length >= legacy.length && legacy.every((b, i) => bytes[i] === b)) {
    throw new CheckpointError(
      "This checkpoint is in PyTorch's legacy format (saved with _use_new_zipfile_serialization=False or by PyTorch before 1.6), " +
      "which tsorch does not read. Re-save it in PyTorch: torch.save(torch.load(path), path)", "legacy");
  }
  if (bytes.length >= 8 && bytes[0]! + bytes[1]! * 256 > 0 && bytes[8] === 0x7b) {
    throw new CheckpointError("This looks like a safetensors file: load it with safetensors.load_file(path), or name it *.safetensors", "safetensors");
  }
  const first = bytes[0];
  if (first === undefined) throw new UnpicklingError("Ran out of input (the file is empty)", 0);
  throw new UnpicklingError(`invalid load key, '${first >= 0x20 && first < 0x7f ? String.fromCharCode(first) : `\\x${first.toString(16).padStart(2, "0")}`}'. (not a PyTorch checkpoint: it does not start with a zip header)`, 0);
}

/** The whitelist: exactly the globals a weights file needs. */
function resolveGlobal(module: string, name: string, offset: number): unknown {
  const qualname = `${module}.${name}`;
  if (module === "torch" && name in STORAGE_TYPES) {
    return { qualname, storageName: name, dtype: STORAGE_TYPES[name] } satisfies StorageType;
  }
  if (module === "torch" && name in DTYPES) return DTYPES[name];
  switch (qualname) {
    case "collections.OrderedDict":
      return { qualname, call: (args) => (args.length === 0 ? newPyDict(true) : refuseArgs(qualname, offset)) } satisfies PyGlobal;
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor":
      return { qualname, call: (args) => rebuildTensor(args, offset) } satisfies PyGlobal;
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      return { qualname, call: (args) => rebuildParameter(args, offset) } satisfies PyGlobal;
    case "torch.Size":
      return { qualname, call: (args) => markTuple([...intList(args[0], "torch.Size", offset)]) } satisfies PyGlobal;
    case "torch.device":
      return { qualname, call: (args) => (args.length === 2 && args[1] !== null ? `${String(args[0])}:${String(args[1])}` : String(args[0])) } satisfies PyGlobal;
    case "builtins.set":
    case "builtins.frozenset":
      return { qualname, call: (args) => new Set(Array.isArray(args[0]) ? args[0] : []) } satisfies PyGlobal;
    case "_codecs.encode":
      return {
        qualname, call: (args) => {
          if (typeof args[0] !== "string") refuseArgs(qualname, offset);
          return args[1] === "latin1" ? Uint8Array.from(args[0] as string, (c) => c.charCodeAt(0) & 0xff) : new TextEncoder().encode(args[0] as string);
        },
      } satisfies PyGlobal;
  }
  let hint = "";
  if (module === "__main__" || module.startsWith("torch.nn.modules")) {
    hint = " The file pickles a whole module object (torch.save(model)); in PyTorch save its weights instead: torch.save(model.state_dict(), path).";
  } else if (module.startsWith("torch.optim")) {
    hint = " The file pickles an optimizer object; in PyTorch save optimizer.state_dict() instead.";
  } else if (module.startsWith("numpy")) {
    hint = " The file holds NumPy values; in PyTorch convert them with torch.from_numpy or float() before saving.";
  }
  throw new UnpicklingError(
    `Weights only load failed. Unsupported global: GLOBAL ${qualname} was not an allowed global by default. ` +
    `tsorch loads checkpoints as torch.load(weights_only=True) does: tensors, state dicts and plain containers; nothing in the file was run.${hint}`,
    offset, qualname);
}

function refuseArgs(qualname: string, offset: number): never {
  throw new UnpicklingError(`${qualname} was called with arguments a weights file does not use`, offset, qualname);
}

/** Resolves a persistent id `('storage', StorageType, key, location, numel)` to a storage (shared by key). */
function loadStorage(a: Archive, pid: unknown, offset: number): { storage: Storage; dtype: DType } {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== "storage") {
    throw new UnpicklingError(`Unknown persistent id ${Array.isArray(pid) ? `of ${pid.length} items starting ${String(pid[0])}` : `of type ${typeof pid}`}: a checkpoint's are ('storage', type, key, location, numel)`, offset);
  }
  const [, type, key, location, numel] = pid as [string, unknown, unknown, unknown, unknown];
  if (typeof type !== "object" || type === null || !("storageName" in type)) {
    throw new UnpicklingError("the storage type in a persistent id is not a torch storage class", offset);
  }
  const st = type as StorageType;
  if (typeof key !== "string" || typeof location !== "string" || typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) {
    throw new UnpicklingError("a storage's persistent id has a malformed key, location or size", offset);
  }
  if (st.dtype === null) {
    const dt = FOREIGN_DTYPE[st.storageName] ?? st.storageName;
    throw new CheckpointError(
      `This checkpoint holds torch.${dt} tensors, which tsorch has not got (it has float32, float64, int64, int32, uint8 and bool). ` +
      `Convert them in PyTorch before saving, e.g. torch.save({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}, path)`,
      "dtype", `${a.prefix}data/${key}`);
  }
  const dtype = st.dtype;
  const cached = a.cache.get(key);
  if (cached) {
    if (cached.dtype.ArrayType !== dtype.ArrayType || cached.dtype.itemsize !== dtype.itemsize) {
      throw new CheckpointError(`storage '${key}' is used as both ${cached.dtype.name} and ${dtype.name}`, "storage", `${a.prefix}data/${key}`);
    }
    return cached;
  }
  const target = resolveLocation(a.mapLocation, location);
  const record = `${a.prefix}data/${key}`;
  let storage: Storage;
  if (target === "meta") {
    storage = metaStorage();
  } else {
    const bytes = a.records.get(record);
    if (bytes === undefined) throw new CheckpointError(`PytorchStreamReader failed locating file ${record.slice(a.prefix.length)}: file not found`, "missing-storage", record);
    const nbytes = numel * dtype.itemsize;
    if (bytes.length < nbytes) {
      throw new CheckpointError(`storage '${key}' should hold ${numel} ${dtype.name} elements (${nbytes} bytes) but its record has ${bytes.length} bytes: the file is truncated or damaged`, "short-storage", record);
    }
    storage = new Storage(decodeElements(bytes.subarray(0, nbytes), dtype, numel, a.bigEndian));
    if (typeof a.mapLocation === "function") {
      const mapped = a.mapLocation(storage, location);
      if (mapped instanceof Storage) storage = mapped;
    }
  }
  const out = { storage, dtype };
  a.cache.set(key, out);
  return out;
}

/** Where `map_location` sends a storage saved at `location`: "cpu" or "meta"; anything else is refused. */
function resolveLocation(map: MapLocation, location: string): "cpu" | "meta" {
  let target = location;
  if (typeof map === "function") target = "cpu";
  else if (typeof map === "string") target = map;
  else if (map !== null && map !== undefined) {
    if (Object.getPrototypeOf(map) === Object.prototype) target = (map as Record<string, string>)[location] ?? location;
    else target = String(map); // a torch.device-like value
  }
  const device = target.split(":")[0]!;
  if (device === "cpu" || device === "meta") return device;
  if (map === undefined || map === null) {
    throw new CheckpointError(
      `Attempting to deserialize object on a ${device.toUpperCase()} device but tsorch runs on the CPU. ` +
      `Please use torch.load with map_location="cpu" to map your storages to the CPU.`, "device");
  }
  throw new CheckpointError(`map_location sends storages to '${target}', but tsorch has only the 'cpu' and 'meta' devices`, "device");
}

/** The elements of a storage record, in the typed array tsorch keeps `dtype` in. */
function decodeElements(bytes: Uint8Array, dtype: DType, numel: number, bigEndian: boolean): import("../tensor/dtype.js").TypedArray {
  const copy = bytes.slice();
  if (bigEndian === LITTLE_ENDIAN) swapBytes(copy, dtype.itemsize);
  if (dtype === int64) {
    const src = new BigInt64Array(copy.buffer, 0, numel);
    const out = new Float64Array(numel);
    for (let i = 0; i < numel; i++) out[i] = Number(src[i]!);
    return out;
  }
  if (dtype === bool) {
    for (let i = 0; i < copy.length; i++) copy[i] = copy[i] ? 1 : 0;
    return copy;
  }
  return new dtype.ArrayType(copy.buffer, 0, numel);
}

/** Non-negative integers, as PyTorch's sizes and strides are. */
function intList(x: unknown, what: string, offset: number): number[] {
  if (!Array.isArray(x) || x.length > 64) throw new UnpicklingError(`${what} must be a tuple of at most 64 ints`, offset);
  for (const v of x) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new UnpicklingError(`${what} must hold non-negative ints, got ${String(v)}`, offset);
  }
  return x as number[];
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: unknown[], offset: number): Tensor {
  const [st, storageOffset, sizeArg, strideArg, requiresGrad] = args;
  if (typeof st !== "object" || st === null || !("storage" in st) || !((st as { storage: unknown }).storage instanceof Storage)) {
    throw new UnpicklingError("_rebuild_tensor_v2 needs a storage as its first argument", offset);
  }
  const { storage, dtype } = st as { storage: Storage; dtype: DType };
  const size = intList(sizeArg, "size", offset);
  const stride = intList(strideArg, "stride", offset);
  if (size.length !== stride.length) throw new CheckpointError(`mismatch in length of strides and shape: ${size.length} sizes and ${stride.length} strides`, "strides");
  if (typeof storageOffset !== "number" || !Number.isSafeInteger(storageOffset) || storageOffset < 0) {
    throw new CheckpointError(`Tensor: invalid storage offset ${String(storageOffset)}`, "strides");
  }
  // PyTorch's setStorage check: the last element must lie inside the storage.
  let needed = 0;
  if (!size.includes(0)) {
    needed = storageOffset + 1;
    for (let i = 0; i < size.length; i++) needed += (size[i]! - 1) * stride[i]!;
  }
  const have = storage.data === META_DATA ? Infinity : storage.data.length;
  if (!Number.isSafeInteger(needed) || needed > have) {
    throw new CheckpointError(
      `setStorage: sizes [${size.join(", ")}], strides [${stride.join(", ")}], storage offset ${storageOffset}, and itemsize ${dtype.itemsize} ` +
      `requiring a storage size of ${needed * dtype.itemsize} are out of bounds for storage of size ${have * dtype.itemsize}`, "strides");
  }
  const t = new Tensor(storage, size, stride, storageOffset, dtype);
  if (requiresGrad === true) {
    if (!dtype.is_floating_point) throw new CheckpointError(`only Tensors of floating point dtype can require gradients (a saved ${dtype.name} tensor says it does)`, "requires-grad");
    t.requires_grad = true;
  }
  return t;
}

/** `_rebuild_parameter(data, requires_grad, backward_hooks[, state])`. */
function rebuildParameter(args: unknown[], offset: number): Parameter {
  const [data, requiresGrad] = args;
  if (!(data instanceof Tensor)) throw new UnpicklingError("_rebuild_parameter needs a tensor as its first argument", offset);
  if (requiresGrad === true && !data.dtype.is_floating_point) {
    throw new CheckpointError("Only Tensors of floating point and complex dtype can require gradients", "requires-grad");
  }
  return new Parameter(data.requires_grad ? data.detach() : data, requiresGrad === true);
}
