/**
 * Custom autograd functions (`torch.autograd.Function`) behave as PyTorch
 * 1.13.1's: node names and edges, saved tensors and their version check,
 * non-tensor arguments, several outputs, non-differentiable outputs,
 * in-place forwards (mark_dirty), set_materialize_grads, double backward,
 * and PyTorch's error texts (test/fixtures/autograd_function.json, from
 * test/fixtures/gen_autograd_function.py).
 */
import { describe, expect, test } from "vitest";
import { AutogradError } from "../src/errors.js";
import { torch } from "../src/index.js";
import type { FunctionCtx } from "../src/autograd/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { Exp, expectPyError, fixture, leaf64, raised } from "./autograd-function-support.js";


const leaf = (...values: number[]) => torch.tensor(values).float().requires_grad_();
const list = (t: Tensor | null | undefined) => Array.from(t!.toFlatArray());




/** `x @ w.T * scale + b`, with a number among the arguments. */
class ScaledLinear extends torch.autograd.Function {
  static forward(ctx: FunctionCtx, x: Tensor, w: Tensor, scale: number, b: Tensor | null): Tensor {
    ctx.save_for_backward(x, w);
    ctx.scale = scale;
    ctx.hasBias = b !== null;
    const y = x.matmul(w.t()).mul(scale);
    return b ? y.add(b) : y;
  }
  static backward(ctx: FunctionCtx, g: Tensor) {
    const [x, w] = ctx.saved_tensors;
    const gs = g.mul(ctx.scale as number);
    return [
      ctx.needs_input_grad[0] ? gs.matmul(w!) : null,
      ctx.needs_input_grad[1] ? gs.t().matmul(x!) : null,
      null,
      ctx.hasBias && ctx.needs_input_grad[3] ? g.sum(0) : null,
    ];
  }
}

