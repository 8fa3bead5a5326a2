/**
 * Symbolic replay: the recorded steps of a trace run again on shapes whose
 * sizes are formulas (`H`, `W`) instead of numbers.
 *
 * A concrete run (usually shape-only) gives the op sequence, each op's
 * parameters, and which row fed which (tensor ids). Replaying those rows
 * through per-op size rules turns every output size into a formula —
 * conv1 → `H−4`, the second pooling → `⌊(⌊(H−4)/2⌋−4)/2⌋` — and every check
 * an op makes into a constraint on the input sizes: `fc1` needs
 * `16·f(H)·f(W) = 400`, a pooling needs its output ≥ 1, a residual `add`
 * needs both branches to agree. The solver (solver.ts) reads the constraints.
 *
 * Each rule's formula is checked against the concrete shapes the run
 * recorded; a row without a rule (or whose rule disagrees) keeps its concrete
 * shape and makes the replay inexact, which the explanation says.
 *
 * @example
 * const r = replayTrace(trace.rows, [[num(1), num(1), sym("H"), sym("W")]], { H: 32, W: 32 });
 * r.outputOf(trace.row("conv1")!)![0]!.map(String)   // ["1", "6", "H−4", "W−4"]
 * r.constraints.map((c) => c.describe())             // ["H−4 ≥ 1 (conv1: kernel fits)", ...]
 */
import { poolOutputSize } from "../backend/cpu/output-size.js";
import { type TraceRow, isTensorInfo } from "./row.js";
import {
  Const, type Env, Exact, SymExpr, add, compose, convOut, div, lift, mul, num, poolOut, sameExpr, sum,
} from "./symbolic.js";

/** A shape whose dims are expressions. */
export type SymShape = SymExpr[];

/** What a constraint asks of the sizes. */
export type ConstraintKind = "eq" | "ge" | "divisible" | "broadcast";

/** One check an op makes, as a condition on the input sizes. */
export class Constraint {
  constructor(
    readonly kind: ConstraintKind,
    readonly a: SymExpr,
    readonly b: SymExpr,
    /** The row that makes the check. */
    readonly row: TraceRow,
    /** What is checked, in the op's words: `in_features`, `in_channels`, `output size`, `kernel fits`, ... */
    readonly what: string,
    /**
     * A condition for a *correct* run rather than a running one: a view must
     * keep the batch dimension (otherwise it runs and mixes samples).
     */
    readonly soft = false,
  ) {}

  /** Whether the sizes in `env` satisfy it. */
  holds(env: Env): boolean {
    let a: number;
    let b: number;
    try {
      a = this.a.eval(env);
      b = this.b.eval(env);
    } catch {
      return false;
    }
    switch (this.kind) {
      case "eq":
        return a === b;
      case "ge":
        return a >= b;
      case "divisible":
        return b !== 0 && a % b === 0;
      case "broadcast":
        return a === b || a === 1 || b === 1;
    }
  }

  /** The variables it depends on. */
  vars(): Set<string> {
    const s = this.a.vars();
    for (const v of this.b.vars()) s.add(v);
    return s;
  }

  /** `16·f(H)·f(W) = 400 (fc1: in_features)`. */
  describe(): string {
    const rel = { eq: "=", ge: "≥", divisible: "divisible by", broadcast: "broadcasts with" }[this.kind];
    return `${this.a} ${rel} ${this.b} (${rowLabel(this.row)}: ${this.what})`;
  }
}

/** `fc1`, or `view` for an op row. */
export function rowLabel(row: TraceRow): string {
  return row.kind === "module" ? (row.path || row.type) : row.name;
}

