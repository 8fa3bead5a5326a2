/**
 * nn.Module mechanics: callable instances, registration in definition order,
 * traversal, state dicts, modes, hooks, dtype conversion, the module call
 * context, containers and LazyLinear, against PyTorch 1.13.1 where PyTorch
 * has an observable answer (fixtures).
 */
import { describe, expect, expectTypeOf, test } from "vitest";
import { inspect } from "node:util";
import * as nn from "../src/nn/index.js";
import * as F from "../src/nn/functional/index.js";
import { ones, ones_like, tensor, zeros } from "../src/tensor/creation.js";
import { float32, float64, int64 } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";
import { manual_seed } from "../src/random/generator.js";
import { expectClose, expectExact, fixture, repr2x, toTensor } from "./nn-helpers.js";

class Block extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3);
  scale = new nn.Parameter(ones(1));
  cache = zeros(2); // a plain tensor field: not a parameter, not a buffer
  act = new nn.ReLU();

  constructor() {
    super();
    this.register_buffer("steps", zeros(1));
  }

  override forward(x: Tensor): Tensor {
    return this.act(this.conv(x));
  }
}

describe("callable modules and registration", () => {
  test("an instance is callable and typed by its forward", () => {
    const b = new Block();
    const y = b(zeros(1, 1, 5, 5));
    expectTypeOf(y).toEqualTypeOf<Tensor>();
    expect(y).toBeInstanceOf(Tensor);
    expect([...y.shape]).toEqual([1, 2, 3, 3]);
    expect(typeof b).toBe("function");
    expect(b).toBeInstanceOf(Block);
    expect(b).toBeInstanceOf(nn.Module);
  });

  test("fields register in definition order; plain tensors do not", () => {
    const b = new Block();
    expect(b.named_parameters().map(([n]) => n)).toEqual(["scale", "conv.weight", "conv.bias"]);
    expect(b.named_children().map(([n]) => n)).toEqual(["conv", "act"]);
    expect(b.named_buffers().map(([n]) => n)).toEqual(["steps"]);
    expect(Object.keys(b.state_dict())).toEqual(["scale", "steps", "conv.weight", "conv.bias"]);
    expect(b.cache).toBeInstanceOf(Tensor);
    expect(b._parameters.has("cache")).toBe(false);
  });

  test("assignments after construction follow PyTorch's __setattr__", () => {
    const b = new Block();
    b.conv = new nn.Conv2d(1, 3, 3); // replacing keeps the position
    expect(b.named_children().map(([n]) => n)).toEqual(["conv", "act"]);
    (b as unknown as Record<string, unknown>).extra = new nn.Linear(2, 2);
    expect(b.named_children().map(([n]) => n)).toEqual(["conv", "act", "extra"]);
    delete (b as unknown as Record<string, unknown>).conv;
    expect(b.named_children().map(([n]) => n)).toEqual(["act", "extra"]);
    b.register_buffer("steps", ones(1)); // re-registering a buffer is allowed
    (b as unknown as Record<string, unknown>).steps = zeros(3); // assigning to a buffer updates it
    expect([...b.get_buffer("steps").shape]).toEqual([3]);
    b.scale = null as never; // None keeps the slot
    expect(b._parameters.has("scale")).toBe(true);
    expect(b.parameters().length).toBe(2);
    expect(() => {
      b.act = 3 as never;
    }).toThrow("cannot assign 'int' as child module 'act' (torch.nn.Module or None expected)");
  });

  test("modules written with constructor assignments (PyTorch's __init__ style) register the same way", () => {
    class Net extends nn.Module {
      conv1: nn.Conv2d;
      fc1!: nn.Linear;
      hidden: number;
      constructor(hidden: number) {
        super();
        this.conv1 = new nn.Conv2d(1, 6, 5);
        this.hidden = hidden;
        this.fc1 = new nn.Linear(6 * 28 * 28, hidden);
        this.register_parameter("temperature", new nn.Parameter(ones(1)));
      }
      override forward(x: Tensor): Tensor {
        return this.fc1(F.flatten(this.conv1(x), 1));
      }
    }
    const net = new Net(10);
    expect(net.named_parameters().map(([n]) => n)).toEqual(["temperature", "conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias"]);
    expect(net.hidden).toBe(10);
    expect([...net(zeros(2, 1, 32, 32)).shape]).toEqual([2, 10]);
  });

  test("a subclass re-declaring a parameter field keeps it registered", () => {
    class MyLinear extends nn.Linear {
      declare weight: nn.Parameter;
      override forward(x: Tensor): Tensor {
        return F.linear(x, this.weight, this.bias);
      }
    }
    const m = new MyLinear(3, 2);
    expect(m.named_parameters().map(([n]) => n)).toEqual(["weight", "bias"]);
  });

  test("Parameter prints as PyTorch prints it", () => {
    const p = new nn.Parameter(tensor([1, 2], { dtype: float32 }));
    expect(String(p)).toBe("Parameter containing:\ntensor([1., 2.], requires_grad=True)");
    expect(p.requires_grad).toBe(true);
    expect(new nn.Parameter(tensor([1], { dtype: float32 }), false).requires_grad).toBe(false);
    expect(() => new nn.Parameter(tensor([1, 2]))).toThrow("can require gradients");
  });

  test("shared modules and parameters are listed once", () => {
    const shared = new nn.Linear(2, 2);
    const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
    expect(seq.named_modules().map(([n]) => n)).toEqual(["", "0", "1"]);
    expect(seq.parameters().length).toBe(2);
    expect(seq.named_parameters("", true, false).map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(Object.keys(seq.state_dict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  test("get_submodule / get_parameter / get_buffer", () => {
    const net = new nn.Sequential({ features: new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2)) });
    expect(net.get_submodule("features.1")).toBeInstanceOf(nn.BatchNorm2d);
    expect([...net.get_parameter("features.0.weight").shape]).toEqual([2, 1, 3, 3]);
    expect([...net.get_buffer("features.1.running_var").shape]).toEqual([2]);
    expect(() => net.get_submodule("features.7")).toThrow("Sequential has no attribute `7`");
  });
});

describe("state dicts", () => {
  const C = fixture.containers;

  function nested(): nn.Sequential {
    return new nn.Sequential(
      new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.BatchNorm2d(6), new nn.ReLU()),
      new nn.Flatten(),
      new nn.Linear(6 * 28 * 28, 10),
    );
  }

  test("key order of a nested Sequential is PyTorch's", () => {
    const net = nested();
    expect(Object.keys(net.state_dict())).toEqual(C.nested_state_dict_keys);
    expect(net.named_modules().map(([n]) => n)).toEqual(C.nested_named_modules);
    expect(net.named_parameters().map(([n]) => n)).toEqual(C.nested_named_parameters);
    expect(net.named_buffers().map(([n]) => n)).toEqual(C.nested_named_buffers);
    expect(String(net)).toBe(repr2x(C.sequential_nested));
  });

  test("state_dict values are detached views; keep_vars keeps the parameters", () => {
    const net = nested();
    const sd = net.state_dict();
    const w = sd["2.weight"]!;
    expect(w.requires_grad).toBe(false);
    expect(w.storage).toBe((net.at(2) as nn.Linear).weight.storage);
    expect(net.state_dict({ keep_vars: true })["2.weight"]).toBe((net.at(2) as nn.Linear).weight);
    expect(Object.keys(net.state_dict({ prefix: "model." }))[0]).toBe("model.0.0.weight");
  });

  test("load_state_dict copies values in place (parameters keep their identity)", () => {
    manual_seed(1);
    const a = nested();
    const b = nested();
    const before = (b.at(2) as nn.Linear).weight;
    expect(b.load_state_dict(a.state_dict())).toEqual({ missing_keys: [], unexpected_keys: [] });
    expect((b.at(2) as nn.Linear).weight).toBe(before);
    expect(Array.from(before.toFlatArray())).toEqual(Array.from((a.at(2) as nn.Linear).weight.toFlatArray()));
    const loaded = new Map(Object.entries(a.state_dict()));
    expect(b.load_state_dict(loaded).missing_keys).toEqual([]);
  });
});

describe("modes, gradients, dtype", () => {
  test("train() and eval() are recursive; train needs a boolean", () => {
    const net = new nn.Sequential(new nn.Sequential(new nn.Dropout()), new nn.BatchNorm1d(3));
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => m.training === false)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training === true)).toBe(true);
  });

  test("zero_grad zeroes in place by default (PyTorch 1.13) and sets None on request", () => {
    const fc = new nn.Linear(3, 2);
    fc(ones(4, 3)).backward(ones(4, 2));
    const g = fc.weight.grad!;
    fc.zero_grad();
    expect(fc.weight.grad).toBe(g);
    expect(Array.from(g.toFlatArray()).every((v) => v === 0)).toBe(true);
    fc.zero_grad(true);
    expect(fc.weight.grad).toBeNull();
  });

  test("requires_grad_ freezes and unfreezes every parameter", () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
    net.requires_grad_(false);
    expect(net.parameters().every((p) => !p.requires_grad)).toBe(true);
    const y = net(ones(1, 2));
    expect(y.requires_grad).toBe(false);
    net.requires_grad_();
    expect(net.parameters().every((p) => p.requires_grad)).toBe(true);
  });

  test("apply visits children first, then the module", () => {
    const order: string[] = [];
    const net = new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.ReLU()));
    net.apply((m) => order.push(m._get_name()));
    expect(order).toEqual(["Linear", "ReLU", "Sequential", "Sequential"]);
  });

  test("to(float64) / double() / float() convert parameters in place and buffers, not integer buffers", () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2));
    const w = (net.at(0) as nn.Linear).weight;
    const vals = Array.from(w.toFlatArray());
    net.to(float64);
    expect((net.at(0) as nn.Linear).weight).toBe(w);
    expect(w.dtype).toBe(float64);
    expect(Array.from(w.toFlatArray())).toEqual(vals);
    const bn = net.at(1) as nn.BatchNorm1d;
    expect(bn.running_mean!.dtype).toBe(float64);
    expect(bn.num_batches_tracked!.dtype).toBe(int64);
    net.float();
    expect(w.dtype).toBe(float32);
    net.double();
    expect(net(ones(3, 2).double()).dtype).toBe(float64);
    expect(net.to("cpu")).toBe(net);
  });
});

