/**
 * What a cell declares at its top level, and which names it mentions.
 *
 * This is purely syntactic (it runs before type checking): the declared names decide what the
 * cell's virtual module exports and what later cells import from it; the mentioned names decide
 * which earlier names the cell imports. Mentioning is an over-approximation (a property called
 * `x` counts as a mention of `x`), which only costs an unused import.
 */
import type * as TS from "typescript";
import type { TypeScript } from "./typescript.js";

export type DeclarationKind =
  | "const"
  | "let"
  | "var"
  | "function"
  | "class"
  | "enum"
  | "namespace"
  | "interface"
  | "type"
  | "import";

export interface TopLevelDeclaration {
  name: string;
  kind: DeclarationKind;
  /** Declarations with no runtime value (interfaces, types, `declare`d names, types-only namespaces). */
  typeOnly: boolean;
  /** Already exported by the user's own `export` keyword or `export { }` list. */
  exported: boolean;
  /**
   * `declare`d: it types something that exists elsewhere (on `globalThis`, say). Such names
   * type the cell that declares them and are not part of the notebook scope.
   */
  ambient: boolean;
}

/** Top-level declarations of a cell, in source order (a name may appear more than once when declarations merge). */
export function topLevelDeclarations(ts: TypeScript, sf: TS.SourceFile, cellEnd = sf.text.length): TopLevelDeclaration[] {
  const out: TopLevelDeclaration[] = [];
  const exportedByList = new Set<string>();
  for (const st of sf.statements) {
    if (st.pos >= cellEnd) break;
    if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) exportedByList.add((el.propertyName ?? el.name).text);
    }
  }
  let ambient = false;
  const push = (name: string, kind: DeclarationKind, typeOnly: boolean, exported: boolean) =>
    out.push({ name, kind, typeOnly, exported: exported || exportedByList.has(name), ambient });

  for (const st of sf.statements) {
    if (st.pos >= cellEnd) break;
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    const isDeclare = !!mods?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    const isExported = !!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    ambient = isDeclare;
    if (ts.isVariableStatement(st)) {
      const flags = st.declarationList.flags;
      // `using` declarations are disposed at the end of the cell: they stay local to it.
      if (isUsing(ts, flags)) continue;
      const kind: DeclarationKind = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
      for (const decl of st.declarationList.declarations) {
        for (const name of bindingNames(ts, decl.name)) push(name, kind, isDeclare, isExported);
      }
    } else if (ts.isFunctionDeclaration(st)) {
      if (st.name) push(st.name.text, "function", isDeclare || !st.body, isExported);
    } else if (ts.isClassDeclaration(st)) {
      if (st.name) push(st.name.text, "class", isDeclare, isExported);
    } else if (ts.isEnumDeclaration(st)) {
      push(st.name.text, "enum", isDeclare, isExported);
    } else if (ts.isModuleDeclaration(st)) {
      // `declare global` and `declare module "x"` add to other scopes, not to the cell's.
      if (ts.isIdentifier(st.name)) push(st.name.text, "namespace", isDeclare || !isInstantiated(ts, st), isExported);
    } else if (ts.isInterfaceDeclaration(st)) {
      push(st.name.text, "interface", true, isExported);
    } else if (ts.isTypeAliasDeclaration(st)) {
      push(st.name.text, "type", true, isExported);
    } else if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (!clause) continue;
      const typeOnlyClause = clause.isTypeOnly;
      if (clause.name) push(clause.name.text, "import", typeOnlyClause, false);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) push(bindings.name.text, "import", typeOnlyClause, false);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) push(el.name.text, "import", typeOnlyClause || el.isTypeOnly, false);
      }
    } else if (ts.isImportEqualsDeclaration(st)) {
      push(st.name.text, "import", st.isTypeOnly, isExported);
    }
  }
  return out;
}

/** `using` and `await using` (their flags contain `Const`'s bit, so test the whole block-scope field). */
export function isUsing(ts: TypeScript, flags: TS.NodeFlags): boolean {
  const kind = flags & ts.NodeFlags.BlockScoped;
  return kind === ts.NodeFlags.Using || kind === ts.NodeFlags.AwaitUsing;
}

/** Names bound by a declaration name: `x`, or every name inside `{ a, b: [c, ...d] }`. */
export function bindingNames(ts: TypeScript, name: TS.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    names.push(...bindingNames(ts, el.name));
  }
  return names;
}

/** Whether a namespace has runtime content (TypeScript emits nothing for types-only namespaces). */
function isInstantiated(ts: TypeScript, decl: TS.ModuleDeclaration): boolean {
  const body = decl.body;
  if (!body) return false;
  if (ts.isModuleDeclaration(body)) return isInstantiated(ts, body);
  if (!ts.isModuleBlock(body)) return false;
  return body.statements.some((st) => {
    if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return false;
    if (ts.isModuleDeclaration(st)) return isInstantiated(ts, st);
    if (ts.isImportEqualsDeclaration(st)) return false;
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    if (mods?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return false;
    if (ts.isEnumDeclaration(st) && mods?.some((m) => m.kind === ts.SyntaxKind.ConstKeyword)) return false;
    return true;
  });
}

/** Every identifier text that occurs in the cell (including property names: a safe over-approximation). */
export function mentionedNames(ts: TypeScript, sf: TS.SourceFile, cellEnd = sf.text.length): Set<string> {
  const names = new Set<string>();
  const visit = (node: TS.Node): void => {
    if (node.pos >= cellEnd) return;
    if (ts.isIdentifier(node)) names.add(node.text);
    else node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return names;
}

/** Whether the cell's top level awaits (needs an async wrapper): `await`, `for await`, `await using`. */
export function hasTopLevelAwait(ts: TypeScript, sf: TS.SourceFile, cellEnd = sf.text.length): boolean {
  let found = false;
  const visit = (node: TS.Node): void => {
    if (found || node.pos >= cellEnd) return;
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) {
      // Class bodies cannot await, but computed keys and heritage clauses of a class can.
      if (ts.isClassLike(node)) {
        node.heritageClauses?.forEach(visit);
        for (const member of node.members) if (member.name && ts.isComputedPropertyName(member.name)) visit(member.name);
      }
      return;
    }
    if (ts.isAwaitExpression(node)) found = true;
    else if (ts.isForOfStatement(node) && node.awaitModifier) found = true;
    else if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing) found = true;
    if (!found) node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}
