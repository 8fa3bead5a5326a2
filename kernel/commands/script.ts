/**
 * `tsorch script.ts [args...]`: runs a TypeScript file with the kernel's evaluator: type-checked
 * as a notebook cell is, with the same preloaded names (`torch`, `nn`, `F`, `summary`, …, no
 * import needed, though imports work too), top-level `await`, rich output (`display`, `print`)
 * drawn as `tsorch run` draws it, and errors as tracebacks at the file's own lines. The
 * arguments after the file are in `process.argv.slice(2)`.
 *
 * @example
 * tsorch lenet.ts            # prints what the script prints; exit status 1 if it fails
 */
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { detectColorMode } from "../../src/render/ansi.js";
import { isDisplayable } from "../display.js";
import { loadEvaluator } from "../evaluator.js";
import { KERNEL_SYMBOL, loadRuntime, loadRuntimeTools, preloadDeclarations } from "../preload.js";
import { replGlobals } from "../repl/globals.js";
import { readLineSync } from "../repl/read-line-sync.js";
import { showValue } from "../repl/show.js";
import { fitToWidth } from "../terminal/fit.js";
import { colorEnabled, makeStyle, stripEscapes } from "../terminal/style.js";

export async function runScript(file: string, args: string[]): Promise<number> {
  const path = resolve(file);
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    process.stderr.write(`tsorch: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  process.argv = [process.argv[0]!, path, ...args];
  const style = makeStyle(colorEnabled(process.stdout, "auto"));
  const columns = () => process.stdout.columns || Number(process.env.COLUMNS) || 80;
  const render = () => ({ style, columns: columns(), colorMode: detectColorMode(), ...(process.stdout.isTTY || process.env.COLUMNS ? {} : { fitColumns: Infinity }) });
  const runtime = await loadRuntime();
  const globals = replGlobals({
    write: (text) => process.stdout.write(text),
    show: (value, raw) => showValue(value, { ...render(), rawStrings: raw }),
    readLine: (prompt, password) => readLineSync(process.stdin, process.stdout, prompt, password),
    // The script ends where it is; its exit status is 0.
    exit: () => process.exit(0),
  });
  (globalThis as Record<symbol, unknown>)[KERNEL_SYMBOL] = { ...globals, executionCount: () => 1 };
  const evaluator = await loadEvaluator({
    cwd: dirname(path),
    globals: { ...runtime.exports, ...globals, ...(await loadRuntimeTools(runtime)) },
    preloadDeclarations: preloadDeclarations(),
  });
  if (runtime.error) process.stderr.write(`tsorch: ${runtime.error}\n`);
  const outcome = await evaluator.execute(source, 1);
  if (outcome.status === "ok") return 0;
  // An error that can show itself (a shape error with its trace and explanation) first, as the kernel does.
  if (outcome.status === "runtime_error" && isDisplayable(outcome.error)) {
    process.stderr.write(showValue(outcome.error, render()).replace(/(\n\s+at [^\n]*)+$/, "") + "\n");
  }
  // The file is the one "cell": its frames say the file's name where a notebook says `Cell In[1]`.
  const name = basename(path);
  const traceback = (outcome.traceback.length > 0 ? outcome.traceback.join("\n") : `${outcome.ename}: ${outcome.evalue}`).replace(
    /Cell (\x1b\[[0-9;]*m)?In\[1\]/g,
    `File $1${name}`,
  ).replace("the cell did not run", "the file did not run");
  const text = style.enabled ? traceback : stripEscapes(traceback);
  process.stderr.write(fitToWidth(text, render().fitColumns ?? columns()) + "\n");
  return 1;
}
