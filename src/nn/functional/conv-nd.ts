/**
 * `F.conv1d`, `F.conv3d`, `F.conv_transpose1d`, `F.conv_transpose2d`:
 * PyTorch's arguments (positionally or as an options object, read by one
 * signature each), its checks and messages (src/shape/conv-nd.ts), recorded
 * as `ConvolutionBackward0` (edges: input, weight, bias) like `F.conv2d`.
 *
 * All run on the 2-D convolution kernels: conv1d as a conv2d of height 1,
 * conv3d with the depth window folded into the channels (cpu/conv3d.ts), and
 * a transposed convolution as the input gradient of the convolution going
 * the other way (whose weight gradient and forward are then the transposed
 * one's weight and input gradients). Unbatched inputs (`[C, L]`,
 * `[C, D, H, W]`, ...) are unsqueezed to a batch of one and squeezed back.
 *
 * @example
 * F.conv1d(torch.randn(2, 3, 10), torch.randn(4, 3, 3), null, { padding: 1 }).shape   // [2, 4, 10]
 * F.conv_transpose2d(torch.randn(1, 4, 5, 5), torch.randn(4, 3, 3, 3), null, 2).shape  // [1, 3, 11, 11]
 */
import { record } from "../../autograd/graph.js";
import { floatKernel } from "../../backend/registry.js";
import { hooked } from "../../ops/op-hook.js";
import {
  type ArgsOf, Dims, Int, TensorT, arg, oneOf, optional, signature, union,
} from "../../ops/signature.js";
import {
  type ConvNdGeometry, type ConvNdOp, batchedConvInput, convKernelGeometry, convNdGeometry, convNdOutputShape, forwardOf,
} from "../../shape/conv-nd.js";
import { describeConvNd } from "../../shape/families/conv-nd.js";
import { anyMeta, metaTensor } from "../../tensor/meta.js";
import type { Tensor } from "../../tensor/tensor.js";
import { squeeze, unsqueeze } from "../../tensor/view.js";
import type { FloatArray } from "../../backend/cpu/float-array.js";
import {
  checkInitialized, kernelData, kernelDtype, kernelTensor, requireBiasDtype, requireFloat, requireSameDtype, requireTensor,
} from "./float-data.js";

const BIAS = arg("bias", optional(TensorT), null);
const PADDING = arg("padding", union(Dims, oneOf("same", "valid"), "tuple of ints"), 0);

function convSignature(op: "conv1d" | "conv3d") {
  return signature(op, [BIAS, arg("stride", Dims, 1), PADDING, arg("dilation", Dims, 1), arg("groups", Int, 1)], 2);
}

function transposeSignature(op: "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d") {
  return signature(op, [
    BIAS, arg("stride", Dims, 1), arg("padding", Dims, 0), arg("output_padding", Dims, 0), arg("groups", Int, 1), arg("dilation", Dims, 1),
  ], 2);
}

export const CONV1D = convSignature("conv1d");
export const CONV3D = convSignature("conv3d");
export const CONV_TRANSPOSE1D = transposeSignature("conv_transpose1d");
export const CONV_TRANSPOSE2D = transposeSignature("conv_transpose2d");
export const CONV_TRANSPOSE3D = transposeSignature("conv_transpose3d");

/** The kernels of one precision. */
interface Precision {
  data(t: Tensor): FloatArray;
  make(d: FloatArray, shape: readonly number[]): Tensor;
  conv: (g: ReturnType<typeof convKernelGeometry>, x: any, w: any, b: any) => FloatArray;
  input: (g: ReturnType<typeof convKernelGeometry>, go: any, w: any) => FloatArray;
  weight: (g: ReturnType<typeof convKernelGeometry>, x: any, go: any) => FloatArray;
  /** The depth fold of the 3-D convolutions (cpu/conv3d.ts). */
  gather: (g: ConvNdGeometry, x: any) => FloatArray;
  scatter: (g: ConvNdGeometry, folded: any) => FloatArray;
  toChannels: (g: ConvNdGeometry, y: any, back: boolean) => FloatArray;
}

