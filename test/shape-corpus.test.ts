/**
 * The corpus test: for 300 random networks (bench/shape-corpus.ts), each
 * fed one input that fails, the sizes the explanation says work are exactly
 * the sizes at which a real run succeeds and keeps the batch — every square
 * size up to 160, and H×W pairs at the edges of every reported family and
 * at random. A committed subset is also held to PyTorch's own runs
 * (test/fixtures/shape_corpus_torch.json, from gen_shape_corpus.py).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type Tensor, torch } from "../src/index.js";
import type { SolveResult } from "../src/shape/solver.js";
import type { Explanation } from "../src/trace/explain.js";
import { type NetSpec, buildNet, corpusSpecs, runsAt } from "../bench/shape-corpus.js";

const COUNT = 300;
const LIMIT = 160;

/** Whether the explanation's solved sizes include H×W. */
function explainedAt(sol: SolveResult | null, h: number, w: number): boolean {
  if (!sol || !sol.any) return false;
  const [a, b] = sol.vars as [string, string];
  const within = (ranges: readonly { lo: number; hi: number | null }[] | undefined, x: number) =>
    (ranges ?? []).some((r) => x >= r.lo && (r.hi === null || x <= r.hi));
  return sol.families.some((f) => within(f.ranges[a], h) && within(f.ranges[b], w));
}

function explain(spec: NetSpec): Explanation {
  const net = buildNet(spec);
  try {
    (net as unknown as (x: Tensor) => Tensor)(metaInput(spec, spec.failing[0], spec.failing[1]));
  } catch (e) {
    const ex = (e as { explanation?: Explanation }).explanation;
    if (ex) return ex;
    throw e;
  }
  throw new Error(`net ${spec.id} ran at its failing size`);
}

function metaInput(spec: NetSpec, h: number, w: number): Tensor {
  return torch.empty([spec.batch, spec.channels, h, w], { device: "meta" });
}

/** The H×W pairs checked beside every square: edges of each reported range (±1), crossed, and random pairs. */
function pairsToCheck(sol: SolveResult | null, seed: number): [number, number][] {
  const edges = new Set<number>([1, 2, LIMIT]);
  if (sol) {
    for (const f of sol.families) {
      for (const ranges of Object.values(f.ranges)) {
        for (const r of ranges) for (const v of [r.lo - 1, r.lo, r.hi, (r.hi ?? LIMIT) + 1]) if (v !== null && v >= 1 && v <= LIMIT) edges.add(v);
      }
    }
  }
  const list = [...edges].slice(0, 14);
  const pairs: [number, number][] = [];
  for (const h of list) for (const w of list) pairs.push([h, w]);
  let s = seed;
  for (let i = 0; i < 40; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const h = 1 + (s % LIMIT);
    s = (s * 1103515245 + 12345) % 2147483648;
    pairs.push([h, 1 + (s % LIMIT)]);
  }
  return pairs;
}

interface Verdict {
  id: number;
  /** What failed: the failing step's op and the check (`linear in_features`). */
  kind: string;
  /** Whether some size works. */
  any: boolean;
  exact: boolean;
  mismatches: string[];
  explainMs: number;
}

function check(spec: NetSpec): Verdict {
  const t0 = performance.now();
  const ex = explain(spec);
  const explainMs = performance.now() - t0;
  const sol = ex.sizes;
  const net = buildNet(spec);
  const mismatches: string[] = [];
  const compare = (h: number, w: number) => {
    const real = runsAt(net, spec, h, w);
    const said = explainedAt(sol, h, w);
    if (real !== said) mismatches.push(`${h}×${w}: runs ${real}, explained ${said}`);
  };
  for (let s = 1; s <= LIMIT; s++) compare(s, s);
  for (const [h, w] of pairsToCheck(sol, spec.id + 1)) compare(h, w);
  const key = ex.trace.failedRow;
  const kind = `${key?.spec.op ?? "?"}: ${ex.headline.replace(/[0-9]+/g, "#").slice(0, 40)}`;
  return { id: spec.id, kind, any: sol?.any ?? false, exact: ex.exact && !/approximate|checked up to/.test(ex.sizesText), mismatches, explainMs };
}

