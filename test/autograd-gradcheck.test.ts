/**
 * Finite-difference checks (float64) of every op's backward: the gradient
 * autograd computes for a random output gradient v must match
 * (f(x + eps) - f(x - eps)) . v / (2 eps) for every input element. A second
 * group checks gradients of gradients (create_graph) the same way.
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import { Tensor } from "../src/tensor/tensor.js";
import { accumulatorOf } from "../src/autograd/graph.js";
import { linear } from "../src/nn/functional/linear.js";

const f64 = { dtype: torch.float64 };

/** Deterministic pseudo-random doubles (a small LCG), so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

let rand = prng(42);

/** A float64 leaf of `shape` with values in [lo, hi). */
function uniform(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
  return Tensor._fromData(data, shape, torch.float64).requires_grad_();
}

/** Values of magnitude in [0.3, 1.5) with random signs: away from the kinks of abs, relu, clamp at 0. */
function signed(shape: number[]): Tensor {
  const t = uniform(shape, 0.3, 1.5);
  const d = t.storage.data;
  for (let i = 0; i < d.length; i++) if (rand() < 0.5) d[i] = -d[i]!;
  return t;
}

/** Distinct values (no ties), for max/min/sort/median; `shift` keeps two such tensors apart. */
function distinct(shape: number[], shift = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5);
  return Tensor._fromData(new Float64Array(perm.map((p) => (p - n / 2) * 0.3 + 0.05 + shift)), shape, torch.float64).requires_grad_();
}

function dotWith(out: Tensor, v: Tensor): number {
  const a = out.toFlatArray();
  const b = v.toFlatArray();
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The first output of an op result (values of a ValuesIndices, first of a list). */
function first(r: unknown): Tensor {
  if (r instanceof Tensor) return r;
  if (Array.isArray(r)) return r[0] as Tensor;
  return (r as { values: Tensor }).values;
}

/**
 * Compares autograd's input gradients with central differences. Inputs must
 * be contiguous float64 leaves; only those that require grad are checked.
 */
function gradcheck(f: (...xs: Tensor[]) => unknown, inputs: Tensor[], eps = 1e-6, atol = 1e-6, rtol = 1e-5): void {
  for (const x of inputs) x.grad = null;
  const out = first(f(...inputs));
  const v = uniform([...out.shape]).detach();
  out.backward(v);
  inputs.forEach((x, k) => {
    if (!x.requires_grad) return;
    const data = x.storage.data;
    const analytic = x.grad ? x.grad.toFlatArray() : new Float64Array(x.numel());
    for (let j = 0; j < x.numel(); j++) {
      const orig = data[x._offset + j]!;
      data[x._offset + j] = orig + eps;
      const fp = torch.no_grad(() => dotWith(first(f(...inputs)), v));
      data[x._offset + j] = orig - eps;
      const fm = torch.no_grad(() => dotWith(first(f(...inputs)), v));
      data[x._offset + j] = orig;
      const numeric = (fp - fm) / (2 * eps);
      const a = analytic[j]!;
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`input ${k} element ${j}: autograd ${a}, finite differences ${numeric}`);
      }
    }
  });
}

type Case = [name: string, f: (...xs: Tensor[]) => unknown, inputs: () => Tensor[]];

const T = (...shape: number[]) => () => [signed(shape)];
const TT = (a: number[], b: number[]) => () => [signed(a), signed(b)];

