/**
 * `torch.autograd.gradcheck` and `gradgradcheck`: compare the gradients the
 * engine computes with central finite differences, element by element, as
 * PyTorch's slow mode does.
 *
 * For every input that requires grad and every element of it, the input is
 * nudged by ±eps (in place, without counting a version) and the outputs are
 * recomputed: column `k` of the numerical Jacobian is `(f(x + eps) - f(x - eps)) / 2eps`.
 * The analytical Jacobian is built row by row with `autograd.grad` and a
 * one-hot output gradient (twice, to catch a backward that is not
 * deterministic). They must agree within `|a - n| <= atol + rtol * |n|`.
 * Then backward must give zero for a zero output gradient, and must cope
 * with output gradients that are undefined.
 *
 * The default tolerances are meant for float64 inputs; other inputs that
 * require grad get PyTorch's warning.
 *
 * @example
 * const a = torch.randn(3, 4, { dtype: torch.float64 }).requires_grad_();
 * const b = torch.randn(4, 2, { dtype: torch.float64 }).requires_grad_();
 * torch.autograd.gradcheck((x, y) => x.matmul(y), [a, b]);   // true
 * torch.autograd.gradgradcheck((x, y) => x.matmul(y), [a, b]); // true
 */
import { ArgumentError, TsorchError } from "../errors.js";
import { type DType, float64 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { warn } from "../warnings.js";
import { rand } from "../ops/random.js";
import { computeGrad } from "./engine.js";
import { GradFn, edgeOf } from "./graph.js";
import { thrownByCustomBackward } from "./function.js";

/** Raised when a check fails (PyTorch's `torch.autograd.gradcheck.GradcheckError`, a RuntimeError). */
export class GradcheckError extends TsorchError {
  constructor(message: string) {
    super(message, "RuntimeError");
    Object.defineProperty(this, "name", { value: "GradcheckError", enumerable: false, configurable: true, writable: true });
  }

  /** PyTorch's class derives from RuntimeError; the Python type a notebook shows is `GradcheckError`. */
  override get pyType(): "RuntimeError" {
    return "RuntimeError";
  }
}

/** Keyword arguments of `gradcheck`. */
export interface GradcheckOptions {
  /** Perturbation for finite differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on failure (default); with false, return false instead. */
  raise_exception?: boolean;
  /** How far two backward runs with the same input may differ (default 0: identical). */
  nondet_tol?: number;
  /** Check that backward copes with output gradients that are undefined (default true). */
  check_undefined_grad?: boolean;
  /** Fail when a gradient's dtype differs from its input's (default false). */
  check_grad_dtypes?: boolean;
}

/** Keyword arguments of `gradgradcheck`. */
export type GradgradcheckOptions = GradcheckOptions;

/** What the checked function may return: a tensor or an array of tensors. */
type Outputs = Tensor | readonly Tensor[];
// The checked function takes the inputs as its arguments, like PyTorch's `func(*inputs)`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CheckedFn = (...args: any[]) => Outputs;

const FLOAT_WARNING = (idx: number) =>
  `Input #${idx} requires gradient and is not a double precision floating point or complex. This check will likely ` +
  "fail if all the inputs are not of double precision floating point or complex. ";

const UNDEFINED_NOTE = 'Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"';

/**
 * Checks the gradients of `fn` at `inputs` (a tensor, or an array of
 * arguments, tensors or not) against finite differences. Returns true, or
 * throws a `GradcheckError` naming the output and input whose Jacobians
 * differ and printing both (returns false with `raise_exception: false`).
 *
 * @example
 * const x = torch.randn(4, { dtype: torch.float64 }).requires_grad_();
 * torch.autograd.gradcheck((t: Tensor) => Exp.apply(t), [x]);   // true when Exp's backward is right
 */
export function gradcheck(fn: CheckedFn, inputs: Tensor | readonly unknown[], options: GradcheckOptions = {}): boolean {
  const o = withDefaults(options);
  if (!o.raise_exception) {
    try {
      return gradcheckHelper(fn, tupleOf(inputs), o);
    } catch (e) {
      if (e instanceof GradcheckError) return false;
      throw e;
    }
  }
  return gradcheckHelper(fn, tupleOf(inputs), o);
}

/**
 * Checks gradients of gradients: runs `gradcheck` on the function that maps
 * `(inputs, grad_outputs)` to the gradients of `fn` computed with
 * `create_graph`. Without `grad_outputs`, random ones in [-1, 1) (the
 * outputs' shapes and dtypes) are used.
 *
 * @example
 * torch.autograd.gradgradcheck((x) => x.pow(3), [torch.randn(3, { dtype: torch.float64 }).requires_grad_()]);
 */
export function gradgradcheck(
  fn: CheckedFn, inputs: Tensor | readonly unknown[], grad_outputs?: Tensor | readonly Tensor[] | null, options: GradgradcheckOptions = {},
): boolean {
  const tupled = tupleOf(inputs);
  const gradOutputs = grad_outputs === undefined || grad_outputs === null
    ? differentiableOutputs(fn(...tupled)).map(randomGradOutput)
    : (tupleOf(grad_outputs) as Tensor[]);
  const n = gradOutputs.length;
  const diffInputs = new Set(tupled.flatMap((x, i) => (x instanceof Tensor && x.requires_grad ? [i] : [])));
  const gradsOf: CheckedFn = (...args: unknown[]) => {
    const ins = args.slice(0, args.length - n);
    const outs = differentiableOutputs(fn(...ins));
    const diff = ins.filter((_, i) => diffInputs.has(i)) as Tensor[];
    const grads = computeGrad(outs, diff, args.slice(args.length - n) as Tensor[], true, true, true);
    return grads.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(gradsOf, [...tupled, ...gradOutputs], options);
}

type Resolved = Required<GradcheckOptions>;

function withDefaults(o: GradcheckOptions): Resolved {
  return {
    eps: o.eps ?? 1e-6, atol: o.atol ?? 1e-5, rtol: o.rtol ?? 1e-3, raise_exception: o.raise_exception ?? true,
    nondet_tol: o.nondet_tol ?? 0, check_undefined_grad: o.check_undefined_grad ?? true, check_grad_dtypes: o.check_grad_dtypes ?? false,
  };
}

function tupleOf(x: Tensor | readonly unknown[]): unknown[] {
  return x instanceof Tensor ? [x] : [...x];
}

function outputsOf(out: Outputs): Tensor[] {
  const list: unknown[] = out instanceof Tensor ? [out] : Array.isArray(out) ? [...out] : [out];
  for (const t of list) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`gradcheck expects func to return a Tensor or a sequence of Tensors, got ${typeof t}`, "func", "TypeError");
  }
  return list as Tensor[];
}

