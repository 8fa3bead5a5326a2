/**
 * Normalisation over features rather than over the batch: `F.layer_norm`
 * (the last dimensions), `F.group_norm` (groups of channels), `F.rms_norm`
 * (root mean square, no centring) and `F.instance_norm` (each sample's
 * channels over their spatial positions). The variance is the biased one,
 * as in PyTorch; the shapes are checked with PyTorch's messages.
 *
 * @example
 * F.layer_norm(x, [x.shape[2]])              // each row of features to mean 0, variance 1
 * F.group_norm(images, 2)                    // 2 groups of channels
 */
import { ShapeError, ArgumentError } from "../../errors.js";
import { type ArgsOf, Bool, Float, TensorT, arg, optional, signature } from "../../ops/signature.js";
import type { Tensor } from "../../tensor/tensor.js";
import { hooked } from "../../ops/op-hook.js";
import { describeGroupNorm, describeInstanceNorm, describeTrailingNorm } from "../../shape/families/index.js";

export const LAYER_NORM = signature("layer_norm", [
  arg("weight", optional(TensorT), null), arg("bias", optional(TensorT), null), arg("eps", Float, 1e-5),
], 2);
export const GROUP_NORM = signature("group_norm", [
  arg("weight", optional(TensorT), null), arg("bias", optional(TensorT), null), arg("eps", Float, 1e-5),
], 2);
export const RMS_NORM = signature("rms_norm", [
  arg("weight", optional(TensorT), null), arg("eps", optional(Float), null),
], 2);
export const INSTANCE_NORM = signature("instance_norm", [
  arg("running_mean", optional(TensorT), null), arg("running_var", optional(TensorT), null),
  arg("weight", optional(TensorT), null), arg("bias", optional(TensorT), null),
  arg("use_input_stats", Bool, true), arg("momentum", Float, 0.1), arg("eps", Float, 1e-5),
]);

function shapeText(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

/**
 * The trailing dims `normalized_shape` covers, with the affine tensors checked against it: PyTorch's
 * `_check_layer_norm_inputs` (rms_norm writes its expected shape `[*2, 2]`, without layer_norm's comma,
 * and refuses too few input dims with a ValueError of its own).
 */
function normalizedDims(op: "layer_norm" | "rms_norm", input: Tensor, normalized: readonly number[], affine: Record<string, Tensor | null> = {}): number[] {
  const k = normalized.length;
  if (k === 0) {
    throw new ShapeError(
      `Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${shapeText(normalized)}`,
      { op, shapes: { input: input.shape, normalized_shape: normalized }, expected: { normalized_ndim: ">= 1" }, got: { normalized_ndim: 0 } });
  }
  for (const [name, t] of Object.entries(affine)) {
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== normalized[i]))) {
      throw new ShapeError(
        `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${shapeText(t.shape)} and normalized_shape = ${shapeText(normalized)}`,
        { op, shapes: { [name]: t.shape, normalized_shape: normalized }, expected: { [name]: normalized }, got: { [name]: t.shape } });
    }
  }
  if (op === "rms_norm" && input.ndim < k) {
    throw new ShapeError(`Input tensor must have at least ${k} dimensions, but got ${input.ndim}`,
      { op, shapes: { input: input.shape, normalized_shape: normalized }, expected: { ndim: `>= ${k}` }, got: { ndim: input.ndim } }, "ValueError");
  }
  const tail = input.shape.slice(input.ndim - k);
  if (input.ndim < k || tail.some((s, i) => s !== normalized[i])) {
    const star = op === "rms_norm" ? `*${normalized.join(", ")}` : `*, ${normalized.join(", ")}`;
    throw new ShapeError(
      `Given normalized_shape=${shapeText(normalized)}, expected input with shape [${star}], but got input of size${shapeText(input.shape)}`,
      { op, shapes: { input: input.shape, normalized_shape: normalized }, expected: { normalized_shape: normalized }, got: { trailing: tail } });
  }
  return [...Array(k).keys()].map((i) => input.ndim - k + i);
}

/**
 * Normalises over the last `normalized_shape.length` dimensions (mean 0,
 * variance 1, biased), then scales by `weight` and shifts by `bias`.
 */
