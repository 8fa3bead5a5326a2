/**
 * Matrix products: mm, bmm, addmm, mv, dot, outer, matmul (every case of
 * PyTorch's dimension rules, batch dimensions broadcast), baddbmm, addmv.
 * `F.linear` (nn/functional/linear.ts) is built on `mm` and `addmm`, with
 * {@link checkMultipliable} naming its in_features.
 *
 * float32 products go through the registered float32 `gemm` kernel and float64 ones
 * through the float64 one (strided and transposed operands are passed as they are,
 * without copies, when each matrix has a unit stride in one dimension);
 * integer products use a plain loop accumulating in double. `matmul`
 * composes the same primitive ops PyTorch composes (unsqueeze, reshape,
 * expand, mm, bmm, mv, dot), so the recorded graphs have PyTorch's node names.
 *
 * @example
 * torch.matmul(torch.ones(10, 2, 3), torch.ones(3, 4)).shape   // torch.Size([10, 2, 4])
 * torch.mm(torch.ones(1, 2704), torch.ones(400, 120))
 * // RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)
 */
import { inv } from "./linalg.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, DTypeError, ShapeError } from "../errors.js";
import { allocate } from "../tensor/creation.js";
import type { DType, TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { asStrided, expand, reshape, t as transpose2d, unsqueeze } from "../tensor/view.js";
import { type Scalar, checkTensor, scalarNumber } from "./operand.js";
import { mul } from "./binary.js";
import { elementwise } from "./tensor-iterator.js";
import { broadcastPair } from "./broadcast.js";
import { gradFor, saveInput } from "./grad-utils.js";
import { dgemmKernel, sgemmKernel } from "./kernels.js";
import { scalarTypeName } from "./result-type.js";
import { unsafeView } from "./view-helpers.js";
import { anyMeta, metaTensor } from "../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeMatmul } from "../shape/families/index.js";
import { featuresMatch, passes } from "../shape/dim.js";

/** A matrix operand as BLAS sees it: data, offset, leading dimension, and whether it is stored transposed. */
interface MatrixView {
  data: TypedArray;
  offset: number;
  ld: number;
  trans: boolean;
}

/**
 * How to hand a 2-d strided slice (rows x cols, strides sr, sc) to a GEMM
 * without copying, or null when neither dimension has unit stride.
 */
function matrixView(data: TypedArray, offset: number, rows: number, cols: number, sr: number, sc: number): MatrixView | null {
  if (cols === 1 || sc === 1) {
    const ld = rows <= 1 ? Math.max(cols, 1) : sr;
    if (ld >= Math.max(cols, 1)) return { data, offset, ld, trans: false };
  }
  if (rows === 1 || sr === 1) {
    const ld = cols <= 1 ? Math.max(rows, 1) : sc;
    if (ld >= Math.max(rows, 1)) return { data, offset, ld, trans: true };
  }
  return null;
}

/** The dtype both operands share, or PyTorch's "expected scalar type" error. */
function commonDType(a: Tensor, b: Tensor, fn: string): DType {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`expected scalar type ${scalarTypeName(a.dtype)} but found ${scalarTypeName(b.dtype)}`, fn, [a.dtype.name, b.dtype.name]);
  }
  if (a.dtype.kind === "bool") throw new DTypeError(`"addmm_impl_cpu_" not implemented for 'Bool'`, fn, ["bool"]);
  return a.dtype;
}

/**
 * C[batch] = A[batch] @ B[batch] for batched strided operands, into the
 * contiguous `out` ([batch, M, N]). `aStrides`/`bStrides` are
 * [batchStride, rowStride, colStride].
 */
