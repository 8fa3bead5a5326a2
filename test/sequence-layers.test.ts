/**
 * Sequence and attention layers against PyTorch 2.x (test/fixtures/gen_sequence.py):
 * the seeded init (every parameter after manual_seed(0)), the repr, the outputs,
 * the gradients of the sum of the outputs, and the errors with PyTorch's text.
 * Each case builds here the module gen_sequence.py builds under the same name.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { F, nn, torch, type Tensor } from "../src/index.js";
import type { Module } from "../src/nn/module.js";
import { type EncodedTensor, decodeInput, expectClose } from "./ops-fixture-support.js";

interface SeqCase {
  name: string;
  repr: string;
  params: [string, EncodedTensor][];
  inputs: EncodedTensor[];
  outputs?: EncodedTensor[];
  input_grads?: (EncodedTensor | null)[];
  param_grads?: [string, EncodedTensor | null][];
  error?: { type: string; message: string };
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/sequence.json", import.meta.url), "utf8")) as { torch: string; cases: SeqCase[] };

type Call = (m: Module, ...inputs: Tensor[]) => unknown;
const call: Call = (m, ...xs) => (m as unknown as (...a: Tensor[]) => unknown)(...xs);
const { pack_padded_sequence, pad_packed_sequence } = nn.utils.rnn;

const BUILD: Record<string, [() => Module, Call?]> = {
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

function flat(out: unknown): Tensor[] {
  if (out instanceof torch.Tensor) return [out];
  if (out instanceof nn.utils.rnn.PackedSequence) return [out.data];
  if (Array.isArray(out)) return out.filter((o) => o !== null).flatMap(flat);
  return [];
}

function values(e: EncodedTensor): number[] {
  return (e.data ?? []).map((v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v)));
}

function expectTensor(t: Tensor, e: EncodedTensor, label: string, tol = 1e-5): void {
  expect([...t.shape], `${label}: shape`).toEqual(e.shape);
  expectClose(Array.from(t.contiguous().toFlatArray()), values(e), tol, tol, label);
}

describe(`sequence and attention layers against PyTorch ${fixture.torch}`, () => {
  it("has a construction for every fixture case", () => {
    expect(fixture.cases.map((c) => c.name).filter((n) => !BUILD[n])).toEqual([]);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const [make, run] = BUILD[c.name]!;
      torch.manual_seed(0);
      const m = make();
      m.eval();
      expect(String(m)).toBe(c.repr);
      const state = m.state_dict();
      expect(Object.keys(state)).toEqual(c.params.map(([k]) => k));
      for (const [k, e] of c.params) expectTensor(state[k] as Tensor, e, `init ${k}`, 1e-6);
      const inputs = c.inputs.map((e) => {
        const t = decodeInput(e) as Tensor;
        return t.dtype.is_floating_point ? t.requires_grad_(true) : t;
      });
      if (c.error) {
        let err: unknown;
        try { (run ?? call)(m, ...inputs); } catch (e) { err = e; }
        expect(err, "PyTorch raised").toBeInstanceOf(Error);
        expect((err as { pyType?: string }).pyType).toBe(c.error.type);
        expect((err as Error).message.split("\n")[0]).toBe(c.error.message);
        return;
      }
      const outs = flat((run ?? call)(m, ...inputs));
      expect(outs.length, "outputs").toBe(c.outputs!.length);
      outs.forEach((o, i) => expectTensor(o, c.outputs![i]!, `output ${i}`, 2e-5));
      outs.filter((o) => o.dtype.is_floating_point).map((o) => o.sum()).reduce((a, b) => a.add(b)).backward();
      c.input_grads!.forEach((g, i) => { if (g) expectTensor(inputs[i]!.grad!, g, `input ${i} grad`, 1e-4); });
      const params = new Map(m.named_parameters());
      for (const [k, g] of c.param_grads!) {
        if (g) expectTensor(params.get(k)!.grad!, g, `${k} grad`, 1e-4);
      }
    });
  }
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
