/**
 * Autograd behaves as PyTorch 1.13.1's: leaves and non-leaves, gradient
 * accumulation, retain_graph, no_grad, detach and `.data`, hooks,
 * `torch.autograd.grad` and `backward({ inputs })`, the order in which
 * backward runs the nodes, zero_grad (module and optimizer), and PyTorch's
 * error and warning texts (test/fixtures/autograd.json).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { AutogradError, F, ShapeError, autograd, nn, optim, torch } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import type { GradFn } from "../src/autograd/graph.js";
import { float32 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";

interface Rec {
  shape: number[];
  b64?: string;
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/autograd.json", import.meta.url)), "utf8")) as {
  errors: Record<string, { type: string; message: string }>;
  warnings: Record<string, { category: string; message: string }[]>;
  hook_order: { x: Rec; w: Rec; order: string[]; x_grad: Rec; w_grad: Rec };
};

function toTensor(r: Rec): Tensor {
  const b = Buffer.from(r.b64!, "base64");
  return Tensor._fromData(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), r.shape, float32);
}

const leaf = (...values: number[]) => torch.tensor(values).float().requires_grad_();
const list = (t: Tensor | null) => Array.from(t!.toFlatArray());

function raised(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not raise");
}

/** The same mistakes as ERRORS in gen_autograd.py (autograd ones). */
const ERRORS: Record<string, () => unknown> = {
  backward_twice: () => {
    const y = torch.randn(3).requires_grad_().mul(2).sum();
    y.backward();
    y.backward();
  },
  backward_non_scalar: () => torch.randn(3).requires_grad_().mul(2).backward(),
  backward_no_grad: () => torch.randn(3).sum().backward(),
  backward_grad_shape: () => torch.randn(3).requires_grad_().mul(2).backward(torch.ones(2)),
  backward_empty_inputs: () => torch.randn(3).requires_grad_().mul(2).sum().backward(null, { inputs: [] }),
  grad_unused: () => autograd.grad(torch.randn(3).requires_grad_().mul(2).sum(), [torch.randn(2).requires_grad_()]),
  grad_no_requires_grad: () => autograd.grad(torch.randn(3).requires_grad_().mul(2).sum(), [torch.randn(3)]),
  hook_no_grad: () => torch.randn(3).register_hook((g) => g),
  retain_grad_no_grad: () => torch.randn(3).retain_grad(),
  requires_grad_int: () => torch.tensor([1, 2]).requires_grad_(),
  requires_grad_non_leaf: () => {
    torch.randn(3).requires_grad_().mul(2).requires_grad = false;
  },
};

describe("autograd errors: PyTorch's exception and text", () => {
  for (const [id, fn] of Object.entries(ERRORS)) {
    test(id, () => {
      const e = raised(fn);
      expect(e).toBeInstanceOf(id === "backward_grad_shape" ? ShapeError : AutogradError);
      expect(e.name).toBe(fixture.errors[id]!.type);
      expect(e.message).toBe(fixture.errors[id]!.message);
    });
  }
});

describe("leaves, non-leaves and .grad", () => {
  test("reading .grad of a non-leaf gives null and PyTorch's warning; retain_grad keeps it", () => {
    const x = leaf(1, 2, 3);
    const y = x.mul(2);
    let g: Tensor | null = x;
    expect(catch_warnings(() => {
      g = y.grad;
    })).toEqual(fixture.warnings.non_leaf_grad);
    expect(g).toBeNull();
    expect(catch_warnings(() => x.grad)).toEqual([]);
    const z = x.mul(3);
    z.retain_grad();
    expect(z.retains_grad).toBe(true);
    z.sum().backward();
    expect(catch_warnings(() => z.grad)).toEqual([]);
    expect(list(z.grad)).toEqual([1, 1, 1]);
    expect(x.is_leaf).toBe(true);
    expect(z.is_leaf).toBe(false);
    expect(x.mul(2).detach().is_leaf).toBe(true);
  });

  test("gradients accumulate across backward calls, into the same tensor", () => {
    const x = leaf(1, 2, 3);
    x.mul(x).sum().backward();
    const first = x.grad!;
    expect(list(first)).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad).toBe(first);
    expect(list(x.grad)).toEqual([5, 7, 9]);
  });

  test("a graph whose nodes save no tensors can be run backward twice without retain_graph (as in PyTorch)", () => {
    const x = leaf(1, 2);
    const y = x.add(1).sum();
    y.backward();
    y.backward();
    expect(list(x.grad)).toEqual([2, 2]);
    const z = x.mul(x).sum();
    z.backward(undefined, { retain_graph: true });
    z.backward();
    expect(list(x.grad)).toEqual([2 + 4, 2 + 8]);
  });

  test("backward(gradient) for a non-scalar output", () => {
    const x = leaf(1, 2, 3);
    x.mul(x).backward(torch.tensor([1, 0.5, 2]).float());
    expect(list(x.grad)).toEqual([2, 2, 12]);
  });

  test("no_grad records nothing; enable_grad inside it does; the flag is restored after a throw", () => {
    const x = leaf(1, 2);
    const y = torch.no_grad(() => x.mul(2));
    expect(y.requires_grad).toBe(false);
    expect(y.grad_fn).toBeNull();
    const z = torch.no_grad(() => torch.enable_grad(() => x.mul(2)));
    expect(z.grad_fn!.name).toBe("MulBackward0");
    expect(() => torch.no_grad(() => {
      throw new Error("boom");
    })).toThrow("boom");
    expect(torch.is_grad_enabled()).toBe(true);
  });

  test("detach and .data share storage, are leaves without grad; .data = t swaps the values in place", () => {
    const x = leaf(1, 2, 3);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requires_grad).toBe(false);
    expect(d.grad_fn).toBeNull();
    expect(d.storage).toBe(y.storage);
    x.data.mul_(10);
    expect(list(x)).toEqual([10, 20, 30]);
    expect(x.requires_grad).toBe(true);
    const before = x;
    x.data = torch.tensor([7, 8]).float();
    expect(x).toBe(before);
    expect(list(x)).toEqual([7, 8]);
    expect(x.requires_grad).toBe(true);
  });
});