function gemmInto(
  out: Tensor, batch: number, M: number, N: number, K: number,
  a: Tensor, aStrides: readonly number[], b: Tensor, bStrides: readonly number[],
): void {
  if (batch === 0 || M === 0 || N === 0) return;
  const od = out.storage.data;
  if (K === 0) {
    od.fill(0);
    return;
  }
  const f32 = out.dtype.name === "float32";
  if (f32 || out.dtype.name === "float64") {
    let av = matrixView(a.storage.data, a._offset, M, K, aStrides[1]!, aStrides[2]!);
    let bv = matrixView(b.storage.data, b._offset, K, N, bStrides[1]!, bStrides[2]!);
    let aBatch = aStrides[0]!;
    let bBatch = bStrides[0]!;
    if (av === null) {
      // No unit stride: copy to contiguous [batch, M, K].
      const c = asStrided(a, [batch, M, K], aStrides, a._offset).contiguous();
      av = { data: c.storage.data, offset: 0, ld: K, trans: false };
      aBatch = M * K;
    }
    if (bv === null) {
      const c = asStrided(b, [batch, K, N], bStrides, b._offset).contiguous();
      bv = { data: c.storage.data, offset: 0, ld: N, trans: false };
      bBatch = K * N;
    }
    // sgemm and dgemm share one contract (BLAS's), on Float32Array or Float64Array operands.
    const gemm = (f32 ? sgemmKernel() : dgemmKernel()) as (
      ta: boolean, tb: boolean, M: number, N: number, K: number, alpha: number, A: TypedArray, aOff: number, lda: number,
      B: TypedArray, bOff: number, ldb: number, beta: number, C: TypedArray, cOff: number, ldc: number) => void;
    for (let i = 0; i < batch; i++) {
      gemm(av.trans, bv.trans, M, N, K, 1, av.data, av.offset + i * aBatch, av.ld, bv.data, bv.offset + i * bBatch, bv.ld, 0, od, i * M * N, N);
    }
    return;
  }
  // Integers: i-k-j loops accumulating in a double row buffer.
  const ad = a.storage.data;
  const bd = b.storage.data;
  const row = new Float64Array(N);
  const [sab, sam, sak] = aStrides as [number, number, number];
  const [sbb, sbk, sbn] = bStrides as [number, number, number];
  for (let i = 0; i < batch; i++) {
    const aBase = a._offset + i * sab;
    const bBase = b._offset + i * sbb;
    for (let m = 0; m < M; m++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = ad[aBase + m * sam + k * sak]!;
        if (av === 0) continue;
        const bRow = bBase + k * sbk;
        for (let n = 0; n < N; n++) row[n]! += av * bd[bRow + n * sbn]!;
      }
      const o = (i * M + m) * N;
      for (let n = 0; n < N; n++) od[o + n] = row[n]!;
    }
  }
}

/**
 * Matrix product of two 2-d tensors.
 *
 * @example
 * torch.mm(torch.ones(2, 3), torch.ones(3, 4))   // 2 x 4 of 3s
 */
export const mm = hooked("mm", function mm(input: Tensor, mat2: Tensor): Tensor {
  checkTensor(input, "mm");
  checkTensor(mat2, "mm", "mat2", 2);
  if (input.ndim !== 2) throw new ShapeError("self must be a matrix", { op: "mm", shapes: { self: input.shape } });
  if (mat2.ndim !== 2) throw new ShapeError("mat2 must be a matrix", { op: "mm", shapes: { mat2: mat2.shape } });
  checkMultipliable(input.shape, mat2.shape, "mm");
  const dt = commonDType(input, mat2, "mm");
  const [M, K] = input.shape as unknown as [number, number];
  const N = mat2.shape[1]!;
  // Meta operands (tensor/meta.ts): the checks above, a shape-only product.
  if (anyMeta(input, mat2)) return metaTensor([M, N], dt);
  const out = allocate([M, N], dt);
  gemmInto(out, 1, M, N, K, input, [0, input._strides[0]!, input._strides[1]!], mat2, [0, mat2._strides[0]!, mat2._strides[1]!]);
  if (is_grad_enabled() && (input.requires_grad || mat2.requires_grad)) {
    const needA = input.requires_grad;
    const needB = mat2.requires_grad;
    const node = record("MmBackward0", out, [input, mat2], ([g]) => [
      needA ? mm(g!, transpose2d(mat2)) : null,
      needB ? mm(transpose2d(input), g!) : null,
    ]);
    if (needB) saveInput(node, input);
    if (needA) saveInput(node, mat2);
  }
  return out;
}, describeMatmul("mm"));

