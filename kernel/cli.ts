#!/usr/bin/env node
/**
 * The `tsorch` command.
 *
 *     tsorch kernel --connection-file FILE     run the Jupyter kernel
 *     tsorch install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name T]
 *     tsorch uninstall [--user|--sys-prefix|--prefix DIR] [--name N]
 *     tsorch run NOTEBOOK [-o OUT.ipynb | -i] [--html OUT.html]   execute a notebook through the kernel
 *     tsorch repl                              an interactive TypeScript REPL on the same evaluator
 *     tsorch --help | --version
 */
// First: records who started this process before anything else can take time (see launcher.ts).
import "./launcher.js";
import { COMMANDS, findCommand, type Command } from "./commands/index.js";
import { ConnectionFileError, UsageError } from "./errors.js";
import { getVersions } from "./paths.js";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "tsorch: PyTorch-shaped tensors and nn in TypeScript, with a Jupyter kernel",
    "",
    "Usage: tsorch <command> [options]",
    "       tsorch FILE.ts [args...]   run a TypeScript file with the notebook's names and checks",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     show this help (tsorch <command> --help for a command's options)",
    "  -V, --version  show the versions of tsorch, TypeScript and Node",
    "",
  ].join("\n");
}

function isArgumentError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? "";
  return err instanceof UsageError || code.startsWith("ERR_PARSE_ARGS");
}

export async function main(argv: string[]): Promise<number | undefined> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    process.stdout.write(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === "-V" || first === "--version" || first === "version") {
    const v = getVersions();
    process.stdout.write(`tsorch ${v.tsorch} (TypeScript ${v.typescript}, Node ${process.version})\n`);
    return 0;
  }
  const command: Command | undefined = findCommand(first);
  // `tsorch script.ts`: a file rather than a command (loaded only then, to keep the other commands quick).
  if (!command && /\.(m|c)?tsx?$/.test(first)) {
    const { runScript } = await import("./commands/script.js");
    return runScript(first, rest);
  }
  if (!command) {
    process.stderr.write(`tsorch: unknown command ${JSON.stringify(first)}\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    process.stdout.write(`Usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (isArgumentError(err)) {
      process.stderr.write(`tsorch ${command.name}: ${(err as Error).message}\n\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ConnectionFileError) {
      process.stderr.write(`tsorch ${command.name}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tsorch ${command.name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    if (status !== undefined) process.exitCode = status;
  },
  (err: unknown) => {
    process.stderr.write(`tsorch: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
