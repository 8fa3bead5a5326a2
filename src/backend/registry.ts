/**
 * The kernel registry: every compute kernel of the runtime by name, with a typed signature, so that a
 * faster implementation (WebAssembly, say) can replace one kernel at a time while the rest keep
 * running on the pure TypeScript CPU kernels (the model is tfjs-core's kernel registry).
 *
 * Kernels take plain numbers and typed arrays — NCHW, contiguous, float32 — never Tensor objects.
 * The conv, pooling and upsampling kernels also come in float64 (the `_f64` names), and `dgemm`
 * (cpu/gemm-f64.ts) is `sgemm`'s float64 twin: the ops dispatch to them for float64 tensors, so that
 * those compute in double as PyTorch does. Hot float32 kernels stay specialised to Float32Array and
 * have float64 twins (cpu/conv2d-f64.ts, and for max_pool2d and the upsampling forwards
 * cpu/pool2d-f64.ts, cpu/interpolate-f64.ts); the other pooling and upsampling `_f64` names point at
 * the same kernels as their float32 names, which are typed over both array types.
 * Conv, pooling and upsampling kernels take a resolved geometry built by `conv2dGeometry`,
 * `maxPool2dGeometry`, `avgPool2dGeometry`, `adaptivePool2dGeometry` or `upsample2dGeometry`
 * (src/shape/conv-pool.ts), which also raise PyTorch's errors for bad sizes. Outputs are overwritten; the
 * optional trailing arrays let a caller reuse memory, otherwise a new array is returned.
 *
 * Two backends provide kernels: `"ts"`, the pure TypeScript kernels of cpu/ (the readable reference,
 * accumulating in float64), and `"wasm"`, the WebAssembly SIMD kernels of wasm/ (float32 accumulation,
 * as PyTorch's). `"wasm"` is the default wherever the engine runs WebAssembly SIMD; `setBackend`
 * (`torch.set_backend`) switches, and `TSORCH_BACKEND` in the environment picks the backend at start.
 * A backend lists only the kernels it has; the others run on the TypeScript ones. The TypeScript conv
 * kernels run their own GEMM micro-kernels (implicit im2col), so replacing `"sgemm"` alone does not
 * change them; a faster conv replaces `"conv2d"` and its gradients.
 *
 * @example
 * import { getKernel, registerKernel, resetKernel } from "./registry.js";
 * const conv = getKernel("conv2d");
 * const y = conv(g, x, w, b);
 * registerKernel("sgemm", mySgemm, "mine"); // every later getKernel("sgemm") gets it
 * resetKernel("sgemm");                     // back to the current backend's kernel
 * setBackend("ts");                         // every kernel from the TypeScript reference
 */
import { ArgumentError } from "../errors.js";
import { wasmAvailable, wasmKernels } from "./wasm/index.js";
import {
  conv2d,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
} from "./cpu/conv2d.js";
import {
  conv2dBackwardBiasF64,
  conv2dBackwardInputF64,
  conv2dBackwardWeightF64,
  conv2dF64,
} from "./cpu/conv2d-f64.js";
import { depthGather, depthScatter, depthToChannels } from "./cpu/conv3d.js";
import { sgemm, sgemmBatched } from "./cpu/gemm.js";
import { dgemm } from "./cpu/gemm-f64.js";
import { col2im, im2col, type Im2colGeometry } from "./cpu/im2col.js";
import type {
  AdaptivePool2dGeometry,
  AvgPool2dGeometry,
  Conv2dGeometry,
  Pool2dGeometry,
  Upsample2dGeometry,
} from "../shape/conv-pool.js";
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
  type MaxPoolResult,
} from "./cpu/pool2d.js";
import type { FloatArray } from "./cpu/float-array.js";
import { maxPool2dF64 } from "./cpu/pool2d-f64.js";
import { compileRow, runElementwise } from "./cpu/elementwise.js";
import {
  upsampleBicubic2d,
  upsampleBicubic2dBackward,
  upsampleBilinear2d,
  upsampleBilinear2dBackward,
  upsampleNearest2d,
  upsampleNearest2dBackward,
} from "./cpu/interpolate.js";
import { upsampleBicubic2dF64, upsampleBilinear2dF64, upsampleNearest2dF64 } from "./cpu/interpolate-f64.js";
import {
  argReduceKernel, reduceKernel, scanKernel, softmaxBackwardKernel, softmaxKernel, varianceKernel,
} from "./cpu/reduce.js";

