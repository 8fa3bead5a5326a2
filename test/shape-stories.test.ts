/**
 * Every kind of shape failure explains itself in the same form: a headline
 * with the arithmetic, the trace up to the failing step, the sizes that work
 * (checked here against real shape-only runs at every size they cover), and
 * fixes that run when applied. One network per kind: Linear in_features,
 * view/reshape, conv/pool too small, conv channels, broadcasting in a
 * residual add, cat, attention-style bmm/matmul, narrow/select/index/split/
 * chunk/expand, interpolate, pad, unflatten, and batch_first confusions in
 * LSTM/GRU and MultiheadAttention.
 */
import { describe, expect, test } from "vitest";
import { F, nn, torch, type Tensor } from "../src/index.js";
import type { Explanation } from "../src/trace/explain.js";
import { explanationOf } from "./explain-support.js";


type Net = (x: Tensor) => unknown;

/** Whether a shape-only run of `net` at `shape` succeeds and keeps the batch. */
function runs(net: Net, shape: number[]): boolean {
  try {
    const out = net(torch.empty(shape, { device: "meta" }));
    const y = (Array.isArray(out) ? out[0] : out) as Tensor;
    return y.shape[0] === shape[0];
  } catch {
    return false;
  }
}

/**
 * The explanation's working sizes against real runs: every square size up to `limit`, and H×W pairs
 * around the failing size.
 */
function expectSizesMatchRuns(ex: Explanation, net: Net, lead: number[], limit = 48): void {
  const sol = ex.sizes!;
  expect(sol).not.toBeNull();
  const check = (h: number, w: number) => expect([h, w, sol.works({ H: h, W: w })]).toEqual([h, w, runs(net, [...lead, h, w])]);
  for (let s = 1; s <= limit; s++) check(s, s);
  for (const h of [3, 7, 16, 31]) for (const w of [2, 9, 17, 40]) check(h, w);
}

