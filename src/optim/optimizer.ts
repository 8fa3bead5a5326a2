/**
 * `optim.Optimizer`: the base class of the optimizers. It holds the
 * parameter groups (each a list of tensors with its own options, filled in
 * from the defaults), the per-parameter state (momentum buffers, moment
 * estimates), `zero_grad`, `state_dict`/`load_state_dict`, and PyTorch's
 * repr.
 *
 * @example
 * const opt = new optim.SGD([
 *   { params: net.conv1.parameters() },
 *   { params: net.fc1.parameters(), lr: 1e-3 },
 * ], { lr: 1e-2, momentum: 0.9 });
 * opt.param_groups[1].lr    // 0.001
 * String(opt)               // "SGD (\nParameter Group 0\n    dampening: 0\n ..."
 */
import { inspect } from "node:util";
import { ArgumentError, TsorchError } from "../errors.js";
import { enable_grad } from "../autograd/grad-mode.js";
import { warn } from "../warnings.js";
import { Tensor } from "../tensor/tensor.js";
import { pyTypename, pyValue } from "../nn/python-style.js";
import { markIntKeys } from "../serialization/py-types.js";

/** Marks an option every group must give (SGD's `lr`), as PyTorch's `required`. */
export const required: unique symbol = Symbol("required");

/** A parameter group as passed in: tensors and options overriding the defaults. */
export interface ParamGroupInput {
  params: Tensor | Iterable<Tensor>;
  [option: string]: unknown;
}

/** A parameter group as kept: the tensors and every option. */
export type ParamGroup<O> = O & { params: Tensor[]; [option: string]: unknown };

/** What an optimizer is built from: tensors, or parameter groups. */
export type ParamsInput = Iterable<Tensor> | Iterable<ParamGroupInput>;

/** `optimizer.state_dict()`: per-parameter state keyed by the parameter's index, and the groups with indices. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Record<string, unknown>[];
}

/** A closure for `step(closure)`: re-evaluates the model and returns the loss. */
export type Closure = () => Tensor | number;

/** Python's `str(value)` inside the optimizer repr. */
function reprValue(v: unknown): string {
  if (v instanceof Tensor) return v.toString();
  if (typeof v === "function") return `<function ${v.name || "<lambda>"}>`;
  return pyValue(v);
}

export abstract class Optimizer<O extends Record<string, unknown> = Record<string, unknown>> {
  /** The options groups fall back on. */
  readonly defaults: O;
  /** Per-parameter state (PyTorch's `defaultdict(dict)`: use `stateOf(p)` to create on first use). */
  state: Map<Tensor, Record<string, unknown>> = new Map();
  param_groups: ParamGroup<O>[] = [];
  /** How many times `step()` ran (learning-rate schedulers check it). */
  _step_count = 0;

