/**
 * `nn.Flatten` and `nn.Unflatten`: reshape layers. `Flatten()` keeps the batch
 * dimension and merges the rest (`[N, 16, 5, 5]` -> `[N, 400]`), which is
 * where a convolutional network hands over to its Linear layers.
 *
 * @example
 * new nn.Flatten()(torch.randn(1, 16, 5, 5)).shape          // torch.Size([1, 400])
 * new nn.Unflatten(1, [16, 5, 5])(torch.randn(1, 400)).shape // torch.Size([1, 16, 5, 5])
 */
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { flatten as flattenView, normDim, unflatten as unflattenView } from "../tensor/view.js";
import { type ArgsWithOptions, parseArgs } from "./args.js";
import { Module } from "./module.js";
import { pyTuple } from "./python-style.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { flatten as flattenFamily, unflatten as unflattenFamily } from "../shape/families/view.js";

/** Keyword arguments of `nn.Flatten`. */
export interface FlattenOptions {
  /** First dim to merge (default 1: keep the batch). */
  start_dim?: number;
  /** Last dim to merge (default -1). */
  end_dim?: number;
}

/**
 * Merges dims `start_dim..end_dim` into one.
 *
 * @example
 * String(new nn.Flatten())   // "Flatten(start_dim=1, end_dim=-1)"
 */
export class Flatten extends Module {
  declare start_dim: number;
  declare end_dim: number;

  constructor(...args: ArgsWithOptions<[start_dim: number, end_dim: number], FlattenOptions>) {
    super();
    const o = parseArgs<FlattenOptions>("Flatten.__init__", ["start_dim", "end_dim"], args);
    this.start_dim = o.start_dim ?? 1;
    this.end_dim = o.end_dim ?? -1;
  }

  override forward(input: Tensor): Tensor {
    return flattenView(input, this.start_dim, this.end_dim);
  }

  override extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }

  override op_spec(): OpSpec {
    return spec(flattenFamily, { start_dim: this.start_dim, end_dim: this.end_dim });
  }
}

/** Splits dim `dim` of `input` into `sizes` (one entry may be -1), with PyTorch's message when they do not fit. */
export function unflattenChecked(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim(dim, input.ndim);
  const size = input.shape[d]!;
  const known = sizes.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const inferred = sizes.includes(-1);
  if ((!inferred && known !== size) || (inferred && (known === 0 || size % known !== 0))) {
    throw new ShapeError(
      `unflatten: Provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${dim} (${size}) in the input tensor`,
      { op: "unflatten", shapes: { input: input.shape, sizes }, expected: { numel: size }, got: { numel: known } });
  }
  return unflattenView(input, d, sizes);
}

/**
 * Splits dimension `dim` into `unflattened_size` (the inverse of Flatten).
 *
 * @example
 * String(new nn.Unflatten(1, [2, 5, 5]))   // "Unflatten(dim=1, unflattened_size=(2, 5, 5))"
 */
export class Unflatten extends Module {
  declare dim: number;
  declare unflattened_size: number[];

  constructor(dim: number, unflattened_size: readonly number[]) {
    super();
    if (!Array.isArray(unflattened_size) || !unflattened_size.every((s) => Number.isInteger(s))) {
      throw new ArgumentError(`unflattened_size must be tuple of ints, but found type ${typeof unflattened_size}`, "unflattened_size", "TypeError");
    }
    this.dim = dim;
    this.unflattened_size = [...unflattened_size];
  }

  override forward(input: Tensor): Tensor {
    return unflattenChecked(input, this.dim, this.unflattened_size);
  }

  override extra_repr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattened_size)}`;
  }

  override op_spec(): OpSpec {
    return spec(unflattenFamily, { dim: this.dim, sizes: this.unflattened_size });
  }
}
