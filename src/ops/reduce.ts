/**
 * Reductions: sum, mean, prod, max/min (whole tensor, or values and indices
 * along a dimension), amax/amin, argmax/argmin, var/std (with `unbiased` or
 * `correction`), var_mean/std_mean, norm, logsumexp, all/any.
 *
 * `dim` is a number or a list of numbers (negative counts from the end) and
 * `keepdim` keeps reduced dimensions as size 1; both can be given
 * positionally (`x.sum(1, true)`) or as options (`x.sum({ dim: 1, keepdim: true })`).
 * Integer and bool sums and products are int64, as in PyTorch. Each op
 * records PyTorch's node (`SumBackward0` without dim, `SumBackward1` with).
 *
 * @example
 * const x = torch.tensor([[1, 5], [4, 2]], { dtype: torch.float32 });
 * x.sum()                       // tensor(12.)
 * x.mean(0)                     // tensor([2.5000, 3.5000])
 * const [values, indices] = x.max(1);   // values tensor([5., 4.]), indices tensor([1, 0])
 * x.max(1).indices              // the same indices
 */
import { inspect } from "node:util";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, DTypeError, IndexError, ShapeError, TsorchError } from "../errors.js";
import { allocate, zeros } from "../tensor/creation.js";
import { type DType, type DTypeLike, bool as boolDType, float32, int64, toDType, uint8 } from "../tensor/dtype.js";
import { contiguousStrides } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { normDim } from "../tensor/view.js";
import { type ReduceOp, groupBases, reducedRows } from "../backend/cpu/reduce.js";
import { opKernel } from "./kernels.js";
import { isMeta, metaTensor } from "../tensor/meta.js";
import { checkTensor, invalidCombination } from "./operand.js";
import { nuclearNorm } from "./decompositions.js";
import { scalarTypeName } from "./result-type.js";
import { saveInput, saveOutput } from "./grad-utils.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeReduce } from "../shape/families/index.js";
import { type ArgsOf, Bool, Dims, DTypeT, Float, Int, arg, optional, required, signature, union, oneOf } from "./signature.js";

/** A reduction's `dim`: one dimension, several, or all (null/undefined). */
export type DimArg = number | readonly number[] | null | undefined;

/** Options shared by the reductions (PyTorch's keyword arguments). */
export interface ReduceOptions {
  dim?: DimArg;
  keepdim?: boolean;
  dtype?: DTypeLike;
}

/** Splits `(dim?, keepdim?, options?)` in any of the accepted forms. */
export function reduceArgs(dimOrOpts?: DimArg | ReduceOptions, keepdimOrOpts?: boolean | ReduceOptions, maybeOpts?: ReduceOptions): { dim: DimArg; keepdim: boolean; dtype?: DTypeLike } {
  let opts: ReduceOptions = {};
  let dim: DimArg;
  let keepdim: boolean | undefined;
  if (dimOrOpts !== null && typeof dimOrOpts === "object" && !Array.isArray(dimOrOpts)) opts = dimOrOpts as ReduceOptions;
  else dim = dimOrOpts as DimArg;
  if (typeof keepdimOrOpts === "object" && keepdimOrOpts !== null) opts = { ...opts, ...keepdimOrOpts };
  else if (typeof keepdimOrOpts === "boolean") keepdim = keepdimOrOpts;
  if (maybeOpts) opts = { ...opts, ...maybeOpts };
  return { dim: dim ?? opts.dim, keepdim: keepdim ?? opts.keepdim ?? false, dtype: opts.dtype };
}

/** The reduced dimensions, sorted, with PyTorch's errors; null/undefined and `[]` mean all. */
export function normDims(dim: DimArg, ndim: number): number[] {
  if (dim === null || dim === undefined) return [...Array(ndim).keys()];
  const list = typeof dim === "number" ? [dim] : [...dim];
  if (list.length === 0) return [...Array(ndim).keys()];
  // ATen's reduction dim mask is a 64-bit set.
  if (ndim > 64) throw new ShapeError("only tensors with up to 64 dims are supported", { op: "reduce", shapes: {}, expected: { ndim: "<= 64" }, got: { ndim } });
  const seen = new Set<number>();
  for (const d of list) {
    const n = normDim(d, ndim);
    if (seen.has(n)) throw new ArgumentError(`dim ${n} appears multiple times in the list of dims`, "dim", "RuntimeError");
    seen.add(n);
  }
  // A 0-d tensor accepts dim 0 / -1, which reduce nothing.
  return [...seen].filter((d) => d < ndim).sort((a, b) => a - b);
}

