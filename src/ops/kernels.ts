/**
 * How ops reach their compute kernels: through the kernel registry, so a
 * faster backend registered there (`registerKernel("softmax", ...)`) is used
 * at once by every op.
 */
import * as registry from "../backend/registry.js";

export type OpKernelName =
  | "elementwise_compile" | "elementwise_run" | "reduce" | "variance" | "arg_reduce" | "scan" | "softmax" | "softmax_backward";

/** The kernel registered under `name`. */
export function opKernel<K extends OpKernelName>(name: K): registry.KernelSignatures[K] {
  return registry.getKernel(name);
}

/** `getKernel("sgemm")`: the registered single-precision matrix multiply. */
export function sgemmKernel(): registry.SgemmKernel {
  return registry.getKernel("sgemm");
}

/** `getKernel("dgemm")`: the registered double-precision matrix multiply. */
export function dgemmKernel(): registry.DgemmKernel {
  return registry.getKernel("dgemm");
}
