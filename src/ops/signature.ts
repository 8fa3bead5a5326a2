/**
 * One signature per op, and one parser for every call: PyTorch's parameters
 * after `input` (names, types, defaults) written once as data. From it come
 * the TypeScript types of the trailing arguments (so the checker and
 * completion see the same names) and the runtime reading of a call, where
 * positional and keyword forms mean the same:
 *
 *   torch.amax(x, 1, true) ≡ torch.amax(x, 1, { keepdim: true }) ≡ torch.amax(x, { dim: 1, keepdim: true })
 *
 * A key the op does not have, a value of the wrong type, too many positional
 * arguments or one value given twice is PyTorch's TypeError, with its text:
 * `amax() got an unexpected keyword argument 'keep_dim'`,
 * `amax(): argument 'keepdim' (position 3) must be bool, not str`.
 *
 * @example
 * const AMAX = signature("amax", [arg("dim", Dims, []), arg("keepdim", Bool, false)]);
 * export function amax(input: Tensor, ...args: ArgsOf<typeof AMAX>): Tensor {
 *   const { dim, keepdim } = AMAX.parse(args);
 *   ...
 * }
 */
import { ArgumentError } from "../errors.js";
import { type DTypeLike, DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { pyTypeName } from "./operand.js";

/** A parameter type: PyTorch's name for it ("int", "bool", "tuple of ints", ...) and how a JS value is read. */
export interface ArgType<T> {
  readonly name: string;
  /** The value as the op sees it, or NO_MATCH when `v` is not of this type. */
  read(v: unknown): T | typeof NO_MATCH;
}

/** A plain `{ ... }` object (not an array, tensor, module or other class instance): the keyword arguments. */
export function isOptionsObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x) || x instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export const NO_MATCH: unique symbol = Symbol("no match");

function type<T>(name: string, read: (v: unknown) => T | typeof NO_MATCH): ArgType<T> {
  return { name, read };
}

/** A 0-d integral tensor stands for an int, as Python's `__index__` lets it. */
function indexValue(v: unknown): number | typeof NO_MATCH {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (v instanceof Tensor && v.ndim === 0 && v.dtype.kind !== "float" && v.dtype.name !== "bool") return v.item() as number;
  return NO_MATCH;
}

export const Int: ArgType<number> = type("int", indexValue);
/** A Python float: any number (an int converts). */
export const Float: ArgType<number> = type("float", (v) => (typeof v === "number" ? v : NO_MATCH));
/** PyTorch's `Scalar`: a number or a bool. */
export const Num: ArgType<number | boolean> = type("Number", (v) => (typeof v === "number" || typeof v === "boolean" ? v : NO_MATCH));
export const Bool: ArgType<boolean> = type("bool", (v) => (typeof v === "boolean" ? v : NO_MATCH));
export const Str: ArgType<string> = type("str", (v) => (typeof v === "string" ? v : NO_MATCH));
export const TensorT: ArgType<Tensor> = type("Tensor", (v) => (v instanceof Tensor ? v : NO_MATCH));
export const DTypeT: ArgType<DTypeLike> = type("torch.dtype", (v) =>
  v instanceof DType || (typeof v === "string" && /^(float(32|64)?|double|int(32|64)?|long|uint8|bool)$/.test(v)) ? (v as DTypeLike) : NO_MATCH);

/** PyTorch's `int[]`/`int[1]`: a list of ints, or one int. */
export const Dims: ArgType<number | readonly number[]> = type("tuple of ints", (v) => {
  const one = indexValue(v);
  if (one !== NO_MATCH) return one;
  if (!Array.isArray(v)) return NO_MATCH;
  const out: number[] = [];
  for (const e of v) {
    const n = indexValue(e);
    if (n === NO_MATCH) return NO_MATCH;
    out.push(n);
  }
  return out;
});

/** A list of ints only (PyTorch's `int[]` without a size: one int is refused). */
export const IntList: ArgType<readonly number[]> = type("tuple of ints", (v) => {
  const r = Dims.read(v);
  return Array.isArray(r) ? r : NO_MATCH;
});

/** `T` or None (null). */
export function optional<T>(t: ArgType<T>): ArgType<T | null> {
  return type(t.name, (v) => (v === null ? null : t.read(v)));
}

/** The first of several types that reads the value. */
export function union<A, B>(a: ArgType<A>, b: ArgType<B>, name = `${a.name} or ${b.name}`): ArgType<A | B> {
  return type(name, (v) => {
    const x = a.read(v);
    return x !== NO_MATCH ? x : b.read(v);
  });
}

/** One of the given strings (PyTorch takes them as `str` and checks the value in the op). */
export function oneOf<const S extends string>(...values: S[]): ArgType<S> {
  return type("str", (v) => (typeof v === "string" && (values as string[]).includes(v) ? (v as S) : NO_MATCH));
}

/**
 * One of the given strings, where PyTorch's op refuses any other string with its own text (`refuse`):
 * the parser throws that error, not a type error (`approximate argument must be either none or tanh.`).
 */