/**
 * PyTorch's check that a (M x K) and b (K x N) can be multiplied, its error naming K as the
 * in_features of `op` (`F.linear` passes its input folded to 2-d and the transposed weight).
 */
export function checkMultipliable(a: readonly number[], b: readonly number[], op: string): void {
  const K = a[a.length - 1]!;
  const K2 = b[b.length - 2]!;
  if (!passes(featuresMatch(K, K2))) {
    throw new ShapeError(
      `mat1 and mat2 shapes cannot be multiplied (${a[0]}x${K} and ${K2}x${b[b.length - 1]})`,
      { op, shapes: { mat1: a, mat2: b }, expected: { in_features: K2 }, got: { in_features: K } },
    );
  }
}

/** Batched matrix product of two 3-d tensors with the same batch size. */
export const bmm = hooked("bmm", function bmm(input: Tensor, mat2: Tensor): Tensor {
  checkTensor(input, "bmm");
  checkTensor(mat2, "bmm", "mat2", 2);
  if (input.ndim !== 3) throw new ShapeError("batch1 must be a 3D tensor", { op: "bmm", shapes: { batch1: input.shape } });
  if (mat2.ndim !== 3) throw new ShapeError("batch2 must be a 3D tensor", { op: "bmm", shapes: { batch2: mat2.shape } });
  const [B, M, K] = input.shape as unknown as [number, number, number];
  if (mat2.shape[0] !== B || mat2.shape[1] !== K) {
    throw new ShapeError(`Expected size for first two dimensions of batch2 tensor to be: [${B}, ${K}] but got: [${mat2.shape[0]}, ${mat2.shape[1]}].`, {
      op: "bmm", shapes: { batch1: input.shape, batch2: mat2.shape },
    });
  }
  const dt = commonDType(input, mat2, "bmm");
  const N = mat2.shape[2]!;
  if (anyMeta(input, mat2)) return metaTensor([B, M, N], dt);
  const out = allocate([B, M, N], dt);
  gemmInto(out, B, M, N, K, input, input._strides, mat2, mat2._strides);
  if (is_grad_enabled() && (input.requires_grad || mat2.requires_grad)) {
    const needA = input.requires_grad;
    const needB = mat2.requires_grad;
    const node = record("BmmBackward0", out, [input, mat2], ([g]) => [
      needA ? bmm(g!, mat2.transpose(1, 2)) : null,
      needB ? bmm(input.transpose(1, 2), g!) : null,
    ]);
    if (needB) saveInput(node, input);
    if (needA) saveInput(node, mat2);
  }
  return out;
}, describeMatmul("bmm"));

/** `beta` and `alpha` of addmm/addmv/baddbmm. */
export interface AddmmOptions {
  beta?: Scalar;
  alpha?: Scalar;
}

