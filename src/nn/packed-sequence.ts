/**
 * `nn.utils.rnn`: `PackedSequence`, `pack_padded_sequence` and
 * `pad_packed_sequence`. A batch of sequences of different lengths is packed
 * time step by time step (the longest first), so the recurrent layers stop
 * each sequence at its own length; `pad_packed_sequence` gives back the
 * padded tensor and the lengths, in the batch's original order.
 *
 * @example
 * const packed = nn.utils.rnn.pack_padded_sequence(x, [5, 3, 2], { batch_first: true });
 * const [out] = lstm(packed);
 * const [padded, lengths] = nn.utils.rnn.pad_packed_sequence(out, { batch_first: true });
 */
import { ArgumentError } from "../errors.js";
import { type ArgsOf, Bool, Float, Int, arg, optional, signature, union, IntList, TensorT } from "../ops/signature.js";
import { cat, stack } from "../ops/join.js";
import { full, tensor } from "../tensor/creation.js";
import { int64 } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

/** Packed sequences: `data` is `[sum(lengths), *]`, time step by time step; `batch_sizes[t]` sequences are still running at step t. */
export class PackedSequence {
  constructor(
    readonly data: Tensor,
    readonly batch_sizes: Tensor,
    readonly sorted_indices: Tensor | null,
    readonly unsorted_indices: Tensor | null,
  ) {}

  toString(): string {
    return `PackedSequence(data=${String(this.data)}, batch_sizes=${String(this.batch_sizes)}, sorted_indices=${String(this.sorted_indices)}, unsorted_indices=${String(this.unsorted_indices)})`;
  }
}

export const PACK_PADDED_SEQUENCE = signature("pack_padded_sequence", [
  arg("batch_first", Bool, false), arg("enforce_sorted", Bool, true),
], 2);
export const PAD_PACKED_SEQUENCE = signature("pad_packed_sequence", [
  arg("batch_first", Bool, false), arg("padding_value", Float, 0.0), arg("total_length", optional(Int), null),
]);

const LENGTHS = union(IntList, TensorT, "tuple of ints or Tensor");

/**
 * Packs a padded batch (`[T, B, *]`, or `[B, T, *]` with `batch_first`) whose
 * sequences have `lengths`. With `enforce_sorted` (the default) the lengths
 * must be decreasing; otherwise the batch is sorted and the order remembered.
 */
export function pack_padded_sequence(input: Tensor, lengths: readonly number[] | Tensor, ...args: ArgsOf<typeof PACK_PADDED_SEQUENCE>): PackedSequence {
  const { batch_first, enforce_sorted } = PACK_PADDED_SEQUENCE.parse(args);
  const lensRead = LENGTHS.read(lengths);
  const lens = lensRead instanceof Array ? [...lensRead] : Array.from((lengths as Tensor)._contiguousData());
  const x = batch_first ? input.transpose(0, 1) : input;
  const B = x.shape[1]!;
  if (lens.length !== B) throw new ArgumentError(`Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${B})`, "lengths", "RuntimeError");
  let order = [...lens.keys()];
  let sortedIdx: Tensor | null = null;
  let unsortedIdx: Tensor | null = null;
  if (enforce_sorted) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i]! > lens[i - 1]!) {
        throw new ArgumentError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.", "lengths", "RuntimeError");
      }
    }
  } else {
    order = [...lens.keys()].sort((a, b) => lens[b]! - lens[a]! || a - b);
    sortedIdx = tensor(order, { dtype: int64 });
    const inverse = new Array<number>(B);
    order.forEach((o, i) => { inverse[o] = i; });
    unsortedIdx = tensor(inverse, { dtype: int64 });
  }
  const sortedLens = order.map((i) => lens[i]!);
  if (sortedLens[sortedLens.length - 1]! <= 0) {
    throw new ArgumentError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0", "lengths", "RuntimeError");
  }
  if (sortedLens[0]! > x.shape[0]!) {
    throw new ArgumentError(`Expected sequence length to be larger than or equal to ${sortedLens[0]} but got ${x.shape[0]}`, "lengths", "RuntimeError");
  }
  const xs = sortedIdx ? x.index_select(1, sortedIdx) : x;
  const batchSizes: number[] = [];
  for (let t = 0; t < sortedLens[0]!; t++) batchSizes.push(sortedLens.filter((l) => l > t).length);
  const data = cat(batchSizes.map((bs, t) => xs.select(0, t).narrow(0, 0, bs)), 0);
  return new PackedSequence(data, tensor(batchSizes, { dtype: int64 }), sortedIdx, unsortedIdx);
}

/** The padded `[T, B, *]` tensor (sorted order) and the sorted lengths of a packed batch. */
export function unpackSorted(packed: PackedSequence, padding_value: number, total_length: number | null = null): [Tensor, number[]] {
  const sizes = Array.from(packed.batch_sizes._contiguousData());
  const B = sizes[0]!;
  const rest = packed.data.shape.slice(1);
  const steps: Tensor[] = [];
  let offset = 0;
  for (const bs of sizes) {
    const piece = packed.data.narrow(0, offset, bs);
    offset += bs;
    steps.push(bs === B ? piece : cat([piece, full([B - bs, ...rest], padding_value, { dtype: packed.data.dtype })], 0));
  }
  const T = total_length ?? sizes.length;
  if (T < sizes.length) {
    throw new ArgumentError(`Expected total_length to be at least the length of the longest sequence in input, but got total_length=${T} and max sequence length being ${sizes.length}`, "total_length", "ValueError");
  }
  for (let t = sizes.length; t < T; t++) steps.push(full([B, ...rest], padding_value, { dtype: packed.data.dtype }));
  const lengths = [...Array(B).keys()].map((b) => sizes.filter((s) => s > b).length);
  return [stack(steps, 0), lengths];
}

/** Packs `out` (`[T, B, *]`, sorted order) with the batch sizes of `like`. */
export function packSorted(out: Tensor, like: PackedSequence): PackedSequence {
  const sizes = Array.from(like.batch_sizes._contiguousData());
  const data = cat(sizes.map((bs, t) => out.select(0, t).narrow(0, 0, bs)), 0);
  return new PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices);
}

/** The padded batch and its lengths (int64), in the original batch order. */
export function pad_packed_sequence(sequence: PackedSequence, ...args: ArgsOf<typeof PAD_PACKED_SEQUENCE>): [Tensor, Tensor] {
  const { batch_first, padding_value, total_length } = PAD_PACKED_SEQUENCE.parse(args);
  let [padded, lengths] = unpackSorted(sequence, padding_value, total_length);
  let lens = tensor(lengths, { dtype: int64 });
  if (sequence.unsorted_indices) {
    padded = padded.index_select(1, sequence.unsorted_indices);
    lens = lens.index_select(0, sequence.unsorted_indices);
  }
  return [batch_first ? padded.transpose(0, 1) : padded, lens];
}

