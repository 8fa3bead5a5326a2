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
import { type DType, type DTypeLike, float32, toDType } from "./dtype.js";
import { Size } from "./size.js";
import { contiguousStrides, gatherContiguous, isContiguousLayout, shapeNumel } from "./strided.js";
import type { GradFn } from "../autograd/graph.js";
import * as views from "./view.js";
import type { IndexItem } from "./view.js";
import { formatTensorRepr } from "./repr.js";
import { accumulated, runBackward } from "../autograd/engine.js";
import { toDtypeCopy } from "./convert.js";

/** The memory behind one or more tensors. `version` counts in-place writes, which autograd checks. */
export class Storage {
  version = 0;
  constructor(readonly data: import("./dtype.js").TypedArray) {}
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
  /** The accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
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
    this.shape = Object.freeze(Size.of_(shape)) as Size;
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

  is_contiguous(): boolean {
    return isContiguousLayout(this.shape, this._strides);
  }

  is_floating_point(): boolean {
    return this.dtype.is_floating_point;
  }

  /** Always "cpu": tsorch computes on the CPU. Kept so PyTorch code that reads `x.device` runs. */
  get device(): string {
    return "cpu";
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
   * Computes the gradient of this tensor with respect to the graph leaves and
   * accumulates it into their `.grad`. A non-scalar tensor needs `gradient`.
   */
  backward(gradient?: Tensor | null, options: { retain_graph?: boolean; create_graph?: boolean } = {}): void {
    runBackward([this], gradient ? [gradient] : [null], options.retain_graph ?? false, options.create_graph ?? false);
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

  /** This tensor converted to `dtype` (itself when it already has it). */
  to(dtype: DTypeLike): Tensor {
    return toDtypeCopy(this, toDType(dtype));
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
  flatten(start_dim = 0, end_dim = -1): Tensor {
    return views.flatten(this, start_dim, end_dim);
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

  /** `x.mT`: the last two dimensions swapped. */
  get mT(): Tensor {
    return views.transpose(this, -2, -1);
  }

  /** Removes dimensions of size 1 (all, or the one given). */
  squeeze(dim?: number): Tensor {
    return views.squeeze(this, dim);
  }

  /** Inserts a dimension of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    return views.unsqueeze(this, dim);
  }

  /** `length` elements of dimension `dim` from `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return views.narrow(this, dim, start, length);
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
  as_strided(size: readonly number[], stride: readonly number[], storage_offset?: number): Tensor {
    return views.asStrided(this, size, stride, storage_offset ?? this._offset);
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
  split(split_size: number | readonly number[], dim = 0): Tensor[] {
    return views.split(this, split_size, dim);
  }

  /** Splits into `chunks` nearly equal pieces along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return views.chunk(this, chunks, dim);
  }

  /** Removes dimension `dim`, returning its slices. */
  unbind(dim = 0): Tensor[] {
    return views.unbind(this, dim);
  }

  /** Iterates over the first dimension, like `for row in x` in Python. */
  *[Symbol.iterator](): Iterator<Tensor> {
    if (this.ndim === 0) throw new TsorchError("iteration over a 0-d tensor", "TypeError");
    for (let i = 0; i < this.shape[0]!; i++) yield this.select(0, i);
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
