/**
 * Gradient parity with PyTorch 1.13.1: a few hundred random configurations
 * of ops, layers (conv2d in all its options, linear, pooling, padding, batch
 * norm, dropout), losses and small nets (test/fixtures/autograd.json, from
 * gen_autograd.py). Each runs forward and backward in tsorch with the same
 * inputs and output gradient; the output, the gradient of every input (and
 * of a net's parameters) must agree within 1e-4 (normwise relative), and
 * the grad_fn graph must name the same nodes with the same next_functions.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { F, nn, torch } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import type { GradFn } from "../src/autograd/graph.js";
import { float32, float64, int64 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";
import { LeNetFlat as LeNet } from "./lenet.js";

interface Rec {
  shape: number[];
  b64?: string;
  f64?: string;
  ints?: number[];
}

interface Case {
  op: string;
  kwargs: Record<string, any>;
  inputs: (Rec | null)[];
  requires_grad: boolean[];
  output: Rec;
  grad_output?: Rec | null;
  grads?: (Rec | null)[];
  param_grads?: Rec[];
  graph?: unknown;
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd.json", import.meta.url)), "utf8")) as { cases: Case[] };

function values(r: Rec): Float64Array {
  if (r.ints) return Float64Array.from(r.ints);
  const b = Buffer.from((r.f64 ?? r.b64)!, "base64");
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return Float64Array.from(r.f64 ? new Float64Array(ab) : new Float32Array(ab));
}

function toTensor(r: Rec): Tensor {
  const v = values(r);
  if (r.ints) return Tensor._fromData(v, r.shape, int64);
  if (r.f64) return Tensor._fromData(v, r.shape, float64);
  return Tensor._fromData(Float32Array.from(v), r.shape, float32);
}

/**
 * Normwise relative error: max |a - b| / max |b|. Gradients that are
 * rounding noise in PyTorch too (a bias followed by batch norm has an exact
 * gradient of zero) are measured against `floor` instead of their own size.
 */
function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = floor;
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    num = Math.max(num, Math.abs(x - y));
    den = Math.max(den, Math.abs(y));
  }
  return den === 0 ? num : num / den;
}

/** Noise floor for gradients: 1e-3 of the largest gradient of the case. */
function noiseFloor(c: Case): number {
  let m = 0;
  for (const g of [...(c.grads ?? []), ...(c.param_grads ?? [])]) if (g) for (const v of values(g)) m = Math.max(m, Math.abs(v));
  return 1e-3 * m;
}

/**
 * Graphs that differ from PyTorch's by design (the values are still
 * compared): PyTorch 1.13 builds circular padding in Python from a chain of
 * slice copies (CopySlices over SliceBackward0, five deep); tsorch records a
 * single CopySlices node for it.
 */
function graphComparable(c: Case): boolean {
  return !(c.kwargs.mode === "circular" || c.kwargs.padding_mode === "circular");
}

type Graph = [string, (Graph | null)[]] | null;

function graphOf(fn: GradFn | null, depth: number): Graph {
  if (fn === null) return null;
  if (depth === 0 || fn.name === "AccumulateGrad") return [fn.name, []];
  return [fn.name, fn.next_functions.map(([n]) => graphOf(n, depth - 1))];
}


class ConvBN extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(8);
  conv2 = new nn.Conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 2, bias: false });
  pool = new nn.AdaptiveAvgPool2d([2, 2]);
  fc = new nn.Linear(32, 5);

  override forward(x: Tensor): Tensor {
    x = F.relu(this.bn(this.conv(x)));
    x = F.avg_pool2d(F.relu(this.conv2(x)), 1);
    x = this.pool(x);
    return this.fc(torch.flatten(x, 1));
  }
}

function mlp(hidden: number, act: string): nn.Module {
  const make = (): nn.Module => {
    switch (act) {
      case "relu": return new nn.ReLU();
      case "tanh": return new nn.Tanh();
      case "sigmoid": return new nn.Sigmoid();
      case "gelu": return new nn.GELU();
      default: return new nn.SiLU();
    }
  };
  return new nn.Sequential(new nn.Linear(6, hidden), make(), new nn.Linear(hidden, hidden), make(), new nn.Linear(hidden, 4));
}

/** A net case: the loss of the seeded net on (x, target), and the net's parameters. */
function netLoss(build: (kw: Record<string, any>) => nn.Module) {
  return ([x, target]: (Tensor | null)[], kw: Record<string, any>): Result => {
    torch.manual_seed(kw.seed);
    const net = build(kw);
    const crit = kw.loss === "ce" ? new nn.CrossEntropyLoss() : new nn.MSELoss();
    return { out: crit(net(x!), target!), params: net.parameters() };
  };
}

