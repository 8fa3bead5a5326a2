/**
 * Element-wise ops: one-input ops that keep the shape (activations, dropout,
 * softmax along a dim, `contiguous`, `clone`) and the broadcasting binary ops
 * (`add`, `sub`, `mul`, `div`, residual `+`): from the right, sizes must be
 * equal or 1. Two sizes that both follow the input must be equal (a residual
 * branch that lost two pixels broadcasts only by accident).
 *
 * @example
 * spec(elementwise, { label: "p=0.5" }).args   // "p=0.5"
 */
import { type FailureContext, type OpSpec, type StepView, type Story, type SymShape, family, isOptions, numArg, spec } from "../descriptor.js";
import { Const, sameExpr } from "../sym.js";

export interface ElementwiseParams {
  /** What the call shows in tables (`p=0.5`, `dim=1`), or "". */
  readonly label: string;
  readonly [key: string]: unknown;
}

export const elementwise = family<ElementwiseParams>({
  op: "elementwise",
  args: (p) => p.label,
  rule: (ins) => [ins[0] ?? []],
  keepsShape: true,
});

/** An element-wise call showing `label`. */
export function elementwiseSpec(label = ""): OpSpec {
  return spec(elementwise, { label });
}

/** `F.relu(x)`, `F.dropout(x, p)`, `F.softmax(x, dim)`: the label from the recorded arguments. */
export function describeElementwise(kind: "plain" | "dropout" | "softmax" = "plain"): (args: readonly unknown[]) => OpSpec {
  if (kind === "dropout") {
    return (args) => elementwiseSpec(`p=${isOptions(args[1]) ? args[1].p ?? 0.5 : numArg(args[1], 0.5)}`);
  }
  if (kind === "softmax") {
    return (args) => {
      const d = isOptions(args[1]) ? args[1].dim : args[1];
      return elementwiseSpec(d === undefined || d === null ? "" : `dim=${d}`);
    };
  }
  const plain = elementwiseSpec();
  return () => plain;
}

export const identity = family<Record<string, never>>({
  op: "identity",
  args: () => "",
  rule: (ins) => [ins[0] ?? []],
  keepsShape: true,
});

// ---------------------------------------------------------------- broadcasting

export interface BinaryParams {
  /** `add`, `sub`, `mul`, `div`. */
  readonly kind: string;
  readonly [key: string]: unknown;
}

/** The stride-1 convolutions upstream of `row`'s operands that shrink H or W (a missing padding). */
function shrinkingConvs(f: FailureContext, row: StepView): StepView[] {
  const found: StepView[] = [];
  for (const t of row.inputs) {
    let r = f.producer(t.id);
    for (let guard = 0; r && guard < 200; guard++) {
      const p = r.spec.params;
      const inS = r.inputs[0]?.shape;
      const outS = r.outputs[0]?.shape;
      if (r.spec.op === "conv2d" && inS && outS && (p.stride as number[]).every((s) => s === 1) &&
        (inS[inS.length - 1] !== outS[outS.length - 1] || inS[inS.length - 2] !== outS[outS.length - 2]) && !found.includes(r)) {
        found.unshift(r);
      }
      r = r.inputs[0] ? f.producer(r.inputs[0].id) : undefined;
    }
  }
  return found;
}

function broadcastStory(f: FailureContext<BinaryParams>): Story {
  const { row, key: c } = f;
  const shapes = row.inputs.map((t) => `[${t.shape.join(", ")}]`);
  const dimMatch = /dim (\d+)/.exec(c.what);
  const headline = `${f.stepName(row)}: the operands must have matching shapes, got ${shapes.join(" and ")} (${f.show(c.a)} vs ${f.show(c.b)}` +
    `${dimMatch ? ` at dim ${dimMatch[1]}` : ""})`;
  const details = row.inputs.map((t, i) => {
    const src = f.origin(t.id);
    const symShape = f.symInputs?.[i];
    return `operand ${i + 1}: [${t.shape.join(", ")}]${symShape ? ` = (${symShape.map((e) => f.show(e)).join(", ")})` : ""}` +
      (src ? ` from ${f.call(src)}` : t.id === 0 ? " (the input)" : "");
  });
  const fixes: string[] = [];
  for (const conv of shrinkingConvs(f, row)) {
    const k = conv.spec.params.kernel as [number, number];
    if (k[0] % 2 === 1 && k[1] % 2 === 1) {
      fixes.push(`give ${f.stepName(conv)} padding=${k[0] === k[1] ? (k[0] - 1) / 2 : `[${(k[0] - 1) / 2}, ${(k[1] - 1) / 2}]`} so it keeps H and W`);
    }
  }
  const resize = f.resizeFix();
  if (resize && fixes.length === 0) fixes.push(resize);
  // Channels (a size that no input changes): one side's layer makes the other's count.
  const d = dimMatch ? Number(dimMatch[1]) : -1;
  const [a, b] = [row.inputs[0], row.inputs[1]];
  if (c.a.isConst && c.b.isConst && a && b && d >= 0) {
    const rank = Math.max(a.shape.length, b.shape.length);
    const [sa, sb] = [a.shape[d - (rank - a.shape.length)], b.shape[d - (rank - b.shape.length)]];
    for (const [t, want] of [[b, sa], [a, sb]] as const) {
      const src = f.origin(t.id);
      if (src?.spec.op === "conv2d" && src.kind === "module") {
        const p = src.spec.params;
        fixes.push(`make ${f.who(src)} output ${want} channels: nn.Conv2d(${p.in_channels}, ${want}, ${(p.kernel as number[])[0]})`);
      } else if (src?.spec.op === "linear" && src.kind === "module") {
        fixes.push(`make ${f.who(src)} output ${want} features: nn.Linear(${src.spec.params.in_features}, ${want})`);
      }
    }
  }
  fixes.push(`${fixes.length > 0 ? "or " : ""}bring the shortcut to the same shape (a 1×1 convolution with the same stride, or a crop)`);
  return { headline, details, fixes };
}

export const binary = family<BinaryParams>({
  op: "binary",
  args: () => "",
  rule(ins, _p, ctx) {
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
        if (!x.isConst && !y.isConst) ctx.constrain("eq", x, y, `same size in dim ${n - i}`, "intended");
        // The output follows the side that was not 1 in the run.
        const ca = ctx.concreteIn[0]?.[ctx.concreteIn[0].length - i];
        out[n - i] = ca === 1 ? y : x;
      }
    }
    return [out];
  },
  macs: () => 0,
  story: (f) => (f.key.kind === "broadcast" || f.key.what.startsWith("same size") ? broadcastStory(f) : null),
});

/** `add(a, b)`, `a.mul(b)`, ... */
export function describeBinary(kind: string): (args: readonly unknown[]) => OpSpec {
  const s = spec(binary, { kind });
  return () => s;
}
