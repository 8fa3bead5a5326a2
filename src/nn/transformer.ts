/**
 * Attention layers: `nn.MultiheadAttention` (PyTorch's parameters:
 * `in_proj_weight` `[3E, E]`, `in_proj_bias`, `out_proj`; init drawn in
 * PyTorch's order, so seeded weights match) and `nn.TransformerEncoderLayer`
 * / `nn.TransformerEncoder`.
 *
 * Inputs are `[L, N, E]` (sequence first) unless `batch_first`; the masks
 * and their shape errors are PyTorch's (see functional/attention.ts).
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batch_first: true });
 * const [out, weights] = mha(x, x, x);          // out [N, L, 16], weights [N, L, L] (averaged over heads)
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { type ArgsOf, Bool, DTypeT, Float, Int, Str, TensorT, arg, kwarg, oneOf, optional, signature } from "../ops/signature.js";
import { empty } from "../tensor/creation.js";
import { get_rng_state, set_rng_state } from "../ops/random.js";
import { toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { multi_head_attention_forward } from "./functional/attention.js";
import { gelu, relu } from "./functional/activation.js";
import { constant_, xavier_uniform_ } from "./init.js";
import { Linear } from "./linear.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./normalization.js";
import { Module } from "./module.js";
import { ModuleList } from "./container.js";
import { Parameter } from "./parameter.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { multiheadAttention } from "../shape/families/index.js";

const FACTORY = [kwarg("device", optional(Str), null), kwarg("dtype", optional(DTypeT), null)] as const;

export const MULTIHEAD_ATTENTION_INIT = signature("MultiheadAttention.__init__", [
  arg("dropout", Float, 0.0), arg("bias", Bool, true), arg("add_bias_kv", Bool, false), arg("add_zero_attn", Bool, false),
  arg("kdim", optional(Int), null), arg("vdim", optional(Int), null), arg("batch_first", Bool, false), ...FACTORY,
], 3);

export const MULTIHEAD_ATTENTION_FORWARD = signature("MultiheadAttention.forward", [
  arg("key_padding_mask", optional(TensorT), null), arg("need_weights", Bool, true), arg("attn_mask", optional(TensorT), null),
  arg("average_attn_weights", Bool, true), arg("is_causal", Bool, false),
], 4);

/** The output projection of MultiheadAttention: a Linear under PyTorch's class name. */
export class NonDynamicallyQuantizableLinear extends Linear {}

export class MultiheadAttention extends Module {
  declare embed_dim: number;
  declare kdim: number;
  declare vdim: number;
  declare num_heads: number;
  declare head_dim: number;
  declare dropout: number;
  declare batch_first: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;

  constructor(embed_dim: number, num_heads: number, ...args: ArgsOf<typeof MULTIHEAD_ATTENTION_INIT>) {
    super();
    const o = MULTIHEAD_ATTENTION_INIT.parse(args);
    if (embed_dim <= 0 || num_heads <= 0) {
      throw new ArgumentError(`embed_dim and num_heads must be greater than 0, got embed_dim=${embed_dim} and num_heads=${num_heads} instead`, "embed_dim", "ValueError");
    }
    if (embed_dim % num_heads !== 0) throw new ArgumentError("embed_dim must be divisible by num_heads", "num_heads", "AssertionError");
    if (o.add_bias_kv || o.add_zero_attn) throw new ArgumentError("add_bias_kv and add_zero_attn are not supported by tsorch", "add_bias_kv", "ValueError");
    const dtype = toDType(o.dtype ?? null);
    this.embed_dim = embed_dim;
    this.kdim = o.kdim ?? embed_dim;
    this.vdim = o.vdim ?? embed_dim;
    this.num_heads = num_heads;
    this.head_dim = embed_dim / num_heads;
    this.dropout = o.dropout;
    this.batch_first = o.batch_first;
    const same = this.kdim === embed_dim && this.vdim === embed_dim;
    if (same) {
      this.in_proj_weight = new Parameter(empty([3 * embed_dim, embed_dim], { dtype }));
      this.register_parameter("q_proj_weight", null);
      this.register_parameter("k_proj_weight", null);
      this.register_parameter("v_proj_weight", null);
    } else {
      this.q_proj_weight = new Parameter(empty([embed_dim, embed_dim], { dtype }));
      this.k_proj_weight = new Parameter(empty([embed_dim, this.kdim], { dtype }));
      this.v_proj_weight = new Parameter(empty([embed_dim, this.vdim], { dtype }));
      this.register_parameter("in_proj_weight", null);
    }
    if (o.bias) this.in_proj_bias = new Parameter(empty([3 * embed_dim], { dtype }));
    else this.register_parameter("in_proj_bias", null);
    // Constructing out_proj draws its Linear init first, as in PyTorch; _reset_parameters follows.
    this.out_proj = new NonDynamicallyQuantizableLinear(embed_dim, embed_dim, { bias: o.bias, dtype: o.dtype ?? undefined });
    this._reset_parameters();
  }

