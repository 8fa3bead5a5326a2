/**
 * The `torch` namespace: creation functions, ops, dtypes, grad mode and the
 * random generator, under PyTorch's names.
 *
 * @example
 * import { torch } from "tsorch";
 * torch.manual_seed(0);
 * const x = torch.randn(1, 1, 32, 32);
 */
export { Tensor, Storage } from "./tensor/tensor.js";
export { Size } from "./tensor/size.js";
export { DType, float32, float64, int64, int32, uint8, bool, promoteTypes as promote_types } from "./tensor/dtype.js";
export { float32 as float, float64 as double, int64 as long, int32 as int } from "./tensor/dtype.js";
export {
  tensor, zeros, ones, full, empty, zeros_like, ones_like, full_like, empty_like, eye, arange, linspace,
} from "./tensor/creation.js";
export {
  view, reshape, flatten, unflatten, permute, transpose, transpose as swapaxes, t, squeeze, unsqueeze, narrow, select, expand,
  split, chunk, unbind, clone,
} from "./tensor/view.js";
export { no_grad, enable_grad, is_grad_enabled, set_grad_enabled } from "./autograd/grad-mode.js";
