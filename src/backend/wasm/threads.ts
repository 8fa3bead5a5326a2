/**
 * Threads for the wasm backend: `setNumThreads(n)` (`torch.set_num_threads`), by default the machine's
 * cores, and a pool of n - 1 worker threads that run the SIMD GEMM module on the shared memory
 * (memory.ts). A large product is split by rows of its A panel: the workers take the first parts and
 * the calling thread the last, then waits for them; small products stay on the calling thread (waking
 * a worker costs tens of microseconds). Workers start at the first product large enough, and are
 * told to stop when the count goes down. Without a shared memory or a way to start workers
 * (platform/threads.ts) everything runs on the calling thread.
 *
 * Each worker waits on its own control words (a SharedArrayBuffer): the job's sequence number and the
 * GEMM's arguments in, the finished sequence number out, with `Atomics.wait`/`notify`.
 */
import { ArgumentError } from "../../errors.js";
import { hardwareConcurrency, startWorker, type WorkerHandle } from "../../platform/threads.js";
import { sharedMemory } from "./memory.js";

/** The worker's script: instantiate the GEMM module on the shared memory, then run jobs until told to stop (-1). */
const WORKER_SOURCE = String.raw`
const start = (d) => {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(d.bytes), { env: { memory: d.memory } });
  const gemm = inst.exports.gemm;
  const c = new Int32Array(d.control);
  let seen = 0;
  for (;;) {
    Atomics.wait(c, 0, seen);
    seen = Atomics.load(c, 0);
    if (seen < 0) return;
    gemm(c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
    Atomics.store(c, 8, seen);
    Atomics.notify(c, 8);
  }
};
if (typeof require === "function") start(require("worker_threads").workerData);
else self.onmessage = (e) => start(e.data);
`;

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

  static start(bytes: Uint8Array, memory: object): Worker | null {
    const control = new Int32Array(new SharedArrayBuffer(64));
    const handle = startWorker(WORKER_SOURCE, { bytes, memory, control: control.buffer });
    return handle === null ? null : new Worker(handle, control);
  }

  post(a: number, b: number, c: number, mp: number, np: number, k: number, acc: number): void {
    const w = this.control;
    w[1] = a; w[2] = b; w[3] = c; w[4] = mp; w[5] = np; w[6] = k; w[7] = acc;
    Atomics.store(w, 0, ++this.seq);
    Atomics.notify(w, 0);
  }

  wait(): void {
    const w = this.control;
    for (;;) {
      const done = Atomics.load(w, 8);
      if (done === this.seq) return;
      try {
        Atomics.wait(w, 8, done, 100);
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

const workers: Worker[] = [];
let unavailable = false;

/** Up to `n` workers running `bytes` (started as needed); fewer where threads are unavailable. */
function pool(n: number, bytes: Uint8Array): Worker[] {
  if (unavailable) return [];
  const memory = sharedMemory();
  if (memory === null || typeof SharedArrayBuffer === "undefined") {
    unavailable = true;
    return [];
  }
  while (workers.length < n) {
    const w = Worker.start(bytes, memory);
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
 * Runs `gemm(a, b, c, mp, np, k, acc)` (byte addresses; the module of `bytes`; A in `tile`-row slivers,
 * C row-major with np columns) split by rows across the threads when it is large enough.
 */
export function parallelGemm(
  gemm: (a: number, b: number, c: number, mp: number, np: number, k: number, acc: number) => void,
  bytes: Uint8Array,
  tile: number,
  a: number, b: number, c: number, mp: number, np: number, k: number, acc: number,
): void {
  const slivers = mp / tile;
  const parts = Math.min(numThreads, slivers);
  if (parts < 2 || mp * np * k < PARALLEL_MIN_WORK) {
    gemm(a, b, c, mp, np, k, acc);
    return;
  }
  const helpers = pool(parts - 1, bytes);
  const n = helpers.length + 1;
  const rows = Math.ceil(slivers / n) * tile;
  let r0 = 0;
  const used: Worker[] = [];
  for (const w of helpers) {
    if (r0 + rows >= mp) break;
    w.post(a + r0 * k * 4, b, c + r0 * np * 4, rows, np, k, acc);
    used.push(w);
    r0 += rows;
  }
  gemm(a + r0 * k * 4, b, c + r0 * np * 4, mp - r0, np, k, acc);
  for (const w of used) w.wait();
}