/** Shape of a reduction's result. */
function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepdim) out.push(1);
    } else {
      out.push(shape[i]!);
    }
  }
  return out;
}

/** The geometry of a reduction over `dims`: output bases and the reduced rows. */
function geometry(x: Tensor, dims: readonly number[]) {
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (dims.includes(i)) {
      redShape.push(x.shape[i]!);
      redStrides.push(x._strides[i]!);
    } else {
      keptShape.push(x.shape[i]!);
      keptStrides.push(x._strides[i]!);
    }
  }
  const bases = groupBases(keptShape, keptStrides, x._offset);
  const [rows, n, stride] = reducedRows(redShape, redStrides);
  let count = 1;
  for (const s of redShape) count *= s;
  return { bases, rows, n, stride, count };
}

/** Runs the reduction kernel `op` over `dims` into a new tensor of `outDType`. */
export function reduceRaw(x: Tensor, dims: readonly number[], keepdim: boolean, op: ReduceOp, outDType: DType, p = 0): Tensor {
  // A meta input (tensor/meta.ts): the reduced shape, nothing computed.
  if (isMeta(x)) return metaTensor(reducedShape(x.shape, dims, keepdim), outDType);
  const out = allocate(reducedShape(x.shape, dims, keepdim), outDType);
  if (out.numel() === 0) return out;
  const g = geometry(x, dims);
  opKernel("reduce")(op, x.storage.data, g.bases, g.rows, g.count === 0 ? 0 : g.n, g.stride, out.storage.data, p);
  return out;
}

/** `g` (the gradient of a reduction's result) viewed with the reduced dims restored as size 1, then expanded to `shape`. */
export function expandReducedGrad(g: Tensor, shape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  let r = g;
  if (!keepdim) for (const d of dims) r = r.unsqueeze(d);
  return r.expand(shape);
}

/** The value restored to the input's rank (for masks against the input). */
function restoreDims(t: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  let r = t;
  if (!keepdim) for (const d of dims) r = r.unsqueeze(d);
  return r;
}

// ---------------------------------------------------------------- sum / mean / prod

/** The dtype a sum or product of `x` produces by default: int64 for integers and bool. */
function accumulateDType(x: Tensor, dtype: DTypeLike | undefined): DType {
  if (dtype !== undefined) return toDType(dtype);
  return x.dtype.kind === "float" ? x.dtype : int64;
}

/**
 * Sum of all elements, or over `dim` (a number or a list).
 *
 * @example
 * torch.ones(2, 3).sum(1)              // tensor([3., 3.])
 * torch.ones(2, 3).sum([0, 1], true)   // tensor([[6.]])
 */
export const sum = hooked("sum", function sum(input: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  checkTensor(input, "sum");
  const a = reduceArgs(dim, keepdim, options);
  const dims = normDims(a.dim, input.ndim);
  const outDType = accumulateDType(input, a.dtype);
  // Summing floats into an integer dtype converts each element first; other conversions happen in the accumulator.
  const x = outDType.kind !== "float" && input.dtype.kind === "float" ? input.detach().to(outDType) : input;
  const out = reduceRaw(x, dims, a.keepdim, "sum", outDType);
  if (is_grad_enabled() && x.requires_grad && outDType.kind === "float") {
    const shape = [...x.shape];
    const inDType = x.dtype;
    const whole = a.dim === undefined || a.dim === null;
    record(whole ? "SumBackward0" : "SumBackward1", out, [x], ([g]) => {
      const gx = whole && !a.keepdim ? g!.expand(shape) : expandReducedGrad(g!, shape, dims, a.keepdim);
      return [gx.dtype === inDType ? gx : gx.to(inDType)];
    });
  }
  return out;
}, describeReduce("sum"));

/** Sum treating NaN as zero. */
export function nansum(input: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  checkTensor(input, "nansum");
  const a = reduceArgs(dim, keepdim);
  const dims = normDims(a.dim, input.ndim);
  const out = reduceRaw(input, dims, a.keepdim, input.dtype.kind === "float" ? "nansum" : "sum", accumulateDType(input, a.dtype));
  if (is_grad_enabled() && input.requires_grad) {
    const shape = [...input.shape];
    const node = record("NansumBackward0", out, [input], ([g]) => [
      expandReducedGrad(g!, shape, dims, a.keepdim).mul(input.isnan().logical_not()),
    ]);
    saveInput(node, input);
  }
  return out;
}

/**
 * Mean of all elements, or over `dim`. Floating inputs only (or pass `dtype`).
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]]).float().mean(0)   // tensor([2., 3.])
 */
