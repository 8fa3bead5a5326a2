/**
 * `F.batch_norm`: normalises each channel (dim 1) of `[N, C, ...]` to zero
 * mean and unit variance, then scales by `weight` and shifts by `bias`.
 *
 * In training the statistics are the batch's (biased variance for the output,
 * unbiased for the running estimate) and the running buffers are updated in
 * place: `running = momentum * batch + (1 - momentum) * running`. Outside
 * training the running statistics are used. Recorded as
 * `NativeBatchNormBackward0` with edges (input, weight, bias).
 *
 * Sums run in double and the per-channel statistics are rounded to the
 * input's precision where PyTorch's CPU kernel rounds them.
 *
 * @example
 * F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, true, 0.1, 1e-5)
 */
import { pyFloat } from "../python-style.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { float64 } from "../../tensor/dtype.js";
import { formatSize } from "../../tensor/format.js";
import { Storage, Tensor } from "../../tensor/tensor.js";
import { contiguousStrides } from "../../tensor/strided.js";
import { writeInPlace } from "../in-place.js";
import { checkInitialized, cppTypeName, kernelData, kernelDtype, kernelTensor, requireTensor } from "./float-data.js";
import { floatKernel } from "../../backend/registry.js";
import { isMeta, metaLike } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { type ArgsOf, type OptionsOf, Bool, Float, TensorT, arg, optional, signature } from "../../ops/signature.js";
import { describeBatchNorm } from "../../shape/families/index.js";

/** Keyword arguments of `F.batch_norm` after the running statistics. */
/** Keyword arguments of `F.batch_norm`. */
export type BatchNormArgs = OptionsOf<typeof BATCH_NORM>;

function checkFeatures(name: string, expected: number, t: Tensor | null): void {
  if (t !== null && t.numel() !== expected) {
    throw new ShapeError(`${name} should contain ${expected} elements not ${t.numel()}`, {
      op: "batch_norm", shapes: { [name]: t.shape }, expected: { num_features: expected }, got: { num_features: t.numel() },
    });
  }
}

/** PyTorch's `_verify_batch_size`: training needs more than one value per channel. */
function verifyBatchSize(shape: readonly number[]): void {
  let prod = shape[0]!;
  for (let i = 2; i < shape.length; i++) prod *= shape[i]!;
  if (prod === 1) {
    throw new ArgumentError(`Expected more than 1 value per channel when training, got input size ${formatSize(shape)}`, "input", "ValueError");
  }
}

/**
 * Batch normalisation over dim 1. `running_mean`/`running_var` may be null
 * (then batch statistics are used and nothing is tracked).
 *
 * @example
 * const y = F.batch_norm(x, null, null, null, null, true);   // plain standardisation per channel
 */
/** PyTorch's parameters after the running statistics, positional or by keyword. */
export const BATCH_NORM = signature("batch_norm", [
  arg("weight", optional(TensorT), null), arg("bias", optional(TensorT), null), arg("training", Bool, false),
  arg("momentum", Float, 0.1), arg("eps", Float, 1e-5),
], 3);

export const batch_norm = hooked("F.batch_norm", function batch_norm(
  input: Tensor,
  running_mean: Tensor | null,
  running_var: Tensor | null,
  ...args: ArgsOf<typeof BATCH_NORM>
): Tensor {
  requireTensor("batch_norm", [[input, "input"], [running_mean, "running_mean", true], [running_var, "running_var", true]]);
  const { weight: w, bias, training, momentum, eps } = BATCH_NORM.parse(args);
  checkInitialized("<built-in method batch_norm of type object>", input, w, bias);
  if (training) verifyBatchSize(input.shape);
  if (training && eps <= 0) throw new ArgumentError(`batch_norm eps must be positive during training, but got ${pyFloat(eps)}`, "eps", "ValueError");
  if (eps < 0) throw new ArgumentError(`batch_norm eps must be non-negative, but got ${pyFloat(eps)}`, "eps", "ValueError");
  if (input.ndim < 2 && input.numel() === 0) return input.clone();
  if (input.ndim < 2) {
    throw new ShapeError(`batch_norm expects an input of at least 2 dimensions [N, C, ...], but got ${formatSize(input.shape)}`, {
      op: "batch_norm", shapes: { input: input.shape },
    });
  }
  const C = input.shape[1]!;
  if (input.numel() > 0) {
    checkFeatures("running_mean", C, running_mean);
    if (running_mean === null && !training) throw new ArgumentError("running_mean must be defined in evaluation mode", "running_mean", "RuntimeError");
    checkFeatures("running_var", C, running_var);
    if (running_var === null && !training) throw new ArgumentError("running_var must be defined in evaluation mode", "running_var", "RuntimeError");
    checkFeatures("weight", C, w);
    checkFeatures("bias", C, bias);
  }
  if (!input.dtype.is_floating_point) {
    throw new ArgumentError(`"batch_norm" not implemented for '${cppTypeName(input.dtype)}'`, "input", "RuntimeError");
  }
  for (const t of [w, bias, running_mean, running_var]) {
    if (t !== null && t.dtype !== input.dtype) {
      throw new ArgumentError("mixed dtype (CPU): expect input to have scalar type of BFloat16", "input", "RuntimeError");
    }
  }
  // A meta input (tensor/meta.ts): the checks ran; the running statistics stay as they are.
  if (isMeta(input)) return metaLike(input);
  // An empty batch: an empty output, the running statistics untouched (as in PyTorch).
  if (input.numel() === 0) return input.clone();
  return batchNormImpl(input, running_mean, running_var, w, bias, training, momentum, eps);
}, describeBatchNorm);

