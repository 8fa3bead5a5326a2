/**
 * Threads for the wasm backend: `setNumThreads(n)` (`torch.set_num_threads`), by default the machine's
 * cores, and a pool of n - 1 worker threads running the GEMM and packing modules on the shared memory
 * (memory.ts). Work is split two ways:
 * - `parallelGemm`: a large product by rows of its A panel (the workers take the first parts, the
 *   calling thread the last);
 * - `runJobs`: lists of calls prepared by a kernel, one per thread (the wasm conv splits a batch of
 *   small images this way: each thread gathers, multiplies and adds the bias for its own images).
 * Small work stays on the calling thread (waking a worker costs tens of microseconds). Workers start
 * when first needed and are told to stop when the count goes down. Without a shared memory or a way
 * to start workers (platform/threads.ts) everything runs on the calling thread.
 *
 * Each worker waits on its own control words (a SharedArrayBuffer): the job's sequence number and its
 * calls in, the finished sequence number out, with `Atomics.wait`/`notify`.
 */
import { ArgumentError } from "../../errors.js";
import { hardwareConcurrency, startWorker, type WorkerHandle } from "../../platform/threads.js";
import { sharedMemory } from "./memory.js";

/**
 * The worker's script: instantiate the modules on the shared memory, then run jobs until told to stop
 * (-1). A job is a list of calls in the control words: `[seq, done, calls, (function, 7 arguments) x
 * calls]`, the function an index into the table the modules' exports make (`WORKER_FUNCTIONS`).
 */
const WORKER_SOURCE = String.raw`
const start = (d) => {
  const fns = [];
  d.modules.forEach((bytes, m) => {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: d.memory } });
    for (const [mod, name] of d.functions) if (mod === m) fns[d.functions.findIndex((f) => f[0] === mod && f[1] === name)] = inst.exports[name];
  });
  const c = new Int32Array(d.control);
  let seen = 0;
  for (;;) {
    Atomics.wait(c, 0, seen);
    seen = Atomics.load(c, 0);
    if (seen < 0) return;
    for (let i = 0, o = 3; i < c[2]; i++, o += 8) fns[c[o]](c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7]);
    Atomics.store(c, 1, seen);
    Atomics.notify(c, 1);
  }
};
if (typeof require === "function") start(require("worker_threads").workerData);
else self.onmessage = (e) => start(e.data);
`;

/** What a worker can call: module 0 is the GEMM module (gemm.ts), module 1 the packing module (pack.ts). */
const WORKER_FUNCTIONS: readonly (readonly [number, string])[] = [[0, "gemm"], [1, "gather"], [1, "bias_rows"]];
/** Indices into `WORKER_FUNCTIONS`, for call lists. */
export const Call = { gemm: 0, gather: 1, biasRows: 2 } as const;
/** Ints of a worker's control words: room for this many calls per job. */
export const MAX_CALLS = 1024;

let numThreads = Math.max(1, hardwareConcurrency());

/** How many threads large kernels use (`torch.get_num_threads`). */
export function getNumThreads(): number {
  return numThreads;
}

/**
 * Sets how many threads large kernels use (`torch.set_num_threads`): 1 keeps everything on the calling
 * thread. Extra workers stop at once; new ones start when a large product needs them.
 */
export function setNumThreads(n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new ArgumentError(`set_num_threads expects a positive integer, but got ${String(n)}`, "n", n !== n || typeof n !== "number" ? "TypeError" : "RuntimeError");
  }
  numThreads = n;
  while (workers.length > n - 1) workers.pop()!.stop();
}

class Worker {
  private seq = 0;

  private constructor(
    private readonly handle: WorkerHandle,
    readonly control: Int32Array,
  ) {}

  static start(modules: Uint8Array[], memory: object): Worker | null {
    const control = new Int32Array(new SharedArrayBuffer(4 * (3 + 8 * MAX_CALLS)));
    const handle = startWorker(WORKER_SOURCE, { modules, functions: WORKER_FUNCTIONS, memory, control: control.buffer });
    return handle === null ? null : new Worker(handle, control);
  }

