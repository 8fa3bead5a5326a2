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
import { ArgumentError, IndexError, ShapeError, SizeError } from "../errors.js";
import { escapeHtml, htmlBlock } from "../render/html.js";
import { type DisplayResult, inspectCustom, jupyterDisplay } from "../render/mime.js";
import { TextView } from "../render/text-view.js";
import { lastSuccessfulRecording, setFailureHandler } from "./flight-recorder.js";
import { type Recorder } from "./recorder.js";
import type { TraceRow } from "./row.js";
import { type Constraint, type Replay, replayTrace, rowLabel } from "./symbolic-replay.js";
import type { FailureContext, Story } from "../shape/descriptor.js";
import { type SolveResult, type Family, firstSquare, formatFamily, formatRanges, solveSizes } from "../shape/solver.js";
import type { Env } from "../shape/sym.js";
import { FunctionNamer } from "./format.js";
import { Trace, rerunAt, stepName } from "./trace.js";
import { TRACE_CSS, traceTableHtml, traceText, traceAnsi } from "./render-trace.js";
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

// ---------------------------------------------------------------- helpers

/** Whether the solved sizes are an image's H and W (where square sizes and resizing make sense). */
function isImage(vars: readonly string[]): boolean {
  return vars.length === 2 && vars[0] === "H" && vars[1] === "W";
}

