/**
 * `trace(net, input)`: run a module once and keep every step of its forward
 * as a {@link Trace} — submodule calls and the functional ops and views in
 * between (`F.relu`, `F.max_pool2d`, `x.view(-1, 400)`), each with its
 * arguments, input and output shapes, parameters, multiply-adds and time.
 *
 * Give a size instead of a tensor and the run is shape-only (meta tensors:
 * instant for any size). Name sizes with strings (`[1, 1, "H", "W"]`) and
 * every output shape becomes a formula, replayed from a run at a size that
 * works. A forward that fails is traced up to the failing step, which is
 * explained (see explain.ts).
 *
 * @example
 * const t = trace(net, [1, 1, 32, 32]);
 * t.chain()    // "(1, 1, 32, 32) → conv1(1, 6, 5) → (1, 6, 28, 28) → max_pool2d(2, 2) → ..."
 * t.rows.map((r) => r.path)   // ["", "conv1", "Net.forward › F.relu", "Net.forward › F.max_pool2d", ...]
 * trace(net, [1, 1, "H", "W"]).outputFormula("fc1")   // "(1, 120)"
 * const k = trace(net, torch.randn(1, 1, 32, 32), { keepActivations: true });
 * k.featureMaps("conv1")       // heatmap grid of conv1's 6 channels
 */
import { ArgumentError } from "../errors.js";
import { no_grad } from "../autograd/grad-mode.js";
import { Module } from "../nn/module.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { empty } from "../tensor/creation.js";
import { randn } from "../ops/random.js";
import { TextView } from "../render/text-view.js";
import type { FeatureMapImage } from "../render/heatmap.js";
import { takeRecording, setFlightRecorder, setPendingOptions } from "./flight-recorder.js";
import { get_rng_state, set_rng_state } from "../random/generator.js";
import { type Recorder } from "./recorder.js";
import type { TensorInfo, TraceRow } from "./row.js";
import { type Replay, type SymShape, replayTrace } from "./symbolic-replay.js";
import { type Env, num, sym } from "../shape/sym.js";
import { FunctionNamer, fmtSymShape, fmtTuple } from "./format.js";
import type { FeatureMapsOptions } from "./feature-maps.js";
import { type TableOptions, traceAnsi, traceHtml, traceText } from "./render-trace.js";
import { type Explanation, explainTrace } from "./explain.js";
import { type TraceComparison, compareTraces } from "./compare.js";

/** A size given by the user: numbers, and strings for symbolic sizes. */
export type SizeSpec = readonly (number | string)[];

/** How a trace runs. */
export interface TraceOptions {
  /** Keep each row's output tensor so rows can show feature maps (default false). */
  keepActivations?: boolean;
  /** Measure wall time per row (default true). */
  timing?: boolean;
  /** For a size: run on meta tensors, shape-only (default true); false draws random inputs (needed for feature maps). */
  meta?: boolean;
  /** dtype of the inputs made from sizes (one, or one per input; default float32). */
  dtypes?: DTypeLike | readonly DTypeLike[];
  /** Values tried, in order, for symbolic sizes until one runs (default 32, 64, 28, 224, 96, 16, 128, 256, 8, 512). */
  trySizes?: readonly number[];
  /** Run without building an autograd graph (default true). */
  noGrad?: boolean;
}

const DEFAULT_TRY = [32, 64, 28, 224, 96, 16, 128, 256, 8, 512];

/** One traced forward. */
export class Trace extends TextView {
  /** Every row in call order (row 0 is the module itself). */
  readonly rows: readonly TraceRow[];
  /** The error the forward threw, or undefined. */
  readonly error: unknown;
  /** Whether the run was shape-only (meta inputs). */
  readonly meta: boolean;
  /** Whether rows have times. */
  readonly timed: boolean;
  /** The sizes as the user named them (`[1, 1, "H", "W"]`), for symbolic traces. */
  readonly symbolicInput: readonly SizeSpec[] | null;
  /** The values the symbolic sizes had in the recorded run. */
  readonly env: Env;
  /** Whether the module was called with tensors only (so it can run again at other sizes). */
  readonly rerunnable: boolean;
  private cachedReplay: Replay | undefined;
  private cachedExplanation: Explanation | null | undefined;

  constructor(recording: Recorder, options: { meta: boolean; symbolicInput?: readonly SizeSpec[] | null; env?: Env }) {
    super();
    this.rows = recording.rows;
    this.error = recording.error;
    this.meta = options.meta;
    this.timed = recording.options.timing;
    this.symbolicInput = options.symbolicInput ?? null;
    this.env = options.env ?? defaultEnv(recording.rows[0]?.inputs ?? [], recording.rows);
    this.rerunnable = recording.tensorsOnly;
  }