  /** Xavier-uniform projections, zero biases (the out_proj weight keeps its Linear init). */
  _reset_parameters(): void {
    if (this.in_proj_weight) xavier_uniform_(this.in_proj_weight);
    else {
      xavier_uniform_(this.q_proj_weight!);
      xavier_uniform_(this.k_proj_weight!);
      xavier_uniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias) {
      constant_(this.in_proj_bias, 0);
      constant_(this.out_proj.bias!, 0);
    }
  }

  /**
   * Attention of `query` over `key`/`value`. Returns the output and the
   * attention weights (`[N, L, S]` averaged over heads; `[N, heads, L, S]`
   * with `average_attn_weights: false`; null with `need_weights: false`).
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, ...args: ArgsOf<typeof MULTIHEAD_ATTENTION_FORWARD>): [Tensor, Tensor | null] {
    const o = MULTIHEAD_ATTENTION_FORWARD.parse(args);
    const batched = query.ndim === 3;
    let [q, k, v] = [query, key, value];
    if (this.batch_first && batched) {
      if (key.ndim === 3 && key.shape[0] !== query.shape[0]) throw batchMismatch(query, key);
      [q, k, v] = [q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)];
    }
    const [out, weights] = multi_head_attention_forward(q, k, v, {
      num_heads: this.num_heads, in_proj_weight: this.in_proj_weight, in_proj_bias: this.in_proj_bias,
      q_proj_weight: this.q_proj_weight, k_proj_weight: this.k_proj_weight, v_proj_weight: this.v_proj_weight,
      out_proj_weight: this.out_proj.weight, out_proj_bias: this.out_proj.bias, dropout_p: this.dropout, training: this.training,
    }, o);
    return [this.batch_first && batched ? out.transpose(0, 1) : out, weights];
  }

  override op_spec(): OpSpec {
    return spec(multiheadAttention, {
      embed_dim: this.embed_dim, kdim: this.kdim, vdim: this.vdim, num_heads: this.num_heads, batch_first: this.batch_first,
    });
  }
}

/**
 * Query and key batches differ under `batch_first`: PyTorch's complaint, and what usually causes it —
 * a tensor laid out `[sequence, batch, features]` (an LSTM or attention layer built without batch_first).
 */
function batchMismatch(query: Tensor, key: Tensor): ShapeError {
  const [nq, nk] = [query.shape[0]!, key.shape[0]!];
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const size = (t: Tensor) => `torch.Size([${t.shape.join(", ")}])`;
  return new ShapeError(
    `key and value should have the same batch size as query (${nq}), got key ${size(key)}\n` +
    `  batch_first=True reads dim 0 as the batch: the query has ${count(nq, "sequence")} of ${count(query.shape[1]!, "step")}, the key ${nk} of ${key.shape[1]}.\n` +
    `  A tensor laid out [sequence, batch, features] (the default of nn.LSTM, nn.GRU and nn.MultiheadAttention without batch_first)\n` +
    `  has its batch in dim 1: build that layer with { batch_first: true }, or transpose(0, 1) its input and output.`,
    { op: "MultiheadAttention", shapes: { query: query.shape, key: key.shape }, expected: { batch: nq }, got: { batch: nk } });
}

export const TRANSFORMER_ENCODER_LAYER_INIT = signature("TransformerEncoderLayer.__init__", [
  arg("dim_feedforward", Int, 2048), arg("dropout", Float, 0.1), arg("activation", oneOf("relu", "gelu"), "relu"),
  arg("layer_norm_eps", Float, 1e-5), arg("batch_first", Bool, false), arg("norm_first", Bool, false), arg("bias", Bool, true), ...FACTORY,
], 3);

/**
 * Self-attention and a feed-forward block, each with a residual connection and
 * LayerNorm (after, or before with `norm_first`).
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dim_feedforward: 64, batch_first: true });
 * layer(torch.randn(2, 10, 32)).shape    // torch.Size([2, 10, 32])
 */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm_first: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation_name: "relu" | "gelu";
  /** @internal The constructor's arguments, to build copies (TransformerEncoder). */
  declare _init_args: unknown[];

