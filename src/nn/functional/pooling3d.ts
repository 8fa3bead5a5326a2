/**
 * 3-D pooling: `F.max_pool3d`, `F.avg_pool3d`, `F.adaptive_avg_pool3d`,
 * `F.adaptive_max_pool3d` over `[N, C, D, H, W]` (or unbatched `[C, D, H, W]`),
 * with PyTorch's argument order (or keywords in the options object), checks and
 * messages (shape/pool3d.ts), recorded as `MaxPool3DWithIndicesBackward0`,
 * `AvgPool3DBackward0`, `AdaptiveAvgPool3DBackward0` (`MeanBackward1` for a
 * 1×1×1 output, which PyTorch computes as a mean) and
 * `AdaptiveMaxPool3DBackward0`. float64 inputs are pooled in double.
 *
 * @example
 * F.max_pool3d(torch.randn(1, 2, 8, 8, 8), 2).shape                 // torch.Size([1, 2, 4, 4, 4])
 * F.avg_pool3d(x, 3, { stride: 2, padding: 1 })
 * F.adaptive_avg_pool3d(torch.randn(2, 4, 5, 6, 7), [1, null, 3]).shape   // torch.Size([2, 4, 1, 6, 3])
 */
import { record } from "../../autograd/graph.js";
import { floatKernel } from "../../backend/registry.js";
import { ArgumentError } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { type ArgType, type ArgsOf, Bool, Dims, Int, NO_MATCH, arg, optional, required, signature } from "../../ops/signature.js";
import { describeAdaptive3d, describeAvgPool3d, describeMaxPool3d } from "../../shape/families/pool3d.js";
import { type Pool3dGeometry, adaptivePool3dGeometry, pool3dGeometry } from "../../shape/pool3d.js";
import { int64 } from "../../tensor/dtype.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
import { Tensor } from "../../tensor/tensor.js";
import { kernelData, kernelDtype, kernelTensor, requireFloat, requireTensor } from "./float-data.js";

/** An adaptive output size: one int, or a list whose None (null) entries keep the input's size. */
const AdaptiveSizes: ArgType<number | readonly (number | null)[] | null> = {
  name: "tuple of ints",
  read(v) {
    if (v === null) return null;
    if (Array.isArray(v) && v.every((e) => e === null || Number.isInteger(e))) return v as (number | null)[];
    const d = Dims.read(v);
    return d === NO_MATCH ? NO_MATCH : d;
  },
};

export const MAX_POOL3D = signature("max_pool3d", [
  required("kernel_size", Dims), arg("stride", optional(Dims), null), arg("padding", Dims, 0), arg("dilation", Dims, 1),
  arg("ceil_mode", Bool, false), arg("return_indices", Bool, false),
]);
export const AVG_POOL3D = signature("avg_pool3d", [
  required("kernel_size", Dims), arg("stride", optional(Dims), null), arg("padding", Dims, 0), arg("ceil_mode", Bool, false),
  arg("count_include_pad", Bool, true), arg("divisor_override", optional(Int), null),
]);
export const ADAPTIVE_AVG_POOL3D = signature("adaptive_avg_pool3d", [required("output_size", AdaptiveSizes)]);
export const ADAPTIVE_MAX_POOL3D = signature("adaptive_max_pool3d", [required("output_size", AdaptiveSizes), arg("return_indices", Bool, false)]);

/** `[.., oD, oH, oW]` keeping the input's leading dims. */
function outShape(input: Tensor, out: readonly number[]): number[] {
  return [...input.shape.slice(0, input.ndim - 3), ...out];
}

function indicesTensor(idx: Int32Array, shape: number[]): Tensor {
  return Tensor._fromData(Float64Array.from(idx), shape, int64);
}

function maxPool(op: "max_pool3d" | "adaptive_max_pool3d", input: Tensor, g: Pool3dGeometry | ReturnType<typeof adaptivePool3dGeometry>, returnIndices: boolean,
  backward: string): Tensor | [Tensor, Tensor] {
  requireFloat(input, op, op);
  const shape = outShape(input, g.out);
  if (isMeta(input)) {
    const out = metaTensor(shape, input.dtype);
    return returnIndices ? [out, metaTensor(shape, int64)] : out;
  }
  const dt = kernelDtype(input);
  const { output, indices } = op === "max_pool3d"
    ? floatKernel("max_pool3d", dt)(g as Pool3dGeometry, kernelData(input))
    : floatKernel("adaptive_max_pool3d", dt)(g, kernelData(input));
  const out = kernelTensor(output, shape, input.dtype);
  const dtype = input.dtype;
  record(backward, out, [input], ([grad]) => [
    kernelTensor(floatKernel("max_pool3d_backward", dt)(g, kernelData(grad!), indices), input.shape, dtype),
  ]);
  return returnIndices ? [out, indicesTensor(indices, shape)] : out;
}

/**
 * Max pooling over `kernel_size` windows of depth, height and width; with
 * `return_indices` also the flat position (`d·H·W + h·W + w`) of each maximum in its volume.
 *
 * @example
 * const [y, idx] = F.max_pool3d(torch.randn(1, 1, 4, 4, 4), 2, { return_indices: true });
 */
