/**
 * Growable scratch buffers shared by the CPU kernels.
 *
 * Kernels need temporary memory on every call (packed GEMM panels, im2col
 * columns, column gradients). Allocating it per call would make each call pay
 * for zero-filling and garbage collection, and a training loop would churn
 * megabytes per step. Instead each *slot* keeps one buffer that only grows:
 * repeated calls with the same shapes allocate nothing.
 *
 * Slots are distinct per purpose so that a kernel can hold several at once
 * (conv backward holds the column buffer while the GEMM uses its panels).
 * Kernels run to completion synchronously, so a slot is never shared between
 * two calls in flight. The contents are garbage on entry: callers overwrite
 * what they read.
 *
 * @example
 * const panel = scratchF64(ScratchSlot.PackA, 4096); // reused by the next call
 */

/** Named scratch slots; each holds one buffer. */
export const ScratchSlot = {
  /** Packed A panels of the GEMM (Float64). */
  PackA: 0,
  /** Packed B panels of the GEMM (Float64). */
  PackB: 1,
  /** Column matrix of conv backward-input before col2im, or a rearranged weight (Float32). */
  Columns: 2,
  /** Zero-padded copy of a conv input, or the zero-padded input gradient being accumulated (Float32). */
  Padded: 3,
  /** Offsets of the output positions into the (padded) input plane (Int32). */
  Positions: 4,
  /** Offsets of the kernel elements (channel, kh, kw) into the (padded) input (Int32). */
  Elements: 5,
} as const;
export type ScratchSlot = (typeof ScratchSlot)[keyof typeof ScratchSlot];

const f64: Float64Array[] = [];
const f32: Float32Array[] = [];
const i32: Int32Array[] = [];

/** Grows by at least 1.5x so that slowly increasing sizes do not reallocate every call. */
function grownLength(current: number, needed: number): number {
  return Math.max(needed, Math.ceil(current * 1.5), 64);
}

/** A Float64Array of at least `length` elements for `slot`, reused across calls. */
export function scratchF64(slot: ScratchSlot, length: number): Float64Array {
  const buf = f64[slot];
  if (buf !== undefined && buf.length >= length) return buf;
  const next = new Float64Array(grownLength(buf?.length ?? 0, length));
  f64[slot] = next;
  return next;
}

/** A Float32Array of at least `length` elements for `slot`, reused across calls. */
export function scratchF32(slot: ScratchSlot, length: number): Float32Array {
  const buf = f32[slot];
  if (buf !== undefined && buf.length >= length) return buf;
  const next = new Float32Array(grownLength(buf?.length ?? 0, length));
  f32[slot] = next;
  return next;
}

/** An Int32Array of at least `length` elements for `slot`, reused across calls. */
export function scratchI32(slot: ScratchSlot, length: number): Int32Array {
  const buf = i32[slot];
  if (buf !== undefined && buf.length >= length) return buf;
  const next = new Int32Array(grownLength(buf?.length ?? 0, length));
  i32[slot] = next;
  return next;
}

/** Total bytes currently held by scratch buffers (for leak checks and diagnostics). */
export function scratchBytes(): number {
  let bytes = 0;
  for (const b of f64) if (b) bytes += b.byteLength;
  for (const b of f32) if (b) bytes += b.byteLength;
  for (const b of i32) if (b) bytes += b.byteLength;
  return bytes;
}

/** Drops every scratch buffer (after a one-off huge op, to give the memory back). */
export function releaseScratch(): void {
  f64.length = 0;
  f32.length = 0;
  i32.length = 0;
}