const CASES: Case[] = [
  // binary arithmetic, with broadcasting
  ["add", (a, b) => a!.add(b!), TT([3, 4], [4])],
  ["add alpha", (a, b) => a!.add(b!, { alpha: -2.5 }), TT([2, 1, 3], [4, 1])],
  ["add scalar first", (a) => torch.add(2, a!), T(3)],
  ["sub", (a, b) => a!.sub(b!), TT([3, 1], [1, 4])],
  ["rsub", (a) => torch.rsub(a!, 3), T(4)],
  ["sub scalar first", (a) => torch.sub(1.5, a!, { alpha: 2 }), T(4)],
  ["mul", (a, b) => a!.mul(b!), TT([2, 3], [2, 3])],
  ["mul broadcast", (a, b) => a!.mul(b!), TT([2, 3, 4], [3, 1])],
  ["mul 0-d", (a, b) => a!.mul(b!), TT([3, 2], [])],
  ["div", (a, b) => a!.div(b!), TT([3, 4], [4])],
  ["div scalar first", (a) => torch.div(2, a!), T(5)],
  ["pow tensor", (a, b) => a!.abs().add(0.5).pow(b!), TT([3, 4], [4])],
  ["pow 2", (a) => a!.pow(2), T(5)],
  ["pow 3", (a) => a!.pow(3), T(5)],
  ["pow 0.5", (a) => a!.abs().pow(0.5), T(5)],
  ["pow -1", (a) => a!.pow(-1), T(5)],
  ["pow -2", (a) => a!.pow(-2), T(5)],
  ["pow 1.7", (a) => a!.abs().pow(1.7), T(5)],
  ["pow scalar base", (a) => torch.pow(2.5, a!), T(5)],
  ["float_power", (a) => torch.float_power(a!.abs(), 1.5), T(4)],
  ["remainder", (a, b) => a!.mul(3).remainder(b!), TT([4], [4])],
  ["fmod", (a) => a!.mul(3).fmod(0.7), T(6)],
  ["maximum", (a, b) => a!.maximum(b!), () => [distinct([3, 4]), distinct([3, 4], 0.1)]],
  ["minimum", (a, b) => a!.minimum(b!), () => [distinct([3, 4]), distinct([4], 0.1)]],
  ["fmax", (a, b) => a!.fmax(b!), () => [distinct([3, 4]), distinct([3, 4], 0.1)]],
  ["atan2", (a, b) => a!.atan2(b!), TT([3, 4], [3, 4])],
  ["hypot", (a, b) => a!.hypot(b!), TT([3, 4], [4])],
  ["logaddexp", (a, b) => a!.logaddexp(b!), TT([3, 4], [3, 1])],
  ["lerp", (a, b) => a!.lerp(b!, 0.3), TT([3], [3])],
  ["addcmul", (a, b, c) => a!.addcmul(b!, c!, { value: 0.5 }), () => [signed([3]), signed([3]), signed([3])]],
  ["addcdiv", (a, b, c) => a!.addcdiv(b!, c!, { value: 0.5 }), () => [signed([3]), signed([3]), signed([3])]],
  // unary math
  ["neg", (a) => a!.neg(), T(5)],
  ["abs", (a) => a!.abs(), T(5)],
  ["exp", (a) => a!.exp(), T(5)],
  ["exp2", (a) => a!.exp2(), T(5)],
  ["expm1", (a) => a!.expm1(), T(5)],
  ["log", (a) => a!.abs().log(), T(5)],
  ["log1p", (a) => a!.abs().log1p(), T(5)],
  ["log2", (a) => a!.abs().log2(), T(5)],
  ["log10", (a) => a!.abs().log10(), T(5)],
  ["sqrt", (a) => a!.abs().sqrt(), T(5)],
  ["rsqrt", (a) => a!.abs().rsqrt(), T(5)],
  ["reciprocal", (a) => a!.reciprocal(), T(5)],
  ["square", (a) => a!.square(), T(5)],
  ["sin", (a) => a!.sin(), T(5)],
  ["cos", (a) => a!.cos(), T(5)],
  ["tan", (a) => a!.tan(), T(5)],
  ["asin", (a) => a!.mul(0.5).asin(), T(5)],
  ["acos", (a) => a!.mul(0.5).acos(), T(5)],
  ["atan", (a) => a!.atan(), T(5)],
  ["sinh", (a) => a!.sinh(), T(5)],
  ["cosh", (a) => a!.cosh(), T(5)],
  ["tanh", (a) => a!.tanh(), T(5)],
  ["asinh", (a) => a!.asinh(), T(5)],
  ["acosh", (a) => a!.abs().add(1.2).acosh(), T(5)],
  ["atanh", (a) => a!.mul(0.5).atanh(), T(5)],
  ["erf", (a) => a!.erf(), T(5)],
  ["erfc", (a) => a!.erfc(), T(5)],
  ["frac", (a) => a!.mul(0.3).frac(), T(5)],
  ["sigmoid", (a) => a!.sigmoid(), T(5)],
  ["relu", (a) => a!.relu(), T(6)],
  ["nan_to_num", (a) => a!.nan_to_num(), T(4)],
  ["leaky_relu", (a) => torch.leaky_relu(a!, 0.2), T(6)],
  ["elu", (a) => torch.elu(a!, 0.7), T(6)],
  ["selu", (a) => torch.selu(a!), T(6)],
  ["celu", (a) => torch.celu(a!, 0.5), T(6)],
  ["gelu", (a) => torch.gelu(a!), T(6)],
  ["gelu tanh", (a) => torch.gelu(a!, { approximate: "tanh" }), T(6)],
  ["silu", (a) => torch.silu(a!), T(6)],
  ["mish", (a) => torch.mish(a!), T(6)],
  ["softplus", (a) => torch.softplus(a!, 2, 1), T(6)],
  ["hardtanh", (a) => torch.hardtanh(a!, -0.5, 0.8), () => [signed([8])]],
  ["relu6", (a) => torch.relu6(a!.mul(5)), T(6)],
  ["hardsigmoid", (a) => torch.hardsigmoid(a!.mul(4)), T(6)],
  ["hardswish", (a) => torch.hardswish(a!.mul(4)), T(6)],
  ["logsigmoid", (a) => torch.logsigmoid(a!), T(6)],
  ["softsign", (a) => torch.softsign(a!), T(6)],
  ["tanhshrink", (a) => torch.tanhshrink(a!), T(6)],
  ["threshold", (a) => torch.threshold(a!, 0.1, 2), T(6)],
  ["clamp", (a) => a!.clamp(-0.8, 0.9), T(8)],
  ["clamp min", (a) => a!.clamp({ min: 0.1 }), T(8)],
  ["clamp tensors", (a, lo, hi) => a!.clamp(lo!, hi!), () => [signed([6]), uniform([6], -0.25, -0.2), uniform([6], 0.2, 0.25)]],
  ["clamp_min", (a) => torch.clamp_min(a!, 0.2), T(6)],
  ["clamp_max", (a) => torch.clamp_max(a!, 0.2), T(6)],
  // reductions
  ["sum", (a) => a!.sum(), T(3, 4)],
  ["sum dim", (a) => a!.sum(1), T(3, 4)],
  ["sum dims keepdim", (a) => a!.sum([0, 2], true), T(2, 3, 4)],
  ["nansum", (a) => a!.nansum(), T(3, 4)],
  ["mean", (a) => a!.mean(), T(3, 4)],
  ["mean dim", (a) => a!.mean(-1, true), T(3, 4)],
  ["prod", (a) => a!.prod(), T(5)],
  ["prod dim", (a) => a!.prod(1), T(3, 4)],
  ["prod with a zero", (a) => a!.mul(torch.tensor([1, 0, 1, 1], f64)).prod(), T(4)],
  ["max all", (a) => a!.max(), () => [distinct([3, 4])]],
  ["max dim", (a) => a!.max(1), () => [distinct([3, 4])]],
  ["min dim keepdim", (a) => a!.min(0, true), () => [distinct([3, 4])]],
  ["amax", (a) => a!.amax([0, 1]), () => [distinct([2, 3, 2])]],
  ["amin", (a) => a!.amin(1), () => [distinct([3, 4])]],
  ["var", (a) => a!.var(), T(3, 4)],
  ["var dim biased", (a) => a!.var(1, false), T(3, 4)],
  ["var correction", (a) => a!.var({ dim: 0, correction: 2 }), T(4, 3)],
  ["std", (a) => a!.std(), T(3, 4)],
  ["std dim keepdim", (a) => a!.std(1, true, true), T(3, 4)],
  ["var_mean (var)", (a) => torch.var_mean(a!, 1)[0], T(3, 4)],
  ["var_mean (mean)", (a) => torch.var_mean(a!, 1)[1], T(3, 4)],
  ["std_mean", (a) => torch.std_mean(a!).reduce((x, y) => x.add(y)), T(3, 4)],
  ["norm", (a) => a!.norm(), T(3, 4)],
  ["norm p1 dim", (a) => a!.norm(1, 1), T(3, 4)],
  ["norm p3", (a) => a!.norm(3), T(3, 4)],
  ["norm inf", (a) => a!.norm(Infinity, 0), () => [distinct([3, 4])]],
  ["logsumexp", (a) => a!.logsumexp(1), T(3, 4)],
  ["cumsum", (a) => a!.cumsum(1), T(3, 4)],
  ["cumprod", (a) => a!.cumprod(0), T(4, 3)],
  ["cumprod with zero", (a) => a!.mul(torch.tensor([1, 0, 1, 1], f64)).cumprod(0), T(4)],
  ["cummax", (a) => a!.cummax(1), () => [distinct([3, 4])]],
  ["logcumsumexp", (a) => a!.logcumsumexp(1), T(3, 4)],
  ["softmax", (a) => a!.softmax(1), T(3, 4)],
  ["softmax dim 0", (a) => a!.softmax(0), T(3, 4)],
  ["log_softmax", (a) => a!.log_softmax(-1), T(3, 4)],
  ["median", (a) => a!.median(), () => [distinct([3, 3])]],
  ["median dim", (a) => a!.median(1), () => [distinct([3, 4])]],
  ["kthvalue", (a) => a!.kthvalue(2, 0), () => [distinct([3, 4])]],
  ["sort", (a) => a!.sort(1, true), () => [distinct([3, 4])]],
  ["topk", (a) => a!.topk(2, 0), () => [distinct([4, 3])]],
  // matrix products
  ["matmul 1d@1d", (a, b) => a!.matmul(b!), TT([3], [3])],
  ["matmul 2d@1d", (a, b) => a!.matmul(b!), TT([2, 3], [3])],
  ["matmul 1d@2d", (a, b) => a!.matmul(b!), TT([3], [3, 4])],
  ["matmul 2d@2d", (a, b) => a!.matmul(b!), TT([2, 3], [3, 4])],
  ["matmul 3d@2d", (a, b) => a!.matmul(b!), TT([2, 2, 3], [3, 4])],
  ["matmul 2d@3d", (a, b) => a!.matmul(b!), TT([2, 3], [2, 3, 4])],
  ["matmul 1d@3d", (a, b) => a!.matmul(b!), TT([3], [2, 3, 4])],
  ["matmul 3d@1d", (a, b) => a!.matmul(b!), TT([2, 2, 3], [3])],
  ["matmul batch broadcast", (a, b) => a!.matmul(b!), TT([2, 1, 2, 3], [3, 3, 2])],
  ["mm", (a, b) => a!.mm(b!), TT([3, 2], [2, 4])],
  ["bmm", (a, b) => a!.bmm(b!), TT([2, 3, 2], [2, 2, 4])],
  ["addmm", (i, a, b) => torch.addmm(i!, a!, b!, { beta: 0.5, alpha: 1.5 }), () => [signed([4]), signed([3, 2]), signed([2, 4])]],
  ["mv", (a, b) => a!.mv(b!), TT([3, 2], [2])],
  ["dot", (a, b) => a!.dot(b!), TT([4], [4])],
  ["outer", (a, b) => a!.outer(b!), TT([3], [4])],
  ["linear", (x, w, b) => linear(x!, w!, b!), () => [signed([2, 3]), signed([4, 3]), signed([4])]],
  ["linear 3d", (x, w, b) => linear(x!, w!, b!), () => [signed([2, 2, 3]), signed([4, 3]), signed([4])]],
  ["baddbmm", (i, a, b) => torch.baddbmm(i!, a!, b!, { beta: 2, alpha: 0.5 }), () => [signed([2, 3, 4]), signed([2, 3, 2]), signed([2, 2, 4])]],
  ["addmv", (i, a, b) => torch.addmv(i!, a!, b!), () => [signed([3]), signed([3, 2]), signed([2])]],
  // selection and indexing
  ["where", (c, a, b) => torch.where(c!.gt(0), a!, b!), () => [signed([3, 4]).detach(), signed([3, 4]), signed([4])]],
  ["masked_fill", (a) => a!.masked_fill(torch.tensor([true, false, true]), 2), T(2, 3)],
  ["masked_fill tensor value", (a, v) => a!.masked_fill(torch.tensor([true, false, true]), v!), () => [signed([2, 3]), signed([])]],
  ["masked_select", (a) => a!.masked_select(torch.tensor([true, false, true])), T(2, 3)],
  ["index_select", (a) => a!.index_select(1, torch.tensor([2, 0, 2])), T(2, 3)],
  ["gather", (a) => a!.gather(1, torch.tensor([[0, 2], [1, 1]])), T(2, 3)],
  ["scatter", (a, s) => a!.scatter(1, torch.tensor([[0], [2]]), s!), TT([2, 3], [2, 1])],
  ["scatter_add", (a, s) => a!.scatter_add(1, torch.tensor([[0, 0], [2, 1]]), s!), TT([2, 3], [2, 2])],
  ["index_add", (a, s) => a!.index_add(0, torch.tensor([1, 1]), s!, { alpha: 2 }), TT([3, 2], [2, 2])],
  ["take", (a) => torch.take(a!, torch.tensor([0, 5, 5, -1])), T(2, 3)],
  ["take_along_dim", (a) => torch.take_along_dim(a!, torch.tensor([[0], [2]]), 1), T(2, 3)],
  ["index", (a) => a!.index(torch.tensor([1, 0, 1])), T(2, 3)],
  // joins and rearranging
  ["cat", (a, b) => torch.cat([a!, b!], 1), TT([2, 3], [2, 1])],
  ["stack", (a, b) => torch.stack([a!, b!], 1), TT([2, 3], [2, 3])],
  ["hstack", (a, b) => torch.hstack([a!, b!]), TT([3], [2])],
  ["vstack", (a, b) => torch.vstack([a!, b!]), TT([3], [2, 3])],
  ["repeat", (a) => a!.repeat(2, 1, 3), T(2, 2)],
  ["tile", (a) => a!.tile([2]), T(2, 2)],
  ["flip", (a) => a!.flip([0, 1]), T(2, 3)],
  ["roll", (a) => a!.roll([1, -1], [0, 1]), T(2, 3)],
  ["roll flat", (a) => a!.roll(2), T(2, 3)],
  ["tril", (a) => a!.tril(-1), T(3, 4)],
  ["triu", (a) => a!.triu(1), T(3, 4)],
  ["diag vec", (a) => a!.diag(1), T(3)],
  ["diag mat", (a) => a!.diag(-1), T(3, 4)],
  ["diagonal", (a) => a!.diagonal(0, 1, 2), T(2, 3, 3)],
  ["diag_embed", (a) => a!.diag_embed(), T(2, 3)],
  ["trace", (a) => a!.trace(), T(3, 3)],
  ["movedim", (a) => a!.movedim(0, 2).mul(1), T(2, 3, 4)],
  ["rot90", (a) => a!.rot90(1), T(2, 3)],
  // in place, on intermediate results
  ["add_", (a, b) => a!.mul(1).add_(b!, { alpha: 2 }), TT([2, 3], [3])],
  ["mul_", (a, b) => a!.mul(1).mul_(b!), TT([2, 3], [3])],
  ["div_", (a, b) => a!.mul(1).div_(b!), TT([2, 3], [3])],
  ["pow_", (a) => a!.mul(1).pow_(3), T(4)],
  ["clamp_", (a) => a!.mul(1).clamp_(-0.7, 0.7), T(6)],
  ["relu_", (a) => a!.mul(1).relu_(), T(6)],
  ["sigmoid_", (a) => a!.mul(1).sigmoid_(), T(6)],
  ["exp_", (a) => a!.mul(1).exp_(), T(6)],
  ["log_", (a) => a!.abs().log_(), T(6)],
  ["leaky_relu_", (a) => torch.leaky_relu(a!.mul(1), 0.3), T(6)],
  ["masked_fill_", (a) => a!.mul(1).masked_fill_(torch.tensor([false, true]), 3), T(3, 2)],
  ["copy_", (a, b) => a!.mul(1).copy_(b!), TT([2, 3], [3])],
  ["addcmul_", (a, b, c) => a!.mul(1).addcmul_(b!, c!, { value: 0.5 }), () => [signed([3]), signed([3]), signed([3])]],
  ["addcdiv_", (a, b, c) => a!.mul(1).addcdiv_(b!, c!, { value: -2 }), () => [signed([3]), signed([3]), signed([3])]],
  ["lerp_", (a, b) => a!.mul(1).lerp_(b!, 0.25), TT([3], [3])],
  ["in-place on a view (CopySlices)", (a, b) => {
    const base = a!.mul(1);
    base.index(0).mul_(b!);
    return base;
  }, TT([2, 3], [3])],
  ["in-place on a slice of a fresh tensor", (b) => {
    const base = torch.zeros(2, 3, f64);
    base.index(":", "1:3").copy_(b!);
    return base.mul(base);
  }, T(2, 2)],
];