/** Everything a replay found. */
export interface Replay {
  /** The symbolic variables, in order of appearance. */
  readonly vars: readonly string[];
  /** Their values in the recorded run. */
  readonly env: Env;
  readonly constraints: readonly Constraint[];
  /** False when some row had no rule (or a rule that disagreed with the run): formulas after it are partial. */
  readonly exact: boolean;
  /** The rows without a usable rule. */
  readonly unknownRows: readonly TraceRow[];
  /** Input and output shapes of a row (undefined for rows that were not replayed). */
  inputsOf(row: TraceRow): SymShape[] | undefined;
  outputOf(row: TraceRow): SymShape[] | undefined;
}

/** Context for one row's rule. */
interface RuleContext {
  row: TraceRow;
  /** The concrete input and output shapes of the run. */
  concreteIn: readonly (readonly number[])[];
  concreteOut: readonly (readonly number[])[];
  constrain(kind: ConstraintKind, a: SymExpr | number, b: SymExpr | number, what: string, soft?: boolean): void;
}

type Rule = (ins: SymShape[], p: Readonly<Record<string, unknown>>, ctx: RuleContext) => SymShape[];

function normDim(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

function pairOf(v: unknown): [number, number] {
  return Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];
}

function constShape(shape: readonly number[]): SymShape {
  return shape.map((d) => num(d));
}

/** The spatial dims (last two) of an image-like shape. */
function spatialIndex(x: SymShape): [number, number] {
  return [x.length - 2, x.length - 1];
}

const conv2d: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  const cDim = x.length === 4 ? 1 : 0;
  ctx.constrain("eq", x[cDim]!, p.in_channels as number, "in_channels");
  const kernel = pairOf(p.kernel);
  const stride = pairOf(p.stride);
  const dilation = pairOf(p.dilation);
  const out = [...x];
  out[cDim] = num(p.out_channels as number);
  const [hi, wi] = spatialIndex(x);
  [hi, wi].forEach((di, axis) => {
    const size = x[di]!;
    if (p.padding === "same") return;
    const pad = p.padding === "valid" ? 0 : pairOf(p.padding)[axis]!;
    const eff = dilation[axis]! * (kernel[axis]! - 1) + 1;
    ctx.constrain("ge", add(size, 2 * pad), eff, "kernel fits");
    out[di] = compose((v) => convOut(v, { kernel: kernel[axis]!, stride: stride[axis]!, padding: pad, dilation: dilation[axis]! }), size);
  });
  return [out];
};

function poolShape(x: SymShape, p: Readonly<Record<string, unknown>>, ctx?: RuleContext): SymShape {
  const kernel = pairOf(p.kernel);
  const stride = pairOf(p.stride);
  const padding = pairOf(p.padding);
  const dilation = pairOf(p.dilation);
  const ceil = p.ceil_mode === true;
  const out = [...x];
  const [hi, wi] = spatialIndex(x);
  [hi, wi].forEach((di, axis) => {
    const params = { kernel: kernel[axis]!, stride: stride[axis]!, padding: padding[axis]!, dilation: dilation[axis]!, ceil_mode: ceil };
    let e = compose((v) => poolOut(v, params), x[di]!);
    if (ceil) {
      const [k, s, pd, d] = [params.kernel, params.stride, params.padding, params.dilation];
      e = new Exact(e, x[di]!, (v) => poolOutputSize(v, k, pd, pd, s, d, true));
    }
    out[di] = e;
    ctx?.constrain("ge", e, 1, "output size");
  });
  return out;
}

const poolChecked: Rule = (ins, p, ctx) => [poolShape(ins[0]!, p, ctx)];

const adaptive: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  const size = p.output_size as [number | null, number | null];
  const out = [...x];
  const [hi, wi] = spatialIndex(x);
  ctx.constrain("ge", x[hi]!, 1, "non-empty input");
  ctx.constrain("ge", x[wi]!, 1, "non-empty input");
  if (size[0] !== null) out[hi] = num(size[0]);
  if (size[1] !== null) out[wi] = num(size[1]);
  return [out];
};