describe("hooks", () => {
  test("a hook on a leaf sees and can replace the gradient before it is accumulated; remove() unregisters it", () => {
    const x = leaf(1, 2);
    const seen: number[][] = [];
    const h = x.register_hook((g) => {
      seen.push(list(g));
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(list(x.grad)).toEqual([30, 30]);
    h.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(list(x.grad)).toEqual([3, 3]);
  });

  test("a hook on a non-leaf replaces the gradient flowing on", () => {
    const x = leaf(1, 2);
    const y = x.mul(2);
    y.register_hook((g) => g.mul(-1));
    y.sum().backward();
    expect(list(x.grad)).toEqual([-2, -2]);
  });

  test("backward runs the nodes in PyTorch's order (node hooks fire in the same sequence)", () => {
    const H = fixture.hook_order;
    const x = toTensor(H.x).requires_grad_();
    const w = toTensor(H.w).requires_grad_();
    const a = x.mul(2);
    const b = x.exp();
    const c = a.add(b);
    const d = c.sin();
    const e = d.mul(a);
    const f = e.add(w.mul(b)).sum();
    const order: string[] = [];
    const seen = new Set<GradFn>();
    const stack: (GradFn | null)[] = [f.grad_fn];
    while (stack.length) {
      const fn = stack.pop();
      if (!fn || seen.has(fn)) continue;
      seen.add(fn);
      fn.register_hook(() => {
        order.push(fn.name);
      });
      for (const [n] of fn.next_functions) stack.push(n);
    }
    f.backward();
    expect(order).toEqual(H.order);
    expect(Math.max(...list(x.grad).map((v, i) => Math.abs(v - toTensor(H.x_grad).toFlatArray()[i]!)))).toBeLessThan(1e-5);
    expect(Math.max(...list(w.grad).map((v, i) => Math.abs(v - toTensor(H.w_grad).toFlatArray()[i]!)))).toBeLessThan(1e-6);
  });

  test("grad_fn.register_hook can replace the gradients a node computed", () => {
    const x = leaf(1, 2);
    const y = x.mul(2);
    y.grad_fn!.register_hook((gi) => gi.map((g) => (g ? g.mul(0) : g)));
    y.sum().backward();
    expect(list(x.grad)).toEqual([0, 0]);
  });

  test("the grad_fn repr names the node and an address, distinct per node", () => {
    const x = leaf(1, 2);
    const a = x.mul(2).grad_fn!;
    const b = x.mul(2).grad_fn!;
    expect(String(a)).toMatch(/^<MulBackward0 object at 0x[0-9a-f]+>$/);
    expect(String(a)).not.toBe(String(b));
  });
});

describe("torch.autograd.grad and backward({ inputs })", () => {
  test("grad returns the gradients without touching .grad", () => {
    const x = leaf(1, 2, 3);
    const w = leaf(0.5, 0.5, 0.5);
    const y = x.mul(w).sum();
    const [gx, gw] = autograd.grad(y, [x, w]);
    expect(list(gx!)).toEqual([0.5, 0.5, 0.5]);
    expect(list(gw!)).toEqual([1, 2, 3]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
  });

  test("grad of a non-scalar output with grad_outputs, and of a non-leaf input", () => {
    const x = leaf(1, 2);
    const h = x.mul(3);
    const y = h.mul(h);
    const [gh] = autograd.grad(y, h, { grad_outputs: torch.ones(2), retain_graph: true });
    expect(list(gh!)).toEqual([6, 12]);
    const [gx] = autograd.grad(y, x, torch.ones(2));
    expect(list(gx!)).toEqual([18, 36]);
  });

  test("create_graph gives gradients that can be differentiated again", () => {
    const x = leaf(1, 2, 3);
    const y = x.pow(3).sum();
    const [dx] = autograd.grad(y, x, { create_graph: true });
    expect(list(dx!)).toEqual([3, 12, 27]);
    expect(dx!.requires_grad).toBe(true);
    const [ddx] = autograd.grad(dx!.sum(), x);
    expect(list(ddx!)).toEqual([6, 12, 18]);
  });

  test("allow_unused returns null for inputs the output does not depend on", () => {
    const x = leaf(1);
    const unused = leaf(2);
    const [gx, gu] = autograd.grad(x.mul(2).sum(), [x, unused], { allow_unused: true });
    expect(list(gx!)).toEqual([2]);
    expect(gu).toBeNull();
  });

  test("backward({ inputs }) accumulates into the given tensors only", () => {
    const x = leaf(1, 2);
    const w = leaf(3, 4);
    x.mul(w).sum().backward(undefined, { inputs: [w] });
    expect(x.grad).toBeNull();
    expect(list(w.grad)).toEqual([1, 2]);
  });

  test("autograd.backward over several roots sums their gradients", () => {
    const x = leaf(1, 2);
    autograd.backward([x.mul(2).sum(), x.mul(x).sum()]);
    expect(list(x.grad)).toEqual([2 + 2, 2 + 4]);
  });
});

describe("zero_grad (PyTorch 1.13: set_to_none defaults to false)", () => {
  test("Module.zero_grad zeroes in place; set_to_none clears", () => {
    const lin = new nn.Linear(2, 1);
    lin(torch.ones(1, 2)).sum().backward();
    const g = lin.weight.grad!;
    lin.zero_grad();
    expect(lin.weight.grad).toBe(g);
    expect(list(g)).toEqual([0, 0]);
    lin.zero_grad(true);
    expect(lin.weight.grad).toBeNull();
  });

  test("Optimizer.zero_grad zeroes in place, refills the same tensor on the next backward; set_to_none clears", () => {
    const lin = new nn.Linear(2, 1);
    const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
    lin(torch.ones(1, 2)).sum().backward();
    const g = lin.weight.grad!;
    opt.zero_grad();
    expect(list(lin.weight.grad)).toEqual([0, 0]);
    lin(torch.ones(1, 2)).sum().backward();
    expect(lin.weight.grad).toBe(g);
    expect(list(g)).toEqual([1, 1]);
    opt.zero_grad(true);
    expect(lin.weight.grad).toBeNull();
  });
});

describe("backward formulas changed for graph parity agree with finite differences (float64)", () => {
  let seed = 777;
  const f64 = (...shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      d[i] = seed / 4294967296 - 0.5;
    }
    return Tensor._fromData(d, shape, torch.float64);
  };
  function gradcheck(f: (x: Tensor) => Tensor, x: Tensor): void {
    x.requires_grad_();
    const out = f(x);
    const v = f64(...out.shape);
    out.backward(v);
    const analytic = x.grad!.toFlatArray();
    const value = () => {
      const o = torch.no_grad(() => f(x)).toFlatArray();
      const w = v.toFlatArray();
      let s = 0;
      for (let i = 0; i < o.length; i++) s += o[i]! * w[i]!;
      return s;
    };
    const eps = 1e-6;
    for (let j = 0; j < x.numel(); j++) {
      const orig = x.storage.data[j]!;
      x.storage.data[j] = orig + eps;
      const fp = value();
      x.storage.data[j] = orig - eps;
      const fm = value();
      x.storage.data[j] = orig;
      expect(Math.abs(analytic[j]! - (fp - fm) / (2 * eps))).toBeLessThan(1e-7);
    }
  }

  test("split (SplitBackward0): every piece, some without a gradient", () => {
    gradcheck((x) => {
      const [a, , c] = x.split(2, 1);
      return torch.cat([a!.mul(2), c!.exp()], 1);
    }, f64(3, 5));
  });

  test("split with sizes (SplitWithSizesBackward0) and chunk", () => {
    gradcheck((x) => x.split([1, 3], 0)[1]!.mul(x.chunk(2, 0)[0]!.sum()), f64(4, 2));
  });

  test("unbind (UnbindBackward0)", () => {
    gradcheck((x) => {
      const rows = x.unbind(1);
      return rows[0]!.mul(rows[2]!).add(rows[1]!);
    }, f64(4, 3));
    expect(f64(2, 3).requires_grad_().unbind(0)[1]!.grad_fn!.name).toBe("UnbindBackward0");
  });

  test("indexing with a bool mask (IndexBackward0 on the tensor itself)", () => {
    const mask = torch.tensor([[true, false, true], [false, true, true]]);
    gradcheck((x) => x.index(mask).mul(3), f64(2, 3, 2));
    const y = f64(2, 3).requires_grad_().index(mask);
    expect(y.grad_fn!.name).toBe("IndexBackward0");
    expect(y.grad_fn!.next_functions[0]![0]!.name).toBe("AccumulateGrad");
  });

  test("F.leaky_relu(inplace) on a non-leaf writes in place and records LeakyReluBackward1", () => {
    gradcheck((x) => {
      const h = x.mul(2);
      const y = F.leaky_relu(h, 0.2, true);
      expect(y).toBe(h);
      if (torch.is_grad_enabled()) expect(y.grad_fn!.name).toBe("LeakyReluBackward1");
      return y.mul(x);
    }, f64(3, 4));
  });
});