/** The resize fix's size: `resize the input to 32×32: ...` → [32, 32]. */
function resizeSize(ex: Explanation): [number, number] {
  const m = /resize the input to (\d+)×(\d+)/.exec(ex.fixes[0] ?? "");
  expect(m).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

/** The steps of the trace up to the failing one, as `name(args)`. */
function stepsUpTo(ex: Explanation): string[] {
  const steps = ex.trace.steps;
  return steps.slice(0, steps.indexOf(ex.row!) + 1).map((r) => `${r.name}:${r.spec.op}`);
}

describe("a failure kind, its explanation", () => {
  test("Linear in_features: the product of the flattened sizes, and fixes that run", () => {
    const net = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 7 * 7, 10));
    const ex = explanationOf(() => net(torch.zeros(2, 3, 20, 20)));
    expect(ex.headline).toBe("Linear 3 expects 392 = 8×7×7 features, got 648 = 8×9×9");
    expect(ex.sizesText).toMatch(/^square inputs 16 to 17/);
    expect(ex.exact).toBe(true);
    expectSizesMatchRuns(ex, net, [2, 3]);
    expect(runs(net, [2, 3, ...resizeSize(ex)])).toBe(true);
    expect(ex.fixes).toContain("add nn.AdaptiveAvgPool2d([7, 7]) before flattening: 8×7×7 = 392 features for any input size");
    const fixed = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.MaxPool2d(2), new nn.AdaptiveAvgPool2d([7, 7]), new nn.Flatten(), new nn.Linear(392, 10));
    expect(runs(fixed, [2, 3, 20, 20])).toBe(true);
  });

  test("view with a literal size: elements against the requested size", () => {
    class V extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3);
      override forward(x: Tensor): Tensor { return this.conv(x).view(-1, 4 * 26 * 26); }
    }
    const net = new V();
    const ex = explanationOf(() => net(torch.zeros(2, 1, 30, 30)));
    expect(ex.headline).toBe("view(-1, 2704) needs a multiple of 2704 elements, got 6272 = 2×4×28×28");
    expect(ex.sizesText).toMatch(/^square input 28;/);
    expect(stepsUpTo(ex)).toEqual(["conv:conv2d", "view:view"]);
    expectSizesMatchRuns(ex, net, [2, 1]);
  });

  test("reshape to a literal shape: the element count", () => {
    class R extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3);
      override forward(x: Tensor): Tensor { return this.conv(x).reshape(2, 4, 26, 26); }
    }
    const net = new R();
    const ex = explanationOf(() => net(torch.zeros(2, 1, 30, 30)));
    expect(ex.headline).toBe("reshape(2, 4, 26, 26) needs 5408 elements, got 6272 = 2×4×28×28");
    expect(ex.sizesText).toBe("square input 28");
    expectSizesMatchRuns(ex, net, [2, 1]);
  });

  test("conv too small after poolings: where it shrank and the smallest size", () => {
    const net = new nn.Sequential(new nn.Conv2d(3, 8, 5), new nn.MaxPool2d(2), new nn.Conv2d(8, 8, 5), new nn.MaxPool2d(2));
    const ex = explanationOf(() => net(torch.zeros(1, 3, 12, 12)));
    expect(ex.headline).toBe("Conv2d 2 (kernel 5×5) needs an input of at least 5×5, got 4×4");
    expect(ex.details).toEqual(["the input (1, 3, 12, 12) shrinks to 4×4 by the time it reaches Conv2d 2"]);
    expect(ex.sizesText).toBe("any H ≥ 16 and W ≥ 16 (square inputs ≥ 16)");
    expectSizesMatchRuns(ex, net, [1, 3]);
    expect(runs(net, [1, 3, ...resizeSize(ex)])).toBe(true);
  });

  test("conv channels: no input size fixes it, the in_channels fix runs", () => {
    const net = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.Conv2d(16, 8, 3));
    const ex = explanationOf(() => net(torch.zeros(1, 3, 16, 16)));
    expect(ex.headline).toBe("Conv2d 1 expects 16 input channels (in_channels=16), got 8");
    expect(ex.sizesText).toMatch(/^no input size fixes this: 8 ≠ 16/);
    expect(ex.fixes).toEqual(["set in_channels=8: nn.Conv2d(8, 8, 3)", "or make Conv2d 0 produce 16 channels"]);
    expect(runs(new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.Conv2d(8, 8, 3)), [1, 3, 16, 16])).toBe(true);
  });

  test("broadcasting in a residual add: PyTorch's message, the channels, a fix that runs", () => {
    class Res extends nn.Module {
      conv = new nn.Conv2d(64, 32, 1);
      override forward(x: Tensor): Tensor { return x.add(this.conv(x)); }
    }
    const ex = explanationOf(() => new Res()(torch.zeros(1, 64, 8, 8)));
    expect(ex.message).toBe("The size of tensor a (64) must match the size of tensor b (32) at non-singleton dimension 1");
    expect(ex.headline).toBe("add: the operands must have matching shapes, got [1, 64, 8, 8] and [1, 32, 8, 8] (64 vs 32 at dim 1)");
    expect(ex.sizesText).toMatch(/^no input size fixes this: 64 ≠ 32/);
    expect(ex.fixes[0]).toBe("make conv output 64 channels: nn.Conv2d(64, 64, 1)");
    class Fixed extends Res {
      override conv = new nn.Conv2d(64, 64, 1);
    }
    expect(runs(new Fixed(), [1, 64, 8, 8])).toBe(true);
  });

  test("broadcasting in a residual add that lost its padding: the padding fix", () => {
    class Res extends nn.Module {
      conv = new nn.Conv2d(4, 4, 3);
      override forward(x: Tensor): Tensor { return x.add(F.relu(this.conv(x))); }
    }
    const net = new Res();
    const ex = explanationOf(() => net(torch.zeros(1, 4, 16, 16)));
    expect(ex.headline).toBe("add: the operands must have matching shapes, got [1, 4, 16, 16] and [1, 4, 14, 14] (W vs W−2 at dim 3)");
    expect(ex.fixes[0]).toBe("give conv padding=1 so it keeps H and W");
    expectSizesMatchRuns(ex, net, [1, 4]);
  });

  test("cat of two branches: the mismatched dim, where each came from, the sizes where they agree", () => {
    class Cat extends nn.Module {
      a = new nn.Conv2d(3, 4, 3, { padding: 1 });
      b = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 });
      override forward(x: Tensor): Tensor { return torch.cat([this.a(x), F.interpolate(this.b(x), { scale_factor: 2 })], 1); }
    }
    const net = new Cat();
    const ex = explanationOf(() => net(torch.zeros(1, 3, 15, 15)));
    expect(ex.headline).toBe("cat along dim 1: every other dim must match, got (1, 4, 15, 15) and (1, 4, 16, 16) (dim 2: 15 vs 16)");
    expect(ex.details).toEqual(["tensor 1: (1, 4, 15, 15) from a(3, 4, 3, padding=1)", "tensor 2: (1, 4, 16, 16) from interpolate(scale_factor=2, mode='nearest')"]);
    expect(ex.sizesText).toBe("any H 2, 4, … (every 2nd) and W 2, 4, … (every 2nd) (square inputs 2, 4, … (every 2nd))");
    expectSizesMatchRuns(ex, net, [1, 3]);
  });

  test("attention-style bmm and matmul: the inner sizes and where each operand came from", () => {
    class Attn extends nn.Module {
      q = new nn.Linear(16, 8);
      k = new nn.Linear(16, 12);
      constructor(readonly product: (a: Tensor, b: Tensor) => Tensor) {
        super();
      }
      override forward(x: Tensor): Tensor { return this.product(this.q(x), this.k(x).transpose(1, 2)); }
    }
    for (const [name, product] of [["bmm", torch.bmm], ["matmul", torch.matmul]] as const) {
      const ex = explanationOf(() => new Attn(product)(torch.zeros(2, 5, 16)));
      expect(ex.headline).toBe(`${name}: the inner sizes must match, got (2, 5, 8) @ (2, 12, 5): 8 ≠ 12`);
      expect(ex.details).toEqual(["operand 1: (2, 5, 8) from q(16, 8)", "operand 2: (2, 12, 5) from transpose(1, 2)"]);
      expect(ex.sizesText).toMatch(/^no input size fixes this: 8 ≠ 12/);
    }
  });
});

