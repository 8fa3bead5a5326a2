/**
 * `torch.fft`: discrete Fourier transforms over one, two or n dimensions
 * (`fft`, `ifft`, `rfft`, `irfft`, `hfft`, `ihfft` and their `2`/`n` forms,
 * `fftshift`, `ifftshift`, `fftfreq`, `rfftfreq`), with PyTorch's `n`/`s`, `dim` and `norm`
 * ("backward", "ortho", "forward") arguments.
 *
 * Inputs are real or complex tensors (`ComplexTensor`, src/ops/complex.ts);
 * complex results are complex64 (complex128 from float64 input), real ones
 * (`irfft`, `hfft`) float32 or float64, so `irfft(rfft(x))` is `x` again. A
 * real tensor given to a transform that reads a complex spectrum is read with
 * zero imaginary parts, as PyTorch does. Transforms run in double precision
 * (a direct DFT per line; the sizes here are small) and round to the result
 * dtype. They are not recorded by autograd; `fftshift` and `ifftshift` of a
 * real tensor are rolls and are.
 *
 * @example
 * torch.fft.rfft(torch.tensor([1, 0, 0, 0]).float())   // tensor([1.+0.j, 1.+0.j, 1.+0.j])
 * torch.fft.irfft(torch.fft.rfft(x))                    // x
 * torch.fft.fftshift(torch.arange(5))                   // tensor([3, 4, 0, 1, 2])
 */
import { TsorchError } from "../errors.js";
import { type DType, float32, toDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { ComplexTensor } from "./complex.js";
import { checkTensor } from "./operand.js";
import { roll } from "./rearrange.js";
import { type ArgsOf, DTypeT, Dims, Float, Int, arg, kwarg, oneOf, optional, signature } from "./signature.js";

type Norm = "backward" | "ortho" | "forward" | null;
const NORM = optional(oneOf("backward", "ortho", "forward"));

/** A complex array in double precision, row-major over `shape`. */
interface Complex { re: Float64Array; im: Float64Array; shape: number[] }

/** A transform's input: a real or complex tensor. */
type Input = Tensor | ComplexTensor;

function fromReal(x: Input): Complex {
  if (x instanceof ComplexTensor) {
    const d = x._ri.contiguous().toFlatArray();
    const n = d.length / 2;
    const re = new Float64Array(n), im = new Float64Array(n);
    for (let i = 0; i < n; i++) { re[i] = Number(d[2 * i]); im[i] = Number(d[2 * i + 1]); }
    return { re, im, shape: x.shape };
  }
  const d = x.contiguous().toFlatArray();
  return { re: Float64Array.from(d as ArrayLike<number>, Number), im: new Float64Array(d.length), shape: [...x.shape] };
}

/** The real dtype of the result's parts: the input's (its parts' for a complex input), float32 for integers. */
function resultDType(x: Input): DType {
  if (x instanceof ComplexTensor) return x._ri.dtype;
  return x.dtype.kind === "float" ? x.dtype : float32;
}

/** The complex result. */
function toTensor(c: Complex, dtype: DType): ComplexTensor {
  const out = new dtype.ArrayType(c.re.length * 2);
  for (let i = 0; i < c.re.length; i++) { out[2 * i] = c.re[i]!; out[2 * i + 1] = c.im[i]!; }
  return new ComplexTensor(Tensor._fromData(out, [...c.shape, 2], dtype));
}

/** Checks a transform's input (a tensor or a complex tensor); `realOnly` for the r2c transforms. */
function checkInput(fn: string, x: Input, realOnly = false): void {
  if (x instanceof ComplexTensor) {
    if (realOnly) throw new TsorchError(`${fn.replace("fft_", "")} expects a real input tensor, but got ${x.dtype.scalarName}`);
    return;
  }
  checkTensor(x, fn);
}

/** The complex conjugate, in place. */
function conjugate(c: Complex): Complex {
  for (let i = 0; i < c.im.length; i++) c.im[i] = -c.im[i]!;
  return c;
}

function realTensor(c: Complex, dtype: DType): Tensor {
  return Tensor._fromData(new dtype.ArrayType(c.re), [...c.shape], dtype);
}

/** Visits every line along `dim`: calls `f(base, stride)` for its first element. */
function lines(shape: readonly number[], dim: number, f: (base: number, stride: number) => void): void {
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) for (let i = 0; i < stride; i++) f(o * shape[dim]! * stride + i, stride);
}

