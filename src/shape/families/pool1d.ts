/**
 * The 1-D pooling families: `max_pool1d` / `avg_pool1d` (`nn.MaxPool1d`,
 * `nn.AvgPool1d`) over the last dim with PyTorch's output length (dim.ts,
 * ceil_mode included) and the check that it is at least 1, and adaptive
 * pooling to a given length (`nn.AdaptiveAvgPool1d(5)`), which only needs a
 * non-empty input.
 *
 * @example
 * spec(maxPool1d, pool1dParams(3, 2)).args   // "3, 2"
 */
import { poolOutputSize } from "../dim.js";
import { type OpFamily, type OpSpec, family, isOptions, spec } from "../descriptor.js";
import { adaptiveOutput, windowOutput } from "./pool.js";
import { smallestInput, tooSmallStory } from "./stories.js";

export interface Pool1dParams {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceil_mode: boolean;
  readonly [key: string]: unknown;
}

function pool1dFamily(op: "max_pool1d" | "avg_pool1d"): OpFamily<Pool1dParams> {
  const size = (p: Pool1dParams) => (x: number) => poolOutputSize(x, p.kernel, p.padding, p.padding, p.stride, p.dilation, p.ceil_mode);
  return family<Pool1dParams>({
    op,
    args(p) {
      const extras: string[] = [];
      if (p.padding !== 0) extras.push(`padding=${p.padding}`);
      if (p.dilation !== 1) extras.push(`dilation=${p.dilation}`);
      if (p.ceil_mode) extras.push("ceil_mode=True");
      return [p.kernel, p.stride, ...extras].join(", ");
    },
    rule: (ins, p, ctx) =>
      [windowOutput(ins[0]!, { kernel: [p.kernel], stride: [p.stride], padding: [p.padding], dilation: [p.dilation], ceil_mode: p.ceil_mode }, ctx)],
    macs: () => 0,
    story(f) {
      if (f.key.what !== "output size") return null;
      const p = f.params;
      const story = tooSmallStory(f, `${op} ${p.kernel}`, [smallestInput(size(p))], false);
      const x = f.row.inputs[0]?.shape ?? [];
      story.headline += `: output length ${size(p)(x[x.length - 1] ?? 0)}`;
      return story;
    },
  });
}

export const maxPool1d = pool1dFamily("max_pool1d");
export const avgPool1d = pool1dFamily("avg_pool1d");

/** One int from `3` or `[3]`, else `dflt`. */
function one(v: unknown, dflt: number): number {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return v[0];
  return dflt;
}

/** Pooling parameters with PyTorch's defaults: stride = kernel, no padding, dilation 1. */
export function pool1dParams(kernel: unknown, stride?: unknown, padding?: unknown, dilation?: unknown, ceil_mode?: unknown): Pool1dParams {
  const k = one(kernel, 1);
  const strideGiven = stride !== undefined && stride !== null && !(Array.isArray(stride) && stride.length === 0);
  return { kernel: k, stride: strideGiven ? one(stride, k) : k, padding: one(padding, 0), dilation: one(dilation, 1), ceil_mode: ceil_mode === true };
}

/** `F.max_pool1d(input, kernel, stride?, padding?, dilation?, ceil_mode?)`, or keywords in an options object. */
export function describeMaxPool1d(args: readonly unknown[]): OpSpec {
  const o = { kernel_size: args[1], stride: args[2], padding: args[3], dilation: args[4], ceil_mode: args[5] } as Record<string, unknown>;
  const last = args[args.length - 1];
  if (args.length > 1 && isOptions(last)) Object.assign(o, last);
  return spec(maxPool1d, pool1dParams(o.kernel_size, isOptions(o.stride) ? undefined : o.stride, o.padding, o.dilation, o.ceil_mode));
}

/** `F.avg_pool1d(input, kernel, stride?, padding?, ceil_mode?, ...)`, or keywords in an options object. */
export function describeAvgPool1d(args: readonly unknown[]): OpSpec {
  const o = { kernel_size: args[1], stride: args[2], padding: args[3], ceil_mode: args[4] } as Record<string, unknown>;
  const last = args[args.length - 1];
  if (args.length > 1 && isOptions(last)) Object.assign(o, last);
  return spec(avgPool1d, pool1dParams(o.kernel_size, isOptions(o.stride) ? undefined : o.stride, o.padding, 1, o.ceil_mode));
}

export interface AdaptivePool1dParams {
  readonly output_size: number;
  readonly [key: string]: unknown;
}

function adaptive1dFamily(op: "adaptive_avg_pool1d" | "adaptive_max_pool1d"): OpFamily<AdaptivePool1dParams> {
  return family<AdaptivePool1dParams>({
    op,
    args: (p) => String(p.output_size),
    rule: (ins, p, ctx) => [adaptiveOutput(ins[0]!, [p.output_size], ctx)],
    macs: () => 0,
  });
}

export const adaptiveAvgPool1d = adaptive1dFamily("adaptive_avg_pool1d");
export const adaptiveMaxPool1d = adaptive1dFamily("adaptive_max_pool1d");

/** `F.adaptive_avg_pool1d(input, output_size)` / `F.adaptive_max_pool1d(...)`. */
export function describeAdaptive1d(op: "adaptive_avg_pool1d" | "adaptive_max_pool1d"): (args: readonly unknown[]) => OpSpec {
  const f = op === "adaptive_avg_pool1d" ? adaptiveAvgPool1d : adaptiveMaxPool1d;
  return (args) => spec(f, { output_size: one(isOptions(args[1]) ? args[1].output_size : args[1], 1) });
}
