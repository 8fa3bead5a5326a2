/**
 * softmax and log_softmax along a dimension, numerically stable (each line's
 * maximum is subtracted before exponentiating), with PyTorch's nodes
 * `SoftmaxBackward0` and `LogSoftmaxBackward0`. Integer inputs are refused as
 * in PyTorch unless a floating `dtype` is given.
 *
 * @example
 * torch.tensor([[1, 2, 3]]).float().softmax(1)  // tensor([[0.0900, 0.2447, 0.6652]])
 * torch.log_softmax(logits, 1)                  // what cross-entropy starts from
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { ArgumentError, DTypeError } from "../errors.js";
import { allocate } from "../tensor/creation.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { normDim } from "../tensor/view.js";
import { saveOutput } from "./grad-utils.js";
import { opKernel } from "./kernels.js";
import { checkTensor } from "./operand.js";
import { contiguousLines, lines } from "./reduce.js";
import { scalarTypeName } from "./result-type.js";
import { isMeta, metaLike } from "../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "./op-hook.js";
import { describeElementwise } from "../shape/families/index.js";

function run(log: boolean, input: Tensor, dim: number | undefined, dtype: DTypeLike | undefined): Tensor {
  const fn = log ? "log_softmax" : "softmax";
  checkTensor(input, fn);
  if (dim === undefined || dim === null) {
    throw new ArgumentError(`${fn}() missing 1 required positional arguments: "dim"`, "dim", "TypeError");
  }
  const x = dtype !== undefined ? input.to(toDType(dtype)) : input;
  const d = normDim(dim, x.ndim);
  if (x.dtype.kind !== "float") {
    const kernel = `${log ? "log_softmax" : "softmax"}${d === x.ndim - 1 || x.ndim === 0 ? "_lastdim" : ""}_kernel_impl`;
    throw new DTypeError(`"${kernel}" not implemented for '${scalarTypeName(x.dtype)}'`, fn, [x.dtype.name]);
  }
  if (isMeta(x)) return metaLike(x);
  const out = allocate([...x.shape], x.dtype);
  if (out.numel() > 0) {
    const src = lines(x, d);
    const dst = contiguousLines(x.shape, d);
    opKernel("softmax")(log, x.storage.data, src.bases, src.n, src.stride, out.storage.data, dst.bases, dst.stride);
  }
  if (is_grad_enabled() && x.requires_grad) {
    const node = record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", out, [x], ([g]) => [softmaxBackward(log, g!, out, d)]);
    saveOutput(node, out);
  }
  return out;
}

/** The gradient of softmax (or log_softmax) from the output gradient and the output. */
export function softmaxBackward(log: boolean, g: Tensor, y: Tensor, d: number): Tensor {
  if (is_grad_enabled()) {
    // Differentiable form, for gradients of gradients.
    return log ? g.sub(y.exp().mul(g.sum(d, true))) : y.mul(g.sub(g.mul(y).sum(d, true)));
  }
  const gc = g.contiguous();
  const yc = y.contiguous();
  const out = allocate([...y.shape], y.dtype);
  if (out.numel() > 0) {
    const geo = contiguousLines(y.shape, d);
    // _contiguousData() starts at element 0 of each operand, so the contiguous line bases apply to all three.
    opKernel("softmax_backward")(log, gc._contiguousData(), yc._contiguousData(), geo.bases, geo.n, geo.stride, out.storage.data);
  }
  return out;
}

/**
 * `exp(x) / sum(exp(x))` along `dim`.
 *
 * @example
 * torch.softmax(torch.ones(2), 0)   // tensor([0.5000, 0.5000])
 */
export const softmax = hooked("softmax", function softmax(input: Tensor, dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
  return run(false, input, dim, options.dtype);
}, describeElementwise("softmax"));

/** `x - log(sum(exp(x)))` along `dim`: the log of softmax, without its rounding to 0. */
export const log_softmax = hooked("log_softmax", function log_softmax(input: Tensor, dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
  return run(true, input, dim, options.dtype);
}, describeElementwise("softmax"));
