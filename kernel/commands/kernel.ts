/** `tsorch kernel --connection-file FILE`: what kernel.json's argv starts. */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import type { Command } from "./index.js";

export const kernelCommand: Command = {
  name: "kernel",
  summary: "run the Jupyter kernel (started by Jupyter from kernel.json)",
  usage: "tsorch kernel --connection-file FILE\n\n  --connection-file FILE   the JSON connection file written by the frontend (-f)",
  async run(args) {
    const { values } = parseArgs({ args, options: { "connection-file": { type: "string", short: "f" } }, strict: true });
    const file = values["connection-file"];
    if (!file) throw new UsageError("missing --connection-file FILE");
    const { runKernel } = await import("../kernel.js");
    try {
      await runKernel(file);
    } catch (err) {
      // The I/O thread and the kernel's hooks would keep a half-started process alive: say why and leave.
      process.stderr.write(`tsorch kernel: ${err instanceof Error && err.name === "ConnectionFileError" ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
      process.exit(1);
    }
    return undefined;
  },
};
