/**
 * Sequence and attention families: `embedding` (indices → vectors: the
 * input's shape plus `embedding_dim`), the normalisations over trailing dims
 * (`layer_norm`, `rms_norm`: those dims must be `normalized_shape`;
 * `group_norm`: channels `num_channels`, split in `num_groups`;
 * `instance_norm`: channels), recurrent layers (`rnn`: the feature dim must be
 * `input_size`, with the `batch_first` story), and
 * `scaled_dot_product_attention` (query and key share the embedding dim, key
 * and value the source length).
 *
 * @example
 * spec(rnn, { mode: "LSTM", input_size: 10, hidden_size: 20, batch_first: true, bidirectional: false }).args
 * // "10, 20, batch_first=True"
 */
import { type FailureContext, type OpSpec, type Story, family, isTensorArg, numArg, spec } from "../descriptor.js";
import { num } from "../sym.js";

export const embedding = family<{ num_embeddings: number; embedding_dim: number }>({
  op: "embedding",
  args: (p) => `${p.num_embeddings}, ${p.embedding_dim}`,
  rule: (ins, p) => [[...ins[0]!, num(p.embedding_dim)]],
  macs: () => 0,
});

/** `F.embedding(input, weight, ...)`: the table's shape. */
export function describeEmbedding(args: readonly unknown[]): OpSpec {
  const w = isTensorArg(args[1]) ? args[1].shape : [0, 0];
  return spec(embedding, { num_embeddings: w[0] ?? 0, embedding_dim: w[1] ?? 0 });
}

export interface TrailingNormParams {
  readonly normalized_shape: readonly number[];
  readonly [key: string]: unknown;
}

function trailingStory(f: FailureContext<TrailingNormParams>): Story {
  const shape = f.row.inputs[0]?.shape ?? [];
  const want = f.params.normalized_shape;
  const got = shape.slice(shape.length - want.length);
  return {
    headline: `${f.who(f.row)} normalises the last ${want.length === 1 ? "dim" : `${want.length} dims`} as (${want.join(", ")}), got (${got.join(", ")}) from (${shape.join(", ")})`,
    details: [],
    fixes: [`set normalized_shape to (${got.join(", ")})`, "or move the normalised dims last (x.permute / x.transpose) before the layer"],
  };
}

function trailingNorm(op: string) {
  return family<TrailingNormParams>({
    op,
    args: (p) => `(${p.normalized_shape.join(", ")})`,
    rule(ins, p, ctx) {
      const x = ins[0]!;
      p.normalized_shape.forEach((d, i) => {
        const at = x.length - p.normalized_shape.length + i;
        if (at >= 0) ctx.constrain("eq", x[at]!, d, "normalized_shape");
      });
      return [x];
    },
    keepsShape: true,
    story: (f) => (f.key.what === "normalized_shape" ? trailingStory(f) : null),
  });
}

export const layerNorm = trailingNorm("layer_norm");
export const rmsNorm = trailingNorm("rms_norm");

/** `F.layer_norm(input, normalized_shape, ...)` / `F.rms_norm(...)`. */
export function describeTrailingNorm(op: "layer_norm" | "rms_norm"): (args: readonly unknown[]) => OpSpec {
  return (args) => spec(op === "layer_norm" ? layerNorm : rmsNorm, {
    normalized_shape: typeof args[1] === "number" ? [args[1]] : Array.isArray(args[1]) ? (args[1] as number[]) : [],
  });
}

export const groupNorm = family<{ num_groups: number; num_channels: number | undefined }>({
  op: "group_norm",
  args: (p) => `${p.num_groups}, ${p.num_channels ?? "?"}`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    if (x.length >= 2) {
      if (p.num_channels !== undefined) ctx.constrain("eq", x[1]!, p.num_channels, "num_channels");
      ctx.constrain("divisible", x[1]!, p.num_groups, "channels split into groups");
    }
    return [x];
  },
  keepsShape: true,
});

