/**
 * Padding layers: `nn.ZeroPad1d/2d/3d`, `nn.ConstantPad1d/2d/3d`,
 * `nn.ReflectionPad1d/2d/3d`, `nn.ReplicationPad1d/2d/3d` and
 * `nn.CircularPad1d/2d/3d`. Each holds its padding as PyTorch does (one int
 * for every side, or `2·n` amounts, last dim first: `[left, right, top,
 * bottom, front, back]`) and forwards to `F.pad` with its mode.
 *
 * @example
 * new nn.ZeroPad2d([1, 1, 2, 0])(torch.ones(1, 1, 3, 3)).shape   // torch.Size([1, 1, 5, 5])
 * String(new nn.ReflectionPad1d(2))                               // "ReflectionPad1d((2, 2))"
 * String(new nn.ConstantPad2d(1, 3.5))                            // "ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)"
 */
import { ArgumentError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { requiredByKeyword } from "./args.js";
import { type PadMode, pad } from "./functional/pad.js";
import { Module } from "./module.js";
import { pyValue } from "./python-style.js";

/** One padding amount for every side, or `2·dims` of them. */
export type Padding = number | readonly number[];

/** PyTorch's `_ntuple(2·dims)`: an int repeated, a sequence taken as it is. */
function amounts(cls: string, padding: Padding, dims: number): number[] {
  if (typeof padding === "number") return new Array<number>(2 * dims).fill(padding);
  if (!Array.isArray(padding)) throw new ArgumentError(`${cls}.__init__(): padding must be an int or a sequence of ints`, "padding", "TypeError");
  return [...padding];
}

abstract class _PadNd extends Module {
  declare padding: number[];

  constructor(protected readonly _mode: PadMode, cls: string, padding: Padding, dims: number) {
    super();
    this.padding = amounts(cls, padding, dims);
  }

  protected get _value(): number | undefined {
    return undefined;
  }

  override forward(input: Tensor): Tensor {
    return pad(input, this.padding, this._mode, this._value);
  }

  override extra_repr(): string {
    return pyValue(this.padding);
  }
}

/** Constant padding with `value`. */
abstract class _ConstantPadNd extends _PadNd {
  declare value: number;

  constructor(cls: string, padding: Padding, value: number, dims: number) {
    super("constant", cls, padding, dims);
    this.value = value;
  }

  protected override get _value(): number {
    return this.value;
  }

  override extra_repr(): string {
    return `padding=${pyValue(this.padding)}, value=${pyValue(this.value)}`;
  }
}

/** Pads `[N, C, W]` (or `[C, W]`) with `value` on the left and right. */
export class ConstantPad1d extends _ConstantPadNd {
  constructor(padding: Padding, value: number) {
    super("ConstantPad1d", ...(requiredByKeyword("ConstantPad1d", ["padding", "value"], [padding, value]) as [Padding, number]), 1);
  }
}

/** Pads the last two dims with `value`: `[left, right, top, bottom]`. */
export class ConstantPad2d extends _ConstantPadNd {
  constructor(padding: Padding, value: number) {
    super("ConstantPad2d", ...(requiredByKeyword("ConstantPad2d", ["padding", "value"], [padding, value]) as [Padding, number]), 2);
  }
}

/** Pads the last three dims with `value`: `[left, right, top, bottom, front, back]`. */
export class ConstantPad3d extends _ConstantPadNd {
  constructor(padding: Padding, value: number) {
    super("ConstantPad3d", ...(requiredByKeyword("ConstantPad3d", ["padding", "value"], [padding, value]) as [Padding, number]), 3);
  }
}

/** Zero padding: a constant padding of 0 printed by its amounts only. */
abstract class _ZeroPadNd extends _ConstantPadNd {
  override extra_repr(): string {
    return pyValue(this.padding);
  }
}

/** Pads the last dim with zeros. */
export class ZeroPad1d extends _ZeroPadNd {
  constructor(padding: Padding) {
    super("ZeroPad1d", padding, 0, 1);
  }
}

/** Pads the last two dims with zeros: `[left, right, top, bottom]`. */
export class ZeroPad2d extends _ZeroPadNd {
  constructor(padding: Padding) {
    super("ZeroPad2d", padding, 0, 2);
  }
}

/** Pads the last three dims with zeros. */
export class ZeroPad3d extends _ZeroPadNd {
  constructor(padding: Padding) {
    super("ZeroPad3d", padding, 0, 3);
  }
}

/** Mirrors the input at its edges (the edge itself not repeated) along the last dim. */
export class ReflectionPad1d extends _PadNd {
  constructor(padding: Padding) {
    super("reflect", "ReflectionPad1d", padding, 1);
  }
}

/** Mirrors the last two dims at their edges. */
export class ReflectionPad2d extends _PadNd {
  constructor(padding: Padding) {
    super("reflect", "ReflectionPad2d", padding, 2);
  }
}

/** Mirrors the last three dims at their edges. */
export class ReflectionPad3d extends _PadNd {
  constructor(padding: Padding) {
    super("reflect", "ReflectionPad3d", padding, 3);
  }
}

/** Repeats the edge values along the last dim. */
export class ReplicationPad1d extends _PadNd {
  constructor(padding: Padding) {
    super("replicate", "ReplicationPad1d", padding, 1);
  }
}

/** Repeats the edge values of the last two dims. */
export class ReplicationPad2d extends _PadNd {
  constructor(padding: Padding) {
    super("replicate", "ReplicationPad2d", padding, 2);
  }
}

/** Repeats the edge values of the last three dims. */
export class ReplicationPad3d extends _PadNd {
  constructor(padding: Padding) {
    super("replicate", "ReplicationPad3d", padding, 3);
  }
}

/** Circular padding, which checks the input's rank first (PyTorch's `_check_input_dim`). */
abstract class _CircularPadNd extends _PadNd {
  constructor(cls: string, padding: Padding, private readonly _dims: number) {
    super("circular", cls, padding, _dims);
  }

  override forward(input: Tensor): Tensor {
    const [lo, hi] = [this._dims + 1, this._dims + 2];
    if (input.ndim !== lo && input.ndim !== hi) {
      throw new ArgumentError(`expected ${lo}D or ${hi}D input (got ${input.ndim}D input)`, "input", "ValueError");
    }
    return super.forward(input);
  }
}

/** Wraps the last dim around (periodic padding). */
export class CircularPad1d extends _CircularPadNd {
  constructor(padding: Padding) {
    super("CircularPad1d", padding, 1);
  }
}

/** Wraps the last two dims around. */
export class CircularPad2d extends _CircularPadNd {
  constructor(padding: Padding) {
    super("CircularPad2d", padding, 2);
  }
}

/** Wraps the last three dims around. */
export class CircularPad3d extends _CircularPadNd {
  constructor(padding: Padding) {
    super("CircularPad3d", padding, 3);
  }
}
