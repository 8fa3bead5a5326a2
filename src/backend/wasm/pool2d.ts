/**
 * The wasm backend's max pooling, with the argmax indices, four outputs of a row at a time on
 * WebAssembly SIMD:
 * - the common 2x2 window with stride 2 and no padding (`pool`) reads each pair of input rows once;
 * - any other window with column stride 1 or 2, padding and ceil_mode included (`windows1/2`, ResNet's
 *   and SqueezeNet's 3x3 stride-2 pools), runs on a copy of the input padded with -Infinity.
 * Dilated windows, other column strides and maps under four outputs wide run the TypeScript kernel
 * (cpu/pool2d.ts).
 *
 * Each window's elements are compared in the TypeScript kernel's order (row-major), each taking over
 * where it is greater or NaN, so values and indices are the same bit for bit, NaN and ties included.
 * A row's last group of four overlaps the one before it when the width is not a multiple of four (the
 * overlapping outputs are computed twice, alike).
 */
import { maxPool2d, maxPoolResult, type MaxPoolResult } from "../cpu/pool2d.js";
import type { Pool2dGeometry } from "../../shape/conv-pool.js";
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { align4, heapF32, heapI32, instantiate, memoryImport } from "./memory.js";
import { padPlanes } from "./pack.js";

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
    functions: [
      { name: "pool", params: new Array<typeof I32>(8).fill(I32), results: [], body: f },
      { name: "windows1", params: new Array<typeof I32>(14).fill(I32), results: [], body: windowsBody(1) },
      { name: "windows2", params: new Array<typeof I32>(14).fill(I32), results: [], body: windowsBody(2) },
    ],
  });
}

/**
 * `windowsS(src, dst, idx, planes, outH, outW, kH, kW, sH, PH, PW, inW, padH, padW)`, byte addresses,
 * for a column stride S of 1 or 2: max pooling of any `kH x kW` window over planes already padded
 * with -Infinity to `PH x PW` (the input at row padH, column padW), four outputs of a row at a time
 * (`outW >= 4`; a row's last group overlaps the one before). Each lane starts from -Infinity and the
 * index of its window's first real element, then takes over each element in row-major order that is
 * greater or NaN: the TypeScript kernel's order and rule, so values and indices (into the unpadded
 * `inW`-wide plane) match it bit for bit. Padding never wins: -Infinity is not greater than anything.
 */
