/**
 * `tsorch run NOTEBOOK…`: executes notebooks through the tsorch kernel (started here, spoken to
 * over ZeroMQ like any Jupyter client; no Jupyter or Python involved), or through a kernel on a
 * Jupyter Server (`--server URL`), and shows them in the terminal as they run. `--output`/
 * `--inplace` save the executed notebook, `--html` a standalone page of it; `-p name value`
 * injects parameters; several notebooks run side by side with `--jobs N`.
 *
 * Exit status: 0 when every cell ran (or failed only where allowed), 1 when a cell failed or the
 * kernel died, 2 for a bad command line, 124 when a cell ran past `--timeout`, 130 when
 * interrupted with Ctrl+C. With several notebooks: 0 when all ran, else the first failure's.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { checkParameterName, parseParametersFile, parseParameterValue, type Parameters } from "../notebook/parameters.js";
import { parseServer, type ServerOptions } from "../notebook/server.js";
import type { ColorChoice } from "../terminal/style.js";
import type { Command } from "./index.js";

const USAGE = `tsorch run NOTEBOOK [options]
       tsorch run NOTEBOOK NOTEBOOK... [--jobs N] [options]

Runs every code cell of NOTEBOOK (an .ipynb file) in order through the tsorch kernel and shows
the outputs in the terminal: text, results, images (as coloured half-blocks) and errors.
Several notebooks run side by side (--jobs), each in its own kernel, with one progress line
each and a summary table.

  -o, --output FILE     write the executed notebook to FILE (a directory, with several notebooks)
  -i, --inplace         write the executed notebook back to NOTEBOOK, only if every cell ran
      --html FILE       write the executed notebook as a standalone HTML page (a directory, with several)
  -p, --parameter NAME VALUE
                        set a parameter: a cell with NAME = VALUE goes after the cell tagged
                        "parameters" (VALUE read as a number, true/false, null, JSON, or text)
  -r, --parameter-raw NAME VALUE
                        the same, VALUE always text
  -f, --parameters-file FILE
                        parameters from a JSON object (-p and -r override them)
      --input TEXT      answer the next input() with TEXT (repeat for more); without it input() fails
      --timeout S       interrupt a cell that runs longer than S seconds (default: no limit)
      --allow-errors    go on after failing cells (normally only cells tagged raises-exception may fail)
  -j, --jobs N          run N notebooks at once (default 1)
      --server URL      run on this Jupyter Server (or JupyterHub user server) instead of a local kernel
      --token T         the server's token (default: $JUPYTER_TOKEN, or ?token= in the URL)
      --kernel NAME     the kernelspec to run with (default tsorch): installed here, or on --server
                        (--kernel-name NAME is the same)
      --color WHEN      auto (default), always or never
      --no-source       do not print the cells' source code

Exit status: 0 all cells ran, 1 a cell failed or the kernel died, 2 bad usage,
124 a cell timed out, 130 interrupted (Ctrl+C).`;

/** One notebook's run. */
export interface RunArguments {
  notebook: string;
  output: string | undefined;
  /** The output is the notebook itself: written only when every cell ran. */
  inplace: boolean;
  html: string | undefined;
  timeout: number | undefined;
  allowErrors: boolean;
  kernelName: string | undefined;
  color: ColorChoice;
  showSource: boolean;
  server: ServerOptions | undefined;
  parameters: Parameters | undefined;
  inputs: string[] | undefined;
}

export interface RunCommandArguments {
  runs: RunArguments[];
  jobs: number;
}

/** Takes the two-valued `-p NAME VALUE` and `-r NAME VALUE` out of `args` (parseArgs knows one value per option). */
function takeParameters(args: string[]): { rest: string[]; given: Parameters } {
  const rest: string[] = [];
  const given: Parameters = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const raw = arg === "-r" || arg === "--parameter-raw";
    if (raw || arg === "-p" || arg === "--parameter") {
      const name = args[i + 1];
      const value = args[i + 2];
      if (name === undefined || value === undefined) throw new UsageError(`${arg} needs a NAME and a VALUE`);
      try {
        checkParameterName(name);
      } catch (err) {
        throw new UsageError(`${arg} ${name}: ${(err as Error).message}`);
      }
      given[name] = raw ? value : parseParameterValue(value);
      i += 2;
    } else rest.push(arg);
  }
  return { rest, given };
}

