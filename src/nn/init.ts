/**
 * `nn.init`: in-place initialisers under PyTorch's names, drawing from the
 * default generator exactly as `torch.nn.init` does (same bounds, computed in
 * double in the same order; same number of draws, in the same order), so a
 * seeded init reproduces PyTorch's tensors bit for bit. Every function runs
 * outside autograd and returns the tensor it filled.
 *
 * Draws follow the element order of a contiguous tensor; a non-contiguous
 * tensor is filled in row-major order of its shape.
 *
 * @example
 * torch.manual_seed(0);
 * const w = torch.empty(120, 400);
 * nn.init.kaiming_uniform_(w, { a: Math.sqrt(5) });   // what nn.Linear(400, 120) does to its weight
 * nn.init.zeros_(fc.bias!);
 */
import { ArgumentError, DTypeError } from "../errors.js";
import { cppTypeName } from "./functional/float-data.js";
import { calculateGain, fanInAndFanOut } from "../random/init.js";
import { normalFill } from "../random/normal.js";
import { uniformFill } from "../random/uniform.js";
import type { Tensor } from "../tensor/tensor.js";
import { fillInPlace, writeInPlace } from "./in-place.js";

/** The nonlinearities `calculate_gain` knows. */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/**
 * The recommended gain for a nonlinearity (`leaky_relu` takes its negative slope as `param`).
 *
 * @example
 * nn.init.calculate_gain("relu")             // 1.4142135623730951
 * nn.init.calculate_gain("leaky_relu", 0.2)  // 1.3867504905630728
 */
export function calculate_gain(nonlinearity: Nonlinearity | string, param?: number | null): number {
  return calculateGain(nonlinearity, param ?? undefined);
}

/**
 * `[fan_in, fan_out]` of a weight: `size(1) * receptive field` and `size(0) * receptive field`.
 *
 * @example
 * nn.init._calculate_fan_in_and_fan_out(conv1.weight)   // [25, 150] for Conv2d(1, 6, 5)
 */
export function _calculate_fan_in_and_fan_out(tensor: Tensor): [number, number] {
  return fanInAndFanOut(tensor.shape);
}

function requireFloatTensor(t: Tensor, op: string): void {
  if (!t.dtype.is_floating_point) {
    throw new DTypeError(`"${op}" not implemented for '${cppTypeName(t.dtype)}'`, op, [t.dtype.name]);
  }
}

/** Fills `t` by calling `fill` on a float array of its elements, in place when it is contiguous. */
function fillWith(t: Tensor, fill: (out: Float32Array | Float64Array, contiguous: boolean) => void): Tensor {
  const data = t.storage.data;
  const n = t.numel();
  if (t.is_contiguous() && (data instanceof Float32Array || data instanceof Float64Array)) {
    fill(data.subarray(t._offset, t._offset + n), true);
    t.storage.version++;
    return t;
  }
  const tmp = t.dtype.name === "float64" ? new Float64Array(n) : new Float32Array(n);
  fill(tmp, false);
  writeInPlace(t, tmp);
  return t;
}

/**
 * Fills with values drawn uniformly from [a, b).
 *
 * @example
 * nn.init.uniform_(torch.empty(3, 5), -0.1, 0.1)
 */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  requireFloatTensor(tensor, "check_uniform_bounds");
  return fillWith(tensor, (out) => uniformFill(out, a, b));
}

/**
 * Fills with values drawn from N(mean, std²).
 *
 * @example
 * nn.init.normal_(torch.empty(3, 5), 0, 0.02)
 */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  requireFloatTensor(tensor, "normal_kernel_cpu");
  return fillWith(tensor, (out, contiguous) => normalFill(out, mean, std, undefined, contiguous));
}

/**
 * Fills with `val`.
 *
 * @example
 * nn.init.constant_(bn.weight!, 0.5)
 */
