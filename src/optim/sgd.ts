/**
 * `optim.SGD`: stochastic gradient descent, with optional momentum
 * (classical or Nesterov), dampening, weight decay (L2) and `maximize`,
 * computed as PyTorch 1.13 computes it (`_single_tensor_sgd`):
 *
 *     d = grad (+ weight_decay * p)
 *     buf = momentum * buf + (1 - dampening) * d     (buf = d at the first step)
 *     d = nesterov ? d + momentum * buf : buf
 *     p = p - lr * d
 *
 * @example
 * const optimizer = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 * optimizer.zero_grad();
 * criterion(net(input), target).backward();
 * optimizer.step();
 */
import { ArgumentError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "../nn/args.js";
import { pyValue } from "../nn/python-style.js";
import { type ParamGroup, type ParamsInput, Optimizer, required } from "./optimizer.js";
import { valuesOf, writable } from "./update.js";
import { float32 } from "../tensor/dtype.js";

/** Options of `optim.SGD` (PyTorch's keyword arguments). */
export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weight_decay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  foreach?: boolean | null;
  differentiable?: boolean;
}

type SGDDefaults = {
  lr: number | typeof required;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean | null;
  differentiable: boolean;
};

export class SGD extends Optimizer<SGDDefaults> {
  /**
   * `new optim.SGD(params, { lr, momentum, dampening, weight_decay, nesterov, maximize })`,
   * or the options positionally in PyTorch's order (`new optim.SGD(params, 0.01, 0.9)`).
   */
  constructor(params: ParamsInput, ...args: ArgsWithOptions<[lr: number, momentum: number, dampening: number, weight_decay: number, nesterov: boolean], SGDOptions>) {
    const o = parseArgs<SGDOptions>("SGD.__init__", ["lr", "momentum", "dampening", "weight_decay", "nesterov"], args, ["maximize", "foreach", "differentiable"]);
    const lr = o.lr ?? required;
    const momentum = o.momentum ?? 0;
    const weightDecay = o.weight_decay ?? 0;
    if (lr !== required && lr < 0) throw new ArgumentError(`Invalid learning rate: ${pyValue(lr)}`, "lr", "ValueError");
    if (momentum < 0) throw new ArgumentError(`Invalid momentum value: ${pyValue(momentum)}`, "momentum", "ValueError");
    if (weightDecay < 0) throw new ArgumentError(`Invalid weight_decay value: ${pyValue(weightDecay)}`, "weight_decay", "ValueError");
    const defaults: SGDDefaults = {
      lr, momentum, dampening: o.dampening ?? 0, weight_decay: weightDecay, nesterov: o.nesterov ?? false,
      maximize: o.maximize ?? false, foreach: o.foreach ?? null, differentiable: o.differentiable ?? false,
    };
    if (defaults.nesterov && (momentum <= 0 || defaults.dampening !== 0)) {
      throw new ArgumentError("Nesterov momentum requires a momentum and zero dampening", "nesterov", "ValueError");
    }
    super(params, defaults);
  }

  protected updateGroup(group: ParamGroup<SGDDefaults>): void {
    const lr = group.lr as number;
    const { momentum, dampening, weight_decay: wd, nesterov, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const state = this.stateOf(p);
      const n = p.numel();
      let buf = (state.momentum_buffer ?? null) as Tensor | null;
      const first = momentum !== 0 && buf === null;
      if (first) {
        buf = Tensor._fromData(new p.dtype.ArrayType(n), [...p.shape], p.dtype);
        state.momentum_buffer = buf;
      } else if (momentum === 0 && !("momentum_buffer" in state)) {
        state.momentum_buffer = null;
      }
      const w = writable(p);
      const b = buf ? writable(buf) : null;
      const consts: SGDConstants = { lr, momentum, dampening, wd, nesterov, maximize, first };
      if (p.dtype === float32) {
        sgdFloat32(w.data as Float32Array, w.offset, valuesOf(grad) as Float32Array, b ? b.data as Float32Array : null, b ? b.offset : 0, n, consts);
      } else {
        sgdFloat64(w.data as Float64Array, w.offset, valuesOf(grad) as Float64Array, b ? b.data as Float64Array : null, b ? b.offset : 0, n, consts);
      }
      b?.commit();
      w.commit();
    }
  }
}

/** The options of one SGD update. */
interface SGDConstants {
  lr: number;
  momentum: number;
  dampening: number;
  wd: number;
  nesterov: boolean;
  maximize: boolean;
  /** No momentum buffer yet: it starts as the (decayed) gradient. */
  first: boolean;
}

/**
 * One SGD update of float32 values in place, element by element, rounded
 * as PyTorch's kernels round (see update.ts): scalars become float32 first,
 * `add_(x, alpha)` is a fused multiply-add.
 */
function sgdFloat32(p: Float32Array, po: number, g: Float32Array, buf: Float32Array | null, bo: number, n: number, c: SGDConstants): void {
  const f = Math.fround;
  const wd = f(c.wd);
  const mom = f(c.momentum);
  const damp = f(1 - c.dampening);
  const negLr = f(-c.lr);
  if (!c.maximize && c.wd === 0 && !c.nesterov && !c.first) {
    // The common cases, without per-element branches: plain SGD, and SGD with momentum.
    if (buf === null) {
      for (let i = 0; i < n; i++) p[po + i] = f(p[po + i]! + negLr * g[i]!);
    } else {
      for (let i = 0; i < n; i++) {
        const m = f(f(buf[bo + i]! * mom) + damp * g[i]!);
        buf[bo + i] = m;
        p[po + i] = f(p[po + i]! + negLr * m);
      }
    }
    return;
  }
  const sign = c.maximize ? -1 : 1;
  const decay = c.wd !== 0;
  for (let i = 0; i < n; i++) {
    const pi = p[po + i]!;
    let d = sign * g[i]!;
    if (decay) d = f(d + wd * pi);
    if (buf !== null) {
      const k = bo + i;
      const m = c.first ? d : f(f(buf[k]! * mom) + damp * d);
      buf[k] = m;
      d = c.nesterov ? f(d + mom * m) : m;
    }
    p[po + i] = f(pi + negLr * d);
  }
}

/** The same update in double precision. */
function sgdFloat64(p: Float64Array, po: number, g: Float64Array, buf: Float64Array | null, bo: number, n: number, c: SGDConstants): void {
  const damp = 1 - c.dampening;
  const sign = c.maximize ? -1 : 1;
  const decay = c.wd !== 0;
  for (let i = 0; i < n; i++) {
    const pi = p[po + i]!;
    let d = sign * g[i]!;
    if (decay) d = d + c.wd * pi;
    if (buf !== null) {
      const k = bo + i;
      const m = c.first ? d : buf[k]! * c.momentum + damp * d;
      buf[k] = m;
      d = c.nesterov ? d + c.momentum * m : m;
    }
    p[po + i] = pi - c.lr * d;
  }
}