const linear: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  ctx.constrain("eq", x[x.length - 1]!, p.in_features as number, "in_features");
  const lead = x.slice(0, -1);
  return [p.vector_weight ? lead : [...lead, num(p.out_features as number)]];
};

const flatten: Rule = (ins, p) => {
  const x = ins[0]!;
  if (x.length === 0) return [[num(1)]];
  const s = normDim(p.start_dim as number, x.length);
  const e = normDim(p.end_dim as number, x.length);
  if (s >= e) return [x];
  return [[...x.slice(0, s), mul(...x.slice(s, e + 1)), ...x.slice(e + 1)]];
};

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

/**
 * `view`/`reshape`: each requested size is matched with a run of input dims
 * whose product it was in the recorded run (so `view(-1, 400)` on
 * [1, 16, 5, 5] reads as `16·f(H)·f(W)`); the -1 takes what is left. When no
 * run matches (a literal size that no longer fits), the sizes stay numbers,
 * the -1 becomes numel / known with a divisibility check, and keeping the
 * batch is a (soft) condition of a correct run.
 */
const viewRule: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  const c = ctx.concreteIn[0] ?? [];
  const req = (p.shape as number[]).slice();
  const inferAt = req.indexOf(-1);
  const out: SymShape = new Array(req.length);
  let lo = 0;
  let hi = x.length;
  let aligned = true;
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
  if (aligned) return [out];
  // A literal size: the -1 is what divides out, when it divides.
  const total = mul(...x);
  const known = req.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const res = req.map((d) => num(d)) as SymShape;
  if (inferAt >= 0) {
    ctx.constrain("divisible", total, known, "shape is valid");
    res[inferAt] = div(total, known);
    if (inferAt === 0 && x.length >= 2) ctx.constrain("eq", res[0]!, x[0]!, "keeps the batch", true);
  } else {
    ctx.constrain("eq", total, known, "shape is valid");
  }
  return [res];
};

const unflatten: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  const d = normDim(p.dim as number, x.length);
  const sizes = (p.sizes as number[]).slice();
  const known = sizes.reduce((a, s) => (s === -1 ? a : a * s), 1);
  const parts: SymShape = sizes.map((s) => num(s));
  const inferAt = sizes.indexOf(-1);
  if (inferAt >= 0) {
    ctx.constrain("divisible", x[d]!, known, "sizes fit");
    parts[inferAt] = div(x[d]!, known);
  } else {
    ctx.constrain("eq", x[d]!, known, "sizes fit");
  }
  return [[...x.slice(0, d), ...parts, ...x.slice(d + 1)]];
};

const permute: Rule = (ins, p) => {
  const x = ins[0]!;
  return [(p.dims as number[]).map((d) => x[normDim(d, x.length)]!)];
};

const transpose: Rule = (ins, p) => {
  const x = [...ins[0]!];
  if (x.length === 0) return [x];
  const a = normDim(p.dim0 as number, x.length);
  const b = normDim(p.dim1 as number, x.length);
  [x[a], x[b]] = [x[b]!, x[a]!];
  return [x];
};

const tRule: Rule = (ins) => [ins[0]!.length < 2 ? ins[0]! : [ins[0]![1]!, ins[0]![0]!]];

const unsqueeze: Rule = (ins, p) => {
  const x = [...ins[0]!];
  x.splice(normDim(p.dim as number, x.length + 1), 0, num(1));
  return [x];
};

/** Squeeze removes the dims the run removed (known from the concrete shapes). */
const squeeze: Rule = (ins, _p, ctx) => {
  const x = ins[0]!;
  const c = ctx.concreteIn[0] ?? [];
  const o = ctx.concreteOut[0] ?? [];
  if (o.length === c.length) return [x];
  if (typeof _p.dim === "number") {
    const d = normDim(_p.dim, x.length);
    return [x.filter((_, i) => i !== d)];
  }
  return [x.filter((_, i) => c[i] !== 1)];
};

