/**
 * Completion and inspection for a cell being edited, from the TypeScript language service.
 *
 * The cell being edited becomes a virtual "pending" module that imports every name earlier cells
 * and the kernel provide (except those it declares itself), so members after `.`, globals,
 * keywords and hover information all see the notebook's real types. Positions cross between
 * Jupyter's code points and TypeScript's UTF-16 offsets here and nowhere else.
 */
import path from "node:path";
import type * as TS from "typescript";
import { RED, RESET } from "./ansi.js";
import { declarationPath, findDeclaration } from "./declaration-map.js";
import { mentionedNames, topLevelDeclarations } from "./declarations.js";
import { codePointToUtf16, isIdentifierChar, offsetToLineCol, utf16ToCodePoint } from "./positions.js";
import { pytorchForm } from "./pytorch-form.js";
import type { CellProject } from "./project.js";

export interface CompletionResult {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

export interface InspectResult {
  found: boolean;
  data: Record<string, string>;
}

/** One entry of `metadata._jupyter_types_experimental`, as ipykernel sends it. */
interface JupyterTypeEntry {
  start: number;
  end: number;
  text: string;
  type: string;
  signature: string;
}

export interface LanguageHooks {
  /** The virtual file that holds the cell being edited. */
  pendingFile: string;
  /** Text between the cell and the imports appended to it. */
  cellEnd: string;
  /**
   * Import lines bringing known names into the pending cell: those `wanted` accepts, except the
   * ones the cell declares itself.
   */
  prelude(declared: ReadonlySet<string>, wanted: (name: string) => boolean): string;
  /** The project's root files, the pending one among them. */
  roots(): string[];
  /** A label for a virtual file (`In[3]` for cells, a description for others), undefined for real files. */
  ownerOf(file: string): string | undefined;
  /** Compiler text made readable (file paths in types). */
  cleanText(text: string): string;
  /** What the user wrote in a cell whose module now holds its declaration snapshot. */
  originalSource(file: string): string | undefined;
  /**
   * Puts the pending file back as it is between cells (importing nothing) and returns it: the
   * program the kernel keeps built while idle, which fast completion reads without a rebuild.
   */
  resting(): string;
  /**
   * PyTorch's form of a runtime function's signature (`amax(input, dim=[], keepdim=False)`, one
   * per overload), for a name declared in `file`; empty for anything else.
   */
  pytorchSignatures(name: string, file: string): readonly string[];
  /** Whether `file` declares tsorch's runtime (its functions and layers get PyTorch's form, see pytorch-form.ts). */
  isRuntimeFile(file: string): boolean;
}

const COMPLETION_OPTIONS: TS.GetCompletionsAtPositionOptions = {
  includeCompletionsWithInsertText: true,
  includeCompletionsForModuleExports: false,
  includeAutomaticOptionalChainCompletions: true,
  includeCompletionsWithSnippetText: false,
  includeCompletionsWithClassMemberSnippets: false,
  includeCompletionsWithObjectLiteralMethodSnippets: false,
};

/** The service's sort text for a name the file imports (`SortText.LocationPriority`). */
const IMPORTED_SORT_TEXT = "11";

/** Types and signatures are read for this many matches at most (the rest get the entry's kind). */
const MAX_TYPED_ENTRIES = 200;
/** ...and for no longer than this (a type may need a long chain of inference). */
const TYPING_BUDGET_MS = 25;
/** Declarations longer than this are cut in `inspect` at detail level 1. */
const MAX_SOURCE_LINES = 60;

export class LanguageFeatures {
  constructor(
    private readonly project: CellProject,
    private readonly hooks: LanguageHooks,
  ) {}

