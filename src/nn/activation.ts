/**
 * Activation layers: `nn.ReLU`, `nn.LeakyReLU`, `nn.ReLU6`, `nn.ELU`,
 * `nn.SiLU`, `nn.GELU`, `nn.Sigmoid`, `nn.Tanh`, `nn.Softplus`,
 * `nn.Softmax`, `nn.LogSoftmax`. No parameters; each calls its `F` function.
 *
 * @example
 * new nn.ReLU()(torch.tensor([-1, 2]))      // tensor([0, 2])
 * String(new nn.LeakyReLU(0.2))             // "LeakyReLU(negative_slope=0.2)"
 * new nn.Softmax(1)(logits).sum(1)          // ones
 */
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "./args.js";
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

