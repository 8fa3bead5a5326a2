/**
 * Every op case of test/fixtures/ops.json against PyTorch 1.13.1: values
 * (within 1e-5 relative, exactly for integers, bools and the float32 cases
 * marked exact), dtypes, shapes, autograd node names and next_functions,
 * gradients for a fixed output gradient, and error types and messages.
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import { Tensor } from "../src/tensor/tensor.js";
import { TsorchError } from "../src/errors.js";
import { type OpCase, decodeInput, expectMatches, fixture, outputsOf } from "./ops-fixture-support.js";
import { linear as torchLinear } from "../src/nn/functional/linear.js";
import { leaky_relu_ as leakyInplace } from "../src/ops/inplace.js";

type Arg = Tensor | number | boolean;
type T = Tensor;

/** The same ops as gen_ops.py, by name, written against tsorch. */
const OPS: Record<string, (...xs: Arg[]) => unknown> = {
  // binary arithmetic
  add: (a, b) => torch.add(a, b),
  add_alpha: (a, b) => torch.add(a, b, { alpha: 2 }),
  sub: (a, b) => torch.sub(a, b),
  sub_alpha: (a, b) => torch.sub(a, b, { alpha: 3 }),
  mul: (a, b) => torch.mul(a, b),
  div: (a, b) => torch.div(a, b),
  div_trunc: (a, b) => torch.div(a, b, { rounding_mode: "trunc" }),
  div_floor: (a, b) => torch.div(a, b, { rounding_mode: "floor" }),
  floor_divide: (a, b) => torch.floor_divide(a, b),
  remainder: (a, b) => torch.remainder(a, b),
  fmod: (a, b) => torch.fmod(a, b),
  pow: (a, b) => torch.pow(a, b),
  maximum: (a, b) => torch.maximum(a as T, b as T),
  minimum: (a, b) => torch.minimum(a as T, b as T),
  fmax: (a, b) => torch.fmax(a as T, b as T),
  fmin: (a, b) => torch.fmin(a as T, b as T),
  atan2: (a, b) => torch.atan2(a as T, b as T),
  hypot: (a, b) => torch.hypot(a as T, b as T),
  logaddexp: (a, b) => torch.logaddexp(a as T, b as T),
  // unary
  neg: (x) => torch.neg(x as T),
  abs: (x) => torch.abs(x as T),
  sign: (x) => torch.sign(x as T),
  exp: (x) => torch.exp(x as T),
  exp2: (x) => torch.exp2(x as T),
  expm1: (x) => torch.expm1(x as T),
  log: (x) => torch.log(x as T),
  log1p: (x) => torch.log1p(x as T),
  log2: (x) => torch.log2(x as T),
  log10: (x) => torch.log10(x as T),
  sqrt: (x) => torch.sqrt(x as T),
  rsqrt: (x) => torch.rsqrt(x as T),
  reciprocal: (x) => torch.reciprocal(x as T),
  square: (x) => torch.square(x as T),
  sin: (x) => torch.sin(x as T),
  cos: (x) => torch.cos(x as T),
  tan: (x) => torch.tan(x as T),
  asin: (x) => torch.asin(x as T),
  acos: (x) => torch.acos(x as T),
  atan: (x) => torch.atan(x as T),
  sinh: (x) => torch.sinh(x as T),
  cosh: (x) => torch.cosh(x as T),
  tanh: (x) => torch.tanh(x as T),
  asinh: (x) => torch.asinh(x as T),
  acosh: (x) => torch.acosh(x as T),
  atanh: (x) => torch.atanh(x as T),
  erf: (x) => torch.erf(x as T),
  erfc: (x) => torch.erfc(x as T),
  floor: (x) => torch.floor(x as T),
  ceil: (x) => torch.ceil(x as T),
  round: (x) => torch.round(x as T),
  trunc: (x) => torch.trunc(x as T),
  frac: (x) => torch.frac(x as T),
  sigmoid: (x) => torch.sigmoid(x as T),
  relu: (x) => torch.relu(x as T),
  round_decimals: (x) => torch.round(x as T, { decimals: 2 }),
  round_decimals_neg: (x) => torch.round(x as T, { decimals: -1 }),
  nan_to_num: (x) => torch.nan_to_num(x as T),
  nan_to_num_args: (x) => torch.nan_to_num(x as T, { nan: 1, posinf: 2, neginf: -3 }),
  isnan: (x) => torch.isnan(x as T),
  isinf: (x) => torch.isinf(x as T),
  isfinite: (x) => torch.isfinite(x as T),
  isposinf: (x) => torch.isposinf(x as T),
  isneginf: (x) => torch.isneginf(x as T),
  signbit: (x) => torch.signbit(x as T),
  logical_not: (x) => torch.logical_not(x as T),
  leaky_relu: (x) => torch.leaky_relu(x as T),
  leaky_relu_02: (x) => torch.leaky_relu(x as T, 0.2),
  elu: (x) => torch.elu(x as T),
  selu: (x) => torch.selu(x as T),
  celu: (x) => torch.celu(x as T, 0.5),
  gelu: (x) => torch.gelu(x as T),
  gelu_tanh: (x) => torch.gelu(x as T, { approximate: "tanh" }),
  silu: (x) => torch.silu(x as T),
  mish: (x) => torch.mish(x as T),
  softplus: (x) => torch.softplus(x as T),
  softplus_beta: (x) => torch.softplus(x as T, 2, 3),
  hardtanh: (x) => torch.hardtanh(x as T),
  relu6: (x) => torch.relu6(x as T),
  hardsigmoid: (x) => torch.hardsigmoid(x as T),
  hardswish: (x) => torch.hardswish(x as T),
  logsigmoid: (x) => torch.logsigmoid(x as T),
  softsign: (x) => torch.softsign(x as T),
  tanhshrink: (x) => torch.tanhshrink(x as T),
  threshold: (x) => torch.threshold(x as T, 0.1, 20),
  clamp: (x) => torch.clamp(x as T, -0.5, 0.5),
  clamp_min: (x) => torch.clamp(x as T, { min: 0.2 }),
  clamp_max: (x) => torch.clamp(x as T, { max: -0.1 }),
  clip: (x) => torch.clip(x as T, -1, 1),
  clamp_fn_min: (x) => torch.clamp_min(x as T, 0.1),
  clamp_fn_max: (x) => torch.clamp_max(x as T, 0.1),
  clamp_int_bounds_float: (x) => torch.clamp(x as T, 0.5),
  clamp_none: (x) => torch.clamp(x as T),
  // comparisons and logic
  eq: (a, b) => torch.eq(a, b),
  ne: (a, b) => torch.ne(a, b),
  lt: (a, b) => torch.lt(a, b),
  le: (a, b) => torch.le(a, b),
  gt: (a, b) => torch.gt(a, b),
  ge: (a, b) => torch.ge(a, b),
  logical_and: (a, b) => torch.logical_and(a, b),
  logical_or: (a, b) => torch.logical_or(a, b),
  logical_xor: (a, b) => torch.logical_xor(a, b),
  bitwise_and: (a, b) => torch.bitwise_and(a, b),
  bitwise_or: (a, b) => torch.bitwise_or(a, b),
  bitwise_xor: (a, b) => torch.bitwise_xor(a, b),
  bitwise_not: (a) => torch.bitwise_not(a as T),
  isclose: (a, b) => torch.isclose(a as T, b as T),
  isclose_tol: (a, b) => torch.isclose(a as T, b as T, { rtol: 1e-2, atol: 1e-3 }),
  isclose_nan: (a, b) => torch.isclose(a as T, b as T, { equal_nan: true }),
  allclose: (a, b) => torch.allclose(a as T, b as T),
  equal: (a, b) => torch.equal(a as T, b as T),
  // selection
  where: (c, a, b) => torch.where(c as T, a, b),
  masked_fill: (x, m) => (x as T).masked_fill(m as T, (x as T).dtype.is_floating_point ? ((m as T).ndim === 1 ? 2.0 : -1.5) : 0.7),
  masked_fill_t: (x, m, v) => (x as T).masked_fill(m as T, v as T),
  masked_select: (x, m) => (x as T).masked_select(m as T),
  index_select: (x, i) => (x as T).index_select(1, i as T),
  index_select0: (x, i) => (x as T).index_select(0, i as T),
  gather: (x, i) => (x as T).gather(1, i as T),
  gather0: (x, i) => (x as T).gather(0, i as T),
  scatter: (x, i, s) => (x as T).scatter(1, i as T, s as T),
  scatter_value: (x, i) => (x as T).scatter(1, i as T, 9.5),
  scatter_add: (x, i, s) => (x as T).scatter_add(1, i as T, s as T),
  index_add: (x, i, s) => (x as T).index_add(0, i as T, s as T),
  take: (x, i) => torch.take(x as T, i as T),
  nonzero: (x) => torch.nonzero(x as T),
  count_nonzero: (x) => torch.count_nonzero(x as T),
  count_nonzero_dim: (x) => torch.count_nonzero(x as T, 1),
  // reductions
  sum: (x) => (x as T).sum(),
  sum_d1: (x) => (x as T).sum(1),
  sum_dlist_keep: (x) => (x as T).sum([0, -1], true),
  sum_dneg: (x) => (x as T).sum(-1),
  sum_dempty: (x) => (x as T).sum({ dim: [] }),
  sum_dup: (x) => (x as T).sum([1, 1]),
  sum_d2: (x) => (x as T).sum(2),
  sum_dtype: (x) => (x as T).sum({ dtype: torch.float64 }),
  mean: (x) => (x as T).mean(),
  mean_d0: (x) => (x as T).mean(0),
  mean_keep: (x) => (x as T).mean(1, true),
  mean_dtype: (x) => (x as T).mean({ dtype: torch.float64 }),
  prod: (x) => (x as T).prod(),
  prod_d1: (x) => (x as T).prod(1),
  prod_keep: (x) => (x as T).prod(0, true),
  max: (x) => (x as T).max(),
  max_d1: (x) => (x as T).max(1),
  max_keep: (x) => (x as T).max(0, true),
  min: (x) => (x as T).min(),
  min_d1: (x) => (x as T).min(1),
  amax: (x) => (x as T).amax(1),
  amax_all: (x) => (x as T).amax(),
  amin_list: (x) => (x as T).amin([0, 1]),
  argmax: (x) => (x as T).argmax(),
  argmax_d1: (x) => (x as T).argmax(1),
  argmin_keep: (x) => (x as T).argmin(0, true),
  var: (x) => (x as T).var(),
  var_d1: (x) => (x as T).var(1),
  var_biased: (x) => (x as T).var({ unbiased: false }),
  var_correction: (x) => (x as T).var(0, { correction: 2 }),
  std: (x) => (x as T).std(),
  std_d0_keep: (x) => (x as T).std(0, { keepdim: true }),
  std_biased: (x) => (x as T).std(1, false),
  var_mean: (x) => torch.var_mean(x as T, 1),
  std_mean: (x) => torch.std_mean(x as T),
  norm: (x) => (x as T).norm(),
  norm_p1: (x) => (x as T).norm(1),
  norm_p3_d1: (x) => (x as T).norm(3, 1),
  norm_inf: (x) => (x as T).norm(Infinity),
  norm_d0: (x) => (x as T).norm("fro", 0),
  norm_keep: (x) => (x as T).norm(2, 1, true),
  logsumexp: (x) => (x as T).logsumexp(1),
  logsumexp_all: (x) => (x as T).logsumexp([0, 1]),
  all: (x) => (x as T).all(),
  all_d1: (x) => (x as T).all(1),
  any: (x) => (x as T).any(),
  any_d0: (x) => (x as T).any(0),
  cumsum: (x) => (x as T).cumsum(1),
  cumsum_d0: (x) => (x as T).cumsum(0),
  cumprod: (x) => (x as T).cumprod(1),
  softmax: (x) => (x as T).softmax(1),
  softmax_d0: (x) => (x as T).softmax(0),
  log_softmax: (x) => (x as T).log_softmax(1),
  log_softmax_neg: (x) => (x as T).log_softmax(-1),
  nansum: (x) => (x as T).nansum(),
  median: (x) => (x as T).median(),
  median_d1: (x) => (x as T).median(1),
  cummax: (x) => (x as T).cummax(1),
  cummin: (x) => (x as T).cummin(0),
  logcumsumexp: (x) => (x as T).logcumsumexp(1),
  // matrix products
  matmul: (a, b) => torch.matmul(a as T, b as T),
  mm: (a, b) => torch.mm(a as T, b as T),
  bmm: (a, b) => torch.bmm(a as T, b as T),
  addmm: (i, a, b) => torch.addmm(i as T, a as T, b as T),
  addmm_ba: (i, a, b) => torch.addmm(i as T, a as T, b as T, { beta: 0.5, alpha: 2 }),
  mv: (a, b) => torch.mv(a as T, b as T),
  dot: (a, b) => torch.dot(a as T, b as T),
  outer: (a, b) => torch.outer(a as T, b as T),
  linear: (x, w, b) => torchLinear(x as T, w as T, b as T),
  linear_nobias: (x, w) => torchLinear(x as T, w as T, null),
  baddbmm: (i, a, b) => torch.baddbmm(i as T, a as T, b as T),
  addmv: (i, a, b) => torch.addmv(i as T, a as T, b as T),
  // joins and rearranging
  cat0: (a, b) => torch.cat([a as T, b as T]),
  cat1: (a, b) => torch.cat([a as T, b as T], 1),
  stack0: (a, b) => torch.stack([a as T, b as T]),
  stack_last: (a, b) => torch.stack([a as T, b as T], -1),
  hstack: (a, b) => torch.hstack([a as T, b as T]),
  vstack: (a, b) => torch.vstack([a as T, b as T]),
  repeat: (x) => (x as T).repeat(2, 3),
  repeat_lead: (x) => (x as T).repeat(2, 1, 2),
  repeat_few: (x) => (x as T).repeat(2),
  flip: (x) => (x as T).flip(0),
  flip_multi: (x) => (x as T).flip([0, 2]),
  roll: (x) => (x as T).roll(1, 1),
  roll_flat: (x) => (x as T).roll(-2),
  tril: (x) => (x as T).tril(),
  tril_k: (x) => (x as T).tril(-1),
  triu: (x) => (x as T).triu(),
  triu_k: (x) => (x as T).triu(2),
  diag: (x) => torch.diag(x as T),
  diag_k: (x) => torch.diag(x as T, 1),
  diagonal: (x) => torch.diagonal(x as T),
  trace: (x) => torch.trace(x as T),
  sort: (x) => (x as T).sort(),
  sort_desc0: (x) => (x as T).sort(0, true),
  argsort: (x) => (x as T).argsort(1),
  topk: (x) => (x as T).topk(2),
  topk_small0: (x) => (x as T).topk(2, 0, false),
  kthvalue: (x) => (x as T).kthvalue(2, 1),
  unique: (x) => torch.unique(x as T),
  unique_counts: (x) => torch.unique(x as T, { return_inverse: true, return_counts: true }),
  // in place (on a clone, as the fixture does)
  add_: (x, y) => (x as T).clone().add_(y),
  sub_: (x, y) => (x as T).clone().sub_(y, { alpha: 2 }),
  mul_: (x, y) => (x as T).clone().mul_(y),
  div_: (x, y) => (x as T).clone().div_(y),
  pow_: (x, y) => (x as T).clone().abs().pow_(y),
  add_s: (x) => (x as T).clone().add_(2),
  sub_s: (x) => (x as T).clone().sub_(2, { alpha: 2 }),
  mul_s: (x) => ((x as T).dtype.is_floating_point ? (x as T).clone().mul_(2) : (x as T).mul_(1.5)),
  div_s: (x) => (x as T).clone().div_(2),
  pow_s: (x) => (x as T).clone().abs().pow_(2),
  relu_: (x) => (x as T).clone().relu_(),
  sigmoid_: (x) => (x as T).clone().sigmoid_(),
  tanh_: (x) => (x as T).clone().tanh_(),
  exp_: (x) => ((x as T).dtype.is_floating_point ? (x as T).clone().exp_() : (x as T).exp_()),
  neg_: (x) => (x as T).clone().neg_(),
  abs_: (x) => (x as T).clone().abs_(),
  sqrt_: (x) => (x as T).clone().abs().sqrt_(),
  clamp_: (x) => (x as T).clone().clamp_(-0.5, 0.5),
  clamp_min_: (x) => (x as T).clone().clamp_({ min: 0 }),
  zero_: (x) => (x as T).clone().zero_(),
  fill_: (x) => (x as T).clone().fill_(2.5),
  log_: (x) => (x as T).clone().abs().log_(),
  floor_: (x) => (x as T).clone().floor_(),
  reciprocal_: (x) => (x as T).clone().reciprocal_(),
  square_: (x) => (x as T).clone().square_(),
  leaky_relu_: (x) => torchLeakyInplace((x as T).clone(), 0.1),
  copy_: (x, y) => (x as T).clone().copy_(y as T),
  masked_fill_: (x, m) => (x as T).clone().masked_fill_(m as T, 0.5),
  addcmul: (x, a, b) => torch.addcmul(x as T, a as T, b as T, { value: 2 }),
  addcdiv: (x, a, b) => torch.addcdiv(x as T, a as T, b as T, { value: -0.5 }),
  lerp: (x, e) => torch.lerp(x as T, e as T, 0.3),
  lerp_t: (x, e, w) => torch.lerp(x as T, e as T, w as T),
  addcmul_: (x, a, b) => (x as T).clone().addcmul_(a as T, b as T, { value: 0.5 }),
  addcdiv_: (x, a, b) => (x as T).clone().addcdiv_(a as T, b as T, { value: -0.5 }),
  add_leaf: (x) => (x as T).add_(1),
  add_view_leaf: (x) => (x as T).index(0).add_(1),
  add_expanded: (x) => (x as T).expand(2, 3).add_(1),
  fill_t: (x, v) => (x as T).fill_(v as T),
};

