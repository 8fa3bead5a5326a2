/**
 * `optim.lr_scheduler`: learning-rate schedules that rewrite the `lr` of
 * every parameter group each time `scheduler.step()` runs (once per epoch,
 * after `optimizer.step()`). Creating a scheduler records each group's
 * `initial_lr`, as PyTorch does.
 *
 * @example
 * const scheduler = new optim.lr_scheduler.StepLR(optimizer, { step_size: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(); optimizer.step(); ...
 *   scheduler.step();
 * }
 * scheduler.get_last_lr()   // [0.0001] after 60 epochs with lr 0.01
 */
import { ArgumentError, TsorchError } from "../errors.js";
import { warn } from "../warnings.js";
import { type ArgsWithOptions, parseArgs } from "../nn/args.js";
import { Optimizer } from "./optimizer.js";

/** PyTorch's `_LRScheduler`: subclasses say what the learning rates are at `last_epoch`. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The learning rate of each group when the schedule started. */
  base_lrs: number[];
  /** The epoch the learning rates are for (-1 before the first `step()`). */
  last_epoch: number;
  verbose: boolean;
  _step_count = 0;
  _last_lr: number[] = [];

  protected constructor(optimizer: Optimizer, lastEpoch = -1, verbose = false) {
    if (!(optimizer instanceof Optimizer)) {
      const name = optimizer === null || optimizer === undefined ? "NoneType" : (optimizer as object).constructor?.name ?? typeof optimizer;
      throw new ArgumentError(`${name} is not an Optimizer`, "optimizer", "TypeError");
    }
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.param_groups) if (!("initial_lr" in g)) g.initial_lr = g.lr;
    } else {
      optimizer.param_groups.forEach((g, i) => {
        if (!("initial_lr" in g)) {
          throw new ArgumentError(`"param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer"`, "initial_lr", "KeyError");
        }
      });
    }
    this.base_lrs = optimizer.param_groups.map((g) => g.initial_lr as number);
    this.last_epoch = lastEpoch;
    this.verbose = verbose;
    optimizer._step_count = 0;
  }

  /** Starts the schedule (PyTorch's `_initial_step`); subclasses call it at the end of their constructor. */
  protected initialStep(): void {
    this._step_count = 0;
    this.step();
  }

  /** The learning rates for `last_epoch`, one per group. */
  abstract get_lr(): number[];

  /** The learning rates set by the last `step()`. */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** Moves to the next epoch and sets every group's `lr`. */
  step(): void {
    if (this._step_count === 1 && this.optimizer._step_count < 1) {
      warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate");
    }
    this._step_count++;
    this.last_epoch++;
    const values = this.get_lr();
    this.optimizer.param_groups.forEach((g, i) => {
      g.lr = values[i]!;
      if (this.verbose) console.log(`Adjusting learning rate of group ${i} to ${values[i]!.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2")}.`);
    });
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr as number);
  }

  /** Everything but the optimizer, as plain data. */
  state_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== "optimizer" && typeof v !== "function") out[k] = Array.isArray(v) ? [...v] : v;
    return out;
  }

  load_state_dict(state: Record<string, unknown>): void {
    Object.assign(this, state);
  }
}

/** Options of `StepLR`. */
export interface StepLROptions {
  step_size?: number;
  gamma?: number;
  last_epoch?: number;
  verbose?: boolean;
}

/**
 * Multiplies the learning rate by `gamma` every `step_size` epochs.
 *
 * @example
 * new optim.lr_scheduler.StepLR(optimizer, 30, 0.1)
 */
export class StepLR extends LRScheduler {
  step_size: number;
  gamma: number;

  constructor(optimizer: Optimizer, ...args: ArgsWithOptions<[step_size: number, gamma: number, last_epoch: number, verbose: boolean], StepLROptions>) {
    const o = parseArgs<StepLROptions>("StepLR.__init__", ["step_size", "gamma", "last_epoch", "verbose"], args);
    if (o.step_size === undefined) throw new TsorchError("__init__() missing 1 required positional argument: 'step_size'", "TypeError");
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false);
    this.step_size = o.step_size;
    this.gamma = o.gamma ?? 0.1;
    this.initialStep();
  }

  get_lr(): number[] {
    const lrs = this.optimizer.param_groups.map((g) => g.lr as number);
    if (this.last_epoch === 0 || this.last_epoch % this.step_size !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** Options of `MultiStepLR`. */
export interface MultiStepLROptions {
  milestones?: readonly number[];
  gamma?: number;
  last_epoch?: number;
  verbose?: boolean;
}

/**
 * Multiplies the learning rate by `gamma` at each milestone epoch.
 *
 * @example
 * new optim.lr_scheduler.MultiStepLR(optimizer, [30, 80], 0.1)
 */
export class MultiStepLR extends LRScheduler {
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: Optimizer, ...args: ArgsWithOptions<[milestones: readonly number[], gamma: number, last_epoch: number, verbose: boolean], MultiStepLROptions>) {
    const o = parseArgs<MultiStepLROptions>("MultiStepLR.__init__", ["milestones", "gamma", "last_epoch", "verbose"], args);
    if (o.milestones === undefined) throw new TsorchError("__init__() missing 1 required positional argument: 'milestones'", "TypeError");
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false);
    this.milestones = new Map();
    for (const m of o.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = o.gamma ?? 0.1;
    this.initialStep();
  }

  get_lr(): number[] {
    const lrs = this.optimizer.param_groups.map((g) => g.lr as number);
    const hits = this.milestones.get(this.last_epoch);
    if (hits === undefined) return lrs;
    return lrs.map((lr) => lr * this.gamma ** hits);
  }
}

/**
 * Multiplies the learning rate by `gamma` every epoch.
 *
 * @example
 * new optim.lr_scheduler.ExponentialLR(optimizer, 0.9)
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, ...args: ArgsWithOptions<[gamma: number, last_epoch: number, verbose: boolean], { gamma?: number; last_epoch?: number; verbose?: boolean }>) {
    const o = parseArgs<{ gamma?: number; last_epoch?: number; verbose?: boolean }>("ExponentialLR.__init__", ["gamma", "last_epoch", "verbose"], args);
    if (o.gamma === undefined) throw new TsorchError("__init__() missing 1 required positional argument: 'gamma'", "TypeError");
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false);
    this.gamma = o.gamma;
    this.initialStep();
  }

  get_lr(): number[] {
    const lrs = this.optimizer.param_groups.map((g) => g.lr as number);
    if (this.last_epoch === 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Sets each group's learning rate to its initial value times `lr_lambda(epoch)`.
 *
 * @example
 * new optim.lr_scheduler.LambdaLR(optimizer, (epoch) => 0.95 ** epoch)
 */
export class LambdaLR extends LRScheduler {
  lr_lambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, lr_lambda: ((epoch: number) => number) | ((epoch: number) => number)[], last_epoch = -1, verbose = false) {
    super(optimizer, last_epoch, verbose);
    const n = optimizer.param_groups.length;
    if (Array.isArray(lr_lambda)) {
      if (lr_lambda.length !== n) throw new ArgumentError(`Expected ${n} lr_lambdas, but got ${lr_lambda.length}`, "lr_lambda", "ValueError");
      this.lr_lambdas = [...lr_lambda];
    } else {
      this.lr_lambdas = new Array(n).fill(lr_lambda);
    }
    this.initialStep();
  }

  get_lr(): number[] {
    return this.base_lrs.map((base, i) => base * this.lr_lambdas[i]!(this.last_epoch));
  }
}
