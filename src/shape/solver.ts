/**
 * Which input sizes work: the constraints of a symbolic replay, solved over
 * the integers 1..limit for each symbolic size.
 *
 * Constraints on one variable (a conv kernel must fit, a pooling output must
 * be at least 1) filter that variable's values. Constraints that tie
 * variables together (`16·f(H)·f(W) = 400`) depend on each variable only
 * through a few single-variable sub-expressions (`f(H)`, `f(W)`), so the
 * values of each variable fall into classes with equal sub-expressions, and
 * only pairs of classes need checking — a few thousand checks instead of
 * limit² evaluations.
 *
 * The answer comes as families: within a family every combination works
 * (LeNet: H and W in 32–35; H in 16–19 with W in 112–115; ...), plus the
 * square sizes, and the constraints no size can meet (a channel mismatch).
 *
 * @example
 * const s = solveSizes(replay.constraints, ["H", "W"], { limit: 512 });
 * formatRanges(s.square!)   // "32–35"
 * s.families.length         // 3
 */
import { AddConst, DivConst, Exact, Product, Sum, type Env, type SymExpr } from "./sym.js";
import type { Constraint } from "./constraint.js";

/** Consecutive sizes lo..hi; `hi` null means "and everything above, as far as searched". */
export interface SizeRange {
  readonly lo: number;
  readonly hi: number | null;
}

/** Sizes that work together: any choice of one value per variable from its ranges. */
export interface Family {
  readonly ranges: Readonly<Record<string, readonly SizeRange[]>>;
}

export interface SolveResult {
  readonly vars: readonly string[];
  /** The largest size tried. */
  readonly limit: number;
  /** Checks no size can pass (they do not depend on the symbolic sizes). */
  readonly impossible: readonly Constraint[];
  readonly families: readonly Family[];
  /** With two variables: the sizes s for which an s×s input works. */
  readonly square: readonly SizeRange[] | null;
  /** True when some size (within the limit) works. */
  readonly any: boolean;
  /** Constraints that no size (within the limit) meets even on their own (`W−2 = W`). */
  readonly never: readonly Constraint[];
  /** Whether one assignment of the variables passes every constraint. */
  works(env: Env): boolean;
}

export interface SolveOptions {
  /** Largest size to try for each variable (default 512). */
  limit?: number;
  /** Also require the soft constraints (views that keep the batch): default true. */
  soft?: boolean;
  /** Also require the constraints of an intended run (no accidental broadcasting): default false. */
  intended?: boolean;
  /** Values of variables that are not solved for (kept fixed). */
  fixed?: Env;
  /** Only whether some size works: stop at the first (families, squares and `never` are left empty). */
  anyOnly?: boolean;
}

function children(e: SymExpr): SymExpr[] {
  if (e instanceof AddConst || e instanceof DivConst) return [e.x];
  if (e instanceof Product) return [...e.factors];
  if (e instanceof Sum) return [...e.terms];
  if (e instanceof Exact) return [e.x];
  return [];
}

/** The maximal sub-expressions of `e` that depend on exactly one variable. */
function atoms(e: SymExpr, out: SymExpr[]): void {
  const n = e.vars().size;
  if (n === 0) return;
  if (n === 1) {
    out.push(e);
    return;
  }
  for (const c of children(e)) atoms(c, out);
}

/** Sorted values as ranges of consecutive numbers; a run reaching `limit` is open-ended. */
export function toRanges(values: readonly number[], limit: number): SizeRange[] {
  const out: SizeRange[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push({ lo: values[i]!, hi: values[j] === limit ? null : values[j]! });
    i = j + 1;
  }
  return out;
}