/**
 * `beta * input + alpha * (mat1 @ mat2)`, `input` broadcast to the product's
 * shape. This is what `nn.Linear` computes for a batch: `addmm(bias, x, W.t())`.
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options: AddmmOptions = {}): Tensor {
  checkTensor(input, "addmm");
  checkTensor(mat1, "addmm", "mat1", 2);
  checkTensor(mat2, "addmm", "mat2", 3);
  if (mat1.ndim !== 2) throw new ShapeError(`mat1 must be a matrix, got ${mat1.ndim}-D tensor`, { op: "addmm", shapes: { mat1: mat1.shape } });
  if (mat2.ndim !== 2) throw new ShapeError(`mat2 must be a matrix, got ${mat2.ndim}-D tensor`, { op: "addmm", shapes: { mat2: mat2.shape } });
  checkMultipliable(mat1.shape, mat2.shape, "addmm");
  const beta = scalarNumber(options.beta ?? 1);
  const alpha = scalarNumber(options.alpha ?? 1);
  const dt = commonDType(mat1, mat2, "addmm");
  if (input.dtype !== dt) commonDType(input, mat1, "addmm");
  const [M, K] = mat1.shape as unknown as [number, number];
  const N = mat2.shape[1]!;
  const bias = expand(input.detach(), [M, N]);
  if (anyMeta(input, mat1, mat2)) return metaTensor([M, N], dt);
  const out = allocate([M, N], dt);
  const od = out.storage.data;
  if (dt.name === "float32" && M > 0 && N > 0) {
    // C starts as beta * bias, then sgemm accumulates alpha * A @ B into it.
    out.storage.data.set(bias.contiguous()._contiguousData());
    const av = matrixView(mat1.storage.data, mat1._offset, M, K, mat1._strides[0]!, mat1._strides[1]!);
    const bv = matrixView(mat2.storage.data, mat2._offset, K, N, mat2._strides[0]!, mat2._strides[1]!);
    if (av && bv && K > 0) {
      sgemmKernel()(av.trans, bv.trans, M, N, K, alpha, av.data as Float32Array, av.offset, av.ld, bv.data as Float32Array, bv.offset, bv.ld, beta, od as Float32Array, 0, N);
    } else {
      addProduct(od, bias, mat1, mat2, M, N, K, alpha, beta);
    }
  } else {
    addProduct(od, bias, mat1, mat2, M, N, K, alpha, beta);
  }
  if (is_grad_enabled() && (input.requires_grad || mat1.requires_grad || mat2.requires_grad)) {
    const needI = input.requires_grad;
    const needA = mat1.requires_grad;
    const needB = mat2.requires_grad;
    const inShape = [...input.shape];
    const inDType = input.dtype;
    const node = record("AddmmBackward0", out, [input, mat1, mat2], ([g]) => [
      needI ? gradFor(beta === 1 ? g! : mul(g!, beta), inShape, inDType) : null,
      needA ? scaled(mm(g!, transpose2d(mat2)), alpha) : null,
      needB ? scaled(mm(transpose2d(mat1), g!), alpha) : null,
    ]);
    if (needB) saveInput(node, mat1);
    if (needA) saveInput(node, mat2);
  }
  return out;
}

/** out = beta * bias + alpha * (a @ b) through the generic product (any dtype, any strides). */
function addProduct(od: TypedArray, bias: Tensor, a: Tensor, b: Tensor, M: number, N: number, K: number, alpha: number, beta: number): void {
  const prod = allocate([M, N], a.dtype);
  gemmInto(prod, 1, M, N, K, a, [0, a._strides[0]!, a._strides[1]!], b, [0, b._strides[0]!, b._strides[1]!]);
  const pd = prod.storage.data;
  const bd = bias.contiguous()._contiguousData();
  for (let i = 0; i < M * N; i++) od[i] = (beta === 0 ? 0 : beta * bd[i]!) + alpha * pd[i]!;
}

function scaled(t: Tensor, factor: number): Tensor {
  return factor === 1 ? t : mul(t, factor);
}

