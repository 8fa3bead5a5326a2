/**
 * The optimizer API beyond the update itself: PyTorch 1.13.1's errors and
 * warnings (test/fixtures/autograd.json), parameter groups, `step(closure)`,
 * `state_dict`/`load_state_dict` (resuming gives the uninterrupted
 * trajectory), and the learning-rate schedulers (test/fixtures/optim.json).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ArgumentError, nn, optim, torch } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import type { Tensor } from "../src/tensor/tensor.js";

const errors = (JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd.json", import.meta.url)), "utf8")) as {
  errors: Record<string, { type: string; message: string }>;
  warnings: Record<string, { category: string; message: string }[]>;
});
const optimFixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/optim.json", import.meta.url)), "utf8")) as {
  schedules: { name: string; kwargs: Record<string, unknown>; lrs: number[][]; repr: string }[];
};

const p = () => torch.randn(3).requires_grad_();

/** The same mistakes as ERRORS in gen_autograd.py (optimizer ones). */
const ERRORS: Record<string, () => unknown> = {
  sgd_no_lr: () => new optim.SGD([p()]),
  sgd_negative_lr: () => new optim.SGD([p()], { lr: -0.1 }),
  sgd_negative_momentum: () => new optim.SGD([p()], { lr: 0.1, momentum: -0.5 }),
  sgd_negative_weight_decay: () => new optim.SGD([p()], { lr: 0.1, weight_decay: -0.5 }),
  sgd_nesterov: () => new optim.SGD([p()], { lr: 0.1, nesterov: true }),
  sgd_tensor_params: () => new optim.SGD(p() as never, { lr: 0.1 }),
  sgd_non_leaf: () => new optim.SGD([p().mul(2)], { lr: 0.1 }),
  sgd_overlapping_groups: () => {
    const t = p();
    return new optim.SGD([{ params: [t] }, { params: [t] }], { lr: 0.1 });
  },
  sgd_empty: () => new optim.SGD([], { lr: 0.1 }),
  sgd_unknown_option: () => new optim.SGD([p()], { lr: 0.1, foo: 1 } as never),
  sgd_not_tensor: () => new optim.SGD([1.5] as never, { lr: 0.1 }),
  adam_beta1: () => new optim.Adam([p()], { betas: [1.5, 0.9] }),
  adam_beta2: () => new optim.Adam([p()], { betas: [0.9, -0.5] }),
  adam_eps: () => new optim.Adam([p()], { eps: -0.5 }),
  adam_lr: () => new optim.Adam([p()], { lr: -0.5 }),
  adamw_weight_decay: () => new optim.AdamW([p()], { weight_decay: -0.5 }),
  load_state_dict_groups: () => {
    const t = p();
    new optim.SGD([t], { lr: 0.1 }).load_state_dict(new optim.SGD([{ params: [t] }, { params: [p()] }], { lr: 0.1 }).state_dict());
  },
};

describe("optimizer errors: PyTorch's exception and text", () => {
  for (const [id, fn] of Object.entries(ERRORS)) {
    test(id, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ArgumentError);
      expect((err as Error).name).toBe(errors.errors[id]!.type);
      expect((err as Error).message).toBe(errors.errors[id]!.message);
    });
  }

  test("duplicate parameters and a schedule stepped before the optimizer warn as PyTorch does", () => {
    const t = p();
    expect(catch_warnings(() => new optim.SGD([t, t], { lr: 0.1 }))).toEqual(errors.warnings.duplicate_params);
    expect(catch_warnings(() => {
      const opt = new optim.SGD([p()], { lr: 0.1 });
      new optim.lr_scheduler.StepLR(opt, 2).step();
    })).toEqual(errors.warnings.scheduler_before_step);
  });
});

class TinyNet extends nn.Module {
  fc1 = new nn.Linear(4, 6);
  fc2 = new nn.Linear(6, 2);
  override forward(x: Tensor): Tensor {
    return this.fc2(torch.tanh(this.fc1(x)));
  }
}

function trainSteps(net: TinyNet, opt: optim.Optimizer, x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    opt.zero_grad();
    new nn.CrossEntropyLoss()(net(x), y).backward();
    opt.step();
  }
}