describe("parts of a dim: narrow, select, index, split, chunk, expand", () => {
  test("narrow past the end of a dim that shrank", () => {
    class N extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3);
      override forward(x: Tensor): Tensor { return this.conv(x).narrow(3, 0, 28); }
    }
    const net = new N();
    const ex = explanationOf(() => net(torch.zeros(1, 1, 20, 20)));
    expect(ex.headline).toBe("narrow(3, 0, 28) needs dim 3 of at least 0 + 28 = 28, got 18");
    expect(ex.details).toEqual(["dim 3 of (1, 4, 18, 18) = W−2 = 18, from conv(1, 4, 3)"]);
    expect(ex.sizesText).toBe("any H ≥ 3 and W ≥ 30 (square inputs ≥ 30)");
    expectSizesMatchRuns(ex, net, [1, 1]);
    expect(runs(net, [1, 1, ...resizeSize(ex)])).toBe(true);
  });

  test("select and x[...] with an index past the end: PyTorch's IndexError, explained", () => {
    class S extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { stride: 2 });
      constructor(readonly pick: (t: Tensor) => Tensor) {
        super();
      }
      override forward(x: Tensor): Tensor { return this.pick(this.conv(x)); }
    }
    const sel = new S((t) => t.select(2, 9));
    const err = (() => { try { sel(torch.zeros(1, 1, 16, 16)); } catch (e) { return e as Error & { explanation: Explanation }; } })()!;
    expect(err.name).toBe("IndexError");
    expect(err.message).toBe("index 9 is out of bounds for dimension 2 with size 7");
    expect(err.explanation.headline).toBe("select(2, 9): index 9 needs dim 2 of at least 10, got 7");
    expect(err.explanation.sizesText).toBe("any H ≥ 21 and W ≥ 3 (square inputs ≥ 21)");
    expectSizesMatchRuns(err.explanation, sel, [1, 1]);
    const idx = new S((t) => t.index(":", ":", 9, "2:"));
    const ex = explanationOf(() => idx(torch.zeros(1, 1, 16, 16)));
    expect(ex.headline).toBe("x[:, :, 9, 2:] needs dim 2 of at least 10, got 7");
    expect(ex.sizesText).toBe("any H ≥ 21 and W ≥ 5 (square inputs ≥ 21)");
    expectSizesMatchRuns(ex, idx, [1, 1]);
  });

  test("split sizes that no longer add up; chunks that no longer match", () => {
    class Sp extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
      override forward(x: Tensor): Tensor {
        const [a, b] = this.conv(x).split([16, 16], 3);
        return a!.add(b!);
      }
    }
    const sp = new Sp();
    const ex = explanationOf(() => sp(torch.zeros(1, 1, 32, 30)));
    expect(ex.headline).toBe("split: the sizes [16, 16] add up to 32, but dim 3 is 30");
    expect(ex.sizesText).toBe("any H ≥ 1 and W 32 (square input 32)");
    expectSizesMatchRuns(ex, sp, [1, 1]);
    class Ch extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
      override forward(x: Tensor): Tensor {
        const [a, b] = this.conv(x).chunk(2, 3);
        return torch.cat([a!, b!], 1);
      }
    }
    const ch = new Ch();
    const ex2 = explanationOf(() => ch(torch.zeros(1, 1, 32, 31)));
    expect(ex2.headline).toBe("cat along dim 1: every other dim must match, got (1, 4, 32, 16) and (1, 4, 32, 15) (dim 3: 16 vs 15)");
    expect(ex2.details).toEqual(["tensor 1: (1, 4, 32, 16) from chunk(2, 3)", "tensor 2: (1, 4, 32, 15) from chunk(2, 3)"]);
    expectSizesMatchRuns(ex2, ch, [1, 1]);
  });

  test("expand of a dim that is neither 1 nor the target", () => {
    class E extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
      override forward(x: Tensor): Tensor { return this.conv(x).mean(3, { keepdim: true }).expand(1, 4, 32, 32); }
    }
    const net = new E();
    const ex = explanationOf(() => net(torch.zeros(1, 1, 30, 30)));
    expect(ex.headline).toBe("expand(1, 4, 32, 32): dim 2 must be 1 or 32 to expand, got 30");
    expect(ex.details).toEqual(["dim 2 of (1, 4, 30, 1) = H = 30, from mean(dim=3, keepdim=True)"]);
    expectSizesMatchRuns(ex, net, [1, 1]);
  });
});