const batchNorm: Rule = (ins, p, ctx) => {
  const x = ins[0]!;
  if (typeof p.num_features === "number" && x.length >= 2) ctx.constrain("eq", x[1]!, p.num_features, "num_features");
  return [x];
};

const padRule: Rule = (ins, p) => {
  const x = [...ins[0]!];
  const amounts = p.pad as number[];
  for (let i = 0; i * 2 < amounts.length; i++) {
    const d = x.length - 1 - i;
    x[d] = add(x[d]!, amounts[2 * i]! + amounts[2 * i + 1]!);
  }
  return [x];
};

const cat: Rule = (ins, p, ctx) => {
  const list = ins.filter((s, i) => !(s.length === 1 && (ctx.concreteIn[i]?.[0] ?? 1) === 0));
  const ref = list[0]!;
  const d = normDim(p.dim as number, ref.length);
  const out = [...ref];
  for (const s of list.slice(1)) {
    for (let k = 0; k < ref.length; k++) if (k !== d) ctx.constrain("eq", s[k]!, ref[k]!, `sizes match in dim ${k}`);
  }
  out[d] = sum(...list.map((s) => s[d]!));
  return [out];
};

const stack: Rule = (ins, p, ctx) => {
  const ref = ins[0]!;
  for (const s of ins.slice(1)) for (let k = 0; k < ref.length; k++) ctx.constrain("eq", s[k]!, ref[k]!, "equal sizes");
  const out = [...ref];
  out.splice(normDim(p.dim as number, ref.length + 1), 0, num(ins.length));
  return [out];
};

/** Broadcasting two shapes: from the right, equal sizes or a 1. */
const binary: Rule = (ins, p, ctx) => {
  if (ins.length < 2) return [ins[0] ?? []];
  const [a, b] = [ins[0]!, ins[1]!];
  const n = Math.max(a.length, b.length);
  const out: SymShape = new Array(n);
  for (let i = 1; i <= n; i++) {
    const x = a[a.length - i];
    const y = b[b.length - i];
    if (x === undefined) out[n - i] = y!;
    else if (y === undefined) out[n - i] = x;
    else if (sameExpr(x, y) || (y instanceof Const && y.value === 1)) out[n - i] = x;
    else if (x instanceof Const && x.value === 1) out[n - i] = y;
    else {
      ctx.constrain("broadcast", x, y, `sizes match in dim ${n - i}`);
      // Two sizes that both follow the input must be equal: broadcasting one of them as 1 is an accident.
      if (!x.isConst && !y.isConst) ctx.constrain("eq", x, y, `same size in dim ${n - i}`, true);
      out[n - i] = x;
    }
  }
  return [out];
};

const matmul: Rule = (ins, _p, ctx) => {
  const [a, b] = [ins[0]!, ins[1]!];
  const ka = a[a.length - 1]!;
  const kb = b.length === 1 ? b[0]! : b[b.length - 2]!;
  ctx.constrain("eq", ka, kb, "inner sizes match");
  const o = ctx.concreteOut[0];
  // Batch dims broadcast; rebuild from the operands, falling back to the run's shape.
  const out: SymShape = [];
  const lead = a.length >= b.length ? a : b;
  const leadN = Math.max(a.length, b.length) - 2;
  for (let i = 0; i < leadN; i++) out.push(lead[i]!);
  if (a.length >= 2) out.push(a[a.length - 2]!);
  if (b.length >= 2) out.push(b[b.length - 1]!);
  if (o && out.length !== o.length) return [constShape(o)];
  return [out];
};

const reduce: Rule = (ins, _p, ctx) => {
  const x = ins[0]!;
  const c = ctx.concreteIn[0] ?? [];
  const o = ctx.concreteOut[0] ?? [];
  if (o.length === 0) return [[]];
  if (o.length === c.length) return [x.map((e, i) => (o[i] === 1 && c[i] !== 1 ? num(1) : e))];
  // Dims removed: keep those whose sizes line up with the output, in order.
  const out: SymShape = [];
  let j = 0;
  for (let i = 0; i < c.length && j < o.length; i++) {
    if (c[i] === o[j] && c.length - i - 1 >= o.length - j - 1) {
      out.push(x[i]!);
      j++;
    }
  }
  return [out.length === o.length ? out : constShape(o)];
};

