/**
 * The platform seam for threads: start a worker thread from a self-contained script, and ask how many
 * cores the machine has. On Node the worker comes from `worker_threads` (reached through
 * `process.getBuiltinModule`, so nothing here imports a `node:` module); in a browser from `Worker`
 * with a Blob URL. The script receives `data` as `workerData` (Node) or as its first message (browser).
 *
 * @example
 * const w = startWorker("self.postMessage?.(1)", {});
 * w?.terminate();
 */

/** A started worker: enough to stop it, and to keep it from holding the process open. */
export interface WorkerHandle {
  terminate(): void;
}

interface NodeWorker {
  terminate(): Promise<number>;
  unref(): void;
  on(event: "error", fn: (e: unknown) => void): void;
}
interface NodeProcess {
  getBuiltinModule?: (name: string) => unknown;
}
interface BrowserWorker {
  postMessage(data: unknown): void;
  terminate(): void;
}

function nodeModule<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * Starts a worker running `source` (plain JavaScript, no imports) with `data`, or returns null where the
 * engine has no way to start one.
 */
export function startWorker(source: string, data: unknown): WorkerHandle | null {
  const wt = nodeModule<{ Worker: new (code: string, opts: object) => NodeWorker }>("node:worker_threads");
  if (wt !== undefined) {
    const w = new wt.Worker(source, { eval: true, workerData: data });
    w.unref();
    w.on("error", () => {});
    return { terminate: () => void w.terminate() };
  }
  const g = globalThis as {
    Worker?: new (url: string) => BrowserWorker;
    Blob?: new (parts: string[], opts: object) => object;
    URL?: { createObjectURL(b: object): string };
  };
  if (g.Worker === undefined || g.Blob === undefined || g.URL === undefined) return null;
  const w = new g.Worker(g.URL.createObjectURL(new g.Blob([source], { type: "text/javascript" })));
  w.postMessage(data);
  return { terminate: () => w.terminate() };
}

/** The number of cores this machine offers (1 when it cannot tell). */
export function hardwareConcurrency(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  const os = nodeModule<{ availableParallelism?: () => number; cpus(): unknown[] }>("node:os");
  if (os !== undefined) return os.availableParallelism?.() ?? os.cpus().length;
  return 1;
}
