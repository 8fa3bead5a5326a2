/**
 * Loads the TypeScript compiler on first use.
 *
 * `typescript` takes about 150-200 ms to load. The kernel should answer `kernel_info` before
 * paying for it, so nothing imports it at module load time: the evaluator asks for it when it
 * first needs it (or in `warmUp`), and every later call gets the same instance.
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";

export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;

/** The `typescript` module (loaded synchronously on first call). */
export function typescript(): TypeScript {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require("typescript") as TypeScript;
  }
  return loaded;
}
