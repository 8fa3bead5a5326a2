/**
 * `normal_(mean, std)` and `torch.randn`, through the same two code paths
 * PyTorch's CPU kernel takes, so that the same seed gives the same numbers.
 *
 * **Vectorised path** (contiguous tensors of 16 or more elements): first ONE
 * uniform per element is drawn for the whole tensor (float32: one 32-bit
 * draw each; float64: one 64-bit draw each); then the Box-Muller transform
 * runs on blocks of 16, pairing element j with element j + 8 of its block:
 *
 *     radius = sqrt(-2 log(1 - u[j])),  theta = 2 pi u[j + 8]
 *     out[j] = radius cos(theta) std + mean,  out[j + 8] = radius sin(theta) std + mean
 *
 * When the length is not a multiple of 16 the kernel cannot transform a
 * partial block, so it draws 16 FRESH uniforms into the last 16 elements and
 * transforms them as one more block: "recompute the last 16". The tail
 * elements that the block loop had already written are overwritten, and the
 * stream advances by n + 16 draws instead of n. For float32 the transform is
 * the AVX2 kernel (Cephes `logf`/`sincosf` in float32 with fused
 * multiply-adds, see avx_mathfun.ts); for float64 it is scalar code calling
 * glibc's `log`/`cos`/`sin`.
 *
 * **Scalar path** (fewer than 16 elements, or not contiguous), whatever the
 * dtype: each element is one draw of `normal_distribution<double>`: two
 * 64-bit uniforms u1, u2 make a pair `r cos(2 pi u1)` / `r sin(2 pi u1)`
 * with r = sqrt(-2 log(1 - u2)); the first is returned and the second cached
 * in the generator (`nextDoubleNormalSample`) for the next scalar draw — even
 * across calls: `randn(3)` uses 1.5 pairs and leaves one value cached, which
 * the next small `randn` starts with. `manual_seed` clears the cache; the
 * vectorised path neither reads nor writes it.
 *
 * @example
 * manual_seed(0);
 * normalFill(new Float32Array(16)); // -1.1258398, -1.1523602, -0.2505786, ... (torch.randn(4, 4), vectorised)
 * manual_seed(0);
 * normalFill(new Float32Array(4));  // 1.5409961, -0.2934289, -2.1787894, 0.5684313 (torch.randn(4), scalar path)
 */

import { ArgumentError, TsorchError } from "../errors.js";
import { logfAvx, sincosOut, sincosfAvx } from "./avx_mathfun.js";
import { fmaf } from "./float32.js";
import { cppDouble, type FloatArray } from "./dtypes.js";
import { defaultGenerator, type Generator } from "./generator.js";
import { fma64, glibcCos, glibcLog, glibcSin } from "./libm.js";
import { uniformDouble01, uniformFloat01 } from "./uniform.js";

const f = Math.fround;
const TWO_PI_F = f(2 * Math.PI); // _mm256_set1_ps(2.0f * c10::pi<double>)
const TWO_PI = 2 * Math.PI; // 2.0f * c10::pi<double>, in double

/**
 * One sample of `normal_distribution<double>(mean, std)`: the scalar path.
 * Uses and refills the generator's cached double normal sample.
 */
export function normalSample(gen: Generator = defaultGenerator, mean = 0, std = 1): number {
  const cached = gen.nextDoubleNormalSample;
  if (cached !== undefined) {
    gen.nextDoubleNormalSample = undefined;
    return fma64(cached, std, mean);
  }
  const u1 = uniformDouble01(gen);
  const u2 = uniformDouble01(gen);
  const r = Math.sqrt(-2.0 * glibcLog(1.0 - u2));
  const theta = 2.0 * Math.PI * u1;
  gen.nextDoubleNormalSample = r * glibcSin(theta);
  return fma64(r * glibcCos(theta), std, mean);
}

/**
 * Fills `out` like `tensor.normal_(mean, std)` (and `torch.randn` for 0 and
 * 1). `contiguous` says whether the tensor behind `out` is contiguous in
 * PyTorch's sense (`is_contiguous()`; a channels-last tensor is not): only
 * contiguous tensors of 16+ elements take the vectorised path. For a
 * non-contiguous tensor pass the elements in TensorIterator order (see
 * uniform.ts). Returns `out`.
 */
export function normalFill<T extends FloatArray>(
  out: T,
  mean = 0,
  std = 1,
  gen: Generator = defaultGenerator,
  contiguous = true,
): T {
  if (!(out instanceof Float32Array) && !(out instanceof Float64Array)) {
    throw new ArgumentError("normal_ fills a Float32Array or a Float64Array", "out", "TypeError");
  }
  if (!(std >= 0)) throw new TsorchError(`normal expects std >= 0.0, but found std ${cppDouble(std)}`);
  const n = out.length;
  if (n >= 16 && contiguous) {
    if (out instanceof Float32Array) normalFillAvx2(out, f(mean), f(std), gen);
    else normalFillDouble(out, mean, std, gen);
  } else {
    for (let i = 0; i < n; i++) out[i] = normalSample(gen, mean, std);
  }
  return out;
}

/** `normal_fill_AVX2`: float32, n >= 16. */
function normalFillAvx2(data: Float32Array, mean: number, std: number, gen: Generator): void {
  const n = data.length;
  for (let i = 0; i < n; i++) data[i] = uniformFloat01(gen);
  for (let i = 0; i < n - 15; i += 16) normalFill16Avx2(data, i, mean, std);
  if (n % 16 !== 0) {
    const start = n - 16;
    for (let i = 0; i < 16; i++) data[start + i] = uniformFloat01(gen);
    normalFill16Avx2(data, start, mean, std);
  }
}

/** `normal_fill_16_AVX2`: Box-Muller on data[o..o+16) in float32, one AVX lane per pair. */
function normalFill16Avx2(data: Float32Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[o + j]!);
    const u2 = data[o + j + 8]!;
    const radius = f(Math.sqrt(f(-2 * logfAvx(u1))));
    const theta = f(TWO_PI_F * u2);
    sincosfAvx(theta);
    data[o + j] = fmaf(f(radius * sincosOut.cos), std, mean);
    data[o + j + 8] = fmaf(f(radius * sincosOut.sin), std, mean);
  }
}

/** `normal_fill<double>`: float64, n >= 16. */
function normalFillDouble(data: Float64Array, mean: number, std: number, gen: Generator): void {
  const n = data.length;
  for (let i = 0; i < n; i++) data[i] = uniformDouble01(gen);
  for (let i = 0; i < n - 15; i += 16) normalFill16Double(data, i, mean, std);
  if (n % 16 !== 0) {
    const start = n - 16;
    for (let i = 0; i < 16; i++) data[start + i] = uniformDouble01(gen);
    normalFill16Double(data, start, mean, std);
  }
}

/** `normal_fill_16<double>`. */
function normalFill16Double(data: Float64Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - data[o + j]!;
    const u2 = data[o + j + 8]!;
    const radius = Math.sqrt(-2 * glibcLog(u1));
    const theta = TWO_PI * u2;
    data[o + j] = fma64(radius * glibcCos(theta), std, mean);
    data[o + j + 8] = fma64(radius * glibcSin(theta), std, mean);
  }
}
