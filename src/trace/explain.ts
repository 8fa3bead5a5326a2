/**
 * Explained shape errors. When a forward fails on shapes, the error keeps
 * PyTorch's message (`err.message`, `err.name === "RuntimeError"`,
 * `instanceof ShapeError` all unchanged) and gains a trace and an
 * explanation, shown through the display symbol and `util.inspect`:
 *
 * - the failing layer, highlighted in the trace of every step up to it;
 * - expected against got, with the arithmetic:
 *   `fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13`;
 * - the input sizes that would work, solved from the symbolic replay of the
 *   recorded steps (not by running the user's code again): square inputs 32
 *   to 35, and the non-square families;
 * - concrete fixes: resize the input (`F.interpolate(x, { size: [32, 32], mode: "bilinear" })`),
 *   `nn.AdaptiveAvgPool2d([5, 5])` before flattening, `nn.LazyLinear(120)`, `in_channels=6`,
 *   `padding=1`, ...
 *
 * Errors that are not about shapes are left alone.
 *
 * @example
 * try { net(torch.randn(1, 1, 64, 64)) } catch (e) {
 *   e.explanation.headline   // "fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13"
 *   e.explanation.sizesText  // "square inputs 32 to 35; also H 16–19 with W 112–115, H 112–115 with W 16–19"
 * }
 */
import type { InspectOptions } from "node:util";
import { ShapeError, SizeError } from "../errors.js";
import { escapeHtml, htmlBlock } from "../render/html.js";
import { type DisplayResult, inspectCustom, jupyterDisplay } from "../render/mime.js";
import { TextView } from "../render/text-view.js";
import { lastSuccessfulRecording, setFailureHandler } from "./flight-recorder.js";
import { type Recorder } from "./recorder.js";
import type { TraceRow } from "./row.js";
import { type Constraint, type Replay, rowLabel } from "./symbolic-replay.js";
import { type SolveResult, type Family, formatFamily, formatRanges, solveSizes } from "./solver.js";
import { Const, type Env, Product, type SymExpr } from "./symbolic.js";
import { FunctionNamer, fmtShape, fmtTuple } from "./format.js";
import { Trace, stepName } from "./trace.js";
import { traceTableHtml, traceText, traceAnsi } from "./render-trace.js";
import { ansi } from "./render-ansi.js";

/** What went wrong, why, which sizes work, and how to fix it. */
export interface Explanation {
  readonly trace: Trace;
  /** The failing row (a layer or an op). */
  readonly row: TraceRow | null;
  /** The error's name and message, unchanged (`RuntimeError`, PyTorch's text). */
  readonly errorName: string;
  readonly message: string;
  /** Expected against got, with the arithmetic. */
  readonly headline: string;
  /** Where the numbers come from. */
  readonly details: readonly string[];
  /** The solved sizes (null when the failure does not depend on sizes that were modelled). */
  readonly sizes: SolveResult | null;
  /** The sizes that work, in words. */
  readonly sizesText: string;
  readonly fixes: readonly string[];
  /** False when some step had no size rule: sizes were solved on part of the network. */
  readonly exact: boolean;
  toText(): string;
  toAnsi(): string;
  toHtml(): string;
  /** The explanation lines, without the error line and the table. */
  lines(): string[];
  [jupyterDisplay](): DisplayResult;
}

// ---------------------------------------------------------------- arithmetic

/** `16×13×13` for a product evaluated at `env`, or the plain value. */
function factorText(e: SymExpr, env: Env): string {
  const value = e.eval(env);
  if (!(e instanceof Product)) return String(value);
  const parts = [...(e.coef === 1 ? [] : [e.coef]), ...e.factors.map((f) => f.eval(env))];
  return parts.length > 1 ? parts.join("×") : String(value);
}

/** `400 = 16×5×5` (just `400` when there is nothing to multiply). */
function withFactors(value: number, e: SymExpr | undefined, env: Env | null): string {
  if (!e || !env) return String(value);
  try {
    const f = factorText(e, env);
    return f === String(value) || e.eval(env) !== value ? String(value) : `${value} = ${f}`;
  } catch {
    return String(value);
  }
}