function differentiableOutputs(out: Outputs): Tensor[] {
  return outputsOf(out).filter((t) => t.requires_grad);
}

/**
 * `torch.testing.make_tensor(shape, low=-1, high=1, requires_grad=True)` for a gradient of `t`, drawn
 * from the default generator (so `torch.manual_seed` makes gradgradcheck reproducible).
 */
function randomGradOutput(t: Tensor): Tensor {
  const dtype = t.dtype.is_floating_point ? t.dtype : float64;
  return rand([...t.shape], { dtype }).mul(2).sub(1).requires_grad_();
}

function gradcheckHelper(fn: CheckedFn, inputs: unknown[], o: Resolved): boolean {
  checkInputs(inputs);
  const funcOut = outputsOf(fn(...inputs));
  const outputs = funcOut.filter((t) => t.requires_grad);
  const diffInputs = inputs.filter((x): x is Tensor => x instanceof Tensor && x.requires_grad);
  slowGradcheck(fn, funcOut, inputs, outputs, diffInputs, o);
  testBackwardMulByGradOutput(outputs, diffInputs);
  if (o.check_undefined_grad) testUndefinedBackward(fn, inputs, diffInputs);
  return true;
}

/** PyTorch's input checks: something requires grad; non-double inputs warn; no stride-0 (overlapping) input. */
function checkInputs(inputs: readonly unknown[]): void {
  let any = false;
  inputs.forEach((x, idx) => {
    if (!(x instanceof Tensor) || !x.requires_grad) return;
    if (x.dtype !== float64) warn(FLOAT_WARNING(idx));
    if (!x.shape.every((size, d) => x._strides[d]! > 0 || size <= 1)) {
      throw new TsorchError(
        `The ${idx}th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping to be able to ` +
        "compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.",
      );
    }
    any = true;
  });
  if (!any) {
    throw new ArgumentError("gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.", "inputs");
  }
}