/** Trims or zero-pads `dim` to length n. */
function resize(c: Complex, dim: number, n: number): Complex {
  const m = c.shape[dim]!;
  if (m === n) return c;
  const shape = [...c.shape];
  shape[dim] = n;
  const size = shape.reduce((a, b) => a * b, 1);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const k = Math.min(m, n);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < stride; i++) {
        re[(o * n + j) * stride + i] = c.re[(o * m + j) * stride + i]!;
        im[(o * n + j) * stride + i] = c.im[(o * m + j) * stride + i]!;
      }
    }
  }
  return { re, im, shape };
}

/** The DFT along `dim` (sign -1 forward, +1 inverse), scaled by `scale`. */
function dft(c: Complex, dim: number, inverse: boolean, scale: number): Complex {
  const n = c.shape[dim]!;
  const re = new Float64Array(c.re.length);
  const im = new Float64Array(c.im.length);
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Exact at the quarter turns (sin(pi) is 1.2e-16 in floating point), so the imaginary
    // parts of a real signal's zero and Nyquist frequencies come out exactly 0, as PyTorch's do.
    const [c, s] = 4 * k % n === 0 ? [[1, 0], [0, 1], [-1, 0], [0, -1]][(4 * k) / n]! : [Math.cos((2 * Math.PI * k) / n), Math.sin((2 * Math.PI * k) / n)];
    cos[k] = c;
    sin[k] = (inverse ? 1 : -1) * s;
  }
  lines(c.shape, dim, (base, stride) => {
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const t = (k * j) % n;
        const xr = c.re[base + j * stride]!;
        const xi = c.im[base + j * stride]!;
        sr += xr * cos[t]! - xi * sin[t]!;
        si += xr * sin[t]! + xi * cos[t]!;
      }
      re[base + k * stride] = sr * scale;
      im[base + k * stride] = si * scale;
    }
  });
  return { re, im, shape: c.shape };
}

function scaleOf(norm: Norm, n: number, inverse: boolean): number {
  const mode = norm ?? "backward";
  if (mode === "ortho") return 1 / Math.sqrt(n);
  return (mode === "backward") === inverse ? 1 / n : 1;
}

function checkDim(fn: string, x: Input, dim: number): number {
  const nd = x.ndim;
  if (nd === 0) throw new TsorchError(`Dimension specified as ${dim} but tensor has no dimensions`, "IndexError");
  if (dim < -nd || dim >= nd) {
    throw new TsorchError(`Dimension out of range (expected to be in range of [${-Math.max(nd, 1)}, ${Math.max(nd, 1) - 1}], but got ${dim})`, "IndexError");
  }
  return dim < 0 ? dim + nd : dim;
}

function checkN(fn: string, n: number): void {
  if (n < 1) throw new TsorchError(`Invalid number of data points (${n}) specified`);
}

/** Keeps the first n/2 + 1 entries along `dim` (the half spectrum of a real signal). */
function half(c: Complex, dim: number): Complex {
  return resize(c, dim, Math.floor(c.shape[dim]! / 2) + 1);
}

/** Rebuilds a full Hermitian spectrum of length n along `dim` from its first entries. */
function hermitian(c: Complex, dim: number, n: number): Complex {
  const h = resize(c, dim, Math.floor(n / 2) + 1);
  const full = resize(h, dim, n);
  const m = h.shape[dim]!;
  lines(full.shape, dim, (base, stride) => {
    for (let k = m; k < n; k++) {
      full.re[base + k * stride] = full.re[base + (n - k) * stride]!;
      full.im[base + k * stride] = -full.im[base + (n - k) * stride]!;
    }
  });
  return full;
}

const ONE = [arg("n", optional(Int), null), arg("dim", Int, -1), arg("norm", NORM, null)] as const;
const FFT = signature("fft_fft", ONE);
const IFFT = signature("fft_ifft", ONE);
const RFFT = signature("fft_rfft", ONE);
const IRFFT = signature("fft_irfft", ONE);
const HFFT = signature("fft_hfft", ONE);
const IHFFT = signature("fft_ihfft", ONE);

function one(fn: string, x: Input, o: { n: number | null; dim: number; norm: Norm }, realOnly = false): { c: Complex; dim: number; n: number } {
  checkInput(fn, x, realOnly);
  const dim = checkDim(fn, x, o.dim);
  const n = o.n ?? x.shape[dim]!;
  checkN(fn, n);
  return { c: fromReal(x), dim, n };
}

