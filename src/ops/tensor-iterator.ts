/**
 * Running an element-wise op over tensors, the way PyTorch's TensorIterator
 * does: broadcast the operands, decide the output's memory layout, then walk
 * every operand in that order with one kernel.
 *
 * - Scalars and zero-dimensional tensors are read once, converted to the
 *   compute dtype as PyTorch converts them, and broadcast with stride 0.
 * - The output follows the layout of the inputs: `x.t().mul(2)` is laid out
 *   like `x.t()` (so it is not contiguous, as in PyTorch), which is also the
 *   order that reads the inputs sequentially. Contiguous inputs of one shape
 *   give a contiguous output through a fast path.
 * - With `out` (in-place ops), the result is written through `out`'s strides,
 *   after checking that the broadcast shape is `out`'s shape.
 *
 * @example
 * // out = a + 2 * b, in float32
 * elementwise("add_alpha", [a, b], float32, float32, [2]);
 */
import { ShapeError, TsorchError, fmtShape } from "../errors.js";
import { checkShape } from "../tensor/creation.js";
import { type DType, type TypedArray, castScalar } from "../tensor/dtype.js";
import { contiguousStrides, shapeNumel } from "../tensor/strided.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { anyMetaIn, isMeta, metaDataError, metaTensor } from "../tensor/meta.js";
import { BINARY_OPS, type ComputeType, type ElementwiseOp, TERNARY_OPS, UNARY_OPS } from "../backend/cpu/elementwise.js";
import { broadcastShapes, broadcastStrides } from "./broadcast.js";
import { opKernel } from "./kernels.js";
import { type TensorLike, scalarNumber } from "./operand.js";

const NO_PARAMS: readonly number[] = [];

/** The op table entry for `op` with `arity` operands. */
function lookup(op: string, arity: number): ElementwiseOp {
  const table = arity === 1 ? UNARY_OPS : arity === 2 ? BINARY_OPS : TERNARY_OPS;
  const spec = table[op];
  if (!spec) throw new TsorchError(`no element-wise kernel '${op}' with ${arity} operand(s)`);
  return spec;
}

/**
 * PyTorch's TensorIterator::reorder_dimensions: the order in which to walk
 * the dimensions, fastest first, chosen from the operands' strides (the first
 * operand that orders two dimensions decides; broadcast dimensions abstain).
 */
