/**
 * Losses refuse bad input the way PyTorch 1.13.1 does: same exception type
 * (the error's `name`), same message (test/fixtures/autograd.json, "errors"),
 * as typed tsorch errors carrying the numbers; and they warn where PyTorch
 * warns (target size mismatch, deprecated size_average/reduce).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ArgumentError, DTypeError, F, IndexError, ShapeError, TsorchError, nn, torch } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import type { Tensor } from "../src/tensor/tensor.js";

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd.json", import.meta.url)), "utf8")) as {
  errors: Record<string, { type: string; message: string }>;
  warnings: Record<string, { category: string; message: string }[]>;
};

const x = (...shape: number[]) => torch.randn(...shape);
const rand = (...shape: number[]) => torch.rand(...shape);
const long = (values: number[]) => torch.tensor(values).long();
const zerosLong = (...shape: number[]) => torch.zeros(...shape).long();

/** The same mistakes as ERRORS in gen_autograd.py, with the tsorch class each must raise. */
const CASES: Record<string, [() => unknown, new (...a: never[]) => TsorchError]> = {
  ce_target_out_of_bounds: [() => F.cross_entropy(x(3, 5), long([1, 2, 10])), IndexError],
  ce_target_negative: [() => F.cross_entropy(x(3, 5), long([1, 2, -1])), IndexError],
  ce_batch_mismatch: [() => F.cross_entropy(x(3, 5), long([1, 2])), ShapeError],
  ce_float_target: [() => F.cross_entropy(x(3, 5), torch.tensor([1, 2, 3]).float()), DTypeError],
  ce_prob_long_target: [() => F.cross_entropy(x(3, 5), zerosLong(3, 5)), DTypeError],
  ce_weight_classes: [() => F.cross_entropy(x(3, 5), long([1, 2, 3]), { weight: torch.ones(4) }), ShapeError],
  ce_prob_weight_classes: [() => F.cross_entropy(x(3, 5), rand(3, 5), { weight: torch.ones(4) }), ShapeError],
  ce_prob_ignore_index: [() => F.cross_entropy(x(3, 5), rand(3, 5), { ignore_index: 1 }), ArgumentError],
  ce_label_smoothing_range: [() => F.cross_entropy(x(3, 5), long([1, 2, 3]), { label_smoothing: 1.5 }), ArgumentError],
  ce_bad_reduction: [() => F.cross_entropy(x(3, 5), long([1, 2, 3]), { reduction: "avg" }), ArgumentError],
  ce_int_target: [() => F.nll_loss(x(3, 5), torch.tensor([1, 2, 3]).int()), DTypeError],
  ce_long_input: [() => F.cross_entropy(x(3, 5).long(), long([1, 2, 3])), DTypeError],
  nll_spatial_target_dims: [() => F.nll_loss(x(3, 5, 2, 2), zerosLong(3, 2)), ShapeError],
  nll_spatial_size: [() => F.nll_loss(x(3, 5, 2, 2), zerosLong(3, 2, 3)), ShapeError],
  nll_spatial_weight: [() => F.nll_loss(x(3, 5, 2, 2), zerosLong(3, 2, 2), { weight: torch.ones(4) }), ShapeError],
  nll_1d_size: [() => F.nll_loss(x(5), long([1])), ShapeError],
  nll_1d_out_of_bounds: [() => F.nll_loss(x(5), torch.tensor(7).long()), IndexError],
  nll_nd_target_size: [() => F.nll_loss(x(2, 3, 4, 5, 6), zerosLong(2, 4, 5, 5)), ShapeError],
  nll_0d_input: [() => F.nll_loss(torch.tensor(1.0), torch.tensor(0).long()), ArgumentError],
  nll_multi_target: [() => F.nll_loss(x(3, 5), zerosLong(3, 1)), ShapeError],
  nll_weight_shape: [() => F.nll_loss(x(3, 5), zerosLong(3), { weight: torch.ones(5, 1) }), ShapeError],
  nll_weight_dtype: [() => F.nll_loss(x(3, 5), long([1, 2, 3]), { weight: rand(5).double() }), DTypeError],
  nll_weight_requires_grad: [() => F.nll_loss(x(3, 5), long([1, 2, 3]), { weight: rand(5).requires_grad_() }), TsorchError],
  mse_broadcast: [() => F.mse_loss(x(3, 4), x(3, 5)), ShapeError],
  mse_long: [() => F.mse_loss(x(3, 4).long(), x(3, 4).long()), DTypeError],
  mse_number_target: [() => F.mse_loss(x(3), 1.5 as unknown as Tensor), TsorchError],
  bce_size: [() => F.binary_cross_entropy(rand(3), rand(4)), ArgumentError],
  bce_range: [() => F.binary_cross_entropy(rand(3).add(2), rand(3)), TsorchError],
  bce_target_dtype: [() => F.binary_cross_entropy(rand(3), rand(3).double()), DTypeError],
  bce_weight_broadcast: [() => F.binary_cross_entropy(rand(3), rand(3), { weight: rand(4) }), ShapeError],
  bce_weight_requires_grad: [() => F.binary_cross_entropy(rand(3), rand(3), { weight: rand(3).requires_grad_() }), TsorchError],
  bce_logits_size: [() => F.binary_cross_entropy_with_logits(rand(3), rand(4)), ArgumentError],
  bce_logits_pos_weight: [() => F.binary_cross_entropy_with_logits(rand(3, 2), rand(3, 2), { pos_weight: torch.ones(3) }), ShapeError],
  bce_logits_weight_grows: [() => F.binary_cross_entropy_with_logits(rand(3, 2), rand(3, 2), { weight: torch.ones(4, 3, 2) }), ShapeError],
  smooth_l1_beta: [() => F.smooth_l1_loss(rand(3), rand(3), { beta: -1.0 }), ArgumentError],
  huber_delta: [() => F.huber_loss(rand(3), rand(3), { delta: 0.0 }), ArgumentError],
};

