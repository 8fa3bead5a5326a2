/**
 * The convolution family: `nn.Conv2d` (and its subclasses), `F.conv2d`.
 * Output size per spatial axis `⌊(x + 2p − d(k−1) − 1)/s⌋ + 1` (dim.ts); it
 * checks the input channels and that the dilated kernel fits the padded input.
 *
 * @example
 * spec(conv2d, conv2dParams(1, 6, 5)).args    // "1, 6, 5"
 */
import { channelsMatch, convOutputSize, kernelFits, samePadding } from "../dim.js";
import { type FailureContext, type Story, check, family, isOptions, isTensorArg, numArg, pairArg, showPair, spec } from "../descriptor.js";
import { num } from "../sym.js";
import { smallestInput, tooSmallStory } from "./stories.js";

export interface Conv2dParams {
  readonly in_channels: number;
  readonly out_channels: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;
  readonly bias: boolean;
  readonly [key: string]: unknown;
}

/** Padding before and after, per spatial axis. */
function padsOf(p: Conv2dParams, axis: 0 | 1): [number, number] {
  if (p.padding === "same") return samePadding(p.kernel[axis], p.dilation[axis]);
  if (p.padding === "valid") return [0, 0];
  return [p.padding[axis], p.padding[axis]];
}

function channelStory(f: FailureContext<Conv2dParams>): Story {
  const { row, params: p } = f;
  const expected = p.in_channels;
  const inShape = row.inputs[0]?.shape ?? [];
  const got = inShape.length === 4 ? inShape[1]! : inShape[0]!;
  const src = f.origin(row.inputs[0]?.id ?? -1);
  const details = [src
    ? `the ${got} channels come from ${f.call(src)}, which outputs (${(src.outputs[0]?.shape ?? []).join(", ")})`
    : `the input (${inShape.join(", ")}) has ${got} channels`];
  const k = p.kernel;
  const fixes = [
    `set in_channels=${got}: nn.Conv2d(${got}, ${p.out_channels}, ${k[0] === k[1] ? k[0] : `[${k[0]}, ${k[1]}]`})`,
    src ? `or make ${src.kind === "module" ? f.who(src) : f.stepName(src)} produce ${expected} channels` : `or give the network ${expected}-channel inputs`,
  ];
  return { headline: `${f.who(row)} expects ${expected} input channels (in_channels=${expected}), got ${got}`, details, fixes };
}

export const conv2d = family<Conv2dParams>({
  op: "conv2d",
  args(p) {
    const extras: string[] = [];
    if (p.stride[0] !== 1 || p.stride[1] !== 1) extras.push(`stride=${showPair(p.stride)}`);
    if (typeof p.padding === "string") extras.push(`padding='${p.padding}'`);
    else if (p.padding[0] !== 0 || p.padding[1] !== 0) extras.push(`padding=${showPair(p.padding)}`);
    if (p.dilation[0] !== 1 || p.dilation[1] !== 1) extras.push(`dilation=${showPair(p.dilation)}`);
    if (p.groups !== 1) extras.push(`groups=${p.groups}`);
    if (!p.bias) extras.push("bias=False");
    return [p.in_channels, p.out_channels, showPair(p.kernel), ...extras].join(", ");
  },
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const cDim = x.length === 4 ? 1 : 0;
    check(ctx, channelsMatch(x[cDim]!, p.in_channels));
    const out = [...x];
    out[cDim] = num(p.out_channels);
    for (const axis of [0, 1] as const) {
      const d = x.length - 2 + axis;
      const [before, after] = padsOf(p, axis);
      check(ctx, kernelFits(x[d]!, p.kernel[axis], p.dilation[axis], before, after));
      out[d] = convOutputSize(x[d]!, p.kernel[axis], p.stride[axis], before, after, p.dilation[axis]);
    }
    return [out];
  },
  macs(io, _p) {
    const out = io.outputs[0]?.shape ?? [];
    const positions = out.length === 4 ? out[0]! * out[2]! * out[3]! : out.length === 3 ? out[1]! * out[2]! : 0;
    return io.params * positions;
  },
  story(f) {
    if (f.key.what === "in_channels") return channelStory(f);
    if (f.key.what === "kernel fits") {
      const p = f.params;
      const need = ([0, 1] as const).map((a) => smallestInput((x) => convOutputSize(x, p.kernel[a], p.stride[a], ...padsOf(p, a), p.dilation[a])));
      return tooSmallStory(f, `kernel ${p.kernel[0]}×${p.kernel[1]}`, [need[0]!, need[1]!], true);
    }
    return null;
  },
});

/** The parameters of `nn.Conv2d(in, out, kernel, ...)` as a layer holds them. */
export function conv2dParams(in_channels: number, out_channels: number, kernel: [number, number], stride: [number, number] = [1, 1],
  padding: Conv2dParams["padding"] = [0, 0], dilation: [number, number] = [1, 1], groups = 1, bias = true): Conv2dParams {
  return { in_channels, out_channels, kernel, stride, padding, dilation, groups, bias };
}

/** `F.conv2d(input, weight, bias?, stride?, padding?, dilation?, groups?)`, or an options object after the bias. */
export function describeConv2d(args: readonly unknown[]) {
  const w = isTensorArg(args[1]) ? args[1].shape : [0, 0, 1, 1];
  const o = isOptions(args[3]) ? args[3] : { stride: args[3], padding: args[4], dilation: args[5], groups: args[6] };
  const groups = numArg(o.groups, 1);
  const padding = o.padding === "same" || o.padding === "valid" ? o.padding : pairArg(o.padding ?? 0, [0, 0]);
  return spec(conv2d, conv2dParams((w[1] ?? 0) * groups, w[0] ?? 0, [w[2] ?? 1, w[3] ?? 1], pairArg(o.stride ?? 1, [1, 1]),
    padding, pairArg(o.dilation ?? 1, [1, 1]), groups, isTensorArg(args[2])));
}
