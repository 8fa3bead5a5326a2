/**
 * `nn.Embedding`: a learned table of `num_embeddings` vectors of size
 * `embedding_dim`, looked up by integer index. Drawn from N(0, 1) (PyTorch's
 * init, so seeded tables match), with the `padding_idx` row zeroed and kept
 * out of the gradient; `max_norm` renormalises the rows it reads.
 *
 * An index outside the table is PyTorch's `IndexError: index out of range in
 * self`, raised as an `EmbeddingIndexError` carrying the index and the size.
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { padding_idx: 0 });
 * emb(torch.tensor([[0, 2], [4, 9]])).shape   // torch.Size([2, 2, 3])
 * String(emb)                                 // "Embedding(10, 3, padding_idx=0)"
 */
import { requiredByKeyword } from "./args.js";
import { no_grad } from "../autograd/grad-mode.js";
import { type ArgsOf, Bool, DTypeT, Float, Int, Str, TensorT, arg, kwarg, oneOf, optional, signature } from "../ops/signature.js";
import { TsorchError } from "../errors.js";
import { embedding_bag } from "./functional/embedding-bag.js";
import { empty } from "../tensor/creation.js";
import { toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { embedding, paddingIndex } from "./functional/embedding.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyFloat, pyValue } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { embedding as embeddingFamily, embeddingBag as embeddingBagFamily } from "../shape/families/sequence.js";

/** An embedding table's init: N(0, 1), then the padding row set to zeros. */
function drawTable(weight: Tensor, padding_idx: number | null): void {
  normal_(weight);
  if (padding_idx !== null) no_grad(() => weight.select(0, padding_idx).fill_(0));
}

export const EMBEDDING_INIT = signature("Embedding.__init__", [
  arg("padding_idx", optional(Int), null), arg("max_norm", optional(Float), null), arg("norm_type", Float, 2.0),
  arg("scale_grad_by_freq", Bool, false), arg("sparse", Bool, false), arg("_weight", optional(TensorT), null),
  arg("_freeze", Bool, false), kwarg("device", optional(Str), null), kwarg("dtype", optional(DTypeT), null),
], 3);

export class Embedding extends Module {
  declare num_embeddings: number;
  declare embedding_dim: number;
  declare padding_idx: number | null;
  declare max_norm: number | null;
  declare norm_type: number;
  declare scale_grad_by_freq: boolean;
  declare sparse: boolean;
  /** `[num_embeddings, embedding_dim]`. */
  declare weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, ...args: ArgsOf<typeof EMBEDDING_INIT>) {
    super();
    [num_embeddings, embedding_dim, ...args] = requiredByKeyword("Embedding", ["num_embeddings", "embedding_dim"], [num_embeddings, embedding_dim, ...args]) as [number, number, ...typeof args];
    const o = EMBEDDING_INIT.parse(args);
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.padding_idx = paddingIndex(o.padding_idx, num_embeddings);
    this.max_norm = o.max_norm;
    this.norm_type = o.norm_type;
    this.scale_grad_by_freq = o.scale_grad_by_freq;
    this.sparse = o.sparse;
    if (o._weight) {
      this.weight = new Parameter(o._weight, !o._freeze);
    } else {
      this.weight = new Parameter(empty([num_embeddings, embedding_dim], { dtype: toDType(o.dtype ?? null) }), !o._freeze);
      this.reset_parameters();
    }
  }

  /** N(0, 1), then the padding row set to zeros. */
  reset_parameters(): void {
    drawTable(this.weight, this.padding_idx);
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.padding_idx, this.max_norm, this.norm_type, this.scale_grad_by_freq, this.sparse);
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyFloat(this.norm_type)}`;
    if (this.scale_grad_by_freq) s += `, scale_grad_by_freq=${pyValue(true)}`;
    if (this.sparse) s += ", sparse=True";
    return s;
  }

  /** An embedding whose table is `embeddings` (frozen unless `freeze: false`). */
  static from_pretrained(embeddings: Tensor, options: { freeze?: boolean; padding_idx?: number | null; max_norm?: number | null } = {}): Embedding {
    const [n, d] = embeddings.shape as unknown as [number, number];
    return new Embedding(n, d, { _weight: embeddings, _freeze: options.freeze ?? true, padding_idx: options.padding_idx ?? null, max_norm: options.max_norm ?? null });
  }

  override op_spec(): OpSpec {
    return spec(embeddingFamily, { num_embeddings: this.num_embeddings, embedding_dim: this.embedding_dim });
  }
}

export const EMBEDDING_BAG_INIT = signature("EmbeddingBag.__init__", [
  arg("max_norm", optional(Float), null), arg("norm_type", Float, 2.0), arg("scale_grad_by_freq", Bool, false),
  arg("mode", oneOf("sum", "mean", "max"), "mean"), arg("sparse", Bool, false), arg("_weight", optional(TensorT), null),
  arg("include_last_offset", Bool, false), arg("padding_idx", optional(Int), null),
  kwarg("device", optional(Str), null), kwarg("dtype", optional(DTypeT), null),
], 3);

export const EMBEDDING_BAG_FORWARD = signature("EmbeddingBag.forward", [
  arg("offsets", optional(TensorT), null), arg("per_sample_weights", optional(TensorT), null),
], 2);

/**
 * `nn.EmbeddingBag`: the sum, mean or max of the embeddings of each bag of
 * indices (a bag-of-words model's first layer), drawn from N(0, 1) like
 * `nn.Embedding`. Bags are the rows of a 2-D input or the runs of a 1-D input
 * starting at `offsets`.
 *
 * @example
 * const bag = new nn.EmbeddingBag(10, 3, { mode: "sum" });
 * bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])).shape   // torch.Size([2, 3])
 * String(bag)                                                              // "EmbeddingBag(10, 3, mode='sum')"
 */
export class EmbeddingBag extends Module {
  declare num_embeddings: number;
  declare embedding_dim: number;
  declare max_norm: number | null;
  declare norm_type: number;
  declare scale_grad_by_freq: boolean;
  declare mode: "sum" | "mean" | "max";
  declare sparse: boolean;
  declare include_last_offset: boolean;
  declare padding_idx: number | null;
  /** `[num_embeddings, embedding_dim]`. */
  declare weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, ...args: ArgsOf<typeof EMBEDDING_BAG_INIT>) {
    super();
    [num_embeddings, embedding_dim, ...args] = requiredByKeyword("EmbeddingBag", ["num_embeddings", "embedding_dim"], [num_embeddings, embedding_dim, ...args]) as [number, number, ...typeof args];
    const o = EMBEDDING_BAG_INIT.parse(args);
    if (o.padding_idx !== null && (o.padding_idx >= num_embeddings || o.padding_idx < -num_embeddings)) {
      throw new TsorchError("padding_idx must be within num_embeddings", "AssertionError");
    }
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.max_norm = o.max_norm;
    this.norm_type = o.norm_type;
    this.scale_grad_by_freq = o.scale_grad_by_freq;
    this.mode = o.mode;
    this.sparse = o.sparse;
    this.include_last_offset = o.include_last_offset;
    this.padding_idx = paddingIndex(o.padding_idx, num_embeddings);
    if (o._weight) {
      this.weight = new Parameter(o._weight);
    } else {
      this.weight = new Parameter(empty([num_embeddings, embedding_dim], { dtype: toDType(o.dtype ?? null) }));
      this.reset_parameters();
    }
  }

  /** N(0, 1), then the padding row set to zeros. */
  reset_parameters(): void {
    drawTable(this.weight, this.padding_idx);
  }

  override forward(input: Tensor, ...args: ArgsOf<typeof EMBEDDING_BAG_FORWARD>): Tensor {
    const { offsets, per_sample_weights } = EMBEDDING_BAG_FORWARD.parse(args);
    return embedding_bag(input, this.weight, {
      offsets, max_norm: this.max_norm, norm_type: this.norm_type, scale_grad_by_freq: this.scale_grad_by_freq, mode: this.mode,
      sparse: this.sparse, per_sample_weights, include_last_offset: this.include_last_offset, padding_idx: this.padding_idx,
    });
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyFloat(this.norm_type)}`;
    if (this.scale_grad_by_freq) s += `, scale_grad_by_freq=${pyValue(true)}`;
    s += `, mode='${this.mode}'`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    return s;
  }

  override op_spec(): OpSpec {
    return spec(embeddingBagFamily, { num_embeddings: this.num_embeddings, embedding_dim: this.embedding_dim, mode: this.mode });
  }
}