const specs = corpusSpecs(COUNT, 20261207);
/** Nets whose failures are mostly joins (`cat` of strided branches, `+` of a pool-then-upsample shortcut). */
const joinSpecs = corpusSpecs(60, 7, { joins: true }).map((s) => ({ ...s, id: 1000 + s.id }));
/** Nets with ModuleDict loops and parts of dims (`narrow`/`split` parts joined by `cat`, `narrow` crops). */
const partSpecs = corpusSpecs(40, 11, { parts: true }).map((s) => ({ ...s, id: 2000 + s.id }));

describe("the random-network corpus", () => {
  test(`${COUNT} nets, 60 with joins and 40 with dict loops and parts of dims, each with a failing input`, () => {
    expect(specs.length).toBe(COUNT);
    expect(joinSpecs.length).toBe(60);
    expect(partSpecs.length).toBe(40);
    // The parts group holds what its name says.
    const kinds = new Set(partSpecs.flatMap((s) => s.layers.map((l) => l.kind)));
    for (const k of ["dict", "halves", "crop"]) expect(kinds.has(k as never)).toBe(true);
    if (process.env.WRITE_SHAPE_CORPUS) writeFileSync(new URL("./fixtures/shape_corpus_nets.json", import.meta.url), JSON.stringify(specs.slice(0, 40)));
  });

  test("the explained sizes are the sizes at which a real run works", () => {
    const verdicts = [...specs, ...joinSpecs, ...partSpecs].map(check);
    const wrong = verdicts.filter((v) => v.mismatches.length > 0);
    const approximate = verdicts.filter((v) => !v.exact);
    const slowest = Math.max(...verdicts.map((v) => v.explainMs));
    const kinds = new Map<string, number>();
    for (const v of verdicts) kinds.set(v.kind.split(":")[0]!, (kinds.get(v.kind.split(":")[0]!) ?? 0) + 1);
    const times = verdicts.map((v) => v.explainMs).sort((a, b) => a - b);
    console.log(`corpus: ${verdicts.length} nets (${verdicts.filter((v) => v.any).length} with sizes that work), ` +
      `${wrong.length} with a wrong size, ${approximate.length} approximate; explanation median ${times[times.length >> 1]!.toFixed(1)} ms, ` +
      `slowest ${slowest.toFixed(1)} ms; failing ops: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    for (const v of wrong.slice(0, 10)) console.log(`net ${v.id}: ${v.mismatches.slice(0, 4).join("; ")}`);
    expect(wrong.map((v) => v.id)).toEqual([]);
    expect(approximate.map((v) => v.id)).toEqual([]);
  });
});

interface TorchRuns {
  torch: string;
  limit: number;
  grid: number[];
  nets: { id: number; square: string; grid: string[] }[];
}

describe("the corpus subset against PyTorch", () => {
  const fixture = JSON.parse(readFileSync(new URL("./fixtures/shape_corpus_torch.json", import.meta.url), "utf8")) as TorchRuns;
  const committed = JSON.parse(readFileSync(new URL("./fixtures/shape_corpus_nets.json", import.meta.url), "utf8")) as NetSpec[];

  test("the committed nets are the corpus's first nets", () => {
    expect(committed).toEqual(specs.slice(0, committed.length));
    expect(fixture.nets.length).toBe(committed.length);
  });

  test(`real runs and explained sizes equal PyTorch ${fixture.torch}'s runs, square and H×W`, () => {
    const differ: string[] = [];
    for (const runs of fixture.nets) {
      const spec = committed.find((n) => n.id === runs.id)!;
      const net = buildNet(spec);
      const sol = explain(spec).sizes;
      const bit = (b: boolean) => (b ? "1" : "0");
      const mine = Array.from({ length: fixture.limit }, (_, i) => bit(runsAt(net, spec, i + 1, i + 1))).join("");
      const said = Array.from({ length: fixture.limit }, (_, i) => bit(explainedAt(sol, i + 1, i + 1))).join("");
      if (mine !== runs.square) differ.push(`net ${runs.id}: tsorch runs squares ${mine}, PyTorch ${runs.square}`);
      if (said !== runs.square) differ.push(`net ${runs.id}: explained squares ${said}, PyTorch ${runs.square}`);
      fixture.grid.forEach((h, i) => {
        const row = fixture.grid.map((w) => bit(explainedAt(sol, h, w))).join("");
        if (row !== runs.grid[i]) differ.push(`net ${runs.id}: H ${h} explained ${row}, PyTorch ${runs.grid[i]}`);
      });
    }
    expect(differ).toEqual([]);
  });
});