describe("forward hooks", () => {
  test("pre-hooks replace arguments, hooks replace outputs, handles remove them", () => {
    const relu = new nn.ReLU();
    const calls: string[] = [];
    const h1 = relu.register_forward_pre_hook((_m, args) => {
      calls.push("pre");
      return (args[0] as Tensor).neg();
    });
    const h2 = relu.register_forward_hook((_m, _args, out) => {
      calls.push("post");
      return (out as Tensor).mul(10);
    });
    expect(Array.from(relu(tensor([-1.0, 2.0])).toFlatArray())).toEqual([10, 0]);
    expect(calls).toEqual(["pre", "post"]);
    h1.remove();
    h2.remove();
    h2.remove();
    expect(Array.from(relu(tensor([-1.0, 2.0])).toFlatArray())).toEqual([0, 2]);
  });
});

describe("module call context", () => {
  class Net extends nn.Module {
    features = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2));
    fc1 = new nn.Linear(6 * 14 * 14, 10);
    override forward(x: Tensor): Tensor {
      return this.fc1(F.flatten(this.features(x), 1));
    }
  }

  test("listeners see every call with its qualified path and type, in order", () => {
    const events: string[] = [];
    const stop = nn.addModuleCallListener({
      onModuleEnter: (f) => events.push(`> ${f.path || "<root>"} ${f.typeName} ${f.depth}`),
      onModuleExit: (f, o) => events.push(`< ${f.path || "<root>"} ${o.error ? "error" : [...(o.output as Tensor).shape].join("x")}`),
    });
    new Net()(zeros(1, 1, 32, 32));
    stop();
    expect(events).toEqual([
      "> <root> Net 0",
      "> features Sequential 1",
      "> features.0 Conv2d 2",
      "< features.0 1x6x28x28",
      "> features.1 ReLU 2",
      "< features.1 1x6x28x28",
      "> features.2 MaxPool2d 2",
      "< features.2 1x6x14x14",
      "< features 1x6x14x14",
      "> fc1 Linear 1",
      "< fc1 1x10",
      "< <root> 1x10",
    ]);
  });

  test("a module reached through a grandchild is named by its full path", () => {
    class Direct extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(1, 2, 3));
      override forward(x: Tensor): Tensor {
        return this.features.at(0)(x);
      }
    }
    const paths: string[] = [];
    const stop = nn.addModuleCallListener({ onModuleEnter: (f) => paths.push(f.path) });
    new Direct()(zeros(1, 1, 5, 5));
    stop();
    expect(paths).toEqual(["", "features.0"]);
  });

  test("exits are reported for failing calls, the innermost error path is kept, and nothing leaks", () => {
    const exits: string[] = [];
    const stop = nn.addModuleCallListener({ onModuleExit: (f, o) => exits.push(`${f.path}:${o.error ? "error" : "ok"}`) });
    let err: unknown;
    try {
      new Net()(zeros(1, 1, 64, 64));
    } catch (e) {
      err = e;
    }
    stop();
    expect((err as { modulePath: string }).modulePath).toBe("fc1");
    expect(exits.slice(-2)).toEqual(["fc1:error", ":error"]);
    expect(nn.moduleCallStack()).toEqual([]);
  });

  test("currentModuleFrame is available inside forward", () => {
    let seen = "";
    class Probe extends nn.Module {
      override forward(x: Tensor): Tensor {
        seen = nn.currentModuleFrame()!.typeName;
        return x;
      }
    }
    new Probe()(zeros(1));
    expect(seen).toBe("Probe");
    expect(nn.currentModuleFrame()).toBeNull();
  });
});

