/**
 * Packing a tree of declaration files into one file of ambient module declarations.
 *
 * Every cell is checked in a new TypeScript Program, and a Program costs time for every file it
 * holds (each is looked up, versioned and resolved again), however small. The runtime's types
 * are ~60 files and `@types/node` with `undici-types` ~100, against a handful for the notebook
 * itself; packed, they are two. Their text is unchanged: a module file becomes the body of
 * `declare module "<name>" { … }` (same declarations, same exports: an ambient module body
 * exports exactly what the file did), a global script is copied as it is, and relative
 * specifiers become the names of the modules they pointed to.
 *
 *     declare module "tsorch" {                       // dist/src/index.d.ts
 *     export * as torch from "tsorch/dist/src/torch.js";
 *     …
 *     }
 *     declare module "tsorch/dist/src/torch.js" {     // dist/src/torch.d.ts
 *     …
 *
 * The project then keeps the packed files out of its programs: specifiers naming a packed
 * module are never resolved on disk (the checker finds ambient modules first), and the `node`
 * type reference resolves to the `@types/node` bundle. Lines are preserved, so a position in the
 * bundle maps back to the file and line it came from (`originalLine`).
 *
 * Building a bundle parses every file once (a few hundred milliseconds for the runtime and
 * `@types/node`); bundles are kept in memory for the process and on disk in the OS temp
 * directory, keyed by their inputs and checked against the files' sizes and mtimes.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as TS from "typescript";
import type { TypeScript } from "./typescript.js";

/** Bumped whenever the bundle text format changes, so older cached bundles are not reused. */
const FORMAT = 2;

/** A packed file as it was when packed (size and mtime tell whether it changed since). */
export interface PackedFile {
  file: string;
  size: number;
  mtime: number;
}

export interface DeclarationBundle {
  /** The declaration file it was packed from. */
  entry: string;
  /** The bundle's (virtual) path: a `.d.ts` beside the entry, so bare specifiers resolve from there. */
  file: string;
  text: string;
  /** Names of the ambient modules that stand for packed module files: never resolved on disk. */
  moduleNames: string[];
  /**
   * The names among them made up from paths (`tsorch/dist/src/torch.js`), which no one imports
   * (unlike the entry's name and names packages were imported by): not offered in completion.
   */
  internalNames: string[];
  /** Ambient modules the packed scripts declare (`declare module "fs"`), besides `moduleNames`. */
  ambientNames: string[];
  /** The entry's module name, when the entry is a module. */
  entryName: string | undefined;
  files: PackedFile[];
  /** Where each packed file starts in the bundle: its line 0 is the bundle's `line` (0-based), in order. */
  parts: { file: string; line: number }[];
}

export interface BundleRequest {
  /** The declaration file to start from (`dist/src/index.d.ts`, `@types/node/index.d.ts`). */
  entry: string;
  /** The module name the entry gets (`"tsorch"`), else one made from its path. */
  entryName?: string;
  /** Options the program uses: files are resolved as the program would resolve them. */
  compilerOptions: TS.CompilerOptions;
  /** Type references the bundle stands for itself (`node`): not repeated at its top. */
  provides?: readonly string[];
  /** Ambient modules declared elsewhere (by another bundle): bare imports of them are left alone. */
  externalAmbient?: ReadonlySet<string>;
  /** Where bundles are cached on disk (default: `<tmp>/tsorch-declaration-bundles-<uid>`); null for none. */
  cacheDir?: string | null;
}

const memory = new Map<string, DeclarationBundle>();

/** The disk cache keeps this many bundles at most, none unused for longer than `CACHE_MAX_AGE_MS`. */
const CACHE_MAX_ENTRIES = 64;
const CACHE_MAX_AGE_MS = 14 * 24 * 3600 * 1000;

