/**
 * Loss functions as rows of a shape trace (`F.cross_entropy` called in a forward is a row, like
 * `F.relu`), and on meta tensors: the same output shape, or the same error, as a real run.
 */
import { describe, expect, it } from "vitest";
import { F, Tensor, TsorchError, nn, torch, trace } from "../src/index.js";
import { catch_warnings } from "../src/warnings.js";

type Make = (meta: boolean) => Tensor;

const float = (...shape: number[]): Make => (meta) => (meta ? torch.empty(shape, { device: "meta" }) : torch.rand(shape));
const labels = (classes: number, ...shape: number[]): Make => (meta) =>
  meta ? torch.empty(shape, { device: "meta", dtype: torch.int64 }) : torch.randint(0, classes, shape);

interface LossCase {
  name: string;
  run: (...xs: Tensor[]) => Tensor;
  args: Make[];
}

const CASES: LossCase[] = [
  { name: "mse_loss", run: (a, b) => F.mse_loss(a!, b!), args: [float(4, 3), float(4, 3)] },
  { name: "mse_loss none", run: (a, b) => F.mse_loss(a!, b!, "none"), args: [float(4, 3), float(4, 3)] },
  { name: "mse_loss broadcast", run: (a, b) => F.mse_loss(a!, b!), args: [float(4, 3), float(3)] },
  { name: "mse_loss mismatch", run: (a, b) => F.mse_loss(a!, b!), args: [float(4, 3), float(5)] },
  { name: "l1_loss", run: (a, b) => F.l1_loss(a!, b!, { reduction: "sum" }), args: [float(2, 5), float(2, 5)] },
  { name: "smooth_l1_loss", run: (a, b) => F.smooth_l1_loss(a!, b!, { beta: 0.5, reduction: "none" }), args: [float(2, 5), float(2, 5)] },
  { name: "huber_loss", run: (a, b) => F.huber_loss(a!, b!, { delta: 2 }), args: [float(2, 5), float(2, 5)] },
  { name: "binary_cross_entropy", run: (a, b, w) => F.binary_cross_entropy(a!, b!, { weight: w }), args: [float(4, 3), float(4, 3), float(3)] },
  { name: "binary_cross_entropy_with_logits", run: (a, b, p) => F.binary_cross_entropy_with_logits(a!, b!, { pos_weight: p }), args: [float(4, 3), float(4, 3), float(3)] },
  { name: "nll_loss", run: (a, t) => F.nll_loss(a!, t!), args: [float(4, 3), labels(3, 4)] },
  { name: "nll_loss none 3-D", run: (a, t) => F.nll_loss(a!, t!, "none"), args: [float(4, 3, 5), labels(3, 4, 5)] },
  { name: "nll_loss batch mismatch", run: (a, t) => F.nll_loss(a!, t!), args: [float(4, 3), labels(3, 5)] },
  { name: "cross_entropy", run: (a, t) => F.cross_entropy(a!, t!), args: [float(4, 3), labels(3, 4)] },
  { name: "cross_entropy weight", run: (a, t, w) => F.cross_entropy(a!, t!, { weight: w }), args: [float(4, 3), labels(3, 4), float(3)] },
  { name: "cross_entropy probabilities", run: (a, p) => F.cross_entropy(a!, p!, "none"), args: [float(4, 3), float(4, 3)] },
  { name: "cross_entropy label smoothing", run: (a, t) => F.cross_entropy(a!, t!, { label_smoothing: 0.1 }), args: [float(4, 3), labels(3, 4)] },
  { name: "cross_entropy smoothing none", run: (a, t) => F.cross_entropy(a!, t!, { label_smoothing: 0.2, reduction: "none" }), args: [float(4, 3, 2), labels(3, 4, 2)] },
  { name: "cross_entropy smoothing probabilities", run: (a, p) => F.cross_entropy(a!, p!, { label_smoothing: 0.1 }), args: [float(4, 3), float(4, 3)] },
  { name: "cross_entropy bad weight", run: (a, t, w) => F.cross_entropy(a!, t!, { weight: w }), args: [float(4, 3), labels(3, 4), float(5)] },
  { name: "cross_entropy batch mismatch", run: (a, t) => F.cross_entropy(a!, t!), args: [float(4, 3), labels(3, 5)] },
];

function outcome(f: () => Tensor): { shape?: number[]; device?: string; error?: string } {
  try {
    let y: Tensor | undefined;
    catch_warnings(() => {
      y = f();
    });
    return { shape: [...y!.shape], device: y!.device };
  } catch (e) {
    expect(e).toBeInstanceOf(TsorchError);
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

describe("losses on meta tensors", () => {
  for (const c of CASES) {
    it(`${c.name}: the shape or the error of a real run, without data`, () => {
      const real = outcome(() => c.run(...c.args.map((m) => m(false))));
      const meta = outcome(() => c.run(...c.args.map((m) => m(true))));
      if (real.error) {
        expect(meta.error).toBe(real.error);
      } else {
        expect(meta.shape).toEqual(real.shape);
        expect(meta.device).toBe("meta");
      }
    });
  }
});

class Classifier extends nn.Module {
  fc = new nn.Linear(6, 3);

  override forward(x: Tensor, target: Tensor): Tensor {
    const logits = this.fc(x);
    return F.cross_entropy(logits, target).add(F.mse_loss(F.softmax(logits, 1), torch.full([4, 3], 1 / 3)));
  }
}

describe("losses as trace rows", () => {
  it("each loss called in a forward is a row with its shapes", () => {
    const t = trace(new Classifier(), [torch.randn(4, 6), torch.randint(0, 3, [4])]);
    expect(t.failed).toBe(false);
    const names = t.rows.filter((r) => r.kind === "op").map((r) => r.name);
    expect(names).toContain("F.cross_entropy");
    expect(names).toContain("F.mse_loss");
    const ce = t.row("F.cross_entropy")!;
    expect(ce.inputs.map((i) => [...i.shape])).toEqual([[4, 3], [4]]);
    expect([...ce.outputs[0]!.shape]).toEqual([]);
    // The log_softmax and nll_loss inside cross_entropy are folded into its row.
    expect(names).not.toContain("F.nll_loss");
  });

  it("every loss of F is wrapped for the tracer", () => {
    for (const name of ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
      "binary_cross_entropy_with_logits"] as const) {
      expect((F[name] as unknown as { opName?: string }).opName, name).toBe(`F.${name}`);
    }
  });

  it("a failing loss is the failing row of the trace", () => {
    class Bad extends nn.Module {
      fc = new nn.Linear(6, 3);
      override forward(x: Tensor): Tensor {
        return F.cross_entropy(this.fc(x), torch.zeros([5], { dtype: torch.int64 }));
      }
    }
    let err: unknown;
    try {
      new Bad()(torch.randn(4, 6));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe("Expected input batch_size (4) to match target batch_size (5).");
    const t = trace(new Bad(), [4, 6]);
    expect(t.failed).toBe(true);
    expect(t.rows.find((r) => r.failed && r.kind === "op")?.name).toBe("F.cross_entropy");
  });
});
