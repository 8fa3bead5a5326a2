/**
 * Element-wise float32 kernels on WebAssembly SIMD for the activations on a CNN's hot path: `relu` and
 * its gradient, `hardtanh` (so `relu6`), and the per-channel scale and shift of batch-norm. The wasm
 * backend's `elementwise_compile` hands out a row function that runs them when the operands are
 * contiguous float32 rows of at least `MIN_ROW` values and the TypeScript row otherwise, so
 * broadcasting, strides and every other op keep the TypeScript code path.
 *
 * The results are PyTorch's to the bit, special values included:
 * - relu: `x & ~(x < 0)`: negatives (and -inf) become +0, NaN and -0 pass unchanged;
 * - relu_backward (gradient g, saved output y): `(g + 0) & (y > 0 | y != y)`: g where y is positive or
 *   NaN (with -0 turned to +0), +0 elsewhere;
 * - hardtanh(x, lo, hi): `pmin(pmax(x, lo), hi)`, the TypeScript row's `x < lo ? lo : x > hi ? hi : x`
 *   lane by lane (NaN and -0 pass unchanged);
 * - scale_shift (batch-norm's `x * alpha[c] + beta[c]`): one float32 multiply, then one add, as the
 *   TypeScript kernel rounds them.
 * Rows are copied into the backend's memory, processed four lanes at a time (the tail lanes compute on
 * whatever follows; only `n` values are copied back), and copied out.
 */
import { type ComputeType, type ElementwiseOp, type RowFn, compileRow } from "../cpu/elementwise.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { F32, FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { batchNormApply } from "../cpu/batchnorm.js";
import { destination } from "../cpu/buffers.js";
import { align4, heapF32, instantiate, memoryImport } from "./memory.js";

/** Rows shorter than this stay on the TypeScript loop (copying in and out would cost more than it saves). */
const MIN_ROW = 64;

/**
 * The module: `relu(src, dst, bytes)` and `relu_backward(g, y, dst, bytes)`, byte addresses, `bytes` a
 * positive multiple of 16.
 */
