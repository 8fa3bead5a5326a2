/**
 * `nn.Unfold` and `nn.Fold`: the layers of `F.unfold` (image to columns of
 * sliding blocks) and `F.fold` (columns summed back onto an image). They hold
 * no parameters.
 *
 * @example
 * const unfold = new nn.Unfold([2, 3]);
 * unfold(torch.randn(2, 5, 3, 4)).shape       // torch.Size([2, 30, 4])
 * new nn.Fold([4, 5], [2, 2])(torch.randn(1, 12, 12)).shape   // torch.Size([1, 3, 4, 5])
 */
import { requiredByKeyword } from "./args.js";
import { type ArgsOf, Dims, arg, signature } from "../ops/signature.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { foldFamily, foldParams, unfoldFamily } from "../shape/families/fold.js";
import type { Tensor } from "../tensor/tensor.js";
import { fold, unfold } from "./functional/fold.js";
import { Module } from "./module.js";
import { pyValue } from "./python-style.js";

const BLOCK = [arg("dilation", Dims, 1), arg("padding", Dims, 0), arg("stride", Dims, 1)] as const;
export const UNFOLD_INIT = signature("Unfold.__init__", [...BLOCK], 2);
export const FOLD_INIT = signature("Fold.__init__", [...BLOCK], 3);

type Size = number | readonly number[];

/** The hyper-parameters both layers hold and print. */
abstract class _Blocks extends Module {
  declare kernel_size: Size;
  declare dilation: Size;
  declare padding: Size;
  declare stride: Size;

  protected blocksRepr(): string {
    return `kernel_size=${pyValue(this.kernel_size)}, dilation=${pyValue(this.dilation)}, padding=${pyValue(this.padding)}, stride=${pyValue(this.stride)}`;
  }
}

/**
 * Extracts sliding blocks of an `[N, C, H, W]` batch as columns `[N, C·kH·kW, L]`.
 *
 * @example
 * String(new nn.Unfold(3, { padding: 1 }))   // "Unfold(kernel_size=3, dilation=1, padding=1, stride=1)"
 */
export class Unfold extends _Blocks {
  constructor(kernel_size: Size, ...args: ArgsOf<typeof UNFOLD_INIT>) {
    super();
    [kernel_size, ...args] = requiredByKeyword("Unfold", ["kernel_size"], [kernel_size, ...args]) as [typeof kernel_size, ...typeof args];
    const o = UNFOLD_INIT.parse(args);
    this.kernel_size = kernel_size;
    this.dilation = o.dilation;
    this.padding = o.padding;
    this.stride = o.stride;
  }

  override forward(input: Tensor): Tensor {
    return unfold(input, this.kernel_size, this.dilation, this.padding, this.stride);
  }

  override extra_repr(): string {
    return this.blocksRepr();
  }

  override op_spec(): OpSpec {
    return spec(unfoldFamily, foldParams(undefined, this.kernel_size, this.dilation, this.padding, this.stride));
  }
}

/**
 * Sums columns `[N, C·kH·kW, L]` of sliding blocks back onto `[N, C, *output_size]` images.
 *
 * @example
 * String(new nn.Fold(5, 3))   // "Fold(output_size=5, kernel_size=3, dilation=1, padding=0, stride=1)"
 */
export class Fold extends _Blocks {
  declare output_size: Size;

  constructor(output_size: Size, kernel_size: Size, ...args: ArgsOf<typeof FOLD_INIT>) {
    super();
    [output_size, kernel_size, ...args] = requiredByKeyword("Fold", ["output_size", "kernel_size"], [output_size, kernel_size, ...args]) as [typeof output_size, typeof kernel_size, ...typeof args];
    const o = FOLD_INIT.parse(args);
    this.output_size = output_size;
    this.kernel_size = kernel_size;
    this.dilation = o.dilation;
    this.padding = o.padding;
    this.stride = o.stride;
  }

  override forward(input: Tensor): Tensor {
    return fold(input, this.output_size, this.kernel_size, this.dilation, this.padding, this.stride);
  }

  override extra_repr(): string {
    return `output_size=${pyValue(this.output_size)}, ${this.blocksRepr()}`;
  }

  override op_spec(): OpSpec {
    return spec(foldFamily, foldParams(this.output_size, this.kernel_size, this.dilation, this.padding, this.stride));
  }
}
