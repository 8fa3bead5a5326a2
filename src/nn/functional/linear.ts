/**
 * `F.linear`: `y = x W^T + b` on the ops' matrix products (`mm`, `addmm`),
 * taking the same paths through the autograd graph as PyTorch 1.13.1 so that
 * `grad_fn` chains read the same:
 *
 * - 2-D input with bias: `AddmmBackward0(bias, input, TBackward0(weight))`
 * - 2-D input without bias: `MmBackward0(input, TBackward0(weight))`
 * - 1-D input: `MmBackward0` on the unsqueezed input, `SqueezeBackward3`, then `AddBackward0` for the bias
 * - contiguous 3-D input with bias: `ViewBackward0(AddmmBackward0(bias, ViewBackward0(input), ...))`
 * - other inputs: input reshaped to 2-D, `MmBackward0`, `UnsafeViewBackward0`, then `AddBackward0`
 *
 * float64 operands compute in double (the float64 `gemm` kernel), as PyTorch does, with the same graph.
 *
 * A size mismatch raises PyTorch's `mat1 and mat2 shapes cannot be
 * multiplied (1x2704 and 400x120)` as a `ShapeError` of op `linear` that also
 * carries `expected.in_features` and `got.in_features` (the check is ops'
 * `checkMultipliable`, made here on the input folded to 2-D).
 *
 * @example
 * F.linear(torch.randn(1, 400), fc1.weight, fc1.bias).shape   // torch.Size([1, 120])
 */
import { DTypeError, ShapeError, TsorchError, fmtShape } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { contiguousStrides } from "../../tensor/strided.js";
import { Tensor } from "../../tensor/tensor.js";
import { reshape, t as transpose2d, unsqueeze, view } from "../../tensor/view.js";
import { requireTensor, cppTypeName, checkInitialized, requireSameDtype } from "./float-data.js";
import { addmm, checkMultipliable, mm } from "../../ops/matmul.js";
import { add } from "../../ops/binary.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeLinear } from "../../shape/families/index.js";

/** The message PyTorch gives when a bias cannot be broadcast to the output. */
function expandError(bias: Tensor, target: readonly number[]): ShapeError {
  const nd = target.length;
  const off = nd - bias.ndim;
  let dim = nd - 1;
  for (let i = bias.ndim - 1; i >= 0; i--) {
    const s = bias.shape[i]!;
    if (s !== 1 && s !== target[i + off]) {
      dim = i + off;
      break;
    }
  }
  return new ShapeError(
    `The expanded size of the tensor (${target[dim]}) must match the existing size (${bias.shape[dim - off]}) at non-singleton dimension ${dim}.  Target sizes: ${fmtShape(target)}.  Tensor sizes: ${fmtShape(bias.shape)}`,
    { op: "linear", shapes: { bias: bias.shape, output: target }, expected: { bias: target[target.length - 1] }, got: { bias: bias.shape } });
}

/** PyTorch's check that the bias broadcasts to the output `shape`. */
function checkBias(bias: Tensor, shape: readonly number[]): void {
  if (bias.ndim > shape.length) throw expandError(bias, shape);
  for (let i = 1; i <= bias.ndim; i++) {
    const s = bias.shape[bias.ndim - i]!;
    if (s !== 1 && s !== shape[shape.length - i]) throw expandError(bias, shape);
  }
}

/** The bias checked against the output (shape, then dtype, PyTorch's order for addmm). */
function checkBiasFor(bias: Tensor, shape: readonly number[], dtype: Tensor["dtype"]): void {
  checkBias(bias, shape);
  if (bias.dtype !== dtype) throw new DTypeError("self and mat2 must have the same dtype", "linear", [bias.dtype.name, dtype.name]);
}

/** `out + bias` (PyTorch's in-place `add_` after matmul: the output keeps its shape and dtype), recorded as `AddBackward0`. */
function addBias(out: Tensor, bias: Tensor): Tensor {
  checkBias(bias, out.shape);
  return add(out, bias.dtype === out.dtype ? bias : bias.to(out.dtype));
}

/** A view recorded under an explicit node name (PyTorch's `squeeze_` and `_unsafe_view` after matmul). */
function namedView(x: Tensor, shape: number[], name: string): Tensor {
  const out = x._view(shape, contiguousStrides(shape), x._offset);
  const inShape = [...x.shape];
  record(name, out, [x], ([g]) => [reshape(g!, inShape)]);
  return out;
}

/**
 * Applies `y = x W^T + b` over the last dimension of `input`.
 * `weight` is `[out_features, in_features]`, `bias` `[out_features]`.
 *
 * @example
 * const w = torch.randn(3, 4), b = torch.zeros(3);
 * F.linear(torch.randn(2, 4), w, b).shape      // torch.Size([2, 3])
 * F.linear(torch.randn(5, 2, 4), w).shape      // torch.Size([5, 2, 3])
 */
export const linear = hooked("F.linear", function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  requireTensor("linear", [[input, "input"], [weight, "weight"], [bias, "bias", true]]);
  checkInitialized("<built-in function linear>", input, weight, bias);
  if (weight.ndim > 2) {
    throw new TsorchError(`t() expects a tensor with <= 2 dimensions, but self is ${weight.ndim}D`);
  }
  if (input.ndim === 0 || weight.ndim === 0) {
    throw new ShapeError(
      `both arguments to matmul need to be at least 1D, but they are ${input.ndim}D and ${weight.ndim}D`,
      { op: "linear", shapes: { input: input.shape, weight: weight.shape } });
  }
  if (weight.ndim === 1) {
    // A vector weight gives one output feature, dropped from the shape (matmul with a vector).
    const y = linear(input, unsqueeze(weight, 0), null);
    const squeezed = namedView(y, [...y.shape.slice(0, -1)], "SqueezeBackward1");
    return bias ? addBias(squeezed, bias) : squeezed;
  }
  if (!input.dtype.is_floating_point) {
    throw new DTypeError(`"addmm_impl_cpu_" not implemented for '${cppTypeName(input.dtype)}'`, "linear", [input.dtype.name]);
  }
  requireSameDtype(input, weight, "linear");
  const k = input.shape[input.ndim - 1]!;
  // The leading dims as a plain array (slicing a Size builds another Array subclass, on every call).
  const lead: number[] = [];
  let rows = 1;
  for (let i = 0; i < input.ndim - 1; i++) {
    lead.push(input.shape[i]!);
    rows *= input.shape[i]!;
  }
  const out = weight.shape[0]!;
  checkMultipliable([rows, k], [weight.shape[1]!, out], "linear");
  const wT = transpose2d(weight);
  const b = bias ?? null;
  if (input.ndim === 2 && !b) return mm(input, wT);
  if (b && (input.ndim === 2 || (input.ndim === 3 && input.is_contiguous()))) {
    checkBiasFor(b, [rows, out], input.dtype);
    if (input.ndim === 2) return addmm(b, input, wT);
    const y2 = addmm(b, view(input, [rows, k]), wT);
    return view(y2, [...lead, out]);
  }
  if (input.ndim === 1) {
    const squeezed = namedView(mm(unsqueeze(input, 0), wT), [out], "SqueezeBackward3");
    return b ? addBias(squeezed, b) : squeezed;
  }
  const y = namedView(mm(reshape(input, [rows, k]), wT), [...lead, out], "UnsafeViewBackward0");
  return b ? addBias(y, b) : y;
}, describeLinear);
