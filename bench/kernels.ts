/**
 * Micro-benchmark of the CPU kernels, with PyTorch (one thread) in the same run for the ratio.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/kernels.js [--quick] [--json] [--wall]
 *
 * Workloads: sgemm 512^3 and LeNet's fc1 product at batch 64; Conv2d(64, 64, 3, padding=1) on 1x64x56x56 (forward and both gradients);
 * the LeNet convolutions (conv1 1->6 k5 on 32x32, conv2 6->16 k5 on 14x14) at batch 1 and 64, forward,
 * grad_input and grad_weight; plus the LeNet forward at batch 1 and a training step at batch 64 built
 * from the kernels alone (conv, relu, max pool, linear via sgemm), which bounds what the full runtime
 * can reach. Rows marked [wasm SIMD] repeat the GEMM/conv workloads on the opt-in WebAssembly SIMD
 * kernels (simd-backend.ts). Each figure is the median of several timed samples, taken in alternating rounds of
 * tsorch and PyTorch; the machine is shared and noisy, so compare the ratios printed by one run.
 *
 * PyTorch runs when `/usr/bin/python3 -c "import torch"` works: a Python script is spawned with
 * `torch.set_num_threads(1)` and times the same shapes (`F.conv2d`, `aten.convolution_backward`,
 * `torch.mm`, and the nn LeNet).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import {
  conv2d,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
} from "../src/backend/cpu/conv2d.js";
import { sgemm } from "../src/backend/cpu/gemm.js";
import { conv2dGeometry, maxPool2dGeometry, type Conv2dGeometry } from "../src/shape/conv-pool.js";
import { maxPool2d, maxPool2dBackward } from "../src/backend/cpu/pool2d.js";
import { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from "../src/backend/wasm/conv2d.js";
import { sgemmSimd, simdAvailable } from "../src/backend/wasm/gemm.js";
import { setNumThreads } from "../src/backend/wasm/threads.js";

// One thread: the figures are CPU time, beside PyTorch on one thread.
setNumThreads(1);

/** The kernels a workload runs: the TypeScript ones, or the opt-in WebAssembly SIMD ones. */
interface Kernels {
  label: string;
  // The float32 signatures (the TypeScript kernels also take Float64Arrays).
  sgemm: typeof sgemmSimd;
  conv2d: typeof simdConv2d;
  conv2dBackwardInput: typeof simdConv2dBackwardInput;
  conv2dBackwardWeight: typeof simdConv2dBackwardWeight;
}

const TS: Kernels = { label: "", sgemm, conv2d, conv2dBackwardInput, conv2dBackwardWeight };
const SIMD: Kernels = {
  label: " [wasm SIMD]",
  sgemm: sgemmSimd,
  conv2d: simdConv2d,
  conv2dBackwardInput: simdConv2dBackwardInput,
  conv2dBackwardWeight: simdConv2dBackwardWeight,
};

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const asJson = args.has("--json");
/** Wall-clock time instead of the process's CPU time. */
const wall = args.has("--wall");

/**
 * Milliseconds on the benchmark clock: the process's CPU time by default, which other processes on
 * this shared 2-core machine do not inflate (the kernels are single-threaded; V8's helper threads are
 * idle in steady state), or wall-clock time with `--wall`.
 */
function clockMs(): number {
  if (wall) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Workload {
  name: string;
  /** Floating-point operations of one run (multiply-add = 2), or 0 for composite workloads. */
  flops: number;
  run: () => void;
  /** The same workload for the PyTorch script (see PY_SCRIPT). */
  torch: Record<string, unknown>;
}

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Seconds per run of each sample: warm up, then time samples of enough runs to last ~`sampleMs` each. */
function time(run: () => void, sampleMs: number, samples: number): number[] {
  const t0 = clockMs();
  run();
  let reps = Math.max(1, Math.round(sampleMs / Math.max(clockMs() - t0, 1e-3)));
  for (let i = 0; i < Math.min(reps, 50); i++) run(); // warm-up: let V8 optimise
  const warm = clockMs();
  run();
  reps = Math.max(1, Math.round(sampleMs / Math.max(clockMs() - warm, 1e-3)));
  const ts: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = clockMs();
    for (let r = 0; r < reps; r++) run();
    ts.push((clockMs() - start) / reps);
  }
  return ts.map((t) => t / 1000);
}

function convFlops(g: Conv2dGeometry): number {
  return 2 * g.batch * g.outChannels * g.outH * g.outW * (g.inChannels / g.groups) * g.kernelH * g.kernelW;
}

