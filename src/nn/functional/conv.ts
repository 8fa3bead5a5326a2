/**
 * `F.conv2d`: 2-D cross-correlation, PyTorch's argument order and checks,
 * recorded as `ConvolutionBackward0` (edges: input, weight, bias).
 *
 * A 3-D input `[C, H, W]` is an unbatched image: it is unsqueezed to a batch
 * of one and the result squeezed back, as PyTorch does (so the graph shows
 * `SqueezeBackward1` over `ConvolutionBackward0` over `UnsqueezeBackward0`).
 * `padding: "same"` with an even kernel pads the input once more on the
 * bottom/right first (`ConstantPadNdBackward0`), exactly like ATen.
 *
 * @example
 * F.conv2d(x, w)                              // x [1, 1, 32, 32], w [6, 1, 5, 5] -> [1, 6, 28, 28]
 * F.conv2d(x, w, b, { stride: 2, padding: 1 })
 * F.conv2d(x, w, b, 2, 1)                     // the same, positionally
 */
import { ArgumentError } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { floatKernel } from "../../backend/registry.js";
import { type Pair, conv2dGeometry, conv2dOutputShape } from "../../shape/conv-pool.js";
import { pair } from "../../shape/dim.js";
import type { Tensor } from "../../tensor/tensor.js";
import { squeeze, unsqueeze } from "../../tensor/view.js";
import {
  requireTensor, checkInitialized, kernelData, kernelDtype, kernelTensor, requireBiasDtype, requireFloat, requireSameDtype,
} from "./float-data.js";
import { pad } from "./pad.js";
import { anyMeta, metaTensor } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeConv2d } from "../../shape/families/index.js";

/** Keyword arguments of `F.conv2d` (and of `nn.Conv2d`'s forward). */
export interface Conv2dArgs {
  stride?: Pair;
  /** Zero padding on both sides of each dimension, or `"same"` / `"valid"`. */
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
}

function checkPairArg(name: string, v: unknown): void {
  const ok = (x: unknown) => typeof x === "number" && Number.isInteger(x);
  if (!(ok(v) || (Array.isArray(v) && v.length >= 1 && v.length <= 2 && v.every(ok)))) {
    throw new ArgumentError(
      `conv2d(): argument '${name}' must be tuple of ints, but found element of type ${typeof v}`, name, "TypeError");
  }
}

/** The convolution proper on a 4-D input with numeric padding. */
function convolution(input: Tensor, weight: Tensor, bias: Tensor | null, stride: Pair, padding: Pair, dilation: Pair, groups: number): Tensor {
  const g = conv2dGeometry(input.shape, weight.shape, { stride, padding, dilation, groups }, bias ? bias.shape : null);
  requireBiasDtype(input, bias, "conv2d");
  requireFloat(input, "slow_conv2d_cpu", "conv2d");
  requireSameDtype(input, weight, "conv2d");
  // A meta operand (tensor/meta.ts): every check above ran; the output shape, no compute.
  if (anyMeta(input, weight, bias)) return metaTensor(conv2dOutputShape(g), input.dtype);
  const dt = kernelDtype(input);
  const x = kernelData(input);
  const w = kernelData(weight);
  const y = floatKernel("conv2d", dt)(g, x, w, bias ? kernelData(bias) : null);
  const out = kernelTensor(y, conv2dOutputShape(g), input.dtype);
  const dtype = input.dtype;
  const node = record("ConvolutionBackward0", out, [input, weight, bias], ([grad]) => {
    const go = kernelData(grad!);
    const gx = input.requires_grad ? kernelTensor(floatKernel("conv2d_backward_input", dt)(g, go, w), input.shape, dtype) : null;
    const gw = weight.requires_grad ? kernelTensor(floatKernel("conv2d_backward_weight", dt)(g, x, go), weight.shape, dtype) : null;
    const gb = bias && bias.requires_grad ? kernelTensor(floatKernel("conv2d_backward_bias", dt)(g, go), bias.shape, dtype) : null;
    return [gx, gw, gb];
  });
  if (node) {
    node.saveForBackward(input, "input");
    node.saveForBackward(weight, "input");
  }
  return out;
}

