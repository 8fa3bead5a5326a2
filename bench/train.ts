/**
 * One LeNet training step at batch 64 through the public API — forward,
 * cross-entropy, backward, SGD with momentum (`optimizer.zero_grad(); loss =
 * F.cross_entropy(net(x), y); loss.backward(); optimizer.step()`) — beside
 * PyTorch (one thread) in the same run, then the same step with the opt-in
 * WebAssembly SIMD kernels, and where a tsorch step's time goes: per phase
 * (forward, loss, backward, zero_grad + step), and inside the registered
 * compute kernels (conv, GEMM, pooling, element-wise loops) versus around
 * them (autograd, losses, optimizer, op dispatch, allocation).
 *
 *     npm run build && node dist/bench/train.js [--quick] [--wall]
 *
 * Times are the process's CPU time (both sides), which other processes on
 * this shared machine do not inflate; `--wall` uses wall-clock time.
 * Reference figures: PyTorch 6.9 ms, TensorFlow.js (pure JS) 4,440 ms;
 * target for the TypeScript kernels: under 60 ms.
 */
import { F, type nn, optim, torch } from "../src/index.js";
import {
  availableBackends, getBackend, getKernel, listKernels, registerKernel, setBackend,
} from "../src/backend/registry.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { LeNet, PY_LENET } from "./lenet.js";
import { runPytorch } from "./pytorch.js";

const BATCH = 64;

const PY_SCRIPT = PY_LENET + String.raw`
import json, sys, time, statistics
import torch.optim as optim
spec = json.loads(sys.stdin.read())
clock = time.perf_counter if spec["wall"] else time.process_time
torch.set_num_threads(1)
torch.manual_seed(0)
net = LeNet()
x = torch.randn(${BATCH}, 1, 32, 32)
y = torch.randint(0, 10, (${BATCH},))
opt = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
def step():
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
for _ in range(5): step()
out = []
for _ in range(spec["samples"]):
    t0 = clock()
    for _ in range(spec["reps"]): step()
    out.append((clock() - t0) / spec["reps"] * 1e3)
print(json.dumps({"step_ms": statistics.median(out)}))
`;

/** Milliseconds on the benchmark clock (CPU time unless `wall`). */
function clock(wall: boolean): number {
  if (wall) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A seeded net, a batch and an optimizer, as the PyTorch side builds them. */
function setup(): { net: nn.Module; x: Tensor; y: Tensor; opt: optim.SGD } {
  torch.manual_seed(0);
  const net = new LeNet();
  const x = torch.randn(BATCH, 1, 32, 32);
  const y = torch.randint(0, 10, [BATCH]);
  const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  return { net, x, y, opt };
}

/** Median milliseconds of a full training step over `samples` samples of `reps` steps. */
function timeStep(samples: number, reps: number, wall: boolean): number {
  const { net, x, y, opt } = setup();
  const step = () => {
    opt.zero_grad();
    const loss = F.cross_entropy(net(x), y);
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < 5; i++) step();
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = clock(wall);
    for (let r = 0; r < reps; r++) step();
    out.push((clock(wall) - t0) / reps);
  }
  return median(out);
}

/**
 * Wraps every registered kernel to add the (wall) time spent inside it to
 * `acc.ms` while `fn` runs (a kernel calling another is counted once), then
 * restores the kernels.
 */
function withKernelTimer<T>(acc: { ms: number }, fn: () => T): T {
  const saved = listKernels().map(({ name, dtype, backend }) => ({ name, dtype, fn: getKernel(name as never, dtype), backend }));
  let depth = 0;
  for (const k of saved) {
    const inner = k.fn as (...a: unknown[]) => unknown;
    registerKernel(k.name as never, k.dtype, ((...a: unknown[]) => {
      if (depth > 0) return inner(...a);
      depth++;
      const t0 = performance.now();
      try {
        return inner(...a);
      } finally {
        acc.ms += performance.now() - t0;
        depth--;
      }
    }) as never, k.backend);
  }
  try {
    return fn();
  } finally {
    for (const k of saved) registerKernel(k.name as never, k.dtype, k.fn as never, k.backend);
  }
}

