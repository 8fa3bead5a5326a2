/**
 * Depthwise convolution on WebAssembly SIMD: every channel convolved with its own `kH x kW` filter
 * (`groups == in_channels == out_channels`, as MobileNet's 3x3 layers), which the GEMM path of
 * conv2d.ts runs as one skinny product per channel with mostly empty tiles. Here four neighbouring
 * outputs of a row are one vector: per filter tap, one load of four inputs (stride 1; stride 2 loads
 * eight and keeps every other one with a shuffle) times the tap splat, added to the bias. Sums
 * accumulate in float32, bias first, then the taps row by row.
 *
 * The zero-padded input is copied into the backend's memory with some slack after it (a row's last
 * vector may read past the row), the output rows are written in order with their last vector running
 * up to 3 values into the next row (which then overwrites them), and copied out once.
 */
import type { Conv2dGeometry } from "../../shape/conv-pool.js";
import { paddedH, paddedW } from "../cpu/conv2d.js";
import { destination } from "../cpu/buffers.js";
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { align4, heapF32, instantiate, memoryImport, residentAddress } from "./memory.js";
import { padPlanes } from "./pack.js";

/** Float32 lanes `l` of the two vectors on the stack as the byte lanes of `i8x16.shuffle`. */
function lanes(l: readonly number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

/**
 * `dw(x, w, b, y, planes, C, planeBytes, rowBytes, outH, outW, kH, kW)` for one stride (1 or 2), byte
 * addresses: plane p (channel p % C) of the padded input at `x + p*planeBytes`, rows `rowBytes` apart;
 * filter c at `w + 4*c*kH*kW`, bias at `b + 4*c`; output planes `outH x outW`, packed, from `y`.
 */
function depthwiseBody(stride: 1 | 2): FunctionBody {
  const [x0, w0, b0, y, planes, C, planeB, rowB, outH, outW, kH, kW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [p, oh, ow, kh, kw, xrow, wp, xp, xplane, wplane] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const [acc, bv] = [22, 23];
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, V128]);
  f.localGet(x0).localSet(xplane);
  f.loop(); // planes
  {
    // channel c = p % C: its filter and bias
    f.localGet(w0).localGet(p).localGet(C).op(Op.i32RemU).localGet(kH).op(Op.i32Mul).localGet(kW).op(Op.i32Mul).i32Const(4).op(Op.i32Mul).op(Op.i32Add).localSet(wplane);
    f.localGet(b0).localGet(p).localGet(C).op(Op.i32RemU).i32Const(4).op(Op.i32Mul).op(Op.i32Add).v128Load32Splat(0).localSet(bv);
    f.i32Const(0).localSet(oh);
    f.loop(); // output rows
    {
      f.localGet(xplane).localGet(oh).i32Const(stride).op(Op.i32Mul).localGet(rowB).op(Op.i32Mul).op(Op.i32Add).localSet(xrow);
      f.i32Const(0).localSet(ow);
      f.loop(); // four outputs at a time
      {
        f.localGet(bv).localSet(acc);
        f.localGet(wplane).localSet(wp);
        f.localGet(xrow).localGet(ow).i32Const(4 * stride).op(Op.i32Mul).op(Op.i32Add).localSet(xp);
        f.localGet(kH).localSet(kh);
        f.loop(); // filter rows
        {
          f.i32Const(0).localSet(kw);
          f.loop(); // filter taps
          {
            f.localGet(acc);
            if (stride === 1) {
              f.localGet(xp).localGet(kw).op(Op.i32Add).v128Load(0);
            } else {
              f.localGet(xp).localGet(kw).op(Op.i32Add).v128Load(0);
              f.localGet(xp).localGet(kw).op(Op.i32Add).v128Load(16);
              f.i8x16Shuffle(lanes([0, 2, 4, 6]));
            }
            f.localGet(wp).v128Load32Splat(0).f32x4Mul().f32x4Add().localSet(acc);
            f.localGet(wp).i32Const(4).op(Op.i32Add).localSet(wp);
            // kw counts bytes of one input step (4), up to 4*kW
            f.localGet(kw).i32Const(4).op(Op.i32Add).localTee(kw).localGet(kW).i32Const(4).op(Op.i32Mul).op(Op.i32LtU).brIf(0);
          }
          f.end();
          f.localGet(xp).localGet(rowB).op(Op.i32Add).localSet(xp);
          f.localGet(kh).i32Const(1).op(Op.i32Sub).localTee(kh).brIf(0);
        }
        f.end();
        f.localGet(y).localGet(acc).v128Store(0);
        f.localGet(y).i32Const(16).op(Op.i32Add).localSet(y);
        f.localGet(ow).i32Const(4).op(Op.i32Add).localTee(ow).localGet(outW).op(Op.i32LtU).brIf(0);
      }
      f.end();
      // Back from the row's last whole vector to its true end: y -= 4 * (ow - outW).
      f.localGet(y).localGet(ow).localGet(outW).op(Op.i32Sub).i32Const(4).op(Op.i32Mul).op(Op.i32Sub).localSet(y);
      f.localGet(oh).i32Const(1).op(Op.i32Add).localTee(oh).localGet(outH).op(Op.i32LtU).brIf(0);
    }
    f.end();
    f.localGet(xplane).localGet(planeB).op(Op.i32Add).localSet(xplane);
    f.localGet(p).i32Const(1).op(Op.i32Add).localTee(p).localGet(planes).op(Op.i32LtU).brIf(0);
  }
  f.end();
  return f;
}