/** ATen's `_convolution_mode` for `padding="same"`: symmetric part in the conv, the odd remainder padded first. */
function convolutionSame(input: Tensor, weight: Tensor, bias: Tensor | null, stride: Pair, dilation: Pair, groups: number): Tensor {
  const [sH, sW] = pair(stride);
  if (sH !== 1 || sW !== 1) {
    throw new ArgumentError("padding='same' is not supported for strided convolutions", "padding", "RuntimeError");
  }
  const dil = pair(dilation);
  const padL: number[] = [];
  const padR: number[] = [];
  let symmetric = true;
  for (let i = 0; i < 2; i++) {
    const k = weight.ndim === 4 ? weight.shape[2 + i]! : 1;
    const total = dil[i]! * (k - 1);
    padL.push(Math.floor(total / 2));
    padR.push(total - padL[i]!);
    if (padL[i] !== padR[i]) symmetric = false;
  }
  if (symmetric || weight.ndim !== 4) return convolution(input, weight, bias, stride, [padL[0]!, padL[1]!], dilation, groups);
  // F.pad order: last dim first.
  const padNd = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    const delta = padR[i]! - padL[i]!;
    const idx = 2 * (1 - i);
    if (delta > 0) padNd[idx + 1] = delta;
    else {
      padNd[idx] = delta;
      padL[i] = padR[i]!;
    }
  }
  return convolution(pad(input, padNd), weight, bias, stride, [padL[0]!, padL[1]!], dilation, groups);
}

/**
 * 2-D convolution over an input `[N, C_in, H, W]` (or `[C_in, H, W]`) with
 * weight `[C_out, C_in / groups, kH, kW]` and optional bias `[C_out]`.
 * Options come positionally (stride, padding, dilation, groups) or as an object.
 *
 * @example
 * const y = F.conv2d(torch.randn(1, 3, 8, 8), torch.randn(4, 3, 3, 3), null, { padding: "same" });
 * y.shape   // torch.Size([1, 4, 8, 8])
 */
export const conv2d = hooked("F.conv2d", function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  stride: Pair | Conv2dArgs = 1,
  padding: Pair | "same" | "valid" = 0,
  dilation: Pair = 1,
  groups = 1,
): Tensor {
  requireTensor("conv2d", [[input, "input"], [weight, "weight"], [bias, "bias", true]]);
  let opts: Required<Conv2dArgs>;
  if (typeof stride === "object" && !Array.isArray(stride)) {
    const o = stride as Conv2dArgs;
    opts = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups: o.groups ?? 1 };
  } else {
    opts = { stride: stride as Pair, padding, dilation, groups };
  }
  checkInitialized("<built-in method conv2d of type object>", input, weight, bias);
  checkPairArg("stride", opts.stride);
  checkPairArg("dilation", opts.dilation);
  if (typeof opts.padding !== "string") checkPairArg("padding", opts.padding);
  const b = bias ?? null;
  if (input.ndim !== 3 && input.ndim !== 4) {
    // Let the geometry raise PyTorch's "Expected 3D (unbatched) or 4D (batched) input" error.
    conv2dGeometry(input.shape, weight.shape, {});
  }
  const batched = input.ndim === 4;
  const x = batched ? input : unsqueeze(input, 0);
  let y: Tensor;
  if (opts.padding === "same") {
    y = convolutionSame(x, weight, b, opts.stride, opts.dilation, opts.groups);
  } else if (opts.padding === "valid") {
    y = convolution(x, weight, b, opts.stride, 0, opts.dilation, opts.groups);
  } else if (typeof opts.padding === "string") {
    throw new ArgumentError(`Invalid padding string: '${opts.padding}'`, "padding", "RuntimeError");
  } else {
    y = convolution(x, weight, b, opts.stride, opts.padding, opts.dilation, opts.groups);
  }
  return batched ? y : squeeze(y, 0);
}, describeConv2d);
