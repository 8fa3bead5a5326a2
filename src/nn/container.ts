/**
 * Containers: `nn.Sequential` (a pipeline that is itself a module),
 * `nn.ModuleList` (a registered list) and `nn.ModuleDict` (a registered
 * dictionary). Modules held in a plain JS array are invisible to
 * `parameters()` and `state_dict()`; held in these, they are registered
 * under their index (`"0"`, `"1"`, ...) or key.
 *
 * Python's `seq[i]` is `seq.at(i)` (negative indices count from the end) or,
 * for non-negative indices, `seq[i]`; `seq[1:]` is `seq.slice(1)`.
 *
 * @example
 * const features = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2));
 * features(torch.randn(1, 1, 32, 32)).shape   // torch.Size([1, 6, 14, 14])
 * features.at(-1)                             // MaxPool2d(kernel_size=2, ...)
 * new nn.Sequential({ conv: new nn.Conv2d(1, 6, 5), act: new nn.ReLU() })   // named children
 */
import { ArgumentError, IndexError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { addIndent, Module } from "./module.js";
import { pyTypename } from "./python-style.js";

/** Named modules given as an object, a Map, or `[name, module]` pairs (Python's OrderedDict). */
export type NamedModules<T extends Module = Module> = Record<string, T> | Map<string, T> | readonly (readonly [string, T])[];

function entriesOf<T extends Module>(named: NamedModules<T>): [string, T][] {
  if (named instanceof Map) return [...named.entries()];
  if (Array.isArray(named)) return (named as readonly (readonly [string, T])[]).map(([k, v]) => [k, v]);
  return Object.entries(named as Record<string, T>);
}

function isNamed(x: unknown): boolean {
  if (x instanceof Map) return true;
  if (Array.isArray(x)) return x.length === 0 || x.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string");
  return typeof x === "object" && x !== null && !(x instanceof Module);
}

/** Python's index check: `-len <= idx < len`, else `IndexError: index {idx} is out of range`. */
function absIndex(idx: number, len: number): number {
  if (!Number.isInteger(idx)) {
    throw new ArgumentError(`'${pyTypename(idx)}' object cannot be interpreted as an integer`, "idx", "TypeError");
  }
  if (!(-len <= idx && idx < len)) throw new IndexError(`index ${idx} is out of range`, idx, [-len, len - 1]);
  return idx < 0 ? idx + len : idx;
}

/** Python's `range(len)[start:stop:step]`. */
function sliceIndices(len: number, start?: number | null, stop?: number | null, step?: number | null): number[] {
  const s = step ?? 1;
  if (s === 0) throw new ArgumentError("slice step cannot be zero", "step", "ValueError");
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | null | undefined, def: number, lo: number, hi: number) =>
    v === null || v === undefined ? def : clamp(v < 0 ? v + len : v, lo, hi);
  const out: number[] = [];
  if (s > 0) {
    const a = norm(start, 0, 0, len);
    const b = norm(stop, len, 0, len);
    for (let i = a; i < b; i += s) out.push(i);
  } else {
    const a = norm(start, len - 1, -1, len - 1);
    const b = norm(stop, -1, -1, len - 1);
    for (let i = a; i > b; i += s) out.push(i);
  }
  return out;
}

/** Rebuilds the children as `"0".."n-1"` (what Python's `__delitem__` does to keep numbering). */
function renumber(m: Module, modules: (Module | null)[]): void {
  for (const key of [...m._modules.keys()]) Reflect.deleteProperty(m, key);
  m._modules.clear();
  modules.forEach((mod, i) => m.add_module(String(i), mod));
}

/** `seq[0]`, `seq[1]`, ... read the registered children (non-negative indices). */
export interface Sequential {
  readonly [index: number]: Module;
}

/**
 * Runs its modules one after another, feeding each output to the next.
 *
 * @example
 * const net = new nn.Sequential(
 *   new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2),
 *   new nn.Flatten(), new nn.Linear(6 * 14 * 14, 10),
 * );
 * net(torch.randn(1, 1, 32, 32)).shape   // torch.Size([1, 10])
 * Object.keys(net.state_dict())          // ["0.weight", "0.bias", "4.weight", "4.bias"]
 */
export class Sequential extends Module {
  constructor(...modules: Module[]);
  constructor(named: NamedModules);
  constructor(...args: unknown[]) {
    super();
    if (args.length === 1 && isNamed(args[0])) {
      for (const [key, module] of entriesOf(args[0] as NamedModules)) this.add_module(key, module);
    } else {
      args.forEach((module, idx) => this.add_module(String(idx), module as Module));
    }
  }

