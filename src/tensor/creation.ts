/**
 * Making tensors: from nested arrays, filled with a value, or ranges.
 * Sizes are checked before anything is allocated, so an impossible request
 * (a negative size, 10^12 elements) is a clear error instead of a crash.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]])          // int64, like PyTorch
 * torch.zeros(1, 1, 32, 32)              // float32
 * torch.full([2, 2], 7, { dtype: torch.int64 })
 * torch.arange(0, 1, 0.25)               // tensor([0.0000, 0.2500, 0.5000, 0.7500])
 */
import { type ArgsOf, Bool, DTypeT, Float, Str, arg, kwarg, optional, signature } from "../ops/signature.js";
import { ArgumentError, SizeError, fmtShape } from "../errors.js";
import { type DType, type DTypeLike, type TypedArray, bool, castScalar, float32, float64, int32, int64, toDType, uint8 } from "./dtype.js";
import { contiguousStrides, shapeNumel } from "./strided.js";
import { type NestedArray, Storage, Tensor } from "./tensor.js";
import { metaTensor } from "./meta.js";

/** Keyword arguments of the creation functions. */
export interface CreationOptions {
  dtype?: DTypeLike;
  requires_grad?: boolean;
  /** "cpu" (the default), or "meta" for a tensor with a shape and no data (see meta.ts). */
  device?: string;
}

/** A size given as separate numbers, one array, or a Size, optionally followed by options. */
export type SizeArgs = (number | readonly number[] | CreationOptions)[];

/** The most bytes one tensor may take; far above any tutorial, far below what would crash the process. */
export const MAX_TENSOR_BYTES = 8 * 2 ** 30;

/** Splits `zeros(2, 3, { dtype })` / `zeros([2, 3])` into a shape and options. */
export function parseSizeArgs(args: SizeArgs): [number[], CreationOptions] {
  let opts: CreationOptions = {};
  let list = args;
  const last = list[list.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last) && !(Symbol.iterator in (last as object))) {
    opts = last as CreationOptions;
    list = list.slice(0, -1);
  }
  if (list.length === 1 && typeof list[0] !== "number") return [Array.from(list[0] as readonly number[]), opts];
  return [list as number[], opts];
}

/** Validates a shape for allocation with PyTorch's messages. */
export function checkShape(shape: readonly number[], dtype: DType): void {
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d)) {
      throw new ArgumentError(`size must be a sequence of integers, but got ${fmtShape(shape.map(String) as never)}`, "size", "TypeError");
    }
    if (d < 0) throw new SizeError(`Trying to create tensor with negative dimension ${d}: ${fmtShape(shape)}`, "empty", shape);
  }
  const bytes = shapeNumel(shape) * dtype.itemsize;
  if (bytes > MAX_TENSOR_BYTES || shapeNumel(shape) > 2 ** 32 - 1) {
    throw new SizeError(
      `DefaultCPUAllocator: can't allocate memory: you tried to allocate ${bytes} bytes. ` +
      `(tsorch allows at most ${MAX_TENSOR_BYTES} bytes per tensor.)`, "empty", shape);
  }
}

/** An uninitialised (here: zeroed) contiguous tensor. */
export function allocate(shape: readonly number[], dtype: DType): Tensor {
  checkShape(shape, dtype);
  let data: TypedArray;
  try {
    data = new dtype.ArrayType(shapeNumel(shape));
  } catch (e) {
    throw new SizeError(`DefaultCPUAllocator: can't allocate memory: you tried to allocate ${shapeNumel(shape) * dtype.itemsize} bytes. (${(e as Error).message})`, "empty", shape);
  }
  return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
}

