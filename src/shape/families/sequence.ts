/**
 * Sequence and attention families: `embedding` (indices → vectors: the
 * input's shape plus `embedding_dim`), the normalisations over trailing dims
 * (`layer_norm`, `rms_norm`: those dims must be `normalized_shape`;
 * `group_norm`: channels `num_channels`, split in `num_groups`;
 * `instance_norm`: channels), recurrent layers (`rnn`: the feature dim must be
 * `input_size`, initial states share the input's batch; the story reads the
 * input as `batch_first` does: seq, batch and feature dims), `multihead_attention`
 * (`nn.MultiheadAttention`: batches agree in the dim `batch_first` names,
 * features are `embed_dim`/`kdim`/`vdim`, key and value share a length), and
 * `scaled_dot_product_attention` (query and key share the embedding dim, key
 * and value the source length).
 *
 * @example
 * spec(rnn, { mode: "LSTM", input_size: 10, hidden_size: 20, batch_first: true, bidirectional: false }).args
 * // "10, 20, batch_first=True"
 */
import { type FailureContext, type OpSpec, type Story, family, isOptions, isTensorArg, numArg, spec } from "../descriptor.js";
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

export const embeddingBag = family<{ num_embeddings: number; embedding_dim: number; mode: string }>({
  op: "embedding_bag",
  args: (p) => `${p.num_embeddings}, ${p.embedding_dim}, mode='${p.mode}'`,
  // A 2-D input is one bag per row; a 1-D input has as many bags as offsets (a value, not a shape).
  rule: (ins, p, ctx) => [ins[0]!.length === 2 ? [ins[0]![0]!, num(p.embedding_dim)] : (ctx.concreteOut[0] ?? []).map((d) => num(d))],
  macs: () => 0,
});