describe("resizing, padding, unflatten", () => {
  test("interpolate by a scale that empties a small map", () => {
    class I extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { stride: 2 });
      override forward(x: Tensor): Tensor { return F.interpolate(this.conv(x), { scale_factor: 0.25 }); }
    }
    const net = new I();
    const ex = explanationOf(() => net(torch.zeros(1, 1, 5, 5)));
    expect(ex.headline).toBe("interpolate(scale_factor=0.25, mode='nearest') turns dim 2 = 2 into ⌊2×0.25⌋ = 0; it needs an input of at least 4");
    expect(ex.sizesText).toBe("any H ≥ 9 and W ≥ 9 (square inputs ≥ 9)");
    expectSizesMatchRuns(ex, net, [1, 1]);
    expect(runs(net, [1, 1, ...resizeSize(ex)])).toBe(true);
  });

  test("pad that crops too much, and reflection wider than the dim", () => {
    class P extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3);
      constructor(readonly pads: number[], readonly mode: string) {
        super();
      }
      override forward(x: Tensor): Tensor { return F.pad(this.conv(x), this.pads, this.mode as "constant"); }
    }
    const crop = new P([-4, -4, 0, 0], "constant");
    const ex = explanationOf(() => crop(torch.zeros(1, 1, 8, 8)));
    expect(ex.headline).toBe("pad((-4, -4, 0, 0)) leaves dim 3 with 6 − 8 = −2; dim 3 needs at least 8");
    expect(ex.sizesText).toBe("any H ≥ 3 and W ≥ 10 (square inputs ≥ 10)");
    expectSizesMatchRuns(ex, crop, [1, 1]);
    const reflect = new P([3, 3, 3, 3], "reflect");
    const ex2 = explanationOf(() => reflect(torch.zeros(1, 1, 5, 5)));
    expect(ex2.message).toMatch(/^Argument #4: Padding size should be less than the corresponding input dimension/);
    expect(ex2.headline).toBe("pad((3, 3, 3, 3), 'reflect') reflects 3 values in dim 3, which has 3; dim 3 needs at least 4");
    expect(ex2.sizesText).toBe("any H ≥ 6 and W ≥ 6 (square inputs ≥ 6)");
    expectSizesMatchRuns(ex2, reflect, [1, 1]);
  });

  test("unflatten into sizes the dim no longer has", () => {
    class U extends nn.Module {
      conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
      override forward(x: Tensor): Tensor { return this.conv(x).flatten(2).unflatten(2, [16, 16]); }
    }
    const net = new U();
    const ex = explanationOf(() => net(torch.zeros(1, 1, 15, 16)));
    expect(ex.headline).toBe("unflatten(2, (16, 16)) needs dim 2 to be 256 = 16×16, got 240");
    expect(ex.details).toEqual(["dim 2 of (1, 4, 240) = H·W = 240, from flatten(2)"]);
    expect(ex.fixes[1]).toBe("or let the first size follow the data: unflatten(2, (-1, 16))");
    expectSizesMatchRuns(ex, net, [1, 1]);
  });
});

