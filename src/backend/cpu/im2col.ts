/**
 * im2col and col2im: the bridge between a 2-D convolution and a matrix multiply.
 *
 * For one image (NCHW, contiguous) and a channel range, the column matrix has
 * one row per kernel element `e = (c, kh, kw)` (row-major over c, kh, kw, the
 * same order as a PyTorch weight `[C_out, C_in/groups, kH, kW]` flattened) and
 * one column per output position `p = (oh, ow)`:
 *
 *     col[e, p] = x[c, oh*strideH - padTop + kh*dilationH, ow*strideW - padLeft + kw*dilationW]
 *
 * (0 where that falls in the padding). Then `conv = W(C_out x E) * col(E x P)`,
 * `grad_input = col2im(W^T * grad_out)` and `grad_weight = grad_out * col^T`.
 *
 * These are the explicit forms, registered as the `im2col` / `col2im` kernels
 * for callers that want the column matrix itself (unfold/fold). The conv
 * kernels in conv2d.ts never build it: they gather the same entries through
 * offset tables (`microKernelGather`, `packBGather`, `microKernelScatter`).
 *
 * @example
 * // 1 channel 3x3 image, 2x2 kernel, stride 1, no padding -> col is 4 x 4
 * const g = conv2dGeometry([1, 1, 3, 3], [1, 1, 2, 2]);
 * const col = new Float32Array(16);
 * im2col(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, g, 0, 1, col, 0);
 * // col rows: [1,2,4,5], [2,3,5,6], [4,5,7,8], [5,6,8,9]
 */
import type { Conv2dGeometry } from "../../shape/conv-pool.js";
import type { FloatArray } from "./float-array.js";

/** Geometry fields im2col needs (a `Conv2dGeometry` has them all). */
export type Im2colGeometry = Pick<
  Conv2dGeometry,
  | "inH" | "inW" | "kernelH" | "kernelW" | "strideH" | "strideW"
  | "padTop" | "padLeft" | "dilationH" | "dilationW" | "outH" | "outW"
>;

/**
 * Writes the column matrix of channels `[c0, c0 + channels)` of the image at `x[xOff...]` into
 * `col[colOff...]` as a dense row-major `(channels*kH*kW) x (outH*outW)` matrix (float32 or float64, as `x`).
 */
export function im2col<A extends FloatArray = Float32Array>(
  x: A,
  xOff: number,
  g: Im2colGeometry,
  c0: number,
  channels: number,
  col: A,
  colOff: number,
): void {
  const { inH, inW, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  let d = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + (c0 + c) * inH * inW;
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++) {
        const dh = kh * dilationH - padTop;
        const dw = kw * dilationW - padLeft;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH + dh;
          if (ih < 0 || ih >= inH) {
            col.fill(0, d, d + outW);
            d += outW;
            continue;
          }
          const row = plane + ih * inW;
          let iw = dw;
          for (let ow = 0; ow < outW; ow++, iw += strideW) col[d++] = iw >= 0 && iw < inW ? x[row + iw]! : 0;
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col`: adds every entry of the column matrix back onto the input pixel it was read
 * from (`x[...] += col[e, p]`); padding entries are dropped. `x` must be zeroed by the caller when a
 * fresh gradient is wanted.
 */
export function col2im<A extends FloatArray = Float32Array>(
  col: A,
  colOff: number,
  g: Im2colGeometry,
  c0: number,
  channels: number,
  x: A,
  xOff: number,
): void {
  const { inH, inW, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  let s = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + (c0 + c) * inH * inW;
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++) {
        const dh = kh * dilationH - padTop;
        const dw = kw * dilationW - padLeft;
        // Output columns whose input column falls inside the image: ow in [owLo, owHi).
        const owLo = dw >= 0 ? 0 : Math.min(outW, Math.ceil(-dw / strideW));
        const owHi = Math.max(owLo, Math.min(outW, Math.ceil((inW - dw) / strideW)));
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH + dh;
          if (ih >= 0 && ih < inH) {
            const row = plane + ih * inW + dw;
            for (let ow = owLo; ow < owHi; ow++) x[row + ow * strideW]! += col[s + ow]!;
          }
          s += outW;
        }
      }
    }
  }
}
