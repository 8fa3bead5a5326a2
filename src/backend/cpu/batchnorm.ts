/**
 * Batch-norm's element-wise part: with the per-channel factors already folded (`alpha = invstd *
 * weight`, `beta = bias - mean * alpha`, rounded to the element type), every value becomes
 * `x * alpha[c] + beta[c]` over `[N, C, inner]` data. In float32 the product is rounded before the
 * add, as PyTorch's CPU kernel computes it (two float32 operations, not one fused in double).
 *
 * @example
 * const y = batchNormApply(x, 1, 16, 28 * 28, alpha, beta);   // x: Float32Array of 1x16x28x28
 */
import { floatArrayType, type FloatArray } from "./float-array.js";
import { checkLength, destination } from "./buffers.js";

/** `out[n, c, i] = x[n, c, i] * alpha[c] + beta[c]`; a new array unless `out` is given. */
export function batchNormApply<A extends FloatArray>(x: A, N: number, C: number, inner: number, alpha: A, beta: A, out?: A): A {
  const total = N * C * inner;
  checkLength("batch_norm", "input", x, total);
  checkLength("batch_norm", "alpha", alpha, C);
  checkLength("batch_norm", "beta", beta, C);
  const y = destination("batch_norm", "output", out, total, floatArrayType(x));
  const single = x.BYTES_PER_ELEMENT === 4;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const a = alpha[c]!;
      const b = beta[c]!;
      const base = (n * C + c) * inner;
      if (single) for (let i = base; i < base + inner; i++) y[i] = Math.fround(x[i]! * a) + b;
      else for (let i = base; i < base + inner; i++) y[i] = x[i]! * a + b;
    }
  }
  return y;
}
