/**
 * A tiny WebAssembly binary writer: just enough to emit the SIMD GEMM module of `simd-gemm.ts` from
 * TypeScript at load time, so the repository ships no prebuilt binary and needs no toolchain.
 *
 * It writes the module header, a type, import (one memory), function, export and code section, and
 * function bodies built with `FunctionBody`, whose methods are named after the WebAssembly text
 * format (`localGet` is `local.get`, `f32x4Mul` is `f32x4.mul`). Encodings follow the WebAssembly core
 * specification (binary format) and its fixed-width SIMD extension (opcodes after the 0xFD prefix).
 *
 * @example
 * const body = new FunctionBody([]).localGet(0).localGet(1).op(Op.i32Add);
 * const bytes = encodeModule({ memory: null, functions: [{ name: "add", params: [I32, I32], results: [I32], body }] });
 * new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.add(2, 3); // 5
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Single-byte opcodes used here. */
export const Op = {
  end: 0x0b,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32And: 0x71,
  i32Or: 0x72,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32RemU: 0x70,
} as const;

/** SIMD opcodes (after the 0xFD prefix). */
const Simd = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Store: 0x0b,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  v128Andnot: 0x4f,
  v128Or: 0x50,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4Max: 0xe9,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f32x4Splat: 0x13,
  v128Bitselect: 0x52,
  i32x4Splat: 0x11,
  i32x4Add: 0xae,
  i32x4MaxS: 0xb8,
} as const;

/** The SIMD instructions that take no immediate, by their text-format names. */
export type SimdOp =
  | "f32x4.eq" | "f32x4.ne" | "f32x4.lt" | "f32x4.gt" | "v128.and" | "v128.andnot" | "v128.or" | "v128.bitselect"
  | "f32x4.add" | "f32x4.mul" | "f32x4.max" | "f32x4.pmin" | "f32x4.pmax" | "f32x4.splat" | "i32x4.splat" | "i32x4.add"
  | "i32x4.max_s";
const SIMD_BY_NAME: Record<SimdOp, number> = {
  "f32x4.eq": Simd.f32x4Eq,
  "f32x4.ne": Simd.f32x4Ne,
  "f32x4.lt": Simd.f32x4Lt,
  "f32x4.gt": Simd.f32x4Gt,
  "v128.and": Simd.v128And,
  "v128.andnot": Simd.v128Andnot,
  "v128.or": Simd.v128Or,
  "f32x4.add": Simd.f32x4Add,
  "f32x4.mul": Simd.f32x4Mul,
  "f32x4.max": Simd.f32x4Max,
  "f32x4.pmin": Simd.f32x4Pmin,
  "f32x4.pmax": Simd.f32x4Pmax,
  "f32x4.splat": Simd.f32x4Splat,
  "v128.bitselect": Simd.v128Bitselect,
  "i32x4.splat": Simd.i32x4Splat,
  "i32x4.add": Simd.i32x4Add,
  "i32x4.max_s": Simd.i32x4MaxS,
};

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** A function body: its extra locals and its instructions. */
export class FunctionBody {
  readonly code: number[] = [];

  /** `locals` are the extra locals' types, numbered after the parameters. */
  constructor(readonly locals: ValType[]) {}

  op(opcode: number): this {
    this.code.push(opcode);
    return this;
  }

  localGet(i: number): this {
    this.code.push(0x20);
    uleb(i, this.code);
    return this;
  }

  localSet(i: number): this {
    this.code.push(0x21);
    uleb(i, this.code);
    return this;
  }

  localTee(i: number): this {
    this.code.push(0x22);
    uleb(i, this.code);
    return this;
  }

  i32Const(v: number): this {
    this.code.push(0x41);
    sleb(v | 0, this.code);
    return this;
  }

  call(funcIndex: number): this {
    this.code.push(0x10);
    uleb(funcIndex, this.code);
    return this;
  }

  /** `block` with no result. */
  block(): this {
    this.code.push(0x02, 0x40);
    return this;
  }

  /** `if` with no result (the condition on the stack; close with `end`). */
  if_(): this {
    this.code.push(0x04, 0x40);
    return this;
  }

