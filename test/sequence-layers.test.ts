/**
 * Sequence and attention layers against PyTorch 2.x (test/fixtures/gen_sequence.py):
 * the seeded init (every parameter after manual_seed(0)), the repr, the outputs,
 * the gradients of the sum of the outputs, and the errors with PyTorch's text.
 * Each case builds here the module gen_sequence.py builds under the same name.
 */
import { describe, expect, it } from "vitest";
import { F, nn, torch } from "../src/index.js";
import { type Builds, moduleCases, readModuleFixture } from "./module-fixture-support.js";

const fixture = readModuleFixture("sequence.json");
const { pack_padded_sequence, pad_packed_sequence } = nn.utils.rnn;

const BUILD: Builds = {
  "embedding": [() => new nn.Embedding(10, 3)],
  "embedding padding_idx": [() => new nn.Embedding(10, 3, { padding_idx: 0 })],
  "embedding max_norm": [() => new nn.Embedding(10, 3, { max_norm: 1.0 })],
  "embedding index out of range": [() => new nn.Embedding(10, 3)],
  "layer_norm": [() => new nn.LayerNorm(4)],
  "layer_norm 2d no affine": [() => new nn.LayerNorm([3, 4], { elementwise_affine: false })],
  "layer_norm wrong shape": [() => new nn.LayerNorm(5)],
  "group_norm": [() => new nn.GroupNorm(2, 6)],
  "rms_norm": [() => new nn.RMSNorm(4)],
  "instance_norm2d": [() => new nn.InstanceNorm2d(3)],
  "instance_norm2d affine": [() => new nn.InstanceNorm2d(3, { affine: true })],
  "rnn": [() => new nn.RNN(4, 5)],
  "rnn relu 2 layers": [() => new nn.RNN(4, 5, 2, "relu")],
  "lstm": [() => new nn.LSTM(4, 5)],
  "lstm 2 layers bidirectional batch_first": [() => new nn.LSTM(4, 5, { num_layers: 2, bidirectional: true, batch_first: true })],
  "lstm initial state": [() => new nn.LSTM(4, 5), (m, x, h, c) => (m as nn.LSTM)(x!, [h!, c!])],
  "lstm unbatched": [() => new nn.LSTM(4, 5)],
  "lstm no bias": [() => new nn.LSTM(4, 5, { bias: false })],
  "lstm wrong input size": [() => new nn.LSTM(4, 5)],
  "lstm wrong hidden size": [() => new nn.LSTM(4, 5), (m, x, h, c) => (m as nn.LSTM)(x!, [h!, c!])],
  "lstm packed": [() => new nn.LSTM(4, 5, { bidirectional: true }),
    (m, x) => pad_packed_sequence((m as nn.LSTM).forward(pack_padded_sequence(x!, [5, 2, 3], { enforce_sorted: false }))[0])[0]],
  "gru": [() => new nn.GRU(4, 5)],
  "gru bidirectional": [() => new nn.GRU(4, 5, { bidirectional: true, num_layers: 2 })],
  "mha": [() => new nn.MultiheadAttention(8, 2)],
  "mha self batch_first masks": [() => new nn.MultiheadAttention(8, 2, { batch_first: true }), (m, x) => (m as nn.MultiheadAttention)(x!, x!, x!, {
    key_padding_mask: torch.tensor([[false, false, false, false, true], [false, false, false, false, false]]),
    attn_mask: torch.ones([5, 5], { dtype: torch.bool }).triu(1),
  })],
  "mha per-head weights": [() => new nn.MultiheadAttention(8, 4), (m, x) => (m as nn.MultiheadAttention)(x!, x!, x!, { average_attn_weights: false })],
  "mha float mask": [() => new nn.MultiheadAttention(8, 2), (m, x) => (m as nn.MultiheadAttention)(x!, x!, x!, { attn_mask: torch.tensor([[0, -1, -2], [0, -1, -2], [0, -1, -2]]).float() })],
  "mha wrong mask shape": [() => new nn.MultiheadAttention(8, 2), (m, x) => (m as nn.MultiheadAttention)(x!, x!, x!, { attn_mask: torch.zeros([3, 4], { dtype: torch.bool }) })],
  "mha kdim vdim": [() => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5 })],
  "transformer encoder layer": [() => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 })],
  "transformer encoder layer norm_first gelu batch_first": [() => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, activation: "gelu", norm_first: true, batch_first: true })],
  "transformer encoder": [() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 }), 2)],
  "sdpa": [() => new nn.Identity(), (_m, q, k, v) => F.scaled_dot_product_attention(q!, k!, v!)],
  "sdpa causal scale": [() => new nn.Identity(), (_m, q, k, v) => F.scaled_dot_product_attention(q!, k!, v!, { is_causal: true, scale: 0.5 })],
  "sdpa bool mask": [() => new nn.Identity(), (_m, q, k, v) => F.scaled_dot_product_attention(q!, k!, v!, { attn_mask: torch.tensor([true, true, false, true]) })],
};

describe(`sequence and attention layers against PyTorch ${fixture.torch}`, () => {
  moduleCases(fixture, BUILD);
});

describe("the batch_first mistake", () => {
  it("is explained where the batches meet: which dim was read as the batch, and the layout that put it there", () => {
    torch.manual_seed(0);
    const lstm = new nn.LSTM(16, 32);                   // without batch_first
    const attn = new nn.MultiheadAttention(32, 1, { batch_first: true });
    const [out, [h]] = lstm(torch.randn(64, 12, 16));   // meant as batch 64, sequence 12
    expect([...h.shape]).toEqual([1, 12, 32]);
    let err: unknown;
    try { attn(h.transpose(0, 1), out, out); } catch (e) { err = e; }
    const lines = (err as Error).message.split("\n");
    expect(lines[0]).toBe("key and value should have the same batch size as query (12), got key torch.Size([64, 12, 32])");
    expect(lines[1]).toContain("the query has 12 sequences of 1 step, the key 64 of 12");
    expect(lines[3]).toContain("{ batch_first: true }");
  });
});
