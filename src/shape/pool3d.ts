/**
 * The geometry of 3-D pooling (`F.max_pool3d`, `F.avg_pool3d`, `F.adaptive_avg_pool3d`,
 * `F.adaptive_max_pool3d`) over `[N, C, D, H, W]` or `[C, D, H, W]`: the output size of each axis
 * (dim.ts's `poolOutputSize`, ceil_mode included) and ATen's checks in ATen's order, with its messages.
 *
 * @example
 * pool3dGeometry("max_pool3d", [1, 2, 4, 6, 6], { kernel: [2, 2, 2] }).out   // [2, 3, 3]
 */
import { ArgumentError, ShapeError, SizeError, fmtShape } from "../errors.js";
import { checkedPoolOutputSize } from "./conv-pool.js";

export type Triple = [number, number, number];

/** Everything a 3-D pooling kernel needs: `planes = N·C` contiguous `[D, H, W]` volumes. */
export interface Pool3dGeometry {
  planes: number;
  in: Triple;
  out: Triple;
  kernel: Triple;
  stride: Triple;
  padding: Triple;
  dilation: Triple;
  /** Average pooling: count the padding cells in the divisor; a divisor that replaces the count. */
  countIncludePad: boolean;
  divisorOverride: number | null;
}

/** Everything an adaptive 3-D pooling kernel needs. */
export interface AdaptivePool3dGeometry {
  planes: number;
  in: Triple;
  out: Triple;
}

export type Size3 = number | readonly number[];

function runtimeArg(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "RuntimeError");
}

function list(v: Size3): readonly number[] {
  return typeof v === "number" ? [v] : v;
}

/** One int or three: `[k, k, k]`, else the message. */
function triple(v: Size3, message: string, argument: string, allowEmpty = false): Triple | null {
  const l = list(v);
  if (allowEmpty && l.length === 0) return null;
  if (l.length === 1) return [l[0]!, l[0]!, l[0]!];
  if (l.length === 3) return [l[0]!, l[1]!, l[2]!];
  throw runtimeArg(message, argument);
}