/** `32–35`, `≥ 8`, `5, 7–9`; five or more single sizes a step apart as `6, 8, …, 510 (every 2nd)`. */
export function formatRanges(ranges: readonly SizeRange[]): string {
  const one = (r: SizeRange) => (r.hi === null ? `≥ ${r.lo}` : r.hi === r.lo ? String(r.lo) : `${r.lo}–${r.hi}`);
  const single = (r: SizeRange | undefined) => r !== undefined && r.hi === r.lo;
  const out: string[] = [];
  for (let i = 0; i < ranges.length;) {
    const r = ranges[i]!;
    let j = i;
    const step = single(r) && single(ranges[i + 1]) ? ranges[i + 1]!.lo - r.lo : 0;
    while (step > 1 && single(ranges[j + 1]) && ranges[j + 1]!.lo - ranges[j]!.lo === step) j++;
    if (j - i >= 4) {
      // Reaching the search limit (an open range one step on): the progression goes on.
      const next = ranges[j + 1];
      const on = next !== undefined && next.hi === null && next.lo === ranges[j]!.lo + step;
      out.push(`${r.lo}, ${r.lo + step}, …${on ? "" : `, ${ranges[j]!.lo}`} (every ${step === 2 ? "2nd" : step === 3 ? "3rd" : `${step}th`})`);
      i = j + (on ? 2 : 1);
    } else {
      out.push(one(r));
      i++;
    }
  }
  return out.join(", ");
}

/**
 * The smallest square size (the same value for every variable) that passes `constraints`, or null:
 * what {@link solveSizes} would report first among its square sizes, found without solving the rest.
 */
export function firstSquare(constraints: readonly Constraint[], vars: readonly string[], options: SolveOptions = {}): number | null {
  const limit = options.limit ?? 512;
  const useSoft = options.soft ?? true;
  const intended = options.intended ?? false;
  const active = constraints.filter((c) => (useSoft || !c.soft) && (intended || c.soft !== "intended"));
  const env: Env = { ...(options.fixed ?? {}) };
  for (let s = 1; s <= limit; s++) {
    for (const v of vars) env[v] = s;
    if (active.every((c) => c.holds(env))) return s;
  }
  return null;
}

/**
 * Solves `constraints` for the variables `vars` over 1..limit.
 */
