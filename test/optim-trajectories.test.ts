/**
 * Optimizer trajectories against PyTorch 1.13.1 (test/fixtures/optim.json,
 * from gen_autograd.py): a small net trained for several steps with SGD,
 * Adam and AdamW in every option (momentum, dampening, Nesterov, weight
 * decay, maximize, betas, eps, amsgrad), parameter groups, float64 and a
 * StepLR schedule. The parameters after every step must match PyTorch's
 * within 1e-5; the printed optimizer and the state it keeps must match too.
 * Also a LeNet trained three steps with SGD + momentum and cross-entropy.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { F, nn, optim, torch } from "../src/index.js";
import { float32, float64, int64 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";
import { LeNetFlat } from "./lenet.js";

interface Rec {
  shape: number[];
  b64?: string;
  f64?: string;
  ints?: number[];
}

interface Run {
  optimizer: "SGD" | "Adam" | "AdamW";
  options: Record<string, unknown>;
  groups_lr: number | false;
  scheduler: { step_size: number; gamma: number } | null;
  dtype: "float32" | "float64";
  seed: number;
  x: Rec;
  y: Rec;
  init: Rec[];
  losses: number[];
  params: Rec[][];
  lrs: number[][];
  repr: string;
  state_keys: Record<string, string[]>;
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/optim.json", import.meta.url)), "utf8")) as {
  runs: Run[];
  lenet: { x: Rec; y: Rec; losses: number[]; params: Record<string, Rec> };
};

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

/** max |a - b| / max(max |b|, 1): relative for large values, absolute below 1. */
function err(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 1;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

class TinyNet extends nn.Module {
  fc1 = new nn.Linear(6, 8);
  fc2 = new nn.Linear(8, 3);

  override forward(x: Tensor): Tensor {
    return this.fc2(torch.tanh(this.fc1(x)));
  }
}

/** The run's optimizer options in tsorch's spelling. */
function options(run: Run): Record<string, unknown> {
  const o: Record<string, unknown> = { ...run.options };
  if (Array.isArray(o.betas)) o.betas = [...(o.betas as number[])];
  return o;
}

function makeOptimizer(run: Run, net: TinyNet): optim.Optimizer {
  const params = run.groups_lr !== false
    ? [{ params: net.fc1.parameters() }, { params: net.fc2.parameters(), lr: run.groups_lr }]
    : net.parameters();
  const Cls = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW }[run.optimizer];
  return new (Cls as new (p: unknown, o: unknown) => optim.Optimizer)(params, options(run));
}

function label(run: Run, i: number): string {
  const extra = [run.dtype === "float64" ? "float64" : "", run.groups_lr !== false ? `groups(lr2=${run.groups_lr})` : "", run.scheduler ? `StepLR(${JSON.stringify(run.scheduler)})` : ""];
  return `#${i} ${run.optimizer}(${JSON.stringify(run.options)}) ${extra.filter(Boolean).join(" ")}`;
}

let worst = 0;
let compared = 0;

describe("optimizer trajectories match PyTorch step by step", () => {
  fixture.runs.forEach((run, i) => {
    test(label(run, i), () => {
      torch.manual_seed(run.seed);
      const net = new TinyNet();
      if (run.dtype === "float64") net.double();
      // Same initial weights as PyTorch (manual_seed reproduces them; checked here).
      net.parameters().forEach((p, k) => expect(err(p.toFlatArray() as ArrayLike<number>, values(run.init[k]!))).toBe(0));
      const x = toTensor(run.x);
      const y = toTensor(run.y);
      const opt = makeOptimizer(run, net);
      const sched = run.scheduler ? new optim.lr_scheduler.StepLR(opt, run.scheduler) : null;
      const crit = new nn.CrossEntropyLoss();
      run.params.forEach((expected, step) => {
        opt.zero_grad();
        const loss = crit(net(x), y);
        loss.backward();
        opt.step();
        sched?.step();
        expect(Math.abs(loss.item() - run.losses[step]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(run.losses[step]!)));
        net.parameters().forEach((p, k) => {
          const e = err(p.toFlatArray() as ArrayLike<number>, values(expected[k]!));
          worst = Math.max(worst, e);
          compared++;
          expect(e, `step ${step + 1}, parameter ${k}`).toBeLessThanOrEqual(1e-5);
        });
        expect(opt.param_groups.map((g) => g.lr)).toEqual(run.lrs[step]);
      });
      expect(String(opt)).toBe(run.repr);
      const sd = opt.state_dict();
      expect(Object.fromEntries(Object.entries(sd.state).map(([k, v]) => [k, Object.keys(v).sort()]))).toEqual(run.state_keys);
    });
  });

  test("LeNet, SGD with momentum and cross-entropy at batch 4: three steps", () => {
    const L = fixture.lenet;
    torch.manual_seed(0);
    const net = new LeNetFlat();
    const x = toTensor(L.x);
    const y = toTensor(L.y);
    const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    for (const expected of L.losses) {
      opt.zero_grad();
      const loss = F.cross_entropy(net(x), y);
      loss.backward();
      opt.step();
      expect(Math.abs(loss.item() - expected)).toBeLessThanOrEqual(1e-5);
    }
    for (const [name, p] of Object.entries(net.state_dict())) {
      const e = err(p.toFlatArray() as ArrayLike<number>, values(L.params[name]!));
      worst = Math.max(worst, e);
      compared++;
      expect(e, name).toBeLessThanOrEqual(1e-5);
    }
  });

  afterAll(() => {
    console.log(`optimizer trajectories: ${fixture.runs.length + 1} runs, ${compared} parameter comparisons, max error ${worst.toExponential(2)}`);
  });
});
