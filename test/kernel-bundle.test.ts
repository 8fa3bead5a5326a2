/**
 * The bundled CLI (scripts/bundle.mjs): what kernel.json and `npx tsorch` start. It must behave
 * as the ~300 modules it is made of: one runtime instance for the preloaded names and for cells
 * that import "tsorch", tracebacks that name the layer or op (mapped through the bundle's source
 * map), and a build that notices when it is older than the compiled files.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchKernel, type LaunchedKernel } from "../kernel/client.js";
import { unbundleFrame } from "../kernel/eval/bundle-frames.js";
import { cliPath, packageRoot } from "../kernel/paths.js";

const root = packageRoot();
const bundle = join(root, "dist", "kernel", "cli.bundle.js");
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` before these tests`);

const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

describe("the bundled CLI", () => {
  it("is what the kernelspec and the tests start, and carries its shebang and source map", () => {
    expect(cliPath()).toBe(bundle);
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).bin.tsorch).toBe("./dist/kernel/cli.bundle.js");
    const text = readFileSync(bundle, "utf8");
    expect(text.startsWith("#!/usr/bin/env node")).toBe(true);
    expect(text).toMatch(/\/\/# sourceMappingURL=cli\.bundle\.js\.map\s*$/);
    // The runtime is bundled, not imported from dist/src at run time.
    const chunks = readdirSync(join(root, "dist", "kernel")).filter((f) => /^cli\.bundle.*\.js$/.test(f));
    for (const chunk of chunks) expect(readFileSync(join(root, "dist", "kernel", chunk), "utf8")).not.toMatch(/from\s*"\.\.\/src\//);
  });

  it("names only files that exist in its paths relative to itself (threads, declarations)", () => {
    const dir = join(root, "dist", "kernel");
    const chunks = readdirSync(dir).filter((f) => /\.bundle(-[A-Z0-9]+)?\.js$/.test(f));
    const named = new Set<string>();
    for (const chunk of chunks) {
      const text = readFileSync(join(dir, chunk), "utf8");
      for (const m of text.matchAll(/new URL\(\s*"(\.{1,2}\/[^"]+)"\s*,\s*import\.meta\.url\)/g)) named.add(m[1]!);
      // Thread modules are chosen into a constant first (the bundle's or the plain one).
      for (const m of text.matchAll(/"(\.\/[\w-]+\.bundle\.js)"/g)) named.add(m[1]!);
    }
    expect(named).toContain("./worker.bundle.js");
    expect(named).toContain("./interrupt-thread.bundle.js");
    // Beside the chunks: the thread bundles, and the declarations preload.ts points cells at.
    for (const relative of named) {
      const target = join(dir, relative);
      expect(existsSync(target) || existsSync(target.replace(/\.js$/, ".d.ts")), relative).toBe(true);
    }
  });

  it("maps a frame inside the bundle back to the compiled runtime file", () => {
    const dir = join(root, "dist", "kernel");
    const chunk = readdirSync(dir)
      .filter((f) => /^cli\.bundle.*\.js$/.test(f))
      .map((f) => join(dir, f))
      .find((f) => readFileSync(f, "utf8").includes("mat1 and mat2 shapes cannot be multiplied"))!;
    expect(chunk).toBeDefined();
    const lines = readFileSync(chunk, "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("mat1 and mat2 shapes cannot be multiplied"));
    const frame = unbundleFrame({ functionName: "x", file: `file://${chunk}`, line: line + 1, column: lines[line]!.search(/\S/) + 1 });
    expect(frame.file.startsWith(join(root, "dist", "src") + "/")).toBe(true);
    const original = readFileSync(frame.file, "utf8").split("\n")[frame.line - 1]!;
    expect(original).toContain("mat1 and mat2 shapes cannot be multiplied");
    // Frames elsewhere are left alone.
    const other = { functionName: "f", file: "/tmp/x.js", line: 3, column: 4 };
    expect(unbundleFrame(other)).toBe(other);
  });

  it("tells the build that it is stale when a compiled file is newer", () => {
    const newest = statSync(bundle).mtime;
    const script = join(root, "scripts", "build-if-stale.mjs");
    const probe = join(root, "dist", "src", "index.js");
    const before = statSync(probe).mtime;
    // Only the check runs: a stale bundle would start a build, which this test must not do.
    const source = readFileSync(script, "utf8").replace(/\nconst reason = staleReason\(\);[\s\S]*$/, "\nconsole.log(staleReason() ?? 'current');\n");
    const run = () => execFileSync(process.execPath, ["--input-type=module", "-e", source.replace("dirname(fileURLToPath(import.meta.url))", JSON.stringify(join(root, "scripts")))], { encoding: "utf8" }).trim();
    try {
      utimesSync(probe, before, new Date(newest.getTime() + 60_000));
      expect(run()).toMatch(/cli\.bundle\.js is older than dist\/src\/index\.js|changed/);
    } finally {
      utimesSync(probe, before, before);
    }
  });
});

describe("a kernel started from the bundle", () => {
  let kernel: LaunchedKernel;
  beforeAll(async () => {
    kernel = await launchKernel({ env: { TSORCH_LOG: "warn" }, timeout: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await kernel?.stop();
  });

  it("gives cells that import tsorch the preloaded runtime itself", async () => {
    const { reply, outputs } = await kernel.client.execute(
      'import { torch as t2, nn as nn2, Tensor as T2 } from "tsorch"; [t2 === torch, nn2.Linear === nn.Linear, torch.zeros(1) instanceof T2]',
      { timeout: 60_000 },
    );
    expect(reply.content.status).toBe("ok");
    const result = outputs.find((m) => m.header.msg_type === "execute_result");
    expect((result?.content.data as Record<string, string>)["text/plain"]).toBe("[ true, true, true ]");
  }, 90_000);

  it("folds runtime frames into the layer and op the user called", async () => {
    const cell = "const fc1 = new nn.Linear(400, 120);\nfc1(torch.randn(1, 2704))";
    const { reply } = await kernel.client.execute(cell, { timeout: 60_000 });
    expect(reply.content.status).toBe("error");
    const traceback = strip((reply.content.traceback as string[]).join("\n"));
    expect(traceback).toContain("↳ inside nn.Linear");
    expect(traceback).not.toMatch(/cli\.bundle|dist\/src|\.js:\d+/);
    const cat = await kernel.client.execute("torch.cat([torch.ones(2, 2), torch.ones(3, 3)], 1)", { timeout: 60_000 });
    expect(strip((cat.reply.content.traceback as string[]).join("\n"))).toContain("↳ inside torch.cat");
  }, 90_000);
});
