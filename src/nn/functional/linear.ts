/**
 * `F.linear`: `y = x W^T + b`, taking the same paths through the autograd
 * graph as PyTorch 1.13.1 so that `grad_fn` chains read the same:
 *
 * - 2-D input with bias: `AddmmBackward0(bias, input, TBackward0(weight))`
 * - 2-D input without bias: `MmBackward0(input, TBackward0(weight))`
 * - 1-D input: `MmBackward0` on the unsqueezed input, `SqueezeBackward3`, then `AddBackward0` for the bias
 * - contiguous 3-D input with bias: `ViewBackward0(AddmmBackward0(bias, ViewBackward0(input), ...))`
 * - other inputs: input reshaped to 2-D, `MmBackward0`, `UnsafeViewBackward0`, then `AddBackward0`
 *
 * float64 operands compute in double (the `dgemm` kernel), as PyTorch does, with the same graph;
 * other floating dtypes go through the float32 `sgemm`.
 *
 * A size mismatch raises PyTorch's `mat1 and mat2 shapes cannot be
 * multiplied (1x2704 and 400x120)` as a `ShapeError` that also carries
 * `expected.in_features` and `got.in_features`.
 *
 * @example
 * F.linear(torch.randn(1, 400), fc1.weight, fc1.bias).shape   // torch.Size([1, 120])
 */
import { DTypeError, ShapeError, TsorchError, fmtShape } from "../../errors.js";
import { type GradFn, record } from "../../autograd/graph.js";
import { getKernel } from "../../backend/registry.js";
import { contiguousStrides } from "../../tensor/strided.js";
import { sumToShape } from "../../tensor/sum-to-shape.js";
import { type DType, float64 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { reshape, t as transpose2d, unsqueeze, view } from "../../tensor/view.js";
import {
  requireTensor, cppTypeName, checkInitialized, doubleData, doubleTensor, floatData, requireSameDtype, tensorFrom,
} from "./float-data.js";
import { anyMeta, metaTensor } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeLinear } from "../../shape/families/index.js";

/** A 2-D float32 operand as sgemm wants it: data, offset, leading dimension and whether it is stored transposed. */
interface MatrixOperand {
  data: Float32Array;
  offset: number;
  ld: number;
  trans: boolean;
}

/** Reads a 2-D tensor without copying when one of its strides is 1 (a transposed weight included). */
function operand(m: Tensor): MatrixOperand {
  const [rows, cols] = [m.shape[0]!, m.shape[1]!];
  const [s0, s1] = [m._strides[0]!, m._strides[1]!];
  if (m.storage.data instanceof Float32Array) {
    if ((s1 === 1 || cols === 1) && s0 >= cols) return { data: m.storage.data, offset: m._offset, ld: Math.max(s0, 1), trans: false };
    if ((s0 === 1 || rows === 1) && s1 >= rows) return { data: m.storage.data, offset: m._offset, ld: Math.max(s1, 1), trans: true };
  }
  return { data: floatData(m), offset: 0, ld: Math.max(cols, 1), trans: false };
}

/** `a (M x K) @ b (K x N)` into a new row-major Float32Array, optionally starting from `c0` (beta = 1). */
function matmul2d(a: Tensor, b: Tensor, c0?: Float32Array): Float32Array {
  const M = a.shape[0]!;
  const K = a.shape[1]!;
  const N = b.shape[1]!;
  const A = operand(a);
  const B = operand(b);
  const C = c0 ?? new Float32Array(M * N);
  getKernel("sgemm")(A.trans, B.trans, M, N, K, 1, A.data, A.offset, A.ld, B.data, B.offset, B.ld, c0 ? 1 : 0, C, 0, Math.max(N, 1));
  return C;
}

/** A 2-D float64 operand as dgemm wants it (the float64 twin of `MatrixOperand`). */
interface MatrixOperandF64 {
  data: Float64Array;
  offset: number;
  ld: number;
  trans: boolean;
}

/** `operand` for float64: no copy when one stride is 1, otherwise a contiguous float64 copy. */
function operandF64(m: Tensor): MatrixOperandF64 {
  const [rows, cols] = [m.shape[0]!, m.shape[1]!];
  const [s0, s1] = [m._strides[0]!, m._strides[1]!];
  if (m.storage.data instanceof Float64Array) {
    if ((s1 === 1 || cols === 1) && s0 >= cols) return { data: m.storage.data, offset: m._offset, ld: Math.max(s0, 1), trans: false };
    if ((s0 === 1 || rows === 1) && s1 >= rows) return { data: m.storage.data, offset: m._offset, ld: Math.max(s1, 1), trans: true };
  }
  return { data: doubleData(m), offset: 0, ld: Math.max(cols, 1), trans: false };
}