describe("containers", () => {
  const C = fixture.containers;

  test("Sequential reprs, from arguments or named modules, and slices keep names", () => {
    const seq = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2));
    expect(String(seq)).toBe(C.sequential);
    expect(String(new nn.Sequential({ conv: new nn.Conv2d(1, 6, 5), act: new nn.ReLU() }))).toBe(C.sequential_named);
    expect(String(new nn.Sequential([["conv", new nn.Conv2d(1, 6, 5)], ["act", new nn.ReLU()]]))).toBe(C.sequential_named);
    expect(String(new nn.Sequential())).toBe(C.sequential_empty);
    expect(String(seq.slice(1))).toBe(C.sequential_slice);
    expect(inspect(seq)).toBe(C.sequential);
  });

  test("Sequential indexing, editing and running", () => {
    const a = new nn.Linear(2, 3);
    const b = new nn.ReLU();
    const c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b);
    expect(seq.at(0)).toBe(a);
    expect(seq.get(-1)).toBe(b);
    expect(seq[1]).toBe(b);
    expect(seq.length).toBe(2);
    seq.append(c);
    expect([...seq]).toEqual([a, b, c]);
    expect([...seq(ones(4, 2)).shape]).toEqual([4, 1]);
    seq.delete(1);
    expect(seq.named_children().map(([n]) => n)).toEqual(["0", "1"]);
    expect(seq[1]).toBe(c);
    seq.insert(1, b);
    expect([...seq]).toEqual([a, b, c]);
    expect(seq.pop(0)).toBe(a);
    expect(seq.named_children().map(([n, m]) => `${n}:${m._get_name()}`)).toEqual(["0:ReLU", "1:Linear"]);
    expect(() => seq.at(2)).toThrow("index 2 is out of range");
  });

  test("ModuleList and ModuleDict", () => {
    const ml = new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]);
    expect(String(ml)).toBe(C.module_list);
    expect(ml.length).toBe(2);
    ml.append(new nn.Tanh()).extend([new nn.Sigmoid()]);
    expect([...ml].map((m) => m._get_name())).toEqual(["Linear", "ReLU", "Tanh", "Sigmoid"]);
    expect(ml.parameters().length).toBe(2);
    expect(ml.slice(1, 3).length).toBe(2);
    const md = new nn.ModuleDict({ conv: new nn.Conv2d(1, 1, 1), act: new nn.Tanh() });
    expect(String(md)).toBe(C.module_dict);
    expect(md.keys()).toEqual(["conv", "act"]);
    expect([...md]).toEqual(["conv", "act"]);
    expect(md.get("act")).toBeInstanceOf(nn.Tanh);
    expect(() => md.get("nope")).toThrow("'nope'");
    md.delete("conv");
    expect(md.has("conv")).toBe(false);
    expect(Object.keys(md.state_dict())).toEqual([]);
  });
});

