/**
 * Random creation and in-place sampling against PyTorch 1.13.1: after
 * `manual_seed(0)` every function must produce PyTorch's exact numbers
 * (fixtures from gen_ops.py), plus the seed/state functions and the
 * autograd rules of in-place samplers.
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { TsorchError } from "../src/errors.js";
import { decodeValues, fixture } from "./ops-fixture-support.js";

const RANDOM: Record<string, () => Tensor> = {
  "randn(1,1,32,32)": () => torch.randn(1, 1, 32, 32),
  "randn(3)": () => torch.randn(3),
  "randn(17) f64": () => torch.randn(17, { dtype: torch.float64 }),
  "rand(5)": () => torch.rand(5),
  "rand(2,20)": () => torch.rand(2, 20),
  "rand(3) f64": () => torch.rand(3, { dtype: torch.float64 }),
  "randint(0,10,(5,))": () => torch.randint(0, 10, [5]),
  "randint(10,(2,3))": () => torch.randint(10, [2, 3]),
  "randperm(10)": () => torch.randperm(10),
  "normal(2,3,(20,))": () => torch.normal(2, 3, [20]),
  "randn then rand": () => torch.cat([torch.randn(2), torch.rand(2)]),
  "uniform_(-1,1) 20": () => torch.empty(20).uniform_(-1, 1),
  "normal_ transposed": () => torch.empty(4, 5).t().normal_(),
  "bernoulli_(0.3) 20": () => torch.empty(20).bernoulli_(0.3),
  "bernoulli(probs)": () => torch.bernoulli(torch.full([20], 0.5)),
  "random_(0,100) 8": () => torch.empty(8).random_(0, 100),
  "randn_like": () => torch.randn_like(torch.zeros(2, 9)),
};

describe("random numbers match PyTorch after manual_seed(0)", () => {
  for (const c of fixture.random) {
    it(c.name, () => {
      const fn = RANDOM[c.name];
      if (!fn) throw new Error(`no tsorch function for '${c.name}'`);
      torch.manual_seed(0);
      const t = fn();
      expect(t.dtype.name).toBe(c.dtype);
      expect([...t.shape]).toEqual(c.shape);
      const got = Array.from(t.toFlatArray());
      const want = decodeValues(c);
      // Bit-exact: the same generator stream and the same transforms.
      expect(got).toEqual(want);
    });
  }
});

describe("random functions", () => {
  it("seeds reproducibly and reports the seed", () => {
    torch.manual_seed(123);
    const a = torch.randn(5).tolist();
    expect(torch.initial_seed()).toBe(123n);
    torch.manual_seed(123);
    expect(torch.randn(5).tolist()).toEqual(a);
  });

  it("restores a saved generator state", () => {
    torch.manual_seed(7);
    const state = torch.get_rng_state();
    const a = torch.rand(4).tolist();
    torch.set_rng_state(state);
    expect(torch.rand(4).tolist()).toEqual(a);
  });

  it("takes an explicit generator without touching the default one", () => {
    torch.manual_seed(0);
    const g = new torch.Generator().manual_seed(0);
    const a = torch.randn(3, { generator: g }).tolist();
    const b = torch.randn(3).tolist();
    expect(a).toEqual(b);
  });

  it("creates leaves with requires_grad and the requested dtype", () => {
    const t = torch.rand(2, 3, { requires_grad: true, dtype: torch.float64 });
    expect(t.requires_grad).toBe(true);
    expect(t.is_leaf).toBe(true);
    expect(t.dtype).toBe(torch.float64);
    expect(t.storage.version).toBe(0);
  });

  it("keeps rand in [0, 1) and randint in [low, high)", () => {
    const r = torch.rand(1000).toFlatArray();
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r)).toBeLessThan(1);
    const i = torch.randint(-3, 4, [1000]).toFlatArray();
    expect(Math.min(...i)).toBe(-3);
    expect(Math.max(...i)).toBe(3);
  });

  it("refuses floating samplers on integer tensors and bad bounds", () => {
    expect(() => torch.zeros(3, { dtype: torch.int64 }).normal_()).toThrow(TsorchError);
    expect(() => torch.randint(5, 5, [2])).toThrow("random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
    expect(() => torch.empty(3).bernoulli_(1.5)).toThrow(TsorchError);
  });

  it("refuses an in-place sampler on a leaf that requires grad, allows it under no_grad", () => {
    const w = torch.zeros(3).requires_grad_();
    expect(() => w.uniform_()).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    torch.no_grad(() => w.uniform_(-1, 1));
    expect(w.requires_grad).toBe(true);
    expect(w.is_leaf).toBe(true);
    expect(w.storage.version).toBe(1);
  });

  it("records a zero-gradient node for samplers on non-leaf tensors", () => {
    const w = torch.ones(3).requires_grad_();
    const y = w.mul(2).normal_();
    expect(y.grad_fn?.name).toBe("NormalBackward0");
    y.sum().backward();
    expect(w.grad!.tolist()).toEqual([0, 0, 0]);
  });

  it("multinomial draws valid indices with and without replacement", () => {
    const probs = torch.tensor([0.1, 0, 0.9]);
    const draws = torch.multinomial(probs, 50, true).toFlatArray();
    expect(Array.from(draws).every((v) => v === 0 || v === 2)).toBe(true);
    const perm = torch.multinomial(torch.ones(5), 5).toFlatArray();
    expect(Array.from(perm).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