/** The bundle for `request`, from memory, the disk cache (if its files did not change) or built. */
export function declarationBundle(ts: TypeScript, request: BundleRequest): DeclarationBundle {
  const key = cacheKey(ts, request);
  const known = memory.get(key);
  if (known && isFresh(known)) return known;
  const cacheDir = request.cacheDir === undefined ? defaultCacheDir() : request.cacheDir;
  const cacheFile = cacheDir ? path.join(cacheDir, `${key}.json`) : undefined;
  const cached = cacheFile ? readCached(cacheFile) : undefined;
  const bundle = cached && isFresh(cached) ? cached : packDeclarations(ts, request);
  if (cacheFile && bundle !== cached) writeCached(cacheFile, bundle);
  else if (cacheFile) touch(cacheFile);
  memory.set(key, bundle);
  return bundle;
}

/**
 * The package name when `entry` is the declaration entry of its package (`types`, `typings`,
 * the `types` condition of `exports["."]`, or `index.d.ts`): what `import … from "<name>"`
 * means, so the bundle's entry module goes by that name.
 */
export function packageEntryName(entry: string): string | undefined {
  const found = nearestPackage(entry);
  if (!found) return undefined;
  const { dir, manifest } = found;
  const dot = (manifest.exports as Record<string, unknown> | undefined)?.["."] ?? manifest.exports;
  const candidates = [manifest.types, manifest.typings, typesCondition(dot), "index.d.ts"];
  return candidates.some((c) => typeof c === "string" && path.resolve(dir, c) === path.resolve(entry)) ? found.name : undefined;
}

function typesCondition(target: unknown): unknown {
  if (typeof target !== "object" || target === null || Array.isArray(target)) return undefined;
  const conditions = target as Record<string, unknown>;
  return conditions.types ?? typesCondition(conditions.import) ?? typesCondition(conditions.default);
}

interface PackageManifest {
  name?: unknown;
  types?: unknown;
  typings?: unknown;
  exports?: unknown;
}

/** The closest directory at or above `file` with a named `package.json`. */
function nearestPackage(file: string): { dir: string; name: string; manifest: PackageManifest } | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as PackageManifest;
      if (typeof manifest.name === "string" && manifest.name !== "") return { dir, name: manifest.name, manifest };
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Whether every packed file still has the size and mtime it had when packed. */
export function isFresh(bundle: DeclarationBundle): boolean {
  return bundle.files.every((f) => {
    const stats = fs.statSync(f.file, { throwIfNoEntry: false });
    return !!stats && stats.size === f.size && stats.mtimeMs === f.mtime;
  });
}

/** The packed file and its 0-based line for a 0-based line of the bundle. */
export function originalLine(bundle: DeclarationBundle, line: number): { file: string; line: number } | undefined {
  let part: { file: string; line: number } | undefined;
  for (const p of bundle.parts) {
    if (p.line > line) break;
    part = p;
  }
  return part && { file: part.file, line: line - part.line };
}

interface Specifier {
  /** The string literal naming the module. */
  start: number;
  end: number;
  text: string;
  /** How the program resolves it (import or require conditions). */
  mode: TS.ResolutionMode;
  /** The declaration file it resolves to, when that is packed too. */
  target: string | undefined;
}

interface FileInfo {
  file: string;
  text: string;
  isModule: boolean;
  specifiers: Specifier[];
  typeReferences: string[];
}

