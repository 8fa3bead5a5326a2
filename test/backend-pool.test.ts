/**
 * Pooling kernels against PyTorch 1.13.1 (test/fixtures/conv_pool.json): max (with indices, ties, NaN,
 * -inf), avg (padding, ceil_mode, count_include_pad, divisor_override), adaptive avg and max with sizes
 * that do not divide; forward and grad_input.
 */
import { describe, expect, it } from "vitest";
import {
  adaptivePool2dGeometry,
  avgPool2dGeometry,
  maxPool2dGeometry,
  pool2dOutputShape,
  type Pair,
} from "../src/shape/conv-pool.js";
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
} from "../src/backend/cpu/pool2d.js";
import { compare, f32, i32, loadFixture, type Encoded } from "./backend-helpers.js";

interface PoolArgs {
  kernel_size?: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number;
  output_size?: Pair;
}

interface PoolCase {
  op: "max_pool2d" | "avg_pool2d" | "adaptive_avg_pool2d" | "adaptive_max_pool2d";
  args: PoolArgs;
  kind: "randn" | "ties" | "nan" | "neginf";
  forward_only?: boolean;
  x: Encoded;
  y: Encoded;
  indices?: Encoded;
  gy?: Encoded;
  gx?: Encoded;
}

const fixture = loadFixture<{ pool: PoolCase[] }>("conv_pool.json");

/** Runs one fixture case through the kernels: output, indices (max) and grad_input (when recorded). */
function runPoolCase(c: PoolCase) {
  const a = c.args;
  const x = f32(c.x);
  const gy = c.gy ? f32(c.gy) : null;
  switch (c.op) {
    case "max_pool2d": {
      const g = maxPool2dGeometry(c.x.shape, {
        kernelSize: a.kernel_size!, stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceil_mode,
      });
      const { output, indices } = maxPool2d(g, x);
      return { shape: pool2dOutputShape(g), output, indices, gx: gy ? maxPool2dBackward(g, gy, indices) : null };
    }
    case "avg_pool2d": {
      const g = avgPool2dGeometry(c.x.shape, {
        kernelSize: a.kernel_size!, stride: a.stride, padding: a.padding, ceilMode: a.ceil_mode,
        countIncludePad: a.count_include_pad, divisorOverride: a.divisor_override,
      });
      const output = avgPool2d(g, x);
      return { shape: pool2dOutputShape(g), output, indices: null, gx: gy ? avgPool2dBackward(g, gy) : null };
    }
    case "adaptive_avg_pool2d": {
      const g = adaptivePool2dGeometry(c.op, c.x.shape, a.output_size!);
      const output = adaptiveAvgPool2d(g, x);
      return { shape: pool2dOutputShape(g), output, indices: null, gx: gy ? adaptiveAvgPool2dBackward(g, gy) : null };
    }
    case "adaptive_max_pool2d": {
      const g = adaptivePool2dGeometry(c.op, c.x.shape, a.output_size!);
      const { output, indices } = adaptiveMaxPool2d(g, x);
      return { shape: pool2dOutputShape(g), output, indices, gx: gy ? adaptiveMaxPool2dBackward(g, gy, indices) : null };
    }
  }
}

