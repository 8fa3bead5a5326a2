/**
 * The sliding-block families: `unfold` (`nn.Unfold`, `F.unfold`: `[N, C, H, W]`
 * to `[N, C·kH·kW, L]`, `L` the number of block positions, each axis sized as
 * a convolution's output) and `fold` (`nn.Fold`, `F.fold`: back to
 * `[N, C, H, W]` of `output_size`, which needs exactly as many columns as
 * `output_size` has block positions).
 *
 * @example
 * spec(unfoldFamily, foldParams(undefined, 3)).args   // "kernel_size=3"
 */
import { convOutputSize } from "../dim.js";
import { type OpSpec, family, isOptions, pairArg, showPair, spec } from "../descriptor.js";
import { div, mul, num } from "../sym.js";

export interface FoldParams {
  /** `fold` only. */
  readonly output_size: [number, number] | null;
  readonly kernel: [number, number];
  readonly dilation: [number, number];
  readonly padding: [number, number];
  readonly stride: [number, number];
  readonly [key: string]: unknown;
}

function extras(p: FoldParams): string[] {
  const out = [`kernel_size=${showPair(p.kernel)}`];
  if (p.dilation[0] !== 1 || p.dilation[1] !== 1) out.push(`dilation=${showPair(p.dilation)}`);
  if (p.padding[0] !== 0 || p.padding[1] !== 0) out.push(`padding=${showPair(p.padding)}`);
  if (p.stride[0] !== 1 || p.stride[1] !== 1) out.push(`stride=${showPair(p.stride)}`);
  return out;
}

const positions = (p: FoldParams, a: 0 | 1) => (x: number) => convOutputSize(x, p.kernel[a], p.stride[a], p.padding[a], p.padding[a], p.dilation[a]);

export const unfoldFamily = family<FoldParams>({
  op: "unfold",
  args: (p) => extras(p).join(", "),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const n = x.length;
    const [h, w] = ([0, 1] as const).map((a) => convOutputSize(x[n - 2 + a]!, p.kernel[a], p.stride[a], p.padding[a], p.padding[a], p.dilation[a]));
    ctx.constrain("ge", h!, 1, "blocks");
    ctx.constrain("ge", w!, 1, "blocks");
    return [[...x.slice(0, n - 3), mul(x[n - 3]!, p.kernel[0] * p.kernel[1]), mul(h!, w!)]];
  },
  macs: () => 0,
});

export const foldFamily = family<FoldParams>({
  op: "fold",
  args: (p) => [`output_size=${showPair(p.output_size ?? [0, 0])}`, ...extras(p)].join(", "),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const n = x.length;
    const [H, W] = p.output_size ?? [0, 0];
    ctx.constrain("eq", x[n - 1]!, positions(p, 0)(H) * positions(p, 1)(W), "blocks");
    return [[...x.slice(0, n - 2), div(x[n - 2]!, p.kernel[0] * p.kernel[1]), num(H), num(W)]];
  },
  macs: () => 0,
});

/** The parameters of a call: sizes as `[h, w]`, PyTorch's defaults. */
export function foldParams(output_size: unknown, kernel: unknown, dilation?: unknown, padding?: unknown, stride?: unknown): FoldParams {
  return {
    output_size: output_size === undefined ? null : pairArg(output_size, [0, 0]), kernel: pairArg(kernel, [1, 1]),
    dilation: pairArg(dilation ?? 1, [1, 1]), padding: pairArg(padding ?? 0, [0, 0]), stride: pairArg(stride ?? 1, [1, 1]),
  };
}

function named(args: readonly unknown[], names: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  names.forEach((k, i) => { if (!isOptions(args[1 + i])) o[k] = args[1 + i]; });
  const last = args[args.length - 1];
  if (args.length > 1 && isOptions(last)) Object.assign(o, last);
  return o;
}

/** `F.unfold(input, kernel_size, dilation?, padding?, stride?)`. */
export function describeUnfold(args: readonly unknown[]): OpSpec {
  const o = named(args, ["kernel_size", "dilation", "padding", "stride"]);
  return spec(unfoldFamily, foldParams(undefined, o.kernel_size, o.dilation, o.padding, o.stride));
}

/** `F.fold(input, output_size, kernel_size, dilation?, padding?, stride?)`. */
export function describeFold(args: readonly unknown[]): OpSpec {
  const o = named(args, ["output_size", "kernel_size", "dilation", "padding", "stride"]);
  return spec(foldFamily, foldParams(o.output_size, o.kernel_size, o.dilation, o.padding, o.stride));
}