/** `C = alpha * op(A) * op(B) + beta * C`, row-major, with offsets and leading dimensions (BLAS order). */
export type SgemmKernel = (
  transA: boolean, transB: boolean,
  M: number, N: number, K: number,
  alpha: number,
  A: Float32Array, aOffset: number, lda: number,
  B: Float32Array, bOffset: number, ldb: number,
  beta: number,
  C: Float32Array, cOffset: number, ldc: number,
) => void;

/** `sgemm` on Float64Arrays: same arguments, computed in double. */
export type DgemmKernel = (
  transA: boolean, transB: boolean,
  M: number, N: number, K: number,
  alpha: number,
  A: Float64Array, aOffset: number, lda: number,
  B: Float64Array, bOffset: number, ldb: number,
  beta: number,
  C: Float64Array, cOffset: number, ldc: number,
) => void;

/** `sgemm` over `batch` matrices at `offset + b*stride` (stride 0 broadcasts). */
export type SgemmBatchedKernel = (
  transA: boolean, transB: boolean,
  batch: number, M: number, N: number, K: number,
  alpha: number,
  A: Float32Array, aOffset: number, lda: number, strideA: number,
  B: Float32Array, bOffset: number, ldb: number, strideB: number,
  beta: number,
  C: Float32Array, cOffset: number, ldc: number, strideC: number,
) => void;

/** Column matrix `(channels*kH*kW) x (outH*outW)` of channels `[c0, c0+channels)` of one image. */
export type Im2colKernel = (
  x: Float32Array, xOff: number, g: Im2colGeometry, c0: number, channels: number, col: Float32Array, colOff: number,
) => void;

/** Adjoint of im2col: adds the column matrix back onto the image (`x` is not cleared). */
export type Col2imKernel = (
  col: Float32Array, colOff: number, g: Im2colGeometry, c0: number, channels: number, x: Float32Array, xOff: number,
) => void;

/** `[N, C_out, outH, outW]` from input `[N, C_in, H, W]`, weight `[C_out, C_in/groups, kH, kW]`, bias `[C_out]`. */
export type Conv2dKernel = (
  g: Conv2dGeometry, input: Float32Array, weight: Float32Array, bias: Float32Array | null, out?: Float32Array,
) => Float32Array;

/** `grad_input [N, C_in, H, W]` from `grad_output [N, C_out, outH, outW]` and the weight. */
export type Conv2dBackwardInputKernel = (
  g: Conv2dGeometry, gradOutput: Float32Array, weight: Float32Array, gradInput?: Float32Array,
) => Float32Array;

/** `grad_weight [C_out, C_in/groups, kH, kW]` from the input and `grad_output`, summed over the batch. */
export type Conv2dBackwardWeightKernel = (
  g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array, gradWeight?: Float32Array,
) => Float32Array;

/** `grad_bias [C_out]`: `grad_output` summed over N, H, W. */
export type Conv2dBackwardBiasKernel = (g: Conv2dGeometry, gradOutput: Float32Array, gradBias?: Float32Array) => Float32Array;

/**
 * `{ output, indices }`, `[N, C, outH, outW]`; indices are flat positions `h*W + w` in the input plane.
 * The pooling and upsampling kernel types take their element type as a parameter (float32 unless
 * given); the `F64` types are their float64 forms.
 */
export type MaxPool2dKernel<A extends FloatArray = Float32Array> = (
  g: Pool2dGeometry, input: A, output?: A, indices?: Int32Array,
) => MaxPoolResult<A>;

