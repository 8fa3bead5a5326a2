/**
 * The `tsorch` command (`dist/kernel/cli.js`): help, version, kernelspec install/uninstall in
 * every scope, and that real Jupyter finds what `install` writes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, packageRoot } from "../kernel/paths.js";
import { JUPYTER, requireJupyter } from "./jupyter/environment.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

function tsorch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cliPath(), ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), "tsorch-cli-"));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString("latin1")).toBe("\x89PNG\r\n\x1a\n");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe("tsorch CLI", () => {
  it("prints help and versions", () => {
    const help = tsorch(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["kernel", "install", "uninstall"]) expect(help.out).toContain(`  ${command}`);
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
    const version = tsorch(["--version"]);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(new RegExp(`^tsorch ${pkg.version.replace(/\./g, "\\.")} \\(TypeScript \\d+\\.\\d+\\.\\d+, Node v\\d+`));
    expect(tsorch(["install", "--help"]).out).toContain("--sys-prefix");
    expect(tsorch([]).code).toBe(2);
  });

  it("rejects unknown commands and options with status 2 and the usage", () => {
    const unknown = tsorch(["fly"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "fly"');
    const badOption = tsorch(["install", "--everywhere"]);
    expect(badOption.code).toBe(2);
    expect(badOption.err).toMatch(/Unknown option '--everywhere'[\s\S]*Usage: tsorch install/);
    expect(tsorch(["install", "--user", "--prefix", "/tmp/x"]).err).toContain("choose one of --user, --sys-prefix and --prefix DIR");
    expect(tsorch(["install", "--prefix", tmp(), "--name", "bad name!"]).err).toContain('invalid kernel name "bad name!"');
    expect(tsorch(["kernel"]).err).toContain("missing --connection-file FILE");
  });

  it("install --max-heap sets the kernel's heap limit and V8's, a quarter above it", () => {
    const prefix = tmp();
    expect(tsorch(["install", "--prefix", prefix, "--max-heap", "8g"]).code).toBe(0);
    const spec = JSON.parse(readFileSync(join(prefix, "share", "jupyter", "kernels", "tsorch", "kernel.json"), "utf8")) as { argv: string[]; env: Record<string, string> };
    expect(spec.argv.slice(0, 2)).toEqual([process.execPath, "--max-old-space-size=10240"]);
    expect(spec.argv.slice(-2)).toEqual(["--connection-file", "{connection_file}"]);
    expect(spec.env).toEqual({ TSORCH_MAX_HEAP: "8g" });
    const bad = tsorch(["install", "--prefix", prefix, "--max-heap", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('cannot read "lots" as a size');
    expect(tsorch(["install", "--prefix", prefix, "--max-heap", "1m"]).err).toContain("too small");
  });

  it("installs kernel.json and logos under --prefix, and uninstalls them", () => {
    const prefix = tmp();
    const installed = tsorch(["install", "--prefix", prefix, "--display-name", "TS torch"]);
    expect(installed.code).toBe(0);
    const dir = join(prefix, "share", "jupyter", "kernels", "tsorch");
    expect(installed.out).toContain(dir);
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    expect(spec).toEqual({
      argv: [process.execPath, cliPath(), "kernel", "--connection-file", "{connection_file}"],
      display_name: "TS torch",
      language: "typescript",
      interrupt_mode: "message",
      env: {},
      metadata: { debugger: false },
    });
    expect(pngSize(join(dir, "logo-32x32.png"))).toEqual([32, 32]);
    expect(pngSize(join(dir, "logo-64x64.png"))).toEqual([64, 64]);
    expect(readFileSync(join(dir, "logo-svg.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(tsorch(["uninstall", "--prefix", prefix]).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const again = tsorch(["uninstall", "--prefix", prefix]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("No kernelspec named tsorch");
  });

  it("installs for the user under JUPYTER_DATA_DIR, and for --sys-prefix under $VIRTUAL_ENV", () => {
    const data = tmp();
    expect(tsorch(["install", "--name", "tsorch-test"], { JUPYTER_DATA_DIR: data }).code).toBe(0);
    expect(existsSync(join(data, "kernels", "tsorch-test", "kernel.json"))).toBe(true);
    const venv = tmp();
    expect(tsorch(["install", "--sys-prefix"], { VIRTUAL_ENV: venv }).code).toBe(0);
    expect(existsSync(join(venv, "share", "jupyter", "kernels", "tsorch", "kernel.json"))).toBe(true);
    expect(tsorch(["uninstall", "--sys-prefix"], { VIRTUAL_ENV: venv }).code).toBe(0);
  });

  it("writes a kernelspec that Jupyter itself lists", () => {
    requireJupyter(["jupyter_client"]);
    const prefix = tmp();
    tsorch(["install", "--prefix", prefix]);
    const listed = spawnSync(JUPYTER, ["kernelspec", "list", "--json"], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: join(prefix, "data") },
    });
    expect(listed.status, listed.stderr).toBe(0);
    const specs = JSON.parse(listed.stdout) as { kernelspecs: Record<string, { spec: { argv: string[]; language: string } }> };
    expect(specs.kernelspecs.tsorch?.spec.language).toBe("typescript");
    expect(specs.kernelspecs.tsorch?.spec.argv[1]).toBe(cliPath());
  });
});