  /** The number of modules (Python's `len(seq)`). */
  override get length(): number {
    return this._modules.size;
  }

  /**
   * The module at `idx` (negative counts from the end).
   *
   * @example
   * net.at(0)    // the first layer
   * net.at(-1)   // the last layer
   */
  at(idx: number): Module {
    const i = absIndex(idx, this.length);
    return [...this._modules.values()][i]!;
  }

  /** Same as `at(idx)` (Python's `seq[idx]`). */
  get(idx: number): Module {
    return this.at(idx);
  }

  /** Replaces the module at `idx` (Python's `seq[idx] = module`). */
  set(idx: number, module: Module): void {
    const key = [...this._modules.keys()][absIndex(idx, this.length)]!;
    (this as unknown as Record<string, unknown>)[key] = module;
  }

  /** Removes the module at `idx` (or a slice `[start, stop)`) and renumbers the rest (Python's `del seq[idx]`). */
  delete(idx: number, stop?: number): void {
    const keys = [...this._modules.keys()];
    const drop = stop === undefined ? [absIndex(idx, keys.length)] : sliceIndices(keys.length, idx, stop);
    const keep = keys.filter((_, i) => !drop.includes(i)).map((k) => this._modules.get(k)!);
    renumber(this, keep);
  }

  /** Removes and returns the module at `idx`. */
  pop(idx: number): Module {
    const m = this.at(idx);
    this.delete(idx);
    return m;
  }

  /**
   * A new Sequential of the modules in `[start, stop)` (with `step`), keeping their names (Python's `seq[a:b]`).
   *
   * @example
   * const features = net.slice(0, 3);   // the first three layers, still registered under "0", "1", "2"
   */
  slice(start?: number | null, stop?: number | null, step?: number | null): this {
    const entries = [...this._modules.entries()];
    const picked = sliceIndices(entries.length, start, stop, step).map((i) => entries[i]!);
    const Ctor = this.constructor as new (named: NamedModules) => this;
    return new Ctor(new Map(picked as [string, Module][]));
  }

  /** Adds a module at the end; returns this Sequential. */
  append(module: Module): this {
    this.add_module(String(this.length), module);
    return this;
  }

  /** Appends every module of `modules`; returns this Sequential. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before position `index`; returns this Sequential. */
  insert(index: number, module: Module): this {
    if (!(module instanceof Module)) throw new ArgumentError("module should be of type: <class 'torch.nn.modules.module.Module'>", "module", "AssertionError" as never);
    const n = this._modules.size;
    if (!(-n <= index && index <= n)) throw new IndexError(`Index out of range: ${index}`, index, [-n, n]);
    const at = index < 0 ? index + n : index;
    const mods = [...this._modules.values()];
    mods.splice(at, 0, module);
    renumber(this, mods);
    return this;
  }

  /** Iterates over the modules, in order (`for (const layer of seq)`). */
  *[Symbol.iterator](): Iterator<Module> {
    for (const m of this._modules.values()) if (m !== null) yield m;
  }

  /** Passes `input` through every module in order. */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this) x = m(x);
    return x as Tensor;
  }
}

/** `list[0]`, `list[1]`, ... read the registered children (non-negative indices). */
export interface ModuleList<T extends Module = Module> {
  readonly [index: number]: T;
}

/**
 * Holds modules in a list, registering them so that `parameters()` sees them.
 * It has no `forward`: iterate over it in your own.
 *
 * @example
 * class Tower extends nn.Module {
 *   layers = new nn.ModuleList(Array.from({ length: 3 }, () => new nn.Linear(8, 8)));
 *   forward(x: Tensor) { for (const l of this.layers) x = F.relu(l(x)); return x; }
 * }
 */
export class ModuleList<T extends Module = Module> extends Module {
  constructor(modules?: Iterable<NoInfer<T>> | null) {
    super();
    if (modules !== undefined && modules !== null) this.extend(modules);
  }

  /** PyTorch 2.x's repr: runs of identical children shown once, as `(0-5): 6 x Layer(...)`. */
  override toString(): string {
    const reprs = [...this._modules.values()].map((m) => (m === null ? "None" : m.toString()));
    if (reprs.length === 0) return this._get_name() + "()";
    const blocks: { start: number; end: number; repr: string }[] = [];
    reprs.forEach((r, i) => {
      const last = blocks[blocks.length - 1];
      if (last && last.repr === r) last.end = i;
      else blocks.push({ start: i, end: i, repr: r });
    });
    const lines = blocks.map((b) => addIndent(b.start === b.end ? `(${b.start}): ${b.repr}` : `(${b.start}-${b.end}): ${b.end - b.start + 1} x ${b.repr}`, 2));
    return `${this._get_name()}(\n  ${lines.join("\n  ")}\n)`;
  }

