/**
 * `torch.special`, and the gamma-family ops PyTorch also has at the top level
 * (`torch.lgamma`, `digamma`, `polygamma`, `mvlgamma`, `erfinv`, `i0`,
 * `sinc`, `logit`, `xlogy`). Element-wise over broadcast operands; integer
 * and bool inputs compute in float32; values come from the double-precision
 * scalar functions in special-math.ts, rounded to the result dtype. Gradients
 * follow PyTorch's: where PyTorch has a derivative formula it is recorded,
 * where it raises "not implemented" so does tsorch.
 *
 * @example
 * torch.special.ndtr(torch.tensor([0, 1.96]))       // tensor([0.5000, 0.9750])
 * torch.special.bessel_j0(torch.tensor([0, 2.4048]))
 * torch.lgamma(torch.tensor([0.5]))                  // tensor([0.5724])
 */
import { record } from "../autograd/graph.js";
import { AutogradError, TsorchError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { broadcast_tensors } from "./broadcast.js";
import { type TensorLike, checkTensor } from "./operand.js";
import { resultType, toFloating } from "./result-type.js";
import { type ArgsOf, Float, Int, arg, optional, required, signature } from "./signature.js";
import * as m from "./special-math.js";
import { exp, log, log1p, erfc as erfcOp, erf as erfOp, exp2 } from "./unary.js";
import { add, div, mul, sub } from "./binary.js";
import { softmax as softmaxOp, log_softmax as logSoftmaxOp } from "./softmax.js";
import { logsumexp as logsumexpOp } from "./reduce.js";
import { sigmoid } from "./activation.js";
import { round as roundOp, expm1 as expm1Op } from "./unary.js";

type Grad = (g: Tensor, inputs: Tensor[], out: Tensor) => Tensor | null;

/**
 * An element-wise op over `operands` (tensors or numbers, broadcast) computing
 * `f` in double precision. `grads[i]` is the gradient for operand i; a missing
 * one raises PyTorch's "derivative ... is not implemented" when asked for.
 */
export function pointwise(name: string, operands: readonly TensorLike[], f: (...v: number[]) => number, grads: readonly (Grad | undefined)[] = [], dtype?: DType): Tensor {
  operands.forEach((o, i) => { if (!(o instanceof Tensor) && typeof o !== "number" && typeof o !== "boolean") checkTensor(o, name, i === 0 ? "input" : "other", i + 1); });
  if (operands.length > 1 && !operands.some((o) => o instanceof Tensor)) {
    const kinds = operands.map((o) => (typeof o === "boolean" ? "bool" : Number.isInteger(o) ? "int" : "float"));
    throw new TsorchError(`${name}() received an invalid combination of arguments - got (${kinds.join(", ")}), but expected one of:`, "TypeError");
  }
  const out = dtype ?? toFloating(resultType(operands));
  const tensors = operands.map((o) => (o instanceof Tensor ? o : null));
  const present = tensors.filter((t): t is Tensor => t !== null);
  const expanded = present.length > 0 ? broadcast_tensors(...present) : [];
  const shape = expanded[0]?.shape ?? [];
  const n = shape.reduce((a, b) => a * b, 1);
  let k = 0;
  const data = operands.map((o) => (o instanceof Tensor ? expanded[k++]!.contiguous().toFlatArray() : null));
  const scalars = operands.map((o) => (o instanceof Tensor ? 0 : Number(o)));
  const res = new out.ArrayType(n);
  const args = new Array<number>(operands.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < operands.length; j++) args[j] = data[j] ? Number(data[j]![i]) : scalars[j]!;
    res[i] = f(...args);
  }
  const result = Tensor._fromData(res, [...shape], out);
  if (out.kind === "float") {
    const node = `${name.charAt(0).toUpperCase()}${name.slice(1).replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}Backward0`;
    record(node, result, tensors.map((t) => t ?? null), ([g]) => tensors.map((t, i) => {
      if (!t || !t.requires_grad) return null;
      const grad = grads[i];
      if (!grad) throw new AutogradError(`the derivative for '${name}' is not implemented.`);
      const d = grad(g!, tensors.map((x) => x ?? (null as unknown as Tensor)), result);
      return d === null ? null : sumTo(d, t.shape);
    }));
  }
  return result;
}

/** Sums a broadcast gradient back to `shape`. */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  let r = g;
  while (r.ndim > shape.length) r = r.sum(0);
  shape.forEach((s, i) => { if (s === 1 && r.shape[i] !== 1) r = r.sum(i, true); });
  return r;
}

