/**
 * The scope module: one virtual module that re-exports every name of the notebook from the cell
 * (or the globals module) that declared it last.
 *
 *     export { torch, nn, F, Tensor, display } from "./__tsorch1_globals.mjs";
 *     export { net, Net } from "./__tsorch1_cell3.mjs";
 *     export { x } from "./__tsorch1_cell7.mjs";
 *
 * The cell being checked imports the names it mentions from here, and from nowhere else, so its
 * imports are the same from one cell to the next (`import { … } from "./…scope.mjs"`, only the
 * names differ). TypeScript then reuses the previous program whole and re-parses the one file
 * that changed, instead of walking every file of the runtime, `@types/node` and the notebook
 * again; the structure changes only when a cell declares new names (a new module joins).
 *
 * A cell's declaration snapshot must not keep importing from here: the scope moves on when a
 * name is redeclared, and the snapshot's types must stay those the cell was checked against. So
 * `redirectScopeImports` points every reference to the scope module at the module that owned the
 * name when the cell ran.
 */
import type * as TS from "typescript";
import type { TypeScript } from "./typescript.js";

/** The scope module's text: `export { names } from "<owner>";` for each owning module, in `owners` order. */
export function scopeModuleText(owners: ReadonlyMap<string, number>, specifierOf: (owner: number) => string): string {
  const byOwner = new Map<number, string[]>();
  for (const [name, owner] of owners) {
    let names = byOwner.get(owner);
    if (!names) byOwner.set(owner, (names = []));
    names.push(name);
  }
  const lines = [...byOwner].map(([owner, names]) => `export { ${names.join(", ")} } from ${JSON.stringify(specifierOf(owner))};`);
  lines.push("export {};");
  return lines.join("\n") + "\n";
}

/**
 * Rewrites declaration text so that what it takes from the scope module comes from each name's
 * owner instead: `import { a, b } from "./scope.mjs"` becomes one import per owning module, and
 * `import("./scope.mjs").T` becomes `import("<owner of T>").T`.
 *
 * @example
 * redirectScopeImports(ts, 'import { Net } from "./s.mjs";\ndeclare const n: Net;\n', "./s.mjs", (n) => n === "Net" ? "./c3.mjs" : undefined)
 * // 'import { Net } from "./c3.mjs";\ndeclare const n: Net;\n'
 */
export function redirectScopeImports(
  ts: TypeScript,
  text: string,
  scopeSpecifier: string,
  ownerSpecifier: (name: string) => string | undefined,
): string {
  // The emitter may also spell the scope module by its source name (`import("./s.mts").T`).
  const stem = scopeSpecifier.replace(/\.mjs$/, "");
  if (!text.includes(stem)) return text;
  const spellings = new Set([scopeSpecifier, `${stem}.mts`, stem]);
  const sf = ts.createSourceFile("snapshot.d.mts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  const isScope = (node: TS.Node | undefined): node is TS.StringLiteral => !!node && ts.isStringLiteral(node) && spellings.has(node.text);

  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) && isScope(node.moduleSpecifier)) {
      edits.push({ start: node.getStart(sf), end: node.end, text: splitImport(ts, sf, node, ownerSpecifier) });
      return;
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && isScope(node.argument.literal) && node.qualifier) {
      const owner = ownerSpecifier(leftmostName(ts, node.qualifier));
      const literal = node.argument.literal;
      if (owner) edits.push({ start: literal.getStart(sf), end: literal.end, text: JSON.stringify(owner) });
    }
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);

  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** `import { a, type B, c as d } from scope` as one import declaration per owning module. */
function splitImport(
  ts: TypeScript,
  sf: TS.SourceFile,
  decl: TS.ImportDeclaration,
  ownerSpecifier: (name: string) => string | undefined,
): string {
  const clause = decl.importClause;
  const bindings = clause?.namedBindings;
  // Only named imports come from the scope module; anything else is kept as written.
  if (!clause || clause.name || !bindings || !ts.isNamedImports(bindings)) return decl.getText(sf);
  const byOwner = new Map<string, string[]>();
  for (const el of bindings.elements) {
    const owner = ownerSpecifier((el.propertyName ?? el.name).text);
    if (!owner) return decl.getText(sf);
    let list = byOwner.get(owner);
    if (!list) byOwner.set(owner, (list = []));
    list.push(el.getText(sf));
  }
  const keyword = clause.isTypeOnly ? "import type" : "import";
  return [...byOwner].map(([owner, elements]) => `${keyword} { ${elements.join(", ")} } from ${JSON.stringify(owner)};`).join("\n");
}

function leftmostName(ts: TypeScript, name: TS.EntityName): string {
  while (ts.isQualifiedName(name)) name = name.left;
  return name.text;
}
