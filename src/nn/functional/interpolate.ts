/**
 * `F.interpolate`: resizing an image-like tensor by a size or a scale factor, with PyTorch 1.13.1's
 * arguments, checks (in its order, with its messages), output sizes, values and autograd nodes
 * (`UpsampleNearest2DBackward1`, `UpsampleBilinear2DBackward1`, `UpsampleBicubic2DBackward1`, ...).
 *
 * Modes: `nearest` (the default), `nearest-exact`, `bilinear` and `bicubic` (4-D `[N, C, H, W]`),
 * `linear` (3-D `[N, C, W]`), `trilinear` (5-D `[N, C, D, H, W]`; `nearest`, `nearest-exact` and `area`
 * take 5-D inputs too), `area` (adaptive average pooling); `antialias` for bilinear and bicubic.
 * The output size is `size`, or `floor(in * scale_factor)`;
 * with a scale factor the source positions use `1 / scale_factor` unless `recompute_scale_factor`
 * asks for `in / out`, exactly as in PyTorch. float64 inputs are resampled in double (the float64
 * kernels), as PyTorch does; other floating dtypes through the float32 kernels.
 *
 * Arguments come in PyTorch's order (`size, scale_factor, mode, align_corners,
 * recompute_scale_factor, antialias`), as a trailing options object, or both.
 *
 * @example
 * F.interpolate(x, [32, 32])                                          // nearest, to 32x32
 * F.interpolate(x, { size: [32, 32], mode: "bilinear" })
 * F.interpolate(x, { scale_factor: 2, mode: "bicubic", align_corners: true })
 * F.interpolate(x, null, 0.5, "bilinear", false, null, true)          // antialiased halving
 */
import { ArgumentError, DTypeError, ShapeError, TsorchError, fmtShape } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { type FloatDtype, floatKernel } from "../../backend/registry.js";
import { axisTables } from "../../backend/cpu/interpolate.js";
import { type FloatArray, floatArrayType } from "../../backend/cpu/float-array.js";
import {
  type UpsampleKind, type Upsample2dGeometry, upsample2dGeometry, upsampleOutputSize, upsampleOutputShape,
} from "../../shape/conv-pool.js";
import { checkShape } from "../../tensor/creation.js";
import { float64, uint8 } from "../../tensor/dtype.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
import { Tensor } from "../../tensor/tensor.js";
import { squeeze, unsqueeze } from "../../tensor/view.js";
import { warn } from "../../warnings.js";
import { type ArgsWithOptions, parseArgs } from "../args.js";
import { pyFloat, pyInt } from "../python-style.js";
import { cppTypeName, kernelData, kernelDtype, kernelTensor, requireTensor } from "./float-data.js";
import { adaptive_avg_pool2d } from "./pooling.js";
import { adaptive_avg_pool3d } from "./pooling3d.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describeResize } from "../../shape/families/index.js";

/** The modes of `F.interpolate` (`linear` is for 3-D inputs, `bilinear`/`bicubic` for 4-D ones). */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area";

/** Keyword arguments of `F.interpolate`. */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size: one number, or one per dim. */
  scale_factor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** linear/bilinear/bicubic only: map corner pixel centres onto each other (default false). */
  align_corners?: boolean | null;
  /** With a scale factor: resample with `in / out` instead of `1 / scale_factor`. */
  recompute_scale_factor?: boolean | null;
  /** bilinear/bicubic on 4-D inputs: low-pass filter when downsampling (Pillow's resampling). */
  antialias?: boolean;
}

type InterpolateArgs = ArgsWithOptions<
  [
    size: number | readonly number[] | null,
    scale_factor: number | readonly number[] | null,
    mode: InterpolateMode,
    align_corners: boolean | null,
    recompute_scale_factor: boolean | null,
    antialias: boolean,
  ],
  InterpolateOptions
>;

const ARG_NAMES = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"];

const MODES_TEXT = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";

function valueError(message: string, argument: string): ArgumentError {
  return new ArgumentError(message, argument, "ValueError");
}

function notImplemented(message: string): TsorchError {
  return new TsorchError(message, "NotImplementedError");
}

/** Python's `str()` of a list of numbers. */
function pyList(xs: readonly number[]): string {
  return `[${xs.map((x) => pyInt(x)).join(", ")}]`;
}

/** Python's `str()` of a size or scale given as a list (JS arrays stand for Python lists and tuples). */
function pyNumbers(xs: readonly number[]): string {
  return `[${xs.map((x) => (Number.isInteger(x) ? String(x) : pyFloat(x))).join(", ")}]`;
}