  /** `fast: false` always asks the language service (tests compare the two ways). */
  complete(code: string, cursorPos: number, fast = true): CompletionResult {
    const ts = this.project.ts;
    const offset = codePointToUtf16(code, cursorPos);
    const cursorCp = utf16ToCodePoint(code, offset);
    const wordStart = identifierStart(code, offset);
    const empty: CompletionResult = {
      matches: [],
      cursor_start: utf16ToCodePoint(code, wordStart),
      cursor_end: cursorCp,
      metadata: { _jupyter_types_experimental: [] },
    };
    // Names the cell mentions give its expressions their types; for a bare word, names starting
    // like it are candidates too. Importing nothing else keeps long sessions' programs small.
    const prefix = code.slice(wordStart, offset);
    const isMember = wordStart > 0 && /[.#]/.test(code[wordStart - 1]!);
    const lowerPrefix = prefix.toLowerCase();
    if (fast) {
      const quick = isMember ? this.completeMembersFast(code, offset, wordStart, prefix) : this.completeWordFast(code, offset, wordStart, prefix);
      if (quick) return quick;
    }
    const file = this.prepare(code, isMember ? undefined : (name) => name.toLowerCase().startsWith(lowerPrefix));
    const service = this.project.service;
    const info = service.getCompletionsAtPosition(file, offset, COMPLETION_OPTIONS);
    if (!info) return empty;

    // Jupyter replaces one range for every match: the word before the cursor, unless TypeScript
    // says otherwise for all entries (string literals, private names), or every entry that has a
    // range of its own says the same (a module name with `-` or `/` in it is replaced whole).
    const span = info.optionalReplacementSpan;
    const shared = sharedReplacementStart(ts, info.entries, offset);
    let replaceStart = wordStart;
    let namePrefix = lowerPrefix;
    if (span && span.start + span.length === offset && span.start < wordStart) replaceStart = span.start;
    else if (shared !== undefined && shared < wordStart) {
      replaceStart = shared;
      namePrefix = code.slice(shared, offset).toLowerCase();
    }
    const typedText = code.slice(replaceStart, offset).toLowerCase();

    const aliasKinds = this.aliasKinds(file);
    const entries = info.entries
      .filter((e) => !e.source && !e.hasAction)
      // Packed declarations declare their files as modules with made-up names: not for import.
      .filter((e) => e.kind !== ts.ScriptElementKind.externalModuleName || !this.project.isInternalModuleName(e.name))
      // As IPython does, names starting with `_` (internals) show only once `_` is typed.
      .filter((e) => !e.name.startsWith("_") || prefix.startsWith("_"))
      .filter((e) => {
        const text = (e.insertText ?? e.name).toLowerCase();
        if (e.replacementSpan && e.replacementSpan.start !== replaceStart) return false;
        const match = e.replacementSpan ? typedText : namePrefix;
        return text.startsWith(match) || e.name.toLowerCase().startsWith(namePrefix);
      })
      .sort(byRelevance(prefix));

    const symbols = this.completionSymbols(file, offset, info.isMemberCompletion);
    return this.result(entries, symbols, aliasKinds, utf16ToCodePoint(code, replaceStart), cursorCp);
  }

  /** Matches and their Jupyter types (with call signatures), in the order of `entries`. */
  private result(
    entries: readonly { name: string; kind: string; insertText?: string | undefined }[],
    symbols: (Map<string, TS.Symbol> & { location: TS.Node }) | undefined,
    aliasKinds: ReadonlyMap<string, string>,
    start: number,
    cursorCp: number,
  ): CompletionResult {
    const ts = this.project.ts;
    const seen = new Set<string>();
    const matches: string[] = [];
    const types: JupyterTypeEntry[] = [];
    const started = performance.now();
    for (const entry of entries) {
      const text = entry.insertText ?? entry.name;
      if (seen.has(text)) continue;
      seen.add(text);
      matches.push(text);
      // An alias is what it stands for: `torch.cat` re-exported into a namespace is a function, not a module.
      const kind = entry.kind === ts.ScriptElementKind.alias ? (aliasKinds.get(entry.name) ?? this.aliasedKind(symbols?.get(entry.name)) ?? entry.kind) : entry.kind;
      let type = jupyterType(ts, kind);
      let signature = "";
      const symbol = symbols?.get(entry.name);
      if (symbol && entry.kind !== ts.ScriptElementKind.keyword && type !== "class") {
        // Signatures are written for as many entries as time allows (cached, so a second Tab has them all).
        const withinBudget = types.length < MAX_TYPED_ENTRIES && performance.now() - started < TYPING_BUDGET_MS;
        const callable = this.callSignature(symbol, symbols!.location, withinBudget);
        // A property or variable holding a function is a function to whoever calls it.
        if (callable !== undefined) {
          type = "function";
          // A runtime op reads as PyTorch documents it: `(input, dim=[], keepdim=False)`.
          signature = this.pytorchSignature(symbol) ?? callable;
        }
      }
      types.push({ start, end: cursorCp, text, type, signature });
    }
    return { matches, cursor_start: start, cursor_end: cursorCp, metadata: { _jupyter_types_experimental: types } };
  }

  /**
   * Members after `a.b.` where `a` is a name from earlier cells or the kernel (not one the cell
   * declares): read from the program kept built between cells, without putting the cell into
   * it, so no new program and type checker are made. The same entries, order, kinds and
   * signatures as the language service's completion (a test holds them equal); anything else
   * (a call before the dot, a string, a local name) returns undefined and goes the full way.
   */
  private completeMembersFast(code: string, offset: number, wordStart: number, prefix: string): CompletionResult | undefined {
    const ts = this.project.ts;
    const dot = wordStart - 1;
    if (code[dot] !== ".") return undefined;
    const chain = /(?:^|[^\w$.\])'"`?!\\])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)$/.exec(code.slice(0, dot));
    if (!chain) return undefined;
    const names = chain[1]!.split(".");
    const cell = ts.createSourceFile("pending.mts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    // Inside a string, a comment or a template, or a name the cell binds itself: the full way.
    const token = findNodeAt(ts, cell, dot);
    if (!token || !ts.isPropertyAccessExpression(token.parent ?? token) && !ts.isPropertyAccessExpression(token)) return undefined;
    if (bindsName(ts, cell, names[0]!)) return undefined;
    const file = this.hooks.resting();
    const program = this.project.program();
    const sf = program.getSourceFile(file);
    if (!sf) return undefined;
    const checker = program.getTypeChecker();
    // An earlier cell's name or a kernel global, else a global of the standard library (`Math`).
    let symbol = this.scopeExport(sf, checker, names[0]!) ?? this.globalValue(sf, checker, names[0]!);
    for (const name of names.slice(1)) {
      if (!symbol) return undefined;
      symbol = memberOf(ts, checker, symbol, name);
    }
    if (!symbol) return undefined;
    const members = membersOf(ts, checker, symbol);
    if (!members) return undefined;
    const location = sf.statements[sf.statements.length - 1] ?? sf;
    const symbols = Object.assign(new Map<string, TS.Symbol>(), { location }) as Map<string, TS.Symbol> & { location: TS.Node };
    const lowerPrefix = prefix.toLowerCase();
    const entries: { name: string; kind: string; sortText: string }[] = [];
    const getKind = (ts as unknown as { SymbolDisplay?: { getSymbolKind(c: TS.TypeChecker, s: TS.Symbol, l: TS.Node): string } }).SymbolDisplay?.getSymbolKind;
    if (!getKind) return undefined;
    for (const member of members.values()) {
      const name = member.name;
      // Members keyed by a symbol (`[Symbol.for("Jupyter.display")]`) are not reached by a dot.
      if (name.startsWith("__@") || name.startsWith("__#")) continue;
      // Private and protected members are not offered outside their class.
      if (member.declarations?.some((d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected))) continue;
      // Names that need quotes are written `["a-b"]` by the service: the full way handles them.
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
      if (name.startsWith("_") && !prefix.startsWith("_")) continue;
      if (!name.toLowerCase().startsWith(lowerPrefix)) continue;
      symbols.set(name, member);
      entries.push({ name, kind: getKind(checker, member, location), sortText: memberSortText(ts, member) });
    }
    entries.sort(byRelevance(prefix));
    return this.result(entries, symbols, new Map(), utf16ToCodePoint(code, wordStart), utf16ToCodePoint(code, offset));
  }

  /** A global value declared outside the notebook's own files (the standard library, `@types/node`). */
  private globalValue(sf: TS.SourceFile, checker: TS.TypeChecker, name: string): TS.Symbol | undefined {
    const ts = this.project.ts;
    const location = sf.statements[sf.statements.length - 1] ?? sf;
    const symbol = checker.resolveName(name, location, ts.SymbolFlags.Value, false);
    if (!symbol || symbol.flags & ts.SymbolFlags.Alias) return undefined;
    return symbol.declarations?.every((d) => d.getSourceFile().isDeclarationFile) ? symbol : undefined;
  }

  /**
   * A bare word that starts a top-level statement (`tor`, `ne` on a line of their own): the
   * completions at the start of the input file in the program kept built between cells (globals
   * and keywords, computed once per program) plus the earlier cells' names the scope module
   * exports, filtered by the word, without a new program and type checker. The same entries,
   * order, kinds and signatures as the language service's (a test holds them equal); a word
   * inside an expression or a function, or one that a name the cell declares could match, goes
   * the full way.
   */
  private completeWordFast(code: string, offset: number, wordStart: number, prefix: string): CompletionResult | undefined {
    const ts = this.project.ts;
    if (prefix === "") return undefined;
    const cell = ts.createSourceFile("pending.mts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const token = findNodeAt(ts, cell, wordStart);
    if (!token || !ts.isIdentifier(token) || token.getStart(cell) !== wordStart || token.end !== offset) return undefined;
    const statement = token.parent;
    if (!statement || !ts.isExpressionStatement(statement) || statement.parent !== cell || statement.expression !== token) return undefined;
    const lowerPrefix = prefix.toLowerCase();
    if (topLevelDeclarations(ts, cell).some((d) => d.name.toLowerCase().startsWith(lowerPrefix))) return undefined;
    const base = this.restingWords();
    if (!base) return undefined;
    const { entries: globals, symbols: globalSymbols, scope } = base;
    const symbols = Object.assign(new Map<string, TS.Symbol>(), { location: globalSymbols.location }) as Map<string, TS.Symbol> & { location: TS.Node };
    const entries: { name: string; kind: string; sortText: string; insertText?: string }[] = [];
    // Earlier cells' names shadow globals of the same name, as the imports of the full way do.
    const shadowed = new Set<string>();
    for (const exported of scope) {
      const name = exported.name;
      if (!name.toLowerCase().startsWith(lowerPrefix) || (name.startsWith("_") && !prefix.startsWith("_"))) continue;
      shadowed.add(name);
      symbols.set(name, exported);
      entries.push({ name, kind: ts.ScriptElementKind.alias, sortText: IMPORTED_SORT_TEXT });
    }
    for (const entry of globals) {
      const name = entry.name;
      if (shadowed.has(name) || (name.startsWith("_") && !prefix.startsWith("_"))) continue;
      const text = (entry.insertText ?? name).toLowerCase();
      if (!text.startsWith(lowerPrefix) && !name.toLowerCase().startsWith(lowerPrefix)) continue;
      const symbol = globalSymbols.get(name);
      if (symbol) symbols.set(name, symbol);
      entries.push(entry);
    }
    entries.sort(byRelevance(prefix));
    return this.result(entries, symbols, new Map(), utf16ToCodePoint(code, wordStart), utf16ToCodePoint(code, offset));
  }

  /** Completions at the start of the resting input file, for the program they were read from. */
  private restingCache: { program: TS.Program; entries: TS.CompletionEntry[]; symbols: Map<string, TS.Symbol> & { location: TS.Node }; scope: TS.Symbol[] } | undefined;

  private restingWords() {
    const ts = this.project.ts;
    const file = this.hooks.resting();
    const program = this.project.program();
    if (this.restingCache?.program === program) return this.restingCache;
    const sf = program.getSourceFile(file);
    const info = sf ? this.project.service.getCompletionsAtPosition(file, 0, COMPLETION_OPTIONS) : undefined;
    // The same program: the service did not build a new one for the question.
    if (!sf || !info || this.project.program() !== program) return undefined;
    const checker = program.getTypeChecker();
    const entries = info.entries
      .filter((e) => !e.source && !e.hasAction)
      .filter((e) => e.kind !== ts.ScriptElementKind.externalModuleName || !this.project.isInternalModuleName(e.name));
    // Entries with ranges of their own are placed by the service for the word it saw (none here): the full way.
    if (entries.some((e) => e.replacementSpan)) return undefined;
    const symbols = this.completionSymbols(file, 0, false);
    if (!symbols) return undefined;
    const scope: TS.Symbol[] = [];
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st)) continue;
      const module = checker.getSymbolAtLocation(st.moduleSpecifier);
      if (!module) continue;
      for (const exported of checker.getExportsOfModule(module)) {
        // Types (`DisplayHandle`) are not offered where a statement starts, as the service does.
        const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        if (target.flags & ts.SymbolFlags.Value) scope.push(exported);
      }
    }
    this.restingCache = { program, entries, symbols, scope };
    return this.restingCache;
  }