describe("torch.autograd.Function", () => {
  test("Exp: node named ExpBackward, edges to the input, gradient exp(x)", () => {
    const x = leaf(1, 2, -0.5);
    const y = Exp.apply(x);
    expect(y.grad_fn!.name).toBe("ExpBackward");
    expect(y.requires_grad).toBe(true);
    expect(y.is_leaf).toBe(false);
    expect(y.grad_fn!.next_functions).toHaveLength(1);
    expect(y.grad_fn!.next_functions[0]![0]!.name).toBe("AccumulateGrad");
    y.sum().backward();
    expect(list(x.grad)).toEqual(list(x.detach().exp()));
  });

  test("forward runs with grad mode off; no node when nothing requires grad or under no_grad", () => {
    let enabledInForward: boolean | null = null;
    class Probe extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        enabledInForward = torch.is_grad_enabled();
        const y = x.mul(2);
        expect(y.requires_grad).toBe(false);
        return y;
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    expect(Probe.apply(leaf(1)).grad_fn!.name).toBe("ProbeBackward");
    expect(enabledInForward).toBe(false);
    const plain = Probe.apply(torch.tensor([1, 2]).float());
    expect(plain.requires_grad).toBe(false);
    expect(plain.grad_fn).toBeNull();
    const off = torch.no_grad(() => Probe.apply(leaf(1)));
    expect(off.requires_grad).toBe(false);
  });

  test("several inputs and a non-tensor argument: gradients match the built-in ops", () => {
    torch.manual_seed(0);
    const x = torch.randn(3, 4).requires_grad_();
    const w = torch.randn(2, 4).requires_grad_();
    const b = torch.randn(2).requires_grad_();
    const y = ScaledLinear.apply(x, w, 1.5, b);
    expect(y.grad_fn!.next_functions.map(([n]) => n?.name)).toEqual(["AccumulateGrad", "AccumulateGrad", "AccumulateGrad"]);
    y.pow(2).sum().backward();

    const [x2, w2, b2] = [x, w, b].map((t) => t.detach().clone().requires_grad_());
    x2!.matmul(w2!.t()).mul(1.5).add(b2!).pow(2).sum().backward();
    for (const [got, want] of [[x, x2], [w, w2], [b, b2]] as const) {
      const g = list(got.grad);
      list(want!.grad).forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
    }
  });

  test("needs_input_grad has one flag per argument; inputs that need none get no gradient", () => {
    const seen: boolean[][] = [];
    class Record extends ScaledLinear {
      static override backward(ctx: FunctionCtx, g: Tensor) {
        seen.push([...ctx.needs_input_grad]);
        return ScaledLinear.backward(ctx, g);
      }
    }
    const x = torch.randn(2, 3);
    const w = torch.randn(4, 3).requires_grad_();
    const y = Record.apply(x, w, 2, null);
    expect(y.grad_fn!.name).toBe("RecordBackward");
    // Only tensor arguments have edges: x (no grad) and w; the number and the null have none.
    expect(y.grad_fn!.next_functions.map(([n]) => n?.name ?? null)).toEqual([null, "AccumulateGrad"]);
    y.sum().backward();
    expect(seen).toEqual([[false, true, false, false]]);
    expect(x.grad).toBeNull();
    expect(w.grad!.shape).toEqual([4, 3]);
  });

  test("arbitrary attributes on ctx reach backward", () => {
    class Scale extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor, k: number): Tensor {
        ctx.k = k;
        return x.mul(k);
      }
      static backward(ctx: FunctionCtx, g: Tensor) {
        return [g.mul(ctx.k), null];
      }
    }
    const x = leaf(1, 2);
    Scale.apply(x, 3).sum().backward();
    expect(list(x.grad)).toEqual([3, 3]);
  });

  test("several outputs share one node; backward gets one gradient per output, zeros for unused ones", () => {
    const received: (number[] | null)[][] = [];
    class Split extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): [Tensor, Tensor] {
        return [x.mul(2), x.mul(3)];
      }
      static backward(_ctx: FunctionCtx, g1: Tensor | null, g2: Tensor | null): Tensor {
        received.push([g1 && list(g1), g2 && list(g2)]);
        return g1!.mul(2).add(g2!.mul(3));
      }
    }
    const x = leaf(1, 2);
    const [a, b] = Split.apply(x);
    expect(a.grad_fn).toBe(b.grad_fn);
    expect([a.output_nr, b.output_nr]).toEqual([0, 1]);
    expect(a.grad_fn!.name).toBe("SplitBackward");
    a.sum().backward();
    expect(received).toEqual([[[1, 1], [0, 0]]]);
    expect(list(x.grad)).toEqual([2, 2]);
    x.grad = null;
    a.sum().add(b.mul(2).sum()).backward();
    expect(received[1]).toEqual([[1, 1], [2, 2]]);
    expect(list(x.grad)).toEqual([8, 8]);
  });

  test("set_materialize_grads(false): missing gradients arrive as null", () => {
    const received: unknown[] = [];
    class Split extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): [Tensor, Tensor] {
        ctx.set_materialize_grads(false);
        return [x.mul(2), x.mul(3)];
      }
      static backward(_ctx: FunctionCtx, g1: Tensor | null, g2: Tensor | null): Tensor {
        received.push(g2);
        return g1!.mul(2);
      }
    }
    const x = leaf(1, 2);
    Split.apply(x)[0].sum().backward();
    expect(received).toEqual([null]);
    expect(list(x.grad)).toEqual([2, 2]);
  });

  test("mark_non_differentiable: that output does not require grad; backward still gets zeros for it", () => {
    let gradOfIndices: number[] | null = null;
    class SortWithIndices extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): [Tensor, Tensor] {
        const [values, indices] = x.sort();
        ctx.mark_non_differentiable(indices!);
        ctx.save_for_backward(indices);
        return [values!, indices!];
      }
      static backward(ctx: FunctionCtx, g: Tensor, gi: Tensor): Tensor {
        gradOfIndices = list(gi);
        const [indices] = ctx.saved_tensors;
        return torch.zeros_like(g).scatter(0, indices!, g);
      }
    }
    const x = leaf(3, 1, 2);
    const [v, i] = SortWithIndices.apply(x);
    expect(v.requires_grad).toBe(true);
    expect(i.requires_grad).toBe(false);
    expect(i.grad_fn).toBeNull();
    v.mul(torch.tensor([1, 2, 3]).float()).sum().backward();
    expect(gradOfIndices).toEqual([0, 0, 0]);
    expect(list(x.grad)).toEqual([3, 1, 2]);
  });

  test("a float output marked non-differentiable cannot be backwarded", () => {
    class Frozen extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        const y = x.mul(2);
        ctx.mark_non_differentiable(y);
        return y;
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g;
      }
    }
    const y = Frozen.apply(leaf(1, 2));
    expect(y.requires_grad).toBe(false);
    expect(raised(() => y.sum().backward())).toBeInstanceOf(AutogradError);
  });

  test("mark_dirty: the input modified in place is returned with the function's node as its history", () => {
    class Double_ extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.mark_dirty(x);
        return x;
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const x = leaf(1, 2);
    const h = x.mul(1);
    const out = Double_.apply(h);
    expect(out).toBe(h);
    expect(h.grad_fn!.name).toBe("Double_Backward");
    expect(h.grad_fn!.next_functions[0]![0]!.name).toBe("MulBackward0");
    expect(h.storage.version).toBe(1);
    expect(list(h)).toEqual([2, 4]);
    h.sum().backward();
    expect(list(x.grad)).toEqual([2, 2]);

    expectPyError(() => Double_.apply(leaf(1, 2)), "dirty_leaf");
  });

  test("mark_dirty on a view of a non-leaf: the base's history goes through CopySlices", () => {
    class Double_ extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.mark_dirty(x);
        return x;
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const x = leaf(1, 2);
    const b = x.mul(1);
    const v = b.narrow(0, 0, 1);
    const out = Double_.apply(v);
    expect(out).toBe(v);
    expect(v.grad_fn!.name).toBe("AsStridedBackward0");
    expect(b.grad_fn!.name).toBe("CopySlices");
    expect(list(b)).toEqual([2, 2]);
    b.sum().backward();
    expect(list(x.grad)).toEqual([2, 1]);
  });

  test("an input marked dirty but not returned is refused", () => {
    class Lost extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.mark_dirty(x);
        return x.mul(1);
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    expectPyError(() => Lost.apply(leaf(1, 2).mul(1)), "dirty_not_returned");
  });

  test("an input returned unchanged comes back as a new view with the function's node", () => {
    class Identity extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x;
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(5);
      }
    }
    const x = leaf(1, 2);
    const y = Identity.apply(x);
    expect(y === x).toBe(false);
    expect(y.storage === x.storage).toBe(true);
    expect(x.grad_fn).toBeNull();
    expect(y.grad_fn!.name).toBe("IdentityBackward");
    y.sum().backward();
    expect(list(x.grad)).toEqual([5, 5]);
  });

  test("a broadcastable gradient is summed to the input's shape; another dtype is converted", () => {
    class Broadcast extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, _g: Tensor): Tensor {
        return torch.ones(4, 2);
      }
    }
    const x = leaf(1, 2);
    Broadcast.apply(x).sum().backward();
    expect(list(x.grad)).toEqual(fixture.values.broadcast_grad as number[]);

    class Wider extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, _g: Tensor): Tensor {
        return torch.ones(2, { dtype: torch.float64 });
      }
    }
    const z = leaf(1, 2);
    Wider.apply(z).sum().backward();
    expect(z.grad!.dtype).toBe(torch.float32);
    expect(list(z.grad)).toEqual([1, 1]);
  });

  test("double backward through a custom function (create_graph)", () => {
    const x = leaf64(0.5, 1, 2);
    const y = Exp.apply(x);
    const [g] = torch.autograd.grad(y.sum(), x, { create_graph: true });
    expect(g!.requires_grad).toBe(true);
    expect(g!.grad_fn!.name).toBe("MulBackward0");
    const [gg] = torch.autograd.grad(g!.sum(), x);
    const want = [0.5, 1, 2].map(Math.exp);
    list(gg).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));

    // x^3 with a backward written in differentiable ops: second derivative 6x.
    class Cube extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, t: Tensor): Tensor {
        ctx.save_for_backward(t);
        return t.pow(3);
      }
      static backward(ctx: FunctionCtx, grad: Tensor): Tensor {
        const [t] = ctx.saved_tensors;
        return grad.mul(t!.pow(2)).mul(3);
      }
    }
    const z = leaf64(1, -2);
    const [dz] = torch.autograd.grad(Cube.apply(z).sum(), z, { create_graph: true });
    dz!.sum().backward();
    expect(list(dz)).toEqual([3, 12]);
    expect(list(z.grad)).toEqual([6, -12]);
  });

  test("retain_graph keeps saved tensors; a function that saved nothing can be backwarded twice", () => {
    const x = leaf(1, 2);
    const y = Exp.apply(x);
    y.sum().backward(null, { retain_graph: true });
    y.sum().backward();
    expect(list(x.grad)).toEqual(list(x.detach().exp().mul(2)));

    class NoSave extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, t: Tensor): Tensor {
        return t.mul(2);
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const z = leaf(1, 2);
    const w = NoSave.apply(z);
    w.sum().backward();
    w.sum().backward();
    expect(list(z.grad)).toEqual([4, 4]);
  });
});

