/**
 * 1-D pooling: `F.max_pool1d`, `F.avg_pool1d`, `F.adaptive_avg_pool1d`,
 * `F.adaptive_max_pool1d` over the last dim of `[N, C, L]` (or `[C, L]`).
 * Each makes PyTorch 2.x's own 1-D checks with its messages, then pools the
 * input viewed as `[N, C, 1, L]` with the 2-D op and drops the height again,
 * as ATen does (so the graph ends in `SqueezeBackward1`). Max pooling's
 * indices are positions along L.
 *
 * @example
 * F.max_pool1d(torch.randn(2, 3, 9), 2).shape               // torch.Size([2, 3, 4])
 * F.avg_pool1d(x, 3, { stride: 1, padding: 1 })
 * F.adaptive_avg_pool1d(torch.randn(2, 8, 50), 1).shape      // torch.Size([2, 8, 1])
 */
import { ArgumentError, ShapeError, fmtShape } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { type ArgsOf, Bool, Dims, arg, optional, required, signature } from "../../ops/signature.js";
import { poolOutputSize } from "../../shape/dim.js";
import { describeAdaptive1d, describeAvgPool1d, describeMaxPool1d } from "../../shape/families/pool1d.js";
import type { Tensor } from "../../tensor/tensor.js";
import { squeeze, unsqueeze } from "../../tensor/view.js";
import { requireTensor } from "./float-data.js";
import { adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d } from "./pooling.js";

export const MAX_POOL1D = signature("max_pool1d", [
  required("kernel_size", Dims), arg("stride", optional(Dims), null), arg("padding", Dims, 0), arg("dilation", Dims, 1),
  arg("ceil_mode", Bool, false), arg("return_indices", Bool, false),
]);
export const AVG_POOL1D = signature("avg_pool1d", [
  required("kernel_size", Dims), arg("stride", optional(Dims), null), arg("padding", Dims, 0), arg("ceil_mode", Bool, false),
  arg("count_include_pad", Bool, true),
]);
export const ADAPTIVE_AVG_POOL1D = signature("adaptive_avg_pool1d", [required("output_size", Dims)]);
export const ADAPTIVE_MAX_POOL1D = signature("adaptive_max_pool1d", [required("output_size", Dims), arg("return_indices", Bool, false)]);

function runtimeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "RuntimeError");
}

function list(v: number | readonly number[]): readonly number[] {
  return typeof v === "number" ? [v] : v;
}

/** ATen's `checkDimRange(…, 2, 4)` of the 1-D ops that run as 2-D ones: `[C, L]` or `[N, C, L]`. */
function checkRank(op: string, input: Tensor): void {
  if (input.ndim < 2 || input.ndim > 3) {
    throw new ShapeError(
      `Expected 2 to 3 dimensions, but got ${input.ndim}-dimensional tensor for argument #1 'self' (while checking arguments for ${op})`,
      { op, shapes: { input: input.shape }, expected: { ndim: [2, 3] }, got: { ndim: input.ndim } });
  }
}

/** `avg_pool1d() argument 'kernel_size' should contain one int (got 2)`: a size argument of a 1-D op. */
function oneInt(op: string, name: string, v: number | readonly number[]): number {
  const l = list(v);
  if (l.length !== 1) throw runtimeArg(`${op}() argument '${name}' should contain one int (got ${l.length})`, name);
  return l[0]!;
}

/** Pools `[.., L]` as `[.., 1, L]` with a 2-D op and drops the height (from every result of a pair). */
function asRow<T extends Tensor | [Tensor, Tensor]>(input: Tensor, f: (x: Tensor) => T): T {
  const out = f(unsqueeze(input, -2));
  return (Array.isArray(out) ? out.map((t) => squeeze(t, -2)) : squeeze(out as Tensor, -2)) as T;
}

/** ATen's `check_max_pool1d`. */
function checkMaxPool1d(input: Tensor, k: readonly number[], s: readonly number[], p: readonly number[], d: readonly number[], ceil: boolean): number {
  const nd = input.ndim;
  // An empty batch is allowed, empty channels or length are not.
  if (!((nd === 2 || nd === 3) && input.shape[nd - 2] !== 0 && input.shape[nd - 1] !== 0)) {
    throw new ShapeError(
      `max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(input.shape)}`,
      { op: "max_pool1d", shapes: { input: input.shape }, expected: { ndim: [2, 3] }, got: { ndim: nd } });
  }
  if (k.length !== 1) throw runtimeArg(`max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size ${k.length}`, "kernel_size");
  if (s.length !== 0 && s.length !== 1) {
    throw runtimeArg(`max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but got size ${s.length}`, "stride");
  }
  if (p.length !== 1) throw runtimeArg(`max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got size ${p.length}`, "padding");
  if (d.length !== 1) throw runtimeArg(`max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got size ${d.length}`, "dilation");
  const [kk, pp, dd] = [k[0]!, p[0]!, d[0]!];
  const ss = s.length === 0 ? kk : s[0]!;
  if (kk <= 0) throw runtimeArg(`max_pool1d() kernel_size must be greater than zero, but got ${kk}`, "kernel_size");
  if (ss <= 0) throw runtimeArg(`max_pool1d() stride must be greater than zero, but got ${ss}`, "stride");
  if (pp < 0) throw runtimeArg(`max_pool1d() padding must be non-negative, but got ${pp}`, "padding");
  if (pp > Math.trunc(kk / 2)) {
    throw runtimeArg(`max_pool1d() padding should be at most half of kernel size, but got padding=${pp} and kernel_size=${kk}`, "padding");
  }
  if (dd <= 0) throw runtimeArg(`max_pool1d() dilation must be greater than zero, but got ${dd}`, "dilation");
  const L = input.shape[nd - 1]!;
  const out = poolOutputSize(L, kk, pp, pp, ss, dd, ceil);
  if (out < 1) {
    throw new ShapeError(`max_pool1d() Invalid computed output size: ${out}`,
      { op: "max_pool1d", shapes: { input: input.shape }, expected: { output_size: ">= 1" }, got: { output_size: out } });
  }
  return ss;
}

