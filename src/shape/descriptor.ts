/**
 * Op families: one description per kind of op, read by everything that
 * explains shapes. A family says, once:
 *
 * - `args(p)`: how a call reads in tables and arrow chains (`1, 6, 5`, `2, 2`, `-1, 400`);
 * - `rule(ins, p, ctx)`: the output shapes from the input shapes over formulas
 *   (`H−4`, `⌊(H−4)/2⌋`), stating every check the op makes as a constraint
 *   (`ctx.constrain("eq", C, in_channels, "in_channels")`); the size arithmetic
 *   comes from dim.ts, the same functions the kernels' geometry uses;
 * - `macs(io, p)`: multiply-adds, as torchinfo counts them;
 * - `story(f)`: what the explanation says when one of its checks fails
 *   (headline with the arithmetic, where the numbers come from, fixes).
 *
 * A call of a family is an {@link OpSpec}: the family and the call's
 * parameters. Layers give theirs through `Module.op_spec()` (inherited, so
 * `class MyConv extends nn.Conv2d {}` is a conv); functional ops through the
 * third argument of `hooked()` (src/ops/op-hook.ts), which reads the recorded
 * arguments. A module without a spec (a container, or a user's module that
 * calls `F.*`) is traced through the ops it calls.
 *
 * Adding a family: write `families/<name>.ts` exporting a `family({...})`,
 * give the layer an `op_spec()` returning `spec(theFamily, params)` and the
 * functional op a describer; trace/, explain and summary need no change.
 *
 * @example
 * const conv = spec(conv2dFamily, { in_channels: 1, out_channels: 6, kernel: [5, 5], ... });
 * conv.args                                    // "1, 6, 5"
 * conv.family.rule([[num(1), num(1), sym("H"), sym("W")]], conv.params, ctx)   // [[1, 6, H−4, W−4]]
 */
import type { Constraint, ConstraintKind, ConstraintSource } from "./constraint.js";
import type { Env, SymExpr } from "./sym.js";
import type { SizeCheck } from "./dim.js";

/** A shape whose dims are formulas (constants for fixed sizes). */
export type SymShape = SymExpr[];

/** Parameters of a call, normalised (PyTorch's defaults filled in, pairs as `[h, w]`). */
export type Params = Readonly<Record<string, unknown>>;

/** What a rule gets besides the symbolic input shapes. */
export interface RuleContext {
  /** The concrete input and output shapes of the recorded run (for rules that follow the run, like `view`). */
  readonly concreteIn: readonly (readonly number[])[];
  readonly concreteOut: readonly (readonly number[])[];
  /**
   * The same call's parameters in a run at other sizes, when one was recorded: a size argument that
   * changed with the input was computed from it (`x.view(-1, n)` with `n` from `x.size()`), one
   * that stayed is a literal.
   */
  readonly alternate?: Params;
  /**
   * States a check the op makes; `soft` marks a condition of a correct (not only a running) call,
   * `"intended"` one that holds unless the call works by accident (see Constraint).
   */
  constrain(kind: ConstraintKind, a: SymExpr | number, b: SymExpr | number, what: string, soft?: boolean | "intended"): void;
}

/** A tensor as a step records it. */
export interface TensorView {
  readonly shape: readonly number[];
  /** Identity within a trace (-1 for tensors made outside it). */
  readonly id: number;
}

/** A step of a trace, as a story sees it (a trace row). */
export interface StepView extends ConstraintSource {
  readonly inputs: readonly TensorView[];
  readonly outputs: readonly TensorView[];
  readonly spec: OpSpec;
}

/** What an explanation says about a failed check. */
export interface Story {
  headline: string;
  details: string[];
  fixes: string[];
}

/** Everything a family's story can use about the failure. */
export interface FailureContext<P extends Params = Params> {
  readonly row: StepView;
  readonly params: P;
  /** The check that failed. */
  readonly key: Constraint;
  /** The named sizes in the failing run (`{ H: 64, W: 64 }`). */
  readonly env: Env;
  /** The named sizes (`["H", "W"]`). */
  readonly vars: readonly string[];
  /** One assignment of the sizes that works, when there is one. */
  readonly sample: Env | null;
  /** The failing step's input shapes as formulas. */
  readonly symInputs: readonly SymShape[] | undefined;
  /** The network's input shape. */
  readonly inputShape: readonly number[];
  /** `fc1`, `Linear 5` (a numbered layer of a Sequential), or `F.linear in Net.forward`. */
  who(row: StepView): string;
  /** `max_pool2d(2, 2)`, `conv1(1, 6, 5)`: a step as a learner writes it. */
  call(row: StepView): string;
  /** `conv1`, `max_pool2d`: a step's short name. */
  stepName(row: StepView): string;
  /** The step that produced tensor `id`. */
  producer(id: number): StepView | undefined;
  /** The step that made tensor `id` what it is, looking through steps that keep the shape. */
  origin(id: number): StepView | undefined;
  /** A formula with repeated size functions named (`16·f(H)·f(W)`). */
  show(e: SymExpr): string;
  /** The definitions of the functions {@link show} named (`f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3`). */
  definitions(): string[];
  /** The fix that resizes the input to {@link sample}, when there is one. */
  resizeFix(): string | null;
}

