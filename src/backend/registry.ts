/**
 * The kernel registry: every compute kernel of the runtime keyed by (op, dtype), with a typed
 * signature, so that a faster implementation (WebAssembly, say) can replace one kernel at a time
 * while the rest keep running on the pure TypeScript CPU kernels (the model is tfjs-core's kernel
 * registry, with the element type in the key).
 *
 * Kernels take plain numbers and typed arrays — NCHW, contiguous — never Tensor objects. The dtype
 * of the key is the element type the kernel computes in: `"float32"` (Float32Array), `"float64"`
 * (Float64Array, computed in double as PyTorch does for float64 tensors), or `"any"` for the kernels
 * written over every dtype (element-wise loops, reductions, softmax). An op written once for both
 * float dtypes asks for `floatKernel(op, dtype)` and passes the arrays of that dtype.
 * Conv, pooling and upsampling kernels take a resolved geometry built by `conv2dGeometry`,
 * `maxPool2dGeometry`, `avgPool2dGeometry`, `adaptivePool2dGeometry` or `upsample2dGeometry`
 * (src/shape/conv-pool.ts), which also raise PyTorch's errors for bad sizes. Outputs are overwritten; the
 * optional trailing arrays let a caller reuse memory, otherwise a new array is returned.
 *
 * Each backend lists its own kernels in a table of the same (dtype, op) shape: `"ts"`, the pure
 * TypeScript kernels of cpu/ (cpu/index.ts: the readable reference, accumulating in float64, and
 * complete), and `"wasm"`, the WebAssembly SIMD kernels of wasm/ (wasm/index.ts: float32
 * accumulation, as PyTorch's). `"wasm"` is the default wherever the engine runs WebAssembly SIMD;
 * `setBackend` (`torch.set_backend`) switches, and `TSORCH_BACKEND` in the environment picks the
 * backend at start. Kernels a backend leaves out run on the TypeScript ones. The TypeScript conv
 * kernels run their own GEMM micro-kernels (implicit im2col), so replacing `gemm` alone does not
 * change them; a faster conv replaces `conv2d` and its gradients.
 *
 * @example
 * import { getKernel, registerKernel, resetKernel } from "./registry.js";
 * const conv = getKernel("conv2d", "float32");
 * const y = conv(g, x, w, b);
 * floatKernel("conv2d", t.dtype === float64 ? "float64" : "float32")   // either precision
 * registerKernel("gemm", "float32", mySgemm, "mine"); // every later getKernel("gemm", "float32") gets it
 * resetKernel("gemm", "float32");                     // back to the current backend's kernel
 * setBackend("ts");                                   // every kernel from the TypeScript reference
 */
import { ArgumentError } from "../errors.js";
import type { Im2colGeometry } from "./cpu/im2col.js";
import type {
  AdaptivePool2dGeometry,
  AvgPool2dGeometry,
  Conv2dGeometry,
  Pool2dGeometry,
  Upsample2dGeometry,
} from "../shape/conv-pool.js";
import type { ConvNdGeometry } from "../shape/conv-nd.js";
import type { AdaptivePool3dGeometry, Pool3dGeometry } from "../shape/pool3d.js";
import type { MaxPoolResult } from "./cpu/pool2d.js";
import type { FloatArray } from "./cpu/float-array.js";
import type { compileRow, runElementwise } from "./cpu/elementwise.js";
import type {
  argReduceKernel, reduceKernel, scanKernel, softmaxBackwardKernel, softmaxKernel, varianceKernel,
} from "./cpu/reduce.js";
import { cpuKernels } from "./cpu/index.js";
import { wasmAvailable, wasmKernels } from "./wasm/index.js";
import { makeResident } from "./wasm/memory.js";

export { cpuKernels };

/**
 * `C = alpha * op(A) * op(B) + beta * C`, row-major, with offsets and leading dimensions (BLAS order),
 * in the precision of `A` (float32 unless given).
 */
export type GemmKernel<A extends FloatArray = Float32Array> = (
  transA: boolean, transB: boolean,
  M: number, N: number, K: number,
  alpha: number,
  A: A, aOffset: number, lda: number,
  B: A, bOffset: number, ldb: number,
  beta: number,
  C: A, cOffset: number, ldc: number,
) => void;

