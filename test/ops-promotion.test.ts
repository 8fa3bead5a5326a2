/**
 * Type promotion against PyTorch 1.13.1: for every pair of dtypes, as
 * tensors with dimensions, zero-dimensional tensors and Python scalars,
 * torch.result_type and the dtypes add, mul, div, eq, maximum and where
 * produce (fixture `promotion` section of ops.json).
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { dtypeOf, fixture } from "./ops-fixture-support.js";

interface Operand {
  kind: "tensor" | "zerodim" | "scalar";
  dtype?: string;
  value?: number | boolean;
}

interface PromotionCase {
  a: Operand;
  b: Operand;
  result_type: string;
  [op: string]: unknown;
}

const cases = (fixture as unknown as { promotion: PromotionCase[] }).promotion;

function make(o: Operand): Tensor | number | boolean {
  if (o.kind === "scalar") return o.value!;
  const dtype = dtypeOf(o.dtype!);
  return o.kind === "tensor" ? torch.ones(2, { dtype }) : torch.ones([], { dtype });
}

function label(o: Operand): string {
  return o.kind === "scalar" ? `scalar ${String(o.value)}` : `${o.kind} ${o.dtype}`;
}

const OPS: Record<string, (a: Tensor | number | boolean, b: Tensor | number | boolean) => Tensor> = {
  add: (a, b) => torch.add(a, b),
  mul: (a, b) => torch.mul(a, b),
  div: (a, b) => torch.div(a, b),
  eq: (a, b) => torch.eq(a, b),
  maximum: (a, b) => torch.maximum(a as Tensor, b as Tensor),
  where: (a, b) => torch.where(torch.tensor([true, false]), a, b),
};

describe("type promotion matches PyTorch", () => {
  it("covers every dtype pair", () => {
    expect(cases.length).toBe(144);
  });

  for (const c of cases) {
    // The fixture's scalars are True, 2 and 2.5: JSON keeps them apart (2.0 would read back as an integer).
    it(`${label(c.a)} with ${label(c.b)}`, () => {
      const a = make(c.a);
      const b = make(c.b);
      expect(torch.result_type(a, b).name).toBe(c.result_type);
      for (const [name, fn] of Object.entries(OPS)) {
        const want = c[name];
        if (want === undefined) continue;
        if (typeof want === "object" && want !== null) {
          expect(() => fn(a, b), name).toThrow((want as { error: string }).error);
        } else {
          expect(fn(a, b).dtype.name, name).toBe(want);
        }
      }
    });
  }
});
