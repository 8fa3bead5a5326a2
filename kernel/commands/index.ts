/**
 * The CLI's subcommands, one file each. A new subcommand (`run`, `repl`, ...) is a module
 * exporting a `Command`, added to `COMMANDS` below.
 */
import { installCommand, uninstallCommand } from "./install.js";
import { kernelCommand } from "./kernel.js";
import { replCommand } from "./repl.js";
import { runCommand } from "./run.js";

export interface Command {
  name: string;
  /** One line for `tsorch --help`. */
  summary: string;
  /** Full usage, shown by `tsorch <name> --help` and after a usage error. */
  usage: string;
  /**
   * Runs the command with the arguments after its name. Resolves to the exit status, or to
   * `undefined` when the command keeps the process running (the kernel).
   */
  run(args: string[]): Promise<number | undefined>;
}

export const COMMANDS: Command[] = [runCommand, replCommand, kernelCommand, installCommand, uninstallCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