describe("batch_first confusions in sequence layers", () => {
  test("GRU: an initial state sized for the other layout names the seq, batch and feature dims it saw", () => {
    const gru = new nn.GRU(8, 16);
    const ex = explanationOf(() => gru(torch.zeros(4, 6, 8), torch.zeros(1, 4, 16)));
    expect(ex.message).toBe("Expected hidden size (1, 6, 16), got [1, 4, 16]");
    expect(ex.headline).toBe("GRU: the hidden state's batch is 4, the input's is 6 (batch_first=False)");
    expect(ex.details).toEqual([
      "with batch_first=False the input (4, 6, 8) reads as (seq, batch, feature): seq 4, batch 6, feature 8",
      "the hidden state (1, 4, 16) reads as (layers×directions, batch, hidden): batch 4",
    ]);
    expect(ex.fixes[0]).toBe("the input's batch looks like dim 0: build the layer with { batch_first: true } (or transpose(0, 1) the input)");
    expect(new nn.GRU(8, 16, { batch_first: true })(torch.zeros(4, 6, 8), torch.zeros(1, 4, 16))[0].shape).toEqual([4, 6, 16]);
  });

  test("LSTM fed features in the middle: the sizes that work are named L and F", () => {
    const lstm = new nn.LSTM(8, 16, { batch_first: true });
    const ex = explanationOf(() => lstm(torch.zeros(4, 8, 6)));
    expect(ex.headline).toBe("LSTM expects 8 features in the last dim (input_size=8), got 6 from (4, 8, 6)");
    expect(ex.sizesText).toMatch(/^any L ≥ 1 and F 8/);
    expect(ex.fixes[0]).toBe("the input has 8 in dim 1: put the features last, e.g. x.transpose(1, 2)");
    expect(lstm(torch.zeros(4, 8, 6).transpose(1, 2))[0].shape).toEqual([4, 6, 16]);
  });

  test("MultiheadAttention: batch-first tensors in a seq-first layer, and an embedding size off", () => {
    const mha = new nn.MultiheadAttention(16, 4);
    const q = torch.zeros(2, 5, 16);
    const kv = torch.zeros(2, 7, 16);
    const ex = explanationOf(() => mha(q, kv, kv));
    expect(ex.headline).toBe("MultiheadAttention: key and value must have the query's batch size, got query 5 and key 7 in dim 1 (batch_first=False)");
    expect(ex.details).toEqual([
      "with batch_first=False each input reads as (seq, batch, feature):",
      "query (2, 5, 16): seq 2, batch 5, feature 16",
      "key (2, 7, 16): seq 2, batch 7, feature 16",
      "value (2, 7, 16): seq 2, batch 7, feature 16",
    ]);
    expect(ex.fixes[0]).toMatch(/^the inputs agree in dim 0: if they are \(batch, seq, feature\), build the layer with \{ batch_first: true \}/);
    expect(ex.fixes[1]).toBe("or give query, key and value the same batch in dim 1: the query has 5, the key 7 and the value 7");
    expect(new nn.MultiheadAttention(16, 4, { batch_first: true })(q, kv, kv)[0].shape).toEqual([2, 5, 16]);

    class Enc extends nn.Module {
      proj = new nn.Linear(10, 12);
      attn = new nn.MultiheadAttention(16, 4);
      override forward(x: Tensor): Tensor {
        const h = this.proj(x);
        return this.attn(h, h, h)[0];
      }
    }
    const ex2 = explanationOf(() => new Enc()(torch.zeros(5, 2, 10)));
    expect(ex2.headline).toBe("attn expects 16 features in the last dim of the query (embed_dim=16), got 12 from (5, 2, 12)");
    expect(ex2.fixes).toEqual(["project the query to 16 features first: nn.Linear(12, 16)", "or build the layer for 12 features: nn.MultiheadAttention(12, 4)"]);
  });
});