describe("LazyLinear", () => {
  const Z = fixture.lazy;

  test("infers in_features at the first call, draws PyTorch's init then, and becomes a Linear", () => {
    manual_seed(3);
    const m = new nn.LazyLinear(7);
    expect(String(m)).toBe(Z.repr_before);
    expect(String(m.weight)).toBe("<UninitializedParameter>");
    const x = toTensor(Z.input);
    manual_seed(4);
    const y = m(x);
    expect(String(m)).toBe(Z.repr_after);
    expect(m.constructor.name).toBe(Z.type_after);
    expect(m).toBeInstanceOf(nn.Linear);
    expect(m).not.toBeInstanceOf(nn.LazyLinear);
    for (const [k, p] of m.named_parameters()) expectExact(p, Z.params[k], k);
    expectClose(y, Z.output, 1e-5, "output");
    expect(m._forward_pre_hooks.size).toBe(0);
  });

  test("loading a state dict materializes the parameters with the checkpoint's shapes", () => {
    manual_seed(5);
    const src = new nn.Linear(4, 3);
    const m = new nn.LazyLinear(3);
    m.load_state_dict(src.state_dict());
    expect(String(m)).toBe(Z.load_repr);
    for (const [k, p] of m.named_parameters()) expectExact(p, Z.load_params[k], k);
  });

  test("a lazy layer in a net fixes the LeNet 64x64 mismatch", () => {
    const net = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.MaxPool2d(2), new nn.Flatten(), new nn.LazyLinear(10));
    expect([...net(zeros(2, 1, 64, 64)).shape]).toEqual([2, 10]);
    expect(String(net.at(3))).toBe("Linear(in_features=5400, out_features=10, bias=True)");
  });
});

