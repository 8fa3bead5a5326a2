/**
 * `tsorch script.ts`: a TypeScript file run with the kernel's evaluator: the preloaded names,
 * type checks before anything runs, rich output drawn for the terminal (fitted to its width),
 * arguments in process.argv, and tracebacks at the file's own lines.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuild, stripAnsi, tempDir, tsorch } from "./run-support.js";

const dir = tempDir("tsorch-script-");
writeFileSync(
  join(dir, "lenet.ts"),
  [
    "class Net extends nn.Module {",
    "  conv1 = new nn.Conv2d(1, 6, 5);",
    "  fc1 = new nn.Linear(6 * 28 * 28, 10);",
    "  forward(x: Tensor): Tensor {",
    "    x = F.relu(this.conv1(x));",
    "    return this.fc1(x.view(1, -1));",
    "  }",
    "}",
    "const net = new Net();",
    "print(net(torch.randn(1, 1, 32, 32)).shape);",
    "display(summary(net, [1, 1, 32, 32]));",
    'console.log("args:", process.argv.slice(2).join(" "));',
    "net(torch.randn(1, 1, 64, 64));",
  ].join("\n"),
);
writeFileSync(join(dir, "typo.ts"), 'console.log("before");\nconst n: number = "three";\n');

describe("tsorch script.ts", () => {
  it("runs the file with the preloaded names, fits rich output to the width, and fails at the file's line", async () => {
    requireBuild();
    const r = await tsorch(["lenet.ts", "a", "b"], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const out = stripAnsi(r.stdout);
    expect(out).toContain("torch.Size([1, 10])");
    expect(out).toMatch(/├─Linear \(fc1\): 1-4 +\[1, 4704\] +\[1, 10\] +47,050/);
    expect(Math.max(...out.split("\n").map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(out).toContain("args: a b");
    const err = stripAnsi(r.stderr);
    expect(err).toContain("File lenet.ts, line 13\n");
    expect(err).toContain("File lenet.ts, line 6, in Net.forward");
    expect(err).toContain("  ↳ inside nn.Linear (fc1)");
    expect(err).toMatch(/RuntimeError: mat1 and mat2 shapes cannot be multiplied \(1x21600 and 4704x10\)\n$/);
  });

  it("type-checks the whole file before running any of it", async () => {
    const r = await tsorch(["typo.ts"], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("before");
    const err = stripAnsi(r.stderr).replace(/\s+/g, " ");
    expect(err).toContain("File typo.ts, line 2, col 7: error TS2322: Type 'string' is not assignable to type 'number'.");
    expect(err).toContain("the file did not run");
  });
});
