/**
 * The runtime's headline workloads through the public API, beside PyTorch
 * (one thread) in the same run, on each backend (the default "wasm", then the
 * "ts" reference):
 *
 *   LeNet forward, batch 1 (latency, under no_grad and recording gradients) and batch 64 (images/s),
 *   LeNet forward in float64, batch 8 (computed in double, as PyTorch does),
 *   Conv2d(64, 64, 3, padding=1) on 1x64x56x56 (GFLOP/s),
 *   a 512x512x512 matmul (GFLOP/s),
 *   and the heap after 10,000 LeNet forward passes (it must stay flat);
 *   then the wasm backend's LeNet batch 64, conv and matmul on 1 and 2 threads (wall clock).
 *
 *     npm run build && node dist/bench/runtime.js
 */
import { nn, torch } from "../src/index.js";
import { availableBackends, getBackend, setBackend } from "../src/backend/registry.js";
import { LeNet, PY_LENET } from "./lenet.js";
import { PY_TIMEIT, clockMs, row, runPytorch, timeit } from "./pytorch.js";

interface Figures {
  lenet_b1_us: number;
  lenet_b1_grad_us: number;
  lenet_b64_img_s: number;
  lenet_f64_b8_us: number;
  conv_gflops: number;
  matmul_gflops: number;
}

const CONV_FLOPS = 2 * 64 * 64 * 9 * 56 * 56;
const MATMUL_FLOPS = 2 * 512 ** 3;

const PY_SCRIPT = PY_TIMEIT + PY_LENET + String.raw`
import json, sys
torch.set_num_threads(1)
torch.manual_seed(0)
net = LeNet().eval()
x1 = torch.randn(1, 1, 32, 32); x64 = torch.randn(64, 1, 32, 32)
net64 = LeNet().double().eval(); x8 = torch.randn(8, 1, 32, 32, dtype=torch.float64)
conv = nn.Conv2d(64, 64, 3, padding=1); xc = torch.randn(1, 64, 56, 56)
a = torch.randn(512, 512); b = torch.randn(512, 512)
with torch.no_grad():
    out = {
        "lenet_b1_us": timeit(lambda: net(x1)) * 1e6,
        "lenet_b1_grad_us": 0,
        "lenet_b64_img_s": 64 / timeit(lambda: net(x64)),
        "lenet_f64_b8_us": timeit(lambda: net64(x8)) * 1e6,
        "conv_gflops": ${CONV_FLOPS} / timeit(lambda: conv(xc)) / 1e9,
        "matmul_gflops": ${MATMUL_FLOPS} / timeit(lambda: torch.mm(a, b)) / 1e9,
    }
with torch.enable_grad():
    out["lenet_b1_grad_us"] = timeit(lambda: net(x1)) * 1e6
print(json.dumps(out))
`;

/**
 * Median seconds per call of `a` and of `b`, timed in alternating batches (a, b, a, b, ...) after
 * both are warm, so that a change of load on the machine or a late JIT tier weighs on both alike:
 * timed one after the other, the grad-mode overhead at batch 1 read anywhere from +2% to +46%.
 */
function timeAlternating(a: () => void, b: () => void, samples = 15, seconds = 1): [number, number] {
  timeit(a, 0.05, 1, 1);
  timeit(b, 0.05, 1, 1);
  const t0 = clockMs();
  a();
  b();
  const per = Math.max((clockMs() - t0) / 1000, 1e-7);
  const reps = Math.max(1, Math.floor(seconds / samples / per));
  const ta: number[] = [];
  const tb: number[] = [];
  for (let s = 0; s < samples; s++) {
    for (const [fn, out] of [[a, ta], [b, tb]] as const) {
      const start = clockMs();
      for (let r = 0; r < reps; r++) fn();
      out.push((clockMs() - start) / 1000 / reps);
    }
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  return [median(ta), median(tb)];
}

function measureTsorch(): Figures {
  torch.manual_seed(0);
  const net = new LeNet();
  net.eval();
  const x1 = torch.randn(1, 1, 32, 32);
  const x64 = torch.randn(64, 1, 32, 32);
  const net64 = new LeNet().double();
  net64.eval();
  const x8 = torch.randn([8, 1, 32, 32], { dtype: torch.float64 });
  const conv = new nn.Conv2d(64, 64, 3, { padding: 1 });
  const xc = torch.randn(1, 64, 56, 56);
  const a = torch.randn(512, 512);
  const b = torch.randn(512, 512);
  const [lenet_b1_us, lenet_b1_grad_us] = timeAlternating(() => torch.no_grad(() => net(x1)), () => net(x1)).map((s) => s * 1e6) as [number, number];
  return torch.no_grad(() => ({
    lenet_b1_us,
    lenet_b1_grad_us,
    lenet_b64_img_s: 64 / timeit(() => net(x64)),
    lenet_f64_b8_us: timeit(() => net64(x8)) * 1e6,
    conv_gflops: CONV_FLOPS / timeit(() => conv(xc)) / 1e9,
    matmul_gflops: MATMUL_FLOPS / timeit(() => torch.mm(a, b)) / 1e9,
  }));
}

/** Heap used before and after `passes` forward passes (with gradients recorded, as in a notebook), after GC. */
function heapAfterForwards(passes: number): { before: number; after: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  torch.manual_seed(0);
  const net = new LeNet();
  const x = torch.randn(1, 1, 32, 32);
  for (let i = 0; i < 200; i++) net(x);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < passes; i++) net(x);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return { before, after };
}

