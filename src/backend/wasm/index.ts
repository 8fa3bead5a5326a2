/**
 * The `"wasm"` backend: WebAssembly SIMD kernels (128-bit, four float32 lanes), assembled from
 * TypeScript at load time (assembler.ts), nothing prebuilt. It is the default wherever the engine
 * validates the module; `torch.set_backend("ts")` switches to the TypeScript reference kernels.
 * Kernels this table leaves out run on the TypeScript ones (registry.ts).
 *
 * The SIMD kernels accumulate in float32, as PyTorch's do; the TypeScript ones accumulate in float64.
 */
import type { BackendKernels } from "../registry.js";
import { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from "./conv2d.js";
import { compileRowSimd, simdBatchNormApply } from "./elementwise.js";
import { sgemmSimd, simdAvailable } from "./gemm.js";
import { simdMaxPool2d } from "./pool2d.js";

/** Whether this engine runs WebAssembly SIMD. */
export const wasmAvailable = simdAvailable;

/** The kernels of the `"wasm"` backend. */
export const wasmKernels: BackendKernels = {
  float32: {
    gemm: sgemmSimd,
    conv2d: simdConv2d,
    conv2d_backward_input: simdConv2dBackwardInput,
    conv2d_backward_weight: simdConv2dBackwardWeight,
    max_pool2d: simdMaxPool2d,
    batch_norm_apply: simdBatchNormApply,
  },
  any: {
    elementwise_compile: compileRowSimd,
  },
};
