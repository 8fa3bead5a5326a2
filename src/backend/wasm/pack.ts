/**
 * Packing for the SIMD GEMM (gemm.ts) done in WebAssembly: the implicit im2col gather of the conv
 * kernels (conv2d.ts). With the (padded) input copied into the backend's memory, `gatherSlivers`
 * writes the `K x N` matrix `G(k, j) = X[rowOffs[k] + colOffs[j]]` as 8-column slivers, k-major
 * (`dst[(j - j%8)*K + k*8 + j%8]`), the B operand layout of `simdGemm`.
 *
 * Where the 8 columns of a sliver are 8 consecutive input values (stride-1 convolutions, within an
 * output row) a row of the sliver is two vector loads and stores; otherwise eight scalar ones. A last
 * partial sliver is gathered whole, its extra columns repeating the last real one.
 */
import { FunctionBody, I32, V128, encodeModule, Op } from "./assembler.js";
import { heapF32, heapI32, instantiate, memoryImport, residentAddress } from "./memory.js";
import { packSlivers } from "./gemm.js";

/**
 * The module: `gather(cols, slivers, rows, k, dst, x)`, byte addresses: element (k, j) is read at
 * `x + rows[k] + cols[j]` (`cols` holds 8*slivers byte offsets, `rows` k); `slivers, k >= 1`.
 */
export function packModuleBytes(): Uint8Array {
  const [cols, ns, rows, K, dst, x] = [0, 1, 2, 3, 4, 5];
  const q = (i: number) => 6 + i;
  const [r, end, off] = [14, 15, 16];
  const f = new FunctionBody([...new Array<typeof I32>(11).fill(I32), V128]);
  f.localGet(rows).localGet(K).i32Const(4).op(Op.i32Mul).op(Op.i32Add).localSet(end);
  f.loop(); // over slivers
  for (let i = 0; i < 8; i++) f.localGet(cols).i32Load(4 * i).localGet(x).op(Op.i32Add).localSet(q(i));
  f.block(); // past the scalar path
  f.block(); // to the scalar path
  // Consecutive columns: q[i+1] - q[i] == 4 for all i.
  for (let i = 0; i < 7; i++) {
    f.localGet(q(i + 1)).localGet(q(i)).op(Op.i32Sub).i32Const(4).op(Op.i32Eq);
    if (i > 0) f.op(Op.i32And);
  }
  f.op(Op.i32Eqz).brIf(0);
  f.localGet(rows).localSet(r);
  f.loop();
  f.localGet(r).i32Load(0).localGet(q(0)).op(Op.i32Add).localSet(off);
  f.localGet(dst).localGet(off).v128Load(0).v128Store(0);
  f.localGet(dst).localGet(off).v128Load(16).v128Store(16);
  f.localGet(dst).i32Const(32).op(Op.i32Add).localSet(dst);
  f.localGet(r).i32Const(4).op(Op.i32Add).localTee(r).localGet(end).op(Op.i32LtU).brIf(0);
  f.end();
  f.br(1);
  f.end();
  f.localGet(rows).localSet(r);
  f.loop();
  f.localGet(r).i32Load(0).localSet(off);
  for (let i = 0; i < 8; i++) f.localGet(dst).localGet(q(i)).localGet(off).op(Op.i32Add).f32Load(0).f32Store(4 * i);
  f.localGet(dst).i32Const(32).op(Op.i32Add).localSet(dst);
  f.localGet(r).i32Const(4).op(Op.i32Add).localTee(r).localGet(end).op(Op.i32LtU).brIf(0);
  f.end();
  f.end();
  f.localGet(cols).i32Const(32).op(Op.i32Add).localSet(cols);
  f.localGet(ns).i32Const(1).op(Op.i32Sub).localTee(ns).brIf(0);
  f.end();
  return encodeModule({
    memory: memoryImport(),
    functions: [
      { name: "gather", params: [I32, I32, I32, I32, I32, I32], results: [], body: f },
      { name: "scatter_add", params: [I32, I32, I32, I32, I32, I32, I32], results: [], body: scatterAddBody() },
      { name: "bias_rows", params: [I32, I32, I32, I32, I32, I32], results: [], body: biasRowsBody() },
      { name: "pad_planes", params: new Array<typeof I32>(10).fill(I32), results: [], body: padPlanesBody() },
      { name: "pack_rows4", params: [I32, I32, I32, I32, I32], results: [], body: packRows4Body() },
      { name: "pack_cols4", params: [I32, I32, I32, I32, I32], results: [], body: packColsBody(4) },
      { name: "pack_cols8", params: [I32, I32, I32, I32, I32], results: [], body: packColsBody(8) },
    ],
  });
}

