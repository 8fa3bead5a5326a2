/**
 * `F.unfold` and `F.fold`: sliding blocks to columns and back (PyTorch's
 * `im2col` / `col2im`). `unfold` turns `[N, C, H, W]` into
 * `[N, C·kH·kW, L]`, one column per block position (`L` of them); `fold` sums
 * such columns back onto an image of `output_size`, overlapping entries
 * added. They are each other's adjoint, so each one's backward is the other
 * (`Im2ColBackward0`, `Col2ImBackward0`). Unbatched inputs (`[C, H, W]`,
 * `[C·kH·kW, L]`) keep no batch dim. PyTorch 2.x's checks and messages.
 *
 * @example
 * F.unfold(torch.randn(1, 3, 10, 12), [4, 5]).shape          // torch.Size([1, 60, 56])
 * F.fold(torch.randn(1, 60, 56), [10, 12], [4, 5]).shape     // torch.Size([1, 3, 10, 12])
 */
import { record } from "../../autograd/graph.js";
import { floatKernel } from "../../backend/registry.js";
import type { Im2colGeometry } from "../../backend/cpu/im2col.js";
import type { FloatArray } from "../../backend/cpu/float-array.js";
import { ArgumentError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { type ArgsOf, Dims, arg, required, signature } from "../../ops/signature.js";
import { convOutputSize } from "../../shape/dim.js";
import { describeFold, describeUnfold } from "../../shape/families/fold.js";
import { float64 } from "../../tensor/dtype.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
import type { Tensor } from "../../tensor/tensor.js";
import { doubleData, doubleTensor, floatData, requireFloat, requireTensor, tensorFrom } from "./float-data.js";

export const UNFOLD = signature("unfold", [
  required("kernel_size", Dims), arg("dilation", Dims, 1), arg("padding", Dims, 0), arg("stride", Dims, 1),
]);
export const FOLD = signature("fold", [
  required("output_size", Dims), required("kernel_size", Dims), arg("dilation", Dims, 1), arg("padding", Dims, 0), arg("stride", Dims, 1),
]);

function runtimeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "RuntimeError");
}

/** `[h, w]` of a size argument; a list of another length is `It is expected kernel_size equals to 2, but got size 3`. */
function two(name: string, v: number | readonly number[]): [number, number] {
  if (typeof v === "number") return [v, v];
  if (v.length !== 2) throw runtimeArg(`It is expected ${name} equals to 2, but got size ${v.length}`, name);
  return [v[0]!, v[1]!];
}

interface BlockArgs { k: [number, number]; d: [number, number]; p: [number, number]; s: [number, number] }

function checkPositive({ k, d, p, s }: BlockArgs, order: "unfold" | "fold"): void {
  const kernel = () => { if (!(k[0] > 0 && k[1] > 0)) throw runtimeArg(`kernel size should be greater than zero, but got kernel_height: ${k[0]} kernel_width: ${k[1]}`, "kernel_size"); };
  const dil = () => { if (!(d[0] > 0 && d[1] > 0)) throw runtimeArg(`dilation should be greater than zero, but got dilation_height: ${d[0]} dilation_width: ${d[1]}`, "dilation"); };
  const pad = () => { if (!(p[0] >= 0 && p[1] >= 0)) throw runtimeArg(`padding should be non-negative, but got pad_height: ${p[0]} pad_width: ${p[1]}`, "padding"); };
  const str = () => { if (!(s[0] > 0 && s[1] > 0)) throw runtimeArg(`stride should be greater than zero, but got stride_height: ${s[0]} stride_width: ${s[1]}`, "stride"); };
  // ATen's im2col and col2im shape checks test them in different orders.
  for (const check of order === "unfold" ? [kernel, dil, pad, str] : [kernel, str, dil, pad]) check();
}

/** The im2col geometry of blocks `b` over an `H × W` image with `outH × outW` block positions. */
function geometry(b: BlockArgs, H: number, W: number, outH: number, outW: number): Im2colGeometry {
  return {
    inH: H, inW: W, kernelH: b.k[0], kernelW: b.k[1], strideH: b.s[0], strideW: b.s[1], padTop: b.p[0], padLeft: b.p[1],
    dilationH: b.d[0], dilationW: b.d[1], outH, outW,
  };
}