/** Builds a bundle (no caching). */
export function packDeclarations(ts: TypeScript, request: BundleRequest): DeclarationBundle {
  const options = request.compilerOptions;
  const host: TS.ModuleResolutionHost = ts.sys;
  const resolutionCache = ts.createModuleResolutionCache(path.dirname(request.entry), (s) => s, options);
  const infos = new Map<string, FileInfo>();
  const order: string[] = [];
  const ambient = new Set<string>();
  /** Files imported by a bare specifier, by that specifier (the name their module gets). */
  const bareNames = new Map<string, string>();
  const queue: string[] = [request.entry];
  const deferred: { spec: Specifier; from: string }[] = [];

  const resolve = (text: string, from: string, mode: TS.ResolutionMode): string | undefined => {
    const resolved = ts.resolveModuleName(text, from, options, host, resolutionCache, undefined, mode).resolvedModule;
    return resolved && isDeclarationFile(resolved.resolvedFileName) ? resolved.resolvedFileName : undefined;
  };

  const visit = (file: string): void => {
    if (infos.has(file)) return;
    const text = fs.readFileSync(file, "utf8");
    const format = ts.getImpliedNodeFormatForFile(file, resolutionCache.getPackageJsonInfoCache(), host, options);
    const sf = ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.ES2022, impliedNodeFormat: format }, true, ts.ScriptKind.TS);
    const info: FileInfo = {
      file,
      text,
      isModule: ts.isExternalModule(sf),
      specifiers: [],
      typeReferences: sf.typeReferenceDirectives.map((d) => d.fileName.toLowerCase()),
    };
    infos.set(file, info);
    order.push(file);
    for (const ref of sf.referencedFiles) {
      const target = path.resolve(path.dirname(file), ref.fileName);
      if (fs.existsSync(target)) queue.push(target);
    }
    if (!info.isModule) {
      for (const st of sf.statements) if (ts.isModuleDeclaration(st) && ts.isStringLiteral(st.name)) ambient.add(st.name.text);
    }
    for (const literal of moduleSpecifiers(ts, sf)) {
      const mode = ts.getModeForUsageLocation(sf, literal, options);
      const spec: Specifier = { start: literal.getStart(sf), end: literal.end, text: literal.text, mode, target: undefined };
      info.specifiers.push(spec);
      if (spec.text.startsWith("./") || spec.text.startsWith("../")) {
        spec.target = resolve(spec.text, file, mode);
        if (spec.target) queue.push(spec.target);
      } else {
        deferred.push({ spec, from: file });
      }
    }
  };

  // References and relative imports first, so every ambient module the packed scripts declare
  // is known before bare imports are looked up (`"buffer"` is node's, not an npm package's).
  while (queue.length > 0 || deferred.length > 0) {
    while (queue.length > 0) visit(queue.shift()!);
    for (const { spec, from } of deferred.splice(0)) {
      if (ambient.has(spec.text) || request.externalAmbient?.has(spec.text)) continue;
      spec.target = resolve(spec.text, from, spec.mode);
      if (!spec.target) continue;
      if (!bareNames.has(spec.target)) bareNames.set(spec.target, spec.text);
      queue.push(spec.target);
    }
  }

  const importedName = (file: string): string | undefined =>
    bareNames.get(file) ?? (file === request.entry && request.entryName ? request.entryName : undefined);
  const nameOf = (file: string): string => importedName(file) ?? pathName(file, request.entry);
  const moduleNames: string[] = [];
  const internalNames: string[] = [];
  const typeReferences = new Set<string>();
  const parts: { file: string; line: number }[] = [];
  const chunks: string[] = [];
  let line = 0;
  const append = (chunk: string) => {
    chunks.push(chunk);
    line += countLines(chunk);
  };
  for (const file of order) {
    const info = infos.get(file)!;
    for (const ref of info.typeReferences) if (!request.provides?.includes(ref)) typeReferences.add(ref);
  }
  for (const ref of typeReferences) append(`/// <reference types=${JSON.stringify(ref)} />\n`);
  for (const file of order) {
    const info = infos.get(file)!;
    const body = rewrite(info, (target) => (infos.get(target)?.isModule ? nameOf(target) : undefined));
    if (info.isModule) {
      const name = nameOf(file);
      moduleNames.push(name);
      if (importedName(file) === undefined) internalNames.push(name);
      append(`declare module ${JSON.stringify(name)} {\n`);
      parts.push({ file, line });
      append(body + "\n}\n");
    } else {
      parts.push({ file, line });
      append(body + "\n");
    }
  }
  const entryInfo = infos.get(request.entry);
  return {
    entry: request.entry,
    file: path.join(path.dirname(request.entry), "__tsorch_bundle.d.ts"),
    text: chunks.join(""),
    moduleNames,
    internalNames,
    ambientNames: [...ambient],
    entryName: entryInfo?.isModule ? nameOf(request.entry) : undefined,
    files: order.map((file) => {
      const stats = fs.statSync(file);
      return { file, size: stats.size, mtime: stats.mtimeMs };
    }),
    parts,
  };
}

