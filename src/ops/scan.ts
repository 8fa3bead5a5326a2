/**
 * Running reductions along a dimension: cumsum, cumprod, cummax, cummin,
 * logcumsumexp. Sums accumulate in double precision, like PyTorch's CPU
 * kernel; integer and bool inputs give int64.
 *
 * @example
 * torch.tensor([1, 2, 3]).cumsum(0)      // tensor([1, 3, 6])
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import { allocate } from "../tensor/creation.js";
import { DTypeError } from "../errors.js";
import { type DTypeLike, int64, toDType } from "../tensor/dtype.js";
import { scalarTypeName } from "./result-type.js";
import type { Tensor } from "../tensor/tensor.js";
import { isMeta, metaTensor } from "../tensor/meta.js";
import { normDim } from "../tensor/view.js";
import { saveInput, saveOutput } from "./grad-utils.js";
import { opKernel } from "./kernels.js";
import { checkTensor } from "./operand.js";
import { ValuesIndices, contiguousLines, lines } from "./reduce.js";

type ScanOp = "cumsum" | "cumprod" | "cummax" | "cummin" | "logcumsumexp";

function runScan(op: ScanOp, x: Tensor, d: number, withIndices = false): [Tensor, Tensor | null] {
  if (isMeta(x)) return [metaTensor([...x.shape], x.dtype), withIndices ? metaTensor([...x.shape], int64) : null];
  const out = allocate([...x.shape], x.dtype);
  const idx = withIndices ? allocate([...x.shape], int64) : null;
  if (out.numel() > 0) {
    const src = lines(x, d);
    const dst = contiguousLines(x.shape, d);
    opKernel("scan")(op, x.storage.data, src.bases, src.n, src.stride, out.storage.data, dst.bases, dst.stride, idx ? idx.storage.data : null);
  }
  return [out, idx];
}

/** Reverses a cumulative sum: the gradient of cumsum. */
function reverseCumsum(g: Tensor, d: number): Tensor {
  return cumsum(g.flip([d]), d).flip([d]);
}

/**
 * Cumulative sum along `dim`.
 *
 * @example
 * torch.ones(2, 3).cumsum(1)   // tensor([[1., 2., 3.], [1., 2., 3.]])
 */
export function cumsum(input: Tensor, dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
  checkTensor(input, "cumsum");
  const dt = options.dtype !== undefined ? toDType(options.dtype) : input.dtype.kind === "float" ? input.dtype : int64;
  const x = input.dtype === dt ? input : input.to(dt);
  const d = normDim(dim, x.ndim);
  const [out] = runScan("cumsum", x, d);
  if (is_grad_enabled() && x.requires_grad) {
    record("CumsumBackward0", out, [x], ([g]) => [x.ndim === 0 ? g! : reverseCumsum(g!, d)]);
  }
  return out;
}

/** Cumulative product along `dim` (zeros handled exactly in the gradient). */
export function cumprod(input: Tensor, dim: number, options: { dtype?: DTypeLike } = {}): Tensor {
  checkTensor(input, "cumprod");
  const dt = options.dtype !== undefined ? toDType(options.dtype) : input.dtype.kind === "float" ? input.dtype : int64;
  const x = input.dtype === dt ? input : input.to(dt);
  const d = normDim(dim, x.ndim);
  const [out] = runScan("cumprod", x, d);
  if (is_grad_enabled() && x.requires_grad) {
    const node = record("CumprodBackward0", out, [x], ([g]) => [cumprodBackward(g!, x, d)]);
    saveInput(node, x);
    saveOutput(node, out);
  }
  return out;
}

/** grad_i = sum over j >= i of g_j * prod over k <= j, k != i of x_k (quadratic per line, exact with zeros). */
function cumprodBackward(g: Tensor, x: Tensor, d: number): Tensor {
  const xc = x.contiguous().detach();
  const gc = g.contiguous().detach();
  const res = allocate([...x.shape], x.dtype);
  const geo = contiguousLines(x.shape, d);
  const xd = xc.storage.data;
  const gd = gc.storage.data;
  const rd = res.storage.data;
  for (let l = 0; l < geo.bases.length; l++) {
    const b = geo.bases[l]!;
    for (let i = 0; i < geo.n; i++) {
      let total = 0;
      let prodBefore = 1;
      for (let k = 0; k < i; k++) prodBefore *= xd[b + k * geo.stride]!;
      let running = prodBefore;
      for (let j = i; j < geo.n; j++) {
        if (j > i) running *= xd[b + j * geo.stride]!;
        total += gd[b + j * geo.stride]! * running;
      }
      rd[b + i * geo.stride] = total;
    }
  }
  return res;
}

/** Running maximum along `dim`, with the index where it was reached. */
export function cummax(input: Tensor, dim: number): ValuesIndices {
  return cumExtreme("cummax", input, dim);
}

/** Running minimum along `dim`, with the index where it was reached. */
export function cummin(input: Tensor, dim: number): ValuesIndices {
  return cumExtreme("cummin", input, dim);
}

function cumExtreme(op: "cummax" | "cummin", input: Tensor, dim: number): ValuesIndices {
  checkTensor(input, op);
  // PyTorch returns a 0-d input as it is before looking at dim.
  const d = input.ndim === 0 ? 0 : normDim(dim, input.ndim);
  const [values, indices] = runScan(op, input, d, true);
  if (is_grad_enabled() && input.requires_grad) {
    const shape = [...input.shape];
    const node = record(op === "cummax" ? "CummaxBackward0" : "CumminBackward0", values, [input], ([g]) => [
      // PyTorch's backward checks the dim it was given, even for a 0-d input.
      input.ndim === 0 ? (normDim(dim, 0), g!) : g!.new_zeros(shape).scatter_add(d, indices!, g!),
    ]);
    saveOutput(node, indices!);
  }
  return new ValuesIndices(values, indices!, op);
}

/** `log(cumsum(exp(input)))` along `dim`, computed stably. */
export function logcumsumexp(input: Tensor, dim: number): Tensor {
  checkTensor(input, "logcumsumexp");
  if (input.dtype.kind !== "float") {
    throw new DTypeError(`"logcumsumexp_out_cpu" not implemented for '${scalarTypeName(input.dtype)}'`, "logcumsumexp", [input.dtype.name]);
  }
  const x = input;
  const d = normDim(dim, x.ndim);
  const [out] = runScan("logcumsumexp", x, d);
  if (is_grad_enabled() && x.requires_grad) {
    const node = record("LogcumsumexpBackward0", out, [x], ([g]) => {
      // d out_j / d x_i = exp(x_i - out_j) for j >= i: grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in
      // log space for the positive and the negative parts of g, as PyTorch does, so that large |x| (1e4)
      // neither overflows exp(x) nor underflows exp(-out).
      const part = (gp: Tensor): Tensor => {
        const logTerms = gp.log().sub(out);
        const tail = logcumsumexp(logTerms.flip([d]), d).flip([d]);
        return x.add(tail).exp();
      };
      return [part(g!.clamp_min(0)).sub(part(g!.neg().clamp_min(0)))];
    });
    saveInput(node, x);
    saveOutput(node, out);
  }
  return out;
}
