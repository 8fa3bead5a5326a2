/**
 * Symbolic sizes: integer expressions over named input sizes (`H`, `W`),
 * built with the same arithmetic the conv and pooling output-size rules use,
 * simplified as they are built, and printed the way a learner writes them:
 *
 *   conv 5x5 → H−4;  max_pool 2 → ⌊(H−4)/2⌋;  again → ⌊(⌊(H−4)/2⌋−4)/2⌋
 *
 * All sizes are positive integers, which makes the floor identities used by
 * the simplifier valid (⌊⌊x/a⌋/b⌋ = ⌊x/(ab)⌋, ⌊(x + kd)/d⌋ = ⌊x/d⌋ + k).
 *
 * @example
 * const H = sym("H");
 * const out = div(add(H, -4), 2);   // dim.ts writes the conv and pooling rules with these
 * out.toString()      // "⌊(H−4)/2⌋"
 * out.eval({ H: 64 }) // 30
 */

export type Env = Record<string, number>;

/** An integer-valued expression over symbolic sizes. */
export abstract class SymExpr {
  abstract eval(env: Env): number;
  /** Text with ⌊ ⌋, − and ·. */
  abstract toString(): string;
  /** The variables it depends on. */
  abstract vars(): Set<string>;
  /** The same expression with variables renamed (to show that f(H) and f(W) are one function). */
  abstract rename(map: Record<string, string>): SymExpr;
  /** True when the text would need parentheses inside ⌊(...)/d⌋ or a product. */
  get isCompound(): boolean {
    return false;
  }
  get isConst(): boolean {
    return this.vars().size === 0;
  }
}

export class Const extends SymExpr {
  constructor(readonly value: number) {
    super();
  }
  eval(): number {
    return this.value;
  }
  toString(): string {
    return this.value < 0 ? `−${-this.value}` : String(this.value);
  }
  vars(): Set<string> {
    return new Set();
  }
  rename(): SymExpr {
    return this;
  }
}

export class Var extends SymExpr {
  constructor(readonly name: string) {
    super();
  }
  eval(env: Env): number {
    const v = env[this.name];
    if (v === undefined) throw new Error(`no value for symbolic size ${this.name}`);
    return v;
  }
  toString(): string {
    return this.name;
  }
  vars(): Set<string> {
    return new Set([this.name]);
  }
  rename(map: Record<string, string>): SymExpr {
    return new Var(map[this.name] ?? this.name);
  }
}

/** x + c for a constant c. */
export class AddConst extends SymExpr {
  constructor(readonly x: SymExpr, readonly c: number) {
    super();
  }
  eval(env: Env): number {
    return this.x.eval(env) + this.c;
  }
  toString(): string {
    return this.c < 0 ? `${this.x}−${-this.c}` : `${this.x}+${this.c}`;
  }
  vars(): Set<string> {
    return this.x.vars();
  }
  rename(map: Record<string, string>): SymExpr {
    return add(this.x.rename(map), this.c);
  }
  override get isCompound(): boolean {
    return true;
  }
}

/** ⌊x/d⌋ (or ⌈x/d⌉ for ceil_mode) for a positive constant d. */
export class DivConst extends SymExpr {
  constructor(readonly x: SymExpr, readonly d: number, readonly ceil = false) {
    super();
  }
  eval(env: Env): number {
    const v = this.x.eval(env) / this.d;
    return this.ceil ? Math.ceil(v) : Math.floor(v);
  }
  toString(): string {
    const inner = this.x.isCompound ? `(${this.x})` : String(this.x);
    return this.ceil ? `⌈${inner}/${this.d}⌉` : `⌊${inner}/${this.d}⌋`;
  }
  vars(): Set<string> {
    return this.x.vars();
  }
  rename(map: Record<string, string>): SymExpr {
    return div(this.x.rename(map), this.d, this.ceil);
  }
}

/** c · x1 · x2 · ... */
export class Product extends SymExpr {
  constructor(readonly coef: number, readonly factors: readonly SymExpr[]) {
    super();
  }
  eval(env: Env): number {
    return this.factors.reduce((p, f) => p * f.eval(env), this.coef);
  }
  toString(): string {
    const parts = this.factors.map((f) => (f.isCompound ? `(${f})` : String(f)));
    return (this.coef === 1 ? parts : [String(this.coef), ...parts]).join("·");
  }
  vars(): Set<string> {
    const s = new Set<string>();
    for (const f of this.factors) for (const v of f.vars()) s.add(v);
    return s;
  }
  rename(map: Record<string, string>): SymExpr {
    return mul(new Const(this.coef), ...this.factors.map((f) => f.rename(map)));
  }
  override get isCompound(): boolean {
    return this.factors.length + (this.coef === 1 ? 0 : 1) > 1;
  }
}

/** a + b + ... for two or more non-constant terms (cat along a symbolic dim adds the inputs' sizes). */
export class Sum extends SymExpr {
  constructor(readonly terms: readonly SymExpr[]) {
    super();
  }
  eval(env: Env): number {
    return this.terms.reduce((s, t) => s + t.eval(env), 0);
  }
  toString(): string {
    return this.terms.map((t) => String(t)).join("+");
  }
  vars(): Set<string> {
    const s = new Set<string>();
    for (const t of this.terms) for (const v of t.vars()) s.add(v);
    return s;
  }
  rename(map: Record<string, string>): SymExpr {
    return sum(...this.terms.map((t) => t.rename(map)));
  }
  override get isCompound(): boolean {
    return true;
  }
}

/**
 * An expression shown as `shown` but evaluated exactly by `f` applied to
 * `x`: for rules whose closed form is only nearly right (ceil_mode pooling
 * drops a last window that would start in the padding).
 */