/** The ATen op `F.interpolate` calls for a mode and rank, and how its overloads read in a TypeError. */
interface AtenOp {
  name: string;
  /** The parameter list of the overload taking per-dim scales. */
  scalesSignature: string;
  hasAlignCorners: boolean;
}

function atenOp(mode: InterpolateMode, ndim: number, antialias: boolean): AtenOp {
  const d = ndim - 2;
  const scales = d === 1 ? "float scales" : "float scales_h, float scales_w";
  switch (mode) {
    case "nearest":
      return { name: `upsample_nearest${d}d`, scalesSignature: scales, hasAlignCorners: false };
    case "nearest-exact":
      return { name: `_upsample_nearest_exact${d}d`, scalesSignature: scales, hasAlignCorners: false };
    case "linear":
      return { name: "upsample_linear1d", scalesSignature: scales, hasAlignCorners: true };
    case "bilinear":
      return { name: antialias ? "_upsample_bilinear2d_aa" : "upsample_bilinear2d", scalesSignature: scales, hasAlignCorners: true };
    default:
      return { name: antialias ? "_upsample_bicubic2d_aa" : "upsample_bicubic2d", scalesSignature: scales, hasAlignCorners: true };
  }
}

/** Python's argument parser refusing a non-integer output size or a non-bool align_corners. */
function invalidCombination(op: AtenOp, scaleGiven: boolean, alignCornersType: string): TsorchError {
  const got = ["Tensor", "list", ...(op.hasAlignCorners ? [alignCornersType] : []), scaleGiven ? "list" : "NoneType"];
  const marked = got.map((t, i) => (i === 0 || (op.hasAlignCorners && i === 2 && t === "bool") ? t : `!${t}!`));
  const ac = op.hasAlignCorners ? "bool align_corners, " : "";
  return new TsorchError(
    `${op.name}() received an invalid combination of arguments - got (${got.join(", ")}), but expected one of:\n` +
    ` * (Tensor input, tuple of SymInts output_size, ${ac}tuple of floats scale_factors)\n` +
    `      didn't match because some of the arguments have invalid types: (${marked.join(", ")})\n` +
    ` * (Tensor input, tuple of SymInts output_size, ${ac}${op.scalesSignature}, *, Tensor out)\n`,
    "TypeError");
}

/** The node PyTorch records: `UpsampleBilinear2DBackward1`, `UpsampleBicubic2DAaBackward1`, ... */
function nodeName(mode: InterpolateMode, ndim: number, antialias: boolean): string {
  const d = ndim - 2;
  const base = {
    nearest: "Nearest", "nearest-exact": "NearestExact", linear: "Linear", bilinear: "Bilinear", bicubic: "Bicubic", trilinear: "Trilinear",
  }[mode as "nearest"];
  return `Upsample${base}${d}D${antialias ? "Aa" : ""}Backward1`;
}

function kindOf(mode: InterpolateMode): UpsampleKind {
  if (mode === "nearest" || mode === "nearest-exact") return mode;
  return mode === "bicubic" ? "cubic" : "linear";
}

/** The registered kernel pair of a resampling kind, in the kernel dtype of the input. */
function kernels(kind: UpsampleKind, dt: FloatDtype) {
  if (kind === "nearest" || kind === "nearest-exact") return [floatKernel("upsample_nearest2d", dt), floatKernel("upsample_nearest2d_backward", dt)] as const;
  if (kind === "linear") return [floatKernel("upsample_bilinear2d", dt), floatKernel("upsample_bilinear2d_backward", dt)] as const;
  return [floatKernel("upsample_bicubic2d", dt), floatKernel("upsample_bicubic2d_backward", dt)] as const;
}

/** The dispatch name in PyTorch's "not implemented for 'Long'" message for this path. */
function dispatchName(g: Upsample2dGeometry, mode: InterpolateMode, ndim: number): string {
  if (g.antialias) return "compute_indices_weights_aa";
  if (mode === "bicubic") return "compute_indices_weights_cubic";
  const nearest = mode === "nearest" || mode === "nearest-exact";
  if (ndim === 4 && g.channelsLast) return nearest ? "upsample_nearest2d_channels_last" : "upsample_bilinear2d_channels_last";
  return nearest ? "compute_indices_weights_nearest" : "compute_indices_weights_linear";
}

