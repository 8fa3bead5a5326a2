/**
 * Activation functions as tensor ops, shared by `torch.*`, the Tensor methods
 * and `nn.functional`: relu, relu6, leaky_relu, elu, selu, celu, gelu, silu,
 * mish, softplus, hardtanh, hardsigmoid, hardswish, logsigmoid, sigmoid,
 * tanh, softsign, threshold. Formulas, node names and gradients follow
 * PyTorch's CPU kernels (`ReluBackward0`, `GeluBackward0`, ...); the backward
 * pass runs one fused kernel per op, and a differentiable formula when
 * `create_graph` asks for gradients of gradients.
 *
 * @example
 * torch.relu(torch.tensor([-1, 0.5]))                 // tensor([0.0000, 0.5000])
 * torch.gelu(x, { approximate: "tanh" })
 * torch.leaky_relu(x, 0.2)
 */
import { type ArgsOf, Int, Num, TensorT, arg, oneOfOr, required, signature } from "./signature.js";
import { TsorchError } from "../errors.js";
import { bool as boolDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { add, div, mul, sub } from "./binary.js";
import { ge, gt, le, lt, logical_or } from "./compare.js";
import { where } from "./index-ops.js";
import { checkTensor } from "./operand.js";
import { type UnaryDef, runUnary } from "./unary-def.js";
import { abs, exp, erf, log1p } from "./unary.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeElementwise } from "../shape/families/index.js";

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

export const RELU: UnaryDef<null> = {
  name: "relu", dtype: "same", node: "ReluBackward0", reads: { result: true },
  check(x) {
    if (x.dtype === boolDType) throw new TsorchError("Boolean inputs not supported for relu");
  },
  backward: (g, _x, y) => where(le(y, 0), 0, g),
  fused: { kernel: "relu_backward", from: "result" },
};

export const SIGMOID: UnaryDef<null> = {
  name: "sigmoid", dtype: "float", node: "SigmoidBackward0", reads: { result: true },
  backward: (g, _x, y) => mul(mul(g, sub(1, y)), y),
  fused: { kernel: "sigmoid_backward", from: "result" },
};

export const TANH: UnaryDef<null> = {
  name: "tanh", dtype: "float", node: "TanhBackward0", reads: { result: true },
  backward: (g, _x, y) => mul(g, sub(1, mul(y, y))),
  fused: { kernel: "tanh_backward", from: "result" },
};

export const LEAKY_RELU: UnaryDef<number> = {
  name: "leaky_relu", dtype: "same", node: "LeakyReluBackward0", reads: { input: true }, refuse: ["bool", "int"],
  refuseName: "leaky_relu_cpu",
  params: (slope) => [slope],
  backward: (g, x, _y, slope) => where(gt(x, 0), g, mul(g, slope)),
  fused: { kernel: "leaky_relu_backward", from: "input", params: (slope) => [slope] },
};

/** elu family parameters: negcoef = alpha * scale, poscoef = scale, input_scale. */
export interface EluParams {
  negcoef: number;
  poscoef: number;
  inputScale: number;
  node: string;
}

export const ELU: UnaryDef<EluParams> = {
  name: "elu", dtype: "same", node: (p) => p.node, reads: { input: true }, refuse: ["bool", "int"], refuseName: "elu_cpu",
  params: (p) => [p.negcoef, p.poscoef, p.inputScale],
  backward: (g, x, _y, p) => where(le(x, 0), mul(g, mul(exp(mul(x, p.inputScale)), p.inputScale * p.negcoef)), mul(g, p.poscoef)),
  fused: { kernel: "elu_backward", from: "input", params: (p) => [p.negcoef, p.poscoef, p.inputScale] },
};

/** PyTorch's refusal of an `approximate` other than "none" or "tanh". */
function approximateRefused(): TsorchError {
  return new TsorchError("approximate argument must be either none or tanh.", "RuntimeError");
}

export const GELU: UnaryDef<"none" | "tanh"> = {
  name: "gelu", dtype: "same", node: "GeluBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "GeluKernelImpl",
  kernel: (_x, approximate) => (approximate === "tanh" ? "gelu_tanh" : "gelu"),
  check(_x, approximate) {
    if (approximate !== "none" && approximate !== "tanh") throw approximateRefused();
  },
  backward(g, x, _y, approximate) {
    if (approximate === "tanh") {
      const k = 0.7978845608028654;
      const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), k);
      const t = tanh(inner);
      const dInner = mul(add(mul(mul(x, x), 3 * 0.044715), 1), k);
      return mul(g, add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, mul(t, t))), dInner)));
    }
    const cdf = mul(add(erf(mul(x, SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  },
  fused: { kernel: (approximate) => (approximate === "tanh" ? "gelu_tanh_backward" : "gelu_backward"), from: "input" },
};

export const SILU: UnaryDef<null> = {
  name: "silu", dtype: "same", node: "SiluBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "silu_cpu",
  backward(g, x) {
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  },
  fused: { kernel: "silu_backward", from: "input" },
};

export const MISH: UnaryDef<null> = {
  name: "mish", dtype: "same", node: "MishBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "mish_cpu",
  backward(g, x) {
    const t = tanh(log1p(exp(x)));
    return mul(g, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))));
  },
  fused: { kernel: "mish_backward", from: "input" },
};