  /** What the scope module exports as `name` (an earlier cell's name or a kernel global). */
  private scopeExport(sf: TS.SourceFile, checker: TS.TypeChecker, name: string): TS.Symbol | undefined {
    const ts = this.project.ts;
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st)) continue;
      const module = checker.getSymbolAtLocation(st.moduleSpecifier);
      if (!module) continue;
      const found = checker.getExportsOfModule(module).find((e) => e.name === name);
      if (found) return found;
    }
    return undefined;
  }

  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): InspectResult {
    const ts = this.project.ts;
    const offset = codePointToUtf16(code, cursorPos);
    const file = this.prepare(code);
    const service = this.project.service;
    // Frontends send the cursor at the end of the word as often as inside it.
    const candidates = [offset];
    if (offset > 0 && isIdentifierChar(code[offset - 1]!)) candidates.push(offset - 1);
    for (const pos of candidates) {
      let quick = service.getQuickInfoAtPosition(file, pos);
      if (!quick) continue;
      let definition = service.getDefinitionAtPosition(file, pos)?.[0];
      if (quick.kind === ts.ScriptElementKind.alias && definition) {
        // A name from an earlier cell is an import in this one: describe the original instead.
        const original = service.getQuickInfoAtPosition(definition.fileName, definition.textSpan.start);
        if (original) quick = original;
      }
      if (definition && this.isPendingFile(definition.fileName)) definition = undefined;
      return { found: true, data: this.describe(quick, definition, detailLevel, this.symbolAt(file, pos)) };
    }
    const help = service.getSignatureHelpItems(file, offset, undefined);
    if (help && help.items.length > 0) {
      const item = help.items[help.selectedItemIndex] ?? help.items[0]!;
      const signature = [
        ...item.prefixDisplayParts,
        ...item.parameters.flatMap((p, i) => (i > 0 ? [...item.separatorDisplayParts, ...p.displayParts] : p.displayParts)),
        ...item.suffixDisplayParts,
      ];
      const quick: TS.QuickInfo = {
        kind: ts.ScriptElementKind.functionElement,
        kindModifiers: "",
        textSpan: help.applicableSpan,
        displayParts: signature,
        documentation: item.documentation,
        tags: item.tags,
      };
      return { found: true, data: this.describe(quick, undefined, detailLevel) };
    }
    return { found: false, data: {} };
  }

  /**
   * Puts the cell into the pending file, importing the earlier names it mentions (and those
   * `alsoWanted` accepts), and returns the file's name.
   */
  private prepare(code: string, alsoWanted?: (name: string) => boolean): string {
    const ts = this.project.ts;
    const sf = ts.createSourceFile("pending.mts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const declared = new Set(topLevelDeclarations(ts, sf).map((d) => d.name));
    const mentioned = mentionedNames(ts, sf);
    const wanted = (name: string) => mentioned.has(name) || (alsoWanted?.(name) ?? false);
    this.project.setFile(this.hooks.pendingFile, code + this.hooks.cellEnd + this.hooks.prelude(declared, wanted) + "\n");
    this.project.setRoots(this.hooks.roots());
    return this.hooks.pendingFile;
  }

  private isPendingFile(file: string): boolean {
    return file === this.hooks.pendingFile;
  }

  /** The kind of what an alias symbol stands for, or undefined when it is not one. */
  private aliasedKind(symbol: TS.Symbol | undefined): string | undefined {
    const ts = this.project.ts;
    if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return undefined;
    try {
      return symbolKind(ts, this.project.program().getTypeChecker().getAliasedSymbol(symbol));
    } catch {
      return undefined;
    }
  }

  /** The kind of what each imported name stands for (completion lists imports as "alias"). */
  private aliasKinds(file: string): Map<string, string> {
    const ts = this.project.ts;
    const kinds = new Map<string, string>();
    const program = this.project.program();
    const sf = program.getSourceFile(file);
    if (!sf) return kinds;
    const checker = program.getTypeChecker();
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st)) continue;
      const bindings = st.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const el of bindings.elements) {
        const symbol = checker.getSymbolAtLocation(el.name);
        if (!symbol) continue;
        const target = checker.getAliasedSymbol(symbol);
        kinds.set(el.name.text, symbolKind(ts, target));
      }
    }
    return kinds;
  }

  /**
   * The symbols completion entries stand for, by name: members of the expression before the
   * dot, or everything in scope. Reading types through the checker costs far less than asking
   * the service for each entry's details.
   */
  private completionSymbols(
    file: string,
    offset: number,
    isMember: boolean,
  ): (Map<string, TS.Symbol> & { location: TS.Node }) | undefined {
    const ts = this.project.ts;
    const program = this.project.program();
    const sf = program.getSourceFile(file);
    if (!sf) return undefined;
    const checker = program.getTypeChecker();
    const location = findNodeAt(ts, sf, Math.max(0, offset - 1)) ?? sf;
    const symbols = new Map<string, TS.Symbol>() as Map<string, TS.Symbol> & { location: TS.Node };
    symbols.location = location;
    if (isMember) {
      const access = ts.findAncestor(location, (n) => ts.isPropertyAccessExpression(n) || ts.isQualifiedName(n));
      if (!access) return symbols;
      const target = ts.isPropertyAccessExpression(access) ? access.expression : (access as TS.QualifiedName).left;
      const type = checker.getTypeAtLocation(target);
      for (const prop of checker.getPropertiesOfType(checker.getNonNullableType(type))) symbols.set(prop.name, prop);
      // A namespace or enum reached by name (`nn.`) has exports rather than properties.
      const symbol = checker.getSymbolAtLocation(target);
      const resolved = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (resolved && resolved.flags & (ts.SymbolFlags.Module | ts.SymbolFlags.Enum)) {
        for (const exp of checker.getExportsOfModule(resolved)) if (!symbols.has(exp.name)) symbols.set(exp.name, exp);
      }
      return symbols;
    }
    for (const symbol of checker.getSymbolsInScope(location, ts.SymbolFlags.Value | ts.SymbolFlags.Alias)) {
      if (!symbols.has(symbol.name)) symbols.set(symbol.name, symbol);
    }
    return symbols;
  }

  /**
   * `(...shape: number[]): Tensor` when the symbol's value can be called, else undefined; `""`
   * for a callable one when `write` is false and its signature was not written before.
   */
  private callSignature(symbol: TS.Symbol, location: TS.Node, write = true): string | undefined {
    const ts = this.project.ts;
    const checker = this.project.program().getTypeChecker();
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (!(target.flags & ts.SymbolFlags.Value)) return undefined;
    // Declarations in files that did not change keep their symbols from program to program, and
    // their signatures read the same: formatting them once saves most of a long member list.
    const cached = this.signatures.get(target);
    if (cached !== undefined) return cached ?? undefined;
    const type = checker.getTypeOfSymbolAtLocation(target, location);
    const signatures = type.getCallSignatures();
    if (signatures.length > 0 && !write) return "";
    const text = signatures.length === 0 ? null : this.hooks.cleanText(checker.signatureToString(signatures[0]!, undefined, ts.TypeFormatFlags.NoTruncation));
    // Transient symbols (mapped and instantiated types) are made anew by every checker.
    if (!(target.flags & ts.SymbolFlags.Transient)) this.signatures.set(target, text);
    return text ?? undefined;
  }

  private readonly signatures = new WeakMap<TS.Symbol, string | null>();

  /** `(input, dim=[], keepdim=False)`: the PyTorch form of a runtime op's first signature, without its name. */
  private pytorchSignature(symbol: TS.Symbol): string | undefined {
    const ts = this.project.ts;
    const checker = this.project.program().getTypeChecker();
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const form = this.pytorchForms(target)[0];
    if (!form) return undefined;
    const params = form.slice(form.indexOf("("));
    return target.flags & ts.SymbolFlags.Method ? asMethod(params) : params;
  }

  /**
   * PyTorch's forms of a runtime function or layer: its op's registered signatures (one per
   * overload), else one read from its declaration (functions, classes, constants holding a
   * function; see pytorch-form.ts).
   * Empty for anything outside the runtime.
   */
  private pytorchForms(target: TS.Symbol): readonly string[] {
    const cached = this.forms.get(target);
    if (cached) return cached;
    const ts = this.project.ts;
    const declaration = target.declarations?.[0];
    const file = declaration?.getSourceFile().fileName;
    let forms: readonly string[] = file ? this.hooks.pytorchSignatures(target.name, file) : [];
    if (forms.length === 0 && file && target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable) && this.hooks.isRuntimeFile(file)) {
      const derived = pytorchForm(ts, this.project.program().getTypeChecker(), target);
      forms = derived ? [derived] : [];
    }
    if (!(target.flags & ts.SymbolFlags.Transient)) this.forms.set(target, forms);
    return forms;
  }

  private readonly forms = new WeakMap<TS.Symbol, readonly string[]>();

  /** The symbol named at `pos` in `file`, through aliases (an earlier cell's import) to what it stands for. */
  private symbolAt(file: string, pos: number): TS.Symbol | undefined {
    const ts = this.project.ts;
    const program = this.project.program();
    const sf = program.getSourceFile(file);
    if (!sf) return undefined;
    // The cursor may sit just after the name.
    const node = [pos, pos - 1].map((p) => findNodeAt(ts, sf, Math.max(0, p))).find((n) => n !== undefined && ts.isIdentifier(n));
    if (!node) return undefined;
    const checker = program.getTypeChecker();
    const symbol = checker.getSymbolAtLocation(node);
    return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  }

  private describe(quick: TS.QuickInfo, definition: TS.DefinitionInfo | undefined, detailLevel: 0 | 1, symbol?: TS.Symbol): Record<string, string> {
    const ts = this.project.ts;
    const typed = this.hooks.cleanText(ts.displayPartsToString(quick.displayParts));
    // A runtime op shows PyTorch's form first (`amax(input, dim=[], keepdim=False)`), then its TypeScript type.
    let found = definition ? this.hooks.pytorchSignatures(definition.name, definition.fileName) : [];
    if (found.length === 0 && symbol) found = this.pytorchForms(symbol);
    const forms = quick.kind === ts.ScriptElementKind.memberFunctionElement ? found.map(asMethod) : found;
    const signature = forms.length > 0 ? forms.join("\n") : typed;
    const docs = ts.displayPartsToString(quick.documentation ?? []);
    const tags = (quick.tags ?? []).map((t) => {
      const text = ts.displayPartsToString(t.text ?? []);
      return t.name === "example" ? `Example:\n${text}` : `@${t.name}${text ? " " + text : ""}`;
    });
    const where = definition ? this.location(definition) : undefined;
    const source = detailLevel >= 1 && definition ? this.declarationSource(definition) : undefined;

    const header = (label: string) => `${RED}${label}${RESET}`;
    const plain: string[] = [`${header("Signature:")} ${signature.split("\n").join("\n           ")}`];
    if (forms.length > 0) plain.push(`${header("TypeScript:")} ${typed}`);
    plain.push(`${header("Kind:")}      ${quick.kind}`);
    if (where) plain.push(`${header("Defined in:")} ${where}`);
    plain.push(`${header("Docstring:")}${docs || tags.length ? "" : " <no docstring>"}`);
    if (docs) plain.push(docs);
    if (tags.length) plain.push(...tags);
    if (source) plain.push(`${header("Source:")}`, source);

    const md: string[] = forms.length > 0 ? ["```python", signature, "```", "```typescript", typed, "```"] : ["```typescript", signature, "```"];
    if (docs) md.push("", docs);
    for (const t of quick.tags ?? []) {
      const text = ts.displayPartsToString(t.text ?? []);
      md.push("", t.name === "example" ? `**Example**\n\n\`\`\`typescript\n${stripCodeFence(text)}\n\`\`\`` : `*@${t.name}* ${text}`);
    }
    if (where) md.push("", `**Defined in** ${where}`);
    if (source) md.push("", "```typescript", source, "```");
    return { "text/plain": plain.join("\n"), "text/markdown": md.join("\n") };
  }

  /** `Cell In[3], line 2` for cells; a path (relative to the notebook when inside it) for files. */
  private location(def: TS.DefinitionInfo): string {
    const label = this.hooks.ownerOf(def.fileName);
    if (label && !label.startsWith("In[")) return label;
    const found = this.declarationAt(def);
    const line = found ? offsetToLineCol(found.sf.text, found.node.getStart(found.sf)).line : undefined;
    if (label) return `Cell ${label}${line ? `, line ${line}` : ""}`;
    // Packed declarations (the runtime's, `@types/node`) are named by the file they came from.
    const original = line ? this.project.originalPosition(def.fileName, line) : undefined;
    const file = original?.file ?? def.fileName;
    const shownLine = original?.line ?? line;
    const rel = path.relative(this.project.cwd, file);
    const shown = rel.startsWith("..") ? file : rel;
    return `${shown}${shownLine ? `:${shownLine}` : ""}`;
  }

  /** The text of the declaration statement (or class member) a definition points into. */
  private declarationSource(def: TS.DefinitionInfo): string | undefined {
    const ts = this.project.ts;
    const found = this.declarationAt(def);
    if (!found) return undefined;
    let node: TS.Node | undefined = found.node;
    while (node && !(ts.isStatement(node) || ts.isClassElement(node) || ts.isTypeElement(node) || ts.isEnumMember(node)) && node.parent) {
      node = node.parent;
    }
    if (!node || ts.isSourceFile(node)) return undefined;
    const lines = node.getText(found.sf).split("\n");
    const cut = lines.length > MAX_SOURCE_LINES ? [...lines.slice(0, MAX_SOURCE_LINES), "..."] : lines;
    return cut.join("\n");
  }

  /**
   * The node a definition points at, in the source the user wrote: for a cell whose module now
   * holds only its declaration snapshot, the same declaration found by name in the cell's text.
   */
  private declarationAt(def: TS.DefinitionInfo): { sf: TS.SourceFile; node: TS.Node } | undefined {
    const ts = this.project.ts;
    const sf = this.project.program().getSourceFile(def.fileName);
    if (!sf) return undefined;
    const original = this.hooks.originalSource(def.fileName);
    if (original === undefined) {
      const node = findNodeAt(ts, sf, def.textSpan.start);
      return node ? { sf, node } : undefined;
    }
    const originalSf = ts.createSourceFile("cell.ts", original, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const node = findDeclaration(ts, originalSf, declarationPath(ts, sf, def.textSpan.start));
    return node ? { sf: originalSf, node } : undefined;
  }
}