export function solveSizes(constraints: readonly Constraint[], vars: readonly string[], options: SolveOptions = {}): SolveResult {
  const limit = options.limit ?? 512;
  const fixed = options.fixed ?? {};
  const useSoft = options.soft ?? true;
  const intended = options.intended ?? false;
  const active = constraints.filter((c) => (useSoft || !c.soft) && (intended || c.soft !== "intended"));
  const free = (c: Constraint) => [...c.vars()].filter((v) => vars.includes(v));
  const impossible = active.filter((c) => free(c).length === 0 && !c.holds(fixed));
  const works = (env: Env) => active.every((c) => c.holds({ ...fixed, ...env }));
  // One environment object, its variables set in place (the loops below evaluate millions of times).
  const scratch: Env = { ...fixed };
  if (impossible.length > 0 || vars.length === 0) {
    const ok = impossible.length === 0 && works({});
    return { vars, limit, impossible, families: ok ? [{ ranges: {} }] : [], square: null, any: ok, never: impossible, works };
  }

  // Each variable's values allowed by its own constraints.
  const domains = new Map<string, number[]>();
  for (const v of vars) {
    const own = active.filter((c) => { const f = free(c); return f.length === 1 && f[0] === v; });
    const values: number[] = [];
    for (let x = 1; x <= limit; x++) {
      scratch[v] = x;
      if (own.every((c) => c.holds(scratch))) values.push(x);
    }
    delete scratch[v];
    domains.set(v, values);
  }
  const tied = active.filter((c) => free(c).length > 1);

  // Classes of values that give equal single-variable sub-expressions in the tying constraints.
  const atomsByVar = new Map<string, SymExpr[]>(vars.map((v) => [v, []]));
  for (const c of tied) {
    const found: SymExpr[] = [];
    atoms(c.a, found);
    atoms(c.b, found);
    for (const a of found) atomsByVar.get([...a.vars()][0]!)?.push(a);
  }
  const classes = new Map<string, number[][]>();
  for (const v of vars) {
    const list = atomsByVar.get(v)!;
    const groups = new Map<string | number, number[]>();
    const at = (a: SymExpr) => { try { return a.eval(scratch); } catch { return NaN; } };
    for (const x of domains.get(v)!) {
      scratch[v] = x;
      // One atom (the common case) keys by its value; several by their values joined.
      const key = list.length === 0 ? "" : list.length === 1 ? at(list[0]!) : list.map(at).join(",");
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(x);
    }
    delete scratch[v];
    classes.set(v, [...groups.values()]);
  }

  // Every combination of classes, checked with one representative each; with two variables, a
  // constraint that splits into a side of each (c·f(H)·g(W) = K, f(H) = g(W)) indexes the partners.
  const valid: number[][] = [];
  const rep = (v: string, i: number) => classes.get(v)![i]![0]!;
  const passes = (chosen: readonly number[]) => {
    for (let i = 0; i < vars.length; i++) scratch[vars[i]!] = rep(vars[i]!, chosen[i]!);
    return tied.every((c) => c.holds(scratch));
  };
  const split = vars.length === 2 ? tied.map((c) => splitConstraint(c, vars[0]!, vars[1]!)).find((x) => x !== null) : undefined;
  const splitDiv = vars.length === 2 && !split ? tied.map((c) => splitDivisible(c, vars[0]!, vars[1]!)).find((x) => x !== null) : undefined;
  if (splitDiv) {
    // c·f(a)·g(b) divisible by K: only gcd(f(a), K′)·gcd(g(b), K′) matters, and there are few gcds.
    const [a, b] = vars as [string, string];
    const buckets = new Map<number, number[]>();
    classes.get(b)!.forEach((_, j) => {
      scratch[b] = rep(b, j);
      const key = splitDiv.right(scratch);
      let list = buckets.get(key);
      if (!list) buckets.set(key, (list = []));
      list.push(j);
    });
    const keys = [...buckets.keys()];
    classes.get(a)!.forEach((_, i) => {
      if (options.anyOnly && valid.length > 0) return;
      scratch[a] = rep(a, i);
      const ga = splitDiv.left(scratch);
      for (const gb of keys) {
        if (!splitDiv.compatible(ga, gb)) continue;
        for (const j of buckets.get(gb)!) if (passes([i, j])) valid.push([i, j]);
      }
    });
  } else if (split) {
    const [a, b] = vars as [string, string];
    const buckets = new Map<number, number[]>();
    classes.get(b)!.forEach((_, j) => {
      const key = split.right({ ...fixed, [b]: rep(b, j) });
      let list = buckets.get(key);
      if (!list) buckets.set(key, (list = []));
      list.push(j);
    });
    classes.get(a)!.forEach((_, i) => {
      for (const j of buckets.get(split.left({ ...fixed, [a]: rep(a, i) })) ?? []) if (passes([i, j])) valid.push([i, j]);
    });
  } else {
    const pick = (k: number, chosen: number[]): void => {
      if (k === vars.length) {
        if (passes(chosen)) valid.push([...chosen]);
        return;
      }
      const cs = classes.get(vars[k]!)!;
      for (let i = 0; i < cs.length && !(options.anyOnly && valid.length > 0); i++) {
        chosen.push(i);
        pick(k + 1, chosen);
        chosen.pop();
      }
    };
    pick(0, []);
  }
  if (options.anyOnly) return { vars, limit, impossible, families: [], square: null, any: valid.length > 0, never: [], works };

  const families = groupFamilies(vars, classes, valid, limit);
  let square: SizeRange[] | null = null;
  if (vars.length === 2) {
    const [a, b] = vars as [string, string];
    const index = (v: string) => {
      const m = new Map<number, number>();
      classes.get(v)!.forEach((g, i) => { for (const x of g) m.set(x, i); });
      return m;
    };
    const [ia, ib] = [index(a), index(b)];
    const classOf = (v: string, x: number) => (v === a ? ia : ib).get(x) ?? -1;
    const validKeys = new Set(valid.map((c) => c.join(",")));
    const values: number[] = [];
    for (const x of domains.get(a)!) {
      const ca = classOf(a, x);
      const cb = classOf(b, x);
      if (ca >= 0 && cb >= 0 && validKeys.has(`${ca},${cb}`)) values.push(x);
    }
    square = toRanges(values, limit);
  }
  const never = valid.length > 0 || active.length === 1 ? [] :
    active.filter((c) => free(c).length > 0 && !solveSizes([c], vars, { ...options, limit: Math.min(limit, 256), anyOnly: true }).any);
  return { vars, limit, impossible, families, square, any: valid.length > 0, never, works };
}

/**
 * A constraint tying two variables, split into a key of each side that must be equal: `c·f(a)·g(b) = K`
 * gives `K / (c·f(a))` against `g(b)`; `f(a) = g(b)` gives `f(a)` against `g(b)`. Null for any other form.
 */
