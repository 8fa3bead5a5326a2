/**
 * Op families (src/shape/): layers reach theirs through an inherited op_spec(),
 * user modules are traced through the F.* ops they call, and every import
 * path of nn gets explained shape errors.
 */
import { describe, expect, test } from "vitest";
import * as nn from "../src/nn/index.js";
import * as F from "../src/nn/functional/index.js";
import { zeros } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { summary } from "../src/trace/summary.js";
import { convOutputSize, poolOutputSize } from "../src/shape/dim.js";
import { sym } from "../src/shape/sym.js";
import { explanationOf } from "./explain-support.js";


class MyConv extends nn.Conv2d {}

class SubclassNet extends nn.Module {
  conv1 = new MyConv(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);

  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    return this.fc1(x.view(x.size(0), -1));
  }
}

function cifar(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(64 * 8 * 8, 10));
}

describe("one size rule for numbers and formulas", () => {
  test("conv and pooling sizes", () => {
    expect(convOutputSize(32, 5, 1, 0, 0, 1)).toBe(28);
    expect(String(convOutputSize(sym("H"), 5, 1, 0, 0, 1))).toBe("H−4");
    expect(String(poolOutputSize(convOutputSize(sym("H"), 3, 1, 1, 1, 1), 2, 0, 0, 2, 1, false))).toBe("⌊H/2⌋");
    // A padded conv after a pooling keeps the pooled size (this used to loop in the simplifier).
    expect(String(convOutputSize(poolOutputSize(sym("H"), 2, 0, 0, 2, 1, false), 3, 1, 1, 1, 1))).toBe("⌊H/2⌋");
    for (let h = 1; h < 40; h++) expect(poolOutputSize(sym("H"), 3, 1, 1, 2, 1, true).eval({ H: h })).toBe(poolOutputSize(h, 3, 1, 1, 2, 1, true));
  });
});

describe("layers reach their family through op_spec()", () => {
  test("a subclass of Conv2d is a conv: exact sizes and its mult-adds", () => {
    const net = new SubclassNet();
    const ex = explanationOf(() => net(zeros(1, 1, 64, 64)));
    expect(ex.exact).toBe(true);
    expect(ex.headline).toBe("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(ex.sizesText).toMatch(/^square inputs 32 to 35/);
    expect(ex.sizesText).not.toContain("approximate");
    const s = summary(net, [1, 1, 64, 64]);
    const conv1 = s.trace.row("conv1")!;
    expect(conv1.spec.op).toBe("conv2d");
    expect(conv1.macs).toBe(156 * 60 * 60);
    expect(new MyConv(1, 6, 5).op_spec()!.args).toBe("1, 6, 5");
  });

  test("a CIFAR-style Sequential fed 28×28: the sizes that work, not 'no input size fixes this'", () => {
    const ex = explanationOf(() => cifar()(zeros(1, 3, 28, 28)));
    expect(ex.exact).toBe(true);
    expect(ex.headline).toBe("Linear 7 expects 4096 = 64×8×8 features, got 3136 = 64×7×7");
    expect(ex.sizesText).toMatch(/^square inputs 32 to 35/);
    expect(ex.fixes[0]).toBe('resize the input to 32×32: F.interpolate(x, { size: [32, 32], mode: "bilinear" })');
  });

  test("a module of one's own without op_spec() is traced through the F.* ops it calls", () => {
    class Block extends nn.Module {
      override forward(x: Tensor): Tensor {
        return F.max_pool2d(F.relu(x), 2);
      }
    }
    const net = new nn.Sequential(new nn.Conv2d(1, 4, 3), new Block(), new nn.Flatten(), new nn.Linear(4 * 7 * 7, 2));
    const ex = explanationOf(() => net(zeros(1, 1, 20, 20)));
    expect(ex.exact).toBe(true);
    expect(ex.sizesText).toMatch(/^square inputs 16 to 17/);
    expect(ex.trace.steps.map((r) => r.spec.op)).toEqual(["conv2d", "elementwise", "max_pool2d", "flatten", "linear"]);
  });
});

describe("sequence families", () => {
  test("an LSTM fed (batch, feature, seq) with batch_first: the layout is the fix", () => {
    class Seq extends nn.Module {
      lstm = new nn.LSTM(10, 20, { batch_first: true });
      norm = new nn.LayerNorm(20);
      override forward(x: Tensor): Tensor {
        return this.norm(this.lstm(x)[0]);
      }
    }
    const net = new Seq();
    expect(net(zeros(2, 7, 10)).shape).toEqual([2, 7, 20]);
    const ex = explanationOf(() => net(zeros(2, 10, 7)));
    expect(ex.headline).toBe("lstm expects 10 features in the last dim (input_size=10), got 7 from (2, 10, 7)");
    expect(ex.details).toEqual(["with batch_first=True the input (2, 10, 7) reads as (batch, seq, feature): batch 2, seq 10, feature 7"]);
    expect(ex.fixes[0]).toBe("the input has 10 in dim 1: put the features last, e.g. x.transpose(1, 2)");
    expect(ex.exact).toBe(true);
  });
});