function convWorkloads(
  label: string,
  shape: [number, number, number, number],
  cout: number,
  k: number,
  pad: number,
  K: Kernels = TS,
): Workload[] {
  const g = conv2dGeometry(shape, [cout, shape[1], k, k], { padding: pad });
  const x = random(shape.reduce((a, b) => a * b), 1);
  const w = random(cout * shape[1] * k * k, 2);
  const b = random(cout, 3);
  const yLen = g.batch * cout * g.outH * g.outW;
  const y = new Float32Array(yLen);
  const gy = random(yLen, 4);
  const gx = new Float32Array(x.length);
  const gw = new Float32Array(w.length);
  const gb = new Float32Array(cout);
  const spec = { input: shape, cout, k, pad };
  const flops = convFlops(g);
  return [
    { name: `${label} forward${K.label}`, flops, run: () => K.conv2d(g, x, w, b, y), torch: { kind: "conv", pass: "forward", ...spec } },
    {
      name: `${label} grad_input${K.label}`,
      flops,
      run: () => K.conv2dBackwardInput(g, gy, w, gx),
      torch: { kind: "conv", pass: "input", ...spec },
    },
    {
      name: `${label} grad_weight+bias${K.label}`,
      flops,
      run: () => {
        K.conv2dBackwardWeight(g, x, gy, gw);
        conv2dBackwardBias(g, gy, gb);
      },
      torch: { kind: "conv", pass: "weight", ...spec },
    },
  ];
}

/** The LeNet layers as kernel calls (ReLU and the Linear bias are plain loops here). */
function lenetWorkloads(K: Kernels = TS): Workload[] {
  const out: Workload[] = [];
  for (const batch of [1, 64]) {
    const c1 = conv2dGeometry([batch, 1, 32, 32], [6, 1, 5, 5]);
    const p1 = maxPool2dGeometry([batch, 6, 28, 28], { kernelSize: 2 });
    const c2 = conv2dGeometry([batch, 6, 14, 14], [16, 6, 5, 5]);
    const p2 = maxPool2dGeometry([batch, 16, 10, 10], { kernelSize: 2 });
    const x = random(batch * 32 * 32, 5);
    const w1 = random(6 * 25, 6), b1 = random(6, 7), w2 = random(16 * 150, 8), b2 = random(16, 9);
    const fcW = [random(120 * 400, 10), random(84 * 120, 11), random(10 * 84, 12)];
    const fcB = [random(120, 13), random(84, 14), random(10, 15)];
    const dims = [400, 120, 84, 10];
    const y1 = new Float32Array(batch * 6 * 784), i1 = new Int32Array(batch * 6 * 196), q1 = new Float32Array(batch * 6 * 196);
    const y2 = new Float32Array(batch * 16 * 100), i2 = new Int32Array(batch * 400), q2 = new Float32Array(batch * 400);
    const acts = [q2, new Float32Array(batch * 120), new Float32Array(batch * 84), new Float32Array(batch * 10)];
    const relu = (a: Float32Array) => {
      for (let i = 0; i < a.length; i++) if (!(a[i]! > 0)) a[i] = 0;
    };
    const forward = () => {
      K.conv2d(c1, x, w1, b1, y1);
      relu(y1);
      maxPool2d(p1, y1, q1, i1);
      K.conv2d(c2, q1, w2, b2, y2);
      relu(y2);
      maxPool2d(p2, y2, q2, i2);
      for (let l = 0; l < 3; l++) {
        const [nin, nout] = [dims[l]!, dims[l + 1]!];
        const o = acts[l + 1]!;
        for (let r = 0; r < batch; r++) o.set(fcB[l]!, r * nout);
        K.sgemm(false, true, batch, nout, nin, 1, acts[l]!, 0, nin, fcW[l]!, 0, nin, 1, o, 0, nout);
        if (l < 2) relu(o);
      }
    };
    if (batch === 1) {
      out.push({ name: `LeNet forward b1 (kernels)${K.label}`, flops: 0, run: forward, torch: { kind: "lenet", pass: "forward", batch } });
      continue;
    }
    const grads = acts.map((a) => random(a.length, 16));
    const gW = fcW.map((w) => new Float32Array(w.length));
    const gB = fcB.map((b) => new Float32Array(b.length));
    const gy2 = new Float32Array(y2.length), gq1 = new Float32Array(q1.length), gy1 = new Float32Array(y1.length);
    const gw1 = new Float32Array(w1.length), gb1 = new Float32Array(6), gw2 = new Float32Array(w2.length), gb2 = new Float32Array(16);
    const reluBack = (g: Float32Array, y: Float32Array) => {
      for (let i = 0; i < g.length; i++) if (!(y[i]! > 0)) g[i] = 0;
    };
    const step = () => {
      forward();
      for (let l = 2; l >= 0; l--) {
        const [nin, nout] = [dims[l]!, dims[l + 1]!];
        const go = grads[l + 1]!;
        if (l < 2) reluBack(go, acts[l + 1]!);
        K.sgemm(true, false, nout, nin, batch, 1, go, 0, nout, acts[l]!, 0, nin, 0, gW[l]!, 0, nin);
        for (let j = 0; j < nout; j++) {
          let s = 0;
          for (let r = 0; r < batch; r++) s += go[r * nout + j]!;
          gB[l]![j] = s;
        }
        K.sgemm(false, false, batch, nin, nout, 1, go, 0, nout, fcW[l]!, 0, nin, 0, grads[l]!, 0, nin);
      }
      maxPool2dBackward(p2, grads[0]!, i2, gy2);
      reluBack(gy2, y2);
      K.conv2dBackwardWeight(c2, q1, gy2, gw2);
      conv2dBackwardBias(c2, gy2, gb2);
      K.conv2dBackwardInput(c2, gy2, w2, gq1);
      maxPool2dBackward(p1, gq1, i1, gy1);
      reluBack(gy1, y1);
      K.conv2dBackwardWeight(c1, x, gy1, gw1);
      conv2dBackwardBias(c1, gy1, gb1);
    };
    out.push({ name: `LeNet forward b64 (kernels)${K.label}`, flops: 0, run: forward, torch: { kind: "lenet", pass: "forward", batch } });
    out.push({ name: `LeNet train step b64 (kernels)${K.label}`, flops: 0, run: step, torch: { kind: "lenet", pass: "train", batch } });
  }
  return out;
}