describe("backward formulas agree with finite differences (float64)", () => {
  for (const [name, f, make] of CASES) {
    it(name, () => {
      rand = prng(name.length * 7919 + name.charCodeAt(0));
      gradcheck(f, make());
    });
  }
});

/**
 * Captures the gradient a leaf receives during backward (with its graph,
 * under create_graph); zeros when no gradient reaches it.
 */
function captureGrad(leaf: Tensor): () => Tensor {
  let captured: Tensor | null = null;
  accumulatorOf(leaf).register_prehook((grads) => {
    captured = grads[0] ?? null;
  });
  return () => captured ?? torch.zeros_like(leaf);
}

const SECOND_ORDER: Case[] = [
  ["mul", (a, b) => a!.mul(b!), TT([3], [3])],
  ["exp", (a) => a!.exp(), T(4)],
  ["tanh", (a) => a!.tanh(), T(4)],
  ["sigmoid", (a) => a!.sigmoid(), T(4)],
  ["softmax", (a) => a!.softmax(1), T(2, 3)],
  ["log_softmax", (a) => a!.log_softmax(1), T(2, 3)],
  ["pow", (a) => a!.pow(3), T(4)],
  ["div", (a, b) => a!.div(b!), TT([3], [3])],
  ["matmul", (a, b) => a!.matmul(b!), TT([2, 3], [3, 2])],
  ["sqrt", (a) => a!.abs().sqrt(), T(4)],
  ["var", (a) => a!.var(1), T(2, 3)],
  ["std", (a) => a!.std(0), T(3, 2)],
  ["gelu", (a) => torch.gelu(a!), T(4)],
  ["silu", (a) => torch.silu(a!), T(4)],
  ["logsumexp", (a) => a!.logsumexp(1), T(2, 3)],
];

