/**
 * `nn.Parameter`: a tensor that a module owns and trains. Assigning one to a
 * module field registers it (it then shows in `parameters()` and
 * `state_dict()`), while a plain tensor field stays a plain field, as in
 * PyTorch.
 *
 * @example
 * const w = new nn.Parameter(torch.randn(3, 2));
 * w.requires_grad     // true
 * String(w)           // "Parameter containing:\ntensor([[...]], requires_grad=True)"
 */
import { TsorchError } from "../errors.js";
import { type DType, type DTypeLike, float32, toDType } from "../tensor/dtype.js";
import { contiguousStrides } from "../tensor/strided.js";
import { Storage, Tensor } from "../tensor/tensor.js";
import { keepResident } from "../backend/registry.js";

/**
 * A tensor registered as a module parameter. It shares storage with the tensor
 * it was made from and requires grad unless told otherwise.
 *
 * @example
 * class Scale extends nn.Module {
 *   w = new nn.Parameter(torch.ones(1));
 *   forward(x: Tensor) { return x.mul(this.w); }
 * }
 * new Scale().parameters().length   // 1
 */
export class Parameter extends Tensor {
  /** @internal Read by the tensor printer to prefix "Parameter containing:". */
  readonly _isParameter = true;

  constructor(data?: Tensor | null, requires_grad = true) {
    const d = data ?? new Tensor(new Storage(new Float32Array(0)), [0], [1], 0, float32);
    super(d.storage, d.shape, d._strides, d._offset, d.dtype);
    this.requires_grad = requires_grad;
    // Parameters are read by every forward: the wasm kernels read them in place instead of copying.
    keepResident(d.storage);
  }
}

/** @internal Replaces what a tensor holds without changing its identity (PyTorch's `param.data = t`). */
export function setTensorData(target: Tensor, source: Tensor): void {
  target.data = source;
}

const SHAPE_MESSAGE =
  "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in `load_state_dict` " +
  "when trying to load an uninitialized parameter into an initialized one. Call `forward` to initialize the " +
  "parameters before accessing their attributes.";

/**
 * A parameter whose shape is not known yet (the weight of `nn.LazyLinear`
 * before its first call). Reading its shape throws PyTorch's error;
 * `materialize(shape)` turns it into an ordinary `Parameter` in place.
 *
 * @example
 * const p = new nn.UninitializedParameter();
 * String(p)            // "<UninitializedParameter>"
 * p.materialize([2, 3]);
 * p instanceof nn.UninitializedParameter   // false: it is a Parameter now
 */
export class UninitializedParameter extends Parameter {
  constructor(requires_grad = true, options: { dtype?: DTypeLike } = {}) {
    const dtype: DType = toDType(options.dtype ?? null);
    super(new Tensor(new Storage(new dtype.ArrayType(0)), [0], [1], 0, dtype), requires_grad);
    Object.defineProperty(this, "shape", {
      get(): never {
        throw new TsorchError(SHAPE_MESSAGE);
      },
      configurable: true,
      enumerable: false,
    });
  }

  /** Allocates the data (zeros; the owning module initialises it) and becomes a plain `Parameter`. */
  materialize(shape: readonly number[], options: { dtype?: DTypeLike } = {}): Parameter {
    const dtype = toDType(options.dtype ?? null, this.dtype);
    const n = shape.reduce((a, b) => a * b, 1);
    delete (this as { shape?: unknown }).shape;
    setTensorData(this, new Tensor(new Storage(new dtype.ArrayType(n)), shape, contiguousStrides(shape), 0, dtype));
    Object.setPrototypeOf(this, Parameter.prototype);
    return this;
  }

  override toString(): string {
    return `<${this.constructor.name}>`;
  }
}

/** True for parameters whose shape is not known yet (PyTorch's `nn.parameter.is_lazy`). */
export function is_lazy(p: unknown): p is UninitializedParameter {
  return p instanceof UninitializedParameter;
}