  /** The number of modules. */
  override get length(): number {
    return this._modules.size;
  }

  /** The module at `idx` (negative counts from the end). */
  at(idx: number): T {
    return this._modules.get(String(absIndex(idx, this.length))) as T;
  }

  /** Same as `at(idx)`. */
  get(idx: number): T {
    return this.at(idx);
  }

  /** Replaces the module at `idx`. */
  set(idx: number, module: T): void {
    (this as unknown as Record<string, unknown>)[String(absIndex(idx, this.length))] = module;
  }

  /** Removes the module at `idx` (or the slice `[idx, stop)`) and renumbers the rest. */
  delete(idx: number, stop?: number): void {
    const n = this.length;
    const drop = stop === undefined ? [absIndex(idx, n)] : sliceIndices(n, idx, stop);
    const keep = [...this._modules.values()].filter((_, i) => !drop.includes(i));
    renumber(this, keep);
  }

  /** Removes and returns the module at `idx`. */
  pop(idx: number): T {
    const m = this.at(idx);
    this.delete(idx);
    return m;
  }

  /** A new ModuleList of the modules in `[start, stop)` (with `step`). */
  slice(start?: number | null, stop?: number | null, step?: number | null): ModuleList<T> {
    const mods = [...this._modules.values()] as T[];
    return new ModuleList(sliceIndices(mods.length, start, stop, step).map((i) => mods[i]!));
  }

  /** Adds a module at the end; returns this list. */
  append(module: T): this {
    this.add_module(String(this.length), module);
    return this;
  }

  /** Appends every module of `modules`; returns this list. */
  extend(modules: Iterable<T>): this {
    if (modules === null || typeof (modules as Iterable<T>)[Symbol.iterator] !== "function") {
      throw new ArgumentError(`ModuleList.extend should be called with an iterable, but got ${pyTypename(modules)}`, "modules", "TypeError");
    }
    const offset = this.length;
    let i = 0;
    for (const m of modules) this.add_module(String(offset + i++), m);
    return this;
  }

  /** Inserts a module before position `index`. */
  insert(index: number, module: T): void {
    const mods = [...this._modules.values()];
    const n = mods.length;
    const at = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
    mods.splice(at, 0, module);
    renumber(this, mods);
  }

  /** Iterates over the modules, in order. */
  *[Symbol.iterator](): Iterator<T> {
    for (const m of this._modules.values()) yield m as T;
  }
}

/**
 * Holds modules by name, registering them. It has no `forward`. Iterating
 * gives the keys, as a Python dict does.
 *
 * @example
 * const heads = new nn.ModuleDict({ digits: new nn.Linear(84, 10), parity: new nn.Linear(84, 2) });
 * heads.get("digits")(features)
 * heads.keys()   // ["digits", "parity"]
 */
export class ModuleDict<T extends Module = Module> extends Module {
  constructor(modules?: NamedModules<NoInfer<T>> | null) {
    super();
    if (modules !== undefined && modules !== null) this.update(modules);
  }

  /** The number of modules. */
  override get length(): number {
    return this._modules.size;
  }

  /** The module under `key` (Python's `d[key]`; a missing key is a KeyError). */
  get(key: string): T {
    if (!this._modules.has(key)) throw new ArgumentError(`'${key}'`, key, "KeyError");
    return this._modules.get(key) as T;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: T): void {
    this.add_module(key, module);
  }

  /** True when `key` is present (Python's `key in d`). */
  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Removes `key`. */
  delete(key: string): void {
    this.get(key);
    this._modules.delete(key);
    Reflect.deleteProperty(this, key);
  }

  /** Removes `key` and returns its module. */
  pop(key: string): T {
    const m = this.get(key);
    this.delete(key);
    return m;
  }

  /** Removes every module. */
  clear(): void {
    for (const key of [...this._modules.keys()]) this.delete(key);
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this._modules.keys()];
  }

  /** The modules, in insertion order. */
  values(): T[] {
    return [...this._modules.values()] as T[];
  }

  /** `[key, module]` pairs, in insertion order. */
  items(): [string, T][] {
    return [...this._modules.entries()] as [string, T][];
  }

  /** Adds or replaces modules from an object, a Map, another ModuleDict or `[key, module]` pairs. */
  update(modules: NamedModules<T> | ModuleDict<T>): void {
    const entries = modules instanceof ModuleDict ? modules.items() : entriesOf(modules as NamedModules<T>);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Iterates over the keys, as a Python dict does. */
  *[Symbol.iterator](): Iterator<string> {
    yield* this._modules.keys();
  }
}
