/**
 * The one WebAssembly memory every module of the wasm backend imports (`env.memory`), and how a kernel
 * gets room in it: `heapF32(floats)` grows the memory when needed and returns a Float32Array over all
 * of it. Kernels copy their operands in at offset 0, run, and copy results out; none calls another
 * while it holds the memory, so they share it without a lock.
 */

/** The parts of the WebAssembly JS API used here (the project's `lib` has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let memory: WasmMemory | null = null;
let view = new Float32Array(0);
let ints = new Int32Array(0);

/**
 * Instantiates `bytes` on the shared memory and returns its exports, or null when the engine has no
 * WebAssembly or does not validate the module (no SIMD, say).
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  if (api === undefined || !api.validate(bytes)) return null;
  if (memory === null) {
    memory = new api.Memory({ initial: 16 });
    view = new Float32Array(memory.buffer);
  }
  return new api.Instance(new api.Module(bytes), { env: { memory } }).exports;
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

/** An Int32Array over the same memory (valid until the next `heapF32` grows it). */
export function heapI32(): Int32Array {
  if (ints.buffer !== view.buffer) ints = new Int32Array(view.buffer);
  return ints;
}
