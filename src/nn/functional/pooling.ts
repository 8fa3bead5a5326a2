/**
 * 2-D pooling: `F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_avg_pool2d`,
 * `F.adaptive_max_pool2d`, with PyTorch's argument order (or an options
 * object after the kernel size), output-size rules and errors, recorded as
 * `MaxPool2DWithIndicesBackward0`, `AvgPool2DBackward0`,
 * `AdaptiveAvgPool2DBackward0` (`MeanBackward1` for a 1x1 output, which
 * PyTorch computes as a mean) and `AdaptiveMaxPool2DBackward0`.
 *
 * Inputs are `[N, C, H, W]` or unbatched `[C, H, W]`; float64 inputs are pooled in double.
 *
 * @example
 * F.max_pool2d(x, 2)                          // [1, 6, 28, 28] -> [1, 6, 14, 14]
 * F.max_pool2d(x, [3, 3], { stride: 2 })
 * const [y, idx] = F.max_pool2d(x, 2, { return_indices: true });
 * F.adaptive_avg_pool2d(x, [5, 5])
 */
import { ArgumentError, IndexError } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { type ArgType, type ArgsOf, Bool, NO_MATCH, arg, required, signature } from "../../ops/signature.js";
import { floatKernel } from "../../backend/registry.js";
import { floatArrayType } from "../../backend/cpu/float-array.js";
import {
  type Pair, type Pool2dGeometry,
  adaptivePool2dGeometry, avgPool2dGeometry, maxPool2dGeometry,
} from "../../shape/conv-pool.js";
import { int64 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { kernelData, kernelDtype, kernelTensor, requireFloat, requireTensor } from "./float-data.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeAdaptive, describeAvgPool2d, describeMaxPool2d } from "../../shape/families/index.js";

/** Keyword arguments of `F.max_pool2d` / `nn.MaxPool2d`. */
export interface MaxPool2dArgs {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceil_mode?: boolean;
  return_indices?: boolean;
}

/** Keyword arguments of `F.avg_pool2d` / `nn.AvgPool2d`. */
export interface AvgPool2dArgs {
  stride?: Pair | null;
  padding?: Pair;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** A size for adaptive pooling: one number, or `[h, w]` where null keeps the input's size. */
export type AdaptiveSize = number | null | readonly [number | null, number | null];

function isOptions(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** PyTorch treats `stride=None` (and an empty list) as "same as the kernel". */
function strideOrKernel(stride: Pair | null | undefined, kernel: Pair): Pair {
  if (stride === null || stride === undefined) return kernel;
  if (Array.isArray(stride) && stride.length === 0) return kernel;
  return stride;
}

/**
 * `[.., outH, outW]` keeping the input's leading dims (3-D stays 3-D). Indexes the shape rather than
 * slicing it: slicing a `torch.Size` builds another `Size`, which costs more than the small pooling
 * kernels of a batch-1 forward.
 */
function outShape(input: Tensor, outH: number, outW: number): number[] {
  const s = input.shape;
  if (s.length === 4) return [s[0]!, s[1]!, outH, outW];
  if (s.length === 3) return [s[0]!, outH, outW];
  const out: number[] = [];
  for (let i = 0; i < s.length - 2; i++) out.push(s[i]!);
  out.push(outH, outW);
  return out;
}

/** The int64 indices tensor from the kernel's Int32Array (built only when the caller asks for it). */
function indicesTensor(idx: Int32Array, shape: number[]): Tensor {
  return Tensor._fromData(Float64Array.from(idx), shape, int64);
}

/**
 * Max pooling proper. The kernel's Int32Array indices stay with the backward closure; the int64
 * indices tensor PyTorch returns is built only with `returnIndices`.
 */
function maxPoolImpl(input: Tensor, g: Pool2dGeometry, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  requireFloat(input, "max_pool2d", "max_pool2d");
  const shape = outShape(input, g.outH, g.outW);
  // A meta input (tensor/meta.ts): the geometry checks ran; shapes only.
  if (isMeta(input)) {
    const out = metaTensor(shape, input.dtype);
    return returnIndices ? [out, metaTensor(shape, int64)] : out;
  }
  const dt = kernelDtype(input);
  const { output, indices } = floatKernel("max_pool2d", dt)(g, kernelData(input));
  const out = kernelTensor(output, shape, input.dtype);
  const dtype = input.dtype;
  record("MaxPool2DWithIndicesBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("max_pool2d_backward", dt)(g, kernelData(grad!), indices), input.shape, dtype),
  ]);
  return returnIndices ? [out, indicesTensor(indices, shape)] : out;
}

/**
 * Max pooling over `kernel_size` windows. With `return_indices` it also
 * returns the flat position (`h * W + w`) of each maximum in its plane.
 *
 * @example
 * F.max_pool2d(torch.randn(1, 16, 10, 10), 2).shape   // torch.Size([1, 16, 5, 5])
 */
function max_pool2d_impl(input: Tensor, kernel_size: Pair, options: MaxPool2dArgs & { return_indices: true }): [Tensor, Tensor];
function max_pool2d_impl(
  input: Tensor, kernel_size: Pair, stride?: Pair | null | (MaxPool2dArgs & { return_indices?: false }), padding?: Pair, dilation?: Pair,
  ceil_mode?: boolean, return_indices?: false,
): Tensor;
function max_pool2d_impl(
  input: Tensor, kernel_size: Pair, stride?: Pair | null | MaxPool2dArgs, padding?: Pair, dilation?: Pair, ceil_mode?: boolean, return_indices?: boolean,
): Tensor | [Tensor, Tensor];
function max_pool2d_impl(
  input: Tensor,
  kernel_size: Pair,
  stride: Pair | null | MaxPool2dArgs = null,
  padding: Pair = 0,
  dilation: Pair = 1,
  ceil_mode = false,
  return_indices = false,
): Tensor | [Tensor, Tensor] {
  requireTensor("max_pool2d", [[input, "input"]]);
  // Every argument by keyword: `F.max_pool2d(x, { kernel_size: 3, stride: 2 })`.
  if (isOptions(kernel_size)) [kernel_size, stride] = [(kernel_size as unknown as { kernel_size: Pair }).kernel_size, kernel_size as unknown as MaxPool2dArgs];
  let o: MaxPool2dArgs;
  if (isOptions(stride)) o = stride as MaxPool2dArgs;
  else o = { stride: stride as Pair | null, padding, dilation, ceil_mode, return_indices };
  const g = maxPool2dGeometry(input.shape, {
    kernelSize: kernel_size,
    stride: strideOrKernel(o.stride, kernel_size),
    padding: o.padding ?? 0,
    dilation: o.dilation ?? 1,
    ceilMode: o.ceil_mode ?? false,
  });
  return maxPoolImpl(input, g, o.return_indices === true);
}

/** F.max_pool2d, seen by the shape tracer (ops/op-hook.ts). */
export const max_pool2d = hooked("F.max_pool2d", max_pool2d_impl, describeMaxPool2d);

/**
 * `F.max_pool2d_with_indices`: max pooling returning `[output, indices]`.
 *
 * @example
 * const [y, idx] = F.max_pool2d_with_indices(x, 2);
 */
export const max_pool2d_with_indices = hooked("F.max_pool2d_with_indices", function max_pool2d_with_indices(input: Tensor, kernel_size: Pair, options: Omit<MaxPool2dArgs, "return_indices"> = {}): [Tensor, Tensor] {
  return max_pool2d(input, kernel_size, options.stride ?? null, options.padding, options.dilation, options.ceil_mode, true) as [Tensor, Tensor];
}, describeMaxPool2d);

/**
 * Average pooling. `count_include_pad` (default true) counts padding cells in
 * the divisor; `divisor_override` replaces the divisor.
 *
 * @example
 * F.avg_pool2d(x, 3, { stride: 2, padding: 1, count_include_pad: false })
 */
export const avg_pool2d = hooked("F.avg_pool2d", function avg_pool2d(
  input: Tensor,
  kernel_size: Pair,
  stride: Pair | null | AvgPool2dArgs = null,
  padding: Pair = 0,
  ceil_mode = false,
  count_include_pad = true,
  divisor_override: number | null = null,
): Tensor {
  requireTensor("avg_pool2d", [[input, "input"]]);
  if (isOptions(kernel_size)) [kernel_size, stride] = [(kernel_size as unknown as { kernel_size: Pair }).kernel_size, kernel_size as unknown as AvgPool2dArgs];
  let o: AvgPool2dArgs;
  if (isOptions(stride)) o = stride as AvgPool2dArgs;
  else o = { stride: stride as Pair | null, padding, ceil_mode, count_include_pad, divisor_override };
  const g = avgPool2dGeometry(input.shape, {
    kernelSize: kernel_size,
    stride: strideOrKernel(o.stride, kernel_size),
    padding: o.padding ?? 0,
    ceilMode: o.ceil_mode ?? false,
    countIncludePad: o.count_include_pad ?? true,
    divisorOverride: o.divisor_override ?? null,
  });
  requireFloat(input, "avg_pool2d", "avg_pool2d");
  if (isMeta(input)) return metaTensor(outShape(input, g.outH, g.outW), input.dtype);
  const dt = kernelDtype(input);
  const out = kernelTensor(floatKernel("avg_pool2d", dt)(g, kernelData(input)), outShape(input, g.outH, g.outW), input.dtype);
  const dtype = input.dtype;
  record("AvgPool2DBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("avg_pool2d_backward", dt)(g, kernelData(grad!)), input.shape, dtype),
  ]);
  return out;
}, describeAvgPool2d);

/** PyTorch's `_list_with_default`: null entries take the input's trailing sizes. */
function resolveAdaptiveSize(output_size: AdaptiveSize, input: Tensor): number[] {
  if (typeof output_size === "number") return [output_size, output_size];
  if (output_size === null) return [input.shape[input.ndim - 2]!, input.shape[input.ndim - 1]!];
  // Python's `_list_with_default`: None takes the input's size; ATen then checks the length is 2.
  if (input.ndim <= output_size.length) {
    throw new ArgumentError(`Input dimension should be at least ${output_size.length + 1}`, "output_size", "ValueError");
  }
  return output_size.map((v, i) => v ?? input.shape[input.ndim - output_size.length + i]!);
}

/** `output_size`: an int, or a pair whose None entries keep the input's size. */
const OutputSize: ArgType<AdaptiveSize> = {
  name: "tuple of ints",
  read: (v) => (typeof v === "number" || v === null || (Array.isArray(v) && v.every((e) => e === null || typeof e === "number"))
    ? v as AdaptiveSize : NO_MATCH),
};
export const ADAPTIVE_AVG_POOL2D = signature("adaptive_avg_pool2d", [required("output_size", OutputSize)]);
export const ADAPTIVE_MAX_POOL2D = signature("adaptive_max_pool2d", [required("output_size", OutputSize), arg("return_indices", Bool, false)]);

/** The mean over the last two dims (keepdim), which is what PyTorch runs for a 1x1 adaptive average. */
function meanHW(input: Tensor): Tensor {
  if (input.ndim < 2) {
    const n = Math.max(input.ndim, 1);
    throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got -2)`, -2, [-n, n - 1]);
  }
  requireFloat(input, "mean", "adaptive_avg_pool2d");
  if (isMeta(input)) return metaTensor(outShape(input, 1, 1), input.dtype);
  const hw = input.shape[input.ndim - 1]! * input.shape[input.ndim - 2]!;
  const x = kernelData(input);
  const rows = hw === 0 ? 0 : x.length / hw;
  const out = new (floatArrayType(x))(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = r * hw; i < (r + 1) * hw; i++) s += x[i]!;
    out[r] = s / hw;
  }
  const shape = outShape(input, 1, 1);
  const y = kernelTensor(out, shape, input.dtype);
  const inShape = [...input.shape];
  const dtype = input.dtype;
  record("MeanBackward1", y, [input], ([grad]) => {
    const go = kernelData(grad!);
    const gx = new (floatArrayType(go))(rows * hw);
    for (let r = 0; r < rows; r++) gx.fill(go[r]! / hw, r * hw, (r + 1) * hw);
    return [kernelTensor(gx, inShape, dtype)];
  });
  return y;
}

/**
 * Adaptive average pooling to a fixed output size, whatever the input size.
 *
 * @example
 * F.adaptive_avg_pool2d(torch.randn(1, 16, 13, 13), 5).shape   // torch.Size([1, 16, 5, 5])
 */
export const adaptive_avg_pool2d = hooked("F.adaptive_avg_pool2d", function adaptive_avg_pool2d(input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_AVG_POOL2D>): Tensor {
  requireTensor("adaptive_avg_pool2d", [[input, "input"]]);
  const sizes = resolveAdaptiveSize(ADAPTIVE_AVG_POOL2D.parse(args).output_size, input);
  const [oH, oW] = sizes as [number, number];
  if (sizes.length !== 2 || oH < 0 || oW < 0) adaptivePool2dGeometry("adaptive_avg_pool2d", input.shape, sizes);
  if (oH === 1 && oW === 1) return meanHW(input);
  const g = adaptivePool2dGeometry("adaptive_avg_pool2d", input.shape, [oH, oW]);
  requireFloat(input, "adaptive_avg_pool2d", "adaptive_avg_pool2d");
  if (isMeta(input)) return metaTensor(outShape(input, oH, oW), input.dtype);
  const dt = kernelDtype(input);
  const out = kernelTensor(floatKernel("adaptive_avg_pool2d", dt)(g, kernelData(input)), outShape(input, oH, oW), input.dtype);
  const dtype = input.dtype;
  record("AdaptiveAvgPool2DBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("adaptive_avg_pool2d_backward", dt)(g, kernelData(grad!)), input.shape, dtype),
  ]);
  return out;
}, describeAdaptive("adaptive_avg_pool2d"));

/**
 * Adaptive max pooling to a fixed output size; `return_indices` also returns
 * the flat position of each maximum in its plane.
 *
 * @example
 * F.adaptive_max_pool2d(x, [2, 2])
 * const [y, idx] = F.adaptive_max_pool2d(x, 3, true);
 */
function adaptive_max_pool2d_impl(input: Tensor, output_size: AdaptiveSize, return_indices: true): [Tensor, Tensor];
function adaptive_max_pool2d_impl(input: Tensor, output_size: AdaptiveSize, return_indices?: false): Tensor;
function adaptive_max_pool2d_impl(input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_MAX_POOL2D>): Tensor | [Tensor, Tensor];
function adaptive_max_pool2d_impl(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  requireTensor("adaptive_max_pool2d", [[input, "input"]]);
  const { output_size, return_indices } = ADAPTIVE_MAX_POOL2D.parse(args);
  const sizes = resolveAdaptiveSize(output_size, input);
  const g = adaptivePool2dGeometry("adaptive_max_pool2d", input.shape, sizes);
  const [oH, oW] = sizes as [number, number];
  requireFloat(input, "adaptive_max_pool2d", "adaptive_max_pool2d");
  const shape = outShape(input, oH, oW);
  if (isMeta(input)) {
    const out = metaTensor(shape, input.dtype);
    return return_indices ? [out, metaTensor(shape, int64)] : out;
  }
  const dt = kernelDtype(input);
  const { output, indices } = floatKernel("adaptive_max_pool2d", dt)(g, kernelData(input));
  const out = kernelTensor(output, shape, input.dtype);
  const dtype = input.dtype;
  record("AdaptiveMaxPool2DBackward0", out, [input], ([grad]) => [
    kernelTensor(floatKernel("adaptive_max_pool2d_backward", dt)(g, kernelData(grad!), indices), input.shape, dtype),
  ]);
  return return_indices ? [out, indicesTensor(indices, shape)] : out;
}

/** F.adaptive_max_pool2d, seen by the shape tracer (ops/op-hook.ts). */
export const adaptive_max_pool2d = hooked("F.adaptive_max_pool2d", adaptive_max_pool2d_impl, describeAdaptive("adaptive_max_pool2d"));