describe("display", () => {
  test("util.inspect and the Jupyter bundle show the repr", () => {
    const m = new nn.Linear(3, 2);
    expect(inspect(m)).toBe("Linear(in_features=3, out_features=2, bias=True)");
    expect((m as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")]!()).toEqual({ "text/plain": "Linear(in_features=3, out_features=2, bias=True)" });
    expect(`${m}`).toBe("Linear(in_features=3, out_features=2, bias=True)");
  });

  test("a network of 2 layers sums gradients of a shared input correctly", () => {
    const x = ones(2, 3).requires_grad_();
    const fc = new nn.Linear(3, 3);
    const y = fc(x);
    y.backward(ones_like(y));
    const colSums = Array.from({ length: 3 }, (_, j) => [0, 1, 2].reduce((s, i) => s + (fc.weight.toFlatArray()[i * 3 + j] as number), 0));
    expect(Array.from(x.grad!.toFlatArray()).slice(0, 3).map((v) => Math.fround(v))).toEqual(colSums.map((v) => Math.fround(v)));
  });
});

describe("typing of calls (checked by tsc) and bad arguments (checked at run time)", () => {
  const x = zeros(1, 1, 8, 8);

  test("return types follow the options", () => {
    expectTypeOf(new nn.MaxPool2d(2, { return_indices: true })(x)).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(new nn.MaxPool2d(2)(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(F.max_pool2d(x, 2, { return_indices: true })).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(F.max_pool2d(x, [3, 3], { stride: 2 })).toEqualTypeOf<Tensor>();
    expectTypeOf(new nn.AdaptiveMaxPool2d(2, true)(x)).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(new nn.Sequential(new nn.ReLU())(x)).toEqualTypeOf<Tensor>();
    const [y, idx] = new nn.MaxPool2d(2, { return_indices: true })(x);
    expect([...y.shape]).toEqual([1, 1, 4, 4]);
    expect(idx.dtype).toBe(int64);
  });

  test("positional and keyword forms are the same layer", () => {
    const a = new nn.Conv2d(3, 64, 3, 1, 1);
    const b = new nn.Conv2d(3, 64, 3, { padding: 1 });
    const c = new nn.Conv2d(3, 64, 3, 1, { padding: 1 });
    expect(String(a)).toBe(String(b));
    expect(String(a)).toBe(String(c));
    expect(() => new nn.Conv2d(3, 64, 3, 1, { stride: 2 } as never)).toThrow("Conv2d.__init__() got multiple values for argument 'stride'");
    expect(() => new nn.Linear(3, 2, { bais: false } as never)).toThrow("Linear.__init__() got an unexpected keyword argument 'bais'");
  });

  test("wrong argument types are typed errors, not crashes", () => {
    // @ts-expect-error stride must be a number or a pair
    expect(() => new nn.Conv2d(3, 64, 3, "x")).toThrow("stride must be an int or a pair of ints");
    // @ts-expect-error a Linear takes a tensor
    expect(() => new nn.Linear(2, 2)(3)).toThrow("linear(): argument 'input' (position 1) must be Tensor, not int");
    expect(() => F.conv2d(zeros(1, 1, 3, 3), "w" as never)).toThrow("conv2d(): argument 'weight' (position 2) must be Tensor, not str");
    expect(() => F.max_pool2d(null as never, 2)).toThrow("max_pool2d(): argument 'input' (position 1) must be Tensor, not NoneType");
  });
});

describe("edge cases", () => {
  test("a lazy module's state dict holds its uninitialized parameters", () => {
    const sd = new nn.LazyLinear(3).state_dict();
    expect(Object.keys(sd)).toEqual(["weight", "bias"]);
    expect(String(sd.weight)).toBe("<UninitializedParameter>");
  });

  test("devices other than the CPU are refused clearly", () => {
    expect(() => new nn.Linear(2, 2).to("cuda")).toThrow("tsorch computes on the CPU only; device 'cuda' is not available");
    expect(() => new nn.Linear(2, 2).to({ device: "cuda:0" })).toThrow("tsorch computes on the CPU only; device 'cuda:0' is not available");
  });

  test("a listener that throws on enter does not leave a frame behind", () => {
    const stop = nn.addModuleCallListener({
      onModuleEnter: () => {
        throw new Error("listener failed");
      },
    });
    try {
      expect(() => new nn.ReLU()(zeros(1))).toThrow("listener failed");
    } finally {
      stop();
    }
    expect(nn.moduleCallStack()).toEqual([]);
  });

  test("modules work in float64 end to end (conv, pool, batchnorm, linear)", () => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(2 * 3 * 3, 2),
    ).double();
    const x = ones(2, 1, 8, 8).double().requires_grad_();
    const y = net(x);
    expect(y.dtype).toBe(float64);
    y.backward(ones_like(y));
    expect(x.grad!.dtype).toBe(float64);
    expect((net.at(0) as nn.Conv2d).weight.grad!.dtype).toBe(float64);
  });
});

describe("state dict versions", () => {
  test("a state dict carries PyTorch's _metadata (not as a key)", () => {
    const sd = new nn.Sequential(new nn.Linear(1, 1), new nn.BatchNorm1d(1)).state_dict();
    expect(Object.keys(sd)).not.toContain("_metadata");
    expect((sd as unknown as { _metadata: unknown })._metadata).toEqual({ "": { version: 1 }, "0": { version: 1 }, "1": { version: 2 } });
  });

  test("BatchNorm: num_batches_tracked is missing from a versioned state dict, filled with 0 in a hand-made one", () => {
    const sd = new nn.BatchNorm2d(2).state_dict();
    delete sd.num_batches_tracked;
    expect(() => new nn.BatchNorm2d(2).load_state_dict(sd)).toThrow(
      'Error(s) in loading state_dict for BatchNorm2d:\n\tMissing key(s) in state_dict: "num_batches_tracked". ');
    const plain = { ...new nn.BatchNorm2d(2).state_dict() };
    delete plain.num_batches_tracked;
    const bn = new nn.BatchNorm2d(2);
    bn.num_batches_tracked!.storage.data[0] = 5;
    expect(bn.load_state_dict(plain)).toEqual({ missing_keys: [], unexpected_keys: [] });
    expect(bn.num_batches_tracked!.item()).toBe(0);
  });
});