/** One working assignment: the smallest square size when there is one, else the first family's smallest values. */
function sampleSolution(sol: SolveResult | null): Env | null {
  if (!sol || !sol.any) return null;
  const vars = sol.vars;
  if (sol.square && sol.square.length > 0 && isImage(vars)) {
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

/** The step that made tensor `id` what it is, looking through activations, dropout and normalisation. */
function origin(trace: Trace, id: number): TraceRow | undefined {
  let row = producer(trace, id);
  while (row && row.spec.family.keepsShape === true && row.inputs[0]) {
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
    const squares = isImage(vars) ? sol.square ?? [] : [];
    const one = squares.length === 1 ? squares[0]! : null;
    const sq = squares.length === 0 ? "" : one && one.hi === one.lo ? `square input ${one.lo}`
      : one && one.hi !== null ? `square inputs ${one.lo} to ${one.hi}`
      : `square inputs ${formatRanges(squares).replace(/–/g, " to ")}`;
    const squareFamily = (f: Family) => squares.length > 0 && sameRanges(f.ranges[a]!, f.ranges[b]!);
    const others = sol.families.filter((f) => !squareFamily(f));
    const open = sol.families.length === 1 && sol.families[0]!.ranges[a]!.some((r) => r.hi === null);
    if (open) return `any ${vars.map((v) => `${v} ${formatRanges(sol.families[0]!.ranges[v]!)}`).join(" and ")}${sq ? ` (${sq})` : ""}`;
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

/** Whether `other` ran the same steps as `trace` up to `trace`'s failing step (same layers, same ops). */
function sameStepsUpTo(trace: Trace, other: Trace): boolean {
  const failed = trace.failedRow;
  if (!failed) return false;
  const mine = trace.steps;
  const theirs = other.steps;
  const upTo = mine.indexOf(failed);
  return upTo >= 0 && theirs.length > upTo && other.inputs[0]?.shape.length === trace.inputs[0]?.shape.length &&
    mine.slice(0, upTo + 1).every((r, i) => r.kind === theirs[i]!.kind && r.path === theirs[i]!.path && r.spec.op === theirs[i]!.spec.op);
}

/**
 * The replay of a run that got through, read beside the failing run: each step's parameters in the
 * failing run tell the sizes computed from the input (`view(-1, n)` with `n` from `x.size()`) from
 * the literal ones.
 */
function replayBeside(ok: Trace, failing: Trace): Replay {
  const mine = failing.steps;
  const index = new Map(ok.steps.map((r, i) => [r, i] as const));
  return replayTrace(ok.rows, ok.symbolicRoot(), ok.env, {
    alternate: (row) => {
      const i = index.get(row);
      const other = i === undefined ? undefined : mine[i];
      return other && other.path === row.path && other.spec.op === row.spec.op ? other.spec.params : undefined;
    },
  });
}

/** How many times the explanation runs the network again (shape-only) looking for a run that gets through. */
const RERUNS = 8;

/**
 * The replay whose constraints decide which sizes work, and whether it covers every step:
 *
 * 1. the module's last successful run, when its steps match this one's up to the failure;
 * 2. else a shape-only run (meta tensors, no values, the generator left as it was) at a size the
 *    steps up to the failure allow; when that run fails further on, its steps are solved and the
 *    next size tried, until a run gets through;
 * 3. else the furthest failing run, up to its failure (the explanation says so).
 */
function solvingReplay(trace: Trace, limit: number): { replay: Replay; complete: boolean; upTo: TraceRow | null } {
  const good: Recorder | undefined = lastSuccessfulRecording(trace.module);
  if (good && trace.failedRow) {
    const okTrace = new Trace(good, { meta: true });
    if (sameStepsUpTo(trace, okTrace)) return { replay: replayBeside(okTrace, trace), complete: true, upTo: null };
  }
  let furthest = trace;
  for (let i = 0; i < RERUNS && furthest.failedRow; i++) {
    const partial = furthest.replay();
    if (!partial.exact) break;
    // A size to run at: the smallest square one (found directly), else the first family's smallest.
    const square = isImage(partial.vars) ? firstSquare(partial.constraints, partial.vars, { limit }) : null;
    const sample = square !== null ? { [partial.vars[0]!]: square, [partial.vars[1]!]: square }
      : sampleSolution(solveSizes(partial.constraints, partial.vars, { limit }));
    if (!sample || Object.keys(sample).length === 0) break;
    const next = rerunAt(trace, sample);
    if (!next || !sameStepsUpTo(furthest, next)) break;
    if (!next.failed) return { replay: replayBeside(next, trace), complete: true, upTo: null };
    if (next.steps.indexOf(next.failedRow!) <= furthest.steps.indexOf(furthest.failedRow!)) break;
    furthest = next;
  }
  return { replay: furthest === trace ? trace.replay() : replayBeside(furthest, trace), complete: false, upTo: furthest.failedRow };
}

// ---------------------------------------------------------------- stories

/** The fix that resizes the input, as the call that does it. */
function resizeFix(h: number, w: number): string {
  return `resize the input to ${h}×${w}: F.interpolate(x, { size: [${h}, ${w}], mode: "bilinear" })`;
}

/** What a family's story may ask about the failure of `row` (see FailureContext in src/shape/descriptor.ts). */
function failureContext(trace: Trace, row: TraceRow, key: Constraint<TraceRow>, replay: Replay, sol: SolveResult | null,
  namer: FunctionNamer): FailureContext {
  const sample = sampleSolution(sol);
  const vars = replay.vars;
  return {
    row, params: row.spec.params, key, env: trace.env, vars, sample,
    symInputs: replay.inputsOf(row), inputShape: trace.inputs[0]?.shape ?? [],
    who: (r) => who(r as TraceRow),
    call: (r) => `${stepName(r as TraceRow)}(${r.spec.args})`,
    stepName: (r) => stepName(r as TraceRow),
    producer: (id) => producer(trace, id),
    origin: (id) => origin(trace, id),
    show: (e) => namer.show(e),
    definitions: () => namer.definitions(),
    resizeFix: () => {
      if (!sample) return null;
      if (isImage(vars)) return resizeFix(sample[vars[0]!]!, sample[vars[1]!]!);
      if (vars.length >= 1) return `give the network inputs with ${vars.map((v) => `${v} = ${sample[v]}`).join(", ")}`;
      return null;
    },
  };
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
  const maxSize = Math.max(0, ...Object.values(trace.env));
  const limit = Math.min(4096, Math.max(512, 8 * maxSize));
  const local = trace.replay();
  const violated = row ? local.constraints.filter((c) => c.row === row && !c.holds(trace.env)) : [];
  const key = violated.find((c) => !c.soft) ?? violated[0];
  const { replay, complete, upTo } = solvingReplay(trace, limit);
  const vars = replay.vars;
  let sol: SolveResult | null = null;
  if (key || replay.constraints.length > 0) sol = solveSizes(replay.constraints, vars, { limit });
  // Sizes that run only because a branch of size 1 broadcasts against the other: said apart.
  const asIntended = sol && sol.any && replay.constraints.some((c) => c.soft === "intended")
    ? solveSizes(replay.constraints, vars, { limit, intended: true }) : null;
  const namer = new FunctionNamer();
  const told = row && key ? row.spec.family.story?.(failureContext(trace, row, key, local, sol, namer)) : null;
  const story = told ?? genericStory(row, key, err?.message ?? String(trace.error), namer);

  let sizesText = sol ? rangeWords(sol) : "could not be worked out for this failure";
  if (sol && asIntended && !asIntended.any) {
    sizesText = `${rangeWords(asIntended)}; it runs only where a size of 1 broadcasts against the other side: ${sizesText}`;
  }
  const last = upTo ?? row;
  if (sol && sol.any && !complete && last) sizesText += ` (checked up to ${who(last)}: later steps did not run)`;
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
      ? `${r.path ? `${r.path} (${r.type})` : r.type} failed at step ${n} of ${steps.length}`
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
    return htmlBlock(html, TRACE_CSS);
  }

}

// ---------------------------------------------------------------- errors

/** Errors the explanation is for: shapes that do not fit (not bad arguments, dtypes or index values). */
export function isShapeFailure(error: unknown): boolean {
  return error instanceof ShapeError || error instanceof SizeError;
}

/**
 * Ops whose other errors can be about a size: an index or part past the end of a dim that shrank
 * (`x.select(2, 9)` on 7 rows: IndexError), reflection padding wider than its dim (a RuntimeError
 * about the argument).
 */
const SIZE_ERRORS_OF: Record<string, (e: unknown) => boolean> = {
  select: (e) => e instanceof IndexError,
  narrow: (e) => e instanceof IndexError,
  index: (e) => e instanceof IndexError,
  pad: (e) => e instanceof ArgumentError && /Padding size should be less/.test(e.message),
};

/** Whether `trace` failed on a size: a shape error, or an error of {@link SIZE_ERRORS_OF} raised by its op. */
function failedOnSize(error: unknown, trace: Trace): boolean {
  return isShapeFailure(error) || (SIZE_ERRORS_OF[trace.failedRow?.spec.op ?? ""]?.(error) ?? false);
}

/**
 * Gives a shape error its trace and explanation (non-enumerable `trace` and
 * `explanation`, the display symbol, `util.inspect.custom`); the message, name
 * and class stay PyTorch's. Other errors are left alone.
 */
export function attachTrace(error: unknown, trace: Trace): void {
  if (!failedOnSize(error, trace)) return;
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
  if (isShapeFailure(error) || error instanceof IndexError || error instanceof ArgumentError) attachTrace(error, new Trace(rec, { meta: rec.rows[0]?.inputs.some((t) => t.meta) ?? false }));
});