/** Matrix-vector product: `input` (n x m) times `vec` (m). */
export function mv(input: Tensor, vec: Tensor): Tensor {
  checkTensor(input, "mv");
  checkTensor(vec, "mv", "vec", 2);
  if (input.ndim !== 2 || vec.ndim !== 1) {
    throw new ShapeError(`vector + matrix @ vector expected, got 1, ${input.ndim}, ${vec.ndim}`, { op: "mv", shapes: { input: input.shape, vec: vec.shape } });
  }
  const [M, K] = input.shape as unknown as [number, number];
  if (vec.shape[0] !== K) {
    throw new ShapeError(`size mismatch, got ${M}, ${M}x${K},${vec.shape[0]}`, { op: "mv", shapes: { input: input.shape, vec: vec.shape } });
  }
  const dt = commonDType(input, vec, "mv");
  if (anyMeta(input, vec)) return metaTensor([M], dt);
  const out = allocate([M], dt);
  gemmInto(out, 1, M, 1, K, input, [0, input._strides[0]!, input._strides[1]!], vec, [0, vec._strides[0]!, 1]);
  if (is_grad_enabled() && (input.requires_grad || vec.requires_grad)) {
    const needA = input.requires_grad;
    const needB = vec.requires_grad;
    const node = record("MvBackward0", out, [input, vec], ([g]) => [
      needA ? outer(g!, vec) : null,
      needB ? mv(transpose2d(input), g!) : null,
    ]);
    if (needB) saveInput(node, input);
    if (needA) saveInput(node, vec);
  }
  return out;
}

/** Inner product of two 1-d tensors of the same length and dtype. */
export function dot(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "dot");
  checkTensor(other, "dot", "tensor", 2);
  if (input.ndim !== 1 || other.ndim !== 1) {
    throw new ShapeError(`1D tensors expected, but got ${input.ndim}D and ${other.ndim}D tensors`, { op: "dot", shapes: { input: input.shape, tensor: other.shape } });
  }
  if (input.dtype !== other.dtype) {
    throw new DTypeError(`dot : expected both vectors to have same dtype, but found ${scalarTypeName(input.dtype)} and ${scalarTypeName(other.dtype)}`, "dot", [input.dtype.name, other.dtype.name]);
  }
  const n = input.shape[0]!;
  if (other.shape[0] !== n) {
    throw new ShapeError(
      `inconsistent tensor size, expected tensor [${n}] and src [${other.shape[0]}] to have the same number of elements, but got ${n} and ${other.shape[0]} elements respectively`,
      { op: "dot", shapes: { input: input.shape, tensor: other.shape } },
    );
  }
  if (anyMeta(input, other)) return metaTensor([], input.dtype);
  const out = allocate([], input.dtype);
  const ad = input.storage.data;
  const bd = other.storage.data;
  let acc = 0;
  for (let i = 0, p = input._offset, q = other._offset; i < n; i++, p += input._strides[0]!, q += other._strides[0]!) acc += ad[p]! * bd[q]!;
  out.storage.data[0] = acc;
  if (is_grad_enabled() && (input.requires_grad || other.requires_grad)) {
    const needA = input.requires_grad;
    const needB = other.requires_grad;
    const node = record("DotBackward0", out, [input, other], ([g]) => [needA ? mul(g!, other) : null, needB ? mul(g!, input) : null]);
    if (needB) saveInput(node, input);
    if (needA) saveInput(node, other);
  }
  return out;
}

/** Alias of `dot` for real tensors. */
export const inner1d = dot;

/** Outer product of two 1-d tensors: `input[i] * vec2[j]` (recorded as PyTorch records it, a broadcast mul). */
export function outer(input: Tensor, vec2: Tensor): Tensor {
  checkTensor(input, "outer");
  checkTensor(vec2, "outer", "vec2", 2);
  if (input.ndim !== 1) throw new ShapeError(`outer: Expected 1-D argument self, but got ${input.ndim}-D`, { op: "outer", shapes: { self: input.shape } });
  if (vec2.ndim !== 1) throw new ShapeError(`outer: Expected 1-D argument vec2, but got ${vec2.ndim}-D`, { op: "outer", shapes: { vec2: vec2.shape } });
  return mul(reshape(input, [-1, 1]), vec2);
}

/** Alias of `outer`. */
export const ger = outer;

