/**
 * Resident parameters: on the wasm backend a module's float32 parameters live in the WebAssembly
 * memory (backend/wasm/memory.ts), so the kernels read them in place. The values, the tensors sharing
 * the storage, in-place writes (initialisers, optimizers, `copy_`), checkpoints and both backends'
 * results stay exactly what they were with ordinary arrays.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getBackend, keepResident, setBackend } from "../src/backend/registry.js";
import { makeResident, residentAddress } from "../src/backend/wasm/memory.js";
import { F, nn, optim, torch } from "../src/index.js";

const initial = getBackend();
afterEach(() => setBackend(initial));

/** Residency is the wasm backend's (on a shared memory, which Node 20 gives it): each test here selects it, in both projects. */
const wasm = () => setBackend("wasm");

/** A bit-exact copy of a tensor's values. */
function bits(t: torch.Tensor): number[] {
  return Array.from(new Int32Array(Float32Array.from(t.flatten().tolist() as number[]).buffer));
}

describe("resident arrays (memory.ts)", () => {
  it("move an array's values into the memory, where views of it have addresses", () => {
    wasm();
    const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 7);
    const holder = { data: values };
    expect(makeResident(holder)).toBe(true);
    expect(holder.data).not.toBe(values);
    expect(Array.from(holder.data)).toEqual(Array.from(values));
    const at = residentAddress(holder.data);
    expect(at).toBeGreaterThan(0);
    expect(at % 16).toBe(0);
    expect(residentAddress(holder.data.subarray(10))).toBe(at + 40);
    // Asking again keeps it where it is; ordinary arrays have no address.
    const before = holder.data;
    expect(makeResident(holder)).toBe(true);
    expect(holder.data).toBe(before);
    expect(residentAddress(values)).toBe(-1);
    // Two resident arrays never overlap.
    const other = { data: new Float32Array(1000).fill(3) };
    makeResident(other);
    const a = residentAddress(other.data);
    expect(a >= at + 4000 || a + 4000 <= at).toBe(true);
    expect(Array.from(holder.data)).toEqual(Array.from(values));
  });

  it("leave small, non-float32 and ts-backend storages as they are", () => {
    const small = { data: new Float32Array(10) };
    expect(keepResident(small)).toBe(false);
    const ints = { data: new Int32Array(4096) as unknown as Float32Array };
    expect(keepResident(ints)).toBe(false);
    setBackend("ts");
    const big = new Float32Array(4096);
    const holder = { data: big };
    expect(keepResident(holder)).toBe(false);
    expect(holder.data).toBe(big);
  });
});

describe("resident parameters", () => {
  it("a Linear's weight is resident; the tensor it was made from shares it", () => {
    wasm();
    const w = torch.randn(120, 400);
    const values = bits(w);
    const p = new nn.Parameter(w);
    expect(p.storage.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bits(p)).toEqual(values);
    // Same storage: a write through either is seen by the other, and counted once in the version.
    torch.no_grad(() => w.mul_(2));
    expect(p.storage).toBe(w.storage);
    expect(p.flatten().tolist() as number[]).toEqual(w.flatten().tolist() as number[]);
  });

  it("Linear at batch 1 gives the same bits from a resident weight as from a copied one, after in-place updates too", () => {
    wasm();
    torch.manual_seed(3);
    const fc = new nn.Linear(400, 120);
    const x = torch.randn(1, 400);
    const opt = new optim.SGD(fc.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let step = 0; step < 3; step++) {
      opt.zero_grad();
      fc(x).pow(2).sum().backward();
      opt.step();
      // The same product from plain copies of the parameters (not resident: not Parameters).
      const w = fc.weight.detach().clone();
      const b = fc.bias!.detach().clone();
      expect(bits(torch.no_grad(() => fc(x)))).toEqual(bits(F.linear(x, w, b)));
    }
    torch.no_grad(() => fc.weight.copy_(torch.ones(120, 400)));
    const y = torch.no_grad(() => fc(torch.ones(1, 400))).flatten().tolist() as number[];
    const b = fc.bias!.flatten().tolist() as number[];
    expect(y[0]).toBeCloseTo(400 + b[0]!, 3);
  });

  it("a module's outputs and its state_dict are the same on both backends", () => {
    const run = (backend: "ts" | "wasm") => {
      setBackend(backend);
      torch.manual_seed(0);
      const net = new nn.Sequential(new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84));
      const sd = net.state_dict();
      return { sd: Object.fromEntries([...Object.entries(sd)].map(([k, v]) => [k, bits(v)])), params: net.parameters().map(bits) };
    };
    const ts = run("ts");
    const onWasm = run("wasm");
    expect(onWasm.sd).toEqual(ts.sd);
    expect(onWasm.params).toEqual(ts.params);
  });
});