export interface Pool3dOptions {
  kernel: Size3;
  stride?: Size3 | null;
  padding?: Size3;
  dilation?: Size3;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * The geometry of `max_pool3d` / `avg_pool3d` on an input of `shape`, after ATen's checks
 * (`max_pool3d_with_indices_out_cpu_template`, `avg_pool3d` meta and `pool3d_shape_check`).
 */
export function pool3dGeometry(op: "max_pool3d" | "avg_pool3d", shape: readonly number[], o: Pool3dOptions): Pool3dGeometry {
  const max = op === "max_pool3d";
  const kernel = triple(o.kernel, max ? "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"
    : "avg_pool3d: kernel_size must be a single int, or a tuple of three ints", "kernel_size")!;
  const stride = o.stride === null || o.stride === undefined ? kernel
    : triple(o.stride, max ? "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints"
      : "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints", "stride", true) ?? kernel;
  const padding = triple(o.padding ?? 0, max ? "max_pool3d: padding must either be a single int, or a tuple of three ints"
    : "avg_pool3d: padding must be a single int, or a tuple of three ints", "padding")!;
  const dilation = max ? triple(o.dilation ?? 1, "max_pool3d: dilation must be either a single int, or a tuple of three ints", "dilation")! : [1, 1, 1] as Triple;
  const nd = shape.length;
  if (nd !== 4 && nd !== 5) {
    throw new ShapeError("non-empty 4D or 5D (batch mode) tensor expected for input",
      { op, shapes: { input: shape }, expected: { ndim: [4, 5] }, got: { ndim: nd } });
  }
  const divisorOverride = o.divisorOverride ?? null;
  if (!max && divisorOverride === 0) throw runtimeArg("divisor must be not zero", "divisor_override");
  const inn = shape.slice(nd - 3) as Triple;
  const out = [0, 1, 2].map((a) => checkedPoolOutputSize(inn[a]!, kernel[a]!, padding[a]!, stride[a]!, dilation[a]!, o.ceilMode ?? false)) as Triple;
  // pool3d_shape_check
  const [kT, kH, kW] = kernel;
  if (!(kT > 0 && kH > 0 && kW > 0)) throw runtimeArg(`kernel size should be greater than zero, but got kT: ${kT} kH: ${kH} kW: ${kW}`, "kernel_size");
  if (!(stride[0] > 0 && stride[1] > 0 && stride[2] > 0)) {
    throw runtimeArg(`stride should be greater than zero, but got dT: ${stride[0]} dH: ${stride[1]} dW: ${stride[2]}`, "stride");
  }
  if (!(dilation[0] > 0 && dilation[1] > 0 && dilation[2] > 0)) {
    throw runtimeArg(`dilation should be greater than zero, but got dilationT: ${dilation[0]} dilationH: ${dilation[1]} dilationW: ${dilation[2]}`, "dilation");
  }
  for (let i = nd === 5 ? 1 : 0; i < nd; i++) {
    if (shape[i] === 0) {
      throw new ShapeError(`${max ? "max_pool3d_with_indices_out_cpu_template" : "avg_pool3d"}(): Expected input's non-batch dimensions to have positive length, but input has a shape of ${fmtShape(shape)} and non-batch dimension ${shape[i]} has length zero!`,
        { op, shapes: { input: shape } });
    }
  }
  const planes = shape.slice(0, nd - 3).reduce((a, b) => a * b, 1);
  const nslices = shape[nd - 4]!;
  if (!max && (inn[0] < kT || inn[1] < kH || inn[2] < kW)) {
    throw new ShapeError(`input image (T: ${inn[0]} H: ${inn[1]} W: ${inn[2]}) smaller than kernel size (kT: ${kT} kH: ${kH} kW: ${kW})`,
      { op, shapes: { input: shape }, expected: { output_size: ">= 1" }, got: { output_size: Math.min(...out) } });
  }
  if (out.some((v) => v < 1)) {
    throw new ShapeError(`Given input size: (${nslices}x${inn.join("x")}). Calculated output size: (${nslices}x${out.join("x")}). Output size is too small`,
      { op, shapes: { input: shape }, expected: { output_size: ">= 1" }, got: { output_size: Math.min(...out) } });
  }
  return { planes, in: inn, out, kernel, stride, padding, dilation, countIncludePad: o.countIncludePad ?? true, divisorOverride };
}

/** The geometry of `adaptive_avg_pool3d` / `adaptive_max_pool3d` to `size` (three sizes, resolved), after ATen's checks. */
export function adaptivePool3dGeometry(op: "adaptive_avg_pool3d" | "adaptive_max_pool3d", shape: readonly number[], size: readonly number[]): AdaptivePool3dGeometry {
  const avg = op === "adaptive_avg_pool3d";
  if (size.length !== 3) {
    throw runtimeArg(avg ? "adaptive_avg_pool3d: output_size must be 3" : "adaptive_max_pool3d(): internal error: output_size.size() must be 3", "output_size");
  }
  if (avg && size.some((v) => v < 0)) {
    // ATen's text, spacing included.
    throw runtimeArg(`adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but received {${size[0]}, ${size[1]},${size[2]}}`,
      "output_size");
  }
  const nd = shape.length;
  if (nd !== 4 && nd !== 5) {
    throw new ShapeError(`${op}(): Expected 4D or 5D tensor, but got${avg ? "" : ":"} ${fmtShape(shape)}`,
      { op, shapes: { input: shape }, expected: { ndim: [4, 5] }, got: { ndim: nd } });
  }
  for (let i = 1; i < nd; i++) {
    if (shape[i] === 0) {
      throw new ShapeError(`${op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(shape)} with dimension ${i} being empty`,
        { op, shapes: { input: shape } });
    }
  }
  const neg = size.find((v) => v < 0);
  if (neg !== undefined) {
    const out = [...shape.slice(0, nd - 3), ...size];
    throw new SizeError(`Trying to create tensor with negative dimension ${neg}: ${fmtShape(out)}`, op, out);
  }
  return { planes: shape.slice(0, nd - 3).reduce((a, b) => a * b, 1), in: shape.slice(nd - 3) as Triple, out: [...size] as Triple };
}
