/**
 * Activation functions under `F` with PyTorch's signatures (`inplace`,
 * `negative_slope`, `approximate`, softmax's implicit `dim`). The element-wise
 * math and the autograd nodes (`ReluBackward0`, `SoftmaxBackward0`, ...) are
 * the tensor ops'; this file adds the functional-API conventions.
 *
 * `inplace: true` overwrites the input when autograd does not track it. When
 * it does, the result is a new tensor with the same values and the same
 * `grad_fn` name PyTorch shows; the input keeps its values (a leaf that
 * requires grad is refused, as in PyTorch).
 *
 * @example
 * F.relu(x)
 * F.leaky_relu(x, 0.2)
 * F.softmax(logits, 1)            // or F.softmax(logits, { dim: 1 })
 * F.gelu(x, { approximate: "tanh" })
 */
import { AutogradError } from "../../errors.js";
import * as act from "../../ops/activation.js";
import * as sm from "../../ops/softmax.js";
import * as inplaceOps from "../../ops/inplace.js";
import { type ArgsOf, type OptionsOf, Bool, DTypeT, Int, Num, arg, optional, required, signature } from "../../ops/signature.js";
import type { Tensor } from "../../tensor/tensor.js";
import { writeInPlace } from "../in-place.js";
import { isMeta } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeElementwise } from "../../shape/families/index.js";

/**
 * Runs `f`; with `inplace`, writes the result back into the input. When
 * autograd tracks the input, `fInplace` (the op's in-place form) does the
 * write, so the graph records PyTorch's in-place node (`LeakyReluBackward1`).
 */
function withInplace(input: Tensor, inplace: boolean, f: (x: Tensor) => Tensor, fInplace?: (x: Tensor) => Tensor): Tensor {
  if (!inplace) return f(input);
  if (input.requires_grad && input.is_leaf) {
    throw new AutogradError("a leaf Variable that requires grad is being used in an in-place operation.");
  }
  if (input.requires_grad && fInplace && !isMeta(input)) return fInplace(input);
  const out = f(input);
  // A meta tensor has no values to overwrite: the checks ran, the input is the result.
  if (isMeta(input)) return input.requires_grad ? out : input;
  if (input.requires_grad) return out;
  writeInPlace(input, out._contiguousData());
  return input;
}

const INPLACE = arg("inplace", Bool, false);
export const RELU = signature("relu", [INPLACE]);
export const LEAKY_RELU = signature("leaky_relu", [arg("negative_slope", Num, 0.01), INPLACE]);
export const RELU6 = signature("relu6", [INPLACE]);
export const ELU = signature("elu", [arg("alpha", Num, 1.0), INPLACE]);
export const ELU_ = signature("elu_", [arg("alpha", Num, 1.0)]);
export const SILU = signature("silu", [INPLACE]);
export const HARDTANH = signature("hardtanh", [arg("min_val", Num, -1.0), arg("max_val", Num, 1.0), INPLACE]);
export const SOFTPLUS = signature("softplus", [arg("beta", Num, 1), arg("threshold", Num, 20)]);
export const GELU = act.GELU_SIG;
export const SOFTMAX = signature("softmax", [arg("dim", optional(Int), null), arg("_stacklevel", Int, 3), arg("dtype", optional(DTypeT), null)]);
export const LOG_SOFTMAX = signature("log_softmax", SOFTMAX.params);

/**
 * `max(x, 0)` element-wise.
 *
 * @example
 * F.relu(torch.tensor([-1, 2]))   // tensor([0, 2])
 */
export const relu = hooked("F.relu", function relu(input: Tensor, ...args: ArgsOf<typeof RELU>): Tensor {
  return withInplace(input, RELU.parse(args).inplace, act.relu, inplaceOps.relu_);
}, describeElementwise());

/** `F.relu(x, true)`. */
export const relu_ = hooked("F.relu_", function relu_(input: Tensor): Tensor {
  return relu(input, true);
}, describeElementwise());

/**
 * `x` where positive, `negative_slope * x` elsewhere.
 *
 * @example
 * F.leaky_relu(x, 0.2)
 */
export const leaky_relu = hooked("F.leaky_relu", function leaky_relu(input: Tensor, ...args: ArgsOf<typeof LEAKY_RELU>): Tensor {
  const { negative_slope, inplace } = LEAKY_RELU.parse(args);
  const slope = Number(negative_slope);
  return withInplace(input, inplace, (x) => act.leaky_relu(x, slope), (x) => inplaceOps.leaky_relu_(x, slope));
}, describeElementwise());

/** `min(max(x, 0), 6)`. */
export const relu6 = hooked("F.relu6", function relu6(input: Tensor, ...args: ArgsOf<typeof RELU6>): Tensor {
  return withInplace(input, RELU6.parse(args).inplace, act.relu6, inplaceOps.relu6_);
}, describeElementwise());

