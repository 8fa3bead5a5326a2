/**
 * conv2d forward and backward kernels against PyTorch 1.13.1 (test/fixtures/conv_pool.json, made by
 * gen_conv_pool.py): outputs, grad_input, grad_weight and grad_bias within rtol 1e-5 and an atol of
 * 1e-6 times the magnitude of the array.
 */
import { describe, expect, it } from "vitest";
import {
  conv2d,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
} from "../src/backend/cpu/conv2d.js";
import { col2im, im2col } from "../src/backend/cpu/im2col.js";
import {
  conv2dGeometry,
  conv2dOutputShape,
  type Conv2dGeometry,
  type Conv2dOptions,
  type Padding4,
} from "../src/shape/conv-pool.js";
import { scratchBytes } from "../src/backend/cpu/scratch.js";
import { compare, f32, loadFixture, randomArray, rng, type Encoded } from "./backend-helpers.js";

interface ConvCase {
  N: number;
  groups: number;
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number] | "same" | Padding4;
  x: Encoded;
  w: Encoded;
  b?: Encoded;
  y: Encoded;
  gy: Encoded;
  gx: Encoded;
  gw: Encoded;
  gb?: Encoded;
}

const fixture = loadFixture<{ torch: string; conv: ConvCase[] }>("conv_pool.json");

function geometryOf(c: ConvCase) {
  const options: Conv2dOptions = { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding };
  return conv2dGeometry(c.x.shape, c.w.shape, options, c.b?.shape);
}

function describeCase(c: ConvCase, i: number): string {
  return `case ${i}: x${JSON.stringify(c.x.shape)} w${JSON.stringify(c.w.shape)} stride ${c.stride} pad ${JSON.stringify(c.padding)} dil ${c.dilation} groups ${c.groups}${c.b ? " bias" : ""}`;
}

describe("conv2d kernels match PyTorch", () => {
  it("has the fixture from PyTorch 1.13 with enough cases", () => {
    expect(fixture.torch).toMatch(/^1\.13/); // Debian's 1.13.1 build reports "1.13.0a0"
    expect(fixture.conv.length).toBeGreaterThanOrEqual(150);
    // The random cases cover what the kernels branch on.
    expect(fixture.conv.some((c) => c.groups > 1)).toBe(true);
    expect(fixture.conv.some((c) => c.padding === "same")).toBe(true);
    expect(fixture.conv.some((c) => typeof c.padding === "object" && !Array.isArray(c.padding))).toBe(true);
    expect(fixture.conv.some((c) => c.dilation[0] > 1 || c.dilation[1] > 1)).toBe(true);
    expect(fixture.conv.some((c) => c.stride[0] > 1 || c.stride[1] > 1)).toBe(true);
    expect(fixture.conv.some((c) => c.w.shape[2] !== c.w.shape[3])).toBe(true);
    expect(fixture.conv.some((c) => c.b === undefined)).toBe(true);
  });

  const worst = { forward: 0, gradInput: 0, gradWeight: 0, gradBias: 0 };
  const relToMax = { forward: 0, gradInput: 0, gradWeight: 0, gradBias: 0 };
  function record(kind: keyof typeof worst, r: ReturnType<typeof compare>, label: string): void {
    worst[kind] = Math.max(worst[kind], r.worst);
    relToMax[kind] = Math.max(relToMax[kind], r.relToMax);
    expect(r.mismatches, `${label} ${kind}: NaN/inf or length mismatch`).toBe(0);
    expect(r.worst, `${label} ${kind}: worst error at ${r.index}`).toBeLessThanOrEqual(1);
  }

  it("forward output sizes equal PyTorch's", () => {
    fixture.conv.forEach((c, i) => {
      expect(conv2dOutputShape(geometryOf(c)), describeCase(c, i)).toEqual(c.y.shape);
    });
  });

  it("forward, grad_input, grad_weight and grad_bias match on every case", () => {
    fixture.conv.forEach((c, i) => {
      const label = describeCase(c, i);
      const g = geometryOf(c);
      const x = f32(c.x);
      const w = f32(c.w);
      const b = c.b ? f32(c.b) : null;
      const gy = f32(c.gy);
      record("forward", compare(conv2d(g, x, w, b), f32(c.y)), label);
      record("gradInput", compare(conv2dBackwardInput(g, gy, w), f32(c.gx)), label);
      record("gradWeight", compare(conv2dBackwardWeight(g, x, gy), f32(c.gw)), label);
      if (c.gb) record("gradBias", compare(conv2dBackwardBias(g, gy), f32(c.gb)), label);
    });
    // Shown in the test log: the largest error seen, relative to each array's magnitude.
    console.log(`conv2d fixtures (${fixture.conv.length} cases), max |err|/max|expected|:`, relToMax);
  });

  it("writes into caller-provided outputs and overwrites stale contents", () => {
    const c = fixture.conv[0]!;
    const g = geometryOf(c);
    const x = f32(c.x);
    const w = f32(c.w);
    const b = f32(c.b!);
    const gy = f32(c.gy);
    const y = new Float32Array(f32(c.y).length).fill(123);
    expect(conv2d(g, x, w, b, y)).toBe(y);
    expect(compare(y, f32(c.y)).worst).toBeLessThanOrEqual(1);
    const gx = new Float32Array(x.length).fill(-7);
    expect(conv2dBackwardInput(g, gy, w, gx)).toBe(gx);
    expect(compare(gx, f32(c.gx)).worst).toBeLessThanOrEqual(1);
    const gw = new Float32Array(w.length).fill(9);
    expect(conv2dBackwardWeight(g, x, gy, gw)).toBe(gw);
    expect(compare(gw, f32(c.gw)).worst).toBeLessThanOrEqual(1);
  });
});

