/**
 * Padding (`F.pad`): the last dims grow by the amounts given, last dim first.
 */
import { type OpSpec, family, isOptions, spec } from "../descriptor.js";
import { add } from "../sym.js";

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
    for (let i = 0; i * 2 < p.pad.length; i++) {
      const d = x.length - 1 - i;
      x[d] = add(x[d]!, p.pad[2 * i]! + p.pad[2 * i + 1]!);
      ctx.constrain("ge", x[d]!, 1, "output size");
    }
    return [x];
  },
  macs: () => 0,
});

/** `F.pad(input, pad, mode?, value?)` or `F.pad(input, pad, { mode, value })`. */
export function describePad(args: readonly unknown[]): OpSpec {
  const amounts = Array.isArray(args[1]) ? (args[1] as number[]) : [];
  const mode = typeof args[2] === "string" ? args[2] : isOptions(args[2]) ? String(args[2].mode ?? "constant") : "constant";
  return spec(pad, { pad: amounts, mode });
}
