/**
 * Turns a type-checked cell module into the body of a function that runs against the notebook
 * scope.
 *
 * A cell is checked as a module (so it can import what earlier cells declared), but it runs as a
 * script whose top-level names live in one scope object shared by all cells:
 *
 *     const a = 1                →  $tsorch.a = 1
 *     let { b, c: [d] } = o      →  ({ b: $tsorch.b, c: [$tsorch.d] } = $tsorch.o)
 *     function f() { return a }  →  $tsorch.f = function f() { return $tsorch.a }   (hoisted)
 *     class Net extends nn.Module {…}  →  $tsorch.Net = class Net extends $tsorch.nn.Module {…}
 *     enum E {…} / namespace N {…}     →  (as emitted) then $tsorch.E = E
 *     import x, { y } from "pkg"       →  $tsorch.x = <ns>.default; $tsorch.y = <ns>.y  (hoisted;
 *                                          the module was loaded before the body runs)
 *     last expression statement        →  return [value]
 *
 * References resolve through the type checker: an identifier is rewritten only when it names a
 * top-level declaration of this cell, an earlier cell's name, or a kernel global, so locals that
 * shadow them are left alone. Because every reference reads the scope at call time, a function
 * from cell 2 sees a name redefined in cell 5, as in Python notebooks; and since nothing is a
 * real global binding, any kind of declaration can be redeclared by a later cell.
 */
import type * as TS from "typescript";
import { isUsing } from "./declarations.js";
import type { TypeScript } from "./typescript.js";

/** Identifier of the scope object inside compiled cells (cells may not use it themselves). */
export const SCOPE_PARAM = "$tsorch";
/** Identifier of the evaluator's helpers inside compiled cells: loaded imports, `import()`, `import.meta`. */
export const INTERNALS_PARAM = "$tsorchEval";

export interface CellTransformInfo {
  /** Modules to load before the body runs, in source order; the body reads them as `$tsorchEval.i[k]`. */
  imports: string[];
  /** Whether the body returns `[value]` for the last expression statement. */
  hasValue: boolean;
}

/**
 * The `before` transformer for one cell.
 *
 * @param cellEnd Offset where the user's text ends in the virtual file; statements after it are
 *   the synthetic imports from earlier cells and the export list.
 * @param info Filled in while transforming.
 */
export function cellTransformer(
  ts: TypeScript,
  checker: TS.TypeChecker,
  cellEnd: number,
  info: CellTransformInfo,
): TS.TransformerFactory<TS.SourceFile> {
  return (context) => (sf) => new CellRewriter(ts, checker, context, cellEnd, info).run(sf);
}

class CellRewriter {
  private readonly f: TS.NodeFactory;
  /** Symbols whose references become `$tsorch.<name>`. */
  private readonly scopeSymbols = new Set<TS.Symbol>();
  /** Symbols not rewritten in the current subtree: a class or function refers to itself by its own binding. */
  private selfSymbols = new Set<TS.Symbol>();

  constructor(
    private readonly ts: TypeScript,
    private readonly checker: TS.TypeChecker,
    private readonly context: TS.TransformationContext,
    private readonly cellEnd: number,
    private readonly info: CellTransformInfo,
  ) {
    this.f = context.factory;
  }

  run(sf: TS.SourceFile): TS.SourceFile {
    const ts = this.ts;
    const cellStatements = sf.statements.filter((st) => st.pos < this.cellEnd);
    for (const st of sf.statements) {
      if (st.pos >= this.cellEnd && ts.isImportDeclaration(st)) this.collectImportSymbols(st);
    }
    for (const st of cellStatements) this.collectDeclaredSymbols(st);

    const valueIndex = this.lastValueStatementIndex(cellStatements);
    const hoisted: TS.Statement[] = [];
    const body: TS.Statement[] = [];
    cellStatements.forEach((st, i) => {
      if (i === valueIndex && ts.isExpressionStatement(st)) {
        const value = this.visitExpression(st.expression);
        const ret = this.f.createReturnStatement(this.f.createArrayLiteralExpression([value]));
        body.push(ts.setTextRange(ret, st));
        this.info.hasValue = true;
        return;
      }
      this.transformTopLevel(st, hoisted, body);
    });
    return this.f.updateSourceFile(sf, [...hoisted, ...body]);
  }

  // ---- which symbols live in the scope --------------------------------------------------

