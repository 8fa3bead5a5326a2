/**
 * Convolution, pooling, folding and transformer layers against PyTorch 2.x
 * (test/fixtures/gen_layers.py): seeded init, repr, outputs, gradients and
 * errors. Each case builds here the module gen_layers.py builds under the same name.
 */
import { describe, expect, it } from "vitest";
import { F, nn, torch, type Tensor } from "../src/index.js";
import { type Builds, moduleCases, readModuleFixture } from "./module-fixture-support.js";

const fixture = readModuleFixture("layers.json");
const fn = (f: (...t: Tensor[]) => unknown): [() => nn.Module, (m: nn.Module, ...t: Tensor[]) => unknown] =>
  [() => new nn.Identity(), (_m, ...t) => f(...t)];

type KeywordsOnly = (input: Tensor, keywords: Record<string, unknown>) => unknown;

const BUILD: Builds = {
  "conv1d": [() => new nn.Conv1d(3, 4, 3)],
  "conv1d stride padding dilation": [() => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 2, dilation: 2 })],
  "conv1d groups no bias": [() => new nn.Conv1d(4, 6, 2, { groups: 2, bias: false })],
  "conv1d same even kernel": [() => new nn.Conv1d(2, 3, 4, { padding: "same" })],
  "conv1d unbatched": [() => new nn.Conv1d(3, 2, 3)],
  "conv1d reflect": [() => new nn.Conv1d(2, 2, 3, { padding: 1, padding_mode: "reflect" })],
  "conv1d channels last": [() => new nn.Conv1d(3, 4, 3)],
  "conv1d too short": [() => new nn.Conv1d(3, 4, 3)],
  "conv1d 4d input": [() => new nn.Conv1d(3, 4, 3)],
  "F.conv1d stride list": fn((x, w) => F.conv1d(x!, w!, { stride: [1, 2] })),
  "F.conv1d keywords": fn((x, w, b) => F.conv1d(x!, w!, b!, { padding: 1, groups: 2, stride: 2 })),
  "conv3d": [() => new nn.Conv3d(2, 3, 3)],
  "conv3d stride padding": [() => new nn.Conv3d(2, 4, [3, 2, 3], { stride: [2, 1, 2], padding: [1, 0, 1] })],
  "conv3d dilation groups": [() => new nn.Conv3d(4, 4, 2, { dilation: [2, 1, 1], groups: 2 })],
  "conv3d unbatched same": [() => new nn.Conv3d(2, 2, 3, { padding: "same", bias: false })],
  "conv3d wrong channels": [() => new nn.Conv3d(2, 3, 3)],
  "conv3d too small": [() => new nn.Conv3d(2, 3, 3)],
  "conv_transpose1d": [() => new nn.ConvTranspose1d(3, 2, 3)],
  "conv_transpose1d stride output_padding": [() => new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, output_padding: 1, groups: 2 })],
  "conv_transpose1d dilation unbatched": [() => new nn.ConvTranspose1d(2, 3, 2, { dilation: 3, bias: false })],
  "conv_transpose1d wrong channels": [() => new nn.ConvTranspose1d(4, 3, 3)],
  "conv_transpose2d": [() => new nn.ConvTranspose2d(3, 2, 3)],
  "conv_transpose2d stride padding output_padding": [() => new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, output_padding: 1 })],
  "conv_transpose2d groups dilation": [() => new nn.ConvTranspose2d(4, 6, [2, 3], { stride: [1, 2], dilation: [2, 1], groups: 2 })],
  "conv_transpose2d output_size": [() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2 }), (m, x) => (m as nn.ConvTranspose2d).forward(x!, [12, 12])],
  "conv_transpose2d bad output_size": [() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2 }), (m, x) => (m as nn.ConvTranspose2d).forward(x!, [14, 14])],
  "conv_transpose2d output_padding too big": [() => new nn.ConvTranspose2d(2, 2, 3, { output_padding: 1 })],
  "conv_transpose2d output too small": [() => new nn.ConvTranspose2d(2, 2, 3, { padding: 3 })],
  "conv_transpose2d wrong bias": fn((x, w, b) => F.conv_transpose2d(x!, w!, b!)),
  "F.conv_transpose2d positional": fn((x, w, b) => F.conv_transpose2d(x!, w!, b!, 2, 0, 1, 2, 1)),
  "max_pool1d": [() => new nn.MaxPool1d(3, 2)],
  "max_pool1d padding dilation ceil": [() => new nn.MaxPool1d(3, 2, 1, 2, { ceil_mode: true })],
  "max_pool1d indices unbatched": [() => new nn.MaxPool1d(2, { return_indices: true })],
  "max_pool1d too short": [() => new nn.MaxPool1d(2)],
  "max_pool1d 4d input": [() => new nn.MaxPool1d(2)],
  "max_pool1d padding too big": [() => new nn.MaxPool1d(2, { padding: 2 })],
  // Required parameters by keyword: the parser takes them; the static types want them positionally.
  "F.max_pool1d keywords": fn((x) => (F.max_pool1d as unknown as KeywordsOnly)(x!, { kernel_size: 3, stride: 1, padding: 1, return_indices: true })),
  "avg_pool1d": [() => new nn.AvgPool1d(3, 2)],
  "avg_pool1d padding no count ceil": [() => new nn.AvgPool1d(3, 2, 1, { ceil_mode: true, count_include_pad: false })],
  "avg_pool1d unbatched": [() => new nn.AvgPool1d(2)],
  "avg_pool1d too short": [() => new nn.AvgPool1d(2)],
  "avg_pool1d 1d input": [() => new nn.AvgPool1d(2)],
  "avg_pool1d padding too big": [() => new nn.AvgPool1d(2, { padding: 2 })],
  "adaptive_avg_pool1d": [() => new nn.AdaptiveAvgPool1d(3)],
  "adaptive_avg_pool1d to 1": [() => new nn.AdaptiveAvgPool1d(1)],
  "adaptive_avg_pool1d empty": [() => new nn.AdaptiveAvgPool1d(2)],
  "F.adaptive_avg_pool1d two sizes": fn((x) => F.adaptive_avg_pool1d(x!, [3, 3])),
  "adaptive_max_pool1d": [() => new nn.AdaptiveMaxPool1d(3, { return_indices: true })],
  "adaptive_max_pool1d unbatched": [() => new nn.AdaptiveMaxPool1d(4)],
  "adaptive_max_pool1d empty": [() => new nn.AdaptiveMaxPool1d(2)],
  "adaptive_max_pool1d 1d input": [() => new nn.AdaptiveMaxPool1d(2)],
  "unfold": [() => new nn.Unfold(2)],
  "unfold all options": [() => new nn.Unfold([2, 3], { dilation: [1, 2], padding: 1, stride: [2, 1] })],
  "unfold unbatched": [() => new nn.Unfold(3, { padding: 1 })],
  "unfold too small": [() => new nn.Unfold(3)],
  "unfold 5d input": [() => new nn.Unfold(2)],
  "unfold 2d input": [() => new nn.Unfold(2)],
  "unfold kernel of 3": fn((x) => F.unfold(x!, [2, 2, 2])),
  "unfold stride 0": fn((x) => F.unfold(x!, 2, { stride: 0 })),
  "fold": [() => new nn.Fold(3, 2)],
  "fold all options": [() => new nn.Fold([5, 6], [2, 3], { dilation: [1, 2], padding: 1, stride: [2, 1] })],
  "fold unbatched": [() => new nn.Fold([4, 5], 2, { stride: [2, 1] })],
  "fold not divisible": [() => new nn.Fold(3, 2)],
  "fold wrong block count": [() => new nn.Fold(3, 2)],
  "fold 4d input": [() => new nn.Fold(3, 2)],
  "F.fold keywords": fn((x) => (F.fold as unknown as KeywordsOnly)(x!, { output_size: [4, 4], kernel_size: 3, stride: [1, 2], padding: [0, 1] })),
  "embedding_bag mean": [() => new nn.EmbeddingBag(10, 3)],
  "embedding_bag sum 2d": [() => new nn.EmbeddingBag(10, 3, { mode: "sum" })],
  "embedding_bag max empty bag": [() => new nn.EmbeddingBag(10, 3, { mode: "max" })],
  "embedding_bag padding_idx": [() => new nn.EmbeddingBag(10, 3, { padding_idx: 2 })],
  "embedding_bag per_sample_weights last offset": [() => new nn.EmbeddingBag(10, 3, { mode: "sum", include_last_offset: true })],
  "embedding_bag max_norm": [() => new nn.EmbeddingBag(10, 3, { max_norm: 1.0 })],
  "embedding_bag 2d with offsets": [() => new nn.EmbeddingBag(10, 3)],
  "embedding_bag per_sample_weights with mean": [() => new nn.EmbeddingBag(10, 3)],
  "embedding_bag index out of range": [() => new nn.EmbeddingBag(10, 3)],
  "embedding_bag offsets not from 0": [() => new nn.EmbeddingBag(10, 3)],
  "F.embedding_bag keywords": fn((i, w) => F.embedding_bag(i!, w!, torch.tensor([0, 6]), { mode: "max", padding_idx: 4 })),
  "batch_norm1d": [() => new nn.BatchNorm1d(3)],
  "batch_norm1d no affine 3d": [() => new nn.BatchNorm1d(3, { affine: false, momentum: null })],
  "instance_norm1d affine": [() => new nn.InstanceNorm1d(3, { affine: true })],
  "instance_norm1d running stats": [() => new nn.InstanceNorm1d(3, { track_running_stats: true })],
  "lstm proj_size": [() => new nn.LSTM(4, 6, { proj_size: 3 })],
  "lstm proj_size 2 layers bidirectional batch_first": [() => new nn.LSTM(4, 6, { num_layers: 2, bidirectional: true, batch_first: true, proj_size: 2 })],
  "lstm proj_size initial state": [() => new nn.LSTM(4, 6, { proj_size: 3 }), (m, x, h, c) => (m as nn.LSTM)(x!, [h!, c!])],
  "lstm proj_size wrong h": [() => new nn.LSTM(4, 6, { proj_size: 3 }), (m, x, h, c) => (m as nn.LSTM)(x!, [h!, c!])],
  "transformer decoder layer": [() => new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16 })],
  "transformer decoder layer norm_first gelu batch_first masks": [
    () => new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16, activation: "gelu", norm_first: true, batch_first: true }),
    (m, t, mem) => (m as nn.TransformerDecoderLayer)(t!, mem!, {
      tgt_mask: nn.Transformer.generate_square_subsequent_mask(4),
      memory_key_padding_mask: torch.tensor([[false, false, false, false, true], [false, false, false, false, false]]),
    })],
  "transformer decoder": [
    () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16 }), 2, { norm: new nn.LayerNorm(8) }),
    (m, t, mem) => (m as nn.TransformerDecoder)(t!, mem!, { tgt_mask: nn.Transformer.generate_square_subsequent_mask(4) })],
  "transformer": [() => new nn.Transformer(8, 2, 2, 2, 16),
    (m, s, t) => (m as nn.Transformer)(s!, t!, { tgt_mask: nn.Transformer.generate_square_subsequent_mask(4) })],
  "transformer batch_first": [() => new nn.Transformer(8, 2, 1, 1, 16, { batch_first: true })],
  "transformer batch mismatch": [() => new nn.Transformer(8, 2, 1, 1, 16)],
  "transformer wrong d_model": [() => new nn.Transformer(8, 2, 1, 1, 16)],
  "conv_transpose3d": [() => new nn.ConvTranspose3d(2, 3, 3)],
  "conv_transpose3d stride padding output_padding groups": [() => new nn.ConvTranspose3d(4, 2, [3, 2, 3], {
    stride: [2, 1, 2], padding: [1, 0, 1], output_padding: [1, 0, 1], groups: 2,
  })],
  "conv_transpose3d dilation unbatched": [() => new nn.ConvTranspose3d(2, 2, 2, { dilation: [2, 1, 1], bias: false })],
  "conv_transpose3d output_size": [() => new nn.ConvTranspose3d(2, 2, 3, { stride: 2 }), (m, x) => (m as nn.ConvTranspose3d).forward(x!, [6, 8, 8])],
  "conv_transpose3d output_padding too big": [() => new nn.ConvTranspose3d(2, 2, 3, { output_padding: 1 })],
  "conv_transpose3d output too small": [() => new nn.ConvTranspose3d(2, 2, 3, { padding: 3 })],
  "max_pool3d": [() => new nn.MaxPool3d(2)],
  "max_pool3d stride padding dilation ceil": [() => new nn.MaxPool3d([3, 2, 3], { stride: [2, 1, 2], padding: [1, 0, 1], dilation: [1, 2, 1], ceil_mode: true })],
  "max_pool3d indices unbatched": [() => new nn.MaxPool3d(2, { stride: 1, return_indices: true })],
  "max_pool3d nan and -inf": [() => new nn.MaxPool3d(2, { return_indices: true })],
  "max_pool3d too small": [() => new nn.MaxPool3d(2)],
  "max_pool3d 3d input": [() => new nn.MaxPool3d(2)],
  "max_pool3d padding too big": [() => new nn.MaxPool3d(2, { padding: 2 })],
  "max_pool3d two kernel sizes": fn((x) => F.max_pool3d(x!, [2, 2])),
  "max_pool3d dilation 0": fn((x) => F.max_pool3d(x!, 2, { dilation: 0 })),
  "max_pool3d empty channels": [() => new nn.MaxPool3d(2)],
  "F.max_pool3d keywords": fn((x) => (F.max_pool3d as unknown as KeywordsOnly)(x!, { kernel_size: 3, stride: 1, padding: 1, return_indices: true })),
  "avg_pool3d": [() => new nn.AvgPool3d(2)],
  "avg_pool3d padding no count ceil": [() => new nn.AvgPool3d(3, 2, 1, { ceil_mode: true, count_include_pad: false })],
  "avg_pool3d padding count": [() => new nn.AvgPool3d([3, 2, 3], [2, 1, 2], [1, 1, 1])],
  "avg_pool3d divisor_override unbatched": [() => new nn.AvgPool3d(2, { stride: 1, divisor_override: 3 })],
  "avg_pool3d smaller than kernel": [() => new nn.AvgPool3d(2)],
  "avg_pool3d 3d input": [() => new nn.AvgPool3d(2)],
  "avg_pool3d divisor 0": [() => new nn.AvgPool3d(2, { divisor_override: 0 })],
  "avg_pool3d padding too big": [() => new nn.AvgPool3d(2, { padding: 2 })],
  "avg_pool3d two kernel sizes": fn((x) => F.avg_pool3d(x!, [2, 2])),
  "adaptive_avg_pool3d": [() => new nn.AdaptiveAvgPool3d([2, 3, 2])],
  "adaptive_avg_pool3d none": [() => new nn.AdaptiveAvgPool3d([null, 2, 3])],
  "adaptive_avg_pool3d to 1 unbatched": [() => new nn.AdaptiveAvgPool3d(1)],
  "adaptive_avg_pool3d 3d input": [() => new nn.AdaptiveAvgPool3d(2)],
  "adaptive_avg_pool3d empty": [() => new nn.AdaptiveAvgPool3d(2)],
  "adaptive_avg_pool3d two sizes": fn((x) => F.adaptive_avg_pool3d(x!, [2, 2])),
  "adaptive_max_pool3d": [() => new nn.AdaptiveMaxPool3d([2, 3, 2], { return_indices: true })],
  "adaptive_max_pool3d unbatched": [() => new nn.AdaptiveMaxPool3d(3)],
  "adaptive_max_pool3d 3d input": [() => new nn.AdaptiveMaxPool3d(2)],
  "adaptive_max_pool3d empty": [() => new nn.AdaptiveMaxPool3d(2)],
  "F.multi_head_attention_forward": fn((q, k, v, w, b, _bk, _bv, ow, ob) =>
    F.multi_head_attention_forward(q!, k!, v!, 6, 2, w!, b!, null, null, false, 0.0, ow!, ob!, { training: false })),
  "F.multi_head_attention_forward bias_kv zero_attn masks": fn((q, k, v, w, b, bk, bv, ow, ob) => F.multi_head_attention_forward(
    q!, k!, v!, 6, 3, w!, b!, bk!, bv!, true, 0.0, ow!, ob!, false, torch.tensor([[false, false, true, false, true], [false, false, false, false, false]]), true,
    torch.tensor([0, 1, 2, 3].map(() => [false, true, false, false, false])), { average_attn_weights: false })),
  "F.multi_head_attention_forward separate weights no weights": fn((q, k, v, wq, wk, wv, b, ow) => F.multi_head_attention_forward(
    q!, k!, v!, 6, 2, null, b!, null, null, false, 0.0, ow!, null,
    { training: false, need_weights: false, use_separate_proj_weight: true, q_proj_weight: wq!, k_proj_weight: wk!, v_proj_weight: wv! })),
  "F.multi_head_attention_forward static_k": fn((q, k, v, w, b, sk, sv, ow, ob) => F.multi_head_attention_forward(
    q!, k!, v!, 6, 2, w!, b!, null, null, false, 0.0, ow!, ob!, { training: false, static_k: sk!, static_v: sv! })),
  "F.multi_head_attention_forward wrong embed_dim_to_check": fn((q, k, v, w, b, _bk, _bv, ow, ob) =>
    F.multi_head_attention_forward(q!, k!, v!, 8, 2, w!, b!, null, null, false, 0.0, ow!, ob!)),
  "F.multi_head_attention_forward is_causal without mask": fn((q, k, v, w, b, _bk, _bv, ow, ob) =>
    F.multi_head_attention_forward(q!, k!, v!, 6, 2, w!, b!, null, null, false, 0.0, ow!, ob!, { is_causal: true })),
  "MultiheadAttention add_bias_kv add_zero_attn": [() => new nn.MultiheadAttention(6, 2, { add_bias_kv: true, add_zero_attn: true }),
    (m, q, k, v) => (m as nn.MultiheadAttention)(q!, k!, v!)],
  "interpolate trilinear size": fn((x) => F.interpolate(x!, { size: [5, 3, 7], mode: "trilinear" })),
  "interpolate trilinear scale align_corners": fn((x) => F.interpolate(x!, { scale_factor: [1.5, 2.0, 2.5], mode: "trilinear", align_corners: true })),
  "interpolate trilinear scale": fn((x) => F.interpolate(x!, { scale_factor: 0.7, mode: "trilinear" })),
  "interpolate trilinear recompute": fn((x) => F.interpolate(x!, { scale_factor: 1.7, mode: "trilinear", recompute_scale_factor: true })),
  "interpolate nearest 5d": fn((x) => F.interpolate(x!, [4, 7, 3])),
  "interpolate nearest-exact 5d scale": fn((x) => F.interpolate(x!, null, [1.5, 0.5, 2.0], "nearest-exact")),
  "interpolate area 5d": fn((x) => F.interpolate(x!, { size: [2, 3, 4], mode: "area" })),
  "interpolate trilinear on 4d": fn((x) => F.interpolate(x!, { size: [2, 2, 2], mode: "trilinear" })),
  "interpolate trilinear empty output": fn((x) => F.interpolate(x!, { scale_factor: 0.2, mode: "trilinear" })),
  "interpolate bilinear on 5d": fn((x) => F.interpolate(x!, { size: [2, 2, 2], mode: "bilinear" })),
};

