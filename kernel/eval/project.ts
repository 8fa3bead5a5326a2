/**
 * The TypeScript project behind a notebook: one LanguageService over virtual files.
 *
 * Every executed cell stays in the project as a virtual module (`__tsorch1_cell7.mts` in the
 * notebook's directory, so imports resolve from there); the kernel globals, the scope module
 * and the input file (the cell being checked) are more virtual modules; the standard library is
 * one combined virtual file, `@types/node` and the runtime's declarations one packed virtual
 * file each (`declaration-bundle.ts`); installed packages and local files come from disk.
 *
 * Checking a cell builds a new Program. What that costs, in decreasing order, and what keeps it
 * down:
 *
 * - Walking the program's structure again (every file's imports, resolutions, format): only
 *   when it changed. The evaluator keeps the root files and the input file's imports the same
 *   from cell to cell, so TypeScript reuses the last program whole and re-parses just the input
 *   file; and the files are few (five, plus the live cells), so a walk is cheap too.
 * - Per-file bookkeeping even when the structure is reused (version, snapshot, format of every
 *   file): few files, and answers from memory. Files under `node_modules` are read and stat'ed
 *   once per process; other files on disk once per `refresh` (one per executed cell), the
 *   runtime's at most once a second; module, type-directive and lib resolutions are memoised
 *   (successes for good, failures from cells until the next `refresh`, so a package installed
 *   mid-session is found).
 * - The new type checker (merging the globals of the lib and `@types/node`) and the check of
 *   the input file itself: TypeScript's own work, well under a millisecond for a small cell.
 *
 * Parsed files are shared between the projects of a process through one DocumentRegistry, and
 * the project version tells the service when nothing changed at all.
 */
import fs from "node:fs";
import path from "node:path";
import type * as TS from "typescript";
import { declarationBundle, isFresh, originalLine, type DeclarationBundle } from "./declaration-bundle.js";
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
  /** Real paths of installed files. */
  realpaths: Map<string, string>;
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
    realpaths: new Map(),
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

/**
 * How long the modification times of slowly changing files are trusted: the runtime's (its
 * packed declarations, or its sources in a checkout that was not built). Their ~60 stats would
 * otherwise cost every cell a third of a millisecond, and they only change when tsorch itself
 * is rebuilt or edited.
 */
const SLOW_FILES_RECHECK_MS = 1000;

/** The modification time of a file outside `node_modules` as last seen (-1: missing). */
interface DiskStamp {
  mtime: number;
  /** The project generation (see `refresh`) it was read in. */
  generation: number;
  /** When it was read (performance.now()). */
  at: number;
}

/** A declaration bundle in the project, and when its files were last checked for changes. */
interface BundleState {
  bundle: DeclarationBundle;
  version: number;
  snapshot: TS.IScriptSnapshot;
  /** Installed packages do not change during a session; the runtime's files may (a rebuild). */
  stable: boolean;
  checkedAt: number;
}

/** What a specifier that names a packed module resolves to on disk: nothing (the bundle declares it). */
const PACKED: TS.ResolvedModuleWithFailedLookupLocations = { resolvedModule: undefined };

interface VirtualFile {
  text: string;
  version: number;
  /** Made on first request: the service asks for a snapshot of every file on every program. */
  snapshot?: TS.IScriptSnapshot;
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