/** `grad_input [N, C, H, W]` from `grad_output` and the indices of the forward pass. */
export type MaxPool2dBackwardKernel<A extends FloatArray = Float32Array> = (
  g: Pool2dGeometry, gradOutput: A, indices: Int32Array, gradInput?: A,
) => A;

export type AvgPool2dKernel<A extends FloatArray = Float32Array> = (g: AvgPool2dGeometry, input: A, output?: A) => A;
export type AvgPool2dBackwardKernel<A extends FloatArray = Float32Array> = (g: AvgPool2dGeometry, gradOutput: A, gradInput?: A) => A;
export type AdaptiveAvgPool2dKernel<A extends FloatArray = Float32Array> = (g: AdaptivePool2dGeometry, input: A, output?: A) => A;
export type AdaptiveAvgPool2dBackwardKernel<A extends FloatArray = Float32Array> = (
  g: AdaptivePool2dGeometry, gradOutput: A, gradInput?: A,
) => A;
export type AdaptiveMaxPool2dKernel<A extends FloatArray = Float32Array> = (
  g: AdaptivePool2dGeometry, input: A, output?: A, indices?: Int32Array,
) => MaxPoolResult<A>;
export type AdaptiveMaxPool2dBackwardKernel<A extends FloatArray = Float32Array> = (
  g: AdaptivePool2dGeometry, gradOutput: A, indices: Int32Array, gradInput?: A,
) => A;

/** `conv2d` in float64 (`[N, C_out, outH, outW]`; same geometry and layout). */
export type Conv2dF64Kernel = (
  g: Conv2dGeometry, input: Float64Array, weight: Float64Array, bias: Float64Array | null, out?: Float64Array,
) => Float64Array;
export type Conv2dBackwardInputF64Kernel = (
  g: Conv2dGeometry, gradOutput: Float64Array, weight: Float64Array, gradInput?: Float64Array,
) => Float64Array;
export type Conv2dBackwardWeightF64Kernel = (
  g: Conv2dGeometry, input: Float64Array, gradOutput: Float64Array, gradWeight?: Float64Array,
) => Float64Array;
export type Conv2dBackwardBiasF64Kernel = (g: Conv2dGeometry, gradOutput: Float64Array, gradBias?: Float64Array) => Float64Array;

/** The pooling kernels in float64 (indices stay Int32Array). */
export type MaxPool2dF64Kernel = MaxPool2dKernel<Float64Array>;
export type MaxPool2dBackwardF64Kernel = MaxPool2dBackwardKernel<Float64Array>;
export type AvgPool2dF64Kernel = AvgPool2dKernel<Float64Array>;
export type AvgPool2dBackwardF64Kernel = AvgPool2dBackwardKernel<Float64Array>;
export type AdaptiveAvgPool2dF64Kernel = AdaptiveAvgPool2dKernel<Float64Array>;
export type AdaptiveAvgPool2dBackwardF64Kernel = AdaptiveAvgPool2dBackwardKernel<Float64Array>;
export type AdaptiveMaxPool2dF64Kernel = AdaptiveMaxPool2dKernel<Float64Array>;
export type AdaptiveMaxPool2dBackwardF64Kernel = AdaptiveMaxPool2dBackwardKernel<Float64Array>;

/** `[N, C, outH, outW]` resampled from `[N, C, H, W]` (`F.interpolate`; the geometry says how). */
export type Upsample2dKernel<A extends FloatArray = Float32Array> = (g: Upsample2dGeometry, input: A, output?: A) => A;
/** `grad_input [N, C, H, W]` from `grad_output [N, C, outH, outW]` of an upsampling. */
export type Upsample2dBackwardKernel<A extends FloatArray = Float32Array> = (g: Upsample2dGeometry, gradOutput: A, gradInput?: A) => A;

