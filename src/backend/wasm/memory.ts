/**
 * The one WebAssembly memory every module of the wasm backend imports (`env.memory`), and how a kernel
 * gets room in it: `heapF32(floats)` grows the memory when needed and returns a Float32Array over all
 * of it. Kernels copy their operands in at offset 0, run, and copy results out; none calls another
 * while it holds the memory, so they share it without a lock.
 *
 * Above the kernels' scratch, from `RESIDENT_BASE` up, lives the resident region: arrays that stay in
 * the memory between calls (`makeResident`: a module's float32 parameters), so a kernel reads them
 * where they are (`residentAddress`) instead of copying them in every call. Their storage simply *is*
 * that part of the memory, so every write, by any path, lands there and no copy can go stale. A block
 * is freed when its array is garbage-collected. Scratch may grow up to `RESIDENT_BASE` bytes (1.5 GiB).
 * Only a shared memory keeps old views valid when it grows, so only it holds resident arrays.
 *
 * The memory is shared (a SharedArrayBuffer, so worker threads can run GEMM tiles on it: threads.ts)
 * where the engine allows it, else plain; `memoryImport()` is the import every module declares to match.
 */

/** The parts of the WebAssembly JS API used here (the project's `lib` has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
/** 2 GiB: the most a shared memory may grow to (engines reserve it up front, as address space only). */
const MAX_PAGES = 32768;
const INITIAL_PAGES = 16;

/** The memory, shared when the engine allows it (null without WebAssembly). */
const memory: WasmMemory | null = (() => {
  if (api === undefined) return null;
  try {
    return new api.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  } catch {
    return new api.Memory({ initial: INITIAL_PAGES });
  }
})();
const shared = memory !== null && typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
let view = new Float32Array(0);
let ints = new Int32Array(0);

/** Where the resident region starts, in bytes: the kernels' scratch stays below it. */
const RESIDENT_BASE = 1536 * 1024 * 1024;
/** Bytes of the resident region (up to the memory's maximum). */
const RESIDENT_BYTES = MAX_PAGES * 65536 - RESIDENT_BASE;

/**
 * Instantiates `bytes` on the shared memory and returns its exports, or null when the engine has no
 * WebAssembly or does not validate the module (no SIMD, say).
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  if (api === undefined || memory === null || !api.validate(bytes)) return null;
  return new api.Instance(new api.Module(bytes), { env: { memory } }).exports;
}

/** The memory import a module of this backend declares (shared with a maximum where the memory is). */
export function memoryImport(): { minPages: number; maxPages?: number; shared?: boolean } {
  return shared ? { minPages: 1, maxPages: MAX_PAGES, shared: true } : { minPages: 1 };
}

/** The shared memory, for worker threads, or null where the memory is not shared. */
export function sharedMemory(): object | null {
  return shared ? memory : null;
}

/**
 * A Float32Array over the shared memory with room for `floats` values (the memory grows and is kept:
 * repeated calls allocate nothing). Only valid after a module was instantiated.
 */
export function heapF32(floats: number): Float32Array {
  const m = memory!;
  const bytes = floats * 4;
  if (bytes > scratchLimit()) {
    throw new RangeError(`the wasm backend's scratch needs ${bytes} bytes, more than its ${scratchLimit()}`);
  }
  if (m.buffer.byteLength < bytes) m.grow(Math.ceil((bytes - m.buffer.byteLength) / 65536));
  if (view.buffer !== m.buffer) view = new Float32Array(m.buffer);
  return view;
}

/** Bytes the kernels' scratch may use: all of the memory, or all below the resident region once it is in use. */
function scratchLimit(): number {
  return residentTop === 0 ? MAX_PAGES * 65536 : RESIDENT_BASE;
}

// ------------------------------------------------------------------------------- resident arrays

/** Free blocks of the resident region, `[start, end)` byte pairs sorted by start (first fit, coalesced). */
const free: number[] = [RESIDENT_BASE, RESIDENT_BASE + RESIDENT_BYTES];
/** End of the highest block ever handed out (0: none yet); the memory is grown to cover it. */
let residentTop = 0;
/** Buffers (one per size the memory had) whose views may be resident arrays. */
const memoryBuffers = new WeakSet<object>();
/** Frees a block when the array over it is collected. */
const collector = typeof FinalizationRegistry === "undefined"
  ? null
  : new FinalizationRegistry<[number, number]>(([start, end]) => release(start, end));

function take(bytes: number): number {
  for (let i = 0; i < free.length; i += 2) {
    const start = free[i]!;
    const end = free[i + 1]!;
    if (end - start < bytes) continue;
    if (end - start === bytes) free.splice(i, 2);
    else free[i] = start + bytes;
    return start;
  }
  return -1;
}

function release(start: number, end: number): void {
  let i = 0;
  while (i < free.length && free[i]! < start) i += 2;
  free.splice(i, 0, start, end);
  // Merge with the next block, then with the previous one.
  if (i + 2 < free.length && free[i + 1] === free[i + 2]) free.splice(i + 1, 2);
  if (i > 0 && free[i - 1] === free[i]) free.splice(i - 1, 2);
}

/**
 * Moves `holder.data` (a float32 array) into the resident region: the values are copied into a block
 * of the memory and `holder.data` becomes the Float32Array over that block. Returns false, leaving
 * the holder as it was, where the memory is not shared or the region is full.
 */
export function makeResident(holder: { data: Float32Array }): boolean {
  if (!shared || memory === null || collector === null) return false;
  const src = holder.data;
  if (residentAddress(src) >= 0) return true;
  const bytes = (src.length * 4 + 15) & ~15;
  if (bytes === 0) return false;
  const start = take(bytes);
  if (start < 0) return false;
  const end = start + bytes;
  const m = memory;
  if (m.buffer.byteLength < end) {
    try {
      m.grow(Math.ceil((end - m.buffer.byteLength) / 65536));
    } catch {
      // The engine would not commit the pages (a strict overcommit policy, say): stay an ordinary array.
      release(start, end);
      return false;
    }
  }
  if (end > residentTop) residentTop = end;
  const buffer = m.buffer;
  memoryBuffers.add(buffer);
  const data = new Float32Array(buffer, start, src.length);
  data.set(src);
  collector.register(data, [start, end]);
  holder.data = data;
  return true;
}

/**
 * The byte address in the memory of `a[0]` when `a` is (part of) a resident array, else -1. Kernels
 * pass it to WebAssembly instead of copying `a` in.
 */
export function residentAddress(a: Float32Array): number {
  return a.byteOffset >= RESIDENT_BASE && memoryBuffers.has(a.buffer) ? a.byteOffset : -1;
}

/**
 * `floats` rounded up to a whole number of vectors: where a kernel places each region in the memory.
 * Copies between a JavaScript array and the shared memory take V8's fast path only when both ends
 * have the same alignment (a LeNet conv output copied from an odd offset ran 5x slower), and the
 * arrays the kernels copy from and to start at their buffer's start, so regions start on 16 bytes.
 */
export function align4(floats: number): number {
  return (floats + 3) & ~3;
}

/** An Int32Array over the same memory (valid until the next `heapF32` grows it). */
export function heapI32(): Int32Array {
  if (ints.buffer !== view.buffer) ints = new Int32Array(view.buffer);
  return ints;
}