/** A 2-d Jacobian block `[rows, cols]` of `dtype`, zero-filled. */
function jacobian(rows: number, cols: number, dtype: DType): Tensor {
  return Tensor._fromData(new dtype.ArrayType(rows * cols), [rows, cols], dtype);
}

/** The storage positions of a tensor's elements in row-major order. */
function elementPositions(t: Tensor): number[] {
  const pos: number[] = [];
  const nd = t.ndim;
  const n = t.numel();
  const index = new Array<number>(nd).fill(0);
  let p = t._offset;
  for (let k = 0; k < n; k++) {
    pos.push(p);
    for (let d = nd - 1; d >= 0; d--) {
      index[d]!++;
      p += t._strides[d]!;
      if (index[d]! < t.shape[d]!) break;
      p -= t._strides[d]! * t.shape[d]!;
      index[d] = 0;
    }
  }
  return pos;
}

/** Python's repr of a float (`1e-06`, `0.001`), for messages. */
function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return String(x);
}

/** Python's index tuple: `(0, 1)`, `(3,)`, `()`. */
function pyIndex(i: readonly number[]): string {
  return i.length === 1 ? `(${i[0]},)` : `(${i.join(", ")})`;
}

/**
 * The numerical Jacobians of every differentiable output with respect to
 * every input that requires grad: `[input.numel(), output.numel()]` each,
 * in the output's dtype. The element is written straight into storage (as
 * PyTorch writes through `.data`), so saved-tensor versions are unaffected.
 */
function numericalJacobians(fn: CheckedFn, inputs: readonly unknown[], outputs: readonly Tensor[], which: readonly number[], o: Resolved): Tensor[][] {
  const diff = inputs.filter((x): x is Tensor => x instanceof Tensor && x.requires_grad);
  const result: Tensor[][] = which.map(() => []);
  for (const input of diff) {
    const jacs = which.map((i) => jacobian(input.numel(), outputs[i]!.numel(), outputs[i]!.dtype));
    const data = input.storage.data;
    const shape = [...input.shape];
    elementPositions(input).forEach((p, k) => {
      const orig = data[p]!;
      data[p] = orig - o.eps;
      const outA = outputsOf(fn(...inputs));
      data[p] = orig + o.eps;
      const outB = outputsOf(fn(...inputs));
      data[p] = orig;
      which.forEach((i, w) => {
        const a = outA[i]!;
        const b = outB[i]!;
        checkSameDtypeAndShape(a, b, o.eps, unravel(k, shape));
        // (b - a) / (2 eps), rounded as the output dtype computes it.
        const round = b.dtype.ArrayType === Float32Array ? Math.fround : (v: number) => v;
        const av = a.toFlatArray();
        const bv = b.toFlatArray();
        const jd = jacs[w]!.storage.data;
        const cols = bv.length;
        const twoEps = round(2 * o.eps);
        for (let c = 0; c < cols; c++) jd[k * cols + c] = round(round(bv[c]! - av[c]!) / twoEps);
      });
    });
    jacs.forEach((j, w) => result[w]!.push(j));
  }
  return result;
}

function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]!;
    k = Math.floor(k / shape[d]!);
  }
  return idx;
}