export const mean = hooked("mean", function mean(input: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  checkTensor(input, "mean");
  const a = reduceArgs(dim, keepdim, options);
  const outDType = a.dtype !== undefined ? toDType(a.dtype) : input.dtype;
  if (outDType.kind !== "float") {
    throw new DTypeError(
      `mean(): could not infer output dtype. ${a.dtype !== undefined ? "Optional" : "Input"} dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(outDType)}`,
      "mean", [outDType.name],
    );
  }
  const x = input;
  const dims = normDims(a.dim, x.ndim);
  const out = reduceRaw(x, dims, a.keepdim, "mean", outDType);
  if (is_grad_enabled() && x.requires_grad) {
    const shape = [...x.shape];
    const inDType = x.dtype;
    let count = 1;
    for (const d of dims) count *= x.shape[d]!;
    const whole = a.dim === undefined || a.dim === null;
    record(whole ? "MeanBackward0" : "MeanBackward1", out, [x], ([g]) => {
      const gx = (whole && !a.keepdim ? g!.expand(shape) : expandReducedGrad(g!, shape, dims, a.keepdim)).div(count);
      return [gx.dtype === inDType ? gx : gx.to(inDType)];
    });
  }
  return out;
}, describeReduce("mean"));

/** Mean ignoring NaN. */
export function nanmean(input: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  const notNan = input.isnan().logical_not();
  return nansum(input, dim, keepdim).div(sum(notNan, dim, keepdim));
}

/** Product of all elements, or along one `dim`. */
export function prod(input: Tensor, dim?: number | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  checkTensor(input, "prod");
  const a = reduceArgs(dim as DimArg | ReduceOptions, keepdim, options);
  if (Array.isArray(a.dim)) throw new ArgumentError("prod(): argument 'dim' must be int, not list", "dim", "TypeError");
  const outDType = accumulateDType(input, a.dtype);
  const x = input.dtype !== outDType ? input.to(outDType) : input;
  const dims = normDims(a.dim, x.ndim);
  const out = reduceRaw(x, dims, a.keepdim, "prod", outDType);
  if (is_grad_enabled() && x.requires_grad) {
    const whole = a.dim === undefined || a.dim === null;
    const node = record(whole ? "ProdBackward0" : "ProdBackward1", out, [x], ([g]) => [prodBackward(g!, x, dims, a.keepdim)]);
    saveInput(node, x);
    saveOutput(node, out);
  }
  return out;
}

/**
 * d prod / d x_i = product of the other elements of x_i's group, computed
 * from prefix and suffix products so that zeros are handled exactly.
 */
function prodBackward(g: Tensor, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const xc = x.contiguous().detach();
  const geo = geometry(xc, dims);
  const others = allocate([...x.shape], x.dtype);
  const od = others.storage.data;
  const xd = xc.storage.data;
  const count = geo.count;
  const idx = new Float64Array(count);
  const prefix = new Float64Array(count + 1);
  for (let k = 0; k < geo.bases.length; k++) {
    let m = 0;
    for (let r = 0; r < geo.rows.length; r++) {
      for (let i = 0, q = geo.bases[k]! + geo.rows[r]!; i < geo.n; i++, q += geo.stride) idx[m++] = q;
    }
    prefix[0] = 1;
    for (let i = 0; i < count; i++) prefix[i + 1] = prefix[i]! * xd[idx[i]!]!;
    let suffix = 1;
    for (let i = count - 1; i >= 0; i--) {
      od[idx[i]!] = prefix[i]! * suffix;
      suffix *= xd[idx[i]!]!;
    }
  }
  return expandReducedGrad(g, x.shape, dims, keepdim).mul(others);
}

// ---------------------------------------------------------------- max / min

/** `(values, indices)` of `max(dim)`, `min(dim)`, `sort`, `topk`, ...: destructure it or use the fields. */
export class ValuesIndices {
  constructor(readonly values: Tensor, readonly indices: Tensor, readonly kind = "max") {}

  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }

  /** Tuple-style access: `r[0]` is values, `r[1]` indices. */
  get 0(): Tensor {
    return this.values;
  }

  get 1(): Tensor {
    return this.indices;
  }

  get length(): number {
    return 2;
  }

  toString(): string {
    return `torch.return_types.${this.kind}(\nvalues=${this.values.toString()},\nindices=${this.indices.toString()})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

/** Whole-tensor max/min (MaxBackward1): the gradient is shared evenly by the elements equal to the result. */
function extremeAll(input: Tensor, op: "max" | "min"): Tensor {
  if (input.numel() === 0) {
    throw new TsorchError(`${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  }
  const out = reduceRaw(input, normDims(null, input.ndim), false, op, input.dtype);
  if (is_grad_enabled() && input.requires_grad) {
    const node = record(op === "max" ? "MaxBackward1" : "MinBackward1", out, [input], ([g]) => [evenlyDistribute(g!, input, out)]);
    saveInput(node, input);
    saveOutput(node, out);
  }
  return out;
}