const unary = (name: string, f: (x: number) => number, grad?: Grad) => (input: Tensor): Tensor =>
  pointwise(name, [checkTensor(input, name)], f, [grad]);

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// ---------------------------------------------------------------- gamma family
/** log |Gamma(x)|. */
export const lgamma = unary("lgamma", m.lgamma, (g, [x]) => mul(g, digamma(x!)));
/** Gamma'(x) / Gamma(x). */
export const digamma = unary("digamma", m.digamma, (g, [x]) => mul(g, polygamma(1, x!)));
/** The n-th derivative of digamma. */
export function polygamma(n: number, input: Tensor): Tensor {
  if (n < 0) throw new TsorchError("polygamma(n, x) does not support negative n.");
  return pointwise("polygamma", [checkTensor(input, "polygamma")], (x) => m.polygamma(n, x), [(g, [x]) => mul(g, polygamma(n + 1, x!))]);
}
/** The multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi). */
export const MVLGAMMA = signature("mvlgamma", [required("p", Int)]);
export function mvlgamma(input: Tensor, ...args: ArgsOf<typeof MVLGAMMA>): Tensor {
  checkTensor(input, "mvlgamma");
  const { p } = MVLGAMMA.parse(args);
  if (p < 1) throw new TsorchError("p has to be greater than or equal to 1");
  const flat = input.contiguous().toFlatArray();
  for (let i = 0; i < flat.length; i++) {
    if (!(Number(flat[i]) > (p - 1) / 2)) throw new TsorchError(`All elements must be greater than (p-1)/2`);
  }
  const c = (p * (p - 1) / 4) * Math.log(Math.PI);
  return pointwise("mvlgamma", [input], (x) => {
    let s = c;
    for (let i = 0; i < p; i++) s += m.lgamma(x - i / 2);
    return s;
  }, [(g, [x]) => {
    let d = digamma(x!);
    for (let i = 1; i < p; i++) d = add(d, digamma(sub(x!, i / 2)));
    return mul(g, d);
  }]);
}
/** The inverse error function. */
export const erfinv = unary("erfinv", m.erfinv, (g, _x, out) => mul(g, mul(Math.sqrt(Math.PI) / 2, exp(mul(out, out)))));
/** The modified Bessel function of the first kind, order 0. */
export const i0 = unary("i0", (x) => m.besselI(0, x), (g, [x]) => mul(g, i1(x!)));
/** `sin(pi x) / (pi x)`, 1 at 0. */
export const sinc = unary("sinc", (x) => {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}, (g, [x]) => mul(g, pointwise("sinc_backward", [x!], (v) => {
  if (v === 0) return 0;
  const px = Math.PI * v;
  return (Math.cos(px) * px - Math.sin(px)) / (px * v);
})));

/** `log(x / (1 - x))`, with x clamped to [eps, 1 - eps] when `eps` is given. */
export const LOGIT = signature("logit", [arg("eps", optional(Float), null)]);
export function logit(input: Tensor, ...args: ArgsOf<typeof LOGIT>): Tensor {
  const { eps } = LOGIT.parse(args);
  checkTensor(input, "logit");
  return pointwise("logit", [input], (x) => {
    const z = eps === null ? x : Math.min(Math.max(x, eps), 1 - eps);
    return Math.log(z / (1 - z));
  }, [(g, [x]) => {
    const lo = eps ?? -Infinity;
    const hi = eps === null ? Infinity : 1 - eps;
    return mul(g, pointwise("logit_backward", [x!], (v) => (v < lo || v > hi ? 0 : 1 / (v * (1 - v)))));
  }]);
}

/** `x * log(y)`, 0 where x is 0 (and y is not NaN). */
export function xlogy(input: TensorLike, other: TensorLike): Tensor {
  return pointwise("xlogy", [input, other], (x, y) => (Number.isNaN(y) ? NaN : x === 0 ? 0 : x * Math.log(y)), [
    (g, [, y]) => mul(g, xlogyMask(y ?? Number(other))),
    (g, [x, y]) => mul(g, div(x ?? Number(input), y!)),
  ]);
  function xlogyMask(y: TensorLike): Tensor {
    return pointwise("xlogy_backward", [input, y], (x, v) => (x === 0 && !Number.isNaN(v) ? 0 : Math.log(v)));
  }
}

/** `x * log1p(y)`, 0 where x is 0 (and y is not NaN). */
export function xlog1py(input: TensorLike, other: TensorLike): Tensor {
  return pointwise("special_xlog1py", [input, other], (x, y) => (Number.isNaN(y) ? NaN : x === 0 ? 0 : x * Math.log1p(y)), [
    (g, [, y]) => mul(g, pointwise("xlog1py_backward", [input, y ?? Number(other)], (x, v) => (x === 0 && !Number.isNaN(v) ? 0 : Math.log1p(v)))),
    (g, [x, y]) => mul(g, div(x ?? Number(input), add(y!, 1))),
  ]);
}

/** The Hurwitz zeta function. */
export function zeta(input: TensorLike, other: TensorLike): Tensor {
  return pointwise("special_zeta", [input, other], m.zeta);
}