/** The kernels of one precision. */
function kernels(input: Tensor) {
  const dt = input.dtype === float64 ? "float64" : "float32";
  const dtype = input.dtype;
  const common = { im2col: floatKernel("im2col", dt), col2im: floatKernel("col2im", dt) };
  if (dt === "float64") {
    return {
      ...common, data: doubleData as (t: Tensor) => FloatArray, make: (d: FloatArray, s: readonly number[]) => doubleTensor(d as Float64Array, s),
      zeros: (n: number): FloatArray => new Float64Array(n),
    };
  }
  return {
    ...common, data: floatData as (t: Tensor) => FloatArray, make: (d: FloatArray, s: readonly number[]) => tensorFrom(d as Float32Array, s, dtype),
    zeros: (n: number): FloatArray => new Float32Array(n),
  };
}

type Kernels = ReturnType<typeof kernels>;

/** Image `[N, C, H, W]` data to columns `[N, C·kH·kW, L]`. */
function toColumns(K: Kernels, x: FloatArray, g: Im2colGeometry, N: number, C: number): FloatArray {
  const image = C * g.inH * g.inW;
  const cols = C * g.kernelH * g.kernelW * g.outH * g.outW;
  const out = K.zeros(N * cols);
  for (let n = 0; n < N; n++) K.im2col(x, n * image, g, 0, C, out, n * cols);
  return out;
}

/** Columns `[N, C·kH·kW, L]` summed onto images `[N, C, H, W]`. */
function toImages(K: Kernels, col: FloatArray, g: Im2colGeometry, N: number, C: number): FloatArray {
  const image = C * g.inH * g.inW;
  const cols = C * g.kernelH * g.kernelW * g.outH * g.outW;
  const out = K.zeros(N * image);
  for (let n = 0; n < N; n++) K.col2im(col, n * cols, g, 0, C, out, n * image);
  return out;
}

/**
 * Extracts sliding `kernel_size` blocks of `[N, C, H, W]` (or `[C, H, W]`) as columns.
 *
 * @example
 * F.unfold(x, 2, { stride: 2 })   // non-overlapping 2×2 patches: [N, C·4, (H/2)·(W/2)]
 */