/**
 * Where the entries' own replacement spans start when completing a module name or path in a
 * string, if those that have one agree and end at the cursor: `"lodash-es"` is replaced whole,
 * `-` and `/` included.
 */
function sharedReplacementStart(ts: typeof TS, entries: readonly TS.CompletionEntry[], offset: number): number | undefined {
  const K = ts.ScriptElementKind;
  const inString = [K.externalModuleName, K.string, K.directory, K.scriptElement] as string[];
  if (entries.length === 0 || !entries.every((e) => inString.includes(e.kind))) return undefined;
  let start: number | undefined;
  for (const e of entries) {
    const span = e.replacementSpan;
    if (!span) continue;
    if (span.start + span.length !== offset || (start !== undefined && span.start !== start)) return undefined;
    start = span.start;
  }
  return start;
}

function stripCodeFence(text: string): string {
  return text.replace(/^```\w*\n?/, "").replace(/\n?```$/, "");
}

function findNodeAt(ts: typeof TS, sf: TS.SourceFile, pos: number): TS.Node | undefined {
  let found: TS.Node | undefined;
  const visit = (node: TS.Node): void => {
    if (pos < node.getStart(sf) || pos >= node.end) return;
    found = node;
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}

/** Where the word before `offset` starts (identifier characters, `#` for private names). */
function identifierStart(code: string, offset: number): number {
  let i = offset;
  while (i > 0) {
    const low = code.charCodeAt(i - 1);
    // A whole surrogate pair is one character.
    const width = low >= 0xdc00 && low <= 0xdfff && i >= 2 ? 2 : 1;
    const ch = code.slice(i - width, i);
    if (!isIdentifierChar(ch) && ch !== "#") break;
    i -= width;
  }
  return i;
}

function symbolKind(ts: typeof TS, symbol: TS.Symbol): string {
  const f = symbol.flags;
  const K = ts.ScriptElementKind;
  if (f & ts.SymbolFlags.Class) return K.classElement;
  if (f & ts.SymbolFlags.Enum) return K.enumElement;
  if (f & ts.SymbolFlags.Interface) return K.interfaceElement;
  if (f & ts.SymbolFlags.TypeAlias) return K.typeElement;
  if (f & ts.SymbolFlags.Function) return K.functionElement;
  if (f & ts.SymbolFlags.Method) return K.memberFunctionElement;
  if (f & ts.SymbolFlags.Module) return K.moduleElement;
  if (f & ts.SymbolFlags.Variable) return K.variableElement;
  return K.unknown;
}

/** TypeScript's element kinds in the vocabulary ipykernel (Jedi) uses for completion types. */
function jupyterType(ts: typeof TS, kind: string): string {
  const K = ts.ScriptElementKind;
  switch (kind) {
    case K.keyword:
      return "keyword";
    case K.functionElement:
    case K.localFunctionElement:
    case K.memberFunctionElement:
    case K.constructSignatureElement:
    case K.callSignatureElement:
    case K.constructorImplementationElement:
      return "function";
    case K.classElement:
    case K.localClassElement:
    case K.interfaceElement:
    case K.typeElement:
    case K.enumElement:
    case K.typeParameterElement:
    case K.primitiveType:
      return "class";
    case K.moduleElement:
    case K.externalModuleName:
    case K.alias:
      return "module";
    case K.memberVariableElement:
    case K.memberGetAccessorElement:
    case K.memberSetAccessorElement:
    case K.memberAccessorVariableElement:
    case K.enumMemberElement:
      return "property";
    case K.parameterElement:
      return "param";
    case K.string:
    case K.directory:
    case K.scriptElement:
      return "path";
    default:
      return "instance";
  }
}

/** Whether the cell declares `name` anywhere (a variable, parameter, function, class or import): then it may shadow the scope's. */
function bindsName(ts: typeof TS, sf: TS.SourceFile, name: string): boolean {
  let found = false;
  const visit = (node: TS.Node): void => {
    if (found) return;
    const declared = (node as { name?: TS.Node }).name;
    if (
      declared &&
      ts.isIdentifier(declared) &&
      declared.text === name &&
      (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) ||
        ts.isImportSpecifier(node) || ts.isNamespaceImport(node) || ts.isImportClause(node) || ts.isBindingElement(node) ||
        ts.isEnumDeclaration(node) || ts.isModuleDeclaration(node) || ts.isImportEqualsDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node))
    ) {
      found = true;
      return;
    }
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}