/**
 * `bias_rows(src, ld, rows, cols, bias, dst)`, byte addresses: row m of the `rows x cols` matrix at src
 * (row stride `ld` bytes) plus `bias[m]`, written at `dst + 4*m*cols` (rows packed). Works four columns
 * at a time: a row's last vector may run up to 3 values past its end (the next row overwrites them;
 * the last row needs 3 spare floats after the output).
 */
function biasRowsBody(): FunctionBody {
  const [src, ld, rows, cols, bias, dst] = [0, 1, 2, 3, 4, 5];
  const [m, p, bv] = [6, 7, 8];
  const f = new FunctionBody([I32, I32, V128]);
  f.i32Const(0).localSet(m);
  f.loop();
  f.localGet(bias).localGet(m).i32Const(4).op(Op.i32Mul).op(Op.i32Add).v128Load32Splat(0).localSet(bv);
  f.i32Const(0).localSet(p);
  f.loop();
  f.localGet(dst).localGet(p).op(Op.i32Add);
  f.localGet(src).localGet(p).op(Op.i32Add).v128Load(0).localGet(bv).v("f32x4.add");
  f.v128Store(0);
  f.localGet(p).i32Const(16).op(Op.i32Add).localTee(p).localGet(cols).i32Const(4).op(Op.i32Mul).op(Op.i32LtU).brIf(0);
  f.end();
  f.localGet(src).localGet(ld).op(Op.i32Add).localSet(src);
  f.localGet(dst).localGet(cols).i32Const(4).op(Op.i32Mul).op(Op.i32Add).localSet(dst);
  f.localGet(m).i32Const(1).op(Op.i32Add).localTee(m).localGet(rows).op(Op.i32LtU).brIf(0);
  f.end();
  return f;
}

/**
 * `scatter_add(cols, slivers, rows, k, src, ld, flags)`, byte addresses: for each row k of the `k x
 * 8*slivers` matrix at `src` (row stride `ld` bytes), adds element (k, j) onto the float at
 * `rows[k] + cols[j]`. `flags[s]` is 1 where the 8 addresses of sliver s are consecutive (one vector
 * add per half), else 0 (eight scalar adds). The adjoint of `gather`: col2im.
 */
function scatterAddBody(): FunctionBody {
  const [cols, ns, rows, K, src, ld, flags] = [0, 1, 2, 3, 4, 5, 6];
  const [r, end, off, c, j, s, fl, a] = [7, 8, 9, 10, 11, 12, 13, 14];
  const f = new FunctionBody(new Array<typeof I32>(8).fill(I32));
  f.localGet(rows).localGet(K).i32Const(4).op(Op.i32Mul).op(Op.i32Add).localSet(end);
  f.localGet(rows).localSet(r);
  f.loop(); // over rows
  f.localGet(r).i32Load(0).localSet(off);
  f.localGet(src).localSet(s);
  f.localGet(cols).localSet(c);
  f.localGet(flags).localSet(fl);
  f.localGet(ns).localSet(j);
  f.loop(); // over slivers
  f.block();
  f.block();
  f.localGet(fl).i32Load(0).op(Op.i32Eqz).brIf(0);
  f.localGet(c).i32Load(0).localGet(off).op(Op.i32Add).localSet(a);
  for (const o of [0, 16]) {
    f.localGet(a).localGet(a).v128Load(o).localGet(s).v128Load(o).v("f32x4.add").v128Store(o);
  }
  f.br(1);
  f.end();
  for (let i = 0; i < 8; i++) {
    f.localGet(c).i32Load(4 * i).localGet(off).op(Op.i32Add).localSet(a);
    f.localGet(a).localGet(a).f32Load(0).localGet(s).f32Load(4 * i).op(0x92 /* f32.add */).f32Store(0);
  }
  f.end();
  f.localGet(c).i32Const(32).op(Op.i32Add).localSet(c);
  f.localGet(s).i32Const(32).op(Op.i32Add).localSet(s);
  f.localGet(fl).i32Const(4).op(Op.i32Add).localSet(fl);
  f.localGet(j).i32Const(1).op(Op.i32Sub).localTee(j).brIf(0);
  f.end();
  f.localGet(src).localGet(ld).op(Op.i32Add).localSet(src);
  f.localGet(r).i32Const(4).op(Op.i32Add).localTee(r).localGet(end).op(Op.i32LtU).brIf(0);
  f.end();
  return f;
}