  /** The module's own row. */
  get root(): TraceRow {
    return this.rows[0]!;
  }

  /** The traced module. */
  get module(): Module {
    return this.root.module;
  }

  /** The tensors the module was called with. */
  get inputs(): readonly TensorInfo[] {
    return this.root.inputs;
  }

  /** The module's outputs (empty when it failed). */
  get outputs(): readonly TensorInfo[] {
    return this.root.outputs;
  }

  /** True when the forward threw. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** The innermost row that threw: the failing layer or op. */
  get failedRow(): TraceRow | null {
    let found: TraceRow | null = null;
    for (const r of this.rows) if (r.failed && (found === null || r.depth >= found.depth)) found = r;
    return found;
  }

  /** Rows that did something (no recorded children), in execution order. */
  get steps(): TraceRow[] {
    return this.rows.filter((r) => r.isLeaf && !(r === this.root && this.rows.length > 1));
  }

  /** Rows flagged with a warning (a view that mixed samples). */
  get warnings(): TraceRow[] {
    return this.rows.filter((r) => r.warning !== null);
  }

  /**
   * A row by module path (`conv1`, `features.0`), by op path
   * (`Net.forward › F.relu`), or by op name (`view`: the first such row).
   */
  row(name: string | number): TraceRow | undefined {
    if (typeof name === "number") return this.rows[name];
    return this.rows.find((r) => r.path === name) ?? this.rows.find((r) => r.kind === "op" && r.name === name)
      ?? this.rows.find((r) => r.kind === "op" && r.name === `F.${name}`);
  }

  /** The variables of the symbolic replay (`["H", "W"]`). */
  get vars(): readonly string[] {
    return this.replay().vars;
  }

  /**
   * The symbolic replay: the user's named sizes, or for a concrete trace the
   * image's H and W (the last two dims of the first input).
   */
  replay(): Replay {
    this.cachedReplay ??= replayTrace(this.rows, this.symbolicRoot(), this.env);
    return this.cachedReplay;
  }

  /** @internal The input shapes with the named sizes as variables. */
  symbolicRoot(): SymShape[] {
    if (this.symbolicInput) {
      return this.symbolicInput.map((spec) => spec.map((d) => (typeof d === "string" ? sym(d) : num(d))));
    }
    return this.inputs.map((t, i) => (i === 0 ? defaultSymbolic(t.shape, this.rows) : t.shape.map((d) => num(d))));
  }

  /** A row's output shape as a formula: `(1, 6, H−4, W−4)`. */
  outputFormula(name: string | TraceRow): string | undefined {
    const row = typeof name === "string" ? this.row(name) : name;
    const out = row ? this.replay().outputOf(row)?.[0] : undefined;
    return out ? fmtSymShape(out, new FunctionNamer()) : undefined;
  }

  /**
   * The tutorial's arrow chain: input shape, then each step that changes the
   * shape (element-wise steps like relu are left out) and the shape after it.
   * A failed step ends the chain with ✗.
   */
  chain(options: { symbolic?: boolean } = {}): string {
    const symbolic = options.symbolic ?? this.symbolicInput !== null;
    const namer = new FunctionNamer();
    const replay = symbolic ? this.replay() : null;
    const shapeText = (row: TraceRow, which: "in" | "out"): string => {
      if (symbolic) {
        const s = which === "in" ? replay!.inputsOf(row)?.[0] : replay!.outputOf(row)?.[0];
        if (s) return fmtSymShape(s, namer);
      }
      const t = which === "in" ? row.inputs[0] : row.outputs[0];
      return t ? fmtTuple(t.shape) : "?";
    };
    const first = symbolic ? this.symbolicRoot()[0] : undefined;
    const parts: string[] = [first ? fmtSymShape(first, namer) : fmtTuple(this.inputs[0]?.shape ?? [])];
    for (const row of this.steps) {
      const step = `${stepName(row)}(${row.spec.args})`.replace(/\(\)$/, "");
      if (row.failed) {
        parts.push(`${step} ✗`);
        break;
      }
      const inShape = row.inputs[0]?.shape;
      const outShape = row.outputs[0]?.shape;
      const same = inShape && outShape && inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i]);
      if (same && row.inputs.length <= 1) continue;
      parts.push(step, shapeText(row, "out"));
    }
    return parts.join(" → ");
  }

  /** The explanation of the failure (null when the forward ran). */
  explanation(): Explanation | null {
    if (this.cachedExplanation === undefined) this.cachedExplanation = this.failed ? explainTrace(this) : null;
    return this.cachedExplanation;
  }

  /** This trace next to another (32×32 against 64×64), differing rows marked. */
  compare(other: Trace): TraceComparison {
    return compareTraces(this, other);
  }

  /**
   * The feature maps a row produced, as a heatmap grid (needs
   * `keepActivations: true` and a real, not shape-only, input).
   */
  featureMaps(name: string | TraceRow, options: FeatureMapsOptions = {}): FeatureMapImage {
    const row = typeof name === "string" ? this.row(name) : name;
    if (!row) throw new ArgumentError(`no row named '${String(name)}' in this trace`, "name", "KeyError");
    if (!row.activation) {
      throw new ArgumentError(
        `row '${row.path}' kept no activation: trace with { keepActivations: true }` +
        (this.meta ? " and a real input (a tensor, or meta: false): this trace ran shape-only" : ""), "name", "ValueError");
    }
    return row.featureMaps(options);
  }

  /** The table as plain text (columns and depth as in {@link TableOptions}). */
  toText(options: TableOptions = {}): string {
    return traceText(this, options);
  }

  toHtml(options: TableOptions = {}): string {
    return traceHtml(this, options);
  }

  toAnsi(options: TableOptions = {}): string {
    return traceAnsi(this, options);
  }

}