/** Direct float64 convolution and its gradients, straight from the definition. */
function referenceConv(g: Conv2dGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null, gy: Float32Array) {
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const y = new Float64Array(g.batch * g.outChannels * g.outH * g.outW);
  const gx = new Float64Array(x.length);
  const gw = new Float64Array(w.length);
  for (let n = 0; n < g.batch; n++) {
    for (let co = 0; co < g.outChannels; co++) {
      const gr = Math.floor(co / coutG);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          const o = ((n * g.outChannels + co) * g.outH + oh) * g.outW + ow;
          let s = b ? b[co]! : 0;
          for (let ci = 0; ci < cinG; ci++) {
            for (let kh = 0; kh < g.kernelH; kh++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              if (ih < 0 || ih >= g.inH) continue;
              for (let kw = 0; kw < g.kernelW; kw++) {
                const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (iw < 0 || iw >= g.inW) continue;
                const xi = ((n * g.inChannels + gr * cinG + ci) * g.inH + ih) * g.inW + iw;
                const wi = ((co * cinG + ci) * g.kernelH + kh) * g.kernelW + kw;
                s += x[xi]! * w[wi]!;
                gx[xi] += gy[o]! * w[wi]!;
                gw[wi] += gy[o]! * x[xi]!;
              }
            }
          }
          y[o] = s;
        }
      }
    }
  }
  return { y, gx, gw };
}

describe("conv2d kernels against a direct float64 reference", () => {
  it("on wide and deep layers: K blocks over channels, packed and gathered paths, groups, strides", () => {
    const next = rng(11);
    const configs: [number[], number[], Conv2dOptions][] = [
      [[1, 70, 5, 5], [600, 70, 1, 1], {}], // grad_input's K (= C_out) over two blocks; packed path
      [[2, 12, 9, 8], [96, 6, 3, 3], { groups: 2, stride: [2, 1], padding: { top: 1, bottom: 0, left: 2, right: 1 } }],
      [[1, 64, 6, 6], [64, 64, 3, 3], { padding: 1 }], // E = 576: two K blocks, packed
      [[3, 5, 11, 13], [7, 5, 4, 2], { dilation: [2, 3], padding: "same" }],
      [[1, 3, 40, 30], [50, 3, 5, 5], { stride: 2, padding: 2 }], // strided and padded; E = 75 and 50 channels: packed
      [[1, 4, 36, 36], [2, 4, 1, 1], {}], // P = 1296 > 1024: two N blocks in grad_input
    ];
    for (const [xs, ws, opt] of configs) {
      const g = conv2dGeometry(xs, ws, opt, [ws[0]!]);
      const x = randomArray(next, xs.reduce((a, v) => a * v, 1));
      const w = randomArray(next, ws.reduce((a, v) => a * v, 1));
      const b = randomArray(next, ws[0]!);
      const gy = randomArray(next, g.batch * g.outChannels * g.outH * g.outW);
      const ref = referenceConv(g, x, w, b, gy);
      const label = `${JSON.stringify(xs)} ${JSON.stringify(ws)} ${JSON.stringify(opt)}`;
      expect(compare(conv2d(g, x, w, b), ref.y).worst, `${label} forward`).toBeLessThanOrEqual(1);
      expect(compare(conv2dBackwardInput(g, gy, w), ref.gx).worst, `${label} grad_input`).toBeLessThanOrEqual(1);
      expect(compare(conv2dBackwardWeight(g, x, gy), ref.gw).worst, `${label} grad_weight`).toBeLessThanOrEqual(1);
    }
  });
});

