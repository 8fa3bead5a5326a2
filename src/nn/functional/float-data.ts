/**
 * The bridge between tensors and the compute kernels: contiguous float32
 * (or float64) data in, a tensor of the caller's dtype out, plus the checks
 * PyTorch makes before a layer op runs (uninitialized lazy parameters,
 * dtypes an op does not implement).
 *
 * Conv, pooling, linear and interpolate have float64 kernels (the registry's
 * (op, dtype) keys): an op written once for both takes `kernelDtype(t)`,
 * `kernelData(t)` and `floatKernel(op, dtype)` and gives `kernelTensor`, so
 * float64 tensors compute in double as PyTorch does. An op with only a float32
 * kernel would round a float64 tensor to float32 with `floatData` and widen
 * the result back with `tensorFrom`, and so be float32-accurate.
 *
 * @example
 * const dt = kernelDtype(input);                 // "float64" for float64 tensors, else "float32"
 * const x = kernelData(input);                   // Float64Array or Float32Array, row-major
 * const y = kernelTensor(floatKernel("conv2d", dt)(g, x, w, b), [1, 6, 28, 28], input.dtype);
 * const xf = floatData(input);                   // Float32Array whatever the dtype
 */
import { ArgumentError, DTypeError, TsorchError } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import type { FloatArray } from "../../backend/cpu/float-array.js";
import type { FloatDtype } from "../../backend/registry.js";
import { float64 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { is_lazy } from "../parameter.js";
import { pyTypename } from "../python-style.js";
import { type SampleDType, cppTypeName as cTypeName } from "../../random/dtypes.js";

/**
 * Python's argument check: `linear(): argument 'input' (position 1) must be
 * Tensor, not int`. Optional tensors may be null or undefined.
 */
export function requireTensor(fn: string, args: readonly [unknown, string, boolean?][]): void {
  for (let i = 0; i < args.length; i++) {
    const [x, name, optional] = args[i]!;
    if (x instanceof Tensor || (optional && (x === null || x === undefined))) continue;
    throw new TsorchError(`${fn}(): argument '${name}' (position ${i + 1}) must be Tensor, not ${pyTypename(x)}`, "TypeError");
  }
}

/** Row-major float32 data of `t` (no copy when it is contiguous float32; callers must not write to it). */
export function floatData(t: Tensor): Float32Array {
  const d = t._contiguousData();
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/** A contiguous tensor of `dtype` holding `data` (widened when `dtype` is float64). */
export function tensorFrom(data: Float32Array, shape: readonly number[], dtype: DType): Tensor {
  if (dtype === float64) return Tensor._fromData(Float64Array.from(data), shape, float64);
  return Tensor._fromData(data, shape, dtype);
}

/** Row-major float64 data of `t` (no copy when it is contiguous float64; callers must not write to it). */
export function doubleData(t: Tensor): Float64Array {
  const d = t._contiguousData();
  return d instanceof Float64Array ? d : Float64Array.from(d);
}

/** A contiguous float64 tensor holding `data` (taken, not copied). */
export function doubleTensor(data: Float64Array, shape: readonly number[]): Tensor {
  return Tensor._fromData(data, shape, float64);
}

/** The registry dtype whose kernels compute `t`'s op: float64 tensors in double, the others in float32. */
export function kernelDtype(t: Tensor): FloatDtype {
  return t.dtype === float64 ? "float64" : "float32";
}

/** Row-major data of `t` in its kernel dtype (`kernelDtype`): no copy when it is already so. */
export function kernelData(t: Tensor): FloatArray {
  return t.dtype === float64 ? doubleData(t) : floatData(t);
}

/** A contiguous tensor of `dtype` from a kernel's output of `kernelDtype` (a float64 one is taken as is). */
export function kernelTensor(data: FloatArray, shape: readonly number[], dtype: DType): Tensor {
  return data instanceof Float64Array ? doubleTensor(data, shape) : tensorFrom(data, shape, dtype);
}

/** PyTorch's C++ name of a dtype in "not implemented for" messages. */
export function cppTypeName(dtype: DType): string {
  const names: Record<string, string> = {
    float32: "Float", float64: "Double", int64: "Long", int32: "Int", uint8: "Byte", bool: "Bool",
  };
  return names[dtype.name] ?? dtype.name;
}

/** Throws PyTorch's `"op" not implemented for 'Long'` unless `t` is floating point. */
export function requireFloat(t: Tensor, kernelName: string, op: string): void {
  if (!t.dtype.is_floating_point) {
    throw new DTypeError(`"${kernelName}" not implemented for '${cppTypeName(t.dtype)}'`, op, [t.dtype.name]);
  }
}

/**
 * Throws `Input type (long int) and bias type (double) should be the same` (the C++ type names) when a
 * convolution's bias does not share the input's dtype; ATen checks this before the kernel's dtypes.
 */
export function requireBiasDtype(input: Tensor, bias: Tensor | null, op: string): void {
  if (bias && bias.dtype !== input.dtype) {
    throw new DTypeError(
      `Input type (${cTypeName(input.dtype.name as SampleDType)}) and bias type (${cTypeName(bias.dtype.name as SampleDType)}) should be the same`,
      op, [input.dtype.name, bias.dtype.name]);
  }
}

/** Throws `expected scalar type Float but found Double` when `other` does not share `input`'s dtype. */
export function requireSameDtype(input: Tensor, other: Tensor, op: string): void {
  if (input.dtype !== other.dtype) {
    throw new DTypeError(
      `expected scalar type ${cppTypeName(input.dtype)} but found ${cppTypeName(other.dtype)}`,
      op, [input.dtype.name, other.dtype.name]);
  }
}

/**
 * PyTorch refuses to compute with a parameter of a lazy module before its
 * first forward; `fnRepr` is how Python prints the function
 * (`<built-in function linear>`).
 */
export function checkInitialized(fnRepr: string, ...tensors: (Tensor | null | undefined)[]): void {
  for (const t of tensors) {
    if (t && is_lazy(t)) {
      throw new ArgumentError(
        `Attempted to use an uninitialized parameter in ${fnRepr}. This error happens when you are using a ` +
        "`LazyModule` or explicitly manipulating `torch.nn.parameter.UninitializedParameter` objects. When using " +
        "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling torch functions",
        "input", "ValueError");
    }
  }
}

