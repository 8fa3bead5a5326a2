/**
 * The virtual module that types the kernel's globals, and the names cells import from it.
 *
 * Names a cell uses without declaring them come from this module like names from an earlier cell
 * do, so `torch`, `nn`, `Tensor` have their real types (value, type and namespace meanings:
 * `x: Tensor`, `conv: nn.Conv2d` work) and a cell can shadow any of them with its own
 * declaration. Its text:
 *
 *     export { torch, nn, F, Tensor } from "/…/tsorch/dist/src/index.js";   // the runtime's own types
 *     declare function display(value: unknown): void;                        // the kernel's preload text
 *     export { display };
 *     export declare const featureMaps: any;          // a global the runtime does not export (yet)
 *     export declare const require: NodeJS.Require;   // CommonJS `require`, from the notebook's directory
 */
import type * as TS from "typescript";
import { topLevelDeclarations } from "./declarations.js";
import type { TypeScript } from "./typescript.js";

/** Names the evaluator itself provides in every cell (unless the kernel's globals override them). */
export const EVALUATOR_GLOBALS: Record<string, string> = {
  require: "NodeJS.Require",
  __dirname: "string",
  __filename: "string",
};

export interface GlobalsModuleInput {
  /** Names of values cells see without importing them. */
  names: readonly string[];
  /** Module specifier of the runtime entry (absolute `.js` path), if its types are available. */
  runtimeSpecifier: string | undefined;
  /** Names the runtime entry exports (found by the type checker). */
  runtimeExports: ReadonlySet<string>;
  /** Declarations the kernel adds (display, prompt, ...), as `.d.ts` text. */
  preload: string;
}

/** The globals module's text and the names it exports. */
export function globalsModule(ts: TypeScript, input: GlobalsModuleInput): { text: string; exported: string[] } {
  const parts: string[] = [];
  const exported = new Set<string>();
  const preloadDecls = preloadDeclarations(ts, input.preload);
  const preloadNames = new Set(preloadDecls.map((d) => d.name));

  const fromRuntime = input.names.filter((n) => input.runtimeExports.has(n) && !preloadNames.has(n) && isIdentifierName(n));
  if (input.runtimeSpecifier && fromRuntime.length > 0) {
    parts.push(`export { ${fromRuntime.join(", ")} } from ${JSON.stringify(input.runtimeSpecifier)};`);
    fromRuntime.forEach((n) => exported.add(n));
  }
  if (input.preload.trim() !== "") {
    parts.push(input.preload);
    const toExport = [...new Set(preloadDecls.filter((d) => !d.exported).map((d) => d.name))];
    if (toExport.length > 0) parts.push(`export { ${toExport.join(", ")} };`);
    preloadNames.forEach((n) => exported.add(n));
  }
  for (const name of input.names) {
    if (exported.has(name) || !isIdentifierName(name)) continue;
    const type = EVALUATOR_GLOBALS[name] ?? "any";
    parts.push(`export declare const ${name}: ${type};`);
    exported.add(name);
  }
  parts.push("export {};");
  return { text: parts.join("\n") + "\n", exported: [...exported] };
}

function preloadDeclarations(ts: TypeScript, text: string) {
  if (text.trim() === "") return [];
  const sf = ts.createSourceFile("preload.d.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return topLevelDeclarations(ts, sf);
}

const RESERVED_WORDS = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "implements interface let package private protected public static yield await").split(" "),
);

/** Whether a global's name can be declared (`my-key` or `class` cannot, so it is left out of the types). */
export function isIdentifierName(name: string): boolean {
  return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name) && !RESERVED_WORDS.has(name);
}

/** Names a module exports, by the checker: used once to learn what the runtime entry offers. */
export function exportsOfModule(ts: TypeScript, program: TS.Program, file: string): Set<string> {
  const sf = program.getSourceFile(file);
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  if (!sf) return names;
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const symbol = checker.getSymbolAtLocation(st.moduleSpecifier);
    if (!symbol) continue;
    for (const exp of checker.getExportsOfModule(symbol)) names.add(exp.name);
  }
  return names;
}
