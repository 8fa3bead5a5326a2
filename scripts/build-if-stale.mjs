/**
 * `npm run prepare`: builds dist/ unless it is already current. npm runs `prepare` on every
 * install of the package from its own directory, and `npx tsorch …` in a fresh clone installs it
 * that way again; a full TypeScript build there would cost 20 s behind a spinner for nothing.
 *
 * dist/ is current when every .ts file under the compiled directories has its .js beside it in
 * dist/ that is at least as new, tsconfig.json is older than the oldest of them, and the bundled
 * CLI (scripts/bundle.mjs) is at least as new as all of them.
 * `npm run build` always builds.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = ["src", "kernel", "bench"];

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(full);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield full;
  }
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
function staleReason() {
  const config = mtime(join(root, "tsconfig.json")) ?? Infinity;
  const bundle = mtime(join(root, "dist", "kernel", "cli.bundle.js"));
  if (bundle === undefined) return "dist/kernel/cli.bundle.js is missing";
  for (const dir of SOURCES) {
    for (const file of tsFiles(join(root, dir))) {
      const out = join(root, "dist", relative(root, file)).replace(/\.ts$/, ".js");
      const built = mtime(out);
      if (built === undefined) return `${relative(root, out)} is missing`;
      if (built < (mtime(file) ?? Infinity)) return `${relative(root, file)} changed`;
      if (built < config) return "tsconfig.json changed";
      if (bundle < built) return `dist/kernel/cli.bundle.js is older than ${relative(root, out)}`;
    }
  }
  return undefined;
}

const reason = staleReason();
if (reason === undefined) {
  console.log("dist/ is current; not rebuilding (npm run build forces a build)");
} else {
  console.log(`building dist/ (${reason})`);
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}