function parseRunArguments(args: string[]): RunCommandArguments {
  const { rest, given } = takeParameters(args);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: "string", short: "o" },
      inplace: { type: "boolean", short: "i" },
      html: { type: "string" },
      timeout: { type: "string" },
      "allow-errors": { type: "boolean" },
      "kernel-name": { type: "string" },
      kernel: { type: "string" },
      "parameters-file": { type: "string", short: "f" },
      input: { type: "string", multiple: true },
      jobs: { type: "string", short: "j" },
      server: { type: "string" },
      token: { type: "string" },
      color: { type: "string" },
      "no-source": { type: "boolean" },
    },
  });
  if (positionals.length === 0) throw new UsageError("missing NOTEBOOK");
  const many = positionals.length > 1;
  if (values.output !== undefined && values.inplace) throw new UsageError("choose one of --output FILE and --inplace");
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  }
  let jobs = 1;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number of notebooks, 1 or more, got ${JSON.stringify(values.jobs)}`);
  }
  const color = values.color ?? "auto";
  if (color !== "auto" && color !== "always" && color !== "never") throw new UsageError(`--color must be auto, always or never, got ${JSON.stringify(color)}`);
  if (values.kernel !== undefined && values["kernel-name"] !== undefined && values.kernel !== values["kernel-name"]) throw new UsageError("--kernel and --kernel-name name the same thing: give one");
  const kernelName = values.kernel ?? values["kernel-name"];
  if (kernelName === "") throw new UsageError("--kernel needs a kernelspec name");
  for (const [flag, file] of [["--output", values.output], ["--html", values.html]] as const) {
    if (file === undefined) continue;
    if (file === "") throw new UsageError(`${flag} needs a ${many ? "directory" : "file name"}`);
    const dir = many ? resolve(file) : dirname(resolve(file));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(many ? `${flag} ${file}: with several notebooks, ${flag} names an existing directory` : `${flag} ${file}: directory ${dir} does not exist`);
  }
  if (new Set(positionals.map((p) => resolve(p))).size !== positionals.length) throw new UsageError("a notebook is named twice");

  let parameters: Parameters | undefined;
  if (values["parameters-file"] !== undefined || Object.keys(given).length > 0) {
    parameters = {};
    const file = values["parameters-file"];
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        throw new UsageError(`--parameters-file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
      }
      try {
        parameters = parseParametersFile(text, file);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    Object.assign(parameters, given);
  }

  let server: ServerOptions | undefined;
  if (values.server !== undefined) {
    try {
      server = parseServer(values.server, values.token, process.env.JUPYTER_TOKEN);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  } else if (values.token !== undefined) throw new UsageError("--token goes with --server URL");

  const runs = positionals.map((notebook): RunArguments => {
    const name = basename(notebook);
    return {
      notebook,
      output: values.inplace ? notebook : values.output === undefined ? undefined : many ? resolve(values.output, name) : values.output,
      inplace: values.inplace === true,
      html: values.html === undefined ? undefined : many ? resolve(values.html, name.replace(/\.ipynb$/i, "") + ".html") : values.html,
      timeout,
      allowErrors: values["allow-errors"] === true,
      kernelName,
      color,
      showSource: values["no-source"] !== true,
      server,
      parameters,
      inputs: values.input,
    };
  });
  return { runs, jobs };
}

export const runCommand: Command = {
  name: "run",
  summary: "run a notebook (or several) in the terminal, here or on a Jupyter server",
  usage: USAGE,
  async run(args) {
    const { runs, jobs } = parseRunArguments(args);
    // Loaded only now: the kernel, started through this same CLI, should not pay for it.
    let status: number;
    if (runs.length === 1) {
      const { runInTerminal } = await import("../terminal/run-in-terminal.js");
      status = await runInTerminal(runs[0]!);
    } else {
      const { runMany } = await import("../terminal/run-many.js");
      status = await runMany(runs, jobs);
    }
    if (runs[0]!.server) {
      // @jupyterlab/services leaves timers behind when a server went away (it retries for up
      // to 30 s); the run is over, so end once the output is out.
      await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
      await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
      process.exit(status);
    }
    return status;
  },
};