export const unfold = hooked("F.unfold", function unfold(input: Tensor, ...args: ArgsOf<typeof UNFOLD>): Tensor {
  requireTensor("unfold", [[input, "input"]]);
  const o = UNFOLD.parse(args);
  const b: BlockArgs = { k: two("kernel_size", o.kernel_size), d: two("dilation", o.dilation), p: two("padding", o.padding), s: two("stride", o.stride) };
  checkPositive(b, "unfold");
  const nd = input.ndim;
  const at = (i: number): number => {
    if (i >= nd) {
      const n = Math.max(nd, 1);
      throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${i})`, i, [-n, n - 1]);
    }
    return input.shape[i]!;
  };
  const batchDim = nd === 3 ? -1 : 0;
  const validDims = at(batchDim + 1) !== 0 && at(batchDim + 2) !== 0;
  if (!((nd === 3 && input.shape[0] !== 0 && validDims) || (nd === 4 && validDims && input.shape[3] !== 0))) {
    throw new ShapeError(
      `Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmtShape(input.shape)}`,
      { op: "unfold", shapes: { input: input.shape }, expected: { ndim: [3, 4] }, got: { ndim: nd } });
  }
  const [N, C, H, W] = (nd === 4 ? [...input.shape] : [1, ...input.shape]) as [number, number, number, number];
  const outH = convOutputSize(H, b.k[0], b.s[0], b.p[0], b.p[0], b.d[0]);
  const outW = convOutputSize(W, b.k[1], b.s[1], b.p[1], b.p[1], b.d[1]);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `Given input with spatial size (${H}, ${W}), kernel_size=(${b.k[0]}, ${b.k[1]}), dilation=(${b.d[0]}, ${b.d[1]}), padding=(${b.p[0]}, ${b.p[1]}), calculated shape of the array of sliding blocks as (${outH}, ${outW}), but its components must be at least one.`,
      { op: "unfold", shapes: { input: input.shape }, expected: { blocks: ">= 1" }, got: { blocks: [outH, outW] } });
  }
  requireFloat(input, "im2col", "unfold");
  const shape = nd === 4 ? [N, C * b.k[0] * b.k[1], outH * outW] : [C * b.k[0] * b.k[1], outH * outW];
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  const K = kernels(input);
  const g = geometry(b, H, W, outH, outW);
  const out = K.make(toColumns(K, K.data(input), g, N, C), shape);
  record("Im2ColBackward0", out, [input], ([grad]) => [K.make(toImages(K, K.data(grad!), g, N, C), input.shape)]);
  return out;
}, describeUnfold);

/**
 * Sums columns `[N, C·kH·kW, L]` (or `[C·kH·kW, L]`) of sliding blocks back onto images of `output_size`.
 *
 * @example
 * F.fold(F.unfold(x, 2, { stride: 2 }), [x.size(2), x.size(3)], 2, { stride: 2 })   // x again
 */
export const fold = hooked("F.fold", function fold(input: Tensor, ...args: ArgsOf<typeof FOLD>): Tensor {
  requireTensor("fold", [[input, "input"]]);
  const o = FOLD.parse(args);
  const [H, W] = two("output_size", o.output_size);
  const b: BlockArgs = { k: two("kernel_size", o.kernel_size), d: two("dilation", o.dilation), p: two("padding", o.padding), s: two("stride", o.stride) };
  checkPositive(b, "fold");
  const nd = input.ndim;
  if (!((nd === 2 || nd === 3) && input.shape.slice(-2).every((x) => x !== 0))) {
    throw new ShapeError(
      `Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${fmtShape(input.shape)}`,
      { op: "fold", shapes: { input: input.shape }, expected: { ndim: [2, 3] }, got: { ndim: nd } });
  }
  const batchDim = nd === 3 ? 0 : -1;
  const planes = input.shape[batchDim + 1]!;
  const kk = b.k[0] * b.k[1];
  if (planes % kk !== 0) {
    throw new ShapeError(
      `Expected size of input's dimension ${batchDim + 1} to be divisible by the product of kernel_size, but got input.size(${batchDim + 1})=${planes} and kernel_size=(${b.k[0]}, ${b.k[1]}).`,
      { op: "fold", shapes: { input: input.shape }, expected: { channels: `multiple of ${kk}` }, got: { channels: planes } });
  }
  const L = input.shape[batchDim + 2]!;
  const outH = convOutputSize(H, b.k[0], b.s[0], b.p[0], b.p[0], b.d[0]);
  const outW = convOutputSize(W, b.k[1], b.s[1], b.p[1], b.p[1], b.d[1]);
  const given = `Given output_size=(${H}, ${W}), kernel_size=(${b.k[0]}, ${b.k[1]}), dilation=(${b.d[0]}, ${b.d[1]}), padding=(${b.p[0]}, ${b.p[1]}), stride=(${b.s[0]}, ${b.s[1]})`;
  if (L !== outH * outW) {
    throw new ShapeError(
      `${given}, expected size of input's dimension ${batchDim + 2} to match the calculated number of sliding blocks ${outH} * ${outW} = ${outH * outW}, but got input.size(${batchDim + 2})=${L}.`,
      { op: "fold", shapes: { input: input.shape }, expected: { blocks: outH * outW }, got: { blocks: L } });
  }
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${given}, calculated shape of the array of sliding blocks as (${outH}, ${outW}), which is too small (non-positive)`,
      { op: "fold", shapes: { input: input.shape }, expected: { blocks: ">= 1" }, got: { blocks: [outH, outW] } });
  }
  requireFloat(input, "col2im", "fold");
  const N = nd === 3 ? input.shape[0]! : 1;
  const C = planes / kk;
  const shape = nd === 3 ? [N, C, H, W] : [C, H, W];
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  const K = kernels(input);
  const g = geometry(b, H, W, outH, outW);
  const out = K.make(toImages(K, K.data(input), g, N, C), shape);
  record("Col2ImBackward0", out, [input], ([grad]) => [K.make(toColumns(K, K.data(grad!), g, N, C), input.shape)]);
  return out;
}, describeFold);