/** `F.group_norm(input, num_groups, weight?, ...)`. */
export function describeGroupNorm(args: readonly unknown[]): OpSpec {
  return spec(groupNorm, { num_groups: numArg(args[1], 1), num_channels: isTensorArg(args[2]) ? args[2].shape[0] : undefined });
}

export const instanceNorm = family<{ num_features: number | undefined }>({
  op: "instance_norm",
  args: (p) => (p.num_features === undefined ? "" : String(p.num_features)),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    if (p.num_features !== undefined && x.length >= 2) ctx.constrain("eq", x[x.length === 3 || x.length === 2 ? 0 : 1]!, p.num_features, "num_features");
    return [x];
  },
  keepsShape: true,
});

export const describeInstanceNorm = (): OpSpec => spec(instanceNorm, { num_features: undefined });

// ---------------------------------------------------------------- recurrent layers

export interface RnnParams {
  /** `RNN_TANH`, `LSTM`, `GRU`, ... as the layer names it. */
  readonly mode: string;
  readonly input_size: number;
  readonly hidden_size: number;
  readonly batch_first: boolean;
  readonly bidirectional: boolean;
  readonly [key: string]: unknown;
}

function rnnStory(f: FailureContext<RnnParams>): Story {
  const p = f.params;
  const shape = f.row.inputs[0]?.shape ?? [];
  const got = shape[shape.length - 1];
  const layout = p.batch_first ? "(batch, seq, feature)" : "(seq, batch, feature)";
  const fixes: string[] = [];
  // A feature size sitting in another dim: the layout is what is wrong.
  const at = shape.indexOf(p.input_size);
  if (at >= 0 && at !== shape.length - 1) {
    fixes.push(`the input has ${p.input_size} in dim ${at}: put the features last, e.g. x.transpose(${at}, ${shape.length - 1})`);
  }
  fixes.push(`or set input_size=${got}`);
  return {
    headline: `${f.who(f.row)} expects ${p.input_size} features in the last dim (input_size=${p.input_size}), got ${got} from (${shape.join(", ")})`,
    details: [`with batch_first=${p.batch_first ? "True" : "False"} the input reads as ${layout}`],
    fixes,
  };
}

export const rnn = family<RnnParams>({
  op: "rnn",
  args: (p) => `${p.input_size}, ${p.hidden_size}${p.batch_first ? ", batch_first=True" : ""}${p.bidirectional ? ", bidirectional=True" : ""}`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    ctx.constrain("eq", x[x.length - 1]!, p.input_size, "input_size");
    return [[...x.slice(0, -1), num(p.hidden_size * (p.bidirectional ? 2 : 1))]];
  },
  story: (f) => (f.key.what === "input_size" ? rnnStory(f) : null),
});

// ---------------------------------------------------------------- attention

function attentionStory(f: FailureContext): Story {
  const [q, k, v] = f.row.inputs.map((t) => t.shape);
  const show = (s: readonly number[] | undefined) => `(${(s ?? []).join(", ")})`;
  const embed = f.key.what === "embedding dims match";
  return {
    headline: embed
      ? `${f.stepName(f.row)}: query and key must share the embedding dim, got ${show(q)} and ${show(k)}`
      : `${f.stepName(f.row)}: key and value must share the source length, got ${show(k)} and ${show(v)}`,
    details: [],
    fixes: [embed ? "project query and key to the same size (nn.Linear) before attending" : "give key and value the same sequence"],
  };
}

export const attention = family<Record<string, never>>({
  op: "attention",
  args: () => "",
  rule(ins, _p, ctx) {
    const [q, k, v] = [ins[0]!, ins[1]!, ins[2]!];
    ctx.constrain("eq", q[q.length - 1]!, k[k.length - 1]!, "embedding dims match");
    ctx.constrain("eq", k[k.length - 2]!, v[v.length - 2]!, "source lengths match");
    return [[...q.slice(0, -1), v[v.length - 1]!]];
  },
  story: (f) => attentionStory(f),
});

export const describeAttention = (): OpSpec => spec(attention, {});