/** One working assignment: the smallest square size when there is one, else the first family's smallest values. */
function sampleSolution(sol: SolveResult | null): Env | null {
  if (!sol || !sol.any) return null;
  const vars = sol.vars;
  if (sol.square && sol.square.length > 0 && vars.length === 2) {
    const s = sol.square[0]!.lo;
    return { [vars[0]!]: s, [vars[1]!]: s };
  }
  const f: Family | undefined = sol.families[0];
  if (!f) return null;
  return Object.fromEntries(vars.map((v) => [v, f.ranges[v]?.[0]?.lo ?? 1]));
}

/** The step whose output is tensor `id`. */
function producer(trace: Trace, id: number): TraceRow | undefined {
  if (id < 0) return undefined;
  return trace.steps.find((r) => r.outputs.some((t) => t.id === id));
}

/** `fc1`, `Linear 5` (a numbered layer of a Sequential), or `F.linear in Net.forward`. */
function who(row: TraceRow): string {
  if (row.kind === "op") return `${row.name} in ${row.path.split(" › ")[0]}`;
  if (row.path === "") return row.type;
  return /^\d+$/.test(row.name) ? `${row.type} ${row.path}` : row.path;
}

/** Ops that keep the shape: an explanation looks through them for where a size came from. */
const SHAPE_KEEPING = new Set(["elementwise", "identity", "batch_norm"]);

/** The step that made tensor `id` what it is, looking through activations, dropout and normalisation. */
function origin(trace: Trace, id: number): TraceRow | undefined {
  let row = producer(trace, id);
  while (row && SHAPE_KEEPING.has(row.spec.op) && row.inputs[0]) {
    const prev = producer(trace, row.inputs[0].id);
    if (!prev) break;
    row = prev;
  }
  return row;
}

function rangeWords(sol: SolveResult): string {
  const vars = sol.vars;
  if (sol.impossible.length > 0) {
    const c = sol.impossible[0]!;
    return `no input size fixes this: ${c.a} ≠ ${c.b} (${rowLabel(c.row)}: ${c.what}) does not depend on the input size`;
  }
  if (!sol.any) {
    const never = sol.never[0];
    return never
      ? `no input size works: ${never.a} ${never.kind === "ge" ? "≥" : "="} ${never.b} never holds (${rowLabel(never.row)}: ${never.what})`
      : `no input size up to ${sol.limit} gets through every step`;
  }
  if (vars.length === 0) return "the input size is not what fails here";
  if (vars.length === 2) {
    const [a, b] = vars as [string, string];
    const squares = sol.square ?? [];
    const one = squares.length === 1 ? squares[0]! : null;
    const sq = squares.length === 0 ? "" : one && one.hi === one.lo ? `square input ${one.lo}`
      : one && one.hi !== null ? `square inputs ${one.lo} to ${one.hi}`
      : `square inputs ${formatRanges(squares).replace(/–/g, " to ")}`;
    const squareFamily = (f: Family) => squares.length > 0 && sameRanges(f.ranges[a]!, f.ranges[b]!);
    const others = sol.families.filter((f) => !squareFamily(f));
    const open = sol.families.length === 1 && sol.families[0]!.ranges[a]!.some((r) => r.hi === null);
    if (open) return `any ${formatFamily(sol.families[0]!, vars).replace(/, /, " and ")}${sq ? ` (${sq})` : ""}`;
    const all = others.map((f) => `${a} ${formatRanges(f.ranges[a]!)} with ${b} ${formatRanges(f.ranges[b]!)}`);
    const rest = all.length > 4 ? [...all.slice(0, 4), `and ${all.length - 4} more`] : all;
    if (!sq) return rest.join("; ");
    return rest.length === 0 ? sq : `${sq}; also ${rest.join(", ")}`;
  }
  return sol.families.map((f) => formatFamily(f, vars).replace(/ (\d)/, " = $1")).join("; ");
}

function sameRanges(x: readonly { lo: number; hi: number | null }[], y: readonly { lo: number; hi: number | null }[]): boolean {
  return x.length === y.length && x.every((r, i) => r.lo === y[i]!.lo && r.hi === y[i]!.hi);
}

// ---------------------------------------------------------------- the replay used to solve

/**
 * The replay whose constraints decide which sizes work: the module's last
 * successful run when its steps match this one's up to the failure (then
 * every step of the network counts), else this trace up to the failure.
 */