const same: Rule = (ins) => [ins[0] ?? []];

/** How `⌊x·s⌋` reads (the size `F.interpolate` gives an axis of size x for a scale factor s). */
class ScaledFloor extends SymExpr {
  constructor(readonly x: SymExpr, readonly s: number) {
    super();
  }
  eval(env: Env): number {
    return Math.trunc(this.x.eval(env) * this.s);
  }
  toString(): string {
    return `⌊${this.x.isCompound ? `(${this.x})` : String(this.x)}·${this.s}⌋`;
  }
  vars(): Set<string> {
    return this.x.vars();
  }
  rename(map: Record<string, string>): SymExpr {
    return new ScaledFloor(this.x.rename(map), this.s);
  }
}

/** `trunc(x * s)`, the output size for a scale factor: `2·H`, `⌊H/2⌋`, or `⌊H·1.5⌋`. */
function scaledSize(x: SymExpr, s: number): SymExpr {
  if (Number.isInteger(s) && s > 0) return mul(s, x);
  const inv = 1 / s;
  // x·(1/2^k) is exact in floating point: the same as ⌊x/2^k⌋.
  if (s > 0 && Number.isInteger(inv) && (inv & (inv - 1)) === 0) return div(x, inv);
  return new Exact(new ScaledFloor(x, s), x, (v) => Math.trunc(v * s));
}

/** The parameters of a resize row: `F.interpolate`/`F.upsample*` arguments, or an `nn.Upsample`'s attributes. */
function resizeParams(row: TraceRow): { size: unknown; scale: unknown } {
  if (row.kind === "module") {
    const m = row.module as unknown as { size?: unknown; scale_factor?: unknown };
    return { size: m.size ?? null, scale: m.scale_factor ?? null };
  }
  // Every resize op takes (input, size, scale_factor, ...), or an options object after the input.
  const rest = row.args.slice(1);
  const last = rest[rest.length - 1];
  const options = typeof last === "object" && last !== null && !Array.isArray(last) && !isTensorInfo(last)
    ? (rest.pop() as Record<string, unknown>) : {};
  return { size: options.size ?? rest[0] ?? null, scale: options.scale_factor ?? rest[1] ?? null };
}

/**
 * `F.interpolate` / `nn.Upsample`: each spatial size becomes the requested size, or `⌊size·scale⌋`
 * (which must stay at least 1).
 */
const resize: Rule = (ins, _p, ctx) => {
  const { size, scale } = resizeParams(ctx.row);
  const x = ins[0]!;
  const out = [...x];
  for (let d = 2; d < x.length; d++) {
    const axis = d - 2;
    if (size !== null && size !== undefined) {
      out[d] = num(Array.isArray(size) ? (size[axis] as number) : (size as number));
      ctx.constrain("ge", x[d]!, 1, "non-empty input");
    } else {
      const s = Array.isArray(scale) ? (scale[axis] as number) : (scale as number);
      out[d] = scaledSize(x[d]!, s);
      ctx.constrain("ge", out[d]!, 1, "output size");
    }
  }
  return [out];
};

const RULES: Record<string, Rule> = {
  conv2d, max_pool2d: poolChecked, avg_pool2d: poolChecked, adaptive_avg_pool2d: adaptive, adaptive_max_pool2d: adaptive,
  linear, flatten, view: viewRule, reshape: viewRule, unflatten, permute, transpose, t: tRule, unsqueeze, squeeze,
  batch_norm: batchNorm, pad: padRule, interpolate: resize, cat, stack, binary, matmul, reduce, elementwise: same, identity: same,
};

