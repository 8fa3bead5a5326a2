/**
 * The default parameter init of `nn.Linear` and `nn.Conv*d`, drawing exactly
 * what PyTorch's `reset_parameters` draws, so that `manual_seed(0)` followed
 * by building the LeNet layers gives PyTorch's weights to the last bit.
 *
 * PyTorch (torch/nn/modules/linear.py, conv.py; torch/nn/init.py):
 *
 *     init.kaiming_uniform_(self.weight, a=math.sqrt(5))
 *     if self.bias is not None:
 *         fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
 *         bound = 1 / math.sqrt(fan_in)
 *         init.uniform_(self.bias, -bound, bound)
 *
 * So, in this order, from the same generator:
 * 1. the weight, all of it in row-major order (`[out, in]` for Linear,
 *    `[out, in / groups, kh, kw]` for Conv2d), `uniform_(-w, w)` with
 *    `w = kaimingUniformBound(fanIn)`;
 * 2. then the bias (`[out]`), `uniform_(-b, b)` with `b = uniformBound(fanIn)`.
 *
 * fan_in = in_features for Linear, (in_channels / groups) * kh * kw for Conv2d.
 * Layers are initialised when constructed, in construction order: LeNet's
 * conv1, conv2, fc1, fc2, fc3 draw one after the other. BatchNorm, ReLU and
 * pooling layers draw nothing (BatchNorm sets weight 1, bias 0). A Linear with
 * in_features 0 still draws its bias (with bound 0: all zeros); a Conv with
 * fan_in 0 leaves its bias undrawn. `initLinear` and `initConv` do all this.
 *
 * The bounds are computed in double with init.py's operation order —
 * gain = sqrt(2 / (1 + a^2)), std = gain / sqrt(fan), bound = sqrt(3) * std —
 * and only then rounded to float32 by `uniform_`, so they match bit for bit.
 *
 * @example
 * manual_seed(0);
 * const w = new Float32Array(6 * 1 * 5 * 5), b = new Float32Array(6);
 * initConv(w, b, 1 * 5 * 5); // = nn.Conv2d(1, 6, 5) after torch.manual_seed(0)
 */

import { ArgumentError } from "../errors.js";
import { defaultGenerator, type Generator } from "./generator.js";
import type { FloatArray } from "./dtypes.js";
import { uniformFill } from "./uniform.js";

/** `init.calculate_gain(nonlinearity, param)`. */
export function calculateGain(nonlinearity: string, param?: number): number {
  const linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"];
  if (linear.includes(nonlinearity) || nonlinearity === "sigmoid") return 1;
  if (nonlinearity === "tanh") return 5.0 / 3;
  if (nonlinearity === "relu") return Math.sqrt(2.0);
  if (nonlinearity === "leaky_relu") {
    const slope = param ?? 0.01;
    if (typeof slope !== "number" || Number.isNaN(slope)) {
      throw new ArgumentError(`negative_slope ${String(param)} not a valid number`, "param");
    }
    // Python's slope ** 2 is pow(slope, 2), correctly rounded like slope * slope.
    return Math.sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity === "selu") return 3.0 / 4;
  throw new ArgumentError(`Unsupported nonlinearity ${nonlinearity}`, "nonlinearity");
}

/** `init._calculate_fan_in_and_fan_out(weight)` from the weight's shape. */
export function fanInAndFanOut(shape: readonly number[]): [fanIn: number, fanOut: number] {
  if (shape.length < 2) {
    throw new ArgumentError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", "tensor");
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/**
 * The bound of `init.kaiming_uniform_(w, a, mode, nonlinearity)` for a fan of
 * `fan` (fan_in by default): sqrt(3) * gain / sqrt(fan). With the defaults
 * nn layers use (a = sqrt(5), leaky_relu) this is 1/sqrt(fan) up to rounding.
 */
export function kaimingUniformBound(fan: number, a: number = Math.sqrt(5), nonlinearity = "leaky_relu"): number {
  const gain = calculateGain(nonlinearity, a);
  const std = gain / Math.sqrt(fan);
  return Math.sqrt(3.0) * std;
}

/** The bias bound of Linear/Conv `reset_parameters`: 1 / sqrt(fan_in) (0 when fan_in is 0). */
export function uniformBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** `init.kaiming_uniform_(weight, a)` on `weight` with the given fan. Draws nothing for an empty weight. */
export function kaimingUniformFill<T extends FloatArray>(weight: T, fan: number, a: number = Math.sqrt(5), gen: Generator = defaultGenerator): T {
  if (weight.length === 0) return weight; // PyTorch warns "Initializing zero-element tensors is a no-op"
  const bound = kaimingUniformBound(fan, a);
  return uniformFill(weight, -bound, bound, gen);
}

/** `nn.Linear.reset_parameters`: weight `[out, in]` then bias `[out]` (if any), with fan_in = in_features. */
export function initLinear(weight: FloatArray, bias: FloatArray | null, inFeatures: number, gen: Generator = defaultGenerator): void {
  kaimingUniformFill(weight, inFeatures, Math.sqrt(5), gen);
  if (bias !== null) {
    const bound = uniformBound(inFeatures);
    uniformFill(bias, -bound, bound, gen);
  }
}

/** `_ConvNd.reset_parameters`: weight `[out, in/groups, ...kernel]` then bias `[out]` (if any and fan_in > 0). */
export function initConv(weight: FloatArray, bias: FloatArray | null, fanIn: number, gen: Generator = defaultGenerator): void {
  kaimingUniformFill(weight, fanIn, Math.sqrt(5), gen);
  if (bias !== null && fanIn !== 0) {
    const bound = uniformBound(fanIn);
    uniformFill(bias, -bound, bound, gen);
  }
}