/** The DFT of `input` along `dim`, zero-padded or trimmed to `n`. */
export function fft(input: Input, ...args: ArgsOf<typeof FFT>): ComplexTensor {
  const o = FFT.parse(args);
  const { c, dim, n } = one("fft_fft", input, o);
  return toTensor(dft(resize(c, dim, n), dim, false, scaleOf(o.norm, n, false)), resultDType(input));
}

/** The inverse DFT. */
export function ifft(input: Input, ...args: ArgsOf<typeof IFFT>): ComplexTensor {
  const o = IFFT.parse(args);
  const { c, dim, n } = one("fft_ifft", input, o);
  return toTensor(dft(resize(c, dim, n), dim, true, scaleOf(o.norm, n, true)), resultDType(input));
}

/** The DFT of a real signal: its first n/2 + 1 frequencies. */
export function rfft(input: Tensor, ...args: ArgsOf<typeof RFFT>): ComplexTensor {
  const o = RFFT.parse(args);
  const { c, dim, n } = one("fft_rfft", input, o, true);
  return toTensor(half(dft(resize(c, dim, n), dim, false, scaleOf(o.norm, n, false)), dim), resultDType(input));
}

/** The inverse of rfft: a real signal of length n (default 2 (m - 1)) from a half spectrum. */
export function irfft(input: Input, ...args: ArgsOf<typeof IRFFT>): Tensor {
  return fromHalf("fft_irfft", input, IRFFT.parse(args), true);
}

/** The real transform of the Hermitian signal whose first half is `input` (irfft: inverse, hfft: forward). */
function fromHalf(fn: string, input: Input, o: { n: number | null; dim: number; norm: Norm }, inverse: boolean): Tensor {
  checkInput(fn, input);
  const dim = checkDim(fn, input, o.dim);
  const n = o.n ?? 2 * (input.shape[dim]! - 1);
  checkN(fn, n);
  // hfft, the forward transform of the Hermitian signal whose first half is the input, is the inverse one of its conjugate.
  const c = inverse ? fromReal(input) : conjugate(fromReal(input));
  return realTensor(dft(hermitian(c, dim, n), dim, true, scaleOf(o.norm, n, inverse)), resultDType(input));
}

/** The DFT of a Hermitian-symmetric signal given by its first half: a real spectrum of length n. */
export function hfft(input: Input, ...args: ArgsOf<typeof HFFT>): Tensor {
  return fromHalf("fft_hfft", input, HFFT.parse(args), false);
}

/** The inverse of hfft: the first n/2 + 1 entries of the inverse DFT of a real signal. */
export function ihfft(input: Tensor, ...args: ArgsOf<typeof IHFFT>): ComplexTensor {
  const o = IHFFT.parse(args);
  const { c, dim, n } = one("fft_ihfft", input, o, true);
  return toTensor(half(dft(resize(c, dim, n), dim, true, scaleOf(o.norm, n, true)), dim), resultDType(input));
}

// ---------------------------------------------------------------- n-dimensional
const MANY = [arg("s", optional(Dims), null), arg("dim", optional(Dims), null), arg("norm", NORM, null)] as const;
const TWO = [arg("s", optional(Dims), null), arg("dim", Dims, [-2, -1]), arg("norm", NORM, null)] as const;

/** The dims and sizes of an n-dimensional transform, PyTorch's rules for `s` and `dim`. */
function plan(fn: string, x: Input, sIn: number | readonly number[] | null, dimIn: number | readonly number[] | null, lastHalf: "in" | "out" | null, realOnly = false): { dims: number[]; sizes: number[] } {
  checkInput(fn, x, realOnly);
  const s = sIn === null ? null : typeof sIn === "number" ? [sIn] : [...sIn];
  let dims: number[];
  if (dimIn !== null) {
    dims = (typeof dimIn === "number" ? [dimIn] : [...dimIn]).map((d) => checkDim(fn, x, d));
    if (new Set(dims).size !== dims.length) throw new TsorchError("FFT dims must be unique");
    if (s && s.length !== dims.length) throw new TsorchError("When given, dim and shape arguments must have the same length");
  } else if (s) {
    if (s.length > x.ndim) throw new TsorchError(`Got shape with ${s.length} values but input tensor only has ${x.ndim} dimensions.`);
    dims = s.map((_, i) => x.ndim - s.length + i);
  } else {
    dims = [...Array(x.ndim).keys()];
  }
  const sizes = dims.map((d, i) => {
    const given = s?.[i];
    if (given !== undefined && given !== -1) return given;
    if (lastHalf === "out" && i === dims.length - 1) return 2 * (x.shape[d]! - 1);
    return x.shape[d]!;
  });
  sizes.forEach((n) => checkN(fn, n));
  return { dims, sizes };
}