/** Keyword arguments of `F.elu`. */
export type EluArgs = OptionsOf<typeof ELU>;

/**
 * ELU: `x` where positive, `alpha * (exp(x) - 1)` elsewhere. With `inplace` the input is overwritten
 * (recorded as `EluBackward1` when autograd tracks it, as PyTorch does).
 *
 * @example
 * F.elu(x)
 * F.elu(x, 0.5)
 * F.elu(x, { alpha: 0.5, inplace: true })   // or F.elu(x, 0.5, true)
 */
export const elu = hooked("F.elu", function elu(input: Tensor, ...args: ArgsOf<typeof ELU>): Tensor {
  const { alpha, inplace } = ELU.parse(args);
  const a = Number(alpha);
  return withInplace(input, inplace, (x) => act.elu(x, a), (x) => inplaceOps.elu_(x, a));
}, describeElementwise());

/** `F.elu(x, alpha, true)`. */
export const elu_ = hooked("F.elu_", function elu_(input: Tensor, ...args: ArgsOf<typeof ELU_>): Tensor {
  return elu(input, ELU_.parse(args).alpha, true);
}, describeElementwise());

/** SiLU (swish): `x * sigmoid(x)`. */
export const silu = hooked("F.silu", function silu(input: Tensor, ...args: ArgsOf<typeof SILU>): Tensor {
  return withInplace(input, SILU.parse(args).inplace, act.silu, inplaceOps.silu_);
}, describeElementwise());

/** Clamps to [min_val, max_val] (default [-1, 1]). */
export const hardtanh = hooked("F.hardtanh", function hardtanh(input: Tensor, ...args: ArgsOf<typeof HARDTANH>): Tensor {
  const { min_val, max_val, inplace } = HARDTANH.parse(args);
  return withInplace(input, inplace, (x) => act.hardtanh(x, min_val, max_val));
}, describeElementwise());

/** `log(1 + exp(beta * x)) / beta`, linear above `threshold`. */
export const softplus = hooked("F.softplus", function softplus(input: Tensor, ...args: ArgsOf<typeof SOFTPLUS>): Tensor {
  const { beta, threshold } = SOFTPLUS.parse(args);
  return act.softplus(input, beta, threshold);
}, describeElementwise());

/**
 * `1 / (1 + exp(-x))`.
 *
 * @example
 * F.sigmoid(torch.zeros(2))   // tensor([0.5000, 0.5000])
 */
export const sigmoid = hooked("F.sigmoid", function sigmoid(input: Tensor): Tensor {
  return act.sigmoid(input);
}, describeElementwise());

/** Hyperbolic tangent. */
export const tanh = hooked("F.tanh", function tanh(input: Tensor): Tensor {
  return act.tanh(input);
}, describeElementwise());

/**
 * GELU: `x * Phi(x)`, or its tanh approximation.
 *
 * @example
 * F.gelu(x)
 * F.gelu(x, "tanh")               // or { approximate: "tanh" }
 */
export const gelu = hooked("F.gelu", function gelu(input: Tensor, ...args: ArgsOf<typeof GELU>): Tensor {
  return act.gelu(input, GELU.parse(args).approximate);
}, describeElementwise());

/** Keyword arguments of `F.softmax` / `F.log_softmax`. */
export type SoftmaxArgs = OptionsOf<typeof SOFTMAX>;

/** PyTorch's `_get_softmax_dim` for `dim=None` (deprecated implicit choice): 0 for 0-, 1- and 3-D inputs, else 1. */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * `exp(x) / sum(exp(x))` along `dim`: each slice sums to 1.
 *
 * @example
 * F.softmax(torch.tensor([[1, 2, 3]]).float(), 1)   // tensor([[0.0900, 0.2447, 0.6652]])
 */
export const softmax = hooked("F.softmax", function softmax(input: Tensor, ...args: ArgsOf<typeof SOFTMAX>): Tensor {
  const { dim, dtype } = SOFTMAX.parse(args);
  return sm.softmax(input, dim ?? implicitDim(input.ndim), dtype === null ? {} : { dtype });
}, describeElementwise("softmax"));

/**
 * `log(softmax(x))` along `dim`, computed without the rounding to 0 of the naive form.
 *
 * @example
 * F.log_softmax(logits, 1)
 */
export const log_softmax = hooked("F.log_softmax", function log_softmax(input: Tensor, ...args: ArgsOf<typeof LOG_SOFTMAX>): Tensor {
  const { dim, dtype } = LOG_SOFTMAX.parse(args);
  return sm.log_softmax(input, dim ?? implicitDim(input.ndim), dtype === null ? {} : { dtype });
}, describeElementwise("softmax"));

