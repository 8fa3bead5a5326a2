/**
 * `nn.Dropout` and `nn.Dropout2d`: regularisation that is active only in
 * training mode (`net.train()`); in evaluation mode (`net.eval()`) they return
 * their input unchanged.
 *
 * @example
 * const drop = new nn.Dropout(0.25);
 * String(drop)        // "Dropout(p=0.25, inplace=False)"
 * drop.eval();
 * drop(x) === x       // true
 */
import { ArgumentError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsWithOptions, parseArgs } from "./args.js";
import { dropout, dropout2d } from "./functional/dropout.js";
import { Module } from "./module.js";
import { pyFloat, pyValue } from "./python-style.js";
import type { OpSpec } from "../shape/descriptor.js";
import { elementwiseSpec } from "../shape/families/elementwise.js";

/** Keyword arguments of the dropout layers. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Overwrite the input when autograd does not track it (default false). */
  inplace?: boolean;
}

/** What the dropout layers share (PyTorch's `_DropoutNd`). */
export abstract class DropoutBase extends Module {
  declare p: number;
  declare inplace: boolean;

  constructor(args: unknown[]) {
    super();
    const o = parseArgs<DropoutOptions>(`${new.target.name}.__init__`, ["p", "inplace"], args);
    const p = o.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) {
      throw new ArgumentError(`dropout probability has to be between 0 and 1, but got ${pyFloat(p)}`, "p", "ValueError");
    }
    this.p = p;
    this.inplace = o.inplace ?? false;
  }

  override extra_repr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyValue(this.inplace)}`;
  }

  override op_spec(): OpSpec {
    return elementwiseSpec(`p=${this.p}`);
  }
}

/**
 * Zeroes each element with probability `p` in training and scales the rest
 * by `1 / (1 - p)`.
 *
 * @example
 * new nn.Sequential(new nn.Linear(400, 120), new nn.ReLU(), new nn.Dropout(0.5))
 */
export class Dropout extends DropoutBase {
  constructor(...args: ArgsWithOptions<[p: number, inplace: boolean], DropoutOptions>) {
    super(args);
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, this.inplace);
  }
}

/**
 * Zeroes whole channels of `[N, C, H, W]` feature maps with probability `p`
 * in training.
 *
 * @example
 * new nn.Dropout2d(0.1)
 */
export class Dropout2d extends DropoutBase {
  constructor(...args: ArgsWithOptions<[p: number, inplace: boolean], DropoutOptions>) {
    super(args);
  }

  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training, this.inplace);
  }
}
