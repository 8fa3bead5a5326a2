/**
 * PyTorch's way of writing a runtime function's or layer's parameters, read from its TypeScript
 * declaration, for the functions that have no op `Signature` to print it (see
 * `signatureTexts` in src/ops/signature.ts, which comes first): the factories and layers whose
 * arguments are a size, optional positionals and an options object.
 *
 *     randn(...args: (number | readonly number[] | RandomOptions)[])
 *       → randn(*size, generator?, dtype?, requires_grad?, device?)
 *     constructor(in_channels, out_channels, kernel_size, ...args: ArgsWithOptions<Conv2dPositional, Conv2dOptions>)
 *       → Conv2d(in_channels, out_channels, kernel_size, stride?, padding?, dilation?, groups?, bias?, padding_mode?, *, dtype?, device?)
 *
 * The declaration is the one source: names and order from its parameters, the optional
 * positionals from the labels of the tuple `ArgsWithOptions` takes, keyword arguments from the
 * options object's properties. A default shows as `=value` where the declaration writes it as a
 * literal, and as `?` where it is decided inside the function.
 */
import type * as TS from "typescript";

type TypeScript = typeof TS;

/** `name(params)` for a function or class (its constructor), or undefined when there is nothing to say. */
export function pytorchForm(ts: TypeScript, checker: TS.TypeChecker, symbol: TS.Symbol): string | undefined {
  const declaration = callableDeclaration(ts, checker, symbol);
  if (!declaration) return undefined;
  const parts: string[] = [];
  const listed = new Set<string>();
  let keywordOnly = false;
  const keywords = (type: TS.Type) => {
    const names = optionNames(ts, checker, type).filter((n) => !listed.has(n));
    if (names.length === 0) return;
    if (!keywordOnly) parts.push("*");
    keywordOnly = true;
    for (const n of names) {
      listed.add(n);
      parts.push(`${n}?`);
    }
  };
  const params = declaration.parameters;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (!ts.isIdentifier(p.name)) return undefined;
    const name = p.name.text;
    if (name === "this") continue;
    const type = checker.getTypeAtLocation(p);
    const last = i === params.length - 1;
    if (p.dotDotDotToken) {
      const tuple = longestTuple(ts, checker, type);
      if (tuple) {
        const elements = checker.getTypeArguments(tuple.reference);
        const labels = tuple.target.labeledElementDeclarations ?? [];
        elements.forEach((element, j) => {
          const label = labels[j]?.name;
          if (label && ts.isIdentifier(label)) {
            listed.add(label.text);
            parts.push(`${label.text}?`);
          } else if (j === elements.length - 1 && isOptionsType(ts, checker, element)) keywords(element);
        });
        continue;
      }
      const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
      if (!element) return undefined;
      const members = element.isUnion() ? element.types : [element];
      const sizes = members.some((m) => isNumberish(ts, checker, m));
      parts.push(`*${sizes ? "size" : name}`);
      keywordOnly = true;
      for (const m of members) if (isOptionsType(ts, checker, m)) keywords(m);
      continue;
    }
    if (last && isOptionsType(ts, checker, type) && (p.questionToken || p.initializer)) {
      keywords(type);
      continue;
    }
    listed.add(name);
    const literal = p.initializer ? literalText(ts, p.initializer) : undefined;
    parts.push(literal !== undefined ? `${name}=${literal}` : p.questionToken || p.initializer ? `${name}?` : name);
  }
  return `${symbol.name}(${parts.join(", ")})`;
}

/** A function's first declaration, a class's constructor (its own or inherited), or the function a constant holds. */
function callableDeclaration(ts: TypeScript, checker: TS.TypeChecker, symbol: TS.Symbol): TS.SignatureDeclaration | undefined {
  if (symbol.flags & ts.SymbolFlags.Function) {
    return symbol.declarations?.find((d): d is TS.FunctionDeclaration => ts.isFunctionDeclaration(d));
  }
  if (symbol.flags & ts.SymbolFlags.Class) {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!declaration) return undefined;
    const constructors = checker.getTypeOfSymbolAtLocation(symbol, declaration).getConstructSignatures();
    const found = constructors[0]?.getDeclaration();
    return found && ts.isConstructorDeclaration(found) ? found : undefined;
  }
  if (symbol.flags & ts.SymbolFlags.Variable && symbol.valueDeclaration) {
    // `export const conv2d = hooked("F.conv2d", function conv2d(...) {...})`: the function it holds.
    const found = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration).getCallSignatures()[0]?.getDeclaration();
    return found && ts.isFunctionLike(found) ? found : undefined;
  }
  return undefined;
}

/** The longest tuple among the argument lists a rest parameter accepts (`ArgsWithOptions` makes a union of them). */
function longestTuple(ts: TypeScript, checker: TS.TypeChecker, type: TS.Type): { reference: TS.TypeReference; target: TS.TupleType } | undefined {
  let best: { reference: TS.TypeReference; target: TS.TupleType } | undefined;
  for (const member of type.isUnion() ? type.types : [type]) {
    if (!(member.flags & ts.TypeFlags.Object) || !((member as TS.ObjectType).objectFlags & ts.ObjectFlags.Reference)) continue;
    const reference = member as TS.TypeReference;
    const target = reference.target as TS.TupleType;
    if (!(target.objectFlags & ts.ObjectFlags.Tuple)) continue;
    if (!best || checker.getTypeArguments(reference).length > checker.getTypeArguments(best.reference).length) best = { reference, target };
  }
  return best;
}

/** An options object: an object type (not an array, tensor or function) whose properties are all optional. */
function isOptionsType(ts: TypeScript, checker: TS.TypeChecker, type: TS.Type): boolean {
  const t = checker.getNonNullableType(type);
  if (t.isUnion()) return false;
  if (!(t.flags & ts.TypeFlags.Object) || checker.isArrayLikeType(t) || t.getCallSignatures().length > 0) return false;
  const props = t.getProperties();
  return props.length > 0 && props.every((p) => (p.flags & ts.SymbolFlags.Optional) !== 0);
}

function optionNames(ts: TypeScript, checker: TS.TypeChecker, type: TS.Type): string[] {
  return checker
    .getNonNullableType(type)
    .getProperties()
    .map((p) => p.name)
    .filter((n) => /^[A-Za-z_][\w]*$/.test(n));
}

/** A number, or an array of numbers (a size). */
function isNumberish(ts: TypeScript, checker: TS.TypeChecker, type: TS.Type): boolean {
  if (type.flags & ts.TypeFlags.NumberLike) return true;
  if (!checker.isArrayLikeType(type)) return false;
  const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
  return element !== undefined && (element.flags & ts.TypeFlags.NumberLike) !== 0;
}

/** A default written as a literal, in Python's spelling (`true` → `True`, `null` → `None`). */
function literalText(ts: TypeScript, node: TS.Expression): string | undefined {
  if (ts.isNumericLiteral(node)) return node.text;
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return `-${node.operand.text}`;
  if (ts.isStringLiteral(node)) return `'${node.text}'`;
  if (node.kind === ts.SyntaxKind.TrueKeyword) return "True";
  if (node.kind === ts.SyntaxKind.FalseKeyword) return "False";
  if (node.kind === ts.SyntaxKind.NullKeyword) return "None";
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map((e) => literalText(ts, e));
    return items.every((x) => x !== undefined) ? `[${items.join(", ")}]` : undefined;
  }
  return undefined;
}
