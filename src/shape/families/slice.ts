/**
 * Taking parts of a tensor: `narrow`, `select` (`x[i]` along a dim),
 * `expand`, `split`/`chunk`/`unbind` (several outputs), and Python indexing
 * (`index`: numbers, slices, `null`, `...`). The checks are the ones their
 * errors make: the part must lie inside the dim (`start + length ≤ size`,
 * `index < size`), an expanded dim must be 1 or already the target size,
 * split sizes must add up to the dim. A split into pieces of a fixed size,
 * a chunk and an unbind give as many outputs as the dim allows; that the
 * count stays what the run saw is a condition of a correct (not only a
 * running) call.
 *
 * @example
 * spec(narrow, { dim: 1, start: 0, length: 8 }).args   // "1, 0, 8"
 */
import { type FailureContext, type OpSpec, type Story, type SymShape, family, isOptions, isTensorArg, normDim, spec } from "../descriptor.js";
import { type SymExpr, add, div, mul, num, sum } from "../sym.js";
import { dimDetails, sizeFixes } from "./stories.js";

/** Positional arguments after the tensor, with keywords from a trailing options object: `readArgs(args, ["dim", "start"])`. */
export function readArgs(args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const rest = args.slice(1);
  const o: Record<string, unknown> = isOptions(rest[rest.length - 1]) ? { ...(rest.pop() as Record<string, unknown>) } : {};
  names.forEach((n, i) => { if (rest[i] !== undefined && !(n in o)) o[n] = rest[i]; });
  return o;
}

/**
 * A part that no longer fits its dim: the headline with the arithmetic, where the dim came from
 * and the fixes (a size that works; reading the size from the tensor instead of a literal).
 */
function partStory(f: FailureContext, headline: string, d: number, literalFix: string): Story {
  return { headline, details: dimDetails(f, d), fixes: sizeFixes(f, literalFix) };
}

// ---------------------------------------------------------------- narrow

export interface NarrowParams {
  readonly dim: number;
  readonly start: number;
  readonly length: number;
  readonly [key: string]: unknown;
}

export const narrow = family<NarrowParams>({
  op: "narrow",
  args: (p) => `${p.dim}, ${p.start}, ${p.length}`,
  rule(ins, p, ctx) {
    const x = [...ins[0]!];
    const d = normDim(p.dim, x.length);
    // A negative start counts from the end: the part ends `-start - length` before it.
    ctx.constrain("ge", x[d]!, p.start >= 0 ? p.start + p.length : -p.start, "part fits the dim");
    x[d] = num(p.length);
    return [x];
  },
  macs: () => 0,
  story(f) {
    if (f.key.what !== "part fits the dim") return null;
    const p = f.params;
    const shape = f.row.inputs[0]?.shape ?? [];
    const d = normDim(p.dim, shape.length);
    const need = p.start >= 0 ? p.start + p.length : -p.start;
    return partStory(f, `${f.stepName(f.row)}(${p.dim}, ${p.start}, ${p.length}) needs dim ${d} of at least ` +
      `${p.start >= 0 ? `${p.start} + ${p.length} = ` : ""}${need}, got ${shape[d]}`, d,
    `or take a part that fits every input: x.narrow(${p.dim}, 0, Math.min(${p.length}, x.size(${p.dim})))`);
  },
});

/** `x.narrow(dim, start, length)`. */
export function describeNarrow(args: readonly unknown[]): OpSpec {
  const a = readArgs(args, ["dim", "start", "length"]);
  return spec(narrow, { dim: Number(a.dim ?? 0), start: Number(a.start ?? 0), length: Number(a.length ?? 0) });
}

// ---------------------------------------------------------------- select

export interface SelectParams {
  readonly dim: number;
  readonly index: number;
  readonly [key: string]: unknown;
}

/** The size a dim needs for index `i` to be inside it. */
function sizeFor(i: number): number {
  return i >= 0 ? i + 1 : -i;
}

