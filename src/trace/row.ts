/**
 * One step of a traced forward: a module call (`conv1`, a `Sequential`) or a
 * functional op called inside a module's `forward` (`F.max_pool2d`,
 * `x.view(-1, 400)`). Rows nest like the calls did: a module's row holds the
 * rows of the submodules and ops it called.
 *
 * A row keeps shapes, dtypes and op parameters, never tensor values (unless
 * the trace was asked to keep activations). Tensors are known by an id, so a
 * later row can say which earlier row produced its input (residual branches
 * included).
 *
 * @example
 * const t = trace(net, [1, 1, 32, 32]);
 * const conv1 = t.row("conv1")!;
 * conv1.inputs[0].shape    // [1, 1, 32, 32]
 * conv1.outputs[0].shape   // [1, 6, 28, 28]
 * conv1.spec.params        // { in_channels: 1, out_channels: 6, kernel: [5, 5], stride: [1, 1], ... }
 */
import { ArgumentError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import type { ModuleFrame } from "../nn/call-context.js";
import { is_lazy } from "../nn/parameter.js";
import { type Describer, type OpSpec, container, spec, unknownOp } from "../shape/descriptor.js";
import type { FeatureMapImage } from "../render/heatmap.js";
import { type FeatureMapsOptions, featureMaps } from "./feature-maps.js";

/** What a row knows about one tensor. */
export interface TensorInfo {
  readonly shape: readonly number[];
  /** dtype name: "float32", "int64", ... */
  readonly dtype: string;
  /** Bytes per element. */
  readonly itemsize: number;
  /** Identity within the trace (the root input is 0); -1 for tensors made outside the traced calls. */
  readonly id: number;
  readonly meta: boolean;
  /** An `nn.Parameter` (a layer's weight passed to a functional op). */
  readonly isParameter: boolean;
}

/** True for a value recorded in place of a tensor. */
export function isTensorInfo(v: unknown): v is TensorInfo {
  return typeof v === "object" && v !== null && (v as { __info?: boolean }).__info === true;
}

export type RowKind = "module" | "op";

export class TraceRow {
  /** Children: the submodule calls and ops recorded inside this call. */
  readonly children: TraceRow[] = [];
  inputs: readonly TensorInfo[] = [];
  outputs: readonly TensorInfo[] = [];
  /** The error this call threw (set on every row it passed through). */
  error: unknown = undefined;
  /** A problem that did not stop the run (a view that mixes samples of a batch). */
  warning: string | null = null;
  /** Wall time of the call in milliseconds, when the trace measured time. */
  timeMs: number | null = null;
  /** The output tensor, when the trace keeps activations. */
  activation: Tensor | null = null;
  private cachedSpec: OpSpec | undefined;

  private cachedPath: string | undefined;

  constructor(
    /** Position in call order (0 is the outermost module). */
    readonly index: number,
    readonly kind: RowKind,
    /**
     * Module rows: the call's frame, which names the module lazily (a name
     * costs a search of the parent's children, paid only when shown); op
     * rows: the op's name (`F.max_pool2d`, `view`).
     */
    private readonly source: ModuleFrame | string,
    /** Nesting depth (0 for the outermost module). */
    readonly depth: number,
    readonly parent: TraceRow | null,
    /** Module rows: the module called; op rows: the module whose forward called the op. */
    readonly module: Module,
    /** Op rows: the arguments, with tensors replaced by {@link TensorInfo}. */
    readonly args: readonly unknown[] = [],
    /** Op rows: what reads the arguments into the op's family call (from the op hook). */
    private readonly describe: Describer | null = null,
  ) {}

  /** Module rows: the attribute name (`conv1`, `0`); op rows: the op (`F.max_pool2d`, `view`). */
  get name(): string {
    return typeof this.source === "string" ? this.source : this.source.name;
  }

  /** Module rows: the qualified path (`features.0`, "" for the outermost); op rows: `Net.forward › F.max_pool2d`. */
  get path(): string {
    if (this.cachedPath === undefined) {
      if (typeof this.source !== "string") this.cachedPath = this.source.path;
      else {
        const caller = this.parent!;
        this.cachedPath = `${caller.parent === null ? caller.type : caller.path}.forward › ${this.source}`;
      }
    }
    return this.cachedPath;
  }

  /** Module rows: the class name (`Conv2d`); op rows: the op name. */
  get type(): string {
    return typeof this.source === "string" ? this.source : this.source.typeName;
  }

  /** True when the call threw. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** True for a row with no recorded children: a layer, an op, or a module whose insides are not shown. */
  get isLeaf(): boolean {
    return this.children.length === 0;
  }

  /**
   * The op this row performs, as a call of its op family (src/shape/descriptor.ts): a layer's
   * `op_spec()`, an op's describer applied to its recorded arguments; a module without a spec is a
   * container when it recorded children, else an unknown step.
   */
  get spec(): OpSpec {
    if (this.cachedSpec === undefined) {
      let s: OpSpec | null = null;
      try {
        s = this.kind === "module" ? this.module.op_spec() : (this.describe?.(this.args) ?? null);
      } catch {
        s = null;
      }
      this.cachedSpec = s ?? spec(this.kind === "module" && this.module._modules.size > 0 ? container : unknownOp, {});
    }
    return this.cachedSpec;
  }

  /**
   * Parameters counted on this row: a leaf module's parameters (all of them),
   * a container's own (not its children's), an op's `nn.Parameter` arguments.
   */
  get params(): number {
    return this.countParams(false);
  }

  /** The trainable part of {@link params}. */
  get trainableParams(): number {
    return this.countParams(true);
  }

  /** Bytes of {@link params}. */
  get paramBytes(): number {
    if (this.kind === "op") return this.args.flat().filter(isTensorInfo).filter((t) => t.isParameter).reduce((n, t) => n + numel(t.shape) * t.itemsize, 0);
    const list = this.children.some((c) => c.kind === "module") ? this.module.parameters(false) : this.module.parameters();
    return list.reduce((n, p) => n + (is_lazy(p) ? 0 : p.numel() * p.dtype.itemsize), 0);
  }

  /**
   * Multiply-adds, counted the way torchinfo counts them (the family's count: conv is params × output
   * positions, linear params × rows, a matrix product M·N·K); a container counts none of its own.
   */
  get macs(): number {
    const out = this.outputs[0];
    if (!out || this.failed) return 0;
    const s = this.spec;
    if (this.kind === "module" && !this.isLeaf) return 0;
    if (s.family.macs) return s.family.macs({ inputs: this.inputs, outputs: this.outputs, params: this.params }, s.params);
    return this.params * (out.shape[0] ?? 1);
  }

  /** The calling module's class name for op rows (`Net`), this module's class for module rows. */
  get moduleType(): string {
    return this.module._get_name();
  }

  /** Bytes of this row's outputs. */
  get outputBytes(): number {
    return this.outputs.reduce((n, t) => n + numel(t.shape) * t.itemsize, 0);
  }

  /**
   * The feature maps this row produced (a trace made with `keepActivations`
   * and a real input), as a heatmap grid titled with the row.
   *
   * @example
   * trace(net, x, { keepActivations: true }).row("conv1")!.featureMaps()
   */
  featureMaps(options: FeatureMapsOptions = {}): FeatureMapImage {
    if (this.activation === null) {
      throw new ArgumentError(`row '${this.path || this.type}' kept no activation: trace with { keepActivations: true } and a real input`, "row", "ValueError");
    }
    const title = this.kind === "module" ? `${this.path || this.type} · ${this.type}(${this.spec.args})` : this.path;
    return featureMaps(this.activation, { title, ...options }) as FeatureMapImage;
  }

  private countParams(trainableOnly: boolean): number {
    if (this.kind === "op") {
      let n = 0;
      for (const a of this.args.flat()) if (isTensorInfo(a) && a.isParameter) n += numel(a.shape);
      return n;
    }
    // A container shows only what its children do not (torchinfo's "leftover" parameters).
    const recurse = !this.children.some((c) => c.kind === "module");
    let n = 0;
    for (const p of this.module.parameters(recurse)) {
      if (trainableOnly && !p.requires_grad) continue;
      if (is_lazy(p)) continue;
      n += p.numel();
    }
    return n;
  }
}

/** Product of a shape's dims. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