export function constant_(tensor: Tensor, val: number): Tensor {
  fillInPlace(tensor, val);
  return tensor;
}

/** Fills with ones. */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/**
 * Fills with zeros.
 *
 * @example
 * nn.init.zeros_(fc.bias!)
 */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

/**
 * Fills a 2-D tensor with the identity matrix (ones on the diagonal).
 *
 * @example
 * nn.init.eye_(torch.empty(3, 5))
 */
export function eye_(tensor: Tensor): Tensor {
  if (tensor.ndim !== 2) throw new ArgumentError("Only tensors with 2 dimensions are supported", "tensor", "ValueError");
  const [r, c] = [tensor.shape[0]!, tensor.shape[1]!];
  const values = new Float64Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) values[i * c + i] = 1;
  writeInPlace(tensor, values);
  return tensor;
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** `"fan_in"` (default) keeps forward variances, `"fan_out"` backward ones. */
  mode?: "fan_in" | "fan_out";
  /** Default `"leaky_relu"`. */
  nonlinearity?: Nonlinearity;
}

function correctFan(tensor: Tensor, mode: string): number {
  const m = mode.toLowerCase();
  if (m !== "fan_in" && m !== "fan_out") {
    throw new ArgumentError(`Mode ${mode} not supported, please use one of ['fan_in', 'fan_out']`, "mode", "ValueError");
  }
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  return m === "fan_in" ? fanIn : fanOut;
}

function kaimingStd(tensor: Tensor, options: KaimingOptions): number | null {
  if (tensor.shape.includes(0)) return null; // PyTorch warns "Initializing zero-element tensors is a no-op"
  const fan = correctFan(tensor, options.mode ?? "fan_in");
  const gain = calculate_gain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  return gain / Math.sqrt(fan);
}

function kaimingArgs(a: number | KaimingOptions | undefined, mode?: "fan_in" | "fan_out", nonlinearity?: Nonlinearity): KaimingOptions {
  return typeof a === "object" ? a : { a, mode, nonlinearity };
}

/**
 * He uniform init: U(-bound, bound) with `bound = gain * sqrt(3 / fan)`.
 * `nn.Linear` and `nn.Conv2d` use it with `a = sqrt(5)`.
 *
 * @example
 * nn.init.kaiming_uniform_(w, { mode: "fan_out", nonlinearity: "relu" })
 * nn.init.kaiming_uniform_(w, Math.sqrt(5))          // positional, as in PyTorch
 */
export function kaiming_uniform_(tensor: Tensor, a?: number | KaimingOptions, mode?: "fan_in" | "fan_out", nonlinearity?: Nonlinearity): Tensor {
  const std = kaimingStd(tensor, kaimingArgs(a, mode, nonlinearity));
  if (std === null) return tensor;
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

/**
 * He normal init: N(0, std²) with `std = gain / sqrt(fan)`.
 *
 * @example
 * nn.init.kaiming_normal_(conv.weight, { mode: "fan_out", nonlinearity: "relu" })
 */
export function kaiming_normal_(tensor: Tensor, a?: number | KaimingOptions, mode?: "fan_in" | "fan_out", nonlinearity?: Nonlinearity): Tensor {
  const std = kaimingStd(tensor, kaimingArgs(a, mode, nonlinearity));
  if (std === null) return tensor;
  return normal_(tensor, 0, std);
}

/**
 * Glorot uniform init: U(-a, a) with `a = gain * sqrt(6 / (fan_in + fan_out))`.
 *
 * @example
 * nn.init.xavier_uniform_(fc.weight, nn.init.calculate_gain("relu"))
 */
export function xavier_uniform_(tensor: Tensor, gain = 1.0): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/**
 * Glorot normal init: N(0, std²) with `std = gain * sqrt(2 / (fan_in + fan_out))`.
 *
 * @example
 * nn.init.xavier_normal_(fc.weight)
 */
export function xavier_normal_(tensor: Tensor, gain = 1.0): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}
