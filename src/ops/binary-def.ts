/**
 * The shape of a two-operand element-wise op, shared by its out-of-place
 * form (`torch.mul(a, b)`, `a.mul(b)`) and its in-place form (`a.mul_(b)`):
 * how it checks its operands and picks dtypes (`plan`), which autograd node
 * it records, which values its backward formula reads, and the formula.
 *
 * @example
 * const y = runBinary(MUL, a, b, {});   // a * b with MulBackward0 recorded
 */
import { type BackwardFn, type GradFn, record } from "../autograd/graph.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { gradIf, inputInfo, recording, saveInput, saveOutput, tensorOrNull } from "./grad-utils.js";
import type { TensorLike } from "./operand.js";
import { elementwise } from "./tensor-iterator.js";

/** What a binary op runs: the kernel, the compute and output dtypes, the kernel's scalar parameters. */
export interface BinaryPlan {
  kernel: string;
  compute: DType;
  outDType: DType;
  params: number[];
}

/** Which values the backward formula reads, given which inputs need gradients. */
export interface Reads {
  a?: boolean;
  b?: boolean;
  result?: boolean;
}

export interface BinaryDef<O> {
  /** The op's name, used in errors. */
  readonly name: string;
  plan(a: TensorLike, b: TensorLike, opts: O): BinaryPlan;
  /** The autograd node name, or null for ops without gradients (comparisons). */
  node(a: TensorLike, b: TensorLike, opts: O): string | null;
  /** False when a scalar operand has no slot in `next_functions` (e.g. `RemainderBackward0`). */
  readonly scalarSlot?: boolean;
  reads?(needA: boolean, needB: boolean, opts: O): Reads;
  /** Raw gradients (before reduction to the inputs' shapes) for the inputs that need one. */
  backward?(g: Tensor, a: TensorLike, b: TensorLike, result: Tensor, opts: O, needA: boolean, needB: boolean): [Tensor | null, Tensor | null];
}

/** Runs `def` out of place and records its node. */
export function runBinary<O>(def: BinaryDef<O>, a: TensorLike, b: TensorLike, opts: O): Tensor {
  const plan = def.plan(a, b, opts);
  const out = elementwise(plan.kernel, [a, b], plan.compute, plan.outDType, plan.params, null, def.name);
  if (recording(a, b)) attachBinary(def, a, b, out, opts, (name, inputs, fn) => record(name, out, inputs, fn));
  return out;
}

/** Records `def`'s backward for `out` through `recordFn` (plain `record`, or the in-place rebase). */
export function attachBinary<O>(
  def: BinaryDef<O>,
  a: TensorLike,
  b: TensorLike,
  out: Tensor,
  opts: O,
  recordFn: (name: string, inputs: (Tensor | null)[], fn: BackwardFn) => GradFn | null,
  aValue: TensorLike = a,
): GradFn | null {
  const name = def.node(a, b, opts);
  if (name === null || !def.backward) return null;
  const ia = inputInfo(a);
  const ib = inputInfo(b);
  const backward = def.backward;
  const slot = def.scalarSlot !== false;
  const inputs = slot ? [tensorOrNull(a), tensorOrNull(b)] : [a, b].filter((x): x is Tensor => x instanceof Tensor);
  const node = recordFn(name, inputs, ([g]) => {
    const [ga, gb] = backward(g!, aValue, b, out, opts, ia.needs, ib.needs);
    const gradA = ga ? gradIf(ia, () => ga) : null;
    const gradB = gb ? gradIf(ib, () => gb) : null;
    if (slot) return [gradA, gradB];
    return a instanceof Tensor ? (b instanceof Tensor ? [gradA, gradB] : [gradA]) : [gradB];
  });
  const reads = def.reads?.(ia.needs, ib.needs, opts) ?? {};
  if (reads.a) saveInput(node, aValue);
  if (reads.b) saveInput(node, b);
  if (reads.result) saveOutput(node, out);
  return node;
}