/**
 * Runs the traced module again, shape-only, with the named sizes set to `env` (other dims and dtypes
 * as traced); the random generator and the layers' counters (BatchNorm's `num_batches_tracked`) are
 * left as they were. Null when the module was called with more than tensors.
 *
 * @example
 * rerunAt(trace(net, [1, 1, 64, 64]), { H: 32, W: 32 })!.failed   // false for LeNet
 */
export function rerunAt(t: Trace, env: Env): Trace | null {
  if (!t.rerunnable || t.inputs.length === 0) return null;
  const inputs = t.symbolicRoot().map((shape, i) => empty(shape.map((e) => e.eval(env)),
    { device: "meta", dtype: toDType((t.inputs[i]?.dtype ?? "float32") as DTypeLike) }));
  const net = t.module;
  const rng = get_rng_state();
  const counters: [Tensor, number][] = [];
  for (const b of net.buffers()) if (!b.is_meta && b.numel() === 1) counters.push([b, b.item()]);
  const wasOn = setFlightRecorder(true);
  try {
    return record(net, inputs, { timing: false }, true, t.symbolicInput ? [...t.symbolicInput] : null, t.symbolicInput ? env : undefined);
  } catch {
    return null;
  } finally {
    setFlightRecorder(wasOn);
    set_rng_state(rng);
    for (const [b, v] of counters) b.storage.data[b._offset] = v;
  }
}

/** `conv1` for a module step, `max_pool2d` for `F.max_pool2d`. */
export function stepName(row: TraceRow): string {
  // Layers of a Sequential are numbered: their class says more than "0".
  if (row.kind === "module") return /^\d+$/.test(row.name) || row.path === "" ? row.type : row.path;
  return row.name.startsWith("F.") ? row.name.slice(2) : row.name;
}

/**
 * The names of the input's dims an explanation solves for (null: a dim that keeps its size). The
 * family of the step that reads the input may name them (a sequence layer: `L` and `F`, wherever
 * `batch_first` puts them); otherwise H and W of an image, F of a feature vector.
 */
function inputDimNames(rank: number, rows: readonly TraceRow[]): (string | null)[] {
  const root = rows[0];
  const first = root?.spec.family.inputDims ? root : rows.find((r) => r !== root && r.isLeaf && r.inputs.some((t) => t.id === 0));
  const named = first?.spec.family.inputDims?.(first.spec.params, rank);
  if (named && named.length === rank) return [...named];
  if (rank >= 3) return Array.from({ length: rank }, (_, i) => (i === rank - 2 ? "H" : i === rank - 1 ? "W" : null));
  return Array.from({ length: rank }, (_, i) => (i === rank - 1 ? "F" : null));
}

/** The input's shape with its named dims as variables. */
function defaultSymbolic(shape: readonly number[], rows: readonly TraceRow[]): SymShape {
  const names = inputDimNames(shape.length, rows);
  return shape.map((d, i) => (names[i] ? sym(names[i]!) : num(d)));
}

