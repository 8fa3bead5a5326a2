/**
 * `F.flatten` / `F.unflatten`: the reshapes networks use between their
 * convolutional and fully connected parts (`torch.flatten(x, 1)` in
 * PyTorch code).
 *
 * @example
 * F.flatten(torch.randn(1, 16, 5, 5), 1).shape   // torch.Size([1, 400])
 */
import type { Tensor } from "../../tensor/tensor.js";
import { flatten as flattenView } from "../../tensor/view.js";
import { unflattenChecked } from "../flatten.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeFlatten, describeUnflatten } from "../../shape/families/index.js";

/**
 * Merges dims `start_dim..end_dim` into one (a view when the strides allow).
 *
 * @example
 * F.flatten(x, 1)   // keep the batch dimension
 */
export const flatten = hooked("F.flatten", function flatten(input: Tensor, start_dim = 0, end_dim = -1): Tensor {
  return flattenView(input, start_dim, end_dim);
}, describeFlatten);

/**
 * Splits dim `dim` into `sizes` (one entry may be -1).
 *
 * @example
 * F.unflatten(torch.randn(1, 400), 1, [16, 5, 5]).shape   // torch.Size([1, 16, 5, 5])
 */
export const unflatten = hooked("F.unflatten", function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  return unflattenChecked(input, dim, sizes);
}, describeUnflatten);
