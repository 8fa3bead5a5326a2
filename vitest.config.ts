import { defineConfig } from "vitest/config";

/** Suites that test the kernel, the CLI, notebooks and rendering rather than numbers: run once. */
const endToEnd = [
  "test/kernel-*.test.ts", "test/notebooks-*.test.ts", "test/repl-*.test.ts", "test/run-*.test.ts",
  "test/browser-*.test.ts", "test/eval-*.test.ts", "test/render-*.test.ts", "test/plot-*.test.ts",
  "test/progress-*.test.ts", "test/widgets-*.test.ts",
];

export default defineConfig({
  test: {
    // End-to-end suites start real Jupyter processes; unit suites finish in milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      // Everything on the default backend (wasm where the engine has WebAssembly SIMD).
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      // The numeric suites (parity fixtures, autograd, nn, optim) again on the TypeScript reference kernels.
      {
        extends: true,
        test: { name: "ts", include: ["test/**/*.test.ts"], exclude: endToEnd, env: { TSORCH_BACKEND: "ts" } },
      },
    ],
  },
});
