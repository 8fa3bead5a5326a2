/**
 * Traces and summaries: every step of a forward as a row (modules,
 * functional ops, views, torch ops), with arguments, shapes, parameters,
 * mult-adds and time; torchinfo's table and totals; the tutorial's arrow
 * chain; text, ANSI and HTML; and the op hook underneath.
 */
import { describe, expect, test } from "vitest";
import { inspect } from "node:util";
import { F, type Tensor, nn, summary, torch, trace } from "../src/index.js";
import { addOpListener, hooked } from "../src/ops/op-hook.js";
import { Net, Residual, stridedCnn } from "./trace-nets.js";
import { markup } from "./html-markup.js";

const LENET_PATHS = [
  "", "conv1", "Net.forward › F.relu", "Net.forward › F.max_pool2d", "conv2", "Net.forward › F.relu",
  "Net.forward › F.max_pool2d", "Net.forward › view", "fc1", "Net.forward › F.relu", "fc2", "Net.forward › F.relu", "fc3",
];

const LENET_CHAIN = "(1, 1, 32, 32) → conv1(1, 6, 5) → (1, 6, 28, 28) → max_pool2d(2, 2) → (1, 6, 14, 14) → " +
  "conv2(6, 16, 5) → (1, 16, 10, 10) → max_pool2d(2, 2) → (1, 16, 5, 5) → view(-1, 400) → (1, 400) → " +
  "fc1(400, 120) → (1, 120) → fc2(120, 84) → (1, 84) → fc3(84, 10) → (1, 10)";

describe("op hook", () => {
  test("a hooked op keeps its name, this and result, and reports only the outermost call", () => {
    const inner = hooked("inner", function inner(this: unknown, a: number) { return a + 1; });
    const outer = hooked("outer", function outer(a: number) { return inner(a) * 2; });
    expect(outer.name).toBe("outer");
    expect(outer(1)).toBe(4);
    const seen: string[] = [];
    const stop = addOpListener({
      onOpEnter: (name, args) => { seen.push(`enter ${name} ${JSON.stringify(args)}`); return name; },
      onOpExit: (token, output, _e, failed) => { seen.push(`exit ${String(token)} ${String(output)} ${failed}`); },
    });
    try {
      expect(outer(2)).toBe(6);
      const self = { k: 1 };
      const method = hooked("method", function (this: { k: number }) { return this.k; });
      expect(method.call(self)).toBe(1);
    } finally {
      stop();
    }
    expect(seen).toEqual(["enter outer [2]", "exit outer 6 false", "enter method []", "exit method 1 false"]);
    // After unsubscribing nothing is reported.
    outer(3);
    expect(seen.length).toBe(4);
  });

  test("a failing op is reported as failed and the error passes through unchanged", () => {
    const boom = hooked("boom", () => { throw new RangeError("no"); });
    const seen: unknown[] = [];
    const stop = addOpListener({ onOpEnter: () => null, onOpExit: (_t, _o, e, failed) => seen.push([failed, (e as Error).message]) });
    try {
      expect(() => boom()).toThrow(RangeError);
    } finally {
      stop();
    }
    expect(seen).toEqual([[true, "no"]]);
  });

  test("functional ops outside any module call are not recorded by the tracer", () => {
    const seen: string[] = [];
    const stop = addOpListener({ onOpEnter: (n) => seen.push(n), onOpExit: () => undefined });
    try {
      F.relu(torch.randn(2, 2)).view(-1);
    } finally {
      stop();
    }
    // The listener sees them (it was installed), but no trace row exists outside a module call.
    expect(seen).toEqual(["F.relu", "view"]);
  });
});

