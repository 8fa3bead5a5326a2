/** The kernel registry: CPU kernels by default, replace one kernel at a time, reset. */
import { afterEach, describe, expect, it } from "vitest";
import { conv2d } from "../src/backend/cpu/conv2d.js";
import { sgemm } from "../src/backend/cpu/gemm.js";
import {
  cpuKernels,
  getKernel,
  getKernelBackend,
  listKernels,
  registerKernel,
  resetKernel,
  type KernelName,
  type SgemmKernel,
} from "../src/backend/registry.js";
import { ArgumentError } from "../src/errors.js";

afterEach(() => resetKernel());

describe("kernel registry", () => {
  it("serves the CPU kernels by default, under PyTorch-style names", () => {
    expect(getKernel("sgemm")).toBe(sgemm);
    expect(getKernel("conv2d")).toBe(conv2d);
    const names = listKernels().map((k) => k.name);
    for (const n of [
      "sgemm", "conv2d", "conv2d_backward_input", "conv2d_backward_weight", "conv2d_backward_bias",
      "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
      "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d", "adaptive_max_pool2d_backward",
    ] satisfies KernelName[]) {
      expect(names).toContain(n);
      expect(getKernelBackend(n)).toBe("cpu");
    }
  });

  it("replaces one kernel and leaves the others alone; reset restores it", () => {
    const calls: number[] = [];
    const counting: SgemmKernel = (...args) => {
      calls.push(args[2]);
      sgemm(...args);
    };
    registerKernel("sgemm", counting, "test");
    expect(getKernel("sgemm")).toBe(counting);
    expect(getKernelBackend("sgemm")).toBe("test");
    expect(getKernel("conv2d")).toBe(cpuKernels.conv2d);
    const C = new Float32Array(1);
    getKernel("sgemm")(false, false, 1, 1, 1, 1, new Float32Array([2]), 0, 1, new Float32Array([3]), 0, 1, 0, C, 0, 1);
    expect(C[0]).toBe(6);
    expect(calls).toEqual([1]);
    resetKernel("sgemm");
    expect(getKernel("sgemm")).toBe(sgemm);
    expect(getKernelBackend("sgemm")).toBe("cpu");
  });

  it("refuses unknown names and non-functions with typed errors", () => {
    expect(() => getKernel("conv3d" as KernelName)).toThrow(ArgumentError);
    expect(() => getKernel("conv3d" as KernelName)).toThrow(/no kernel named 'conv3d'/);
    expect(() => registerKernel("sgemm", 42 as unknown as SgemmKernel)).toThrow(/must be a function/);
  });
});
