/**
 * A real `jupyter server` for the remote-run benchmark and tests: on a free localhost port, with
 * a random token, in its own process group, serving `sandbox.dir` with `sandbox.env` (where the
 * tsorch kernelspec is installed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";

/** Debian's jupyter command (the python3 first on PATH may be another interpreter). */
export const JUPYTER = "/usr/bin/jupyter";

export interface JupyterServer {
  /** The base URL, "http://127.0.0.1:PORT/". */
  url: string;
  token: string;
  process: ChildProcess;
  /** Everything the server wrote. */
  log(): string;
  /** Ends the server and every kernel it started (its process group). */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `jupyter server` on a free localhost port with a random token, in its own process
 * group (so kernels it leaves behind go with it), and waits until its API answers.
 */
export async function startJupyterServer(sandbox: { dir: string; env: NodeJS.ProcessEnv }, port: number): Promise<JupyterServer> {
  const token = randomUUID();
  const server = spawn(
    JUPYTER,
    ["server", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--ServerApp.token=${token}`, `--ServerApp.root_dir=${sandbox.dir}`, "--ServerApp.port_retries=0", ...(process.getuid?.() === 0 ? ["--allow-root"] : [])],
    { env: sandbox.env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  server.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`jupyter server exited:\n${log}`);
    try {
      const response = await fetch(`${url}api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`jupyter server did not start:\n${log}`);
    await sleep(250);
  }
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-server.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    url,
    token,
    process: server,
    log: () => log,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await Promise.race([exited, sleep(10_000)]);
      }
      group("SIGKILL");
    },
  };
}