describe("trace of LeNet", () => {
  test("rows: modules, functional ops and the view, in call order, with shapes", () => {
    const t = trace(new Net(), [1, 1, 32, 32]);
    expect(t.meta).toBe(true);
    expect(t.failed).toBe(false);
    expect(t.rows.map((r) => r.path)).toEqual(LENET_PATHS);
    expect(t.rows.map((r) => r.kind)).toEqual(["module", "module", "op", "op", "module", "op", "op", "op", "module", "op", "module", "op", "module"]);
    expect(t.rows.map((r) => r.depth)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(t.rows.map((r) => r.outputs[0]!.shape.join("x"))).toEqual([
      "1x10", "1x6x28x28", "1x6x28x28", "1x6x14x14", "1x16x10x10", "1x16x10x10", "1x16x5x5", "1x400", "1x120", "1x120", "1x84", "1x84", "1x10",
    ]);
    expect([...t.row("conv1")!.inputs[0]!.shape]).toEqual([1, 1, 32, 32]);
    expect(t.steps.length).toBe(12);
    // The F.conv2d inside Conv2d and the view inside F.linear are part of their layers' rows.
    expect(t.rows.some((r) => r.name === "F.conv2d" || r.name === "F.linear")).toBe(false);
    expect(t.rows.filter((r) => r.name === "view").length).toBe(1);
  });

  test("op arguments are normalised with PyTorch's defaults", () => {
    const t = trace(new Net(), [1, 1, 32, 32]);
    const pools = t.rows.filter((r) => r.name === "F.max_pool2d");
    for (const p of pools) {
      expect(p.spec.op).toBe("max_pool2d");
      expect(p.spec.params).toEqual({ kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceil_mode: false });
      expect(p.spec.args).toBe("2, 2");
    }
    expect(t.row("view")!.spec.params).toEqual({ shape: [-1, 400], kind: "view" });
    expect(t.row("conv1")!.spec.params).toEqual({
      in_channels: 1, out_channels: 6, kernel: [5, 5], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: true,
    });
    expect(t.row("fc1")!.spec.params).toEqual({ in_features: 400, out_features: 120, bias: true });
  });

  test("parameters and mult-adds as torchinfo counts them", () => {
    const t = trace(new Net(), [1, 1, 32, 32]);
    expect(["conv1", "conv2", "fc1", "fc2", "fc3"].map((n) => t.row(n)!.params)).toEqual([156, 2416, 48120, 10164, 850]);
    expect(["conv1", "conv2", "fc1", "fc2", "fc3"].map((n) => t.row(n)!.macs)).toEqual([122304, 241600, 48120, 10164, 850]);
    expect(t.row("F.relu")!.params).toBe(0);
    expect(trace(new Net(), [64, 1, 32, 32]).row("fc1")!.macs).toBe(64 * 48120);
  });

  test("the tutorial's arrow chain", () => {
    expect(trace(new Net(), [1, 1, 32, 32]).chain()).toBe(LENET_CHAIN);
    expect(summary(new Net(), torch.randn(1, 1, 32, 32)).chain()).toBe(LENET_CHAIN);
  });

  test("timing: a real trace has a time on every row, the flight recorder none", () => {
    const net = new Net();
    const t = trace(net, torch.randn(2, 1, 32, 32));
    expect(t.meta).toBe(false);
    expect(t.rows.every((r) => r.timeMs !== null && r.timeMs >= 0)).toBe(true);
    expect(t.root.timeMs!).toBeGreaterThanOrEqual(t.row("conv1")!.timeMs!);
    const untimed = trace(net, [1, 1, 32, 32], { timing: false });
    expect(untimed.rows.every((r) => r.timeMs === null)).toBe(true);
    expect(untimed.toText()).not.toContain("Time");
  });
});

describe("summary", () => {
  test("torchinfo's table and totals for LeNet", () => {
    const s = summary(new Net(), [1, 1, 32, 32]);
    const text = s.toText();
    expect(text).toContain("Layer (type (var_name):depth-idx)");
    for (const h of ["Args", "Input Shape", "Output Shape", "Param #", "Mult-Adds", "Time"]) expect(text).toContain(h);
    expect(text).toMatch(/├─Conv2d \(conv1\): 1-1 +1, 6, 5 +\[1, 1, 32, 32\] +\[1, 6, 28, 28\] +156 +122,304/);
    expect(text).toMatch(/├─Net\.forward › F\.max_pool2d: 1-3 +2, 2 +\[1, 6, 28, 28\] +\[1, 6, 14, 14\] +-- +--/);
    expect(text).toMatch(/├─Net\.forward › view: 1-7 +-1, 400 +\[1, 16, 5, 5\] +\[1, 400\]/);
    expect(text).toMatch(/├─Linear \(fc3\): 1-12 +84, 10 +\[1, 84\] +\[1, 10\] +850 +850/);
    for (const line of [
      "Total params: 61,706", "Trainable params: 61,706", "Non-trainable params: 0", "Total mult-adds (M): 0.42",
      "Input size (MB): 0.00", "Forward/backward pass size (MB): 0.05", "Params size (MB): 0.25", "Estimated Total Size (MB): 0.30",
    ]) expect(text).toContain(line);
    expect(text).toContain(LENET_CHAIN);
    expect(s.totals).toMatchObject({ totalParams: 61706, trainableParams: 61706, multAdds: 423038, inputBytes: 4096, forwardBackwardBytes: 52144, paramBytes: 246824 });
  });

  test("frozen parameters, depth and column options", () => {
    const net = new Net();
    net.conv1.requires_grad_(false);
    const s = summary(net, [1, 1, 32, 32], { columns: ["output", "params"], depth: 0 });
    expect(s.totals.trainableParams).toBe(61706 - 156);
    expect(s.toText()).toContain("Non-trainable params: 156");
    const lines = s.toText().split("\n");
    expect(lines.filter((l) => l.startsWith("├─")).length).toBe(0);
    expect(lines.find((l) => l.startsWith("Layer"))).toMatch(/^Layer \(type \(var_name\):depth-idx\) +Output Shape +Param #$/);
  });

  test("a Sequential CNN with strides and padding", () => {
    const s = summary(stridedCnn(), [2, 3, 32, 32]);
    const t = s.trace;
    expect(t.steps.map((r) => r.outputs[0]!.shape.join("x"))).toEqual(["2x16x16x16", "2x16x16x16", "2x32x16x16", "2x32x8x8", "2x2048", "2x10"]);
    expect(t.row("0")!.spec.args).toBe("3, 16, 3, stride=2, padding=1");
    expect(t.chain()).toBe("(2, 3, 32, 32) → Conv2d(3, 16, 3, stride=2, padding=1) → (2, 16, 16, 16) → Conv2d(16, 32, 3, padding=1) → " +
      "(2, 32, 16, 16) → MaxPool2d(2, 2) → (2, 32, 8, 8) → Flatten(1) → (2, 2048) → Linear(2048, 10) → (2, 10)");
    expect(s.totals.totalParams).toBe(448 + 4640 + 20490);
    expect(s.toText()).toContain("├─Conv2d (0): 1-1");
  });

  test("functional torch ops in a forward: add, adaptive pool, flatten, cat, matmul", () => {
    const t = trace(new Residual(), [2, 3, 8, 8]);
    expect(t.failed).toBe(false);
    expect(t.steps.map((r) => `${r.name}:${r.outputs[0]!.shape.join("x")}`)).toEqual([
      "conv1:2x8x8x8", "F.relu:2x8x8x8", "conv2:2x3x8x8", "add:2x3x8x8", "F.relu:2x3x8x8", "F.adaptive_avg_pool2d:2x3x1x1",
      "flatten:2x3", "cat:2x6", "F.relu:2x6", "head:2x4", "matmul:2x4",
    ]);
    expect(t.row("add")!.inputs.map((i) => i.shape.join("x"))).toEqual(["2x3x8x8", "2x3x8x8"]);
    expect(t.row("cat")!.spec.params).toEqual({ dim: 1 });
    expect(t.row("matmul")!.macs).toBe(2 * 4 * 4);
    // The add's second operand is the network's input: tensor id 0.
    expect(t.row("add")!.inputs[1]!.id).toBe(0);
  });

  test("text, ANSI and HTML views", () => {
    const s = summary(new Net(), [1, 1, 32, 32]);
    const bundle = s[Symbol.for("Jupyter.display") as typeof import("../src/render/mime.js").jupyterDisplay]() as Record<string, string>;
    expect(bundle["text/plain"]).toBe(s.toText());
    const html = markup(bundle["text/html"]!);
    expect(html).toContain('<div class="tsorch">');
    expect(bundle["text/html"]).toMatch(/<td align="left" style="[^"]*white-space: pre[^"]*"><code style="[^"]*">├─Conv2d/);
    expect(html).toContain("<tr class=\"op\"><td><code>├─Net.forward › F.relu: 1-2</code></td>");
    expect(html).toContain("<td><code>├─Conv2d (conv1): 1-1</code></td><td class=\"args\">1, 6, 5</td><td>[1, 1, 32, 32]</td><td>[1, 6, 28, 28]</td><td class=\"num\">156</td><td class=\"num\">122,304</td>");
    // Arguments wrap at their spaces only; the other cells may break anywhere to fit the column.
    expect(bundle["text/html"]).toMatch(/<td class="args" align="left" style="[^"]*word-break: normal[^"]*">1, 6, 5<\/td>/);
    expect(html).toContain("Total params: 61,706");
    expect(html).toContain("max_pool2d(2, 2) → (1, 6, 14, 14)");
    expect(inspect(s)).toBe(s.toText());
    const colored = inspect(s, { colors: true });
    expect(colored).toContain("\x1b[1m");
    expect(colored).toContain("\x1b[36m├─Net.forward › F.relu: 1-2");
    expect(colored.replace(/\x1b\[\d+m/g, "")).toBe(s.toText());
  });

  test("a failing forward: the rows up to the failure, the failing row marked, the explanation below", () => {
    const s = summary(new Net(), [1, 1, 64, 64]);
    expect(s.trace.failed).toBe(true);
    expect(s.trace.rows.length).toBe(9);
    const text = s.toText();
    expect(text).toContain("Net on [1, 1, 64, 64] · shape-only (meta) · failed");
    expect(text).toMatch(/├─Linear \(fc1\): 1-8 +400, 120 +\[1, 2704\] +✗ failed +48,120 +--/);
    expect(text).toContain("RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)");
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    expect(s.toHtml()).toContain('<tr class="error">');
  });

  test("formulas on request for a concrete trace: H and W of the input", () => {
    const t = trace(new Net(), [1, 1, 32, 32]);
    const text = t.toText({ symbolic: true, columns: ["output"] });
    expect(text).toMatch(/├─Conv2d \(conv1\): 1-1 +\(1, 6, H−4, W−4\)/);
    expect(text).toContain("where f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3");
    expect(t.chain({ symbolic: true })).toMatch(/^\(1, 1, H, W\) → conv1\(1, 6, 5\) → \(1, 6, H−4, W−4\)/);
  });

  test("a call abandoned without unwinding does not break the next trace", async () => {
    const { enterModule, resetModuleCallStack } = await import("../src/nn/call-context.js");
    // A host that stopped a cell inside a forward: the frame was entered and never exited.
    enterModule(new Net(), [torch.randn(1, 1, 32, 32)]);
    resetModuleCallStack();
    const t = trace(new Net(), [1, 1, 32, 32]);
    expect(t.rows.length).toBe(13);
    expect(t.rows.map((r) => r.path)).toEqual(LENET_PATHS);
  });

  test("bad input is a clear typed error", () => {
    expect(() => summary(new Net(), "32x32" as never)).toThrow(/input size such as \[1, 1, 32, 32\]/);
    expect(() => trace({} as never, [1, 1, 32, 32])).toThrow(/nn.Module/);
  });

  test("multiple inputs and dtypes", () => {
    class Two extends nn.Module {
      fc = new nn.Linear(4, 2);
      override forward(a: Tensor, b: Tensor): Tensor {
        return this.fc(a).add(b.to("float32"));
      }
    }
    const t = trace(new Two(), [[3, 4], [3, 2]], { dtypes: ["float32", "int64"] });
    expect(t.inputs.map((i) => i.dtype)).toEqual(["float32", "int64"]);
    expect([...t.outputs[0]!.shape]).toEqual([3, 2]);
  });
});
