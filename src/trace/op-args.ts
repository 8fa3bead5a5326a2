/**
 * What a traced row does, in one normalised form whether it came from a
 * module (`nn.MaxPool2d(2)`), a functional call (`F.max_pool2d(x, [2, 2])`,
 * `F.max_pool2d(x, 2, { stride: 2 })`) or a tensor method (`x.view(-1, 400)`):
 * the canonical op name, its parameters with PyTorch's defaults filled in
 * (pairs as `[h, w]`), the short argument text shown in tables and arrow
 * chains, and the multiply-adds.
 *
 * The symbolic replay reads `params`; nothing here looks at tensor values.
 *
 * @example
 * describeRow(row)   // { op: "max_pool2d", params: { kernel: [2, 2], stride: [2, 2], padding: [0, 0],
 *                    //   dilation: [1, 1], ceil_mode: false }, args: "2, 2" }
 */
import type { Module } from "../nn/module.js";
import { type TensorInfo, type TraceRow, isTensorInfo, numel } from "./row.js";

/** The normalised description of a row. */
export interface OpSpec {
  /**
   * Canonical op: conv2d, linear, max_pool2d, avg_pool2d, adaptive_avg_pool2d,
   * adaptive_max_pool2d, flatten, unflatten, view, reshape, permute, transpose,
   * t, squeeze, unsqueeze, batch_norm, pad, interpolate, cat, stack, binary, matmul,
   * reduce, softmax, elementwise, identity, container, or unknown.
   */
  readonly op: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The arguments as a learner writes them: `1, 6, 5`, `2, 2`, `-1, 400`. */
  readonly args: string;
}

/** `[h, w]` from a number or a one/two-element list. */
export function pair(v: unknown, fallback: [number, number]): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return [v[0], v[0]];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number") return [v[0], v[1]];
  return fallback;
}

/** `5` for [5, 5], `(3, 5)` otherwise. */
function showPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `(${p[0]}, ${p[1]})`;
}

function isOptions(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTensorInfo(v);
}

/** Activations and other ops whose output has the input's shape. */
const ELEMENTWISE_MODULES = new Set([
  "ReLU", "ReLU6", "LeakyReLU", "ELU", "SiLU", "Sigmoid", "Tanh", "GELU", "Softplus", "Softmax", "LogSoftmax",
  "Dropout", "Dropout2d",
]);

const ELEMENTWISE_OPS = new Set([
  "F.relu", "F.relu_", "F.leaky_relu", "F.relu6", "F.elu", "F.elu_", "F.silu", "F.softplus", "F.sigmoid", "F.tanh", "F.gelu",
  "F.softmax", "F.log_softmax", "F.dropout", "F.dropout2d", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
  "contiguous", "clone",
]);

const BINARY_OPS = new Set(["add", "sub", "mul", "div"]);

function spec(op: string, params: Record<string, unknown>, args: string): OpSpec {
  return { op, params, args };
}

// ---------------------------------------------------------------- modules

function convSpec(inC: number, outC: number, kernel: [number, number], stride: [number, number],
  padding: [number, number] | string, dilation: [number, number], groups: number, bias: boolean): OpSpec {
  const extras: string[] = [];
  if (stride[0] !== 1 || stride[1] !== 1) extras.push(`stride=${showPair(stride)}`);
  if (typeof padding === "string") extras.push(`padding='${padding}'`);
  else if (padding[0] !== 0 || padding[1] !== 0) extras.push(`padding=${showPair(padding)}`);
  if (dilation[0] !== 1 || dilation[1] !== 1) extras.push(`dilation=${showPair(dilation)}`);
  if (groups !== 1) extras.push(`groups=${groups}`);
  if (!bias) extras.push("bias=False");
  return spec("conv2d", { in_channels: inC, out_channels: outC, kernel, stride, padding, dilation, groups, bias },
    [inC, outC, showPair(kernel), ...extras].join(", "));
}