/** The upsampling kernels in float64 (same geometry, built with `double: true`). */
export type Upsample2dF64Kernel = Upsample2dKernel<Float64Array>;
export type Upsample2dBackwardF64Kernel = Upsample2dBackwardKernel<Float64Array>;

/** Every kernel name and its signature. */
export interface KernelSignatures {
  sgemm: SgemmKernel;
  sgemm_batched: SgemmBatchedKernel;
  dgemm: DgemmKernel;
  im2col: Im2colKernel;
  col2im: Col2imKernel;
  conv2d: Conv2dKernel;
  conv2d_backward_input: Conv2dBackwardInputKernel;
  conv2d_backward_weight: Conv2dBackwardWeightKernel;
  conv2d_backward_bias: Conv2dBackwardBiasKernel;
  max_pool2d: MaxPool2dKernel;
  max_pool2d_backward: MaxPool2dBackwardKernel;
  avg_pool2d: AvgPool2dKernel;
  avg_pool2d_backward: AvgPool2dBackwardKernel;
  adaptive_avg_pool2d: AdaptiveAvgPool2dKernel;
  adaptive_avg_pool2d_backward: AdaptiveAvgPool2dBackwardKernel;
  adaptive_max_pool2d: AdaptiveMaxPool2dKernel;
  adaptive_max_pool2d_backward: AdaptiveMaxPool2dBackwardKernel;
  conv2d_f64: Conv2dF64Kernel;
  conv2d_backward_input_f64: Conv2dBackwardInputF64Kernel;
  conv2d_backward_weight_f64: Conv2dBackwardWeightF64Kernel;
  conv2d_backward_bias_f64: Conv2dBackwardBiasF64Kernel;
  max_pool2d_f64: MaxPool2dF64Kernel;
  max_pool2d_backward_f64: MaxPool2dBackwardF64Kernel;
  avg_pool2d_f64: AvgPool2dF64Kernel;
  avg_pool2d_backward_f64: AvgPool2dBackwardF64Kernel;
  adaptive_avg_pool2d_f64: AdaptiveAvgPool2dF64Kernel;
  adaptive_avg_pool2d_backward_f64: AdaptiveAvgPool2dBackwardF64Kernel;
  adaptive_max_pool2d_f64: AdaptiveMaxPool2dF64Kernel;
  adaptive_max_pool2d_backward_f64: AdaptiveMaxPool2dBackwardF64Kernel;
  /** 3-D convolution on the 2-D kernels: the depth window folded into the channels, and back (both precisions). */
  conv3d_depth_gather: typeof depthGather;
  conv3d_depth_scatter: typeof depthScatter;
  conv3d_depth_to_channels: typeof depthToChannels;
  /** nearest and nearest-exact resampling. */
  upsample_nearest2d: Upsample2dKernel;
  upsample_nearest2d_backward: Upsample2dBackwardKernel;
  /** bilinear (and 1-D linear) resampling, plain or antialiased. */
  upsample_bilinear2d: Upsample2dKernel;
  upsample_bilinear2d_backward: Upsample2dBackwardKernel;
  /** bicubic resampling, plain or antialiased. */
  upsample_bicubic2d: Upsample2dKernel;
  upsample_bicubic2d_backward: Upsample2dBackwardKernel;
  upsample_nearest2d_f64: Upsample2dF64Kernel;
  upsample_nearest2d_backward_f64: Upsample2dBackwardF64Kernel;
  upsample_bilinear2d_f64: Upsample2dF64Kernel;
  upsample_bilinear2d_backward_f64: Upsample2dBackwardF64Kernel;
  upsample_bicubic2d_f64: Upsample2dF64Kernel;
  upsample_bicubic2d_backward_f64: Upsample2dBackwardF64Kernel;
  /** Builds the specialised row loop of an element-wise op (cpu/elementwise.ts). */
  elementwise_compile: typeof compileRow;
  /** Runs a compiled element-wise row loop over broadcast, strided operands. */
  elementwise_run: typeof runElementwise;
  reduce: typeof reduceKernel;
  variance: typeof varianceKernel;
  arg_reduce: typeof argReduceKernel;
  scan: typeof scanKernel;
  softmax: typeof softmaxKernel;
  softmax_backward: typeof softmaxBackwardKernel;
}