export function iterationPermutation(shape: readonly number[], strides: readonly (readonly number[])[]): number[] {
  const nd = shape.length;
  const perm = new Array<number>(nd);
  for (let i = 0; i < nd; i++) perm[i] = nd - 1 - i;
  if (nd <= 1) return perm;
  const shouldSwap = (d0: number, d1: number): number => {
    for (const st of strides) {
      const s0 = st[d0]!;
      const s1 = st[d1]!;
      if (s0 === 0 || s1 === 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0]! > shape[d1]!) return 1;
    }
    return 0;
  };
  for (let i = 1; i < nd; i++) {
    let dim1 = i;
    for (let dim0 = i - 1; dim0 >= 0; dim0--) {
      const c = shouldSwap(perm[dim0]!, perm[dim1]!);
      if (c > 0) {
        const t = perm[dim0]!;
        perm[dim0] = perm[dim1]!;
        perm[dim1] = t;
        dim1 = dim0;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm;
}

/** Strides of a new tensor of `shape` laid out in the order `perm` (fastest first). */
export function stridesForPermutation(shape: readonly number[], perm: readonly number[]): number[] {
  const nd = shape.length;
  let inverted = true;
  for (let j = 0; j < nd; j++) if (perm[j] !== nd - 1 - j) inverted = false;
  if (inverted) return contiguousStrides(shape);
  const strides = new Array<number>(nd);
  let next = 1;
  for (let j = 0; j < nd; j++) {
    strides[perm[j]!] = next;
    next *= shape[perm[j]!]!;
  }
  return strides;
}

/** A new tensor of `shape` and `dtype` with the given strides (a dense layout). */
export function allocateStrided(shape: readonly number[], strides: readonly number[], dtype: DType): Tensor {
  checkShape(shape, dtype);
  return new Tensor(new Storage(new dtype.ArrayType(shapeNumel(shape))), shape, strides, 0, dtype);
}

function typeOf(d: DType): ComputeType {
  return d.name;
}

/**
 * Computes `op` over `inputs` in `compute` dtype into a new tensor of
 * `outDType` (or into `out`). `params` are the op's scalar parameters.
 * `name` is the op's name in broadcast errors.
 */
export function elementwise(
  op: string,
  inputs: readonly TensorLike[],
  compute: DType,
  outDType: DType,
  params: readonly number[] = NO_PARAMS,
  out: Tensor | null = null,
  name = op,
  layout: "inputs" | "contiguous" = "inputs",
): Tensor {
  const arity = inputs.length;
  const spec = lookup(op, arity);
  // Meta operands (tensor/meta.ts): the broadcast checks of a real run, then a shape-only result.
  if (anyMetaIn(inputs) || (out !== null && isMeta(out))) return metaElementwise(inputs, outDType, out, name);
  const p0 = params[0] ?? 0;
  const p1 = params[1] ?? 0;
  const p2 = params[2] ?? 0;
  const ct = typeOf(compute);

  // Fast path: contiguous tensors of one shape (scalars allowed) and a new output.
  if (out === null) {
    let shape: readonly number[] | null = null;
    let fast = true;
    for (let k = 0; k < arity; k++) {
      const x = inputs[k]!;
      if (!(x instanceof Tensor) || x.ndim === 0) continue;
      if (shape === null) shape = x.shape;
      else if (!sameShape(shape, x.shape)) fast = false;
      if (!x.is_contiguous()) fast = false;
      if (!fast) break;
    }
    if (fast) {
      const outShape = shape ?? [];
      // Strides arrays are never mutated: share the input's when it has the output's layout.
      const first = firstDimensioned(inputs);
      const outStrides = first && first.shape === outShape ? first._strides : contiguousStrides(outShape);
      const result = allocateStrided(outShape, outStrides, outDType);
      const n = result.storage.data.length;
      if (n === 0) return result;
      const out = result.storage.data;
      const arrays: TypedArray[] = [out];
      const types: ComputeType[] = [];
      const offs = [0, 0, 0];
      const strides = [0, 0, 0];
      for (let k = 0; k < arity; k++) {
        const x = inputs[k]!;
        if (x instanceof Tensor && x.ndim > 0) {
          arrays.push(x.storage.data);
          types.push(typeOf(x.dtype));
          offs[k] = x._offset;
          strides[k] = 1;
        } else {
          arrays.push(scalarArray(x, compute));
          types.push(ct);
        }
      }
      const row = opKernel("elementwise_compile")(op, spec, ct, typeOf(outDType), arrays, types);
      // Direct calls by arity: a spread call would keep V8 from optimising the call site.
      if (arity === 1) row(n, out, 0, 1, arrays[1], offs[0], strides[0], p0, p1, p2);
      else if (arity === 2) row(n, out, 0, 1, arrays[1], offs[0], strides[0], arrays[2], offs[1], strides[1], p0, p1, p2);
      else row(n, out, 0, 1, arrays[1], offs[0], strides[0], arrays[2], offs[1], strides[1], arrays[3], offs[2], strides[2], p0, p1, p2);
      return result;
    }
  }

  const shapes = inputs.map((x) => (x instanceof Tensor ? x.shape : []));
  const shape = broadcastShapes(out ? [out.shape, ...shapes] : shapes, name);
  if (out && !sameShape(shape, out.shape)) {
    throw new ShapeError(`output with shape ${fmtShape(out.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`, {
      op: name, shapes: { output: out.shape, broadcast: shape },
    });
  }
  if (out) for (const x of inputs) if (x instanceof Tensor) checkNoPartialOverlap(out, x);
  const nd = shape.length;
  const arrays: TypedArray[] = [];
  const types: ComputeType[] = [];
  const strides: number[][] = [];
  const offsets: number[] = [];
  for (let k = 0; k < arity; k++) {
    const x = inputs[k]!;
    if (x instanceof Tensor && x.ndim > 0) {
      arrays.push(x.storage.data);
      types.push(typeOf(x.dtype));
      strides.push(broadcastStrides(x, shape));
      offsets.push(x._offset);
    } else {
      arrays.push(scalarArray(x, compute));
      types.push(ct);
      strides.push(new Array<number>(nd).fill(0));
      offsets.push(0);
    }
  }
  const perm = iterationPermutation(shape, out ? [out._strides, ...strides] : strides);
  const result = out ?? allocateStrided(shape, layout === "contiguous" ? contiguousStrides(shape) : stridesForPermutation(shape, perm), outDType);
  // Walk slowest dimension first: the reverse of the permutation.
  const order = perm.slice().reverse();
  const iterShape = order.map((d) => shape[d]!);
  const allStrides = [result._strides, ...strides].map((st) => order.map((d) => st[d]!));
  const row = opKernel("elementwise_compile")(op, spec, ct, typeOf(result.dtype), [result.storage.data, ...arrays], types);
  opKernel("elementwise_run")(row, iterShape, [result.storage.data, ...arrays], allStrides, [result._offset, ...offsets], p0, p1, p2);
  return result;
}

/** The shape-only result of an element-wise op with a meta operand; the same broadcast errors as a real run. */
function metaElementwise(inputs: readonly TensorLike[], outDType: DType, out: Tensor | null, name: string): Tensor {
  const shapes = inputs.map((x) => (x instanceof Tensor ? x.shape : []));
  const shape = broadcastShapes(out ? [out.shape, ...shapes] : shapes, name);
  if (out && !sameShape(shape, out.shape)) {
    throw new ShapeError(`output with shape ${fmtShape(out.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`, {
      op: name, shapes: { output: out.shape, broadcast: shape },
    });
  }
  if (out === null) return metaTensor(shape, outDType);
  // Writing meta values into a real tensor would leave it unchanged while claiming it was computed.
  if (!isMeta(out)) throw metaDataError();
  return out;
}

/** A one-element array of the compute dtype holding a scalar or a 0-d tensor's value, converted as PyTorch converts it. */
function scalarArray(x: TensorLike, compute: DType): TypedArray {
  const v = x instanceof Tensor ? x.storage.data[x._offset]! : scalarNumber(x);
  const a = new compute.ArrayType(1);
  a[0] = castScalar(v, compute);
  return a;
}

/** The first and last storage index a tensor can touch. */
function memoryRange(t: Tensor): [number, number] {
  let hi = t._offset;
  for (let i = 0; i < t.ndim; i++) hi += (t.shape[i]! - 1) * t._strides[i]!;
  return [t._offset, hi];
}

/**
 * PyTorch's assert_no_partial_overlap: an input may be the output itself
 * (`x.add_(x)`), but not another view of memory the output writes
 * (`x.add_(x.t())`), which would read values already overwritten.
 */
export function checkNoPartialOverlap(out: Tensor, input: Tensor): void {
  if (input.storage !== out.storage || input.numel() === 0 || out.numel() === 0) return;
  const same = input._offset === out._offset && sameShape(input.shape, out.shape) && sameShape(input._strides, out._strides);
  if (same) return;
  const [a0, a1] = memoryRange(out);
  const [b0, b1] = memoryRange(input);
  if (a0 <= b1 && b0 <= a1) {
    throw new TsorchError("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.");
  }
}

/** The first operand that is a tensor with dimensions. */
function firstDimensioned(inputs: readonly TensorLike[]): Tensor | null {
  for (const x of inputs) if (x instanceof Tensor && x.ndim > 0) return x;
  return null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