export const select = family<SelectParams>({
  op: "select",
  args: (p) => `${p.dim}, ${p.index}`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const d = normDim(p.dim, x.length);
    ctx.constrain("ge", x[d]!, sizeFor(p.index), "index in range");
    return [x.filter((_, k) => k !== d)];
  },
  macs: () => 0,
  story(f) {
    if (f.key.what !== "index in range") return null;
    const p = f.params;
    const shape = f.row.inputs[0]?.shape ?? [];
    const d = normDim(p.dim, shape.length);
    return partStory(f, `${f.stepName(f.row)}(${p.dim}, ${p.index}): index ${p.index} needs dim ${d} of at least ${sizeFor(p.index)}, got ${shape[d]}`, d,
      `or pick an index every input has (0, or -1 for the last)`);
  },
});

/** `x.select(dim, index)`. */
export function describeSelect(args: readonly unknown[]): OpSpec {
  const a = readArgs(args, ["dim", "index"]);
  return spec(select, { dim: Number(a.dim ?? 0), index: Number(a.index ?? 0) });
}

// ---------------------------------------------------------------- expand

export interface ExpandParams {
  readonly sizes: readonly number[];
  readonly [key: string]: unknown;
}

export const expand = family<ExpandParams>({
  op: "expand",
  args: (p) => p.sizes.join(", "),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const other = ctx.alternate?.sizes as readonly number[] | undefined;
    // A target size that changed in a run at other sizes was computed from the input: not a literal to check against.
    if (other && other.some((s, i) => s !== p.sizes[i])) throw new Error("expand to sizes that follow the input");
    const lead = p.sizes.length - x.length;
    const out: SymShape = p.sizes.map((want, i) => {
      const j = i - lead;
      if (j < 0) return num(want);
      const have = x[j]!;
      if (want === -1) return have;
      ctx.constrain(want === 1 ? "eq" : "broadcast", have, want, `expanded dim ${i} is 1 or ${want}`);
      return num(want);
    });
    return [out];
  },
  macs: () => 0,
  story(f) {
    if (!f.key.what.startsWith("expanded dim")) return null;
    const m = /dim (\d+)/.exec(f.key.what);
    const i = Number(m?.[1] ?? 0);
    const shape = f.row.inputs[0]?.shape ?? [];
    const j = i - (f.params.sizes.length - shape.length);
    const want = f.params.sizes[i];
    return partStory(f, `${f.stepName(f.row)}(${f.params.sizes.join(", ")}): dim ${j} must be 1 or ${want} to expand, got ${shape[j]}`, j,
      `or expand to the tensor's own size: x.expand(${f.params.sizes.map((s, k) => (k === i ? -1 : s)).join(", ")})`);
  },
});

/** `x.expand(sizes)` (the sizes as one list). */
export function describeExpand(args: readonly unknown[]): OpSpec {
  return spec(expand, { sizes: Array.isArray(args[1]) ? (args[1] as number[]) : [] });
}

// ---------------------------------------------------------------- split, chunk, unbind

export interface SplitParams {
  /** `split` (fixed piece size or sizes), `chunk` (a number of pieces) or `unbind`. */
  readonly kind: "split" | "chunk" | "unbind";
  /** The piece size (`split`), the sizes (`split` with a list) or the number of chunks (`chunk`). */
  readonly size: number | readonly number[];
  readonly dim: number;
  readonly [key: string]: unknown;
}

/** `x` with dim `d` replaced by `size` (or removed, for null). */
function withDim(x: SymShape, d: number, size: SymExpr | null): SymShape {
  return size === null ? x.filter((_, k) => k !== d) : x.map((e, k) => (k === d ? size : e));
}