describe("optimizer API", () => {
  for (const [name, make] of [
    ["SGD", (ps: Iterable<Tensor>) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ["Adam", (ps: Iterable<Tensor>) => new optim.Adam(ps, { lr: 0.01, amsgrad: true })],
    ["AdamW", (ps: Iterable<Tensor>) => new optim.AdamW(ps, { lr: 0.01 })],
  ] as const) {
    test(`${name}: state_dict, then load_state_dict into a fresh optimizer, resumes the same trajectory`, () => {
      torch.manual_seed(1);
      const x = torch.randn(5, 4);
      const y = torch.tensor([0, 1, 1, 0, 1]).long();
      torch.manual_seed(2);
      const a = new TinyNet();
      const optA = make(a.parameters());
      trainSteps(a, optA, x, y, 6);

      torch.manual_seed(2);
      const b = new TinyNet();
      const optB = make(b.parameters());
      trainSteps(b, optB, x, y, 3);
      const saved = optB.state_dict();
      expect(Object.keys(saved.state)).toEqual(["0", "1", "2", "3"]);
      expect(saved.param_groups[0]!.params).toEqual([0, 1, 2, 3]);
      const optC = make(b.parameters());
      optC.load_state_dict(saved);
      // Loading copies: the saved state is not shared with the new optimizer.
      const [key] = Object.keys(saved.state[0]!).filter((k) => k !== "step");
      expect(optC.state.get(b.fc1.weight)![key!] === saved.state[0]![key!]).toBe(false);
      trainSteps(b, optC, x, y, 3);
      a.parameters().forEach((pa, k) => expect(Array.from(b.parameters()[k]!.toFlatArray())).toEqual(Array.from(pa.toFlatArray())));
    });
  }

  test("parameter groups take their own options and the defaults for the rest; add_param_group", () => {
    const net = new TinyNet();
    const opt = new optim.SGD([{ params: net.fc1.parameters(), momentum: 0.5 }, { params: net.fc2.weight, lr: 0.5 }], { lr: 0.1 });
    expect(opt.param_groups.map((g) => [g.lr, g.momentum, g.params.length])).toEqual([[0.1, 0.5, 2], [0.5, 0, 1]]);
    opt.add_param_group({ params: [net.fc2.bias!], weight_decay: 0.01 });
    expect(opt.param_groups[2]!.weight_decay).toBe(0.01);
    expect(opt.param_groups[2]!.lr).toBe(0.1);
    expect(() => opt.add_param_group({ params: [net.fc2.bias!] })).toThrow("some parameters appear in more than one parameter group");
  });

  test("step(closure) re-evaluates with grad enabled and returns the loss; parameters without a gradient are left alone", () => {
    const net = new TinyNet();
    const frozen = torch.randn(2).requires_grad_();
    const opt = new optim.Adam([...net.parameters(), frozen], { lr: 0.01 });
    const before = Array.from(frozen.toFlatArray());
    const loss = torch.no_grad(() => opt.step(() => {
      opt.zero_grad();
      const l = net(torch.ones(1, 4)).sum();
      l.backward();
      return l;
    }));
    expect(typeof (loss as Tensor).item()).toBe("number");
    expect(Array.from(frozen.toFlatArray())).toEqual(before);
    expect(opt.state.has(frozen)).toBe(false);
    expect(Object.keys(opt.state.get(net.fc1.weight)!)).toEqual(["step", "exp_avg", "exp_avg_sq"]);
    expect(String(opt.state.get(net.fc1.weight)!.step)).toBe("tensor(1.)");
  });

  test("an optimizer over a Linear prints as PyTorch's (Adam)", () => {
    const opt = new optim.Adam(new nn.Linear(2, 2).parameters());
    expect(String(opt)).toBe("Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.001\n    maximize: False\n    weight_decay: 0\n)");
  });
});

describe("learning-rate schedulers match PyTorch's schedules", () => {
  for (const s of optimFixture.schedules) {
    test(`${s.name}(${JSON.stringify(s.kwargs)})`, () => {
      const p1 = torch.zeros(2).requires_grad_();
      const p2 = torch.zeros(2).requires_grad_();
      const opt = new optim.SGD([{ params: [p1] }, { params: [p2], lr: 0.5 }], { lr: 0.1 });
      const S = optim.lr_scheduler;
      const sched = s.name === "StepLR" ? new S.StepLR(opt, s.kwargs as never)
        : s.name === "MultiStepLR" ? new S.MultiStepLR(opt, s.kwargs as never)
          : s.name === "ExponentialLR" ? new S.ExponentialLR(opt, s.kwargs as never)
            : new S.LambdaLR(opt, (epoch: number) => 0.95 ** epoch);
      const lrs = [sched.get_last_lr()];
      for (let i = 0; i < 8; i++) {
        opt.step();
        sched.step();
        lrs.push(sched.get_last_lr());
      }
      lrs.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - s.lrs[i]![j]!)).toBeLessThanOrEqual(1e-15 * Math.abs(s.lrs[i]![j]!))));
      expect(String(opt)).toBe(s.repr);
    });
  }

  test("state_dict of a scheduler holds its counters, not the optimizer", () => {
    const opt = new optim.SGD([torch.zeros(1).requires_grad_()], { lr: 1 });
    const sched = new optim.lr_scheduler.StepLR(opt, { step_size: 1, gamma: 0.5 });
    opt.step();
    sched.step();
    const sd = sched.state_dict();
    expect(sd.optimizer).toBeUndefined();
    expect(sd.last_epoch).toBe(1);
    expect(sd._last_lr).toEqual([0.5]);
  });
});
