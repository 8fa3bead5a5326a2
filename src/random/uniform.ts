/**
 * `uniform_(from, to)` and `torch.rand` as PyTorch's CPU kernel computes them.
 *
 * Each float32 element takes ONE 32-bit draw and keeps its low 24 bits; each
 * float64 element takes ONE 64-bit draw (two 32-bit draws, high word first)
 * and keeps its low 53 bits. Those bits, scaled by 2^-24 or 2^-53, give
 * x in [0, 1), and the element is `x * (to - from) + from` computed in the
 * element's own precision with `from` and `to` first cast to it. In the AVX2
 * build that expression is a fused multiply-add (GCC contracts it), which
 * changes the last bit of about 40% of `uniform_(-b, b)` values compared with
 * a separate multiply and add — the init of every `nn.Linear`/`nn.Conv2d`.
 *
 * Elements are filled in order; for a non-contiguous tensor, pass them in the
 * order PyTorch's TensorIterator visits them (dimensions sorted by stride, the
 * smallest stride fastest), since `cpu_serial_kernel` draws in that order.
 *
 * @example
 * manual_seed(0);
 * uniformFill(new Float32Array(2));  // Float32Array [0.49625658988952637, 0.7682217955589294]
 * manual_seed(0);
 * uniformFill(new Float64Array(1), -1, 1);
 */

import { ArgumentError, TsorchError } from "../errors.js";
import { fmaf } from "./float32.js";
import { cppDouble, cppTypeName, scalarTypeName, type FloatArray } from "./dtypes.js";
import { defaultGenerator, type Generator } from "./generator.js";
import { fma64 } from "./libm.js";

const TWO_POW_M24 = 1 / 16777216;
const TWO_POW_M53 = 1 / 9007199254740992;
const FLOAT32_MAX = 3.4028234663852886e38;

/** `uniform_real_distribution<float>(0, 1)`: the low 24 bits of one 32-bit draw, times 2^-24. */
export function uniformFloat01(gen: Generator): number {
  return (gen.random() & 0xffffff) * TWO_POW_M24;
}

/** `uniform_real_distribution<double>(0, 1)`: the low 53 bits of one 64-bit draw, times 2^-53. */
export function uniformDouble01(gen: Generator): number {
  return gen.random53() * TWO_POW_M53;
}

/**
 * Fills `out` like `tensor.uniform_(from, to)` (and `torch.rand` for the
 * defaults 0 and 1), drawing from `gen`. Returns `out`.
 *
 * Throws PyTorch's errors when `from > to`, when a bound does not fit the
 * dtype, or when `to - from` overflows it.
 */
export function uniformFill<T extends FloatArray>(out: T, from = 0, to = 1, gen: Generator = defaultGenerator): T {
  const isFloat = out instanceof Float32Array;
  if (!isFloat && !(out instanceof Float64Array)) {
    throw new ArgumentError("uniform_ fills a Float32Array or a Float64Array", "out", "TypeError");
  }
  const dtype = isFloat ? "float32" : "float64";
  const max = isFloat ? FLOAT32_MAX : Number.MAX_VALUE;
  const typeName = cppTypeName(dtype);
  if (!(from >= -max && from <= max)) throw new TsorchError(`from is out of bounds for ${typeName}`);
  if (!(to >= -max && to <= max)) throw new TsorchError(`to is out of bounds for ${typeName}`);
  if (!(from <= to)) {
    throw new TsorchError(`uniform_ expects to return a [from, to) range, but found from=${cppDouble(from)} > to=${cppDouble(to)}`);
  }
  if (!(to - from <= max)) {
    throw new TsorchError(
      `uniform_ expects to-from <= std::numeric_limits<${scalarTypeName(dtype)}>::max(), but found to=${cppDouble(to)} and from=${cppDouble(from)} which result in to-from to exceed the limit`,
    );
  }
  const n = out.length;
  if (isFloat) {
    const lo = Math.fround(from);
    const range = Math.fround(Math.fround(to) - lo);
    for (let i = 0; i < n; i++) out[i] = fmaf(uniformFloat01(gen), range, lo);
  } else {
    const range = to - from;
    for (let i = 0; i < n; i++) out[i] = fma64(uniformDouble01(gen), range, from);
  }
  return out;
}
