/**
 * The TypeScript project behind a notebook: one LanguageService over virtual files.
 *
 * Every executed cell stays in the project as a virtual module (`__tsorch1_cell7.mts` in the
 * notebook's directory, so imports resolve from there); the kernel globals are one more virtual
 * module; lib files, `@types/node`, the runtime's declarations and installed packages come from
 * disk. Checking a cell builds a new Program that reuses every parsed file of the last one.
 *
 * Building that Program is the dominant per-cell cost (the check of a small cell takes well under
 * a millisecond): the compiler walks every file of the program again, so fewer files is faster.
 * What keeps it cheap is partly here: parsed lib files are shared through one DocumentRegistry per
 * process, disk reads and module, type-directive and lib resolutions are memoised (successes for
 * good, failures from cells until the next `execute`, so a package installed mid-session is
 * found), and the project version tells the service when nothing changed at all. Files under
 * `node_modules` are read once per process; other files on disk are re-read when their mtime
 * changes.
 */
import fs from "node:fs";
import path from "node:path";
import type * as TS from "typescript";
import { typescript, type TypeScript } from "./typescript.js";

/** The standard library cells are checked against (the project's own `lib`). */
const LIB = "es2023";

/**
 * Compiler options for cells: the project's own strictness minus the two checks that fight
 * exploratory code. `noImplicitAny` is off so `function f(x) {}` and untyped packages work;
 * `useUnknownInCatchVariables` is off so `catch (e) { e.message }` works. Everything else of
 * `strict` (null checks, strict function types, ...) stays on: those catch real mistakes.
 * `noLib`: the standard library comes as one combined file instead (see `combinedLib`).
 */
export function cellCompilerOptions(ts: TypeScript): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    noLib: true,
    types: ["node"],
    strict: true,
    noImplicitAny: false,
    useUnknownInCatchVariables: false,
    skipLibCheck: true,
    esModuleInterop: true,
    allowJs: true,
    checkJs: false,
    resolveJsonModule: true,
    rewriteRelativeImportExtensions: true,
    preserveConstEnums: true,
    sourceMap: true,
    inlineSources: false,
    newLine: ts.NewLineKind.LineFeed,
    noEmitOnError: false,
    declaration: false,
  };
}

/** Caches shared by every project of the process: disk content does not depend on the notebook. */
interface SharedCaches {
  registry: TS.DocumentRegistry;
  /** Snapshots of files that never change while we run (lib files, installed packages). */
  stableSnapshots: Map<string, TS.IScriptSnapshot | undefined>;
  /** Snapshots of other disk files (local `.ts` beside a notebook), keyed by path, with their mtime. */
  localSnapshots: Map<string, { mtime: number; snapshot: TS.IScriptSnapshot }>;
  existingFiles: Set<string>;
  existingDirs: Set<string>;
  /** Successful module resolutions, by containing file, name and mode. */
  modules: Map<string, TS.ResolvedModuleWithFailedLookupLocations>;
  typeDirectives: Map<string, TS.ResolvedTypeReferenceDirectiveWithFailedLookupLocations>;
  libraries: Map<string, TS.ResolvedModuleWithFailedLookupLocations>;
}

let shared: SharedCaches | undefined;

function sharedCaches(ts: TypeScript): SharedCaches {
  shared ??= {
    registry: ts.createDocumentRegistry(),
    stableSnapshots: new Map(),
    localSnapshots: new Map(),
    existingFiles: new Set(),
    existingDirs: new Set(),
    modules: new Map(),
    typeDirectives: new Map(),
    libraries: new Map(),
  };
  return shared;
}

let combined: { file: string; text: string } | undefined;

/**
 * `lib.es2023.d.ts` and the ~60 files it references, as one virtual file beside them. Every
 * Program walks each of its files again, and the compiler sorts its default lib files on top;
 * one file instead of sixty takes about a third off the per-cell check.
 */
