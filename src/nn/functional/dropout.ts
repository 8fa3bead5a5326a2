/**
 * `F.dropout` and `F.dropout2d`: in training, zero each element (or each
 * whole channel) with probability `p` and scale the rest by `1 / (1 - p)`;
 * outside training, return the input itself.
 *
 * The mask is drawn exactly as PyTorch 1.13 draws it on the CPU: a noise
 * tensor filled by `bernoulli_(1 - p)` (one 64-bit uniform per element, or
 * per `[N, C]` channel for dropout2d) from the default generator, divided by
 * `1 - p` in the input's precision, then multiplied in (`MulBackward0`). So
 * `torch.manual_seed(s)` before a training step gives PyTorch's mask.
 *
 * @example
 * F.dropout(x, 0.5)                    // training: about half the values zeroed, the rest doubled
 * F.dropout(x, 0.5, false) === x       // true: eval returns the input
 */
import { ArgumentError, ShapeError } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { bernoulliFill } from "../../random/distributions.js";
import { Storage, Tensor } from "../../tensor/tensor.js";
import { contiguousStrides } from "../../tensor/strided.js";
import { float64 } from "../../tensor/dtype.js";
import { cppTypeName, requireTensor } from "./float-data.js";
import { writeInPlace } from "../in-place.js";
import { pyFloat } from "../python-style.js";
import { isMeta, metaLike } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeElementwise } from "../../shape/families/index.js";

/** Keyword arguments of the dropout functions. */
export interface DropoutArgs {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) {
    throw new ArgumentError(`dropout probability has to be between 0 and 1, but got ${pyFloat(p)}`, "p", "ValueError");
  }
}

/** `input * noise` with `noise` broadcast over the trailing dims it lacks (feature noise is `[N, C, 1, 1]`). */
function multiplyByNoise(input: Tensor, noise: Float64Array, noiseShape: readonly number[]): Tensor {
  const x = input._contiguousData();
  const n = x.length;
  const out = new (input.dtype.ArrayType)(n);
  const inner = n / Math.max(noise.length, 1);
  const round = input.dtype === float64 ? (v: number) => v : Math.fround;
  for (let i = 0; i < n; i++) out[i] = round(x[i]! * noise[Math.floor(i / inner)]!);
  const result = new Tensor(new Storage(out), input.shape, contiguousStrides(input.shape), 0, input.dtype);
  const noiseTensor = Tensor._fromData(input.dtype === float64 ? noise : Float32Array.from(noise), noiseShape, input.dtype);
  record("MulBackward0", result, [input, noiseTensor], ([g]) => {
    const gd = g!._contiguousData();
    const gx = new (input.dtype.ArrayType)(n);
    for (let i = 0; i < n; i++) gx[i] = round(gd[i]! * noise[Math.floor(i / inner)]!);
    return [new Tensor(new Storage(gx), input.shape, contiguousStrides(input.shape), 0, input.dtype), null];
  });
  return result;
}

/** ATen's `_dropout_impl`: the shared path of dropout and feature dropout. */
function dropoutImpl(input: Tensor, p: number, training: boolean, inplace: boolean, feature: boolean): Tensor {
  requireTensor(feature ? "feature_dropout" : "dropout", [[input, "input"]]);
  checkP(p);
  if (p === 0 || !training || input.numel() === 0) return input;
  if (!input.dtype.is_floating_point) {
    throw new ArgumentError(`result type Float can't be cast to the desired output type ${cppTypeName(input.dtype)}`, "input", "RuntimeError");
  }
  let noiseShape: number[];
  if (feature) {
    if (input.ndim < 2) {
      throw new ShapeError("Feature dropout requires at least 2 dimensions in the input", { op: "dropout2d", shapes: { input: input.shape } });
    }
    noiseShape = [input.shape[0]!, input.shape[1]!, ...new Array(input.ndim - 2).fill(1)];
  } else {
    noiseShape = [...input.shape];
  }
  // A meta input (tensor/meta.ts): the checks ran; no noise is drawn.
  if (isMeta(input)) return inplace && !input.requires_grad ? input : metaLike(input);
  const count = noiseShape.reduce((a, b) => a * b, 1);
  const noise = new Float64Array(count);
  if (p === 1) {
    noise.fill(0);
  } else {
    // noise.bernoulli_(1 - p) in the input's dtype, then noise.div_(1 - p) in that precision.
    const mask = input.dtype === float64 ? new Float64Array(count) : new Float32Array(count);
    bernoulliFill(mask, 1 - p);
    const keep = input.dtype === float64 ? 1 / (1 - p) : Math.fround(1 / Math.fround(1 - p));
    for (let i = 0; i < count; i++) noise[i] = mask[i] ? keep : 0;
  }
  const out = multiplyByNoise(input, noise, noiseShape);
  if (inplace && !input.requires_grad) {
    writeInPlace(input, out._contiguousData());
    return input;
  }
  return out;
}

function resolve(p: number | DropoutArgs, training: boolean, inplace: boolean): Required<DropoutArgs> {
  if (typeof p === "object") return { p: p.p ?? 0.5, training: p.training ?? true, inplace: p.inplace ?? false };
  return { p, training, inplace };
}

/**
 * Randomly zeroes elements with probability `p` during training and scales
 * the others by `1 / (1 - p)`. With `inplace` the input is overwritten when
 * autograd does not track it.
 *
 * @example
 * F.dropout(x, 0.2, this.training)
 * F.dropout(x, { p: 0.2, training: this.training })
 */
export const dropout = hooked("F.dropout", function dropout(input: Tensor, p: number | DropoutArgs = 0.5, training = true, inplace = false): Tensor {
  const o = resolve(p, training, inplace);
  return dropoutImpl(input, o.p, o.training, o.inplace, false);
}, describeElementwise("dropout"));

/**
 * Randomly zeroes whole channels (`[N, C]` entries of an `[N, C, H, W]`
 * input) with probability `p` during training. As in PyTorch 1.13 a 3-D
 * input is taken as `[N, C, L]`.
 *
 * @example
 * F.dropout2d(featureMaps, 0.1)
 */
export const dropout2d = hooked("F.dropout2d", function dropout2d(input: Tensor, p: number | DropoutArgs = 0.5, training = true, inplace = false): Tensor {
  const o = resolve(p, training, inplace);
  return dropoutImpl(input, o.p, o.training, o.inplace, true);
}, describeElementwise("dropout"));
