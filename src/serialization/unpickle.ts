/**
 * A whitelist unpickler: reads Python pickles (protocols 0 to 5) into
 * JavaScript values without ever running anything from the file. Globals
 * (`GLOBAL`, `STACK_GLOBAL`) are resolved by the caller's `resolveGlobal`,
 * which knows the few a weights file needs and refuses every other one; the
 * opcodes that build arbitrary objects (`INST`, `OBJ`, `NEWOBJ`, extension
 * codes, out-of-band buffers) are refused outright.
 *
 * Work and memory are bounded by the input: every length is checked against
 * the bytes left before anything is read or allocated, the memo is sparse
 * (a huge index costs nothing), and the result is checked for depth and for
 * cycles before it is returned, in time linear in its size.
 *
 * Python values become: None → null, bool → boolean, int → number (bigint
 * beyond 2^53), float → number, str → string, bytes → Uint8Array, list →
 * array, tuple → array marked as a tuple, dict → object (ints as keys are
 * marked) or a Map when its keys are neither all str nor all int, set → Set.
 *
 * @example
 * unpickle(bytes, { resolveGlobal: (m, n) => { throw new Error(`${m}.${n}`) } })
 */
import { UnpicklingError } from "../errors.js";
import { markIntKeys, markOrdered, markTuple, setOwn } from "./py-types.js";

/** A global the whitelist allows: something REDUCE may call, or a marker (a storage type). */
export interface PyGlobal {
  readonly qualname: string;
  /** Called by REDUCE with the argument tuple. Absent: the global is data only. */
  call?(args: unknown[]): unknown;
  /** Called by BUILD on what `call` returned; absent: BUILD is refused. */
  build?(target: unknown, state: unknown): unknown;
}

export interface UnpickleHooks {
  /** The whitelist: returns the global (a `PyGlobal`, or a plain value) or throws an UnpicklingError naming it. */
  resolveGlobal(module: string, name: string, offset: number): unknown;
  /** `BINPERSID` / `PERSID`: what PyTorch's persistent ids (storages) load to. */
  persistentLoad?(pid: unknown, offset: number): unknown;
}

export interface UnpickleLimits {
  /** Deepest nesting of containers accepted (default 256). */
  maxDepth?: number;
}

/** A dict under construction: keys in insertion order, converted when the pickle is done. */
class PyDict {
  readonly map = new Map<unknown, unknown>();
  /** Attributes set by BUILD (an OrderedDict's `_metadata`). */
  attrs: Map<unknown, unknown> | null = null;
  ordered = false;
}

/** A tuple under construction (immutable in Python; distinct from a list). */
class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A Python object made by a whitelisted callable that may receive BUILD later. */
class Built {
  constructor(readonly global: PyGlobal, public value: unknown) {}
}