export function elementwiseModuleBytes(): Uint8Array {
  // relu: params src=0, dst=1, end=2 (bytes, made an end address); local x=3
  const relu = new FunctionBody([V128]);
  relu.localGet(2).localGet(0).op(Op.i32Add).localSet(2);
  relu.loop();
  relu.localGet(0).v128Load(0).localSet(3);
  relu.localGet(1);
  relu.localGet(3).localGet(3).v128Zero().v("f32x4.lt").v("v128.andnot");
  relu.v128Store(0);
  relu.localGet(1).i32Const(16).op(Op.i32Add).localSet(1);
  relu.localGet(0).i32Const(16).op(Op.i32Add).localTee(0).localGet(2).op(Op.i32LtU).brIf(0);
  relu.end();

  // relu_backward: params g=0, y=1, dst=2, end=3; local y value=4
  const back = new FunctionBody([V128]);
  back.localGet(3).localGet(0).op(Op.i32Add).localSet(3);
  back.loop();
  back.localGet(1).v128Load(0).localSet(4);
  back.localGet(2);
  back.localGet(0).v128Load(0).v128Zero().v("f32x4.add");
  back.localGet(4).v128Zero().v("f32x4.gt").localGet(4).localGet(4).v("f32x4.ne").v("v128.or");
  back.v("v128.and");
  back.v128Store(0);
  back.localGet(1).i32Const(16).op(Op.i32Add).localSet(1);
  back.localGet(2).i32Const(16).op(Op.i32Add).localSet(2);
  back.localGet(0).i32Const(16).op(Op.i32Add).localTee(0).localGet(3).op(Op.i32LtU).brIf(0);
  back.end();

  // hardtanh: params src=0, dst=1, end=2, lo=3, hi=4 (f32); locals lo4=5, hi4=6
  const clamp = new FunctionBody([V128, V128]);
  clamp.localGet(3).v("f32x4.splat").localSet(5);
  clamp.localGet(4).v("f32x4.splat").localSet(6);
  clamp.localGet(2).localGet(0).op(Op.i32Add).localSet(2);
  clamp.loop();
  clamp.localGet(1);
  clamp.localGet(0).v128Load(0).localGet(5).v("f32x4.pmax").localGet(6).v("f32x4.pmin");
  clamp.v128Store(0);
  clamp.localGet(1).i32Const(16).op(Op.i32Add).localSet(1);
  clamp.localGet(0).i32Const(16).op(Op.i32Add).localTee(0).localGet(2).op(Op.i32LtU).brIf(0);
  clamp.end();

  // scale_shift: params src=0, dst=1, planes=2, inner=3 (bytes), alpha=4, beta=5 (one f32 per plane);
  // locals a4=6, b4=7, end=8, s=9, d=10. A plane's last vector may run past it: the next plane's
  // first vector writes those lanes again (planes in order), the last needs 3 spare floats.
  const shift = new FunctionBody([V128, V128, I32, I32, I32]);
  shift.loop();
  shift.localGet(4).v128Load32Splat(0).localSet(6);
  shift.localGet(5).v128Load32Splat(0).localSet(7);
  shift.localGet(0).localSet(9);
  shift.localGet(1).localSet(10);
  shift.localGet(0).localGet(3).op(Op.i32Add).localSet(8);
  shift.loop();
  shift.localGet(10);
  shift.localGet(9).v128Load(0).localGet(6).f32x4Mul().localGet(7).f32x4Add();
  shift.v128Store(0);
  shift.localGet(10).i32Const(16).op(Op.i32Add).localSet(10);
  shift.localGet(9).i32Const(16).op(Op.i32Add).localTee(9).localGet(8).op(Op.i32LtU).brIf(0);
  shift.end();
  shift.localGet(0).localGet(3).op(Op.i32Add).localSet(0);
  shift.localGet(1).localGet(3).op(Op.i32Add).localSet(1);
  shift.localGet(4).i32Const(4).op(Op.i32Add).localSet(4);
  shift.localGet(5).i32Const(4).op(Op.i32Add).localSet(5);
  shift.localGet(2).i32Const(1).op(Op.i32Sub).localTee(2).brIf(0);
  shift.end();

  return encodeModule({
    memory: memoryImport(),
    functions: [
      { name: "relu", params: [I32, I32, I32], results: [], body: relu },
      { name: "relu_backward", params: [I32, I32, I32, I32], results: [], body: back },
      { name: "hardtanh", params: [I32, I32, I32, F32, F32], results: [], body: clamp },
      { name: "scale_shift", params: [I32, I32, I32, I32, I32, I32], results: [], body: shift },
    ],
  });
}

interface Exports {
  relu: (src: number, dst: number, bytes: number) => void;
  relu_backward: (g: number, y: number, dst: number, bytes: number) => void;
  hardtanh: (src: number, dst: number, bytes: number, lo: number, hi: number) => void;
  scale_shift: (src: number, dst: number, planes: number, innerBytes: number, alpha: number, beta: number) => void;
}

let exports: Exports | null | undefined;

function module(): Exports | null {
  if (exports === undefined) exports = instantiate(elementwiseModuleBytes()) as Exports | null;
  return exports;
}

/** `n` rounded up to whole vectors. */
function padded(n: number): number {
  return (n + 3) & ~3;
}

function reluRow(ts: RowFn): RowFn {
  const m = module()!;
  return (n: number, out: Float32Array, oo: number, os: number, a: Float32Array, ao: number, as: number, p0: number, p1: number, p2: number) => {
    if (n < MIN_ROW || os !== 1 || as !== 1) return ts(n, out, oo, os, a, ao, as, p0, p1, p2);
    const len = padded(n);
    const heap = heapF32(2 * len);
    heap.set(a.subarray(ao, ao + n), 0);
    m.relu(0, 4 * len, 4 * len);
    out.set(heap.subarray(len, len + n), oo);
  };
}