function precision(input: Tensor): Precision {
  const dt = kernelDtype(input);
  const dtype = input.dtype;
  return {
    data: kernelData,
    make: (d, shape) => kernelTensor(d, shape, dtype),
    conv: floatKernel("conv2d", dt),
    input: floatKernel("conv2d_backward_input", dt),
    weight: floatKernel("conv2d_backward_weight", dt),
    gather: floatKernel("conv3d_depth_gather", dt),
    scatter: floatKernel("conv3d_depth_scatter", dt),
    toChannels: floatKernel("conv3d_depth_to_channels", dt),
  };
}

/** Adds `bias[c]` to every value of channel `c` of `[N, C, ...]` data, in place. */
function addBias(y: FloatArray, bias: FloatArray, batch: number, channels: number): void {
  const plane = y.length / (batch * channels);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c]!;
      const o = (n * channels + c) * plane;
      for (let i = 0; i < plane; i++) y[o + i]! += b;
    }
  }
}

/** `[C]`: data of `[N, C, ...]` summed over all but the channels. */
function sumChannels(y: FloatArray, batch: number, channels: number): FloatArray {
  const plane = y.length / (batch * channels);
  const out = y instanceof Float64Array ? new Float64Array(channels) : new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let n = 0; n < batch; n++) {
      const o = (n * channels + c) * plane;
      for (let i = 0; i < plane; i++) s += y[o + i]!;
    }
    out[c] = s;
  }
  return out;
}

/** The convolution proper on a batched input. */
function convolution(g: ConvNdGeometry, input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const shape = convNdOutputShape(g);
  if (anyMeta(input, weight, bias)) return metaTensor(shape, input.dtype);
  const k2 = convKernelGeometry(g);
  const P = precision(input);
  const x = P.data(input);
  const w = P.data(weight);
  const b = bias ? P.data(bias) : null;
  const deep = g.kernel.length === 3;
  let folded: FloatArray | null = null;
  let y: FloatArray;
  // A transposed 3-D convolution is the input gradient of the 3-D convolution `f` (depth folded).
  const f = g.transposed && deep ? forwardOf(g) : null;
  if (f) {
    y = P.scatter(f, P.input(k2, P.toChannels(f, x, true), w));
    if (b) addBias(y, b, g.batch, g.outChannels);
  } else if (g.transposed) {
    y = P.input(k2, x, w);
    if (b) addBias(y, b, g.batch, g.outChannels);
  } else if (deep) {
    folded = P.gather(g, x);
    y = P.toChannels(g, P.conv(k2, folded, w, b), false);
  } else {
    y = P.conv(k2, x, w, b);
  }
  const out = P.make(y, shape);
  const node = record("ConvolutionBackward0", out, [input, weight, bias], ([grad]) => {
    let go = P.data(grad!);
    let gx: FloatArray | null = null;
    let gw: FloatArray | null = null;
    if (f) {
      const foldedGrad = P.gather(f, go);
      if (input.requires_grad) gx = P.toChannels(f, P.conv(k2, foldedGrad, w, null), false);
      if (weight.requires_grad) gw = P.weight(k2, foldedGrad, P.toChannels(f, x, true));
    } else if (g.transposed) {
      // The transposed convolution is conv's input gradient: its own gradients are conv's forward and weight gradient.
      if (input.requires_grad) gx = P.conv(k2, go, w, null);
      if (weight.requires_grad) gw = P.weight(k2, go, x);
    } else {
      if (deep) go = P.toChannels(g, go, true);
      if (input.requires_grad) {
        const gi = P.input(k2, go, w);
        gx = deep ? P.scatter(g, gi) : gi;
      }
      if (weight.requires_grad) gw = P.weight(k2, deep ? folded! : x, go);
    }
    const gb = bias && bias.requires_grad ? sumChannels(P.data(grad!), g.batch, g.outChannels) : null;
    return [
      gx ? P.make(gx, input.shape) : null,
      gw ? P.make(gw, weight.shape) : null,
      gb ? P.make(gb, bias!.shape) : null,
    ];
  });
  if (node) {
    node.saveForBackward(input, "input");
    node.saveForBackward(weight, "input");
  }
  return out;
}