/** `a (M x K) @ b (K x N)` in double into a new row-major Float64Array, optionally starting from `c0`. */
function matmul2dF64(a: Tensor, b: Tensor, c0?: Float64Array): Float64Array {
  const M = a.shape[0]!;
  const K = a.shape[1]!;
  const N = b.shape[1]!;
  const A = operandF64(a);
  const B = operandF64(b);
  const C = c0 ?? new Float64Array(M * N);
  getKernel("dgemm")(A.trans, B.trans, M, N, K, 1, A.data, A.offset, A.ld, B.data, B.offset, B.ld, c0 ? 1 : 0, C, 0, Math.max(N, 1));
  return C;
}

/** `a @ b` as a new tensor of `shape` and `dtype`: in double for float64, through sgemm otherwise. */
function product(a: Tensor, b: Tensor, shape: readonly number[], dtype: DType): Tensor {
  if (dtype === float64) return doubleTensor(matmul2dF64(a, b), shape);
  return tensorFrom(matmul2d(a, b), shape, dtype);
}

/** `a^T` as a view (no graph): used inside backward closures. */
function tView(a: Tensor): Tensor {
  return new Tensor(a.storage, [a.shape[1]!, a.shape[0]!], [a._strides[1]!, a._strides[0]!], a._offset, a.dtype);
}

function checkMm(mat1: Tensor, mat2: Tensor, op: string, inFeatures: number): void {
  if (mat1.shape[1] !== mat2.shape[0]) {
    throw new ShapeError(
      `mat1 and mat2 shapes cannot be multiplied (${mat1.shape[0]}x${mat1.shape[1]} and ${mat2.shape[0]}x${mat2.shape[1]})`,
      {
        op,
        shapes: { mat1: mat1.shape, mat2: mat2.shape },
        expected: { in_features: inFeatures },
        got: { in_features: mat1.shape[1] },
      });
  }
}

function saveBoth(node: GradFn | null, a: Tensor, b: Tensor): void {
  if (!node) return;
  node.saveForBackward(a, "input");
  node.saveForBackward(b, "input");
}

/** `mm(mat1, mat2)` recorded as `MmBackward0`. */
function mm(mat1: Tensor, mat2: Tensor, inFeatures: number): Tensor {
  checkMm(mat1, mat2, "linear", inFeatures);
  const shape = [mat1.shape[0]!, mat2.shape[1]!];
  // Meta operands (tensor/meta.ts): the check above, a shape-only product.
  if (anyMeta(mat1, mat2)) return metaTensor(shape, mat1.dtype);
  const dtype = mat1.dtype;
  const out = product(mat1, mat2, shape, dtype);
  const node = record("MmBackward0", out, [mat1, mat2], ([g]) => [
    mat1.requires_grad ? product(g!, tView(mat2), mat1.shape, dtype) : null,
    mat2.requires_grad ? product(tView(mat1), g!, mat2.shape, dtype) : null,
  ]);
  saveBoth(node, mat1, mat2);
  return out;
}

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

/** The bias broadcast to `shape` as row-major float32 (read-only: may be the bias's own storage). */
function broadcastBias(bias: Tensor, shape: readonly number[]): Float32Array {
  checkBias(bias, shape);
  return floatData(bias.detach().expand(shape as number[]));
}

/**
 * A new `[M, N]` float32 array holding the (checked) bias in every row: addmm's starting C. A
 * contiguous float32 vector bias, what every `nn.Linear` has, is copied row by row; other biases go
 * through a broadcast view.
 */
function biasRows(bias: Tensor, shape: readonly [number, number]): Float32Array {
  checkBias(bias, shape);
  const [M, N] = shape;
  const data = bias.storage.data;
  if (bias.ndim === 1 && data instanceof Float32Array && (bias._strides[0] === 1 || N <= 1) && bias.shape[0] === N) {
    const c0 = new Float32Array(M * N);
    const row = data.subarray(bias._offset, bias._offset + N);
    for (let i = 0; i < M; i++) c0.set(row, i * N);
    return c0;
  }
  return Float32Array.from(floatData(bias.detach().expand([M, N])));
}

