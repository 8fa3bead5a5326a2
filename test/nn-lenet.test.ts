/**
 * The LeNet tutorial net, written in TypeScript the way PyTorch writes it:
 * PyTorch's weights after manual_seed(0), its repr, its outputs and
 * gradients, and its errors on 64x64 inputs (fixtures from PyTorch 1.13.1).
 */
import { describe, expect, test } from "vitest";
import { inspect } from "node:util";
import { F, ShapeError, TsorchError, nn } from "../src/index.js";
import { manual_seed } from "../src/random/generator.js";
import { normalFill } from "../src/random/normal.js";
import { Tensor } from "../src/tensor/tensor.js";
import { float32 } from "../src/tensor/dtype.js";
import { no_grad } from "../src/autograd/grad-mode.js";
import type { GradFn } from "../src/autograd/graph.js";
import { ones_like } from "../src/tensor/creation.js";
import { expectClose, expectExact, fixture, toTensor, values } from "./nn-helpers.js";

const L = fixture.lenet;

/** torch.randn(*shape) from the default generator. */
function randn(...shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor._fromData(normalFill(new Float32Array(n)), shape, float32);
}

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, this.num_flat_features(x));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    x = this.fc3(x);
    return x;
  }

  num_flat_features(x: Tensor): number {
    const size = x.size().slice(1);
    let num_features = 1;
    for (const s of size) num_features *= s;
    return num_features;
  }
}

/** The same net with the literal `view(-1, 400)`. */
class NetView extends Net {
  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, 400);
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
}

describe("LeNet tutorial", () => {
  test("manual_seed(0) gives PyTorch's weights bit for bit, and randn gives its input", () => {
    manual_seed(0);
    const net = new Net();
    const sd = net.state_dict();
    expect(Object.keys(sd)).toEqual(Object.keys(L.params));
    for (const [k, rec] of Object.entries(L.params)) expectExact(sd[k]!, rec as never, k);
    expectExact(randn(1, 1, 32, 32), L.input, "input");
  });

  test("print(net) is PyTorch's text, through toString, util.inspect and the Jupyter bundle", () => {
    manual_seed(0);
    const net = new Net();
    expect(String(net)).toBe(L.repr);
    expect(inspect(net)).toBe(L.repr);
    expect((net as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")]!()).toEqual({ "text/plain": L.repr });
  });

  test("forward on 1x1x32x32 gives PyTorch's output, grad_fn chain and gradients", () => {
    manual_seed(0);
    const net = new Net();
    const x = toTensor(L.input);
    const y: Tensor = net(x);
    expectClose(y, L.output, 1e-5, "output");
    // AddmmBackward0(bias, ReluBackward0(AddmmBackward0(...)), TBackward0(weight)), three levels deep.
    type Chain = [string, (Chain | null)[]] | null;
    const chain = (fn: GradFn | null, d: number): Chain =>
      fn === null ? null : d === 0 || fn.name === "AccumulateGrad" ? [fn.name, []] : [fn.name, fn.next_functions.map(([n]) => chain(n, d - 1))];
    expect(chain(y.grad_fn, 3)).toEqual(L.grad_fn);
    // y.sum().backward() sends a gradient of ones into y.
    y.backward(ones_like(y));
    for (const [name, p] of net.named_parameters()) expectClose(p.grad!, L.grads[name], 1e-5, `grad ${name}`);
  });

  test("parameters, named modules and counts match", () => {
    const net = new Net();
    expect(net.named_modules().map(([n]) => n)).toEqual(L.named_modules);
    expect(net.parameters().reduce((n, p) => n + p.numel(), 0)).toBe(L.param_count);
  });

  test("64x64 with num_flat_features: PyTorch's mat1/mat2 error as a ShapeError naming fc1", () => {
    const net = new Net();
    let err: unknown;
    try {
      net(no_grad(() => randn(1, 1, 64, 64)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    const e = err as ShapeError & { moduleType?: string };
    expect(e.message).toBe(L.error_flat_64.message);
    expect(e.name).toBe(L.error_flat_64.type);
    expect(e.op).toBe("linear");
    expect(e.shapes).toEqual({ mat1: [1, 2704], mat2: [400, 120] });
    expect(e.expected).toEqual({ in_features: 400 });
    expect(e.got).toEqual({ in_features: 2704 });
    expect(e.modulePath).toBe("fc1");
    expect(e.moduleType).toBe("Linear");
  });

  test("64x64 with view(-1, 400): PyTorch's view error, raised in the net's own forward", () => {
    const net = new NetView();
    let err: unknown;
    try {
      net(randn(1, 1, 64, 64));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    const e = err as ShapeError & { moduleType?: string };
    expect(e.message).toBe(L.error_view_64.message);
    expect(e.modulePath).toBe("");
    expect(e.moduleType).toBe("NetView");
  });

  test("batch of 25 at 64x64 with view(-1, 400) silently mixes samples into [169, 10], as in PyTorch", () => {
    manual_seed(0);
    const net = new Net();
    const netv = new NetView();
    netv.load_state_dict(net.state_dict());
    manual_seed(L.batch25_input_seed);
    const xb = randn(25, 1, 64, 64);
    const yb: Tensor = no_grad(() => netv(xb));
    expect([...yb.shape]).toEqual([169, 10]);
    expectClose(yb, L.batch25_output, 1e-5, "batch 25 output");
  });

  test("only square inputs of 32..35 pass through the net, as in PyTorch", () => {
    const net = new Net();
    const ok: number[] = [];
    for (let s = 28; s <= 40; s++) {
      try {
        no_grad(() => net(Tensor._fromData(new Float32Array(s * s), [1, 1, s, s], float32)));
        ok.push(s);
      } catch (e) {
        expect(e).toBeInstanceOf(TsorchError);
      }
    }
    expect(ok).toEqual(L.working_sizes);
  });

  test("the fixture input and our randn agree, so the tutorial can be run as written", () => {
    manual_seed(0);
    new Net();
    const x = randn(1, 1, 32, 32);
    expect(Array.from(x.toFlatArray())).toEqual(Array.from(values(L.input)));
  });
});
