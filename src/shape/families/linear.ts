/**
 * The matrix-product families: `linear` (`nn.Linear`, `nn.LazyLinear`,
 * `F.linear`: the last dim must be `in_features`) and `matmul` (`mm`, `bmm`,
 * `matmul`, `@`-style products: inner sizes must match, batch dims agree or
 * broadcast).
 *
 * @example
 * spec(linear, { in_features: 400, out_features: 120, bias: true }).args   // "400, 120"
 */
import { type FailureContext, type OpSpec, type Story, type SymShape, check, family, isTensorArg, spec } from "../descriptor.js";
import { featuresMatch } from "../dim.js";
import { Const, Product, type Env, type SymExpr, num } from "../sym.js";

export interface LinearParams {
  readonly in_features: number;
  readonly out_features: number;
  readonly bias: boolean;
  /** `F.linear` with a 1-D weight: the output loses the last dim. */
  readonly vector_weight?: boolean;
  readonly [key: string]: unknown;
}

/** `16×13×13` for a product evaluated at `env`, or the plain value. */
export function factorText(e: SymExpr, env: Env): string {
  const value = e.eval(env);
  if (!(e instanceof Product)) return String(value);
  const parts = [...(e.coef === 1 ? [] : [e.coef]), ...e.factors.map((f) => f.eval(env))];
  return parts.length > 1 ? parts.join("×") : String(value);
}

/** `400 = 16×5×5` (just `400` when there is nothing to multiply). */
export function withFactors(value: number, e: SymExpr | undefined, env: Env | null): string {
  if (!e || !env) return String(value);
  try {
    const f = factorText(e, env);
    return f === String(value) || e.eval(env) !== value ? String(value) : `${value} = ${f}`;
  } catch {
    return String(value);
  }
}

function linearStory(f: FailureContext<LinearParams>): Story {
  const { row, params: p } = f;
  const expected = p.in_features;
  const inShape = row.inputs[0]?.shape ?? [];
  const got = inShape[inShape.length - 1] ?? 0;
  const sym = f.symInputs?.[0];
  const e = sym?.[sym.length - 1];
  const good = f.sample;
  const name = f.who(row);
  const headline = `${name} expects ${withFactors(expected, e, good)} features, got ${withFactors(got, e, f.env)}`;
  const details: string[] = [];
  const src = f.origin(row.inputs[0]?.id ?? -1);
  if (src) {
    const from = src.inputs[0]?.shape;
    details.push(`the ${got} features come from ${f.call(src)}${from ? ` of (${from.join(", ")})` : ""}`);
  }
  if (e && !(e instanceof Const)) {
    const at = Object.entries(f.env).map(([k, v]) => `${k} = ${v}`).join(", ");
    details.push(`features = ${f.show(e)}; at ${at} that is ${factorText(e, f.env)}`);
    details.push(...f.definitions());
  }
  const fixes: string[] = [];
  const resize = f.resizeFix();
  if (resize) fixes.push(resize);
  // Flattened feature maps: an adaptive pool fixes their size for any input.
  const flat = src && (src.spec.op === "view" || src.spec.op === "reshape" || src.spec.op === "flatten") ? src.inputs[0]?.shape : undefined;
  if (flat && flat.length === 4 && e instanceof Product && good && e.factors.length === 2) {
    const channels = flat[1]!;
    const a = e.factors[0]!.eval(good);
    const b = e.factors[1]!.eval(good);
    if (channels * a * b === expected) {
      fixes.push(`add nn.AdaptiveAvgPool2d([${a}, ${b}]) before flattening: ${channels}×${a}×${b} = ${expected} features for any input size`);
    }
  }
  const out = p.out_features;
  fixes.push(`let ${row.kind === "module" ? name : "the layer"} take in_features from the data: nn.LazyLinear(${out}), ` +
    `or nn.Linear(${got}, ${out}) (in_features=${got}) for inputs of this size only`);
  return { headline, details, fixes };
}