describe("gradients of gradients (create_graph) agree with finite differences", () => {
  for (const [name, f, make] of SECOND_ORDER) {
    it(name, () => {
      rand = prng(name.length * 104729 + 3);
      const inputs = make();
      const x = inputs[0]!;
      const out0 = first(f(...inputs));
      const v = uniform([...out0.shape]).detach();
      const w = uniform([...x.shape]).detach();
      // g(x) = d(f . v)/dx; check d(g . w)/dx by finite differences of g.
      const gradOf = (xs: Tensor[], create: boolean): Tensor => {
        const get = captureGrad(xs[0]!);
        first(f(...xs)).backward(v, { create_graph: create });
        return get();
      };
      const g = gradOf(inputs, true);
      expect(g.requires_grad).toBe(true);
      for (const t of inputs) t.grad = null;
      const get2 = captureGrad(x);
      g.mul(w).sum().backward();
      const analytic = get2().toFlatArray();
      const eps = 1e-6;
      const data = x.storage.data;
      for (let j = 0; j < x.numel(); j++) {
        const orig = data[j]!;
        data[j] = orig + eps;
        const gp = dotWith(gradOf(inputs, false), w);
        data[j] = orig - eps;
        const gm = dotWith(gradOf(inputs, false), w);
        data[j] = orig;
        const numeric = (gp - gm) / (2 * eps);
        expect(Math.abs(analytic[j]! - numeric), `element ${j}: ${analytic[j]} vs ${numeric}`).toBeLessThan(1e-5 + 1e-4 * Math.abs(numeric));
      }
    });
  }
});