  protected constructor(params: ParamsInput, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new ArgumentError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${pyTypename(params)}`, "params", "TypeError");
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new ArgumentError(`'${pyTypename(params)}' object is not iterable`, "params", "TypeError");
    }
    let groups = [...(params as Iterable<Tensor | ParamGroupInput>)];
    if (groups.length === 0) throw new ArgumentError("optimizer got an empty parameter list", "params", "ValueError");
    if (groups[0] instanceof Tensor || !isGroup(groups[0])) groups = [{ params: groups as Tensor[] }];
    for (const g of groups) this.add_param_group(g as ParamGroupInput);
  }

  /** The class name shown in the repr. */
  protected get className(): string {
    return this.constructor.name;
  }

  /**
   * Adds a group of parameters with its own options (the rest from the
   * defaults), e.g. to unfreeze layers while training.
   *
   * @example
   * opt.add_param_group({ params: net.fc3.parameters(), lr: 1e-4 });
   */
  add_param_group(param_group: ParamGroupInput): void {
    if (!isGroup(param_group)) throw new TsorchError("param group must be a dict", "AssertionError");
    const given = param_group.params;
    let params: Tensor[];
    if (given instanceof Tensor) params = [given];
    else if (given instanceof Set) {
      throw new ArgumentError("optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.", "params", "TypeError");
    } else params = [...given];
    for (const p of params) {
      if (!(p instanceof Tensor)) {
        throw new ArgumentError(`optimizer can only optimize Tensors, but one of the params is ${pyTypename(p)}`, "params", "TypeError");
      }
      if (!this.defaults.differentiable && !(p.is_leaf || p.retains_grad)) {
        throw new ArgumentError("can't optimize a non-leaf Tensor", "params", "ValueError");
      }
    }
    const group: Record<string, unknown> = { ...param_group, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (value === required && !(name in param_group)) {
        throw new ArgumentError(`parameter group didn't specify a value of required optimization parameter ${name}`, name, "ValueError");
      }
      if (!(name in group)) group[name] = value;
    }
    if (new Set(params).size !== params.length) {
      warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information");
    }
    const existing = new Set(this.param_groups.flatMap((g) => g.params));
    if (params.some((p) => existing.has(p))) {
      throw new ArgumentError("some parameters appear in more than one parameter group", "params", "ValueError");
    }
    this.param_groups.push(group as ParamGroup<O>);
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): Record<string, unknown> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * Resets the gradients of the parameters: zeroes them in place (PyTorch
   * 1.13's default), or sets them to null with `set_to_none`.
   *
   * @example
   * optimizer.zero_grad();
   */
  zero_grad(set_to_none = false): void {
    for (const group of this.param_groups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (set_to_none) {
          p.grad = null;
          continue;
        }
        if (g.grad_fn !== null) g.detach_();
        else g.requires_grad_(false);
        g.zero_();
      }
    }
  }

  /** Performs one update of every parameter that has a gradient; returns the closure's loss, if any. */
  step(closure?: Closure | null): Tensor | number | null {
    let loss: Tensor | number | null = null;
    if (closure) loss = enable_grad(closure);
    for (const group of this.param_groups) this.updateGroup(group);
    this._step_count++;
    return loss;
  }

  /** Updates the parameters of one group (the optimizer's algorithm). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /**
   * The optimizer's state as plain data: per-parameter state keyed by the
   * parameter's position across the groups, and the groups' options with
   * those positions. The tensors are the optimizer's own (not copies).
   *
   * @example
   * const saved = optimizer.state_dict();
   * other.load_state_dict(saved);
   */
  state_dict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const param_groups = this.param_groups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") packed[k] = Array.isArray(v) ? [...v] : v;
      g.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      packed.params = g.params.map((p) => index.get(p)!);
      start += g.params.length;
      return packed;
    });
    // Keyed by ints in Python: torch.save writes these keys as ints, which PyTorch's load_state_dict needs.
    const state: Record<number, Record<string, unknown>> = markIntKeys({});
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = s;
    }
    return { state, param_groups };
  }

  /**
   * Loads a state saved by `state_dict` (from this optimizer or one built
   * on parameters of the same shapes and grouping). Tensors are copied and
   * cast to the parameter's dtype (except `step`).
   */
  load_state_dict(state_dict: OptimizerStateDict): void {
    const saved = state_dict.param_groups;
    if (!Array.isArray(saved) || saved.length !== this.param_groups.length) {
      throw new ArgumentError("loaded state dict has a different number of parameter groups", "state_dict", "ValueError");
    }
    saved.forEach((sg, i) => {
      const params = sg.params as unknown[];
      if (!Array.isArray(params) || params.length !== this.param_groups[i]!.params.length) {
        throw new ArgumentError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group", "state_dict", "ValueError");
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, gi) => (sg.params as number[]).forEach((id, j) => idMap.set(id, this.param_groups[gi]!.params[j]!)));
    const state = new Map<Tensor, Record<string, unknown>>();
    for (const [k, v] of Object.entries(state_dict.state)) {
      const p = idMap.get(Number(k));
      if (!p) continue;
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(v)) copy[key] = castState(p, value, key);
      state.set(p, copy);
    }
    this.state = state;
    this.param_groups = saved.map((sg, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== "params") g[k] = Array.isArray(v) ? [...v] : v;
      g.params = this.param_groups[gi]!.params;
      return g as ParamGroup<O>;
    });
  }

  /** PyTorch's repr: the class name and every option of every group, sorted by name. */
  toString(): string {
    let s = `${this.className} (`;
    this.param_groups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const key of Object.keys(g).sort()) {
        if (key !== "params") s += `    ${key}: ${reprValue(g[key])}\n`;
      }
    });
    return s + ")";
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

function isGroup(x: unknown): x is ParamGroupInput {
  return typeof x === "object" && x !== null && !(x instanceof Tensor) && "params" in x;
}

/** A deep copy of a saved state value; float tensors take the parameter's dtype (`step` keeps its own). */
function castState(p: Tensor, value: unknown, key: string): unknown {
  if (value instanceof Tensor) {
    const v = key !== "step" && p.is_floating_point() && value.dtype !== p.dtype ? value.to(p.dtype) : value;
    return v.detach().clone();
  }
  if (Array.isArray(value)) return value.map((x) => castState(p, x, ""));
  return value;
}