/** The member `name` of what `symbol` holds: a property of its value's type, or an export of a namespace. */
function memberOf(ts: typeof TS, checker: TS.TypeChecker, symbol: TS.Symbol, name: string): TS.Symbol | undefined {
  return membersOf(ts, checker, symbol)?.get(name);
}

/** Members after a dot, as the language service finds them: the value's properties, then a namespace's or enum's exports. */
function membersOf(ts: typeof TS, checker: TS.TypeChecker, symbol: TS.Symbol): Map<string, TS.Symbol> | undefined {
  const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const members = new Map<string, TS.Symbol>();
  if (resolved.flags & ts.SymbolFlags.Value) {
    const type = checker.getTypeOfSymbol(resolved);
    // `maybe.` on a value that may be undefined: the service offers `?.` forms; the full way.
    const nullable = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void;
    if (type.flags & nullable || (type.isUnion() && type.types.some((t) => t.flags & nullable))) return undefined;
    // Apparent ones: a class has Function's `bind` and `call`, a string String's methods.
    for (const prop of type.getApparentProperties()) members.set(prop.name, prop);
  }
  if (resolved.flags & (ts.SymbolFlags.Module | ts.SymbolFlags.Enum)) {
    for (const exp of checker.getExportsOfModule(resolved)) {
      if (members.has(exp.name)) continue;
      // After a dot only values (and namespaces) fit, as in an expression.
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      if (target.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Namespace)) members.set(exp.name, exp);
    }
  }
  if (!(resolved.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Module | ts.SymbolFlags.Enum))) return undefined;
  return members;
}

/** The service's sort text for a member: optional ones after the others, deprecated ones last. */
function memberSortText(ts: typeof TS, symbol: TS.Symbol): string {
  const base = symbol.flags & ts.SymbolFlags.Optional ? "12" : "11";
  const deprecated = symbol.declarations?.some((d) => ts.getJSDocDeprecatedTag(d) !== undefined) ?? false;
  return deprecated ? "z" + base : base;
}

/** A function's PyTorch form as the Tensor method's: `amax(input, dim=[])` → `amax(dim=[])`. */
function asMethod(form: string): string {
  return form.replace("(input, ", "(").replace("(input)", "()");
}

/** Completion order: names starting with what was typed (case kept) first, then the service's sort text, then by name. */
function byRelevance(prefix: string): (a: { name: string; sortText: string }, b: { name: string; sortText: string }) => number {
  return (a, b) => {
    const ca = a.name.startsWith(prefix) ? 0 : 1;
    const cb = b.name.startsWith(prefix) ? 0 : 1;
    return ca - cb || a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name);
  };
}
