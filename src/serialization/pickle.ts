/**
 * A pickler for the values a checkpoint holds, writing protocol 2 as
 * `torch.save` does: None, bools, ints (arbitrary size), floats, str, lists,
 * tuples (arrays marked as tuples), dicts (objects and Maps), memoized so a
 * value referenced twice is loaded once. Anything else goes through the
 * caller's `custom` hook (tensors, storages) or is refused with a TypeError.
 *
 * @example
 * const p = new Pickler();
 * p.dump({ a: [1, 2.5, "x", null] });   // bytes Python's pickle.loads reads as {'a': [1, 2.5, 'x', None]}
 */
import { ArgumentError } from "../errors.js";
import { hasIntKeys, isOrdered, isTuple } from "./py-types.js";

/** Writes the values the generic pickler does not know (return false to refuse). */
export type CustomPickle = (value: object, p: Pickler) => boolean;

/** Containers batch their items in groups of this size, as Python's pickler does. */
const BATCH = 1000;

export class Pickler {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly memo = new Map<object, number>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly custom: CustomPickle = () => false) {}

  /** The pickle of `value`: PROTO 2, the value, STOP. */
  dump(value: unknown): Uint8Array {
    this.byte(0x80, 2);
    this.save(value);
    this.byte(0x2e);
    return this.buf.slice(0, this.len);
  }

  private reserve(k: number): void {
    if (this.len + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + k) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes raw bytes. */
  byte(...bytes: number[]): void {
    this.reserve(bytes.length);
    for (const b of bytes) this.buf[this.len++] = b;
  }

  private raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  private u32(v: number): void {
    this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  /** `GLOBAL module\nname\n`. */
  global(module: string, name: string): void {
    this.byte(0x63);
    this.raw(this.encoder.encode(`${module}\n${name}\n`));
  }

  /** A tuple of values already known to the caller. */
  tuple(items: readonly unknown[]): void {
    if (items.length === 0) return this.byte(0x29);
    if (items.length > 3) this.byte(0x28);
    for (const v of items) this.save(v);
    this.byte(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  }

  /** `REDUCE`: calls the global written before with the tuple written after it. */
  reduce(): void {
    this.byte(0x52);
  }

  /** `BINPERSID` on the value just written (PyTorch's storage references). */
  persistentId(pid: readonly unknown[]): void {
    this.tuple(pid);
    this.byte(0x51);
  }

  /** Remembers the value just written, so later references to `obj` are a `BINGET`. */
  memoize(obj: object): void {
    const i = this.memo.size;
    this.memo.set(obj, i);
    if (i < 256) this.byte(0x71, i);
    else {
      this.byte(0x72);
      this.u32(i);
    }
  }

  /** Writes any value a checkpoint may hold. */
  save(v: unknown): void {
    if (v === null || v === undefined) return this.byte(0x4e);
    if (v === true) return this.byte(0x88);
    if (v === false) return this.byte(0x89);
    if (typeof v === "number") return this.number(v);
    if (typeof v === "bigint") return this.long(v);
    if (typeof v === "string") {
      const b = this.encoder.encode(v);
      this.byte(0x58);
      this.u32(b.length);
      return this.raw(b);
    }
    if (typeof v === "function" && typeof (v as { state_dict?: unknown }).state_dict === "function") {
      // An nn.Module (callable): PyTorch would pickle its class, which no weights-only load accepts.
      const name = (v as { _get_name?: () => string })._get_name?.() ?? v.constructor.name;
      throw new ArgumentError(`Can't pickle a ${name} module: torch.save writes tensors, state dicts, and lists, tuples, dicts, numbers and strings of them; save its state: torch.save(x.state_dict(), path)`, "obj", "TypeError");
    }
    if (typeof v !== "object") {
      throw new ArgumentError(`Can't pickle ${typeof v === "function" ? `the function ${v.name || "<anonymous>"}` : `a ${typeof v}`}: torch.save writes tensors, state dicts, and lists, tuples, dicts, numbers and strings of them`, "obj", "TypeError");
    }
    const seen = this.memo.get(v);
    if (seen !== undefined) {
      if (seen < 256) return this.byte(0x68, seen);
      this.byte(0x6a);
      return this.u32(seen);
    }
    if (this.custom(v, this)) return;
    if (Array.isArray(v)) return isTuple(v) ? this.saveTuple(v) : this.saveList(v);
    if (v instanceof Map) return this.saveDict(v, [...v.entries()], false);
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const intKeys = hasIntKeys(v);
      const entries = Object.entries(v).map(([k, x]): [unknown, unknown] => [intKeys && /^-?\d+$/.test(k) ? Number(k) : k, x]);
      const metadata = (v as { _metadata?: unknown })._metadata;
      const ordered = isOrdered(v) || (metadata !== undefined && !Object.prototype.propertyIsEnumerable.call(v, "_metadata"));
      return this.saveDict(v, entries, ordered, ordered ? metadata : undefined);
    }
    const name = (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new ArgumentError(
      `Can't pickle a ${name}: torch.save writes tensors, state dicts, and lists, tuples, dicts, numbers and strings of them` +
      (typeof (v as { state_dict?: unknown }).state_dict === "function" ? `; save its state: torch.save(x.state_dict(), path)` : ""),
      "obj", "TypeError");
  }

  private number(v: number): void {
    if (Number.isInteger(v) && !Object.is(v, -0)) {
      if (v >= 0 && v < 256) return this.byte(0x4b, v);
      if (v >= 0 && v < 65536) return this.byte(0x4d, v & 0xff, v >>> 8);
      if (v >= -(2 ** 31) && v < 2 ** 31) {
        this.byte(0x4a);
        return this.u32(v >>> 0);
      }
      if (Number.isSafeInteger(v)) return this.long(BigInt(v));
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    this.byte(0x47);
    this.raw(b);
  }

  /** LONG1: little-endian two's complement, as short as the value allows. */
  private long(v: bigint): void {
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
      const sign = bytes[bytes.length - 1]! & 0x80;
      if ((x === 0n && !sign) || (x === -1n && sign)) break;
    }
    if (bytes.length > 255) throw new ArgumentError("an integer too large to pickle in a checkpoint", "obj", "OverflowError");
    this.byte(0x8a, bytes.length, ...bytes);
  }

  private saveTuple(v: unknown[]): void {
    this.tuple(v);
    this.memoize(v);
  }

  private saveList(v: unknown[]): void {
    this.byte(0x5d);
    this.memoize(v);
    for (let i = 0; i < v.length; i += BATCH) {
      const chunk = v.slice(i, i + BATCH);
      if (chunk.length === 1) {
        this.save(chunk[0]);
        this.byte(0x61);
        continue;
      }
      this.byte(0x28);
      for (const x of chunk) this.save(x);
      this.byte(0x65);
    }
  }

  /** A dict, or an `OrderedDict` (with its `_metadata` attribute set by BUILD, as PyTorch's state dicts have). */
  private saveDict(v: object, entries: [unknown, unknown][], ordered: boolean, metadata?: unknown): void {
    if (ordered) {
      this.global("collections", "OrderedDict");
      this.byte(0x29, 0x52);
    } else {
      this.byte(0x7d);
    }
    this.memoize(v);
    for (let i = 0; i < entries.length; i += BATCH) {
      const chunk = entries.slice(i, i + BATCH);
      if (chunk.length === 1) {
        this.save(chunk[0]![0]);
        this.save(chunk[0]![1]);
        this.byte(0x73);
        continue;
      }
      this.byte(0x28);
      for (const [k, x] of chunk) {
        this.save(k);
        this.save(x);
      }
      this.byte(0x75);
    }
    if (ordered && metadata !== undefined) {
      this.byte(0x7d);
      this.save("_metadata");
      this.save(metadata);
      this.byte(0x73, 0x62); // SETITEM, BUILD
    }
  }
}
