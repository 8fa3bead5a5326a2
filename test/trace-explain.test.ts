/**
 * Explained shape errors: the error thrown by `net(x)` keeps PyTorch's
 * message and class and gains the trace up to the failing step, the
 * arithmetic, the input sizes that would work and concrete fixes — for
 * LeNet and for nets failing in other ways. And the silent view bug, warned
 * about once per call site.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { inspect } from "node:util";
import { F, ShapeError, type Tensor, nn, setFlightRecorder, torch, trace } from "../src/index.js";
import type { Explanation } from "../src/trace/explain.js";
import type { Trace } from "../src/trace/trace.js";
import { resetViewWarnings } from "../src/trace/view-warning.js";
import { catch_warnings, resetWarnings } from "../src/warnings.js";
import { BrokenResidual, ChannelMismatch, Net, NetView, adaptiveNet, shrinkingNet, stridedCnn } from "./trace-nets.js";
import { markup } from "./html-markup.js";

const DISPLAY = Symbol.for("Jupyter.display");

type Explained = ShapeError & { trace: Trace; explanation: Explanation };

function failure(f: () => unknown): Explained {
  try {
    f();
  } catch (e) {
    return e as Explained;
  }
  throw new Error("expected a failure");
}

describe("LeNet on 64x64", () => {
  test("PyTorch's error, unchanged, carrying the trace up to fc1", () => {
    const err = failure(() => new Net()(torch.randn(1, 1, 64, 64)));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.name).toBe("RuntimeError");
    expect(err.message).toBe("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    expect(err.modulePath).toBe("fc1");
    expect(Object.keys(err)).not.toContain("trace");
    const t = err.trace;
    expect(t.failedRow!.path).toBe("fc1");
    expect(t.rows.length).toBe(9);
    expect(t.rows.filter((r) => r.failed).map((r) => r.path)).toEqual(["", "fc1"]);
    expect([...t.row("view")!.outputs[0]!.shape]).toEqual([1, 2704]);
    expect(t.chain()).toBe("(1, 1, 64, 64) → conv1(1, 6, 5) → (1, 6, 60, 60) → max_pool2d(2, 2) → (1, 6, 30, 30) → " +
      "conv2(6, 16, 5) → (1, 16, 26, 26) → max_pool2d(2, 2) → (1, 16, 13, 13) → view(-1, 2704) → (1, 2704) → fc1(400, 120) ✗");
  });

  test("expected against got with the arithmetic, the sizes that work, the fixes", () => {
    const ex = failure(() => new Net()(torch.randn(1, 1, 64, 64))).explanation;
    expect(ex.headline).toBe("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(ex.sizesText).toBe("square inputs 32 to 35; also H 16–19 with W 112–115, H 112–115 with W 16–19");
    expect(formatSquare(ex)).toBe("32–35");
    expect(ex.details).toContain("the 2704 features come from view(-1, 2704) of (1, 16, 13, 13)");
    expect(ex.details).toContain("f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3");
    expect(ex.fixes[0]).toBe('resize the input to 32×32: F.interpolate(x, { size: [32, 32], mode: "bilinear" })');
    expect(ex.fixes[1]).toBe("add nn.AdaptiveAvgPool2d([5, 5]) before flattening: 16×5×5 = 400 features for any input size");
    expect(ex.fixes[2]).toContain("nn.LazyLinear(120)");
    expect(ex.fixes[2]).toContain("in_features=2704");
  });

  test("after a run that worked, that run is solved (no shape-only run again)", () => {
    const net = new Net();
    net(torch.randn(1, 1, 32, 32));
    const ex = failure(() => net(torch.randn(1, 1, 64, 64))).explanation;
    expect(ex.sizesText).toBe("square inputs 32 to 35; also H 16–19 with W 112–115, H 112–115 with W 16–19");
  });

  test("shown through the display symbol and util.inspect", () => {
    const err = failure(() => new Net()(torch.empty(1, 1, 64, 64, { device: "meta" })));
    const bundle = (err as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]!();
    const text = bundle["text/plain"]!;
    expect(text.split("\n")[0]).toBe("RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    expect(text).toContain("✗ fc1 (Linear) failed at step 8 of 8");
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(text).toContain("Sizes that work: square inputs 32 to 35");
    expect(text).toMatch(/├─Linear \(fc1\): 1-8 +400, 120 +\[1, 2704\] +✗ failed/);
    const html = markup(bundle["text/html"]!);
    expect(html).toContain('<tr class="error"><td><code>├─Linear (fc1): 1-8</code></td>');
    expect(html).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(html).toContain("nn.AdaptiveAvgPool2d([5, 5])");
    expect(bundle["text/html"]).toMatch(/<tr class="error"><td align="left" style="[^"]*color: #e53935/);
    const plain = inspect(err);
    expect(plain).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(plain).toMatch(/\n {4}at /);
    expect(inspect(err, { colors: true })).toContain("\x1b[31m");
  });
});

function formatSquare(ex: Explanation): string {
  return ex.sizes!.square!.map((r) => `${r.lo}–${r.hi}`).join(", ");
}

describe("other networks", () => {
  test("a Sequential CNN with strides: the numbered layer, 32×8×8 against 32×16×16, sizes 31 to 34", () => {
    const ex = failure(() => stridedCnn()(torch.empty(2, 3, 64, 64, { device: "meta" }))).explanation;
    expect(ex.headline).toBe("Linear 5 expects 2048 = 32×8×8 features, got 8192 = 32×16×16");
    expect(ex.sizesText).toMatch(/^square inputs 31 to 34; also H 3–6 with W 255–258/);
    expect(ex.fixes).toContain("add nn.AdaptiveAvgPool2d([8, 8]) before flattening: 32×8×8 = 2048 features for any input size");
    expect(ex.details[0]).toBe("the 8192 features come from Flatten(1) of (2, 32, 16, 16)");
  });

  test("adaptive pooling: no failure at any size", () => {
    for (const s of [3, 17, 64, 301]) expect([...adaptiveNet()(torch.empty(1, 3, s, s + 5, { device: "meta" })).shape]).toEqual([1, 10]);
    const err = failure(() => adaptiveNet()(torch.empty(1, 3, 2, 2, { device: "meta" })));
    expect(err.explanation.sizesText).toMatch(/^any H ≥ 3 and W ≥ 3 \(square inputs ≥ 3\)/);
  });

  test("a channel mismatch: no input size fixes it; set in_channels", () => {
    const err = failure(() => new ChannelMismatch()(torch.randn(1, 1, 32, 32)));
    expect(err.message).toBe("Given groups=1, weight of size [16, 16, 5, 5], expected input[1, 6, 28, 28] to have 16 channels, but got 6 channels instead");
    const ex = err.explanation;
    expect(ex.headline).toBe("conv2 expects 16 input channels (in_channels=16), got 6");
    expect(ex.details).toEqual(["the 6 channels come from conv1(1, 6, 5), which outputs (1, 6, 28, 28)"]);
    expect(ex.sizesText).toBe("no input size fixes this: 6 ≠ 16 (conv2: in_channels) does not depend on the input size");
    expect(ex.fixes).toEqual(["set in_channels=6: nn.Conv2d(6, 16, 5)", "or make conv1 produce 16 channels"]);
  });

  test("a pooling whose output gets too small: the lower bound", () => {
    const err = failure(() => shrinkingNet()(torch.randn(1, 1, 12, 12)));
    expect(err.message).toBe("Given input size: (4x1x1). Calculated output size: (4x0x0). Output size is too small");
    const ex = err.explanation;
    expect(ex.headline).toBe("MaxPool2d 4 (max_pool2d 2×2) needs an input of at least 2×2, got 1×1: output size 0");
    expect(ex.sizesText).toBe("any H ≥ 14 and W ≥ 14 (square inputs ≥ 14)");
    expect(ex.fixes[0]).toBe('resize the input to 14×14: F.interpolate(x, { size: [14, 14], mode: "bilinear" })');
  });

  test("a residual add with mismatched shapes: which conv lost its padding", () => {
    const err = failure(() => new BrokenResidual()(torch.randn(1, 3, 32, 32)));
    expect(err.message).toBe("The size of tensor a (30) must match the size of tensor b (32) at non-singleton dimension 3");
    const ex = err.explanation;
    expect(err.trace.failedRow!.path).toBe("BrokenResidual.forward › add");
    expect(ex.headline).toBe("add: the operands must have matching shapes, got [1, 3, 30, 30] and [1, 3, 32, 32] (W−2 vs W at dim 3)");
    expect(ex.details[1]).toBe("operand 2: [1, 3, 32, 32] = (1, 3, H, W) (the input)");
    expect(ex.sizesText).toBe("no input size works: W−2 = W never holds (add: same size in dim 3); " +
      "it runs only where a size of 1 broadcasts against the other side: square input 3");
    expect(ex.fixes[0]).toBe("give conv1 padding=1 so it keeps H and W");
  });

  test("the literal view(-1, 400) on 64x64: a multiple of 400 elements", () => {
    const err = failure(() => new NetView()(torch.randn(1, 1, 64, 64)));
    expect(err.message).toBe("shape '[-1, 400]' is invalid for input of size 2704");
    const ex = err.explanation;
    expect(err.trace.failedRow!.name).toBe("view");
    expect(ex.headline).toBe("view(-1, 400) needs a multiple of 400 elements, got 2704 = 1×16×13×13");
    expect(ex.sizesText).toMatch(/^square inputs 32 to 35/);
  });

  test("a functional op failing in a forward", () => {
    class Fn extends nn.Module {
      w = new nn.Parameter(torch.randn(10, 50));
      override forward(x: Tensor): Tensor {
        return F.linear(x.flatten(1), this.w);
      }
    }
    const err = failure(() => new Fn()(torch.randn(2, 3, 4, 4)));
    expect(err.trace.failedRow!.path).toBe("Fn.forward › F.linear");
    expect(err.explanation.headline).toBe("F.linear in Fn.forward expects 50 features, got 48 = 3×4×4");
  });

  test("errors that are not about shapes stay as they are", () => {
    class Oops extends nn.Module {
      conv = new nn.Conv2d(1, 2, 3);
      override forward(x: Tensor): Tensor {
        if (x.shape[0] === 2) throw new TypeError("not a shape problem");
        return this.conv(x);
      }
    }
    const t = failure(() => new Oops()(torch.randn(2, 1, 8, 8))) as unknown as TypeError;
    expect(t).toBeInstanceOf(TypeError);
    expect("trace" in t).toBe(false);
    const d = failure(() => new Oops()(torch.zeros([1, 1, 8, 8], { dtype: torch.int64 })));
    expect(d.name).toBe("RuntimeError");
    expect("trace" in d).toBe(false);
    expect(inspect(d)).not.toContain("Sizes that work");
  });

  test("with the flight recorder off, errors are PyTorch's alone", () => {
    const was = setFlightRecorder(false);
    try {
      const err = failure(() => new Net()(torch.randn(1, 1, 64, 64)));
      expect(err.message).toBe("mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
      expect("trace" in err).toBe(false);
    } finally {
      setFlightRecorder(was);
    }
  });
});

describe("the silent view bug", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    resetViewWarnings();
  });

  test("batch 25 of 64x64 through view(-1, 400): the run goes on, one warning per call site", () => {
    resetViewWarnings();
    const net = new NetView();
    let y: Tensor | undefined;
    const seen = catch_warnings(() => {
      y = net(torch.randn(25, 1, 64, 64));
      net(torch.randn(25, 1, 64, 64));
    });
    expect([...y!.shape]).toEqual([169, 10]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.category).toBe("UserWarning");
    expect(seen[0]!.message).toMatch(/trace-nets\.ts:\d+:\d+: view\(-1, 400\) turned a batch of 25 samples \[25, 16, 13, 13\] into \[169, 400\]: rows of 400 values now mix pieces of different samples/);
    expect(seen[0]!.message).toContain("x.view(x.size(0), -1) or torch.flatten(x, 1)");
  });

  test("the warning reaches the process's warning listeners at once, as UserWarning", () => {
    resetViewWarnings();
    resetWarnings();
    const got: Error[] = [];
    const listener = (w: Error) => got.push(w);
    process.on("warning", listener);
    try {
      new NetView()(torch.randn(25, 1, 64, 64));
      expect(got).toHaveLength(1);
      expect(got[0]!.name).toBe("UserWarning");
      expect(got[0]!.message).toContain("view(-1, 400) turned a batch of 25 samples");
    } finally {
      process.off("warning", listener);
    }
  });

  test("the trace flags the row", () => {
    let t!: Trace;
    catch_warnings(() => {
      t = trace(new NetView(), [25, 1, 64, 64]);
    });
    expect(t.failed).toBe(false);
    expect(t.warnings.map((r) => r.name)).toEqual(["view"]);
    expect(t.row("view")!.warning).toMatch(/^view\(-1, 400\) turned a batch of 25 samples/);
    const text = t.toText();
    expect(text).toMatch(/├─NetView\.forward › view: 1-7 +-1, 400 +\[25, 16, 13, 13\] +\[169, 400\] ⚠/);
    expect(text).toContain("⚠ NetView.forward › view: view(-1, 400) turned a batch of 25 samples");
    expect(t.toHtml()).toContain('<tr class="warn">');
    // Batch 4 of 52x52: each sample split into 4 rows.
    expect(trace(new NetView(), [4, 1, 52, 52]).row("view")!.warning).toContain("each sample is split into 4 rows");
  });

  test("views that keep the batch, merge it on purpose or flatten everything are not flagged", () => {
    class Views extends nn.Module {
      fc = new nn.Linear(4, 4);
      override forward(x: Tensor): Tensor {
        const merged = x.view(6, 4);          // [2, 3, 4] -> [2·3, 4]
        const all = x.view(-1);               // everything
        return this.fc(merged).add(all.sum());
      }
    }
    const t = trace(new Views(), [2, 3, 4]);
    expect(t.warnings).toEqual([]);
    const seen = catch_warnings(() => {
      expect(trace(new Net(), [25, 1, 32, 32]).warnings).toEqual([]);
      trace(new Views(), [2, 3, 4]);
    });
    expect(seen).toEqual([]);
  });
});
