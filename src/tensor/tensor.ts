/**
 * The Tensor: a typed-array storage seen through a shape, strides and an
 * offset. Views (`view`, `transpose`, `narrow`, `expand`, ...) share storage
 * with their base, exactly as in PyTorch, so writing through a view changes
 * the base; `contiguous()` and `clone()` copy.
 *
 * Every op is available both as a method (`a.add(b)`) and as a function
 * (`torch.add(a, b)`); the methods here delegate to the op modules.
 *
 * @example
 * const x = torch.arange(6).view(2, 3);
 * x.t().shape          // torch.Size([3, 2])
 * x.t().is_contiguous() // false
 * x.sum().item()       // 15
 */
import { inspect } from "node:util";
import { ArgumentError, AutogradError, TsorchError } from "../errors.js";
import { type DType, type DTypeLike, float32 } from "./dtype.js";
import { Size } from "./size.js";
import { contiguousStrides, gatherContiguous, isContiguousLayout, shapeNumel } from "./strided.js";
import type { GradFn } from "../autograd/graph.js";
import * as views from "./view.js";
import type { IndexItem } from "./view.js";
import { formatTensorRepr } from "./repr.js";
import { accumulated, runBackward } from "../autograd/engine.js";
import { type TensorHook, registerTensorHook } from "../autograd/hooks.js";
import type { HookHandle } from "../autograd/graph.js";
import { warn, warnNonLeafGrad } from "../warnings.js";
import { type DeviceName, toDeviceCopy, toDtypeCopy, toTarget } from "./convert.js";
import { META_DATA } from "./meta.js";
import * as creation from "./creation.js";
import type { CreationOptions } from "./creation.js";
import type { Generator } from "../random/generator.js";
import * as binary from "../ops/binary.js";
import * as unary from "../ops/unary.js";
import * as compare from "../ops/compare.js";
import * as clampOps from "../ops/clamp.js";
import type { Bound, ClampOptions } from "../ops/clamp.js";
import * as activation from "../ops/activation.js";
import * as indexOps from "../ops/index-ops.js";
import * as reduce from "../ops/reduce.js";
import type { DimArg, ReduceOptions } from "../ops/reduce.js";
import * as scan from "../ops/scan.js";
import * as copies from "../ops/copies.js";
import * as softmaxOps from "../ops/softmax.js";
import * as sortOps from "../ops/sort.js";
import * as matmulOps from "../ops/matmul.js";
import * as rearrange from "../ops/rearrange.js";
import * as inplace from "../ops/inplace.js";
import * as ternary from "../ops/ternary.js";
import * as random from "../ops/random.js";
import type { Scalar, TensorLike } from "../ops/operand.js";
import type { ArgsOf } from "../ops/signature.js";

/**
 * The memory behind one or more tensors. `version` counts in-place writes, which autograd checks.
 * `data` may move once, values unchanged, into a backend's own memory (a module parameter kept
 * resident for the wasm kernels: backend/registry.ts `keepResident`); read it through the storage
 * rather than keeping the array.
 */
export class Storage {
  version = 0;
  constructor(public data: import("./dtype.js").TypedArray) {}

  /** "cpu"; a storage without data (see tensor/meta.ts) says "meta". */
  get device(): string {
    return this.data === META_DATA ? "meta" : "cpu";
  }
}

