/**
 * Reading test/fixtures/ops.json (made by gen_ops.py from PyTorch 1.13.1)
 * and comparing tsorch's results with it.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as torch from "../src/torch.js";
import { Tensor } from "../src/tensor/tensor.js";
import { ValuesIndices } from "../src/ops/reduce.js";

export type JsonNumber = number | "nan" | "inf" | "-inf";

export interface EncodedTensor {
  dtype?: string;
  shape?: number[];
  data?: (JsonNumber | boolean)[] | null;
  b64?: string | null;
  zeros?: boolean;
  requires_grad?: boolean;
  /** The stored data is in memory order; permuting it by these dims gives the input. */
  permute?: number[];
  scalar?: JsonNumber;
  bool?: boolean;
  /** Strides of a non-contiguous PyTorch result. */
  strides?: number[];
}

export interface OpCase {
  name: string;
  op: string;
  inputs: EncodedTensor[];
  outputs?: EncodedTensor[];
  exact?: boolean;
  grad_fn?: string;
  next?: (string | null)[];
  grad_output?: EncodedTensor;
  grads?: (EncodedTensor | null)[];
  grad_error?: string;
  error?: { type: string; message: string };
}

export interface RandomCase extends EncodedTensor {
  name: string;
}

export const fixture = JSON.parse(readFileSync(new URL("./fixtures/ops.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: OpCase[];
  random: RandomCase[];
};

export function decodeNumber(v: JsonNumber | boolean): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

/** The values of an encoded tensor, as doubles in row-major order. */
export function decodeValues(e: EncodedTensor): number[] {
  if (e.b64) {
    const bytes = Buffer.from(e.b64, "base64");
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return Array.from(e.dtype === "float64" ? new Float64Array(buf) : new Float32Array(buf));
  }
  if (e.zeros) return new Array((e.shape ?? []).reduce((a, b) => a * b, 1)).fill(0);
  return (e.data ?? []).map(decodeNumber);
}

/** An input: a JS number for a Python scalar, else a tensor (requiring grad when PyTorch's did). */
export function decodeInput(e: EncodedTensor): Tensor | number | boolean {
  if (e.scalar !== undefined) return decodeNumber(e.scalar);
  if (e.bool !== undefined) return e.bool;
  const values = decodeValues(e);
  const dtype = dtypeOf(e.dtype!);
  let t = Tensor._fromData(new dtype.ArrayType(values), e.shape!, dtype);
  if (e.permute) {
    // A leaf with a permuted (non-contiguous) layout, like PyTorch's clone of a transposed tensor.
    const p = e.permute;
    t = new Tensor(t.storage, p.map((d) => t.shape[d]!), p.map((d) => t._strides[d]!), 0, dtype);
  }
  if (e.requires_grad) t.requires_grad_(true);
  return t;
}

export function dtypeOf(name: string): torch.DType {
  const d = ({ float32: torch.float32, float64: torch.float64, int64: torch.int64, int32: torch.int32, uint8: torch.uint8, bool: torch.bool } as Record<string, torch.DType>)[name];
  if (!d) throw new Error(`unknown dtype ${name}`);
  return d;
}

/** Normalises an op's result to a list of outputs (tensors, booleans). */
export function outputsOf(result: unknown): unknown[] {
  if (result instanceof ValuesIndices) return [result.values, result.indices];
  if (Array.isArray(result)) return result;
  return [result];
}

/** Two float arrays agree within rtol/atol, NaN matching NaN and infinities matching exactly. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`${label}: element ${i} is ${a}, PyTorch has NaN`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) throw new Error(`${label}: element ${i} is ${a}, PyTorch has ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${label}: element ${i} is ${a}, PyTorch has ${e} (diff ${Math.abs(a - e)})`);
    }
  }
}

/** Compares a tsorch output with PyTorch's encoded one: dtype and shape exactly, values by dtype. */
export function expectMatches(actual: unknown, expected: EncodedTensor, label: string, exact = false, rtol = 1e-5, atol = 1e-6): void {
  if (expected.bool !== undefined) {
    expect(actual, label).toBe(expected.bool);
    return;
  }
  if (!(actual instanceof Tensor)) throw new Error(`${label}: expected a tensor, got ${String(actual)}`);
  expect(actual.dtype.name, `${label}: dtype`).toBe(expected.dtype);
  expect([...actual.shape], `${label}: shape`).toEqual(expected.shape);
  if (expected.strides) expect(actual.stride(), `${label}: strides`).toEqual(expected.strides);
  else expect(actual.is_contiguous(), `${label}: contiguous`).toBe(true);
  const values = Array.from(actual.toFlatArray());
  const want = decodeValues(expected);
  if (exact || expected.dtype !== "float32" && expected.dtype !== "float64") {
    expect(values.length, `${label}: length`).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(values[i], want[i]) && !(values[i] === want[i])) {
        throw new Error(`${label}: element ${i} is ${values[i]}, PyTorch has ${want[i]} (exact)`);
      }
    }
    return;
  }
  expectClose(values, want, rtol, atol, label);
}
