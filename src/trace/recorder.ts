/**
 * The recorder: turns module calls (from the module call context) and
 * hooked ops (from the op hook) into {@link TraceRow}s while one outermost
 * module call runs.
 *
 * - A module call is a row; so is every hooked op called directly in the
 *   `forward` of a module that describes itself through its children: the
 *   outermost module, containers, and user modules without an `op_spec()`
 *   (a custom block calling `F.*`). Ops inside a layer that has an op spec
 *   (the `F.conv2d` inside `Conv2d`, or inside a subclass of it) are part of
 *   that layer's row.
 * - Tensors get ids as they appear (the root input is 0), so each row knows
 *   which earlier row produced its inputs.
 * - Options add wall time per row and keep each row's output tensor (for
 *   feature-map heatmaps).
 * - A view or reshape that changes the batch dimension in a way that mixes
 *   samples is flagged on its row and reported once per call site on stderr.
 *
 * @example
 * const rec = new Recorder({ timing: true, keepActivations: false });
 * // installed by the flight recorder for the outermost call; see flight-recorder.ts
 */
import { performance } from "node:perf_hooks";
import type { ModuleCallListener, ModuleCallOutcome, ModuleFrame } from "../nn/call-context.js";
import { Module } from "../nn/module.js";
import type { Describer } from "../shape/descriptor.js";
import { Parameter } from "../nn/parameter.js";
import { Tensor } from "../tensor/tensor.js";
import { type OpListener, enterOpaque, exitOpaque, insideHookedOp } from "../ops/op-hook.js";
import { type TensorInfo, TraceRow } from "./row.js";
import { checkViewBatch } from "./view-warning.js";

/** What a recording measures and keeps besides shapes. */
export interface RecordOptions {
  /** Measure wall time per row (off for the always-on flight recorder). */
  readonly timing: boolean;
  /** Keep each row's output tensor (detached) for feature maps. */
  readonly keepActivations: boolean;
}

/** The tensors in an op's or module's output: a tensor, a list of them, or `{ values, indices }`. */
function outputTensors(output: unknown): Tensor[] {
  if (output instanceof Tensor) return [output];
  if (Array.isArray(output)) return output.filter((x): x is Tensor => x instanceof Tensor);
  if (typeof output === "object" && output !== null) {
    const v = (output as { values?: unknown; indices?: unknown });
    if (v.values instanceof Tensor) return v.indices instanceof Tensor ? [v.values, v.indices] : [v.values];
  }
  return [];
}

/** Whether a module's class (or an ancestor other than Module) describes it with `op_spec()`, by constructor. */
const describesItself = new WeakMap<object, boolean>();

/**
 * A layer whose insides are not shown: a module with an op spec (its own or
 * inherited), other than the outermost one.
 */
function isOpaque(row: TraceRow): boolean {
  if (row.parent === null) return false;
  const m = row.module;
  const ctor = (m as { constructor?: object }).constructor ?? m;
  let own = describesItself.get(ctor);
  if (own === undefined) describesItself.set(ctor, (own = m.op_spec !== Module.prototype.op_spec));
  return own;
}

export class Recorder implements ModuleCallListener, OpListener {
  readonly rows: TraceRow[] = [];
  /** The error of the outermost call, if it threw. */
  error: unknown = undefined;
  /** Whether the outermost call's arguments were all tensors (then it can be run again at other sizes). */
  tensorsOnly = true;
  /** Ids of the tensors seen so far; only needed while recording (cleared by {@link closeAll}, so no tensor is kept). */
  private readonly ids = new Map<Tensor, number>();
  private nextId = 0;
  /** Module calls in progress, innermost last, with their rows (null: a call folded into an op). */
  private readonly frames: ModuleFrame[] = [];
  private readonly frameRows: (TraceRow | null)[] = [];
  /** Open rows, innermost last. */
  private readonly open: TraceRow[] = [];
  /** Per open row: whether it is an opaque layer (see isOpaque), so the check is made once per row. */
  private readonly openOpaque: boolean[] = [];
  private readonly started: number[] = [];

  constructor(readonly options: RecordOptions) {}

  /** The outermost row (the module the trace ran), once it started. */
  get root(): TraceRow | null {
    return this.rows[0] ?? null;
  }

  // ---------------------------------------------------------------- tensors

  private info(t: Tensor, assign: boolean): TensorInfo {
    let id = this.ids.get(t);
    if (id === undefined) {
      id = assign ? this.nextId++ : -1;
      if (assign) this.ids.set(t, id);
    }
    // The shape is the tensor's frozen Size (shared, never copied); the rest is read as it is now.
    const dtype = t.dtype;
    return {
      __info: true, shape: t.shape, dtype: dtype.name, itemsize: dtype.itemsize, id, meta: t.is_meta,
      isParameter: t instanceof Parameter,
    } as TensorInfo;
  }