/** Input and output shapes of a recorded call, with its parameter count (for multiply-adds). */
export interface CallSizes {
  readonly inputs: readonly { readonly shape: readonly number[] }[];
  readonly outputs: readonly { readonly shape: readonly number[] }[];
  /** Parameters counted on the step (a layer's weights, or `nn.Parameter` arguments of an op). */
  readonly params: number;
}

/** One op family. See the file comment. */
export interface OpFamily<P extends Params = Params> {
  /** The canonical op: `conv2d`, `max_pool2d`, `linear`, `view`, `binary`, ... */
  readonly op: string;
  args(p: P): string;
  /** Output shapes from input shapes; absent for ops whose shapes are not modelled. */
  readonly rule?: (ins: readonly SymShape[], p: P, ctx: RuleContext) => SymShape[];
  /** True for ops whose output has the input's shape (activations, dropout, normalisation). */
  readonly keepsShape?: boolean;
  /** Multiply-adds; the default counts parameters × output rows. */
  macs?(io: CallSizes, p: P): number;
  /** The explanation of a failed check of this family (null: the generic one). */
  story?(f: FailureContext<P>): Story | null;
  /**
   * For a family that reads a network's input: the names of the input's dims an explanation
   * solves for, by position (null keeps a dim's size); absent: H and W of an image.
   */
  inputDims?(p: P, rank: number): readonly (string | null)[] | null;
}

/** A call of a family: what a traced step does. */
export interface OpSpec {
  // The family's parameter type is erased here: `spec()` pairs each family with its own parameters.
  readonly family: OpFamily<any>;
  /** `family.op`. */
  readonly op: string;
  readonly params: Params;
  /** The arguments as a learner writes them: `1, 6, 5`, `2, 2`, `-1, 400`. */
  readonly args: string;
}

/** Declares a family (typed parameters). */
export function family<P extends Params>(f: OpFamily<P>): OpFamily<P> {
  return f;
}

/** States one of the op's size checks (dim.ts: the same check its geometry code makes on numbers). */
export function check(ctx: RuleContext, c: SizeCheck): void {
  ctx.constrain(c.kind, c.size, c.bound, c.what);
}

/** A call of `family` with parameters `params`. */
export function spec<P extends Params>(family: OpFamily<P>, params: P): OpSpec {
  return { family: family, op: family.op, params, args: family.args(params) };
}

/** Reads an op's recorded arguments (tensors replaced by {@link TensorView}-like records) into a spec. */
export type Describer = (args: readonly unknown[]) => OpSpec | null;

// ---------------------------------------------------------------- helpers for describers

/** True for a recorded tensor argument (a tensor, or its record in a trace). */
export function isTensorArg(v: unknown): v is { readonly shape: readonly number[] } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Array.isArray((v as { shape?: unknown }).shape);
}

/** True for a keyword-options object (not a list, not a tensor). */
export function isOptions(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTensorArg(v);
}

/** `v` when it is a number, else `dflt`. */
export function numArg(v: unknown, dflt: number): number {
  return typeof v === "number" ? v : dflt;
}

/** `5` for [5, 5], `(3, 5)` otherwise. */
export function showPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `(${p[0]}, ${p[1]})`;
}

/** `[h, w]` from a number or a one/two-element list, or `fallback`. */
export function pairArg(v: unknown, fallback: [number, number]): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return [v[0], v[0]];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number") return [v[0], v[1]];
  return fallback;
}

/** A dim index counted from the end when negative. */
export function normDim(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

/** A step whose shapes are not modelled (an op without a family, a module without a spec that called no traced op). */
export const unknownOp = family<Params>({ op: "unknown", args: () => "" });

/** A module that is shown through its children (Sequential, a user's Net). */
export const container = family<Params>({ op: "container", args: () => "", macs: () => 0 });
