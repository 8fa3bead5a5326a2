/**
 * The one WebAssembly memory every module of the wasm backend imports (`env.memory`), and how a kernel
 * gets room in it: `heapF32(floats)` grows the memory when needed and returns a Float32Array over all
 * of it. Kernels copy their operands in at offset 0, run, and copy results out; none calls another
 * while it holds the memory, so they share it without a lock.
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
  if (m.buffer.byteLength < bytes) m.grow(Math.ceil((bytes - m.buffer.byteLength) / 65536));
  if (view.buffer !== m.buffer) view = new Float32Array(m.buffer);
  return view;
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
