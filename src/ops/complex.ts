/**
 * Complex tensors: `torch.complex64` and `torch.complex128`, with the surface
 * a PyTorch user reaches for first: creation (`torch.complex`,
 * `torch.view_as_complex`, `torch.polar`, the `torch.fft` transforms),
 * `view_as_real`, `.real` / `.imag`, `abs`, `angle`, `conj`, `isreal`, `neg`, `add`,
 * `sub`, `mul`, `div` (with PyTorch's promotion against real tensors and
 * numbers), reshaping, and PyTorch's printing. The `torch.fft` family reads
 * and returns them, so `irfft(rfft(x))` gives `x` back.
 *
 * A complex tensor is stored as a real tensor in `view_as_real`'s layout (a
 * trailing dimension of 2 holding real and imaginary parts), so
 * `view_as_real`, `view_as_complex`, `.real` and `.imag` are views sharing
 * that storage, as in PyTorch. It is its own class, not a `Tensor`: every
 * other op refuses it (a type error in a notebook cell, PyTorch's
 * "not implemented for 'ComplexFloat'" at run time) instead of reading its
 * storage as real numbers. Complex results are not recorded by autograd.
 *
 * @example
 * const z = torch.complex(torch.tensor([1, 3]).float(), torch.tensor([2, -4]).float());
 * z                          // tensor([1.+2.j, 3.-4.j])
 * z.abs()                    // tensor([2.2361, 5.0000])
 * torch.view_as_real(z)      // tensor([[ 1.,  2.], [ 3., -4.]])
 * torch.fft.irfft(torch.fft.rfft(x))   // x again
 */
import { inspect } from "node:util";
import { TsorchError } from "../errors.js";
import { type ComplexDType, type DType, complexOf, float32, float64 } from "../tensor/dtype.js";
import { formatTensor } from "../tensor/format.js";
import { Tensor } from "../tensor/tensor.js";
import { stack } from "./join.js";
import { add as realAdd, div as realDiv, mul as realMul, sub as realSub } from "./binary.js";
import { angle as realAngle, conj as realConj, isreal as realIsreal } from "./numeric.js";
import { abs as realAbs, neg as realNeg } from "./unary.js";
import { checkTensor } from "./operand.js";
import { scalarTypeName } from "./result-type.js";

/** A tensor of complex numbers (complex64 or complex128): see the module comment. */
export class ComplexTensor {
  /** @internal The real tensor in view_as_real's layout ([...shape, 2], float32 or float64). */
  readonly _ri: Tensor;

  /** @internal Use torch.complex, torch.view_as_complex, torch.polar or torch.fft. */
  constructor(ri: Tensor) {
    this._ri = ri;
  }

  get dtype(): ComplexDType {
    return complexOf(this._ri.dtype);
  }

  get shape(): number[] {
    return this._ri.shape.slice(0, -1);
  }

  get ndim(): number {
    return this._ri.ndim - 1;
  }

