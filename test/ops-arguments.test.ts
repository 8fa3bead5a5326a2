/**
 * The one argument rule: every op reads its trailing arguments through its
 * signature (src/ops/signature.ts), so keyword (options object) and
 * positional forms agree, and unknown or mistyped keys raise PyTorch's
 * TypeError. Golden results come from test/fixtures/gen_arguments.py, run
 * against PyTorch 2.x (where 1.13 and 2.x differ, 2.x is the reference:
 * `median(x, keepdim=True)` without `dim` is refused by 2.x).
 */
import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { F, torch } from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { ValuesIndices } from "../src/ops/reduce.js";
import { type EncodedTensor, decodeInput, dtypeOf, expectClose, expectMatches } from "./ops-fixture-support.js";

interface Encoded extends EncodedTensor { list?: Encoded[] }
interface ArgCase {
  name: string;
  fn: string;
  input: Encoded;
  args: unknown[];
  kwargs: Record<string, unknown>;
  out?: Encoded;
  grad?: EncodedTensor;
  grad_fn?: string | null;
  error?: { type: string; message: string };
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/arguments.json", import.meta.url), "utf8")) as { torch: string; cases: ArgCase[] };

function decode(e: Encoded & { str?: string }): unknown {
  if (e.list) return e.list.map(decode);
  if (e.str !== undefined) return e.str;
  return decodeInput(e);
}

function decodeArg(a: unknown): unknown {
  if (a !== null && typeof a === "object" && !Array.isArray(a)) {
    const o = a as { tensor?: EncodedTensor; dtype?: string; list?: Encoded[]; float?: string };
    if (o.float) return o.float === "inf" ? Infinity : -Infinity;
    if (o.tensor) return decodeInput(o.tensor);
    if (o.list) return o.list.map(decode);
    if (o.dtype) return dtypeOf(o.dtype);
  }
  return a;
}

const COMPOSED = /^(torch\.(tensordot|kron|cdist)|linalg\.solve)$/;

type Fn = (...args: unknown[]) => unknown;
function resolve(name: string): Fn {
  const [ns, op] = name.split(".") as [string, string];
  if (ns === "torch") return (torch as unknown as Record<string, Fn>)[op]!;
  if (ns === "F") return (F as unknown as Record<string, Fn>)[op]!;
  if (ns === "linalg") return (torch.linalg as unknown as Record<string, Fn>)[op]!;
  return (x: unknown, ...rest: unknown[]) => ((x as Record<string, Fn>)[op] as Fn).apply(x, rest);
}

function expectOut(actual: unknown, expected: Encoded, label: string): void {
  if (expected.list) {
    const list = actual instanceof ValuesIndices ? [actual.values, actual.indices] : actual as unknown[];
    expect(list.length, `${label}: outputs`).toBe(expected.list.length);
    expected.list.forEach((e, i) => expectOut(list[i], e, `${label}[${i}]`));
    return;
  }
  if (actual instanceof Tensor && !actual.is_contiguous()) actual = actual.contiguous();
  expectMatches(actual, expected, label);
}

describe(`keyword and positional arguments against PyTorch ${fixture.torch}`, () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const input = decode(c.input);
      if (c.grad && input instanceof Tensor) input.requires_grad_(true);
      const args = c.args.map(decodeArg);
      const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decodeArg(v)]));
      const call = () => resolve(c.fn)(input, ...args, ...(Object.keys(kwargs).length > 0 ? [kwargs] : []));
      if (c.error) {
        let err: unknown;
        try { call(); } catch (e) { err = e; }
        expect(err, `${c.name}: PyTorch raised ${c.error.type}`).toBeInstanceOf(Error);
        expect((err as { pyType?: string }).pyType ?? (err as Error).name).toBe(c.error.type);
        expect((err as Error).message.split("\n")[0]).toBe(c.error.message);
        return;
      }
      const out = call();
      expectOut(out, c.out!, c.name);
      if (c.grad) {
        const y = out as Tensor;
        // tensordot, kron, cdist and linalg.solve are composed of other ops here: their graphs end in those ops' nodes
        // (ViewBackward0 and NormBackward1 where PyTorch has its own fused nodes); the gradients still match.
        if (!COMPOSED.test(c.fn)) expect(y.grad_fn?.name).toBe(c.grad_fn);
        y.sum().backward();
        const g = (input as Tensor).grad!;
        expectClose(Array.from(g.toFlatArray()), c.grad.data!.map((v) => v === "nan" ? NaN : Number(v)), 1e-5, 1e-6, `${c.name}: grad`);
      }
    });
  }

  it("covers every form the fixture lists", () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(75);
  });
});

