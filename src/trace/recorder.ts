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
  private readonly ids = new WeakMap<Tensor, number>();
  private nextId = 0;
  private readonly frameRows = new Map<ModuleFrame, TraceRow | null>();
  /** Open rows, innermost last. */
  private readonly open: TraceRow[] = [];
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
    return {
      __info: true, shape: t.shape, dtype: t.dtype.name, itemsize: t.dtype.itemsize, id, meta: t.is_meta,
      isParameter: t instanceof Parameter,
    } as TensorInfo;
  }

  /** An argument with tensors replaced by their info (lists and option objects one level deep). */
  private convert(v: unknown, depth = 0): unknown {
    if (v instanceof Tensor) return this.info(v, false);
    if (depth > 1) return v;
    if (Array.isArray(v)) return v.some((x) => x instanceof Tensor || Array.isArray(x)) ? v.map((x) => this.convert(x, depth + 1)) : v;
    if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.convert(x, depth + 1);
      return out;
    }
    return v;
  }

  private inputInfos(args: readonly unknown[], assign: boolean): TensorInfo[] {
    const out: TensorInfo[] = [];
    for (const a of args) {
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
    if (this.options.timing) this.started[row.index] = performance.now();
  }

  private close(row: TraceRow, output: unknown, error: unknown, failed: boolean): void {
    const i = this.open.lastIndexOf(row);
    if (i >= 0) this.open.length = i;
    if (this.options.timing) row.timeMs = performance.now() - this.started[row.index]!;
    if (failed) {
      row.error = error;
      return;
    }
    const tensors = outputTensors(output);
    row.outputs = tensors.map((t) => this.info(t, true));
    if (this.options.keepActivations && tensors[0]) row.activation = tensors[0].detach();
  }

  onModuleEnter(frame: ModuleFrame, args: readonly unknown[]): void {
    const parent = this.open[this.open.length - 1] ?? null;
    // A module called from inside an op is part of that op.
    if ((parent !== null && parent.kind === "op") || insideHookedOp()) {
      this.frameRows.set(frame, null);
      return;
    }
    const row = new TraceRow(this.rows.length, "module", frame, parent === null ? 0 : parent.depth + 1, parent,
      frame.module as unknown as Module);
    // The outermost call's inputs are the trace's inputs: they get the first ids.
    row.inputs = this.inputInfos(args, parent === null);
    if (parent === null) this.tensorsOnly = args.every((a) => a instanceof Tensor);
    this.frameRows.set(frame, row);
    this.push(row);
    // A leaf layer's ops are part of its row: they run unreported (as plain calls) until it returns.
    if (isOpaque(row)) enterOpaque();
  }

  onModuleExit(frame: ModuleFrame, outcome: ModuleCallOutcome): void {
    const row = this.frameRows.get(frame);
    this.frameRows.delete(frame);
    if (!row) return;
    if (isOpaque(row)) exitOpaque();
    const failed = "error" in outcome && outcome.error !== undefined;
    this.close(row, outcome.output, outcome.error, failed);
    if (failed && row.parent === null) this.error = outcome.error;
  }

  onOpEnter(name: string, args: readonly unknown[], describe: Describer | null): unknown {
    const caller = this.open[this.open.length - 1];
    if (caller === undefined || caller.kind !== "module") return null;
    // Inside a leaf layer (not the outermost module) an op is part of the layer's row.
    if (isOpaque(caller)) return null;
    const row = new TraceRow(this.rows.length, "op", name, caller.depth + 1, caller, caller.module, args.map((a) => this.convert(a)), describe);
    row.inputs = this.inputInfos(args, false);
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
  }
}