function checkSameDtypeAndShape(a: Tensor, b: Tensor, eps: number, idx: number[]): void {
  // PyTorch's own message prints "{idx}" literally (its format string lacks the f prefix); the index is kept here.
  const on = `on index ${pyIndex(idx)} `;
  if (!a.shape.equals(b.shape)) {
    throw new TsorchError(`Expected \`func\` to return outputs with the same shape when inputs are perturbed ${on}by ${pyFloat(eps)}, but got: shapes ${a.shape} and ${b.shape}.`, "AssertionError");
  }
  if (a.dtype !== b.dtype) {
    throw new TsorchError(`Expected \`func\` to return outputs with the same dtype when inputs are perturbed ${on}by ${pyFloat(eps)}, but got: dtypes ${a.dtype} and ${b.dtype}.`, "AssertionError");
  }
}

/**
 * The analytical Jacobians of `output` with respect to `diffInputs`
 * (`[input.numel(), output.numel()]` each, in the input's dtype), one
 * backward per output element; computed twice to check determinism.
 */
function analyticalJacobians(output: Tensor, diffInputs: readonly Tensor[], o: Resolved): Tensor[] {
  const run = (): { jacs: Tensor[]; sizesOk: boolean; typesOk: boolean } => {
    const jacs = diffInputs.map((x) => jacobian(x.numel(), output.numel(), x.dtype));
    let sizesOk = true;
    let typesOk = true;
    const n = output.numel();
    for (let j = 0; j < n; j++) {
      const gradOut = Tensor._fromData(new output.dtype.ArrayType(n), [...output.shape], output.dtype);
      gradOut.storage.data[j] = 1;
      const grads = computeGrad([output], diffInputs, [gradOut], true, false, true);
      grads.forEach((g, i) => {
        if (g === null) return;
        const x = diffInputs[i]!;
        if (!g.shape.equals(x.shape)) sizesOk = false;
        else if (g.dtype !== x.dtype) typesOk = false;
        const gv = g.toFlatArray();
        const jd = jacs[i]!.storage.data;
        if (gv.length !== x.numel()) return;
        for (let r = 0; r < gv.length; r++) jd[r * n + j] = gv[r]!;
      });
    }
    return { jacs, sizesOk, typesOk };
  };
  const first = run();
  const second = run();
  if (!first.typesOk && o.check_grad_dtypes) throw new GradcheckError("Gradient has dtype mismatch");
  if (!first.sizesOk) throw new GradcheckError("Analytical gradient has incorrect size");
  const reentrant = first.jacs.every((j1, i) => {
    const a = j1.toFlatArray();
    const b = second.jacs[i]!.toFlatArray();
    let max = 0;
    for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k]! - b[k]!));
    return a.length === 0 || !(max > o.nondet_tol);
  });
  if (!reentrant) {
    throw new GradcheckError(
      "Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different " +
      `values, although analytical gradient matches numerical gradient.The tolerance for nondeterminism was ${pyFloat(o.nondet_tol)}.` +
      NONDET_NOTE,
    );
  }
  return first.jacs;
}

const NONDET_NOTE = `

NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with \`nondet_tol=<tol>\` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have \`gradcheck_nondet_tol=<tol>\`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have \`gradcheck_nondet_tol=<tol>\`
`;

/** `torch.allclose(a, n, rtol, atol)`: |a - n| <= atol + rtol |n| everywhere (NaN never close). */
function allclose(a: Tensor, n: Tensor, rtol: number, atol: number): boolean {
  const av = a.toFlatArray();
  const nv = n.toFlatArray();
  for (let i = 0; i < av.length; i++) {
    const x = av[i]!;
    const y = nv[i]!;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return false;
  }
  return true;
}

function slowGradcheck(fn: CheckedFn, funcOut: Tensor[], inputs: unknown[], outputs: Tensor[], diffInputs: Tensor[], o: Resolved): void {
  if (outputs.length === 0) {
    // Nothing is differentiable: the function must then not depend on its inputs at all.
    const floats = funcOut.flatMap((t, i) => (t.dtype.is_floating_point ? [i] : []));
    for (const perOutput of numericalJacobians(fn, inputs, funcOut, floats, o)) {
      for (const j of perOutput) {
        if (j.toFlatArray().some((v) => v !== 0)) throw new GradcheckError("Numerical gradient for function expected to be zero");
      }
    }
    return;
  }
  const which = funcOut.flatMap((t, i) => (t.requires_grad ? [i] : []));
  const numerical = numericalJacobians(fn, inputs, funcOut, which, o);
  outputs.forEach((output, i) => {
    const analytical = analyticalJacobians(output, diffInputs, o);
    analytical.forEach((a, j) => {
      const n = numerical[i]![j]!;
      if (!allclose(a, n, o.rtol, o.atol)) {
        throw new GradcheckError(`Jacobian mismatch for output ${i} with respect to input ${j},\nnumerical:${n}\nanalytical:${a}\n`);
      }
    });
  });
}

