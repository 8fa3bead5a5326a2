/**
 * What shape insight costs:
 *
 * - a LeNet forward at batch 64 with the always-on flight recorder, and as a
 *   timed `trace()`, against the same forward with recording switched off
 *   (target: tracing under 10% over an untraced forward);
 * - a shape-only trace of LeNet (`trace(net, [1, 1, 32, 32])`, meta tensors;
 *   target: under 1 ms), and the same for a 4096×4096 input;
 * - the explanation of the 64×64 failure (symbolic replay + solver), and of
 *   the failure of each of the 400 corpus nets (bench/shape-corpus.ts;
 *   target: under 50 ms); a shape-only trace of a 50-layer net (under 5 ms);
 * - conv1's heatmap (6×28×28 activation kept by a trace → PNG bundle; target: under 20 ms).
 *
 * The machine is shared and noisy: the variants run interleaved, round after
 * round, and the figures are medians of per-round ratios. Times are CPU time
 * (`TSORCH_BENCH_CLOCK=wall` for wall-clock), as in the other benchmarks.
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/trace.js [rounds]`
 */
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { nn, torch, summary, trace, setFlightRecorder } from "../src/index.js";
import { allCorpusSpecs, buildNet } from "./shape-corpus.js";
import { no_grad } from "../src/autograd/grad-mode.js";
import { jupyterDisplay } from "../src/render/mime.js";
import { hooked } from "../src/ops/op-hook.js";
import { LeNet } from "./lenet.js";
import { clockMs } from "./pytorch.js";

export interface TraceBenchResult {
  /** Median time of one b64 forward, ms: recording off, flight recorder on, trace() with timing. */
  forwardOffMs: number;
  forwardFlightMs: number;
  forwardTraceMs: number;
  /** Median per-round ratios against recording off. */
  flightRatio: number;
  traceRatio: number;
  /** The flight recorder at batch 1 (where a forward is shortest, so its share is largest): ms off, ms on, ratio. */
  forwardB1OffMs: number;
  forwardB1FlightMs: number;
  flightB1Ratio: number;
  /** What the flight recorder itself costs per LeNet forward (meta forward with it minus without), µs. */
  recorderUs: number;
  /** Shape-only trace of LeNet at 32×32 and 4096×4096, ms (medians). */
  metaTraceMs: number;
  metaTrace4096Ms: number;
  /** summary() (trace + table text), ms. */
  summaryTextMs: number;
  /** Explaining the 64×64 failure (replay + solve + text), ms. */
  explainMs: number;
  /** conv1 heatmap from a kept activation to the display bundle, ms. */
  heatmapMs: number;
  /** What the op hook adds to one call of a tiny function while nobody listens, ns. */
  hookIdleNs: number;
  /** Shape-only trace of a 50-layer net (25 conv + ReLU pairs), ms (target < 5 ms). */
  metaTrace50Ms: number;
  /** Explaining the failure of each of the 400 corpus nets (replay, shape-only reruns, solve, text): median, 95th percentile and slowest, ms (target < 50 ms). */
  corpusExplainMedianMs: number;
  corpusExplainP95Ms: number;
  corpusExplainMaxMs: number;
}

/**
 * The failure explanation of each corpus net, ms each: the error raised at its failing size, then
 * explained (replay, shape-only reruns, solve, text); per net the median of three fresh failures,
 * after the first 20 nets were explained once to warm the JIT.
 */
function corpusExplainTimes(): number[] {
  const times: number[] = [];
  const was = setFlightRecorder(true);
  const specs = allCorpusSpecs();
  const explainOnce = (spec: (typeof specs)[number]) => {
    const net = buildNet(spec) as unknown as (x: unknown) => unknown;
    let error: unknown;
    try {
      net(torch.empty([spec.batch, spec.channels, ...spec.failing], { device: "meta" }));
    } catch (e) {
      error = e;
    }
    return timeOnce(() => (error as { explanation: { toText(): string } }).explanation.toText());
  };
  for (const spec of specs.slice(0, 20)) explainOnce(spec);
  for (const spec of specs) times.push(median([explainOnce(spec), explainOnce(spec), explainOnce(spec)]));
  setFlightRecorder(was);
  return times.sort((a, b) => a - b);
}