/**
 * `pad_planes(src, dst, planes, inH, inW, outH, outW, top, left, fill)`, byte addresses except `fill`
 * (the fill value's float32 bits): each `inH x inW` plane at src is written into an `outH x outW` plane
 * at dst at row `top`, column `left`, the rest of the plane set to `fill`. Rows are copied four floats
 * at a time (then one by one); the fill writes whole vectors, so dst needs 3 floats of slack.
 */
function padPlanesBody(): FunctionBody {
  const [src, dst, planes, inH, inW, outH, outW, top, left, fill] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p, end, r, d, c, fv] = [10, 11, 12, 13, 14, 15];
  const f = new FunctionBody([I32, I32, I32, I32, I32, V128]);
  // Fill all planes, a vector at a time.
  f.localGet(fill).v("i32x4.splat").localSet(fv);
  f.localGet(dst).localSet(p);
  f.localGet(dst).localGet(planes).localGet(outH).op(Op.i32Mul).localGet(outW).op(Op.i32Mul).i32Const(2).op(0x74 /* i32.shl */)
    .op(Op.i32Add).localSet(end);
  f.block();
  f.localGet(p).localGet(end).op(0x4f /* i32.ge_u */).brIf(0);
  f.loop();
  f.localGet(p).localGet(fv).v128Store(0);
  f.localGet(p).i32Const(16).op(Op.i32Add).localTee(p).localGet(end).op(Op.i32LtU).brIf(0);
  f.end();
  f.end();
  // Copy the rows: row r of plane q goes to dst + 4*((q*outH + top + r)*outW + left).
  f.block();
  f.localGet(planes).localGet(inH).op(Op.i32Mul).localTee(r).op(Op.i32Eqz).brIf(0);
  f.localGet(inW).op(Op.i32Eqz).brIf(0);
  f.localGet(dst).localGet(top).localGet(outW).op(Op.i32Mul).localGet(left).op(Op.i32Add).i32Const(2).op(0x74).op(Op.i32Add).localSet(d);
  f.loop(); // over all rows of all planes
  f.i32Const(0).localSet(c);
  f.block();
  f.localGet(inW).i32Const(4).op(0x48 /* i32.lt_s */).brIf(0);
  f.loop(); // four floats at a time
  f.localGet(d).localGet(c).op(Op.i32Add).localGet(src).localGet(c).op(Op.i32Add).v128Load(0).v128Store(0);
  f.localGet(c).i32Const(16).op(Op.i32Add).localTee(c).i32Const(16).op(Op.i32Add).localGet(inW).i32Const(2).op(0x74).op(0x4d /* i32.le_u */).brIf(0);
  f.end();
  f.end();
  f.block();
  f.localGet(c).localGet(inW).i32Const(2).op(0x74).op(0x4f /* i32.ge_u */).brIf(0);
  f.loop(); // the rest one by one
  f.localGet(d).localGet(c).op(Op.i32Add).localGet(src).localGet(c).op(Op.i32Add).f32Load(0).f32Store(0);
  f.localGet(c).i32Const(4).op(Op.i32Add).localTee(c).localGet(inW).i32Const(2).op(0x74).op(Op.i32LtU).brIf(0);
  f.end();
  f.end();
  f.localGet(src).localGet(inW).i32Const(2).op(0x74).op(Op.i32Add).localSet(src);
  f.localGet(d).localGet(outW).i32Const(2).op(0x74).op(Op.i32Add).localSet(d);
  // At a plane's end, skip the bottom and top padding rows of the next.
  f.localGet(r).i32Const(1).op(Op.i32Sub).localTee(r).localGet(inH).op(0x70 /* i32.rem_u */).op(Op.i32Eqz);
  f.if_();
  f.localGet(d).localGet(outH).localGet(inH).op(Op.i32Sub).localGet(outW).op(Op.i32Mul).i32Const(2).op(0x74).op(Op.i32Add).localSet(d);
  f.end();
  f.localGet(r).brIf(0);
  f.end();
  f.end();
  return f;
}