/** Wall-clock figures on `threads` threads (CPU time would add the threads up). */
function measureThreads(threads: number): { lenet_b64_img_s: number; conv_gflops: number; matmul_gflops: number } {
  torch.set_num_threads(threads);
  torch.manual_seed(0);
  const net = new LeNet();
  net.eval();
  const x64 = torch.randn(64, 1, 32, 32);
  const conv = new nn.Conv2d(64, 64, 3, { padding: 1 });
  const xc = torch.randn(1, 64, 56, 56);
  const a = torch.randn(512, 512);
  const b = torch.randn(512, 512);
  const wall = () => performance.now();
  try {
    return torch.no_grad(() => ({
      lenet_b64_img_s: 64 / timeit(() => net(x64), 0.5, 7, 1, wall),
      conv_gflops: CONV_FLOPS / timeit(() => conv(xc), 0.5, 7, 1, wall) / 1e9,
      matmul_gflops: MATMUL_FLOPS / timeit(() => torch.mm(a, b), 0.5, 7, 1, wall) / 1e9,
    }));
  } finally {
    torch.set_num_threads(1);
  }
}

export function runRuntimeBench(): void {
  torch.set_num_threads(1);
  const initial = getBackend();
  const backends = availableBackends().sort((x, y) => (x === initial ? -1 : y === initial ? 1 : 0));
  const ours: Record<string, Figures> = {};
  for (const b of backends) {
    setBackend(b);
    ours[b] = measureTsorch();
  }
  setBackend(initial);
  const theirs = runPytorch<Figures>(PY_SCRIPT, {});
  for (const b of backends) {
    const o = ours[b]!;
    const wasm = b === "wasm";
    const target = (t: string) => (wasm ? `   target ${t}` : "");
    console.log(`== runtime, ${b} backend${b === initial ? " (default)" : ""} (one thread; medians of ${process.env.TSORCH_BENCH_CLOCK === "wall" ? "wall-clock" : "CPU"} time; ratio = how many times PyTorch's figure is better)`);
    console.log(row("LeNet forward, batch 1", o.lenet_b1_us, theirs?.lenet_b1_us, "us", false, 0) + target("< 60 us"));
    console.log(row("LeNet forward, batch 1, recording grads", o.lenet_b1_grad_us, theirs?.lenet_b1_grad_us, "us", false, 0) +
      `   ${((o.lenet_b1_grad_us / o.lenet_b1_us - 1) * 100).toFixed(0)}% over no_grad${wasm ? " (target < 15%)" : ""}`);
    console.log(row("LeNet forward, batch 64", o.lenet_b64_img_s, theirs?.lenet_b64_img_s, "img/s", true, 0) + target("> 25,000 img/s"));
    console.log(row("LeNet forward, batch 8, float64", o.lenet_f64_b8_us, theirs?.lenet_f64_b8_us, "us", false, 0));
    console.log(row("Conv2d(64, 64, 3, padding=1) on 1x64x56x56", o.conv_gflops, theirs?.conv_gflops, "GFLOP/s", true) + target("> 40 GFLOP/s"));
    console.log(row("matmul 512x512x512", o.matmul_gflops, theirs?.matmul_gflops, "GFLOP/s", true) + target("> 40 GFLOP/s"));
  }
  if (backends.includes("wasm")) {
    setBackend("wasm");
    const one = measureThreads(1);
    const two = measureThreads(2);
    setBackend(initial);
    console.log("== wasm backend on 1 and 2 threads (torch.set_num_threads; wall-clock medians, so other load on the machine counts against them)");
    console.log(`LeNet forward, batch 64                      1 thread ${one.lenet_b64_img_s.toFixed(0).padStart(7)} img/s   2 threads ${two.lenet_b64_img_s.toFixed(0).padStart(7)} img/s   target > 45,000 img/s`);
    console.log(`Conv2d(64, 64, 3, padding=1) on 1x64x56x56   1 thread ${one.conv_gflops.toFixed(1).padStart(7)} GFLOP/s 2 threads ${two.conv_gflops.toFixed(1).padStart(7)} GFLOP/s target > 75 GFLOP/s`);
    console.log(`matmul 512x512x512                           1 thread ${one.matmul_gflops.toFixed(1).padStart(7)} GFLOP/s 2 threads ${two.matmul_gflops.toFixed(1).padStart(7)} GFLOP/s target > 75 GFLOP/s`);
  }
  const heap = heapAfterForwards(10_000);
  const grew = (heap.after - heap.before) / 1024 / 1024;
  const gcNote = (globalThis as { gc?: () => void }).gc ? "" : " (run node with --expose-gc for exact figures)";
  console.log(`heap after 10,000 LeNet forwards: ${(heap.before / 1048576).toFixed(1)} MB -> ${(heap.after / 1048576).toFixed(1)} MB (${grew >= 0 ? "+" : ""}${grew.toFixed(2)} MB)${gcNote}`);
}

if (import.meta.url === `file://${process.argv[1]}`) runRuntimeBench();
