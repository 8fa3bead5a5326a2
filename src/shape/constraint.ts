/**
 * One check an op makes on shapes, as a condition on the input sizes: the
 * size rules of the op families (families/) state them while they compute an
 * output shape, the solver (solver.ts) finds the sizes that meet them all,
 * and a family's story explains the one that failed.
 *
 * @example
 * new Constraint("eq", mul(16, f(H), f(W)), num(400), row, "in_features").describe()
 * // "16·f(H)·f(W) = 400 (fc1: in_features)"
 */
import type { Env, SymExpr } from "./sym.js";

/** What a constraint asks of the sizes. */
export type ConstraintKind = "eq" | "ge" | "divisible" | "broadcast";

/** The step that makes a check, as far as a constraint needs to name it. */
export interface ConstraintSource {
  readonly kind: "module" | "op";
  readonly name: string;
  readonly path: string;
  readonly type: string;
}

/** `fc1`, or `view` for an op row. */
export function rowLabel(row: ConstraintSource): string {
  return row.kind === "module" ? (row.path || row.type) : row.name;
}

export class Constraint<R extends ConstraintSource = ConstraintSource> {
  constructor(
    readonly kind: ConstraintKind,
    readonly a: SymExpr,
    readonly b: SymExpr,
    /** The row that makes the check. */
    readonly row: R,
    /** What is checked, in the op's words: `in_features`, `in_channels`, `output size`, `kernel fits`, ... */
    readonly what: string,
    /**
     * `false`: the op throws when the check fails. `true`: a condition of a
     * *correct* run rather than a running one (a view must keep the batch
     * dimension, otherwise it runs and mixes samples): not a size that works.
     * `"intended"`: the run is right, but only by accident (a branch of size 1
     * broadcasting against the other): a size that works, told apart.
     */
    readonly soft: boolean | "intended" = false,
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
