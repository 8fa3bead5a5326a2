/**
 * `optim.Adam` and the update it shares with `optim.AdamW`, computed as
 * PyTorch 1.13 computes it (`_single_tensor_adam`):
 *
 *     g = grad (+ weight_decay * p for Adam)
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g * g          (amsgrad: v_max = max(v_max, v))
 *     p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *
 * @example
 * const optimizer = new optim.Adam(net.parameters(), { lr: 1e-3 });
 * new optim.Adam(net.parameters(), { betas: [0.9, 0.98], eps: 1e-9, amsgrad: true })
 */
import { ArgumentError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { float32 } from "../tensor/dtype.js";
import { type ArgsWithOptions, parseArgs } from "../nn/args.js";
import { pyValue } from "../nn/python-style.js";
import { type ParamGroup, type ParamsInput, Optimizer } from "./optimizer.js";
import { roundingOf, valuesOf, writable } from "./update.js";

/** Options of `optim.Adam`. */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
  foreach?: boolean | null;
  maximize?: boolean;
  capturable?: boolean;
  differentiable?: boolean;
  fused?: boolean;
}

/** The options every Adam-family group has. */
export interface AdamFamilyDefaults {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  maximize: boolean;
  foreach: boolean | null;
  capturable: boolean;
  [option: string]: unknown;
}

/** PyTorch's checks of the Adam-family options (same messages). */
export function checkAdamOptions(lr: number, eps: number, betas: readonly [number, number], weightDecay: number): void {
  if (!(lr >= 0)) throw new ArgumentError(`Invalid learning rate: ${pyValue(lr)}`, "lr", "ValueError");
  if (!(eps >= 0)) throw new ArgumentError(`Invalid epsilon value: ${pyValue(eps)}`, "eps", "ValueError");
  if (!(betas[0] >= 0 && betas[0] < 1)) throw new ArgumentError(`Invalid beta parameter at index 0: ${pyValue(betas[0])}`, "betas", "ValueError");
  if (!(betas[1] >= 0 && betas[1] < 1)) throw new ArgumentError(`Invalid beta parameter at index 1: ${pyValue(betas[1])}`, "betas", "ValueError");
  if (!(weightDecay >= 0)) throw new ArgumentError(`Invalid weight_decay value: ${pyValue(weightDecay)}`, "weight_decay", "ValueError");
}

/**
 * One Adam step on the parameters of `group` that have a gradient.
 * `decoupled` is AdamW's weight decay (`p *= 1 - lr * weight_decay` before
 * the update) instead of Adam's L2 term added to the gradient.
 */
export function adamUpdate(optimizer: { stateFor(p: Tensor): Record<string, unknown> }, group: AdamFamilyDefaults & { params: Tensor[] }, decoupled: boolean): void {
  const { lr, eps, weight_decay: wd, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const p of group.params) {
    const grad = p.grad;
    if (grad === null) continue;
    const state = optimizer.stateFor(p);
    const n = p.numel();
    if (Object.keys(state).length === 0) {
      state.step = Tensor._fromData(new Float32Array(1), [], float32);
      state.exp_avg = Tensor._fromData(new p.dtype.ArrayType(n), [...p.shape], p.dtype);
      state.exp_avg_sq = Tensor._fromData(new p.dtype.ArrayType(n), [...p.shape], p.dtype);
      if (amsgrad) state.max_exp_avg_sq = Tensor._fromData(new p.dtype.ArrayType(n), [...p.shape], p.dtype);
    }
    const stepT = state.step as Tensor;
    const sw = writable(stepT);
    sw.data[sw.offset] = roundingOf(stepT.dtype)(sw.data[sw.offset]! + 1);
    sw.commit();
    const step = sw.data[sw.offset]!;

    const w = writable(p);
    const m = writable(state.exp_avg as Tensor);
    const v = writable(state.exp_avg_sq as Tensor);
    const vmax = amsgrad ? writable(state.max_exp_avg_sq as Tensor) : null;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const c: AdamConstants = {
      beta1, beta2, eps, wd, decoupled, maximize, lr, negStepSize: -(lr / bc1), bc2Sqrt: Math.sqrt(bc2),
    };
    const kernel = p.dtype === float32 ? adamFloat32 : adamFloat64;
    kernel(w.data, w.offset, valuesOf(grad), m.data, m.offset, v.data, v.offset, vmax ? vmax.data : null, vmax ? vmax.offset : 0, n, c);
    m.commit();
    v.commit();
    vmax?.commit();
    w.commit();
  }
}

