/**
 * The 3-D pooling families: `max_pool3d` / `avg_pool3d` (`nn.MaxPool3d`,
 * `nn.AvgPool3d`) over the last three dims with PyTorch's output size per axis
 * (dim.ts, ceil_mode included) and the check that it is at least 1, and
 * adaptive pooling to a given size (`nn.AdaptiveAvgPool3d([1, 4, 4])`), which
 * only needs a non-empty input.
 *
 * @example
 * spec(maxPool3d, pool3dParams(2)).args   // "2, 2"
 */
import { poolOutputSize } from "../dim.js";
import { type OpFamily, type OpSpec, family, isOptions, spec } from "../descriptor.js";
import { adaptiveOutput, windowOutput } from "./pool.js";
import { smallestInput, tooSmallStory } from "./stories.js";

type Triple = [number, number, number];

export interface Pool3dParams {
  readonly kernel: Triple;
  readonly stride: Triple;
  readonly padding: Triple;
  readonly dilation: Triple;
  readonly ceil_mode: boolean;
  readonly [key: string]: unknown;
}

/** `2` for `[2, 2, 2]`, else `(1, 2, 2)`. */
function show(t: readonly (number | null)[]): string {
  const s = t.map((v) => (v === null ? "None" : String(v)));
  return s.every((v) => v === s[0]) ? s[0]! : `(${s.join(", ")})`;
}

function pool3dFamily(op: "max_pool3d" | "avg_pool3d"): OpFamily<Pool3dParams> {
  const size = (p: Pool3dParams, a: number) => (x: number) =>
    poolOutputSize(x, p.kernel[a]!, p.padding[a]!, p.padding[a]!, p.stride[a]!, p.dilation[a]!, p.ceil_mode);
  return family<Pool3dParams>({
    op,
    args(p) {
      const extras: string[] = [];
      if (p.padding.some((v) => v !== 0)) extras.push(`padding=${show(p.padding)}`);
      if (p.dilation.some((v) => v !== 1)) extras.push(`dilation=${show(p.dilation)}`);
      if (p.ceil_mode) extras.push("ceil_mode=True");
      return [show(p.kernel), show(p.stride), ...extras].join(", ");
    },
    rule: (ins, p, ctx) => [windowOutput(ins[0]!, p, ctx)],
    macs: () => 0,
    story(f) {
      if (f.key.what !== "output size") return null;
      const p = f.params;
      const story = tooSmallStory(f, `${op} ${p.kernel.join("×")}`, [0, 1, 2].map((a) => smallestInput(size(p, a))), false);
      const x = f.row.inputs[0]?.shape ?? [];
      const out = [0, 1, 2].map((a) => size(p, a)(x[x.length - 3 + a] ?? 0));
      story.headline += `: output size ${out.join("×")}`;
      return story;
    },
  });
}

export const maxPool3d = pool3dFamily("max_pool3d");
export const avgPool3d = pool3dFamily("avg_pool3d");

/** `[v, v, v]` from `v`, `[v]` or three values, else `dflt`. */
function triple(v: unknown, dflt: Triple): Triple {
  if (typeof v === "number") return [v, v, v];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return [v[0], v[0], v[0]];
  if (Array.isArray(v) && v.length === 3 && v.every((e) => typeof e === "number")) return [v[0], v[1], v[2]];
  return dflt;
}

/** Pooling parameters with PyTorch's defaults: stride = kernel, no padding, dilation 1. */
export function pool3dParams(kernel: unknown, stride?: unknown, padding?: unknown, dilation?: unknown, ceil_mode?: unknown): Pool3dParams {
  const k = triple(kernel, [1, 1, 1]);
  const strideGiven = stride !== undefined && stride !== null && !(Array.isArray(stride) && stride.length === 0);
  return {
    kernel: k, stride: strideGiven ? triple(stride, k) : k, padding: triple(padding ?? 0, [0, 0, 0]),
    dilation: triple(dilation ?? 1, [1, 1, 1]), ceil_mode: ceil_mode === true,
  };
}

/** The call's arguments by name: positional after the input, then keywords from a trailing options object. */
function named(args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const last = args[args.length - 1];
  const positional = args.length > 1 && isOptions(last) ? args.slice(1, -1) : args.slice(1);
  names.forEach((n, i) => { if (i < positional.length) o[n] = positional[i]; });
  if (args.length > 1 && isOptions(last)) Object.assign(o, last);
  return o;
}

/** `F.max_pool3d(input, kernel, stride?, padding?, dilation?, ceil_mode?)`, or keywords in an options object. */
export function describeMaxPool3d(args: readonly unknown[]): OpSpec {
  const o = named(args, ["kernel_size", "stride", "padding", "dilation", "ceil_mode"]);
  return spec(maxPool3d, pool3dParams(o.kernel_size, o.stride, o.padding, o.dilation, o.ceil_mode));
}

/** `F.avg_pool3d(input, kernel, stride?, padding?, ceil_mode?, ...)`, or keywords in an options object. */
export function describeAvgPool3d(args: readonly unknown[]): OpSpec {
  const o = named(args, ["kernel_size", "stride", "padding", "ceil_mode"]);
  return spec(avgPool3d, pool3dParams(o.kernel_size, o.stride, o.padding, 1, o.ceil_mode));
}

export interface AdaptivePool3dParams {
  /** `null` keeps the input's size on that axis (PyTorch's None). */
  readonly output_size: [number | null, number | null, number | null];
  readonly [key: string]: unknown;
}

function adaptive3dFamily(op: "adaptive_avg_pool3d" | "adaptive_max_pool3d"): OpFamily<AdaptivePool3dParams> {
  return family<AdaptivePool3dParams>({
    op,
    args: (p) => show(p.output_size),
    rule: (ins, p, ctx) => [adaptiveOutput(ins[0]!, p.output_size, ctx)],
    macs: () => 0,
  });
}

export const adaptiveAvgPool3d = adaptive3dFamily("adaptive_avg_pool3d");
export const adaptiveMaxPool3d = adaptive3dFamily("adaptive_max_pool3d");

/** `[d, h, w]` output size from `5`, `[5, 7, 7]` or `[null, 7, 7]`. */
export function adaptive3dParams(size: unknown): AdaptivePool3dParams {
  if (typeof size === "number") return { output_size: [size, size, size] };
  if (Array.isArray(size) && size.length === 3) return { output_size: [size[0] ?? null, size[1] ?? null, size[2] ?? null] };
  if (Array.isArray(size) && size.length === 1) return { output_size: [size[0] ?? null, size[0] ?? null, size[0] ?? null] };
  return { output_size: [null, null, null] };
}

/** `F.adaptive_avg_pool3d(input, output_size)` / `F.adaptive_max_pool3d(...)`. */
export function describeAdaptive3d(op: "adaptive_avg_pool3d" | "adaptive_max_pool3d"): (args: readonly unknown[]) => OpSpec {
  const f = op === "adaptive_avg_pool3d" ? adaptiveAvgPool3d : adaptiveMaxPool3d;
  return (args) => spec(f, adaptive3dParams(named(args, ["output_size"]).output_size));
}