/** Nested JS arrays of numbers or booleans, as accepted by `torch.tensor` and returned by `tolist`. */
export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** The shared memory. */
  readonly storage: Storage;
  /** `torch.Size` of the tensor (also `size()`). */
  readonly shape: Size;
  /** @internal Strides in elements, one per dimension. */
  readonly _strides: readonly number[];
  /** @internal Index of the first element in `storage.data`. */
  readonly _offset: number;
  readonly dtype: DType;
  /** @internal The gradient slot behind `grad`. */
  _grad: Tensor | null = null;
  /** The autograd node that produced this tensor (null for leaves). */
  grad_fn: GradFn | null = null;
  /** Which output of `grad_fn` this tensor is. */
  output_nr = 0;
  /** @internal The tensor this one is a view of, if any (PyTorch's `_base`). */
  _base: Tensor | null = null;
  /** @internal True after `retain_grad()` on a non-leaf. */
  _retains_grad = false;
  private _requiresGrad = false;

  /** @internal Use the creation functions (`torch.tensor`, `torch.zeros`, ...) instead. */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    this.storage = storage;
    // Shapes are immutable: a frozen Size (another tensor's shape) is shared instead of copied.
    this.shape = shape instanceof Size && Object.isFrozen(shape) ? shape : Size.frozen(shape);
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
  }

  /** @internal A contiguous tensor over `data` (not copied). */
  static _fromData(data: import("./dtype.js").TypedArray, shape: readonly number[], dtype: DType = float32): Tensor {
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal A view of this tensor's storage with another layout. */
  _view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    const t = new Tensor(this.storage, shape, strides, offset, this.dtype);
    t._base = this._base ?? this;
    return t;
  }

  // ---------------------------------------------------------------- metadata

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  /** The shape (`torch.Size`), or one dimension's size (negative dims count from the end). */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return this.shape;
    return this.shape[views.normDim(dim, this.ndim)]!;
  }

  /** Strides in elements, or one dimension's stride. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this._strides];
    return this._strides[views.normDim(dim, this.ndim)]!;
  }

  storage_offset(): number {
    return this._offset;
  }

  numel(): number {
    return shapeNumel(this.shape);
  }

  nelement(): number {
    return this.numel();
  }

  element_size(): number {
    return this.dtype.itemsize;
  }

  /** True when the elements are laid out row-major without gaps (always for an empty tensor, as in PyTorch). */
  is_contiguous(): boolean {
    if (this.numel() === 0) return true;
    return isContiguousLayout(this.shape, this._strides);
  }

  is_floating_point(): boolean {
    return this.dtype.is_floating_point;
  }

  /** "cpu", or "meta" for a shape-only tensor (`torch.empty(..., { device: "meta" })`, see tensor/meta.ts). */
  get device(): string {
    return this.storage.device;
  }

  /** True for a tensor on the meta device: a shape without data. */
  get is_meta(): boolean {
    return this.storage.device === "meta";
  }

  /** `len(x)` in Python: the size of the first dimension. */
  get length(): number {
    if (this.ndim === 0) throw new TsorchError("len() of a 0-d tensor", "TypeError");
    return this.shape[0]!;
  }

  // ---------------------------------------------------------------- autograd state

  get requires_grad(): boolean {
    return this._requiresGrad || this.grad_fn !== null;
  }

  set requires_grad(value: boolean) {
    if (this.grad_fn !== null && !value) {
      throw new AutogradError("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    }
    if (value && !this.dtype.is_floating_point) {
      throw new AutogradError("only Tensors of floating point dtype can require gradients");
    }
    this._requiresGrad = value;
  }

  /** Sets `requires_grad` in place and returns this tensor. */
  requires_grad_(value = true): this {
    this.requires_grad = value;
    return this;
  }

  /** A tensor is a leaf when no recorded op produced it. */
  get is_leaf(): boolean {
    return this.grad_fn === null;
  }

  /** @internal Attaches the autograd node an op recorded for this output. */
  _setGradFn(node: GradFn, outputNr: number): void {
    this.grad_fn = node;
    this.output_nr = outputNr;
  }

  /** Keeps `.grad` for a non-leaf tensor after backward. */
  retain_grad(): void {
    if (!this.requires_grad) throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    if (this.is_leaf || this._retains_grad) return;
    this._retains_grad = true;
    const nr = this.output_nr;
    // The gradient of a non-leaf only exists while backward runs: catch it on its way into grad_fn.
    this.grad_fn!.register_prehook((grads) => {
      const g = grads[nr];
      if (g) this.grad = accumulated(this.grad, g);
    });
  }

  get retains_grad(): boolean {
    return this._retains_grad;
  }

  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    const t = new Tensor(this.storage, this.shape, this._strides, this._offset, this.dtype);
    return t;
  }

  /** Cuts this tensor from the graph in place. */
  detach_(): this {
    this.grad_fn = null;
    this._requiresGrad = false;
    return this;
  }

  /** PyTorch's `.data`: the same storage without autograd history. */
  get data(): Tensor {
    return this.detach();
  }

  /**
   * PyTorch's `p.data = t`: this tensor keeps its identity (modules and
   * optimizers holding it see the change) and takes `t`'s storage, shape and
   * dtype, outside autograd.
   */
  set data(source: Tensor) {
    if (!(source instanceof Tensor)) {
      throw new TsorchError(`data must be a Tensor, not ${source === null ? "null" : typeof source}`, "TypeError");
    }
    const self = this as unknown as { storage: Storage; shape: Size; _strides: readonly number[]; _offset: number; dtype: DType };
    self.storage = source.storage;
    self.shape = source.shape;
    self._strides = source._strides;
    self._offset = source._offset;
    self.dtype = source.dtype;
  }

  /**
   * Computes the gradient of this tensor with respect to the graph leaves and
   * accumulates it into their `.grad`. A non-scalar tensor needs `gradient`.
   */
  backward(gradient?: Tensor | null, options: { retain_graph?: boolean; create_graph?: boolean; inputs?: Tensor | Tensor[] } = {}): void {
    // As in PyTorch, building the graph of the gradient keeps the graph it was computed from.
    const createGraph = options.create_graph ?? false;
    const inputs = options.inputs === undefined ? undefined : Array.isArray(options.inputs) ? options.inputs : [options.inputs];
    runBackward([this], gradient ? [gradient] : [null], options.retain_graph ?? createGraph, createGraph, inputs);
  }

  /**
   * The accumulated gradient of a leaf after `backward()`. Reading it on a
   * non-leaf that does not retain its gradient gives null with PyTorch's warning.
   */
  get grad(): Tensor | null {
    if (this._grad === null && this.grad_fn !== null && !this._retains_grad) warnNonLeafGrad();
    return this._grad;
  }

  set grad(value: Tensor | null) {
    this._grad = value;
  }

  /**
   * Runs `hook(grad)` when this tensor's gradient is computed; a returned
   * tensor replaces the gradient. `remove()` on the result unregisters it.
   */
  register_hook(hook: TensorHook): HookHandle {
    return registerTensorHook(this, hook);
  }

  // ---------------------------------------------------------------- conversion

  /** The single value of a one-element tensor, as a JS number (a boolean for bool tensors). */
  item(): number {
    if (this.numel() !== 1) {
      throw new ArgumentError("a Tensor with " + this.numel() + " elements cannot be converted to Scalar", "self", "RuntimeError");
    }
    const v = this.storage.data[this._offset]!;
    return (this.dtype.name === "bool" ? v !== 0 : v) as number;
  }

  /** The elements as nested JS arrays (a number for 0-d tensors). */
  tolist(): NestedArray {
    const flat = this.toFlatArray();
    const isBool = this.dtype.name === "bool";
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return isBool ? flat[start] !== 0 : flat[start]!;
      const inner = shapeNumel(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, start + i * inner));
      return out;
    };
    return build(0, 0);
  }

  /** The elements in row-major order, as a typed array of the storage type (a copy unless noted). */
  toFlatArray(): import("./dtype.js").TypedArray {
    return gatherContiguous(this.shape, this.storage.data, this._strides, this._offset, this.dtype.ArrayType as never);
  }

  /**
   * @internal Row-major data without copying when the tensor is contiguous and
   * fills its storage from the offset; callers must not write to the result.
   */
  _contiguousData(): import("./dtype.js").TypedArray {
    const d = this.storage.data;
    if (this.is_contiguous()) {
      const n = this.numel();
      return this._offset === 0 && d.length === n ? d : d.subarray(this._offset, this._offset + n);
    }
    return this.toFlatArray();
  }

  /** A contiguous tensor with the same values (this tensor itself when already contiguous). */
  contiguous(): Tensor {
    return views.contiguous(this);
  }

  /** A copy with its own storage (recorded as `CloneBackward0`). */
  clone(): Tensor {
    return views.clone(this);
  }

  /**
   * This tensor converted to a dtype and/or moved to a device; itself when
   * nothing changes. As in PyTorch: `to(dtype)`, `to(device, dtype?)`,
   * `to(other)` (other's dtype and device) or `to({ dtype, device })`.
   * The devices are "cpu" and "meta" (shape without data).
   *
   * @example
   * torch.ones(2).to("float64").dtype     // torch.float64
   * torch.ones(1, 3, 224, 224).to("meta") // tensor(..., device='meta', size=(1, 3, 224, 224))
   */
  to(dtype: DTypeLike): Tensor;
  to(device: DeviceName | (string & {}), dtype?: DTypeLike): Tensor;
  to(other: Tensor): Tensor;
  to(options: { dtype?: DTypeLike; device?: DeviceName | (string & {}) }): Tensor;
  to(target: DTypeLike | string | Tensor | { dtype?: DTypeLike; device?: string }, dtype?: DTypeLike): Tensor {
    const wanted = target instanceof Tensor ? toTarget(target.device, target.dtype) : toTarget(target, dtype);
    const converted = wanted.dtype === undefined ? this : toDtypeCopy(this, wanted.dtype);
    return wanted.device === undefined ? converted : toDeviceCopy(converted, wanted.device);
  }

  /** Alias of `to(dtype)`; with no argument, PyTorch returns the type name (e.g. "torch.FloatTensor"). */
  type(dtype?: DTypeLike): Tensor | string {
    if (dtype === undefined) {
      const names: Record<string, string> = { float32: "Float", float64: "Double", int64: "Long", int32: "Int", uint8: "Byte", bool: "Bool" };
      return `torch.${names[this.dtype.name]}Tensor`;
    }
    return this.to(dtype);
  }

  float(): Tensor { return this.to("float32"); }
  double(): Tensor { return this.to("float64"); }
  long(): Tensor { return this.to("int64"); }
  int(): Tensor { return this.to("int32"); }
  bool(): Tensor { return this.to("bool"); }
  /** Always this tensor: tsorch only has a CPU device. */
  cpu(): Tensor { return this; }

  // ---------------------------------------------------------------- views

  /** The same data seen with another shape; one dimension may be -1. Needs compatible strides. */
  view(...shape: (number | readonly number[])[]): Tensor {
    return views.view(this, views.flattenShapeArgs(shape));
  }

  view_as(other: Tensor): Tensor {
    return this.view(other.shape);
  }

  /** Like `view`, but copies when the strides do not allow a view. */
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return views.reshape(this, views.flattenShapeArgs(shape));
  }

  reshape_as(other: Tensor): Tensor {
    return this.reshape(other.shape);
  }

  /** Merges dimensions `start_dim..end_dim` into one. */
  flatten(...args: ArgsOf<typeof views.FLATTEN>): Tensor {
    return views.flatten(this, ...args);
  }

  /** Splits dimension `dim` into `sizes`. */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return views.unflatten(this, dim, sizes);
  }

  /** Reorders the dimensions. */
  permute(...dims: (number | readonly number[])[]): Tensor {
    return views.permute(this, views.flattenShapeArgs(dims));
  }

  /** Swaps two dimensions. */
  transpose(dim0: number, dim1: number): Tensor {
    return views.transpose(this, dim0, dim1);
  }

  /** Alias of `transpose`. */
  swapaxes(dim0: number, dim1: number): Tensor {
    return views.transpose(this, dim0, dim1);
  }

  /** Transpose of a matrix (0-d and 1-d tensors are returned as they are). */
  t(): Tensor {
    return views.t(this);
  }

  /** `x.T`: all dimensions reversed. */
  get T(): Tensor {
    return views.permute(this, [...Array(this.ndim).keys()].reverse());
  }

  /** `x.H`: the conjugate transpose of a matrix (the transpose: tsorch's tensors are real). */
  get H(): Tensor {
    if (this.ndim !== 2 && this.ndim !== 0) throw new TsorchError(`tensor.H is only supported on matrices (2-D tensors). Got ${this.ndim}-D tensor.`, "RuntimeError");
    return this.ndim === 0 ? this : views.transpose(this, 0, 1);
  }

  /** `x.mH`: the last two dimensions swapped (conjugation is the identity on real tensors). */
  get mH(): Tensor {
    return this.mT;
  }

  /** `x.mT`: the last two dimensions swapped. */
  get mT(): Tensor {
    if (this.ndim === 0) {
      warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.");
      return this;
    }
    if (this.ndim < 2) throw new TsorchError(`tensor.mT is only supported on matrices or batches of matrices. Got ${this.ndim}-D tensor.`, "RuntimeError");
    return views.transpose(this, -2, -1);
  }

  /** Removes dimensions of size 1 (all, or the one given). */
  squeeze(dim?: number | readonly number[]): Tensor {
    return views.squeeze(this, dim);
  }

  /** Inserts a dimension of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    return views.unsqueeze(this, dim);
  }

  /** `length` elements of dimension `dim` from `start`. */
  narrow(...args: ArgsOf<typeof views.NARROW>): Tensor {
    return views.narrow(this, ...args);
  }

  /** Element `index` of dimension `dim`, removing that dimension. */
  select(dim: number, index: number): Tensor {
    return views.select(this, dim, index);
  }

  /** Repeats size-1 dimensions (without copying) to reach `sizes`; -1 keeps a size. */
  expand(...sizes: (number | readonly number[])[]): Tensor {
    return views.expand(this, views.flattenShapeArgs(sizes));
  }

  expand_as(other: Tensor): Tensor {
    return this.expand(other.shape);
  }

  /** A view with explicit sizes, strides and offset (unchecked beyond storage bounds). */
  as_strided(...args: ArgsOf<typeof rearrange.AS_STRIDED>): Tensor {
    return rearrange.as_strided(this, ...args);
  }

  /**
   * Python-style indexing: `x.index(0)` is `x[0]`, `x.index(":", "1:3")` is
   * `x[:, 1:3]`, `x.index("...", null)` is `x[..., None]`, `x.index(mask)` is
   * `x[mask]` (a copy, as in PyTorch).
   */
  index(...items: IndexItem[]): Tensor {
    return views.index(this, items);
  }

  /** Splits into chunks of `split_size` (or of the given sizes) along `dim`. */
  split(...args: ArgsOf<typeof views.SPLIT>): Tensor[] {
    return views.split(this, ...args);
  }

  /** Splits into `chunks` nearly equal pieces along `dim`. */
  chunk(...args: ArgsOf<typeof views.CHUNK>): Tensor[] {
    return views.chunk(this, ...args);
  }

  /** Removes dimension `dim`, returning its slices. */
  unbind(...args: ArgsOf<typeof views.UNBIND>): Tensor[] {
    return views.unbind(this, ...args);
  }

  /** Iterates over the first dimension, like `for row in x` in Python. */
  *[Symbol.iterator](): Iterator<Tensor> {
    if (this.ndim === 0) throw new TsorchError("iteration over a 0-d tensor", "TypeError");
    for (let i = 0; i < this.shape[0]!; i++) yield this.select(0, i);
  }

  // ---------------------------------------------------------------- arithmetic

  /**
   * `this + alpha * other`, broadcasting; `other` may be a number.
   *
   * @example
   * torch.tensor([1, 2]).add(0.5)          // tensor([1.5000, 2.5000])
   * x.add(y, { alpha: 2 })                 // x + 2y
   */
  add(other: TensorLike, options?: binary.AlphaOptions | Scalar): Tensor {
    return binary.add(this, other, options);
  }

  /** `this - alpha * other`, broadcasting. */
  sub(other: TensorLike, options?: binary.AlphaOptions | Scalar): Tensor {
    return binary.sub(this, other, options);
  }

  /** Alias of `sub`. */
  subtract(other: TensorLike, options?: binary.AlphaOptions | Scalar): Tensor {
    return binary.sub(this, other, options);
  }

  /**
   * Element-wise product, broadcasting.
   *
   * @example
   * torch.ones(2, 3).mul(torch.tensor([1, 2, 3]))   // each row [1, 2, 3]
   */
  mul(other: TensorLike): Tensor {
    return binary.mul(this, other);
  }

  /** Alias of `mul`. */
  multiply(other: TensorLike): Tensor {
    return binary.mul(this, other);
  }

  /**
   * Division: true division by default (integers give float32), or rounded
   * with `rounding_mode: "trunc" | "floor"`.
   */
  div(other: TensorLike, options: binary.DivOptions = {}): Tensor {
    return binary.div(this, other, options);
  }

  /** Alias of `div`. */
  divide(other: TensorLike, options: binary.DivOptions = {}): Tensor {
    return binary.div(this, other, options);
  }

  /** `div` without rounding. */
  true_divide(other: TensorLike): Tensor {
    return binary.div(this, other);
  }

  /** Division rounded toward minus infinity (Python's `//`). */
  floor_divide(other: TensorLike): Tensor {
    return binary.floor_divide(this, other);
  }

  /** Python's `%` (the sign of the divisor). */
  remainder(other: TensorLike): Tensor {
    return binary.remainder(this, other);
  }

  /** C's `fmod` (the sign of the dividend). */
  fmod(other: TensorLike): Tensor {
    return binary.fmod(this, other);
  }

  /**
   * `this ** exponent` (a number or a tensor).
   *
   * @example
   * torch.tensor([1, 2, 3]).pow(2)   // tensor([1, 4, 9])
   */
  pow(exponent: TensorLike): Tensor {
    return binary.pow(this, exponent);
  }

  /** `pow` computed in float64. */
  float_power(exponent: TensorLike): Tensor {
    return binary.float_power(this, exponent);
  }

  /** Element-wise maximum with `other` (NaN propagates). */
  maximum(other: Tensor): Tensor {
    return binary.maximum(this, other);
  }

  /** Element-wise minimum with `other` (NaN propagates). */
  minimum(other: Tensor): Tensor {
    return binary.minimum(this, other);
  }

  /** Element-wise maximum ignoring NaN. */
  fmax(other: Tensor): Tensor {
    return binary.fmax(this, other);
  }

  /** Element-wise minimum ignoring NaN. */
  fmin(other: Tensor): Tensor {
    return binary.fmin(this, other);
  }

  /** `atan2(this, other)`. */
  atan2(other: Tensor): Tensor {
    return binary.atan2(this, other);
  }

  arctan2(other: Tensor): Tensor {
    return binary.atan2(this, other);
  }

  /** `sqrt(this^2 + other^2)`. */
  hypot(other: Tensor): Tensor {
    return binary.hypot(this, other);
  }

  /** `log(exp(this) + exp(other))`, stable. */
  logaddexp(other: Tensor): Tensor {
    return binary.logaddexp(this, other);
  }

  /** `this + weight * (end - this)`. */
  lerp(end: Tensor, weight: TensorLike): Tensor {
    return ternary.lerp(this, end, weight);
  }

  /** `this + value * tensor1 * tensor2`. */
  addcmul(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
    return ternary.addcmul(this, tensor1, tensor2, options);
  }

  /** `this + value * tensor1 / tensor2`. */
  addcdiv(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
    return ternary.addcdiv(this, tensor1, tensor2, options);
  }

  // ---------------------------------------------------------------- element-wise math

  /** `-this`. */
  neg(): Tensor {
    return unary.neg(this);
  }

  negative(): Tensor {
    return unary.neg(this);
  }

  /** Absolute value. */
  abs(): Tensor {
    return unary.abs(this);
  }

  absolute(): Tensor {
    return unary.abs(this);
  }

  /** -1, 0 or 1 by sign. */
  sign(): Tensor {
    return unary.sign(this);
  }

  sgn(): Tensor {
    return unary.sign(this);
  }

  /** `e ** this` (integers give float32). */
  exp(): Tensor {
    return unary.exp(this);
  }

  exp2(): Tensor {
    return unary.exp2(this);
  }

  /** `exp(this) - 1`, accurate near 0. */
  expm1(): Tensor {
    return unary.expm1(this);
  }

  /** Natural logarithm. */
  log(): Tensor {
    return unary.log(this);
  }

  /** `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return unary.log1p(this);
  }

  log2(): Tensor {
    return unary.log2(this);
  }

  log10(): Tensor {
    return unary.log10(this);
  }

  /** Square root. */
  sqrt(): Tensor {
    return unary.sqrt(this);
  }

  /** `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return unary.rsqrt(this);
  }

  /** `1 / this`. */
  reciprocal(): Tensor {
    return unary.reciprocal(this);
  }

  /** `this * this`. */
  square(): Tensor {
    return unary.square(this);
  }

  sin(): Tensor {
    return unary.sin(this);
  }

  cos(): Tensor {
    return unary.cos(this);
  }

  tan(): Tensor {
    return unary.tan(this);
  }

  asin(): Tensor {
    return unary.asin(this);
  }

  acos(): Tensor {
    return unary.acos(this);
  }

  atan(): Tensor {
    return unary.atan(this);
  }

  arcsin(): Tensor {
    return unary.asin(this);
  }

  arccos(): Tensor {
    return unary.acos(this);
  }

  arctan(): Tensor {
    return unary.atan(this);
  }

  sinh(): Tensor {
    return unary.sinh(this);
  }

  cosh(): Tensor {
    return unary.cosh(this);
  }

  asinh(): Tensor {
    return unary.asinh(this);
  }

  acosh(): Tensor {
    return unary.acosh(this);
  }

  atanh(): Tensor {
    return unary.atanh(this);
  }

  /** The Gauss error function. */
  erf(): Tensor {
    return unary.erf(this);
  }

  erfc(): Tensor {
    return unary.erfc(this);
  }

  /** Rounds down. */
  floor(): Tensor {
    return unary.floor(this);
  }

  /** Rounds up. */
  ceil(): Tensor {
    return unary.ceil(this);
  }

  /** Rounds half to even, optionally to `decimals` places. */
  round(options: { decimals?: number } = {}): Tensor {
    return unary.round(this, options);
  }

  /** Rounds toward zero. */
  trunc(): Tensor {
    return unary.trunc(this);
  }

  fix(): Tensor {
    return unary.trunc(this);
  }

  /** `this - trunc(this)`. */
  frac(): Tensor {
    return unary.frac(this);
  }

  /** Replaces NaN, +inf, -inf by finite numbers. */
  nan_to_num(options: unary.NanToNumOptions = {}): Tensor {
    return unary.nan_to_num(this, options);
  }

  /** This tensor (`+x`). */
  positive(): Tensor {
    return unary.positive(this);
  }

  /**
   * Limits values to [min, max]; bounds may be numbers, tensors, or omitted.
   *
   * @example
   * torch.tensor([-2, 0.5, 3]).clamp(-1, 1)   // tensor([-1.0000,  0.5000,  1.0000])
   * x.clamp({ min: 0 })
   */
  clamp(min?: Bound | ClampOptions, max?: Bound): Tensor {
    return clampOps.clamp(this, min, max);
  }

  /** Alias of `clamp`. */
  clip(min?: Bound | ClampOptions, max?: Bound): Tensor {
    return clampOps.clamp(this, min, max);
  }

  clamp_min(min: TensorLike): Tensor {
    return clampOps.clamp_min(this, min);
  }

  clamp_max(max: TensorLike): Tensor {
    return clampOps.clamp_max(this, max);
  }

  /** `1 / (1 + exp(-this))`. */
  sigmoid(): Tensor {
    return activation.sigmoid(this);
  }

  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return activation.tanh(this);
  }

  /**
   * `max(this, 0)`.
   *
   * @example
   * torch.tensor([-1, 2.5]).relu()   // tensor([0.0000, 2.5000])
   */
  relu(): Tensor {
    return activation.relu(this);
  }

  // ---------------------------------------------------------------- comparisons

  /** `this == other` (a bool tensor). */
  eq(other: TensorLike): Tensor {
    return compare.eq(this, other);
  }

  /** `this != other`. */
  ne(other: TensorLike): Tensor {
    return compare.ne(this, other);
  }

  /** `this < other`. */
  lt(other: TensorLike): Tensor {
    return compare.lt(this, other);
  }

  /** `this <= other`. */
  le(other: TensorLike): Tensor {
    return compare.le(this, other);
  }

  /** `this > other`. */
  gt(other: TensorLike): Tensor {
    return compare.gt(this, other);
  }

  /** `this >= other`. */
  ge(other: TensorLike): Tensor {
    return compare.ge(this, other);
  }

  not_equal(other: TensorLike): Tensor {
    return compare.ne(this, other);
  }

  less(other: TensorLike): Tensor {
    return compare.lt(this, other);
  }

  less_equal(other: TensorLike): Tensor {
    return compare.le(this, other);
  }

  greater(other: TensorLike): Tensor {
    return compare.gt(this, other);
  }

  greater_equal(other: TensorLike): Tensor {
    return compare.ge(this, other);
  }

  logical_and(other: TensorLike): Tensor {
    return compare.logical_and(this, other);
  }

  logical_or(other: TensorLike): Tensor {
    return compare.logical_or(this, other);
  }

  logical_xor(other: TensorLike): Tensor {
    return compare.logical_xor(this, other);
  }

  /** `~this` for a bool tensor. */
  logical_not(): Tensor {
    return compare.logical_not(this);
  }

  bitwise_and(other: TensorLike): Tensor {
    return compare.bitwise_and(this, other);
  }

  bitwise_or(other: TensorLike): Tensor {
    return compare.bitwise_or(this, other);
  }

  bitwise_xor(other: TensorLike): Tensor {
    return compare.bitwise_xor(this, other);
  }

  bitwise_not(): Tensor {
    return compare.bitwise_not(this);
  }

  /** True where NaN. */
  isnan(): Tensor {
    return compare.isnan(this);
  }

  /** True where +-inf. */
  isinf(): Tensor {
    return compare.isinf(this);
  }

  isposinf(): Tensor {
    return compare.isposinf(this);
  }

  isneginf(): Tensor {
    return compare.isneginf(this);
  }

  /** True where neither NaN nor infinite. */
  isfinite(): Tensor {
    return compare.isfinite(this);
  }

  signbit(): Tensor {
    return compare.signbit(this);
  }

  /** Element-wise closeness to `other` (see `torch.isclose`). */
  isclose(other: Tensor, ...args: ArgsOf<typeof compare.ISCLOSE>): Tensor {
    return compare.isclose(this, other, ...args);
  }

  /** True when every element is close to `other`. */
  allclose(other: Tensor, ...args: ArgsOf<typeof compare.ALLCLOSE>): boolean {
    return compare.allclose(this, other, ...args);
  }

  /** True when `other` has the same shape and elements. */
  equal(other: Tensor): boolean {
    return compare.equal(this, other);
  }

  // ---------------------------------------------------------------- selection and indexing

  /** `torch.where(condition, this, other)`. */
  where(condition: Tensor, other: TensorLike): Tensor {
    return indexOps.where(condition, this, other);
  }

  /** A copy with `value` where `mask` is true. */
  masked_fill(mask: Tensor, value: Scalar | Tensor): Tensor {
    return indexOps.masked_fill(this, mask, value);
  }

  /** The elements where `mask` is true, as a 1-d tensor. */
  masked_select(mask: Tensor): Tensor {
    return indexOps.masked_select(this, mask);
  }

  /** The slices `index` of dimension `dim`. */
  index_select(dim: number, index: Tensor): Tensor {
    return indexOps.index_select(this, dim, index);
  }

  /** One element per position of `index` along `dim`. */
  gather(dim: number, index: Tensor): Tensor {
    return indexOps.gather(this, dim, index);
  }

  /** A copy with `src` written at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: Tensor | Scalar, ...rest: ArgsOf<typeof indexOps.SCATTER>): Tensor {
    return indexOps.scatter(this, dim, index, src, ...rest);
  }

  /** A copy with `src` added at `index` along `dim`. */
  scatter_add(dim: number, index: Tensor, src: Tensor): Tensor {
    return indexOps.scatter_add(this, dim, index, src);
  }

  /** A copy with `alpha * source` added at the slices `index` of `dim`. */
  index_add(dim: number, index: Tensor, source: Tensor, options: { alpha?: number } = {}): Tensor {
    return indexOps.index_add(this, dim, index, source, options);
  }

  /** Elements at flat positions `index`. */
  take(index: Tensor): Tensor {
    return indexOps.take(this, index);
  }

  take_along_dim(indices: Tensor, dim?: number): Tensor {
    return indexOps.take_along_dim(this, indices, dim);
  }

  /** Indices of non-zero elements. */
  nonzero(options: { as_tuple?: boolean } = {}): Tensor | Tensor[] {
    return options.as_tuple ? indexOps.nonzero(this, { as_tuple: true }) : indexOps.nonzero(this);
  }

  /** Number of non-zero elements (over `dim`). */
  count_nonzero(dim?: number | readonly number[]): Tensor {
    return indexOps.count_nonzero(this, dim);
  }

  // ---------------------------------------------------------------- reductions

  /**
   * Sum of all elements, or over `dim` (a number or a list), keeping reduced
   * dims with `keepdim`. Integers sum to int64.
   *
   * @example
   * torch.ones(2, 3).sum()        // tensor(6.)
   * torch.ones(2, 3).sum(1)       // tensor([3., 3.])
   * x.sum({ dim: [0, 2], keepdim: true })
   */
  sum(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    return reduce.sum(this, dim, keepdim, options);
  }

  /** Sum treating NaN as zero. */
  nansum(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
    return reduce.nansum(this, dim, keepdim);
  }

  /**
   * Mean of all elements or over `dim` (floating tensors).
   *
   * @example
   * torch.tensor([[1, 2], [3, 4]]).float().mean(0)   // tensor([2., 3.])
   */
  mean(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    return reduce.mean(this, dim, keepdim, options);
  }

  /** Mean ignoring NaN. */
  nanmean(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
    return reduce.nanmean(this, dim, keepdim);
  }

  /** Product of all elements or along `dim`. */
  prod(dim?: number | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    return reduce.prod(this, dim, keepdim, options);
  }

  /**
   * Largest element; with `dim`, values and indices along it (destructure
   * `const [values, indices] = x.max(1)` or use `.values` / `.indices`); with
   * a tensor, the element-wise maximum.
   */
  max(): Tensor;
  max(dim: number | reduce.DimKeep, keepdim?: boolean): reduce.ValuesIndices;
  max(other: Tensor): Tensor;
  max(dimOrOther?: number | Tensor | reduce.DimKeep, keepdim = false): Tensor | reduce.ValuesIndices {
    return reduce.max(this, dimOrOther as number, keepdim);
  }

  /** Smallest element; see `max` for the forms. */
  min(): Tensor;
  min(dim: number | reduce.DimKeep, keepdim?: boolean): reduce.ValuesIndices;
  min(other: Tensor): Tensor;
  min(dimOrOther?: number | Tensor | reduce.DimKeep, keepdim = false): Tensor | reduce.ValuesIndices {
    return reduce.min(this, dimOrOther as number, keepdim);
  }

  /** Largest value over `dim` (default all). */
  amax(...args: ArgsOf<typeof reduce.AMAX>): Tensor {
    return reduce.amax(this, ...args);
  }

  /** Smallest value over `dim` (default all). */
  amin(...args: ArgsOf<typeof reduce.AMIN>): Tensor {
    return reduce.amin(this, ...args);
  }

  /**
   * Index of the largest value (of the flattened tensor, or along `dim`).
   *
   * @example
   * logits.argmax(1)   // predicted class of every row
   */
  argmax(...args: ArgsOf<typeof reduce.ARGMAX>): Tensor {
    return reduce.argmax(this, ...args);
  }

  /** Index of the smallest value. */
  argmin(...args: ArgsOf<typeof reduce.ARGMIN>): Tensor {
    return reduce.argmin(this, ...args);
  }

  /**
   * Variance (Bessel-corrected unless `unbiased: false` / `correction: 0`).
   *
   * @example
   * torch.tensor([1, 2, 3]).float().var()   // tensor(1.)
   */
  var(dim?: DimArg | boolean | reduce.VarOptions, unbiased?: boolean | reduce.VarOptions, keepdim?: boolean | reduce.VarOptions): Tensor {
    return reduce.variance(this, dim, unbiased, keepdim);
  }

  /** Standard deviation (same arguments as `var`). */
  std(dim?: DimArg | boolean | reduce.VarOptions, unbiased?: boolean | reduce.VarOptions, keepdim?: boolean | reduce.VarOptions): Tensor {
    return reduce.std(this, dim, unbiased, keepdim);
  }

  /** The p-norm (default 2) of all elements or over `dim`. */
  norm(...args: ArgsOf<typeof reduce.NORM>): Tensor {
    return reduce.norm(this, ...args);
  }

  /** `log(sum(exp(this), dim))`, stable. */
  logsumexp(...args: ArgsOf<typeof reduce.LOGSUMEXP>): Tensor {
    return reduce.logsumexp(this, ...args);
  }

  /** True when all elements (over `dim`) are non-zero. */
  all(...args: ArgsOf<typeof reduce.ALL>): Tensor {
    return reduce.all(this, ...args);
  }

  /** True when some element (over `dim`) is non-zero. */
  any(...args: ArgsOf<typeof reduce.ANY>): Tensor {
    return reduce.any(this, ...args);
  }

  /** Cumulative sum along `dim`. */
  cumsum(dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
    return scan.cumsum(this, dim, options);
  }

  /** Cumulative product along `dim`. */
  cumprod(dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
    return scan.cumprod(this, dim, options);
  }

  cummax(dim: number): reduce.ValuesIndices {
    return scan.cummax(this, dim);
  }

  cummin(dim: number): reduce.ValuesIndices {
    return scan.cummin(this, dim);
  }

  logcumsumexp(dim: number): Tensor {
    return scan.logcumsumexp(this, dim);
  }

  /**
   * Softmax along `dim`.
   *
   * @example
   * logits.softmax(1)   // each row sums to 1
   */
  softmax(dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
    return softmaxOps.softmax(this, dim, options);
  }

  /** Log of softmax along `dim`, computed stably. */
  log_softmax(dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
    return softmaxOps.log_softmax(this, dim, options);
  }

  /** Median of all elements, or values and indices along `dim`. */
  median(): Tensor;
  median(...args: sortOps.MedianDimArgs): reduce.ValuesIndices;
  median(...args: [] | sortOps.MedianDimArgs): Tensor | reduce.ValuesIndices {
    return args.length === 0 ? sortOps.median(this) : sortOps.median(this, ...args);
  }

  /** The k-th smallest value (1-based) along `dim`. */
  kthvalue(...args: ArgsOf<typeof sortOps.KTHVALUE>): reduce.ValuesIndices {
    return sortOps.kthvalue(this, ...args);
  }

  /** Values sorted along `dim` (default last) with their indices. */
  sort(dim: number | sortOps.SortOptions = -1, descending = false): reduce.ValuesIndices {
    return sortOps.sort(this, dim, descending);
  }

  /** Indices that sort along `dim`. */
  argsort(dim: number | sortOps.SortOptions = -1, descending = false): Tensor {
    return sortOps.argsort(this, dim, descending);
  }

  msort(): Tensor {
    return sortOps.msort(this);
  }

  /** The `k` largest (or smallest) values along `dim` with their indices. */
  topk(k: number, dim: number | sortOps.TopkOptions = -1, largest = true, sorted = true): reduce.ValuesIndices {
    return sortOps.topk(this, k, dim, largest, sorted);
  }

  /** Distinct elements, sorted (with inverse indices / counts on request). */
  unique(options: sortOps.UniqueOptions = {}): Tensor | Tensor[] {
    return sortOps.unique(this, options);
  }

  /** Collapses runs of equal consecutive elements (or slices along `dim`); see `torch.unique_consecutive`. */
  unique_consecutive(options: sortOps.UniqueConsecutiveOptions = {}): Tensor | Tensor[] {
    return sortOps.unique_consecutive(this, options);
  }

  // ---------------------------------------------------------------- matrix products

  /**
   * Matrix product with PyTorch's rules for 1-d, 2-d and batched operands.
   *
   * @example
   * torch.ones(2, 3).matmul(torch.ones(3))   // tensor([3., 3.])
   */
  matmul(other: Tensor): Tensor {
    return matmulOps.matmul(this, other);
  }

  /** Product of two matrices. */
  mm(mat2: Tensor): Tensor {
    return matmulOps.mm(this, mat2);
  }

  /** Batched matrix product of 3-d tensors. */
  bmm(mat2: Tensor): Tensor {
    return matmulOps.bmm(this, mat2);
  }

  /** Matrix-vector product. */
  mv(vec: Tensor): Tensor {
    return matmulOps.mv(this, vec);
  }

  /** Inner product of two 1-d tensors. */
  dot(other: Tensor): Tensor {
    return matmulOps.dot(this, other);
  }

  /** Outer product of two 1-d tensors. */
  outer(vec2: Tensor): Tensor {
    return matmulOps.outer(this, vec2);
  }

  ger(vec2: Tensor): Tensor {
    return matmulOps.outer(this, vec2);
  }

  /** `beta * this + alpha * (mat1 @ mat2)`. */
  addmm(mat1: Tensor, mat2: Tensor, options: matmulOps.AddmmOptions = {}): Tensor {
    return matmulOps.addmm(this, mat1, mat2, options);
  }

  addmv(mat: Tensor, vec: Tensor, options: matmulOps.AddmmOptions = {}): Tensor {
    return matmulOps.addmv(this, mat, vec, options);
  }

  baddbmm(batch1: Tensor, batch2: Tensor, options: matmulOps.AddmmOptions = {}): Tensor {
    return matmulOps.baddbmm(this, batch1, batch2, options);
  }

  matrix_power(n: number): Tensor {
    return matmulOps.matrix_power(this, n);
  }

  // ---------------------------------------------------------------- rearranging

  /**
   * Tiles the tensor `sizes[i]` times along dimension i.
   *
   * @example
   * torch.tensor([1, 2]).repeat(2, 2)   // tensor([[1, 2, 1, 2], [1, 2, 1, 2]])
   */
  repeat(...sizes: (number | readonly number[])[]): Tensor {
    return rearrange.repeat(this, ...sizes);
  }

  tile(dims: readonly number[]): Tensor {
    return rearrange.tile(this, dims);
  }

  /** A copy reversed along `dims`. */
  flip(...args: ArgsOf<typeof rearrange.FLIP>): Tensor {
    return rearrange.flip(this, ...args);
  }

  fliplr(): Tensor {
    return rearrange.fliplr(this);
  }

  flipud(): Tensor {
    return rearrange.flipud(this);
  }

  /** The windows of length `size`, `step` apart, along `dimension`, as a new last dimension (a view). */
  unfold(dimension: number, size: number, step: number): Tensor {
    return copies.unfold(this, dimension, size, step);
  }

  /** Sums broadcast dimensions away until the shape is `size` (the reverse of expand). */
  sum_to_size(...size: (number | readonly number[])[]): Tensor {
    return copies.sum_to_size(this, ...size);
  }

  /** Cyclic shift by `shifts` along `dims`. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
    return rearrange.roll(this, shifts, dims);
  }

  /** Lower triangle (zeros above diagonal `diagonal`). */
  tril(diagonal = 0): Tensor {
    return rearrange.tril(this, diagonal);
  }

  /** Upper triangle (zeros below diagonal `diagonal`). */
  triu(diagonal = 0): Tensor {
    return rearrange.triu(this, diagonal);
  }

  /** Diagonal matrix from a vector, or the diagonal of a matrix. */
  diag(diagonal = 0): Tensor {
    return rearrange.diag(this, diagonal);
  }

  /** A view of a diagonal. */
  diagonal(...args: ArgsOf<typeof rearrange.DIAGONAL>): Tensor {
    return rearrange.diagonal(this, ...args);
  }

  diag_embed(...args: ArgsOf<typeof rearrange.DIAG_EMBED>): Tensor {
    return rearrange.diag_embed(this, ...args);
  }

  /** Sum of the main diagonal. */
  trace(): Tensor {
    return rearrange.trace(this);
  }

  movedim(...args: ArgsOf<typeof rearrange.MOVEDIM>): Tensor {
    return rearrange.movedim(this, ...args);
  }

  moveaxis(...args: ArgsOf<typeof rearrange.MOVEDIM>): Tensor {
    return rearrange.movedim(this, ...args);
  }

  rot90(...args: ArgsOf<typeof rearrange.ROT90>): Tensor {
    return rearrange.rot90(this, ...args);
  }

  /** A tensor with this one's dtype (`type_as`). */
  type_as(other: Tensor): Tensor {
    return this.to(other.dtype);
  }

  // ---------------------------------------------------------------- new tensors like this one

  /** Zeros of `size` with this tensor's dtype (unless given). */
  new_zeros(size: readonly number[], options: CreationOptions = {}): Tensor {
    return creation.zeros([...size], { dtype: this.dtype, ...options });
  }

  /** Ones of `size` with this tensor's dtype. */
  new_ones(size: readonly number[], options: CreationOptions = {}): Tensor {
    return creation.ones([...size], { dtype: this.dtype, ...options });
  }

  /** `fill_value` in a tensor of `size` with this tensor's dtype. */
  new_full(size: readonly number[], fill_value: number | boolean, options: CreationOptions = {}): Tensor {
    return creation.full([...size], fill_value, { dtype: this.dtype, ...options });
  }

  new_empty(size: readonly number[], options: CreationOptions = {}): Tensor {
    return creation.zeros([...size], { dtype: this.dtype, ...options });
  }

  /** A tensor from data, with this tensor's dtype unless given. */
  new_tensor(data: NestedArray, options: CreationOptions = {}): Tensor {
    return creation.tensor(data, { dtype: this.dtype, ...options });
  }

  // ---------------------------------------------------------------- in place

  /**
   * In-place `this += alpha * other`. Refused on a leaf that requires grad
   * unless inside `torch.no_grad`.
   *
   * @example
   * torch.no_grad(() => w.add_(w.grad!, { alpha: -0.1 }));
   */
  add_(other: TensorLike, options?: binary.AlphaOptions | Scalar): this {
    inplace.add_(this, other, options);
    return this;
  }

  /** In-place `this -= alpha * other`. */
  sub_(other: TensorLike, options?: binary.AlphaOptions | Scalar): this {
    inplace.sub_(this, other, options);
    return this;
  }

  /** In-place `this *= other`. */
  mul_(other: TensorLike): this {
    inplace.mul_(this, other);
    return this;
  }

  /** In-place `this /= other`. */
  div_(other: TensorLike, options: binary.DivOptions = {}): this {
    inplace.div_(this, other, options);
    return this;
  }

  /** In-place power. */
  pow_(exponent: TensorLike): this {
    inplace.pow_(this, exponent);
    return this;
  }

  remainder_(other: TensorLike): this {
    inplace.remainder_(this, other);
    return this;
  }

  fmod_(other: TensorLike): this {
    inplace.fmod_(this, other);
    return this;
  }

  floor_divide_(other: TensorLike): this {
    inplace.floor_divide_(this, other);
    return this;
  }

  /** In-place `-this`. */
  neg_(): this { inplace.neg_(this); return this; }
  /** Alias of `neg_`. */
  negative_(): this { inplace.neg_(this); return this; }
  /** In-place absolute value. */
  abs_(): this { inplace.abs_(this); return this; }
  /** In-place sign (-1, 0, 1). */
  sign_(): this { inplace.sign_(this); return this; }
  /** In-place `e ** this`. */
  exp_(): this { inplace.exp_(this); return this; }
  /** In-place `2 ** this`. */
  exp2_(): this { inplace.exp2_(this); return this; }
  /** In-place `exp(this) - 1`. */
  expm1_(): this { inplace.expm1_(this); return this; }
  /** In-place natural logarithm. */
  log_(): this { inplace.log_(this); return this; }
  /** In-place `log(1 + this)`. */
  log1p_(): this { inplace.log1p_(this); return this; }
  /** In-place base-2 logarithm. */
  log2_(): this { inplace.log2_(this); return this; }
  /** In-place base-10 logarithm. */
  log10_(): this { inplace.log10_(this); return this; }
  /** In-place square root. */
  sqrt_(): this { inplace.sqrt_(this); return this; }
  /** In-place `1 / sqrt(this)`. */
  rsqrt_(): this { inplace.rsqrt_(this); return this; }
  /** In-place `1 / this`. */
  reciprocal_(): this { inplace.reciprocal_(this); return this; }
  /** In-place `this * this`. */
  square_(): this { inplace.square_(this); return this; }
  /** In-place sine. */
  sin_(): this { inplace.sin_(this); return this; }
  /** In-place cosine. */
  cos_(): this { inplace.cos_(this); return this; }
  /** In-place tangent. */
  tan_(): this { inplace.tan_(this); return this; }
  /** In-place error function. */
  erf_(): this { inplace.erf_(this); return this; }
  /** In-place rounding down. */
  floor_(): this { inplace.floor_(this); return this; }
  /** In-place rounding up. */
  ceil_(): this { inplace.ceil_(this); return this; }
  /** In-place rounding toward zero. */
  trunc_(): this { inplace.trunc_(this); return this; }
  /** In-place fractional part. */
  frac_(): this { inplace.frac_(this); return this; }
  /** In-place rounding half to even. */
  round_(options: { decimals?: number } = {}): this { inplace.round_(this, options); return this; }
  /** In-place ReLU. */
  relu_(): this { inplace.relu_(this); return this; }
  /** In-place sigmoid. */
  sigmoid_(): this { inplace.sigmoid_(this); return this; }
  /** In-place hyperbolic tangent. */
  tanh_(): this { inplace.tanh_(this); return this; }
  /** In-place replacement of NaN and infinities. */
  nan_to_num_(options: unary.NanToNumOptions = {}): this { inplace.nan_to_num_(this, options); return this; }

  /** In-place clamp. */
  clamp_(min?: Bound | ClampOptions, max?: Bound): this {
    inplace.clamp_(this, min, max);
    return this;
  }

  clip_(min?: Bound | ClampOptions, max?: Bound): this {
    inplace.clamp_(this, min, max);
    return this;
  }

  clamp_min_(min: TensorLike): this {
    inplace.clamp_min_(this, min);
    return this;
  }

  clamp_max_(max: TensorLike): this {
    inplace.clamp_max_(this, max);
    return this;
  }

  /** Sets every element to `value`. */
  fill_(value: Scalar | Tensor): this {
    inplace.fill_(this, value);
    return this;
  }

  /** Sets every element to zero (e.g. `p.grad.zero_()`). */
  zero_(): this {
    inplace.zero_(this);
    return this;
  }

  /** Copies `src` (broadcast, converted) into this tensor. */
  copy_(src: Tensor): this {
    inplace.copy_(this, src);
    return this;
  }

  /** Writes `value` where `mask` is true. */
  masked_fill_(mask: Tensor, value: Scalar | Tensor): this {
    inplace.masked_fill_(this, mask, value);
    return this;
  }

  scatter_(dim: number, index: Tensor, src: Tensor | Scalar): this {
    inplace.scatter_(this, dim, index, src);
    return this;
  }

  scatter_add_(dim: number, index: Tensor, src: Tensor): this {
    inplace.scatter_add_(this, dim, index, src);
    return this;
  }

  /** In-place `this += value * tensor1 * tensor2`. */
  addcmul_(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): this {
    inplace.addcmul_(this, tensor1, tensor2, options);
    return this;
  }

  /** In-place `this += value * tensor1 / tensor2`. */
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): this {
    inplace.addcdiv_(this, tensor1, tensor2, options);
    return this;
  }

  /** In-place `this += weight * (end - this)`. */
  lerp_(end: Tensor, weight: TensorLike): this {
    inplace.lerp_(this, end, weight);
    return this;
  }

  /** Fills with uniform samples in [from, to). */
  uniform_(from = 0, to = 1, options: { generator?: Generator } = {}): this {
    random.uniform_(this, from, to, options);
    return this;
  }

  /** Fills with normal samples. */
  normal_(mean = 0, std = 1, options: { generator?: Generator } = {}): this {
    random.normal_(this, mean, std, options);
    return this;
  }

  /** Fills with 0/1 samples of probability `p`. */
  bernoulli_(p: number | Tensor = 0.5, options: { generator?: Generator } = {}): this {
    random.bernoulli_(this, p, options);
    return this;
  }

  /** Fills with random integers (see `torch.Tensor.random_`). */
  random_(from?: number, to?: number | null, options: { generator?: Generator } = {}): this {
    random.random_(this, from, to, options);
    return this;
  }

  exponential_(lambd = 1, options: { generator?: Generator } = {}): this {
    random.exponential_(this, lambd, options);
    return this;
  }

  /** 0/1 samples with this tensor's values as probabilities. */
  /** `num_samples` category indices per row, drawn with these weights (PyTorch's samples after `manual_seed`). */
  multinomial(num_samples: number, replacement = false, options: { generator?: Generator } = {}): Tensor {
    return random.multinomial(this, num_samples, replacement, options);
  }

  bernoulli(options: { generator?: Generator } = {}): Tensor {
    return random.bernoulli(this, undefined, options);
  }

  // ---------------------------------------------------------------- display

  /** PyTorch's `repr(x)`: `tensor([[ 0.0314, -0.1123]], requires_grad=True)`. */
  toString(): string {
    return formatTensorRepr(this);
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}