/** Float32 lanes `l` of the two vectors on the stack as the byte lanes of `i8x16.shuffle`. */
function lanes(l: readonly number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

/**
 * `pack_rows4(src, ld, groups, k, dst)`, byte addresses (`ld` in bytes): packs `4*groups` rows of `k`
 * floats (row r at `src + r*ld`) as 4-row slivers, k-major (the A layout of the SIMD GEMM): four k at a
 * time as a 4x4 transpose in shuffles, the last `k % 4` one by one.
 */
function packRows4Body(): FunctionBody {
  const [src, ld, groups, K, dst] = [0, 1, 2, 3, 4];
  const [r1, r2, r3, kk, end] = [5, 6, 7, 8, 9];
  const [va, vb, vc, vd, t0, t1, t2, t3] = [10, 11, 12, 13, 14, 15, 16, 17];
  const f = new FunctionBody([I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128]);
  f.block();
  f.localGet(groups).op(Op.i32Eqz).brIf(0);
  f.localGet(K).i32Const(-4).op(Op.i32And).i32Const(2).op(0x74 /* i32.shl */).localSet(end); // bytes of whole quads
  f.loop(); // row groups
  f.localGet(src).localGet(ld).op(Op.i32Add).localTee(r1).localGet(ld).op(Op.i32Add).localTee(r2).localGet(ld).op(Op.i32Add)
    .localSet(r3);
  f.i32Const(0).localSet(kk);
  f.block();
  f.localGet(end).op(Op.i32Eqz).brIf(0);
  f.loop(); // four k at a time
  [src, r1, r2, r3].forEach((row, q) => f.localGet(row).localGet(kk).op(Op.i32Add).v128Load(0).localSet([va, vb, vc, vd][q]!));
  f.localGet(va).localGet(vb).i8x16Shuffle(lanes([0, 4, 1, 5])).localSet(t0);
  f.localGet(va).localGet(vb).i8x16Shuffle(lanes([2, 6, 3, 7])).localSet(t1);
  f.localGet(vc).localGet(vd).i8x16Shuffle(lanes([0, 4, 1, 5])).localSet(t2);
  f.localGet(vc).localGet(vd).i8x16Shuffle(lanes([2, 6, 3, 7])).localSet(t3);
  f.localGet(dst).localGet(t0).localGet(t2).i8x16Shuffle(lanes([0, 1, 4, 5])).v128Store(0);
  f.localGet(dst).localGet(t0).localGet(t2).i8x16Shuffle(lanes([2, 3, 6, 7])).v128Store(16);
  f.localGet(dst).localGet(t1).localGet(t3).i8x16Shuffle(lanes([0, 1, 4, 5])).v128Store(32);
  f.localGet(dst).localGet(t1).localGet(t3).i8x16Shuffle(lanes([2, 3, 6, 7])).v128Store(48);
  f.localGet(dst).i32Const(64).op(Op.i32Add).localSet(dst);
  f.localGet(kk).i32Const(16).op(Op.i32Add).localTee(kk).localGet(end).op(Op.i32LtU).brIf(0);
  f.end();
  f.end();
  f.block();
  f.localGet(kk).localGet(K).i32Const(2).op(0x74).op(0x4f /* i32.ge_u */).brIf(0);
  f.loop(); // the last k % 4, one k at a time
  [src, r1, r2, r3].forEach((row, q) => f.localGet(dst).localGet(row).localGet(kk).op(Op.i32Add).f32Load(0).f32Store(4 * q));
  f.localGet(dst).i32Const(16).op(Op.i32Add).localSet(dst);
  f.localGet(kk).i32Const(4).op(Op.i32Add).localTee(kk).localGet(K).i32Const(2).op(0x74).op(Op.i32LtU).brIf(0);
  f.end();
  f.end();
  f.localGet(r3).localGet(ld).op(Op.i32Add).localSet(src);
  f.localGet(groups).i32Const(1).op(Op.i32Sub).localTee(groups).brIf(0);
  f.end();
  f.end();
  return f;
}

/**
 * `pack_colsW(src, ld, slivers, k, dst)`, byte addresses (`ld` in bytes), W = 4 or 8: the slivers of a
 * matrix whose sliver rows are already contiguous (element (j, k) at `src + 4*j + k*ld`, a row-major
 * B, or a transposed A): `W` floats per k copied as vectors.
 */
function packColsBody(width: 4 | 8): FunctionBody {
  const [src, ld, slivers, K, dst] = [0, 1, 2, 3, 4];
  const [p, kk] = [5, 6];
  const f = new FunctionBody([I32, I32]);
  f.block();
  f.localGet(slivers).op(Op.i32Eqz).brIf(0);
  f.localGet(K).op(Op.i32Eqz).brIf(0);
  f.loop(); // slivers
  f.localGet(src).localSet(p);
  f.localGet(K).localSet(kk);
  f.loop(); // k
  for (let h = 0; h < width / 4; h++) f.localGet(dst).localGet(p).v128Load(16 * h).v128Store(16 * h);
  f.localGet(dst).i32Const(4 * width).op(Op.i32Add).localSet(dst);
  f.localGet(p).localGet(ld).op(Op.i32Add).localSet(p);
  f.localGet(kk).i32Const(1).op(Op.i32Sub).localTee(kk).brIf(0);
  f.end();
  f.localGet(src).i32Const(4 * width).op(Op.i32Add).localSet(src);
  f.localGet(slivers).i32Const(1).op(Op.i32Sub).localTee(slivers).brIf(0);
  f.end();
  f.end();
  return f;
}

interface Exports {
  gather: (cols: number, slivers: number, rows: number, k: number, dst: number, x: number) => void;
  scatter_add: (cols: number, slivers: number, rows: number, k: number, src: number, ld: number, flags: number) => void;
  bias_rows: (src: number, ld: number, rows: number, cols: number, bias: number, dst: number) => void;
  pack_rows4: (src: number, ld: number, groups: number, k: number, dst: number) => void;
  pack_cols4: (src: number, ld: number, slivers: number, k: number, dst: number) => void;
  pack_cols8: (src: number, ld: number, slivers: number, k: number, dst: number) => void;
  pad_planes: (src: number, dst: number, planes: number, inH: number, inW: number, outH: number, outW: number, top: number, left: number, fill: number) => void;
}

let exports: Exports | null | undefined;

function module(): Exports {
  if (exports === undefined) exports = instantiate(packModuleBytes()) as Exports | null;
  return exports!;
}

/** The packing module's `gather` and `bias_rows` on this thread (for threads.ts' call lists). */
export function packFunctions(): { gather: Exports["gather"]; bias_rows: Exports["bias_rows"] } {
  return module();
}

/**
 * Writes the address tables of `gatherSlivers` for `K x N` matrices `G(k, j) = heap[x + rowOffs[k] +
 * colOffs[j]]` at `heap[tables...]` (`K + tableColumns(N)` ints), once for every x gathered with them.
 * Columns past N repeat column N - 1, so that a last partial sliver is gathered by WebAssembly too.
 */
export function gatherTables(rowOffs: Int32Array, K: number, colOffs: Int32Array, N: number, tables: number): void {
  const ints = heapI32();
  for (let k = 0; k < K; k++) ints[tables + k] = rowOffs[k]! << 2;
  for (let j = 0; j < N; j++) ints[tables + K + j] = colOffs[j]! << 2;
  for (let j = N; j < tableColumns(N); j++) ints[tables + K + j] = colOffs[N - 1]! << 2;
}

/** The column entries of `gatherTables`: N rounded up to whole slivers. */
export function tableColumns(N: number): number {
  return (N + 7) & ~7;
}

/**
 * Packs `G(k, j) = heap[x + rowOffs[k] + colOffs[j]]` (`K x N`, offsets in floats into the backend's
 * memory) as 8-column slivers at `heap[base...]`, with the tables `gatherTables` wrote at `tables`.
 * Past column N a last partial sliver repeats column N - 1: the GEMM's output columns past N are
 * then never read, and a column of a product depends on its own column of B only. The heap must
 * already have room for all of it.
 */
export function gatherSlivers(x: number, rowOffs: Int32Array, K: number, colOffs: Int32Array, N: number, base: number, tables: number): void {
  const slivers = tableColumns(N) >> 3;
  if (slivers > 0) module().gather((tables + K) << 2, slivers, tables << 2, K, base << 2, x << 2);
}

/**
 * Adds the `K x N` matrix at `heap[src...]` (row stride `ld` floats) onto `heap[y + rowOffs[k] +
 * colOffs[j]]`, row by row (so each target sums its terms in row order, as the TypeScript col2im).
 * `tables` is a free region of `K + N + N/8` ints for the address tables.
 */
export function scatterAddRows(
  y: number,
  rowOffs: Int32Array,
  K: number,
  colOffs: Int32Array,
  N: number,
  src: number,
  ld: number,
  tables: number,
): void {
  const heap = heapF32(0);
  const ints = heapI32();
  const full = N >> 3;
  if (full > 0) {
    const yb = y << 2;
    for (let k = 0; k < K; k++) ints[tables + k] = yb + (rowOffs[k]! << 2);
    const cols = tables + K;
    for (let j = 0; j < full * 8; j++) ints[cols + j] = colOffs[j]! << 2;
    const flags = cols + full * 8;
    for (let s = 0; s < full; s++) {
      const c = colOffs.subarray(8 * s, 8 * s + 8);
      ints[flags + s] = c[7]! - c[0]! === 7 && c[1]! - c[0]! === 1 && c[2]! - c[1]! === 1 && c[3]! - c[2]! === 1 &&
        c[4]! - c[3]! === 1 && c[5]! - c[4]! === 1 && c[6]! - c[5]! === 1 ? 1 : 0;
    }
    module().scatter_add(cols << 2, full, tables << 2, K, src << 2, ld << 2, flags << 2);
  }
  for (let k = 0; k < K; k++) {
    const r = y + rowOffs[k]!;
    const s = src + k * ld;
    for (let j = full * 8; j < N; j++) heap[r + colOffs[j]!] += heap[s + j]!;
  }
}

/**
 * Writes row m of the `rows x cols` matrix at `heap[src...]` (row stride `ld` floats) plus
 * `heap[bias + m]` to `heap[dst + m*cols...]`; `dst` needs `rows*cols + 3` floats of room.
 */
export function biasRows(src: number, ld: number, rows: number, cols: number, bias: number, dst: number): void {
  if (rows > 0 && cols > 0) module().bias_rows(src << 2, ld << 2, rows, cols, bias << 2, dst << 2);
}

const fillBits = new Int32Array(1);
const fillFloat = new Float32Array(fillBits.buffer);

/**
 * Copies `planes` planes of `inH x inW` floats at `heap[src...]` into `outH x outW` planes at
 * `heap[dst...]`, each at row `top` and column `left`, everything else `fill` (0 for a convolution's
 * padding, -Infinity for max pooling's). Offsets in floats; the regions must not overlap, and dst needs
 * 3 floats of slack after its planes.
 */
export function padPlanes(
  src: number, dst: number, planes: number, inH: number, inW: number, outH: number, outW: number, top: number, left: number, fill: number,
): void {
  fillFloat[0] = fill;
  module().pad_planes(src << 2, dst << 2, planes, inH, inW, outH, outW, top, left, fillBits[0]!);
}

/**
 * `packSlivers` (gemm.ts) done in WebAssembly where the layout allows: the `rows x K` matrix with element
 * (i, k) at `X[off + i*rs + k*cs]` is read where it is when resident in the backend's memory, else
 * copied as one block to `stage` (floats; room for `(rows-1)*rs + (K-1)*cs + 1` floats), then packed into `width`-row slivers at `base` by
 * `pack_rows4` (rows contiguous: cs = 1, width 4) or `pack_colsW` (slivers' rows contiguous: rs = 1).
 * A last partial sliver, and other layouts, are packed by `packSlivers`. The copy is a memcpy and the
 * packing vector moves: about 5x faster than `packSlivers` on a ResNet weight.
 */
export function packPanel(
  X: Float32Array, off: number, rs: number, cs: number, rows: number, K: number, width: 4 | 8,
  mem: Float32Array, base: number, stage: number,
): void {
  const whole = rows - (rows % width);
  const rowsFirst = cs === 1 && width === 4 && rs >= K;
  const colsFirst = rs === 1 && cs >= width;
  if (whole === 0 || K === 0 || (!rowsFirst && !colsFirst)) {
    packSlivers(X, off, rs, cs, rows, K, width, mem, base);
    return;
  }
  // A resident array (a parameter: memory.ts) is packed from where it is, anything else staged first.
  const resident = residentAddress(X);
  let from = resident + 4 * off;
  if (resident < 0) {
    const span = (whole - 1) * rs + (K - 1) * cs + 1;
    mem.set(X.subarray(off, off + span), stage);
    from = stage << 2;
  }
  if (rowsFirst) module().pack_rows4(from, rs << 2, whole >> 2, K, base << 2);
  else (width === 4 ? module().pack_cols4 : module().pack_cols8)(from, cs << 2, whole / width, K, base << 2);
  if (whole < rows) packSlivers(X, off + whole * rs, rs, cs, rows - whole, K, width, mem, base + whole * K);
}
