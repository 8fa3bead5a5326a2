/**
 * Max pooling in double precision, NCHW float64: the one pooling kernel whose float32 form
 * (`maxPool2d`) stays float32-only, because its unrolled 2x2 path is the benchmarked hot path and
 * must keep V8's element loads monomorphic. Every other pooling kernel of pool2d.ts, and the
 * general window loop run here, serve float64 as they are.
 *
 * A max over doubles compares doubles: values closer than float32 can resolve still pick the right
 * index.
 *
 * @example
 * const g = maxPool2dGeometry([1, 6, 28, 28], { kernelSize: 2 });
 * const { output, indices } = maxPool2dF64(g, x); // Float64Array and Int32Array, [1, 6, 14, 14] each
 */
import type { Pool2dGeometry } from "../../shape/conv-pool.js";
import { maxPoolResult, maxPoolWindows, type MaxPoolResult } from "./pool2d.js";

/** Output values and argmax indices (flat `h*W + w` in the input plane) of a float64 max pooling. */
export type MaxPoolResultF64 = MaxPoolResult<Float64Array>;

/** Max pooling with indices in float64 (kernel, stride, padding, dilation, ceil_mode from the geometry). */
export function maxPool2dF64(g: Pool2dGeometry, input: Float64Array, output?: Float64Array, indices?: Int32Array): MaxPoolResultF64 {
  const r = maxPoolResult("max_pool2d", g, input, output, indices);
  maxPoolWindows(g, input, r.output, r.indices);
  return r;
}
