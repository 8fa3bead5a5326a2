/**
 * Output-size arithmetic and size errors against PyTorch 1.13.1 (test/fixtures/conv_pool.json):
 * every recorded shape, and every recorded error's Python type and exact message.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, SizeError, TsorchError } from "../src/errors.js";
import {
  adaptivePool2dGeometry,
  avgPool2dGeometry,
  conv2dGeometry,
  conv2dOutputShape,
  maxPool2dGeometry,
  pool2dOutputShape,
  type Pair,
} from "../src/shape/conv-pool.js";
import { convOutputSize, poolOutputSize, samePadding } from "../src/shape/dim.js";
import { loadFixture } from "./backend-helpers.js";
import { expectPadAccepted, isPoolPad113, poolPad2x } from "./nn-helpers.js";

interface SizeCase {
  op: string;
  input: number[];
  weight?: number[];
  args: Record<string, unknown>;
  error: { type: string; message: string } | null;
  output: number[] | null;
}

const fixture = loadFixture<{ shapes: SizeCase[]; errors: SizeCase[] }>("conv_pool.json");

/** Calls the geometry function for a fixture case, the way F.* would, and returns the output shape. */
function outputShapeOf(c: SizeCase): number[] {
  const a = c.args as Record<string, Pair & number & boolean & string>;
  switch (c.op) {
    case "max_pool2d":
      return pool2dOutputShape(maxPool2dGeometry(c.input, {
        kernelSize: a.kernel_size, stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceil_mode,
      }));
    case "avg_pool2d":
      return pool2dOutputShape(avgPool2dGeometry(c.input, {
        kernelSize: a.kernel_size, stride: a.stride, padding: a.padding, ceilMode: a.ceil_mode,
        countIncludePad: a.count_include_pad, divisorOverride: a.divisor_override,
      }));
    case "adaptive_avg_pool2d":
    case "adaptive_max_pool2d":
      return pool2dOutputShape(adaptivePool2dGeometry(c.op, c.input, a.output_size));
    case "conv2d": {
      const weight = c.weight ?? (c.args.weight as number[]);
      const bias = c.args.bias as number[] | undefined;
      return conv2dOutputShape(conv2dGeometry(c.input, weight, {
        stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups,
      }, bias));
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

/** A shape `[N, C, H, W]` as PyTorch returns it for a 3-D input (no batch dim). */
function withoutBatch(c: SizeCase, shape: number[]): number[] {
  return c.input.length === 3 ? shape.slice(1) : shape;
}

describe("output sizes match PyTorch", () => {
  it("for random pooling and conv sizes, including ceil_mode's last-window rule", () => {
    expect(fixture.shapes.length).toBeGreaterThanOrEqual(300);
    let ok = 0;
    for (const c of fixture.shapes) {
      const label = `${c.op} ${JSON.stringify(c.input)} ${JSON.stringify(c.args)}`;
      if (c.error && isPoolPad113(c.error.message)) {
        // Recorded under 1.13; 2.x's pad bound and text win (see poolPad2x).
        const a = c.args as { kernel_size: number; padding?: number; dilation?: number };
        const message = poolPad2x(a.kernel_size, a.padding, c.op === "avg_pool2d" ? 1 : a.dilation);
        if (message === null) expectPadAccepted(() => outputShapeOf(c), label);
        else expect(() => outputShapeOf(c), label).toThrow(message);
      } else if (c.error) {
        expect(() => outputShapeOf(c), label).toThrow(c.error.message);
      } else {
        expect(withoutBatch(c, outputShapeOf(c)), label).toEqual(c.output);
        ok++;
      }
    }
    expect(ok).toBeGreaterThan(100);
  });

  it("drops a ceil_mode window that would start in the right padding", () => {
    // 5 wide, kernel 2, stride 2, pad 1: ceil gives 4 windows, but the 4th would start at 6 >= 5 + 1.
    expect(poolOutputSize(5, 2, 1, 1, 2, 1, true)).toBe(3);
    expect(poolOutputSize(5, 2, 0, 0, 2, 1, true)).toBe(3);
    expect(poolOutputSize(5, 2, 0, 0, 2, 1, false)).toBe(2);
    expect(convOutputSize(32, 5, 1, 0, 0, 1)).toBe(28);
    expect(samePadding(4, 1)).toEqual([1, 2]);
    expect(samePadding(3, 2)).toEqual([2, 2]);
  });

  it("the LeNet story: 32x32 gives 16x5x5 features, 64x64 gives 16x13x13", () => {
    const flow = (hw: number) => {
      const c1 = conv2dGeometry([1, 1, hw, hw], [6, 1, 5, 5]);
      const p1 = maxPool2dGeometry(conv2dOutputShape(c1), { kernelSize: 2 });
      const c2 = conv2dGeometry(pool2dOutputShape(p1), [16, 6, 5, 5]);
      return pool2dOutputShape(maxPool2dGeometry(conv2dOutputShape(c2), { kernelSize: 2 }));
    };
    expect(flow(32)).toEqual([1, 16, 5, 5]);
    expect(flow(64)).toEqual([1, 16, 13, 13]);
  });
});

/**
 * This fixture is PyTorch 1.13's; where 2.x words a check anew, 2.x wins: a negative conv dilation is
 * refused up front with the bare "dilation should be greater than zero" (1.13 added ", but got [1, -1]"),
 * and a pooling pad is bounded by half the dilated kernel (poolPad2x).
 */
const ACCEPTED = "(accepted by PyTorch 2.x)";
function asPyTorch2(c: SizeCase, message: string): string {
  if (isPoolPad113(message)) {
    const a = c.args as { kernel_size: number; padding?: number; dilation?: number };
    return poolPad2x(a.kernel_size, a.padding, c.op === "avg_pool2d" ? 1 : a.dilation) ?? ACCEPTED;
  }
  const dilation = /^dilation should be greater than zero, but got \[(-?\d+), (-?\d+)\]$/.exec(message);
  if (dilation && (Number(dilation[1]) < 0 || Number(dilation[2]) < 0)) return "dilation should be greater than zero";
  return message;
}

describe("size errors match PyTorch's type and text", () => {
  it("for every recorded bad size or argument", () => {
    expect(fixture.errors.filter((c) => c.error).length).toBeGreaterThanOrEqual(60);
    for (const c of fixture.errors) {
      const label = `${c.op} ${JSON.stringify(c.input)} ${JSON.stringify(c.args)}`;
      if (!c.error) {
        expect(withoutBatch(c, outputShapeOf(c)), label).toEqual(c.output);
        continue;
      }
      const want = asPyTorch2(c, c.error.message);
      if (want === ACCEPTED) {
        expectPadAccepted(() => outputShapeOf(c), label);
        continue;
      }
      let thrown: unknown;
      try {
        outputShapeOf(c);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `${label} should throw`).toBeInstanceOf(TsorchError);
      const err = thrown as TsorchError;
      expect(err.message, label).toBe(want);
      expect(err.name, label).toBe(c.error.type);
    }
  });

  it("carries the numbers: output too small is a ShapeError with the shapes", () => {
    try {
      maxPool2dGeometry([1, 16, 1, 1], { kernelSize: 2 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      const s = e as ShapeError;
      expect(s.message).toBe("Given input size: (16x1x1). Calculated output size: (16x0x0). Output size is too small");
      expect(s.op).toBe("max_pool2d");
      expect(s.shapes).toEqual({ input: [1, 16, 1, 1], output: [16, 0, 0] });
      expect(s.got).toEqual({ output_size: [0, 0] });
    }
  });

  it("bad hyper-parameters are ArgumentErrors naming the argument; channel mismatches ShapeErrors", () => {
    const pad = (() => {
      try {
        maxPool2dGeometry([1, 3, 8, 8], { kernelSize: 2, padding: 3 });
      } catch (e) {
        return e;
      }
    })() as ArgumentError;
    expect(pad).toBeInstanceOf(ArgumentError);
    expect(pad.argument).toBe("padding");
    expect(pad.message).toBe("pad should be at most half of effective kernel size, but got pad=3, kernel_size=2 and dilation=1");
    const ch = (() => {
      try {
        conv2dGeometry([1, 3, 4, 4], [6, 2, 3, 3]);
      } catch (e) {
        return e;
      }
    })() as ShapeError;
    expect(ch).toBeInstanceOf(ShapeError);
    expect(ch.expected).toEqual({ in_channels: 2 });
    expect(ch.got).toEqual({ in_channels: 3 });
    expect(() => adaptivePool2dGeometry("adaptive_max_pool2d", [1, 3, 5, 5], -1)).toThrow(SizeError);
  });
});
