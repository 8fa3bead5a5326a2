/** `tsorch repl`: an interactive TypeScript prompt with the runtime loaded (see `repl/repl.ts`). */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import type { Command } from "./index.js";

const USAGE = `tsorch repl [--color auto|always|never]

An interactive TypeScript prompt with torch, nn, F and the rest of the runtime loaded. Input is
type-checked like notebook cells; Tab completes, name? shows documentation, Ctrl+C interrupts
running code (variables are kept), Ctrl+D leaves.

  --color WHEN   auto (default), always or never

History is saved in $TSORCH_REPL_HISTORY (empty: not saved), else
$XDG_DATA_HOME/tsorch/repl_history (~/.local/share/tsorch/repl_history).`;

export const replCommand: Command = {
  name: "repl",
  summary: "an interactive TypeScript prompt with the runtime loaded",
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { color: { type: "string" } } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const color = values.color ?? "auto";
    if (color !== "auto" && color !== "always" && color !== "never") throw new UsageError(`--color must be auto, always or never, got ${JSON.stringify(color)}`);
    const { Repl } = await import("../repl/repl.js");
    const status = await new Repl({ input: process.stdin, output: process.stdout, errorOutput: process.stderr, color }).start();
    // Timers that inputs started would keep the process alive after the user left.
    process.exit(status);
  },
};