function gemmWorkload(n: number, simd = false): Workload {
  const A = random(n * n, 1), B = random(n * n, 2), C = new Float32Array(n * n);
  const f = simd ? sgemmSimd : sgemm;
  return {
    name: `sgemm ${n}x${n}x${n}${simd ? SIMD.label : ""}`,
    flops: 2 * n * n * n,
    run: () => f(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n),
    torch: { kind: "mm", n },
  };
}

/** A Linear-layer product `[batch, in] x [out, in]^T` (fc1 of LeNet at batch 64). */
function linearWorkload(batch: number, nin: number, nout: number, simd: boolean): Workload {
  const X = random(batch * nin, 1), W = random(nout * nin, 2), Y = new Float32Array(batch * nout);
  const f = simd ? sgemmSimd : sgemm;
  return {
    name: `sgemm ${batch}x${nout}x${nin} x*W^T${simd ? SIMD.label : ""}`,
    flops: 2 * batch * nin * nout,
    run: () => f(false, true, batch, nout, nin, 1, X, 0, nin, W, 0, nin, 0, Y, 0, nout),
    torch: { kind: "linear", batch, nin, nout },
  };
}

const PY_SCRIPT = String.raw`
import json, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
spec = json.load(sys.stdin)
sample_s, samples = spec["sample_ms"] / 1000.0, spec["samples"]

clock = time.perf_counter if spec["wall"] else time.process_time

def timeit(fn):
    t0 = clock(); fn(); dt = max(clock() - t0, 1e-6)
    reps = max(1, round(sample_s / dt))
    for _ in range(min(reps, 20)): fn()
    ts = []
    for _ in range(samples):
        t0 = clock()
        for _ in range(reps): fn()
        ts.append((clock() - t0) / reps)
    return ts

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5); self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120); self.fc2 = nn.Linear(120, 84); self.fc3 = nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

out = []
for w in spec["workloads"]:
    if w["kind"] == "mm":
        n = w["n"]; a = torch.randn(n, n); b = torch.randn(n, n)
        out.append(timeit(lambda: torch.mm(a, b)))
    elif w["kind"] == "linear":
        xx = torch.randn(w["batch"], w["nin"]); ww = torch.randn(w["nout"], w["nin"])
        out.append(timeit(lambda: torch.mm(xx, ww.t())))
    elif w["kind"] == "conv":
        x = torch.randn(*w["input"]); cw = torch.randn(w["cout"], w["input"][1], w["k"], w["k"]); cb = torch.randn(w["cout"])
        p = w["pad"]
        y = F.conv2d(x, cw, cb, padding=p); gy = torch.randn_like(y)
        cb_ = torch.ops.aten.convolution_backward
        if w["pass"] == "forward":
            fn = lambda: F.conv2d(x, cw, cb, padding=p)
        elif w["pass"] == "input":
            fn = lambda: cb_(gy, x, cw, None, [1, 1], [p, p], [1, 1], False, [0, 0], 1, [True, False, False])
        else:
            fn = lambda: cb_(gy, x, cw, [w["cout"]], [1, 1], [p, p], [1, 1], False, [0, 0], 1, [False, True, True])
        with torch.no_grad():
            out.append(timeit(fn))
    elif w["kind"] == "lenet":
        net = LeNet(); x = torch.randn(w["batch"], 1, 32, 32)
        if w["pass"] == "forward":
            with torch.no_grad():
                out.append(timeit(lambda: net(x)))
        else:
            opt = torch.optim.SGD(net.parameters(), lr=0.01); target = torch.randint(0, 10, (w["batch"],))
            def step():
                opt.zero_grad(); F.cross_entropy(net(x), target).backward(); opt.step()
            out.append(timeit(step))
print(json.dumps(out))
`;

