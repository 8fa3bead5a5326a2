/**
 * 3-D convolution on the 2-D kernels: the depth window is folded into the
 * channels. For output depth `od` and depth tap `kd`, plane `(c, kd)` of the
 * folded image is input depth `od·sD + kd·dD − pD` of channel `c` (zeros
 * outside), so the folded batch `[N·outD, C·kD, H, W]` convolved with the
 * weight viewed as `[C_out, (C_in/groups)·kD, kH, kW]` (the same memory) gives
 * every output depth at once. Groups stay contiguous: channel `c` of group
 * `g` owns folded channels `c·kD … c·kD + kD − 1`.
 *
 * The gradient of the folded image is scattered back onto the input
 * (`depthScatter`, the adjoint of `depthGather`); the weight gradient is the
 * 2-D one of the folded image. The 2-D convolution's output is
 * `[N, outD, C_out, oH, oW]`; `depthToChannels` puts the depth after the
 * channels as PyTorch's `[N, C_out, outD, oH, oW]` (and back for gradients).
 *
 * @example
 * const folded = depthGather(g, x);                 // [N·outD, C·kD, H, W]
 * const y2 = getKernel("conv2d")(g2, folded, w, b); // [N, outD, C_out, oH, oW]
 * const y = depthToChannels(g, y2, false);          // [N, C_out, outD, oH, oW]
 */
import type { ConvNdGeometry } from "../../shape/conv-nd.js";
import type { FloatArray } from "./float-array.js";

function like<A extends FloatArray>(x: A, n: number): A {
  return (x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as A;
}

/**
 * Calls `f(folded, source)` for every plane of the folded image `[N·outD, C·kD, H, W]` that reads an
 * input plane (the others are padding): the offsets of that plane and of the input plane it reads.
 */
function forEachTap(g: ConvNdGeometry, f: (folded: number, source: number) => void): void {
  const [D, H, W] = g.inSize as [number, number, number];
  const [kD] = g.kernel as [number];
  const outD = g.outSize[0]!;
  const plane = H * W;
  const C = g.inChannels;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let od = 0; od < outD; od++) {
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * D;
        for (let kd = 0; kd < kD; kd++, o += plane) {
          const d = od * g.stride[0]! + kd * g.dilation[0]! - g.padBefore[0]!;
          if (d >= 0 && d < D) f(o, (base + d) * plane);
        }
      }
    }
  }
}

function planeSize(g: ConvNdGeometry): number {
  return g.inSize[1]! * g.inSize[2]!;
}

/** The folded image `[N·outD, C·kD, H, W]` of input `[N, C, D, H, W]`. */
export function depthGather<A extends FloatArray>(g: ConvNdGeometry, x: A): A {
  const plane = planeSize(g);
  const out = like(x, g.batch * g.outSize[0]! * g.inChannels * g.kernel[0]! * plane);
  forEachTap(g, (o, src) => out.set(x.subarray(src, src + plane), o));
  return out;
}

/** The adjoint of {@link depthGather}: the folded gradient summed back onto `[N, C, D, H, W]`. */
export function depthScatter<A extends FloatArray>(g: ConvNdGeometry, folded: A): A {
  const plane = planeSize(g);
  const gx = like(folded, g.batch * g.inChannels * g.inSize[0]! * plane);
  forEachTap(g, (o, t) => {
    for (let i = 0; i < plane; i++) gx[t + i]! += folded[o + i]!;
  });
  return gx;
}

/**
 * `[N, outD, C_out, P]` to `[N, C_out, outD, P]` (`back` false), or the reverse, where `P` is one
 * output plane.
 */
export function depthToChannels<A extends FloatArray>(g: ConvNdGeometry, y: A, back: boolean): A {
  const outD = g.outSize[0]!;
  const plane = g.outSize[1]! * g.outSize[2]!;
  const C = g.outChannels;
  const out = like(y, y.length);
  for (let n = 0; n < g.batch; n++) {
    for (let d = 0; d < outD; d++) {
      for (let c = 0; c < C; c++) {
        const a = ((n * outD + d) * C + c) * plane;
        const b = ((n * C + c) * outD + d) * plane;
        if (back) out.set(y.subarray(b, b + plane), a);
        else out.set(y.subarray(a, a + plane), b);
      }
    }
  }
  return out;
}