function solvingReplay(trace: Trace): { replay: Replay; complete: boolean } {
  const good: Recorder | undefined = lastSuccessfulRecording(trace.module);
  const failed = trace.failedRow;
  if (good && failed) {
    const okTrace = new Trace(good, { meta: true });
    const mine = trace.steps;
    const theirs = okTrace.steps;
    const upTo = mine.indexOf(failed);
    const same = upTo >= 0 && theirs.length > upTo && mine.slice(0, upTo + 1).every((r, i) =>
      r.kind === theirs[i]!.kind && r.path === theirs[i]!.path && r.spec.op === theirs[i]!.spec.op);
    const rank = trace.inputs[0]?.shape.length;
    if (same && okTrace.inputs[0]?.shape.length === rank) return { replay: okTrace.replay(), complete: true };
  }
  return { replay: trace.replay(), complete: false };
}

// ---------------------------------------------------------------- per-failure stories

interface Story {
  headline: string;
  details: string[];
  fixes: string[];
}

/** The fix that resizes the input, as the call that does it. */
function resizeFix(h: number, w: number): string {
  return `resize the input to ${h}×${w}: F.interpolate(x, { size: [${h}, ${w}], mode: "bilinear" })`;
}

function linearStory(trace: Trace, row: TraceRow, replay: Replay, sol: SolveResult | null, namer: FunctionNamer): Story {
  const p = row.spec.params;
  const expected = p.in_features as number;
  const inShape = row.inputs[0]?.shape ?? [];
  const got = inShape[inShape.length - 1] ?? 0;
  const sym = replay.inputsOf(row)?.[0];
  const e = sym?.[sym.length - 1];
  const good = sampleSolution(sol);
  const name = who(row);
  const headline = `${name} expects ${withFactors(expected, e, good)} features, got ${withFactors(got, e, trace.env)}`;
  const details: string[] = [];
  const src = origin(trace, row.inputs[0]?.id ?? -1);
  if (src) {
    const from = src.inputs[0]?.shape;
    details.push(`the ${got} features come from ${stepName(src)}(${src.spec.args})${from ? ` of ${fmtTuple(from)}` : ""}`);
  }
  if (e && !(e instanceof Const)) {
    const shown = namer.show(e);
    const at = Object.entries(trace.env).map(([k, v]) => `${k} = ${v}`).join(", ");
    details.push(`features = ${shown}; at ${at} that is ${factorText(e, trace.env)}`);
    details.push(...namer.definitions());
  }
  const fixes: string[] = [];
  const vars = replay.vars;
  if (good && vars.length === 2) {
    fixes.push(resizeFix(good[vars[0]!]!, good[vars[1]!]!));
  } else if (good && vars.length === 1) {
    fixes.push(`give the network inputs with ${vars[0]} = ${good[vars[0]!]}`);
  }
  // Flattened feature maps: an adaptive pool fixes their size for any input.
  const flat = src && (src.spec.op === "view" || src.spec.op === "reshape" || src.spec.op === "flatten") ? src.inputs[0]?.shape : undefined;
  if (flat && flat.length === 4 && e instanceof Product && good) {
    const channels = flat[1]!;
    const a = e.factors[0]?.eval(good);
    const b = e.factors[1]?.eval(good);
    if (a !== undefined && b !== undefined && channels * a * b === expected && e.factors.length === 2) {
      fixes.push(`add nn.AdaptiveAvgPool2d([${a}, ${b}]) before flattening: ${channels}×${a}×${b} = ${expected} features for any input size`);
    }
  }
  const out = p.out_features as number;
  fixes.push(`let ${row.kind === "module" ? who(row) : "the layer"} take in_features from the data: nn.LazyLinear(${out}), ` +
    `or nn.Linear(${got}, ${out}) (in_features=${got}) for inputs of this size only`);
  return { headline, details, fixes };
}