  /** An argument with tensors replaced by their info (lists and option objects one level deep). */
  private convert(v: unknown, depth: number): unknown {
    if (v instanceof Tensor) return this.info(v, false);
    if (depth > 1 || typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) {
      let convert = false;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x instanceof Tensor || Array.isArray(x)) { convert = true; break; }
      }
      if (!convert) return v;
      const out = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = this.convert(v[i], depth + 1);
      return out;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.convert(x, depth + 1);
      return out;
    }
    return v;
  }

  private inputInfos(args: readonly unknown[], assign: boolean): TensorInfo[] {
    const out: TensorInfo[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Tensor) out.push(this.info(a, assign));
      else if (Array.isArray(a)) for (const x of a) if (x instanceof Tensor) out.push(this.info(x, assign));
    }
    return out;
  }

  // ---------------------------------------------------------------- rows

  private push(row: TraceRow): void {
    row.parent?.children.push(row);
    this.rows.push(row);
    this.open.push(row);
    this.openOpaque.push(row.kind === "module" && isOpaque(row));
    if (this.options.timing) this.started[row.index] = performance.now();
  }

  private close(row: TraceRow, output: unknown, error: unknown, failed: boolean): void {
    const open = this.open;
    if (open[open.length - 1] === row) {
      open.pop();
      this.openOpaque.pop();
    } else {
      const i = open.lastIndexOf(row);
      if (i >= 0) while (open.length > i) { open.pop(); this.openOpaque.pop(); }
    }
    if (this.options.timing) row.timeMs = performance.now() - this.started[row.index]!;
    if (failed) {
      row.error = error;
      return;
    }
    if (output instanceof Tensor) {
      row.outputs = [this.info(output, true)];
      if (this.options.keepActivations) row.activation = output.detach();
      return;
    }
    const tensors = outputTensors(output);
    const outputs = new Array<TensorInfo>(tensors.length);
    for (let i = 0; i < tensors.length; i++) outputs[i] = this.info(tensors[i]!, true);
    row.outputs = outputs;
    if (this.options.keepActivations && tensors[0]) row.activation = tensors[0].detach();
  }

  onModuleEnter(frame: ModuleFrame, args: readonly unknown[]): void {
    const parent = this.open[this.open.length - 1] ?? null;
    // A module called from inside an op is part of that op.
    if ((parent !== null && parent.kind === "op") || insideHookedOp()) {
      this.frames.push(frame);
      this.frameRows.push(null);
      return;
    }
    const row = new TraceRow(this.rows.length, "module", frame, parent === null ? 0 : parent.depth + 1, parent,
      frame.module as unknown as Module);
    // The outermost call's inputs are the trace's inputs: they get the first ids.
    row.inputs = this.inputInfos(args, parent === null);
    if (parent === null) this.tensorsOnly = args.every((a) => a instanceof Tensor);
    this.frames.push(frame);
    this.frameRows.push(row);
    this.push(row);
    // A leaf layer's ops are part of its row: they run unreported (as plain calls) until it returns.
    if (this.openOpaque[this.openOpaque.length - 1]) enterOpaque();
  }

  onModuleExit(frame: ModuleFrame, outcome: ModuleCallOutcome): void {
    // Calls end innermost first; a frame not on top was left by a call that never reported its end.
    const frames = this.frames;
    let k = frames.length - 1;
    if (frames[k] !== frame) k = frames.lastIndexOf(frame);
    if (k < 0) return;
    const row = this.frameRows[k]!;
    while (frames.length > k) { frames.pop(); this.frameRows.pop(); }
    if (row === null) return;
    const top = this.open.length - 1;
    if (this.open[top] === row ? this.openOpaque[top] : isOpaque(row)) exitOpaque();
    const failed = "error" in outcome && outcome.error !== undefined;
    this.close(row, outcome.output, outcome.error, failed);
    if (failed && row.parent === null) this.error = outcome.error;
  }

  onOpEnter(name: string, args: readonly unknown[], describe: Describer | null): unknown {
    const caller = this.open[this.open.length - 1];
    if (caller === undefined || caller.kind !== "module") return null;
    // Inside a leaf layer (not the outermost module) an op is part of the layer's row.
    if (this.openOpaque[this.openOpaque.length - 1]) return null;
    // Tensors become their info once: the row's inputs are the infos among the converted arguments.
    const converted = new Array<unknown>(args.length);
    const inputs: TensorInfo[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const c = (converted[i] = this.convert(a, 0));
      if (a instanceof Tensor) inputs.push(c as TensorInfo);
      else if (Array.isArray(a) && c !== a) {
        const list = c as unknown[];
        for (let j = 0; j < a.length; j++) if (a[j] instanceof Tensor) inputs.push(list[j] as TensorInfo);
      }
    }
    const row = new TraceRow(this.rows.length, "op", name, caller.depth + 1, caller, caller.module, converted, describe);
    row.inputs = inputs;
    this.push(row);
    return row;
  }

  onOpExit(token: unknown, output: unknown, error: unknown, failed: boolean): void {
    if (!(token instanceof TraceRow)) return;
    this.close(token, output, error, failed);
    if (!failed && (token.name === "view" || token.name === "reshape")) checkViewBatch(token);
  }

  /** Rows still open when the outermost call ended (a host abandoned the call): closed as they are. */
  closeAll(): void {
    this.open.length = 0;
    this.openOpaque.length = 0;
    this.frames.length = 0;
    this.frameRows.length = 0;
    this.ids.clear();
  }
}