describe("loss errors: PyTorch's exception and text, as typed errors", () => {
  for (const [id, [fn, cls]] of Object.entries(CASES)) {
    test(id, () => {
      const expected = fixture.errors[id]!;
      let err: unknown;
      catch_warnings(() => {
        try {
          fn();
        } catch (e) {
          err = e;
        }
      });
      expect(err, "raised").toBeInstanceOf(cls);
      expect((err as Error).name).toBe(expected.type);
      expect((err as Error).message).toBe(expected.message);
    });
  }

  test("the errors carry the numbers: out-of-bounds target, batch sizes", () => {
    let e: unknown;
    try {
      F.cross_entropy(x(3, 5), long([1, 2, 10]));
    } catch (err) {
      e = err;
    }
    expect((e as IndexError).index).toBe(10);
    expect((e as IndexError).bound).toEqual([0, 4]);
    try {
      F.cross_entropy(x(3, 5), long([1, 2]));
    } catch (err) {
      e = err;
    }
    expect((e as ShapeError).expected).toEqual({ batch_size: 3 });
    expect((e as ShapeError).got).toEqual({ batch_size: 2 });
  });

  test("an unknown keyword is Python's TypeError", () => {
    expect(() => F.mse_loss(x(3), x(3), { reductoin: "sum" } as never)).toThrow("mse_loss() got an unexpected keyword argument 'reductoin'");
    expect(() => new nn.MSELoss({ foo: 1 } as never)).toThrow("MSELoss.__init__() got an unexpected keyword argument 'foo'");
  });

  test("module forward validates the reduction as F does", () => {
    const crit = new nn.MSELoss({ reduction: "avg" as never });
    expect(String(crit)).toBe("MSELoss()");
    expect(() => crit(x(2), x(2))).toThrow("avg is not a valid value for reduction");
  });
});

/** The same calls as WARNINGS in gen_autograd.py (those about losses). */
const WARNS: Record<string, () => unknown> = {
  mse_target_size: () => F.mse_loss(x(1, 10), x(10)),
  l1_target_size: () => F.l1_loss(x(2, 3), x(3)),
  smooth_l1_target_size: () => F.smooth_l1_loss(x(2, 3), x(1, 3)),
  huber_target_size: () => F.huber_loss(x(2, 3), x(3)),
  legacy_size_average: () => F.mse_loss(x(3), x(3), { size_average: false }),
  legacy_reduce: () => new nn.CrossEntropyLoss({ reduce: false }),
  legacy_both: () => new nn.NLLLoss({ size_average: false, reduce: true }),
};

describe("loss warnings: PyTorch's UserWarnings", () => {
  for (const [id, fn] of Object.entries(WARNS)) {
    test(id, () => {
      expect(catch_warnings(fn)).toEqual(fixture.warnings[id]);
    });
  }

  test("a mismatched target is broadcast after the warning, as in PyTorch", () => {
    const input = torch.tensor([[1, 2], [3, 4]]).float();
    const target = torch.tensor([1, 1]).float();
    let loss!: Tensor;
    const w = catch_warnings(() => {
      loss = F.mse_loss(input, target);
    });
    expect(w).toHaveLength(1);
    expect(loss.item()).toBeCloseTo((0 + 1 + 4 + 9) / 4, 6);
  });

  test("the legacy flags choose the reduction", () => {
    catch_warnings(() => {
      expect(new nn.MSELoss({ size_average: false }).reduction).toBe("sum");
      expect(new nn.MSELoss({ reduce: false }).reduction).toBe("none");
      expect(new nn.MSELoss(null, null, "sum").reduction).toBe("sum");
      expect([...F.mse_loss(x(2, 3), x(2, 3), { reduce: false }).shape]).toEqual([2, 3]);
    });
  });
});
