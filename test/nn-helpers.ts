/**
 * Reading test/fixtures/nn.json (written by gen_nn.py from PyTorch 1.13.1):
 * tensors, module specs and error records, plus the comparisons the nn
 * suites share.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import * as nn from "../src/nn/index.js";
import { float32, float64, int64 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";
import { TsorchError } from "../src/errors.js";

export interface TensorRecord {
  shape: number[];
  b64?: string;
  f64?: string;
  ints?: number[];
}

export interface ErrorRecord {
  type: string;
  message: string;
}

const path = fileURLToPath(new URL("./fixtures/nn.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fixture: any = JSON.parse(readFileSync(path, "utf8"));

/** The values of a stored tensor as a plain array of numbers. */
export function values(r: TensorRecord): Float64Array {
  if (r.ints) return Float64Array.from(r.ints);
  if (r.f64) {
    const buf = Buffer.from(r.f64, "base64");
    return Float64Array.from(new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8));
  }
  const buf = Buffer.from(r.b64!, "base64");
  return Float64Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
}

/** A tensor holding a stored record (float32 unless it is an integer or float64 record). */
export function toTensor(r: TensorRecord): Tensor {
  const v = values(r);
  if (r.ints) return Tensor._fromData(v, r.shape, int64);
  if (r.f64) return Tensor._fromData(v, r.shape, float64);
  return Tensor._fromData(Float32Array.from(v), r.shape, float32);
}

/**
 * Normwise relative error max |a - b| / max |b| over the finite values of b
 * (equal infinities count as equal; absolute when b is all zeros). With
 * `atol`, differences up to `atol` count as zero (for results that are pure
 * rounding noise, such as a BatchNorm input gradient over two samples).
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, atol = 0): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const d = Math.abs(x - y);
    if (!(d <= atol)) num = Math.max(num, Number.isNaN(d) ? Infinity : d);
    if (Number.isFinite(y)) den = Math.max(den, Math.abs(y));
  }
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) den = Math.max(den, Math.abs(b[i]!));
  return den === 0 ? num : num / den;
}

/** Checks shape and values of `t` against a record; returns the relative error. */
export function expectClose(t: Tensor, r: TensorRecord, tol = 1e-5, what = "", atol = 0): number {
  expect([...t.shape], `${what} shape`).toEqual(r.shape);
  const err = relError(t.toFlatArray(), values(r), atol);
  expect(err, `${what} relative error`).toBeLessThanOrEqual(tol);
  return err;
}

/** Bitwise equality of float32 values. */
export function expectExact(t: Tensor, r: TensorRecord, what = ""): void {
  expect([...t.shape], `${what} shape`).toEqual(r.shape);
  const a = Array.from(t.toFlatArray());
  const b = Array.from(values(r));
  const firstDiff = a.findIndex((v, i) => !Object.is(v, b[i]));
  expect(firstDiff, `${what}: first differing element (ours ${a[firstDiff]}, PyTorch ${b[firstDiff]})`).toBe(-1);
}

/** Builds `nn[kind](...args, kwargs)` from a stored spec. */
export function build(kind: string, args: unknown[], kwargs: Record<string, unknown>): nn.Module {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module>)[kind];
  if (!Ctor) throw new Error(`no nn.${kind}`);
  return Object.keys(kwargs).length > 0 ? new Ctor(...args, kwargs) : new Ctor(...args);
}

/** Runs `fn`, expecting it to throw PyTorch's error (same Python type, same message). */
export function expectPyError(fn: () => unknown, rec: ErrorRecord): TsorchError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an error: ${rec.message}`).toBeInstanceOf(TsorchError);
  const e = caught as TsorchError;
  expect(e.message).toBe(rec.message);
  expect(e.name).toBe(rec.type);
  return e;
}

/**
 * The repr PyTorch 2.x prints for a 1.13 one (this fixture's): BatchNorm layers show whether they
 * have a bias (`affine=True, bias=True, ...`); 2.x wins where they differ.
 */
export function repr2x(repr: string): string {
  return repr.replace(/(BatchNorm\dd\([^\n]*affine=(True|False)), track_running_stats=/g, "$1, bias=$2, track_running_stats=");
}

/**
 * PyTorch 1.13 bounded a pooling pad by half the kernel ("pad should be at most half of kernel size, but
 * got pad=3 and kernel_size=2"); 2.x, which wins where they differ, bounds it by half the dilated kernel
 * and says "pad should be at most half of effective kernel size, but got pad=3, kernel_size=2 and
 * dilation=1". For a fixture recorded under 1.13: 2.x's message for the first axis over its bound, or null
 * where 2.x accepts the configuration (a pad within half the dilated kernel).
 */
export function poolPad2x(kernel: number | readonly number[], padding: number | readonly number[] = 0, dilation: number | readonly number[] = 1): string | null {
  const pair = (v: number | readonly number[]) => (typeof v === "number" ? [v, v] : v.length === 1 ? [v[0]!, v[0]!] : [...v]);
  const [k, p, d] = [pair(kernel), pair(padding), pair(dilation)];
  for (let a = 0; a < k.length; a++) {
    if (p[a]! > Math.trunc(((k[a]! - 1) * d[a]! + 1) / 2)) {
      return `pad should be at most half of effective kernel size, but got pad=${p[a]}, kernel_size=${k[a]} and dilation=${d[a]}`;
    }
  }
  return null;
}

/** Whether a recorded error is 1.13's pooling pad bound (see `poolPad2x`). */
export const isPoolPad113 = (message: string): boolean => message.startsWith("pad should be at most half of kernel size, but got pad=");

/**
 * Where 2.x accepts a pad 1.13 refused, the fixture has no 2.x outcome: the call either runs or fails a
 * later check (an output too small), but never on the pad bound.
 */
export function expectPadAccepted(fn: () => unknown, label: string): void {
  let message = "";
  try { fn(); } catch (e) { message = (e as Error).message; }
  expect(message, label).not.toMatch(/^pad should be/);
}
