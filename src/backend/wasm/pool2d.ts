/**
 * The wasm backend's max pooling for the common 2x2 window with stride 2 (no padding, no dilation):
 * four outputs at a time on WebAssembly SIMD, with the argmax indices. Other windows, and maps under
 * four outputs wide, run the TypeScript kernel (cpu/pool2d.ts).
 *
 * Per window the four elements are compared in the TypeScript kernel's order (top-left, top-right,
 * bottom-left, bottom-right), each taking over where it is greater or NaN, so values and indices are
 * the same bit for bit, NaN and ties included. A row's last group of four overlaps the one before it
 * when the width is not a multiple of four (the overlapping outputs are computed twice, alike).
 * With windows cut off by ceil_mode at the bottom or right edge the TypeScript kernel runs.
 */
import { maxPool2d, maxPoolResult, type MaxPoolResult } from "../cpu/pool2d.js";
import type { Pool2dGeometry } from "../../shape/conv-pool.js";
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { align4, heapF32, heapI32, instantiate, memoryImport } from "./memory.js";

/**
 * The module: `pool(src, dst, idx, planes, rows, cols, inH, inW)`, byte addresses: for each plane and
 * output row oh < rows and output ow < cols (cols >= 4, 2*rows <= inH, 2*cols <= inW) the 2x2,
 * stride-2 max pooling of the `inH x inW` planes at src into the `rows x cols` planes at dst, and the
 * indices `h*inW + w` of the maxima into idx.
 */
export function poolModuleBytes(): Uint8Array {
  const [src, dst, idx, planes, rows, cols, inH, inW] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [pl, oh, ow, top, bot, out, oi, base] = [8, 9, 10, 11, 12, 13, 14, 15];
  const [a, b, m, mi, iv, v, mask] = [16, 17, 18, 19, 20, 21, 22];
  const f = new FunctionBody([...new Array<typeof I32>(8).fill(I32), ...new Array<typeof V128>(7).fill(V128)]);
  const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
  const ODD = EVEN.map((x) => x + 4);
  f.localGet(dst).localSet(out);
  f.localGet(idx).localSet(oi);
  f.i32Const(0).localSet(pl);
  f.loop(); // planes
  f.i32Const(0).localSet(oh);
  f.loop(); // output rows
  // top = src + 4*(pl*inH*inW + 2*oh*inW); bot = top + 4*inW; base index 2*oh*inW
  f.localGet(oh).localGet(inW).op(Op.i32Mul).i32Const(1).op(0x74 /* i32.shl */).localSet(base);
  f.localGet(pl).localGet(inH).op(Op.i32Mul).localGet(inW).op(Op.i32Mul).localGet(base).op(Op.i32Add)
    .i32Const(2).op(0x74).localGet(src).op(Op.i32Add).localSet(top);
  f.localGet(top).localGet(inW).i32Const(2).op(0x74).op(Op.i32Add).localSet(bot);
  f.i32Const(0).localSet(ow);
  f.loop(); // groups of four outputs
  // The last group ends at the row's end (overlapping the previous one).
  f.block();
  f.localGet(ow).localGet(cols).i32Const(4).op(Op.i32Sub).op(0x4c /* i32.le_s */).brIf(0);
  f.localGet(cols).i32Const(4).op(Op.i32Sub).localSet(ow);
  f.end();
  const load2 = (row: number) => {
    f.localGet(row).localGet(ow).i32Const(3).op(0x74).op(Op.i32Add).v128Load(0).localSet(a);
    f.localGet(row).localGet(ow).i32Const(3).op(0x74).op(Op.i32Add).v128Load(16).localSet(b);
  };
  const take = (lanes: number[], delta: number | "inW" | "inW+1") => {
    f.localGet(a).localGet(b).i8x16Shuffle(lanes).localSet(v);
    f.localGet(v).localGet(m).v("f32x4.gt").localGet(v).localGet(v).v("f32x4.ne").v("v128.or").localSet(mask);
    f.localGet(v).localGet(m).localGet(mask).v("v128.bitselect").localSet(m);
    f.localGet(iv);
    if (delta === "inW") f.localGet(inW).v("i32x4.splat");
    else if (delta === "inW+1") f.localGet(inW).i32Const(1).op(Op.i32Add).v("i32x4.splat");
    else f.i32Const(delta).v("i32x4.splat");
    f.v("i32x4.add").localGet(mi).localGet(mask).v("v128.bitselect").localSet(mi);
  };
  load2(top);
  f.localGet(a).localGet(b).i8x16Shuffle(EVEN).localSet(m);
  f.localGet(base).localGet(ow).i32Const(1).op(0x74).op(Op.i32Add).v("i32x4.splat").i32x4Const([0, 2, 4, 6]).v("i32x4.add").localTee(iv).localSet(mi);
  take(ODD, 1);
  load2(bot);
  take(EVEN, "inW");
  take(ODD, "inW+1");
  f.localGet(out).localGet(ow).i32Const(2).op(0x74).op(Op.i32Add).localGet(m).v128Store(0);
  f.localGet(oi).localGet(ow).i32Const(2).op(0x74).op(Op.i32Add).localGet(mi).v128Store(0);
  f.localGet(ow).i32Const(4).op(Op.i32Add).localTee(ow).localGet(cols).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(out).localGet(cols).i32Const(2).op(0x74).op(Op.i32Add).localSet(out);
  f.localGet(oi).localGet(cols).i32Const(2).op(0x74).op(Op.i32Add).localSet(oi);
  f.localGet(oh).i32Const(1).op(Op.i32Add).localTee(oh).localGet(rows).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(pl).i32Const(1).op(Op.i32Add).localTee(pl).localGet(planes).op(Op.i32LtU).brIf(0);
  f.end();
  return encodeModule({
    memory: memoryImport(),
    functions: [{ name: "pool", params: new Array<typeof I32>(8).fill(I32), results: [], body: f }],
  });
}

type Pool = (src: number, dst: number, idx: number, planes: number, rows: number, cols: number, inH: number, inW: number) => void;
let pool: Pool | null | undefined;

function module(): Pool | null {
  if (pool === undefined) pool = (instantiate(poolModuleBytes())?.pool as Pool | undefined) ?? null;
  return pool;
}

/** `max_pool2d` with indices; SIMD for 2x2 windows of stride 2, the TypeScript kernel otherwise. */
export function simdMaxPool2d(g: Pool2dGeometry, input: Float32Array, output?: Float32Array, indices?: Int32Array): MaxPoolResult {
  const { inH, inW, outH, outW } = g;
  const simple = g.kernelH === 2 && g.kernelW === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0 &&
    g.dilationH === 1 && g.dilationW === 1;
  // Whole windows only: with ceil_mode's cut-off last row or column the TypeScript kernel runs.
  const planes = g.batch * g.channels;
  const whole = 2 * outH <= inH && 2 * outW <= inW;
  if (!simple || !whole || outW < 4 || outH < 1 || planes === 0 || module() === null) return maxPool2d(g, input, output, indices);
  const r = maxPoolResult("max_pool2d", g, input, output, indices);
  const inLen = planes * inH * inW;
  const outLen = planes * outH * outW;
  const yOff = align4(inLen);
  const iOff = align4(yOff + outLen);
  const heap = heapF32(iOff + outLen);
  heap.set(input.subarray(0, inLen), 0);
  module()!(0, 4 * yOff, 4 * iOff, planes, outH, outW, inH, inW);
  r.output.set(heap.subarray(yOff, yOff + outLen));
  r.indices.set(heapI32().subarray(iOff, iOff + outLen));
  return r;
}