/** PyTorch's evenly_distribute_backward: the gradient split among the elements equal to `value` (or NaN). */
function evenlyDistribute(g: Tensor, input: Tensor, value: Tensor): Tensor {
  const v = value.item();
  const mask = Number.isNaN(v) ? input.isnan() : input.eq(value);
  return mask.mul(g.div(mask.sum()));
}

/** Checks that a dimension to reduce is not empty (max, min, argmax, amax need an element). */
function checkNonEmpty(fn: string, x: Tensor, dims: readonly number[], explicit: boolean): void {
  if (!explicit && x.numel() === 0) throw new IndexError(`${fn}(): Expected reduction dim to be specified for input.numel() == 0.`, 0, [0, 0]);
  for (const d of dims) {
    if (x.shape[d] === 0) throw new IndexError(`${fn}(): Expected reduction dim ${d} to have non-zero size.`, d, [0, 0]);
  }
}

/** max/min along `dim`: values and int64 indices (MaxBackward0 scatters the gradient to the winners). */
function extremeDim(input: Tensor, dim: number, keepdim: boolean, op: "max" | "min", fn: string = op): ValuesIndices {
  const d = normDim(dim, input.ndim);
  const dims = input.ndim === 0 ? [] : [d];
  checkNonEmpty(fn, input, dims, true);
  const outShape = reducedShape(input.shape, dims, keepdim);
  const meta = isMeta(input);
  const values = meta ? metaTensor(outShape, input.dtype) : allocate(outShape, input.dtype);
  const indices = meta ? metaTensor(outShape, int64) : allocate(outShape, int64);
  if (!meta && values.numel() > 0) {
    if (input.ndim === 0) {
      values.storage.data[0] = input.storage.data[input._offset]!;
    } else {
      const kept = input.shape.map((_, i) => i).filter((i) => i !== d);
      const bases = groupBases(kept.map((i) => input.shape[i]!), kept.map((i) => input._strides[i]!), input._offset);
      opKernel("arg_reduce")(op, input.storage.data, bases, input.shape[d]!, input._strides[d]!, values.storage.data, indices.storage.data);
    }
  }
  if (is_grad_enabled() && input.requires_grad) {
    const shape = [...input.shape];
    const node = record(op === "max" ? "MaxBackward0" : "MinBackward0", values, [input], ([g]) => [
      valueSelectingBackward(g!, dims, indices, shape, keepdim),
    ]);
    saveOutput(node, indices);
  }
  return new ValuesIndices(values, indices, op);
}

/** The gradient of a reduction that picked one element per group: scattered back at `indices`. */
export function valueSelectingBackward(g: Tensor, dims: readonly number[], indices: Tensor, shape: readonly number[], keepdim: boolean): Tensor {
  if (dims.length === 0) return g.reshape(shape);
  const d = dims[0]!;
  const gg = keepdim ? g : g.unsqueeze(d);
  const idx = keepdim ? indices : indices.unsqueeze(d);
  return zeros(shape, { dtype: g.dtype }).scatter(d, idx, gg);
}

/** Options of max/min along a dimension. */
export interface DimKeep {
  dim?: number;
  keepdim?: boolean;
}

/**
 * `max()` of all elements; `max(dim, keepdim?)` values and indices along a
 * dimension; `max(other)` the element-wise maximum.
 *
 * @example
 * x.max()                       // 0-d tensor
 * const { values, indices } = x.max(1);
 */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, dim: number | DimKeep, keepdim?: boolean): ValuesIndices;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dimOrOther?: number | Tensor | DimKeep, keepdim = false): Tensor | ValuesIndices {
  // eslint-disable-next-line prefer-rest-params -- the call as given, for PyTorch's overload error
  if (!(input instanceof Tensor)) throw invalidCombination("max", Array.from(arguments), {}, extremeOverloads);
  if (dimOrOther instanceof Tensor) return input.maximum(dimOrOther);
  if (dimOrOther === undefined) return extremeAll(input, "max");
  if (typeof dimOrOther === "object") return extremeDim(input, dimOrOther.dim ?? 0, dimOrOther.keepdim ?? keepdim, "max");
  return extremeDim(input, dimOrOther, keepdim, "max");
}