function poolSpec(op: string, kernel: [number, number], stride: [number, number], padding: [number, number],
  dilation: [number, number], ceil: boolean): OpSpec {
  const extras: string[] = [];
  if (padding[0] !== 0 || padding[1] !== 0) extras.push(`padding=${showPair(padding)}`);
  if (dilation[0] !== 1 || dilation[1] !== 1) extras.push(`dilation=${showPair(dilation)}`);
  if (ceil) extras.push("ceil_mode=True");
  return spec(op, { kernel, stride, padding, dilation, ceil_mode: ceil }, [showPair(kernel), showPair(stride), ...extras].join(", "));
}

function adaptiveSpec(op: string, size: unknown): OpSpec {
  let out: [number | null, number | null];
  if (typeof size === "number") out = [size, size];
  else if (Array.isArray(size)) out = [size[0] ?? null, size[1] ?? null];
  else out = [null, null];
  const show = out.map((v) => (v === null ? "None" : String(v)));
  return spec(op, { output_size: out }, show[0] === show[1] ? show[0]! : `${show[0]}, ${show[1]}`);
}

/** `size=(32, 32), mode='bilinear'`: what a resize was asked for, as PyTorch's keywords read. */
function resizeSpec(size: unknown, scale: unknown, mode: unknown, alignCorners: unknown): OpSpec {
  const show = (v: unknown) => (Array.isArray(v) ? `(${v.join(", ")})` : String(v));
  const parts: string[] = [];
  if (size !== undefined && size !== null) parts.push(`size=${show(size)}`);
  if (scale !== undefined && scale !== null) parts.push(`scale_factor=${show(scale)}`);
  const m = typeof mode === "string" ? mode : "nearest";
  parts.push(`mode='${m}'`);
  if (alignCorners === true) parts.push("align_corners=True");
  return spec("interpolate", { size: size ?? null, scale_factor: scale ?? null, mode: m, align_corners: alignCorners === true }, parts.join(", "));
}

function flattenSpec(start: number, end: number): OpSpec {
  return spec("flatten", { start_dim: start, end_dim: end }, end === -1 ? String(start) : `${start}, ${end}`);
}

/** Parameters of a module row, read from the module's attributes. */
function moduleSpec(m: Module, type: string): OpSpec {
  const a = m as unknown as Record<string, unknown>;
  switch (type) {
    case "Conv2d":
      return convSpec(a.in_channels as number, a.out_channels as number, pair(a.kernel_size, [1, 1]), pair(a.stride, [1, 1]),
        typeof a.padding === "string" ? a.padding : pair(a.padding, [0, 0]), pair(a.dilation, [1, 1]), (a.groups as number) ?? 1,
        a.bias !== null && a.bias !== undefined);
    case "Linear":
    case "LazyLinear": {
      const bias = a.bias !== null && a.bias !== undefined;
      return spec("linear", { in_features: a.in_features, out_features: a.out_features, bias },
        `${a.in_features}, ${a.out_features}${bias ? "" : ", bias=False"}`);
    }
    case "MaxPool2d": {
      const k = pair(a.kernel_size, [1, 1]);
      return poolSpec("max_pool2d", k, pair(a.stride ?? a.kernel_size, k), pair(a.padding, [0, 0]), pair(a.dilation, [1, 1]), a.ceil_mode === true);
    }
    case "AvgPool2d": {
      const k = pair(a.kernel_size, [1, 1]);
      return poolSpec("avg_pool2d", k, pair(a.stride ?? a.kernel_size, k), pair(a.padding, [0, 0]), [1, 1], a.ceil_mode === true);
    }
    case "AdaptiveAvgPool2d":
      return adaptiveSpec("adaptive_avg_pool2d", a.output_size);
    case "AdaptiveMaxPool2d":
      return adaptiveSpec("adaptive_max_pool2d", a.output_size);
    case "Flatten":
      return flattenSpec(a.start_dim as number, a.end_dim as number);
    case "Unflatten":
      return spec("unflatten", { dim: a.dim, sizes: a.unflattened_size }, `${a.dim}, (${(a.unflattened_size as number[]).join(", ")})`);
    case "BatchNorm1d":
    case "BatchNorm2d":
      return spec("batch_norm", { num_features: a.num_features }, String(a.num_features));
    case "Upsample":
    case "UpsamplingNearest2d":
    case "UpsamplingBilinear2d":
      return resizeSpec(a.size, a.scale_factor, a.mode, a.align_corners);
    case "Identity":
      return spec("identity", {}, "");
    case "Dropout":
    case "Dropout2d":
      return spec("elementwise", { p: a.p }, `p=${a.p}`);
    default:
      if (ELEMENTWISE_MODULES.has(type)) return spec("elementwise", {}, "");
      return spec(m._modules.size > 0 ? "container" : "unknown", {}, "");
  }
}

