/**
 * Terminal output that fits the terminal: tables leave out columns and say which, prose wraps at
 * word boundaries under its bullet, colours survive the wrap.
 */
import { describe, expect, it } from "vitest";
import { fitToWidth, visibleWidth, wrapLine } from "../kernel/terminal/fit.js";
import { traceText } from "../src/trace/render-trace.js";
import { trace } from "../src/trace/trace.js";
import { stripAnsi } from "../src/render/ansi.js";
import { Net as LeNet } from "./trace-nets.js";

const widest = (text: string) => Math.max(...text.split("\n").map(visibleWidth));

describe("tables", () => {
  const table = traceText(trace(new LeNet(), [1, 1, 32, 32]));

  it("leave out the least telling columns to fit, and say so", () => {
    expect(widest(table)).toBeGreaterThan(80);
    const fitted = fitToWidth(table, 80);
    expect(widest(fitted)).toBeLessThanOrEqual(80);
    const lines = fitted.split("\n");
    const header = lines.find((l) => l.startsWith("Layer"))!;
    expect(header).toMatch(/^Layer \(type \(var_name\):depth-idx\) +Input Shape +Output Shape +Param #$/);
    expect(fitted).toMatch(/├─Linear \(fc1\): 1-8 +\[1, 400\] +\[1, 120\] +48,120\n/);
    expect(fitted).toMatch(/\(left out to fit 80 columns: Args, Mult-Adds(, Time)?\)/);
    // Narrower still: the output shape stays, the rest goes.
    const narrow = fitToWidth(table, 60);
    expect(widest(narrow)).toBeLessThanOrEqual(60);
    expect(narrow).toMatch(/├─Conv2d \(conv1\): 1-1 +\[1, 6, 28, 28\]\n/);
  });

  it("are untouched when they fit", () => {
    expect(fitToWidth(table, 400)).toBe(table);
  });

  it("keep each row's colour", () => {
    const red = table.split("\n").map((l) => (l.includes("fc1") ? `\x1b[31m${l}\x1b[39m` : l)).join("\n");
    const row = fitToWidth(red, 80).split("\n").find((l) => l.includes("fc1"))!;
    expect(row.startsWith("\x1b[31m├─Linear (fc1)")).toBe(true);
    expect(row).toContain("\x1b[39m");
  });
});

describe("prose", () => {
  it("wraps at spaces with a hanging indent under a bullet's text", () => {
    const fix = "  • let fc1 take in_features from the data: nn.LazyLinear(120), or nn.Linear(2704, 120) (in_features=2704) for inputs of this size only";
    const lines = wrapLine(fix, 50);
    expect(lines.every((l) => visibleWidth(l) <= 50)).toBe(true);
    expect(lines[0]).toBe("  • let fc1 take in_features from the data:");
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {4}\S/);
    expect(lines.map((l) => l.trim()).join(" ")).toBe(fix.trim());
  });

  it("splits a word longer than the line, and carries colour to the next line", () => {
    const lines = wrapLine(`\x1b[36m${"x".repeat(30)} y\x1b[39m`, 12);
    expect(lines.map(stripAnsi)).toEqual(["x".repeat(12), "x".repeat(12), "x".repeat(6) + " y"]);
    expect(lines[1]!.startsWith("\x1b[36m")).toBe(true);
    expect(lines[0]!.endsWith("\x1b[0m")).toBe(true);
  });

  it("leaves lines redrawn in place alone", () => {
    expect(wrapLine("\r" + "=".repeat(100), 40)).toEqual(["\r" + "=".repeat(100)]);
  });
});