describe("signatures", () => {
  const x = torch.arange(12).view(3, 4).float();

  it("give positional and keyword forms the same result", () => {
    const forms: [unknown, unknown][] = [
      [torch.amax(x, 1, true), torch.amax(x, { dim: 1, keepdim: true })],
      [torch.amax(x, 1, true), torch.amax(x, 1, { keepdim: true })],
      [x.argmax(1), x.argmax({ dim: 1 })],
      [x.norm(1, 1), x.norm({ p: 1, dim: 1 })],
      [torch.arange(0, 3), torch.arange(0, { end: 3 })],
      [torch.arange(3), torch.arange({ end: 3 })],
      [torch.arange(1, 7, 2), torch.arange({ start: 1, end: 7, step: 2 })],
      [x.flatten(0, 1), x.flatten({ start_dim: 0, end_dim: 1 })],
    ];
    for (const [a, b] of forms) expect((a as Tensor).tolist()).toEqual((b as Tensor).tolist());
  });

  it("take required parameters by keyword, with no cast (the type checker reads the same signatures)", () => {
    const v = torch.arange(10).float();
    const img = torch.arange(32).float().view(1, 2, 4, 4);
    // Each line type-checks only because the signature's types accept the keyword form (tsconfig.test.json checks tests).
    const forms: [Tensor, Tensor][] = [
      [v.narrow(0, 2, 3), v.narrow({ dim: 0, start: 2, length: 3 })],
      [v.narrow(0, 2, 3), v.narrow(0, { start: 2, length: 3 })],
      [v.narrow(0, 2, 3), torch.narrow(v, 0, 2, { length: 3 })],
      [v.kthvalue(3).values, v.kthvalue({ k: 3 }).values],
      [v.kthvalue(3, 0, true).indices, torch.kthvalue(v, { k: 3, dim: 0, keepdim: true }).indices],
      [img.logsumexp(1), img.logsumexp({ dim: 1 })],
      [img.movedim(1, 3), img.movedim({ source: 1, destination: 3 })],
      [torch.flip(v, [0]), torch.flip(v, { dims: [0] })],
      [F.adaptive_avg_pool2d(img, [2, 2]), F.adaptive_avg_pool2d(img, { output_size: [2, 2] })],
      [F.threshold(v, 4, 0), F.threshold(v, { threshold: 4, value: 0 })],
    ];
    for (const [a, b] of forms) expect(b.tolist()).toEqual(a.tolist());
    expectTypeOf(F.adaptive_max_pool2d(img, { output_size: 2, return_indices: true })).toEqualTypeOf<Tensor | [Tensor, Tensor]>();
    // A required parameter missing from the options object is a type error, and PyTorch's TypeError at run time.
    // @ts-expect-error length is required
    expect(() => v.narrow({ dim: 0, start: 2 })).toThrow(`narrow() missing 1 required positional arguments: "length"`);
    // @ts-expect-error dim comes positionally before start, so it cannot follow the options object
    expect(() => v.narrow({ start: 2, length: 3 }, 0)).toThrow();
  });

  it("refuse a value given twice", () => {
    expect(() => torch.amax(x, 1, { dim: 0 } as never)).toThrow("amax() got multiple values for argument 'dim'");
  });

  it("print as PyTorch writes them", async () => {
    const { AMAX } = await import("../src/ops/reduce.js");
    expect(String(AMAX)).toBe("amax(input, dim=[], keepdim=False)");
  });

  it("let randint_like take its dtype by keyword", () => {
    torch.manual_seed(0);
    const r = torch.randint_like(torch.zeros(5), 10, { dtype: torch.float64 });
    expect(r.dtype).toBe(torch.float64);
    expect(r.max().item()).toBeLessThan(10);
  });

  it("make x.mT of a 0-d tensor the identity and refuse a 1-d one", () => {
    expect(torch.tensor(2.5).mT.item()).toBe(2.5);
    expect(() => torch.ones(3).mT).toThrow("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.");
  });
});
