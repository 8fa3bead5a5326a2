/**
 * Compiling a cell before the type checker is ready: the first cells of a fresh kernel.
 *
 * The full project (the standard library, `@types/node` and the runtime's declarations, see
 * `project.ts`) takes a second or more to parse and check on a loaded machine; a first `1 + 1`
 * should not wait for it. Until it is ready, a cell is compiled in a program of its own: the
 * cell, and a scope module declaring every name it can see as `any`. No library, no packages:
 * nothing is resolved or type-checked, but the cell transformer (`transform.ts`) gets what it
 * needs, the symbols that tell scope names from locals, and the output is the same JavaScript
 * the full project would emit. The evaluator checks such cells properly as soon as the project
 * is ready and reports what the checker finds then (see `CellEvaluator.checkLate`).
 *
 * @example
 * const out = compileUnchecked(typescript(), { code: "x + 1", file: "/nb/__q_input.mts", visible: ["x"] });
 * out.js; // "return [$tsorch.x + 1];\n…"
 */
import path from "node:path";
import type * as TS from "typescript";
import { isIdentifierName } from "./globals.js";
import { cellCompilerOptions } from "./project.js";
import { cellTransformer, type CellTransformInfo } from "./transform.js";
import type { TypeScript } from "./typescript.js";

export interface UncheckedInput {
  /** The cell's text. */
  code: string;
  /** Where the cell stands (a virtual path in the notebook's directory; only its name shows, in source maps). */
  file: string;
  /** Names the cell can see from earlier cells and the kernel globals. */
  visible: readonly string[];
  /** What separates the cell from the import appended to it (the evaluator's `CELL_END`). */
  cellEnd: string;
}

export interface UncheckedOutput {
  js: string;
  map: string;
  info: CellTransformInfo;
}

/** Compiles one cell without types; throws if TypeScript does not emit it. */
export function compileUnchecked(ts: TypeScript, input: UncheckedInput): UncheckedOutput {
  const scopeFile = path.join(path.dirname(input.file), "__tsorch_unchecked_scope.mts");
  const scopeSpecifier = "./" + path.basename(scopeFile).replace(/\.mts$/, ".mjs");
  const names = input.visible.filter(isIdentifierName);
  const files = new Map<string, string>([
    [input.file, `${input.code}${input.cellEnd}import { ${names.join(", ")} } from ${JSON.stringify(scopeSpecifier)};\nexport {};\n`],
    [scopeFile, names.map((n) => `export declare const ${n}: any;`).join("\n") + "\nexport {};\n"],
  ]);
  const options: TS.CompilerOptions = { ...cellCompilerOptions(ts), noLib: true, types: [] };
  const host: TS.CompilerHost = {
    getSourceFile: (name, languageVersion) => {
      const text = files.get(name);
      return text === undefined ? undefined : ts.createSourceFile(name, text, languageVersion, true, ts.ScriptKind.TS);
    },
    getDefaultLibFileName: () => path.join(path.dirname(input.file), "__tsorch_no_lib.d.ts"),
    writeFile: () => undefined,
    getCurrentDirectory: () => path.dirname(input.file),
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (name) => files.has(name),
    readFile: (name) => files.get(name),
    directoryExists: () => false,
    getDirectories: () => [],
  };
  const program = ts.createProgram([input.file, scopeFile], options, host);
  const sf = program.getSourceFile(input.file)!;
  const info: CellTransformInfo = { imports: [], hasValue: false };
  let js = "";
  let map = "";
  const emitted = program.emit(
    sf,
    (name, text) => {
      if (name.endsWith(".map")) map = text;
      else js = text;
    },
    undefined,
    false,
    { before: [cellTransformer(ts, program.getTypeChecker(), input.code.length, info)] },
  );
  if (emitted.emitSkipped) throw new Error("TypeScript did not emit the cell");
  return { js, map, info };
}