/**
 * Max pooling over windows of `kernel_size` along the last dim; with
 * `return_indices` also the position of each maximum.
 *
 * @example
 * const [y, idx] = F.max_pool1d(torch.randn(1, 2, 8), 2, { return_indices: true });
 */
export const max_pool1d = hooked("F.max_pool1d", function max_pool1d(input: Tensor, ...args: ArgsOf<typeof MAX_POOL1D>): Tensor | [Tensor, Tensor] {
  requireTensor("max_pool1d", [[input, "input"]]);
  const o = MAX_POOL1D.parse(args);
  const k = list(o.kernel_size);
  const s = o.stride === null ? [] : list(o.stride);
  // With indices PyTorch runs max_pool1d_with_indices, whose checks are the 2-D op's (its wording, its rules).
  const stride = o.return_indices ? (s.length === 0 ? k[0]! : s[0]!) : checkMaxPool1d(input, k, s, list(o.padding), list(o.dilation), o.ceil_mode);
  const [kk, pp, dd] = [k[0]!, list(o.padding)[0]!, list(o.dilation)[0]!];
  return asRow(input, (x) => max_pool2d(x, [1, kk], [1, stride], [0, pp], [1, dd], o.ceil_mode, o.return_indices));
}, describeMaxPool1d);

/**
 * Average pooling along the last dim.
 *
 * @example
 * F.avg_pool1d(torch.tensor([[[1, 2, 3, 4, 5, 6, 7]]]), 3, 2)   // [[[2, 4, 6]]]
 */
export const avg_pool1d = hooked("F.avg_pool1d", function avg_pool1d(input: Tensor, ...args: ArgsOf<typeof AVG_POOL1D>): Tensor {
  requireTensor("avg_pool1d", [[input, "input"]]);
  const o = AVG_POOL1D.parse(args);
  checkRank("avg_pool1d", input);
  const k = oneInt("avg_pool1d", "kernel_size", o.kernel_size);
  const s = o.stride === null || list(o.stride).length === 0 ? k : oneInt("avg_pool1d", "stride", o.stride);
  const p = oneInt("avg_pool1d", "padding", o.padding);
  // The pad bound is the 2-D op's check on the width.
  return asRow(input, (x) => avg_pool2d(x, [1, k], [1, s], [0, p], o.ceil_mode, o.count_include_pad));
}, describeAvgPool1d);

/**
 * Average pooling to `output_size` along the last dim, whatever its length.
 *
 * @example
 * F.adaptive_avg_pool1d(torch.randn(2, 4, 10), 3).shape   // torch.Size([2, 4, 3])
 */
export const adaptive_avg_pool1d = hooked("F.adaptive_avg_pool1d", function adaptive_avg_pool1d(
  input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_AVG_POOL1D>
): Tensor {
  requireTensor("adaptive_avg_pool1d", [[input, "input"]]);
  const o = ADAPTIVE_AVG_POOL1D.parse(args);
  checkRank("adaptive_avg_pool1d", input);
  const size = oneInt("adaptive_avg_pool1d", "output_size", o.output_size);
  return asRow(input, (x) => adaptive_avg_pool2d(x, [1, size]));
}, describeAdaptive1d("adaptive_avg_pool1d"));

/**
 * Max pooling to `output_size` along the last dim; `return_indices` also returns the positions.
 *
 * @example
 * F.adaptive_max_pool1d(torch.randn(2, 4, 10), 1).shape   // torch.Size([2, 4, 1])
 */
export const adaptive_max_pool1d = hooked("F.adaptive_max_pool1d", function adaptive_max_pool1d(
  input: Tensor, ...args: ArgsOf<typeof ADAPTIVE_MAX_POOL1D>
): Tensor | [Tensor, Tensor] {
  requireTensor("adaptive_max_pool1d", [[input, "input"]]);
  const o = ADAPTIVE_MAX_POOL1D.parse(args);
  checkRank("adaptive_max_pool1d", input);
  const size = oneInt("adaptive_max_pool1d", "output_size", o.output_size);
  for (let i = 1; i < input.ndim; i++) {
    if (input.shape[i] === 0) {
      throw new ShapeError(
        `adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(input.shape)} with dimension ${i} being empty`,
        { op: "adaptive_max_pool1d", shapes: { input: input.shape } });
    }
  }
  return asRow(input, (x) => adaptive_max_pool2d(x, [1, size], o.return_indices));
}, describeAdaptive1d("adaptive_max_pool1d"));
