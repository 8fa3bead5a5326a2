/**
 * The wasm backend's own kernels beyond GEMM and conv (backend-simd.test.ts): the SIMD element-wise
 * rows give PyTorch's values to the bit, special values included, on both backends alike, and fall
 * back to the TypeScript rows for short, strided or non-float32 operands.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getBackend, setBackend } from "../src/backend/registry.js";
import { elementwiseModuleBytes } from "../src/backend/wasm/elementwise.js";
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