function cn(x: Input, dims: number[], sizes: number[], inverse: boolean, norm: Norm): Complex {
  let c = fromReal(x);
  dims.forEach((d, i) => { c = dft(resize(c, d, sizes[i]!), d, inverse, scaleOf(norm, sizes[i]!, inverse)); });
  return c;
}

const FFT2 = signature("fft_fft2", TWO);
const IFFT2 = signature("fft_ifft2", TWO);
const RFFT2 = signature("fft_rfft2", TWO);
const IRFFT2 = signature("fft_irfft2", TWO);
const HFFT2 = signature("fft_hfft2", TWO);
const IHFFT2 = signature("fft_ihfft2", TWO);
const FFTN = signature("fft_fftn", MANY);
const IFFTN = signature("fft_ifftn", MANY);
const RFFTN = signature("fft_rfftn", MANY);
const IRFFTN = signature("fft_irfftn", MANY);
const HFFTN = signature("fft_hfftn", MANY);
const IHFFTN = signature("fft_ihfftn", MANY);

type ManyArgs = { s: number | readonly number[] | null; dim: number | readonly number[] | null; norm: Norm };

function fftnImpl(fn: string, x: Input, o: ManyArgs, inverse: boolean): ComplexTensor {
  const { dims, sizes } = plan(fn, x, o.s, o.dim, null);
  return toTensor(cn(x, dims, sizes, inverse, o.norm), resultDType(x));
}

function rfftnImpl(fn: string, x: Tensor, o: ManyArgs, inverse: boolean): ComplexTensor {
  const { dims, sizes } = plan(fn, x, o.s, o.dim, null, true);
  if (dims.length === 0) throw new TsorchError(`${fn.replace("fft_", "")} must transform at least one axis`);
  const c = cn(x, dims, sizes, inverse, o.norm);
  return toTensor(half(c, dims[dims.length - 1]!), resultDType(x));
}

/** irfftn (and, with the forward transform, hfftn): c2c over all but the last dim, then the Hermitian c2r on the last. */
function irfftnImpl(fn: string, x: Input, o: ManyArgs, inverse: boolean): Tensor {
  const { dims, sizes } = plan(fn, x, o.s, o.dim, "out");
  if (dims.length === 0) throw new TsorchError(`${fn.replace("fft_", "")} must transform at least one axis`);
  // hfftn of a signal is irfftn of its conjugate, with the forward transform's scale.
  let c = inverse ? fromReal(x) : conjugate(fromReal(x));
  const last = dims.length - 1;
  dims.slice(0, last).forEach((d, i) => { c = dft(resize(c, d, sizes[i]!), d, true, scaleOf(o.norm, sizes[i]!, inverse)); });
  const d = dims[last]!;
  const n = sizes[last]!;
  c = dft(hermitian(c, d, n), d, true, scaleOf(o.norm, n, inverse));
  return realTensor(c, resultDType(x));
}