export const layer_norm = hooked("F.layer_norm", function layer_norm(input: Tensor, normalized_shape: number | readonly number[], ...args: ArgsOf<typeof LAYER_NORM>): Tensor {
  const { weight, bias, eps } = LAYER_NORM.parse(args);
  const shape = typeof normalized_shape === "number" ? [normalized_shape] : [...normalized_shape];
  const dims = normalizedDims("layer_norm", input, shape, { weight, bias });
  const mean = input.mean(dims, true);
  const centred = input.sub(mean);
  const variance = centred.mul(centred).mean(dims, true);
  let out = centred.mul(variance.add(eps).rsqrt());
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return out;
}, describeTrailingNorm("layer_norm"));

/** Normalises each sample over groups of `num_groups` channels (and all spatial positions), then the per-channel affine. */
export const group_norm = hooked("F.group_norm", function group_norm(input: Tensor, num_groups: number, ...args: ArgsOf<typeof GROUP_NORM>): Tensor {
  const { weight, bias, eps } = GROUP_NORM.parse(args);
  if (input.ndim < 2) {
    throw new ShapeError(`Expected at least 2 dimensions for input tensor but received ${input.ndim}`, { op: "group_norm", shapes: { input: input.shape } });
  }
  const [n, c] = [input.shape[0]!, input.shape[1]!];
  if (c % num_groups !== 0) {
    throw new ShapeError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeText(input.shape)} and num_groups=${num_groups}`,
      { op: "group_norm", shapes: { input: input.shape }, expected: { divisible_by: num_groups }, got: { channels: c } });
  }
  const grouped = input.reshape([n, num_groups, -1]);
  const mean = grouped.mean(2, true);
  const centred = grouped.sub(mean);
  const variance = centred.mul(centred).mean(2, true);
  let out = centred.mul(variance.add(eps).rsqrt()).reshape([...input.shape]);
  const affineShape = [c, ...input.shape.slice(2).map(() => 1)];
  if (weight) out = out.mul(weight.reshape(affineShape));
  if (bias) out = out.add(bias.reshape(affineShape));
  return out;
}, describeGroupNorm);

/** `x / sqrt(mean(x²) + eps) * weight` over the last dims; `eps` defaults to the dtype's machine epsilon. */
export const rms_norm = hooked("F.rms_norm", function rms_norm(input: Tensor, normalized_shape: number | readonly number[], ...args: ArgsOf<typeof RMS_NORM>): Tensor {
  const { weight, eps } = RMS_NORM.parse(args);
  const shape = typeof normalized_shape === "number" ? [normalized_shape] : [...normalized_shape];
  const dims = normalizedDims("rms_norm", input, shape, { weight });
  const e = eps ?? (input.dtype.name === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7);
  const out = input.mul(input.mul(input).mean(dims, true).add(e).rsqrt());
  return weight ? out.mul(weight) : out;
}, describeTrailingNorm("rms_norm"));

/**
 * Normalises every (sample, channel) over its spatial positions. With running
 * statistics and `use_input_stats: false` (eval with `track_running_stats`), those are used instead.
 */
export const instance_norm = hooked("F.instance_norm", function instance_norm(input: Tensor, ...args: ArgsOf<typeof INSTANCE_NORM>): Tensor {
  const { running_mean, running_var, weight, bias, use_input_stats, momentum, eps } = INSTANCE_NORM.parse(args);
  if (input.ndim < 3) throw new ArgumentError(`instance_norm expects an input with a channel and at least one spatial dimension, got ${input.ndim}-D`, "input", "ValueError");
  const c = input.shape[1]!;
  const spatial = [...Array(input.ndim - 2).keys()].map((i) => i + 2);
  const bshape = [1, c, ...spatial.map(() => 1)];
  let out: Tensor;
  if (use_input_stats) {
    const mean = input.mean(spatial, true);
    const centred = input.sub(mean);
    const variance = centred.mul(centred).mean(spatial, true);
    out = centred.mul(variance.add(eps).rsqrt());
    if (running_mean && running_var) {
      const n = spatial.reduce((a, d) => a * input.shape[d]!, 1);
      const bm = mean.detach().mean([0, ...spatial]);
      const bv = variance.detach().mean([0, ...spatial]).mul(n / Math.max(n - 1, 1));
      running_mean.mul_(1 - momentum).add_(bm.mul(momentum));
      running_var.mul_(1 - momentum).add_(bv.mul(momentum));
    }
  } else {
    out = input.sub(running_mean!.reshape(bshape)).mul(running_var!.reshape(bshape).add(eps).rsqrt());
  }
  if (weight) out = out.mul(weight.reshape(bshape));
  if (bias) out = out.add(bias.reshape(bshape));
  return out;
}, describeInstanceNorm);

