/**
 * `torch.nn.utils`: `nn.utils.rnn` for variable-length batches.
 *
 * @example
 * const packed = nn.utils.rnn.pack_padded_sequence(x, lengths, { batch_first: true, enforce_sorted: false });
 */
export * as rnn from "./packed-sequence.js";
