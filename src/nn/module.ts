/**
 * `nn.Module`: the base class of every layer and network.
 *
 * A module is callable (`net(x)` runs the forward pre-hooks, `forward` and the
 * forward hooks), and it registers what is assigned to it the way PyTorch's
 * `__setattr__` does: a `Parameter` field becomes a parameter, a `Module`
 * field a child, in the order the fields are defined; a plain tensor field
 * stays a plain field (use `register_buffer` for state that is not trained).
 *
 * How it works: the constructor returns a function object (so instances can
 * be called) whose prototype is the subclass prototype, wrapped in a Proxy
 * that sees class-field definitions and assignments — the places where Python
 * runs `__setattr__`. Registered values are also kept as ordinary properties,
 * so `this.conv1` is a plain property read.
 *
 * @example
 * class Net extends nn.Module {
 *   conv1 = new nn.Conv2d(1, 6, 5);
 *   fc1 = new nn.Linear(6 * 14 * 14, 10);
 *   forward(x: Tensor): Tensor {
 *     x = F.max_pool2d(F.relu(this.conv1(x)), 2);
 *     return this.fc1(torch.flatten(x, 1));
 *   }
 * }
 * const net = new Net();
 * net(torch.randn(1, 1, 32, 32)).shape   // torch.Size([1, 10])
 * net.named_parameters().map(([n]) => n) // ["conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias"]
 */
import { explainLoadMismatch, impliedBundle } from "./state-dict-explain.js";
import { inspect } from "node:util";
import { ArgumentError, TsorchError } from "../errors.js";
import { no_grad } from "../autograd/grad-mode.js";
import type { DType, DTypeLike } from "../tensor/dtype.js";
import { type DeviceName, toDeviceCopy, toTarget } from "../tensor/convert.js";
import { formatSize } from "../tensor/format.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { annotateError, enterModule, exitModule } from "./call-context.js";
import { copyInPlace, fillInPlace } from "./in-place.js";
import { Parameter, is_lazy, setTensorData } from "./parameter.js";
import { pyTypeRepr, pyTypename } from "./python-style.js";
import type { OpSpec } from "../shape/descriptor.js";

/** `hook(module, args)`: may return replacement arguments (an array, or a single value). */
export type ForwardPreHook<M = Module> = (module: M, args: unknown[]) => unknown;
/** `hook(module, args, output)`: may return a replacement output. */
export type ForwardHook<M = Module> = (module: M, args: unknown[], output: any) => unknown;

/** A state dict: parameter and buffer names (`fc1.weight`) to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

/** Module versions by path, kept on a state dict as a non-enumerable `_metadata` property (as in PyTorch). */
export type StateDictMetadata = Record<string, { version?: number }>;

/** What `load_state_dict` reports: keys the module wanted but did not get, and keys it did not know. */
export interface IncompatibleKeys {
  missing_keys: string[];
  unexpected_keys: string[];
}

let nextHookId = 0;

/**
 * Returned by `register_forward_hook` and friends; `remove()` unregisters the hook.
 *
 * @example
 * const h = net.conv1.register_forward_hook((m, args, out) => console.log(out.shape));
 * net(x);
 * h.remove();
 */
export class RemovableHandle {
  /** A unique number, as in PyTorch. */
  readonly id = nextHookId++;

  constructor(private readonly dicts: Map<number, unknown>[]) {}

  /** Unregisters the hook (removing twice is harmless). */
  remove(): void {
    for (const d of this.dicts) d.delete(this.id);
  }
}

/** Python's KeyError for an attribute name. */
function keyError(message: string, name: string): ArgumentError {
  return new ArgumentError(message, name, "KeyError");
}

function typeError(message: string, name: string): ArgumentError {
  return new ArgumentError(message, name, "TypeError");
}

/** Indents every line but the first (PyTorch's `_addindent`). */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(spaces);
  return lines[0] + "\n" + lines.slice(1).map((l) => pad + l).join("\n");
}

function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

