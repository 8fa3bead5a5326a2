/**
 * `torch.signal.windows`: the window functions of signal processing (Hann,
 * Hamming, Blackman, Kaiser, ...) with PyTorch's keyword-only arguments
 * (`sym`, `dtype`, and each window's shape parameter). Values are computed in
 * double precision and rounded to `dtype` (float32 by default).
 *
 * @example
 * torch.signal.windows.hann(5)                 // tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
 * torch.signal.windows.kaiser(8, { beta: 6, sym: false })
 */
import { TsorchError } from "../errors.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type ArgsOf, Bool, DTypeT, Float, Str, kwarg, optional, required, signature, Int, type ArgType, NO_MATCH } from "./signature.js";
import { besselI } from "./special-math.js";

const Floats: ArgType<readonly number[]> = { name: "Iterable", read: (v) => (Array.isArray(v) && v.every((x) => typeof x === "number") ? v : NO_MATCH) };
const COMMON = [kwarg("sym", Bool, true), kwarg("dtype", optional(DTypeT), null), kwarg("layout", optional(Str), null), kwarg("device", optional(Str), null), kwarg("requires_grad", Bool, false)] as const;

/** PyTorch's checks (named as PyTorch names them: hann and hamming report general_cosine, which they call), then `values(M, sym)` as a tensor of the requested dtype. */
function window(name: string, M: number, o: { sym: boolean; dtype: DTypeLike | null; requires_grad: boolean }, values: (M: number, sym: boolean) => number[]): Tensor {
  if (M < 0) throw new TsorchError(`${name} requires non-negative window length, got M=${M}`, "ValueError");
  const dtype = toDType(o.dtype);
  if (dtype.kind !== "float") throw new TsorchError(`${name} expects float32 or float64 dtypes, got: torch.${dtype.name}`, "ValueError");
  const v = M === 0 ? [] : M === 1 ? [1] : values(M, o.sym);
  const t = Tensor._fromData(new dtype.ArrayType(v), [M], dtype);
  return o.requires_grad ? t.requires_grad_(true) : t;
}

/** `steps` evenly spaced values from `start` to `end`. */
function linspace(start: number, end: number, steps: number): number[] {
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  return Array.from({ length: steps }, (_, i) => start + i * step);
}

const GENERAL_COSINE = signature("general_cosine", [required("M", Int), kwarg("a", Floats, undefined as unknown as readonly number[]), ...COMMON], 0);
export function general_cosine(...args: ArgsOf<typeof GENERAL_COSINE>): Tensor {
  const o = GENERAL_COSINE.parse(args);
  return cosineSum("general_cosine", o.M, o, o.a);
}

function cosineSum(name: string, M: number, o: { sym: boolean; dtype: DTypeLike | null; requires_grad: boolean }, a: readonly number[] | undefined): Tensor {
  return window(name, M, o, (n, sym) => {
    if (!a) throw new TsorchError("Coefficients must be a list/tuple", "TypeError");
    if (a.length === 0) throw new TsorchError("Coefficients cannot be empty", "ValueError");
    const c = (2 * Math.PI) / (sym ? n - 1 : n);
    return linspace(0, (n - 1) * c, n).map((k) => a.reduce((s, w, i) => s + (i % 2 === 0 ? w : -w) * Math.cos(i * k), 0));
  });
}

const GENERAL_HAMMING = signature("general_hamming", [required("M", Int), kwarg("alpha", Float, 0.54), ...COMMON], 0);
export function general_hamming(...args: ArgsOf<typeof GENERAL_HAMMING>): Tensor {
  const o = GENERAL_HAMMING.parse(args);
  return cosineSum("general_cosine", o.M, o, [o.alpha, 1 - o.alpha]);
}

const HAMMING = signature("hamming", [required("M", Int), ...COMMON], 0);
export function hamming(...args: ArgsOf<typeof HAMMING>): Tensor {
  const o = HAMMING.parse(args);
  return cosineSum("general_cosine", o.M, o, [0.54, 0.46]);
}

const HANN = signature("hann", [required("M", Int), ...COMMON], 0);
export function hann(...args: ArgsOf<typeof HANN>): Tensor {
  const o = HANN.parse(args);
  return cosineSum("general_cosine", o.M, o, [0.5, 0.5]);
}