  /** Starts the calls of `job` (a CallList's words) on this worker. */
  post(job: CallList): void {
    const w = this.control;
    w.set(job.words.subarray(0, 8 * job.count), 3);
    w[2] = job.count;
    Atomics.store(w, 0, ++this.seq);
    Atomics.notify(w, 0);
  }

  wait(): void {
    const w = this.control;
    for (;;) {
      const done = Atomics.load(w, 1);
      if (done === this.seq) return;
      try {
        Atomics.wait(w, 1, done, 100);
      } catch {
        // A browser's main thread may not block: spin.
      }
    }
  }

  stop(): void {
    Atomics.store(this.control, 0, -1);
    Atomics.notify(this.control, 0);
    this.handle.terminate();
  }
}

/**
 * A list of WebAssembly calls for one thread (up to `MAX_CALLS`, each a `Call` and up to 7 int
 * arguments): what a worker runs as one job, or `runCalls` on the calling thread.
 */
export class CallList {
  readonly words = new Int32Array(8 * MAX_CALLS);
  count = 0;

  reset(): this {
    this.count = 0;
    return this;
  }

  add(fn: number, ...args: number[]): this {
    if (this.count === MAX_CALLS) throw new RangeError("CallList is full");
    const o = 8 * this.count++;
    this.words[o] = fn;
    for (let i = 0; i < 7; i++) this.words[o + 1 + i] = args[i] ?? 0;
    return this;
  }

}

const workers: Worker[] = [];
let unavailable = false;

/** Up to `n` workers (started as needed with `modules()`); fewer where threads are unavailable. */
function pool(n: number, modules: () => Uint8Array[]): Worker[] {
  if (unavailable) return [];
  const memory = sharedMemory();
  if (memory === null || typeof SharedArrayBuffer === "undefined") {
    unavailable = true;
    return [];
  }
  while (workers.length < n) {
    const w = Worker.start(modules(), memory);
    if (w === null) {
      unavailable = true;
      break;
    }
    workers.push(w);
  }
  return workers.slice(0, n);
}

/** How many worker threads are running now (besides the calling thread). */
export function runningWorkers(): number {
  return workers.length;
}

/** Products with fewer multiply-adds than this run on one thread. */
export const PARALLEL_MIN_WORK = 1 << 21;

/**
 * Runs `gemm(a, b, c, mp, np, k, acc)` (byte addresses; A in `tile`-row slivers, C row-major with np
 * columns) split by rows across the threads when it is large enough. `modules` gives the workers'
 * module bytes (`WORKER_FUNCTIONS`' order) when a pool has to start.
 */
export function parallelGemm(
  gemm: (a: number, b: number, c: number, mp: number, np: number, k: number, acc: number) => void,
  modules: () => Uint8Array[],
  tile: number,
  a: number, b: number, c: number, mp: number, np: number, k: number, acc: number,
): void {
  const slivers = mp / tile;
  const parts = Math.min(numThreads, slivers);
  if (parts < 2 || mp * np * k < PARALLEL_MIN_WORK) {
    gemm(a, b, c, mp, np, k, acc);
    return;
  }
  const helpers = pool(parts - 1, modules);
  const n = helpers.length + 1;
  const rows = Math.ceil(slivers / n) * tile;
  let r0 = 0;
  const used: Worker[] = [];
  for (const w of helpers) {
    if (r0 + rows >= mp) break;
    w.post(single.reset().add(Call.gemm, a + r0 * k * 4, b, c + r0 * np * 4, rows, np, k, acc));
    used.push(w);
    r0 += rows;
  }
  gemm(a + r0 * k * 4, b, c + r0 * np * 4, mp - r0, np, k, acc);
  for (const w of used) w.wait();
}

const single = new CallList();

/**
 * Runs `jobs[0]` on the calling thread with `run` and the others on workers at the same time, then waits
 * for them. Jobs past the available workers run on the calling thread after its own.
 */
export function runJobs(jobs: CallList[], modules: () => Uint8Array[], run: (job: CallList) => void): void {
  const helpers = jobs.length > 1 ? pool(jobs.length - 1, modules) : [];
  helpers.forEach((w, i) => w.post(jobs[i + 1]!));
  run(jobs[0]!);
  for (let i = helpers.length + 1; i < jobs.length; i++) run(jobs[i]!);
  for (const w of helpers) w.wait();
}
