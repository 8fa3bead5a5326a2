/**
 * Runs a PyTorch script beside a tsorch benchmark, so that both are measured
 * in the same run on the same (noisy, shared) machine and the ratio means
 * something. PyTorch is optional: without `/usr/bin/python3` + torch the
 * benchmarks print tsorch's figures alone.
 */
import { spawnSync } from "node:child_process";

const PYTHON = process.env.TSORCH_BENCH_PYTHON ?? "/usr/bin/python3";

/** True when PyTorch can be imported by the benchmark's Python. */
export function pytorchAvailable(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
  return r.status === 0;
}

/**
 * Runs `script` with `spec` as JSON on stdin and returns the JSON it prints
 * on its last stdout line, or null when PyTorch is not there or the script failed.
 */
export function runPytorch<T>(script: string, spec: unknown): T | null {
  if (!pytorchAvailable()) return null;
  const r = spawnSync(PYTHON, ["-c", script], {
    input: JSON.stringify(spec),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  if (r.status !== 0) {
    process.stderr.write(`PyTorch side failed:\n${r.stderr}\n`);
    return null;
  }
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * The clock of `timeit` on both sides: the process's CPU time by default (on a shared machine other
 * processes inflate wall-clock time, not the CPU time of a one-thread workload), or wall-clock time
 * with `TSORCH_BENCH_CLOCK=wall`.
 */
const WALL = process.env.TSORCH_BENCH_CLOCK === "wall";

/** Milliseconds on the benchmark clock. */
export function clockMs(): number {
  if (WALL) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Python helper inserted in scripts: `timeit(fn, min_seconds)` returns the median seconds per call (same clock). */
export const PY_TIMEIT = String.raw`
import os, time, statistics
clock = time.perf_counter if os.environ.get("TSORCH_BENCH_CLOCK") == "wall" else time.process_time
def timeit(fn, seconds=0.5, samples=7, warmup=1.0):
    end = clock() + warmup; calls = 0
    while calls < 3 or (clock() < end and calls < 5000):
        fn(); calls += 1
    t0 = clock(); fn(); dt = max(clock() - t0, 1e-7)
    reps = max(1, int(seconds / samples / dt))
    out = []
    for _ in range(samples):
        t0 = clock()
        for _ in range(reps): fn()
        out.append((clock() - t0) / reps)
    return statistics.median(out)
`;

/**
 * Median seconds per call of `fn` over `samples` timed batches of about
 * `seconds` in all, after a warm-up of `warmupSeconds` (V8 needs several
 * hundred calls of a small workload before its optimised code settles; timing
 * earlier measures the JIT, not the runtime).
 */
export function timeit(fn: () => void, seconds = 0.5, samples = 7, warmupSeconds = 1, clock: () => number = clockMs): number {
  const clockMs = clock;
  const warmEnd = clockMs() + warmupSeconds * 1000;
  let calls = 0;
  while (calls < 3 || (clockMs() < warmEnd && calls < 5000)) {
    fn();
    calls++;
  }
  let t0 = clockMs();
  fn();
  const dt = Math.max((clockMs() - t0) / 1000, 1e-7);
  const reps = Math.max(1, Math.floor(seconds / samples / dt));
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = clockMs();
    for (let r = 0; r < reps; r++) fn();
    out.push((clockMs() - t0) / 1000 / reps);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

/** Formats a figure with its unit, PyTorch's figure and the ratio (how many times slower/faster tsorch is). */
export function row(name: string, ours: number, theirs: number | null | undefined, unit: string, higherIsBetter: boolean, digits = 1): string {
  const f = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  let ratio = "";
  if (theirs !== null && theirs !== undefined) {
    const r = higherIsBetter ? theirs / ours : ours / theirs;
    ratio = `  ratio ${r.toFixed(1)}x ${r >= 1 ? "behind" : "ahead of"} PyTorch`;
  }
  const torch = theirs === null || theirs === undefined ? "(PyTorch not installed)" : `PyTorch ${f(theirs)} ${unit}`;
  return `${name.padEnd(44)} tsorch ${f(ours).padStart(10)} ${unit.padEnd(8)} ${torch}${ratio}`;
}