/** Median (wall) milliseconds of each phase of a step, and the share of a step spent inside the kernels. */
function phases(reps: number): { phases: Record<string, number>; kernel_ms: number; step_ms: number } {
  const { net, x, y, opt } = setup();
  const t: Record<string, number[]> = { forward: [], loss: [], backward: [], "zero_grad + step": [] };
  const kernelMs: number[] = [];
  const stepMs: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    const acc = { ms: 0 };
    const times = withKernelTimer(acc, () => {
      const t0 = performance.now();
      opt.zero_grad();
      const t1 = performance.now();
      const out = net(x);
      const t2 = performance.now();
      const loss = F.cross_entropy(out, y);
      const t3 = performance.now();
      loss.backward();
      const t4 = performance.now();
      opt.step();
      const t5 = performance.now();
      return [t0, t1, t2, t3, t4, t5] as const;
    });
    if (i < 3) continue;
    const [t0, t1, t2, t3, t4, t5] = times;
    t.forward!.push(t2 - t1);
    t.loss!.push(t3 - t2);
    t.backward!.push(t4 - t3);
    t["zero_grad + step"]!.push(t1 - t0 + t5 - t4);
    kernelMs.push(acc.ms);
    stepMs.push(t5 - t0);
  }
  return {
    phases: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])),
    kernel_ms: median(kernelMs),
    step_ms: median(stepMs),
  };
}

/** What `runTrainBench` measured (milliseconds per step). */
export interface TrainBenchResult {
  /** Per backend: the default `"wasm"` and the TypeScript reference `"ts"`. */
  backend_ms: Record<string, number>;
  pytorch_ms: number | null;
  /** Wall milliseconds of a step inside the registered compute kernels, and of the whole step, in the phase run (default backend). */
  kernel_ms: number;
  phase_step_ms: number;
  phases: Record<string, number>;
}

/** Runs `fn` with `name` as the backend, then puts the previous one back. */
function onBackend<T>(name: string, fn: () => T): T {
  const before = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(before);
  }
}

/** Runs the benchmark, prints its figures and returns them. */
export function runTrainBench(options: { quick?: boolean; wall?: boolean } = {}): TrainBenchResult {
  torch.set_num_threads(1);
  const wall = options.wall ?? false;
  const samples = options.quick ? 5 : 9;
  const reps = options.quick ? 3 : 6;
  const theirs = runPytorch<{ step_ms: number }>(PY_SCRIPT, { wall, samples, reps: reps * 4 });
  const backends = availableBackends().sort((a, b) => (a === "wasm" ? -1 : b === "wasm" ? 1 : 0));
  const backend_ms: Record<string, number> = {};
  for (const b of backends) backend_ms[b] = onBackend(b, () => timeStep(samples, reps, wall));
  const split = phases(options.quick ? 5 : 15);
  const f = (v: number) => v.toFixed(2).padStart(8);
  const py = theirs ? theirs.step_ms : null;
  const ratio = (v: number) => (py ? `   ${(v / py).toFixed(2)}x PyTorch's time` : "");
  console.log(`== LeNet training step, batch ${BATCH}: forward, cross-entropy, backward, SGD with momentum (one thread; medians of ${wall ? "wall-clock" : "CPU"} time)`);
  const label: Record<string, string> = { wasm: "tsorch, wasm backend (default)", ts: "tsorch, ts backend (reference)" };
  for (const b of backends) console.log(`${(label[b] ?? b).padEnd(32)}${f(backend_ms[b]!)} ms${ratio(backend_ms[b]!)}${b === "wasm" ? "   (target < 6 ms)" : ""}`);
  console.log(`${"PyTorch, one thread".padEnd(32)}${py === null ? "   (PyTorch not installed)" : `${f(py)} ms`}`);
  console.log(`a step by phase (wall, ${getBackend()} backend): ${Object.entries(split.phases).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(", ")}`);
  const outside = split.step_ms - split.kernel_ms;
  console.log(`inside the compute kernels ${split.kernel_ms.toFixed(2)} ms of ${split.step_ms.toFixed(2)} ms; around them (autograd, losses, optimizer, dispatch, allocation) ${outside.toFixed(2)} ms (${(100 * outside / split.step_ms).toFixed(0)}%)`);
  return { backend_ms, pytorch_ms: py, kernel_ms: split.kernel_ms, phase_step_ms: split.step_ms, phases: split.phases };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runTrainBench({ quick: process.argv.includes("--quick"), wall: process.argv.includes("--wall") });
}
