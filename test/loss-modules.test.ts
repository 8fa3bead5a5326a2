/**
 * Loss modules and the backward of every loss:
 *
 * - `nn.*Loss` print, keep their options and buffers, and compute what
 *   PyTorch 1.13.1 computes (test/fixtures/autograd.json, "loss_modules");
 * - every loss backward agrees with central finite differences in float64,
 *   for the input and, where PyTorch differentiates it, the target;
 * - the autograd nodes are PyTorch's (`MseLossBackward0`, `NllLossBackward0`, ...).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { F, autograd, nn, torch } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import { float32, float64, int64 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";

interface Rec {
  shape: number[];
  b64?: string;
  ints?: number[];
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd.json", import.meta.url)), "utf8")) as {
  loss_modules: { x: Rec; p: Rec; labels: Rec; modules: { name: string; kwargs: Record<string, unknown>; repr: string; attrs: Record<string, unknown>; state_dict: string[]; value: Rec }[] };
};

function toTensor(r: Rec): Tensor {
  if (r.ints) return Tensor._fromData(Float64Array.from(r.ints), r.shape, int64);
  const b = Buffer.from(r.b64!, "base64");
  return Tensor._fromData(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), r.shape, float32);
}

describe("loss modules", () => {
  const L = fixture.loss_modules;
  const x = toTensor(L.x);
  const p = toTensor(L.p);
  const labels = toTensor(L.labels);
  for (const m of L.modules) {
    test(`${m.name}(${JSON.stringify(m.kwargs)}): repr, options, buffers and value`, () => {
      const opts = Object.fromEntries(Object.entries(m.kwargs).map(([k, v]) => [k, Array.isArray(v) ? torch.tensor(v as number[]).float() : v]));
      const Cls = (nn as unknown as Record<string, new (o: unknown) => nn.Module>)[m.name]!;
      const mod = new Cls(opts) as nn.Module & Record<string, unknown>;
      expect(String(mod)).toBe(m.repr);
      for (const [k, v] of Object.entries(m.attrs)) expect(mod[k], k).toBe(v);
      expect(Object.keys(mod.state_dict())).toEqual(m.state_dict);
      let value: Tensor;
      if (m.name === "CrossEntropyLoss") value = mod(x, labels) as Tensor;
      else if (m.name === "NLLLoss") value = mod(F.log_softmax(x, 1), labels) as Tensor;
      else if (m.name === "BCELoss") value = mod(p, labels.view(4, 1).eq(torch.arange(3)).float()) as Tensor;
      else value = mod(x, p) as Tensor;
      const want = toTensor(m.value).item();
      expect(Math.abs(value.item() - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
    });
  }

  test("positional arguments follow PyTorch's order", () => {
    const w = torch.ones(3);
    const ce = new nn.CrossEntropyLoss(w, null, 2, null, "sum", 0.2);
    expect(ce.weight).toBe(w);
    expect([ce.ignore_index, ce.reduction, ce.label_smoothing]).toEqual([2, "sum", 0.2]);
    expect(new nn.HuberLoss("none", 0.5).delta).toBe(0.5);
    expect(() => new nn.MSELoss(null, null, "sum", 1 as never)).toThrow("MSELoss.__init__() takes at most 3 optional positional arguments but 4 were given");
  });

  test("a loss module is a module: the criterion of a Sequential pipeline, its weight moves with .double()", () => {
    const crit = new nn.CrossEntropyLoss({ weight: torch.ones(3) });
    crit.double();
    expect(crit.weight!.dtype).toBe(float64);
    const loss = crit(x.double(), labels);
    expect(loss.dtype).toBe(float64);
  });
});

// ---------------------------------------------------------------- finite differences (float64)

let seed = 12345;
function rnd(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
}

function f64(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = lo + (hi - lo) * rnd();
  return Tensor._fromData(d, shape, float64);
}

function labelsOf(shape: number[], classes: number, ignore: number | null = null): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = ignore !== null && i % 3 === 1 ? ignore : Math.floor(rnd() * classes);
  return Tensor._fromData(d, shape, int64);
}

function dot(a: Tensor, b: Tensor): number {
  const x = a.toFlatArray();
  const y = b.toFlatArray();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Compares autograd's gradients of the inputs that require grad with central differences of v . f. */
function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], eps = 1e-6, tol = 1e-6): void {
  let out!: Tensor;
  catch_warnings(() => {
    out = f(...inputs);
  });
  const v = f64([...out.shape]);
  out.backward(v);
  for (const t of inputs) {
    if (!t.requires_grad) continue;
    const data = t.storage.data;
    const analytic = t.grad!.toFlatArray();
    for (let j = 0; j < t.numel(); j++) {
      const orig = data[j]!;
      data[j] = orig + eps;
      let fp = 0;
      let fm = 0;
      catch_warnings(() => {
        fp = torch.no_grad(() => dot(f(...inputs), v));
        data[j] = orig - eps;
        fm = torch.no_grad(() => dot(f(...inputs), v));
      });
      data[j] = orig;
      const numeric = (fp - fm) / (2 * eps);
      expect(Math.abs(analytic[j]! - numeric), `d/d[${j}]: autograd ${analytic[j]}, finite difference ${numeric}`)
        .toBeLessThanOrEqual(tol * Math.max(1, Math.abs(numeric)));
    }
  }
}