/** ns per call of a hooked no-op against the bare function, nobody listening (the counter check and the wrapper). */
function hookIdleCost(): number {
  const bare = (a: number, b: number): number => a + b;
  const wrapped = hooked("bench_add", bare);
  const n = 2_000_000;
  const run = (f: (a: number, b: number) => number) => {
    let acc = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) acc = f(acc, 1) & 0xffff;
    return [(performance.now() - t0) * 1e6 / n, acc] as const;
  };
  const diffs: number[] = [];
  for (let r = 0; r < 7; r++) diffs.push(run(wrapped)[0] - run(bare)[0]);
  return Math.max(0, median(diffs));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeOnce(fn: () => unknown): number {
  const t0 = clockMs();
  fn();
  return clockMs() - t0;
}

/** Median ms of `fn` over `n` runs after `warm` warm-up runs. */
function timeMedian(fn: () => unknown, n: number, warm = 20): number {
  for (let i = 0; i < warm; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(timeOnce(fn));
  return median(xs);
}

export function runTraceBench(rounds = 15): TraceBenchResult {
  // One thread, as the figures say: CPU time of worker threads would count against both sides unevenly.
  const threads = torch.get_num_threads();
  torch.set_num_threads(1);
  torch.manual_seed(0);
  const net = new LeNet();
  const x = torch.randn(64, 1, 32, 32);
  const forward = () => no_grad(() => net(x));
  const reps = 3;
  const off: number[] = [];
  const flight: number[] = [];
  const traced: number[] = [];
  const flightR: number[] = [];
  const traceR: number[] = [];
  // Warm-up of all three paths.
  for (let i = 0; i < 5; i++) {
    setFlightRecorder(false);
    forward();
    setFlightRecorder(true);
    forward();
    trace(net, x);
  }
  const timed = (kind: number) => {
    setFlightRecorder(kind !== 0);
    let t = 0;
    for (let i = 0; i < reps; i++) t += timeOnce(kind === 2 ? () => trace(net, x) : forward);
    return t;
  };
  for (let r = 0; r < rounds; r++) {
    // Rotate the order of the three variants from round to round.
    const order = [[0, 1, 2], [1, 2, 0], [2, 0, 1]][r % 3]!;
    const t: number[] = [];
    for (const k of order) t[k] = timed(k);
    const [a, b, c] = t as [number, number, number];
    off.push(a / reps);
    flight.push(b / reps);
    traced.push(c / reps);
    flightR.push(b / a);
    traceR.push(c / a);
  }
  setFlightRecorder(true);

  // Batch 1: many short forwards per sample.
  const x1 = torch.randn(1, 1, 32, 32);
  const forward1 = () => no_grad(() => net(x1));
  const b1Off: number[] = [];
  const b1On: number[] = [];
  const b1R: number[] = [];
  const calls = 100;
  const batch1 = (on: boolean) => {
    setFlightRecorder(on);
    return timeOnce(() => { for (let i = 0; i < calls; i++) forward1(); }) / calls;
  };
  for (let r = 0; r < rounds * 2; r++) {
    // Alternate which goes first, so garbage collection of one does not always land in the other.
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = batch1(false);
      b = batch1(true);
    } else {
      b = batch1(true);
      a = batch1(false);
    }
    b1Off.push(a);
    b1On.push(b);
    b1R.push(b / a);
  }
  // The recorder's own cost: a shape-only forward (meta ops cost almost nothing) with and without it.
  const xm = torch.empty(1, 1, 32, 32, { device: "meta" });
  const metaForward = () => { for (let i = 0; i < calls; i++) net(xm); };
  const recOff: number[] = [];
  const recOn: number[] = [];
  for (let r = 0; r < rounds * 2; r++) {
    for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
      setFlightRecorder(on);
      (on ? recOn : recOff).push(timeOnce(metaForward) / calls);
    }
  }
  const recorderUs = Math.max(0, (median(recOn) - median(recOff)) * 1000);

  const metaTraceMs = timeMedian(() => trace(net, [1, 1, 32, 32]), 200, 50);
  const metaTrace4096Ms = timeMedian(() => trace(net, [1, 1, 4096, 4096]), 50, 10);
  const summaryTextMs = timeMedian(() => summary(net, [1, 1, 32, 32]).toText(), 50, 10);
  const explainMs = timeMedian(() => {
    const t = trace(net, [1, 1, 64, 64]);
    return t.explanation()!.toText();
  }, 30, 5);
  const deep = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(),
    ...Array.from({ length: 24 }, () => [new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.ReLU()]).flat());
  const metaTrace50Ms = timeMedian(() => trace(deep, [1, 3, 64, 64]), 50, 10);
  const corpus = corpusExplainTimes();
  const kept = trace(net, torch.randn(1, 1, 32, 32), { keepActivations: true });
  const heatmapMs = timeMedian(() => kept.featureMaps("conv1")[jupyterDisplay](), 40, 5);
  torch.set_num_threads(threads);
  return {
    forwardOffMs: median(off), forwardFlightMs: median(flight), forwardTraceMs: median(traced),
    flightRatio: median(flightR), traceRatio: median(traceR),
    forwardB1OffMs: median(b1Off), forwardB1FlightMs: median(b1On), flightB1Ratio: median(b1R), recorderUs,
    metaTraceMs, metaTrace4096Ms, summaryTextMs, explainMs, heatmapMs, hookIdleNs: hookIdleCost(), metaTrace50Ms,
    corpusExplainMedianMs: median(corpus), corpusExplainP95Ms: corpus[Math.floor(corpus.length * 0.95)]!,
    corpusExplainMaxMs: corpus[corpus.length - 1]!,
  };
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 15);
  const r = runTraceBench(rounds);
  const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)}%`;
  console.log(`== trace (one thread; medians of interleaved rounds; ${process.env.TSORCH_BENCH_CLOCK === "wall" ? "wall-clock" : "CPU"} time)`);
  console.log(`LeNet forward b64, recording off           ${r.forwardOffMs.toFixed(2).padStart(8)} ms`);
  console.log(`LeNet forward b64, flight recorder on       ${r.forwardFlightMs.toFixed(2).padStart(8)} ms   ratio ${r.flightRatio.toFixed(3)} (${pct(r.flightRatio)})`);
  console.log(`LeNet forward b64, trace() with timing      ${r.forwardTraceMs.toFixed(2).padStart(8)} ms   ratio ${r.traceRatio.toFixed(3)} (${pct(r.traceRatio)})   target < +10%`);
  console.log(`LeNet forward b1, recording off            ${r.forwardB1OffMs.toFixed(3).padStart(8)} ms`);
  console.log(`LeNet forward b1, flight recorder on        ${r.forwardB1FlightMs.toFixed(3).padStart(8)} ms   ratio ${r.flightB1Ratio.toFixed(3)} (${pct(r.flightB1Ratio)})`);
  console.log(`flight recorder's own cost per LeNet forward  ${r.recorderUs.toFixed(1).padStart(7)} us   (${(r.recorderUs / 10 / r.forwardB1OffMs).toFixed(1)}% of a b1 forward, ${(r.recorderUs / 10 / r.forwardOffMs).toFixed(2)}% of b64)`);
  console.log(`shape-only trace of LeNet, 1x1x32x32        ${r.metaTraceMs.toFixed(3).padStart(8)} ms   target < 1 ms`);
  console.log(`shape-only trace of LeNet, 1x1x4096x4096    ${r.metaTrace4096Ms.toFixed(3).padStart(8)} ms`);
  console.log(`summary(net, [1, 1, 32, 32]) as text        ${r.summaryTextMs.toFixed(3).padStart(8)} ms`);
  console.log(`explain the 64x64 failure (replay + solve)  ${r.explainMs.toFixed(2).padStart(8)} ms`);
  console.log(`shape-only trace of a 50-layer net          ${r.metaTrace50Ms.toFixed(3).padStart(8)} ms   target < 5 ms`);
  console.log(`explain a corpus net's failure (400 nets, median of 3 each)    median ${r.corpusExplainMedianMs.toFixed(1)} ms, p95 ${r.corpusExplainP95Ms.toFixed(1)} ms, slowest ${r.corpusExplainMaxMs.toFixed(1)} ms   target < 50 ms`);
  console.log(`conv1 heatmap from a trace, display bundle  ${r.heatmapMs.toFixed(2).padStart(8)} ms   target < 20 ms`);
  console.log(`op hook while nobody listens (per call)      ${r.hookIdleNs.toFixed(1).padStart(8)} ns`);
  console.log(JSON.stringify({ bench: "trace", ...r }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