  dim(): number {
    return this.ndim;
  }

  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape;
    return this.shape[dim < 0 ? dim + this.ndim : dim]!;
  }

  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  is_complex(): boolean {
    return true;
  }

  /** The real parts: a view sharing this tensor's storage. */
  get real(): Tensor {
    return this._ri.select(-1, 0);
  }

  /** The imaginary parts: a view sharing this tensor's storage. */
  get imag(): Tensor {
    return this._ri.select(-1, 1);
  }

  abs(): Tensor { return abs(this); }
  angle(): Tensor { return angle(this); }
  conj(): ComplexTensor { return conj(this); }
  neg(): ComplexTensor { return neg(this); }
  add(other: ComplexTensor | Tensor | number, options?: { alpha?: number }): ComplexTensor { return add(this, other, options); }
  sub(other: ComplexTensor | Tensor | number, options?: { alpha?: number }): ComplexTensor { return sub(this, other, options); }
  mul(other: ComplexTensor | Tensor | number): ComplexTensor { return mul(this, other); }
  div(other: ComplexTensor | Tensor | number): ComplexTensor { return div(this, other); }

  reshape(...shape: (number | readonly number[])[]): ComplexTensor {
    const dims = shape.length === 1 && Array.isArray(shape[0]) ? [...shape[0]] : (shape as number[]);
    return new ComplexTensor(this._ri.reshape([...dims, 2]));
  }

  view(...shape: (number | readonly number[])[]): ComplexTensor {
    const dims = shape.length === 1 && Array.isArray(shape[0]) ? [...shape[0]] : (shape as number[]);
    return new ComplexTensor(this._ri.view([...dims, 2]));
  }

  clone(): ComplexTensor {
    return new ComplexTensor(this._ri.clone());
  }

  contiguous(): ComplexTensor {
    return new ComplexTensor(this._ri.contiguous());
  }

  /** The complex numbers as [re, im] pairs in nested arrays. */
  tolist(): unknown {
    return this._ri.tolist();
  }

  toString(): string {
    const data = this._ri.contiguous().toFlatArray();
    return formatTensor({
      shape: this.shape,
      dtype: this.dtype.name,
      get: (i) => Number(data[2 * i]),
      imag: (i) => Number(data[2 * i + 1]),
    });
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

/** Whether `x` is a complex tensor (PyTorch's `torch.is_complex`). */
export function is_complex(x: Tensor | ComplexTensor): boolean {
  return x instanceof ComplexTensor;
}

const parts = (re: Tensor, im: Tensor) => new ComplexTensor(stack([re, im], -1));

function checkFloatParts(fn: string, x: Tensor): void {
  if (x.dtype !== float32 && x.dtype !== float64) {
    throw new TsorchError(`${fn} is only supported for half, float and double tensors, but got a tensor of scalar type: ${scalarTypeName(x.dtype)}`);
  }
}

/** The complex tensor `real + i imag` (both float32 or both float64, broadcast). */
export function complex(real: Tensor, imag: Tensor): ComplexTensor {
  checkTensor(real, "complex", "real", 1);
  checkTensor(imag, "complex", "imag", 2);
  const ok = (d: DType) => d === float32 || d === float64;
  if (!ok(real.dtype) || !ok(imag.dtype)) {
    throw new TsorchError(`Expected both inputs to be Half, Float or Double tensors but got ${scalarTypeName(real.dtype)} and ${scalarTypeName(imag.dtype)}`);
  }
  if (real.dtype !== imag.dtype) {
    throw new TsorchError(`Expected object of scalar type ${scalarTypeName(real.dtype)} but got scalar type ${scalarTypeName(imag.dtype)} for second argument`);
  }
  return parts(...broadcastPair(real, imag));
}

function broadcastPair(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const zero = a.mul(0).add(b.mul(0));
  return [a.add(zero), b.add(zero)];
}

/** The complex view of a real tensor whose last dimension holds (real, imaginary): shares its storage. */
export function view_as_complex(input: Tensor): ComplexTensor {
  checkTensor(input, "view_as_complex");
  checkFloatParts("view_as_complex", input);
  if (input.ndim === 0) throw new TsorchError("Input tensor must have one or more dimensions");
  if (input.shape[input.ndim - 1] !== 2) throw new TsorchError("Tensor must have a last dimension of size 2");
  const strides = input.stride() as number[];
  if (strides[strides.length - 1] !== 1) throw new TsorchError("Tensor must have a last dimension with stride 1");
  if (strides.slice(0, -1).some((s) => s % 2 !== 0)) throw new TsorchError("Tensor must have a stride divisible by 2 for all but last dimension");
  if (input.storage_offset() % 2 !== 0) throw new TsorchError("Tensor must have a storage_offset divisible by 2");
  return new ComplexTensor(input);
}

/** The real view of a complex tensor: a trailing dimension of 2 holding (real, imaginary), sharing its storage. */
export function view_as_real(input: ComplexTensor | Tensor): Tensor {
  if (!(input instanceof ComplexTensor)) {
    checkTensor(input, "view_as_real");
    throw new TsorchError("view_as_real is only supported for complex tensors");
  }
  return input._ri;
}

/** The complex numbers with magnitude `abs` and phase `angle`. */
export function polar(absValue: Tensor, angleValue: Tensor): ComplexTensor {
  checkTensor(absValue, "polar", "abs", 1);
  checkTensor(angleValue, "polar", "angle", 2);
  return complex(absValue.mul(angleValue.cos()), absValue.mul(angleValue.sin()));
}

/** |z|, a real tensor. */
export function abs(z: ComplexTensor): Tensor {
  return z.real.hypot(z.imag);
}

/** The phase of z in (-pi, pi], a real tensor. */
export function angle(z: ComplexTensor): Tensor {
  return z.imag.atan2(z.real);
}

/** The complex conjugate (a new tensor; PyTorch's is a lazy view with the same values). */
export function conj(z: ComplexTensor): ComplexTensor {
  return parts(z.real.clone(), z.imag.neg());
}

export function neg(z: ComplexTensor): ComplexTensor {
  return new ComplexTensor(z._ri.neg());
}

type Operand = ComplexTensor | Tensor | number;

/** The real and imaginary parts of an operand (a real one has zero imaginary part). */
function split(x: Operand): [Tensor | number, Tensor | number] {
  if (x instanceof ComplexTensor) return [x.real, x.imag];
  if (x instanceof Tensor || typeof x === "number") return [x, 0];
  throw new TsorchError(`complex arithmetic: expected a tensor or a number, got ${typeof x}`, "TypeError");
}

const plus = (a: Tensor | number, b: Tensor | number): Tensor | number =>
  a instanceof Tensor ? a.add(b) : b instanceof Tensor ? b.add(a) : a + b;
const times = (a: Tensor | number, b: Tensor | number): Tensor | number =>
  a instanceof Tensor ? a.mul(b) : b instanceof Tensor ? b.mul(a) : a * b;

/**
 * A complex result from real and imaginary parts that may be numbers: the
 * parts take the dtype of the float operands (float64 if any, else float32),
 * PyTorch's promotion of complex with real tensors and numbers.
 */
function assemble(re: Tensor | number, im: Tensor | number, operands: Operand[]): ComplexTensor {
  const wide = operands.some((o) => (o instanceof ComplexTensor ? o._ri.dtype : o instanceof Tensor ? o.dtype : null) === float64);
  const dtype = wide ? float64 : float32;
  const shapeOf = (o: Operand) => (o instanceof ComplexTensor ? o.real : o);
  const zero = operands.map(shapeOf).filter((o): o is Tensor => o instanceof Tensor).reduce<Tensor | null>((acc, t) => {
    const z = t.mul(0).to(dtype);
    return acc ? acc.add(z) : z;
  }, null)!;
  const lift = (p: Tensor | number) => zero.add(p).to(dtype);
  return parts(lift(re), lift(im));
}

function needComplex(fn: string, a: Operand, b: Operand): void {
  if (!(a instanceof ComplexTensor) && !(b instanceof ComplexTensor)) throw new TsorchError(`${fn}: expected a complex operand`);
}

/** a + alpha b. */
export function add(a: Operand, b: Operand, options?: { alpha?: number }): ComplexTensor {
  needComplex("add", a, b);
  const [ar, ai] = split(a), [br, bi] = split(b);
  const alpha = options?.alpha ?? 1;
  return assemble(plus(ar, times(br, alpha)), plus(ai, times(bi, alpha)), [a, b]);
}

/** a - alpha b. */
export function sub(a: Operand, b: Operand, options?: { alpha?: number }): ComplexTensor {
  return add(a, b, { alpha: -(options?.alpha ?? 1) });
}

/** a b. */
export function mul(a: Operand, b: Operand): ComplexTensor {
  needComplex("mul", a, b);
  const [ar, ai] = split(a), [br, bi] = split(b);
  return assemble(plus(times(ar, br), times(times(ai, bi), -1)), plus(times(ar, bi), times(ai, br)), [a, b]);
}

/** a / b. */
export function div(a: Operand, b: Operand): ComplexTensor {
  needComplex("div", a, b);
  const [ar, ai] = split(a), [br, bi] = split(b);
  const d = plus(times(br, br), times(bi, bi));
  const over = (x: Tensor | number) => (x instanceof Tensor ? x.div(d) : d instanceof Tensor ? d.reciprocal().mul(x) : x / d);
  return assemble(over(plus(times(ar, br), times(ai, bi))), over(plus(times(ai, br), times(times(ar, bi), -1))), [a, b]);
}

/** The real parts of a complex tensor (a view), or a real tensor itself. */
export function real(x: ComplexTensor | Tensor): Tensor {
  return x instanceof ComplexTensor ? x.real : checkTensor(x, "real");
}

/** The imaginary parts of a complex tensor (a view); a real tensor has none (PyTorch's error). */
export function imag(x: ComplexTensor | Tensor): Tensor {
  if (x instanceof ComplexTensor) return x.imag;
  checkTensor(x, "imag");
  throw new TsorchError("imag is not implemented for tensors with non-complex dtypes.");
}

// ---------------------------------------------------------------- torch.* taking real or complex tensors

const realOps = { add: realAdd, sub: realSub, mul: realMul, div: realDiv, neg: realNeg, abs: realAbs, angle: realAngle, conj: realConj, isreal: realIsreal };

/**
 * The `torch` functions that take a real or a complex tensor: complex
 * operands go to the functions above, everything else to the real op
 * unchanged (its trace, errors and autograd).
 */
export const torchComplex = {
  add: ((input: unknown, other: unknown, options?: unknown) =>
    input instanceof ComplexTensor || other instanceof ComplexTensor
      ? add(input as Operand, other as Operand, options as { alpha?: number })
      : realOps.add(input as Tensor, other as Tensor, options as number)) as RealOrComplexBinary<typeof realOps.add>,
  sub: ((input: unknown, other: unknown, options?: unknown) =>
    input instanceof ComplexTensor || other instanceof ComplexTensor
      ? sub(input as Operand, other as Operand, options as { alpha?: number })
      : realOps.sub(input as Tensor, other as Tensor, options as number)) as RealOrComplexBinary<typeof realOps.sub>,
  mul: ((input: unknown, other: unknown) =>
    input instanceof ComplexTensor || other instanceof ComplexTensor
      ? mul(input as Operand, other as Operand)
      : realOps.mul(input as Tensor, other as Tensor)) as RealOrComplexBinary<typeof realOps.mul>,
  div: ((input: unknown, other: unknown, options?: unknown) =>
    input instanceof ComplexTensor || other instanceof ComplexTensor
      ? div(input as Operand, other as Operand)
      : realOps.div(input as Tensor, other as Tensor, options as object)) as RealOrComplexBinary<typeof realOps.div>,
  neg: ((input: unknown) => (input instanceof ComplexTensor ? neg(input) : realOps.neg(input as Tensor))) as RealOrComplexUnary<ComplexTensor>,
  abs: ((input: unknown) => (input instanceof ComplexTensor ? abs(input) : realOps.abs(input as Tensor))) as RealOrComplexUnary<Tensor>,
  angle: ((input: unknown) => (input instanceof ComplexTensor ? angle(input) : realOps.angle(input as Tensor))) as RealOrComplexUnary<Tensor>,
  conj: ((input: unknown) => (input instanceof ComplexTensor ? conj(input) : realOps.conj(input as Tensor))) as RealOrComplexUnary<ComplexTensor>,
  isreal: ((input: unknown) => (input instanceof ComplexTensor ? input.imag.eq(0) : realOps.isreal(input as Tensor))) as RealOrComplexUnary<Tensor>,
};

/** A real binary op's own signature, plus complex operands giving a complex result. */
type RealOrComplexBinary<F> = F & ((input: Operand, other: Operand, options?: { alpha?: number }) => ComplexTensor);
/** A real unary op on a tensor, or `R` from a complex one. */
type RealOrComplexUnary<R> = ((input: Tensor) => Tensor) & ((input: ComplexTensor) => R);
