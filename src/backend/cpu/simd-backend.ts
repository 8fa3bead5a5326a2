/**
 * The opt-in switch for the WebAssembly SIMD kernels: `enableWasmSimd()` registers the SIMD `sgemm`
 * and conv2d kernels (forward, grad_input, grad_weight) in the kernel registry under the backend name
 * `"wasm-simd"`; `disableWasmSimd()` puts the TypeScript kernels back. Everything else (pooling, bias
 * gradient, im2col) stays on the TypeScript kernels.
 *
 * The pure TypeScript kernels are the default because they are exact to float64 accumulation and need
 * nothing from the engine; the SIMD ones accumulate in float32 (as PyTorch does) and are 3-7x faster.
 *
 * @example
 * if (enableWasmSimd()) console.log(getKernelBackend("conv2d")); // "wasm-simd"
 * disableWasmSimd();
 */
import { getKernelBackend, registerKernel, resetKernel, type KernelName } from "../registry.js";
import { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from "./simd-conv2d.js";
import { sgemmSimd, simdAvailable } from "./simd-gemm.js";

/** The backend name the SIMD kernels register under. */
export const WASM_SIMD = "wasm-simd";

const SIMD_KERNELS: KernelName[] = ["sgemm", "conv2d", "conv2d_backward_input", "conv2d_backward_weight"];

/**
 * Registers the WebAssembly SIMD kernels. Returns false, changing nothing, when this engine has no
 * WebAssembly SIMD.
 */
export function enableWasmSimd(): boolean {
  if (!simdAvailable()) return false;
  registerKernel("sgemm", sgemmSimd, WASM_SIMD);
  registerKernel("conv2d", simdConv2d, WASM_SIMD);
  registerKernel("conv2d_backward_input", simdConv2dBackwardInput, WASM_SIMD);
  registerKernel("conv2d_backward_weight", simdConv2dBackwardWeight, WASM_SIMD);
  return true;
}

/** Puts the TypeScript kernels back wherever a SIMD kernel is registered. */
export function disableWasmSimd(): void {
  for (const name of SIMD_KERNELS) if (getKernelBackend(name) === WASM_SIMD) resetKernel(name);
}

/** Whether the SIMD kernels are the registered ones now. */
export function wasmSimdEnabled(): boolean {
  return SIMD_KERNELS.every((name) => getKernelBackend(name) === WASM_SIMD);
}
