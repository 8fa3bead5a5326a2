/**
 * Activation layers: `nn.ReLU`, `nn.LeakyReLU`, `nn.ReLU6`, `nn.ELU`,
 * `nn.SiLU`, `nn.GELU`, `nn.Sigmoid`, `nn.Tanh`, `nn.Softplus`,
 * `nn.Softmax`, `nn.LogSoftmax`, and `nn.CELU`, `nn.SELU`, `nn.Hardtanh`,
 * `nn.Mish`, `nn.Hardswish`, `nn.Hardsigmoid`, `nn.LogSigmoid`, `nn.Softsign`,
 * `nn.Tanhshrink`, `nn.Threshold`, `nn.Hardshrink`, `nn.Softshrink`, `nn.GLU`,
 * `nn.Softmin`, `nn.Softmax2d`. No parameters but `nn.PReLU`'s slopes; each calls its `F` function.
 *
 * @example
 * new nn.ReLU()(torch.tensor([-1, 2]))      // tensor([0, 2])
 * String(new nn.LeakyReLU(0.2))             // "LeakyReLU(negative_slope=0.2)"
 * new nn.Softmax(1)(logits).sum(1)          // ones
 */
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import { ArgumentError } from "../errors.js";
import { empty } from "../tensor/creation.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import { constant_ } from "./init.js";
import { Parameter } from "./parameter.js";
import * as F from "./functional/activation.js";
import { Module } from "./module.js";
import { pyFloat, pyInt, pyRepr, pyValue } from "./python-style.js";
import type { OpSpec } from "../shape/descriptor.js";
import { elementwiseSpec } from "../shape/families/elementwise.js";

/** Keyword argument of the activations that can overwrite their input. */
export interface InplaceOptions {
  /** Overwrite the input when autograd does not track it (default false). */
  inplace?: boolean;
}

function inplaceOf(name: string, args: unknown[]): boolean {
  return parseArgs<InplaceOptions>(`${name}.__init__`, ["inplace"], args).inplace ?? false;
}

/**
 * `max(x, 0)` element-wise.
 *
 * @example
 * String(new nn.ReLU())                      // "ReLU()"
 * String(new nn.ReLU({ inplace: true }))     // "ReLU(inplace=True)"
 */