describe(`convolution, pooling, folding and transformer layers against PyTorch ${fixture.torch}`, () => {
  moduleCases(fixture, BUILD);
});

/** The explanation a shape error carries (trace/explain.ts). */
function explanationOf(f: () => unknown): { headline: string; details: readonly string[]; fixes: readonly string[] } {
  try { f(); } catch (e) { return (e as { explanation: { headline: string; details: string[]; fixes: string[] } }).explanation; }
  throw new Error("no error");
}

describe("shape explanations of the new layers", () => {
  it("a Conv1d fed [N, L, C] names the dim it read as channels and the transpose that fixes it", () => {
    torch.manual_seed(0);
    const net = new nn.Sequential(new nn.Embedding(20, 8), new nn.Conv1d(8, 16, 3));
    const ex = explanationOf(() => net(torch.randint(0, 20, [4, 12])));
    expect(ex.headline).toBe("Conv1d 1 expects 8 input channels (in_channels=8), got 12 in dim 1");
    expect(ex.details.join("\n")).toContain("reads dim 1 of (4, 12, 8) as the channels (layout [N, C, L])");
    expect(ex.details.join("\n")).toContain("the input looks channels-last ([N, L, C])");
    expect(ex.fixes[0]).toBe("move the channels to dim 1: x.transpose(1, 2)");
  });

  it("a Conv3d on a clip shorter than its kernel says how deep the input must be", () => {
    const net = new nn.Sequential(new nn.Conv3d(1, 4, 3), new nn.ReLU());
    const ex = explanationOf(() => net(torch.randn(1, 1, 2, 8, 8)));
    expect(ex.headline).toBe("Conv3d 0 (kernel 3×3×3) needs an input of at least 3×3×3, got 2×8×8");
  });

  it("a MaxPool1d on a sequence shorter than its window gives the length that works", () => {
    const net = new nn.Sequential(new nn.Conv1d(2, 4, 3), new nn.MaxPool1d(4));
    const ex = explanationOf(() => net(torch.randn(1, 2, 5)));
    expect(ex.headline).toBe("MaxPool1d 1 (max_pool1d 4) needs an input of at least 4, got 3: output length 0");
  });

  it("a MaxPool3d on a clip thinner than its window gives the size that works", () => {
    const net = new nn.Sequential(new nn.Conv3d(1, 2, 3), new nn.MaxPool3d(2));
    const ex = explanationOf(() => net(torch.randn(1, 1, 3, 8, 8)));
    expect(ex.headline).toBe("MaxPool3d 1 (max_pool3d 2×2×2) needs an input of at least 2×2×2, got 1×6×6: output size 0×3×3");
  });

  it("3-D pooling in a trace shows its arguments", () => {
    expect(new nn.MaxPool3d([2, 1, 2], { stride: 1, padding: [1, 0, 1] }).op_spec()!.args).toBe("(2, 1, 2), 1, padding=(1, 0, 1)");
    expect(new nn.AvgPool3d(3, { stride: 2, ceil_mode: true }).op_spec()!.args).toBe("3, 2, ceil_mode=True");
    expect(new nn.AdaptiveAvgPool3d([1, null, 3]).op_spec()!.args).toBe("(1, None, 3)");
  });

  it("a Conv1d fed a 4-D feature map says which ranks it takes, before any channel count", () => {
    const net = new nn.Sequential(new nn.Conv2d(1, 8, 3), new nn.Conv1d(8, 4, 3));
    const ex = explanationOf(() => net(torch.randn(1, 1, 10, 10)));
    expect(ex.headline).toBe("Conv1d 1 takes [N, C, L] or [C, L] inputs, got 4 dims (1, 8, 8, 8)");
    expect(ex.fixes).toEqual(["flatten the extra dims into the last: x.flatten(2)", "or use the 2-D layer: nn.Conv2d"]);
  });

  it("ConvTranspose2d in a trace shows its arguments and the output size formula", () => {
    const net = new nn.Sequential(new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, output_padding: 1 }));
    const m = new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, output_padding: 1 });
    expect(m.op_spec()!.args).toBe("3, 2, 3, stride=2, padding=1, output_padding=1");
    expect([...net(torch.randn(1, 3, 5, 7)).shape]).toEqual([1, 2, 10, 14]);
  });
});