/** `F.embedding_bag(input, weight, offsets?, ..., mode?, ...)`: the table's shape and the mode. */
export function describeEmbeddingBag(args: readonly unknown[]): OpSpec {
  const w = isTensorArg(args[1]) ? args[1].shape : [0, 0];
  const last = args[args.length - 1];
  const mode = isOptions(last) && typeof last.mode === "string" ? last.mode : typeof args[6] === "string" ? args[6] : "mean";
  return spec(embeddingBag, { num_embeddings: w[0] ?? 0, embedding_dim: w[1] ?? 0, mode });
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

/** A sequence input's dims to solve for: its length `L` and features `F` (the batch keeps its size). */
export function sequenceDims(batchFirst: boolean, rank: number): readonly (string | null)[] | null {
  if (rank === 2) return ["L", "F"];
  if (rank === 3) return batchFirst ? [null, "L", "F"] : ["L", null, "F"];
  return null;
}

/** `seq 10, batch 2, feature 7`: how a layer with `batch_first` reads a 3-D (or 2-D, unbatched) input. */
export function layoutReading(shape: readonly number[], batchFirst: boolean, feature = "feature"): string {
  if (shape.length === 2) return `seq ${shape[0]}, ${feature} ${shape[1]} (unbatched)`;
  const [b, t] = batchFirst ? [shape[0], shape[1]] : [shape[1], shape[0]];
  return batchFirst ? `batch ${b}, seq ${t}, ${feature} ${shape[2]}` : `seq ${t}, batch ${b}, ${feature} ${shape[2]}`;
}

function rnnStory(f: FailureContext<RnnParams>): Story {
  const p = f.params;
  const shape = f.row.inputs[0]?.shape ?? [];
  const bf = `batch_first=${p.batch_first ? "True" : "False"}`;
  const layout = p.batch_first ? "(batch, seq, feature)" : "(seq, batch, feature)";
  const details = [`with ${bf} the input (${shape.join(", ")}) reads as ${layout}: ${layoutReading(shape, p.batch_first)}`];
  const fixes: string[] = [];
  if (f.key.what === "input_size") {
    const got = shape[shape.length - 1];
    // A feature size sitting in another dim: the layout is what is wrong.
    const at = shape.indexOf(p.input_size);
    if (at >= 0 && at !== shape.length - 1) {
      fixes.push(`the input has ${p.input_size} in dim ${at}: put the features last, e.g. x.transpose(${at}, ${shape.length - 1})`);
    }
    fixes.push(`or set input_size=${got}`);
    return { headline: `${f.who(f.row)} expects ${p.input_size} features in the last dim (input_size=${p.input_size}), got ${got} from (${shape.join(", ")})`, details, fixes };
  }
  // The initial hidden state's batch against the input's.
  const h = f.row.inputs[Number(/state (\d+)/.exec(f.key.what)?.[1] ?? 1)]?.shape ?? [];
  const batch = shape.length === 3 ? shape[p.batch_first ? 0 : 1] : 1;
  details.push(`the hidden state (${h.join(", ")}) reads as (layers×directions, batch, hidden): batch ${h[1]}`);
  const other = shape.length === 3 ? shape[p.batch_first ? 1 : 0] : undefined;
  if (other === h[1]) fixes.push(`the input's batch looks like dim ${p.batch_first ? 1 : 0}: build the layer with { batch_first: ${!p.batch_first} } (or transpose(0, 1) the input)`);
  fixes.push(`or make the hidden state (${h[0]}, ${batch}, ${h[2]}) (hidden states are (layers×directions, batch, hidden) whatever batch_first says)`);
  return { headline: `${f.who(f.row)}: the hidden state's batch is ${h[1]}, the input's is ${batch} (${bf})`, details, fixes };
}

export const rnn = family<RnnParams>({
  op: "rnn",
  args: (p) => `${p.input_size}, ${p.hidden_size}${p.batch_first ? ", batch_first=True" : ""}${p.bidirectional ? ", bidirectional=True" : ""}`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    ctx.constrain("eq", x[x.length - 1]!, p.input_size, "input_size");
    const batched = x.length === 3;
    const b = batched ? x[p.batch_first ? 0 : 1]! : null;
    // Initial hidden (and cell) states: (layers×directions, batch, hidden), batch_first or not.
    for (let i = 1; i < ins.length; i++) {
      const h = ins[i]!;
      if (b && h.length === 3) ctx.constrain("eq", h[1]!, b, `batch of hidden state ${i}`);
    }
    const outs = [[...x.slice(0, -1), num(p.hidden_size * (p.bidirectional ? 2 : 1))]];
    // h_n (and c_n) keep the shape of the states given, or (layers×directions, batch, hidden).
    for (let i = 1; i < ctx.concreteOut.length; i++) outs.push((ctx.concreteOut[i] ?? []).map((d, k) => (k === 1 && b ? b : num(d))));
    return outs;
  },
  story: (f) => (f.key.what === "input_size" || f.key.what.startsWith("batch of hidden state") ? rnnStory(f) : null),
  inputDims: (p, rank) => sequenceDims(p.batch_first, rank),
});

// ---------------------------------------------------------------- multi-head attention

export interface MultiheadParams {
  readonly embed_dim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly num_heads: number;
  readonly batch_first: boolean;
  readonly [key: string]: unknown;
}

