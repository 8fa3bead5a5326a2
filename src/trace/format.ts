/**
 * Text helpers shared by the trace views: shapes, numbers, times, and the
 * naming of repeated size functions in formulas (`16·f(H)·f(W)` with
 * `f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3`).
 *
 * @example
 * fmtShape([1, 6, 28, 28])          // "[1, 6, 28, 28]"
 * fmtTuple([1, 6, 28, 28])          // "(1, 6, 28, 28)"
 * fmtCount(61706)                   // "61,706"
 */
import { Product, Sum, type SymExpr, simplify } from "../shape/sym.js";

/** `[1, 6, 28, 28]`: torchinfo's and PyTorch's error messages' form. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** `(1, 6, 28, 28)`: the tutorial's arrow-chain form. */
export function fmtTuple(shape: readonly (number | string)[]): string {
  return `(${shape.join(", ")})`;
}

/** `61,706`; "--" for zero (torchinfo). */
export function fmtCount(n: number): string {
  return n === 0 ? "--" : n.toLocaleString("en-US");
}

/** `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function fmtTime(ms: number | null): string {
  if (ms === null) return "";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/**
 * Names repeated single-variable size functions so that products read
 * `16·f(H)·f(W)`. One namer per table keeps the names consistent.
 */
export class FunctionNamer {
  private readonly names = new Map<string, { name: string; body: string; simple: string }>();
  private readonly letters = ["f", "g", "h", "k", "q", "r"];

  /** `expr` with each compound single-variable factor of a product written as a named function. */
  show(expr: SymExpr): string {
    if (expr instanceof Product || expr instanceof Sum) {
      const parts = expr instanceof Product ? expr.factors : expr.terms;
      const shown = parts.map((p) => this.factor(p));
      if (expr instanceof Product) return (expr.coef === 1 ? shown : [String(expr.coef), ...shown]).join("·");
      return shown.join("+");
    }
    return expr.toString();
  }

  /** `f(H)` for a single-variable expression with floors (`⌊(⌊(H−4)/2⌋−4)/2⌋`), the expression itself otherwise. */
  private factor(e: SymExpr): string {
    const vars = [...e.vars()];
    const text = e.toString();
    if (vars.length !== 1 || !(text.includes("⌊") || text.includes("⌈"))) return e.isCompound ? `(${text})` : text;
    // The text with the variable written x (renaming the expression would re-simplify it).
    const v = vars[0]!;
    const asX = (t: string) => t.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(v)}(?![\\p{L}\\p{N}_])`, "gu"), "x");
    const body = asX(text);
    let entry = this.names.get(body);
    if (!entry) {
      entry = { name: this.letters[this.names.size] ?? `f${this.names.size}`, body, simple: asX(simplify(e).toString()) };
      this.names.set(body, entry);
    }
    return `${entry.name}(${v})`;
  }

  /** `f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3` for each named function. */
  definitions(): string[] {
    return [...this.names.values()].map(({ name, body, simple }) =>
      simple === body ? `${name}(x) = ${body}` : `${name}(x) = ${body} = ${simple}`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A symbolic shape as `(1, 16·f(H)·f(W))`. */
export function fmtSymShape(shape: readonly SymExpr[], namer: FunctionNamer): string {
  return fmtTuple(shape.map((e) => namer.show(e)));
}