function convChannelStory(trace: Trace, row: TraceRow, c: Constraint): Story {
  const p = row.spec.params;
  const expected = p.in_channels as number;
  const inShape = row.inputs[0]?.shape ?? [];
  const got = inShape.length === 4 ? inShape[1]! : inShape[0]!;
  const name = who(row);
  const src = origin(trace, row.inputs[0]?.id ?? -1);
  const details = [src
    ? `the ${got} channels come from ${stepName(src)}(${src.spec.args}), which outputs ${fmtTuple(src.outputs[0]?.shape ?? [])}`
    : `the input ${fmtTuple(inShape)} has ${got} channels`];
  const k = p.kernel as [number, number];
  const fixes = [
    `set in_channels=${got}: nn.Conv2d(${got}, ${p.out_channels}, ${k[0] === k[1] ? k[0] : `[${k[0]}, ${k[1]}]`})`,
    src ? `or make ${stepName(src)} produce ${expected} channels` : `or give the network ${expected}-channel inputs`,
  ];
  void c;
  return { headline: `${name} expects ${expected} input channels (in_channels=${expected}), got ${got}`, details, fixes };
}

function tooSmallStory(trace: Trace, row: TraceRow, c: Constraint, sol: SolveResult | null): Story {
  const name = who(row);
  const inShape = row.inputs[0]?.shape ?? [];
  const [h, w] = [inShape[inShape.length - 2], inShape[inShape.length - 1]];
  const p = row.spec.params;
  const k = (p.kernel as [number, number] | undefined) ?? [1, 1];
  const isPool = row.spec.op.endsWith("pool2d");
  const headline = isPool
    ? `${name} (${row.spec.op} ${k[0]}×${k[1]}) needs an input of at least ${k[0]}×${k[1]}, got ${h}×${w}: output size ${c.a.eval(trace.env)}`
    : `${name} (kernel ${k[0]}×${k[1]}) needs an input of at least ${k[0]}×${k[1]} after padding, got ${h}×${w}`;
  const details: string[] = [];
  const x = trace.inputs[0]?.shape ?? [];
  details.push(`the input ${fmtTuple(x)} shrinks to ${h}×${w} by the time it reaches ${name}`);
  const fixes: string[] = [];
  const good = sampleSolution(sol);
  if (good && sol && sol.vars.length === 2) fixes.push(`use inputs of at least ${good[sol.vars[0]!]}×${good[sol.vars[1]!]}`);
  fixes.push("pad the convolutions (padding=k//2 keeps H and W)", "or remove a pooling layer (or pool with ceil_mode=True)");
  return { headline, details, fixes };
}

function broadcastStory(trace: Trace, row: TraceRow, c: Constraint, replay: Replay, namer: FunctionNamer): Story {
  const shapes = row.inputs.map((t) => fmtShape(t.shape));
  const headline = `${row.name}: the operands must have matching shapes, got ${shapes.join(" and ")} (${namer.show(c.a)} vs ${namer.show(c.b)})`;
  const details = row.inputs.map((t, i) => {
    const src = origin(trace, t.id);
    const symShape = replay.inputsOf(row)?.[i];
    return `operand ${i + 1}: ${fmtShape(t.shape)}${symShape ? ` = ${fmtTuple(symShape.map((e) => namer.show(e)))}` : ""}` +
      (src ? ` from ${stepName(src)}(${src.spec.args})` : t.id === 0 ? " (the input)" : "");
  });
  const fixes: string[] = [];
  for (const conv of shrinkingConvs(trace, row)) {
    const k = conv.spec.params.kernel as [number, number];
    if (k[0] % 2 === 1 && k[1] % 2 === 1) fixes.push(`give ${stepName(conv)} padding=${k[0] === k[1] ? (k[0] - 1) / 2 : `[${(k[0] - 1) / 2}, ${(k[1] - 1) / 2}]`} so it keeps H and W`);
  }
  fixes.push("or bring the shortcut to the same shape (a 1×1 convolution with the same stride, or a crop)");
  return { headline, details, fixes };
}

/** The stride-1 convolutions upstream of `row`'s operands that shrink H or W (a missing padding). */
function shrinkingConvs(trace: Trace, row: TraceRow): TraceRow[] {
  const found: TraceRow[] = [];
  for (const t of row.inputs) {
    let r = producer(trace, t.id);
    for (let guard = 0; r && guard < 200; guard++) {
      const p = r.spec.params;
      const inS = r.inputs[0]?.shape;
      const outS = r.outputs[0]?.shape;
      if (r.spec.op === "conv2d" && inS && outS && (p.stride as number[])?.every((s) => s === 1) &&
        (inS[inS.length - 1] !== outS[outS.length - 1] || inS[inS.length - 2] !== outS[outS.length - 2]) && !found.includes(r)) {
        found.unshift(r);
      }
      r = r.inputs[0] ? producer(trace, r.inputs[0].id) : undefined;
    }
  }
  return found;
}