function defineVisible(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The per-instance tables, under PyTorch's names. */
interface ModuleTables {
  _parameters: Map<string, Parameter | null>;
  _buffers: Map<string, Tensor | null>;
  _non_persistent_buffers_set: Set<string>;
  _modules: Map<string, Module | null>;
}

function isRegistered(target: ModuleTables, key: string): boolean {
  return target._parameters.has(key) || target._modules.has(key) || target._buffers.has(key);
}

/** Python's `hasattr(self, name)`; a declared-but-unset field (value undefined) does not count. */
function hasAttr(target: object, key: string): boolean {
  if (!(key in target)) return false;
  const own = Object.getOwnPropertyDescriptor(target, key);
  return !(own && "value" in own && own.value === undefined);
}

/** Removes `key` from the given tables and own properties. */
function removeFrom(target: ModuleTables & object, key: string, from: { own?: boolean; params?: boolean; buffers?: boolean; modules?: boolean }): void {
  if (from.own && !isRegistered(target, key)) Reflect.deleteProperty(target, key);
  if (from.params) target._parameters.delete(key);
  if (from.buffers) {
    target._buffers.delete(key);
    target._non_persistent_buffers_set.delete(key);
  }
  if (from.modules) target._modules.delete(key);
}

/**
 * PyTorch's `Module.__setattr__`, applied to the raw target behind the proxy.
 * Returns false when the value is an ordinary attribute the caller must store.
 */
function setAttr(target: Module, key: string, value: unknown): boolean {
  const t = target as unknown as ModuleTables & Module;
  if (value instanceof Parameter) {
    removeFrom(t, key, { own: true, buffers: true, modules: true });
    registerParameterOn(t, key, value);
    return true;
  }
  if (t._parameters.has(key)) {
    if (value !== null && value !== undefined) {
      throw typeError(`cannot assign '${pyTypename(value)}' as parameter '${key}' (torch.nn.Parameter or None expected)`, key);
    }
    registerParameterOn(t, key, null);
    return true;
  }
  if (value instanceof Module) {
    removeFrom(t, key, { own: true, params: true, buffers: true });
    t._modules.set(key, value);
    defineVisible(t, key, value);
    return true;
  }
  if (t._modules.has(key)) {
    if (value !== null && value !== undefined) {
      throw typeError(`cannot assign '${pyTypename(value)}' as child module '${key}' (torch.nn.Module or None expected)`, key);
    }
    t._modules.set(key, null);
    defineVisible(t, key, null);
    return true;
  }
  if (t._buffers.has(key)) {
    if (value !== null && value !== undefined && !(value instanceof Tensor)) {
      throw typeError(`cannot assign '${pyTypename(value)}' as buffer '${key}' (torch.Tensor or None expected)`, key);
    }
    t._buffers.set(key, (value ?? null) as Tensor | null);
    defineVisible(t, key, value ?? null);
    return true;
  }
  return false;
}

function registerParameterOn(t: ModuleTables & Module, name: string, param: Parameter | null): void {
  if (param !== null && param.grad_fn) {
    throw new ArgumentError(
      `Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly. ` +
      `To express '${name}' as a function of another Tensor, compute the value in the forward() method.`,
      name, "ValueError");
  }
  t._parameters.set(name, param);
  defineVisible(t, name, param);
}

/**
 * Sees the places where Python runs `__setattr__`/`__delattr__`: assignments
 * (`this.fc = ...`), class-field definitions and `delete`.
 */
const moduleHandler: ProxyHandler<Module> = {
  set(target, key, value, receiver) {
    if (typeof key === "string" && (value instanceof Parameter || value instanceof Module || isRegistered(target as never, key))) {
      return setAttr(target, key, value) || Reflect.set(target, key, value, receiver);
    }
    return Reflect.set(target, key, value, receiver);
  },
  defineProperty(target, key, desc) {
    if (typeof key === "string" && "value" in desc) {
      const value = desc.value;
      // A re-declared field (`weight!: Parameter` in a subclass) defines undefined: keep what is registered.
      if (value === undefined && isRegistered(target as never, key)) return true;
      if (value instanceof Parameter || value instanceof Module || isRegistered(target as never, key)) {
        if (setAttr(target, key, value)) return true;
      }
    }
    return Reflect.defineProperty(target, key, desc);
  },
  deleteProperty(target, key) {
    if (typeof key === "string") {
      const t = target as unknown as ModuleTables;
      if (t._parameters.has(key)) t._parameters.delete(key);
      else if (t._buffers.has(key)) removeFrom(t as never, key, { buffers: true });
      else if (t._modules.has(key)) t._modules.delete(key);
    }
    return Reflect.deleteProperty(target, key);
  },
};

/** Calling a module calls its `forward` with the same arguments (through the hooks). */
export interface Module {
  (...args: Parameters<this["forward"]>): ReturnType<this["forward"]>;
}

/**
 * Base class for all neural network modules; subclass it and define `forward`.
 *
 * @example
 * class TwoLayer extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   fc2 = new nn.Linear(8, 2);
 *   forward(x: Tensor): Tensor { return this.fc2(F.relu(this.fc1(x))); }
 * }
 * const m = new TwoLayer();
 * m(torch.randn(3, 4)).shape   // torch.Size([3, 2])
 * String(m)                    // "TwoLayer(\n  (fc1): Linear(in_features=4, out_features=8, bias=True)\n  ..."
 */
export class Module {
  /** The version of this module's state-dict format (PyTorch's `_version`; BatchNorm's is 2). */
  static _version = 1;

  /** Whether the module is in training mode (`train()`/`eval()` set it recursively). */
  declare training: boolean;
  /** Parameters registered on this module itself, by name, in registration order (`null`: an empty slot). */
  declare readonly _parameters: Map<string, Parameter | null>;
  /** Buffers registered on this module itself (`null`: an empty slot). */
  declare readonly _buffers: Map<string, Tensor | null>;
  /** Names of buffers left out of `state_dict`. */
  declare readonly _non_persistent_buffers_set: Set<string>;
  /** Child modules, by name, in registration order (`null`: an empty slot). */
  declare readonly _modules: Map<string, Module | null>;
  declare readonly _forward_pre_hooks: Map<number, ForwardPreHook<any>>;
  declare readonly _forward_hooks: Map<number, ForwardHook<any>>;

  constructor() {
    // The instance is a function so that `net(x)` works; `proxy` is what the constructor returns.
    let proxy: Module;
    const f = (...args: unknown[]): unknown => proxy._call(...args);
    delete (f as { name?: string }).name;
    delete (f as { length?: number }).length;
    Object.setPrototypeOf(f, new.target.prototype);
    defineHidden(f, "training", true);
    defineHidden(f, "_parameters", new Map());
    defineHidden(f, "_buffers", new Map());
    defineHidden(f, "_non_persistent_buffers_set", new Set());
    defineHidden(f, "_modules", new Map());
    defineHidden(f, "_forward_pre_hooks", new Map());
    defineHidden(f, "_forward_hooks", new Map());
    proxy = new Proxy(f as unknown as Module, moduleHandler);
    return proxy;
  }

  /**
   * The computation of the module; every subclass defines it. Call the
   * module (`m(x)`) rather than `m.forward(x)` so that hooks and the shape
   * tracer see the call.
   */
  forward(...args: any[]): any {
    throw new TsorchError(`Module [${this._get_name()}] is missing the required "forward" function`, "NotImplementedError");
  }

  /** @internal What calling the module does (PyTorch's `_call_impl`). */
  _call(...args: unknown[]): unknown {
    const frame = enterModule(this, args);
    let result: unknown;
    try {
      let input = args;
      for (const hook of [...this._forward_pre_hooks.values()]) {
        const r = hook(this, input);
        if (r !== undefined && r !== null) input = Array.isArray(r) ? r : [r];
      }
      result = this.forward(...input);
      for (const hook of [...this._forward_hooks.values()]) {
        const r = hook(this, input, result);
        if (r !== undefined && r !== null) result = r;
      }
    } catch (e) {
      annotateError(e, frame);
      exitModule(frame, { error: e });
      throw e;
    }
    exitModule(frame, { output: result });
    return result;
  }

  /** The class name shown in the repr (`Conv2d`, `Net`). */
  _get_name(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- registration

  /**
   * Registers state that is not a parameter (BatchNorm's `running_mean`).
   * Persistent buffers are saved in `state_dict()`.
   *
   * @example
   * this.register_buffer("running_mean", torch.zeros(16));
   */
  register_buffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (typeof name !== "string") throw typeError(`buffer name should be a string. Got ${pyTypename(name)}`, "name");
    if (name.includes(".")) throw keyError(`buffer name can't contain "."`, name);
    if (name === "") throw keyError(`buffer name can't be empty string ""`, name);
    if (hasAttr(this, name) && !this._buffers.has(name)) throw keyError(`attribute '${name}' already exists`, name);
    if (tensor !== null && tensor !== undefined && !(tensor instanceof Tensor)) {
      throw typeError(`cannot assign '${pyTypename(tensor)}' object to buffer '${name}' (torch Tensor or None required)`, name);
    }
    const raw = this as unknown as ModuleTables;
    raw._buffers.set(name, tensor ?? null);
    if (persistent) raw._non_persistent_buffers_set.delete(name);
    else raw._non_persistent_buffers_set.add(name);
    Reflect.defineProperty(this, name, { value: tensor ?? null, writable: true, enumerable: true, configurable: true });
  }

  /**
   * Registers a parameter under `name` (`null` reserves the slot, as
   * `Conv2d(bias=False)` does for `bias`).
   *
   * @example
   * this.register_parameter("scale", new nn.Parameter(torch.ones(1)));
   */
  register_parameter(name: string, param: Parameter | null): void {
    if (typeof name !== "string") throw typeError(`parameter name should be a string. Got ${pyTypename(name)}`, "name");
    if (name.includes(".")) throw keyError(`parameter name can't contain "."`, name);
    if (name === "") throw keyError(`parameter name can't be empty string ""`, name);
    if (hasAttr(this, name) && !this._parameters.has(name)) throw keyError(`attribute '${name}' already exists`, name);
    if (param !== null && param !== undefined && !(param instanceof Parameter)) {
      throw typeError(`cannot assign '${pyTypename(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`, name);
    }
    if (param === null || param === undefined) (this as unknown as ModuleTables)._parameters.set(name, null);
    // Through the proxy: its defineProperty trap registers a Parameter (and refuses a non-leaf one).
    Reflect.defineProperty(this, name, { value: param ?? null, writable: true, enumerable: true, configurable: true });
  }

  /**
   * Adds a child module under `name` (what assigning a module field does).
   *
   * @example
   * seq.add_module("relu", new nn.ReLU());
   */
  add_module(name: string, module: Module | null): void {
    if (!(module instanceof Module) && module !== null && module !== undefined) {
      throw typeError(`${pyTypename(module)} is not a Module subclass`, "module");
    }
    if (typeof name !== "string") throw typeError(`module name should be a string. Got ${pyTypename(name)}`, "name");
    if (hasAttr(this, name) && !this._modules.has(name)) throw keyError(`attribute '${name}' already exists`, name);
    if (name.includes(".")) throw keyError(`module name can't contain ".", got: ${name}`, name);
    if (name === "") throw keyError(`module name can't be empty string ""`, name);
    (this as unknown as ModuleTables)._modules.set(name, module ?? null);
    Reflect.defineProperty(this, name, { value: module ?? null, writable: true, enumerable: true, configurable: true });
  }

  /** Alias of `add_module`. */
  register_module(name: string, module: Module | null): void {
    this.add_module(name, module);
  }

  /**
   * The submodule at a dotted path (`"features.0"`); `""` is this module.
   *
   * @example
   * net.get_submodule("features.0")   // Conv2d(...)
   */
  get_submodule(target: string): Module {
    if (target === "") return this;
    let mod: Module = this;
    for (const item of target.split(".")) {
      const next = (mod as unknown as Record<string, unknown>)[item];
      if (!(item in mod) || next === undefined) {
        throw new ArgumentError(`${mod._get_name()} has no attribute \`${item}\``, "target", "AttributeError" as never);
      }
      if (!(next instanceof Module)) throw new ArgumentError(`\`${item}\` is not an nn.Module`, "target", "AttributeError" as never);
      mod = next;
    }
    return mod;
  }

  /** The parameter at a dotted path (`"fc1.weight"`). */
  get_parameter(target: string): Parameter {
    const i = target.lastIndexOf(".");
    const mod = this.get_submodule(i < 0 ? "" : target.slice(0, i));
    const name = target.slice(i + 1);
    if (!(name in mod)) throw new ArgumentError(`${mod._get_name()} has no attribute \`${name}\``, "target", "AttributeError" as never);
    const p = (mod as unknown as Record<string, unknown>)[name];
    if (!(p instanceof Parameter)) throw new ArgumentError(`\`${name}\` is not an nn.Parameter`, "target", "AttributeError" as never);
    return p;
  }

  /** The buffer at a dotted path (`"bn.running_mean"`). */
  get_buffer(target: string): Tensor {
    const i = target.lastIndexOf(".");
    const mod = this.get_submodule(i < 0 ? "" : target.slice(0, i));
    const name = target.slice(i + 1);
    if (!(name in mod)) throw new ArgumentError(`${mod._get_name()} has no attribute \`${name}\``, "target", "AttributeError" as never);
    const b = mod._buffers.get(name);
    if (!mod._buffers.has(name) || !b) throw new ArgumentError(`\`${name}\` is not a buffer`, "target", "AttributeError" as never);
    return b;
  }

  // ---------------------------------------------------------------- traversal

  /**
   * This module and all modules below it with their dotted names, each once
   * (`""` is this module), depth-first in registration order.
   *
   * @example
   * net.named_modules().map(([name]) => name)   // ["", "conv1", "conv2", "fc1", "fc2", "fc3"]
   */
  named_modules(memo?: Set<Module>, prefix = "", remove_duplicate = true): [string, Module][] {
    const seen = memo ?? new Set<Module>();
    const out: [string, Module][] = [];
    const visit = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      if (remove_duplicate) seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m._modules) {
        if (child === null) continue;
        visit(child, p + (p ? "." : "") + name);
      }
    };
    visit(this, prefix);
    return out;
  }

  /** This module and all modules below it (see `named_modules`). */
  modules(): Module[] {
    return this.named_modules().map(([, m]) => m);
  }

  /** The direct children with their names, each once. */
  named_children(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) {
      if (m !== null && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  /** The direct children, each once. */
  children(): Module[] {
    return this.named_children().map(([, m]) => m);
  }

  private namedMembers<T extends Tensor>(
    get: (m: Module) => Iterable<[string, T | null]>, prefix: string, recurse: boolean, removeDuplicate: boolean,
  ): [string, T][] {
    const memo = new Set<T>();
    const mods: [string, Module][] = recurse ? this.named_modules(undefined, prefix, removeDuplicate) : [[prefix, this]];
    const out: [string, T][] = [];
    for (const [modPrefix, m] of mods) {
      for (const [k, v] of get(m)) {
        if (v === null || memo.has(v)) continue;
        if (removeDuplicate) memo.add(v);
        out.push([modPrefix + (modPrefix ? "." : "") + k, v]);
      }
    }
    return out;
  }

  /**
   * The parameters with their dotted names, each once, in registration order.
   *
   * @example
   * for (const [name, p] of net.named_parameters()) console.log(name, p.shape);
   */
  named_parameters(prefix = "", recurse = true, remove_duplicate = true): [string, Parameter][] {
    return this.namedMembers((m) => m._parameters, prefix, recurse, remove_duplicate);
  }

  /**
   * The parameters, each once (what an optimizer takes).
   *
   * @example
   * net.parameters().reduce((n, p) => n + p.numel(), 0)   // 61706 for LeNet
   */
  parameters(recurse = true): Parameter[] {
    return this.named_parameters("", recurse).map(([, p]) => p);
  }

  /** The buffers with their dotted names (`bn.running_mean`), each once. */
  named_buffers(prefix = "", recurse = true, remove_duplicate = true): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers, prefix, recurse, remove_duplicate);
  }

  /** The buffers, each once. */
  buffers(recurse = true): Tensor[] {
    return this.named_buffers("", recurse).map(([, b]) => b);
  }

  // ---------------------------------------------------------------- modes and state

  /**
   * Sets training mode on this module and all below it (Dropout and BatchNorm
   * behave differently in training). Returns the module.
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new ArgumentError("training mode is expected to be boolean", "mode", "ValueError");
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `requires_grad` on every parameter (freeze with `false`). Returns the module. */
  requires_grad_(requires_grad = true): this {
    for (const p of this.parameters()) p.requires_grad_(requires_grad);
    return this;
  }

  /**
   * Resets the gradients of all parameters. As in PyTorch 1.13 the default
   * zeroes them in place; `zero_grad(true)` sets them to null instead.
   */
  zero_grad(set_to_none = false): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (set_to_none) {
        p.grad = null;
        continue;
      }
      if (p.grad.grad_fn) p.grad.detach_();
      else p.grad.requires_grad_(false);
      fillInPlace(p.grad, 0);
    }
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module;
   * returns the module. Typical use: custom initialisation.
   *
   * @example
   * net.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.bias!) });
   */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /**
   * @internal Applies `fn` to every parameter (in place, keeping its identity),
   * its gradient, and every buffer (replaced), recursively.
   */
  _apply(fn: (t: Tensor) => Tensor): this {
    for (const m of this.children()) m._apply(fn);
    no_grad(() => {
      for (const p of this._parameters.values()) {
        if (p === null) continue;
        if (is_lazy(p)) {
          // Only the dtype of an uninitialized parameter can change.
          const converted = fn(new Tensor(new Storage(new Float32Array(0)), [0], [1], 0, p.dtype));
          (p as unknown as { storage: Storage; dtype: DType }).storage = converted.storage;
          (p as unknown as { dtype: DType }).dtype = converted.dtype;
          continue;
        }
        setTensorData(p, fn(p));
        if (p.grad !== null) setTensorData(p.grad, fn(p.grad));
      }
      for (const [name, b] of this._buffers) {
        if (b === null) continue;
        const converted = fn(b);
        this._buffers.set(name, converted);
        Reflect.defineProperty(this, name, { value: converted, writable: true, enumerable: true, configurable: true });
      }
    });
    return this;
  }

  /**
   * Converts floating-point parameters and buffers to `dtype` in place, or
   * moves every parameter and buffer to a device: `"cpu"` changes nothing
   * (tsorch computes on the CPU), `"meta"` keeps their shapes and drops their
   * values, as PyTorch's `net.to("meta")` does.
   *
   * @example
   * net.to(torch.float64);   // same as net.double()
   * net.to("meta");          // a net for shape-only runs
   */
  to(target: DTypeLike | DeviceName | (string & {}) | { dtype?: DTypeLike; device?: string }, dtype?: DTypeLike): this {
    const { device: to, dtype: floating } = toTarget(target, dtype);
    if (floating !== undefined) {
      if (!floating.is_floating_point) {
        throw typeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${floating}`, "dtype");
      }
      this._apply((t) => (t.dtype.is_floating_point ? t.to(floating) : t));
    }
    return to === undefined ? this : this._apply((t) => toDeviceCopy(t, to));
  }

  /** Floating-point parameters and buffers to float32. */
  float(): this {
    return this._apply((t) => (t.dtype.is_floating_point ? t.to("float32") : t));
  }

  /** Floating-point parameters and buffers to float64. */
  double(): this {
    return this._apply((t) => (t.dtype.is_floating_point ? t.to("float64") : t));
  }

  /** This module: tsorch computes on the CPU. */
  cpu(): this {
    return this;
  }

  // ---------------------------------------------------------------- hooks

  /**
   * Runs `hook(module, args)` before every `forward`; returning a value
   * replaces the arguments (an array is taken as the argument list).
   */
  register_forward_pre_hook(hook: ForwardPreHook<this>): RemovableHandle {
    const handle = new RemovableHandle([this._forward_pre_hooks]);
    this._forward_pre_hooks.set(handle.id, hook);
    return handle;
  }

  /**
   * Runs `hook(module, args, output)` after every `forward`; returning a
   * value replaces the output.
   *
   * @example
   * const h = net.conv1.register_forward_hook((m, args, out) => { console.log(out.shape) });
   */
  register_forward_hook(hook: ForwardHook<this>): RemovableHandle {
    const handle = new RemovableHandle([this._forward_hooks]);
    this._forward_hooks.set(handle.id, hook);
    return handle;
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Parameters and persistent buffers by dotted name, in registration order
   * (detached from the graph unless `keep_vars`).
   *
   * @example
   * Object.keys(net.state_dict())   // ["conv1.weight", "conv1.bias", ...]
   */
  state_dict(options: { destination?: StateDict; prefix?: string; keep_vars?: boolean } = {}): StateDict {
    const dest: StateDict = options.destination ?? {};
    const prefix = options.prefix ?? "";
    const keep = options.keep_vars ?? false;
    // PyTorch's `_metadata`: each module's version, which BatchNorm reads back when loading (not a key).
    if (!Object.prototype.hasOwnProperty.call(dest, "_metadata")) {
      Object.defineProperty(dest, "_metadata", { value: {}, enumerable: false, writable: true, configurable: true });
    }
    (dest as unknown as { _metadata: StateDictMetadata })._metadata[prefix.slice(0, -1)] = {
      version: (this.constructor as typeof Module)._version,
    };
    for (const [name, p] of this._parameters) {
      // An uninitialized parameter has no data to detach: PyTorch stores it as it is.
      if (p !== null) dest[prefix + name] = keep || is_lazy(p) ? p : p.detach();
    }
    for (const [name, b] of this._buffers) {
      if (b !== null && !this._non_persistent_buffers_set.has(name)) dest[prefix + name] = keep ? b : b.detach();
    }
    for (const [name, m] of this._modules) {
      if (m !== null) m.state_dict({ destination: dest, prefix: prefix + name + ".", keep_vars: keep });
    }
    return dest;
  }

  /**
   * @internal Copies this module's own entries of `stateDict` (PyTorch's
   * `_load_from_state_dict`), collecting what is missing, unexpected or of
   * the wrong size.
   */
  _load_from_state_dict(
    stateDict: Map<string, unknown>, prefix: string, _localMetadata: { version?: number },
    missing: string[], unexpected: string[], errors: string[],
  ): void {
    const local = new Map<string, Tensor>();
    for (const [k, v] of this._parameters) if (v !== null) local.set(k, v);
    for (const [k, v] of this._buffers) if (v !== null && !this._non_persistent_buffers_set.has(k)) local.set(k, v);
    for (const [name, param] of local) {
      const key = prefix + name;
      if (!stateDict.has(key)) {
        missing.push(key);
        continue;
      }
      let input = stateDict.get(key);
      if (!(input instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${pyTypeRepr(input)}`);
        continue;
      }
      const lazy = is_lazy(param);
      if (!lazy && param.ndim === 0 && input.ndim === 1) input = input.select(0, 0);
      const inp = input as Tensor;
      if (!lazy && !inp.shape.equals(param.shape)) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${formatSize(inp.shape)} from checkpoint, the shape in current model is ${formatSize(param.shape)}.`);
        continue;
      }
      copyInPlace(param, inp);
    }
    for (const key of stateDict.keys()) {
      if (!key.startsWith(prefix)) continue;
      const inputName = key.slice(prefix.length).split(".", 1)[0]!;
      if (!this._modules.has(inputName) && !local.has(inputName)) unexpected.push(key);
    }
  }

  /**
   * Copies parameters and buffers from a state dict (a plain object or a Map).
   * With `strict` (the default) any missing or unexpected key is an error;
   * a size mismatch always is. Returns the missing and unexpected keys.
   *
   * @example
   * net2.load_state_dict(net.state_dict());   // { missing_keys: [], unexpected_keys: [] }
   */
  load_state_dict(state_dict: StateDict | Map<string, Tensor>, strict = true): IncompatibleKeys {
    if (state_dict === null || typeof state_dict !== "object" || Array.isArray(state_dict) || state_dict instanceof Tensor) {
      throw typeError(`Expected state_dict to be dict-like, got ${pyTypeRepr(state_dict)}.`, "state_dict");
    }
    const metadata = (state_dict as { _metadata?: StateDictMetadata })._metadata;
    const all = state_dict instanceof Map ? new Map(state_dict) : new Map(Object.entries(state_dict));
    const missing: string[] = [];
    const unexpected: string[] = [];
    const errors: string[] = [];
    const load = (m: Module, local: Map<string, unknown>, prefix: string): void => {
      m._load_from_state_dict(local, prefix, metadata?.[prefix.slice(0, -1)] ?? {}, missing, unexpected, errors);
      for (const [name, child] of m._modules) {
        if (child === null) continue;
        const childPrefix = prefix + name + ".";
        const childDict = new Map([...local].filter(([k]) => k.startsWith(childPrefix)));
        load(child, childDict, childPrefix);
      }
    };
    no_grad(() => load(this, all, ""));
    if (strict) {
      if (unexpected.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(", ")}. `);
      if (missing.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(", ")}. `);
    }
    if (errors.length > 0) {
      // PyTorch's message, then what the checkpoint implies (which layer, what input size or channel count).
      const implied = explainLoadMismatch(this, all, strict ? missing : [], strict ? unexpected : []);
      throw new StateDictError(`Error(s) in loading state_dict for ${this._get_name()}:\n\t${errors.join("\n\t")}`, missing, unexpected, implied);
    }
    return { missing_keys: missing, unexpected_keys: unexpected };
  }

  // ---------------------------------------------------------------- display

  /**
   * What this layer does, as a call of its op family (src/shape/descriptor.ts):
   * the trace's arguments column, the size rule the symbolic replay runs, the
   * multiply-adds and the story an explanation tells when its check fails.
   * Layers override it the way they override `extra_repr`, so subclasses
   * inherit it. `null` (the default) means "look inside": the trace records
   * the submodules and `F.*` ops the forward calls.
   *
   * @example
   * class MyConv extends nn.Conv2d {}            // still a conv: its op_spec() is Conv2d's
   * new nn.Linear(400, 120).op_spec()!.args      // "400, 120"
   */
  op_spec(): OpSpec | null {
    return null;
  }

  /** The text after the class name in the repr (`in_features=400, out_features=120, bias=True`). */
  extra_repr(): string {
    return "";
  }

  /** PyTorch's `repr(module)`, character for character. */
  toString(): string {
    const extra = this.extra_repr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines: string[] = [];
    for (const [key, m] of this._modules) {
      childLines.push(`(${key}): ${addIndent(m === null ? "None" : m.toString(), 2)}`);
    }
    const lines = [...extraLines, ...childLines];
    let main = this._get_name() + "(";
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += "\n  " + lines.join("\n  ") + "\n";
    }
    return main + ")";
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

/** `load_state_dict` refused a state dict (PyTorch raises RuntimeError); the key lists are attached. */
export class StateDictError extends TsorchError {
  constructor(
    message: string, readonly missing_keys: string[], readonly unexpected_keys: string[],
    /** What the checkpoint implies (the layer, the input size or channels it was trained with), shown in notebooks. */
    readonly implied: string[] = [],
  ) {
    super(message, "RuntimeError");
    // Shown before the traceback in notebooks; PyTorch's message itself stays as PyTorch writes it.
    if (implied.length > 0) {
      Object.defineProperty(this, Symbol.for("Jupyter.display"), { value: () => impliedBundle(this.name, this.message, implied), enumerable: false });
    }
  }
}
