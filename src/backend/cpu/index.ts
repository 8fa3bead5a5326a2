/**
 * The `"ts"` backend: the pure TypeScript kernels, by dtype and op. It is complete — the registry
 * (../registry.ts) serves every kernel another backend leaves out from here — and it is the readable
 * reference the other backends are checked against (sums accumulate in float64).
 *
 * The upsampling forwards stay specialised to Float32Array and have float64 twins
 * (interpolate-f64.ts); GEMM, conv2d, the pooling kernels and the other upsampling kernels are
 * written once over both array types and serve both dtypes. bench/f64-twins.ts measures whether
 * each twin pays.
 */
import type { KernelSignatures } from "../registry.js";
import { conv2d, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardWeight } from "./conv2d.js";
import { sgemm, sgemmBatched } from "./gemm.js";
import { col2im, im2col } from "./im2col.js";
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
} from "./pool2d.js";
import { depthGather, depthScatter, depthToChannels } from "./conv3d.js";
import { batchNormApply } from "./batchnorm.js";
import {
  adaptiveAvgPool3d, adaptiveAvgPool3dBackward, adaptiveMaxPool3d, avgPool3d, avgPool3dBackward, maxPool3d, maxPool3dBackward,
} from "./pool3d.js";
import { compileRow, runElementwise } from "./elementwise.js";
import {
  upsampleBicubic2d,
  upsampleBicubic2dBackward,
  upsampleBilinear2d,
  upsampleBilinear2dBackward,
  upsampleNearest2d,
  upsampleNearest2dBackward,
} from "./interpolate.js";
import { upsampleBicubic2dF64, upsampleBilinear2dF64, upsampleNearest2dF64 } from "./interpolate-f64.js";
import {
  argReduceKernel, reduceKernel, scanKernel, softmaxBackwardKernel, softmaxKernel, varianceKernel,
} from "./reduce.js";

/** The kernels written over both float array types, for either dtype's table. */
const bothPrecisions = {
  max_pool2d_backward: maxPool2dBackward,
  avg_pool2d: avgPool2d,
  avg_pool2d_backward: avgPool2dBackward,
  adaptive_avg_pool2d: adaptiveAvgPool2d,
  adaptive_avg_pool2d_backward: adaptiveAvgPool2dBackward,
  adaptive_max_pool2d: adaptiveMaxPool2d,
  adaptive_max_pool2d_backward: adaptiveMaxPool2dBackward,
  upsample_nearest2d_backward: upsampleNearest2dBackward,
  upsample_bilinear2d_backward: upsampleBilinear2dBackward,
  upsample_bicubic2d_backward: upsampleBicubic2dBackward,
  // im2col/col2im only move values: one function serves both precisions.
  im2col,
  col2im,
  conv3d_depth_gather: depthGather,
  conv3d_depth_scatter: depthScatter,
  conv3d_depth_to_channels: depthToChannels,
  batch_norm_apply: batchNormApply,
  max_pool3d: maxPool3d,
  max_pool3d_backward: maxPool3dBackward,
  avg_pool3d: avgPool3d,
  avg_pool3d_backward: avgPool3dBackward,
  adaptive_avg_pool3d: adaptiveAvgPool3d,
  adaptive_avg_pool3d_backward: adaptiveAvgPool3dBackward,
  adaptive_max_pool3d: adaptiveMaxPool3d,
};

/** The pure TypeScript kernels: the `"ts"` backend, and the fallback for every kernel another backend leaves out. */
export const cpuKernels: Readonly<KernelSignatures> = Object.freeze({
  float32: Object.freeze({
    ...bothPrecisions,
    gemm: sgemm,
    gemm_batched: sgemmBatched,
    conv2d,
    conv2d_backward_input: conv2dBackwardInput,
    conv2d_backward_weight: conv2dBackwardWeight,
    conv2d_backward_bias: conv2dBackwardBias,
    max_pool2d: maxPool2d,
    upsample_nearest2d: upsampleNearest2d,
    upsample_bilinear2d: upsampleBilinear2d,
    upsample_bicubic2d: upsampleBicubic2d,
  }),
  float64: Object.freeze({
    ...bothPrecisions,
    gemm: sgemm,
    conv2d,
    conv2d_backward_input: conv2dBackwardInput,
    conv2d_backward_weight: conv2dBackwardWeight,
    conv2d_backward_bias: conv2dBackwardBias,
    max_pool2d: maxPool2d,
    upsample_nearest2d: upsampleNearest2dF64,
    upsample_bilinear2d: upsampleBilinear2dF64,
    upsample_bicubic2d: upsampleBicubic2dF64,
  }),
  any: Object.freeze({
    elementwise_compile: compileRow,
    elementwise_run: runElementwise,
    reduce: reduceKernel,
    variance: varianceKernel,
    arg_reduce: argReduceKernel,
    scan: scanKernel,
    softmax: softmaxKernel,
    softmax_backward: softmaxBackwardKernel,
  }),
});