  /** `loop` with no result. */
  loop(): this {
    this.code.push(0x03, 0x40);
    return this;
  }

  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(depth, this.code);
    return this;
  }

  br(depth: number): this {
    this.code.push(0x0c);
    uleb(depth, this.code);
    return this;
  }

  end(): this {
    this.code.push(Op.end);
    return this;
  }

  private simd(opcode: number): void {
    this.code.push(0xfd);
    uleb(opcode, this.code);
  }

  private memarg(alignLog2: number, offset: number): void {
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
  }

  /** `i32.load offset=...` (address on the stack). */
  i32Load(offset = 0): this {
    this.code.push(0x28);
    this.memarg(2, offset);
    return this;
  }

  /** `f32.load offset=...` (address on the stack). */
  f32Load(offset = 0): this {
    this.code.push(0x2a);
    this.memarg(2, offset);
    return this;
  }

  /** `f32.store offset=...` (address, then value on the stack). */
  f32Store(offset = 0): this {
    this.code.push(0x38);
    this.memarg(2, offset);
    return this;
  }

  /** `v128.load offset=...` (address on the stack). */
  v128Load(offset: number): this {
    this.simd(Simd.v128Load);
    this.memarg(4, offset);
    return this;
  }

  /** `v128.load32_splat offset=...`: one f32 into all four lanes. */
  v128Load32Splat(offset: number): this {
    this.simd(Simd.v128Load32Splat);
    this.memarg(2, offset);
    return this;
  }

  /** `v128.store offset=...` (address, then value on the stack). */
  v128Store(offset: number): this {
    this.simd(Simd.v128Store);
    this.memarg(4, offset);
    return this;
  }

  /** `v128.const` with four zero lanes. */
  v128Zero(): this {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }

  /** `v128.const` with four i32 lanes. */
  i32x4Const(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0c);
    for (const v of lanes) this.code.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
    return this;
  }

  /** `i8x16.shuffle` of the two vectors on the stack: byte lanes 0-15 from the first, 16-31 from the second. */
  i8x16Shuffle(lanes: readonly number[]): this {
    this.simd(0x0d);
    for (const l of lanes) this.code.push(l);
    return this;
  }

  /** Any SIMD instruction without immediates, by its text-format name (`v("f32x4.lt")`). */
  v(name: SimdOp): this {
    this.simd(SIMD_BY_NAME[name]);
    return this;
  }

  f32x4Add(): this {
    this.simd(Simd.f32x4Add);
    return this;
  }

  f32x4Mul(): this {
    this.simd(Simd.f32x4Mul);
    return this;
  }
}

export interface FunctionDef {
  /** Exported under this name when given. */
  name?: string;
  params: ValType[];
  results: ValType[];
  body: FunctionBody;
}

export interface ModuleDef {
  /**
   * Import `env.memory` with at least this many 64 KiB pages (shared between threads, with a maximum,
   * when `shared`), or no memory.
   */
  memory: { minPages: number; maxPages?: number; shared?: boolean } | null;
  functions: FunctionDef[];
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

/** The binary module. Function i of `functions` has index i (there are no imported functions). */
export function encodeModule(def: ModuleDef): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(def.functions.length, types);
  for (const f of def.functions) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  if (def.memory) {
    const imports: number[] = [];
    uleb(1, imports);
    name("env", imports);
    name("memory", imports);
    const { minPages, maxPages, shared } = def.memory;
    imports.push(0x02, shared ? 0x03 : maxPages !== undefined ? 0x01 : 0x00);
    uleb(minPages, imports);
    if (shared || maxPages !== undefined) uleb(maxPages ?? minPages, imports);
    section(2, imports, out);
  }
  const funcs: number[] = [];
  uleb(def.functions.length, funcs);
  def.functions.forEach((_, i) => uleb(i, funcs));
  section(3, funcs, out);
  const exported = def.functions.map((f, i) => [f, i] as const).filter(([f]) => f.name !== undefined);
  const exports: number[] = [];
  uleb(exported.length, exports);
  for (const [f, i] of exported) {
    name(f.name!, exports);
    exports.push(0x00);
    uleb(i, exports);
  }
  section(7, exports, out);
  const code: number[] = [];
  uleb(def.functions.length, code);
  for (const f of def.functions) {
    const body: number[] = [];
    // Locals are run-length encoded by type.
    const runs: [number, number][] = [];
    for (const t of f.body.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    uleb(runs.length, body);
    for (const [count, t] of runs) {
      uleb(count, body);
      body.push(t);
    }
    body.push(...f.body.code, Op.end);
    uleb(body.length, code);
    code.push(...body);
  }
  section(10, code, out);
  return new Uint8Array(out);
}
