/**
 * `F.embedding_bag`: the sum, mean or max of the embeddings of each bag of
 * indices, without building the `[bags, length, dim]` tensor in between.
 * Bags are the rows of a 2-D input, or the runs of a 1-D input that start at
 * `offsets`. `per_sample_weights` (mode "sum") scales each looked-up row;
 * `padding_idx` entries are left out (of the mean's count too); an empty bag
 * gives zeros. PyTorch 2.x's checks and messages.
 *
 * The sum and mean are a matrix of bag weights times the looked-up rows, so
 * gradients reach the table and the per-sample weights through those ops.
 *
 * @example
 * const w = torch.randn(10, 3);
 * F.embedding_bag(torch.tensor([1, 2, 4, 5, 4, 3]), w, torch.tensor([0, 3])).shape   // torch.Size([2, 3])
 */
import { DTypeError, ArgumentError, TsorchError } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { stack } from "../../ops/join.js";
import { type ArgsOf, Bool, Float, Int, TensorT, arg, oneOf, optional, signature } from "../../ops/signature.js";
import { describeEmbeddingBag } from "../../shape/families/sequence.js";
import { tensor, zeros } from "../../tensor/creation.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
import type { Tensor } from "../../tensor/tensor.js";
import { embedding, paddingIndex } from "./embedding.js";

export const EMBEDDING_BAG = signature("embedding_bag", [
  arg("offsets", optional(TensorT), null), arg("max_norm", optional(Float), null), arg("norm_type", Float, 2),
  arg("scale_grad_by_freq", Bool, false), arg("mode", oneOf("sum", "mean", "max"), "mean"), arg("sparse", Bool, false),
  arg("per_sample_weights", optional(TensorT), null), arg("include_last_offset", Bool, false), arg("padding_idx", optional(Int), null),
], 2);

function valueError(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "ValueError");
}

const TYPE_NAMES: Record<string, string> = { float32: "FloatTensor", float64: "DoubleTensor", bool: "BoolTensor", uint8: "ByteTensor" };

/** `torch.Size([2, 3])`. */
function size(t: Tensor): string {
  return `torch.Size([${t.shape.join(", ")}])`;
}

/**
 * Sums (`mode: "sum"`), averages (`"mean"`, the default) or takes the maximum (`"max"`) of the
 * embeddings of each bag: `[bags, embedding_dim]`.
 *
 * @example
 * F.embedding_bag(torch.tensor([[1, 2], [4, 4]]), w, { mode: "sum" })   // two bags of two
 */
export const embedding_bag = hooked("F.embedding_bag", function embedding_bag(
  input: Tensor, weight: Tensor, ...args: ArgsOf<typeof EMBEDDING_BAG>
): Tensor {
  const o = EMBEDDING_BAG.parse(args);
  let psw = o.per_sample_weights;
  if (psw && (psw.ndim !== input.ndim || psw.shape.some((s, i) => s !== input.shape[i]))) {
    throw valueError(`embedding_bag: If per_sample_weights (${size(psw)}) is not None, then it must have the same shape as the input (${size(input)})`, "per_sample_weights");
  }
  if (weight.ndim !== 2) throw valueError(`weight has to be a 2D Tensor, but got Tensor of dimension ${weight.ndim}`, "weight");
  let offsets: number[];
  let flat = input;
  if (input.ndim === 2) {
    if (o.offsets !== null) {
      throw valueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>", "offsets");
    }
    offsets = [...Array(input.shape[0]!).keys()].map((b) => b * input.shape[1]!);
    flat = input.reshape(-1);
    if (psw) psw = psw.reshape(-1);
  } else if (input.ndim === 1) {
    if (o.offsets === null) throw valueError("offsets has to be a 1D Tensor but got None", "offsets");
    if (o.offsets.ndim !== 1) throw valueError("offsets has to be a 1D Tensor", "offsets");
    offsets = [];
  } else {
    throw valueError(`input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.ndim}`, "input");
  }
  if (psw && o.mode !== "sum") {
    throw new TsorchError(
      `embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='${o.mode}'). Please open a feature request on GitHub.`,
      "NotImplementedError");
  }
  for (const [t, name] of [[input, "indices"], [o.offsets, "offsets"]] as const) {
    if (t && t.dtype.kind !== "int") {
      throw new DTypeError(
        `Expected tensor for argument #1 '${name === "offsets" ? "indices" : name}' to have one of the following scalar types: Long, Int; but got torch.${TYPE_NAMES[t.dtype.name] ?? t.dtype.name} instead (while checking arguments for embedding_bag)`,
        "embedding_bag", [t.dtype.name]);
    }
  }
  const T = flat.shape[0]!;
  const n = weight.shape[0]!;
  const D = weight.shape[1]!;
  if (input.ndim === 1) {
    offsets = Array.from(o.offsets!._contiguousData() as ArrayLike<number>, Number);
    if (offsets.length > 0 && offsets[0] !== 0) {
      throw new TsorchError(`offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got ${offsets[0]}`);
    }
    const last = offsets[offsets.length - 1] ?? 0;
    if (last > T) throw new TsorchError(`offsets[-1] can not be greater than input's length ${T} but got offsets[-1] of ${last}`);
  }
  const bags = o.include_last_offset && input.ndim === 1 ? Math.max(offsets.length - 1, 0) : offsets.length;
  const ends = offsets.map((_, b) => (b + 1 < offsets.length ? offsets[b + 1]! : T));
  if (isMeta(input) || isMeta(weight)) return metaTensor([bags, D], weight.dtype);
  const idx = Array.from(flat._contiguousData() as ArrayLike<number>, Number);
  idx.forEach((v, i) => {
    if (v < 0 || v >= n) throw new TsorchError(`Index ${i} of input takes value ${v} which is not in the valid range [0, ${n})`);
  });
  const pad = paddingIndex(o.padding_idx, n);
  // [T, D]: every looked-up row (renormalised first with max_norm).
  let rows = embedding(flat, weight, { max_norm: o.max_norm, norm_type: o.norm_type });
  if (psw) rows = rows.mul(psw.unsqueeze(1));
  const kept = (b: number): number[] => {
    const out: number[] = [];
    for (let i = offsets[b]!; i < ends[b]!; i++) if (idx[i] !== pad) out.push(i);
    return out;
  };
  if (o.mode === "max") {
    const per = [...Array(bags).keys()].map((b) => {
      const k = kept(b);
      return k.length === 0 ? zeros([D], { dtype: weight.dtype }) : rows.index_select(0, tensor(k, { dtype: "int64" })).amax(0);
    });
    return bags === 0 ? zeros([0, D], { dtype: weight.dtype }) : stack(per);
  }
  // [bags, T]: which rows each bag adds, and with what weight.
  const S = new Float64Array(bags * T);
  for (let b = 0; b < bags; b++) {
    const k = kept(b);
    for (const i of k) S[b * T + i] = o.mode === "mean" ? 1 / k.length : 1;
  }
  return tensor(S, { dtype: weight.dtype }).reshape([bags, T]).matmul(rows);
}, describeEmbeddingBag);