  private collectImportSymbols(decl: TS.ImportDeclaration): void {
    const ts = this.ts;
    const clause = decl.importClause;
    if (!clause) return;
    if (clause.name) this.addSymbolOf(clause.name);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) this.addSymbolOf(bindings.name);
    if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) this.addSymbolOf(el.name);
  }

  private collectDeclaredSymbols(st: TS.Statement): void {
    const ts = this.ts;
    // `declare const x` types a value that lives elsewhere: references stay as they are.
    if (isAmbient(ts, st)) return;
    if (ts.isVariableStatement(st)) {
      if (isUsing(ts, st.declarationList.flags)) return;
      for (const decl of st.declarationList.declarations) this.addBindingSymbols(decl.name);
    } else if (
      ts.isFunctionDeclaration(st) ||
      ts.isClassDeclaration(st) ||
      ts.isEnumDeclaration(st) ||
      ts.isImportEqualsDeclaration(st)
    ) {
      if (st.name) this.addSymbolOf(st.name);
    } else if (ts.isModuleDeclaration(st) && ts.isIdentifier(st.name)) {
      this.addSymbolOf(st.name);
    } else if (ts.isImportDeclaration(st)) {
      this.collectImportSymbols(st);
    }
  }

  private addBindingSymbols(name: TS.BindingName): void {
    const ts = this.ts;
    if (ts.isIdentifier(name)) return this.addSymbolOf(name);
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) this.addBindingSymbols(el.name);
  }

  private addSymbolOf(name: TS.Identifier): void {
    const symbol = this.checker.getSymbolAtLocation(name);
    if (symbol) this.scopeSymbols.add(symbol);
  }

  // ---- top-level statements ---------------------------------------------------------------

  private transformTopLevel(st: TS.Statement, hoisted: TS.Statement[], body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    if (ts.isImportDeclaration(st)) return this.transformImport(st, hoisted);
    if (ts.isImportEqualsDeclaration(st)) return this.transformImportEquals(st, body);
    if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return;
    if (ts.isExportDeclaration(st)) return;
    if (ts.isExportAssignment(st)) {
      // `export default expr` in a cell: the value is computed, there is nothing to export it to.
      body.push(ts.setTextRange(f.createExpressionStatement(this.visitExpression(st.expression)), st));
      return;
    }
    if (isAmbient(ts, st)) return;
    if (ts.isVariableStatement(st)) return this.transformVariables(st, body);
    if (ts.isFunctionDeclaration(st)) return this.transformFunction(st, hoisted);
    if (ts.isClassDeclaration(st)) return this.transformClass(st, body);
    if (ts.isEnumDeclaration(st)) return this.transformEnum(st, body);
    if (ts.isModuleDeclaration(st)) return this.transformNamespace(st, body);
    body.push(this.visitNode(st) as TS.Statement);
  }

  private transformImport(decl: TS.ImportDeclaration, hoisted: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    const clause = decl.importClause;
    if (clause?.isTypeOnly) return;
    const specifier = (decl.moduleSpecifier as TS.StringLiteral).text;
    const bindings: { name: TS.Identifier; read: (ns: TS.Expression) => TS.Expression }[] = [];
    if (clause?.name) bindings.push({ name: clause.name, read: (ns) => f.createPropertyAccessExpression(ns, "default") });
    const named = clause?.namedBindings;
    if (named && ts.isNamespaceImport(named)) bindings.push({ name: named.name, read: (ns) => ns });
    if (named && ts.isNamedImports(named)) {
      for (const el of named.elements) {
        if (el.isTypeOnly) continue;
        const imported = el.propertyName ?? el.name;
        const key = imported.text;
        bindings.push({ name: el.name, read: (ns) => f.createElementAccessExpression(ns, f.createStringLiteral(key)) });
      }
    }
    // Like TypeScript's own import elision: an import that brings only types loads nothing.
    const valueBindings = bindings.filter((b) => this.isValueAlias(b.name));
    if (clause && valueBindings.length === 0) return;
    const index = this.info.imports.push(specifier) - 1;
    const ns = f.createElementAccessExpression(this.internals("i"), index);
    for (const b of valueBindings) {
      hoisted.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(this.scopeAccess(b.name.text, b.name), b.read(ns))), decl));
    }
    if (valueBindings.length > 0) hoisted.push(this.declared(valueBindings.map((b) => b.name.text)));
  }

  /** Whether an import binding names something with a runtime value (or cannot be resolved, so might). */
  private isValueAlias(name: TS.Identifier): boolean {
    const ts = this.ts;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return true;
    if (!(symbol.flags & ts.SymbolFlags.Alias)) return !!(symbol.flags & ts.SymbolFlags.Value);
    const target = this.checker.getAliasedSymbol(symbol);
    if (!target || target.flags & ts.SymbolFlags.Value || target.name === "unknown") return true;
    return false;
  }

  private transformImportEquals(decl: TS.ImportEqualsDeclaration, body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    if (decl.isTypeOnly || !this.isValueAlias(decl.name)) return;
    let value: TS.Expression;
    if (ts.isExternalModuleReference(decl.moduleReference)) {
      value = f.createCallExpression(this.internals("require"), undefined, [decl.moduleReference.expression]);
    } else {
      value = this.entityNameToExpression(decl.moduleReference);
    }
    body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(this.scopeAccess(decl.name.text, decl.name), value)), decl));
    body.push(this.declared([decl.name.text]));
  }

  private entityNameToExpression(name: TS.EntityName): TS.Expression {
    const ts = this.ts;
    if (ts.isIdentifier(name)) return this.rewriteIdentifier(name);
    return this.f.createPropertyAccessExpression(this.entityNameToExpression(name.left), name.right.text);
  }

  private transformVariables(st: TS.VariableStatement, body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    const flags = st.declarationList.flags;
    if (isUsing(ts, flags)) {
      body.push(this.visitNode(st) as TS.Statement);
      return;
    }
    const isVar = !(flags & (ts.NodeFlags.Let | ts.NodeFlags.Const));
    const names: string[] = [];
    for (const decl of st.declarationList.declarations) {
      const declNames = this.bindingNameTexts(decl.name);
      names.push(...declNames);
      // `var x;` keeps an earlier value, as redeclaring a var does; `let x;` starts from undefined.
      if (!decl.initializer && isVar) continue;
      let value = decl.initializer ? this.visitExpression(decl.initializer) : f.createVoidZero();
      if (ts.isIdentifier(decl.name) && decl.initializer && isAnonymousFunctionOrClass(ts, decl.initializer)) {
        // `const relu = (x) => …` names the function "relu"; an assignment to a property would
        // not, so go through an object literal property, which names it the same way.
        value = f.createPropertyAccessExpression(
          f.createParenthesizedExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(decl.name.text, value)])),
          decl.name.text,
        );
      }
      const target = this.bindingTarget(decl.name);
      body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(target, value)), decl));
    }
    body.push(this.declared(names));
  }

  private bindingNameTexts(name: TS.BindingName): string[] {
    const ts = this.ts;
    if (ts.isIdentifier(name)) return [name.text];
    return name.elements.flatMap((el) => (ts.isOmittedExpression(el) ? [] : this.bindingNameTexts(el.name)));
  }

  /** A binding pattern as an assignment pattern whose targets are scope properties. */
  private bindingTarget(name: TS.BindingName): TS.Expression {
    const ts = this.ts;
    const f = this.f;
    if (ts.isIdentifier(name)) return this.scopeAccess(name.text, name);
    if (ts.isObjectBindingPattern(name)) {
      const props = name.elements.map((el): TS.ObjectLiteralElementLike => {
        const target = this.withDefault(this.bindingTarget(el.name), el.initializer);
        if (el.dotDotDotToken) return ts.setTextRange(f.createSpreadAssignment(target), el);
        const key = el.propertyName ?? (el.name as TS.Identifier);
        const keyNode = ts.isComputedPropertyName(key)
          ? f.createComputedPropertyName(this.visitExpression(key.expression))
          : ts.isIdentifier(key)
            ? f.createIdentifier(key.text)
            : key;
        return ts.setTextRange(f.createPropertyAssignment(keyNode as TS.PropertyName, target), el);
      });
      return ts.setTextRange(f.createObjectLiteralExpression(props), name);
    }
    const items = name.elements.map((el): TS.Expression => {
      if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
      const target = this.withDefault(this.bindingTarget(el.name), el.initializer);
      return el.dotDotDotToken ? ts.setTextRange(f.createSpreadElement(target), el) : target;
    });
    return ts.setTextRange(f.createArrayLiteralExpression(items), name);
  }

  private withDefault(target: TS.Expression, initializer: TS.Expression | undefined): TS.Expression {
    return initializer ? this.f.createAssignment(target, this.visitExpression(initializer)) : target;
  }

  private transformFunction(decl: TS.FunctionDeclaration, hoisted: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    if (!decl.body || !decl.name) return;
    const symbol = this.checker.getSymbolAtLocation(decl.name);
    const fn = this.withSelf(symbol, () =>
      f.createFunctionExpression(
        ts.getModifiers(decl)?.filter((m) => m.kind === ts.SyntaxKind.AsyncKeyword),
        decl.asteriskToken,
        f.createIdentifier(decl.name!.text),
        undefined,
        decl.parameters.map((p) => this.visitNode(p) as TS.ParameterDeclaration),
        undefined,
        this.visitNode(decl.body!) as TS.Block,
      ),
    );
    ts.setTextRange(fn, decl);
    hoisted.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(this.scopeAccess(decl.name.text, decl.name), fn)), decl));
    hoisted.push(this.declared([decl.name.text]));
  }

  private transformClass(decl: TS.ClassDeclaration, body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    if (!decl.name) {
      // `export default class {}`: nothing names it, so evaluating it is all a cell can do.
      body.push(f.createExpressionStatement(this.classExpression(decl, undefined)));
      return;
    }
    const symbol = this.checker.getSymbolAtLocation(decl.name);
    const cls = this.withSelf(symbol, () => this.classExpression(decl, decl.name!.text));
    body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(this.scopeAccess(decl.name.text, decl.name), cls)), decl));
    body.push(this.declared([decl.name.text]));
  }

  private classExpression(decl: TS.ClassDeclaration, name: string | undefined): TS.ClassExpression {
    const ts = this.ts;
    const f = this.f;
    // Decorators stay; `export`, `default`, `abstract` and `declare` mean nothing on a class expression.
    const modifiers = (decl.modifiers ?? []).filter((m) => ts.isDecorator(m)).map((m) => this.visitNode(m) as TS.Decorator);
    const expr = f.createClassExpression(
      modifiers.length > 0 ? modifiers : undefined,
      name,
      undefined,
      decl.heritageClauses?.map((h) => this.visitNode(h) as TS.HeritageClause),
      decl.members.map((m) => this.visitNode(m) as TS.ClassElement),
    );
    ts.setOriginalNode(expr, decl);
    return ts.setTextRange(expr, decl);
  }

  private transformEnum(decl: TS.EnumDeclaration, body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    const symbol = this.checker.getSymbolAtLocation(decl.name);
    const members = this.withSelf(symbol, () =>
      decl.members.map((m) => f.updateEnumMember(m, m.name, m.initializer ? this.visitExpression(m.initializer) : undefined)),
    );
    const modifiers = ts.getModifiers(decl)?.filter((m) => m.kind === ts.SyntaxKind.ConstKeyword);
    body.push(f.updateEnumDeclaration(decl, modifiers, decl.name, members));
    body.push(this.publish(decl.name.text));
  }

  private transformNamespace(decl: TS.ModuleDeclaration, body: TS.Statement[]): void {
    const ts = this.ts;
    const f = this.f;
    if (!ts.isIdentifier(decl.name)) return;
    const symbol = this.checker.getSymbolAtLocation(decl.name);
    if (!symbol || !(symbol.flags & ts.SymbolFlags.ValueModule)) return;
    const inner = this.withSelf(symbol, () => (decl.body ? (this.visitNode(decl.body) as TS.ModuleBody) : undefined));
    if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) {
      // Merged with a function or class of this cell: TypeScript's emit extends a local binding
      // of that name, which lives in the scope here.
      const name = decl.name.text;
      body.push(
        f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, this.scopeAccess(name, decl.name))])),
      );
    }
    body.push(f.updateModuleDeclaration(decl, undefined, decl.name, inner));
    body.push(this.publish(decl.name.text));
  }

  /** `$tsorch.E = E; $tsorchEval.d("E")`: for declarations TypeScript emits as local `var`s. */
  private publish(name: string): TS.Statement {
    const f = this.f;
    return f.createExpressionStatement(
      f.createCommaListExpression([
        f.createAssignment(f.createPropertyAccessExpression(f.createIdentifier(SCOPE_PARAM), name), f.createIdentifier(name)),
        this.declaredCall([name]),
      ]),
    );
  }

  private declared(names: string[]): TS.Statement {
    return this.f.createExpressionStatement(this.declaredCall(names));
  }

  /** `$tsorchEval.d("a", "b")`: records that the cell got as far as defining these names. */
  private declaredCall(names: string[]): TS.Expression {
    return this.f.createCallExpression(this.internals("d"), undefined, names.map((n) => this.f.createStringLiteral(n)));
  }

  // ---- references ------------------------------------------------------------------------

  private withSelf<T>(symbol: TS.Symbol | undefined, fn: () => T): T {
    if (!symbol) return fn();
    const saved = this.selfSymbols;
    this.selfSymbols = new Set(saved).add(symbol);
    try {
      return fn();
    } finally {
      this.selfSymbols = saved;
    }
  }

  private visitExpression(node: TS.Expression): TS.Expression {
    return this.visitNode(node) as TS.Expression;
  }

  private visitNode(node: TS.Node): TS.Node {
    return this.ts.visitNode(node, this.visitor) as TS.Node;
  }

  private readonly visitor = (node: TS.Node): TS.VisitResult<TS.Node> => {
    const ts = this.ts;
    const f = this.f;
    if (ts.isIdentifier(node)) return this.isScopeReference(node) ? this.rewriteIdentifier(node) : node;
    if (ts.isTypeNode(node)) {
      // `class A extends B<T>` keeps its expression `B`; every other type position is erased.
      if (ts.isExpressionWithTypeArguments(node) && isClassExtends(ts, node)) {
        return f.updateExpressionWithTypeArguments(node, this.visitExpression(node.expression), undefined);
      }
      return node;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const symbol = this.checker.getShorthandAssignmentValueSymbol(node);
      if (symbol && this.scopeSymbols.has(symbol) && !this.selfSymbols.has(symbol)) {
        const value = this.withDefault(this.scopeAccess(node.name.text, node.name), node.objectAssignmentInitializer);
        return ts.setTextRange(f.createPropertyAssignment(node.name.text, value), node);
      }
      return ts.visitEachChild(node, this.visitor, this.context);
    }
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      return ts.setTextRange(this.internals("meta"), node);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && this.isScopeReference(node.expression)) {
      // `f()` must not pass the scope object as `this`, which `$tsorch.f()` would.
      const callee = f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), this.rewriteIdentifier(node.expression)));
      const args = node.arguments.map((a) => this.visitExpression(a));
      return ts.setTextRange(f.updateCallExpression(node, callee, node.typeArguments, args), node);
    }
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && this.isScopeReference(node.tag)) {
      const tag = f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), this.rewriteIdentifier(node.tag)));
      return f.updateTaggedTemplateExpression(node, tag, node.typeArguments, this.visitNode(node.template) as TS.TemplateLiteral);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const args = node.arguments.map((a) => this.visitExpression(a));
      return ts.setTextRange(f.createCallExpression(this.internals("import"), undefined, args), node);
    }
    return ts.visitEachChild(node, this.visitor, this.context);
  };

  private isScopeReference(id: TS.Identifier): boolean {
    const ts = this.ts;
    const parent = id.parent as TS.Node | undefined;
    if (!parent) return false;
    // Declaration names and `obj.name` are not references to a variable.
    if ((ts.getNameOfDeclaration(parent as TS.Declaration) as TS.Node | undefined) === id) return false;
    if (ts.isQualifiedName(parent) || ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
    const symbol = this.checker.getSymbolAtLocation(id);
    return !!symbol && this.scopeSymbols.has(symbol) && !this.selfSymbols.has(symbol);
  }

  private rewriteIdentifier(id: TS.Identifier): TS.Expression {
    return this.scopeAccess(id.text, id);
  }

  /** `$tsorch.name`, mapped in the source map to where `name` was written. */
  private scopeAccess(name: string, at: TS.Node): TS.Expression {
    const ts = this.ts;
    const access = this.f.createPropertyAccessExpression(this.f.createIdentifier(SCOPE_PARAM), name);
    ts.setOriginalNode(access, at);
    return ts.setTextRange(access, at);
  }

  private internals(member: string): TS.Expression {
    return this.f.createPropertyAccessExpression(this.f.createIdentifier(INTERNALS_PARAM), member);
  }

  /** The statement whose value the cell shows: the last one, if it is an expression and not an assignment. */
  private lastValueStatementIndex(statements: readonly TS.Statement[]): number {
    const ts = this.ts;
    let i = statements.length - 1;
    while (i >= 0 && ts.isEmptyStatement(statements[i]!)) i--;
    const last = statements[i];
    if (!last || !ts.isExpressionStatement(last)) return -1;
    // Assignments are statements in spirit (IPython shows nothing for `x = 5`).
    let expr: TS.Expression = last.expression;
    while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
    if (ts.isBinaryExpression(expr) && isAssignmentOperator(ts, expr.operatorToken.kind)) return -1;
    return i;
  }
}

function isAnonymousFunctionOrClass(ts: TypeScript, node: TS.Expression): boolean {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) node = node.expression;
  return ts.isArrowFunction(node) || ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && !node.name);
}

function isAmbient(ts: TypeScript, st: TS.Statement): boolean {
  const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
  return !!mods?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

function isClassExtends(ts: TypeScript, node: TS.ExpressionWithTypeArguments): boolean {
  const clause = node.parent;
  return !!clause && ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent);
}

function isAssignmentOperator(ts: TypeScript, kind: TS.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}