/** `gemm` over `batch` matrices at `offset + b*stride` (stride 0 broadcasts). */
export type GemmBatchedKernel = (
  transA: boolean, transB: boolean,
  batch: number, M: number, N: number, K: number,
  alpha: number,
  A: Float32Array, aOffset: number, lda: number, strideA: number,
  B: Float32Array, bOffset: number, ldb: number, strideB: number,
  beta: number,
  C: Float32Array, cOffset: number, ldc: number, strideC: number,
) => void;

/** Column matrix `(channels*kH*kW) x (outH*outW)` of channels `[c0, c0+channels)` of one image. */
export type Im2colKernel<A extends FloatArray = Float32Array> = (
  x: A, xOff: number, g: Im2colGeometry, c0: number, channels: number, col: A, colOff: number,
) => void;

/** Adjoint of im2col: adds the column matrix back onto the image (`x` is not cleared). */
export type Col2imKernel<A extends FloatArray = Float32Array> = (
  col: A, colOff: number, g: Im2colGeometry, c0: number, channels: number, x: A, xOff: number,
) => void;

/** `[N, C_out, outH, outW]` from input `[N, C_in, H, W]`, weight `[C_out, C_in/groups, kH, kW]`, bias `[C_out]`. */
export type Conv2dKernel<A extends FloatArray = Float32Array> = (
  g: Conv2dGeometry, input: A, weight: A, bias: A | null, out?: A,
) => A;

/** `grad_input [N, C_in, H, W]` from `grad_output [N, C_out, outH, outW]` and the weight. */
export type Conv2dBackwardInputKernel<A extends FloatArray = Float32Array> = (
  g: Conv2dGeometry, gradOutput: A, weight: A, gradInput?: A,
) => A;

/** `grad_weight [C_out, C_in/groups, kH, kW]` from the input and `grad_output`, summed over the batch. */
export type Conv2dBackwardWeightKernel<A extends FloatArray = Float32Array> = (
  g: Conv2dGeometry, input: A, gradOutput: A, gradWeight?: A,
) => A;

/** `grad_bias [C_out]`: `grad_output` summed over N, H, W. */
export type Conv2dBackwardBiasKernel<A extends FloatArray = Float32Array> = (g: Conv2dGeometry, gradOutput: A, gradBias?: A) => A;

/** `{ output, indices }`, `[N, C, outH, outW]`; indices are flat positions `h*W + w` in the input plane. */
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

/** `[N, C, outH, outW]` resampled from `[N, C, H, W]` (`F.interpolate`; the geometry says how). */
export type Upsample2dKernel<A extends FloatArray = Float32Array> = (g: Upsample2dGeometry, input: A, output?: A) => A;
/** `grad_input [N, C, H, W]` from `grad_output [N, C, outH, outW]` of an upsampling. */
export type Upsample2dBackwardKernel<A extends FloatArray = Float32Array> = (g: Upsample2dGeometry, gradOutput: A, gradInput?: A) => A;

/** `out[n, c, i] = x[n, c, i] * alpha[c] + beta[c]` (the product rounded before the add in float32). */
export type BatchNormApplyKernel<A extends FloatArray = Float32Array> = (
  x: A, N: number, C: number, inner: number, alpha: A, beta: A, out?: A,
) => A;