describe("meta tensors", () => {
  it("give the output shapes of the new layers without computing", () => {
    const meta = (...s: number[]) => torch.empty(s, { device: "meta" });
    expect([...new nn.Conv1d(3, 5, 3)(meta(2, 3, 10)).shape]).toEqual([2, 5, 8]);
    expect([...new nn.Conv3d(3, 5, 3, { padding: 1 })(meta(2, 3, 4, 6, 6)).shape]).toEqual([2, 5, 4, 6, 6]);
    expect([...new nn.ConvTranspose1d(3, 5, 3, { stride: 2 })(meta(2, 3, 4)).shape]).toEqual([2, 5, 9]);
    expect([...new nn.ConvTranspose2d(3, 5, 3, { stride: 2 })(meta(3, 4, 4)).shape]).toEqual([5, 9, 9]);
    expect([...new nn.MaxPool1d(2)(meta(2, 3, 9)).shape]).toEqual([2, 3, 4]);
    expect([...new nn.AdaptiveAvgPool1d(5)(meta(2, 3, 9)).shape]).toEqual([2, 3, 5]);
    expect([...new nn.Unfold(3)(meta(2, 3, 9, 8)).shape]).toEqual([2, 27, 42]);
    expect([...new nn.Fold([9, 8], 3)(meta(2, 27, 42)).shape]).toEqual([2, 3, 9, 8]);
    expect([...new nn.MaxPool3d(2, { padding: 1 })(meta(2, 3, 4, 5, 6)).shape]).toEqual([2, 3, 3, 3, 4]);
    expect([...new nn.AvgPool3d([2, 1, 3])(meta(3, 4, 5, 6)).shape]).toEqual([3, 2, 5, 2]);
    expect([...new nn.AdaptiveAvgPool3d([1, null, 2])(meta(2, 3, 4, 5, 6)).shape]).toEqual([2, 3, 1, 5, 2]);
    expect([...new nn.AdaptiveMaxPool3d(2)(meta(2, 3, 4, 5, 6)).shape]).toEqual([2, 3, 2, 2, 2]);
  });
});

