/**
 * F.interpolate's calling forms, nn.Upsample and its two fixed-mode subclasses (reprs and values from
 * PyTorch 1.13.1, test/fixtures/interpolate.json), the deprecated F.upsample* aliases, meta tensors,
 * autograd (finite differences), shape-trace rows and the symbolic size rule.
 */
import { describe, expect, it } from "vitest";
import { F, TsorchError, nn, torch, trace, type Tensor } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";
import { f32, loadFixture, type Encoded } from "./backend-helpers.js";
import { Net } from "./trace-nets.js";

interface Fixture {
  reprs: Record<string, string>;
  module_input: Encoded;
  modules: { module: string; args: { size?: number[]; scale_factor?: number; mode?: string; align_corners?: boolean }; y: Encoded }[];
}

const fixture = loadFixture<Fixture>("interpolate.json");

function values(t: Tensor): number[] {
  return Array.from(t.contiguous()._contiguousData());
}

function maxDiff(a: Tensor, b: Tensor): number {
  const x = values(a);
  const y = values(b);
  expect(x.length).toBe(y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

describe("F.interpolate calling forms", () => {
  const x = torch.randn(2, 3, 5, 7);

  it("PyTorch's positional order, an options object, or both", () => {
    expect(F.interpolate(x, [10, 14]).shape).toEqual([2, 3, 10, 14]);
    expect(F.interpolate(x, 4).shape).toEqual([2, 3, 4, 4]);
    expect(F.interpolate(x, null, 2).shape).toEqual([2, 3, 10, 14]);
    expect(F.interpolate(x, { scale_factor: [1.5, 0.5] }).shape).toEqual([2, 3, 7, 3]);
    const a = F.interpolate(x, [9, 9], null, "bilinear", true);
    const b = F.interpolate(x, { size: [9, 9], mode: "bilinear", align_corners: true });
    const c = F.interpolate(x, [9, 9], { mode: "bilinear", align_corners: true });
    expect(maxDiff(a, b)).toBe(0);
    expect(maxDiff(a, c)).toBe(0);
    expect(() => F.interpolate(x, [9, 9], { size: [3, 3] })).toThrow("interpolate() got multiple values for argument 'size'");
    expect(() => F.interpolate(x, { sizes: 3 } as never)).toThrow("interpolate() got an unexpected keyword argument 'sizes'");
  });

  it("refuses a non-tensor input with Python's TypeError", () => {
    let err: unknown;
    try {
      F.interpolate(3 as unknown as Tensor, 4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsorchError);
    expect((err as Error).name).toBe("TypeError");
    expect((err as Error).message).toBe("interpolate(): argument 'input' (position 1) must be Tensor, not int");
  });

  it("nearest doubling repeats each pixel in a 2x2 block (PyTorch's docstring example)", () => {
    const y = F.interpolate(torch.tensor([[[[1, 2], [3, 4]]]]).float(), { scale_factor: 2 });
    expect(y.tolist()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });

  it("a 5-D input resizes its depth, height and width (nearest by default)", () => {
    const x = torch.arange(8).reshape([1, 1, 2, 2, 2]).float();
    const y = F.interpolate(x, 4);
    expect([...y.shape]).toEqual([1, 1, 4, 4, 4]);
    // Every output cell copies the input cell it falls in.
    expect((y.flatten().tolist() as number[]).slice(0, 8)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    expect((y.select(2, 3).flatten().tolist() as number[]).slice(-4)).toEqual([6, 6, 7, 7]);
  });

  it("an output too large to allocate is a typed error, not a crash", () => {
    expect(() => F.interpolate(torch.zeros(1, 1, 4, 4), { scale_factor: 1e6 })).toThrow(/can't allocate memory/);
  });
});

describe("autograd", () => {
  it("gradients agree with central differences (float64) for every mode", () => {
    torch.manual_seed(3);
    const configs: [number[], Record<string, unknown>][] = [
      [[1, 2, 3, 4], { size: [5, 7], mode: "bilinear" }],
      [[1, 2, 3, 4], { size: [5, 7], mode: "bilinear", align_corners: true }],
      [[1, 2, 4, 4], { size: [6, 3], mode: "bicubic" }],
      [[1, 2, 6, 6], { size: [3, 2], mode: "bilinear", antialias: true }],
      [[1, 2, 6, 6], { size: [4, 3], mode: "bicubic", antialias: true }],
      [[1, 2, 3, 4], { scale_factor: 1.7 }],
      [[1, 2, 5], { size: 8, mode: "linear" }],
      [[1, 2, 5, 4], { size: [2, 3], mode: "area" }],
    ];
    for (const [shape, args] of configs) {
      const x = torch.randn(shape, { dtype: torch.float64 }).requires_grad_(true);
      const w = torch.randn(F.interpolate(x.detach(), args).shape, { dtype: torch.float64 });
      F.interpolate(x, args).mul(w).sum().backward();
      const analytic = values(x.grad!);
      const base = values(x.detach());
      const eps = 1e-3;
      base.forEach((v, i) => {
        const plus = base.slice();
        const minus = base.slice();
        plus[i] = v + eps;
        minus[i] = v - eps;
        const f = (d: number[]) => F.interpolate(torch.tensor(d, { dtype: torch.float64 }).reshape(shape), args).mul(w).sum().item();
        const numeric = (f(plus) - f(minus)) / (2 * eps);
        // The kernels compute in float32: a float32-sized tolerance.
        expect(Math.abs(numeric - analytic[i]!), `${JSON.stringify(args)} at ${i}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      });
    }
  });

  it("records PyTorch's node names, and none under no_grad", () => {
    const x = torch.randn(1, 1, 4, 4).requires_grad_(true);
    expect(F.interpolate(x, 8).grad_fn!.name).toBe("UpsampleNearest2DBackward1");
    expect(F.interpolate(x, 8, { mode: "nearest-exact" }).grad_fn!.name).toBe("UpsampleNearestExact2DBackward1");
    expect(F.interpolate(x, 3, { mode: "bilinear", antialias: true }).grad_fn!.name).toBe("UpsampleBilinear2DAaBackward1");
    expect(F.interpolate(x, 3, { mode: "area" }).grad_fn!.name).toBe("AdaptiveAvgPool2DBackward0");
    expect(torch.no_grad(() => F.interpolate(x, 8)).grad_fn).toBeNull();
  });
});

describe("nn.Upsample", () => {
  it("reprs match PyTorch", () => {
    const made: Record<string, nn.Module> = {
      "Upsample(scale_factor=2)": new nn.Upsample({ scale_factor: 2 }),
      "Upsample(size=[3, 4], mode='bilinear')": new nn.Upsample([3, 4], null, "bilinear"),
      "Upsample(size=3, mode='bicubic', align_corners=True)": new nn.Upsample({ size: 3, mode: "bicubic", align_corners: true }),
      "Upsample(scale_factor=[2, 3])": new nn.Upsample({ scale_factor: [2, 3] }),
      "Upsample(scale_factor=1.5, mode='bilinear')": new nn.Upsample(null, 1.5, "bilinear"),
      "Upsample()": new nn.Upsample(),
      "UpsamplingNearest2d(size=5)": new nn.UpsamplingNearest2d(5),
      "UpsamplingNearest2d(scale_factor=2)": new nn.UpsamplingNearest2d({ scale_factor: 2 }),
      "UpsamplingBilinear2d(scale_factor=2)": new nn.UpsamplingBilinear2d({ scale_factor: 2 }),
      "UpsamplingBilinear2d(size=[4, 6])": new nn.UpsamplingBilinear2d([4, 6]),
    };
    for (const [key, expected] of Object.entries(fixture.reprs)) expect(String(made[key]), key).toBe(expected);
  });

  it("forward matches PyTorch's modules", () => {
    const e = fixture.module_input;
    const x = torch.tensor(Array.from(f32(e))).reshape(e.shape);
    for (const m of fixture.modules) {
      const a = m.args;
      const module = m.module === "UpsamplingBilinear2d" ? new nn.UpsamplingBilinear2d({ scale_factor: a.scale_factor as number })
        : m.module === "UpsamplingNearest2d" ? new nn.UpsamplingNearest2d(a.size as [number, number])
        : new nn.Upsample({ scale_factor: a.scale_factor, mode: a.mode as "bicubic", align_corners: a.align_corners });
      const y = module(x);
      expect(y.shape).toEqual(m.y.shape);
      const expected = f32(m.y);
      const got = values(y);
      const scale = Math.max(...Array.from(expected, Math.abs));
      got.forEach((v, i) => expect(Math.abs(v - expected[i]!) / scale, `${m.module} at ${i}`).toBeLessThan(1e-5));
    }
  });

  it("rejects unknown keyword arguments as Python does", () => {
    expect(() => new nn.Upsample({ factor: 2 } as never)).toThrow("Upsample.__init__() got an unexpected keyword argument 'factor'");
  });
});

describe("deprecated aliases", () => {
  it("F.upsample, F.upsample_nearest and F.upsample_bilinear warn and call F.interpolate", () => {
    const x = torch.randn(1, 2, 3, 3);
    let y: Tensor | undefined;
    const w1 = catch_warnings(() => {
      y = F.upsample(x, { scale_factor: 2, mode: "bilinear" });
    });
    expect(w1.map((w) => w.message)).toEqual(["nn.functional.upsample is deprecated. Use nn.functional.interpolate instead."]);
    expect(maxDiff(y!, F.interpolate(x, { scale_factor: 2, mode: "bilinear" }))).toBe(0);
    const w2 = catch_warnings(() => {
      y = F.upsample_bilinear(x, [5, 5]);
    });
    expect(w2[0]!.message).toBe("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.");
    expect(maxDiff(y!, F.interpolate(x, [5, 5], { mode: "bilinear", align_corners: true }))).toBe(0);
    const w3 = catch_warnings(() => {
      y = F.upsample_nearest(x, null, 3);
    });
    expect(w3[0]!.message).toBe("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.");
    expect(y!.shape).toEqual([1, 2, 9, 9]);
  });
});

describe("meta tensors", () => {
  it("run every check and return the output shape without data", () => {
    const m = torch.empty(1, 3, 4096, 4096, { device: "meta" });
    const y = F.interpolate(m, { scale_factor: 0.5, mode: "bilinear", antialias: true });
    expect(y.device).toBe("meta");
    expect(y.shape).toEqual([1, 3, 2048, 2048]);
    expect(F.interpolate(m, [7, 9], { mode: "area" }).shape).toEqual([1, 3, 7, 9]);
    expect(new nn.Upsample({ scale_factor: 2 })(torch.empty(2, 8, 3, 5, { device: "meta" })).shape).toEqual([2, 8, 6, 10]);
    // Same errors as a real run.
    for (const args of [{ size: 0 }, { size: [3] }, { size: 3, scale_factor: 2 }]) {
      let real = "";
      let meta = "";
      try {
        F.interpolate(torch.zeros(1, 1, 4, 4), args);
      } catch (e) {
        real = String(e);
      }
      try {
        F.interpolate(torch.empty(1, 1, 4, 4, { device: "meta" }), args);
      } catch (e) {
        meta = String(e);
      }
      expect(real).not.toBe("");
      expect(meta).toBe(real);
    }
  });
});

class ResizeNet extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3);
  up = new nn.Upsample({ scale_factor: 2 });
  fc = new nn.Linear(4 * 8 * 8, 10);

  override forward(x: Tensor): Tensor {
    x = F.interpolate(x, [6, 6], { mode: "bilinear" });
    x = this.up(F.relu(this.conv(x)));
    return this.fc(torch.flatten(x, 1));
  }
}

class ScaleNet extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3);

  override forward(x: Tensor): Tensor {
    return this.conv(F.interpolate(x, null, 1.5));
  }
}

describe("shape traces", () => {
  it("F.interpolate is a row of the trace, nn.Upsample a layer", () => {
    const t = trace(new ResizeNet(), [1, 1, 20, 20]);
    expect(t.failed).toBe(false);
    const row = t.row("F.interpolate")!;
    expect(row.kind).toBe("op");
    expect(row.outputs[0]!.shape).toEqual([1, 1, 6, 6]);
    expect(t.row("up")!.outputs[0]!.shape).toEqual([1, 4, 8, 8]);
  });

  it("the symbolic rule: a fixed size cuts the dependence on the input, a scale factor keeps it", () => {
    const t = trace(new ResizeNet(), [1, 1, "H", "W"]);
    expect(t.outputFormula("F.interpolate")).toBe("(1, 1, 6, 6)");
    expect(t.outputFormula("up")).toBe("(1, 4, 8, 8)");
    expect(t.replay().exact).toBe(true);
    const s = trace(new ScaleNet(), [1, 1, "H", "W"]);
    expect(s.outputFormula("F.interpolate")).toBe("(1, 1, ⌊H·1.5⌋, ⌊W·1.5⌋)");
    expect(s.outputFormula("conv")).toBe("(1, 2, ⌊H·1.5⌋−2, ⌊W·1.5⌋−2)");
    const replay = s.replay();
    expect(replay.exact).toBe(true);
    for (const h of [2, 3, 7, 11]) {
      const real = trace(new ScaleNet(), [1, 1, h, h]);
      const formula = replay.outputOf(s.row("conv")!)![0]!;
      expect(formula.map((e) => e.eval({ H: h, W: h }))).toEqual([...real.row("conv")!.outputs[0]!.shape]);
    }
    // ⌊H·1.5⌋ − 2 ≥ 1 needs H ≥ 2: the solver finds it through the rule.
    expect(replay.constraints.some((c) => c.what.startsWith("output size in dim"))).toBe(true);
  });

  it("integer and power-of-two scales read as products and halvings", () => {
    class Net2 extends nn.Module {
      override forward(x: Tensor): Tensor {
        return F.interpolate(F.interpolate(x, { scale_factor: 2 }), { scale_factor: 0.5 });
      }
    }
    const t = trace(new Net2(), [1, 1, "H", "W"]);
    const rows = t.rows.filter((r) => r.name === "F.interpolate");
    expect(rows.length).toBe(2);
    expect(t.outputFormula(rows[0]!)).toBe("(1, 1, 2·H, 2·W)");
    expect(t.outputFormula(rows[1]!)).toBe("(1, 1, H, W)");
  });
});

describe("the explained LeNet error", () => {
  it("suggests the F.interpolate call that fixes the input, and that call works", () => {
    const net = new Net();
    const big = torch.randn(1, 1, 64, 64);
    let err: unknown;
    try {
      net(big);
    } catch (e) {
      err = e;
    }
    const ex = (err as { explanation: { fixes: readonly string[] } }).explanation;
    const fix = ex.fixes[0]!;
    expect(fix).toBe('resize the input to 32×32: F.interpolate(x, { size: [32, 32], mode: "bilinear" })');
    expect(fix).not.toContain("transform");
    // Run the suggested call as written.
    const size = JSON.parse(/size: (\[\d+, \d+\])/.exec(fix)![1]!) as [number, number];
    const mode = /mode: "(\w+)"/.exec(fix)![1] as "bilinear";
    expect(net(F.interpolate(big, { size, mode })).shape).toEqual([1, 10]);
  });
});
