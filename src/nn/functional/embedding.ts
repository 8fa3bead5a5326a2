/**
 * `F.embedding`: rows of a weight matrix picked by integer indices, with
 * PyTorch's `padding_idx` (that row gets no gradient) and `max_norm` (the
 * rows looked up are renormalised in place to at most `max_norm`).
 *
 * @example
 * const w = torch.randn(10, 3);
 * F.embedding(torch.tensor([[1, 2], [4, 9]]), w).shape   // torch.Size([2, 2, 3])
 */
import { no_grad } from "../../autograd/grad-mode.js";
import { DTypeError, IndexError, ShapeError } from "../../errors.js";
import { type ArgsOf, Bool, Float, Int, arg, optional, signature } from "../../ops/signature.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
import { Tensor } from "../../tensor/tensor.js";
import { writeInPlace } from "../in-place.js";
import { hooked } from "../../ops/op-hook.js";
import { describeEmbedding } from "../../shape/families/index.js";

export const EMBEDDING = signature("embedding", [
  arg("padding_idx", optional(Int), null), arg("max_norm", optional(Float), null), arg("norm_type", Float, 2.0),
  arg("scale_grad_by_freq", Bool, false), arg("sparse", Bool, false),
], 2);

/** The index a learner most often gets wrong, with PyTorch's message; `numEmbeddings` is the weight's row count. */
export class EmbeddingIndexError extends IndexError {
  constructor(readonly badIndex: number, readonly numEmbeddings: number) {
    super("index out of range in self", badIndex, [0, numEmbeddings - 1]);
  }
}

/** Checks the indices against the table, with PyTorch's errors. */
function checkIndices(input: Tensor, weight: Tensor): void {
  if (input.dtype.kind !== "int") {
    throw new DTypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${input.dtype.name === "float32" ? "FloatTensor" : input.dtype.name === "float64" ? "DoubleTensor" : "BoolTensor"} instead (while checking arguments for embedding)`, "embedding", [input.dtype.name]);
  }
  if (isMeta(input)) return;
  const n = weight.shape[0]!;
  const data = input._contiguousData();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= n) throw new EmbeddingIndexError(v, n);
  }
}

/** Resolves a negative `padding_idx` against the table size, with PyTorch's assertion text. */
export function paddingIndex(padding_idx: number | null, num_embeddings: number): number | null {
  if (padding_idx === null) return null;
  if (padding_idx >= num_embeddings || padding_idx < -num_embeddings) {
    throw new IndexError(padding_idx > 0 ? "Padding_idx must be within num_embeddings" : "Padding_idx must be within num_embeddings", padding_idx, [-num_embeddings, num_embeddings - 1]);
  }
  return padding_idx < 0 ? padding_idx + num_embeddings : padding_idx;
}

/** Scales the rows `indices` of `weight` in place so that their `norm_type`-norm is at most `max_norm`. */
function renorm(weight: Tensor, input: Tensor, max_norm: number, norm_type: number): void {
  no_grad(() => {
    const rows = [...new Set(Array.from(input._contiguousData()))];
    const data = weight.contiguous()._contiguousData().slice();
    const d = weight.shape[1]!;
    for (const r of rows) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.abs(data[r * d + j]!) ** norm_type;
      const norm = s ** (1 / norm_type);
      if (norm > max_norm) {
        const scale = max_norm / (norm + 1e-7);
        for (let j = 0; j < d; j++) data[r * d + j] = data[r * d + j]! * scale;
      }
    }
    writeInPlace(weight, data);
  });
}

/**
 * Looks up rows of `weight` (`[num_embeddings, embedding_dim]`) for every
 * index of `input`: the result has shape `[...input.shape, embedding_dim]`.
 */
export const embedding = hooked("F.embedding", function embedding(input: Tensor, weight: Tensor, ...args: ArgsOf<typeof EMBEDDING>): Tensor {
  const { padding_idx, max_norm, norm_type } = EMBEDDING.parse(args);
  if (weight instanceof Tensor && weight.ndim !== 2) {
    throw new ShapeError("'weight' must be 2-D", { op: "embedding", shapes: { weight: weight.shape }, expected: { ndim: 2 }, got: { ndim: weight.ndim } });
  }
  checkIndices(input, weight);
  const pad = paddingIndex(padding_idx, weight.shape[0]!);
  const shape = [...input.shape, weight.shape[1]!];
  if (isMeta(input) || isMeta(weight)) return metaTensor(shape, weight.dtype);
  if (max_norm !== null) renorm(weight, input, max_norm, norm_type);
  const flat = input.reshape(-1);
  let rows = weight.index_select(0, flat);
  if (pad !== null && weight.requires_grad) {
    // The padding row reads the same values but passes no gradient back.
    const keep = flat.ne(pad).unsqueeze(1);
    rows = rows.where(keep, no_grad(() => weight.index_select(0, flat)));
  }
  return rows.reshape(shape);
}, describeEmbedding);
