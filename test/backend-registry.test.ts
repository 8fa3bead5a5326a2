/**
 * The kernel registry: two backends ("wasm" by default where the engine has WebAssembly SIMD, "ts" the
 * TypeScript reference), kernels a backend leaves out served by the TypeScript ones, one kernel
 * replaced at a time, reset. (CI runs the whole suite once per backend through TSORCH_BACKEND, so
 * these tests hold whichever backend the run starts on.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { sgemm } from "../src/backend/cpu/gemm.js";
import {
  availableBackends,
  cpuKernels,
  getBackend,
  getKernel,
  getKernelBackend,
  listKernels,
  registerKernel,
  resetKernel,
  setBackend,
  type KernelName,
  type SgemmKernel,
} from "../src/backend/registry.js";
import { wasmKernels } from "../src/backend/wasm/index.js";
import { ArgumentError } from "../src/errors.js";
import { torch } from "../src/index.js";

const initial = getBackend();
afterEach(() => setBackend(initial));

describe("kernel registry", () => {
  it("starts on TSORCH_BACKEND when set, else on the wasm backend", () => {
    const env = process.env.TSORCH_BACKEND;
    expect(initial).toBe(env === undefined || env === "" ? "wasm" : env);
    expect(availableBackends()).toEqual(["ts", "wasm"]);
  });

  it("serves every kernel under its PyTorch-style name, from the current backend or the TypeScript fallback", () => {
    const names = listKernels().map((k) => k.name);
    for (const n of [
      "sgemm", "conv2d", "conv2d_backward_input", "conv2d_backward_weight", "conv2d_backward_bias",
      "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
      "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d", "adaptive_max_pool2d_backward",
    ] satisfies KernelName[]) {
      expect(names).toContain(n);
      expect([getBackend(), "ts"]).toContain(getKernelBackend(n));
    }
  });

  it("set_backend('ts') puts every TypeScript kernel in place; set_backend('wasm') the SIMD ones over them", () => {
    torch.set_backend("ts");
    expect(torch.get_backend()).toBe("ts");
    for (const { name, backend } of listKernels()) {
      expect(backend).toBe("ts");
      expect(getKernel(name)).toBe(cpuKernels[name]);
    }
    torch.set_backend("wasm");
    expect(torch.get_backend()).toBe("wasm");
    expect(getKernel("sgemm")).toBe(wasmKernels.sgemm);
    expect(getKernelBackend("conv2d_backward_weight")).toBe("wasm");
    for (const { name, backend } of listKernels()) {
      const own = wasmKernels[name];
      expect(getKernel(name)).toBe(own ?? cpuKernels[name]);
      expect(backend).toBe(own ? "wasm" : "ts");
    }
  });

  it("computes the same LeNet-sized product on both backends (float32 rounding apart)", () => {
    const A = Float32Array.from({ length: 64 * 400 }, (_, i) => Math.sin(i));
    const B = Float32Array.from({ length: 400 * 120 }, (_, i) => Math.cos(i * 0.7));
    const run = (b: string) => {
      setBackend(b);
      const C = new Float32Array(64 * 120);
      getKernel("sgemm")(false, false, 64, 120, 400, 1, A, 0, 400, B, 0, 120, 0, C, 0, 120);
      return C;
    };
    const ts = run("ts"), wasm = run("wasm");
    let worst = 0;
    for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i]! - wasm[i]!));
    expect(worst).toBeGreaterThan(0); // float32 against float64 accumulation: not the same code path
    expect(worst).toBeLessThan(1e-3);
  });

  it("replaces one kernel and leaves the others alone; reset restores the backend's own", () => {
    const calls: number[] = [];
    const counting: SgemmKernel = (...args) => {
      calls.push(args[2]);
      sgemm(...args);
    };
    const before = getKernel("sgemm");
    const pool = getKernel("max_pool2d");
    registerKernel("sgemm", counting, "test");
    expect(getKernel("sgemm")).toBe(counting);
    expect(getKernelBackend("sgemm")).toBe("test");
    expect(getKernel("max_pool2d")).toBe(pool);
    const C = new Float32Array(1);
    getKernel("sgemm")(false, false, 1, 1, 1, 1, new Float32Array([2]), 0, 1, new Float32Array([3]), 0, 1, 0, C, 0, 1);
    expect(C[0]).toBe(6);
    expect(calls).toEqual([1]);
    resetKernel("sgemm");
    expect(getKernel("sgemm")).toBe(before);
    expect(getKernelBackend("sgemm")).toBe(getBackend());
    registerKernel("sgemm", counting, "test");
    setBackend(getBackend());
    expect(getKernel("sgemm")).toBe(before);
  });

  it("refuses unknown names, backends and non-functions with typed errors", () => {
    expect(() => getKernel("conv3d" as KernelName)).toThrow(ArgumentError);
    expect(() => getKernel("conv3d" as KernelName)).toThrow(/no kernel named 'conv3d'/);
    expect(() => registerKernel("sgemm", 42 as unknown as SgemmKernel)).toThrow(/must be a function/);
    expect(() => torch.set_backend("cuda")).toThrow("set_backend: unknown backend 'cuda' (expected one of: 'ts', 'wasm')");
    expect(getBackend()).toBe(initial);
  });
});
