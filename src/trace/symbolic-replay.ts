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
 * The rules are the op families' (src/shape/families/): each row's spec
 * names its family. Each rule's formula is checked against the concrete
 * shapes the run recorded; a row without a rule (or whose rule disagrees)
 * keeps its concrete shape and makes the replay inexact, which the
 * explanation says.
 *
 * @example
 * const r = replayTrace(trace.rows, [[num(1), num(1), sym("H"), sym("W")]], { H: 32, W: 32 });
 * r.outputOf(trace.row("conv1")!)![0]!.map(String)   // ["1", "6", "H−4", "W−4"]
 * r.constraints.map((c) => c.describe())             // ["H−4 ≥ 1 (conv1: kernel fits)", ...]
 */
import { Constraint, type ConstraintKind, rowLabel } from "../shape/constraint.js";
import type { Params, RuleContext, SymShape } from "../shape/descriptor.js";
import { Const, type Env, lift, num } from "../shape/sym.js";
import type { TraceRow } from "./row.js";

export { Constraint, rowLabel, type ConstraintKind, type SymShape };

/** Everything a replay found. */
export interface Replay {
  /** The symbolic variables, in order of appearance. */
  readonly vars: readonly string[];
  /** Their values in the recorded run. */
  readonly env: Env;
  readonly constraints: readonly Constraint<TraceRow>[];
  /** False when some row had no rule (or a rule that disagreed with the run): formulas after it are partial. */
  readonly exact: boolean;
  /** The rows without a usable rule. */
  readonly unknownRows: readonly TraceRow[];
  /** Input and output shapes of a row (undefined for rows that were not replayed). */
  inputsOf(row: TraceRow): SymShape[] | undefined;
  outputOf(row: TraceRow): SymShape[] | undefined;
}

function constShape(shape: readonly number[]): SymShape {
  return shape.map((d) => num(d));
}

/** Whether the formulas of `shape` give `concrete` at `env`. */
function agrees(shape: SymShape, concrete: readonly number[], env: Env): boolean {
  if (shape.length !== concrete.length) return false;
  try {
    return shape.every((e, i) => e.eval(env) === concrete[i]);
  } catch {
    return false;
  }
}

/** How a replay reads its rows. */
export interface ReplayOptions {
  /**
   * The same step's parameters in a run at other sizes, when there is one: a `view` size that
   * changed with the input follows it, one that stayed is a literal the input has to fit.
   */
  alternate?: (row: TraceRow) => Params | undefined;
}

/**
 * Replays the leaf rows of a trace on symbolic root inputs.
 *
 * @param rows       all rows of the trace, in call order
 * @param rootInputs the symbolic shapes of the outermost call's tensor inputs (ids 0, 1, ...)
 * @param env        the values of the variables in the recorded run
 */
export function replayTrace(rows: readonly TraceRow[], rootInputs: readonly SymShape[], env: Env, options: ReplayOptions = {}): Replay {
  const byId = new Map<number, SymShape>();
  rootInputs.forEach((s, i) => byId.set(i, s));
  const inputs = new Map<TraceRow, SymShape[]>();
  const outputs = new Map<TraceRow, SymShape[]>();
  const constraints: Constraint<TraceRow>[] = [];
  const unknownRows: TraceRow[] = [];
  const vars: string[] = [];
  for (const s of rootInputs) for (const e of s) for (const v of e.vars()) if (!vars.includes(v)) vars.push(v);
  const root = rows[0];
  for (const row of rows) {
    if (!row.isLeaf || row === root && rows.length > 1) continue;
    const ins = row.inputs.map((t) => byId.get(t.id) ?? constShape(t.shape));
    inputs.set(row, ins);
    const spec = row.spec;
    const rule = spec.family.rule as ((ins: readonly SymShape[], p: Params, ctx: RuleContext) => SymShape[]) | undefined;
    const ctx: RuleContext = {
      alternate: options.alternate?.(row),
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
        outs = rule(ins, spec.params, ctx);
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