/** PyTorch 1.13's should_fold: whether `t` (3+-d) times a 1-d/2-d operand runs as one mm/mv on a folded matrix. */
function shouldFold(t: Tensor, otherDim: number): boolean {
  if (t.ndim >= 3 && (otherDim === 1 || otherDim === 2)) {
    const s = t._strides;
    // A [b, m, n] tensor whose last two dims are transposed is left to bmm.
    if (t.ndim === 3 && otherDim === 2 && s[2] !== 1 && s[0] === t.shape[1]! * t.shape[2]!) return false;
    return true;
  }
  return false;
}

/**
 * PyTorch's matmul: dot for 1-d @ 1-d, mv, mm, folding a batch into one mm
 * when the other operand is a matrix or vector, and bmm with broadcast batch
 * dimensions otherwise.
 *
 * @example
 * torch.matmul(torch.ones(3), torch.ones(3))             // tensor(3.)
 * torch.matmul(torch.ones(2, 1, 4, 3), torch.ones(5, 3, 2)).shape   // [2, 5, 4, 2]
 */
export const matmul = hooked("matmul", function matmul(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "matmul");
  checkTensor(other, "matmul", "other", 2);
  const d1 = input.ndim;
  const d2 = other.ndim;
  if (d1 === 0 || d2 === 0) {
    throw new ShapeError(`both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`, { op: "matmul", shapes: { input: input.shape, other: other.shape } });
  }
  if (input.dtype !== other.dtype) commonDType(input, other, "matmul");
  if (d1 === 1 && d2 === 1) return dot(input, other);
  if (d1 === 2 && d2 === 1) return mv(input, other);
  if (d1 === 1 && d2 === 2) return squeezeInPlaceLike(mm(unsqueeze(input, 0), other), 0);
  if (d1 === 2 && d2 === 2) return mm(input, other);
  if (shouldFold(input, d2) || shouldFold(other, d1)) {
    const flip = d2 > d1;
    const t1 = flip ? other.mT : input;
    const t2 = !flip ? other : d1 === 2 ? transpose2d(input) : input;
    const sizes1 = t1.shape;
    const outShape = sizes1.slice(0, -1);
    let folded = 1;
    for (const s of outShape) folded *= s;
    const t1Folded = reshape(t1, [folded, sizes1[sizes1.length - 1]!]);
    if (t2.ndim === 2) {
      outShape.push(t2.shape[1]!);
      const output = unsafeView(mm(t1Folded, t2), outShape);
      return flip ? output.mT.contiguous() : output;
    }
    return unsafeView(mv(t1Folded, t2), outShape);
  }
  // Batched: broadcast the batch dimensions and run one bmm.
  const n = d1 > 1 ? input.shape[d1 - 2]! : 1;
  const m1 = input.shape[d1 - 1]!;
  const batch1 = input.shape.slice(0, Math.max(d1 - 2, 0));
  const m2 = d2 > 1 ? other.shape[d2 - 2]! : other.shape[0]!;
  const p = d2 > 1 ? other.shape[d2 - 1]! : 1;
  const batch2 = other.shape.slice(0, Math.max(d2 - 2, 0));
  const outBatch = broadcastPair(batch1, batch2, "matmul");
  let product = 1;
  for (const s of outBatch) product *= s;
  const e1 = reshape(expand(input, [...outBatch, n, m1]), [product, n, m1]);
  const e2 = reshape(expand(other, [...outBatch, m2, p]), [product, m2, p]);
  const outShape = [...outBatch];
  if (d1 > 1) outShape.push(n);
  if (d2 > 1) outShape.push(p);
  return unsafeView(bmm(e1, e2), outShape);
}, describeMatmul("matmul"));

/** `mm(...).squeeze_(0)` as matmul does for 1-d @ 2-d: the result is recorded as `SqueezeBackward3`. */
function squeezeInPlaceLike(x: Tensor, dim: number): Tensor {
  const out = new Tensor(x.storage, x.shape.filter((_, i) => i !== dim), x._strides.filter((_, i) => i !== dim), x._offset, x.dtype);
  record("SqueezeBackward3", out, [x], ([g]) => [unsqueeze(g!, dim)]);
  return out;
}