export type KernelName = keyof KernelSignatures;

/** The pure TypeScript kernels: the `"ts"` backend, and the fallback for every kernel another backend leaves out. */
export const cpuKernels: Readonly<KernelSignatures> = Object.freeze({
  sgemm,
  sgemm_batched: sgemmBatched,
  dgemm,
  im2col,
  col2im,
  conv2d,
  conv2d_backward_input: conv2dBackwardInput,
  conv2d_backward_weight: conv2dBackwardWeight,
  conv2d_backward_bias: conv2dBackwardBias,
  max_pool2d: maxPool2d,
  max_pool2d_backward: maxPool2dBackward,
  avg_pool2d: avgPool2d,
  avg_pool2d_backward: avgPool2dBackward,
  adaptive_avg_pool2d: adaptiveAvgPool2d,
  adaptive_avg_pool2d_backward: adaptiveAvgPool2dBackward,
  adaptive_max_pool2d: adaptiveMaxPool2d,
  adaptive_max_pool2d_backward: adaptiveMaxPool2dBackward,
  conv2d_f64: conv2dF64,
  conv2d_backward_input_f64: conv2dBackwardInputF64,
  conv2d_backward_weight_f64: conv2dBackwardWeightF64,
  conv2d_backward_bias_f64: conv2dBackwardBiasF64,
  max_pool2d_f64: maxPool2dF64,
  // The pooling kernels but max_pool2d's forward serve both precisions (cpu/pool2d.ts).
  max_pool2d_backward_f64: maxPool2dBackward,
  avg_pool2d_f64: avgPool2d,
  avg_pool2d_backward_f64: avgPool2dBackward,
  adaptive_avg_pool2d_f64: adaptiveAvgPool2d,
  adaptive_avg_pool2d_backward_f64: adaptiveAvgPool2dBackward,
  adaptive_max_pool2d_f64: adaptiveMaxPool2d,
  adaptive_max_pool2d_backward_f64: adaptiveMaxPool2dBackward,
  conv3d_depth_gather: depthGather,
  conv3d_depth_scatter: depthScatter,
  conv3d_depth_to_channels: depthToChannels,
  upsample_nearest2d: upsampleNearest2d,
  upsample_nearest2d_backward: upsampleNearest2dBackward,
  upsample_bilinear2d: upsampleBilinear2d,
  upsample_bilinear2d_backward: upsampleBilinear2dBackward,
  upsample_bicubic2d: upsampleBicubic2d,
  upsample_bicubic2d_backward: upsampleBicubic2dBackward,
  // The upsampling backward kernels serve both precisions (cpu/interpolate.ts).
  upsample_nearest2d_f64: upsampleNearest2dF64,
  upsample_nearest2d_backward_f64: upsampleNearest2dBackward,
  upsample_bilinear2d_f64: upsampleBilinear2dF64,
  upsample_bilinear2d_backward_f64: upsampleBilinear2dBackward,
  upsample_bicubic2d_f64: upsampleBicubic2dF64,
  upsample_bicubic2d_backward_f64: upsampleBicubic2dBackward,
  elementwise_compile: compileRow,
  elementwise_run: runElementwise,
  reduce: reduceKernel,
  variance: varianceKernel,
  arg_reduce: argReduceKernel,
  scan: scanKernel,
  softmax: softmaxKernel,
  softmax_backward: softmaxBackwardKernel,
});

/**
 * A backend: a name and the kernels it provides. Kernels it leaves out run on the TypeScript ones.
 * `available` says whether this engine can run it (WebAssembly SIMD, say).
 */
export interface Backend {
  name: string;
  kernels: Partial<KernelSignatures>;
  available: () => boolean;
}