export const max_pool3d = hooked("F.max_pool3d", function max_pool3d(input: Tensor, ...args: ArgsOf<typeof MAX_POOL3D>): Tensor | [Tensor, Tensor] {
  requireTensor("max_pool3d", [[input, "input"]]);
  const o = MAX_POOL3D.parse(args);
  const g = pool3dGeometry("max_pool3d", input.shape, {
    kernel: o.kernel_size, stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceil_mode,
  });
  return maxPool("max_pool3d", input, g, o.return_indices, "MaxPool3DWithIndicesBackward0");
}, describeMaxPool3d);

/**
 * Average pooling over `kernel_size` windows. `count_include_pad` (default true)
 * counts padding cells in the divisor; `divisor_override` replaces the divisor.
 *
 * @example
 * F.avg_pool3d(torch.ones(1, 1, 4, 4, 4), 2).shape   // torch.Size([1, 1, 2, 2, 2])
 */
export const avg_pool3d = hooked("F.avg_pool3d", function avg_pool3d(input: Tensor, ...args: ArgsOf<typeof AVG_POOL3D>): Tensor {
  requireTensor("avg_pool3d", [[input, "input"]]);
  const o = AVG_POOL3D.parse(args);
  const g = pool3dGeometry("avg_pool3d", input.shape, {
    kernel: o.kernel_size, stride: o.stride, padding: o.padding, ceilMode: o.ceil_mode,
    countIncludePad: o.count_include_pad, divisorOverride: o.divisor_override,
  });
  requireFloat(input, "avg_pool3d", "avg_pool3d");
  const shape = outShape(input, g.out);
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  const dt = kernelDtype(input);
  const out = kernelTensor(floatKernel("avg_pool3d", dt)(g, kernelData(input)), shape, input.dtype);
  const dtype = input.dtype;
  record("AvgPool3DBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("avg_pool3d_backward", dt)(g, kernelData(grad!)), input.shape, dtype),
  ]);
  return out;
}, describeAvgPool3d);

/** PyTorch's `_list_with_default`: three sizes, None entries taking the input's trailing sizes. */
function resolveSize(size: number | readonly (number | null)[] | null, input: Tensor): number[] {
  if (typeof size === "number") return [size, size, size];
  if (size === null) return input.shape.slice(-3);
  if (input.ndim <= size.length) {
    throw new ArgumentError(`Input dimension should be at least ${size.length + 1}`, "output_size", "ValueError");
  }
  return size.map((v, i) => v ?? input.shape[input.ndim - size.length + i]!);
}

/**
 * Adaptive average pooling to a fixed `[D, H, W]` output size, whatever the input size.
 *
 * @example
 * F.adaptive_avg_pool3d(torch.randn(1, 8, 5, 9, 9), 1).shape   // torch.Size([1, 8, 1, 1, 1])
 */
export const adaptive_avg_pool3d = hooked("F.adaptive_avg_pool3d", function adaptive_avg_pool3d(
  input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_AVG_POOL3D>
): Tensor {
  requireTensor("adaptive_avg_pool3d", [[input, "input"]]);
  const size = resolveSize(ADAPTIVE_AVG_POOL3D.parse(args).output_size, input);
  const g = adaptivePool3dGeometry("adaptive_avg_pool3d", input.shape, size);
  requireFloat(input, "adaptive_avg_pool3d", "adaptive_avg_pool3d");
  // PyTorch computes a 1×1×1 output as a mean over the last three dims.
  if (size.every((v) => v === 1)) return input.mean([-1, -2, -3], true);
  const shape = outShape(input, g.out);
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  const dt = kernelDtype(input);
  const out = kernelTensor(floatKernel("adaptive_avg_pool3d", dt)(g, kernelData(input)), shape, input.dtype);
  const dtype = input.dtype;
  record("AdaptiveAvgPool3DBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("adaptive_avg_pool3d_backward", dt)(g, kernelData(grad!)), input.shape, dtype),
  ]);
  return out;
}, describeAdaptive3d("adaptive_avg_pool3d"));

/**
 * Adaptive max pooling to a fixed `[D, H, W]` output size; `return_indices`
 * also returns the flat position of each maximum in its volume.
 *
 * @example
 * F.adaptive_max_pool3d(torch.randn(1, 2, 6, 6, 6), [2, 3, 3]).shape   // torch.Size([1, 2, 2, 3, 3])
 */
export const adaptive_max_pool3d = hooked("F.adaptive_max_pool3d", function adaptive_max_pool3d(
  input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_MAX_POOL3D>
): Tensor | [Tensor, Tensor] {
  requireTensor("adaptive_max_pool3d", [[input, "input"]]);
  const o = ADAPTIVE_MAX_POOL3D.parse(args);
  const g = adaptivePool3dGeometry("adaptive_max_pool3d", input.shape, resolveSize(o.output_size, input));
  return maxPool("adaptive_max_pool3d", input, g, o.return_indices, "AdaptiveMaxPool3DBackward0");
}, describeAdaptive3d("adaptive_max_pool3d"));
