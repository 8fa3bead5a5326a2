/**
 * `torch.multinomial` as PyTorch 1.13's CPU code computes it. There are two
 * algorithms, and they consume the generator differently:
 *
 * **With replacement** (any number of samples): row by row, the weights are
 * summed into a cumulative distribution in the weights' own precision
 * (float32 weights: float32 running sum and float32 division by the total),
 * the last bucket is forced to exactly 1, and each sample takes ONE 64-bit
 * draw, `u = uniform_real_distribution<double>(0, 1)`, and binary-searches
 * the first bucket whose cumulative value is not below u (the float bucket
 * compared as a double). A bad row (negative, infinite or NaN weight, or a
 * zero total) is refused only when reached, after the rows above it have
 * drawn their samples.
 *
 * **Without replacement**: an exponential race. One `exponential_(1)` draw
 * per weight, q = -log(1 - u) from a 64-bit uniform computed in double and
 * stored in the weights' dtype, filling q in the weights' memory order
 * (`empty_like` keeps a column-major layout); then score = w / q in that
 * dtype, and the picks are the argmax of each row (one sample: the first
 * maximum) or the row's top-k in libstdc++'s order (see ops/topk-order.ts).
 * Weights are checked before anything is drawn.
 *
 * @example
 * manual_seed(0);
 * const picks = new Float64Array(2);
 * multinomialWithReplacement(new Float32Array([0.2, 0.8]), 1, 2, 2, picks);
 */

import { TsorchError } from "../errors.js";
import type { FloatArray } from "./dtypes.js";
import { defaultGenerator, type Generator } from "./generator.js";
import { topkIndices } from "../ops/topk-order.js";
import { uniformDouble01 } from "./uniform.js";

/**
 * The with-replacement kernel: `weights` holds `rows` rows of `k` weights
 * (row-major); `out` receives `rows * numSamples` category indices.
 * Throws PyTorch's errors for a bad row when it reaches it.
 */
export function multinomialWithReplacement(
  weights: FloatArray,
  rows: number,
  k: number,
  numSamples: number,
  out: Float64Array,
  gen: Generator = defaultGenerator,
): Float64Array {
  const single = weights instanceof Float32Array;
  const round = single ? Math.fround : (x: number) => x;
  const cum = single ? new Float32Array(k) : new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const w = weights[r * k + j]!;
      if (!(w >= 0)) throw new TsorchError("invalid multinomial distribution (encountering probability entry < 0)");
      if (!Number.isFinite(w)) throw new TsorchError("invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      sum = round(sum + w);
      cum[j] = sum;
    }
    if (!(sum > 0)) throw new TsorchError("invalid multinomial distribution (sum of probabilities <= 0)");
    for (let j = 0; j < k; j++) cum[j] = cum[j]! / sum;
    cum[k - 1] = 1;
    for (let s = 0; s < numSamples; s++) {
      const u = uniformDouble01(gen);
      let left = 0;
      let right = k;
      while (right > left) {
        const mid = left + Math.floor((right - left) / 2);
        if (cum[mid]! < u) left = mid + 1;
        else right = mid;
      }
      out[r * numSamples + s] = left;
    }
  }
  return out;
}

/**
 * The checks PyTorch makes before the exponential race: every weight finite
 * and non-negative, and no row summing to zero.
 */
export function checkRaceWeights(weights: FloatArray, rows: number, k: number): void {
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && w < Infinity)) throw new TsorchError("probability tensor contains either `inf`, `nan` or element < 0");
  }
  for (let r = 0; r < rows; r++) {
    let positive = false;
    for (let j = 0; j < k && !positive; j++) positive = weights[r * k + j]! > 0;
    if (!positive) throw new TsorchError("invalid multinomial distribution (sum of probabilities <= 0)");
  }
}

/**
 * The picks of the exponential race: `q` holds one `exponential_(1)` sample
 * per weight (row-major, in the weights' dtype), and is overwritten with the
 * scores w / q. `out` receives `rows * numSamples` category indices.
 */
export function multinomialRace(weights: FloatArray, q: FloatArray, rows: number, k: number, numSamples: number, out: Float64Array): Float64Array {
  // Assigning into q rounds to its dtype, as at::div_out(q, self, q) does.
  for (let i = 0; i < q.length; i++) q[i] = weights[i]! / q[i]!;
  const row = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) row[j] = q[r * k + j]!;
    if (numSamples === 1) {
      out[r] = argmaxFirst(row);
    } else {
      const picks = topkIndices(row, numSamples);
      for (let s = 0; s < numSamples; s++) out[r * numSamples + s] = picks[s]!;
    }
  }
  return out;
}

/** `argmax`: the first NaN, else the first maximum. */
function argmaxFirst(v: Float64Array): number {
  let best = 0;
  for (let j = 1; j < v.length; j++) {
    const x = v[j]!;
    const b = v[best]!;
    if (b !== b) break;
    if (x !== x || x > b) best = j;
  }
  return best;
}
