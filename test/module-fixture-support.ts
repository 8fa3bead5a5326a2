/**
 * Runs the cases of a module fixture written by test/fixtures/module_cases.py (PyTorch 2.x): for each
 * case, the module built here under the same name after manual_seed(0) must have PyTorch's repr and
 * seeded parameters, outputs, gradients of the sum of the outputs, or error type and first line.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { nn, torch, type Tensor } from "../src/index.js";
import type { Module } from "../src/nn/module.js";
import { type EncodedTensor, decodeInput, expectClose } from "./ops-fixture-support.js";

export interface ModuleCase {
  name: string;
  repr: string;
  params: [string, EncodedTensor][];
  inputs: EncodedTensor[];
  outputs?: EncodedTensor[];
  input_grads?: (EncodedTensor | null)[];
  param_grads?: [string, EncodedTensor | null][];
  error?: { type: string; message: string };
}

export interface ModuleFixture { torch: string; cases: ModuleCase[] }

export function readModuleFixture(name: string): ModuleFixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as ModuleFixture;
}

/** Calls the module on the inputs (the default), or whatever a case needs. */
export type Call = (m: Module, ...inputs: Tensor[]) => unknown;
export const call: Call = (m, ...xs) => (m as unknown as (...a: Tensor[]) => unknown)(...xs);

/** Each case's construction and, when it is not `m(...inputs)`, its call. */
export type Builds = Record<string, [() => Module, Call?]>;

function flat(out: unknown): Tensor[] {
  if (out instanceof torch.Tensor) return [out];
  if (out instanceof nn.utils.rnn.PackedSequence) return [out.data];
  if (Array.isArray(out)) return out.filter((o) => o !== null).flatMap(flat);
  return [];
}

function values(e: EncodedTensor): number[] {
  return (e.data ?? []).map((v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v)));
}

function expectTensor(t: Tensor, e: EncodedTensor, label: string, tol = 1e-5): void {
  expect([...t.shape], `${label}: shape`).toEqual(e.shape);
  expectClose(Array.from(t.contiguous().toFlatArray()), values(e), tol, tol, label);
}

/** One `it` per case, plus one that every case has a construction. */
export function moduleCases(fixture: ModuleFixture, BUILD: Builds): void {
  it("has a construction for every fixture case", () => {
    expect(fixture.cases.map((c) => c.name).filter((n) => !BUILD[n])).toEqual([]);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const [make, run] = BUILD[c.name]!;
      torch.manual_seed(0);
      const m = make();
      m.eval();
      expect(String(m)).toBe(c.repr);
      const state = m.state_dict();
      expect(Object.keys(state)).toEqual(c.params.map(([k]) => k));
      for (const [k, e] of c.params) expectTensor(state[k] as Tensor, e, `init ${k}`, 1e-6);
      const inputs = c.inputs.map((e) => {
        const t = decodeInput(e) as Tensor;
        return t.dtype.is_floating_point ? t.requires_grad_(true) : t;
      });
      if (c.error) {
        let err: unknown;
        try { (run ?? call)(m, ...inputs); } catch (e) { err = e; }
        expect(err, "PyTorch raised").toBeInstanceOf(Error);
        expect((err as { pyType?: string }).pyType).toBe(c.error.type);
        expect((err as Error).message.split("\n")[0]).toBe(c.error.message);
        return;
      }
      const outs = flat((run ?? call)(m, ...inputs));
      expect(outs.length, "outputs").toBe(c.outputs!.length);
      outs.forEach((o, i) => expectTensor(o, c.outputs![i]!, `output ${i}`, 2e-5));
      outs.filter((o) => o.dtype.is_floating_point).map((o) => o.sum()).reduce((a, b) => a.add(b)).backward();
      c.input_grads!.forEach((g, i) => { if (g) expectTensor(inputs[i]!.grad!, g, `input ${i} grad`, 1e-4); });
      const params = new Map(m.named_parameters());
      for (const [k, g] of c.param_grads!) {
        if (g) expectTensor(params.get(k)!.grad!, g, `${k} grad`, 1e-4);
      }
    });
  }
}