export const linear = family<LinearParams>({
  op: "linear",
  args: (p) => `${p.in_features}, ${p.out_features}${p.bias ? "" : ", bias=False"}`,
  rule(ins, p, ctx) {
    const x = ins[0]!;
    check(ctx, featuresMatch(x[x.length - 1]!, p.in_features));
    const lead = x.slice(0, -1);
    return [p.vector_weight ? lead : [...lead, num(p.out_features)]];
  },
  macs(io) {
    const out = io.outputs[0]?.shape ?? [];
    const features = out[out.length - 1] ?? 1;
    return io.params * (out.reduce((n, d) => n * d, 1) / Math.max(features, 1));
  },
  story: (f) => (f.key.what === "in_features" ? linearStory(f) : null),
});

/** `F.linear(input, weight, bias?)`. */
export function describeLinear(args: readonly unknown[]): OpSpec {
  const w = isTensorArg(args[1]) ? args[1].shape : null;
  const out = w ? (w.length === 2 ? w[0]! : 1) : 0;
  const inF = w ? w[w.length - 1]! : 0;
  return spec(linear, { in_features: inF, out_features: out, bias: isTensorArg(args[2]), vector_weight: w?.length === 1 });
}

// ---------------------------------------------------------------- matmul

export interface MatmulParams {
  /** `mm`, `bmm` or `matmul`. */
  readonly kind: string;
  readonly [key: string]: unknown;
}

function matmulStory(f: FailureContext<MatmulParams>): Story {
  const { row } = f;
  const [a, b] = [row.inputs[0]?.shape ?? [], row.inputs[1]?.shape ?? []];
  const ka = a[a.length - 1];
  const kb = b.length === 1 ? b[0] : b[b.length - 2];
  const shapes = `(${a.join(", ")}) @ (${b.join(", ")})`;
  const inner = f.key.what === "inner sizes match";
  const headline = inner
    ? `${f.stepName(row)}: the inner sizes must match, got ${shapes}: ${ka} ≠ ${kb}`
    : `${f.stepName(row)}: the batch sizes must match, got ${shapes}`;
  const details = row.inputs.map((t, i) => {
    const src = f.origin(t.id);
    return `operand ${i + 1}: (${t.shape.join(", ")})${src ? ` from ${f.call(src)}` : ""}`;
  });
  const fixes = inner
    ? [`transpose the second operand (x.transpose(-2, -1)) if its last dim is the ${ka}`, `or project one side to size ${kb === undefined ? "?" : kb} (nn.Linear) before the product`]
    : ["give both operands the same batch size"];
  return { headline, details, fixes };
}

export const matmul = family<MatmulParams>({
  op: "matmul",
  args: () => "",
  rule(ins, p, ctx) {
    const [a, b] = [ins[0]!, ins[1]!];
    const ka = a[a.length - 1]!;
    const kb = b.length === 1 ? b[0]! : b[b.length - 2]!;
    ctx.constrain("eq", ka, kb, "inner sizes match");
    const out: SymShape = [];
    const batchA = a.slice(0, -2);
    const batchB = b.length >= 2 ? b.slice(0, -2) : [];
    const n = Math.max(batchA.length, batchB.length);
    for (let i = 0; i < n; i++) {
      const x = batchA[batchA.length - n + i];
      const y = batchB[batchB.length - n + i];
      if (x !== undefined && y !== undefined) ctx.constrain(p.kind === "bmm" ? "eq" : "broadcast", x, y, "batch sizes match");
      out.push(x !== undefined && !(x instanceof Const && x.value === 1) ? x : (y ?? x!));
    }
    if (a.length >= 2) out.push(a[a.length - 2]!);
    if (b.length >= 2) out.push(b[b.length - 1]!);
    return [out];
  },
  macs(io) {
    const a = io.inputs[0]?.shape ?? [];
    const out = io.outputs[0]?.shape ?? [];
    return out.reduce((n, d) => n * d, 1) * (a[a.length - 1] ?? 1);
  },
  story: (f) => (f.key.what === "inner sizes match" || f.key.what === "batch sizes match" ? matmulStory(f) : null),
});

/** `mm`/`bmm`/`matmul(a, b)`. */
export function describeMatmul(kind: string): (args: readonly unknown[]) => OpSpec {
  return () => spec(matmul, { kind });
}
