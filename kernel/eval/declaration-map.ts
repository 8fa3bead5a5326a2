/**
 * Finding a declaration of a cell's declaration snapshot in the cell's own source.
 *
 * Once a cell has run, its virtual module holds only its declarations (`declare class Net {…}`,
 * see `CellEvaluator`), which keeps later type checks from re-inferring it. Inspection still
 * wants to say "defined in Cell In[3], line 7" and show what the user wrote, so a position in
 * the snapshot is translated by the path of names leading to it (`Net` → `forward`) into the
 * same path in the original source.
 */
import type * as TS from "typescript";
import type { TypeScript } from "./typescript.js";

/** Names of the declarations enclosing `pos`, outermost first: `["Net", "forward"]`. */
export function declarationPath(ts: TypeScript, sf: TS.SourceFile, pos: number): string[] {
  const path: string[] = [];
  const visit = (node: TS.Node): void => {
    if (pos < node.getStart(sf) || pos >= node.end) return;
    const name = declarationName(ts, node);
    if (name !== undefined) path.push(name);
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return path;
}

/** The declaration reached by following `path` from the top level of `sf`, if it exists. */
export function findDeclaration(ts: TypeScript, sf: TS.SourceFile, path: readonly string[]): TS.Node | undefined {
  let candidates: readonly TS.Node[] = sf.statements;
  let found: TS.Node | undefined;
  for (const name of path) {
    found = undefined;
    for (const node of candidates.flatMap((c) => declarationsIn(ts, c))) {
      if (declarationName(ts, node) === name) {
        found = node;
        // Prefer an implementation over overload signatures.
        if (!ts.isFunctionLike(node) || ("body" in node && node.body)) break;
      }
    }
    if (!found) return undefined;
    candidates = childDeclarations(ts, found);
  }
  return found;
}

function declarationName(ts: TypeScript, node: TS.Node): string | undefined {
  if (
    ts.isClassLike(node) ||
    ts.isFunctionDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isModuleDeclaration(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isClassElement(node) ||
    ts.isTypeElement(node) ||
    ts.isEnumMember(node)
  ) {
    const name = node.name;
    if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))) return name.text;
    if (ts.isConstructorDeclaration(node)) return "constructor";
  }
  return undefined;
}

/** A statement's declarations: a variable statement holds several, others are their own. */
function declarationsIn(ts: TypeScript, node: TS.Node): TS.Node[] {
  if (ts.isVariableStatement(node)) return [...node.declarationList.declarations];
  return [node];
}

function childDeclarations(ts: TypeScript, node: TS.Node): readonly TS.Node[] {
  if (ts.isClassLike(node) || ts.isInterfaceDeclaration(node)) return node.members;
  if (ts.isEnumDeclaration(node)) return node.members;
  if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) return node.body.statements;
  return [];
}
