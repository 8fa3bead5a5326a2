/**
 * Fully connected layers: `nn.Linear` (`y = x W^T + b`), `nn.LazyLinear`
 * (learns `in_features` from its first input) and `nn.Identity`.
 *
 * `nn.Linear(400, 120)` expects exactly 400 features in the last dimension of
 * its input; anything else is PyTorch's `mat1 and mat2 shapes cannot be
 * multiplied (1x2704 and 400x120)`, raised as a `ShapeError` that knows the
 * module (`err.modulePath === "fc1"`) and the feature counts
 * (`err.expected.in_features`, `err.got.in_features`).
 *
 * @example
 * const fc1 = new nn.Linear(16 * 5 * 5, 120);
 * fc1(torch.randn(1, 400)).shape         // torch.Size([1, 120])
 * String(fc1)                            // "Linear(in_features=400, out_features=120, bias=True)"
 * const lazy = new nn.LazyLinear(120);   // in_features inferred at the first call
 */
import { IndexError } from "../errors.js";
import { no_grad } from "../autograd/grad-mode.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs, requiredByKeyword } from "./args.js";
import { linear } from "./functional/linear.js";
import { bilinear } from "./functional/bilinear.js";
import { _calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_ } from "./init.js";
import { Module, type RemovableHandle } from "./module.js";
import { Parameter, UninitializedParameter, is_lazy } from "./parameter.js";
import { pyValue } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { linear as linearFamily } from "../shape/families/linear.js";
import { identity } from "../shape/families/elementwise.js";

/** Keyword arguments of `nn.Linear` / `nn.LazyLinear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  dtype?: DTypeLike;
  device?: string;
}

/**
 * Applies `y = x W^T + b` to the last dimension of the input.
 *
 * @example
 * const fc = new nn.Linear(84, 10, { bias: false });
 * fc.weight.shape    // torch.Size([10, 84])
 */
export class Linear extends Module {
  declare in_features: number;
  declare out_features: number;
  /** `[out_features, in_features]`. */
  declare weight: Parameter;
  /** `[out_features]`, or null with `bias: false`. */
  declare bias: Parameter | null;

  constructor(in_features: number, out_features: number, ...args: ArgsWithOptions<[bias: boolean], LinearOptions>) {
    super();
    [in_features, out_features, ...args] = requiredByKeyword("Linear", ["in_features", "out_features"], [in_features, out_features, ...args]) as [typeof in_features, typeof out_features, ...typeof args];
    const o = parseArgs<LinearOptions>("Linear.__init__", ["bias"], args, ["dtype", "device"]);
    const dtype = toDType(o.dtype ?? null);
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = new Parameter(empty([out_features, in_features], { dtype }));
    if (o.bias ?? true) this.bias = new Parameter(empty([out_features], { dtype }));
    else this.register_parameter("bias", null);
    this.reset_parameters();
  }