const BLACKMAN = signature("blackman", [required("M", Int), ...COMMON], 0);
export function blackman(...args: ArgsOf<typeof BLACKMAN>): Tensor {
  const o = BLACKMAN.parse(args);
  return cosineSum("blackman", o.M, o, [0.42, 0.5, 0.08]);
}

const NUTTALL = signature("nuttall", [required("M", Int), ...COMMON], 0);
export function nuttall(...args: ArgsOf<typeof NUTTALL>): Tensor {
  const o = NUTTALL.parse(args);
  return cosineSum("general_cosine", o.M, o, [0.3635819, 0.4891775, 0.1365995, 0.0106411]);
}

const BARTLETT = signature("bartlett", [required("M", Int), ...COMMON], 0);
export function bartlett(...args: ArgsOf<typeof BARTLETT>): Tensor {
  const o = BARTLETT.parse(args);
  return window("bartlett", o.M, o, (n, sym) => {
    const c = 2 / (sym ? n - 1 : n);
    return linspace(-1, -1 + (n - 1) * c, n).map((k) => 1 - Math.abs(k));
  });
}

const COSINE = signature("cosine", [required("M", Int), ...COMMON], 0);
export function cosine(...args: ArgsOf<typeof COSINE>): Tensor {
  const o = COSINE.parse(args);
  return window("cosine", o.M, o, (n, sym) => {
    const c = Math.PI / (!sym && n > 1 ? n + 1 : n);
    return linspace(0.5 * c, (0.5 + n - 1) * c, n).map(Math.sin);
  });
}

const EXPONENTIAL = signature("exponential", [required("M", Int), kwarg("center", optional(Float), null), kwarg("tau", Float, 1.0), ...COMMON], 0);
export function exponential(...args: ArgsOf<typeof EXPONENTIAL>): Tensor {
  const o = EXPONENTIAL.parse(args);
  if (o.M >= 0) {
    const dtype = toDType(o.dtype);
    if (dtype.kind === "float") {
      if (o.tau <= 0) throw new TsorchError(`Tau must be positive, got: ${o.tau} instead.`, "ValueError");
      if (o.sym && o.center !== null) throw new TsorchError("Center must be None for symmetric windows", "ValueError");
    }
  }
  return window("exponential", o.M, o, (n, sym) => {
    const center = o.center ?? (!sym && n > 1 ? n : n - 1) / 2;
    return linspace(-center / o.tau, (-center + n - 1) / o.tau, n).map((k) => Math.exp(-Math.abs(k)));
  });
}

const GAUSSIAN = signature("gaussian", [required("M", Int), kwarg("std", Float, 1.0), ...COMMON], 0);
export function gaussian(...args: ArgsOf<typeof GAUSSIAN>): Tensor {
  const o = GAUSSIAN.parse(args);
  if (o.M >= 0 && o.std <= 0) throw new TsorchError(`Standard deviation must be positive, got: ${o.std} instead.`, "ValueError");
  return window("gaussian", o.M, o, (n, sym) => {
    const start = -(!sym && n > 1 ? n : n - 1) / 2;
    const c = 1 / (o.std * Math.SQRT2);
    return linspace(start * c, (start + n - 1) * c, n).map((k) => Math.exp(-k * k));
  });
}

const KAISER = signature("kaiser", [required("M", Int), kwarg("beta", Float, 12.0), ...COMMON], 0);
export function kaiser(...args: ArgsOf<typeof KAISER>): Tensor {
  const o = KAISER.parse(args);
  if (o.M >= 0 && o.beta < 0) throw new TsorchError(`beta must be non-negative, got: ${o.beta} instead.`, "ValueError");
  return window("kaiser", o.M, o, (n, sym) => {
    const b = o.beta;
    const c = (2 * b) / (sym ? n - 1 : n);
    const end = Math.min(b, -b + (n - 1) * c);
    return linspace(-b, end, n).map((k) => besselI(0, Math.sqrt(b * b - k * k)) / besselI(0, b));
  });
}

/** `torch.signal`: `torch.signal.windows.<name>`. */
export const signal = {
  windows: { bartlett, blackman, cosine, exponential, gaussian, general_cosine, general_hamming, hamming, hann, kaiser, nuttall },
};