/** The module: `dw1` and `dw2`, the depthwise kernel for stride 1 and 2. */
export function depthwiseModuleBytes(): Uint8Array {
  const params = new Array<typeof I32>(12).fill(I32);
  return encodeModule({
    memory: memoryImport(),
    functions: [
      { name: "dw1", params, results: [], body: depthwiseBody(1) },
      { name: "dw2", params, results: [], body: depthwiseBody(2) },
    ],
  });
}

type DwFn = (x: number, w: number, b: number, y: number, planes: number, C: number, planeBytes: number, rowBytes: number,
  outH: number, outW: number, kH: number, kW: number) => void;

let exports: { dw1: DwFn; dw2: DwFn } | null | undefined;

function module(): { dw1: DwFn; dw2: DwFn } | null {
  if (exports === undefined) exports = instantiate(depthwiseModuleBytes()) as { dw1: DwFn; dw2: DwFn } | null;
  return exports;
}

/** Whether the depthwise kernel runs `g`: one filter per channel, no dilation, equal strides of 1 or 2. */
export function isDepthwise(g: Conv2dGeometry): boolean {
  return g.groups > 1 && g.groups === g.inChannels && g.outChannels === g.groups && g.dilationH === 1 && g.dilationW === 1 &&
    g.strideH === g.strideW && (g.strideH === 1 || g.strideH === 2) && g.outH > 0 && g.outW > 0 && module() !== null;
}

/** The forward depthwise convolution (check `isDepthwise(g)` first); lengths are checked by the caller. */
export function simdDepthwiseConv2d(g: Conv2dGeometry, input: Float32Array, weight: Float32Array, bias: Float32Array | null, out?: Float32Array): Float32Array {
  const m = module()!;
  const C = g.inChannels;
  const planes = g.batch * C;
  const Hp = paddedH(g), Wp = paddedW(g);
  const xLen = planes * Hp * Wp;
  const taps = g.kernelH * g.kernelW;
  const total = planes * g.outH * g.outW;
  const y = destination("conv2d", "output", out, total);
  // input (padded by WebAssembly from a staged copy), 16 spare floats per row of slack at the end,
  // filters (read in place when resident: memory.ts), biases, output (+3 spare floats), staging
  const wOff = align4(xLen + 16 * Wp + 16);
  const bOff = align4(wOff + C * taps);
  const yOff = align4(bOff + C);
  const stage = align4(yOff + total + 4);
  const inLen = planes * g.inH * g.inW;
  const mem = heapF32(stage + inLen);
  mem.set(input.subarray(0, inLen), stage);
  padPlanes(stage, 0, planes, g.inH, g.inW, Hp, Wp, g.padTop, g.padLeft, 0);
  mem.fill(0, xLen, wOff);
  const resident = residentAddress(weight);
  if (resident < 0) mem.set(weight.subarray(0, C * taps), wOff);
  if (bias) mem.set(bias.subarray(0, C), bOff);
  else mem.fill(0, bOff, yOff);
  (g.strideH === 1 ? m.dw1 : m.dw2)(0, resident >= 0 ? resident : 4 * wOff, 4 * bOff, 4 * yOff, planes, C, 4 * Hp * Wp, 4 * Wp, g.outH, g.outW, g.kernelH, g.kernelW);
  y.set(mem.subarray(yOff, yOff + total));
  return y;
}