/** `device: "meta"`: a shape-only tensor, nothing allocated (any size is fine). */
export function metaCreate(shape: readonly number[], dtype: DType, opts: CreationOptions): Tensor {
  const t = metaTensor(shape, dtype);
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

function finish(t: Tensor, opts: CreationOptions): Tensor {
  if (opts.device !== undefined && opts.device !== "cpu") {
    throw new ArgumentError(`tsorch only has the "cpu" device, got "${opts.device}"`, "device", "RuntimeError");
  }
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

/** A tensor filled with `value`. */
export function full(size: readonly number[], value: number | boolean, opts: CreationOptions = {}): Tensor {
  // PyTorch infers the dtype from the fill value: bool, int64 for integers, else float32.
  const dtype = toDType(opts.dtype, typeof value === "boolean" ? bool : Number.isInteger(value) ? int64 : float32);
  if (opts.device === "meta") return metaCreate(size, dtype, opts);
  const t = allocate(size, dtype);
  const v = castScalar(Number(value), dtype);
  if (v !== 0) t.storage.data.fill(v);
  return finish(t, opts);
}

export function zeros(...args: SizeArgs): Tensor {
  const [shape, opts] = parseSizeArgs(args);
  if (opts.device === "meta") return metaCreate(shape, toDType(opts.dtype), opts);
  return finish(allocate(shape, toDType(opts.dtype)), opts);
}

export function ones(...args: SizeArgs): Tensor {
  const [shape, opts] = parseSizeArgs(args);
  return full(shape, 1, { ...opts, dtype: opts.dtype ?? float32 });
}

/** PyTorch leaves `empty` uninitialised; typed arrays are always zeroed, which is a valid "any values". */
export function empty(...args: SizeArgs): Tensor {
  return zeros(...args);
}

function likeOpts(x: Tensor, opts: CreationOptions): CreationOptions {
  // A meta tensor makes meta tensors, as PyTorch's *_like functions keep the device.
  return { ...opts, dtype: opts.dtype ?? x.dtype, device: opts.device ?? (x.device === "meta" ? "meta" : undefined) };
}

export function zeros_like(x: Tensor, opts: CreationOptions = {}): Tensor {
  return zeros(x.shape, likeOpts(x, opts));
}

export function ones_like(x: Tensor, opts: CreationOptions = {}): Tensor {
  return ones(x.shape, likeOpts(x, opts));
}

export function empty_like(x: Tensor, opts: CreationOptions = {}): Tensor {
  return zeros(x.shape, likeOpts(x, opts));
}

export function full_like(x: Tensor, value: number | boolean, opts: CreationOptions = {}): Tensor {
  return full(x.shape, value, likeOpts(x, opts));
}

/** The identity matrix (n x m). */
export function eye(n: number, m: number | CreationOptions = n, opts: CreationOptions = {}): Tensor {
  if (typeof m === "object") {
    opts = m;
    m = n;
  }
  if (n < 0) throw new ArgumentError(`n must be greater or equal to 0, got ${n}`, "n", "RuntimeError");
  if (m < 0) throw new ArgumentError(`m must be greater or equal to 0, got ${m}`, "m", "RuntimeError");
  const t = zeros([n, m], opts);
  for (let i = 0; i < Math.min(n, m); i++) t.storage.data[i * m + i] = 1;
  return t;
}

/** Infers the shape of nested arrays, rejecting ragged ones with PyTorch's message. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  const check = (v: NestedArray, dim: number) => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new ArgumentError(`expected a number at dim ${dim}, got a sequence`, "data");
      if (typeof v !== "number" && typeof v !== "boolean") {
        throw new ArgumentError(`Could not infer dtype of ${v === null ? "None" : typeof v}`, "data", "RuntimeError");
      }
      return;
    }
    if (!Array.isArray(v)) throw new ArgumentError(`expected sequence of length ${shape[dim]} at dim ${dim} (got a number)`, "data");
    if (v.length !== shape[dim]) throw new ArgumentError(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${v.length})`, "data");
    for (const x of v) check(x, dim + 1);
  };
  check(data, 0);
  return shape;
}

function inferDType(values: readonly (number | boolean)[]): DType {
  if (values.length > 0 && values.every((v) => typeof v === "boolean")) return bool;
  return values.every((v) => typeof v === "boolean" || Number.isInteger(v)) && values.length > 0 ? int64 : float32;
}

function typedArrayDType(a: TypedArray): DType {
  if (a instanceof Float64Array) return float64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Uint8Array) return uint8;
  return float32;
}

/**
 * A tensor from nested arrays (or a typed array, or another tensor, which is
 * copied). Integers give int64, any fraction gives float32, booleans give
 * bool — PyTorch's inference.
 */
export function tensor(data: NestedArray | TypedArray | Tensor, opts: CreationOptions = {}): Tensor {
  if (data instanceof Tensor) {
    const copy = data.detach().to(toDType(opts.dtype, data.dtype)).clone();
    return finish(copy.detach(), opts);
  }
  if (ArrayBuffer.isView(data)) {
    const dtype = toDType(opts.dtype, typedArrayDType(data as TypedArray));
    const t = allocate([data.length], dtype);
    const src = data as TypedArray;
    for (let i = 0; i < src.length; i++) t.storage.data[i] = castScalar(src[i]!, dtype);
    return finish(t, opts);
  }
  const shape = nestedShape(data);
  const flat: (number | boolean)[] = [];
  const collect = (v: NestedArray): void => {
    if (Array.isArray(v)) for (const x of v) collect(x);
    else flat.push(v);
  };
  collect(data as NestedArray);
  const dtype = toDType(opts.dtype, inferDType(flat));
  const t = allocate(shape, dtype);
  const out = t.storage.data;
  for (let i = 0; i < flat.length; i++) out[i] = castScalar(Number(flat[i]), dtype);
  return finish(t, opts);
}

/**
 * `arange(end)`, `arange(start, end, step=1)`: values `start + i*step` below
 * `end`. int64 when all arguments are integers, else float32.
 */
export const ARANGE = signature("arange", [
  arg("start", Float), arg("end", Float), arg("step", Float, 1),
  kwarg("dtype", optional(DTypeT), null), kwarg("device", optional(Str), null), kwarg("requires_grad", Bool, false),
], 0);

export function arange(...args: ArgsOf<typeof ARANGE>): Tensor {
  const p = ARANGE.parse(args);
  // arange(end) or arange(start, end, step=1), each part positional or by keyword.
  if (p.start === undefined && p.end === undefined) throw new ArgumentError(`arange() missing 1 required positional arguments: "end"`, "end", "TypeError");
  const [s, e, st] = p.end === undefined ? [0, p.start!, p.step] : [p.start ?? 0, p.end, p.step];
  const nums = [s, e, st];
  const opts: CreationOptions = { dtype: p.dtype ?? undefined, device: p.device ?? undefined, requires_grad: p.requires_grad };
  if (st === 0) throw new ArgumentError("step must be nonzero", "step", "RuntimeError");
  if ((st > 0 && e < s) || (st < 0 && e > s)) throw new ArgumentError("upper bound and lower bound inconsistent with step sign", "end", "RuntimeError");
  const allInt = nums.every(Number.isInteger);
  const dtype = toDType(opts.dtype, allInt ? int64 : float32);
  const n = Math.ceil((e - s) / st);
  const t = allocate([n], dtype);
  const out = t.storage.data;
  for (let i = 0; i < n; i++) out[i] = castScalar(s + i * st, dtype);
  return finish(t, opts);
}

/** linspace/logspace take 0-d tensors for `start` and `end`, with PyTorch's error for any other. */
export function checkSpaceEnds(op: "linspace" | "logspace", start: unknown, end: unknown): void {
  const nd = (t: unknown) => (t instanceof Tensor ? t.ndim : 0);
  if (nd(start) > 0 || nd(end) > 0) {
    throw new ArgumentError(
      `${op} only supports 0-dimensional start and end tensors, but got start with ${nd(start)} dimension(s) and end with ${nd(end)} dimension(s).`,
      nd(start) > 0 ? "start" : "end", "RuntimeError");
  }
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive, computed as
 * PyTorch's CPU kernel does (in the output precision, the second half
 * counted back from `end`), so the printed values agree.
 */
export function linspace(startArg: number | Tensor, endArg: number | Tensor, steps: number, opts: CreationOptions = {}): Tensor {
  // 0-d tensors stand for their values (PyTorch's Tensor overload); others are refused.
  checkSpaceEnds("linspace", startArg, endArg);
  const start = startArg instanceof Tensor ? Number(startArg.item()) : startArg;
  const end = endArg instanceof Tensor ? Number(endArg.item()) : endArg;
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError("number of steps must be non-negative", "steps", "RuntimeError");
  const dtype = toDType(opts.dtype, float32);
  const t = allocate([steps], dtype);
  const out = t.storage.data;
  const r = dtype === float32 ? Math.fround : (x: number) => x;
  if (steps === 1) out[0] = castScalar(start, dtype);
  if (steps > 1) {
    const s = r(start);
    const e = r(end);
    const step = r(r(e - s) / (steps - 1));
    const halfway = Math.floor(steps / 2);
    for (let i = 0; i < steps; i++) {
      out[i] = castScalar(i < halfway ? r(s + r(step * i)) : r(e - r(step * (steps - i - 1))), dtype);
    }
  }
  return finish(t, opts);
}