export class Exact extends SymExpr {
  constructor(readonly shown: SymExpr, readonly x: SymExpr, readonly f: (v: number) => number) {
    super();
  }
  eval(env: Env): number {
    return this.f(this.x.eval(env));
  }
  toString(): string {
    return this.shown.toString();
  }
  vars(): Set<string> {
    return this.x.vars();
  }
  rename(map: Record<string, string>): SymExpr {
    return new Exact(this.shown.rename(map), this.x.rename(map), this.f);
  }
  override get isCompound(): boolean {
    return this.shown.isCompound;
  }
}

/** The sum of sizes, folding constants. */
export function sum(...xs: (SymExpr | number)[]): SymExpr {
  let c = 0;
  const terms: SymExpr[] = [];
  for (const x of xs.map(lift)) {
    if (x instanceof Const) c += x.value;
    else if (x instanceof Sum) terms.push(...x.terms);
    else terms.push(x);
  }
  if (terms.length === 0) return new Const(c);
  const base = terms.length === 1 ? terms[0]! : new Sum(terms);
  return add(base, c);
}

/** True when two expressions print the same (the simplifier's normal form makes this a useful equality). */
export function sameExpr(a: SymExpr, b: SymExpr): boolean {
  return a.toString() === b.toString();
}

/** A symbolic size named `name`. */
export function sym(name: string): SymExpr {
  return new Var(name);
}

/** A size that is a known number. */
export function num(n: number): SymExpr {
  return new Const(n);
}

/** Lifts numbers to constants. */
export function lift(x: SymExpr | number): SymExpr {
  return typeof x === "number" ? new Const(x) : x;
}

/** x + c, merging constants. */
export function add(x: SymExpr | number, c: number): SymExpr {
  const e = lift(x);
  if (c === 0) return e;
  if (e instanceof Const) return new Const(e.value + c);
  if (e instanceof AddConst) return add(e.x, e.c + c);
  // ⌊(y + a)/d⌋ + c = ⌊(y + a + c·d)/d⌋: keeps "⌊x/2⌋" rather than "⌊(x−2)/2⌋+1".
  if (e instanceof DivConst && e.x instanceof AddConst) return div(add(e.x.x, e.x.c + c * e.d), e.d, e.ceil);
  return new AddConst(e, c);
}

/** ⌊x/d⌋ (or ⌈x/d⌉), simplified for positive integer sizes. */
export function div(x: SymExpr | number, d: number, ceil = false): SymExpr {
  const e = lift(x);
  if (d === 1) return e;
  if (e instanceof Const) return new Const(ceil ? Math.ceil(e.value / d) : Math.floor(e.value / d));
  if (!ceil && e instanceof DivConst && !e.ceil) return div(e.x, e.d * d);
  if (e instanceof AddConst && e.c % d === 0) return add(div(e.x, d, ceil), e.c / d);
  if (e instanceof Product && e.coef % d === 0) return mul(new Const(e.coef / d), ...e.factors);
  return new DivConst(e, d, ceil);
}

/** The product of sizes, folding constants into one coefficient. */
export function mul(...xs: (SymExpr | number)[]): SymExpr {
  let coef = 1;
  const factors: SymExpr[] = [];
  for (const x of xs.map(lift)) {
    if (x instanceof Const) coef *= x.value;
    else if (x instanceof Product) {
      coef *= x.coef;
      factors.push(...x.factors);
    } else factors.push(x);
  }
  if (factors.length === 0 || coef === 0) return new Const(coef);
  if (factors.length === 1 && coef === 1) return factors[0]!;
  return new Product(coef, factors);
}

/** The placeholder a layer's own formula is written in before it is applied to its input. */
const HOLE = "\u2022";

/**
 * Applies a per-layer size rule to an input expression the way a learner
 * composes layers by hand: the rule is simplified on its own (a 2x2 pool is
 * ⌊x/2⌋, a 5x5 conv is x−4) and then wrapped around the input as a unit, so
 * LeNet's H reads ⌊(⌊(H−4)/2⌋−4)/2⌋ layer by layer. `simplify()` of the
 * result gives the compact equivalent (⌊H/4⌋−3).
 */
export function compose(rule: (x: SymExpr) => SymExpr, input: SymExpr | number): SymExpr {
  const formula = rule(new Var(HOLE));
  return plug(formula, lift(input));
}

function plug(e: SymExpr, input: SymExpr): SymExpr {
  if (e instanceof Var) return e.name === HOLE ? input : e;
  if (e instanceof AddConst) {
    const inner = plug(e.x, input);
    // Adjacent constants still merge: (H−4)−4 is H−8.
    if (inner instanceof AddConst) return inner.c + e.c === 0 ? inner.x : new AddConst(inner.x, inner.c + e.c);
    if (inner instanceof Const) return new Const(inner.value + e.c);
    return new AddConst(inner, e.c);
  }
  if (e instanceof DivConst) {
    const inner = plug(e.x, input);
    return inner instanceof Const ? div(inner, e.d, e.ceil) : new DivConst(inner, e.d, e.ceil);
  }
  if (e instanceof Product) return mul(new Const(e.coef), ...e.factors.map((f) => plug(f, input)));
  return e;
}

/** The fully simplified equivalent of an expression (rebuilt through the simplifying constructors). */
export function simplify(e: SymExpr): SymExpr {
  if (e instanceof AddConst) return add(simplify(e.x), e.c);
  if (e instanceof DivConst) return div(simplify(e.x), e.d, e.ceil);
  if (e instanceof Product) return mul(new Const(e.coef), ...e.factors.map(simplify));
  return e;
}

/** How `⌊x·s⌋` reads (the size a resize by a scale factor s gives an axis of size x). */
export class ScaledFloor extends SymExpr {
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