function torchLeakyInplace(x: Tensor, slope: number): Tensor {
  return leakyInplace(x, slope);
}

/** Runs the version-counter cases, which need a small program rather than one op. */
function versionCase(name: string): void {
  if (name === "version-leaf") {
    const a = torch.randn(3).requires_grad_();
    const x = torch.randn(3);
    const y = a.mul(x);
    x.add_(1);
    y.sum().backward();
  } else {
    const a = torch.randn(3).requires_grad_();
    const c = a.exp();
    c.add_(1);
    c.sum().backward();
  }
}

/** Looser tolerances where float32 rounding of intermediate steps differs by design. */
function tolerance(c: OpCase): [number, number] {
  const op = c.op;
  if (/large/.test(c.name)) return [1e-4, 1e-5];
  if (["var", "var_d1", "var_biased", "var_correction", "std", "std_d0_keep", "std_biased", "var_mean", "std_mean"].includes(op)) return [1e-5, 1e-5];
  if (["cumprod", "prod", "prod_d1", "prod_keep", "logcumsumexp"].includes(op)) return [1e-5, 1e-5];
  return [1e-5, 1e-6];
}

const cases = fixture.cases;

describe("ops against PyTorch 1.13.1 fixtures", () => {
  it("has the fixture of the expected PyTorch version", () => {
    // Debian's build of PyTorch 1.13.1 reports its version as 1.13.0a0.
    expect(fixture.torch.startsWith("1.13")).toBe(true);
    expect(cases.length).toBeGreaterThan(1500);
  });

  for (const c of cases) {
    it(c.name, () => {
      if (c.op === "version-leaf" || c.op === "version-output") {
        let err: unknown;
        try {
          versionCase(c.op);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(TsorchError);
        expect((err as Error).name).toBe(c.error!.type);
        expect((err as Error).message).toBe(c.error!.message);
        return;
      }
      const fn = OPS[c.op];
      if (!fn) throw new Error(`no tsorch op for '${c.op}'`);
      const inputs = c.inputs.map(decodeInput);
      if (c.error) {
        let err: unknown;
        try {
          fn(...inputs);
        } catch (e) {
          err = e;
        }
        if (!(err instanceof Error)) throw new Error(`expected ${c.error.type}: ${c.error.message}`);
        expect(err).toBeInstanceOf(TsorchError);
        expect(err.name).toBe(c.error.type);
        // gen_ops.py keeps the first line of PyTorch's message (some list the accepted signatures below it).
        expect(err.message.split("\n")[0]).toBe(c.error.message);
        return;
      }
      const result = fn(...inputs);
      const outs = torch.no_grad(() => outputsOf(result));
      expect(outs.length, "number of outputs").toBe(c.outputs!.length);
      const [rtol, atol] = tolerance(c);
      c.outputs!.forEach((e, i) => expectMatches(outs[i], e, `output ${i}`, c.exact, rtol, atol));
      const first = outs[0] as Tensor;
      if (c.grad_fn) {
        expect(first.grad_fn?.name, "grad_fn").toBe(c.grad_fn);
        expect(first.grad_fn!.next_functions.map(([f]) => (f ? f.name : null)), "next_functions").toEqual(c.next);
      } else if (first instanceof Tensor) {
        expect(first.grad_fn, "grad_fn").toBeNull();
      }
      if (c.grad_error) {
        expect(() => first.backward(decodeInput(c.grad_output!) as Tensor)).toThrow(c.grad_error);
        return;
      }
      if (c.grads) {
        first.backward(decodeInput(c.grad_output!) as Tensor);
        c.grads.forEach((g, i) => {
          const input = inputs[i];
          if (g === null) {
            if (input instanceof Tensor && input.requires_grad) expect(input.grad, `grad ${i}`).toBeNull();
            return;
          }
          expectMatches((input as Tensor).grad, g, `grad ${i}`, false, Math.max(rtol, 1e-5), Math.max(atol, 1e-5));
        });
      }
    });
  }
});