function windowsBody(S: 1 | 2): FunctionBody {
  const [src, dst, idx, planes, outH, outW, kH, kW, sH, PH, PW, inW, padH, padW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [pl, oh, ow, kh, kw, plane, rowp, ci, outp, idxp, addr] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
  const [m, mi, v, mask, lanes] = [25, 26, 27, 28, 29];
  const f = new FunctionBody([...new Array<typeof I32>(11).fill(I32), ...new Array<typeof V128>(5).fill(V128)]);
  const shl2 = () => f.i32Const(2).op(0x74 /* i32.shl */);
  const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
  const NEG_INF = 0xff800000 | 0;
  f.i32x4Const([0, S, 2 * S, 3 * S]).localSet(lanes);
  f.localGet(dst).localSet(outp);
  f.localGet(idx).localSet(idxp);
  f.localGet(src).localSet(plane);
  f.i32Const(0).localSet(pl);
  f.loop(); // planes
  f.i32Const(0).localSet(oh);
  f.loop(); // output rows
  f.i32Const(0).localSet(ow);
  f.loop(); // groups of four outputs
  f.block();
  f.localGet(ow).localGet(outW).i32Const(4).op(Op.i32Sub).op(0x4c /* i32.le_s */).brIf(0);
  f.localGet(outW).i32Const(4).op(Op.i32Sub).localSet(ow);
  f.end();
  f.i32x4Const([NEG_INF, NEG_INF, NEG_INF, NEG_INF]).localSet(m);
  // mi = max(oh*sH - padH, 0)*inW + max(ow*S - padW + lane*S, 0): each lane's first real element
  f.localGet(ow).i32Const(S).op(Op.i32Mul).localGet(padW).op(Op.i32Sub).v("i32x4.splat").localGet(lanes).v("i32x4.add")
    .v128Zero().v("i32x4.max_s");
  f.localGet(oh).localGet(sH).op(Op.i32Mul).localGet(padH).op(Op.i32Sub).localTee(ci).i32Const(0)
    .localGet(ci).i32Const(0).op(0x4a /* i32.gt_s */).op(0x1b /* select */)
    .localGet(inW).op(Op.i32Mul).v("i32x4.splat").v("i32x4.add").localSet(mi);
  // rowp = plane + 4*(oh*sH*PW + ow*S); ci = (oh*sH - padH)*inW + ow*S - padW: lane 0's index at kh = kw = 0
  f.localGet(plane).localGet(oh).localGet(sH).op(Op.i32Mul).localGet(PW).op(Op.i32Mul).localGet(ow).i32Const(S).op(Op.i32Mul)
    .op(Op.i32Add);
  shl2().op(Op.i32Add).localSet(rowp);
  f.localGet(ci).localGet(inW).op(Op.i32Mul).localGet(ow).i32Const(S).op(Op.i32Mul).op(Op.i32Add).localGet(padW).op(Op.i32Sub)
    .localSet(ci);
  f.i32Const(0).localSet(kh);
  f.loop(); // window rows
  f.i32Const(0).localSet(kw);
  f.localGet(rowp).localSet(addr);
  f.loop(); // window columns
  if (S === 1) f.localGet(addr).v128Load(0);
  else f.localGet(addr).v128Load(0).localGet(addr).v128Load(16).i8x16Shuffle(EVEN);
  f.localSet(v);
  f.localGet(v).localGet(m).v("f32x4.gt").localGet(v).localGet(v).v("f32x4.ne").v("v128.or").localSet(mask);
  f.localGet(v).localGet(m).localGet(mask).v("v128.bitselect").localSet(m);
  f.localGet(ci).localGet(kw).op(Op.i32Add).v("i32x4.splat").localGet(lanes).v("i32x4.add").localGet(mi).localGet(mask)
    .v("v128.bitselect").localSet(mi);
  f.localGet(addr).i32Const(4).op(Op.i32Add).localSet(addr);
  f.localGet(kw).i32Const(1).op(Op.i32Add).localTee(kw).localGet(kW).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(rowp).localGet(PW).i32Const(2).op(0x74).op(Op.i32Add).localSet(rowp);
  f.localGet(ci).localGet(inW).op(Op.i32Add).localSet(ci);
  f.localGet(kh).i32Const(1).op(Op.i32Add).localTee(kh).localGet(kH).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(outp).localGet(ow).i32Const(2).op(0x74).op(Op.i32Add).localGet(m).v128Store(0);
  f.localGet(idxp).localGet(ow).i32Const(2).op(0x74).op(Op.i32Add).localGet(mi).v128Store(0);
  f.localGet(ow).i32Const(4).op(Op.i32Add).localTee(ow).localGet(outW).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(outp).localGet(outW).i32Const(2).op(0x74).op(Op.i32Add).localSet(outp);
  f.localGet(idxp).localGet(outW).i32Const(2).op(0x74).op(Op.i32Add).localSet(idxp);
  f.localGet(oh).i32Const(1).op(Op.i32Add).localTee(oh).localGet(outH).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(plane).localGet(PH).localGet(PW).op(Op.i32Mul).i32Const(2).op(0x74).op(Op.i32Add).localSet(plane);
  f.localGet(pl).i32Const(1).op(Op.i32Add).localTee(pl).localGet(planes).op(Op.i32LtU).brIf(0);
  f.end();
  return f;
}

type Pool = (src: number, dst: number, idx: number, planes: number, rows: number, cols: number, inH: number, inW: number) => void;
type Windows = (
  src: number, dst: number, idx: number, planes: number, outH: number, outW: number, kH: number, kW: number, sH: number,
  PH: number, PW: number, inW: number, padH: number, padW: number,
) => void;
interface Exports {
  pool: Pool;
  windows1: Windows;
  windows2: Windows;
}
let exports: Exports | null | undefined;

function module(): Exports | null {
  if (exports === undefined) exports = (instantiate(poolModuleBytes()) as Exports | null) ?? null;
  return exports;
}

/**
 * `max_pool2d` with indices on WebAssembly SIMD: the 2x2 stride-2 window without padding by `pool`,
 * any other window with column stride 1 or 2 (padding and ceil_mode included) by `windows1/2` on a
 * -Infinity-padded copy of the input. Dilated windows, other column strides and maps under four
 * outputs wide run the TypeScript kernel.
 */
export function simdMaxPool2d(g: Pool2dGeometry, input: Float32Array, output?: Float32Array, indices?: Int32Array): MaxPoolResult {
  const { inH, inW, outH, outW } = g;
  const planes = g.batch * g.channels;
  const mod = module();
  if (mod === null || outW < 4 || outH < 1 || planes === 0 || g.dilationH !== 1 || g.dilationW !== 1) {
    return maxPool2d(g, input, output, indices);
  }
  const simple = g.kernelH === 2 && g.kernelW === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0 &&
    2 * outH <= inH && 2 * outW <= inW;
  if (!simple && g.strideW !== 1 && g.strideW !== 2) return maxPool2d(g, input, output, indices);
  const r = maxPoolResult("max_pool2d", g, input, output, indices);
  const inLen = planes * inH * inW;
  const outLen = planes * outH * outW;
  if (simple) {
    const yOff = align4(inLen);
    const iOff = align4(yOff + outLen);
    const heap = heapF32(iOff + outLen);
    heap.set(input.subarray(0, inLen), 0);
    mod.pool(0, 4 * yOff, 4 * iOff, planes, outH, outW, inH, inW);
    r.output.set(heap.subarray(yOff, yOff + outLen));
    r.indices.set(heapI32().subarray(iOff, iOff + outLen));
    return r;
  }
  // Every window inside the padded planes, plus a vector's reach past the last group of a row.
  const PH = Math.max((outH - 1) * g.strideH + g.kernelH, g.padH + inH);
  const PW = Math.max((outW - 1) * g.strideW + g.kernelW, g.padW + inW) + 4;
  const pOff = align4(inLen);
  const yOff = align4(pOff + planes * PH * PW + 3);
  const iOff = align4(yOff + outLen);
  const heap = heapF32(iOff + outLen);
  heap.set(input.subarray(0, inLen), 0);
  padPlanes(0, pOff, planes, inH, inW, PH, PW, g.padH, g.padW, -Infinity);
  const windows = g.strideW === 1 ? mod.windows1 : mod.windows2;
  windows(4 * pOff, 4 * yOff, 4 * iOff, planes, outH, outW, g.kernelH, g.kernelW, g.strideH, PH, PW, inW, g.padH, g.padW);
  r.output.set(heap.subarray(yOff, yOff + outLen));
  r.indices.set(heapI32().subarray(iOff, iOff + outLen));
  return r;
}