describe("float64 gradients (torch.autograd.gradcheck)", () => {
  const r64 = (...s: number[]) => torch.randn(s, { dtype: torch.float64 }).requires_grad_(true);
  const check = (fn: (...t: Tensor[]) => Tensor, ...inputs: Tensor[]) => torch.autograd.gradcheck(fn, inputs);

  it("hold for the convolutions of every rank and the transposed ones", () => {
    torch.manual_seed(3);
    expect(check((x, w, b) => F.conv1d(x!, w!, b!, { stride: 2, padding: 1, dilation: 2 }), r64(2, 2, 7), r64(3, 2, 3), r64(3))).toBe(true);
    expect(check((x, w, b) => F.conv3d(x!, w!, b!, { stride: [2, 1, 1], padding: 1, groups: 2 }), r64(1, 2, 4, 3, 3), r64(4, 1, 2, 2, 2), r64(4))).toBe(true);
    expect(check((x, w, b) => F.conv_transpose1d(x!, w!, b!, { stride: 2, output_padding: 1 }), r64(2, 2, 4), r64(2, 3, 3), r64(3))).toBe(true);
    expect(check((x, w, b) => F.conv_transpose2d(x!, w!, b!, { stride: [2, 1], padding: 1, groups: 2, dilation: [1, 2] }),
      r64(1, 4, 3, 3), r64(4, 1, 3, 2), r64(2))).toBe(true);
    expect(check((x, w, b) => F.conv_transpose3d(x!, w!, b!, { stride: [2, 1, 1], padding: [1, 0, 1], output_padding: [1, 0, 0], groups: 2 }),
      r64(1, 4, 2, 2, 3), r64(4, 1, 3, 2, 2), r64(2))).toBe(true);
  });

  it("hold for 3-D pooling", () => {
    torch.manual_seed(5);
    expect(check((x) => F.max_pool3d(x!, [2, 2, 3], { stride: [1, 2, 1], padding: [1, 0, 1], dilation: [1, 1, 2] }) as Tensor, r64(1, 2, 4, 5, 6))).toBe(true);
    expect(check((x) => F.avg_pool3d(x!, 3, { stride: 2, padding: 1, ceil_mode: true, count_include_pad: false }), r64(1, 2, 4, 5, 6))).toBe(true);
    expect(check((x) => F.avg_pool3d(x!, 2, { stride: 1, divisor_override: 3 }), r64(2, 3, 3, 4))).toBe(true);
    expect(check((x) => F.adaptive_avg_pool3d(x!, [2, 3, 4]), r64(1, 2, 5, 7, 6))).toBe(true);
    expect(check((x) => F.adaptive_max_pool3d(x!, [2, 3, 2]) as Tensor, r64(1, 2, 5, 7, 6))).toBe(true);
  });

  it("hold for volumetric interpolation, which records one node", () => {
    torch.manual_seed(6);
    expect(check((x) => F.interpolate(x!, { size: [3, 5, 4], mode: "trilinear" }), r64(1, 2, 2, 3, 3))).toBe(true);
    expect(check((x) => F.interpolate(x!, { scale_factor: [1.5, 0.7, 2], mode: "trilinear", align_corners: true }), r64(2, 1, 3, 4, 2))).toBe(true);
    expect(check((x) => F.interpolate(x!, { size: [4, 2, 5], mode: "nearest-exact" }), r64(1, 2, 3, 3, 3))).toBe(true);
    const y = F.interpolate(torch.randn(1, 1, 2, 2, 2).requires_grad_(), { scale_factor: 2, mode: "trilinear" });
    expect(y.grad_fn?.name).toBe("UpsampleTrilinear3DBackward1");
    expect([...F.interpolate(torch.empty([2, 3, 4, 5, 6], { device: "meta" }), { size: [2, 3, 4], mode: "trilinear" }).shape]).toEqual([2, 3, 2, 3, 4]);
  });

  it("hold for unfold, fold, 1-D pooling and bags", () => {
    torch.manual_seed(4);
    expect(check((x) => F.unfold(x!, [2, 3], { padding: 1, stride: [1, 2] }), r64(1, 2, 4, 5))).toBe(true);
    expect(check((x) => F.fold(x!, [4, 5], 2, { stride: [2, 1] }), r64(2, 8, 8))).toBe(true);
    expect(check((x) => F.avg_pool1d(x!, 3, { stride: 2, padding: 1 }), r64(2, 3, 8))).toBe(true);
    expect(check((x) => F.adaptive_avg_pool1d(x!, 3), r64(2, 3, 8))).toBe(true);
    const idx = torch.tensor([1, 2, 4, 5, 4, 3]);
    expect(check((w, p) => F.embedding_bag(idx, w!, torch.tensor([0, 2]), { mode: "sum", per_sample_weights: p! }), r64(6, 3), r64(6))).toBe(true);
  });
});
