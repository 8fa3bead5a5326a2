/**
 * Complex tensors against PyTorch 2.x (test/fixtures/gen_complex.py):
 * creation and views, arithmetic with PyTorch's promotion, printing character
 * for character, torch.fft with complex tensors in and out (irfft(rfft(x))
 * gives x back), and the refusals of ops that do not take them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import { F } from "../src/index.js";
import { ComplexTensor } from "../src/ops/complex.js";
import { Tensor } from "../src/tensor/tensor.js";
import { type EncodedTensor, decodeInput, decodeValues } from "./ops-fixture-support.js";

interface Encoded extends EncodedTensor { complex?: boolean; list?: Encoded[] }
interface Case { name: string; inputs: Encoded[]; kwargs: Record<string, unknown>; out?: Encoded; repr?: string; error?: { type: string; message: string } }
const fixture = JSON.parse(readFileSync(new URL("./fixtures/complex.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

type Fn = (...a: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
const fft = torch.fft;
const CALLS: Record<string, Fn> = {
  complex: torch.complex, view_as_complex: torch.view_as_complex, view_as_real: torch.view_as_real, polar: torch.polar,
  real: torch.real, imag: torch.imag, abs: torch.abs, angle: torch.angle, conj: torch.conj, neg: torch.neg,
  is_complex: torch.is_complex, isreal: torch.isreal, add: torch.add, sub: torch.sub, mul: torch.mul, div: torch.div,
  add_alpha: (a, b) => torch.add(a, b, { alpha: 2 }),
  relu: torch.relu, floor: torch.floor, clamp: (x) => torch.clamp(x, 0, 1), maximum: torch.maximum,
  repr: (x) => x,
  "fft.fft": (x, kw) => fft.fft(x, kw), "fft.ifft": (x) => fft.ifft(x), "fft.rfft": (x) => fft.rfft(x),
  "fft.irfft": (x) => fft.irfft(x), "fft.fft2": (x) => fft.fft2(x), "fft.ifftn": (x) => fft.ifftn(x),
  "fft.irfftn": (x) => fft.irfftn(x), "fft.hfft": (x) => fft.hfft(x), "fft.ihfft": (x) => fft.ihfft(x),
  "fft.fftshift": (x) => fft.fftshift(x), "fft.fftfreq": (n) => fft.fftfreq(n), "fft.rfftfreq": (n) => fft.rfftfreq(n),
};
/** Cases whose PyTorch call composes transforms (the generator's lambdas), by index among cases of that name. */
const COMPOSED: Record<string, Fn> = {
  "fft.ifft 0": (x) => fft.ifft(fft.fft(x)),
  "fft.irfft 0": (x) => fft.irfft(fft.rfft(x)),
  "fft.irfft 1": (x) => fft.irfft(fft.rfft(x), { n: 7 }),
  "fft.fft 2": (x) => fft.fft(x, { n: 4, norm: "ortho" }),
  "fft.irfft2 0": (x: Tensor) => fft.irfft2(fft.rfft2(x), { s: x.shape }),
  "fft.hfft 1": (x) => fft.hfft(fft.ihfft(x), { n: 6 }),
  "fft.fftfreq 1": (n) => fft.fftfreq(n, { d: 0.1 }),
  "fft.rfftfreq 0": (n) => fft.rfftfreq(n, 0.5, { dtype: torch.float64 }),
};

function decode(e: Encoded): unknown {
  if (e.scalar !== undefined) return e.scalar;
  const t = decodeInput(e) as Tensor;
  return e.complex ? torch.view_as_complex(t) : t;
}

function expectSame(actual: unknown, expected: Encoded, what: string): void {
  if (expected.scalar !== undefined || expected.bool !== undefined) {
    expect(actual, what).toBe(expected.bool ?? expected.scalar);
    return;
  }
  expect(actual instanceof ComplexTensor, `${what} is complex`).toBe(Boolean(expected.complex));
  const t = actual instanceof ComplexTensor ? torch.view_as_real(actual) : (actual as Tensor);
  expect(t.dtype.name, `${what} dtype`).toBe(expected.dtype);
  expect(t.shape, `${what} shape`).toEqual(expected.shape);
  const want = decodeValues(expected);
  Array.from(t.contiguous().toFlatArray() as ArrayLike<number>).forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) expect(v).toBeNaN();
    else expect(Math.abs(v - w), `${what} [${i}]`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(w));
  });
}

describe(`complex tensors against PyTorch ${fixture.torch}`, () => {
  const seen: Record<string, number> = {};
  const cases = fixture.cases.map((c) => {
    const i = seen[c.name] = (seen[c.name] ?? -1) + 1;
    return [`${c.name} ${i}`, c] as const;
  });
  it.each(cases)("%s", (key, c) => {
    const fn = COMPOSED[key] ?? CALLS[c.name]!;
    const args = c.inputs.map(decode);
    const call = () => fn(...args, ...(Object.keys(c.kwargs).length ? [c.kwargs] : []));
    if (c.error) {
      let thrown: Error | null = null;
      try { call(); } catch (e) { thrown = e as Error; }
      expect(thrown, "refused").not.toBeNull();
      expect(thrown!.message.split("\n")[0]).toBe(c.error.message);
      expect(thrown!.name).toBe(c.error.type);
      return;
    }
    const out = call();
    if (c.name !== "repr" || !(out instanceof ComplexTensor)) expectSame(out, c.out!, "result");
    // Printing is compared where the values are PyTorch's exactly (transforms differ in the last bits,
    // which can move a rounding residue of 1e-17 into view).
    if (c.repr && out instanceof ComplexTensor && !c.name.startsWith("fft.")) expect(String(out)).toBe(c.repr);
  });
});

describe("complex tensors: views and refusals", () => {
  it("view_as_real, view_as_complex, .real and .imag share the storage", () => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    const z = torch.view_as_complex(x.float());
    const r = torch.view_as_real(z);
    r.select(1, 1).mul_(-1);
    expect(z.imag.tolist()).toEqual([-2, -4]);
    z.real.add_(10);
    expect(torch.view_as_real(z).tolist()).toEqual([[11, -2], [13, -4]]);
  });
  it("irfft(rfft(x)) gives x back, for odd and even lengths", () => {
    for (const n of [7, 8]) {
      const x = torch.randn(3, n, { dtype: torch.float64 });
      const back = torch.fft.irfft(torch.fft.rfft(x), { n });
      expect(back.sub(x).abs().max().item()).toBeLessThan(1e-12);
    }
  });
  it("an op that does not take complex tensors refuses them with PyTorch's words", () => {
    const z = torch.complex(torch.ones(2), torch.zeros(2));
    expect(() => (torch.exp as (x: unknown) => unknown)(z)).toThrow(/not implemented for 'ComplexFloat'/);
    expect(() => (F.softmax as (x: unknown, d: number) => unknown)(z, 0)).toThrow(/not implemented for 'ComplexFloat'/);
    expect(() => (torch.sum as (x: unknown) => unknown)(z)).toThrow(/not implemented for 'ComplexFloat'/);
  });
});