export function combinedLib(ts: TypeScript): { file: string; text: string } {
  if (combined) return combined;
  const dir = path.dirname(ts.getDefaultLibFilePath({}));
  const parts: string[] = [];
  const seen = new Set<string>();
  const include = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const text = fs.readFileSync(path.join(dir, `lib.${name}.d.ts`), "utf8");
    // References first, so the file reads like the chain it replaces.
    for (const m of text.matchAll(/^\/\/\/\s*<reference\s+lib="([^"]+)"\s*\/>/gm)) include(m[1]!.toLowerCase());
    parts.push(text.replace(/^\/\/\/\s*<reference\s+(?:lib|no-default-lib)=[^\n]*$/gm, ""));
  };
  include(LIB);
  combined = { file: path.join(dir, `lib.tsorch.${LIB}.d.ts`), text: '/// <reference no-default-lib="true"/>\n' + parts.join("\n") };
  return combined;
}

/** Files taken not to change during a session: anything installed (the compiler's libs included). */
function isStablePath(file: string): boolean {
  return file.includes(`${path.sep}node_modules${path.sep}`);
}

let projectCounter = 0;

export class CellProject {
  readonly ts: TypeScript;
  readonly options: TS.CompilerOptions;
  readonly service: TS.LanguageService;
  /** A prefix unique to this project, so two notebooks in one directory never share virtual paths. */
  readonly prefix: string;
  /** The combined standard library (always a root). */
  readonly libFile: string;

  private readonly virtualFiles = new Map<string, { text: string; version: number }>();
  private roots: string[] = [];
  private projectVersion = 0;
  private readonly caches: SharedCaches;
  /** Lookups that failed since the last `invalidateMisses` (so retried after a package install). */
  private readonly missingFiles = new Set<string>();
  private readonly missingDirs = new Set<string>();
  /** Imports from cells that did not resolve (retried after `invalidateMisses`). */
  private readonly failedCellResolutions = new Map<string, TS.ResolvedModuleWithFailedLookupLocations>();
  /**
   * Imports from files on disk that did not resolve: mostly `@types/node` naming `node:fs`,
   * which its ambient module declarations answer. They stay failed, so never retried.
   */
  private readonly failedDiskResolutions = new Map<string, TS.ResolvedModuleWithFailedLookupLocations>();
  private readonly packageJsonCache: TS.ModuleResolutionCache;
  private readonly resolutionHost: TS.ModuleResolutionHost;
  private readonly fallbackResolveFrom: string | undefined;

  /**
   * @param cwd The notebook's directory: virtual files live there, so `./x.js` and packages
   *   resolve as they would for a file beside the notebook.
   * @param fallbackResolveFrom A file path to retry bare imports from when `cwd` cannot resolve
   *   them (tsorch's own directory, so `import { Tensor } from "tsorch"` works anywhere).
   */
  constructor(
    readonly cwd: string,
    fallbackResolveFrom?: string,
  ) {
    const ts = (this.ts = typescript());
    this.options = cellCompilerOptions(ts);
    this.caches = sharedCaches(ts);
    this.prefix = `__tsorch${++projectCounter}_`;
    this.fallbackResolveFrom = fallbackResolveFrom;
    this.packageJsonCache = ts.createModuleResolutionCache(cwd, (s) => s, this.options);
    this.resolutionHost = {
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => this.directoryExists(d),
      realpath: (p) => ts.sys.realpath?.(p) ?? p,
      getCurrentDirectory: () => cwd,
      getDirectories: (d) => ts.sys.getDirectories(d),
    };
    this.libFile = combinedLib(ts).file;
    this.virtualFiles.set(this.libFile, { text: combinedLib(ts).text, version: 1 });
    this.service = ts.createLanguageService(this.host(), this.caches.registry);
  }

  /** The absolute path of a virtual file named `name` (`cell7.mts`). */
  virtualPath(name: string): string {
    return path.join(this.cwd, this.prefix + name);
  }