/** The scalars of one Adam update. */
interface AdamConstants {
  beta1: number;
  beta2: number;
  eps: number;
  wd: number;
  decoupled: boolean;
  maximize: boolean;
  lr: number;
  /** -lr / (1 - beta1^t) */
  negStepSize: number;
  /** sqrt(1 - beta2^t) */
  bc2Sqrt: number;
}

type Values = import("../tensor/dtype.js").TypedArray;

/**
 * One Adam update of float32 values in place, rounded as PyTorch's kernels
 * round (update.ts): `mul_` then the fused `add_`/`addcmul_`, `sqrt`, the
 * division by the bias correction, `add_(eps)`, and `addcdiv_`.
 */
function adamFloat32(p: Values, po: number, g: ArrayLike<number>, m: Values, mo: number, v: Values, vo: number, vmax: Values | null, xo: number, n: number, c: AdamConstants): void {
  const f = Math.fround;
  const keep = f(1 - c.lr * c.wd);
  const b1 = f(c.beta1);
  const b2 = f(c.beta2);
  const oneMinusB1 = f(1 - c.beta1);
  const oneMinusB2 = f(1 - c.beta2);
  const eps = f(c.eps);
  const wd = f(c.wd);
  const negStepSize = f(c.negStepSize);
  const bc2Sqrt = f(c.bc2Sqrt);
  const sign = c.maximize ? -1 : 1;
  const l2 = !c.decoupled && c.wd !== 0;
  for (let i = 0; i < n; i++) {
    let pi = p[po + i]!;
    if (c.decoupled) pi = f(pi * keep);
    let gi = sign * g[i]!;
    if (l2) gi = f(gi + wd * pi);
    const mi = f(f(m[mo + i]! * b1) + oneMinusB1 * gi);
    const vi = f(f(v[vo + i]! * b2) + f(oneMinusB2 * gi) * gi);
    m[mo + i] = mi;
    v[vo + i] = vi;
    let second = vi;
    if (vmax !== null) {
      second = Math.max(vmax[xo + i]!, vi);
      vmax[xo + i] = second;
    }
    const denom = f(f(f(Math.sqrt(second)) / bc2Sqrt) + eps);
    p[po + i] = f(pi + f(f(negStepSize * mi) / denom));
  }
}

/** The same update in double precision. */
function adamFloat64(p: Values, po: number, g: ArrayLike<number>, m: Values, mo: number, v: Values, vo: number, vmax: Values | null, xo: number, n: number, c: AdamConstants): void {
  const keep = 1 - c.lr * c.wd;
  const sign = c.maximize ? -1 : 1;
  const l2 = !c.decoupled && c.wd !== 0;
  for (let i = 0; i < n; i++) {
    let pi = p[po + i]!;
    if (c.decoupled) pi *= keep;
    let gi = sign * g[i]!;
    if (l2) gi += c.wd * pi;
    const mi = m[mo + i]! * c.beta1 + (1 - c.beta1) * gi;
    const vi = v[vo + i]! * c.beta2 + (1 - c.beta2) * gi * gi;
    m[mo + i] = mi;
    v[vo + i] = vi;
    let second = vi;
    if (vmax !== null) {
      second = Math.max(vmax[xo + i]!, vi);
      vmax[xo + i] = second;
    }
    p[po + i] = pi + (c.negStepSize * mi) / (Math.sqrt(second) / c.bc2Sqrt + c.eps);
  }
}

type AdamDefaults = AdamFamilyDefaults & { differentiable: boolean; fused: boolean };

export class Adam extends Optimizer<AdamDefaults> {
  /**
   * `new optim.Adam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0, amsgrad = false, maximize })`,
   * or the options positionally in PyTorch's order.
   */
  constructor(params: ParamsInput, ...args: ArgsWithOptions<[lr: number, betas: readonly [number, number], eps: number, weight_decay: number, amsgrad: boolean], AdamOptions>) {
    const o = parseArgs<AdamOptions>("Adam.__init__", ["lr", "betas", "eps", "weight_decay", "amsgrad"], args,
      ["foreach", "maximize", "capturable", "differentiable", "fused"]);
    const defaults: AdamDefaults = {
      lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weight_decay: o.weight_decay ?? 0,
      amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false, foreach: o.foreach ?? null,
      capturable: o.capturable ?? false, differentiable: o.differentiable ?? false, fused: o.fused ?? false,
    };
    checkAdamOptions(defaults.lr, defaults.eps, defaults.betas, defaults.weight_decay);
    super(params, defaults);
  }

  /** @internal The state of `p` (created on first use). */
  stateFor(p: Tensor): Record<string, unknown> {
    return this.stateOf(p);
  }

  protected updateGroup(group: ParamGroup<AdamDefaults>): void {
    adamUpdate(this, group, false);
  }
}