export const SOFTPLUS: UnaryDef<[number, number]> = {
  name: "softplus", dtype: "same", node: "SoftplusBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "softplus_cpu",
  params: (p) => p,
  backward: (g, x, _y, [beta, threshold]) => where(gt(mul(x, beta), threshold), g, mul(g, sigmoid(mul(x, beta)))),
  fused: { kernel: "softplus_backward", from: "input", params: (p) => p },
};

export const HARDTANH: UnaryDef<[number, number]> = {
  name: "hardtanh", dtype: "same", node: "HardtanhBackward0", reads: { input: true },
  check(x) {
    if (x.dtype === boolDType) throw new TsorchError("Bool inputs not supported for hardtanh");
  },
  params: (p) => p,
  backward: (g, x, _y, [lo, hi]) => where(logical_or(le(x, lo), le(hi, x)), 0, g),
  fused: { kernel: "hardtanh_backward", from: "input", params: (p) => p },
};

export const HARDSIGMOID: UnaryDef<null> = {
  name: "hardsigmoid", dtype: "same", node: "HardsigmoidBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "hardsigmoid_cpu",
  backward: (g, x) => where(logical_or(le(x, -3), ge(x, 3)), 0, div(g, 6)),
  fused: { kernel: "hardsigmoid_backward", from: "input" },
};

export const HARDSWISH: UnaryDef<null> = {
  name: "hardswish", dtype: "same", node: "HardswishBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "hardswish_cpu",
  backward: (g, x) => where(lt(x, -3), 0, where(le(x, 3), mul(g, add(div(x, 3), 0.5)), g)),
  fused: { kernel: "hardswish_backward", from: "input" },
};

export const LOGSIGMOID: UnaryDef<null> = {
  name: "logsigmoid", dtype: "same", node: "LogSigmoidBackward0", reads: { input: true }, refuse: ["bool", "int"], refuseName: "log_sigmoid_cpu",
  contiguousResult: true,
  backward: (g, x) => mul(g, sigmoid(mul(x, -1))),
  fused: { kernel: "logsigmoid_backward", from: "input" },
};

export const THRESHOLD: UnaryDef<[number, number]> = {
  name: "threshold", dtype: "same", node: "ThresholdBackward0", reads: { input: true }, refuse: ["bool"], refuseName: "threshold_cpu",
  kernel: "threshold",
  params: (p) => p,
  backward: (g, x, _y, [threshold]) => where(le(x, threshold), 0, g),
  fused: { kernel: "threshold_backward", from: "input", params: ([t]) => [t] },
};

// ---------------------------------------------------------------- functions

/** `max(input, 0)` element-wise. */
export const relu = hooked("relu", function relu(input: Tensor): Tensor {
  return runUnary(RELU, checkTensor(input, "relu"), null);
}, describeElementwise());

/** `1 / (1 + exp(-input))`; integers become float32. */
export const sigmoid = hooked("sigmoid", function sigmoid(input: Tensor): Tensor {
  return runUnary(SIGMOID, checkTensor(input, "sigmoid"), null);
}, describeElementwise());

/** Hyperbolic tangent; integers become float32. */
export const tanh = hooked("tanh", function tanh(input: Tensor): Tensor {
  return runUnary(TANH, checkTensor(input, "tanh"), null);
}, describeElementwise());

/** `input` where positive, `negative_slope * input` elsewhere (default slope 0.01). */
export const LEAKY_RELU_SIG = signature("leaky_relu", [arg("negative_slope", Num, 0.01)]);
export function leaky_relu(input: Tensor, ...args: ArgsOf<typeof LEAKY_RELU_SIG>): Tensor {
  const { negative_slope } = LEAKY_RELU_SIG.parse(args);
  return runUnary(LEAKY_RELU, checkTensor(input, "leaky_relu"), Number(negative_slope));
}

