/**
 * Element-wise float32 kernels on WebAssembly SIMD for the activations on a CNN's hot path: `relu` and
 * its gradient. The wasm backend's `elementwise_compile` hands out a row function that runs them when
 * the operands are contiguous float32 rows of at least `MIN_ROW` values and the TypeScript row
 * otherwise, so broadcasting, strides and every other op keep the TypeScript code path.
 *
 * The results are PyTorch's to the bit, special values included:
 * - relu: `x & ~(x < 0)`: negatives (and -inf) become +0, NaN and -0 pass unchanged;
 * - relu_backward (gradient g, saved output y): `(g + 0) & (y > 0 | y != y)`: g where y is positive or
 *   NaN (with -0 turned to +0), +0 elsewhere.
 * Rows are copied into the backend's memory, processed four lanes at a time (the tail lanes compute on
 * whatever follows; only `n` values are copied back), and copied out.
 */
import { type ComputeType, type ElementwiseOp, type RowFn, compileRow } from "../cpu/elementwise.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { heapF32, instantiate, memoryImport } from "./memory.js";

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

  return encodeModule({
    memory: memoryImport(),
    functions: [
      { name: "relu", params: [I32, I32, I32], results: [], body: relu },
      { name: "relu_backward", params: [I32, I32, I32, I32], results: [], body: back },
    ],
  });
}

interface Exports {
  relu: (src: number, dst: number, bytes: number) => void;
  relu_backward: (g: number, y: number, dst: number, bytes: number) => void;
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

const ROWS: Record<string, (ts: RowFn) => RowFn> = { relu: reluRow, relu_backward: reluBackwardRow };
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
