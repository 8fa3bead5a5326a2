/**
 * Joining and splitting: `cat` (sizes must match except along the joined
 * dim, which adds up), `stack` (equal shapes, a new dim).
 *
 * @example
 * describeCat([[a, b], 1]).args   // "dim=1"
 */
import { type FailureContext, type OpSpec, type Story, family, normDim, numArg, spec } from "../descriptor.js";
import { num, sum } from "../sym.js";

export interface JoinParams {
  readonly dim: number;
  readonly [key: string]: unknown;
}

function catStory(f: FailureContext<JoinParams>): Story {
  const { row } = f;
  const shapes = row.inputs.map((t) => `(${t.shape.join(", ")})`);
  const m = /dim (\d+)/.exec(f.key.what);
  const d = m ? Number(m[1]) : -1;
  const headline = `${f.stepName(row)} along dim ${f.params.dim}: every other dim must match, got ${shapes.join(" and ")}` +
    (d >= 0 ? ` (dim ${d}: ${row.inputs.map((t) => t.shape[d]).join(" vs ")})` : "");
  const details = row.inputs.map((t, i) => {
    const src = f.origin(t.id);
    return `tensor ${i + 1}: (${t.shape.join(", ")})${src ? ` from ${f.call(src)}` : ""}`;
  });
  const fixes: string[] = [];
  const resize = f.resizeFix();
  if (resize) fixes.push(resize);
  fixes.push("give the branches the same stride and padding so their sizes agree, or crop/interpolate one to the other's size");
  return { headline, details, fixes };
}

export const cat = family<JoinParams>({
  op: "cat",
  args: (p) => `dim=${p.dim}`,
  rule(ins, p, ctx) {
    // PyTorch skips 1-D empty tensors in cat.
    const list = ins.filter((s, i) => !(s.length === 1 && (ctx.concreteIn[i]?.[0] ?? 1) === 0));
    const ref = list[0]!;
    const d = normDim(p.dim, ref.length);
    const out = [...ref];
    for (const s of list.slice(1)) {
      for (let k = 0; k < ref.length; k++) if (k !== d) ctx.constrain("eq", s[k]!, ref[k]!, `sizes match in dim ${k}`);
    }
    out[d] = sum(...list.map((s) => s[d]!));
    return [out];
  },
  macs: () => 0,
  story: (f) => (f.key.what.startsWith("sizes match") ? catStory(f) : null),
});

export const stack = family<JoinParams>({
  op: "stack",
  args: (p) => `dim=${p.dim}`,
  rule(ins, p, ctx) {
    const ref = ins[0]!;
    for (const s of ins.slice(1)) for (let k = 0; k < ref.length; k++) ctx.constrain("eq", s[k]!, ref[k]!, `sizes match in dim ${k}`);
    const out = [...ref];
    out.splice(normDim(p.dim, ref.length + 1), 0, num(ins.length));
    return [out];
  },
  macs: () => 0,
  story: (f) => (f.key.what.startsWith("sizes match") ? catStory(f) : null),
});

/** `cat(tensors, dim = 0)` / `stack(tensors, dim = 0)`. */
export function describeJoin(kind: "cat" | "stack"): (args: readonly unknown[]) => OpSpec {
  return (args) => spec(kind === "cat" ? cat : stack, { dim: numArg(args[1], 0) });
}


