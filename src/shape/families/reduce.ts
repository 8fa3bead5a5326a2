/**
 * Reductions (`sum`, `mean` over dims, with or without keepdim) and losses
 * (a scalar, or the input's shape with `reduction: "none"`).
 */
import { type OpSpec, type SymShape, family, isOptions, spec } from "../descriptor.js";
import { num } from "../sym.js";

export interface ReduceParams {
  readonly kind: string;
  /** The dims as given (a number, a list, or undefined for all). */
  readonly dim: number | readonly number[] | undefined;
  readonly keepdim: boolean;
  readonly [key: string]: unknown;
}

export const reduce = family<ReduceParams>({
  op: "reduce",
  args: (p) => (p.dim === undefined ? "" : `dim=${JSON.stringify(p.dim)}${p.keepdim ? ", keepdim=True" : ""}`),
  rule(ins, p) {
    const x = ins[0]!;
    if (p.dim === undefined) return [[]];
    const dims = (typeof p.dim === "number" ? [p.dim] : p.dim).map((d) => (d < 0 ? d + x.length : d));
    const out: SymShape = [];
    x.forEach((e, i) => {
      if (!dims.includes(i)) out.push(e);
      else if (p.keepdim) out.push(num(1));
    });
    return [out];
  },
  macs: () => 0,
});

/** `sum(x, dim?, keepdim?)` / `mean(...)`, or options objects. */
export function describeReduce(kind: string): (args: readonly unknown[]) => OpSpec {
  return (args) => {
    let dim: unknown = args[1];
    let keepdim: unknown = args[2];
    for (const a of args.slice(1)) {
      if (isOptions(a)) {
        if ("dim" in a) dim = a.dim;
        if ("keepdim" in a) keepdim = a.keepdim;
      }
    }
    if (isOptions(dim)) dim = undefined;
    const d = typeof dim === "number" || Array.isArray(dim) ? (dim as number | number[]) : undefined;
    return spec(reduce, { kind, dim: d, keepdim: keepdim === true });
  };
}

export interface LossParams {
  readonly reduction: string;
  readonly [key: string]: unknown;
}

export const loss = family<LossParams>({
  op: "loss",
  args: (p) => (p.reduction === "mean" ? "" : `reduction='${p.reduction}'`),
  rule: (ins, p) => [p.reduction === "none" ? ins[0]! : []],
  macs: () => 0,
});

/** A loss call: `F.mse_loss(input, target, options?)`. */
export function describeLoss(args: readonly unknown[]): OpSpec {
  const o = args.slice(2).find(isOptions);
  const r = typeof args[2] === "string" ? args[2] : o && typeof o.reduction === "string" ? o.reduction : "mean";
  return spec(loss, { reduction: r });
}
