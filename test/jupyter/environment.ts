/**
 * The real Jupyter the end-to-end suites drive: Debian's Python with jupyter_client,
 * jupyter_kernel_test, jupyter_server, nbconvert and jupyter-console. A missing piece makes the
 * suites fail with a message saying what to install, never skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelSpec } from "../../kernel/kernelspec.js";
import { cliPath } from "../../kernel/paths.js";

export const PYTHON = "/usr/bin/python3";
import { JUPYTER } from "../../bench/jupyter-server.js";
export { JUPYTER };

/** Throws a clear error unless the build output and the named Python modules/commands exist. */
export function requireJupyter(modules: string[], commands: string[] = []): void {
  if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before the Jupyter suites`);
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the Jupyter suites need Debian's python3 with Jupyter installed`);
  const probe = spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import ${modules.join(", ")} (apt install the python3-* packages):\n${probe.stderr}`);
  }
  for (const command of commands) {
    const run = spawnSync(JUPYTER, [command, "--version"], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`\`jupyter ${command}\` does not run (apt install jupyter-${command}?):\n${run.stderr}${run.stdout}`);
  }
}

export interface JupyterSandbox {
  /** JUPYTER_PATH holding kernels/tsorch/kernel.json. */
  jupyterPath: string;
  /** Environment for Jupyter processes: JUPYTER_PATH, private data/runtime/config dirs, history file. */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** Removes the sandbox directory. */
  remove(): void;
}

/** A throwaway Jupyter environment where `tsorch` is the installed kernelspec (written as `tsorch install --prefix` does). */
export function jupyterSandbox(): JupyterSandbox {
  const dir = mkdtempSync(join(tmpdir(), "tsorch-jupyter-"));
  installKernelSpec({ scope: { kind: "prefix", dir } });
  const jupyterPath = join(dir, "share", "jupyter");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: jupyterPath,
    JUPYTER_DATA_DIR: join(dir, "data"),
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: join(dir, "config"),
    IPYTHONDIR: join(dir, "ipython"),
    TSORCH_HISTORY: join(dir, "history.jsonl"),
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    // Keep the checkout clean: no __pycache__ next to test_tsorch_kernel.py.
    PYTHONDONTWRITEBYTECODE: "1",
  };
  return { jupyterPath, env, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export { startJupyterServer, type JupyterServer } from "../../bench/jupyter-server.js";