/** Whether the formulas of `shape` give `concrete` at `env`. */
function agrees(shape: SymShape, concrete: readonly number[], env: Env): boolean {
  if (shape.length !== concrete.length) return false;
  try {
    return shape.every((e, i) => e.eval(env) === concrete[i]);
  } catch {
    return false;
  }
}

/**
 * Replays the leaf rows of a trace on symbolic root inputs.
 *
 * @param rows       all rows of the trace, in call order
 * @param rootInputs the symbolic shapes of the outermost call's tensor inputs (ids 0, 1, ...)
 * @param env        the values of the variables in the recorded run
 */
export function replayTrace(rows: readonly TraceRow[], rootInputs: readonly SymShape[], env: Env): Replay {
  const byId = new Map<number, SymShape>();
  rootInputs.forEach((s, i) => byId.set(i, s));
  const inputs = new Map<TraceRow, SymShape[]>();
  const outputs = new Map<TraceRow, SymShape[]>();
  const constraints: Constraint[] = [];
  const unknownRows: TraceRow[] = [];
  const vars: string[] = [];
  for (const s of rootInputs) for (const e of s) for (const v of e.vars()) if (!vars.includes(v)) vars.push(v);
  const root = rows[0];
  for (const row of rows) {
    if (!row.isLeaf || row === root && rows.length > 1) continue;
    const ins = row.inputs.map((t) => byId.get(t.id) ?? constShape(t.shape));
    inputs.set(row, ins);
    const rule = RULES[row.spec.op];
    const ctx: RuleContext = {
      row,
      concreteIn: row.inputs.map((t) => t.shape),
      concreteOut: row.outputs.map((t) => t.shape),
      constrain(kind, a, b, what, soft = false) {
        const ea = lift(a);
        const eb = lift(b);
        // Two equal numbers say nothing; keep everything else (an unequal pair is a check no size can pass).
        if (ea instanceof Const && eb instanceof Const && new Constraint(kind, ea, eb, row, what, soft).holds({})) return;
        constraints.push(new Constraint(kind, ea, eb, row, what, soft));
      },
    };
    let outs: SymShape[] | null = null;
    if (rule && ins.length > 0) {
      try {
        outs = rule(ins, row.spec.params, ctx);
      } catch {
        outs = null;
      }
    }
    if (row.failed) {
      outputs.set(row, []);
      continue;
    }
    const concrete = row.outputs.map((t) => t.shape);
    const ok = outs !== null && outs.length >= 1 && agrees(outs[0]!, concrete[0] ?? [], env);
    if (!ok) {
      // No rule, or a rule that disagrees with what ran: an unchanged shape passes through, anything else stays a number.
      const passthrough = ins.length > 0 && concrete[0] && agrees(ins[0]!, concrete[0], env) && row.spec.op !== "unknown";
      outs = concrete.map((s, i) => (i === 0 && passthrough ? ins[0]! : constShape(s)));
      if (!passthrough && !(rule === undefined && ins.every((s) => s.every((e) => e.isConst)))) unknownRows.push(row);
    }
    outs = concrete.map((s, i) => outs![i] ?? constShape(s));
    outputs.set(row, outs);
    row.outputs.forEach((t, i) => byId.set(t.id, outs![i]!));
  }
  // Containers pass on what their last step produced (same tensor ids).
  for (const row of rows) {
    if (row.isLeaf && !(row === root && rows.length > 1)) continue;
    inputs.set(row, row.inputs.map((t) => byId.get(t.id) ?? constShape(t.shape)));
    if (!row.failed) outputs.set(row, row.outputs.map((t) => byId.get(t.id) ?? constShape(t.shape)));
  }
  return {
    vars, env, constraints, exact: unknownRows.length === 0, unknownRows,
    inputsOf: (row) => inputs.get(row),
    outputOf: (row) => outputs.get(row),
  };
}