function multiheadStory(f: FailureContext<MultiheadParams>): Story {
  const p = f.params;
  const [q, k, v] = f.row.inputs.map((t) => t.shape);
  const show = (s: readonly number[] | undefined) => `(${(s ?? []).join(", ")})`;
  const bf = `batch_first=${p.batch_first ? "True" : "False"}`;
  const layout = p.batch_first ? "(batch, seq, feature)" : "(seq, batch, feature)";
  const details = [
    `with ${bf} each input reads as ${layout}:`,
    `query ${show(q)}: ${layoutReading(q ?? [], p.batch_first)}`,
    `key ${show(k)}: ${layoutReading(k ?? [], p.batch_first)}`,
    `value ${show(v)}: ${layoutReading(v ?? [], p.batch_first)}`,
  ];
  const what = f.key.what;
  const fixes: string[] = [];
  let headline: string;
  if (what.startsWith("batch")) {
    const bi = p.batch_first ? 0 : 1;
    const other = 1 - bi;
    headline = `${f.who(f.row)}: key and value must have the query's batch size, got query ${q?.[bi]} and ${what.includes("key") ? `key ${k?.[bi]}` : `value ${v?.[bi]}`} in dim ${bi} (${bf})`;
    if (q && k && v && q.length === 3 && q[other] === k[other] && q[other] === v[other]) {
      fixes.push(`the inputs agree in dim ${other}: if they are ${p.batch_first ? "(seq, batch, feature)" : "(batch, seq, feature)"}, build the layer with { batch_first: ${!p.batch_first} } (or transpose(0, 1) the inputs and the output)`);
    }
    fixes.push(`${fixes.length > 0 ? "or " : ""}give query, key and value the same batch in dim ${bi}: the query has ${q?.[bi]}, ` +
      `the key ${k?.[bi]} and the value ${v?.[bi]}`);
  } else if (what === "key and value lengths match") {
    headline = `${f.who(f.row)}: key and value must have the same sequence length, got ${show(k)} and ${show(v)}`;
    fixes.push("give key and value the same sequence (they are usually the same tensor)");
  } else {
    const [name, want, t] = what === "embed_dim" ? ["query", p.embed_dim, q] : what === "kdim" ? ["key", p.kdim, k] : ["value", p.vdim, v];
    const got = t?.[t.length - 1];
    headline = `${f.who(f.row)} expects ${want} features in the last dim of the ${name} (${what}=${want}), got ${got} from ${show(t)}`;
    const at = t ? t.indexOf(want as number) : -1;
    if (t && at >= 0 && at !== t.length - 1) fixes.push(`the ${name} has ${want} in dim ${at}: put the features last, e.g. x.transpose(${at}, ${t.length - 1})`);
    fixes.push(`${fixes.length > 0 ? "or " : ""}project the ${name} to ${want} features first: nn.Linear(${got}, ${want})`);
    if (what === "embed_dim" && typeof got === "number" && got % p.num_heads === 0) {
      fixes.push(`or build the layer for ${got} features: nn.MultiheadAttention(${got}, ${p.num_heads})`);
    }
  }
  return { headline, details, fixes };
}

export const multiheadAttention = family<MultiheadParams>({
  op: "multihead_attention",
  args: (p) => `${p.embed_dim}, ${p.num_heads}${p.batch_first ? ", batch_first=True" : ""}`,
  rule(ins, p, ctx) {
    const [q, k, v] = [ins[0]!, ins[1] ?? ins[0]!, ins[2] ?? ins[0]!];
    const batched = q.length === 3;
    const bi = p.batch_first ? 0 : 1;
    const si = batched ? 1 - bi : 0;
    if (batched && k.length === 3 && v.length === 3) {
      ctx.constrain("eq", k[bi]!, q[bi]!, "batch of key");
      ctx.constrain("eq", v[bi]!, q[bi]!, "batch of value");
    }
    ctx.constrain("eq", q[q.length - 1]!, p.embed_dim, "embed_dim");
    ctx.constrain("eq", k[k.length - 1]!, p.kdim, "kdim");
    ctx.constrain("eq", v[v.length - 1]!, p.vdim, "vdim");
    ctx.constrain("eq", k[si]!, v[si]!, "key and value lengths match");
    const out = [...q.slice(0, -1), num(p.embed_dim)];
    const w = ctx.concreteOut[1];
    if (!w) return [out];
    // Attention weights: (batch, L, S), or (batch, heads, L, S) not averaged; unbatched without the batch.
    const [L, S] = [q[si]!, k[si]!];
    const lead = batched ? [q[bi]!] : [];
    return [out, w.length - lead.length === 3 ? [...lead, num(p.num_heads), L, S] : [...lead, L, S]];
  },
  story: (f) => multiheadStory(f),
  inputDims: (p, rank) => sequenceDims(p.batch_first, rank),
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