/** The kernels every float dtype has, over that dtype's arrays. */
export interface FloatKernels<A extends FloatArray> {
  gemm: GemmKernel<A>;
  /** The explicit column matrix of a convolution and its adjoint (`F.unfold`, `F.fold`). */
  im2col: Im2colKernel<A>;
  col2im: Col2imKernel<A>;
  conv2d: Conv2dKernel<A>;
  conv2d_backward_input: Conv2dBackwardInputKernel<A>;
  conv2d_backward_weight: Conv2dBackwardWeightKernel<A>;
  conv2d_backward_bias: Conv2dBackwardBiasKernel<A>;
  max_pool2d: MaxPool2dKernel<A>;
  max_pool2d_backward: MaxPool2dBackwardKernel<A>;
  avg_pool2d: AvgPool2dKernel<A>;
  avg_pool2d_backward: AvgPool2dBackwardKernel<A>;
  adaptive_avg_pool2d: AdaptiveAvgPool2dKernel<A>;
  adaptive_avg_pool2d_backward: AdaptiveAvgPool2dBackwardKernel<A>;
  adaptive_max_pool2d: AdaptiveMaxPool2dKernel<A>;
  adaptive_max_pool2d_backward: AdaptiveMaxPool2dBackwardKernel<A>;
  /** 3-D convolution on the 2-D kernels: the depth window folded into the channels, and back. */
  conv3d_depth_gather: (g: ConvNdGeometry, x: A) => A;
  conv3d_depth_scatter: (g: ConvNdGeometry, folded: A) => A;
  conv3d_depth_to_channels: (g: ConvNdGeometry, y: A, back: boolean) => A;
  /** 3-D pooling over `[N·C, D, H, W]` volumes (cpu/pool3d.ts). */
  max_pool3d: (g: Pool3dGeometry, x: A) => MaxPoolResult<A>;
  max_pool3d_backward: (g: Pool3dGeometry | AdaptivePool3dGeometry, gradOutput: A, indices: Int32Array) => A;
  avg_pool3d: (g: Pool3dGeometry, x: A) => A;
  avg_pool3d_backward: (g: Pool3dGeometry, gradOutput: A) => A;
  adaptive_avg_pool3d: (g: AdaptivePool3dGeometry, x: A) => A;
  adaptive_avg_pool3d_backward: (g: AdaptivePool3dGeometry, gradOutput: A) => A;
  adaptive_max_pool3d: (g: AdaptivePool3dGeometry, x: A) => MaxPoolResult<A>;
  /** Batch-norm's `x * alpha[c] + beta[c]` over `[N, C, inner]` data (the factors folded per channel). */
  batch_norm_apply: BatchNormApplyKernel<A>;
  /** nearest and nearest-exact resampling. */
  upsample_nearest2d: Upsample2dKernel<A>;
  upsample_nearest2d_backward: Upsample2dBackwardKernel<A>;
  /** bilinear (and 1-D linear) resampling, plain or antialiased. */
  upsample_bilinear2d: Upsample2dKernel<A>;
  upsample_bilinear2d_backward: Upsample2dBackwardKernel<A>;
  /** bicubic resampling, plain or antialiased. */
  upsample_bicubic2d: Upsample2dKernel<A>;
  upsample_bicubic2d_backward: Upsample2dBackwardKernel<A>;
}

/** The float32 kernels: every float kernel, plus the batched GEMM. */
export interface Float32Kernels extends FloatKernels<Float32Array> {
  gemm_batched: GemmBatchedKernel;
}

/** The float64 kernels. */
export type Float64Kernels = FloatKernels<Float64Array>;