/**
 * `beta * input + alpha * (batch1 @ batch2)` for batches of matrices.
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options: AddmmOptions = {}): Tensor {
  checkTensor(input, "baddbmm");
  return addProductOp("BaddbmmBackward0", input, batch1, batch2, options, bmm, (g, a, b) => [bmm(g, b.transpose(1, 2)), bmm(a.transpose(1, 2), g)]);
}

/** `beta * input + alpha * (mat @ vec)`. */
export function addmv(input: Tensor, mat: Tensor, vec: Tensor, options: AddmmOptions = {}): Tensor {
  checkTensor(input, "addmv");
  return addProductOp("AddmvBackward0", input, mat, vec, options, mv, (g, a, b) => [outer(g, b), mv(transpose2d(a), g)]);
}

/**
 * `beta * input + alpha * product(a, b)` recorded as one node `name`, whose
 * gradients for a and b are `productGrads(g, a, b)` scaled by alpha.
 */
function addProductOp(
  name: string, input: Tensor, a: Tensor, b: Tensor, options: AddmmOptions,
  product: (a: Tensor, b: Tensor) => Tensor, productGrads: (g: Tensor, a: Tensor, b: Tensor) => [Tensor, Tensor],
): Tensor {
  const beta = scalarNumber(options.beta ?? 1);
  const alpha = scalarNumber(options.alpha ?? 1);
  const prod = product(a.detach(), b.detach());
  // beta = 0 ignores `input` entirely (NaN and inf included), as PyTorch does.
  const out = beta === 0
    ? elementwise("affine", [prod], prod.dtype, prod.dtype, [alpha, 0])
    : elementwise("axpby", [prod, input.detach()], prod.dtype, prod.dtype, [alpha, beta], null, name);
  if (is_grad_enabled() && (input.requires_grad || a.requires_grad || b.requires_grad)) {
    const needs = [input.requires_grad, a.requires_grad, b.requires_grad];
    const inShape = [...input.shape];
    const inDType = input.dtype;
    const node = record(name, out, [input, a, b], ([g]) => {
      const [ga, gb] = needs[1] || needs[2] ? productGrads(g!, a, b) : [null, null];
      return [
        needs[0] ? gradFor(beta === 1 ? g! : mul(g!, beta), inShape, inDType) : null,
        needs[1] ? scaled(ga!, alpha) : null,
        needs[2] ? scaled(gb!, alpha) : null,
      ];
    });
    if (needs[2]) saveInput(node, a);
    if (needs[1]) saveInput(node, b);
  }
  return out;
}

/** Matrix power (integer exponent; negative ones invert first) of a square matrix or batch of them. */

export function matrix_power(input: Tensor, n: number): Tensor {
  checkTensor(input, "matrix_power");
  if (!Number.isInteger(n)) throw new ArgumentError("matrix_power: only integer exponents are supported", "n", "RuntimeError");
  // A negative power is a power of the inverse (PyTorch's linalg.matrix_power).
  if (n < 0) return matrix_power(inv(input), -n);
  const size = input.shape[input.ndim - 1]!;
  if (input.ndim < 2 || input.shape[input.ndim - 2] !== size) {
    throw new ShapeError(`linalg.matrix_power: A must be batches of square matrices, but they are ${input.shape[input.ndim - 2]} by ${size} matrices`, { op: "matrix_power", shapes: { input: input.shape } });
  }
  if (n === 0) {
    const eye = allocate([size, size], input.dtype);
    for (let i = 0; i < size; i++) eye.storage.data[i * size + i] = 1;
    return expand(eye, input.shape).clone();
  }
  let result = input;
  for (let i = 1; i < n; i++) result = matmul(result, input);
  return result;
}