// ---------------------------------------------------------------- ops

function tensorArg(v: unknown): TensorInfo | null {
  return isTensorInfo(v) ? v : null;
}

function num(v: unknown, dflt: number): number {
  return typeof v === "number" ? v : dflt;
}

/** Parameters of an op row, from its recorded arguments (tensors already replaced by their info). */
function opSpec(name: string, args: readonly unknown[]): OpSpec {
  switch (name) {
    case "F.conv2d": {
      const w = tensorArg(args[1]);
      const wShape = w ? w.shape : [0, 0, 1, 1];
      const o = isOptions(args[3]) ? args[3] : { stride: args[3], padding: args[4], dilation: args[5], groups: args[6] };
      const groups = num(o.groups, 1);
      const padding = typeof o.padding === "string" ? o.padding : pair(o.padding ?? 0, [0, 0]);
      return convSpec((wShape[1] ?? 0) * groups, wShape[0] ?? 0, [wShape[2] ?? 1, wShape[3] ?? 1], pair(o.stride ?? 1, [1, 1]),
        padding, pair(o.dilation ?? 1, [1, 1]), groups, tensorArg(args[2]) !== null);
    }
    case "F.linear": {
      const w = tensorArg(args[1]);
      const out = w ? (w.shape.length === 2 ? w.shape[0]! : 1) : 0;
      const inF = w ? w.shape[w.shape.length - 1]! : 0;
      const bias = tensorArg(args[2]) !== null;
      return spec("linear", { in_features: inF, out_features: out, bias, vector_weight: w?.shape.length === 1 }, `${inF}, ${out}${bias ? "" : ", bias=False"}`);
    }
    case "F.max_pool2d":
    case "F.max_pool2d_with_indices":
    case "F.avg_pool2d": {
      const isMax = name !== "F.avg_pool2d";
      const k = pair(args[1], [1, 1]);
      let o: Record<string, unknown>;
      if (name === "F.max_pool2d_with_indices") o = isOptions(args[2]) ? args[2] : {};
      else if (isOptions(args[2])) o = args[2];
      else o = isMax
        ? { stride: args[2], padding: args[3], dilation: args[4], ceil_mode: args[5] }
        : { stride: args[2], padding: args[3], ceil_mode: args[4] };
      const strideGiven = o.stride !== undefined && o.stride !== null && !(Array.isArray(o.stride) && o.stride.length === 0);
      return poolSpec(isMax ? "max_pool2d" : "avg_pool2d", k, strideGiven ? pair(o.stride, k) : k, pair(o.padding ?? 0, [0, 0]),
        isMax ? pair(o.dilation ?? 1, [1, 1]) : [1, 1], o.ceil_mode === true);
    }
    case "F.adaptive_avg_pool2d":
      return adaptiveSpec("adaptive_avg_pool2d", args[1]);
    case "F.adaptive_max_pool2d":
      return adaptiveSpec("adaptive_max_pool2d", args[1]);
    case "F.flatten":
    case "flatten":
      return flattenSpec(num(args[1], 0), num(args[2], -1));
    case "F.unflatten":
    case "unflatten":
      return spec("unflatten", { dim: args[1], sizes: args[2] }, `${args[1]}, (${(args[2] as number[] ?? []).join(", ")})`);
    case "view":
    case "reshape": {
      const shape = Array.isArray(args[1]) ? (args[1] as number[]) : [];
      return spec(name, { shape }, shape.join(", "));
    }
    case "permute":
      return spec("permute", { dims: args[1] }, (args[1] as number[] ?? []).join(", "));
    case "transpose":
      return spec("transpose", { dim0: args[1], dim1: args[2] }, `${args[1]}, ${args[2]}`);
    case "t":
      return spec("t", {}, "");
    case "squeeze":
      return spec("squeeze", { dim: args[1] }, args[1] === undefined ? "" : String(args[1]));
    case "unsqueeze":
      return spec("unsqueeze", { dim: args[1] }, String(args[1]));
    case "F.batch_norm": {
      const rm = tensorArg(args[1]);
      return spec("batch_norm", { num_features: rm ? rm.shape[0] : undefined }, "");
    }
    case "F.pad": {
      const amounts = Array.isArray(args[1]) ? (args[1] as number[]) : [];
      const mode = typeof args[2] === "string" ? args[2] : isOptions(args[2]) ? (args[2].mode ?? "constant") : "constant";
      return spec("pad", { pad: amounts, mode }, `(${amounts.join(", ")})${mode === "constant" ? "" : `, '${mode}'`}`);
    }
    case "F.interpolate":
    case "F.upsample":
    case "F.upsample_nearest":
    case "F.upsample_bilinear": {
      // (input, size, scale_factor, mode, align_corners) or an options object after the input.
      const rest = args.slice(1);
      const o: Record<string, unknown> = isOptions(rest[rest.length - 1]) ? (rest.pop() as Record<string, unknown>) : {};
      const dfltMode = name === "F.upsample_bilinear" ? "bilinear" : "nearest";
      const isAliased = name === "F.upsample_nearest" || name === "F.upsample_bilinear";
      return resizeSpec(o.size ?? rest[0], o.scale_factor ?? rest[1], isAliased ? dfltMode : (o.mode ?? rest[2] ?? dfltMode),
        name === "F.upsample_bilinear" ? true : (o.align_corners ?? rest[3]));
    }
    case "cat":
    case "stack":
      return spec(name, { dim: num(args[1], 0) }, `dim=${num(args[1], 0)}`);
    case "matmul":
    case "mm":
    case "bmm":
      return spec("matmul", { kind: name }, "");
    case "sum":
    case "mean":
      return spec("reduce", { kind: name }, typeof args[1] === "number" || Array.isArray(args[1]) ? `dim=${JSON.stringify(args[1])}` : "");
    default:
      if (BINARY_OPS.has(name)) return spec("binary", { kind: name }, "");
      if (ELEMENTWISE_OPS.has(name)) {
        if (name === "F.dropout" || name === "F.dropout2d") {
          const p = isOptions(args[1]) ? args[1].p ?? 0.5 : num(args[1], 0.5);
          return spec("elementwise", { p }, `p=${p}`);
        }
        if (name.endsWith("softmax")) {
          const d = isOptions(args[1]) ? args[1].dim : args[1];
          return spec("elementwise", { dim: d }, d === undefined || d === null ? "" : `dim=${d}`);
        }
        return spec("elementwise", {}, "");
      }
      return spec("unknown", {}, "");
  }
}

