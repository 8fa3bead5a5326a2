/**
 * progressBar: the text form (bar, percent, counts, time, metrics), the
 * HTML form (a bar whose width is the fraction done, theme variables, a
 * "done" state), the display bundle, the terminal form and typed errors.
 * A fake clock makes times exact.
 */
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { ArgumentError, progressBar } from "../src/index.js";
import { formatDuration } from "../src/render/progress.js";
import { markup } from "./html-markup.js";

function clocked(total: number, label?: string, width?: number) {
  const clock = { t: 1000 };
  const bar = progressBar({ total, label, width, now: () => clock.t });
  return { bar, clock };
}

describe("text", () => {
  test("the bar, percent, counts, elapsed<remaining, rate and metrics", () => {
    const { bar, clock } = clocked(94, "epoch 2/5");
    expect(String(bar)).toBe("epoch 2/5 ░░░░░░░░░░░░░░░░░░░░   0% 0/94 [00:00<?, ? it/s]");
    clock.t += 3220;
    bar.update(66, { loss: 0.41234, acc: 0.9123 });
    expect(String(bar)).toBe("epoch 2/5 ██████████████░░░░░░  70% 66/94 [00:03<00:01, 20.5 it/s] loss 0.412 acc 0.912");
    expect(bar.fraction).toBeCloseTo(66 / 94, 12);
    expect(bar.rate).toBeCloseTo(66 / 3.22, 9);
    clock.t += 1380;
    bar.update(94, { loss: 0.4 });
    expect(String(bar)).toBe("epoch 2/5 ████████████████████ 100% 94/94 [00:05<00:00, 20.4 it/s] loss 0.4");
    expect(bar.done).toBe(true);
  });

  test("partial cells use eighth blocks; more than total shows as full", () => {
    const { bar } = clocked(16, "", 4);
    bar.update(1);
    expect(bar.barText()).toBe("▎░░░"); // a quarter cell: two eighths
    bar.update(2);
    expect(bar.barText()).toBe("▌░░░");
    bar.update(5);
    expect(bar.barText()).toBe("█▎░░");
    bar.update(40);
    expect(bar.barText()).toBe("████");
    expect(String(bar).startsWith("████ 100% 40/16")).toBe(true);
  });

  test("slow steps are counted in seconds per step; text metrics are kept as given", () => {
    const { bar, clock } = clocked(10, "eval");
    clock.t += 4000;
    bar.update(2, { phase: "test" });
    expect(bar.timeText()).toBe("[00:04<00:16, 2.0 s/it]");
    expect(bar.metricsText()).toBe("phase test");
  });

  test("durations", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(75.4)).toBe("01:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});

describe("html and display", () => {
  test("a bar whose fill is the fraction done, styled inline (what survives an untrusted notebook)", () => {
    const { bar } = clocked(94, "epoch <2>");
    bar.update(66, { loss: 0.412 });
    const styled = bar.html();
    const html = markup(styled);
    expect(styled).toMatch(/<span class="tsorch-fill" style="[^"]*background: #1e88e5; width: 70.2%"><\/span>/);
    expect(styled).not.toContain("<style");
    expect(html).toContain("epoch &lt;2&gt;");
    expect(html).toContain('aria-valuenow="66"');
    expect(html).toContain("loss <b>0.412</b>");
    expect(html).toContain('class="tsorch-progress"');
    bar.update(94);
    expect(bar.html()).toContain('class="tsorch-progress tsorch-done"');
    expect(bar.html()).toMatch(/class="tsorch-fill" style="[^"]*background: #43a047; width: 100.0%"/);
  });

  test("the display bundle has text/plain and text/html", () => {
    const { bar } = clocked(10, "step");
    bar.update(3);
    const bundle = (bar as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]!();
    expect(bundle["text/plain"]).toBe(String(bar));
    expect(bundle["text/html"]).toBe(bar.html());
  });

  test("colour terminals get a green bar; others the text", () => {
    const { bar } = clocked(10, "step");
    bar.update(5);
    const colored = inspect(bar, { colors: true });
    expect(colored).toContain("\x1b[32m");
    expect(colored.replace(/\x1b\[[0-9;]*m/g, "")).toBe(String(bar));
    expect(inspect(bar, { colors: false })).toBe(String(bar));
  });
});

describe("errors", () => {
  test("bad options and updates are typed errors", () => {
    expect(() => progressBar({ total: 0 })).toThrow(/total must be a positive integer, got 0/);
    expect(() => progressBar({ total: 2.5 })).toThrow(ArgumentError);
    expect(() => progressBar({ total: 5, width: 0 })).toThrow(/width must be an integer from 1 to 200/);
    expect(() => progressBar(null as never)).toThrow(ArgumentError);
    const bar = progressBar({ total: 5 });
    expect(() => bar.update(-1)).toThrow(/n must be a number of steps ≥ 0, got -1/);
    expect(() => bar.update(Number.NaN)).toThrow(ArgumentError);
    expect(() => bar.update(1, 3 as never)).toThrow(/metrics must be an object/);
  });
});