function splitConstraint(c: Constraint, a: string, b: string): { left: (env: Env) => number; right: (env: Env) => number } | null {
  if (c.kind !== "eq") return null;
  const only = (e: SymExpr, v: string) => { const vs = e.vars(); return vs.size === 1 && vs.has(v); };
  for (const [x, y] of [[c.a, c.b], [c.b, c.a]] as const) {
    if (only(x, a) && only(y, b)) return { left: (env) => x.eval(env), right: (env) => y.eval(env) };
    if (x instanceof Product && y.vars().size === 0) {
      const fa = x.factors.filter((f) => only(f, a));
      const fb = x.factors.filter((f) => only(f, b));
      if (fa.length + fb.length !== x.factors.length || fa.length === 0 || fb.length === 0) continue;
      const k = y.eval({});
      return {
        left: (env) => {
          const p = fa.reduce((n, f) => n * f.eval(env), x.coef);
          return p !== 0 && k % p === 0 ? k / p : NaN;
        },
        right: (env) => fb.reduce((n, f) => n * f.eval(env), 1),
      };
    }
  }
  return null;
}

/** Greatest common divisor of two non-negative integers. */
function gcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * `c·f(a)·g(b)` divisible by a constant K, split into a key of each side: with K′ = K / gcd(K, c), it
 * holds exactly when K′ divides gcd(f(a), K′)·gcd(g(b), K′) (prime by prime, a factor's share beyond K′'s
 * never matters). Null for any other form.
 */
function splitDivisible(c: Constraint, a: string, b: string): { left: (env: Env) => number; right: (env: Env) => number; compatible: (x: number, y: number) => boolean } | null {
  if (c.kind !== "divisible" || !(c.a instanceof Product) || c.b.vars().size !== 0) return null;
  const only = (e: SymExpr, v: string) => { const vs = e.vars(); return vs.size === 1 && vs.has(v); };
  const x = c.a;
  const fa = x.factors.filter((f) => only(f, a));
  const fb = x.factors.filter((f) => only(f, b));
  if (fa.length + fb.length !== x.factors.length || fa.length === 0 || fb.length === 0) return null;
  const K = c.b.eval({});
  if (!Number.isInteger(K) || K <= 0 || !Number.isInteger(x.coef)) return null;
  const k = K / gcd(K, Math.abs(x.coef));
  const side = (fs: SymExpr[]) => (env: Env) => {
    try {
      return gcd(Math.abs(fs.reduce((n, f) => n * f.eval(env), 1)) % k, k) || k;
    } catch {
      return -1;
    }
  };
  return { left: side(fa), right: side(fb), compatible: (p, q) => p > 0 && q > 0 && (p * q) % k === 0 };
}

/** Valid class combinations as families (merging classes that combine with the same partners). */
function groupFamilies(vars: readonly string[], classes: Map<string, number[][]>, valid: number[][], limit: number): Family[] {
  const range = (v: string, idx: Iterable<number>) =>
    toRanges([...idx].flatMap((i) => classes.get(v)![i]!).sort((x, y) => x - y), limit);
  if (vars.length === 1) {
    return valid.length === 0 ? [] : [{ ranges: { [vars[0]!]: range(vars[0]!, valid.map((c) => c[0]!)) } }];
  }
  if (vars.length === 2) {
    const [a, b] = vars as [string, string];
    // For each class of a: the classes of b it works with; classes of a with the same partners merge.
    const partners = new Map<number, number[]>();
    for (const [i, j] of valid) {
      let list = partners.get(i!);
      if (!list) partners.set(i!, (list = []));
      list.push(j!);
    }
    const bySet = new Map<string, { as: number[]; bs: number[] }>();
    for (const [i, js] of partners) {
      const key = js.sort((x, y) => x - y).join(",");
      let f = bySet.get(key);
      if (!f) bySet.set(key, (f = { as: [], bs: js }));
      f.as.push(i);
    }
    const fams = [...bySet.values()].map((f) => ({ ranges: { [a]: range(a, f.as), [b]: range(b, f.bs) } }));
    // Families in order of their first value of a.
    return fams.sort((x, y) => x.ranges[a]![0]!.lo - y.ranges[a]![0]!.lo);
  }
  return valid.map((c) => ({ ranges: Object.fromEntries(vars.map((v, i) => [v, range(v, [c[i]!])])) }));
}

/** `H 32–35, W 32–35` for one family. */
export function formatFamily(f: Family, vars: readonly string[]): string {
  return vars.map((v) => `${v} ${formatRanges(f.ranges[v] ?? [])}`).join(", ");
}

