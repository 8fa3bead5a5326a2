/**
 * How ops reach their compute kernels: through the kernel registry, so a
 * faster backend registered there (`registerKernel("softmax", "any", ...)`) is used
 * at once by every op.
 */
import * as registry from "../backend/registry.js";

export type OpKernelName = keyof registry.AnyDtypeKernels;

/** The kernel registered under `name`. */
export function opKernel<K extends OpKernelName>(name: K): registry.AnyDtypeKernels[K] {
  return registry.getKernel(name, "any");
}

/** `getKernel("gemm", "float32")`: the registered single-precision matrix multiply. */
export function sgemmKernel(): registry.GemmKernel {
  return registry.getKernel("gemm", "float32");
}

/** `getKernel("gemm", "float64")`: the registered double-precision matrix multiply. */
export function dgemmKernel(): registry.GemmKernel<Float64Array> {
  return registry.getKernel("gemm", "float64");
}