function reluBackwardRow(ts: RowFn): RowFn {
  const m = module()!;
  return (
    n: number, out: Float32Array, oo: number, os: number, a: Float32Array, ao: number, as: number,
    b: Float32Array, bo: number, bs: number, p0: number, p1: number, p2: number,
  ) => {
    if (n < MIN_ROW || os !== 1 || as !== 1 || bs !== 1) return ts(n, out, oo, os, a, ao, as, b, bo, bs, p0, p1, p2);
    const len = padded(n);
    const heap = heapF32(3 * len);
    heap.set(a.subarray(ao, ao + n), 0);
    heap.set(b.subarray(bo, bo + n), len);
    m.relu_backward(0, 4 * len, 8 * len, 4 * len);
    out.set(heap.subarray(2 * len, 2 * len + n), oo);
  };
}

function hardtanhRow(ts: RowFn): RowFn {
  const m = module()!;
  return (n: number, out: Float32Array, oo: number, os: number, a: Float32Array, ao: number, as: number, p0: number, p1: number, p2: number) => {
    if (n < MIN_ROW || os !== 1 || as !== 1) return ts(n, out, oo, os, a, ao, as, p0, p1, p2);
    const len = padded(n);
    const heap = heapF32(2 * len);
    heap.set(a.subarray(ao, ao + n), 0);
    m.hardtanh(0, 4 * len, 4 * len, p0, p1);
    out.set(heap.subarray(len, len + n), oo);
  };
}

const ROWS: Record<string, (ts: RowFn) => RowFn> = { relu: reluRow, relu_backward: reluBackwardRow, hardtanh: hardtanhRow };

/**
 * The wasm backend's float32 `batch_norm_apply`: `out[n, c, i] = x[n, c, i] * alpha[c] + beta[c]` over
 * `[N, C, inner]` data (same contract as the TypeScript kernel, cpu/batchnorm.ts).
 */
export function simdBatchNormApply(
  x: Float32Array, N: number, C: number, inner: number, alpha: Float32Array, beta: Float32Array, out?: Float32Array,
): Float32Array {
  const m = module();
  const total = N * C * inner;
  if (m === null || inner < 4) return batchNormApply(x, N, C, inner, alpha, beta, out);
  const y = destination("batch_norm", "output", out, total);
  const planes = N * C;
  // src, dst (3 spare floats), then alpha and beta repeated per plane.
  const dOff = align4(total);
  const aOff = align4(dOff + total + 4);
  const bOff = align4(aOff + planes);
  const heap = heapF32(bOff + planes);
  heap.set(x.subarray(0, total), 0);
  for (let n = 0; n < N; n++) {
    heap.set(alpha.subarray(0, C), aOff + n * C);
    heap.set(beta.subarray(0, C), bOff + n * C);
  }
  m.scale_shift(0, 4 * dOff, planes, 4 * inner, 4 * aOff, 4 * bOff);
  y.set(heap.subarray(dOff, dOff + total));
  return y;
}
const cache = new WeakMap<RowFn, RowFn>();

/**
 * The wasm backend's `elementwise_compile`: the TypeScript row of `compileRow`, wrapped in a SIMD row
 * for the ops above when every operand is float32.
 */
export function compileRowSimd(
  opName: string,
  op: ElementwiseOp,
  compute: ComputeType,
  outType: ComputeType,
  arrays: readonly TypedArray[],
  inputTypes: readonly ComputeType[],
): RowFn {
  const ts = compileRow(opName, op, compute, outType, arrays, inputTypes);
  const wrap = ROWS[opName];
  if (wrap === undefined || compute !== "float32" || outType !== "float32" || module() === null) return ts;
  for (const a of arrays) if (!(a instanceof Float32Array)) return ts;
  let fn = cache.get(ts);
  if (fn === undefined) {
    fn = wrap(ts);
    cache.set(ts, fn);
  }
  return fn;
}
