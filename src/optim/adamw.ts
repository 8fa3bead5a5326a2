/**
 * `optim.AdamW`: Adam with decoupled weight decay (Loshchilov & Hutter):
 * each step first shrinks the parameters, `p *= 1 - lr * weight_decay`,
 * then applies the Adam update to the plain gradient. The default
 * `weight_decay` is 1e-2.
 *
 * @example
 * const optimizer = new optim.AdamW(net.parameters(), { lr: 1e-3, weight_decay: 0.05 });
 */
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "../nn/args.js";
import { type ParamGroup, type ParamsInput, Optimizer } from "./optimizer.js";
import { type AdamFamilyDefaults, adamUpdate, checkAdamOptions } from "./adam.js";

/** Options of `optim.AdamW`. */
export interface AdamWOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  foreach?: boolean | null;
  capturable?: boolean;
}

export class AdamW extends Optimizer<AdamFamilyDefaults> {
  /**
   * `new optim.AdamW(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 1e-2, amsgrad = false, maximize })`,
   * or the options positionally in PyTorch's order.
   */
  constructor(params: ParamsInput, ...args: ArgsWithOptions<[lr: number, betas: readonly [number, number], eps: number, weight_decay: number, amsgrad: boolean], AdamWOptions>) {
    const o = parseArgs<AdamWOptions>("AdamW.__init__", ["lr", "betas", "eps", "weight_decay", "amsgrad"], args, ["maximize", "foreach", "capturable"]);
    const defaults: AdamFamilyDefaults = {
      lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weight_decay: o.weight_decay ?? 1e-2,
      amsgrad: o.amsgrad ?? false, foreach: o.foreach ?? null, maximize: o.maximize ?? false, capturable: o.capturable ?? false,
    };
    checkAdamOptions(defaults.lr, defaults.eps, defaults.betas, defaults.weight_decay);
    super(params, defaults);
  }

  /** @internal The state of `p` (created on first use). */
  stateFor(p: Tensor): Record<string, unknown> {
    return this.stateOf(p);
  }

  protected updateGroup(group: ParamGroup<AdamFamilyDefaults>): void {
    adamUpdate(this, group, true);
  }
}
