/**
 * The pooling families: max and average pooling (`nn.MaxPool2d`,
 * `F.max_pool2d`, `nn.AvgPool2d`, `F.avg_pool2d`) with PyTorch's output size
 * (ceil_mode included, dim.ts) and the check that it is at least 1; adaptive
 * pooling (`nn.AdaptiveAvgPool2d([5, 5])`), whose output size is given and
 * which only needs a non-empty input.
 *
 * @example
 * describeMaxPool2d([x, 2]).args     // "2, 2"
 */
import { outputNonEmpty, poolOutputSize } from "../dim.js";
import { type OpFamily, type OpSpec, type RuleContext, type SymShape, check, family, isOptions, pairArg, showPair, spec } from "../descriptor.js";
import { num } from "../sym.js";
import { smallestInput, tooSmallStory } from "./stories.js";

export interface Pool2dParams {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceil_mode: boolean;
  readonly [key: string]: unknown;
}

function poolFamily(op: "max_pool2d" | "avg_pool2d"): OpFamily<Pool2dParams> {
  const size = (p: Pool2dParams, a: 0 | 1) => (x: number) =>
    poolOutputSize(x, p.kernel[a], p.padding[a], p.padding[a], p.stride[a], p.dilation[a], p.ceil_mode);
  return family<Pool2dParams>({
    op,
    args(p) {
      const extras: string[] = [];
      if (p.padding[0] !== 0 || p.padding[1] !== 0) extras.push(`padding=${showPair(p.padding)}`);
      if (p.dilation[0] !== 1 || p.dilation[1] !== 1) extras.push(`dilation=${showPair(p.dilation)}`);
      if (p.ceil_mode) extras.push("ceil_mode=True");
      return [showPair(p.kernel), showPair(p.stride), ...extras].join(", ");
    },
    rule: (ins, p, ctx) => [windowOutput(ins[0]!, p, ctx)],
    macs: () => 0,
    story(f) {
      if (f.key.what !== "output size") return null;
      const p = f.params;
      const story = tooSmallStory(f, `${op} ${p.kernel[0]}×${p.kernel[1]}`, [smallestInput(size(p, 0)), smallestInput(size(p, 1))], false);
      const x = f.row.inputs[0]?.shape ?? [];
      const [oh, ow] = [size(p, 0)(x[x.length - 2] ?? 0), size(p, 1)(x[x.length - 1] ?? 0)];
      story.headline += `: output size ${oh === ow ? oh : `${oh}×${ow}`}`;
      return story;
    },
  });
}

export const maxPool2d = poolFamily("max_pool2d");
export const avgPool2d = poolFamily("avg_pool2d");

/** Pooling parameters with PyTorch's defaults: stride = kernel, no padding, dilation 1. */
export function pool2dParams(kernel: unknown, stride?: unknown, padding?: unknown, dilation?: unknown, ceil_mode?: unknown): Pool2dParams {
  const k = pairArg(kernel, [1, 1]);
  // PyTorch's stride=None (or an empty tuple) means "the kernel size".
  const strideGiven = stride !== undefined && stride !== null && !(Array.isArray(stride) && stride.length === 0);
  return {
    kernel: k, stride: strideGiven ? pairArg(stride, k) : k, padding: pairArg(padding ?? 0, [0, 0]),
    dilation: pairArg(dilation ?? 1, [1, 1]), ceil_mode: ceil_mode === true,
  };
}

/** `F.max_pool2d(input, kernel, stride?, padding?, dilation?, ceil_mode?)` or an options object after the kernel. */
export function describeMaxPool2d(args: readonly unknown[]): OpSpec {
  const o = isOptions(args[2]) ? args[2] : { stride: args[2], padding: args[3], dilation: args[4], ceil_mode: args[5] };
  return spec(maxPool2d, pool2dParams(args[1], o.stride, o.padding, o.dilation, o.ceil_mode));
}

/** `F.avg_pool2d(input, kernel, stride?, padding?, ceil_mode?, ...)` or an options object after the kernel. */
export function describeAvgPool2d(args: readonly unknown[]): OpSpec {
  const o = isOptions(args[2]) ? args[2] : { stride: args[2], padding: args[3], ceil_mode: args[4] };
  return spec(avgPool2d, pool2dParams(args[1], o.stride, o.padding, 1, o.ceil_mode));
}

/** A pooling window per pooled axis (the last `kernel.length` dims). */
export interface PoolWindows {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly ceil_mode: boolean;
}

/**
 * Windowed pooling's output, for every rank: each pooled dim becomes PyTorch's output size
 * (dim.ts), which must be at least 1.
 */
export function windowOutput(x: SymShape, p: PoolWindows, ctx: RuleContext): SymShape {
  const out = [...x];
  p.kernel.forEach((k, a) => {
    const d = x.length - p.kernel.length + a;
    out[d] = poolOutputSize(x[d]!, k, p.padding[a]!, p.padding[a]!, p.stride[a]!, p.dilation[a]!, p.ceil_mode);
    check(ctx, outputNonEmpty(out[d]!));
  });
  return out;
}

// ---------------------------------------------------------------- adaptive

/**
 * Adaptive pooling's output, for every rank: the last `sizes.length` dims become the sizes asked
 * for (`null` keeps the input's), and each pooled dim of the input must be non-empty.
 */
export function adaptiveOutput(x: SymShape, sizes: readonly (number | null | undefined)[], ctx: RuleContext): SymShape {
  const out = [...x];
  sizes.forEach((o, a) => {
    const d = x.length - sizes.length + a;
    ctx.constrain("ge", x[d]!, 1, "non-empty input");
    if (o !== null && o !== undefined) out[d] = num(o);
  });
  return out;
}

export interface AdaptivePoolParams {
  /** `null` keeps the input's size on that axis (PyTorch's None). */
  readonly output_size: [number | null, number | null];
  readonly [key: string]: unknown;
}

function adaptiveFamily(op: "adaptive_avg_pool2d" | "adaptive_max_pool2d"): OpFamily<AdaptivePoolParams> {
  return family<AdaptivePoolParams>({
    op,
    args(p) {
      const show = p.output_size.map((v) => (v === null ? "None" : String(v)));
      return show[0] === show[1] ? show[0]! : `${show[0]}, ${show[1]}`;
    },
    rule: (ins, p, ctx) => [adaptiveOutput(ins[0]!, p.output_size, ctx)],
    macs: () => 0,
  });
}

export const adaptiveAvgPool2d = adaptiveFamily("adaptive_avg_pool2d");
export const adaptiveMaxPool2d = adaptiveFamily("adaptive_max_pool2d");

/** `[h, w]` output size from `5`, `[5, 7]` or `[null, 7]`. */
export function adaptiveParams(size: unknown): AdaptivePoolParams {
  if (typeof size === "number") return { output_size: [size, size] };
  if (Array.isArray(size)) return { output_size: [size[0] ?? null, (size.length === 1 ? size[0] : size[1]) ?? null] };
  return { output_size: [null, null] };
}

/** `F.adaptive_avg_pool2d(input, output_size)` / `F.adaptive_max_pool2d(...)`. */
export function describeAdaptive(op: "adaptive_avg_pool2d" | "adaptive_max_pool2d"): (args: readonly unknown[]) => OpSpec {
  const f = op === "adaptive_avg_pool2d" ? adaptiveAvgPool2d : adaptiveMaxPool2d;
  return (args) => spec(f, adaptiveParams(args[1]));
}