/** A zero output gradient must give zero input gradients of the inputs' dtypes and shapes. */
function testBackwardMulByGradOutput(outputs: Tensor[], diffInputs: Tensor[]): void {
  if (diffInputs.length === 0) throw new GradcheckError("no Tensors requiring grad found in input");
  const zeros = outputs.map((t) => Tensor._fromData(new t.dtype.ArrayType(t.numel()), [...t.shape], t.dtype));
  const grads = computeGrad(outputs, diffInputs, zeros, false, false, true);
  grads.forEach((g, i) => {
    if (g === null) return;
    const x = diffInputs[i]!;
    if (g.toFlatArray().some((v) => v !== 0)) throw new GradcheckError("backward not multiplied by grad_output");
    if (g.dtype !== x.dtype) throw new GradcheckError("grad is incorrect type");
    if (!g.shape.equals(x.shape)) throw new GradcheckError("grad is incorrect size");
  });
}

/**
 * PyTorch's `UndefinedGrad`: the same values, but the gradient flowing
 * back from it is undefined (null), as when an output is not used.
 */
function undefinedGrad(t: Tensor): Tensor {
  const out = t._view(t.shape, t._strides, t._offset);
  out._setGradFn(new GradFn("UndefinedGradBackward", [edgeOf(t)], () => [null]), 0);
  return out;
}

/**
 * Backward must work when every output gradient is undefined (and, with
 * several outputs, when one of them is), giving undefined or zero input
 * gradients.
 */
function testUndefinedBackward(fn: CheckedFn, inputs: unknown[], diffInputs: Tensor[]): void {
  if (diffInputs.length === 0) throw new GradcheckError("no Tensors requiring grad found in input");
  const warnCompat = () => warn(
    "Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it may break " +
    'existing callers of this function. If this is true for you, you can call this function with "check_undefined_grad=False" ' +
    "to disable the feature",
  );
  const sets: Tensor[][] = [differentiableOutputs(fn(...inputs)).map(undefinedGrad)];
  if (sets[0]!.length > 1) {
    for (let k = 0; k < sets[0]!.length; k++) sets.push(differentiableOutputs(fn(...inputs)).map((t, i) => (i === k ? undefinedGrad(t) : t)));
  }
  for (const outs of sets) {
    const zeros = outs.map((t) => Tensor._fromData(new t.dtype.ArrayType(t.numel()), [...t.shape], t.dtype));
    let grads: (Tensor | null)[];
    try {
      grads = computeGrad(outs, diffInputs, zeros, false, false, true);
    } catch (e) {
      // PyTorch turns a RuntimeError into the verdict; anything else a custom backward throws (say, a TypeError
      // from using a null gradient) propagates, as Python's TypeError does there. Any other failure comes from
      // a built-in op's closure meeting a null gradient, which the engine does not skip yet: the check cannot
      // conclude, and the next set of outputs is tried.
      if (e instanceof TsorchError && e.pyType === "RuntimeError") {
        warnCompat();
        throw new GradcheckError(`Expected backward function to handle undefined output grads. ${UNDEFINED_NOTE}`);
      }
      if (thrownByCustomBackward(e)) throw e;
      continue;
    }
    for (const g of grads) {
      if (g !== null && g.toFlatArray().some((v) => v !== 0)) {
        warnCompat();
        throw new GradcheckError(`Expected all input grads to be undefined or zero when all output grads are undefined or zero. ${UNDEFINED_NOTE}`);
      }
    }
  }
}
