/**
 * `tsorch run NOTEBOOK`: executes a notebook through the tsorch kernel (started here, spoken to
 * over ZeroMQ like any Jupyter client; no Jupyter or Python involved) and shows it in the
 * terminal as it runs. `--output`/`--inplace` save the executed notebook, `--html` a standalone
 * page of it.
 *
 * Exit status: 0 when every cell ran (or failed only where allowed), 1 when a cell failed or the
 * kernel died, 2 for a bad command line, 124 when a cell ran past `--timeout`, 130 when
 * interrupted with Ctrl+C.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import type { ColorChoice } from "../terminal/style.js";
import type { Command } from "./index.js";

const USAGE = `tsorch run NOTEBOOK [options]

Runs every code cell of NOTEBOOK (an .ipynb file) in order through the tsorch kernel and shows
the outputs in the terminal: text, results, images (as coloured half-blocks) and errors.

  -o, --output FILE     write the executed notebook to FILE
  -i, --inplace         write the executed notebook back to NOTEBOOK
      --html FILE       write the executed notebook as a standalone HTML page
      --timeout S       interrupt a cell that runs longer than S seconds (default: no limit)
      --allow-errors    go on after failing cells (normally only cells tagged raises-exception may fail)
      --kernel-name N   run with the installed Jupyter kernelspec N instead of tsorch's own kernel
      --color WHEN      auto (default), always or never
      --no-source       do not print the cells' source code

Exit status: 0 all cells ran, 1 a cell failed or the kernel died, 2 bad usage,
124 a cell timed out, 130 interrupted (Ctrl+C).`;

export interface RunArguments {
  notebook: string;
  output: string | undefined;
  html: string | undefined;
  timeout: number | undefined;
  allowErrors: boolean;
  kernelName: string | undefined;
  color: ColorChoice;
  showSource: boolean;
}

function parseRunArguments(args: string[]): RunArguments {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: "string", short: "o" },
      inplace: { type: "boolean", short: "i" },
      html: { type: "string" },
      timeout: { type: "string" },
      "allow-errors": { type: "boolean" },
      "kernel-name": { type: "string" },
      color: { type: "string" },
      "no-source": { type: "boolean" },
    },
  });
  if (positionals.length === 0) throw new UsageError("missing NOTEBOOK");
  if (positionals.length > 1) throw new UsageError(`one notebook at a time (got ${positionals.length}: ${positionals.join(", ")})`);
  const notebook = positionals[0]!;
  if (values.output !== undefined && values.inplace) throw new UsageError("choose one of --output FILE and --inplace");
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  }
  const color = values.color ?? "auto";
  if (color !== "auto" && color !== "always" && color !== "never") throw new UsageError(`--color must be auto, always or never, got ${JSON.stringify(color)}`);
  if (values["kernel-name"] === "") throw new UsageError("--kernel-name needs a kernelspec name");
  for (const [flag, file] of [["--output", values.output], ["--html", values.html]] as const) {
    if (file === undefined) continue;
    if (file === "") throw new UsageError(`${flag} needs a file name`);
    const dir = dirname(resolve(file));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${file}: directory ${dir} does not exist`);
  }
  return {
    notebook,
    output: values.inplace ? notebook : values.output,
    html: values.html,
    timeout,
    allowErrors: values["allow-errors"] === true,
    kernelName: values["kernel-name"],
    color,
    showSource: values["no-source"] !== true,
  };
}

export const runCommand: Command = {
  name: "run",
  summary: "run a notebook in the terminal (and save it executed, or as HTML)",
  usage: USAGE,
  async run(args) {
    const options = parseRunArguments(args);
    // Loaded only now: the kernel, started through this same CLI, should not pay for it.
    const { runInTerminal } = await import("../terminal/run-in-terminal.js");
    return runInTerminal(options);
  },
};