export class ReLU extends Module {
  declare inplace: boolean;

  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("ReLU", args);
  }

  override forward(input: Tensor): Tensor {
    return F.relu(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** `min(max(x, 0), 6)`. */
export class ReLU6 extends Module {
  declare inplace: boolean;

  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("ReLU6", args);
  }

  override forward(input: Tensor): Tensor {
    return F.relu6(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** Keyword arguments of `nn.LeakyReLU`. */
export interface LeakyReLUOptions extends InplaceOptions {
  /** Slope for negative inputs (default 0.01). */
  negative_slope?: number;
}

/**
 * `x` where positive, `negative_slope * x` elsewhere.
 *
 * @example
 * new nn.LeakyReLU(0.2, true)   // positional, as in PyTorch
 */
export class LeakyReLU extends Module {
  declare negative_slope: number;
  declare inplace: boolean;

  constructor(...args: ArgsWithOptions<[negative_slope: number, inplace: boolean], LeakyReLUOptions>) {
    super();
    const o = parseArgs<LeakyReLUOptions>("LeakyReLU.__init__", ["negative_slope", "inplace"], args);
    this.negative_slope = o.negative_slope ?? 0.01;
    this.inplace = o.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return F.leaky_relu(input, this.negative_slope, this.inplace);
  }

  override extra_repr(): string {
    return `negative_slope=${pyFloat(this.negative_slope)}${this.inplace ? ", inplace=True" : ""}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** Keyword arguments of `nn.ELU`. */
export interface ELUOptions extends InplaceOptions {
  alpha?: number;
}

/** ELU: `x` where positive, `alpha * (exp(x) - 1)` elsewhere. */
export class ELU extends Module {
  declare alpha: number;
  declare inplace: boolean;

  constructor(...args: ArgsWithOptions<[alpha: number, inplace: boolean], ELUOptions>) {
    super();
    const o = parseArgs<ELUOptions>("ELU.__init__", ["alpha", "inplace"], args);
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return F.elu(input, this.alpha, this.inplace);
  }

  override extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ", inplace=True" : ""}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** SiLU (swish): `x * sigmoid(x)`. */
export class SiLU extends Module {
  declare inplace: boolean;

  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("SiLU", args);
  }

  override forward(input: Tensor): Tensor {
    return F.silu(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/**
 * `1 / (1 + exp(-x))`.
 *
 * @example
 * new nn.Sigmoid()(torch.zeros(1))   // tensor([0.5000])
 */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(input);
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/**
 * GELU, exact or with `approximate: "tanh"`.
 *
 * @example
 * String(new nn.GELU())   // "GELU(approximate='none')"
 */
export class GELU extends Module {
  declare approximate: "none" | "tanh";

  constructor(...args: ArgsWithOptions<[approximate: "none" | "tanh"], { approximate?: "none" | "tanh" }>) {
    super();
    const o = parseArgs<{ approximate?: "none" | "tanh" }>("GELU.__init__", ["approximate"], args);
    this.approximate = o.approximate ?? "none";
  }

  override forward(input: Tensor): Tensor {
    return F.gelu(input, this.approximate);
  }

  override extra_repr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** Keyword arguments of `nn.Softplus`. */
export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

/** `log(1 + exp(beta * x)) / beta`. */
export class Softplus extends Module {
  declare beta: number;
  declare threshold: number;

  constructor(...args: ArgsWithOptions<[beta: number, threshold: number], SoftplusOptions>) {
    super();
    const o = parseArgs<SoftplusOptions>("Softplus.__init__", ["beta", "threshold"], args);
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }

  override forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }

  override extra_repr(): string {
    return `beta=${pyInt(this.beta)}, threshold=${pyInt(this.threshold)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

/** Keyword arguments of `nn.Softmax` / `nn.LogSoftmax`. */
export interface SoftmaxOptions {
  /** The dimension that sums to 1 (null: PyTorch's deprecated implicit choice). */
  dim?: number | null;
}

/**
 * Softmax along `dim`.
 *
 * @example
 * String(new nn.Softmax(1))   // "Softmax(dim=1)"
 */
export class Softmax extends Module {
  declare dim: number | null;

  constructor(...args: ArgsWithOptions<[dim: number | null], SoftmaxOptions>) {
    super();
    this.dim = parseArgs<SoftmaxOptions>("Softmax.__init__", ["dim"], args).dim ?? null;
  }

  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${pyValue(this.dim)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec(this.dim === null ? "" : `dim=${this.dim}`);
  }
}

/**
 * Log-softmax along `dim` (pair it with `nn.NLLLoss`).
 *
 * @example
 * new nn.LogSoftmax(1)(logits)
 */
export class LogSoftmax extends Module {
  declare dim: number | null;

  constructor(...args: ArgsWithOptions<[dim: number | null], SoftmaxOptions>) {
    super();
    this.dim = parseArgs<SoftmaxOptions>("LogSoftmax.__init__", ["dim"], args).dim ?? null;
  }

  override forward(input: Tensor): Tensor {
    return F.log_softmax(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${pyValue(this.dim)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec(this.dim === null ? "" : `dim=${this.dim}`);
  }
}


// ---------------------------------------------------------------- the rest of PyTorch's activation layers

/** A parameterless element-wise activation that calls `f`; `inplace` kept where PyTorch takes it. */
abstract class _Elementwise extends Module {
  declare inplace: boolean;

  protected abstract activate(input: Tensor): Tensor;

  override forward(input: Tensor): Tensor {
    return this.activate(input);
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}

const inplaceText = (inplace: boolean) => (inplace ? ", inplace=True" : "");

/**
 * CELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`.
 *
 * @example
 * String(new nn.CELU(0.5))   // "CELU(alpha=0.5)"
 */
export class CELU extends _Elementwise {
  declare alpha: number;

  constructor(...args: ArgsWithOptions<[alpha: number, inplace: boolean], ELUOptions>) {
    super();
    const o = parseArgs<ELUOptions>("CELU.__init__", ["alpha", "inplace"], args);
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }

  protected activate(input: Tensor): Tensor {
    return F.celu(input, this.alpha, this.inplace);
  }

  override extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceText(this.inplace)}`;
  }
}

/** SELU: `scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))` with PyTorch's constants. */
export class SELU extends _Elementwise {
  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("SELU", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.selu(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** Keyword arguments of `nn.Hardtanh`. */
export interface HardtanhOptions extends InplaceOptions {
  min_val?: number;
  max_val?: number;
}

/**
 * Clamps to `[min_val, max_val]` (default `[-1, 1]`).
 *
 * @example
 * String(new nn.Hardtanh(-2, 2))   // "Hardtanh(min_val=-2.0, max_val=2.0)"
 */
export class Hardtanh extends _Elementwise {
  declare min_val: number;
  declare max_val: number;

  constructor(...args: ArgsWithOptions<[min_val: number, max_val: number, inplace: boolean], HardtanhOptions>) {
    super();
    const o = parseArgs<HardtanhOptions>("Hardtanh.__init__", ["min_val", "max_val", "inplace"], args);
    this.min_val = o.min_val ?? -1.0;
    this.max_val = o.max_val ?? 1.0;
    this.inplace = o.inplace ?? false;
  }

  protected activate(input: Tensor): Tensor {
    return F.hardtanh(input, this.min_val, this.max_val, this.inplace);
  }

  override extra_repr(): string {
    return `min_val=${pyFloat(this.min_val)}, max_val=${pyFloat(this.max_val)}${inplaceText(this.inplace)}`;
  }
}

/** Mish: `x * tanh(softplus(x))`. */
export class Mish extends _Elementwise {
  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("Mish", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.mish(input, this.inplace);
  }
}

/** Hardswish: `x * relu6(x + 3) / 6`. */
export class Hardswish extends _Elementwise {
  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("Hardswish", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.hardswish(input, this.inplace);
  }
}

/** Hardsigmoid: `relu6(x + 3) / 6`. */
export class Hardsigmoid extends _Elementwise {
  constructor(...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    this.inplace = inplaceOf("Hardsigmoid", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.hardsigmoid(input, this.inplace);
  }
}

/** `log(sigmoid(x))`, computed stably. */
export class LogSigmoid extends _Elementwise {
  protected activate(input: Tensor): Tensor {
    return F.logsigmoid(input);
  }
}

/** `x / (1 + |x|)`. */
export class Softsign extends _Elementwise {
  protected activate(input: Tensor): Tensor {
    return F.softsign(input);
  }
}

/** `x - tanh(x)`. */
export class Tanhshrink extends _Elementwise {
  protected activate(input: Tensor): Tensor {
    return F.tanhshrink(input);
  }
}

/**
 * `x` where `x > threshold`, else `value`.
 *
 * @example
 * String(new nn.Threshold(0.1, 20))   // "Threshold(threshold=0.1, value=20)"
 */
export class Threshold extends _Elementwise {
  declare threshold: number;
  declare value: number;

  constructor(threshold: number, value: number, ...args: ArgsWithOptions<[inplace: boolean], InplaceOptions>) {
    super();
    [threshold, value, ...args] = requiredByKeyword("Threshold", ["threshold", "value"], [threshold, value, ...args]) as [number, number, ...typeof args];
    this.threshold = threshold;
    this.value = value;
    this.inplace = inplaceOf("Threshold", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.threshold(input, this.threshold, this.value, this.inplace);
  }

  override extra_repr(): string {
    return `threshold=${pyValue(this.threshold)}, value=${pyValue(this.value)}${inplaceText(this.inplace)}`;
  }
}

/** Hardshrink (`x` where `|x| > lambd`, else 0) and Softshrink (`x ∓ lambd` where `|x| > lambd`, else 0). */
abstract class _Shrink extends _Elementwise {
  declare lambd: number;

  constructor(name: string, args: unknown[]) {
    super();
    this.lambd = parseArgs<{ lambd?: number }>(`${name}.__init__`, ["lambd"], args).lambd ?? 0.5;
  }

  override extra_repr(): string {
    return pyFloat(this.lambd);
  }
}

/**
 * `x` where `|x| > lambd` (default 0.5), else 0.
 *
 * @example
 * String(new nn.Hardshrink())   // "Hardshrink(0.5)"
 */
export class Hardshrink extends _Shrink {
  constructor(...args: ArgsWithOptions<[lambd: number], { lambd?: number }>) {
    super("Hardshrink", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.hardshrink(input, this.lambd);
  }
}

/** `x - lambd` above `lambd`, `x + lambd` below `-lambd`, else 0. */
export class Softshrink extends _Shrink {
  constructor(...args: ArgsWithOptions<[lambd: number], { lambd?: number }>) {
    super("Softshrink", args);
  }

  protected activate(input: Tensor): Tensor {
    return F.softshrink(input, this.lambd);
  }
}

/**
 * Gated linear unit: splits `dim` (default -1) in halves `a, b` and returns `a * sigmoid(b)`.
 *
 * @example
 * new nn.GLU()(torch.randn(4, 6)).shape   // torch.Size([4, 3])
 */
export class GLU extends Module {
  declare dim: number;

  constructor(...args: ArgsWithOptions<[dim: number], { dim?: number }>) {
    super();
    this.dim = parseArgs<{ dim?: number }>("GLU.__init__", ["dim"], args).dim ?? -1;
  }

  override forward(input: Tensor): Tensor {
    return F.glu(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Softmin along `dim`: softmax of `-x`.
 *
 * @example
 * String(new nn.Softmin(1))   // "Softmin(dim=1)"
 */
export class Softmin extends Module {
  declare dim: number | null;

  constructor(...args: ArgsWithOptions<[dim: number | null], SoftmaxOptions>) {
    super();
    this.dim = parseArgs<SoftmaxOptions>("Softmin.__init__", ["dim"], args).dim ?? null;
  }

  override forward(input: Tensor): Tensor {
    return F.softmin(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${pyValue(this.dim)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec(this.dim === null ? "" : `dim=${this.dim}`);
  }
}

/**
 * Softmax over the channels of each spatial position: `[N, C, H, W]` or `[C, H, W]`, along dim -3.
 *
 * @example
 * new nn.Softmax2d()(torch.randn(1, 3, 2, 2)).sum(1)   // ones [1, 2, 2]
 */
export class Softmax2d extends Module {
  override forward(input: Tensor): Tensor {
    if (input.ndim !== 3 && input.ndim !== 4) {
      throw new ArgumentError(`Softmax2d: expected input to be 3D or 4D, got ${input.ndim}D instead`, "input", "ValueError");
    }
    return F.softmax(input, -3);
  }

  override op_spec(): OpSpec {
    return elementwiseSpec("dim=-3");
  }
}

/** Keyword arguments of `nn.PReLU`. */
export interface PReLUOptions {
  /** 1 (one slope for all channels) or the number of channels (dim 1 of the input). */
  num_parameters?: number;
  /** The slopes' initial value (default 0.25). */
  init?: number;
  device?: string | null;
  dtype?: DTypeLike | null;
}

/**
 * PReLU: `max(0, x) + weight * min(0, x)` with learned slopes, one or one per channel.
 *
 * @example
 * String(new nn.PReLU(3))   // "PReLU(num_parameters=3)"
 */
export class PReLU extends Module {
  declare num_parameters: number;
  declare init: number;
  declare weight: Parameter;

  constructor(...args: ArgsWithOptions<[num_parameters: number, init: number], PReLUOptions>) {
    super();
    const o = parseArgs<PReLUOptions>("PReLU.__init__", ["num_parameters", "init"], args, ["device", "dtype"]);
    this.num_parameters = o.num_parameters ?? 1;
    this.init = o.init ?? 0.25;
    this.weight = new Parameter(empty([this.num_parameters], { dtype: toDType(o.dtype ?? null) }));
    this.reset_parameters();
  }

  /** Every slope set to `init`. */
  reset_parameters(): void {
    constant_(this.weight, this.init);
  }

  override forward(input: Tensor): Tensor {
    return F.prelu(input, this.weight);
  }

  override extra_repr(): string {
    return `num_parameters=${this.num_parameters}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec();
  }
}
