/**
 * `torch.autograd.gradcheck` / `gradgradcheck`: they pass on built-in ops and
 * correct custom functions in float64, fail with PyTorch's GradcheckError
 * text on wrong backwards, warn on non-double inputs, and refuse bad inputs
 * as PyTorch does (test/fixtures/autograd_function.json, from
 * test/fixtures/gen_autograd_function.py).
 */
import { describe, expect, test } from "vitest";
import { AutogradError } from "../src/errors.js";
import { F, torch } from "../src/index.js";
import { GradcheckError, type FunctionCtx } from "../src/autograd/index.js";
import { catch_warnings } from "../src/warnings.js";
import { Tensor } from "../src/tensor/tensor.js";
import { Exp, expectPyError, fixture, leaf64, raised } from "./autograd-function-support.js";


const f64 = { dtype: torch.float64 };
const rand64 = (...shape: number[]) => torch.randn(...shape, f64).requires_grad_();




/** exp with a backward off by a factor of 2. */
class WrongExp extends Exp {
  static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
    return g.mul(ctx.saved_tensors[0]!).mul(2);
  }
}

/** x * w + k with a number argument and two outputs. */
class MulAddTwice extends torch.autograd.Function {
  static forward(ctx: FunctionCtx, x: Tensor, w: Tensor, k: number): [Tensor, Tensor] {
    ctx.save_for_backward(x, w);
    return [x.mul(w).add(k), x.mul(w).mul(w)];
  }
  static backward(ctx: FunctionCtx, g1: Tensor, g2: Tensor) {
    const [x, w] = ctx.saved_tensors;
    return [g1.mul(w!).add(g2.mul(w!).mul(w!)), g1.mul(x!).add(g2.mul(x!).mul(w!).mul(2)), null];
  }
}

describe("gradcheck passes", () => {
  test("built-in ops in float64: matmul, broadcasting arithmetic, reductions, activations", () => {
    torch.manual_seed(0);
    expect(torch.autograd.gradcheck((a: Tensor, b: Tensor) => a.matmul(b), [rand64(3, 4), rand64(4, 2)])).toBe(true);
    expect(torch.autograd.gradcheck((a: Tensor, b: Tensor) => a.mul(b).add(b.exp()).div(2), [rand64(2, 3), rand64(3)])).toBe(true);
    expect(torch.autograd.gradcheck((a: Tensor) => a.tanh().sum(1), [rand64(3, 4)])).toBe(true);
    expect(torch.autograd.gradcheck((a: Tensor) => a.softmax(-1), [rand64(2, 5)])).toBe(true);
    expect(torch.autograd.gradcheck((x: Tensor, w: Tensor, b: Tensor) => x.matmul(w.t()).add(b).relu(), [rand64(2, 4), rand64(3, 4), rand64(3)])).toBe(true);
    // A tensor alone stands for a one-element input list.
    expect(torch.autograd.gradcheck((a: Tensor) => a.sigmoid(), rand64(4))).toBe(true);
  });

  test("conv2d (input, weight, bias) in float64", () => {
    torch.manual_seed(1);
    const input = rand64(1, 2, 5, 5);
    const weight = rand64(3, 2, 3, 3);
    const bias = rand64(3);
    const fn = (x: Tensor, w: Tensor, b: Tensor) => F.conv2d(x, w, b, { padding: 1 });
    // A 1x2x5x5 image, 3x2x3x3 kernels, padding 1, PyTorch's default tolerances: these hold only because
    // float64 convolutions compute in float64 (backend/cpu/conv2d.ts on Float64Arrays); float32 arithmetic inside would
    // put finite differences with eps 1e-6 off by about 1e-2.
    expect(torch.autograd.gradcheck(fn, [input, weight, bias])).toBe(true);
  });

  test("custom functions with correct backwards, non-tensor arguments and several outputs", () => {
    torch.manual_seed(2);
    expect(torch.autograd.gradcheck((x: Tensor) => Exp.apply(x), [rand64(3, 2)])).toBe(true);
    expect(torch.autograd.gradcheck((x: Tensor, w: Tensor) => MulAddTwice.apply(x, w, 0.5), [rand64(4), rand64(4)])).toBe(true);
    // An input that does not require grad is held fixed, and non-tensor inputs are passed through.
    const fixed = torch.randn(4, f64);
    expect(torch.autograd.gradcheck((x: Tensor, w: Tensor, k: number) => MulAddTwice.apply(x, w, k), [rand64(4), fixed, 3])).toBe(true);
  });

  test("gradgradcheck: built-in ops and a custom function whose backward is differentiable", () => {
    torch.manual_seed(3);
    expect(torch.autograd.gradgradcheck((a: Tensor, b: Tensor) => a.matmul(b).tanh(), [rand64(2, 3), rand64(3, 2)])).toBe(true);
    expect(torch.autograd.gradgradcheck((x: Tensor) => Exp.apply(x), [rand64(3)])).toBe(true);
    expect(torch.autograd.gradgradcheck((x: Tensor, w: Tensor) => MulAddTwice.apply(x, w, 1), [rand64(3), rand64(3)], [torch.ones(3, f64), torch.randn(3, f64)])).toBe(true);
  });
});