describe("conv2d kernel edge cases", () => {
  it("handles an empty batch and zero output channels per group without reading the arrays", () => {
    const g = conv2dGeometry([0, 3, 5, 5], [4, 3, 3, 3]);
    expect(conv2d(g, new Float32Array(0), new Float32Array(4 * 27), null).length).toBe(0);
    expect(conv2dBackwardWeight(g, new Float32Array(0), new Float32Array(0))).toEqual(new Float32Array(4 * 27));
  });

  it("rejects arrays shorter than the geometry says", () => {
    const g = conv2dGeometry([1, 1, 4, 4], [2, 1, 3, 3]);
    expect(() => conv2d(g, new Float32Array(15), new Float32Array(18), null)).toThrow(/input has 15 elements but the geometry needs 16/);
    expect(() => conv2d(g, new Float32Array(16), new Float32Array(18), new Float32Array(1))).toThrow(/bias/);
    expect(() => conv2dBackwardInput(g, new Float32Array(7), new Float32Array(18))).toThrow(/grad_output/);
  });

  it("computes 'same' with an even kernel as PyTorch does: the extra row and column at the bottom/right", () => {
    // x = 1..9 in a 3x3 plane, 2x2 kernel of ones: output(i, j) sums x[i..i+1, j..j+1] with zero past the edge.
    const g = conv2dGeometry([1, 1, 3, 3], [1, 1, 2, 2], { padding: "same" });
    expect([g.padTop, g.padBottom, g.padLeft, g.padRight]).toEqual([0, 1, 0, 1]);
    const y = conv2d(g, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Float32Array([1, 1, 1, 1]), null);
    expect([...y]).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
  });

  it("im2col and col2im are adjoint: <col2im(c), x> = <c, im2col(x)>", () => {
    const next = rng(7);
    for (let t = 0; t < 40; t++) {
      const H = 1 + Math.floor(next() * 9);
      const W = 1 + Math.floor(next() * 9);
      const kH = 1 + Math.floor(next() * 3);
      const kW = 1 + Math.floor(next() * 3);
      const options: Conv2dOptions = {
        stride: [1 + Math.floor(next() * 3), 1 + Math.floor(next() * 3)],
        padding: { top: Math.floor(next() * 3), bottom: Math.floor(next() * 3), left: Math.floor(next() * 3), right: Math.floor(next() * 3) },
        dilation: [1 + Math.floor(next() * 2), 1 + Math.floor(next() * 2)],
      };
      let g;
      try {
        g = conv2dGeometry([1, 2, H, W], [1, 2, kH, kW], options);
      } catch {
        continue;
      }
      const rows = 2 * kH * kW;
      const cols = g.outH * g.outW;
      const x = randomArray(next, 2 * H * W);
      const c = randomArray(next, rows * cols);
      const colOfX = new Float32Array(rows * cols);
      im2col(x, 0, g, 0, 2, colOfX, 0);
      const xOfC = new Float32Array(2 * H * W);
      col2im(c, 0, g, 0, 2, xOfC, 0);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < x.length; i++) lhs += xOfC[i]! * x[i]!;
      for (let i = 0; i < c.length; i++) rhs += c[i]! * colOfX[i]!;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(rhs)));
    }
  });

  it("does not grow memory over repeated calls (scratch buffers are reused)", () => {
    const c = fixture.conv[1]!;
    const g = geometryOf(c);
    const x = f32(c.x);
    const w = f32(c.w);
    const b = f32(c.b!);
    const gy = f32(c.gy);
    const y = new Float32Array(f32(c.y).length);
    const gx = new Float32Array(x.length);
    const gw = new Float32Array(w.length);
    const run = () => {
      conv2d(g, x, w, b, y);
      conv2dBackwardInput(g, gy, w, gx);
      conv2dBackwardWeight(g, x, gy, gw);
    };
    run();
    const before = scratchBytes();
    for (let i = 0; i < 50; i++) run();
    expect(scratchBytes()).toBe(before);
  });
});
