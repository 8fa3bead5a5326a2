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
export { set_printoptions, get_printoptions } from "./tensor/print-options.js";
export { setBackend as set_backend, getBackend as get_backend } from "./backend/registry.js";
export { setNumThreads as set_num_threads, getNumThreads as get_num_threads } from "./backend/wasm/threads.js";

// ---------------------------------------------------------------- ops
export { result_type, can_cast } from "./ops/torch-extras.js";
export { broadcast_shapes, broadcast_tensors, broadcast_to } from "./ops/broadcast.js";
export {
  subtract, rsub, multiply, divide, true_divide, floor_divide, remainder, fmod, pow, float_power,
  maximum, minimum, fmax, fmin, atan2, arctan2, hypot, logaddexp,
} from "./ops/binary.js";
export {
  negative, absolute, sign, sgn, exp, exp2, expm1, log, log1p, log2, log10, sqrt, rsqrt, reciprocal, square,
  sin, cos, tan, asin, acos, atan, arcsin, arccos, arctan, sinh, cosh, asinh, acosh, atanh, arcsinh, arccosh, arctanh,
  erf, erfc, floor, ceil, round, trunc, fix, frac, nan_to_num, positive,
} from "./ops/unary.js";
export { clamp, clip, clamp_min, clamp_max } from "./ops/clamp.js";
export {
  relu, sigmoid, tanh, leaky_relu, elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish,
  logsigmoid, softsign, tanhshrink, threshold,
} from "./ops/activation.js";
export {
  eq, ne, lt, le, gt, ge, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or, logical_xor,
  logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, isnan, isinf, isposinf, isneginf, isfinite, signbit,
  isclose, allclose, equal,
} from "./ops/compare.js";
export {
  where, masked_fill, masked_select, nonzero, count_nonzero, index_select, gather, take_along_dim, scatter, scatter_add,
  index_add, take,
} from "./ops/index-ops.js";
export {
  sum, nansum, mean, nanmean, prod, max, min, amax, amin, argmax, argmin, variance as var, std, var_mean, std_mean, norm,
  logsumexp, all, any, ValuesIndices,
} from "./ops/reduce.js";
export { cumsum, cumprod, cummax, cummin, logcumsumexp } from "./ops/scan.js";
export { einsum, tensordot, kron, cdist } from "./ops/contract.js";
export * as linalg from "./ops/linalg.js";
export { signal } from "./ops/windows.js";
export * as fft from "./ops/fft.js";
// add, sub, mul, div, neg, abs, angle, conj and isreal take real or complex tensors.
export {
  ComplexTensor, complex, view_as_complex, view_as_real, polar, real, imag, is_complex,
} from "./ops/complex.js";
export { complex64, complex128, complex64 as cfloat, complex128 as cdouble } from "./tensor/dtype.js";
import { torchComplex } from "./ops/complex.js";
export const { add, sub, mul, div, neg, abs, angle, conj, isreal } = torchComplex;
export {
  alias_copy, diagonal_copy, expand_copy, narrow_copy, permute_copy, squeeze_copy, t_copy, transpose_copy, unbind_copy,
  unsqueeze_copy, view_copy, as_strided_copy, unfold_copy, split_with_sizes, split_with_sizes_copy, unsafe_split, unsafe_chunk,
  tensor_split, hsplit, vsplit, dsplit, ravel, atleast_1d, atleast_2d, atleast_3d, block_diag, meshgrid, cartesian_prod,
  combinations, diagflat, select_scatter, slice_scatter, diagonal_scatter, as_strided_scatter,
} from "./ops/copies.js";
export {
  deg2rad, rad2deg, copysign, heaviside, ldexp, logaddexp2, nextafter, frexp, conj_physical,
  resolve_conj, resolve_neg, isin, inner, vdot, addr, addbmm, dist, cross, diff, trapezoid, trapz, cumulative_trapezoid, cov,
  corrcoef, renorm, bucketize, searchsorted, histc, mode, nanmedian, aminmax, repeat_interleave, argwhere, logspace,
  index_fill, index_copy, masked_scatter, scalar_tensor, fill, tril_indices, triu_indices,
} from "./ops/numeric.js";
export {
  torchLu as lu, lu_unpack, torchLuSolve as lu_solve, triangular_solve, cholesky, cholesky_inverse, cholesky_solve, matrix_exp,
} from "./ops/linalg-solve.js";
export {
  logdet, slogdet, pinverse, qrSome as qr, svdOld as svd, geqrf, householder_product as orgqr, ormqr, svd_lowrank, pca_lowrank,
} from "./ops/decompositions.js";
export { special, lgamma, digamma, polygamma, mvlgamma, erfinv, i0, sinc, logit, xlogy } from "./ops/special.js";
export { addcmul, addcdiv, lerp } from "./ops/ternary.js";
export { softmax, log_softmax } from "./ops/softmax.js";
export { sort, argsort, msort, topk, kthvalue, median, unique, unique_consecutive } from "./ops/sort.js";
export { matmul, mm, bmm, addmm, mv, addmv, baddbmm, dot, outer, ger, matrix_power } from "./ops/matmul.js";
export { cat, concat, concatenate, stack, hstack, vstack, row_stack, dstack, column_stack } from "./ops/join.js";
export {
  tile, flip, fliplr, flipud, roll, tril, triu, diag, diagonal, diag_embed, trace, as_strided,
  movedim, moveaxis, rot90,
} from "./ops/rearrange.js";
export {
  relu_, sigmoid_, tanh_, exp_, sqrt_, zero_, fill_, clamp_, clip_, abs_, neg_, rsqrt_, log_, ceil_, floor_,
  round_, trunc_, reciprocal_, square_, sin_, cos_, erf_, expm1_, log1p_, frac_, nan_to_num_,
} from "./ops/inplace.js";
export {
  rand, randn, randint, randperm, normal, bernoulli, multinomial, rand_like, randn_like, randint_like,
  manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator, default_generator,
} from "./ops/random.js";
export { save, load } from "./serialization/index.js";
export * as autograd from "./autograd/index.js";
export * as utils from "./utils/index.js";
