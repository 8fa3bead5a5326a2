/** `tsorch install` / `tsorch uninstall`: the kernelspec, written without Python. */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import type { InstallScope } from "../kernelspec.js";
import type { Command } from "./index.js";

const scopeOptions = {
  user: { type: "boolean" },
  "sys-prefix": { type: "boolean" },
  prefix: { type: "string" },
  name: { type: "string" },
} as const;

function scopeOf(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): InstallScope {
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --user, --sys-prefix and --prefix DIR");
  if (values.prefix !== undefined) {
    if (values.prefix === "") throw new UsageError("--prefix needs a directory");
    return { kind: "prefix", dir: values.prefix };
  }
  return values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" };
}

const WHERE = `  --user             for this user (default): $JUPYTER_DATA_DIR/kernels or ~/.local/share/jupyter/kernels
  --sys-prefix       for the active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX, else /usr/local)
  --prefix DIR       under DIR/share/jupyter/kernels
  --name NAME        kernelspec name (default tsorch)`;

export const installCommand: Command = {
  name: "install",
  summary: "install the Jupyter kernelspec (kernel.json and logos)",
  usage: `tsorch install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT] [--max-heap SIZE]\n\n${WHERE}\n  --display-name TEXT  name shown in launchers (default "TypeScript (tsorch)")\n  --max-heap SIZE      JavaScript heap a cell may grow to before it is stopped with a MemoryError\n                       (e.g. 8g, 512m; default 768m; tensor data is outside this heap)`,
  async run(args) {
    const { values } = parseArgs({ args, options: { ...scopeOptions, "display-name": { type: "string" }, "max-heap": { type: "string" } }, strict: true });
    const { installKernelSpec } = await import("../kernelspec.js");
    const { parseByteSize } = await import("../heap.js");
    try {
      const dir = installKernelSpec({
        ...(values["max-heap"] !== undefined ? { maxHeap: parseByteSize(values["max-heap"]) } : {}),
        scope: scopeOf(values),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values["display-name"] !== undefined ? { displayName: values["display-name"] } : {}),
      });
      process.stdout.write(`Installed the tsorch kernelspec in ${dir}\n`);
      return 0;
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
  },
};

export const uninstallCommand: Command = {
  name: "uninstall",
  summary: "remove an installed kernelspec",
  usage: `tsorch uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]\n\n${WHERE}`,
  async run(args) {
    const { values } = parseArgs({ args, options: scopeOptions, strict: true });
    const { uninstallKernelSpec, kernelsDir } = await import("../kernelspec.js");
    const scope = scopeOf(values);
    let dir: string | undefined;
    try {
      dir = uninstallKernelSpec({ scope, ...(values.name !== undefined ? { name: values.name } : {}) });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    if (!dir) {
      process.stderr.write(`No kernelspec named ${values.name ?? "tsorch"} in ${kernelsDir(scope)}\n`);
      return 1;
    }
    process.stdout.write(`Removed ${dir}\n`);
    return 0;
  },
};
