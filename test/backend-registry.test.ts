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
  type GemmKernel,
  type KernelName,
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

  it("serves every kernel by (op, dtype), from the current backend or the TypeScript fallback", () => {
    const keys = listKernels().map((k) => `${k.name}/${k.dtype}`);
    for (const n of [
      "gemm", "conv2d", "conv2d_backward_input", "conv2d_backward_weight", "conv2d_backward_bias",
      "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
      "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d", "adaptive_max_pool2d_backward",
      "upsample_nearest2d", "upsample_bilinear2d_backward",
    ] satisfies KernelName<"float64">[]) {
      for (const dtype of ["float32", "float64"] as const) {
        expect(keys).toContain(`${n}/${dtype}`);
        expect([getBackend(), "ts"]).toContain(getKernelBackend(n, dtype));
      }
    }
    expect(keys).toContain("softmax/any");
    expect(keys).toContain("gemm_batched/float32");
    expect(keys).not.toContain("gemm_batched/float64");
    // One name per op: no precision suffixes.
    expect(keys.filter((k) => /_f(32|64)\b|[sd]gemm/.test(k))).toEqual([]);
  });

  it("set_backend('ts') puts every TypeScript kernel in place; set_backend('wasm') the SIMD ones over them", () => {
    torch.set_backend("ts");
    expect(torch.get_backend()).toBe("ts");
    const table = (kernels: object, dtype: string) => (kernels as Record<string, Record<string, unknown> | undefined>)[dtype];
    for (const { name, dtype, backend } of listKernels()) {
      expect(backend).toBe("ts");
      expect(getKernel(name as never, dtype)).toBe(table(cpuKernels, dtype)![name]);
    }
    torch.set_backend("wasm");
    expect(torch.get_backend()).toBe("wasm");
    expect(getKernel("gemm", "float32")).toBe(wasmKernels.float32!.gemm);
    expect(getKernelBackend("conv2d_backward_weight", "float32")).toBe("wasm");
    expect(getKernelBackend("conv2d_backward_weight", "float64")).toBe("ts");
    for (const { name, dtype, backend } of listKernels()) {
      const own = table(wasmKernels, dtype)?.[name];
      expect(getKernel(name as never, dtype)).toBe(own ?? table(cpuKernels, dtype)![name]);
      expect(backend).toBe(own ? "wasm" : "ts");
    }
  });

  it("computes the same LeNet-sized product on both backends (float32 rounding apart)", () => {
    const A = Float32Array.from({ length: 64 * 400 }, (_, i) => Math.sin(i));
    const B = Float32Array.from({ length: 400 * 120 }, (_, i) => Math.cos(i * 0.7));
    const run = (b: string) => {
      setBackend(b);
      const C = new Float32Array(64 * 120);
      getKernel("gemm", "float32")(false, false, 64, 120, 400, 1, A, 0, 400, B, 0, 120, 0, C, 0, 120);
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
    const counting: GemmKernel = (...args) => {
      calls.push(args[2]);
      sgemm(...args);
    };
    const before = getKernel("gemm", "float32");
    const before64 = getKernel("gemm", "float64");
    const pool = getKernel("max_pool2d", "float32");
    registerKernel("gemm", "float32", counting, "test");
    expect(getKernel("gemm", "float32")).toBe(counting);
    expect(getKernelBackend("gemm", "float32")).toBe("test");
    expect(getKernel("gemm", "float64")).toBe(before64);
    expect(getKernel("max_pool2d", "float32")).toBe(pool);
    const C = new Float32Array(1);
    getKernel("gemm", "float32")(false, false, 1, 1, 1, 1, new Float32Array([2]), 0, 1, new Float32Array([3]), 0, 1, 0, C, 0, 1);
    expect(C[0]).toBe(6);
    expect(calls).toEqual([1]);
    resetKernel("gemm", "float32");
    expect(getKernel("gemm", "float32")).toBe(before);
    expect(getKernelBackend("gemm", "float32")).toBe(getBackend());
    registerKernel("gemm", "float32", counting, "test");
    setBackend(getBackend());
    expect(getKernel("gemm", "float32")).toBe(before);
  });

  it("refuses unknown names, backends and non-functions with typed errors", () => {
    expect(() => getKernel("conv3d" as never, "float32")).toThrow(ArgumentError);
    expect(() => getKernel("conv3d" as never, "float32")).toThrow(/no kernel named 'conv3d' for float32/);
    expect(() => getKernel("gemm_batched" as never, "float64")).toThrow(/no kernel named 'gemm_batched' for float64/);
    expect(() => getKernel("gemm" as never, "int8" as never)).toThrow(/no kernel dtype 'int8'/);
    expect(() => registerKernel("gemm", "float32", 42 as unknown as GemmKernel)).toThrow(/must be a function/);
    expect(() => torch.set_backend("cuda")).toThrow("set_backend: unknown backend 'cuda' (expected one of: 'ts', 'wasm')");
    expect(getBackend()).toBe(initial);
  });
});
