/**
 * Padding (`F.pad`): the last dims grow by the amounts given, last dim first.
 */
import { type FailureContext, type OpSpec, type Story, family, isOptions, spec } from "../descriptor.js";
import { add } from "../sym.js";
import { dimDetails, sizeFixes } from "./stories.js";

export interface PadParams {
  readonly pad: readonly number[];
  readonly mode: string;
  readonly [key: string]: unknown;
}

export const pad = family<PadParams>({
  op: "pad",
  args: (p) => `(${p.pad.join(", ")})${p.mode === "constant" ? "" : `, '${p.mode}'`}`,
  rule(ins, p, ctx) {
    const x = [...ins[0]!];
    const least = leastOutput(p);
    for (let i = 0; i * 2 < p.pad.length; i++) {
      const d = x.length - 1 - i;
      const [before, after] = [p.pad[2 * i]!, p.pad[2 * i + 1]!];
      // Reflection mirrors inside the dim: each amount must be less than its size.
      if (p.mode === "reflect") ctx.constrain("ge", x[d]!, Math.max(before, after) + 1, `reflect padding fits dim ${d}`);
      x[d] = add(x[d]!, before + after);
      ctx.constrain("ge", x[d]!, least, `output size in dim ${d}`);
    }
    return [x];
  },
  macs: () => 0,
  story: (f) => (/^(output size|reflect padding fits) /.test(f.key.what) ? padStory(f) : null),
});

/** The smallest output size allowed: padding that only crops may leave an empty dim, other padding may not. */
function leastOutput(p: PadParams): number {
  return p.mode === "constant" && p.pad.every((a) => a <= 0) ? 0 : 1;
}

/** Padding that crops a dim to nothing, or reflects more than the dim holds. */
function padStory(f: FailureContext<PadParams>): Story {
  const { row, params: p } = f;
  const shape = row.inputs[0]?.shape ?? [];
  const d = Number(/dim (\d+)/.exec(f.key.what)?.[1] ?? shape.length - 1);
  const i = shape.length - 1 - d;
  const [before, after] = [p.pad[2 * i] ?? 0, p.pad[2 * i + 1] ?? 0];
  const x = shape[d] ?? 0;
  const reflect = f.key.what.startsWith("reflect");
  const need = reflect ? Math.max(before, after) + 1 : leastOutput(p) - before - after;
  const headline = reflect
    ? `${f.stepName(row)}(${row.spec.args}) reflects ${Math.max(before, after)} values in dim ${d}, which has ${x}; dim ${d} needs at least ${need}`
    : `${f.stepName(row)}(${row.spec.args}) leaves dim ${d} with ${x} ${before + after < 0 ? "−" : "+"} ${Math.abs(before + after)} = ${String(x + before + after).replace("-", "−")}; dim ${d} needs at least ${need}`;
  const fixes = sizeFixes(f, reflect ? "or pad with mode 'replicate' (any size of at least 1 works) or by less" : "or crop less (negative padding removes values)");
  return { headline, details: dimDetails(f, d), fixes };
}

/** `F.pad(input, pad, mode?, value?)` or `F.pad(input, pad, { mode, value })`. */
export function describePad(args: readonly unknown[]): OpSpec {
  const amounts = Array.isArray(args[1]) ? (args[1] as number[]) : [];
  const mode = typeof args[2] === "string" ? args[2] : isOptions(args[2]) ? String(args[2].mode ?? "constant") : "constant";
  return spec(pad, { pad: amounts, mode });
}