/** Seconds per run of each sample of each workload in PyTorch, or null when torch is not importable. */
function runTorch(workloads: Workload[], sampleMs: number, samples: number): number[][] | null {
  const probe = spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (probe.status !== 0) return null;
  const input = JSON.stringify({ sample_ms: sampleMs, samples, wall, workloads: workloads.map((w) => w.torch) });
  const res = spawnSync("/usr/bin/python3", ["-c", PY_SCRIPT], { input, encoding: "utf8", timeout: 600_000 });
  if (res.status !== 0) {
    console.error(`PyTorch run failed: ${res.stderr || res.error}`);
    return null;
  }
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as number[][];
}

function fmtTime(s: number): string {
  return s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(1)} us`;
}

function main(): void {
  const sampleMs = quick ? 60 : 200;
  const samples = quick ? 3 : 5;
  // Alternate rounds of tsorch and PyTorch, so that a burst of load from other processes on this
  // shared machine hits both sides; medians over all samples of all rounds.
  const rounds = quick ? 1 : 2;
  const simd = simdAvailable();
  const workloads: Workload[] = [
    gemmWorkload(512),
    ...(simd ? [gemmWorkload(512, true)] : []),
    linearWorkload(64, 400, 120, false),
    ...(simd ? [linearWorkload(64, 400, 120, true)] : []),
    ...convWorkloads("conv 64->64 k3 p1 on 1x64x56x56", [1, 64, 56, 56], 64, 3, 1),
    ...convWorkloads("LeNet conv1 b1 (1->6 k5 32x32)", [1, 1, 32, 32], 6, 5, 0),
    ...convWorkloads("LeNet conv2 b1 (6->16 k5 14x14)", [1, 6, 14, 14], 16, 5, 0),
    ...convWorkloads("LeNet conv1 b64", [64, 1, 32, 32], 6, 5, 0),
    ...convWorkloads("LeNet conv2 b64", [64, 6, 14, 14], 16, 5, 0),
    ...lenetWorkloads(),
    ...(simd
      ? [
          ...convWorkloads("conv 64->64 k3 p1 on 1x64x56x56", [1, 64, 56, 56], 64, 3, 1, SIMD),
          ...convWorkloads("LeNet conv2 b64", [64, 6, 14, 14], 16, 5, 0, SIMD),
          ...lenetWorkloads(SIMD),
        ]
      : []),
  ];
  const oursSamples: number[][] = workloads.map(() => []);
  let theirsSamples: number[][] | null = workloads.map(() => []);
  for (let r = 0; r < rounds; r++) {
    workloads.forEach((w, i) => oursSamples[i]!.push(...time(w.run, sampleMs, samples)));
    const t = theirsSamples ? runTorch(workloads, sampleMs, samples) : null;
    if (t === null) theirsSamples = null;
    else t.forEach((xs, i) => theirsSamples![i]!.push(...xs));
  }
  const ours = oursSamples.map(median);
  const theirs = theirsSamples?.map(median) ?? null;
  const rows = workloads.map((w, i) => {
    const t = ours[i]!;
    const pt = theirs?.[i] ?? null;
    return {
      workload: w.name,
      tsorch: fmtTime(t),
      "tsorch GFLOP/s": w.flops ? (w.flops / t / 1e9).toFixed(2) : "",
      pytorch: pt === null ? "" : fmtTime(pt),
      "pytorch GFLOP/s": pt === null || !w.flops ? "" : (w.flops / pt / 1e9).toFixed(2),
      "tsorch/pytorch time": pt === null ? "" : (t / pt).toFixed(1),
    };
  });
  if (asJson) {
    const clock = wall ? "wall" : "process-cpu";
    console.log(JSON.stringify({ node: process.version, clock, loadavg: loadavg(), rows, seconds: { tsorch: ours, pytorch: theirs } }, null, 1));
    return;
  }
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(
    `tsorch CPU kernels, Node ${process.version}, one thread; ${wall ? "wall-clock" : "process CPU"} time, ` +
      `medians of ${samples * rounds} samples in ${rounds} round(s); load average ${load}`,
  );
  if (theirs === null) console.log("(PyTorch not available: /usr/bin/python3 -c 'import torch' failed)");
  console.table(rows);
}

main();