/** ELU: `input` where positive, `alpha * (exp(input) - 1)` elsewhere. */
export const ELU_SIG = signature("elu", [arg("alpha", Num, 1.0)]);
export function elu(input: Tensor, ...args: ArgsOf<typeof ELU_SIG>): Tensor {
  const alpha = Number(ELU_SIG.parse(args).alpha);
  return runUnary(ELU, checkTensor(input, "elu"), { negcoef: alpha, poscoef: 1, inputScale: 1, node: "EluBackward0" });
}

/** SELU: scaled ELU with the self-normalising constants (recorded as `EluBackward0`). */
export function selu(input: Tensor): Tensor {
  return runUnary(ELU, checkTensor(input, "selu"), { negcoef: SELU_ALPHA * SELU_SCALE, poscoef: SELU_SCALE, inputScale: 1, node: "EluBackward0" });
}

/** CELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`. */
export const CELU_SIG = signature("celu", [arg("alpha", Num, 1.0)]);
export function celu(input: Tensor, ...args: ArgsOf<typeof CELU_SIG>): Tensor {
  const alpha = Number(CELU_SIG.parse(args).alpha);
  if (alpha === 0) throw new TsorchError("ZeroDivisionError: alpha cannot be 0 for CELU", "RuntimeError");
  return runUnary(ELU, checkTensor(input, "celu"), { negcoef: alpha, poscoef: 1, inputScale: 1 / alpha, node: "CeluBackward0" });
}

/** GELU, exact (`x * Phi(x)`) or with the tanh approximation. */
export const GELU_SIG = signature("gelu", [arg("approximate", oneOfOr(approximateRefused, "none", "tanh"), "none")]);
export function gelu(input: Tensor, ...args: ArgsOf<typeof GELU_SIG>): Tensor {
  return runUnary(GELU, checkTensor(input, "gelu"), GELU_SIG.parse(args).approximate);
}

/** SiLU (swish): `x * sigmoid(x)`. */
export function silu(input: Tensor): Tensor {
  return runUnary(SILU, checkTensor(input, "silu"), null);
}

/** Mish: `x * tanh(softplus(x))`. */
export function mish(input: Tensor): Tensor {
  return runUnary(MISH, checkTensor(input, "mish"), null);
}

/** `log(1 + exp(beta * x)) / beta`, linear above `threshold`. */
export const SOFTPLUS_SIG = signature("softplus", [arg("beta", Num, 1), arg("threshold", Num, 20)]);
export function softplus(input: Tensor, ...args: ArgsOf<typeof SOFTPLUS_SIG>): Tensor {
  const { beta, threshold } = SOFTPLUS_SIG.parse(args);
  return runUnary(SOFTPLUS, checkTensor(input, "softplus"), [Number(beta), Number(threshold)]);
}

/** Clamps to [min_val, max_val] (default [-1, 1]). */
export const HARDTANH_SIG = signature("hardtanh", [arg("min_val", Num, -1), arg("max_val", Num, 1)]);
export function hardtanh(input: Tensor, ...args: ArgsOf<typeof HARDTANH_SIG>): Tensor {
  const parsed = HARDTANH_SIG.parse(args);
  const min_val = Number(parsed.min_val), max_val = Number(parsed.max_val);
  if (min_val > max_val) throw new TsorchError("min_val cannot be greater than max_val", "ValueError");
  return runUnary(HARDTANH, checkTensor(input, "hardtanh"), [min_val, max_val]);
}

/** `min(max(0, x), 6)` (recorded as `HardtanhBackward0`). */
export function relu6(input: Tensor): Tensor {
  return runUnary(HARDTANH, checkTensor(input, "relu6"), [0, 6]);
}

export function hardsigmoid(input: Tensor): Tensor {
  return runUnary(HARDSIGMOID, checkTensor(input, "hardsigmoid"), null);
}

export function hardswish(input: Tensor): Tensor {
  return runUnary(HARDSWISH, checkTensor(input, "hardswish"), null);
}

/** `log(sigmoid(x))`, stable for large |x|. */
export function logsigmoid(input: Tensor): Tensor {
  return runUnary(LOGSIGMOID, checkTensor(input, "logsigmoid"), null);
}