function viewStory(trace: Trace, row: TraceRow, replay: Replay, sol: SolveResult | null): Story {
  const req = (row.spec.params.shape as number[]) ?? [];
  const known = req.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const inShape = row.inputs[0]?.shape ?? [];
  const n = inShape.reduce((a, d) => a * d, 1);
  const sym = replay.inputsOf(row)?.[0];
  const inner = inShape.slice(1).join("×");
  const headline = `${row.name}(${req.join(", ")}) needs a multiple of ${known} elements, got ${n}${inner ? ` = ${inShape[0]}×${inner}` : ""}`;
  const src = origin(trace, row.inputs[0]?.id ?? -1);
  const details = [`the input ${fmtTuple(inShape)} reaches the view from ${src ? `${stepName(src)}(${src.spec.args})` : "the network's input"}`];
  void sym;
  const fixes = ["flatten per sample with torch.flatten(x, 1) or x.view(x.size(0), -1), then give the next layer the matching in_features"];
  const good = sampleSolution(sol);
  if (good && sol && sol.vars.length === 2) fixes.unshift(resizeFix(good[sol.vars[0]!]!, good[sol.vars[1]!]!));
  return { headline, details, fixes };
}

function genericStory(row: TraceRow | null, c: Constraint | undefined, message: string, namer: FunctionNamer): Story {
  if (row && c) {
    return { headline: `${who(row)}: ${c.what} — ${namer.show(c.a)} should ${c.kind === "ge" ? "be at least" : "equal"} ${namer.show(c.b)}`, details: [], fixes: [] };
  }
  return { headline: row ? `${who(row)} failed: ${message.split("\n")[0]}` : message.split("\n")[0]!, details: [], fixes: [] };
}

// ---------------------------------------------------------------- building the explanation

/** Explains the failure of a trace. */
export function explainTrace(trace: Trace): Explanation {
  const err = trace.error as { name?: string; message?: string } | undefined;
  const row = trace.failedRow;
  const { replay, complete } = solvingReplay(trace);
  const local = trace.replay();
  const violated = row ? local.constraints.filter((c) => c.row === row && !c.holds(trace.env)) : [];
  const key = violated.find((c) => !c.soft) ?? violated[0];
  const vars = replay.vars;
  const maxSize = Math.max(0, ...Object.values(trace.env));
  let sol: SolveResult | null = null;
  if (key || replay.constraints.length > 0) {
    sol = solveSizes(replay.constraints, vars, { limit: Math.min(4096, Math.max(512, 8 * maxSize)) });
  }
  const namer = new FunctionNamer();
  let story: Story;
  const op = row?.spec.op;
  if (row && key && op === "linear" && key.what === "in_features") story = linearStory(trace, row, local, sol, namer);
  else if (row && key && op === "conv2d" && key.what === "in_channels") story = convChannelStory(trace, row, key);
  else if (row && key && (key.what === "output size" || key.what === "kernel fits")) story = tooSmallStory(trace, row, key, sol);
  else if (row && key && key.kind === "broadcast") story = broadcastStory(trace, row, key, local, namer);
  else if (row && key && (op === "view" || op === "reshape") && key.what === "shape is valid") story = viewStory(trace, row, local, sol);
  else story = genericStory(row, key, err?.message ?? String(trace.error), namer);

  let sizesText = sol ? rangeWords(sol) : "could not be worked out for this failure";
  if (sol && sol.any && !complete && row) sizesText += ` (checked up to ${who(row)}: later steps did not run)`;
  if (!replay.exact) sizesText += ` (approximate: no size rule for ${replay.unknownRows.map((r) => rowLabel(r)).join(", ")})`;
  return new ExplanationView(trace, row, err?.name ?? "Error", err?.message ?? String(trace.error), story, sol, sizesText, replay.exact);
}

class ExplanationView extends TextView implements Explanation {
  constructor(
    readonly trace: Trace,
    readonly row: TraceRow | null,
    readonly errorName: string,
    readonly message: string,
    private readonly story: Story,
    readonly sizes: SolveResult | null,
    readonly sizesText: string,
    readonly exact: boolean,
  ) {
    super();
  }

  get headline(): string {
    return this.story.headline;
  }

