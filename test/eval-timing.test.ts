/**
 * Timings of the evaluator, printed for the record (machines here are shared and noisy, so
 * nothing is asserted about speed; the outcomes are checked so the numbers mean something).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { ExecuteTimings } from "../kernel/eval/index.js";
import { notebook, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

function median(xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function phases(samples: ExecuteTimings[]): string {
  const keys = ["check", "emit", "load", "run", "total"] as const;
  return keys.map((k) => `${k} ${median(samples.map((s) => s[k])).toFixed(2)}`).join(", ");
}

describe("timings (printed)", () => {
  test("warm-up, per-cell overhead, completion and inspection latency", async () => {
    const nb = notebook();
    let t = performance.now();
    await nb.ev.warmUp();
    const warmUp = performance.now() - t;

    /** `code` may change from run to run: the same text twice in a row finds the last program up to date. */
    const measure = async (code: string | ((i: number) => string), runs: number) => {
      const samples: ExecuteTimings[] = [];
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const out = await nb.run(typeof code === "string" ? code : code(i));
        wall.push(performance.now() - start);
        expect(out.status).toBe("ok");
        samples.push({ ...nb.ev.lastTimings });
      }
      return `wall ${median(wall).toFixed(2)} ms; phases (ms): ${phases(samples)}`;
    };

    const lines: string[] = [`warmUp ${warmUp.toFixed(0)} ms`];
    lines.push(`"1 + 1" (fresh notebook): ${await measure("1 + 1", 30)}`);
    lines.push(`"i + 1", a new text each time: ${await measure((i) => `${i} + 1`, 30)}`);
    lines.push(`"const k = i", redeclared each time: ${await measure((i) => `const k = ${i}`, 30)}`);
    lines.push(`class + instance cell: ${await measure("class Layer { w = [1, 2, 3]; f(x: number) { return this.w.map((v) => v * x) } }\nconst layer = new Layer()\nlayer.f(2)", 15)}`);
    lines.push(`uses torch global: ${await measure("torch.zeros(2, 2).numel()", 15)}`);

    // A long session: 200 cells of live state, then the same small cell again.
    for (let i = 0; i < 200; i++) await nb.value(`const v${i} = ${i}${i > 0 ? ` + v${i - 1}` : ""}`);
    lines.push(`"1 + 1" after 200 live cells: ${await measure("1 + 1", 30)}`);
    lines.push(`"i + 1" after 200 live cells: ${await measure((i) => `${i} + 1`, 30)}`);
    lines.push(`uses a name from 200 cells back: ${await measure("v0 + v199", 15)}`);

    const completeTimes: Record<string, number[]> = { "torch.": [], "": [], "v19": [], "Math.m": [] };
    for (let i = 0; i < 10; i++) {
      for (const code of Object.keys(completeTimes)) {
        t = performance.now();
        nb.ev.complete(code, [...code].length);
        completeTimes[code]!.push(performance.now() - t);
      }
    }
    for (const [code, xs] of Object.entries(completeTimes)) lines.push(`complete ${JSON.stringify(code)}: ${median(xs).toFixed(1)} ms`);
    const inspectTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      expect(nb.ev.inspect("torch.zeros", 11, 1).found).toBe(true);
      inspectTimes.push(performance.now() - t);
    }
    lines.push(`inspect "torch.zeros" (detail 1): ${median(inspectTimes).toFixed(1)} ms`);
    console.log("evaluator timings (medians)\n  " + lines.join("\n  "));
  });
});