/** `x / (1 + |x|)` (composed like PyTorch: `DivBackward0`). */
export function softsign(input: Tensor): Tensor {
  checkTensor(input, "softsign");
  return div(input, add(abs(input), 1));
}

/** `x - tanh(x)`. */
export function tanhshrink(input: Tensor): Tensor {
  checkTensor(input, "tanhshrink");
  return sub(input, tanh(input));
}

/** `value` where `input <= threshold`, else `input`. */
export const THRESHOLD_SIG = signature("threshold", [required("threshold", Num), required("value", Num)]);
export function threshold(input: Tensor, ...args: ArgsOf<typeof THRESHOLD_SIG>): Tensor {
  const p = THRESHOLD_SIG.parse(args);
  const [threshold, value] = [Number(p.threshold), Number(p.value)];
  return runUnary(THRESHOLD, checkTensor(input, "threshold"), [threshold, value]);
}


/** `x` where `|x| > lambd`, else 0 (composed: `WhereBackward0`). */
export const HARDSHRINK_SIG = signature("hardshrink", [arg("lambd", Num, 0.5)]);
export function hardshrink(input: Tensor, ...args: ArgsOf<typeof HARDSHRINK_SIG>): Tensor {
  const lambd = Number(HARDSHRINK_SIG.parse(args).lambd);
  checkTensor(input, "hardshrink");
  return where(logical_or(gt(input, lambd), lt(input, -lambd)), input, 0);
}

/** `x - lambd` above `lambd`, `x + lambd` below `-lambd`, else 0. */
export const SOFTSHRINK_SIG = signature("softshrink", [arg("lambd", Num, 0.5)]);
export function softshrink(input: Tensor, ...args: ArgsOf<typeof SOFTSHRINK_SIG>): Tensor {
  const lambd = Number(SOFTSHRINK_SIG.parse(args).lambd);
  checkTensor(input, "softshrink");
  if (lambd < 0) {
    const [name, max] = input.dtype.name === "float64" ? ["Double", "1.79769e+308"] : ["Float", "3.40282e+38"];
    throw new TsorchError(`lambda must be in range [0, ${max}] for input dtype ${name}, but found ${lambd}`);
  }
  return where(gt(input, lambd), sub(input, lambd), where(lt(input, -lambd), add(input, lambd), 0));
}

/** Gated linear unit: `a * sigmoid(b)` for the two halves `a`, `b` of `dim`. */
export const GLU_SIG = signature("glu", [arg("dim", Int, -1)]);
export function glu(input: Tensor, ...args: ArgsOf<typeof GLU_SIG>): Tensor {
  checkTensor(input, "glu");
  if (input.ndim === 0) throw new TsorchError("glu does not support scalars because halving size must be even");
  const dim = GLU_SIG.parse(args).dim;
  const d = dim < 0 ? dim + input.ndim : dim;
  const n = input.shape[d]!;
  if (n % 2 !== 0) throw new TsorchError(`Halving dimension must be even, but dimension ${d} is size ${n}`);
  return mul(input.narrow(d, 0, n / 2), sigmoid(input.narrow(d, n / 2, n / 2)));
}

/** PReLU: `x` where positive, `weight * x` elsewhere; `weight` has one value or one per channel (dim 1). */
export const PRELU_SIG = signature("prelu", [required("weight", TensorT)]);
export function prelu(input: Tensor, ...args: ArgsOf<typeof PRELU_SIG>): Tensor {
  checkTensor(input, "prelu");
  const { weight } = PRELU_SIG.parse(args);
  if (input.ndim === 0 && weight.numel() !== 1) throw new TsorchError("Not allow zero-dim input tensor.");
  if (weight.ndim > 1) throw new TsorchError(`prelu: Expected \`weight\` to be a scalar or 1D tensor, but got: ndim = ${weight.ndim}`);
  const c = weight.numel();
  if (c !== 1) {
    const channels = input.ndim >= 2 ? input.shape[1]! : 1;
    if (input.ndim === 0 || channels !== c) {
      throw new TsorchError(`Mismatch of parameter numbers and input channel size. Found parameter numbers = ${c} and channel size = ${input.ndim === 0 ? 1 : channels}.`);
    }
  }
  const w = c === 1 || input.ndim < 2 ? weight.reshape(c === 1 && input.ndim > 0 ? [1] : []) : weight.reshape([c, ...Array(input.ndim - 2).fill(1)]);
  return where(gt(input, 0), input, mul(w, input));
}
