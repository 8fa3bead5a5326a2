/**
 * PyTorch's own op tests: the float32 sample inputs of PyTorch 2.x's OpInfo
 * database (test/fixtures/gen_opinfo.py walks op_db), run against every op
 * tsorch has under the OpInfo's name — `torch.<name>`, `F.<name>` for
 * `nn.functional.*`, `torch.linalg.*`, or the tensor method — with keyword
 * arguments passed as the options object. Prints the coverage; the floors
 * below hold what has been reached, so a regression fails.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { F, torch } from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { ValuesIndices } from "../src/ops/reduce.js";
import { type EncodedTensor, decodeInput, decodeValues, dtypeOf } from "./ops-fixture-support.js";

interface Encoded extends EncodedTensor { list?: Encoded[] }
interface Sample { input: unknown; args: unknown[]; kwargs: Record<string, unknown>; out?: Encoded; error?: { type: string; message: string } }
interface OpEntry { name: string; variant: string; samples: Sample[] }

const fixture = JSON.parse(readFileSync(new URL("./fixtures/opinfo.json", import.meta.url), "utf8")) as { torch: string; ops: OpEntry[] };

type Fn = (...args: unknown[]) => unknown;

function decodeArg(a: unknown): unknown {
  if (a === null || typeof a !== "object") return a;
  const o = a as { tensor?: EncodedTensor; dtype?: string; seq?: unknown[]; float?: string };
  if (o.tensor) return decodeInput(o.tensor);
  if (o.dtype) return dtypeOf(o.dtype);
  if (o.seq) return o.seq.map(decodeArg);
  if (o.float) return o.float === "nan" ? NaN : o.float === "inf" ? Infinity : -Infinity;
  return a;
}

/** The tsorch function an OpInfo name stands for, if tsorch has one. */
function resolve(name: string): Fn | null {
  const lookup = (ns: unknown, key: string): Fn | null => {
    const f = (ns as Record<string, unknown>)[key];
    return typeof f === "function" && !/^[A-Z]/.test(key) ? (f as Fn) : null;
  };
  if (name.startsWith("nn.functional.")) return lookup(F, name.slice(14));
  if (name.startsWith("linalg.")) return lookup(torch.linalg, name.slice(7));
  if (name.includes(".")) return null;
  const fn = lookup(torch, name);
  if (fn) return fn;
  // A method, not a getter (reading `T` off the prototype would run it).
  const method = Object.getOwnPropertyDescriptor(Tensor.prototype, name)?.value as unknown;
  return typeof method === "function" ? (x: unknown, ...rest: unknown[]) => (method as Fn).apply(x, rest) : null;
}

function matches(actual: unknown, expected: Encoded): boolean {
  if (expected.list) {
    const list = actual instanceof ValuesIndices ? [actual.values, actual.indices] : actual;
    return Array.isArray(list) && list.length === expected.list.length && expected.list.every((e, i) => matches(list[i], e));
  }
  if (expected.scalar !== undefined || expected.bool !== undefined) {
    const want = expected.bool ?? decodeValues({ data: [expected.scalar!] })[0];
    const got = actual instanceof Tensor ? actual.item() : actual;
    return got === want || (typeof got === "number" && typeof want === "number" && Math.abs(got - want) <= 1e-4 + 1e-4 * Math.abs(want));
  }
  if (!(actual instanceof Tensor)) return false;
  if (actual.dtype.name !== expected.dtype || actual.shape.length !== expected.shape!.length || actual.shape.some((s, i) => s !== expected.shape![i])) return false;
  const a = Array.from(actual.contiguous().toFlatArray() as ArrayLike<number>);
  const e = decodeValues(expected);
  return a.every((v, i) => {
    const w = e[i]!;
    if (Number.isNaN(w)) return Number.isNaN(v);
    if (!Number.isFinite(w)) return v === w;
    return Math.abs(v - w) <= 1e-4 + 1e-4 * Math.abs(w);
  });
}

interface Tally { present: number; samples: number; matched: number; errorsRefused: number; errors: number }

function runAll(): Tally {
  const t: Tally = { present: 0, samples: 0, matched: 0, errorsRefused: 0, errors: 0 };
  for (const op of fixture.ops) {
    const fn = resolve(op.name);
    if (!fn) continue;
    t.present++;
    for (const s of op.samples) {
      t.samples++;
      const input = decodeArg(s.input);
      const args = s.args.map(decodeArg);
      const kwargs = Object.fromEntries(Object.entries(s.kwargs).map(([k, v]) => [k, decodeArg(v)]));
      let out: unknown;
      let threw: unknown = null;
      try {
        out = fn(input, ...args, ...(Object.keys(kwargs).length > 0 ? [kwargs] : []));
      } catch (e) {
        threw = e;
      }
      if (s.error) {
        t.errors++;
        if (threw) { t.errorsRefused++; t.matched++; }
      } else if (!threw && matches(out, s.out!)) {
        t.matched++;
      }
    }
  }
  return t;
}

describe(`PyTorch ${fixture.torch}'s OpInfo database`, () => {
  it("runs every sample of the OpInfos tsorch has and prints the coverage", () => {
    const t = runAll();
    const pct = (100 * t.matched / Math.max(t.samples, 1)).toFixed(1);
    console.log(`OpInfo coverage: ${t.present} of ${fixture.ops.length} OpInfos present; ${t.matched} of ${t.samples} float32 samples match (${pct}%); ${t.errorsRefused} of ${t.errors} error samples refused`);
    expect(t.present).toBeGreaterThanOrEqual(FLOOR.present);
    expect(t.matched).toBeGreaterThanOrEqual(FLOOR.matched);
  });
});

/** What this tree reaches today; raise it as ops arrive. */
const FLOOR = { present: 300, matched: 914 };