  get details(): readonly string[] {
    return this.story.details;
  }

  get fixes(): readonly string[] {
    return this.story.fixes;
  }

  private where(): string {
    const r = this.row;
    if (!r) return "";
    const steps = this.trace.steps;
    const n = steps.indexOf(r) + 1;
    return r.kind === "module"
      ? `${r.path} (${r.type}) failed at step ${n} of ${steps.length}`
      : `${r.path} failed at step ${n} of ${steps.length}`;
  }

  /** The explanation lines without the error line and the table. */
  lines(): string[] {
    const out = [`✗ ${this.where()}`, `  ${this.headline}`];
    for (const d of this.details) out.push(`    ${d}`);
    out.push(`Sizes that work: ${this.sizesText}`);
    if (this.fixes.length > 0) {
      out.push("How to fix:");
      for (const f of this.fixes) out.push(`  • ${f}`);
    }
    return out;
  }

  toText(): string {
    return [`${this.errorName}: ${this.message}`, "", ...this.lines(), "", traceText(this.trace, { explain: false })].join("\n");
  }

  toAnsi(): string {
    const lines = this.lines().map((l, i) => (i === 0 ? ansi.red(ansi.bold(l)) : i === 1 ? ansi.bold(l) : l.startsWith("Sizes") ? ansi.green(l) : l));
    return [ansi.red(ansi.bold(`${this.errorName}: ${this.message}`)), "", ...lines, "", traceAnsi(this.trace, { explain: false })].join("\n");
  }

  toHtml(): string {
    const li = (xs: readonly string[]) => `<ul>${xs.map((x) => `<li>${escapeHtml(x)}</li>`).join("")}</ul>`;
    const html = [
      `<div class="tsorch-error">${escapeHtml(`${this.errorName}: ${this.message}`)}</div>`,
      `<p><span class="tsorch-error">✗</span> ${escapeHtml(this.where())}<br><b>${escapeHtml(this.headline)}</b></p>`,
      this.details.length > 0 ? `<div class="tsorch-muted">${li(this.details)}</div>` : "",
      `<p><b>Sizes that work:</b> ${escapeHtml(this.sizesText)}</p>`,
      this.fixes.length > 0 ? `<p><b>How to fix:</b></p>${li(this.fixes)}` : "",
      traceTableHtml(this.trace, { explain: false }),
    ].join("");
    return htmlBlock(html);
  }

}

// ---------------------------------------------------------------- errors

/** Errors the explanation is for: shapes that do not fit (not bad arguments, dtypes or indices). */
export function isShapeFailure(error: unknown): boolean {
  return error instanceof ShapeError || error instanceof SizeError;
}

/**
 * Gives a shape error its trace and explanation (non-enumerable `trace` and
 * `explanation`, the display symbol, `util.inspect.custom`); the message, name
 * and class stay PyTorch's. Other errors are left alone.
 */
export function attachTrace(error: unknown, trace: Trace): void {
  if (!isShapeFailure(error)) return;
  const e = error as Error;
  if (Object.prototype.hasOwnProperty.call(e, "trace")) return;
  let cached: Explanation | null | undefined;
  const explanation = () => (cached === undefined ? (cached = trace.explanation()) : cached);
  Object.defineProperty(e, "trace", { value: trace, enumerable: false, configurable: true });
  Object.defineProperty(e, "explanation", { get: explanation, enumerable: false, configurable: true });
  Object.defineProperty(e, jupyterDisplay, {
    value: () => explanation()?.[jupyterDisplay]() ?? { "text/plain": `${e.name}: ${e.message}` },
    enumerable: false, configurable: true,
  });
  Object.defineProperty(e, inspectCustom, {
    value: (_depth: number, options: InspectOptions | undefined) => {
      const ex = explanation();
      const stack = (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).join("\n");
      const body = ex ? (options?.colors ? ex.toAnsi() : ex.toText()) : `${e.name}: ${e.message}`;
      return stack ? `${body}\n${stack}` : body;
    },
    enumerable: false, configurable: true,
  });
}

// The flight recorder hands every failed outermost call here.
setFailureHandler((rec, error) => {
  if (isShapeFailure(error)) attachTrace(error, new Trace(rec, { meta: rec.rows[0]?.inputs.some((t) => t.meta) ?? false }));
});