const REDUCTIONS = ["mean", "sum", "none"] as const;

describe("loss backward agrees with finite differences (float64)", () => {
  for (const reduction of REDUCTIONS) {
    test(`mse_loss, ${reduction}: input and target`, () => {
      gradcheck((a, b) => F.mse_loss(a, b, { reduction }), [f64([3, 4]).requires_grad_(), f64([3, 4]).requires_grad_()]);
    });
    test(`mse_loss, ${reduction}: broadcast target`, () => {
      gradcheck((a, b) => F.mse_loss(a, b, { reduction }), [f64([2, 3]).requires_grad_(), f64([3]).requires_grad_()]);
    });
    test(`l1_loss, ${reduction}`, () => {
      gradcheck((a, b) => F.l1_loss(a, b, { reduction }), [f64([3, 4]).requires_grad_(), f64([3, 4]).requires_grad_()]);
    });
    test(`smooth_l1_loss (beta 0.5), ${reduction}`, () => {
      gradcheck((a, b) => F.smooth_l1_loss(a, b, { reduction, beta: 0.5 }), [f64([3, 4]).requires_grad_(), f64([3, 4]).requires_grad_()]);
    });
    test(`huber_loss (delta 0.4), ${reduction}`, () => {
      gradcheck((a, b) => F.huber_loss(a, b, { reduction, delta: 0.4 }), [f64([3, 4]).requires_grad_(), f64([3, 4]).requires_grad_()]);
    });
    test(`nll_loss with weight and ignore_index, ${reduction}`, () => {
      const t = labelsOf([5], 4, 2);
      const w = f64([4], 0.5, 2);
      gradcheck((a) => F.nll_loss(a, t, { reduction, weight: w, ignore_index: 2 }), [f64([5, 4]).requires_grad_()]);
    });
    test(`nll_loss, spatial [N, C, H, W], ${reduction}`, () => {
      const t = labelsOf([2, 2, 3], 3);
      gradcheck((a) => F.nll_loss(a, t, { reduction }), [f64([2, 3, 2, 3]).requires_grad_()]);
    });
    test(`nll_loss, [N, C, L] (through the 2-D kernel), ${reduction}`, () => {
      const t = labelsOf([2, 4], 3);
      gradcheck((a) => F.nll_loss(a, t, { reduction }), [f64([2, 3, 4]).requires_grad_()]);
    });
    test(`cross_entropy with class indices, ${reduction}`, () => {
      const t = labelsOf([6], 5);
      gradcheck((a) => F.cross_entropy(a, t, { reduction }), [f64([6, 5]).requires_grad_()]);
    });
    test(`cross_entropy with label smoothing, weight and ignore_index, ${reduction}`, () => {
      const t = labelsOf([6], 5, 0);
      const w = f64([5], 0.5, 2);
      gradcheck((a) => F.cross_entropy(a, t, { reduction, weight: w, ignore_index: 0, label_smoothing: 0.2 }), [f64([6, 5]).requires_grad_()]);
    });
    test(`cross_entropy with class probabilities and label smoothing: input and target, ${reduction}`, () => {
      gradcheck((a, b) => F.cross_entropy(a, b, { reduction, label_smoothing: 0.1 }), [f64([4, 5]).requires_grad_(), f64([4, 5], 0, 1).requires_grad_()]);
    });
    test(`binary_cross_entropy with weight: input and target, ${reduction}`, () => {
      const w = f64([4], 0.5, 2);
      gradcheck((a, b) => F.binary_cross_entropy(a, b, { reduction, weight: w }),
        [f64([3, 4], 0.1, 0.9).requires_grad_(), f64([3, 4], 0, 1).requires_grad_()]);
    });
    test(`binary_cross_entropy_with_logits with weight and pos_weight: input and target, ${reduction}`, () => {
      const w = f64([3, 4], 0.5, 2);
      const pw = f64([4], 0.5, 3);
      gradcheck((a, b) => F.binary_cross_entropy_with_logits(a, b, { reduction, weight: w, pos_weight: pw }),
        [f64([3, 4], -3, 3).requires_grad_(), f64([3, 4], 0, 1).requires_grad_()]);
    });
  }
});