/** The backend names `setBackend` accepts. */
export type BackendName = "ts" | "wasm";

const backends = new Map<string, Backend>([
  ["ts", { name: "ts", kernels: cpuKernels, available: () => true }],
  ["wasm", { name: "wasm", kernels: wasmKernels, available: wasmAvailable }],
]);

interface Entry {
  fn: KernelSignatures[KernelName];
  backend: string;
}

const table = new Map<KernelName, Entry>();
let current: Backend = backends.get("ts")!;

function install(name: KernelName): void {
  const fn = current.kernels[name];
  if (fn !== undefined) table.set(name, { fn, backend: current.name });
  else table.set(name, { fn: cpuKernels[name], backend: "ts" });
}

function entry(name: string): Entry {
  const e = table.get(name as KernelName);
  if (e === undefined) {
    throw new ArgumentError(
      `no kernel named '${name}' (known kernels: ${Object.keys(cpuKernels).join(", ")})`,
      "name",
      "KeyError",
    );
  }
  return e;
}

/** The kernel currently registered under `name`. */
export function getKernel<K extends KernelName>(name: K): KernelSignatures[K] {
  return entry(name).fn as KernelSignatures[K];
}

/** Which backend provides `name` now (`"wasm"` or `"ts"`, or the label given to `registerKernel`). */
export function getKernelBackend(name: KernelName): string {
  return entry(name).backend;
}

/**
 * Replaces the kernel `name` for every later `getKernel(name)`, until `resetKernel` or `setBackend`.
 * `backend` labels where it comes from (shown by `listKernels`). The signature must match the
 * TypeScript kernel's; the results should too.
 */
export function registerKernel<K extends KernelName>(name: K, fn: KernelSignatures[K], backend = "custom"): void {
  entry(name);
  if (typeof fn !== "function") {
    throw new ArgumentError(`registerKernel: the kernel for '${name}' must be a function, but got ${typeof fn}`, "fn", "TypeError");
  }
  table.set(name, { fn, backend });
}

/** Puts the current backend's kernel back under `name` (or under every name when called without one). */
export function resetKernel(name?: KernelName): void {
  const names = name === undefined ? (Object.keys(cpuKernels) as KernelName[]) : [name];
  for (const n of names) {
    if (!(n in cpuKernels)) entry(n);
    install(n);
  }
}

/** Every kernel name with the backend providing it. */
export function listKernels(): { name: KernelName; backend: string }[] {
  return [...table.entries()].map(([name, e]) => ({ name, backend: e.backend }));
}

/** The backends this engine can run, `"ts"` first. */
export function availableBackends(): BackendName[] {
  return [...backends.values()].filter((b) => b.available()).map((b) => b.name as BackendName);
}

/**
 * Makes `name` the backend every op computes on (`torch.set_backend`): `"wasm"`, the WebAssembly SIMD
 * kernels (the default where the engine has WebAssembly SIMD), or `"ts"`, the pure TypeScript
 * reference kernels. Kernels replaced with `registerKernel` are put back.
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (b === undefined) {
    throw new ArgumentError(
      `set_backend: unknown backend '${name}' (expected one of: ${[...backends.keys()].map((k) => `'${k}'`).join(", ")})`,
      "name",
      "ValueError",
    );
  }
  if (!b.available()) {
    throw new ArgumentError(`set_backend: the '${name}' backend is not available in this JavaScript engine (no WebAssembly SIMD)`, "name", "RuntimeError");
  }
  current = b;
  resetKernel();
}

/** The backend the ops compute on now. */
export function getBackend(): BackendName {
  return current.name as BackendName;
}

/**
 * The backend at start: `TSORCH_BACKEND` from the environment when set (how CI runs the suite on
 * each), else `"wasm"` where available, else `"ts"`.
 */
function initialBackend(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TSORCH_BACKEND;
  if (env !== undefined && env !== "") return env;
  return wasmAvailable() ? "wasm" : "ts";
}

setBackend(initialBackend());