export const SELU = signature("selu", [INPLACE]);
export const CELU = signature("celu", [arg("alpha", Num, 1.0), INPLACE]);
export const MISH = signature("mish", [INPLACE]);
export const HARDSIGMOID = signature("hardsigmoid", [INPLACE]);
export const HARDSWISH = signature("hardswish", [INPLACE]);
export const THRESHOLD = signature("threshold", [required("threshold", Num), required("value", Num), INPLACE]);
export const SHRINK = signature("hardshrink", [arg("lambd", Num, 0.5)]);
export const SOFTSHRINK = signature("softshrink", [arg("lambd", Num, 0.5)]);
export const SOFTMIN = signature("softmin", SOFTMAX.params);
export const GLU = signature("glu", [arg("dim", Int, -1)]);

/** SELU: `scale * elu(x, alpha)` with the self-normalising constants. */
export const selu = hooked("F.selu", function selu(input: Tensor, ...args: ArgsOf<typeof SELU>): Tensor {
  return withInplace(input, SELU.parse(args).inplace, act.selu);
}, describeElementwise());

/** CELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`. */
export const celu = hooked("F.celu", function celu(input: Tensor, ...args: ArgsOf<typeof CELU>): Tensor {
  const { alpha, inplace } = CELU.parse(args);
  return withInplace(input, inplace, (x) => act.celu(x, alpha));
}, describeElementwise());

/** Mish: `x * tanh(softplus(x))`. */
export const mish = hooked("F.mish", function mish(input: Tensor, ...args: ArgsOf<typeof MISH>): Tensor {
  return withInplace(input, MISH.parse(args).inplace, act.mish);
}, describeElementwise());

/** `relu6(x + 3) / 6`. */
export const hardsigmoid = hooked("F.hardsigmoid", function hardsigmoid(input: Tensor, ...args: ArgsOf<typeof HARDSIGMOID>): Tensor {
  return withInplace(input, HARDSIGMOID.parse(args).inplace, act.hardsigmoid);
}, describeElementwise());

/** `x * relu6(x + 3) / 6`. */
export const hardswish = hooked("F.hardswish", function hardswish(input: Tensor, ...args: ArgsOf<typeof HARDSWISH>): Tensor {
  return withInplace(input, HARDSWISH.parse(args).inplace, act.hardswish);
}, describeElementwise());

/** `log(sigmoid(x))`. */
export const logsigmoid = hooked("F.logsigmoid", function logsigmoid(input: Tensor): Tensor {
  return act.logsigmoid(input);
}, describeElementwise());

/** `x / (1 + |x|)`. */
export const softsign = hooked("F.softsign", function softsign(input: Tensor): Tensor {
  return act.softsign(input);
}, describeElementwise());

/** `x - tanh(x)`. */
export const tanhshrink = hooked("F.tanhshrink", function tanhshrink(input: Tensor): Tensor {
  return act.tanhshrink(input);
}, describeElementwise());

/** `value` where `input <= threshold`, else `input`. */
export const threshold = hooked("F.threshold", function threshold(input: Tensor, ...args: ArgsOf<typeof THRESHOLD>): Tensor {
  const { threshold: th, value, inplace } = THRESHOLD.parse(args);
  return withInplace(input, inplace, (x) => act.threshold(x, th, value));
}, describeElementwise());

/** `x` where `|x| > lambd`, else 0. */
export const hardshrink = hooked("F.hardshrink", function hardshrink(input: Tensor, ...args: ArgsOf<typeof SHRINK>): Tensor {
  return act.hardshrink(input, SHRINK.parse(args).lambd);
}, describeElementwise());

/** `x - lambd` above `lambd`, `x + lambd` below `-lambd`, else 0. */
export const softshrink = hooked("F.softshrink", function softshrink(input: Tensor, ...args: ArgsOf<typeof SOFTSHRINK>): Tensor {
  return act.softshrink(input, SOFTSHRINK.parse(args).lambd);
}, describeElementwise());

/** `softmax(-x)` along `dim`. */
export const softmin = hooked("F.softmin", function softmin(input: Tensor, ...args: ArgsOf<typeof SOFTMIN>): Tensor {
  const { dim, dtype } = SOFTMIN.parse(args);
  return sm.softmax(input.neg(), dim ?? implicitDim(input.ndim), dtype === null ? {} : { dtype });
}, describeElementwise("softmax"));

/** Gated linear unit: the first half of `dim` times the sigmoid of the second half. */
export const glu = hooked("F.glu", function glu(input: Tensor, ...args: ArgsOf<typeof GLU>): Tensor {
  return act.glu(input, GLU.parse(args).dim);
});

/** PReLU: `x` where positive, `weight * x` elsewhere; `weight` has one value or one per channel (dim 1). */
export const prelu = hooked("F.prelu", function prelu(input: Tensor, ...args: ArgsOf<typeof act.PRELU_SIG>): Tensor {
  return act.prelu(input, ...args);
}, describeElementwise());
