/**
 * F.interpolate against PyTorch 1.13.1 (test/fixtures/interpolate.json, from gen_interpolate.py):
 * nearest, nearest-exact, bilinear, bicubic (with and without align_corners), antialias, area, 3-D and
 * 4-D inputs, sizes and scale factors up and down, recompute_scale_factor, float32 and float64:
 * output values, input gradients and grad_fn names; then PyTorch's errors for bad arguments.
 */
import { describe, expect, it } from "vitest";
import { F, torch, type Tensor } from "../src/index.js";
import { TsorchError } from "../src/errors.js";
import { f32, loadFixture, type Encoded } from "./backend-helpers.js";

interface Case {
  dtype: "float32" | "float64";
  args: Record<string, unknown>;
  x: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  grad_fn: string;
}

interface ErrorCase {
  shape: number[];
  dtype: string;
  args: Record<string, unknown>;
  type: string;
  message: string;
}

interface AxisCase {
  L: number;
  C: number;
  args: Record<string, unknown>;
  y: number[];
  gx: number[];
}

interface Fixture {
  axes: AxisCase[];
  cases: Case[];
  errors: ErrorCase[];
  uint8: { x: number[]; shape: number[]; size: number[]; y: number[]; out_shape: number[] };
}

const fixture = loadFixture<Fixture>("interpolate.json");

function tensorOf(e: Encoded, dtype: "float32" | "float64", requiresGrad = false): Tensor {
  return torch.tensor(Array.from(f32(e)), { dtype }).reshape(e.shape).requires_grad_(requiresGrad);
}

/** Largest |got - expected| over max(max|expected|, 1e-6): the error relative to the array's magnitude. */
function relativeError(got: Tensor, expected: Float32Array): number {
  const g = got.contiguous().float()._contiguousData();
  let worst = 0;
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(g[i]! - expected[i]!));
  return worst / scale;
}

/** The fixture spells NaN and infinity as strings (JSON has no token for them). */
function jsArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = v === "nan" ? NaN : v === "inf" ? Infinity : v;
  return out;
}

describe("F.interpolate matches PyTorch 1.13.1", () => {
  it(`has at least 60 recorded configurations (${fixture.cases.length})`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(60);
  });

  it("output values, input gradients and grad_fn on every configuration", () => {
    let worstY = 0;
    let worstGx = 0;
    const failures: string[] = [];
    for (const [i, c] of fixture.cases.entries()) {
      const x = tensorOf(c.x, c.dtype, true);
      const y = F.interpolate(x, jsArgs(c.args));
      const label = `case ${i} ${JSON.stringify(c.args)} on ${JSON.stringify(c.x.shape)} (${c.dtype})`;
      if (JSON.stringify(y.shape) !== JSON.stringify(c.y.shape)) {
        failures.push(`${label}: shape ${JSON.stringify(y.shape)} != ${JSON.stringify(c.y.shape)}`);
        continue;
      }
      expect(y.dtype.name, label).toBe(c.dtype);
      expect(y.grad_fn?.name, label).toBe(c.grad_fn);
      const ey = relativeError(y, f32(c.y));
      y.backward(tensorOf(c.gy, c.dtype));
      const eg = relativeError(x.grad!, f32(c.gx));
      if (ey > 1e-5 || eg > 1e-5) failures.push(`${label}: output error ${ey}, gradient error ${eg}`);
      worstY = Math.max(worstY, ey);
      worstGx = Math.max(worstGx, eg);
    }
    console.log(`interpolate fixtures (${fixture.cases.length} cases), max |err|/max|expected|:`, { output: worstY, gradInput: worstGx });
    expect(failures).toEqual([]);
  });

  it(`the index and weight rules along an axis, over ${fixture.axes.length} sizes and scale factors`, () => {
    const failures: string[] = [];
    for (const a of fixture.axes) {
      // arange along W (exact in float32): the output shows which positions were read, with what weights.
      const x = torch.arange(a.L).float().repeat(a.C, 1).reshape([1, a.C, 1, a.L]).requires_grad_(true);
      const y = F.interpolate(x, a.args);
      y.backward(torch.ones_like(y));
      const row = (y.select(1, 0).flatten().tolist() as number[]);
      const grad = (x.grad!.select(1, 0).flatten().tolist() as number[]);
      const bad = (got: number[], want: number[]) =>
        got.length !== want.length || got.some((v, i) => Math.abs(v - want[i]!) > 1e-5 * Math.max(1, Math.abs(want[i]!)));
      if (bad(row, a.y)) failures.push(`L=${a.L} C=${a.C} ${JSON.stringify(a.args)}: output ${JSON.stringify(row)} != ${JSON.stringify(a.y)}`);
      if (bad(grad, a.gx)) failures.push(`L=${a.L} C=${a.C} ${JSON.stringify(a.args)}: gradient ${JSON.stringify(grad)} != ${JSON.stringify(a.gx)}`);
    }
    expect(failures).toEqual([]);
  });

  it("uint8 nearest (PyTorch supports it) gathers the same pixels", () => {
    const u = fixture.uint8;
    const x = torch.tensor(u.x, { dtype: torch.uint8 }).reshape(u.shape);
    const y = F.interpolate(x, u.size);
    expect(y.dtype).toBe(torch.uint8);
    expect(y.shape).toEqual(u.out_shape);
    expect(Array.from(y._contiguousData())).toEqual(u.y);
  });

  it("raises PyTorch's error type and message for bad arguments and inputs", () => {
    const failures: string[] = [];
    for (const e of fixture.errors) {
      const dtype = e.dtype as "float32" | "int64" | "uint8" | "bool" | "int32";
      const x = torch.zeros(e.shape, { dtype });
      let thrown: unknown = null;
      try {
        F.interpolate(x, jsArgs(e.args) as never);
      } catch (err) {
        thrown = err;
      }
      const label = `${JSON.stringify(e.shape)} ${e.dtype} ${JSON.stringify(e.args)}`;
      if (!(thrown instanceof TsorchError)) {
        failures.push(`${label}: expected ${e.type}, got ${thrown === null ? "no error" : String(thrown)}`);
        continue;
      }
      if (thrown.name !== e.type || thrown.message !== e.message) {
        failures.push(`${label}:\n  got      ${thrown.name}: ${thrown.message}\n  expected ${e.type}: ${e.message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