function batchNormImpl(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number,
): Tensor {
  const isDouble = input.dtype === float64;
  const round = isDouble ? (v: number) => v : Math.fround;
  const x = input._contiguousData();
  const N = input.shape[0]!;
  const C = input.shape[1]!;
  const inner = input.shape.slice(2).reduce((a, b) => a * b, 1);
  const count = N * inner;
  const mean = new Float64Array(C);
  const invstd = new Float64Array(C);
  const rm = runningMean ? runningMean.toFlatArray() : null;
  const rv = runningVar ? runningVar.toFlatArray() : null;
  if (training) {
    const newRm = rm ? new Float64Array(C) : null;
    const newRv = rv ? new Float64Array(C) : null;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let i = 0; i < inner; i++) sum += x[base + i]!;
      }
      const m = round(sum / count);
      let varSum = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let i = 0; i < inner; i++) {
          const d = round(x[base + i]! - m);
          varSum += round(d * d);
        }
      }
      mean[c] = m;
      const v = varSum / count;
      invstd[c] = round(v === 0 && eps === 0 ? 0 : 1 / Math.sqrt(v + eps));
      if (newRm) newRm[c] = momentum * m + (1 - momentum) * rm![c]!;
      if (newRv) newRv[c] = momentum * (varSum / (count - 1)) + (1 - momentum) * rv![c]!;
    }
    if (newRm) writeInPlace(runningMean!, newRm);
    if (newRv) writeInPlace(runningVar!, newRv);
  } else {
    const epsR = round(eps);
    for (let c = 0; c < C; c++) {
      mean[c] = rm![c]!;
      invstd[c] = round(1 / round(Math.sqrt(round(rv![c]! + epsR))));
    }
  }
  const wData = weight ? weight.toFlatArray() : null;
  const bData = bias ? bias.toFlatArray() : null;
  const dt = kernelDtype(input);
  const Arr = dt === "float64" ? Float64Array : Float32Array;
  const alpha = new Arr(C);
  const beta = new Arr(C);
  for (let c = 0; c < C; c++) {
    alpha[c] = round(invstd[c]! * (wData ? wData[c]! : 1));
    beta[c] = round((bData ? bData[c]! : 0) - round(mean[c]! * alpha[c]!));
  }
  const result = kernelTensor(floatKernel("batch_norm_apply", dt)(kernelData(input), N, C, inner, alpha, beta), input.shape, input.dtype);
  const node = record("NativeBatchNormBackward0", result, [input, weight, bias], ([g]) =>
    batchNormBackward(g!, x, input, weight, bias, wData, mean, invstd, training, N, C, inner));
  if (node) {
    node.saveForBackward(input, "input");
    if (weight) node.saveForBackward(weight, "input");
  }
  return result;
}

function batchNormBackward(
  grad: Tensor, x: ArrayLike<number>, input: Tensor, weight: Tensor | null, bias: Tensor | null, wData: ArrayLike<number> | null,
  mean: Float64Array, invstd: Float64Array, training: boolean, N: number, C: number, inner: number,
): (Tensor | null)[] {
  const g = grad._contiguousData();
  const count = N * inner;
  const dtype = input.dtype;
  const gx = input.requires_grad ? new (dtype.ArrayType)(x.length) : null;
  const gw = weight && weight.requires_grad ? new (dtype.ArrayType)(C) : null;
  const gb = bias && bias.requires_grad ? new (dtype.ArrayType)(C) : null;
  for (let c = 0; c < C; c++) {
    let sumG = 0;
    let sumGXhat = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) {
        const gi = g[base + i]!;
        sumG += gi;
        sumGXhat += gi * (x[base + i]! - mean[c]!) * invstd[c]!;
      }
    }
    if (gw) gw[c] = sumGXhat;
    if (gb) gb[c] = sumG;
    if (gx) {
      const scale = invstd[c]! * (wData ? wData[c]! : 1);
      const meanG = sumG / count;
      const meanGXhat = sumGXhat / count;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let i = 0; i < inner; i++) {
          const xhat = (x[base + i]! - mean[c]!) * invstd[c]!;
          gx[base + i] = training ? scale * (g[base + i]! - meanG - xhat * meanGXhat) : scale * g[base + i]!;
        }
      }
    }
  }
  const wrap = (data: ArrayLike<number> | null, shape: readonly number[]) =>
    data ? new Tensor(new Storage(data as Float32Array), shape, contiguousStrides(shape), 0, dtype) : null;
  return [wrap(gx, input.shape), wrap(gw, weight ? weight.shape : []), wrap(gb, bias ? bias.shape : [])];
}