/** Opcode names, for error messages. */
const OPCODE_NAMES: Record<number, string> = {
  0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT", 0x4a: "BININT",
  0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE", 0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE",
  0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND",
  0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
  0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT",
  0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
  0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
  0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET",
  0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
  0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/**
 * Reads one pickle from `bytes` (which must end at its STOP).
 * Throws `UnpicklingError` for anything malformed or not whitelisted.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, limits: UnpickleLimits = {}): unknown {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let opStart = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  // Converting containers is linear in their size; shared ones passed to many calls must not make it quadratic.
  const budget = { left: 16 * n + 100_000 };

  const fail = (msg: string, global: string | null = null): never => {
    throw new UnpicklingError(msg, opStart, global);
  };
  const need = (k: number): number => {
    if (!(k >= 0) || k > n - pos) fail(`pickle data was truncated (${OPCODE_NAMES[bytes[opStart]!] ?? "opcode"} at byte ${opStart} needs ${k} more bytes, ${n - pos} left)`);
    const at = pos;
    pos += k;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = view.getUint32(at + 4, true);
    if (hi > 0x1fffff) fail(`a length of more than 2^53 bytes at byte ${opStart}`);
    return hi * 2 ** 32 + view.getUint32(at, true);
  };
  const take = (k: number): Uint8Array => {
    const at = need(k);
    return bytes.subarray(at, at + k);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("pickle data was truncated (a line without its newline)");
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`'utf-8' codec can't decode the string at byte ${opStart}`);
    }
  };
  const pop = (): unknown => {
    const floor = marks.length > 0 ? marks[marks.length - 1]! : 0;
    if (stack.length <= floor) fail("unpickling stack underflow");
    return stack.pop();
  };
  const top = (): unknown => {
    const floor = marks.length > 0 ? marks[marks.length - 1]! : 0;
    if (stack.length <= floor) fail("unpickling stack underflow");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail("could not find MARK");
    return stack.splice(m!);
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`Memo value not found at index ${i}`);
    return memo.get(i);
  };
  const memoPut = (i: number): void => {
    memo.set(i, top());
  };
  const asList = (x: unknown, op: string): unknown[] => {
    if (!Array.isArray(x)) fail(`${op} needs a list on the stack, found ${describe(x)}`);
    return x as unknown[];
  };
  const asDict = (x: unknown, op: string): PyDict => {
    if (!(x instanceof PyDict)) fail(`${op} needs a dict on the stack, found ${describe(x)}`);
    return x as PyDict;
  };
  const asSet = (x: unknown, op: string): Set<unknown> => {
    if (!(x instanceof Set)) fail(`${op} needs a set on the stack, found ${describe(x)}`);
    return x as Set<unknown>;
  };
  const setItems = (d: PyDict, items: unknown[]): void => {
    if (items.length % 2 !== 0) fail("SETITEMS needs key/value pairs, found an odd number of items");
    for (let i = 0; i < items.length; i += 2) d.map.set(dictKey(items[i]), items[i + 1]);
  };
  const dictKey = (k: unknown): unknown => {
    if (typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean" || k === null) return k;
    if (k instanceof PyTuple) return k; // by identity: tuples as keys are rare in checkpoints
    return fail(`unhashable type as a dict key: ${describe(k)}`);
  };
  const global = (module: string, name: string): unknown => hooks.resolveGlobal(module, name, opStart);
  const persistent = (pid: unknown): unknown => {
    if (!hooks.persistentLoad) fail("A load persistent id instruction was encountered, but no persistent_load function was specified.");
    return hooks.persistentLoad!(finalizeShallow(pid), opStart);
  };
  const int = (s: string): number | bigint | boolean => {
    const t = s.trim().replace(/L$/, "");
    if (t === "01") return true;
    if (t === "00") return false;
    if (!/^[+-]?\d+$/.test(t)) fail(`invalid literal for int() with base 10: '${s}'`);
    const b = BigInt(t);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  };

  for (;;) {
    opStart = pos;
    if (pos >= n) fail("pickle data was truncated (no STOP opcode)");
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) fail(`unsupported pickle protocol: ${proto}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a hint for buffered readers
      case 0x2e: { // STOP
        if (marks.length > 0) fail("STOP inside an unfinished MARK");
        if (stack.length !== 1) fail(stack.length === 0 ? "unpickling stack underflow" : `pickle left ${stack.length} values on the stack`);
        return finalize(stack[0], limits.maxDepth ?? 256, opStart, budget);
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x49: stack.push(int(line())); break; // INT
      case 0x4c: { // LONG
        const v = int(line());
        stack.push(typeof v === "boolean" ? Number(v) : v);
        break;
      }
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const k = view.getInt32(need(4), true);
        if (k < 0) fail("LONG pickle has negative byte count");
        stack.push(decodeLong(take(k)));
        break;
      }
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x46: { // FLOAT
        const s = line().trim();
        const v = Number(s);
        if (s === "" || Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) fail(`could not convert string to float: '${s}'`);
        stack.push(v);
        break;
      }
      case 0x58: stack.push(text(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(take(u64()))); break; // BINUNICODE8
      case 0x56: stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))); break; // UNICODE
      case 0x54: { // BINSTRING (Python 2 str)
        const k = view.getInt32(need(4), true);
        if (k < 0) fail("BINSTRING pickle has negative byte count");
        stack.push(latin1.decode(take(k)));
        break;
      }
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x53: { // STRING
        const s = line();
        const m = /^(['"])(.*)\1\s*$/s.exec(s);
        if (!m) fail("the STRING opcode argument must be quoted");
        stack.push(m![2]);
        break;
      }
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        asList(top(), "APPEND").push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = asList(top(), "APPENDS");
        for (const v of items) list.push(v);
        break;
      }
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(asDict(top(), "SETITEM"), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(asDict(top(), "SETITEMS"), items);
        break;
      }
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = asSet(top(), "ADDITEMS");
        for (const v of items) s.add(dictKey(v));
        break;
      }
      case 0x91: stack.push(new Set(popMark().map(dictKey))); break; // FROZENSET
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL requires str");
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail(`REDUCE needs an argument tuple, found ${describe(args)}`);
        const g = fn instanceof Built ? fn.global : fn;
        if (!isGlobal(g) || typeof g.call !== "function") fail(`REDUCE on ${describe(fn)}, which is not callable here`);
        const callable = g as PyGlobal;
        const value = callable.call!((args as PyTuple).items.map(finalizeShallow));
        stack.push(callable.build ? new Built(callable, value) : value);
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PyDict && state instanceof PyDict) {
          target.attrs ??= new Map();
          for (const [k, v] of state.map) target.attrs.set(k, v);
        } else if (target instanceof Built) {
          target.value = target.global.build!(target.value, finalizeShallow(state));
        } else {
          fail(`BUILD on ${describe(target)} is not allowed when loading weights`);
        }
        break;
      }
      case 0x51: stack.push(persistent(pop())); break; // BINPERSID
      case 0x50: stack.push(persistent(line())); break; // PERSID
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: stack.push(memoGet(Number(int(line())))); break; // GET
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x70: memoPut(Number(int(line()))); break; // PUT
      case 0x94: memoPut(memo.size); break; // MEMOIZE
      case 0x69: case 0x6f: case 0x81: case 0x92: case 0x82: case 0x83: case 0x84: case 0x97: case 0x98:
        fail(`the pickle opcode ${OPCODE_NAMES[op]} builds arbitrary objects and is not allowed when loading weights`);
        break;
      default:
        fail(`invalid load key, '${op >= 0x20 && op < 0x7f ? String.fromCharCode(op) : `\\x${op.toString(16).padStart(2, "0")}`}'.`);
    }
  }

  /** A value as a callable receives it: containers converted (their contents too). */
  function finalizeShallow(v: unknown): unknown {
    return finalize(v, limits.maxDepth ?? 256, opStart, budget);
  }
}