/** uint8 nearest (PyTorch supports it): a gather through the same index tables. */
function gatherUint8(input: Tensor, g: Upsample2dGeometry, shape: readonly number[]): Tensor {
  const x = input._contiguousData();
  const [th, tw] = axisTables(g, "forward");
  const out = new Uint8Array(g.batch * g.channels * g.outH * g.outW);
  let o = 0;
  for (let pl = 0; pl < g.batch * g.channels; pl++) {
    for (let oh = 0; oh < g.outH; oh++) {
      const row = pl * g.inH * g.inW + th.idx[oh]! * g.inW;
      for (let ow = 0; ow < g.outW; ow++, o++) out[o] = x[row + tw.idx[ow]!]!;
    }
  }
  return Tensor._fromData(out, shape, uint8);
}

/** The ATen upsampling op proper: output size, checks, kernel, autograd node. */
function runUpsample(
  input: Tensor, mode: InterpolateMode, outputSize: number[] | null, scales: number[] | null, alignCorners: boolean, antialias: boolean,
): Tensor {
  const op = atenOp(mode, input.ndim, antialias);
  if (outputSize !== null && !outputSize.every((v) => Number.isInteger(v))) throw invalidCombination(op, false, "bool");
  const sizes = upsampleOutputSize(input.shape, outputSize, scales);
  const kind = kindOf(mode);
  const g = upsample2dGeometry(input.shape, sizes, {
    kind, alignCorners, antialias, scales: scales ?? undefined, double: input.dtype === float64,
  });
  const shape = upsampleOutputShape(g, input.ndim);
  const nearest = kind === "nearest" || kind === "nearest-exact";
  if (!input.dtype.is_floating_point && !(nearest && input.dtype === uint8)) {
    throw new DTypeError(`"${dispatchName(g, mode, input.ndim)}" not implemented for '${cppTypeName(input.dtype)}'`, "interpolate", [input.dtype.name]);
  }
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  checkShape(shape, input.dtype);
  if (input.dtype === uint8) return gatherUint8(input, g, shape);
  const [forward, backward] = kernels(kind, kernelDtype(input));
  const out = kernelTensor(forward(g, kernelData(input)), shape, input.dtype);
  const inShape = input.shape;
  const dtype = input.dtype;
  record(nodeName(mode, input.ndim, antialias), out, [input], ([grad]) => [
    kernelTensor(backward(g, kernelData(grad!)), inShape, dtype),
  ]);
  return out;
}

/** `[rows, a, b]` → `[rows, b, a]`: the last two axes of a flat array swapped. */
function swapLast<A extends FloatArray>(x: A, rows: number, a: number, b: number): A {
  const out = new (floatArrayType(x))(x.length);
  for (let r = 0; r < rows; r++) {
    const base = r * a * b;
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[base + j * a + i] = x[base + i * b + j]!;
  }
  return out;
}

/**
 * 5-D `nearest`, `nearest-exact` and `trilinear` (`[N, C, D, H, W]`): the weights of the 3-D resampling are
 * products of one weight per axis, so it runs as the 2-D kernel over H and W of every depth slice, then
 * the 1-D kernel along D (W, H, then D, the order of ATen's sums), and its gradient as the two adjoints
 * in reverse. One autograd node, PyTorch's (`UpsampleTrilinear3DBackward1`, ...).
 */
function runUpsample3d(input: Tensor, mode: InterpolateMode, outputSize: number[] | null, scales: number[] | null, alignCorners: boolean): Tensor {
  const [N, C, D, H, W] = input.shape as unknown as [number, number, number, number, number];
  if (outputSize !== null && !outputSize.every((v) => Number.isInteger(v))) {
    throw new ArgumentError(`upsample_${mode === "trilinear" ? "trilinear" : "nearest"}3d(): argument 'output_size' must be tuple of ints, but found element of type float`,
      "size", "TypeError");
  }
  const [oD, oH, oW] = upsampleOutputSize(input.shape, outputSize, scales) as [number, number, number];
  if (!(D > 0 && H > 0 && W > 0 && oD > 0 && oH > 0 && oW > 0)) {
    throw new ShapeError(`Input and output sizes should be greater than 0, but got input (D: ${D}, H: ${H}, W: ${W}) output (D: ${oD}, H: ${oH}, W: ${oW})`,
      { op: "interpolate", shapes: { input: input.shape }, expected: { output_size: ">= 1" }, got: { output_size: [oD, oH, oW] } });
  }
  if (C === 0) {
    throw new ShapeError(`Non-empty 5D data tensor expected but got a tensor with sizes ${fmtShape(input.shape)}`, { op: "interpolate", shapes: { input: input.shape } });
  }
  const kind = kindOf(mode);
  if (!input.dtype.is_floating_point) {
    throw new DTypeError(`"${kind === "linear" ? "compute_indices_weights_linear" : "compute_indices_weights_nearest"}" not implemented for '${cppTypeName(input.dtype)}'`,
      "interpolate", [input.dtype.name]);
  }
  const shape = [N, C, oD, oH, oW];
  if (isMeta(input)) return metaTensor(shape, input.dtype);
  const [sD, sH, sW] = scales ?? [0, 0, 0];
  const double = input.dtype === float64;
  const planes = upsample2dGeometry([N, C * D, H, W], [oH, oW], { kind, alignCorners, scales: [sH!, sW!], double });
  const P = oH * oW;
  const depth = upsample2dGeometry([N, C * P, D], [oD], { kind, alignCorners, scales: [sD!], double });
  const [forward, backward] = kernels(kind, kernelDtype(input));
  const rows = N * C;
  const y = swapLast(forward(depth, swapLast(forward(planes, kernelData(input)), rows, D, P)), rows, P, oD);
  const out = kernelTensor(y, shape, input.dtype);
  const inShape = input.shape;
  const dtype = input.dtype;
  record(nodeName(mode, 5, false), out, [input], ([grad]) => [
    kernelTensor(backward(planes, swapLast(backward(depth, swapLast(kernelData(grad!), rows, oD, P)), rows, P, D)), inShape, dtype),
  ]);
  return out;
}

