/**
 * `npm run build`, second step: bundles the compiled CLI (dist/kernel/cli.js and everything it
 * imports from dist/) into dist/kernel/cli.bundle.js plus chunks beside it, and the threads it
 * starts (the kernel's I/O thread, the REPL's interrupt thread) into *.bundle.js files beside it.
 *
 * Node spends ~1 ms per ES module resolving, reading and linking it; the kernel and runtime are
 * ~300 modules, which was most of the time from start to the first cell's result. One bundle
 * loads in a fraction of that. The kernelspec, `npx tsorch` and the tests start the bundle
 * (see `cliPath` in kernel/paths.ts); dist/kernel/cli.js stays runnable on its own.
 *
 * - Code splitting keeps the dynamic imports lazy: the runtime (`../src/index.js`), the
 *   evaluator and the commands load as their own chunks when first needed, so kernel_info is
 *   answered before they are read. Chunks sit in dist/kernel/ so that `new URL("./worker.js",
 *   import.meta.url)` and the other paths relative to a module still name the same files.
 * - Packages (typescript, zeromq, ws, ...) stay external and load from node_modules.
 * - The source map points at the compiled files in dist/ (their own TypeScript maps are not
 *   folded in), so a traceback frame inside the bundle maps back to the dist/src file and line
 *   the unbundled runtime would have reported (see kernel/eval/bundle-frames.ts).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "kernel");

/** Reads dist/**\/*.js without its `//# sourceMappingURL` line (see above). */
const withoutInputMaps = {
  name: "without-input-maps",
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"),
      loader: "js",
    }));
  },
};

const started = Date.now();
// The previous build's chunks (their names carry content hashes, so they would pile up); a bundle
// that cannot be rebuilt must not stay behind either, older than the files it was made from.
for (const name of readdirSync(out)) if (/^(cli|worker|interrupt-thread)\.bundle/.test(name)) rmSync(join(out, name));
let build;
try {
  ({ build } = await import("esbuild"));
} catch {
  // A checkout whose node_modules predate the devDependency: dist/kernel/cli.js still runs (slower to start).
  console.warn("esbuild is not installed (run `npm install`): dist/kernel/cli.bundle.js not built; tsorch runs from dist/kernel/cli.js");
  process.exit(0);
}
await build({
  // The kernel's I/O thread and the REPL's interrupt thread run in threads of their own: entries of their own.
  entryPoints: {
    "cli.bundle": join(out, "cli.js"),
    "worker.bundle": join(out, "worker.js"),
    "interrupt-thread.bundle": join(out, "repl", "interrupt-thread.js"),
  },
  define: { TSORCH_BUNDLE: "true" },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  chunkNames: "cli.bundle-[hash]",
  sourcemap: "linked",
  // Class and function names appear in tracebacks, reprs and errors (`Linear.forward`).
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [withoutInputMaps],
});
console.log(`bundled dist/kernel/cli.bundle.js in ${Date.now() - started} ms`);