type Result = Tensor | { out: Tensor; params: Tensor[] };
type Op = (t: (Tensor | null)[], kw: Record<string, any>) => Result;
const t0 = (t: (Tensor | null)[]) => t[0]!;

/** The same table as OPS in gen_autograd.py, in tsorch's API. */
const OPS: Record<string, Op> = {
  add: ([a, b], kw) => torch.add(a!, b!, kw.alpha !== undefined ? { alpha: kw.alpha } : undefined),
  sub: ([a, b], kw) => torch.sub(a!, b!, kw.alpha !== undefined ? { alpha: kw.alpha } : undefined),
  mul: ([a, b]) => a!.mul(b!),
  div: ([a, b]) => a!.div(b!),
  pow_scalar: ([a], kw) => a!.pow(kw.e),
  pow_tensor: ([a, b]) => a!.pow(b!),
  maximum: ([a, b]) => torch.maximum(a!, b!),
  where: ([a, b, c]) => torch.where(c!.gt(0), a!, b!),
  mul_scalar: ([a], kw) => a!.mul(kw.s),
  rsub_scalar: ([a], kw) => torch.rsub(a!, kw.s),
  addcmul: ([a, b, c], kw) => torch.addcmul(a!, b!, c!, { value: kw.value }),
  clamp: ([a], kw) => torch.clamp(a!, kw.lo, kw.hi),
  relu: (t) => F.relu(t0(t)),
  sigmoid: (t) => torch.sigmoid(t0(t)),
  tanh: (t) => torch.tanh(t0(t)),
  exp: (t) => torch.exp(t0(t)),
  log: (t) => torch.log(t0(t)),
  sqrt: (t) => torch.sqrt(t0(t)),
  abs: (t) => torch.abs(t0(t)),
  neg: (t) => t0(t).neg(),
  leaky_relu: (t, kw) => F.leaky_relu(t0(t), kw.slope),
  elu: (t, kw) => F.elu(t0(t), kw.alpha),
  gelu: (t, kw) => F.gelu(t0(t), kw.approximate),
  silu: (t) => F.silu(t0(t)),
  softplus: (t, kw) => F.softplus(t0(t), kw.beta),
  sum: (t, kw) => (kw.dim === null ? t0(t).sum() : t0(t).sum(kw.dim, kw.keepdim)),
  mean: (t, kw) => (kw.dim === null ? t0(t).mean() : t0(t).mean(kw.dim, kw.keepdim)),
  max_dim: (t, kw) => t0(t).max(kw.dim, kw.keepdim).values,
  amax: (t, kw) => t0(t).amax(kw.dim),
  var: (t, kw) => t0(t).var(kw.dim, kw.unbiased),
  std: (t, kw) => t0(t).std(kw.dim),
  logsumexp: (t, kw) => t0(t).logsumexp(kw.dim),
  norm: (t) => t0(t).norm(),
  softmax: (t, kw) => F.softmax(t0(t), kw.dim),
  log_softmax: (t, kw) => F.log_softmax(t0(t), kw.dim),
  view: (t, kw) => t0(t).view(kw.shape),
  reshape_t: (t, kw) => t0(t).t().reshape(kw.shape),
  permute: (t, kw) => t0(t).permute(kw.dims),
  transpose: (t, kw) => t0(t).transpose(kw.d0, kw.d1),
  flatten: (t, kw) => torch.flatten(t0(t), kw.start),
  unsqueeze_squeeze: (t, kw) => t0(t).unsqueeze(kw.dim).squeeze(),
  expand: (t, kw) => t0(t).expand(kw.shape),
  narrow: (t, kw) => t0(t).narrow(kw.dim, kw.start, kw.length),
  select: (t, kw) => t0(t).select(kw.dim, kw.index),
  cat: ([a, b], kw) => torch.cat([a!, b!], kw.dim),
  stack: ([a, b], kw) => torch.stack([a!, b!], kw.dim),
  split0: (t, kw) => t0(t).split(kw.size, kw.dim)[0]!,
  chunk_last: (t, kw) => t0(t).chunk(kw.chunks, kw.dim).at(-1)!,
  repeat: (t, kw) => t0(t).repeat(kw.sizes),
  permute_contiguous_view: (t) => t0(t).permute(1, 0, 2).contiguous().view(-1),
  index_slice: (t) => t0(t).index({ start: 1 }, { step: 2 }),
  index_int_none: (t) => t0(t).index(0, null, ":", -1),
  index_tensor: ([a, i]) => a!.index(i!),
  index_mask: ([a, m]) => a!.index(m!.gt(0)),
  gather: ([a, i], kw) => a!.gather(kw.dim, i!),
  index_select: ([a, i], kw) => a!.index_select(kw.dim, i!),
  masked_fill: ([a, m], kw) => a!.masked_fill(m!.gt(0), kw.value),
  cumsum: (t, kw) => t0(t).cumsum(kw.dim),
  cumprod: (t, kw) => t0(t).cumprod(kw.dim),
  prod: (t, kw) => t0(t).prod(kw.dim),
  min_dim: (t, kw) => t0(t).min(kw.dim).values,
  unbind_last: (t, kw) => t0(t).unbind(kw.dim).at(-1)!.mul(2).add(t0(t).unbind(kw.dim)[0]!),
  flip: (t, kw) => t0(t).flip(kw.dims),
  roll: (t, kw) => t0(t).roll(kw.shifts, kw.dims),
  tril: (t, kw) => t0(t).tril(kw.diagonal),
  sort_values: (t, kw) => t0(t).sort(kw.dim).values,
  topk_values: (t, kw) => t0(t).topk(kw.k).values,
  log1p: (t) => t0(t).log1p(),
  sin: (t) => t0(t).sin(),
  rsqrt: (t) => t0(t).rsqrt(),
  reciprocal: (t) => t0(t).reciprocal(),
  hardtanh: (t) => torch.hardtanh(t0(t)),
  relu6: (t) => F.relu6(t0(t)),
  dropout2d: (t, kw) => {
    torch.manual_seed(kw.seed);
    return F.dropout2d(t0(t), kw.p, true);
  },
  inplace_chain: (t) => torch.relu_(t0(t).mul(2).add_(1)).mul(t0(t)),
  mm: ([a, b]) => torch.mm(a!, b!),
  bmm: ([a, b]) => torch.bmm(a!, b!),
  matmul: ([a, b]) => torch.matmul(a!, b!),
  addmm: ([c, a, b]) => torch.addmm(c!, a!, b!),
  linear: ([x, w, b]) => F.linear(x!, w!, b ?? undefined),
  conv2d: ([x, w, b], kw) => F.conv2d(x!, w!, b ?? null, { stride: kw.stride, padding: kw.padding, dilation: kw.dilation, groups: kw.groups }),
  conv2d_module: ([x], kw) => {
    torch.manual_seed(kw.seed);
    const m = new nn.Conv2d(kw.in_channels, kw.out_channels, kw.kernel_size, { padding: kw.padding, padding_mode: kw.padding_mode });
    return { out: m(x!), params: m.parameters() };
  },
  max_pool2d: (t, kw) => F.max_pool2d(t0(t), kw.kernel_size, { stride: kw.stride, padding: kw.padding, dilation: kw.dilation, ceil_mode: kw.ceil_mode }),
  avg_pool2d: (t, kw) => F.avg_pool2d(t0(t), kw.kernel_size, {
    stride: kw.stride, padding: kw.padding, ceil_mode: kw.ceil_mode, count_include_pad: kw.count_include_pad, divisor_override: kw.divisor_override,
  }),
  adaptive_avg_pool2d: (t, kw) => F.adaptive_avg_pool2d(t0(t), kw.size),
  adaptive_max_pool2d: (t, kw) => F.adaptive_max_pool2d(t0(t), kw.size),
  pad: (t, kw) => F.pad(t0(t), kw.pad, kw.mode),
  batch_norm: ([x, rm, rv, w, b], kw) => F.batch_norm(x!, rm!, rv!, {
    weight: w ?? null, bias: b ?? null, training: kw.training, momentum: kw.momentum, eps: kw.eps,
  }),
  dropout: (t, kw) => {
    torch.manual_seed(kw.seed);
    return F.dropout(t0(t), kw.p, true);
  },
  mse_loss: ([x, y], kw) => F.mse_loss(x!, y!, kw),
  l1_loss: ([x, y], kw) => F.l1_loss(x!, y!, kw),
  smooth_l1_loss: ([x, y], kw) => F.smooth_l1_loss(x!, y!, kw),
  huber_loss: ([x, y], kw) => F.huber_loss(x!, y!, kw),
  nll_loss: ([x, y, w], kw) => F.nll_loss(x!, y!, { weight: w ?? null, ...kw }),
  nll_loss_logsm: ([x, y], kw) => F.nll_loss(F.log_softmax(x!, 1), y!, kw),
  cross_entropy: ([x, y, w], kw) => F.cross_entropy(x!, y!, { weight: w ?? null, ...kw }),
  bce: ([x, y, w], kw) => F.binary_cross_entropy(x!, y!, { weight: w ?? null, ...kw }),
  bce_sigmoid: ([x, y], kw) => F.binary_cross_entropy(torch.sigmoid(x!), y!, kw),
  bce_logits: ([x, y, w, pw], kw) => F.binary_cross_entropy_with_logits(x!, y!, { weight: w ?? null, pos_weight: pw ?? null, ...kw }),
  net_lenet: netLoss(() => new LeNet()),
  net_mlp: netLoss((kw) => mlp(kw.hidden, kw.act)),
  net_convbn: netLoss(() => new ConvBN()),
  net_seq_inplace: netLoss(() => new nn.Sequential(
    new nn.Conv2d(2, 4, 3), new nn.ReLU(true), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Dropout(0.0),
    new nn.Linear(16, 8), new nn.LeakyReLU(0.1, true), new nn.Linear(8, 3))),
};