/** `min()`, `min(dim, keepdim?)` or `min(other)`: see `max`. */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, dim: number | DimKeep, keepdim?: boolean): ValuesIndices;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dimOrOther?: number | Tensor | DimKeep, keepdim = false): Tensor | ValuesIndices {
  // eslint-disable-next-line prefer-rest-params -- the call as given, for PyTorch's overload error
  if (!(input instanceof Tensor)) throw invalidCombination("min", Array.from(arguments), {}, extremeOverloads);
  if (dimOrOther instanceof Tensor) return input.minimum(dimOrOther);
  if (dimOrOther === undefined) return extremeAll(input, "min");
  if (typeof dimOrOther === "object") return extremeDim(input, dimOrOther.dim ?? 0, dimOrOther.keepdim ?? keepdim, "min");
  return extremeDim(input, dimOrOther, keepdim, "min");
}

/** The overloads of max/min, as PyTorch lists them when none takes a call. */
const extremeOverloads = ["(Tensor input)", "(Tensor input, Tensor other)", "(Tensor input, int dim, bool keepdim = False)"];

export const AMAX = signature("amax", [arg("dim", Dims, []), arg("keepdim", Bool, false)]);
export const AMIN = signature("amin", AMAX.params);

/** Largest value over `dim` (one or several dims, default all); ties share the gradient. */
export function amax(input: Tensor, ...args: ArgsOf<typeof AMAX>): Tensor {
  const { dim, keepdim } = AMAX.parse(args);
  return amaxmin(input, dim, keepdim, "max");
}

/** Smallest value over `dim` (one or several dims, default all). */
export function amin(input: Tensor, ...args: ArgsOf<typeof AMIN>): Tensor {
  const { dim, keepdim } = AMIN.parse(args);
  return amaxmin(input, dim, keepdim, "min");
}