describe("gradcheck fails as PyTorch does", () => {
  test("a wrong backward: Jacobian mismatch, with both Jacobians printed", () => {
    const e = expectPyError(() => torch.autograd.gradcheck((x: Tensor) => WrongExp.apply(x), [leaf64(1, 2)]), "gradcheck_mismatch");
    expect(e).toBeInstanceOf(GradcheckError);
    expect(torch.autograd.gradcheck((x: Tensor) => WrongExp.apply(x), [leaf64(1, 2)], { raise_exception: false }))
      .toBe(fixture.values.gradcheck_mismatch_false);
  });

  test("a backward that ignores grad_output", () => {
    class NotMulByGrad extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2).add(1);
      }
    }
    // With a huge atol the Jacobians "match"; the zero-gradient check still catches it.
    expectPyError(() => torch.autograd.gradcheck((x: Tensor) => NotMulByGrad.apply(x), [leaf64(1, 2)], { atol: 1e9 }), "gradcheck_not_mul_by_grad");
  });

  test("gradgradcheck on a backward computed outside the graph", () => {
    class NoDoubleBackward extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.save_for_backward(x);
        return x.pow(3);
      }
      static backward(ctx: FunctionCtx, g: Tensor): Tensor {
        const [x] = ctx.saved_tensors;
        return g.mul(x!.pow(2)).mul(3).detach();
      }
    }
    const fn = (x: Tensor) => NoDoubleBackward.apply(x);
    expect(torch.autograd.gradcheck(fn, [leaf64(1, 2)])).toBe(true);
    expectPyError(() => torch.autograd.gradgradcheck(fn, [leaf64(1, 2)], [torch.ones(2, f64)]), "gradgradcheck_no_double_backward");
    expect(torch.autograd.gradgradcheck(fn, [leaf64(1, 2)], null, { raise_exception: false })).toBe(false);
  });

  test("undefined output gradients: a RuntimeError, non-zero gradients, or the backward's own error", () => {
    /** `x * 2` whose backward sees null for an undefined output gradient and reacts as `onNull` says. */
    const withNull = (onNull: () => Tensor | null) => class Null extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.set_materialize_grads(false);
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, g: Tensor | null): Tensor | null {
        return g === null ? onNull() : g.mul(2);
      }
    };
    const x = leaf64(1, 2);
    const refuses = withNull(() => {
      throw new AutogradError("no gradient");
    });
    const seen = catch_warnings(() => {
      const e = raised(() => torch.autograd.gradcheck((t: Tensor) => refuses.apply(t), [x]));
      expect(e).toBeInstanceOf(GradcheckError);
      expect(e.message).toBe(fixture.errors.gradcheck_undefined_runtime_error!.message);
    });
    expect(seen.map((w) => w.message)).toEqual(fixture.warnings.undefined_grad!.map((w) => w.message));

    const nonzero = withNull(() => torch.ones(2, f64));
    catch_warnings(() => expectPyError(() => torch.autograd.gradcheck((t: Tensor) => nonzero.apply(t), [x]), "gradcheck_undefined_nonzero"));

    // The backward's own TypeError propagates (Python's TypeError does too); without the check, all passes.
    const fragile = withNull(() => (null as unknown as Tensor).mul(2));
    const e = raised(() => torch.autograd.gradcheck((t: Tensor) => fragile.apply(t), [x]));
    expect(e).toBeInstanceOf(TypeError);
    expect(torch.autograd.gradcheck((t: Tensor) => fragile.apply(t), [x], { check_undefined_grad: false })).toBe(true);
    expect(torch.autograd.gradcheck((t: Tensor) => withNull(() => null).apply(t), [x])).toBe(true);
  });

  test("float32 inputs: PyTorch's warning, then (with eps 1e-6) a mismatch", () => {
    const seen = catch_warnings(() => raised(() => torch.autograd.gradcheck((x: Tensor) => x.exp(), [torch.tensor([0.1, 0.2]).requires_grad_()])));
    expect(seen).toEqual(fixture.warnings.float32_input);
    let e: Error | null = null;
    catch_warnings(() => (e = raised(() => torch.autograd.gradcheck((x: Tensor) => x.exp(), [torch.tensor([0.1, 0.2]).requires_grad_()]))));
    expect(e).toBeInstanceOf(GradcheckError);
    // The numerical Jacobian is float32 finite differences, rounded as PyTorch rounds them.
    expect(e!.message).toBe(fixture.errors.gradcheck_float32!.message);
    expect(catch_warnings(() => torch.autograd.gradcheck((x: Tensor) => x.exp(), [torch.tensor([0.1, 0.2]).requires_grad_()], { eps: 1e-3, atol: 1e-2, rtol: 1e-2 })))
      .toHaveLength(1);
  });

  test("bad inputs: nothing requires grad; an overlapping (stride 0) input", () => {
    expectPyError(() => torch.autograd.gradcheck((x: Tensor) => x.exp(), [torch.ones(2, f64)]), "gradcheck_none_require_grad");
    expectPyError(() => torch.autograd.gradcheck((x: Tensor) => x.exp(), [torch.ones(1, f64).expand(3).requires_grad_()]), "gradcheck_zero_stride");
  });

  test("the input is left as it was", () => {
    const x = leaf64(0.5, -1.5, 2);
    const before = Array.from(x.toFlatArray());
    const version = x.storage.version;
    torch.autograd.gradcheck((t: Tensor) => t.pow(2), [x]);
    expect(Array.from(x.toFlatArray())).toEqual(before);
    expect(x.storage.version).toBe(version);
    expect(x.grad).toBeNull();
  });
});