/**
 * A file's text with packed modules' specifiers replaced by their names and its reference
 * directives blanked (they mean nothing inside the bundle; the bundle repeats the type
 * references at its top). Line breaks are kept, so lines map one to one.
 */
function rewrite(info: FileInfo, nameOf: (target: string) => string | undefined): string {
  let text = info.text;
  const edits = info.specifiers
    .map((s) => ({ start: s.start, end: s.end, text: s.text, name: s.target ? nameOf(s.target) : undefined }))
    .filter((s) => s.name !== undefined && s.name !== s.text)
    .sort((a, b) => b.start - a.start);
  for (const edit of edits) text = text.slice(0, edit.start) + JSON.stringify(edit.name) + text.slice(edit.end);
  return text.replace(/^\uFEFF/, "").replace(/^[ \t]*\/\/\/[ \t]*<(?:reference|amd-module|amd-dependency)\b[^\n]*/gm, "");
}

/** String literals that name modules: imports, exports, `import x = require()`, `import("…")` types, augmentations. */
function moduleSpecifiers(ts: TypeScript, sf: TS.SourceFile): TS.StringLiteral[] {
  const out: TS.StringLiteral[] = [];
  const add = (node: TS.Node | undefined) => {
    if (node && ts.isStringLiteral(node)) out.push(node);
  };
  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name) && ts.isExternalModule(sf)) add(node.name);
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return out;
}

function isDeclarationFile(file: string): boolean {
  return /\.d\.[cm]?ts$/.test(file);
}

/** `<package name>/<path in the package>` with the declaration extension turned into the runtime one. */
function pathName(file: string, entry: string): string {
  const js = (p: string) => p.split(path.sep).join("/").replace(/\.d\.(m|c)?ts$/, (_m, k: string | undefined) => `.${k ?? ""}js`);
  const found = nearestPackage(file);
  if (found) return `${found.name}/${js(path.relative(found.dir, file))}`;
  return `tsorch-types/${js(path.relative(path.dirname(entry), file))}`;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function cacheKey(ts: TypeScript, request: BundleRequest): string {
  const material = JSON.stringify({
    format: FORMAT,
    ts: ts.version,
    entry: request.entry,
    entryName: request.entryName ?? null,
    provides: request.provides ?? [],
    external: [...(request.externalAmbient ?? [])].sort(),
    options: request.compilerOptions,
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 32);
}

/** One directory per user: a bundle read from the cache decides what cells type-check against. */
function defaultCacheDir(): string {
  return path.join(os.tmpdir(), `tsorch-declaration-bundles-${process.getuid?.() ?? "user"}`);
}

function readCached(file: string): DeclarationBundle | undefined {
  try {
    const bundle = JSON.parse(fs.readFileSync(file, "utf8")) as DeclarationBundle;
    return typeof bundle.text === "string" && typeof bundle.entry === "string" && Array.isArray(bundle.files) ? bundle : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name first, so a concurrent reader never sees half a file. */
function writeCached(file: string, bundle: DeclarationBundle): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(bundle));
    fs.renameSync(temporary, file);
    prune(path.dirname(file));
  } catch {
    // A cache that cannot be written only costs the next process the packing.
  }
}

/** Marks a cached bundle as used (pruning goes by modification time). */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // Not ours to touch, or gone: nothing lost.
  }
}

/** Removes bundles unused for two weeks, and the least recently used beyond the first 64. */
function prune(dir: string): void {
  const entries = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      const file = path.join(dir, name);
      return { file, mtime: fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
    })
    .sort((a, b) => b.mtime - a.mtime);
  const now = Date.now();
  entries.forEach((entry, i) => {
    if (i >= CACHE_MAX_ENTRIES || now - entry.mtime > CACHE_MAX_AGE_MS) fs.rmSync(entry.file, { force: true });
  });
}