describe("pooling kernels match PyTorch", () => {
  it("has enough cases of every kind", () => {
    const count = (op: string) => fixture.pool.filter((c) => c.op === op).length;
    expect(fixture.pool.length).toBeGreaterThanOrEqual(150);
    expect(count("max_pool2d")).toBeGreaterThanOrEqual(50);
    expect(count("avg_pool2d")).toBeGreaterThanOrEqual(40);
    expect(count("adaptive_avg_pool2d")).toBeGreaterThanOrEqual(20);
    expect(count("adaptive_max_pool2d")).toBeGreaterThanOrEqual(20);
    for (const kind of ["ties", "nan", "neginf"]) expect(fixture.pool.some((c) => c.kind === kind)).toBe(true);
    expect(fixture.pool.some((c) => c.args.ceil_mode)).toBe(true);
    expect(fixture.pool.some((c) => c.args.divisor_override !== undefined)).toBe(true);
    expect(fixture.pool.some((c) => c.args.count_include_pad === false)).toBe(true);
  });

  it("output, indices and grad_input match on every case", () => {
    const relToMax = { output: 0, gradInput: 0 };
    let indexChecks = 0;
    fixture.pool.forEach((c, i) => {
      const label = `case ${i}: ${c.op} ${JSON.stringify(c.x.shape)} ${JSON.stringify(c.args)} (${c.kind})`;
      const r = runPoolCase(c);
      expect(r.shape, label).toEqual(c.y.shape);
      const out = compare(r.output, f32(c.y));
      expect(out.mismatches, `${label}: NaN/inf differ`).toBe(0);
      expect(out.worst, `${label}: output at ${out.index}`).toBeLessThanOrEqual(1);
      relToMax.output = Math.max(relToMax.output, out.relToMax);
      if (c.indices) {
        // Indices must be identical: ties keep the first position, NaN the last NaN.
        expect([...r.indices!], `${label}: indices`).toEqual([...i32(c.indices)]);
        indexChecks++;
      }
      if (c.gx && r.gx) {
        const gx = compare(r.gx, f32(c.gx));
        expect(gx.mismatches, `${label}: grad NaN/inf differ`).toBe(0);
        expect(gx.worst, `${label}: grad_input at ${gx.index}`).toBeLessThanOrEqual(1);
        relToMax.gradInput = Math.max(relToMax.gradInput, gx.relToMax);
      }
    });
    expect(indexChecks).toBeGreaterThan(50);
    console.log(`pooling fixtures (${fixture.pool.length} cases), max |err|/max|expected|:`, relToMax);
  });
});

describe("pooling kernel details", () => {
  it("picks the first of equal maxima and the last NaN, as PyTorch does", () => {
    const g = maxPool2dGeometry([1, 1, 2, 2], { kernelSize: 2 });
    expect(maxPool2d(g, new Float32Array([3, 3, 1, 3])).indices[0]).toBe(0);
    const withNaN = maxPool2d(g, new Float32Array([NaN, 5, NaN, 1]));
    expect(withNaN.indices[0]).toBe(2);
    expect(withNaN.output[0]).toBeNaN();
    expect(maxPool2d(g, new Float32Array([-Infinity, -Infinity, -Infinity, -Infinity])).indices[0]).toBe(0);
  });

  it("keeps PyTorch's index for a dilated window that starts past the input, and refuses it in backward", () => {
    // PyTorch reports -inf at index 2 of a 1-wide plane here; its backward then writes out of bounds.
    const g = maxPool2dGeometry([1, 1, 1, 1], { kernelSize: [1, 2], padding: [0, 1], dilation: [1, 3], ceilMode: true });
    const { output, indices } = maxPool2d(g, new Float32Array([4]));
    expect(output[0]).toBe(-Infinity);
    expect(indices[0]).toBe(2);
    expect(() => maxPool2dBackward(g, new Float32Array([1]), indices)).toThrow(/index 2 is out of bounds/);
  });

  it("divides by the padded window with count_include_pad and by the clipped window without", () => {
    // 1x1 input, kernel 2, padding 1, stride 1: a 2x2 output, each window holds the one input value.
    const g = avgPool2dGeometry([1, 1, 1, 1], { kernelSize: 2, stride: 1, padding: 1 });
    expect([...avgPool2d(g, new Float32Array([8]))]).toEqual([2, 2, 2, 2]);
    const noPad = avgPool2dGeometry([1, 1, 1, 1], { kernelSize: 2, stride: 1, padding: 1, countIncludePad: false });
    expect([...avgPool2d(noPad, new Float32Array([8]))]).toEqual([8, 8, 8, 8]);
  });

  it("rejects short arrays with a typed error", () => {
    const g = maxPool2dGeometry([1, 2, 4, 4], { kernelSize: 2 });
    expect(() => maxPool2d(g, new Float32Array(31))).toThrow(/max_pool2d: input has 31 elements but the geometry needs 32/);
    expect(() => maxPool2dBackward(g, new Float32Array(8), new Int32Array(7))).toThrow(/indices/);
  });
});
