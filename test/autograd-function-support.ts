/**
 * What the custom-function and gradcheck suites share: PyTorch's recorded texts
 * (test/fixtures/autograd_function.json, from test/fixtures/gen_autograd_function.py),
 * a matcher for them, and the `Exp` function of PyTorch's documentation.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { TsorchError } from "../src/errors.js";
import { torch } from "../src/index.js";
import type { FunctionCtx } from "../src/autograd/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

export const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd_function.json", import.meta.url)), "utf8")) as {
  errors: Record<string, { type: string; message: string }>;
  values: Record<string, unknown>;
  warnings: Record<string, { category: string; message: string }[]>;
};

export const leaf64 = (...values: number[]) => torch.tensor(values, { dtype: torch.float64 }).requires_grad_();

/** The error `fn` throws (failing the test if it does not). */
export function raised(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

/** Expects `fn` to throw PyTorch's error recorded under `key`. */
export function expectPyError(fn: () => unknown, key: string): Error {
  const e = raised(fn);
  const want = fixture.errors[key]!;
  expect(e).toBeInstanceOf(TsorchError);
  expect(e.name).toBe(want.type);
  expect(e.message).toBe(want.message);
  return e;
}

/** `exp`, saving its output for the backward (PyTorch's documentation example). */
export class Exp extends torch.autograd.Function {
  static forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const y = x.exp();
    ctx.save_for_backward(y);
    return y;
  }
  static backward(ctx: FunctionCtx, gradOut: Tensor): Tensor {
    const [y] = ctx.saved_tensors;
    return gradOut.mul(y!);
  }
}