export function oneOfOr<const S extends string>(refuse: (v: string) => Error, ...values: S[]): ArgType<S> {
  return type("str", (v) => {
    if (typeof v !== "string") return NO_MATCH;
    if (!(values as string[]).includes(v)) throw refuse(v);
    return v as S;
  });
}

/** An instance of a class (a `Generator`, ...), under PyTorch's name for it. */
export function instanceOf<T>(name: string, cls: abstract new (...a: never[]) => T): ArgType<T> {
  return type(name, (v) => (v instanceof cls ? v : NO_MATCH));
}

/** A list of tensors (`cat`, `stack`, ...). */
export const Tensors: ArgType<readonly Tensor[]> = type("tuple of Tensors", (v) =>
  Array.isArray(v) && v.every((t) => t instanceof Tensor) ? (v as Tensor[]) : NO_MATCH);

/** One parameter: its name, type, default (undefined: none) and whether it is keyword-only or required. */
export interface Param<N extends string = string, T = unknown, D = unknown, K extends boolean = boolean, R extends boolean = boolean> {
  readonly name: N;
  readonly type: ArgType<T>;
  readonly default: D;
  readonly kwOnly: K;
  readonly required: R;
}

/** An optional parameter with a default (`undefined` when PyTorch's default is "not given"). */
export function arg<const N extends string, T, const D extends T | null | undefined = undefined>(
  name: N, t: ArgType<T>, dflt?: D,
): Param<N, T, D, false, false> {
  return { name, type: t, default: dflt as D, kwOnly: false, required: false };
}

/** A parameter that must be given (positionally, or by keyword). */
export function required<const N extends string, T>(name: N, t: ArgType<T>): Param<N, T, undefined, false, true> {
  return { name, type: t, default: undefined, kwOnly: false, required: true };
}

/** A keyword-only parameter (after `*` in PyTorch's signature). */
export function kwarg<const N extends string, T, const D extends T | null | undefined = undefined>(
  name: N, t: ArgType<T>, dflt?: D,
): Param<N, T, D, true, false> {
  return { name, type: t, default: dflt as D, kwOnly: true, required: false };
}

type AnyParam = Param<string, any, any, boolean, boolean>;
type ValueIn<P> = P extends Param<string, infer T, any, boolean, boolean> ? T : never;
type ValueOut<P> = P extends Param<string, infer T, infer D, boolean, infer R>
  ? R extends true ? T : [D] extends [undefined] ? T | undefined : D extends null ? T | null : T
  : never;

type Positional<P extends readonly AnyParam[]> = P extends readonly [infer H, ...infer Rest extends readonly AnyParam[]]
  ? H extends Param<string, any, any, false, boolean> ? [ValueIn<H> | undefined, ...Positional<Rest>] : []
  : [];
type RequiredCount<P extends readonly AnyParam[]> = P extends readonly [infer H, ...infer Rest extends readonly AnyParam[]]
  ? H extends Param<string, any, any, boolean, true> ? [ValueIn<H>, ...RequiredCount<Rest>] : []
  : [];
type Drop<T extends unknown[], N extends unknown[]> = N extends [unknown, ...infer NR] ? T extends [unknown, ...infer TR] ? Drop<TR, NR> : [] : T;

/** The keyword options object of a signature: every parameter by name, all optional. */
export type OptionsOf<S> = S extends Signature<infer P> ? { [Q in P[number] as Q["name"]]?: ValueIn<Q> } : never;

/** Any prefix of the optional positional parameters, optionally followed by the options object. */
type Prefixes<P extends unknown[], O> = P extends [...infer Init, unknown] ? Prefixes<Init, O> | P | [...P, O] : [] | [O];

/** The names of the required parameters in `P` (they lead a signature). */
type RequiredNames<P extends readonly AnyParam[]> = P[number] extends infer Q ? Q extends Param<string, any, any, boolean, true> ? Q["name"] : never : never;

/**
 * The forms where the required parameters from some point on come by keyword: the ones before it
 * positionally, then an options object that must hold the rest (`narrow(x, 0, { start: 1, length: 2 })`,
 * `narrow(x, { dim: 0, start: 1, length: 2 })`), as PyTorch accepts them.
 */
type KeywordForms<P extends readonly AnyParam[], O, Done extends unknown[] = []> =
  P extends readonly [infer H, ...infer Rest extends readonly AnyParam[]]
    ? H extends Param<string, any, any, boolean, true>
      ? [...Done, O & { [Q in P[number] as Q["name"] extends RequiredNames<P> ? Q["name"] : never]-?: ValueIn<Q> }]
        | KeywordForms<Rest, O, [...Done, ValueIn<H>]>
      : never
    : never;

/** The trailing argument list a signature accepts (after `input`). */
export type ArgsOf<S> = S extends Signature<infer P>
  ? [...RequiredCount<P>, ...Prefixes<Drop<Positional<P>, RequiredCount<P>>, OptionsOf<S>>] | KeywordForms<P, OptionsOf<S>>
  : never;