  isVirtual(file: string): boolean {
    return this.virtualFiles.has(file);
  }

  setFile(file: string, text: string): void {
    const existing = this.virtualFiles.get(file);
    if (existing?.text === text) return;
    this.virtualFiles.set(file, { text, version: (existing?.version ?? 0) + 1 });
    this.projectVersion++;
  }

  fileText(file: string): string | undefined {
    return this.virtualFiles.get(file)?.text;
  }

  deleteFile(file: string): void {
    if (this.virtualFiles.delete(file)) this.projectVersion++;
    if (this.roots.includes(file)) this.setRoots(this.roots.filter((r) => r !== file));
  }

  setRoots(roots: string[]): void {
    if (roots.length === this.roots.length && roots.every((r, i) => r === this.roots[i])) return;
    this.roots = roots.slice();
    this.projectVersion++;
  }

  /** Forget failed lookups, so a package installed since then is found; local files are re-read if changed. */
  invalidateMisses(): void {
    this.missingFiles.clear();
    this.missingDirs.clear();
    this.failedCellResolutions.clear();
    this.projectVersion++;
  }

  program(): TS.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error("the TypeScript language service produced no program");
    return program;
  }

  private host(): TS.LanguageServiceHost {
    const ts = this.ts;
    // `getModuleResolutionCache` (which lends the program its package.json cache) and
    // `resolveLibrary` are read by the service though the public host type does not list them.
    const host: TS.LanguageServiceHost & {
      getModuleResolutionCache(): TS.ModuleResolutionCache;
      resolveLibrary(name: string, resolveFrom: string): TS.ResolvedModuleWithFailedLookupLocations;
    } = {
      getCompilationSettings: () => this.options,
      getProjectVersion: () => String(this.projectVersion),
      getScriptFileNames: () => [this.libFile, ...this.roots],
      getScriptVersion: (f) => this.scriptVersion(f),
      getScriptSnapshot: (f) => this.snapshot(f),
      getCurrentDirectory: () => this.cwd,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => this.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
      readDirectory: (p, e, x, i, d) => ts.sys.readDirectory(p, e, x, i, d),
      realpath: (p) => ts.sys.realpath?.(p) ?? p,
      useCaseSensitiveFileNames: () => true,
      getModuleResolutionCache: () => this.packageJsonCache,
      // Lib names (`lib.es2023.d.ts`) are first looked up as `@typescript/lib-*` packages, by
      // Node10 resolution as the compiler does; the answer never changes during a session.
      resolveLibrary: (name, resolveFrom) => {
        const key = `${name}\0${resolveFrom}`;
        let resolved = this.caches.libraries.get(key);
        if (!resolved) {
          const libOptions: TS.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10 };
          resolved = ts.resolveModuleName(name, resolveFrom, libOptions, this.resolutionHost);
          this.caches.libraries.set(key, resolved);
        }
        return resolved;
      },
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, containingSourceFile) =>
        literals.map((literal) =>
          this.resolveModule(literal.text, containingFile, redirected, options, ts.getModeForUsageLocation(containingSourceFile, literal, options)),
        ),
      resolveTypeReferenceDirectiveReferences: (references, containingFile, redirected, options, containingSourceFile) =>
        references.map((reference) => {
          const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
          const mode = ts.getModeForFileReference(reference, containingSourceFile?.impliedNodeFormat);
          const key = `${containingFile}\0${name}\0${mode}`;
          let resolved = this.caches.typeDirectives.get(key);
          if (!resolved) {
            resolved = ts.resolveTypeReferenceDirective(name, containingFile, options, this.resolutionHost, redirected, undefined, mode);
            // A notebook directory without its own `@types/node` uses the one tsorch depends on.
            if (!resolved.resolvedTypeReferenceDirective && this.fallbackResolveFrom) {
              resolved = ts.resolveTypeReferenceDirective(name, this.fallbackResolveFrom, options, this.resolutionHost, redirected, undefined, mode);
            }
            if (resolved.resolvedTypeReferenceDirective) this.caches.typeDirectives.set(key, resolved);
          }
          return resolved;
        }),
    };
    return host;
  }

  private resolveModule(
    name: string,
    containingFile: string,
    redirected: TS.ResolvedProjectReference | undefined,
    options: TS.CompilerOptions,
    mode: TS.ResolutionMode,
  ): TS.ResolvedModuleWithFailedLookupLocations {
    const ts = this.ts;
    const key = `${containingFile}\0${name}\0${mode}`;
    const known = this.caches.modules.get(key) ?? this.failedCellResolutions.get(key) ?? this.failedDiskResolutions.get(key);
    if (known) return known;
    let resolved = ts.resolveModuleName(name, containingFile, options, this.resolutionHost, undefined, redirected, mode);
    const isBare = !name.startsWith(".") && !path.isAbsolute(name);
    if (!resolved.resolvedModule && isBare && this.fallbackResolveFrom && this.virtualFiles.has(containingFile)) {
      resolved = ts.resolveModuleName(name, this.fallbackResolveFrom, options, this.resolutionHost, undefined, redirected, mode);
    }
    if (resolved.resolvedModule) {
      // Keyed by the importing file: a file's text may change (mtime-checked snapshots), where
      // its imports lead rarely does, and every cell has a file of its own.
      this.caches.modules.set(key, resolved);
    } else if (this.virtualFiles.has(containingFile)) {
      this.failedCellResolutions.set(key, resolved);
    } else {
      this.failedDiskResolutions.set(key, resolved);
    }
    return resolved;
  }

  private scriptVersion(file: string): string {
    const virtual = this.virtualFiles.get(file);
    if (virtual) return `v${virtual.version}`;
    if (isStablePath(file)) return "disk";
    try {
      return `m${fs.statSync(file).mtimeMs}`;
    } catch {
      return "missing";
    }
  }

  private snapshot(file: string): TS.IScriptSnapshot | undefined {
    const ts = this.ts;
    const virtual = this.virtualFiles.get(file);
    if (virtual) return ts.ScriptSnapshot.fromString(virtual.text);
    if (isStablePath(file)) {
      if (this.caches.stableSnapshots.has(file)) return this.caches.stableSnapshots.get(file);
      const text = ts.sys.readFile(file);
      const snapshot = text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      this.caches.stableSnapshots.set(file, snapshot);
      return snapshot;
    }
    let mtime: number;
    try {
      mtime = fs.statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.caches.localSnapshots.get(file);
    if (cached && cached.mtime === mtime) return cached.snapshot;
    const text = ts.sys.readFile(file);
    if (text === undefined) return undefined;
    const snapshot = ts.ScriptSnapshot.fromString(text);
    this.caches.localSnapshots.set(file, { mtime, snapshot });
    return snapshot;
  }

  private fileExists(file: string): boolean {
    if (this.virtualFiles.has(file) || this.caches.existingFiles.has(file)) return true;
    if (this.missingFiles.has(file)) return false;
    const exists = this.ts.sys.fileExists(file);
    if (exists) {
      if (isStablePath(file)) this.caches.existingFiles.add(file);
    } else {
      this.missingFiles.add(file);
    }
    return exists;
  }

  private directoryExists(dir: string): boolean {
    if (this.caches.existingDirs.has(dir)) return true;
    if (this.missingDirs.has(dir)) return false;
    const exists = this.ts.sys.directoryExists(dir);
    if (exists) this.caches.existingDirs.add(dir);
    else this.missingDirs.add(dir);
    return exists;
  }

  private readFile(file: string): string | undefined {
    const virtual = this.virtualFiles.get(file);
    if (virtual) return virtual.text;
    return this.ts.sys.readFile(file);
  }
}