function amaxmin(input: Tensor, dim: DimArg, keepdim: boolean, op: "max" | "min"): Tensor {
  checkTensor(input, `a${op}`);
  const dims = normDims(dim, input.ndim);
  const all = dim === null || dim === undefined || (Array.isArray(dim) && dim.length === 0);
  if (all && input.numel() === 0) {
    throw new TsorchError(`a${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  }
  checkNonEmpty(`a${op}`, input, dims, true);
  const out = reduceRaw(input, dims, keepdim, op, input.dtype);
  if (is_grad_enabled() && input.requires_grad) {
    const node = record(op === "max" ? "AmaxBackward0" : "AminBackward0", out, [input], ([g]) => {
      const mask = input.eq(restoreDims(out, dims, keepdim));
      const count = sum(mask, dims, true);
      return [restoreDims(g!, dims, keepdim).mul(mask).div(count)];
    });
    saveInput(node, input);
    saveOutput(node, out);
  }
  return out;
}

export const ARGMAX = signature("argmax", [arg("dim", optional(Int), null), arg("keepdim", Bool, false)]);
export const ARGMIN = signature("argmin", ARGMAX.params);

/** Index of the largest value: of the flattened tensor, or along `dim`. */
export function argmax(input: Tensor, ...args: ArgsOf<typeof ARGMAX>): Tensor {
  const { dim, keepdim } = ARGMAX.parse(args);
  return argExtreme(input, dim, keepdim, "max");
}

/** Index of the smallest value: of the flattened tensor, or along `dim`. */
export function argmin(input: Tensor, ...args: ArgsOf<typeof ARGMIN>): Tensor {
  const { dim, keepdim } = ARGMIN.parse(args);
  return argExtreme(input, dim, keepdim, "min");
}

function argExtreme(input: Tensor, dim: number | null | undefined, keepdim: boolean, op: "max" | "min"): Tensor {
  checkTensor(input, `arg${op}`);
  if (input.dtype === boolDType) throw new DTypeError(`"arg${op}_cpu" not implemented for 'Bool'`, `arg${op}`, ["bool"]);
  if (dim === null || dim === undefined) {
    checkNonEmpty(`arg${op}`, input, [], false);
    const flat = input.reshape(-1);
    if (isMeta(flat)) return metaTensor(keepdim ? input.shape.map(() => 1) : [], int64);
    const idx = allocate([], int64);
    opKernel("arg_reduce")(op, flat.storage.data, new Float64Array([flat._offset]), flat.numel(), flat._strides[0]!, null, idx.storage.data);
    return keepdim ? idx.reshape(input.shape.map(() => 1)) : idx;
  }
  return extremeDim(input.detach(), dim, keepdim, op, `arg${op}`).indices;
}

// ---------------------------------------------------------------- var / std

/** Options of var/std: `unbiased` (default true) or `correction` (default 1), `dim`, `keepdim`. */
export interface VarOptions {
  dim?: DimArg;
  unbiased?: boolean;
  correction?: number;
  keepdim?: boolean;
}

/** Splits var/std arguments: `(dim?, unbiased?, keepdim?)`, or an options object anywhere. */
function varArgs(a?: DimArg | boolean | VarOptions, b?: boolean | VarOptions, c?: boolean | VarOptions): { dim: DimArg; correction: number; keepdim: boolean } {
  let dim: DimArg;
  let unbiased: boolean | undefined;
  let keepdim: boolean | undefined;
  let opts: VarOptions = {};
  const take = (v: unknown, slot: "dim" | "unbiased" | "keepdim") => {
    if (v === undefined) return;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      opts = { ...opts, ...(v as VarOptions) };
      return;
    }
    if (slot === "dim") {
      if (typeof v === "boolean") unbiased = v;
      else dim = v as DimArg;
    } else if (slot === "unbiased") {
      unbiased = v as boolean;
    } else {
      keepdim = v as boolean;
    }
  };
  take(a, "dim");
  take(b, typeof a === "boolean" ? "keepdim" : "unbiased");
  take(c, "keepdim");
  if (opts.unbiased !== undefined && opts.correction !== undefined) {
    throw new ArgumentError("var(): cannot specify both unbiased and correction", "correction", "RuntimeError");
  }
  const u = unbiased ?? opts.unbiased;
  const correction = opts.correction ?? (u === false ? 0 : 1);
  return { dim: dim ?? opts.dim, correction, keepdim: keepdim ?? opts.keepdim ?? false };
}

function varianceCore(fn: "var" | "std", input: Tensor, dims: readonly number[], correction: number, keepdim: boolean, withMean: boolean): [Tensor, Tensor | null] {
  if (input.dtype.kind !== "float") throw new DTypeError("std and var only support floating point and complex dtypes", fn, [input.dtype.name]);
  const shape = reducedShape(input.shape, dims, keepdim);
  if (isMeta(input)) return [metaTensor(shape, input.dtype), withMean ? metaTensor(shape, input.dtype) : null];
  const out = allocate(shape, input.dtype);
  const meanOut = withMean ? allocate(shape, input.dtype) : null;
  if (out.numel() > 0) {
    const g = geometry(input, dims);
    opKernel("variance")(input.storage.data, g.bases, g.rows, g.count === 0 ? 0 : g.n, g.stride, correction, fn === "std", out.storage.data, meanOut ? meanOut.storage.data : null);
  }
  return [out, meanOut];
}

/** PyTorch's var_backward: `2 / (N - correction) * grad * (x - mean)`. */
function varBackward(g: Tensor, x: Tensor, dims: readonly number[], correction: number, keepdim: boolean): Tensor {
  let n = 1;
  for (const d of dims) n *= x.shape[d]!;
  const dof = n - correction;
  // A 0-d input with no degree of freedom: PyTorch's gradient is infinite.
  if (dof === 0 && x.ndim === 0) return g.mul(Infinity);
  const centered = x.sub(x.mean(dims, true));
  return restoreDims(g, dims, keepdim).mul(centered).mul(2 / dof);
}

/**
 * Variance over all elements or `dim`, with Bessel's correction by default
 * (`unbiased: false` or `correction: 0` for the population variance).
 *
 * @example
 * torch.tensor([1, 2, 3]).float().var()                        // tensor(1.)
 * torch.tensor([1, 2, 3]).float().var({ unbiased: false })     // tensor(0.6667)
 */
export function variance(input: Tensor, dim?: DimArg | boolean | VarOptions, unbiased?: boolean | VarOptions, keepdim?: boolean | VarOptions): Tensor {
  checkTensor(input, "var");
  const a = varArgs(dim, unbiased, keepdim);
  const dims = normDims(a.dim, input.ndim);
  const [out] = varianceCore("var", input, dims, a.correction, a.keepdim, false);
  if (is_grad_enabled() && input.requires_grad) {
    const node = record("VarBackward0", out, [input], ([g]) => [varBackward(g!, input, dims, a.correction, a.keepdim)]);
    saveInput(node, input);
  }
  return out;
}

/** Standard deviation: the square root of `var` (same arguments). */
export function std(input: Tensor, dim?: DimArg | boolean | VarOptions, unbiased?: boolean | VarOptions, keepdim?: boolean | VarOptions): Tensor {
  checkTensor(input, "std");
  const a = varArgs(dim, unbiased, keepdim);
  const dims = normDims(a.dim, input.ndim);
  const [out] = varianceCore("std", input, dims, a.correction, a.keepdim, false);
  if (is_grad_enabled() && input.requires_grad) {
    const node = record("StdBackward0", out, [input], ([g]) => {
      const gv = g!.div(out.mul(2)).masked_fill(out.eq(0), 0);
      return [varBackward(gv, input, dims, a.correction, a.keepdim)];
    });
    saveInput(node, input);
    saveOutput(node, out);
  }
  return out;
}

/** `[var, mean]` in one pass over the data (one node, `VarMeanBackward0`). */
export function var_mean(input: Tensor, dim?: DimArg | boolean | VarOptions, unbiased?: boolean | VarOptions, keepdim?: boolean | VarOptions): [Tensor, Tensor] {
  return momentsWithMean("var", input, dim, unbiased, keepdim);
}

/** `[std, mean]` in one pass over the data (one node, `StdMeanBackward0`). */
export function std_mean(input: Tensor, dim?: DimArg | boolean | VarOptions, unbiased?: boolean | VarOptions, keepdim?: boolean | VarOptions): [Tensor, Tensor] {
  return momentsWithMean("std", input, dim, unbiased, keepdim);
}

function momentsWithMean(fn: "var" | "std", input: Tensor, dim?: DimArg | boolean | VarOptions, unbiased?: boolean | VarOptions, keepdim?: boolean | VarOptions): [Tensor, Tensor] {
  checkTensor(input, `${fn}_mean`);
  if (input.dtype.kind !== "float") {
    throw new DTypeError(`${fn}_mean only support floating point and complex dtypes`, `${fn}_mean`, [input.dtype.name]);
  }
  const a = varArgs(dim, unbiased, keepdim);
  const dims = normDims(a.dim, input.ndim);
  const [v, m] = varianceCore(fn, input, dims, a.correction, a.keepdim, true);
  if (is_grad_enabled() && input.requires_grad) {
    let n = 1;
    for (const d of dims) n *= input.shape[d]!;
    const node = record(fn === "var" ? "VarMeanBackward0" : "StdMeanBackward0", [v, m!], [input], ([gv, gm]) => {
      let gx: Tensor | null = null;
      if (gv) {
        const gvar = fn === "var" ? gv : gv.div(v.mul(2)).masked_fill(v.eq(0), 0);
        gx = varBackward(gvar, input, dims, a.correction, a.keepdim);
      }
      if (gm) {
        const part = expandReducedGrad(gm, input.shape, dims, a.keepdim).div(n);
        gx = gx ? gx.add(part) : part;
      }
      return [gx];
    });
    saveInput(node, input);
    if (fn === "std") saveOutput(node, v);
  }
  return [v, m!];
}

// ---------------------------------------------------------------- norm / logsumexp / all / any

/** The order of a norm: a number, ±Infinity, or "fro" (2). */
export type NormOrd = number | "fro";

/**
 * The p-norm over all elements or `dim` (default p = 2, "fro").
 *
 * @example
 * torch.tensor([3, 4]).float().norm()        // tensor(5.)
 * x.norm(1, 1)                         // L1 norm of each row
 */
export const NORM = signature("norm", [
  arg("p", optional(union(Float, oneOf("fro", "nuc"), "Number")), "fro"), arg("dim", optional(Dims), null), arg("keepdim", Bool, false),
  arg("dtype", optional(DTypeT), null),
]);

export function norm(input: Tensor, ...args: ArgsOf<typeof NORM>): Tensor {
  checkTensor(input, "norm");
  const { p, dim, keepdim, dtype } = NORM.parse(args);
  if (p === "nuc") {
    // The sum of the singular values of the matrices in `dim` (the last two by default).
    const dims = dim === null ? [input.ndim - 2, input.ndim - 1] : (typeof dim === "number" ? [dim] : [...dim]).map((d) => (d < 0 ? d + input.ndim : d));
    if (dims.length !== 2 || input.ndim < 2) throw new ArgumentError(`linalg.matrix_norm: dim must be a 2-tuple. Got ${dims.join(" ")}`, "dim", "RuntimeError");
    const moved = input.movedim(dims, [input.ndim - 2, input.ndim - 1]);
    let r = nuclearNorm(moved);
    if (keepdim) for (const d of [...dims].sort((a, b) => a - b)) r = r.unsqueeze(d);
    return r;
  }
  const options = { dtype: dtype ?? undefined };
  if (input.dtype.kind !== "float") {
    throw new DTypeError(`norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(input.dtype)} instead.`, "norm", [input.dtype.name]);
  }
  const x = options.dtype !== undefined ? input.to(toDType(options.dtype)) : input;
  const ord = p === null || p === "fro" ? 2 : p;
  if (typeof ord !== "number") throw new ArgumentError(`norm(): unsupported norm order '${String(p)}'`, "p");
  const dims = normDims(dim, x.ndim);
  const op: ReduceOp = ord === 2 ? "norm2" : ord === 1 ? "norm1" : ord === Infinity ? "norminf" : ord === -Infinity ? "normneginf" : ord === 0 ? "norm0" : "normp";
  const out = reduceRaw(x, dims, keepdim, op, x.dtype, ord);
  if (is_grad_enabled() && x.requires_grad) {
    const node = record("NormBackward1", out, [x], ([g]) => [normBackward(g!, x, out, ord, dims, keepdim)]);
    saveInput(node, x);
    saveOutput(node, out);
  }
  return out;
}

/** PyTorch's norm_backward for a p-norm. */
function normBackward(g: Tensor, x: Tensor, result: Tensor, p: number, dims: readonly number[], keepdim: boolean): Tensor {
  const gr = restoreDims(g, dims, keepdim);
  const r = restoreDims(result, dims, keepdim);
  if (p === 0) return zeros([...x.shape], { dtype: x.dtype });
  if (p === 1) return x.sign().mul(gr);
  if (p === 2) return x.mul(gr.div(r)).masked_fill(r.eq(0), 0);
  if (p === Infinity || p === -Infinity) {
    const mask = x.abs().eq(r);
    return x.sign().mul(mask).mul(gr.div(sum(mask, dims, true)));
  }
  const scaled = x.mul(x.abs().pow(p - 2)).mul(gr.div(r.pow(p - 1)));
  return scaled.masked_fill(r.eq(0), 0);
}

/**
 * `log(sum(exp(input), dim))`, computed stably (the maximum is factored out).
 * Integer inputs give float32.
 */
export const LOGSUMEXP = signature("logsumexp", [required("dim", Dims), arg("keepdim", Bool, false)]);

export function logsumexp(input: Tensor, ...args: ArgsOf<typeof LOGSUMEXP>): Tensor {
  checkTensor(input, "logsumexp");
  const { dim, keepdim } = LOGSUMEXP.parse(args);
  const x = input.dtype.kind === "float" ? input : input.to(float32);
  const dims = normDims(dim, x.ndim);
  const out = reduceRaw(x, dims, keepdim, "logsumexp", x.dtype);
  if (is_grad_enabled() && x.requires_grad) {
    const node = record("LogsumexpBackward0", out, [x], ([g]) => [
      restoreDims(g!, dims, keepdim).mul(x.sub(restoreDims(out, dims, keepdim)).exp()),
    ]);
    saveInput(node, x);
    saveOutput(node, out);
  }
  return out;
}

/** True when every element (over `dim`) is non-zero. uint8 inputs give uint8, others bool. */
export const ALL = signature("all", [arg("dim", optional(Dims), null), arg("keepdim", Bool, false)]);
export const ANY = signature("any", ALL.params);

export function all(input: Tensor, ...args: ArgsOf<typeof ALL>): Tensor {
  checkTensor(input, "all");
  const { dim, keepdim } = ALL.parse(args);
  return reduceRaw(input, normDims(dim, input.ndim), keepdim, "all", input.dtype === uint8 ? uint8 : boolDType);
}

/** True when some element (over `dim`) is non-zero. */
export function any(input: Tensor, ...args: ArgsOf<typeof ANY>): Tensor {
  checkTensor(input, "any");
  const { dim, keepdim } = ANY.parse(args);
  return reduceRaw(input, normDims(dim, input.ndim), keepdim, "any", input.dtype === uint8 ? uint8 : boolDType);
}

/** Line geometry along one dimension: bases of every line, its length and stride. */
export function lines(x: Tensor, d: number): { bases: Float64Array; n: number; stride: number } {
  if (x.ndim === 0) return { bases: new Float64Array([x._offset]), n: 1, stride: 1 };
  const kept = x.shape.map((_, i) => i).filter((i) => i !== d);
  const bases = groupBases(kept.map((i) => x.shape[i]!), kept.map((i) => x._strides[i]!), x._offset);
  return { bases, n: x.shape[d]!, stride: x._strides[d]! };
}

/** Line geometry of a new contiguous tensor of `shape` along `d`. */
export function contiguousLines(shape: readonly number[], d: number): { bases: Float64Array; n: number; stride: number } {
  if (shape.length === 0) return { bases: new Float64Array([0]), n: 1, stride: 1 };
  const strides = contiguousStrides(shape);
  const kept = shape.map((_, i) => i).filter((i) => i !== d);
  return { bases: groupBases(kept.map((i) => shape[i]!), kept.map((i) => strides[i]!), 0), n: shape[d]!, stride: strides[d]! };
}