export function fft2(input: Input, ...args: ArgsOf<typeof FFT2>): ComplexTensor { return fftnImpl("fft_fft2", input, FFT2.parse(args), false); }
export function ifft2(input: Input, ...args: ArgsOf<typeof IFFT2>): ComplexTensor { return fftnImpl("fft_ifft2", input, IFFT2.parse(args), true); }
export function fftn(input: Input, ...args: ArgsOf<typeof FFTN>): ComplexTensor { return fftnImpl("fft_fftn", input, FFTN.parse(args), false); }
export function ifftn(input: Input, ...args: ArgsOf<typeof IFFTN>): ComplexTensor { return fftnImpl("fft_ifftn", input, IFFTN.parse(args), true); }
export function rfft2(input: Tensor, ...args: ArgsOf<typeof RFFT2>): ComplexTensor { return rfftnImpl("fft_rfft2", input, RFFT2.parse(args), false); }
export function rfftn(input: Tensor, ...args: ArgsOf<typeof RFFTN>): ComplexTensor { return rfftnImpl("fft_rfftn", input, RFFTN.parse(args), false); }
export function irfft2(input: Input, ...args: ArgsOf<typeof IRFFT2>): Tensor { return irfftnImpl("fft_irfft2", input, IRFFT2.parse(args), true); }
export function irfftn(input: Input, ...args: ArgsOf<typeof IRFFTN>): Tensor { return irfftnImpl("fft_irfftn", input, IRFFTN.parse(args), true); }
/** hfftn: the forward transform of a Hermitian signal given by its first half. */
export function hfft2(input: Input, ...args: ArgsOf<typeof HFFT2>): Tensor { return irfftnImpl("fft_hfft2", input, HFFT2.parse(args), false); }
export function hfftn(input: Input, ...args: ArgsOf<typeof HFFTN>): Tensor { return irfftnImpl("fft_hfftn", input, HFFTN.parse(args), false); }
/** ihfftn: the half inverse spectrum of a real signal. */
export function ihfft2(input: Tensor, ...args: ArgsOf<typeof IHFFT2>): ComplexTensor { return rfftnImpl("fft_ihfft2", input, IHFFT2.parse(args), true); }
export function ihfftn(input: Tensor, ...args: ArgsOf<typeof IHFFTN>): ComplexTensor { return rfftnImpl("fft_ihfftn", input, IHFFTN.parse(args), true); }

const SHIFT = signature("fftshift", [arg("dim", optional(Dims), null)]);
function shift<T extends Input>(input: T, dim: number | readonly number[] | null, inverse: boolean): T {
  if (input instanceof ComplexTensor) {
    // The same roll of the real layout, over every dim but its trailing (real, imaginary) one.
    const dims = dim === null ? [...Array(input.ndim).keys()] : (typeof dim === "number" ? [dim] : [...dim]).map((d) => (d < 0 ? d + input.ndim : d));
    return new ComplexTensor(shift(input._ri, dims, inverse)) as T;
  }
  checkTensor(input, inverse ? "ifftshift" : "fftshift");
  const dims = dim === null ? [...Array(input.ndim).keys()] : typeof dim === "number" ? [dim] : [...dim];
  if (dims.length === 0) return input.clone() as T;
  const shifts = dims.map((d) => {
    const n = input.shape[d < 0 ? d + input.ndim : d]!;
    return inverse ? (n + 1) >> 1 : n >> 1;
  });
  return roll(input, shifts, dims) as T;
}
/** Moves the zero frequency to the centre (a roll by n/2 along each dim). */
export function fftshift<T extends Input>(input: T, ...args: ArgsOf<typeof SHIFT>): T { return shift(input, SHIFT.parse(args).dim, false); }
/** The inverse of fftshift. */
export function ifftshift<T extends Input>(input: T, ...args: ArgsOf<typeof SHIFT>): T { return shift(input, SHIFT.parse(args).dim, true); }

const FREQ = [arg("d", Float, 1), kwarg("dtype", optional(DTypeT), null)] as const;
const FFTFREQ = signature("fft_fftfreq", FREQ, 1);
const RFFTFREQ = signature("fft_rfftfreq", FREQ, 1);

function frequencies(fn: string, n: number, d: number, dtype: DType, values: number[]): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new TsorchError(`${fn}: n must be a non-negative integer, got ${n}`);
  if (dtype.kind !== "float") throw new TsorchError(`${fn} requires a floating point dtype, got ${dtype.toString()}`);
  return Tensor._fromData(new dtype.ArrayType(values.map((k) => k / (d * n))), [values.length], dtype);
}

/** The sample frequencies of an n-point fft with sample spacing d: [0, 1, ..., -2, -1] / (d n). */
export function fftfreq(n: number, ...args: ArgsOf<typeof FFTFREQ>): Tensor {
  const { d, dtype } = FFTFREQ.parse(args);
  const half = Math.floor((n - 1) / 2) + 1;
  return frequencies("fftfreq", n, d, toDType(dtype), Array.from({ length: n }, (_, i) => (i < half ? i : i - n)));
}

/** The sample frequencies of an n-point rfft: [0, 1, ..., n / 2] / (d n). */
export function rfftfreq(n: number, ...args: ArgsOf<typeof RFFTFREQ>): Tensor {
  const { d, dtype } = RFFTFREQ.parse(args);
  return frequencies("rfftfreq", n, d, toDType(dtype), Array.from({ length: Math.floor(n / 2) + 1 }, (_, i) => i));
}
