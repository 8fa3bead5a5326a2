/**
 * Normalisation (`nn.BatchNorm1d/2d`, `F.batch_norm`): the shape is kept and
 * dim 1 must be `num_features`.
 */
import { type FailureContext, type OpSpec, type Story, family, isTensorArg, spec } from "../descriptor.js";

export interface NormParams {
  readonly num_features: number | undefined;
  readonly [key: string]: unknown;
}

function featuresStory(f: FailureContext<NormParams>): Story {
  const { row } = f;
  const got = row.inputs[0]?.shape[1];
  const src = f.origin(row.inputs[0]?.id ?? -1);
  return {
    headline: `${f.who(row)} expects ${f.params.num_features} features in dim 1 (num_features=${f.params.num_features}), got ${got}`,
    details: [src ? `the ${got} come from ${f.call(src)}` : `the input (${(row.inputs[0]?.shape ?? []).join(", ")}) has ${got}`],
    fixes: [`set num_features=${got}`],
  };
}

export const batchNorm = family<NormParams>({
  op: "batch_norm",
  args: (p) => (p.num_features === undefined ? "" : String(p.num_features)),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    if (typeof p.num_features === "number" && x.length >= 2) ctx.constrain("eq", x[1]!, p.num_features, "num_features");
    return [x];
  },
  keepsShape: true,
  story: (f) => (f.key.what === "num_features" ? featuresStory(f) : null),
});

/** `F.batch_norm(input, running_mean, running_var, ...)`: the features from the running statistics' size. */
export function describeBatchNorm(args: readonly unknown[]): OpSpec {
  return spec(batchNorm, { num_features: isTensorArg(args[1]) ? args[1].shape[0] : undefined });
}