/** The normalised op and parameters of a row. */
export function describeRow(row: TraceRow): OpSpec {
  return row.kind === "module" ? moduleSpec(row.module, row.type) : opSpec(row.name, row.args);
}

/**
 * Multiply-adds of a row, as torchinfo counts them: a conv's parameters
 * times its output positions (batch × H × W), other parametrised layers'
 * parameters times the rows of the output; a matrix product M·N·K. Layers
 * without parameters count 0.
 */
export function rowMacs(row: TraceRow): number {
  const out = row.outputs[0];
  if (!out || row.failed) return 0;
  const op = row.spec.op;
  if (op === "matmul") {
    const a = row.inputs[0];
    if (!a) return 0;
    return numel(out.shape) * (a.shape[a.shape.length - 1] ?? 1);
  }
  if (row.kind === "module" && !row.isLeaf) return 0;
  const params = row.params;
  if (params === 0) return 0;
  if (op === "conv2d") {
    const channels = out.shape.length === 4 ? out.shape[1]! : out.shape[0]!;
    return params * (numel(out.shape) / Math.max(channels, 1));
  }
  if (op === "linear") {
    const features = out.shape[out.shape.length - 1] ?? 1;
    return params * (numel(out.shape) / Math.max(features, 1));
  }
  return params * (out.shape[0] ?? 1);
}
