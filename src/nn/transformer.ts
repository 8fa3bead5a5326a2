/**
 * Attention layers: `nn.MultiheadAttention` (PyTorch's parameters:
 * `in_proj_weight` `[3E, E]`, `in_proj_bias`, `out_proj`; init drawn in
 * PyTorch's order, so seeded weights match) and `nn.TransformerEncoderLayer`
 * / `nn.TransformerEncoder`.
 *
 * Inputs are `[L, N, E]` (sequence first) unless `batch_first`; the masks
 * and their shape errors are PyTorch's (see functional/attention.ts).
 * `nn.TransformerDecoderLayer` / `nn.TransformerDecoder` and the whole
 * encoder-decoder `nn.Transformer` complete the set.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batch_first: true });
 * const [out, weights] = mha(x, x, x);          // out [N, L, 16], weights [N, L, L] (averaged over heads)
 */
import { requiredByKeyword } from "./args.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { type ArgsOf, Bool, DTypeT, Float, Int, Str, TensorT, arg, instanceOf, kwarg, oneOf, optional, signature } from "../ops/signature.js";
import { full } from "../tensor/creation.js";
import { empty } from "../tensor/creation.js";
import { get_rng_state, set_rng_state } from "../ops/random.js";
import { toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { multiHeadAttention } from "./functional/attention.js";
import { gelu, relu } from "./functional/activation.js";
import { constant_, xavier_normal_, xavier_uniform_ } from "./init.js";
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
  /** `[1, 1, E]` key and value appended to every sequence (`add_bias_kv`), else null. */
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  /** Whether a zero key and value are appended to every head. */
  declare add_zero_attn: boolean;

  constructor(embed_dim: number, num_heads: number, ...args: ArgsOf<typeof MULTIHEAD_ATTENTION_INIT>) {
    super();
    [embed_dim, num_heads, ...args] = requiredByKeyword("MultiheadAttention", ["embed_dim", "num_heads"], [embed_dim, num_heads, ...args]) as [number, number, ...typeof args];
    const o = MULTIHEAD_ATTENTION_INIT.parse(args);
    if (embed_dim <= 0 || num_heads <= 0) {
      throw new ArgumentError(`embed_dim and num_heads must be greater than 0, got embed_dim=${embed_dim} and num_heads=${num_heads} instead`, "embed_dim", "ValueError");
    }
    if (embed_dim % num_heads !== 0) throw new ArgumentError("embed_dim must be divisible by num_heads", "num_heads", "AssertionError");
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
    if (o.add_bias_kv) {
      this.bias_k = new Parameter(empty([1, 1, embed_dim], { dtype }));
      this.bias_v = new Parameter(empty([1, 1, embed_dim], { dtype }));
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
    this.add_zero_attn = o.add_zero_attn;
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
    if (this.bias_k) xavier_normal_(this.bias_k);
    if (this.bias_v) xavier_normal_(this.bias_v);
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
    const [out, weights] = multiHeadAttention(q, k, v, {
      num_heads: this.num_heads, in_proj_weight: this.in_proj_weight, in_proj_bias: this.in_proj_bias,
      q_proj_weight: this.q_proj_weight, k_proj_weight: this.k_proj_weight, v_proj_weight: this.v_proj_weight,
      out_proj_weight: this.out_proj.weight, out_proj_bias: this.out_proj.bias, dropout_p: this.dropout, training: this.training,
      bias_k: this.bias_k, bias_v: this.bias_v, add_zero_attn: this.add_zero_attn,
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

type LayerOptions = ReturnType<typeof TRANSFORMER_ENCODER_LAYER_INIT.parse>;

/**
 * What the encoder and decoder layers share: attention, a feed-forward block and LayerNorms built from
 * the same options in PyTorch's order, and the residual wiring (post-norm, or pre-norm with `norm_first`).
 */
abstract class _TransformerLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm_first: boolean;
  declare activation_name: "relu" | "gelu";
  /** @internal The constructor's arguments, to build copies (TransformerEncoder/TransformerDecoder). */
  declare _init_args: [number, number, ...unknown[]];

  /** Registers `attentions`, the feed-forward block, then `norm1..n` and `dropout1..n` (n = blocks). */
  protected _build(d_model: number, nhead: number, args: unknown[], o: LayerOptions, attentions: string[], blocks: number): void {
    this._init_args = [d_model, nhead, ...args];
    const self = this as unknown as Record<string, Module>;
    for (const name of attentions) {
      self[name] = new MultiheadAttention(d_model, nhead, { dropout: o.dropout, bias: o.bias, batch_first: o.batch_first, dtype: o.dtype });
    }
    const dt = { dtype: o.dtype ?? undefined };
    this.linear1 = new Linear(d_model, o.dim_feedforward, { bias: o.bias, ...dt });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dim_feedforward, d_model, { bias: o.bias, ...dt });
    this.norm_first = o.norm_first;
    for (let i = 1; i <= blocks; i++) self[`norm${i}`] = new LayerNorm(d_model, { eps: o.layer_norm_eps, bias: o.bias, dtype: o.dtype });
    for (let i = 1; i <= blocks; i++) self[`dropout${i}`] = new Dropout(o.dropout);
    this.activation_name = o.activation;
  }

  /** Attention from `x` to `kv`, without the weights. */
  protected _attend(attn: MultiheadAttention, x: Tensor, kv: Tensor, mask: Tensor | null, padding: Tensor | null, causal: boolean): Tensor {
    return attn(x, kv, kv, { attn_mask: mask, key_padding_mask: padding, need_weights: false, is_causal: causal })[0];
  }

  /** The feed-forward block. */
  protected _feed_forward(x: Tensor): Tensor {
    const act = this.activation_name === "gelu" ? gelu : relu;
    return this.linear2(this.dropout(act(this.linear1(x))));
  }

  /** Block `i` (from 1) as `norm_i(x + dropout_i(f(x)))`, or `x + dropout_i(f(norm_i(x)))` with `norm_first`. */
  protected _residual(x: Tensor, blocks: ((x: Tensor) => Tensor)[]): Tensor {
    const self = this as unknown as Record<string, (t: Tensor) => Tensor>;
    blocks.forEach((f, k) => {
      const norm = self[`norm${k + 1}`]!;
      const drop = self[`dropout${k + 1}`]!;
      x = this.norm_first ? x.add(drop(f(norm(x)))) : norm(x.add(drop(f(x))));
    });
    return x;
  }
}

/**
 * Self-attention and a feed-forward block, each with a residual connection and
 * LayerNorm (after, or before with `norm_first`).
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dim_feedforward: 64, batch_first: true });
 * layer(torch.randn(2, 10, 32)).shape    // torch.Size([2, 10, 32])
 */
export class TransformerEncoderLayer extends _TransformerLayer {
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;

  constructor(d_model: number, nhead: number, ...args: ArgsOf<typeof TRANSFORMER_ENCODER_LAYER_INIT>) {
    super();
    [d_model, nhead, ...args] = requiredByKeyword("TransformerEncoderLayer", ["d_model", "nhead"], [d_model, nhead, ...args]) as [number, number, ...typeof args];
    this._build(d_model, nhead, args, TRANSFORMER_ENCODER_LAYER_INIT.parse(args), ["self_attn"], 2);
  }

  override forward(src: Tensor, options: { src_mask?: Tensor | null; src_key_padding_mask?: Tensor | null; is_causal?: boolean } = {}): Tensor {
    return this._residual(src, [
      (x) => this._attend(this.self_attn, x, x, options.src_mask ?? null, options.src_key_padding_mask ?? null, options.is_causal ?? false),
      (x) => this._feed_forward(x),
    ]);
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
    this.layers = new ModuleList(clones(encoder_layer, num_layers));
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

export const TRANSFORMER_DECODER_LAYER_INIT = signature("TransformerDecoderLayer.__init__", [...TRANSFORMER_ENCODER_LAYER_INIT.params], 3);

/** The masks and causality hints of a decoder layer's forward. */
export const TRANSFORMER_DECODER_LAYER_FORWARD = signature("TransformerDecoderLayer.forward", [
  arg("tgt_mask", optional(TensorT), null), arg("memory_mask", optional(TensorT), null), arg("tgt_key_padding_mask", optional(TensorT), null),
  arg("memory_key_padding_mask", optional(TensorT), null), arg("tgt_is_causal", Bool, false), arg("memory_is_causal", Bool, false),
], 3);

/**
 * Self-attention over the target, attention from the target to the encoder's
 * output (`memory`), and a feed-forward block, each with a residual connection
 * and LayerNorm (after, or before with `norm_first`).
 *
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dim_feedforward: 64, batch_first: true });
 * layer(torch.randn(2, 7, 32), torch.randn(2, 10, 32)).shape    // torch.Size([2, 7, 32])
 */
export class TransformerDecoderLayer extends _TransformerLayer {
  declare multihead_attn: MultiheadAttention;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;

  constructor(d_model: number, nhead: number, ...args: ArgsOf<typeof TRANSFORMER_DECODER_LAYER_INIT>) {
    super();
    [d_model, nhead, ...args] = requiredByKeyword("TransformerDecoderLayer", ["d_model", "nhead"], [d_model, nhead, ...args]) as [number, number, ...typeof args];
    this._build(d_model, nhead, args, TRANSFORMER_DECODER_LAYER_INIT.parse(args), ["self_attn", "multihead_attn"], 3);
  }

  override forward(tgt: Tensor, memory: Tensor, ...args: ArgsOf<typeof TRANSFORMER_DECODER_LAYER_FORWARD>): Tensor {
    const o = TRANSFORMER_DECODER_LAYER_FORWARD.parse(args);
    return this._residual(tgt, [
      (x) => this._attend(this.self_attn, x, x, o.tgt_mask, o.tgt_key_padding_mask, o.tgt_is_causal),
      (x) => this._attend(this.multihead_attn, x, memory, o.memory_mask, o.memory_key_padding_mask, o.memory_is_causal),
      (x) => this._feed_forward(x),
    ]);
  }
}

export const TRANSFORMER_DECODER_FORWARD = signature("TransformerDecoder.forward", [
  arg("tgt_mask", optional(TensorT), null), arg("memory_mask", optional(TensorT), null), arg("tgt_key_padding_mask", optional(TensorT), null),
  arg("memory_key_padding_mask", optional(TensorT), null), arg("tgt_is_causal", optional(Bool), null), arg("memory_is_causal", Bool, false),
], 3);

/**
 * `num_layers` copies of a decoder layer (each its own weights), then an optional final norm.
 *
 * @example
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 2), 3);
 * dec(torch.randn(7, 2, 16), torch.randn(10, 2, 16)).shape   // torch.Size([7, 2, 16])
 */
export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  declare num_layers: number;
  declare norm: Module | null;

  constructor(decoder_layer: TransformerDecoderLayer, num_layers: number, options: { norm?: Module | null } = {}) {
    super();
    this.layers = new ModuleList(clones(decoder_layer, num_layers));
    this.num_layers = num_layers;
    this.norm = options.norm ?? null;
  }

  override forward(tgt: Tensor, memory: Tensor, ...args: ArgsOf<typeof TRANSFORMER_DECODER_FORWARD>): Tensor {
    const o = TRANSFORMER_DECODER_FORWARD.parse(args);
    let x = tgt;
    for (const layer of this.layers) {
      x = (layer as TransformerDecoderLayer)(x, memory, { ...o, tgt_is_causal: o.tgt_is_causal ?? false });
    }
    return this.norm ? (this.norm as unknown as (t: Tensor) => Tensor)(x) : x;
  }
}

export const TRANSFORMER_INIT = signature("Transformer.__init__", [
  arg("d_model", Int, 512), arg("nhead", Int, 8), arg("num_encoder_layers", Int, 6), arg("num_decoder_layers", Int, 6),
  arg("dim_feedforward", Int, 2048), arg("dropout", Float, 0.1), arg("activation", oneOf("relu", "gelu"), "relu"),
  arg("custom_encoder", optional(instanceOf("Module", Module)), null), arg("custom_decoder", optional(instanceOf("Module", Module)), null),
  arg("layer_norm_eps", Float, 1e-5), arg("batch_first", Bool, false), arg("norm_first", Bool, false), arg("bias", Bool, true), ...FACTORY,
], 1);

export const TRANSFORMER_FORWARD = signature("Transformer.forward", [
  arg("src_mask", optional(TensorT), null), arg("tgt_mask", optional(TensorT), null), arg("memory_mask", optional(TensorT), null),
  arg("src_key_padding_mask", optional(TensorT), null), arg("tgt_key_padding_mask", optional(TensorT), null),
  arg("memory_key_padding_mask", optional(TensorT), null), arg("src_is_causal", optional(Bool), null),
  arg("tgt_is_causal", optional(Bool), null), arg("memory_is_causal", Bool, false),
], 3);

/**
 * The encoder-decoder Transformer of "Attention Is All You Need": an encoder
 * over `src`, a decoder over `tgt` attending to the encoder's output, each
 * ending in a LayerNorm; every weight matrix re-drawn Xavier-uniform, as
 * PyTorch does, so seeded weights match.
 *
 * @example
 * const model = new nn.Transformer({ d_model: 32, nhead: 4, num_encoder_layers: 2, num_decoder_layers: 2, dim_feedforward: 64 });
 * const tgtMask = nn.Transformer.generate_square_subsequent_mask(7);
 * model(torch.randn(10, 2, 32), torch.randn(7, 2, 32), { tgt_mask: tgtMask }).shape   // torch.Size([7, 2, 32])
 */
export class Transformer extends Module {
  declare encoder: Module;
  declare decoder: Module;
  declare d_model: number;
  declare nhead: number;
  declare batch_first: boolean;

  constructor(...args: ArgsOf<typeof TRANSFORMER_INIT>) {
    super();
    const o = TRANSFORMER_INIT.parse(args);
    const layerArgs = {
      dim_feedforward: o.dim_feedforward, dropout: o.dropout, activation: o.activation, layer_norm_eps: o.layer_norm_eps,
      batch_first: o.batch_first, norm_first: o.norm_first, bias: o.bias, dtype: o.dtype,
    };
    const norm = () => new LayerNorm(o.d_model, { eps: o.layer_norm_eps, bias: o.bias, dtype: o.dtype });
    this.encoder = o.custom_encoder ?? new TransformerEncoder(new TransformerEncoderLayer(o.d_model, o.nhead, layerArgs), o.num_encoder_layers, { norm: norm() });
    this.decoder = o.custom_decoder ?? new TransformerDecoder(new TransformerDecoderLayer(o.d_model, o.nhead, layerArgs), o.num_decoder_layers, { norm: norm() });
    for (const p of this.parameters()) if (p.ndim > 1) xavier_uniform_(p);
    this.d_model = o.d_model;
    this.nhead = o.nhead;
    this.batch_first = o.batch_first;
  }

  override forward(src: Tensor, tgt: Tensor, ...args: ArgsOf<typeof TRANSFORMER_FORWARD>): Tensor {
    const o = TRANSFORMER_FORWARD.parse(args);
    const batched = src.ndim === 3;
    if (batched && src.shape[this.batch_first ? 0 : 1] !== tgt.shape[this.batch_first ? 0 : 1]) {
      throw new ShapeError("the batch number of src and tgt must be equal",
        { op: "transformer", shapes: { src: src.shape, tgt: tgt.shape } });
    }
    if (src.shape[src.ndim - 1] !== this.d_model || tgt.shape[tgt.ndim - 1] !== this.d_model) {
      throw new ShapeError("the feature number of src and tgt must be equal to d_model",
        { op: "transformer", shapes: { src: src.shape, tgt: tgt.shape }, expected: { d_model: this.d_model } });
    }
    const memory = (this.encoder as TransformerEncoder)(src, {
      mask: o.src_mask, src_key_padding_mask: o.src_key_padding_mask, is_causal: o.src_is_causal ?? false,
    });
    return (this.decoder as TransformerDecoder)(tgt, memory, {
      tgt_mask: o.tgt_mask, memory_mask: o.memory_mask, tgt_key_padding_mask: o.tgt_key_padding_mask,
      memory_key_padding_mask: o.memory_key_padding_mask, tgt_is_causal: o.tgt_is_causal, memory_is_causal: o.memory_is_causal,
    });
  }

  /** A causal mask for `sz` positions: 0 on and below the diagonal, -inf above it (float32). */
  static generate_square_subsequent_mask(sz: number): Tensor {
    return full([sz, sz], -Infinity).triu(1);
  }
}

/**
 * `n` copies of a layer with its own parameters (equal values), drawing nothing from the generator, as
 * PyTorch's `_get_clones` (a deep copy) does.
 */
function clones<L extends TransformerEncoderLayer | TransformerDecoderLayer>(m: L, n: number): L[] {
  const ctor = m.constructor as new (...a: unknown[]) => L;
  return [...Array(n).keys()].map(() => {
    const state = get_rng_state();
    const copy = new ctor(...m._init_args);
    set_rng_state(state);
    copy.load_state_dict(m.state_dict());
    copy.train(m.training);
    return copy;
  });
}
