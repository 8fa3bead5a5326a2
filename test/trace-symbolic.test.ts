/**
 * Symbolic sizes: output shapes as formulas of named input sizes, replayed
 * from a shape-only run, and the sizes that work, solved from the
 * constraints every op makes.
 */
import { describe, expect, test } from "vitest";
import { nn, summary, trace } from "../src/index.js";
import { poolOutputSize } from "../src/shape/dim.js";
import { formatRanges, solveSizes } from "../src/shape/solver.js";
import { Net, adaptiveNet, shrinkingNet, stridedCnn } from "./trace-nets.js";

describe("formulas", () => {
  test("LeNet on (1, 1, H, W): every row's output as a formula", () => {
    const t = trace(new Net(), [1, 1, "H", "W"]);
    expect(t.failed).toBe(false);
    expect(t.env).toEqual({ H: 32, W: 32 });
    expect(t.vars).toEqual(["H", "W"]);
    expect(t.outputFormula("conv1")).toBe("(1, 6, H−4, W−4)");
    expect(t.outputFormula(t.rows[3]!)).toBe("(1, 6, ⌊(H−4)/2⌋, ⌊(W−4)/2⌋)");
    expect(t.outputFormula("conv2")).toBe("(1, 16, ⌊(H−4)/2⌋−4, ⌊(W−4)/2⌋−4)");
    expect(t.outputFormula(t.rows[6]!)).toBe("(1, 16, ⌊(⌊(H−4)/2⌋−4)/2⌋, ⌊(⌊(W−4)/2⌋−4)/2⌋)");
    expect(t.outputFormula("view")).toBe("(1, 16·f(H)·f(W))");
    expect(t.outputFormula("fc1")).toBe("(1, 120)");
    expect(t.outputFormula("")).toBe("(1, 10)");
    const text = summary(new Net(), [1, 1, "H", "W"]).toText();
    expect(text).toContain("where f(x) = ⌊(⌊(x−4)/2⌋−4)/2⌋ = ⌊x/4⌋−3");
    expect(text).toContain("Net on (1, 1, H, W) (replayed from H=32, W=32)");
    expect(text).toMatch(/├─Net\.forward › view: 1-7 +-1, 400 +\(1, 16, ⌊\(⌊\(H−4\)\/2⌋−4\)\/2⌋, ⌊\(⌊\(W−4\)\/2⌋−4\)\/2⌋\) +\(1, 16·f\(H\)·f\(W\)\)/);
    expect(t.chain()).toContain("view(-1, 400) → (1, 16·f(H)·f(W)) → fc1(400, 120) → (1, 120)");
  });

  test("the formulas agree with the real shapes at every size that runs", () => {
    const t = trace(new Net(), [1, 1, "H", "W"]);
    const replay = t.replay();
    for (const [h, w] of [[32, 32], [33, 35], [16, 112], [115, 19]]) {
      const real = trace(new Net(), [1, 1, h!, w!]);
      expect(real.failed).toBe(false);
      real.rows.forEach((row, i) => {
        const formula = replay.outputOf(t.rows[i]!)![0]!;
        expect(formula.map((e) => e.eval({ H: h!, W: w! }))).toEqual([...row.outputs[0]!.shape]);
      });
    }
  });

  test("a symbolic batch and a size that does not run at first: the next candidate is used", () => {
    const t = trace(stridedCnn(), ["N", 3, "S", "S"]);
    expect(t.failed).toBe(false);
    expect(t.env).toEqual({ N: 32, S: 32 });
    expect(t.outputFormula("0")).toBe("(N, 16, ⌊(S+1)/2⌋, ⌊(S+1)/2⌋)");
    expect(t.outputFormula("4")).toBe("(N, 32·f(S)·f(S))");
    // Only 31..34 runs: the default candidates 32 works; with 64 first, 64 fails and 32 is tried next.
    const t2 = trace(stridedCnn(), [1, 3, "H", "W"], { trySizes: [64, 32] });
    expect(t2.env).toEqual({ H: 32, W: 32 });
  });

  test("ceil_mode pooling: the shown formula rounds up, the value follows PyTorch's rule exactly", () => {
    const net = new nn.Sequential(new nn.MaxPool2d(3, { stride: 2, padding: 1, ceil_mode: true }));
    const t = trace(net, [1, 1, "H", "W"]);
    const e = t.replay().outputOf(t.row("0")!)![0]![2]!;
    expect(e.toString()).toBe("⌈(H+1)/2⌉");
    for (let h = 1; h < 60; h++) expect(e.eval({ H: h })).toBe(poolOutputSize(h, 3, 1, 1, 2, 1, true));
  });
});

describe("solving for the sizes that work", () => {
  test("LeNet: square 32..35 and two non-square families", () => {
    const t = trace(new Net(), [1, 1, "H", "W"]);
    const sol = solveSizes(t.replay().constraints, ["H", "W"]);
    expect(formatRanges(sol.square!)).toBe("32–35");
    expect(sol.families.map((f) => `${formatRanges(f.ranges.H!)} x ${formatRanges(f.ranges.W!)}`)).toEqual([
      "16–19 x 112–115", "32–35 x 32–35", "112–115 x 16–19",
    ]);
    expect(sol.works({ H: 33, W: 34 })).toBe(true);
    expect(sol.works({ H: 64, W: 64 })).toBe(false);
    expect(sol.works({ H: 17, W: 113 })).toBe(true);
  });

  test("strided CNN: 31..34", () => {
    const t = trace(stridedCnn(), [1, 3, "H", "W"]);
    const sol = solveSizes(t.replay().constraints, ["H", "W"]);
    expect(formatRanges(sol.square!)).toBe("31–34");
    expect(sol.families.length).toBe(7);
  });

  test("adaptive pooling works at every size from the kernel's 3 up", () => {
    const t = trace(adaptiveNet(), [1, 3, "H", "W"]);
    const sol = solveSizes(t.replay().constraints, ["H", "W"]);
    expect(sol.families.length).toBe(1);
    expect(formatRanges(sol.families[0]!.ranges.H!)).toBe("≥ 3");
    expect(formatRanges(sol.square!)).toBe("≥ 3");
    expect(t.outputFormula("2")).toBe("(1, 8, 4, 4)");
  });

  test("a pooling that gets too small: a lower bound", () => {
    const t = trace(shrinkingNet(), [1, 1, "H", "W"]);
    const sol = solveSizes(t.replay().constraints, ["H", "W"]);
    expect(formatRanges(sol.square!)).toBe("≥ 14");
    expect(formatRanges(sol.families[0]!.ranges.W!)).toBe("≥ 14");
  });

  test("constraints render readably", () => {
    const t = trace(new Net(), [1, 1, "H", "W"]);
    const described = t.replay().constraints.map((c) => c.describe());
    expect(described).toContain("H ≥ 5 (conv1: kernel fits)");
    expect(described).toContain("⌊(⌊(H−4)/2⌋−4)/2⌋ ≥ 1 (Net.forward › F.max_pool2d: output size)".replace("Net.forward › F.max_pool2d", "F.max_pool2d"));
    expect(described.some((d) => d.startsWith("16·⌊(⌊(H−4)/2⌋−4)/2⌋·⌊(⌊(W−4)/2⌋−4)/2⌋ = 400 (fc1: in_features)"))).toBe(true);
  });
});
