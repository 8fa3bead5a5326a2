/**
 * The view families: `view`/`reshape`, `flatten` (`nn.Flatten`,
 * `torch.flatten`, `F.flatten`), `unflatten`, `permute`, `transpose`, `t`,
 * `squeeze`, `unsqueeze`. A requested size that follows the input
 * (`view(-1, 400)` on [1, 16, 5, 5] reads as `16·f(H)·f(W)`) is matched with the
 * run of input dims it multiplied in the recorded run; a literal size that
 * no longer fits becomes a check on the element count, and keeping the batch
 * dim a condition of a correct run.
 *
 * @example
 * spec(view, { shape: [-1, 400], kind: "view" }).args   // "-1, 400"
 */
import { type FailureContext, type OpSpec, type Story, type SymShape, family, normDim, numArg, spec } from "../descriptor.js";
import { div, mul, num } from "../sym.js";
import { dimDetails, sizeFixes } from "./stories.js";

export interface ViewParams {
  readonly shape: readonly number[];
  /** `view` or `reshape`. */
  readonly kind: string;
  readonly [key: string]: unknown;
}

/** Products of consecutive concrete dims, matched against one requested size. */
function matchRun(c: readonly number[], from: number, to: number, want: number, forward: boolean): number | null {
  let p = 1;
  if (forward) {
    for (let k = from; k < to; k++) {
      p *= c[k]!;
      if (p === want && (k + 1 >= to || c[k + 1] !== 1 || want !== 1)) return k + 1;
      if (p > want && want > 0) return null;
    }
  } else {
    for (let k = to - 1; k >= from; k--) {
      p *= c[k]!;
      if (p === want) return k;
      if (p > want && want > 0) return null;
    }
  }
  return null;
}

function viewStory(f: FailureContext<ViewParams>): Story {
  const { row } = f;
  const req = f.params.shape;
  const known = req.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const inShape = row.inputs[0]?.shape ?? [];
  const n = inShape.reduce((a, d) => a * d, 1);
  const inner = inShape.slice(1).join("×");
  const infer = req.includes(-1);
  const headline = `${f.stepName(row)}(${req.join(", ")}) needs ${infer ? "a multiple of " : ""}${known} elements, got ${n}${inner ? ` = ${inShape[0]}×${inner}` : ""}`;
  const src = f.origin(row.inputs[0]?.id ?? -1);
  const details = [`the input (${inShape.join(", ")}) reaches the ${f.params.kind} from ${src ? f.call(src) : "the network's input"}`];
  const fixes = ["flatten per sample with torch.flatten(x, 1) or x.view(x.size(0), -1), then give the next layer the matching in_features"];
  const resize = f.resizeFix();
  if (resize) fixes.unshift(resize);
  return { headline, details, fixes };
}

