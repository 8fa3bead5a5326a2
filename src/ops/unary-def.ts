/**
 * The shape of a one-operand element-wise op, shared by its out-of-place
 * form (`x.exp()`) and its in-place form (`x.exp_()`): its kernel, how its
 * output dtype follows the input's, its autograd node and backward formula.
 *
 * Backward formulas have two forms: a fused kernel over (grad, saved value)
 * used in the ordinary backward pass, where nothing is recorded, and a
 * composition of differentiable ops used under `create_graph: true`, so that
 * gradients of gradients work.
 *
 * @example
 * runUnary(EXP, x, null)   // x.exp(), recorded as ExpBackward0
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { type BackwardFn, type GradFn, record } from "../autograd/graph.js";
import { TsorchError } from "../errors.js";
import { type DType, bool as boolDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { gradFor, saveInput, saveOutput } from "./grad-utils.js";
import { scalarTypeName, toFloating } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";

/** How the output dtype follows the input's. */
export type UnaryDTypeRule =
  /** Integers and bool compute in float32 (exp, sqrt, sigmoid, ...). */
  | "float"
  /** The input's dtype (neg, abs, floor, relu, ...). */
  | "same"
  /** A bool result (isnan, logical_not, ...). */
  | "bool";

export interface UnaryDef<O> {
  /** The op's name (errors, and the kernel when `kernel` is not given). */
  readonly name: string;
  readonly kernel?: string | ((x: Tensor, opts: O) => string);
  readonly dtype: UnaryDTypeRule;
  /** Dtypes the op refuses, with PyTorch's `"<kernel>" not implemented for '<Type>'` message. */
  readonly refuse?: readonly ("bool" | "int" | "float")[];
  /** Kernel name used in the refusal message. */
  readonly refuseName?: string;
  params?(opts: O, compute: DType): number[];
  /** Autograd node name; null for ops without gradients. */
  readonly node: string | null | ((opts: O) => string);
  readonly reads?: { input?: boolean; result?: boolean };
  /** Differentiable backward formula: gradient of the input from the output's gradient. */
  backward?(g: Tensor, x: Tensor, result: Tensor, opts: O): Tensor;
  /** A binary kernel computing the same gradient from (g, saved): the saved value is the result or the input. */
  readonly fused?: { kernel: string | ((opts: O) => string); from: "input" | "result"; params?: (opts: O) => number[] };
  /** Extra argument checks. */
  check?(x: Tensor, opts: O): void;
  /** The result is always contiguous (ops whose PyTorch kernel allocates its own buffer). */
  readonly contiguousResult?: boolean;
}

/** The compute and output dtypes of `def` on an input of dtype `d`. */
export function unaryDTypes<O>(def: UnaryDef<O>, d: DType): [DType, DType] {
  if (def.refuse?.includes(d.kind)) {
    throw new TsorchError(`"${def.refuseName ?? `${def.name}_cpu`}" not implemented for '${scalarTypeName(d)}'`);
  }
  switch (def.dtype) {
    case "float": {
      const f = toFloating(d);
      return [f, f];
    }
    case "same":
      return [d, d];
    case "bool":
      return [d, boolDType];
  }
}

export function kernelOf<O>(def: UnaryDef<O>, x: Tensor, opts: O): string {
  if (def.kernel === undefined) return def.name;
  return typeof def.kernel === "string" ? def.kernel : def.kernel(x, opts);
}

/** Runs `def` on `x` out of place and records its node. */
export function runUnary<O>(def: UnaryDef<O>, x: Tensor, opts: O): Tensor {
  def.check?.(x, opts);
  const [compute, outDType] = unaryDTypes(def, x.dtype);
  const params = def.params ? def.params(opts, compute) : [];
  const out = elementwise(kernelOf(def, x, opts), [x], compute, outDType, params, null, def.name, def.contiguousResult ? "contiguous" : "inputs");
  if (x.requires_grad && is_grad_enabled()) attachUnary(def, x, out, opts, (name, inputs, fn) => record(name, out, inputs, fn));
  return out;
}

/** Records `def`'s backward for `out = def(x)` through `recordFn`. */
export function attachUnary<O>(
  def: UnaryDef<O>,
  x: Tensor,
  out: Tensor,
  opts: O,
  recordFn: (name: string, inputs: (Tensor | null)[], fn: BackwardFn) => GradFn | null,
  savedInput: Tensor = x,
): GradFn | null {
  if (def.node === null || !def.backward || !out.dtype.is_floating_point) return null;
  const name = typeof def.node === "string" ? def.node : def.node(opts);
  const shape = [...x.shape];
  const dtype = x.dtype;
  const backward = def.backward;
  const fused = def.fused;
  const node = recordFn(name, [x], ([g]) => {
    let gx: Tensor;
    if (fused && !is_grad_enabled()) {
      const saved = fused.from === "result" ? out : savedInput;
      const kernel = typeof fused.kernel === "string" ? fused.kernel : fused.kernel(opts);
      gx = elementwise(kernel, [g!, saved], g!.dtype, g!.dtype, fused.params ? fused.params(opts) : [], null, name);
    } else {
      gx = backward(g!, savedInput, out, opts);
    }
    return [gradFor(gx, shape, dtype)];
  });
  if (def.reads?.input) saveInput(node, savedInput);
  if (def.reads?.result) saveOutput(node, out);
  return node;
}
