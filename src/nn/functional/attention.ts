/**
 * Attention: `F.scaled_dot_product_attention` (softmax(q kᵀ · scale + mask) v)
 * and the multi-head forward `nn.MultiheadAttention` runs. Masks follow
 * PyTorch: a boolean `attn_mask` is True where attending is *allowed* for
 * scaled_dot_product_attention and True where it is *forbidden* for
 * MultiheadAttention (its `attn_mask` and `key_padding_mask`), a float mask
 * is added to the scores. Shapes are checked with PyTorch's messages.
 *
 * @example
 * const q = torch.randn(2, 4, 5, 8);                   // [batch, heads, L, E]
 * F.scaled_dot_product_attention(q, q, q, { is_causal: true }).shape   // torch.Size([2, 4, 5, 8])
 */
import { ArgumentError, ShapeError } from "../../errors.js";
import { type ArgsOf, Bool, Float, Int, TensorT, arg, optional, required, signature } from "../../ops/signature.js";
import { cat } from "../../ops/join.js";
import { ones, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { bool as boolDType } from "../../tensor/dtype.js";
import { hooked } from "../../ops/op-hook.js";
import { describeAttention, multiheadAttention } from "../../shape/families/index.js";
import { type OpSpec, isOptions, spec } from "../../shape/descriptor.js";
import { dropout } from "./dropout.js";
import { linear } from "./linear.js";
import { softmax } from "./activation.js";

export const SCALED_DOT_PRODUCT_ATTENTION = signature("scaled_dot_product_attention", [
  arg("attn_mask", optional(TensorT), null), arg("dropout_p", Float, 0.0), arg("is_causal", Bool, false),
  arg("scale", optional(Float), null), arg("enable_gqa", Bool, false),
], 3);

function sizeText(s: readonly number[]): string {
  return `torch.Size([${s.join(", ")}])`;
}

/** A boolean mask where True means "may attend" becomes 0 / -inf; a float mask is used as it is. */
function additiveMask(mask: Tensor, allowedWhenTrue: boolean, dtype: Tensor["dtype"]): Tensor {
  if (mask.dtype !== boolDType) return mask;
  const forbidden = allowedWhenTrue ? mask.logical_not() : mask;
  return zeros([...mask.shape], { dtype }).masked_fill(forbidden, -Infinity);
}

/**
 * `softmax(query @ keyᵀ * scale + attn_mask) @ value` over the last two
 * dimensions (`[..., L, E]`, `[..., S, E]`, `[..., S, Ev]` → `[..., L, Ev]`);
 * `scale` defaults to 1/sqrt(E); `is_causal` masks the upper triangle.
 */
export const scaled_dot_product_attention = hooked("F.scaled_dot_product_attention", function scaled_dot_product_attention(
  query: Tensor, key: Tensor, value: Tensor, ...args: ArgsOf<typeof SCALED_DOT_PRODUCT_ATTENTION>): Tensor {
  const { attn_mask, dropout_p, is_causal, scale } = SCALED_DOT_PRODUCT_ATTENTION.parse(args);
  if (is_causal && attn_mask) throw new ArgumentError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True", "attn_mask", "RuntimeError");
  const E = query.shape[query.ndim - 1]!;
  if (key.shape[key.ndim - 1] !== E) {
    throw new ShapeError(`Expected query and key to have the same embedding dimension, got ${sizeText(query.shape)} and ${sizeText(key.shape)}`,
      { op: "scaled_dot_product_attention", shapes: { query: query.shape, key: key.shape }, expected: { E }, got: { E: key.shape[key.ndim - 1]! } });
  }
  const L = query.shape[query.ndim - 2]!;
  const S = key.shape[key.ndim - 2]!;
  const s = scale ?? 1 / Math.sqrt(E);
  let scores = query.matmul(key.transpose(-2, -1)).mul(s);
  if (is_causal) scores = scores.add(additiveMask(ones([L, S], { dtype: boolDType }).tril(), true, scores.dtype));
  if (attn_mask) scores = scores.add(additiveMask(attn_mask, true, scores.dtype));
  let weights = softmax(scores, -1);
  if (dropout_p > 0) weights = dropout(weights, dropout_p, true);
  return weights.matmul(value);
}, describeAttention);

/** What `multi_head_attention_forward` needs from the module. */
export interface MultiHeadParams {
  num_heads: number;
  in_proj_weight: Tensor | null;
  in_proj_bias: Tensor | null;
  q_proj_weight: Tensor | null;
  k_proj_weight: Tensor | null;
  v_proj_weight: Tensor | null;
  out_proj_weight: Tensor;
  out_proj_bias: Tensor | null;
  dropout_p: number;
  training: boolean;
  /** `[1, 1, E]` rows appended to the keys and values (`add_bias_kv`), or null. */
  bias_k?: Tensor | null;
  bias_v?: Tensor | null;
  /** Append a zero key and value to every head (`add_zero_attn`). */
  add_zero_attn?: boolean;
  /** Keys and values already split into heads, `[N·heads, S, head_dim]`, used instead of the projections. */
  static_k?: Tensor | null;
  static_v?: Tensor | null;
  /** The embedding size the caller expects (`embed_dim_to_check`). */
  embed_dim?: number;
}

/**
 * The multi-head forward on sequence-first inputs (`[L, N, E]`, or `[L, E]`
 * unbatched): projections, per-head scaled dot products with the masks,
 * softmax, dropout, the output projection. Returns the output and the
 * attention weights (averaged over heads unless asked otherwise), or null weights.
 */
export function multiHeadAttention(
  query: Tensor, key: Tensor, value: Tensor, p: MultiHeadParams,
  opts: { key_padding_mask: Tensor | null; need_weights: boolean; attn_mask: Tensor | null; average_attn_weights: boolean; is_causal: boolean },
): [Tensor, Tensor | null] {
  const batched = query.ndim === 3;
  if (query.ndim !== 3 && query.ndim !== 2) {
    throw new ShapeError(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`, { op: "multi_head_attention_forward", shapes: { query: query.shape } });
  }
  if (!batched) {
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
  }
  const [L, N, E] = query.shape as unknown as [number, number, number];
  const S = key.shape[0]!;
  const h = p.num_heads;
  const hd = E / h;
  if (key.shape[1] !== N || value.shape[1] !== N || key.ndim !== 3 || value.ndim !== 3) {
    throw new ShapeError(`key and value should have the same batch size as query (${N}), got key ${sizeText(key.shape)} and value ${sizeText(value.shape)}`,
      { op: "multi_head_attention_forward", shapes: { query: query.shape, key: key.shape, value: value.shape } });
  }
  const want = p.embed_dim ?? E;
  if (E !== want) throw new ArgumentError(`was expecting embedding dimension of ${want}, but got ${E}`, "embed_dim_to_check", "AssertionError");
  if (p.in_proj_weight && key.shape[2] !== E) {
    throw new ShapeError(`was expecting embedding dimension of ${E}, but got ${key.shape[2]}`,
      { op: "multi_head_attention_forward", shapes: { query: query.shape, key: key.shape } });
  }
  if (Math.trunc(E / h) * h !== E) {
    throw new ArgumentError(`embed_dim ${E} not divisible by num_heads ${h}`, "num_heads", "AssertionError");
  }
  let q: Tensor, k: Tensor, v: Tensor;
  if (p.in_proj_weight) {
    const [wq, wk, wv] = p.in_proj_weight.chunk(3);
    const [bq, bk, bv] = p.in_proj_bias ? p.in_proj_bias.chunk(3) : [null, null, null];
    q = linear(query, wq!, bq);
    k = linear(key, wk!, bk);
    v = linear(value, wv!, bv);
  } else {
    const [bq, bk, bv] = p.in_proj_bias ? p.in_proj_bias.chunk(3) : [null, null, null];
    q = linear(query, p.q_proj_weight!, bq);
    k = linear(key, p.k_proj_weight!, bk);
    v = linear(value, p.v_proj_weight!, bv);
  }
  let mask: Tensor | null = null;
  let attnMask = opts.attn_mask;
  if (opts.is_causal && !attnMask) attnMask = ones([L, S], { dtype: boolDType }).triu(1);
  if (attnMask) {
    if (attnMask.ndim === 2) {
      if (attnMask.shape[0] !== L || attnMask.shape[1] !== S) {
        throw new ShapeError(`The shape of the 2D attn_mask is ${sizeText(attnMask.shape)}, but should be (${L}, ${S}).`,
          { op: "multi_head_attention_forward", shapes: { attn_mask: attnMask.shape, query: query.shape, key: key.shape }, expected: { L, S }, got: { L: attnMask.shape[0]!, S: attnMask.shape[1]! } });
      }
      mask = additiveMask(attnMask, false, q.dtype).unsqueeze(0);
    } else if (attnMask.ndim === 3) {
      if (attnMask.shape[0] !== N * h || attnMask.shape[1] !== L || attnMask.shape[2] !== S) {
        throw new ShapeError(`The shape of the 3D attn_mask is ${sizeText(attnMask.shape)}, but should be (${N * h}, ${L}, ${S}).`,
          { op: "multi_head_attention_forward", shapes: { attn_mask: attnMask.shape, query: query.shape, key: key.shape }, expected: { batch_heads: N * h, L, S } });
      }
      mask = additiveMask(attnMask, false, q.dtype);
    } else {
      throw new ShapeError(`attn_mask's dimension ${attnMask.ndim} is not supported`, { op: "multi_head_attention_forward", shapes: { attn_mask: attnMask.shape } });
    }
  }
  if (opts.key_padding_mask) {
    const kpm = batched ? opts.key_padding_mask : opts.key_padding_mask.unsqueeze(0);
    if (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== S) {
      throw new ShapeError(`expecting key_padding_mask shape of (${N}, ${S}), but got ${sizeText(opts.key_padding_mask.shape)}`,
        { op: "multi_head_attention_forward", shapes: { key_padding_mask: opts.key_padding_mask.shape, key: key.shape }, expected: { N, S } });
    }
    const pad = additiveMask(kpm, false, q.dtype).reshape([N, 1, 1, S]).expand([N, h, 1, S]).reshape([N * h, 1, S]);
    mask = mask ? mask.add(pad) : pad;
  }
  // add_bias_kv: one more key and value per batch, and a column of zeros (attend freely) in the masks.
  let src = S;
  const widen = () => {
    src++;
    if (mask) mask = cat([mask, zeros([...mask.shape.slice(0, -1), 1], { dtype: mask.dtype })], -1);
  };
  if (p.bias_k && p.bias_v) {
    k = cat([k, p.bias_k.repeat([1, N, 1])]);
    v = cat([v, p.bias_v.repeat([1, N, 1])]);
    widen();
  }
  // [L, N, E] -> [N*h, L, hd]
  q = q.reshape([L, N * h, hd]).transpose(0, 1);
  k = p.static_k ?? k.reshape([k.shape[0]!, N * h, hd]).transpose(0, 1);
  v = p.static_v ?? v.reshape([v.shape[0]!, N * h, v.shape[2]! / h]).transpose(0, 1);
  if (p.static_k) src = p.static_k.shape[1]!;
  if (p.add_zero_attn) {
    k = cat([k, zeros([N * h, 1, k.shape[2]!], { dtype: k.dtype })], 1);
    v = cat([v, zeros([N * h, 1, v.shape[2]!], { dtype: v.dtype })], 1);
    widen();
  }
  let scores = q.mul(1 / Math.sqrt(hd)).bmm(k.transpose(1, 2));
  if (mask) scores = scores.add(mask);
  let weights = softmax(scores, -1);
  if (p.dropout_p > 0 && p.training) weights = dropout(weights, p.dropout_p, true);
  // [N*h, L, hd] -> [L, N, h*hd], each head's values side by side (no reshape across the batch).
  let out = weights.bmm(v).transpose(0, 1).unflatten(1, [N, h]).flatten(2);
  out = linear(out, p.out_proj_weight, p.out_proj_bias);
  if (!batched) out = out.squeeze(1);
  if (!opts.need_weights) return [out, null];
  let w = weights.unflatten(0, [N, h]);
  if (opts.average_attn_weights) w = w.mean(1);
  if (!batched) w = w.squeeze(0);
  return [out, w];
}

export const MULTI_HEAD_ATTENTION_FORWARD = signature("multi_head_attention_forward", [
  required("embed_dim_to_check", Int), required("num_heads", Int), required("in_proj_weight", optional(TensorT)),
  required("in_proj_bias", optional(TensorT)), required("bias_k", optional(TensorT)), required("bias_v", optional(TensorT)),
  required("add_zero_attn", Bool), required("dropout_p", Float), required("out_proj_weight", TensorT), required("out_proj_bias", optional(TensorT)),
  arg("training", Bool, true), arg("key_padding_mask", optional(TensorT), null), arg("need_weights", Bool, true),
  arg("attn_mask", optional(TensorT), null), arg("use_separate_proj_weight", Bool, false), arg("q_proj_weight", optional(TensorT), null),
  arg("k_proj_weight", optional(TensorT), null), arg("v_proj_weight", optional(TensorT), null), arg("static_k", optional(TensorT), null),
  arg("static_v", optional(TensorT), null), arg("average_attn_weights", Bool, true), arg("is_causal", Bool, false),
], 3);

/** The trace's view of `F.multi_head_attention_forward`: the multi-head attention family, sequence first. */
function describeMultiHeadForward(args: readonly unknown[]): OpSpec {
  const last = args[args.length - 1];
  const kw = isOptions(last) ? last : {};
  const at = (i: number, name: string) => (i < args.length && !(i === args.length - 1 && isOptions(last)) ? args[i] : kw[name]);
  const E = Number(at(3, "embed_dim_to_check"));
  const separate = at(17, "use_separate_proj_weight") === true;
  const dim = (w: unknown) => (separate && w && typeof w === "object" && "shape" in w ? (w as Tensor).shape[1]! : E);
  return spec(multiheadAttention, {
    embed_dim: E, num_heads: Number(at(4, "num_heads")), kdim: dim(at(19, "k_proj_weight")), vdim: dim(at(20, "v_proj_weight")), batch_first: false,
  });
}

/**
 * PyTorch's functional multi-head attention, with its positional signature
 * (`query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
 * in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
 * out_proj_bias, training, key_padding_mask, need_weights, attn_mask,
 * use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
 * static_k, static_v, average_attn_weights, is_causal`), any of them after
 * `out_proj_bias` by keyword in the options object. Inputs are sequence first
 * (`[L, N, E]`, or `[L, E]` unbatched). Returns the output and the attention
 * weights (null with `need_weights: false`).
 *
 * @example
 * const mha = new nn.MultiheadAttention(8, 2);
 * const [out, w] = F.multi_head_attention_forward(x, x, x, 8, 2, mha.in_proj_weight, mha.in_proj_bias, null, null, false, 0,
 *   mha.out_proj.weight, mha.out_proj.bias, { training: false });
 */
export const multi_head_attention_forward = hooked("F.multi_head_attention_forward", function multi_head_attention_forward(
  query: Tensor, key: Tensor, value: Tensor, ...args: ArgsOf<typeof MULTI_HEAD_ATTENTION_FORWARD>
): [Tensor, Tensor | null] {
  const o = MULTI_HEAD_ATTENTION_FORWARD.parse(args);
  if (o.is_causal && !o.attn_mask) {
    throw new ArgumentError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module method " +
      "`generate_square_subsequent_mask` to create this mask.", "is_causal", "RuntimeError");
  }
  if (o.use_separate_proj_weight) {
    if (!o.q_proj_weight) throw new ArgumentError("use_separate_proj_weight is True but q_proj_weight is None", "q_proj_weight", "AssertionError");
    if (!o.k_proj_weight) throw new ArgumentError("use_separate_proj_weight is True but k_proj_weight is None", "k_proj_weight", "AssertionError");
    if (!o.v_proj_weight) throw new ArgumentError("use_separate_proj_weight is True but v_proj_weight is None", "v_proj_weight", "AssertionError");
  } else if (!o.in_proj_weight) {
    throw new ArgumentError("use_separate_proj_weight is False but in_proj_weight is None", "in_proj_weight", "AssertionError");
  }
  if ((o.bias_k === null) !== (o.bias_v === null)) throw new ArgumentError("bias cannot be added to static key.", "bias_k", "AssertionError");
  return multiHeadAttention(query, key, value, {
    num_heads: o.num_heads, embed_dim: o.embed_dim_to_check,
    in_proj_weight: o.use_separate_proj_weight ? null : o.in_proj_weight, in_proj_bias: o.in_proj_bias,
    q_proj_weight: o.q_proj_weight, k_proj_weight: o.k_proj_weight, v_proj_weight: o.v_proj_weight,
    out_proj_weight: o.out_proj_weight, out_proj_bias: o.out_proj_bias, dropout_p: o.training ? o.dropout_p : 0, training: o.training,
    bias_k: o.bias_k, bias_v: o.bias_v, add_zero_attn: o.add_zero_attn, static_k: o.static_k, static_v: o.static_v,
  }, {
    key_padding_mask: o.key_padding_mask, need_weights: o.need_weights, attn_mask: o.attn_mask,
    average_attn_weights: o.average_attn_weights, is_causal: false,
  });
}, describeMultiHeadForward);
