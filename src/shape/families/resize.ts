/**
 * Resizing: `F.interpolate` / `F.upsample*` / `nn.Upsample`. Each spatial
 * size becomes the requested size, or `trunc(size·scale)` (dim.ts), which must
 * stay at least 1.
 *
 * @example
 * resizeSpec([32, 32], null, "bilinear", false).args   // "size=(32, 32), mode='bilinear'"
 */
import { outputNonEmpty, scaledOutputSize } from "../dim.js";
import { type FailureContext, type OpSpec, type Story, check, family, isOptions, spec } from "../descriptor.js";
import { num } from "../sym.js";
import { dimDetails, sizeFixes, smallestInput } from "./stories.js";

export interface ResizeParams {
  readonly size: number | readonly number[] | null;
  readonly scale_factor: number | readonly number[] | null;
  readonly mode: string;
  readonly align_corners: boolean;
  readonly [key: string]: unknown;
}

export const interpolate = family<ResizeParams>({
  op: "interpolate",
  args(p) {
    const show = (v: unknown) => (Array.isArray(v) ? `(${v.join(", ")})` : String(v));
    const parts: string[] = [];
    if (p.size !== null) parts.push(`size=${show(p.size)}`);
    if (p.scale_factor !== null) parts.push(`scale_factor=${show(p.scale_factor)}`);
    parts.push(`mode='${p.mode}'`);
    if (p.align_corners) parts.push("align_corners=True");
    return parts.join(", ");
  },
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const out = [...x];
    for (let d = 2; d < x.length; d++) {
      const axis = d - 2;
      if (p.size !== null) {
        out[d] = num(Array.isArray(p.size) ? (p.size[axis] as number) : (p.size as number));
        check(ctx, outputNonEmpty(x[d]!, `output size in dim ${d}`));
      } else {
        out[d] = scaledOutputSize(x[d]!, scaleOf(p, axis));
        check(ctx, outputNonEmpty(out[d]!, `output size in dim ${d}`));
      }
    }
    return [out];
  },
  macs: () => 0,
  story: (f) => (f.key.what.startsWith("output size in dim") ? resizeStory(f) : null),
});

function scaleOf(p: ResizeParams, axis: number): number {
  return Array.isArray(p.scale_factor) ? (p.scale_factor[axis] as number) : (p.scale_factor as number);
}

/** A resize whose output (or input) is empty: `⌊3×0.25⌋ = 0`, and the smallest input that gives 1. */
function resizeStory(f: FailureContext<ResizeParams>): Story {
  const { row, params: p } = f;
  const d = Number(/dim (\d+)/.exec(f.key.what)?.[1] ?? 2);
  const shape = row.inputs[0]?.shape ?? [];
  const x = shape[d] ?? 0;
  const name = `${f.stepName(row)}(${row.spec.args})`;
  let headline: string;
  if (p.size !== null) {
    headline = `${name} needs a non-empty input, got dim ${d} = ${x} in (${shape.join(", ")})`;
  } else {
    const s = scaleOf(p, d - 2);
    headline = `${name} turns dim ${d} = ${x} into ⌊${x}×${s}⌋ = ${scaledOutputSize(x, s)}; ` +
      `it needs an input of at least ${smallestInput((v) => scaledOutputSize(v, s))}`;
  }
  const fixes = sizeFixes(f, ...(p.size === null ? ["or resize to a fixed size (size=[h, w] instead of scale_factor), which every input reaches"] : []));
  return { headline, details: dimDetails(f, d), fixes };
}

/** A resize as PyTorch's keywords read it. */
export function resizeSpec(size: unknown, scale: unknown, mode: unknown, alignCorners: unknown): OpSpec {
  return spec(interpolate, {
    size: (size ?? null) as ResizeParams["size"], scale_factor: (scale ?? null) as ResizeParams["scale_factor"],
    mode: typeof mode === "string" ? mode : "nearest", align_corners: alignCorners === true,
  });
}

/**
 * `F.interpolate(input, size?, scale_factor?, mode?, align_corners?)` or an options object after the
 * input; `F.upsample_nearest` / `F.upsample_bilinear` fix the mode.
 */
export function describeResize(fixedMode: "nearest" | "bilinear" | null): (args: readonly unknown[]) => OpSpec {
  return (args) => {
    const rest = args.slice(1);
    const o: Record<string, unknown> = isOptions(rest[rest.length - 1]) ? (rest.pop() as Record<string, unknown>) : {};
    if (fixedMode !== null) return resizeSpec(o.size ?? rest[0], o.scale_factor ?? rest[1], fixedMode, fixedMode === "bilinear");
    return resizeSpec(o.size ?? rest[0], o.scale_factor ?? rest[1], o.mode ?? rest[2] ?? "nearest", o.align_corners ?? rest[3]);
  };
}