export const view = family<ViewParams>({
  op: "view",
  args: (p) => p.shape.join(", "),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const c = ctx.concreteIn[0] ?? [];
    const req = p.shape.slice();
    const inferAt = req.indexOf(-1);
    const out: SymShape = new Array(req.length);
    let lo = 0;
    let hi = x.length;
    let aligned = c.length === x.length;
    const left = inferAt === -1 ? req.length : inferAt;
    for (let j = 0; j < left && aligned; j++) {
      const end = matchRun(c, lo, hi, req[j]!, true);
      if (end === null) aligned = false;
      else {
        out[j] = mul(...x.slice(lo, end));
        lo = end;
      }
    }
    for (let j = req.length - 1; j > left && aligned; j--) {
      const start = matchRun(c, lo, hi, req[j]!, false);
      if (start === null) aligned = false;
      else {
        out[j] = mul(...x.slice(start, hi));
        hi = start;
      }
    }
    if (aligned && inferAt >= 0) out[inferAt] = mul(...x.slice(lo, hi));
    else if (aligned && lo !== hi) aligned = false;
    if (aligned) {
      // Sizes that stayed the same in a run at other sizes are literals: the input has to fit them.
      const other = ctx.alternate?.shape as readonly number[] | undefined;
      const literal = req.map((d, j) => j !== inferAt && other !== undefined && other[j] === d);
      if (literal.some((l) => l)) {
        const known = req.reduce((a, d) => (d === -1 ? a : a * d), 1);
        ctx.constrain(inferAt >= 0 ? "divisible" : "eq", mul(...x), known, "shape is valid");
        req.forEach((d, j) => { if (literal[j]) ctx.constrain("eq", out[j]!, d, "keeps the batch", true); });
      }
      return [out];
    }
    // A literal size: the -1 is what divides out, when it divides.
    const total = mul(...x);
    const known = req.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const res = req.map((d) => num(d)) as SymShape;
    if (inferAt >= 0) {
      ctx.constrain("divisible", total, known, "shape is valid");
      res[inferAt] = div(total, known);
      // The -1 in front keeps the batch when the rest is exactly one sample: numel = known × batch.
    if (inferAt === 0 && x.length >= 2) ctx.constrain("eq", total, mul(known, x[0]!), "keeps the batch", true);
    } else {
      ctx.constrain("eq", total, known, "shape is valid");
    }
    return [res];
  },
  macs: () => 0,
  story: (f) => (f.key.what === "shape is valid" ? viewStory(f) : null),
});

/** `x.view(shape)` / `x.reshape(shape)` (the shape as recorded: one list). */
export function describeView(kind: string): (args: readonly unknown[]) => OpSpec {
  return (args) => spec(view, { shape: Array.isArray(args[1]) ? (args[1] as number[]) : [], kind });
}

// ---------------------------------------------------------------- flatten, unflatten

export interface FlattenParams {
  readonly start_dim: number;
  readonly end_dim: number;
  readonly [key: string]: unknown;
}

export const flatten = family<FlattenParams>({
  op: "flatten",
  args: (p) => (p.end_dim === -1 ? String(p.start_dim) : `${p.start_dim}, ${p.end_dim}`),
  rule(ins, p) {
    const x = ins[0]!;
    if (x.length === 0) return [[num(1)]];
    const s = normDim(p.start_dim, x.length);
    const e = normDim(p.end_dim, x.length);
    if (s >= e) return [x];
    return [[...x.slice(0, s), mul(...x.slice(s, e + 1)), ...x.slice(e + 1)]];
  },
  macs: () => 0,
});

/** `flatten(x, start_dim = 0, end_dim = -1)` (`torch.flatten` and `F.flatten`). */
export function describeFlatten(args: readonly unknown[]): OpSpec {
  return spec(flatten, { start_dim: numArg(args[1], 0), end_dim: numArg(args[2], -1) });
}

export interface UnflattenParams {
  readonly dim: number;
  readonly sizes: readonly number[];
  readonly [key: string]: unknown;
}

export const unflatten = family<UnflattenParams>({
  op: "unflatten",
  args: (p) => `${p.dim}, (${p.sizes.join(", ")})`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const d = normDim(p.dim, x.length);
    const known = p.sizes.reduce((a, s) => (s === -1 ? a : a * s), 1);
    const parts: SymShape = p.sizes.map((s) => num(s));
    const inferAt = p.sizes.indexOf(-1);
    if (inferAt >= 0) {
      ctx.constrain("divisible", x[d]!, known, "sizes fit");
      parts[inferAt] = div(x[d]!, known);
    } else {
      ctx.constrain("eq", x[d]!, known, "sizes fit");
    }
    return [[...x.slice(0, d), ...parts, ...x.slice(d + 1)]];
  },
  macs: () => 0,
  story: (f) => (f.key.what === "sizes fit" ? unflattenStory(f) : null),
});