/** One convolution call: argument checks, geometry, the batch of one for unbatched inputs. */
function run(op: ConvNdOp, input: Tensor, weight: Tensor, bias: Tensor | null, options: Parameters<typeof convNdGeometry>[3]): Tensor {
  requireTensor(op, [[input, "input"], [weight, "weight"], [bias, "bias", true]]);
  checkInitialized(`<built-in method ${op} of type object>`, input, weight, bias);
  const { shape, batched } = batchedConvInput(op, input.shape);
  const g = convNdGeometry(op, shape, weight.shape, options, bias ? bias.shape : null);
  requireBiasDtype(input, bias, op);
  requireFloat(input, "slow_conv2d_cpu", op);
  requireSameDtype(input, weight, op);
  const y = convolution(g, batched ? input : unsqueeze(input, 0), weight, bias);
  return batched ? y : squeeze(y, 0);
}

/**
 * 1-D convolution over `[N, C_in, L]` (or `[C_in, L]`) with weight `[C_out, C_in/groups, k]`.
 *
 * @example
 * F.conv1d(x, w, b, { stride: 2, padding: "same" })
 */
export const conv1d = hooked("F.conv1d", function conv1d(input: Tensor, weight: Tensor, ...args: ArgsOf<typeof CONV1D>): Tensor {
  const o = CONV1D.parse(args);
  return run("conv1d", input, weight, o.bias, o);
}, describeConvNd("conv1d"));

/**
 * 3-D convolution over `[N, C_in, D, H, W]` (or `[C_in, D, H, W]`) with weight `[C_out, C_in/groups, kD, kH, kW]`.
 *
 * @example
 * F.conv3d(torch.randn(1, 2, 5, 6, 6), torch.randn(4, 2, 3, 3, 3)).shape   // [1, 4, 3, 4, 4]
 */
export const conv3d = hooked("F.conv3d", function conv3d(input: Tensor, weight: Tensor, ...args: ArgsOf<typeof CONV3D>): Tensor {
  const o = CONV3D.parse(args);
  return run("conv3d", input, weight, o.bias, o);
}, describeConvNd("conv3d"));

/**
 * Transposed 1-D convolution ("deconvolution") over `[N, C_in, L]` with weight `[C_in, C_out/groups, k]`:
 * length `(L−1)·stride − 2·padding + dilation·(k−1) + output_padding + 1`.
 *
 * @example
 * F.conv_transpose1d(torch.randn(1, 4, 5), torch.randn(4, 2, 3), null, { stride: 2 }).shape   // [1, 2, 11]
 */
export const conv_transpose1d = hooked("F.conv_transpose1d", function conv_transpose1d(
  input: Tensor, weight: Tensor, ...args: ArgsOf<typeof CONV_TRANSPOSE1D>
): Tensor {
  const o = CONV_TRANSPOSE1D.parse(args);
  return run("conv_transpose1d", input, weight, o.bias, o);
}, describeConvNd("conv_transpose1d"));

/**
 * Transposed 2-D convolution over `[N, C_in, H, W]` with weight `[C_in, C_out/groups, kH, kW]`.
 *
 * @example
 * F.conv_transpose2d(x, w, null, { stride: 2, output_padding: 1 })
 */
export const conv_transpose2d = hooked("F.conv_transpose2d", function conv_transpose2d(
  input: Tensor, weight: Tensor, ...args: ArgsOf<typeof CONV_TRANSPOSE2D>
): Tensor {
  const o = CONV_TRANSPOSE2D.parse(args);
  return run("conv_transpose2d", input, weight, o.bias, o);
}, describeConvNd("conv_transpose2d"));

/**
 * Transposed 3-D convolution over `[N, C_in, D, H, W]` with weight `[C_in, C_out/groups, kD, kH, kW]`.
 *
 * @example
 * F.conv_transpose3d(torch.randn(1, 4, 3, 5, 5), torch.randn(4, 2, 3, 3, 3), null, { stride: 2 }).shape   // [1, 2, 7, 11, 11]
 */
export const conv_transpose3d = hooked("F.conv_transpose3d", function conv_transpose3d(
  input: Tensor, weight: Tensor, ...args: ArgsOf<typeof CONV_TRANSPOSE3D>
): Tensor {
  const o = CONV_TRANSPOSE3D.parse(args);
  return run("conv_transpose3d", input, weight, o.bias, o);
}, describeConvNd("conv_transpose3d"));
