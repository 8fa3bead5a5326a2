/**
 * `npm run bench`: every benchmark of the project, each in its own Node
 * process (so one workload's JIT state and heap do not colour the next),
 * with PyTorch measured in the same run where it is installed. Figures are
 * medians; the ratios are what to compare across machines.
 *
 *     npm run bench             # everything
 *     npm run bench -- runtime  # only the named parts
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The parts, in the order they run, with the arguments that keep the whole run to a few minutes. */
const PARTS: { name: string; file: string; args: string[]; what: string }[] = [
  { name: "runtime", file: "runtime.js", args: [], what: "LeNet forward b1/b64, conv and matmul GFLOP/s, heap after 10,000 forwards" },
  { name: "train", file: "train.js", args: [], what: "one LeNet training step at batch 64" },
  { name: "vision", file: "vision.js", args: ["--quick"], what: "ResNet-18, MobileNetV2, SqueezeNet and AlexNet forwards at 224x224" },
  { name: "trace", file: "trace.js", args: [], what: "tracing overhead, shape-only trace, heatmap" },
  { name: "render", file: "render.js", args: [], what: "feature-map heatmap rendering" },
  { name: "kernels", file: "kernels.js", args: ["--quick"], what: "the CPU compute kernels one by one" },
  { name: "eval", file: "eval.js", args: [], what: "cell evaluation and completion" },
  { name: "kernel", file: "kernel.js", args: ["--quick"], what: "the Jupyter kernel: start-up, round trip, completion, heartbeat" },
  { name: "run", file: "run-notebooks.js", args: ["--quick"], what: "tsorch run: the tutorial locally and on a jupyter server, 8 notebooks at --jobs 1 and 4" },
];

const wanted = process.argv.slice(2);
let failed = 0;
for (const part of PARTS) {
  if (wanted.length > 0 && !wanted.includes(part.name)) continue;
  const file = join(here, part.file);
  console.log(`\n### ${part.name}: ${part.what}`);
  if (!existsSync(file)) {
    console.log(`(not built: ${file})`);
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, ["--expose-gc", file, ...part.args], { stdio: "inherit" });
  if (r.status !== 0) {
    console.log(`(${part.name} exited with ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