describe("errors, with PyTorch's text", () => {
  test("backward returning the wrong number of gradients", () => {
    class TwoGrads extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, g: Tensor) {
        return [g, g];
      }
    }
    expectPyError(() => TwoGrads.apply(leaf(1, 2)).sum().backward(), "wrong_count");

    class Scale extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor, k: number): Tensor {
        return x.mul(k);
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g;
      }
    }
    expectPyError(() => Scale.apply(leaf(1, 2), 3).sum().backward(), "too_few");

    // Extra trailing nulls are dropped, as in PyTorch.
    class TrailingNull extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: FunctionCtx, g: Tensor) {
        return [g.mul(2), null];
      }
    }
    const x = leaf(1, 2);
    TrailingNull.apply(x).sum().backward();
    expect(list(x.grad)).toEqual([2, 2]);
  });

  test("a gradient for a non-tensor argument, or something that is not a tensor", () => {
    class GradForInt extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor, k: number): Tensor {
        return x.mul(k);
      }
      static backward(_ctx: FunctionCtx, g: Tensor) {
        return [g, g];
      }
    }
    expectPyError(() => GradForInt.apply(leaf(1, 2), 3).sum().backward(), "grad_for_non_tensor");

    class NotTensor extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(): Tensor {
        return 3 as unknown as Tensor;
      }
    }
    expectPyError(() => NotTensor.apply(leaf(1, 2)).sum().backward(), "not_tensor_grad");
  });

  test("a gradient whose shape does not match its input", () => {
    class BadShape extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, k: number, a: Tensor, b: Tensor): Tensor {
        return a.mul(b).mul(k);
      }
      static backward(_ctx: FunctionCtx, g: Tensor) {
        return [null, g, torch.ones(3)];
      }
    }
    expectPyError(() => BadShape.apply(3, leaf(1, 2), leaf(1, 2)).sum().backward(), "bad_shape");
  });

  test("a saved tensor modified in place before backward", () => {
    const y = Exp.apply(leaf(1, 2));
    torch.no_grad(() => y.add_(1));
    expectPyError(() => y.sum().backward(), "modified_saved_output");

    class SaveInput extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.save_for_backward(x);
        return x.mul(2);
      }
      static backward(ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(ctx.saved_tensors[0]!);
      }
    }
    const b = leaf(1, 2).mul(1);
    const o = SaveInput.apply(b);
    b.add_(1);
    expectPyError(() => o.sum().backward(), "modified_saved_input");
  });

  test("saving something that is not a tensor; saved tensors read after they were freed", () => {
    class SaveInt extends torch.autograd.Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.save_for_backward(x, 3 as unknown as Tensor);
        return x.mul(1);
      }
      static backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g;
      }
    }
    expectPyError(() => SaveInt.apply(leaf(1, 2)), "save_non_tensor");

    const y = Exp.apply(leaf(1, 2));
    y.sum().backward();
    expectPyError(() => y.sum().backward(), "backward_twice");

    let ctxSeen: FunctionCtx | null = null;
    class Keep extends Exp {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctxSeen = ctx;
        return Exp.forward(ctx, x);
      }
    }
    const z = Keep.apply(leaf(1, 2));
    expect(ctxSeen!.saved_tensors[0]).toBe(z);
    z.sum().backward();
    expectPyError(() => ctxSeen!.saved_tensors, "saved_after_free");
  });

  test("a null gradient for an input that came from other ops stops there, as in PyTorch", () => {
    class FirstIgnored extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor, y: Tensor): Tensor {
        return x.mul(y);
      }
      static backward(_ctx: FunctionCtx, g: Tensor) {
        return [null, g];
      }
    }
    const a = leaf(1, 2);
    const b = leaf(0.5, 1);
    // exp and sin are built-in nodes: ExpBackward0 gets no gradient and is not run.
    FirstIgnored.apply(a.exp(), b.sin()).sum().backward();
    expect(a.grad).toBeNull();
    const cos = [Math.cos(0.5), Math.cos(1)];
    list(b.grad).forEach((v, i) => expect(v).toBeCloseTo(cos[i]!, 6));
  });

  test("a Function without forward or backward", () => {
    // TypeScript refuses `apply` on these classes; plain JavaScript callers get PyTorch's errors.
    class NoForward extends torch.autograd.Function {}
    const e = raised(() => (NoForward as unknown as typeof Exp).apply(leaf(1)));
    expect(e.name).toBe("NotImplementedError");
    expect(e.message).toBe("You must implement the forward function for custom autograd.Function.");

    class NoBackward extends torch.autograd.Function {
      static forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    const e2 = raised(() => (NoBackward as unknown as typeof Exp).apply(leaf(1)).sum().backward());
    expect(e2.name).toBe("NotImplementedError");
    expect(e2.message).toBe("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.");
  });
});