export const split = family<SplitParams>({
  op: "split",
  args: (p) => (p.kind === "unbind" ? String(p.dim) : `${Array.isArray(p.size) ? `[${p.size.join(", ")}]` : p.size}, ${p.dim}`),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const d = normDim(p.dim, x.length);
    const n = ctx.concreteOut.length;
    const X = x[d]!;
    if (p.kind === "unbind") {
      ctx.constrain("eq", X, n, `gives ${n} pieces`, true);
      return Array.from({ length: n }, () => withDim(x, d, null));
    }
    if (Array.isArray(p.size)) {
      ctx.constrain("eq", X, p.size.reduce((a: number, b: number) => a + b, 0), "split sizes add up to the dim");
      return p.size.map((s) => withDim(x, d, num(s)));
    }
    // Pieces of `each` (a number, or ⌈X/chunks⌉ for chunk); the last one takes what is left.
    const each = p.kind === "chunk" ? div(X, p.size as number, true) : num(p.size as number);
    // What is left for the last piece (two chunks: ⌊X/2⌋).
    const last = n <= 1 ? X : p.kind === "chunk" && n === 2 && p.size === 2 ? div(X, 2) : sum(X, mul(each, -(n - 1)));
    ctx.constrain("ge", last, 1, `gives ${n} pieces`, true);
    ctx.constrain("ge", each, last, `gives ${n} pieces`, true);
    return Array.from({ length: n }, (_, i) => withDim(x, d, i === n - 1 ? last : each));
  },
  macs: () => 0,
  story(f) {
    if (f.key.what !== "split sizes add up to the dim") return null;
    const p = f.params;
    const shape = f.row.inputs[0]?.shape ?? [];
    const d = normDim(p.dim, shape.length);
    const sizes = p.size as readonly number[];
    const total = sizes.reduce((a, b) => a + b, 0);
    return partStory(f, `${f.stepName(f.row)}: the sizes [${sizes.join(", ")}] add up to ${total}, but dim ${d} is ${shape[d]}`, d,
      `or split into pieces of a size instead of a list: x.split(${sizes[0]}, ${p.dim}) takes whatever the dim holds`);
  },
});

/** `x.split(size_or_sizes, dim = 0)`. */
export function describeSplit(args: readonly unknown[]): OpSpec {
  const a = readArgs(args, ["split_size_or_sections", "dim"]);
  const s = a.split_size_or_sections;
  return spec(split, { kind: "split", size: Array.isArray(s) ? (s as number[]) : Number(s ?? 1), dim: Number(a.dim ?? 0) });
}

/** `x.chunk(chunks, dim = 0)`. */
export function describeChunk(args: readonly unknown[]): OpSpec {
  const a = readArgs(args, ["chunks", "dim"]);
  return spec(split, { kind: "chunk", size: Number(a.chunks ?? 1), dim: Number(a.dim ?? 0) });
}

/** `x.unbind(dim = 0)`. */
export function describeUnbind(args: readonly unknown[]): OpSpec {
  const a = readArgs(args, ["dim"]);
  return spec(split, { kind: "unbind", size: 0, dim: Number(a.dim ?? 0) });
}

// ---------------------------------------------------------------- indexing

/** One index item as recorded: a number, `":"`-style text, a slice object, null, `"..."`, or a tensor's record. */
export type IndexParamItem = number | string | null | { start?: number | null; stop?: number | null; step?: number | null } | { shape: readonly number[] };

export interface IndexParams {
  readonly items: readonly IndexParamItem[];
  readonly [key: string]: unknown;
}

/** `{ start, stop, step }` from `"1:3"`, `"::2"`, `":"` or a slice object. */
function sliceOf(it: IndexParamItem): { start: number | null; stop: number | null; step: number } | null {
  if (typeof it === "string") {
    const parts = it.split(":");
    if (parts.length < 2) return null;
    const n = (s: string | undefined) => (s === undefined || s.trim() === "" ? null : Number(s));
    return { start: n(parts[0]), stop: n(parts[1]), step: n(parts[2]) ?? 1 };
  }
  if (it !== null && typeof it === "object" && !isTensorArg(it)) {
    const s = it as { start?: number | null; stop?: number | null; step?: number | null };
    return { start: s.start ?? null, stop: s.stop ?? null, step: s.step ?? 1 };
  }
  return null;
}