/** What `parse` returns: every parameter by name, defaults filled in. */
export type Parsed<P extends readonly AnyParam[]> = { [Q in P[number] as Q["name"]]: ValueOut<Q> };

/** An op's signature and its parser. */
export class Signature<const P extends readonly AnyParam[]> {
  readonly params: P;
  private readonly positional: number;

  constructor(readonly fn: string, params: P, readonly leading = 1) {
    this.params = params;
    this.positional = params.filter((p) => !p.kwOnly).length;
    // What tooltips show for the op (see `signatureTexts`); the leading operands beyond `input` are not named here.
    if (leading === 1) {
      const forms = signatureRegistry().get(fn) ?? [];
      const text = this.toString();
      if (!forms.includes(text)) signatureRegistry().set(fn, [...forms, text]);
    }
  }

  /** PyTorch's `(input, dim=None, keepdim=False)` text of this signature. */
  toString(): string {
    const parts = ["input"];
    let star = false;
    for (const p of this.params) {
      if (p.kwOnly && !star) { parts.push("*"); star = true; }
      parts.push(p.required || p.default === undefined ? p.name : `${p.name}=${pyRepr(p.default)}`);
    }
    return `${this.fn}(${parts.join(", ")})`;
  }

  /**
   * Reads the arguments after the leading ones (`input`): positional values
   * in order, then an optional trailing options object.
   */
  parse(args: readonly unknown[]): Parsed<P> {
    let positional = args;
    let options: Record<string, unknown> | undefined;
    const last = args[args.length - 1];
    if (args.length > 0 && isOptionsObject(last)) {
      options = last;
      positional = args.slice(0, -1);
    }
    while (positional.length > 0 && positional[positional.length - 1] === undefined) positional = positional.slice(0, -1);
    if (positional.length > this.positional) {
      const lo = this.leading + this.params.filter((p) => p.required).length;
      const hi = this.leading + this.positional;
      const range = lo === hi ? `${hi}` : `from ${lo} to ${hi}`;
      const given = this.leading + positional.length;
      throw new ArgumentError(
        `${this.fn}() takes ${range} positional argument${hi === 1 ? "" : "s"} but ${given} ${given === 1 ? "was" : "were"} given`,
        "args", "TypeError");
    }
    const out: Record<string, unknown> = {};
    const given = new Set<string>();
    positional.forEach((v, i) => {
      if (v === undefined) return;
      const p = this.params[i]!;
      out[p.name] = this.read(p, v, i + 1 + this.leading);
      given.add(p.name);
    });
    if (options) {
      for (const [k, v] of Object.entries(options)) {
        const p = this.params.find((q) => q.name === k);
        if (!p) throw new ArgumentError(`${this.fn}() got an unexpected keyword argument '${k}'`, k, "TypeError");
        if (given.has(k)) throw new ArgumentError(`${this.fn}() got multiple values for argument '${k}'`, k, "TypeError");
        if (v === undefined) continue;
        out[k] = this.read(p, v, undefined);
        given.add(k);
      }
    }
    for (const p of this.params) {
      if (given.has(p.name)) continue;
      if (p.required) {
        throw new ArgumentError(`${this.fn}() missing 1 required positional arguments: "${p.name}"`, p.name, "TypeError");
      }
      out[p.name] = p.default;
    }
    return out as Parsed<P>;
  }

  private read(p: AnyParam, v: unknown, position: number | undefined): unknown {
    const r = p.type.read(v);
    if (r !== NO_MATCH) return r;
    const at = position === undefined ? "" : ` (position ${position})`;
    throw new ArgumentError(`${this.fn}(): argument '${p.name}'${at} must be ${p.type.name}, not ${pyTypeName(v)}`, p.name, "TypeError");
  }
}

const REGISTRY = Symbol.for("tsorch.signatures");

/**
 * Every op's PyTorch-form signature text by the op's name, `amax` → `["amax(input, dim=[], keepdim=False)"]`
 * (more than one for overloads). Kept on `globalThis` under `Symbol.for("tsorch.signatures")`, so
 * tools that show functions (the kernel's tooltips and completion) read it without importing the runtime.
 */
function signatureRegistry(): Map<string, string[]> {
  const slot = globalThis as unknown as Record<symbol, Map<string, string[]> | undefined>;
  return (slot[REGISTRY] ??= new Map());
}

/** The PyTorch-form signatures registered for an op name (empty when it has none). */
export function signatureTexts(fn: string): readonly string[] {
  return signatureRegistry().get(fn) ?? [];
}

/** A signature: the op's name as PyTorch prints it in errors, and its parameters after `input`. */
export function signature<const P extends readonly AnyParam[]>(fn: string, params: P, leading = 1): Signature<P> {
  return new Signature(fn, params, leading);
}

function pyRepr(v: unknown): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return String(v);
}