describe("loss graphs", () => {
  test("each loss records PyTorch's node, with edges for input and target", () => {
    const a = f64([3, 4]).requires_grad_();
    const b = f64([3, 4]).requires_grad_();
    const names = (t: Tensor) => [t.grad_fn!.name, t.grad_fn!.next_functions.length];
    expect(names(F.mse_loss(a, b))).toEqual(["MseLossBackward0", 2]);
    expect(names(F.smooth_l1_loss(a, b))).toEqual(["SmoothL1LossBackward0", 2]);
    expect(names(F.huber_loss(a, b))).toEqual(["HuberLossBackward0", 2]);
    expect(names(F.binary_cross_entropy_with_logits(a, b))).toEqual(["BinaryCrossEntropyWithLogitsBackward0", 2]);
    expect(names(F.l1_loss(a, b))).toEqual(["MeanBackward0", 1]);
    expect(names(F.cross_entropy(a, labelsOf([3], 4)))).toEqual(["NllLossBackward0", 1]);
    expect(F.cross_entropy(a, labelsOf([3], 4)).grad_fn!.next_functions[0]![0]!.name).toBe("LogSoftmaxBackward0");
    expect(names(F.smooth_l1_loss(a, b, { beta: 0 }))).toEqual(["MeanBackward0", 1]);
  });

  test("a second backward through a loss without retain_graph is PyTorch's error; with it, gradients add up", () => {
    const a = f64([3]).requires_grad_();
    const t = f64([3]);
    const loss = F.mse_loss(a, t);
    loss.backward(undefined, { retain_graph: true });
    const once = Array.from(a.grad!.toFlatArray());
    const gradTensor = a.grad;
    loss.backward();
    expect(a.grad).toBe(gradTensor); // accumulated in place, as PyTorch's AccumulateGrad does
    expect(Array.from(a.grad!.toFlatArray())).toEqual(once.map((v) => 2 * v));
    expect(() => loss.backward()).toThrow(/^Trying to backward through the graph a second time/);
  });

  test("empty batches: mean is nan, sum is 0, as in PyTorch", () => {
    const e = torch.zeros(0, 5);
    expect(Number.isNaN(F.mse_loss(e, e).item())).toBe(true);
    expect(Number.isNaN(F.nll_loss(e, torch.zeros(0).long()).item())).toBe(true);
    expect(F.nll_loss(e, torch.zeros(0).long(), { reduction: "sum" }).item()).toBe(0);
    expect(Number.isNaN(F.cross_entropy(torch.randn(3, 5), torch.tensor([-100, -100, -100]).long()).item())).toBe(true);
  });

  test("binary cross-entropy clamps its logs at -100, as PyTorch does", () => {
    expect(F.binary_cross_entropy(torch.tensor([0, 1]).float(), torch.tensor([1, 0]).float()).item()).toBe(100);
  });

  test("a meta input gives a meta loss of the right shape", () => {
    const m = torch.empty([4, 3], { device: "meta" } as never);
    const t = torch.empty([4, 3], { device: "meta" } as never);
    expect([...F.mse_loss(m, t, { reduction: "none" }).shape]).toEqual([4, 3]);
    expect([...F.mse_loss(m, t).shape]).toEqual([]);
  });
});

describe("losses twice differentiable (create_graph) agree with finite differences of their gradient (float64)", () => {
  const first = (loss: (a: Tensor, b: Tensor) => Tensor) => (a: Tensor, b: Tensor): Tensor => {
    // d loss / d a (and d / d b), as a function of a and b that autograd can differentiate again.
    const grads = torch.enable_grad(() => {
      const l = loss(a, b);
      return autograd.grad(l, [a, b], { create_graph: true });
    });
    return torch.cat([grads[0]!.reshape(-1), grads[1]!.reshape(-1)]);
  };
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, [number, number]][] = [
    ["mse_loss", (a, b) => F.mse_loss(a, b), [-1, 1]],
    ["smooth_l1_loss", (a, b) => F.smooth_l1_loss(a, b, { beta: 0.5, reduction: "sum" }), [-1, 1]],
    ["huber_loss", (a, b) => F.huber_loss(a, b, { delta: 0.4 }), [-1, 1]],
    ["binary_cross_entropy", (a, b) => F.binary_cross_entropy(a, b, { reduction: "sum" }), [0.1, 0.9]],
    ["binary_cross_entropy_with_logits", (a, b) => F.binary_cross_entropy_with_logits(a, b, { pos_weight: torch.tensor([2, 0.5, 1]).double() }), [0.1, 0.9]],
    ["cross_entropy with probabilities", (a, b) => F.cross_entropy(a, b), [0.1, 0.9]],
  ];
  for (const [name, loss, [lo, hi]] of cases) {
    test(name, () => {
      gradcheck(first(loss), [f64([2, 3], lo, hi).requires_grad_(), f64([2, 3], 0.05, 0.95).requires_grad_()], 1e-6, 1e-5);
    });
  }
});
