/**
 * nn.init against PyTorch 1.13.1: the same seed gives the same tensors bit
 * for bit and consumes the same amount of the generator's stream.
 */
import { describe, expect, test } from "vitest";
import * as nn from "../src/nn/index.js";
import { defaultGenerator, manual_seed } from "../src/random/generator.js";
import { uniformFloat01 } from "../src/random/uniform.js";
import { empty, zeros } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { expectExact, expectPyError, fixture } from "./nn-helpers.js";

const I = fixture.init;

const fills: Record<string, (t: Tensor) => Tensor> = {
  uniform_: (t) => nn.init.uniform_(t, -2, 3),
  normal_small: (t) => nn.init.normal_(t, 1.0, 0.5),
  normal_large: (t) => nn.init.normal_(t, -1.0, 2.0),
  constant_: (t) => nn.init.constant_(t, 0.3),
  zeros_: (t) => nn.init.zeros_(t),
  ones_: (t) => nn.init.ones_(t),
  kaiming_uniform_default: (t) => nn.init.kaiming_uniform_(t),
  kaiming_uniform_lenet: (t) => nn.init.kaiming_uniform_(t, { a: Math.sqrt(5) }),
  kaiming_uniform_fan_out_relu: (t) => nn.init.kaiming_uniform_(t, { mode: "fan_out", nonlinearity: "relu" }),
  kaiming_normal_: (t) => nn.init.kaiming_normal_(t),
  kaiming_normal_fan_out: (t) => nn.init.kaiming_normal_(t, 0, "fan_out", "relu"),
  kaiming_normal_small: (t) => nn.init.kaiming_normal_(t, { a: 0.1, nonlinearity: "leaky_relu" }),
  xavier_uniform_: (t) => nn.init.xavier_uniform_(t),
  xavier_uniform_gain: (t) => nn.init.xavier_uniform_(t, nn.init.calculate_gain("relu")),
  xavier_normal_: (t) => nn.init.xavier_normal_(t),
  xavier_normal_small: (t) => nn.init.xavier_normal_(t, 0.5),
};

describe("nn.init fills like PyTorch", () => {
  for (const f of I.fills) {
    test(`${f.name} on [${f.shape}]`, () => {
      manual_seed(f.seed);
      const t = empty(f.shape);
      const out = fills[f.name]!(t);
      expect(out).toBe(t);
      expectExact(t, f.value, f.name);
      // torch.rand(1) right after: the init drew exactly as many numbers as PyTorch's.
      expect(uniformFloat01(defaultGenerator)).toBe(f.next_rand);
    });
  }

  test("init of a non-contiguous tensor writes through its strides", () => {
    const base = zeros(4, 6);
    const view = base.t();
    nn.init.constant_(view, 2);
    expect(Array.from(base.toFlatArray()).every((v) => v === 2)).toBe(true);
    manual_seed(0);
    nn.init.uniform_(view, -1, 1);
    expect(Array.from(base.toFlatArray()).every((v) => v >= -1 && v < 1 && v !== 2)).toBe(true);
  });

  test("eye_ and its 2-D requirement", () => {
    const t = nn.init.eye_(empty(2, 3));
    expect(Array.from(t.toFlatArray())).toEqual([1, 0, 0, 0, 1, 0]);
    expect(() => nn.init.eye_(empty(2, 2, 2))).toThrow("Only tensors with 2 dimensions are supported");
  });

  test("init does not record autograd history on parameters", () => {
    const p = new nn.Parameter(empty(3, 3));
    nn.init.kaiming_uniform_(p);
    expect(p.grad_fn).toBeNull();
    expect(p.requires_grad).toBe(true);
  });
});

describe("gains and fans", () => {
  test("calculate_gain", () => {
    for (const [key, value] of Object.entries(I.gains)) {
      const [nl, param] = key.split(":");
      expect(nn.init.calculate_gain(nl!, param === undefined ? undefined : Number(param)), key).toBe(value);
    }
  });

  test("_calculate_fan_in_and_fan_out", () => {
    for (const [shape, fans] of Object.entries(I.fans)) {
      expect(nn.init._calculate_fan_in_and_fan_out(empty(JSON.parse(shape)))).toEqual(fans);
    }
  });

  test("PyTorch's errors", () => {
    expectPyError(() => nn.init._calculate_fan_in_and_fan_out(empty(3)), I.errors.fan_1d);
    expectPyError(() => nn.init.calculate_gain("swish"), I.errors.gain_bad);
    expectPyError(() => nn.init.kaiming_uniform_(empty(2, 2), { mode: "fan_avg" as never }), I.errors.kaiming_mode);
  });
});
