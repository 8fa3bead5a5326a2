/**
 * Heap exhaustion ends the cell, not the kernel.
 *
 * V8 kills the whole process when its heap runs out ("JavaScript heap out of memory"), and so
 * does an array grown past about 112 million elements ("invalid size error"), whatever the heap
 * limit. Neither can be caught in JavaScript. So the I/O thread watches the main thread's heap
 * through an inspector session (it answers while user code spins) and stops a running cell that
 * grows the heap past the kernel's limit, the same way an interrupt does; the cell then ends with
 * a `MemoryError` naming the heap used and the limit, and the variables stay.
 *
 * The limit is `TSORCH_MAX_HEAP` (`tsorch install --max-heap 8g` puts it in the kernelspec,
 * together with a V8 limit a quarter above it, so V8 never gets there first). Without it, the
 * limit is 768 MiB, or 85% of V8's own limit if that is lower: under the 902 MB an array holds
 * just before V8's element limit, so a runaway array is stopped in time. Tensor data lives in
 * ArrayBuffers, outside this heap.
 *
 * A cell that starts with the heap already above the limit (a large variable kept from before,
 * or garbage not yet collected) may still grow it by an eighth of the limit before it is
 * stopped, so an innocent cell is not blamed and freeing memory stays possible.
 *
 * @example
 * parseByteSize("8g"); // 8589934592
 * heapBudget(4 * 2 ** 30, undefined); // 805306368 (768 MiB)
 */

const UNITS: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };

/** `8g`, `512M`, `1.5GiB`, `1073741824` → bytes (binary units, as Node's --max-old-space-size). Throws RangeError. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`cannot read ${JSON.stringify(text)} as a size: use a number with k, m, g or t (e.g. 8g, 512m)`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < 64 * 2 ** 20) throw new RangeError(`a heap of ${text} is too small: the kernel needs at least 64m`);
  return bytes;
}

export const DEFAULT_HEAP_BUDGET = 768 * 2 ** 20;

/** The heap a cell may grow to before it is stopped. */
export function heapBudget(v8Limit: number, configured: number | undefined): number {
  const ceiling = Math.floor(v8Limit * 0.85);
  return Math.min(configured ?? DEFAULT_HEAP_BUDGET, ceiling);
}

/** `--max-old-space-size` (MiB) for a configured budget: a quarter more, so the watcher acts first. */
export function v8OldSpaceMiB(budget: number): number {
  return Math.ceil((budget * 1.25) / 2 ** 20);
}

/** The budget from `TSORCH_MAX_HEAP`, if set; a bad value is reported and ignored. */
export function configuredBudget(env: NodeJS.ProcessEnv = process.env, warn: (text: string) => void = () => {}): number | undefined {
  const text = env.TSORCH_MAX_HEAP;
  if (!text) return undefined;
  try {
    return parseByteSize(text);
  } catch (err) {
    warn(`TSORCH_MAX_HEAP: ${(err as Error).message}; using the default`);
    return undefined;
  }
}

/** The limit that applies to one cell, given the heap in use when it started. */
export function cellHeapLimit(budget: number, usedAtStart: number): number {
  return Math.max(budget, usedAtStart + budget / 8);
}