  constructor(d_model: number, nhead: number, ...args: ArgsOf<typeof TRANSFORMER_ENCODER_LAYER_INIT>) {
    super();
    const o = TRANSFORMER_ENCODER_LAYER_INIT.parse(args);
    this._init_args = [d_model, nhead, ...args];
    const dt = { dtype: o.dtype ?? undefined };
    this.self_attn = new MultiheadAttention(d_model, nhead, { dropout: o.dropout, bias: o.bias, batch_first: o.batch_first, dtype: o.dtype });
    this.linear1 = new Linear(d_model, o.dim_feedforward, { bias: o.bias, ...dt });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dim_feedforward, d_model, { bias: o.bias, ...dt });
    this.norm_first = o.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: o.layer_norm_eps, bias: o.bias, dtype: o.dtype });
    this.norm2 = new LayerNorm(d_model, { eps: o.layer_norm_eps, bias: o.bias, dtype: o.dtype });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.activation_name = o.activation;
  }

  override forward(src: Tensor, options: { src_mask?: Tensor | null; src_key_padding_mask?: Tensor | null; is_causal?: boolean } = {}): Tensor {
    const sa = (x: Tensor): Tensor => this.dropout1(this.self_attn(x, x, x, {
      attn_mask: options.src_mask ?? null, key_padding_mask: options.src_key_padding_mask ?? null, need_weights: false, is_causal: options.is_causal ?? false,
    })[0]);
    const act = this.activation_name === "gelu" ? gelu : relu;
    const ff = (x: Tensor): Tensor => this.dropout2(this.linear2(this.dropout(act(this.linear1(x)))));
    let x = src;
    if (this.norm_first) {
      x = x.add(sa(this.norm1(x)));
      x = x.add(ff(this.norm2(x)));
    } else {
      x = this.norm1(x.add(sa(x)));
      x = this.norm2(x.add(ff(x)));
    }
    return x;
  }
}

/**
 * `num_layers` copies of an encoder layer (deep copies: each its own weights,
 * as PyTorch's `_get_clones`), then an optional final norm.
 */
export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  declare num_layers: number;
  declare norm: Module | null;

  constructor(encoder_layer: TransformerEncoderLayer, num_layers: number, options: { norm?: Module | null } = {}) {
    super();
    this.layers = new ModuleList([...Array(num_layers).keys()].map(() => cloneModule(encoder_layer)));
    this.num_layers = num_layers;
    this.norm = options.norm ?? null;
  }

  override forward(src: Tensor, options: { mask?: Tensor | null; src_key_padding_mask?: Tensor | null; is_causal?: boolean } = {}): Tensor {
    let x = src;
    for (const layer of this.layers) {
      x = (layer as TransformerEncoderLayer)(x, { src_mask: options.mask ?? null, src_key_padding_mask: options.src_key_padding_mask ?? null, is_causal: options.is_causal ?? false });
    }
    return this.norm ? (this.norm as unknown as (t: Tensor) => Tensor)(x) : x;
  }
}

/** A copy of an encoder layer with its own parameters (equal values), drawing nothing from the generator, as a deep copy would. */
function cloneModule(m: TransformerEncoderLayer): TransformerEncoderLayer {
  const state = get_rng_state();
  const copy = new TransformerEncoderLayer(...(m._init_args as [number, number]));
  set_rng_state(state);
  copy.load_state_dict(m.state_dict());
  copy.train(m.training);
  return copy;
}