  private readonly virtualFiles = new Map<string, VirtualFile>();
  private roots: string[] = [];
  private projectVersion = 0;
  private readonly caches: SharedCaches;
  /** Bumped by `refresh` (once per executed cell): disk state older than this is read again. */
  private generation = 0;
  private readonly diskStamps = new Map<string, DiskStamp>();
  /** Declaration bundles by their file (see `declaration-bundle.ts`); the `@types/node` one first. */
  private readonly bundles = new Map<string, BundleState>();
  /** Module names the bundles declare: never resolved on disk. */
  private readonly packedNames = new Set<string>();
  /** The made-up ones among them (see `DeclarationBundle.internalNames`). */
  private readonly internalNames = new Set<string>();
  private readonly nodeTypes: BundleState | undefined;
  /** Directories whose files change rarely (mtimes rechecked at most once a second). */
  private readonly slowDirs: readonly string[];
  /** Lookups that failed since the last `refresh` (so retried after a package install). */
  private readonly missingFiles = new Set<string>();
  private readonly missingDirs = new Set<string>();
  /** Imports from cells that did not resolve (retried after `refresh`). */
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
   * @param slowDirs Directories (ending in a separator) whose files change rarely, such as the
   *   runtime's compiled declarations: their mtimes are rechecked at most once a second.
   */
  constructor(
    readonly cwd: string,
    fallbackResolveFrom?: string,
    slowDirs: readonly string[] = [],
  ) {
    const ts = (this.ts = typescript());
    this.options = cellCompilerOptions(ts);
    this.caches = sharedCaches(ts);
    this.prefix = `__tsorch${++projectCounter}_`;
    this.fallbackResolveFrom = fallbackResolveFrom;
    this.slowDirs = slowDirs;
    this.packageJsonCache = ts.createModuleResolutionCache(cwd, (s) => s, this.options);
    this.resolutionHost = {
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => this.directoryExists(d),
      realpath: (p) => this.realpath(p),
      getCurrentDirectory: () => cwd,
      getDirectories: (d) => ts.sys.getDirectories(d),
    };
    this.libFile = combinedLib(ts).file;
    this.virtualFiles.set(this.libFile, { text: combinedLib(ts).text, version: 1 });
    this.nodeTypes = this.packNodeTypes();
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

  /**
   * Starts a new generation (once per executed cell): failed lookups are forgotten, so a package
   * installed since then is found, and files on disk are re-read if they changed (the runtime's
   * at most once a second). Completion and inspection keep the generation of the last cell.
   */
  refresh(): void {
    this.missingFiles.clear();
    this.missingDirs.clear();
    this.failedCellResolutions.clear();
    this.generation++;
    this.projectVersion++;
    const now = performance.now();
    for (const state of this.bundles.values()) {
      if (state.stable || now - state.checkedAt < SLOW_FILES_RECHECK_MS) continue;
      state.checkedAt = now;
      if (isFresh(state.bundle)) continue;
      try {
        this.setBundle(state, this.rebundle(state.bundle));
      } catch {
        // Files changing under us (a build in progress): try again later.
      }
    }
  }

  /**
   * Packs the declaration tree at `entry` (a `.d.ts`) into one file of the project and returns
   * the module name the entry goes by (`entryName`, if given), or undefined if `entry` is not a
   * declaration file (a `.ts` source entry is used as it is).
   */
  packTypes(entry: string, entryName?: string): string | undefined {
    if (!/\.d\.[cm]?ts$/.test(entry)) return undefined;
    const bundle = this.bundleFor(entry, entryName);
    const state: BundleState = {
      bundle,
      version: 0,
      snapshot: this.ts.ScriptSnapshot.fromString(bundle.text),
      stable: isStablePath(entry),
      checkedAt: performance.now(),
    };
    this.setBundle(state, bundle);
    return bundle.entryName;
  }

  /** The declaration file a packed bundle was made from (its entry), or undefined when `file` is not a bundle. */
  bundleEntry(file: string): string | undefined {
    return this.bundles.get(file)?.bundle.entry;
  }

  /** Whether `name` is a made-up name of a packed module (`tsorch/dist/src/torch.js`) that cells do not import. */
  isInternalModuleName(name: string): boolean {
    return this.internalNames.has(name);
  }

  /** Where a position in a bundle comes from: the packed file and its 1-based line. */
  originalPosition(file: string, line: number): { file: string; line: number } | undefined {
    const state = this.bundles.get(file);
    if (!state) return undefined;
    const found = originalLine(state.bundle, line - 1);
    return found && { file: found.file, line: found.line + 1 };
  }

  /** `@types/node` (as the program would find it) as one bundle, if it is installed. */
  private packNodeTypes(): BundleState | undefined {
    const ts = this.ts;
    const from = [path.join(this.cwd, "__inferred type names__.ts"), this.fallbackResolveFrom].filter((f): f is string => !!f);
    for (const containingFile of from) {
      const resolved = ts.resolveTypeReferenceDirective("node", containingFile, this.options, this.resolutionHost).resolvedTypeReferenceDirective;
      const entry = resolved?.resolvedFileName;
      if (!entry || !/\.d\.ts$/.test(entry)) continue;
      try {
        const bundle = declarationBundle(ts, { entry, compilerOptions: this.options, provides: ["node"] });
        const state: BundleState = { bundle, version: 0, snapshot: ts.ScriptSnapshot.fromString(bundle.text), stable: true, checkedAt: 0 };
        this.setBundle(state, bundle);
        return state;
      } catch {
        return undefined; // unreadable: the program reads the files themselves
      }
    }
    return undefined;
  }

  private bundleFor(entry: string, entryName: string | undefined): DeclarationBundle {
    const external = new Set(this.nodeTypes ? [...this.nodeTypes.bundle.ambientNames, ...this.nodeTypes.bundle.moduleNames] : []);
    return declarationBundle(this.ts, { entry, entryName, compilerOptions: this.options, provides: ["node"], externalAmbient: external });
  }

  private rebundle(old: DeclarationBundle): DeclarationBundle {
    return this.bundleFor(old.entry, old.entryName);
  }

  private setBundle(state: BundleState, bundle: DeclarationBundle): void {
    if (state.version > 0) {
      for (const name of state.bundle.moduleNames) this.packedNames.delete(name);
      for (const name of state.bundle.internalNames) this.internalNames.delete(name);
    }
    state.bundle = bundle;
    state.version++;
    state.snapshot = this.ts.ScriptSnapshot.fromString(bundle.text);
    this.bundles.set(bundle.file, state);
    for (const name of bundle.moduleNames) this.packedNames.add(name);
    for (const name of bundle.internalNames) this.internalNames.add(name);
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
      getScriptFileNames: () => [this.libFile, ...this.bundles.keys(), ...this.roots],
      getScriptVersion: (f) => this.scriptVersion(f),
      getScriptSnapshot: (f) => this.snapshot(f),
      getCurrentDirectory: () => this.cwd,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => this.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
      readDirectory: (p, e, x, i, d) => ts.sys.readDirectory(p, e, x, i, d),
      realpath: (p) => this.realpath(p),
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
          if (name === "node" && this.nodeTypes) {
            return { resolvedTypeReferenceDirective: { primary: true, resolvedFileName: this.nodeTypes.bundle.file, isExternalLibraryImport: true } };
          }
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
    // A packed module: its bundle declares it (and the checker looks at ambient modules first).
    if (this.packedNames.has(name)) return PACKED;
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
    const bundle = this.bundles.get(file);
    if (bundle) return `b${bundle.version}`;
    if (isStablePath(file)) return "disk";
    const mtime = this.mtime(file);
    return mtime < 0 ? "missing" : `m${mtime}`;
  }

  private snapshot(file: string): TS.IScriptSnapshot | undefined {
    const ts = this.ts;
    const virtual = this.virtualFiles.get(file);
    if (virtual) return (virtual.snapshot ??= ts.ScriptSnapshot.fromString(virtual.text));
    const bundle = this.bundles.get(file);
    if (bundle) return bundle.snapshot;
    if (isStablePath(file)) {
      if (this.caches.stableSnapshots.has(file)) return this.caches.stableSnapshots.get(file);
      const text = ts.sys.readFile(file);
      const snapshot = text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      this.caches.stableSnapshots.set(file, snapshot);
      return snapshot;
    }
    const mtime = this.mtime(file);
    if (mtime < 0) return undefined;
    const cached = this.caches.localSnapshots.get(file);
    if (cached && cached.mtime === mtime) return cached.snapshot;
    const text = ts.sys.readFile(file);
    if (text === undefined) return undefined;
    const snapshot = ts.ScriptSnapshot.fromString(text);
    this.caches.localSnapshots.set(file, { mtime, snapshot });
    return snapshot;
  }

  /**
   * A disk file's mtime (-1 if missing), read at most once per generation, and for files in the
   * slow directories at most once a second as well.
   */
  private mtime(file: string): number {
    const stamp = this.diskStamps.get(file);
    const now = performance.now();
    if (stamp) {
      if (stamp.generation === this.generation) return stamp.mtime;
      if (now - stamp.at < SLOW_FILES_RECHECK_MS && this.slowDirs.some((dir) => file.startsWith(dir))) return stamp.mtime;
    }
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    const mtime = stats?.isFile() ? stats.mtimeMs : -1;
    this.diskStamps.set(file, { mtime, generation: this.generation, at: now });
    return mtime;
  }

  private realpath(file: string): string {
    if (!isStablePath(file)) return this.ts.sys.realpath?.(file) ?? file;
    let real = this.caches.realpaths.get(file);
    if (real === undefined) this.caches.realpaths.set(file, (real = this.ts.sys.realpath?.(file) ?? file));
    return real;
  }

  private fileExists(file: string): boolean {
    if (this.virtualFiles.has(file) || this.bundles.has(file) || this.caches.existingFiles.has(file)) return true;
    if (!isStablePath(file)) return this.mtime(file) >= 0;
    if (this.missingFiles.has(file)) return false;
    const exists = this.ts.sys.fileExists(file);
    if (exists) this.caches.existingFiles.add(file);
    else this.missingFiles.add(file);
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
    const bundle = this.bundles.get(file);
    if (bundle) return bundle.bundle.text;
    return this.ts.sys.readFile(file);
  }
}