/** `area` mode: adaptive average pooling (1-D through a height-1 plane, as PyTorch's adaptive_avg_pool1d). */
function area(input: Tensor, outputSize: number[]): Tensor {
  if (input.ndim === 4) return adaptive_avg_pool2d(input, [outputSize[0]!, outputSize[1]!]);
  return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), [1, outputSize[0]!]), -2);
}

/** `int(math.floor(float(v)))` in Python, with its errors for NaN and infinity. */
function pyFloorInt(v: number): number {
  if (Number.isNaN(v)) throw valueError("cannot convert float NaN to integer", "scale_factor");
  if (!Number.isFinite(v)) throw new ArgumentError("cannot convert float infinity to integer", "scale_factor", "OverflowError");
  return Math.floor(v);
}

function isList(v: unknown): v is readonly number[] {
  return Array.isArray(v);
}

function interpolateImpl(input: Tensor, ...args: InterpolateArgs): Tensor {
  requireTensor("interpolate", [[input, "input"]]);
  const o = parseArgs<InterpolateOptions>("interpolate", ARG_NAMES, args);
  const mode = (o.mode ?? "nearest") as InterpolateMode;
  const size = o.size ?? null;
  const scaleFactor = o.scale_factor ?? null;
  let alignCorners = o.align_corners ?? null;
  let recompute = o.recompute_scale_factor ?? null;
  const antialias = o.antialias ?? false;
  if (mode === "nearest" || mode === "area" || mode === "nearest-exact") {
    if (alignCorners !== null) {
      throw valueError("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear", "align_corners");
    }
  } else if (alignCorners === null) {
    alignCorners = false;
  }
  const dim = input.ndim - 2;
  const spatial = input.shape.slice(2);
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scaleFactor !== null) {
    throw valueError("only one of size or scale_factor should be defined", "size");
  } else if (size !== null) {
    if (isList(size)) {
      if (size.length !== dim) {
        throw valueError(
          "Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of " +
          `${pyList(spatial)} and output size of ${pyNumbers(size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) ` +
          "format and output size in (o1, o2, ...,oK) format.", "size");
      }
      outputSize = [...size];
    } else {
      outputSize = new Array<number>(Math.max(dim, 0)).fill(size as number);
    }
  } else if (scaleFactor !== null) {
    if (isList(scaleFactor)) {
      if (scaleFactor.length !== dim) {
        throw valueError(
          "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions " +
          `of ${pyList(spatial)} and scale_factor of shape ${pyNumbers(scaleFactor)}. Please provide input tensor in ` +
          "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.", "scale_factor");
      }
      scales = [...scaleFactor];
    } else {
      scales = new Array<number>(Math.max(dim, 0)).fill(scaleFactor as number);
    }
  } else {
    throw valueError("either size or scale_factor should be defined", "size");
  }
  if (recompute && size !== null) throw valueError("recompute_scale_factor is not meaningful with an explicit size.", "recompute_scale_factor");
  // "area" always works from an output size.
  if (mode === "area" && outputSize === null) recompute = true;
  if (recompute) {
    outputSize = scales!.map((s, i) => pyFloorInt(spatial[i]! * s));
    scales = null;
  }
  if (antialias && !((mode === "bilinear" || mode === "bicubic") && input.ndim === 4)) {
    throw valueError("Anti-alias option is only supported for bilinear and bicubic modes", "antialias");
  }
  const nd = input.ndim;
  if (nd === 5 && (mode === "nearest" || mode === "nearest-exact" || mode === "trilinear")) {
    return runUpsample3d(input, mode, outputSize, scales, alignCorners === true);
  }
  if (nd === 5 && mode === "area") return adaptive_avg_pool3d(input, outputSize!);
  if (alignCorners !== null && typeof alignCorners !== "boolean" && (nd === 3 || nd === 4)) {
    const op = atenOp(mode, nd, antialias);
    if (op.hasAlignCorners) throw invalidCombination(op, scales !== null, typeof alignCorners === "number" ? "int" : "str");
  }
  const ac = alignCorners === true;
  if ((nd === 3 && (mode === "nearest" || mode === "nearest-exact" || mode === "linear")) ||
    (nd === 4 && (mode === "nearest" || mode === "nearest-exact" || mode === "bilinear" || mode === "bicubic"))) {
    return runUpsample(input, mode, outputSize, scales, ac, antialias);
  }
  if ((nd === 3 || nd === 4) && mode === "area") return area(input, outputSize!);
  const needs: Partial<Record<InterpolateMode, number>> = { linear: 3, bilinear: 4, trilinear: 5 };
  const want = needs[mode];
  if (want !== undefined && nd >= 3 && nd <= 5 && want !== nd) {
    throw notImplemented(`Got ${nd}D input, but ${mode} mode needs ${want}D input`);
  }
  throw notImplemented(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${nd}D) for the modes: ${MODES_TEXT} (got ${mode})`);
}

/**
 * Resizes `input` (`[N, C, W]`, `[N, C, H, W]` or `[N, C, D, H, W]`) to `size`, or by `scale_factor`.
 *
 * @example
 * F.interpolate(torch.randn(1, 1, 64, 64), [32, 32]).shape                        // torch.Size([1, 1, 32, 32])
 * F.interpolate(x, { scale_factor: 2, mode: "bilinear" }).grad_fn?.name          // "UpsampleBilinear2DBackward1"
 */
export const interpolate = hooked("F.interpolate", interpolateImpl, describeResize(null));

/**
 * `F.upsample` (deprecated in PyTorch for `F.interpolate`, which it calls).
 *
 * @example
 * F.upsample(x, { scale_factor: 2, mode: "nearest" })
 */
export const upsample = hooked("F.upsample", function upsample(
  input: Tensor,
  ...args: ArgsWithOptions<
    [size: number | readonly number[] | null, scale_factor: number | readonly number[] | null, mode: InterpolateMode, align_corners: boolean | null],
    Pick<InterpolateOptions, "size" | "scale_factor" | "mode" | "align_corners">
  >
): Tensor {
  warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.");
  const o = parseArgs<InterpolateOptions>("upsample", ["size", "scale_factor", "mode", "align_corners"], args);
  return interpolate(input, { size: o.size, scale_factor: o.scale_factor, mode: o.mode, align_corners: o.align_corners });
}, describeResize(null));

/** `F.upsample_nearest(input, size?, scale_factor?)` (deprecated): nearest `F.interpolate`. */
export const upsample_nearest = hooked("F.upsample_nearest", function upsample_nearest(
  input: Tensor,
  ...args: ArgsWithOptions<[size: number | readonly number[] | null, scale_factor: number | null], Pick<InterpolateOptions, "size" | "scale_factor">>
): Tensor {
  warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.");
  const o = parseArgs<InterpolateOptions>("upsample_nearest", ["size", "scale_factor"], args);
  return interpolate(input, { size: o.size, scale_factor: o.scale_factor, mode: "nearest" });
}, describeResize("nearest"));

/** `F.upsample_bilinear(input, size?, scale_factor?)` (deprecated): bilinear with `align_corners=True`. */
export const upsample_bilinear = hooked("F.upsample_bilinear", function upsample_bilinear(
  input: Tensor,
  ...args: ArgsWithOptions<[size: number | readonly number[] | null, scale_factor: number | readonly number[] | null], Pick<InterpolateOptions, "size" | "scale_factor">>
): Tensor {
  warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.");
  const o = parseArgs<InterpolateOptions>("upsample_bilinear", ["size", "scale_factor"], args);
  return interpolate(input, { size: o.size, scale_factor: o.scale_factor, mode: "bilinear", align_corners: true });
}, describeResize("bilinear"));