/** The kernels written over every dtype (they read the dtype from their operands). */
export interface AnyDtypeKernels {
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

/** Every kernel by dtype and op: the shape of a backend's table. */
export interface KernelSignatures {
  float32: Float32Kernels;
  float64: Float64Kernels;
  any: AnyDtypeKernels;
}

/** A dtype key of the registry. */
export type KernelDtype = keyof KernelSignatures;
/** The ops registered for `D`. */
export type KernelName<D extends KernelDtype = KernelDtype> = D extends KernelDtype ? keyof KernelSignatures[D] & string : never;
/** The float dtypes, whose kernels share one set of ops. */
export type FloatDtype = "float32" | "float64";
/** The ops every float dtype has. */
export type FloatKernelName = keyof FloatKernels<FloatArray>;

/** A backend's own kernels: any subset of the table. */
export type BackendKernels = { [D in KernelDtype]?: Partial<KernelSignatures[D]> };

/**
 * A backend: a name and the kernels it provides. Kernels it leaves out run on the TypeScript ones.
 * `available` says whether this engine can run it (WebAssembly SIMD, say).
 */
export interface Backend {
  /**
   * Moves a long-lived float32 array where this backend's kernels read it without a copy (the wasm
   * backend's resident region), replacing `holder.data`; false where it stays as it was.
   */
  keepResident?: (holder: { data: Float32Array }) => boolean;
  name: string;
  kernels: BackendKernels;
  available: () => boolean;
}

/** The backend names `setBackend` accepts. */
export type BackendName = "ts" | "wasm";

const backends = new Map<string, Backend>([
  ["ts", { name: "ts", kernels: cpuKernels, available: () => true }],
  ["wasm", { name: "wasm", kernels: wasmKernels, available: wasmAvailable, keepResident: makeResident }],
]);

interface Entry {
  fn: (...args: never[]) => unknown;
  backend: string;
}

const DTYPES: readonly KernelDtype[] = ["float32", "float64", "any"];
/** One map per dtype, op -> kernel; every op of `cpuKernels` has an entry. */
const table: Record<KernelDtype, Map<string, Entry>> = { float32: new Map(), float64: new Map(), any: new Map() };
let current: Backend = backends.get("ts")!;

function install(op: string, dtype: KernelDtype): void {
  const own = (current.kernels[dtype] as Record<string, Entry["fn"]> | undefined)?.[op];
  if (own !== undefined) table[dtype].set(op, { fn: own, backend: current.name });
  else table[dtype].set(op, { fn: (cpuKernels[dtype] as unknown as Record<string, Entry["fn"]>)[op]!, backend: "ts" });
}

function unknownKernel(op: string, dtype: string): ArgumentError {
  const m = table[dtype as KernelDtype];
  if (m === undefined) {
    return new ArgumentError(`no kernel dtype '${dtype}' (known dtypes: ${DTYPES.join(", ")})`, "dtype", "KeyError");
  }
  return new ArgumentError(`no kernel named '${op}' for ${dtype} (known kernels: ${[...m.keys()].join(", ")})`, "name", "KeyError");
}

function entry(op: string, dtype: string): Entry {
  const e = table[dtype as KernelDtype]?.get(op);
  if (e === undefined) throw unknownKernel(op, dtype);
  return e;
}

/** The kernel currently registered for `op` on `dtype`. */
export function getKernel<D extends KernelDtype, K extends keyof KernelSignatures[D] & string>(op: K, dtype: D): KernelSignatures[D][K] {
  const e = table[dtype]?.get(op);
  if (e === undefined) throw unknownKernel(op, dtype);
  return e.fn as KernelSignatures[D][K];
}

/**
 * The kernel of a float op for either float dtype, typed over both array types: for ops written
 * once for float32 and float64 tensors, which pass arrays of `dtype` (nn/functional/float-data.ts).
 */
export function floatKernel<K extends FloatKernelName>(op: K, dtype: FloatDtype): FloatKernels<FloatArray>[K] {
  return getKernel(op, dtype) as unknown as FloatKernels<FloatArray>[K];
}

/** Which backend provides `op` on `dtype` now (`"wasm"` or `"ts"`, or the label given to `registerKernel`). */
export function getKernelBackend(op: string, dtype: KernelDtype): string {
  return entry(op, dtype).backend;
}

/**
 * Replaces the kernel of `op` on `dtype` for every later `getKernel`, until `resetKernel` or
 * `setBackend`. `backend` labels where it comes from (shown by `listKernels`). The signature must
 * match the TypeScript kernel's; the results should too.
 */
export function registerKernel<D extends KernelDtype, K extends keyof KernelSignatures[D] & string>(
  op: K, dtype: D, fn: KernelSignatures[D][K], backend = "custom",
): void {
  entry(op, dtype);
  if (typeof fn !== "function") {
    throw new ArgumentError(`registerKernel: the kernel for '${op}' (${dtype}) must be a function, but got ${typeof fn}`, "fn", "TypeError");
  }
  table[dtype].set(op, { fn: fn as Entry["fn"], backend });
}

/**
 * Puts the current backend's kernel back for `op` on `dtype`; without `dtype`, on every dtype that
 * has `op`; without either, everywhere.
 */
export function resetKernel(op?: string, dtype?: KernelDtype): void {
  for (const d of dtype === undefined ? DTYPES : [dtype]) {
    const ops = Object.keys(cpuKernels[d]);
    if (op === undefined) for (const o of ops) install(o, d);
    else if (ops.includes(op)) install(op, d);
    else if (dtype !== undefined) throw unknownKernel(op, d);
  }
  if (op !== undefined && dtype === undefined && !DTYPES.some((d) => op in cpuKernels[d])) throw unknownKernel(op, "float32");
}

/** Every (op, dtype) with the backend providing it. */
export function listKernels(): { name: string; dtype: KernelDtype; backend: string }[] {
  return DTYPES.flatMap((dtype) => [...table[dtype].entries()].map(([name, e]) => ({ name, dtype, backend: e.backend })));
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

/** Arrays shorter than this are copied into the kernels' memory as cheaply as they would be looked up. */
const MIN_RESIDENT = 256;

/**
 * Asks the current backend to keep a long-lived float32 storage (a module parameter) where its kernels
 * read it in place: for the wasm backend, `storage.data` moves into the WebAssembly memory (same values,
 * same Storage, so every tensor over it follows). Small, non-float32 and meta storages stay as they are.
 * Returns whether the storage is resident now.
 */
export function keepResident(storage: { data: ArrayLike<number> }): boolean {
  const data = storage.data;
  if (!(data instanceof Float32Array) || data.length < MIN_RESIDENT || current.keepResident === undefined) return false;
  return current.keepResident(storage as { data: Float32Array });
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
