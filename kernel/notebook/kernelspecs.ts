/**
 * Finding an installed kernelspec by name, where jupyter_client looks: `$JUPYTER_PATH`, the
 * user's data directory, the active environment's prefix, then the system directories. This is
 * what `tsorch run --kernel-name NAME` starts instead of its own kernel.
 *
 * @example
 * findKernelSpec("python3").argv; // ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
 */
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { jupyterDataDir } from "../kernelspec.js";
import { KernelSpecError } from "./errors.js";

export interface InstalledKernelSpec {
  name: string;
  /** The directory holding kernel.json. */
  dir: string;
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal" | "message";
  env: Record<string, string>;
}

/** The `share/jupyter` directories searched, first match wins (jupyter_core's `jupyter_path()`). */
export function jupyterPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.JUPYTER_PATH) dirs.push(...env.JUPYTER_PATH.split(delimiter).filter(Boolean));
  dirs.push(jupyterDataDir());
  const prefix = env.VIRTUAL_ENV || env.CONDA_PREFIX;
  if (prefix) dirs.push(join(prefix, "share", "jupyter"));
  dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

export function findKernelSpec(name: string, env: NodeJS.ProcessEnv = process.env): InstalledKernelSpec {
  const wanted = name.toLowerCase();
  const searched = jupyterPath(env).map((d) => join(d, "kernels"));
  for (const kernels of searched) {
    const dir = join(kernels, wanted);
    const file = join(dir, "kernel.json");
    if (existsSync(file)) return parseSpec(wanted, dir, file, env);
  }
  throw new KernelSpecError(`no kernelspec named ${JSON.stringify(name)} in ${searched.join(", ")} (\`jupyter kernelspec list\` shows what is installed)`, name);
}

function parseSpec(name: string, dir: string, file: string, env: NodeJS.ProcessEnv): InstalledKernelSpec {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new KernelSpecError(`${file} is not valid JSON: ${(err as Error).message}`, name);
  }
  const argv = raw.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) {
    throw new KernelSpecError(`${file}: "argv" must be a non-empty list of strings`, name);
  }
  const specEnv: Record<string, string> = {};
  if (typeof raw.env === "object" && raw.env !== null) {
    for (const [key, value] of Object.entries(raw.env as Record<string, unknown>)) {
      // jupyter_client expands ${VAR} in kernelspec env values from the launching environment.
      if (typeof value === "string") specEnv[key] = value.replace(/\$\{(\w+)\}/g, (_m, v: string) => env[v] ?? "");
    }
  }
  return {
    name,
    dir,
    argv: (argv as string[]).map((a) => a.replaceAll("{resource_dir}", dir)),
    display_name: typeof raw.display_name === "string" ? raw.display_name : name,
    language: typeof raw.language === "string" ? raw.language : "",
    interrupt_mode: raw.interrupt_mode === "message" ? "message" : "signal",
    env: specEnv,
  };
}