function isGlobal(x: unknown): x is PyGlobal {
  return typeof x === "object" && x !== null && typeof (x as PyGlobal).qualname === "string";
}

/** Python's name for what is on the stack, for messages. */
function describe(x: unknown): string {
  if (x === null) return "None";
  if (x instanceof PyDict) return "dict";
  if (x instanceof PyTuple) return "tuple";
  if (Array.isArray(x)) return "list";
  if (x instanceof Built) return x.global.qualname;
  if (isGlobal(x)) return x.qualname;
  if (x instanceof Uint8Array) return "bytes";
  if (x instanceof Set) return "set";
  if (typeof x === "string") return "str";
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "float";
  if (typeof x === "bigint") return "int";
  if (typeof x === "boolean") return "bool";
  return typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x;
}

/** A little-endian two's-complement integer (LONG1/LONG4). */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Turns the unpickler's containers into plain JavaScript values, keeping
 * shared values shared; refuses nesting deeper than `maxDepth` and values
 * that contain themselves. Linear in the number of distinct containers.
 */
function finalize(root: unknown, maxDepth: number, offset: number, budget: { left: number }): unknown {
  const done = new Map<object, unknown>();
  const active = new Set<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null || v instanceof Uint8Array) return v;
    if (done.has(v)) return done.get(v);
    if (--budget.left < 0) throw new UnpicklingError("the pickle refers to its containers more often than a weights file does", offset);
    if (v instanceof Built) return walk(v.value, depth);
    if (!(v instanceof PyDict || v instanceof PyTuple || Array.isArray(v) || v instanceof Set)) return v;
    if (active.has(v)) throw new UnpicklingError("the pickle contains a value that contains itself, which a weights file never does", offset);
    if (depth > maxDepth) throw new UnpicklingError(`the pickle nests containers more than ${maxDepth} deep, which a weights file never does`, offset);
    active.add(v);
    let out: unknown;
    if (v instanceof PyTuple) {
      out = markTuple(v.items.map((x) => walk(x, depth + 1)));
    } else if (Array.isArray(v)) {
      out = v.map((x) => walk(x, depth + 1));
    } else if (v instanceof Set) {
      out = new Set([...v].map((x) => walk(x, depth + 1)));
    } else {
      out = dictValue(v, (x) => walk(x, depth + 1));
    }
    active.delete(v);
    done.set(v, out);
    return out;
  };
  return walk(root, 0);
}

/** The finished form of a dict: an object (str or int keys), else a Map. */
function dictValue(d: PyDict, walk: (x: unknown) => unknown): unknown {
  const keys = [...d.map.keys()];
  const allStr = keys.every((k) => typeof k === "string");
  const allInt = !allStr && keys.every((k) => typeof k === "number" && Number.isInteger(k));
  let out: Record<string, unknown> | Map<unknown, unknown>;
  if (allStr || allInt) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of d.map) setOwn(o, String(k), walk(v));
    if (allInt) markIntKeys(o);
    out = o;
  } else {
    const m = new Map<unknown, unknown>();
    for (const [k, v] of d.map) m.set(walk(k), walk(v));
    out = m;
  }
  if (d.ordered) markOrdered(out);
  if (d.attrs) {
    for (const [k, v] of d.attrs) {
      if (typeof k === "string" && !(out instanceof Map)) {
        Object.defineProperty(out, k, { value: walk(v), enumerable: false, writable: true, configurable: true });
      }
    }
  }
  return out;
}

/** A fresh dict for a whitelisted constructor (`collections.OrderedDict()` when `ordered`). */
export function newPyDict(ordered: boolean): object {
  const d = new PyDict();
  d.ordered = ordered;
  return d;
}
