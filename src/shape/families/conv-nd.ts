/**
 * The convolutions of other ranks: `conv1d` and `conv3d` (output per axis
 * `⌊(x + 2p − d(k−1) − 1)/s⌋ + 1`, the dilated kernel must fit the padded
 * input) and the transposed ones, `conv_transpose1d` / `conv_transpose2d`
 * (`(x − 1)·s − 2p + d(k−1) + output_padding + 1`). Each checks the input
 * channels; the story for a wrong channel count names the dim it read as
 * channels and, when the channel count sits in the last dim instead
 * (`[N, L, C]` fed to a Conv1d), says so and how to move it.
 *
 * @example
 * spec(convNdFamily("conv1d"), convNdParams("conv1d", 3, 8, [5])).args    // "3, 8, 5"
 */
import { channelsMatch, convOutputSize, kernelFits, outputNonEmpty, samePadding } from "../dim.js";
import { type FailureContext, type OpFamily, type OpSpec, type Story, check, family, isOptions, isTensorArg, numArg, spec } from "../descriptor.js";
import { CONV_AXES, type ConvNdOp, isTransposed, transposedOutputSize } from "../conv-nd.js";
import { add, mul, num } from "../sym.js";
import { smallestInput, tooSmallStory } from "./stories.js";

export interface ConvNdParams {
  readonly conv: ConvNdOp;
  readonly in_channels: number;
  readonly out_channels: number;
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[] | "same" | "valid";
  readonly dilation: readonly number[];
  readonly output_padding: readonly number[];
  readonly groups: number;
  readonly bias: boolean;
  readonly [key: string]: unknown;
}

/** `5` for (5,) or (5, 5, 5), `(3, 5)` otherwise. */
function show(v: readonly number[]): string {
  return v.every((x) => x === v[0]) ? String(v[0]) : `(${v.join(", ")})`;
}

function padsOf(p: ConvNdParams, axis: number): [number, number] {
  if (p.padding === "same") return samePadding(p.kernel[axis]!, p.dilation[axis]!);
  if (p.padding === "valid") return [0, 0];
  return [p.padding[axis]!, p.padding[axis]!];
}

/** The layer's class name as a learner writes it: `Conv1d`, `ConvTranspose2d`. */
export function convClassName(op: ConvNdOp): string {
  const n = CONV_AXES[op];
  return `${isTransposed(op) ? "ConvTranspose" : "Conv"}${n}d`;
}

function channelStory(f: FailureContext<ConvNdParams>): Story {
  const { row, params: p } = f;
  const axes = CONV_AXES[p.conv];
  const expected = p.in_channels;
  const inShape = row.inputs[0]?.shape ?? [];
  const cDim = inShape.length === axes + 2 ? 1 : 0;
  const got = inShape[cDim]!;
  const last = inShape[inShape.length - 1];
  const src = f.origin(row.inputs[0]?.id ?? -1);
  const shape = `(${inShape.join(", ")})`;
  const layout = axes === 1 ? "[N, C, L]" : axes === 2 ? "[N, C, H, W]" : "[N, C, D, H, W]";
  const details = [`${convClassName(p.conv)} reads dim ${cDim} of ${shape} as the channels (layout ${layout}): ${got}`];
  if (src) details.push(`the input comes from ${f.call(src)}, which outputs (${(src.outputs[0]?.shape ?? []).join(", ")})`);
  const fixes: string[] = [];
  if (last === expected && inShape.length - 1 !== cDim) {
    details.push(`the last dim has ${expected}: the input looks channels-last (${axes === 1 ? "[N, L, C]" : "[N, ..., C]"})`);
    const perm = axes === 1 ? `x.transpose(${cDim}, ${cDim + 1})` : `x.movedim(-1, ${cDim})`;
    fixes.push(`move the channels to dim ${cDim}: ${perm}`);
  }
  const k = show(p.kernel);
  fixes.push(`${fixes.length ? "or " : ""}set in_channels=${got}: nn.${convClassName(p.conv)}(${got}, ${p.out_channels}, ${k})`);
  return { headline: `${f.who(row)} expects ${expected} input channels (in_channels=${expected}), got ${got} in dim ${cDim}`, details, fixes };
}

function rankStory(f: FailureContext<ConvNdParams>): Story {
  const axes = CONV_AXES[f.params.conv];
  const shape = f.row.inputs[0]?.shape ?? [];
  const layout = axes === 1 ? "[N, C, L] or [C, L]" : axes === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, D, H, W] or [C, D, H, W]";
  const fixes: string[] = [];
  if (shape.length > axes + 2) {
    fixes.push(`flatten the extra dims into the last: x.flatten(${axes + 1})`);
    if (axes < 3) fixes.push(`or use the ${shape.length - 2}-D layer: nn.${convClassName(f.params.conv).replace(/\dd$/, `${shape.length - 2}d`)}`);
  } else {
    fixes.push(`add the missing dims: x.unsqueeze(${shape.length === axes ? 0 : 1})`);
  }
  return {
    headline: `${f.who(f.row)} takes ${layout} inputs, got ${shape.length} dims (${shape.join(", ")})`,
    details: [],
    fixes,
  };
}

const families = new Map<ConvNdOp, OpFamily<ConvNdParams>>();

/** The family of one op (`conv1d`, `conv3d`, `conv_transpose1d`, `conv_transpose2d`). */
export function convNdFamily(op: ConvNdOp): OpFamily<ConvNdParams> {
  let f = families.get(op);
  if (!f) families.set(op, (f = makeFamily(op)));
  return f;
}