function itemText(it: IndexParamItem): string {
  if (it === null) return "None";
  if (typeof it === "number") return String(it);
  if (typeof it === "string") return it;
  if (isTensorArg(it)) return "tensor";
  const s = sliceOf(it)!;
  return `${s.start ?? ""}:${s.stop ?? ""}${s.step !== 1 ? `:${s.step}` : ""}`;
}

/**
 * The size of `X[start:stop:step]`: the literal part (`2:5` → 3) with the check that the dim
 * reaches its end, or a formula when it runs to the end (`1:` → X−1).
 */
function sliceSize(X: SymExpr, s: { start: number | null; stop: number | null; step: number }, c: number, what: string,
  constrain: (a: SymExpr | number, b: SymExpr | number) => void): SymExpr {
  const { start, stop, step } = s;
  if (start !== null && start < 0 && stop === null) {
    constrain(X, -start);
    return div(num(-start), step, true);
  }
  if (stop !== null && stop >= 0 && (start === null || start >= 0)) {
    const from = start ?? 0;
    // The run reached `stop`: the slice has its literal size while the dim does.
    if (c >= stop) {
      constrain(X, stop);
      return num(Math.ceil(Math.max(stop - from, 0) / step));
    }
  }
  if (stop === null && (start === null || start >= 0)) {
    const from = start ?? 0;
    if (c >= from) {
      constrain(X, from);
      const left = add(X, -from);
      return step === 1 ? left : div(left, step, true);
    }
  }
  throw new Error(`no rule for the slice ${what}`);
}

export const index = family<IndexParams>({
  op: "index",
  args: (p) => p.items.map(itemText).join(", "),
  rule(ins, p, ctx) {
    const x = ins[0]!;
    const c = ctx.concreteIn[0] ?? [];
    if (p.items.some((it) => isTensorArg(it))) throw new Error("indexing with tensors is not modelled");
    const used = p.items.filter((it) => it !== null && it !== "...").length;
    const ell = p.items.indexOf("...");
    const items = ell < 0 ? p.items : [...p.items.slice(0, ell), ...Array(Math.max(x.length - used, 0)).fill(":"), ...p.items.slice(ell + 1)];
    const out: SymShape = [];
    let dim = 0;
    for (const it of items) {
      if (it === null) {
        out.push(num(1));
        continue;
      }
      const X = x[dim]!;
      if (typeof it === "number") {
        ctx.constrain("ge", X, sizeFor(it), `index in range in dim ${dim}`);
      } else {
        const s = sliceOf(it);
        if (!s) throw new Error("unknown index item");
        const at = dim;
        out.push(sliceSize(X, s, c[dim] ?? 0, itemText(it), (a, b) => ctx.constrain("ge", a, b, `slice inside dim ${at}`, true)));
      }
      dim++;
    }
    out.push(...x.slice(dim));
    return [out];
  },
  macs: () => 0,
  story(f) {
    const m = /^index in range in dim (\d+)$/.exec(f.key.what);
    if (!m) return null;
    const d = Number(m[1]);
    const shape = f.row.inputs[0]?.shape ?? [];
    const i = f.key.b.eval({});
    return partStory(f, `x[${f.params.items.map(itemText).join(", ")}] needs dim ${d} of at least ${i}, got ${shape[d]}`, d,
      "or index with a position every input has (0, or -1 for the last)");
  },
});

/** `x.index(items)` (the items as one list). */
export function describeIndex(args: readonly unknown[]): OpSpec {
  return spec(index, { items: Array.isArray(args[1]) ? (args[1] as IndexParamItem[]) : [] });
}
