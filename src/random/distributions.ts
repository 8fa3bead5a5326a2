/**
 * The samplers that turn one 64-bit uniform u per element into a value, as
 * PyTorch's CPU kernels (the build without MKL, like Debian's) do:
 *
 * - `bernoulli_(p)`: `u < p ? 1 : 0` — what `nn.Dropout` / `F.dropout` draw in
 *   training: PyTorch's CPU dropout fills a float32 mask shaped like the input
 *   with `bernoulli_(1 - p)`, divides it by `1 - p` in float32 (so kept values
 *   scale by `fround(1 / fround(1 - p))`) and multiplies the input by it;
 * - `exponential_(lambd)`: `-1 / lambd * log(1 - u)`;
 * - `geometric_(p)`: `ceil(log(u) / log(1 - p))`.
 *
 * Every element costs two 32-bit draws whatever the dtype, because these
 * kernels sample in double and cast the result.
 *
 * @example
 * manual_seed(0);
 * bernoulliFill(new Float32Array(8), 0.5); // [0, 0, 1, 0, 0, 0, 1, 1], as torch.empty(8).bernoulli_(0.5)
 */

import { TsorchError } from "../errors.js";
import { cppDouble, resolveDType, type FloatArray, type SampleArray, type SampleDType } from "./dtypes.js";
import { defaultGenerator, type Generator } from "./generator.js";
import { glibcLog } from "./libm.js";
import { uniformDouble01 } from "./uniform.js";

/** Fills `out` with 0/1 like `tensor.bernoulli_(p)` for a scalar p in [0, 1]. Returns `out`. */
export function bernoulliFill<T extends SampleArray>(out: T, p = 0.5, gen: Generator = defaultGenerator, dtype?: SampleDType): T {
  resolveDType(out, dtype);
  if (!(p >= 0 && p <= 1)) throw new TsorchError(`bernoulli_ expects p to be in [0, 1], but got p=${cppDouble(p)}`);
  const n = out.length;
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) out[i] = uniformDouble01(gen) < p ? 1n : 0n;
  } else {
    for (let i = 0; i < n; i++) out[i] = uniformDouble01(gen) < p ? 1 : 0;
  }
  return out;
}

/** Fills `out` like `tensor.exponential_(lambd)` (lambd >= 0). Returns `out`. */
export function exponentialFill<T extends FloatArray>(out: T, lambd = 1, gen: Generator = defaultGenerator): T {
  if (!(lambd >= 0)) throw new TsorchError(`exponential_ expects lambda >= 0.0, but found lambda=${cppDouble(lambd)}`);
  const scale = -1.0 / lambd;
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = scale * glibcLog(1.0 - uniformDouble01(gen));
  return out;
}

/** Fills `out` like `tensor.geometric_(p)` (0 < p < 1): the number of trials up to the first success. Returns `out`. */
export function geometricFill<T extends FloatArray>(out: T, p: number, gen: Generator = defaultGenerator): T {
  if (!(p > 0 && p < 1)) throw new TsorchError(`geometric_ expects p to be in (0, 1), but got p=${cppDouble(p)}`);
  const denom = glibcLog(1.0 - p);
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = Math.ceil(glibcLog(uniformDouble01(gen)) / denom);
  return out;
}