/** `biasRows` in float64 (a copy the product may accumulate into). */
function biasRowsF64(bias: Tensor, shape: readonly [number, number]): Float64Array {
  checkBias(bias, shape);
  return Float64Array.from(doubleData(bias.detach().expand([shape[0], shape[1]])));
}

/** `addmm(bias, mat1, mat2)` recorded as `AddmmBackward0` with edges (bias, mat1, mat2). */
function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor, inFeatures: number): Tensor {
  checkMm(mat1, mat2, "linear", inFeatures);
  const shape = [mat1.shape[0]!, mat2.shape[1]!];
  if (anyMeta(bias, mat1, mat2)) {
    checkBias(bias, shape);
    if (bias.dtype !== mat1.dtype) throw new DTypeError("self and mat2 must have the same dtype", "linear", [bias.dtype.name, mat1.dtype.name]);
    return metaTensor(shape, mat1.dtype);
  }
  const dtype = mat1.dtype;
  const double = dtype === float64;
  const c0 = double ? biasRowsF64(bias, shape as [number, number]) : biasRows(bias, shape as [number, number]);
  if (bias.dtype !== mat1.dtype) throw new DTypeError("self and mat2 must have the same dtype", "linear", [bias.dtype.name, mat1.dtype.name]);
  const out = double
    ? doubleTensor(matmul2dF64(mat1, mat2, c0 as Float64Array), shape)
    : tensorFrom(matmul2d(mat1, mat2, c0 as Float32Array), shape, dtype);
  const biasShape = [...bias.shape];
  const node = record("AddmmBackward0", out, [bias, mat1, mat2], ([g]) => [
    bias.requires_grad ? sumToShape(g!, biasShape) : null,
    mat1.requires_grad ? product(g!, tView(mat2), mat1.shape, dtype) : null,
    mat2.requires_grad ? product(tView(mat1), g!, mat2.shape, dtype) : null,
  ]);
  saveBoth(node, mat1, mat2);
  return out;
}

/** `out + bias` (PyTorch's in-place `add_` after matmul), recorded as `AddBackward0`. */
function addBias(out: Tensor, bias: Tensor): Tensor {
  const shape = [...out.shape];
  if (anyMeta(out, bias)) {
    checkBias(bias, shape);
    return metaTensor(shape, out.dtype);
  }
  const result = out.dtype === float64 ? addBiasF64(out, bias, shape) : addBiasF32(out, bias, shape);
  const biasShape = [...bias.shape];
  record("AddBackward0", result, [out, bias], ([g]) => [g, bias.requires_grad ? sumToShape(g!, biasShape) : null]);
  return result;
}

function addBiasF32(out: Tensor, bias: Tensor, shape: readonly number[]): Tensor {
  const b = broadcastBias(bias, shape);
  const y = floatData(out);
  const res = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) res[i] = y[i]! + b[i]!;
  return tensorFrom(res, shape, out.dtype);
}

function addBiasF64(out: Tensor, bias: Tensor, shape: readonly number[]): Tensor {
  checkBias(bias, shape);
  const b = doubleData(bias.detach().expand(shape as number[]));
  const y = doubleData(out);
  const res = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) res[i] = y[i]! + b[i]!;
  return doubleTensor(res, shape);
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
  const inFeatures = weight.shape[1]!;
  const wT = transpose2d(weight);
  const b = bias ?? null;
  if (input.ndim === 2) return b ? addmm(b, input, wT, inFeatures) : mm(input, wT, inFeatures);
  if (input.ndim === 1) {
    const y = mm(unsqueeze(input, 0), wT, inFeatures);
    const squeezed = namedView(y, [y.shape[1]!], "SqueezeBackward3");
    return b ? addBias(squeezed, b) : squeezed;
  }
  const lead = input.shape.slice(0, -1);
  const k = input.shape[input.ndim - 1]!;
  const rows = lead.reduce((p, s) => p * s, 1);
  if (b && input.ndim === 3 && input.is_contiguous()) {
    const y2 = addmm(b, view(input, [rows, k]), wT, inFeatures);
    return view(y2, [...lead, y2.shape[1]!]);
  }
  const y2 = mm(reshape(input, [rows, k]), wT, inFeatures);
  const y = namedView(y2, [...lead, y2.shape[1]!], "UnsafeViewBackward0");
  return b ? addBias(y, b) : y;
}, describeLinear);
