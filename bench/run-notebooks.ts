/**
 * `tsorch run` end to end (`node dist/bench/run-notebooks.js`), as a user times it: wall clock
 * of the whole command, kernel start-up included.
 *
 * - the LeNet tutorial run locally (kernel over ZeroMQ) and on a Jupyter Server (kernel started
 *   by the server, messages over its websocket through @jupyterlab/services): the remote run's
 *   overhead, as a ratio and in seconds;
 * - eight small notebooks at `--jobs 1` and at `--jobs 4`, locally and on the server: the
 *   speed-up from running them side by side (kernel start-up and TypeScript loading overlap;
 *   on a 2-core machine the compute does not).
 *
 * Medians over repeats (`--quick`: one repeat, and --jobs compared locally only). Needs Debian's jupyter-server for the remote
 * figures; without it they are reported as missing, and the local ones still run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelSpec } from "../kernel/kernelspec.js";
import { cliPath, packageRoot } from "../kernel/paths.js";
import { JUPYTER, startJupyterServer, type JupyterServer } from "./jupyter-server.js";

const quick = process.argv.includes("--quick");
const repeats = quick ? 1 : 3;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Wall time of `tsorch run …args` in ms; throws when it fails. */
function timeRun(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cliPath(), "run", ...args, "--no-source", "--color", "never"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`tsorch run ${args.join(" ")} exited ${code}:\n${output.slice(-2000)}`))));
  });
}

async function median(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await timeRun(args, env));
  samples.sort((a, b) => a - b);
  const m = samples[Math.floor(samples.length / 2)]!;
  console.log(`${label.padEnd(44)} ${(m / 1000).toFixed(2).padStart(7)} s  (n=${samples.length}, min ${(samples[0]! / 1000).toFixed(2)} s)`);
  return m;
}

/** A small notebook: a LeNet forward on a batch, its summary and a short training loop. */
function smallNotebook(path: string, seed: number): void {
  const cells = [
    `torch.manual_seed(${seed});\nconst net = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 10));`,
    "const x = torch.randn(16, 1, 32, 32); net(x).shape",
    "const opt = new optim.SGD(net.parameters(), { lr: 0.01 });\nconst y = torch.randint(0, 10, [16]);\nlet loss = 0;\nfor (let i = 0; i < 20; i++) { opt.zero_grad(); const l = F.cross_entropy(net(x), y); l.backward(); opt.step(); loss = l.item(); }\nloss.toFixed(4)",
  ];
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })) };
  writeFileSync(path, JSON.stringify(nb));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tsorch-bench-run-"));
  const env: NodeJS.ProcessEnv = { TSORCH_LOG: "warn", TSORCH_HISTORY: join(dir, "history.jsonl"), JUPYTER_TOKEN: "" };
  const tutorial = join(packageRoot(), "notebooks", "lenet-input-shape.ipynb");
  const small = Array.from({ length: 8 }, (_, k) => join(dir, `small-${k + 1}.ipynb`));
  small.forEach((path, k) => smallNotebook(path, k));

  let server: JupyterServer | undefined;
  if (existsSync(JUPYTER)) {
    // A private Jupyter environment where tsorch is the installed kernelspec.
    installKernelSpec({ scope: { kind: "prefix", dir } });
    const jupyterEnv = { ...process.env, ...env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config"), JUPYTER_PLATFORM_DIRS: "1" };
    server = await startJupyterServer({ dir, env: jupyterEnv }, await freePort());
  } else console.log(`(no ${JUPYTER}: remote figures missing; apt install jupyter-server)`);
  const remote = server ? ["--server", server.url, "--token", server.token] : [];

  try {
    console.log(`tsorch run benchmark (${quick ? "quick" : "full"}), Node ${process.version}`);
    const local = await median("tutorial, local kernel", [tutorial], env);
    if (server) {
      const far = await median("tutorial, kernel on jupyter server", [tutorial, ...remote], env);
      console.log(`remote overhead: ${(far / local).toFixed(2)}× the local run (${((far - local) / 1000).toFixed(2)} s more)`);
    }
    // --quick (what `npm run bench` runs) compares --jobs locally only: each notebook pays a kernel start.
    for (const where of server && !quick ? ["local", "server"] : ["local"]) {
      const extra = where === "server" ? remote : [];
      const one = await median(`8 notebooks --jobs 1, ${where}`, [...small, "--jobs", "1", ...extra], env);
      const four = await median(`8 notebooks --jobs 4, ${where}`, [...small, "--jobs", "4", ...extra], env);
      console.log(`--jobs 4 against --jobs 1, ${where}: ${(one / four).toFixed(2)}× faster`);
    }
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