/** `unflatten(1, (4, 8))` on a dim that is not 32 (or not a multiple of the known sizes, with a -1). */
function unflattenStory(f: FailureContext<UnflattenParams>): Story {
  const { row, params: p } = f;
  const shape = row.inputs[0]?.shape ?? [];
  const d = normDim(p.dim, shape.length);
  const known = p.sizes.reduce((a, s) => (s === -1 ? a : a * s), 1);
  const infer = p.sizes.includes(-1);
  const product = p.sizes.filter((s) => s !== -1).join("×");
  const headline = `${f.stepName(row)}(${p.dim}, (${p.sizes.join(", ")})) needs dim ${d} to be ${infer ? "a multiple of " : ""}${known}` +
    `${product.includes("×") ? ` = ${product}` : ""}, got ${shape[d]}`;
  const fixes = sizeFixes(f, ...(!infer && p.sizes.length > 1
    ? [`or let the first size follow the data: unflatten(${p.dim}, (-1, ${p.sizes.slice(1).join(", ")}))`] : []));
  return { headline, details: dimDetails(f, d), fixes };
}

/** `unflatten(x, dim, sizes)`. */
export function describeUnflatten(args: readonly unknown[]): OpSpec {
  return spec(unflatten, { dim: numArg(args[1], 0), sizes: Array.isArray(args[2]) ? (args[2] as number[]) : [] });
}

// ---------------------------------------------------------------- dim shuffles

export const permute = family<{ dims: readonly number[] }>({
  op: "permute",
  args: (p) => p.dims.join(", "),
  rule: (ins, p) => [p.dims.map((d) => ins[0]![normDim(d, ins[0]!.length)]!)],
  macs: () => 0,
});

export function describePermute(args: readonly unknown[]): OpSpec {
  return spec(permute, { dims: Array.isArray(args[1]) ? (args[1] as number[]) : [] });
}

export const transpose = family<{ dim0: number; dim1: number }>({
  op: "transpose",
  args: (p) => `${p.dim0}, ${p.dim1}`,
  rule(ins, p) {
    const x = [...ins[0]!];
    if (x.length === 0) return [x];
    const a = normDim(p.dim0, x.length);
    const b = normDim(p.dim1, x.length);
    [x[a], x[b]] = [x[b]!, x[a]!];
    return [x];
  },
  macs: () => 0,
});

export function describeTranspose(args: readonly unknown[]): OpSpec {
  return spec(transpose, { dim0: numArg(args[1], 0), dim1: numArg(args[2], 1) });
}

export const t = family<Record<string, never>>({
  op: "t",
  args: () => "",
  rule: (ins) => [ins[0]!.length < 2 ? ins[0]! : [ins[0]![1]!, ins[0]![0]!]],
  macs: () => 0,
});

export const describeT = (): OpSpec => spec(t, {});

export const unsqueeze = family<{ dim: number }>({
  op: "unsqueeze",
  args: (p) => String(p.dim),
  rule(ins, p) {
    const x = [...ins[0]!];
    x.splice(normDim(p.dim, x.length + 1), 0, num(1));
    return [x];
  },
  macs: () => 0,
});

export function describeUnsqueeze(args: readonly unknown[]): OpSpec {
  return spec(unsqueeze, { dim: numArg(args[1], 0) });
}

/** Squeeze removes the size-1 dims the run removed (a dim that follows the input is 1 only by accident). */
export const squeeze = family<{ dim: number | undefined }>({
  op: "squeeze",
  args: (p) => (p.dim === undefined ? "" : String(p.dim)),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const c = ctx.concreteIn[0] ?? [];
    const o = ctx.concreteOut[0] ?? [];
    if (o.length === c.length) return [x];
    if (typeof p.dim === "number") {
      const d = normDim(p.dim, x.length);
      ctx.constrain("eq", x[d]!, 1, "squeezed dim is 1", true);
      return [x.filter((_, i) => i !== d)];
    }
    x.forEach((e, i) => { if (c[i] === 1) ctx.constrain("eq", e, 1, "squeezed dim is 1", true); });
    return [x.filter((_, i) => c[i] !== 1)];
  },
  macs: () => 0,
});

export function describeSqueeze(args: readonly unknown[]): OpSpec {
  return spec(squeeze, { dim: typeof args[1] === "number" ? args[1] : undefined });
}
