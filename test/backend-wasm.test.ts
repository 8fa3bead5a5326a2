/**
 * The wasm backend's own kernels beyond GEMM and conv (backend-simd.test.ts): the SIMD element-wise
 * rows (relu, hardtanh), batch-norm's scale and shift and the 2x2 max pooling give the TypeScript kernels' values (PyTorch's, by their fixtures) to
 * the bit, special values, ties and indices included, and fall back to TypeScript for short, strided,
 * non-float32 or cut-off operands.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getBackend, setBackend } from "../src/backend/registry.js";
import { maxPool2d } from "../src/backend/cpu/pool2d.js";
import { maxPool2dGeometry } from "../src/shape/conv-pool.js";
import { elementwiseModuleBytes } from "../src/backend/wasm/elementwise.js";
import { poolModuleBytes, simdMaxPool2d } from "../src/backend/wasm/pool2d.js";
import { F, torch } from "../src/index.js";

const initial = getBackend();
afterEach(() => setBackend(initial));

const WA = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

/** 4099 values: the specials, then a seeded mix of signs (odd length: a tail shorter than a vector). */
function values(): Float32Array {
  const specials = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38];
  const out = new Float32Array(4099);
  let s = 7;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = i < specials.length * 3 ? specials[i % specials.length]! : s / 2147483648 - 1;
  }
  return out;
}

/** The bits of a float32 array (so -0 and NaN payloads compare exactly). */
function bits(t: torch.Tensor): number[] {
  const a = Float32Array.from(t.flatten().tolist() as number[]);
  return Array.from(new Int32Array(a.buffer));
}

function onBoth<T>(fn: () => T): { ts: T; wasm: T } {
  setBackend("ts");
  const ts = fn();
  setBackend("wasm");
  const wasm = fn();
  return { ts, wasm };
}

describe("wasm element-wise kernels", () => {
  it("the module validates", () => {
    expect(WA.validate(elementwiseModuleBytes())).toBe(true);
  });

  it("relu matches the TypeScript kernel bit for bit: -0 and NaN kept, -inf to 0", () => {
    const x = torch.tensor(Array.from(values()));
    const { ts, wasm } = onBoth(() => bits(F.relu(x)));
    expect(wasm).toEqual(ts);
    const r = onBoth(() => F.relu(x).tolist() as number[]).wasm;
    expect(Object.is(r[1], -0)).toBe(true);
    expect(r[4]).toBeNaN();
    expect(r[6]).toBe(0);
    expect(r[3]).toBe(0);
  });

  it("relu's gradient matches bit for bit, NaN and infinite gradients included", () => {
    const v = Array.from(values());
    const g = torch.tensor(v.slice().reverse());
    const run = () => {
      const x = torch.tensor(v, { requires_grad: true });
      F.relu(x).backward(g);
      return bits(x.grad!);
    };
    const { ts, wasm } = onBoth(run);
    expect(wasm).toEqual(ts);
  });

  it("hardtanh and relu6 match the TypeScript kernel bit for bit: NaN and -0 kept, infinities clamped", () => {
    const x = torch.tensor(Array.from(values()).map((v) => v * 8));
    const { ts, wasm } = onBoth(() => [bits(F.relu6(x)), bits(F.hardtanh(x, -0.5, 0.25)), bits(F.hardtanh(x, 0, 0))]);
    expect(wasm).toEqual(ts);
    const r = onBoth(() => F.relu6(x).tolist() as number[]).wasm;
    expect(Object.is(r[1], -0)).toBe(true);
    expect(r[4]).toBeNaN();
    expect([r[5], r[6]]).toEqual([6, 0]);
  });

  it("batch-norm's per-channel scale and shift match bit for bit (planes of every length mod 4, eval and training)", () => {
    for (const [n, c, h, w] of [[2, 3, 5, 7], [1, 5, 2, 2], [3, 2, 1, 3], [1, 4, 9, 9]] as const) {
      const x = torch.tensor(Array.from(values()).slice(0, n * c * h * w)).reshape(n, c, h, w);
      const rm = torch.linspace(-1, 1, c), rv = torch.linspace(0.5, 2, c);
      const wt = torch.linspace(-2, 3, c), b = torch.linspace(1, -1, c);
      const { ts, wasm } = onBoth(() => [
        bits(F.batch_norm(x, rm, rv, wt, b, false)),
        bits(F.batch_norm(x.abs().clamp(0, 10), null, null, wt, b, true)),
        bits(F.batch_norm(x, rm, rv, null, null, false)),
      ]);
      expect(wasm).toEqual(ts);
    }
  });

  it("strided, short and float64 operands take the TypeScript rows and agree", () => {
    const x = torch.randn(64, 70);
    const { ts, wasm } = onBoth(() => [bits(F.relu(x.t())), bits(F.relu(x.narrow(1, 0, 5))), F.relu(x.double()).sum().item()]);
    expect(wasm).toEqual(ts);
  });

  it("a LeNet training step gives the same loss on both backends (float32 rounding apart)", async () => {
    const { LeNet } = await import("../bench/lenet.js");
    const { optim } = await import("../src/index.js");
    const run = () => {
      torch.manual_seed(0);
      const net = new LeNet();
      const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = torch.randn(16, 1, 32, 32);
      const y = torch.randint(0, 10, [16]);
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        opt.zero_grad();
        const loss = F.cross_entropy(net(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      return losses;
    };
    const { ts, wasm } = onBoth(run);
    for (let i = 0; i < ts.length; i++) expect(wasm[i]).toBeCloseTo(ts[i]!, 4);
    expect(wasm[4]).toBeLessThan(wasm[0]!);
  });
});

describe("wasm max pooling", () => {
  it("the module validates", () => {
    expect(WA.validate(poolModuleBytes())).toBe(true);
  });

  it("2x2 stride-2 pooling: values and indices equal the TypeScript kernel's, NaN, ties and -inf included", () => {
    const v = values();
    // Ties: a run of equal values; the first of a window wins unless a later one is greater or NaN.
    for (let i = 40; i < 80; i++) v[i] = 0.5;
    const shapes: [number, number, number, number][] = [[2, 3, 28, 28], [4, 16, 10, 10], [1, 2, 9, 13], [3, 1, 8, 8], [1, 1, 2, 30]];
    let simdRuns = 0;
    for (const shape of shapes) {
      for (const ceil of [false, true]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = v[(i * 7) % v.length]!;
        const g = maxPool2dGeometry(shape, { kernelSize: 2, ceilMode: ceil });
        const ts = maxPool2d(g, x);
        const wasm = simdMaxPool2d(g, x);
        expect(Array.from(new Int32Array(wasm.output.buffer)), `${shape} ceil=${ceil}`).toEqual(Array.from(new Int32Array(ts.output.buffer)));
        expect(Array.from(wasm.indices)).toEqual(Array.from(ts.indices));
        if (2 * g.outW <= g.inW && 2 * g.outH <= g.inH && g.outW >= 4) simdRuns++;
      }
    }
    expect(simdRuns).toBeGreaterThanOrEqual(5);
  });

  it("F.max_pool2d forward and backward agree on both backends", () => {
    const x0 = torch.randn(8, 6, 28, 28);
    const run = () => {
      const x = x0.clone().requires_grad_(true);
      const y = F.max_pool2d(x, 2);
      y.backward(torch.ones_like(y));
      return [bits(y), bits(x.grad!)];
    };
    const { ts, wasm } = onBoth(run);
    expect(wasm).toEqual(ts);
  });
});