const TOL = 1e-4;
const maxErr = { output: 0, grads: 0, count: 0, values: 0, outputCase: "", gradCase: "" };

/** Family of a case (for the test names): the op. */
function label(c: Case, i: number): string {
  const kw = Object.entries(c.kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  return `#${i} ${c.op}(${c.inputs.map((r) => (r ? `[${r.shape.join(",")}]` : "None")).join(", ")}) ${kw}`.slice(0, 180);
}

describe("autograd parity with PyTorch (autograd.json)", () => {
  test("the fixture holds at least 200 configurations", () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(200);
  });

  fixture.cases.forEach((c, i) => {
    test(label(c, i), () => {
      const inputs = c.inputs.map((r, k) => {
        if (!r) return null;
        const t = toTensor(r);
        return c.requires_grad[k] ? t.requires_grad_() : t;
      });
      let res!: Result;
      catch_warnings(() => {
        res = OPS[c.op]!(inputs, c.kwargs);
      });
      const out = res instanceof Tensor ? res : res.out;
      const params = res instanceof Tensor ? [] : res.params;
      expect([...out.shape]).toEqual(c.output.shape);
      const eOut = relError(out.toFlatArray() as ArrayLike<number>, values(c.output));
      expect(eOut, "output").toBeLessThanOrEqual(TOL);
      if (eOut > maxErr.output) [maxErr.output, maxErr.outputCase] = [eOut, c.op];
      maxErr.values += out.numel();
      if (!c.graph) {
        expect(out.requires_grad).toBe(false);
        return;
      }
      if (graphComparable(c)) expect(graphOf(out.grad_fn, c.op.startsWith("net_") ? 4 : 8), "grad_fn graph").toEqual(c.graph);
      else expect(out.grad_fn?.name).toBe((c.graph as [string])[0]);
      const floor = noiseFloor(c);
      out.backward(c.grad_output ? toTensor(c.grad_output).to(out.dtype) : undefined);
      c.grads!.forEach((g, k) => {
        if (!g) return;
        const got = inputs[k]!.grad;
        expect(got, `grad of input ${k}`).not.toBeNull();
        expect([...got!.shape]).toEqual(g.shape);
        const e = relError(got!.toFlatArray() as ArrayLike<number>, values(g), floor);
        expect(e, `grad of input ${k}`).toBeLessThanOrEqual(TOL);
        if (e > maxErr.grads) [maxErr.grads, maxErr.gradCase] = [e, c.op];
        maxErr.count++;
        maxErr.values += got!.numel();
      });
      (c.param_grads ?? []).forEach((g, k) => {
        const got = params[k]!.grad!;
        const e = relError(got.toFlatArray() as ArrayLike<number>, values(g), floor);
        expect(e, `grad of parameter ${k}`).toBeLessThanOrEqual(TOL);
        if (e > maxErr.grads) [maxErr.grads, maxErr.gradCase] = [e, c.op];
        maxErr.count++;
        maxErr.values += got.numel();
      });
    });
  });

  afterAll(() => {
    console.log(`autograd parity: ${fixture.cases.length} cases, ${maxErr.count} gradients, ${maxErr.values} values; ` +
      `max relative error ${maxErr.output.toExponential(2)} (outputs, ${maxErr.outputCase}), ${maxErr.grads.toExponential(2)} (gradients, ${maxErr.gradCase})`);
  });
});