// ---------------------------------------------------------------- torch.special
const I1 = (x: number) => m.besselI(1, x);
/** Modified Bessel function of the first kind, order 1. */
export const i1 = unary("special_i1", I1, (g, [x], out) => mul(g, pointwise("i1_backward", [x!, out], (v, o) => (v === 0 ? 0.5 : m.besselI(0, v) - o / v))));
export const i0e = unary("special_i0e", (x) => m.besselI(0, x, true), (g, [x], out) => mul(g, pointwise("i0e_backward", [x!, out], (v, o) => m.besselI(1, v, true) - Math.sign(v) * o)));
export const i1e = unary("special_i1e", (x) => m.besselI(1, x, true), (g, [x], out) => mul(g, pointwise("i1e_backward", [x!, out], (v, o) => (v === 0 ? 0.5 : m.besselI(0, v, true) - o * (Math.sign(v) + 1 / v)))));
export const ndtr = unary("special_ndtr", m.ndtr, (g, [x]) => mul(g, mul(1 / Math.sqrt(2 * Math.PI), exp(mul(-0.5, mul(x!, x!))))));
export const ndtri = unary("special_ndtri", m.ndtri, (g, _x, out) => mul(g, mul(Math.sqrt(2 * Math.PI), exp(mul(0.5, mul(out, out))))));
export const log_ndtr = unary("special_log_ndtr", m.logNdtr, (g, [x], out) => mul(g, div(mul(1 / Math.sqrt(2 * Math.PI), exp(mul(-0.5, mul(x!, x!)))), exp(out))));
export const erfcx = unary("special_erfcx", m.erfcx, (g, [x], out) => mul(g, sub(mul(mul(2, x!), out), TWO_OVER_SQRT_PI)));
export const entr = unary("special_entr", (x) => (Number.isNaN(x) ? NaN : x > 0 ? -x * Math.log(x) : x === 0 ? 0 : -Infinity), (g, [x]) => mul(g, mul(-1, add(log(x!), 1))));
export const airy_ai = unary("special_airy_ai", m.airyAi);
export const bessel_j0 = unary("special_bessel_j0", (x) => m.besselJ(0, x));
export const bessel_j1 = unary("special_bessel_j1", (x) => m.besselJ(1, x));
export const bessel_y0 = unary("special_bessel_y0", (x) => m.besselY(0, x));
export const bessel_y1 = unary("special_bessel_y1", (x) => m.besselY(1, x));
export const modified_bessel_i0 = unary("special_modified_bessel_i0", (x) => m.besselI(0, x));
export const modified_bessel_i1 = unary("special_modified_bessel_i1", I1);
export const modified_bessel_k0 = unary("special_modified_bessel_k0", (x) => m.besselK(0, x));
export const modified_bessel_k1 = unary("special_modified_bessel_k1", (x) => m.besselK(1, x));
export const scaled_modified_bessel_k0 = unary("special_scaled_modified_bessel_k0", (x) => m.besselK(0, x, true));
export const scaled_modified_bessel_k1 = unary("special_scaled_modified_bessel_k1", (x) => m.besselK(1, x, true));
export const spherical_bessel_j0 = unary("special_spherical_bessel_j0", (x) => {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? NaN : 0;
  if (Math.abs(x) < 0.5) {
    const xx = x * x;
    return 1 - xx / 6 * (1 - xx / 20 * (1 - xx / 42 * (1 - xx / 72 * (1 - xx / 110 * (1 - xx / 156)))));
  }
  return Math.sin(x) / x;
});

const poly = (name: string, kind: m.PolyKind, shifted = false) => (input: TensorLike, n: TensorLike): Tensor =>
  pointwise(name, [input, n], (x, k) => m.orthoPoly(kind, shifted ? 2 * x - 1 : x, k));
export const chebyshev_polynomial_t = poly("special_chebyshev_polynomial_t", "T");
export const chebyshev_polynomial_u = poly("special_chebyshev_polynomial_u", "U");
export const chebyshev_polynomial_v = poly("special_chebyshev_polynomial_v", "V");
export const chebyshev_polynomial_w = poly("special_chebyshev_polynomial_w", "W");
export const shifted_chebyshev_polynomial_t = poly("special_shifted_chebyshev_polynomial_t", "T", true);
export const shifted_chebyshev_polynomial_u = poly("special_shifted_chebyshev_polynomial_u", "U", true);
export const shifted_chebyshev_polynomial_v = poly("special_shifted_chebyshev_polynomial_v", "V", true);
export const shifted_chebyshev_polynomial_w = poly("special_shifted_chebyshev_polynomial_w", "W", true);
export const hermite_polynomial_h = poly("special_hermite_polynomial_h", "H");
export const hermite_polynomial_he = poly("special_hermite_polynomial_he", "He");
export const laguerre_polynomial_l = poly("special_laguerre_polynomial_l", "L");
export const legendre_polynomial_p = poly("special_legendre_polynomial_p", "P");

/** The `torch.special` namespace: the functions above and PyTorch's aliases of top-level ops. */
export const special = {
  airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, modified_bessel_i0, modified_bessel_i1, modified_bessel_k0,
  modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1, spherical_bessel_j0,
  chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w,
  shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w,
  hermite_polynomial_h, hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p,
  i0, i0e, i1, i1e, ndtr, ndtri, log_ndtr, erfcx, entr, xlog1py, xlogy, zeta, polygamma, digamma, psi: digamma,
  gammaln: lgamma, multigammaln: mvlgamma, erf: erfOp, erfc: erfcOp, erfinv, expit: sigmoid, exp2, expm1: expm1Op,
  log1p, logit, sinc, round: roundOp, softmax: softmaxOp, log_softmax: logSoftmaxOp, logsumexp: logsumexpOp,
};
