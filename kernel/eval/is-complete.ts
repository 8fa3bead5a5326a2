/**
 * Whether a cell (or a line typed into `jupyter console` / the REPL) is complete.
 *
 * - complete: it parses;
 * - incomplete: it fails to parse only at its very end, so more input can fix it (an open
 *   bracket or template literal, a trailing operator, `if (x)` with no body, a function
 *   signature with no body yet); the reply suggests the indent for the next line;
 * - invalid: a syntax error before the end, which no further input can repair.
 *
 * @example
 * isCompleteCode(ts, "function f() {") // { status: "incomplete", indent: "  " }
 * isCompleteCode(ts, "let x = )")      // { status: "invalid" }
 */
import type * as TS from "typescript";
import type { TypeScript } from "./typescript.js";

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

const INDENT_UNIT = "  ";

export function isCompleteCode(ts: TypeScript, code: string): IsCompleteResult {
  if (code.trim() === "") return { status: "complete" };
  const sf = ts.createSourceFile(
    "cell.mts",
    code,
    {
      languageVersion: ts.ScriptTarget.ES2022,
      impliedNodeFormat: ts.ModuleKind.ESNext,
      setExternalModuleIndicator: (f) => {
        (f as { externalModuleIndicator?: unknown }).externalModuleIndicator = true;
      },
    },
    true,
    ts.ScriptKind.TS,
  );
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? [];
  const end = code.trimEnd().length;
  if (diagnostics.length === 0) {
    return endsWaitingForBody(ts, sf) ? { status: "incomplete", indent: indentFor(ts, code) + INDENT_UNIT } : { status: "complete" };
  }
  // A string literal cannot go on to the next line (unless the line ends with a backslash).
  if (diagnostics.some((d) => d.code === 1002 /* Unterminated string literal */) && !code.trimEnd().endsWith("\\")) {
    return { status: "invalid" };
  }
  const atEnd = diagnostics.every((d) => d.start === undefined || d.start >= end || endsUnterminated(d.code));
  if (!atEnd) return { status: "invalid" };
  return { status: "incomplete", indent: indentFor(ts, code) };
}

/** Unterminated template literals and comments report where they start, yet more input closes them. */
function endsUnterminated(code: number): boolean {
  return code === 1160 /* Unterminated template literal */ || code === 1010 /* '*\/' expected */;
}

/** `function f(x: number)` parses (as an overload signature) but the user is about to type the body. */
function endsWaitingForBody(ts: TypeScript, sf: TS.SourceFile): boolean {
  const last = sf.statements[sf.statements.length - 1];
  if (!last || !ts.isFunctionDeclaration(last) || last.body) return false;
  const isDeclare = ts.getModifiers(last)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
  return !isDeclare && !sf.text.trimEnd().endsWith(";");
}

/** Two spaces per bracket (or template substitution) still open at the end of the code. */
function indentFor(ts: TypeScript, code: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, code);
  const open: TS.SyntaxKind[] = [];
  let previous: TS.SyntaxKind = ts.SyntaxKind.Unknown;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if ((token === ts.SyntaxKind.SlashToken || token === ts.SyntaxKind.SlashEqualsToken) && !endsExpression(ts, previous)) {
      token = scanner.reScanSlashToken();
    }
    if (token === ts.SyntaxKind.CloseBraceToken && open[open.length - 1] === ts.SyntaxKind.TemplateHead) {
      token = scanner.reScanTemplateToken(false);
    }
    switch (token) {
      case ts.SyntaxKind.OpenBraceToken:
      case ts.SyntaxKind.OpenParenToken:
      case ts.SyntaxKind.OpenBracketToken:
      case ts.SyntaxKind.TemplateHead:
        open.push(token);
        break;
      case ts.SyntaxKind.CloseBraceToken:
      case ts.SyntaxKind.CloseParenToken:
      case ts.SyntaxKind.CloseBracketToken:
      case ts.SyntaxKind.TemplateTail:
        open.pop();
        break;
    }
    previous = token;
  }
  return INDENT_UNIT.repeat(open.length);
}

/** Whether a `/` after this token divides (true) or starts a regular expression (false). */
function endsExpression(ts: TypeScript, token: TS.SyntaxKind): boolean {
  return (
    token === ts.SyntaxKind.Identifier ||
    token === ts.SyntaxKind.NumericLiteral ||
    token === ts.SyntaxKind.StringLiteral ||
    token === ts.SyntaxKind.CloseParenToken ||
    token === ts.SyntaxKind.CloseBracketToken ||
    token === ts.SyntaxKind.CloseBraceToken ||
    token === ts.SyntaxKind.ThisKeyword ||
    token === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
    token === ts.SyntaxKind.TemplateTail
  );
}