function makeFamily(op: ConvNdOp): OpFamily<ConvNdParams> {
  return family<ConvNdParams>({
    op,
    args(p) {
      const axes = p.kernel.length;
      const extras: string[] = [];
      if (p.stride.some((s) => s !== 1)) extras.push(`stride=${show(p.stride)}`);
      if (typeof p.padding === "string") extras.push(`padding='${p.padding}'`);
      else if (p.padding.some((x) => x !== 0)) extras.push(`padding=${show(p.padding)}`);
      if (p.output_padding.some((x) => x !== 0)) extras.push(`output_padding=${show(p.output_padding)}`);
      if (p.dilation.some((d) => d !== 1)) extras.push(`dilation=${show(p.dilation)}`);
      if (p.groups !== 1) extras.push(`groups=${p.groups}`);
      if (!p.bias) extras.push("bias=False");
      return [p.in_channels, p.out_channels, axes === 0 ? "" : show(p.kernel), ...extras].join(", ");
    },
    rule(ins, p, ctx) {
      const x = ins[0]!;
      const axes = p.kernel.length;
      // PyTorch checks the rank first: [N, C, ...spatial] or [C, ...spatial].
      if (x.length !== axes + 1 && x.length !== axes + 2) {
        ctx.constrain("eq", x.length, axes + 2, "rank");
        return [x];
      }
      const cDim = x.length === axes + 2 ? 1 : 0;
      check(ctx, channelsMatch(x[cDim]!, p.in_channels));
      const out = [...x];
      out[cDim] = num(p.out_channels);
      const transposed = isTransposed(p.conv);
      for (let a = 0; a < axes; a++) {
        const d = x.length - axes + a;
        const [before, after] = padsOf(p, a);
        const [k, s, dil] = [p.kernel[a]!, p.stride[a]!, p.dilation[a]!];
        if (transposed) {
          out[d] = add(mul(s, x[d]!), transposedOutputSize(0, k, s, before, dil, p.output_padding[a]!));
          check(ctx, outputNonEmpty(out[d]!));
        } else {
          check(ctx, kernelFits(x[d]!, k, dil, before, after));
          out[d] = convOutputSize(x[d]!, k, s, before, after, dil);
        }
      }
      return [out];
    },
    macs(io) {
      const out = io.outputs[0]?.shape ?? [];
      const inp = io.inputs[0]?.shape ?? [];
      // Every weight meets every position of the (transposed: input's) spatial grid once per image.
      const grid = (s: readonly number[]) => s.slice(2).reduce((a, b) => a * b, s[0] ?? 0);
      const axes = Math.max(out.length - 2, 1);
      return io.params * (out.length === inp.length && out.length >= axes + 2 ? grid(out) : 0);
    },
    story(f) {
      if (f.key.what === "in_channels") return channelStory(f);
      if (f.key.what === "rank") return rankStory(f);
      if (f.key.what === "kernel fits") {
        const p = f.params;
        const need = p.kernel.map((k, a) => smallestInput((x) => convOutputSize(x, k, p.stride[a]!, ...padsOf(p, a), p.dilation[a]!)));
        return tooSmallStory(f, `kernel ${p.kernel.join("×")}`, need, true);
      }
      return null;
    },
  });
}

/** The parameters of `nn.Conv1d(in, out, kernel, ...)` (and the other ranks) as a layer holds them. */
export function convNdParams(conv: ConvNdOp, in_channels: number, out_channels: number, kernel: readonly number[], o: {
  stride?: readonly number[]; padding?: ConvNdParams["padding"]; dilation?: readonly number[]; output_padding?: readonly number[];
  groups?: number; bias?: boolean;
} = {}): ConvNdParams {
  const ones = kernel.map(() => 1);
  const zeros = kernel.map(() => 0);
  return {
    conv, in_channels, out_channels, kernel, stride: o.stride ?? ones, padding: o.padding ?? zeros, dilation: o.dilation ?? ones,
    output_padding: o.output_padding ?? zeros, groups: o.groups ?? 1, bias: o.bias ?? true,
  };
}

/** A hyper-parameter as one value per axis. */
function perAxis(v: unknown, axes: number, dflt: number): number[] {
  if (typeof v === "number") return new Array<number>(axes).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v.length === 1 ? new Array<number>(axes).fill(v[0]) : [...v];
  return new Array<number>(axes).fill(dflt);
}

/** `F.conv1d(input, weight, bias?, stride?, ...)` and the others, positionally or with an options object. */
export function describeConvNd(op: ConvNdOp): (args: readonly unknown[]) => OpSpec {
  const transposed = isTransposed(op);
  const names = transposed
    ? ["bias", "stride", "padding", "output_padding", "groups", "dilation"]
    : ["bias", "stride", "padding", "dilation", "groups"];
  return (args) => {
    const o: Record<string, unknown> = {};
    names.forEach((n, i) => { if (args[2 + i] !== undefined && !isOptions(args[2 + i])) o[n] = args[2 + i]; });
    const last = args[args.length - 1];
    if (args.length > 2 && isOptions(last)) Object.assign(o, last);
    const w = isTensorArg(args[1]) ? args[1].shape : [0, 0];
    const axes = CONV_AXES[op];
    const groups = numArg(o.groups, 1);
    const kernel = w.slice(2);
    const padding = o.padding === "same" || o.padding === "valid" ? o.padding : perAxis(o.padding, axes, 0);
    const [inC, outC] = transposed ? [w[0] ?? 0, (w[1] ?? 0) * groups] : [(w[1] ?? 0) * groups, w[0] ?? 0];
    return spec(convNdFamily(op), convNdParams(op, inC, outC, kernel.length === axes ? kernel : new Array<number>(axes).fill(1), {
      stride: perAxis(o.stride, axes, 1), padding, dilation: perAxis(o.dilation, axes, 1),
      output_padding: perAxis(o.output_padding, axes, 0), groups, bias: isTensorArg(o.bias),
    }));
  };
}
