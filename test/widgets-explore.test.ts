/**
 * The live shape explorer on the LeNet of the founding story: sliders re-trace shape-only,
 * fc1 fails at 64 and works at 32, the explanation carries the arithmetic, the sizes that work
 * are marked, the heatmap follows the chosen layer, and the user's global generator is untouched.
 */
import { describe, expect, it } from "vitest";
import { explore } from "../kernel/widgets/explore.js";
import { torch } from "../src/index.js";
import { LeNet } from "./lenet.js";

describe("explore(net, [1, 1, 32, 32])", () => {
  const net = new LeNet();
  const ex = explore(net, [1, 1, 32, 32], { layer: "conv2" });

  it("starts at the given size with the trace, no explanation, and the working sizes marked", () => {
    expect([ex.batch.value, ex.channels.value, ex.h.value, ex.w.value]).toEqual([1, 1, 32, 32]);
    expect([ex.h.min, ex.h.max]).toEqual([8, 128]);
    expect(ex.trace.failed).toBe(false);
    expect(ex.trace.meta).toBe(true);
    expect(ex.status.value).toContain("✓ 1×1×32×32 runs: output (1, 10)");
    expect(ex.explanationView.value).toBe("");
    expect(ex.traceView.value).toContain("conv1");
    expect(ex.hMarks.value).toContain("H works: <b>32–35</b> (with W = 32)");
    expect(ex.wMarks.value).toContain("W works: <b>32–35</b> (with H = 32)");
  });

  it("re-traces on a slider move: fc1 fails at 64 with the arithmetic, and works again at 32", () => {
    ex.h.value = 64;
    expect(ex.trace.failed).toBe(true);
    expect(ex.trace.failedRow?.path).toBe("fc1");
    expect(ex.status.value).toContain('data-failed="fc1"');
    expect(ex.explanationView.value).toContain("fc1 expects 400 = 16×5×5 features, got 1040 = 16×13×5");
    expect(ex.traceView.value).toMatch(/class="error"/);
    expect(ex.wMarks.value).toContain("W works: <b>none in this range</b> (with H = 64)");
    ex.h.value = 112;
    expect(ex.wMarks.value).toContain("W works: <b>16–19</b> (with H = 112)");
    ex.h.value = 64;
    ex.w.value = 64;
    expect(ex.explanationView.value).toContain("got 2704 = 16×13×13");
    expect(ex.explanationView.value).toContain("Sizes that work: square inputs 32 to 35");
    ex.h.value = 32;
    ex.w.value = 32;
    expect(ex.trace.failed).toBe(false);
    expect(ex.explanation).toBeNull();
    expect(ex.explanationView.value).toBe("");
  });

  it("follows batch and channels: a channel count conv1 cannot take fails at conv1", () => {
    ex.channels.value = 3;
    expect(ex.trace.failedRow?.path).toBe("conv1");
    expect(ex.hMarks.value).toContain("none in this range");
    ex.channels.value = 1;
    ex.batch.value = 4;
    expect(ex.status.value).toContain("output (4, 10)");
    ex.batch.value = 1;
  });

  it("shows the chosen layer's feature maps for a real input at the chosen size, as PNG bytes", () => {
    expect(ex.layer.label).toMatch(/^conv2 \(1, 16, 10, 10\)/);
    const png = ex.heatmap.value;
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(ex.heatmapNote.value).toContain("conv2 (1, 16, 10, 10) for a random 1×1×32×32 input");
    ex.h.value = 36;
    expect(ex.heatmapNote.value).toContain("conv2 (1, 16, 12, 10)");
    ex.h.value = 32;
    ex.layer.index = 0;
    expect(ex.heatmapNote.value).toContain("conv1 (1, 6, 28, 28)");
  });

  it("leaves the global generator where it was", () => {
    torch.manual_seed(5);
    const expected = torch.rand(3).tolist();
    torch.manual_seed(5);
    ex.h.value = 33;
    expect(torch.rand(3).tolist()).toEqual(expected);
    ex.h.value = 32;
  });

  it("says what is wrong with bad arguments", () => {
    expect(() => explore({} as never, [1, 1, 32, 32])).toThrow(/net must be an nn.Module/);
    expect(() => explore(net, [1, 32, 32])).toThrow(/four positive integers, got \[1,32,32\]/);
    expect(() => explore(net, [1, 1, 32, 32], { h: [40, 50] })).toThrow(/starting h 32 is outside h's range \[40, 50\]/);
  });

  it("reads as the trace and explanation where there is no widget manager", () => {
    ex.h.value = 64;
    const text = String(ex);
    expect(text).toMatch(/^explore 1×1×64×32: fc1 fails\n/);
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 1040 = 16×13×5");
    ex.h.value = 32;
  });
});