  /** Re-draws the weight (Kaiming uniform, `a = sqrt(5)`) and the bias (±1/sqrt(in_features)), as construction did. */
  reset_parameters(): void {
    kaiming_uniform_(this.weight, Math.sqrt(5));
    if (this.bias !== null) {
      const [fanIn] = _calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${pyValue(this.bias !== null)}`;
  }

  override op_spec(): OpSpec {
    return spec(linearFamily, { in_features: this.in_features, out_features: this.out_features, bias: this.bias !== null });
  }
}

/**
 * A `Linear` whose `in_features` is taken from the last dimension of its
 * first input; the weight is drawn at that moment (PyTorch's init, from the
 * default generator). After the first call the module *is* an `nn.Linear`
 * (its class changes, as in PyTorch).
 *
 * @example
 * const fc = new nn.LazyLinear(120);
 * String(fc)                     // "LazyLinear(in_features=0, out_features=120, bias=True)"
 * fc(torch.randn(1, 2704));
 * String(fc)                     // "Linear(in_features=2704, out_features=120, bias=True)"
 */
export class LazyLinear extends Linear {
  declare _initialize_hook: RemovableHandle | undefined;

  constructor(out_features: number, ...args: ArgsWithOptions<[bias: boolean], LinearOptions>) {
    super(0, 0, false);
    [out_features, ...args] = requiredByKeyword("LazyLinear", ["out_features"], [out_features, ...args]) as [typeof out_features, ...typeof args];
    const o = parseArgs<LinearOptions>("LazyLinear.__init__", ["bias"], args, ["dtype", "device"]);
    const dtype = o.dtype;
    this.weight = new UninitializedParameter(true, { dtype });
    this.out_features = out_features;
    if (o.bias ?? true) this.bias = new UninitializedParameter(true, { dtype });
    this._initialize_hook = this.register_forward_pre_hook((m, input) => (m as LazyLinear)._infer_parameters(input));
  }

  /** True until the parameters' shapes are known. */
  has_uninitialized_params(): boolean {
    for (const p of this._parameters.values()) if (is_lazy(p)) return true;
    for (const b of this._buffers.values()) if (is_lazy(b)) return true;
    return false;
  }

  override reset_parameters(): void {
    if (!this.has_uninitialized_params() && this.in_features !== 0) super.reset_parameters();
  }

  /** Materializes the parameters for `input` (its last dimension is `in_features`) and initialises them. */
  initialize_parameters(input: Tensor): void {
    if (!this.has_uninitialized_params()) return;
    if (input.ndim === 0) throw new IndexError("tuple index out of range", -1, [0, 0]);
    no_grad(() => {
      this.in_features = input.shape[input.ndim - 1]!;
      (this.weight as UninitializedParameter).materialize([this.out_features, this.in_features]);
      if (this.bias !== null) (this.bias as UninitializedParameter).materialize([this.out_features]);
      this.reset_parameters();
    });
  }

  /** @internal The forward pre-hook: infer, then become a plain `Linear`. */
  _infer_parameters(input: unknown[]): void {
    this.initialize_parameters(input[0] as Tensor);
    this._initialize_hook?.remove();
    delete (this as { _initialize_hook?: unknown })._initialize_hook;
    Object.setPrototypeOf(this, Linear.prototype);
  }

  /** Loading a state dict into a lazy module takes the shapes from the checkpoint (PyTorch's `_lazy_load_hook`). */
  override _load_from_state_dict(
    stateDict: Map<string, unknown>, prefix: string, localMetadata: { version?: number },
    missing: string[], unexpected: string[], errors: string[],
  ): void {
    for (const [name, param] of [...this._parameters, ...this._buffers]) {
      const value = stateDict.get(prefix + name);
      if (param !== null && value !== undefined && is_lazy(param) && !is_lazy(value)) {
        param.materialize([...(value as Tensor).shape]);
      }
    }
    super._load_from_state_dict(stateDict, prefix, localMetadata, missing, unexpected, errors);
  }
}

/**
 * A placeholder that returns its input unchanged; it accepts and ignores any
 * constructor arguments, as PyTorch's does.
 *
 * @example
 * const head = useHead ? new nn.Linear(84, 10) : new nn.Identity();
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input;
  }

  override op_spec(): OpSpec {
    return spec(identity, {});
  }
}

/**
 * `y = x1ᵀ A x2 + b`: one `[in1_features, in2_features]` matrix per output feature, weight and bias
 * uniform in ±1/sqrt(in1_features) (PyTorch's init, so seeded weights match).
 *
 * @example
 * const m = new nn.Bilinear(20, 30, 40);
 * m(torch.randn(128, 20), torch.randn(128, 30)).shape   // torch.Size([128, 40])
 */
export class Bilinear extends Module {
  declare in1_features: number;
  declare in2_features: number;
  declare out_features: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(in1_features: number, in2_features: number, out_features: number, ...args: ArgsWithOptions<[bias: boolean], LinearOptions>) {
    super();
    [in1_features, in2_features, out_features, ...args] = requiredByKeyword("Bilinear", ["in1_features", "in2_features", "out_features"],
      [in1_features, in2_features, out_features, ...args]) as [number, number, number, ...typeof args];
    const o = parseArgs<LinearOptions>("Bilinear.__init__", ["bias"], args, ["dtype", "device"]);
    const dtype = toDType(o.dtype ?? null);
    this.in1_features = in1_features;
    this.in2_features = in2_features;
    this.out_features = out_features;
    this.weight = new Parameter(empty([out_features, in1_features, in2_features], { dtype }));
    if (o.bias ?? true) this.bias = new Parameter(empty([out_features], { dtype }));
    else this.register_parameter("bias", null);
    this.reset_parameters();
  }

  /** Weight, then bias, uniform in ±1/sqrt(in1_features). */
  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]!);
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  override forward(input1: Tensor, input2: Tensor): Tensor {
    return bilinear(input1, input2, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${pyValue(this.bias !== null)}`;
  }
}