/** The named dims' values in the recorded run. */
function defaultEnv(inputs: readonly TensorInfo[], rows: readonly TraceRow[]): Env {
  const shape = inputs[0]?.shape ?? [];
  const names = inputDimNames(shape.length, rows);
  return Object.fromEntries(names.flatMap((n, i) => (n ? [[n, shape[i]!]] : [])));
}

// ---------------------------------------------------------------- running

function isSizeSpec(v: unknown): v is SizeSpec {
  return Array.isArray(v) && v.every((d) => typeof d === "number" || typeof d === "string");
}

/** Splits the input argument into size specs or tensors. */
function normalizeInput(input: unknown): { sizes: SizeSpec[] | null; tensors: unknown[] | null } {
  if (input instanceof Tensor) return { sizes: null, tensors: [input] };
  if (isSizeSpec(input)) return { sizes: [input], tensors: null };
  if (Array.isArray(input) && input.length > 0 && input.every(isSizeSpec)) return { sizes: input as SizeSpec[], tensors: null };
  if (Array.isArray(input) && input.every((t) => t instanceof Tensor)) return { sizes: null, tensors: input };
  throw new ArgumentError(
    "trace()/summary() take an input tensor, a list of tensors, an input size such as [1, 1, 32, 32] " +
    "(strings name symbolic sizes: [1, 1, \"H\", \"W\"]), or a list of sizes", "input", "TypeError");
}

function dtypeFor(options: TraceOptions, i: number): DTypeLike {
  const d = options.dtypes;
  if (d === undefined) return "float32";
  if (Array.isArray(d)) return (d as DTypeLike[])[i] ?? "float32";
  return d as DTypeLike;
}

/** Runs `net` on `inputs` with a recorder installed; the trace of that call. */
function record(net: Module, inputs: unknown[], options: TraceOptions, meta: boolean, symbolicInput: SizeSpec[] | null, env?: Env): Trace {
  setPendingOptions({ timing: options.timing ?? true, keepActivations: options.keepActivations ?? false });
  const run = () => (net as unknown as (...a: unknown[]) => unknown)(...inputs);
  try {
    if (options.noGrad ?? true) no_grad(run);
    else run();
  } catch {
    // The recording keeps the error; a trace of a failing forward is what the caller asked for.
  } finally {
    setPendingOptions(null);
  }
  const rec = takeRecording(net);
  if (rec === null) {
    throw new ArgumentError("the module's forward ran without being recorded (it was called from inside another module's forward?)", "net", "RuntimeError");
  }
  return new Trace(rec, { meta, symbolicInput, env });
}

/**
 * Runs `net` once and records every step of its forward.
 *
 * @param input a tensor (or a list of tensors), or a size (`[1, 1, 32, 32]`,
 *   or a list of sizes); strings name symbolic sizes (`[1, 1, "H", "W"]`).
 *   A size runs shape-only unless `meta: false`.
 *
 * @example
 * trace(net, [1, 1, 32, 32]).rows.length          // 13 for LeNet
 * trace(net, torch.randn(1, 1, 64, 64)).failedRow  // the fc1 row
 */
export function trace(net: Module, input: Tensor | readonly Tensor[] | SizeSpec | readonly SizeSpec[], options: TraceOptions = {}): Trace {
  if (!(net instanceof Module)) throw new ArgumentError("trace() needs an nn.Module as its first argument", "net", "TypeError");
  const { sizes, tensors } = normalizeInput(input);
  if (tensors) return record(net, tensors, options, tensors.some((t) => (t as Tensor).is_meta), null);
  const specs = sizes!;
  const meta = options.meta ?? true;
  const make = (env: Env) => specs.map((spec, i) => {
    const shape = spec.map((d) => (typeof d === "string" ? env[d]! : d));
    const dtype = toDType(dtypeFor(options, i));
    return meta ? empty(shape, { device: "meta", dtype }) : dtype.is_floating_point ? randn(shape, { dtype }) : empty(shape, { dtype });
  });
  const names = [...new Set(specs.flatMap((s) => s.filter((d): d is string => typeof d === "string")))];
  if (names.length === 0) return record(net, make({}), options, meta, null);
  // Symbolic sizes: find a size that runs, then replay the recorded steps with the names.
  let best: Trace | null = null;
  for (const value of options.trySizes ?? DEFAULT_TRY) {
    const env = Object.fromEntries(names.map((n) => [n, value]));
    const t = record(net, make(env), options, meta, specs, env);
    if (!t.failed) return t;
    if (best === null || (t.failedRow?.index ?? 0) > (best.failedRow?.index ?? 0)) best = t;
  }
  return best!;
}
