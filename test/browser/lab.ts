/**
 * JupyterLab 4 (or Notebook 7) in headless Chromium, for the suites that look at tsorch the way a
 * person does: a real `jupyter lab` from the virtual environment `.ci/run` makes (`.venv-jupyter`,
 * or `$TSORCH_LAB_VENV`), with tsorch as its installed kernel, driven by playwright-core.
 *
 * The server runs in a throwaway Jupyter sandbox (its own config, data and runtime folders), on a
 * free localhost port, with a random token, and with the app exposed as `window.jupyterapp` so
 * tests can run commands the way the menus do. A missing piece fails with what to install.
 *
 * @example
 * const lab = await startLab({ root: dir });
 * await lab.open("lenet-input-shape.ipynb");
 * await lab.runAll();
 * await lab.screenshot("lenet-light");
 * await lab.stop();
 */
/// <reference lib="dom" />
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "playwright-core";
import { packageRoot } from "../../kernel/paths.js";
import { jupyterSandbox, type JupyterSandbox } from "../jupyter/environment.js";
import { requireBuild } from "../run-support.js";

export const CHROMIUM = "/usr/bin/chromium";
/** Chromium flags that work on this machine's closed network (no background connections). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where screenshots go; CI keeps the folder as an artifact. */
export const LAB_SCREENSHOTS = join(packageRoot(), "test-output", "browser-lab");

const INSTALL_HINT =
  "python3 -m venv .venv-jupyter && .venv-jupyter/bin/pip install --retries 0 --timeout 2 jupyterlab==4.6.4 notebook ipywidgets";

/** The virtual environment holding JupyterLab, Notebook 7 and ipywidgets. */
export function labVenv(): string {
  return resolve(process.env.TSORCH_LAB_VENV ?? join(packageRoot(), ".venv-jupyter"));
}

/**
 * Throws a clear error unless the build, Chromium and the JupyterLab environment are there;
 * returns the `jupyter` executable.
 */
export function requireLab(): string {
  requireBuild();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt install chromium)`);
  const jupyter = join(labVenv(), "bin", "jupyter");
  if (!existsSync(jupyter)) throw new Error(`${jupyter} is missing: the JupyterLab tests need a virtual environment (${INSTALL_HINT})`);
  const probe = spawnSync(join(labVenv(), "bin", "python"), ["-c", "import jupyterlab, notebook, ipywidgets; print(jupyterlab.__version__)"], {
    encoding: "utf8",
  });
  if (probe.status !== 0) throw new Error(`${labVenv()} lacks JupyterLab, Notebook or ipywidgets (${INSTALL_HINT}):\n${probe.stderr}`);
  return jupyter;
}

export interface LabOptions {
  /** The folder the server serves (notebooks are opened relative to it). Default: a new temporary folder. */
  root?: string;
  /** JupyterLab (default) or Notebook 7's single-document UI. */
  app?: "lab" | "notebook";
  viewport?: { width: number; height: number };
  /** Extra environment for the server and so for the kernels it starts. */
  env?: NodeJS.ProcessEnv;
}

export interface Lab {
  /** Base URL of the server, without token. */
  url: string;
  token: string;
  root: string;
  page: Page;
  context: BrowserContext;
  sandbox: JupyterSandbox;
  /** Opens a notebook (path relative to root) and waits until its kernel is idle. */
  open(path: string, timeoutMs?: number): Promise<void>;
  /** Runs a JupyterLab command, as a menu item or shortcut would. */
  command(id: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Runs every cell of the current notebook and waits until the kernel is idle again. */
  runAll(timeoutMs?: number): Promise<void>;
  /** Waits until the current notebook's kernel reports idle (and its queue is empty). */
  waitIdle(timeoutMs?: number): Promise<void>;
  /** The current notebook's kernel status as JupyterLab sees it ("idle", "busy", "starting", ...). */
  kernelStatus(): Promise<string>;
  setTheme(theme: "light" | "dark"): Promise<void>;
  /** Saves a full-page screenshot as test-output/browser-lab/NAME.png; returns the path. */
  screenshot(name: string): Promise<string>;
  /** What the server printed so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForServer(url: string, token: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter exited with ${child.exitCode} before serving:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`jupyter did not answer ${url}/api/status within ${timeoutMs} ms:\n${output()}`);
}

/** The page-side view of the app that `--expose-app-in-browser` gives. */
interface ExposedApp {
  commands: { execute(id: string, args?: unknown): Promise<unknown> };
  shell: { currentWidget: unknown };
  restored: Promise<void>;
}

/** Starts a Jupyter server with tsorch installed and opens Chromium on it. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const jupyter = requireLab();
  const playwright = await import("playwright-core");
  const sandbox = jupyterSandbox();
  const root = options.root ?? join(sandbox.dir, "root");
  mkdirSync(root, { recursive: true });
  const app = options.app ?? "lab";
  // No news, no update checks: nothing reaches out of the machine, and no pop-up covers the page.
  const labConfig = join(sandbox.env.JUPYTER_CONFIG_DIR!, "labconfig");
  mkdirSync(labConfig, { recursive: true });
  writeFileSync(
    join(labConfig, "page_config.json"),
    JSON.stringify({ disabledExtensions: { "@jupyterlab/apputils-extension:announcements": true } }),
  );
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(
    jupyter,
    [
      app,
      "--no-browser",
      // CI runs as root.
      "--allow-root",
      `--ServerApp.ip=127.0.0.1`,
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      "--expose-app-in-browser",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      "--LabApp.news_url=",
    ].filter((a) => app === "lab" || !a.startsWith("--LabApp.")),
    { cwd: root, env: { ...sandbox.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const stopServer = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    sandbox.remove();
  };
  try {
    await waitForServer(url, token, child, () => output, 60_000);
  } catch (err) {
    await stopServer();
    throw err;
  }
  const context = await playwright.chromium.launchPersistentContext(join(sandbox.dir, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const base = app === "lab" ? `${url}/lab` : `${url}/tree`;
  await page.goto(`${base}?token=${token}`);

  const appReady = async () => {
    await page.waitForFunction(() => Boolean((window as unknown as { jupyterapp?: ExposedApp }).jupyterapp), undefined, { timeout: 60_000 });
    // The app object exists before its plugins are activated; `restored` settles once they are.
    await page.evaluate(() => (window as unknown as { jupyterapp: ExposedApp }).jupyterapp.restored.then(() => null));
  };
  const kernelStatus = () =>
    page.evaluate(() => {
      const widget = (window as unknown as { jupyterapp?: ExposedApp }).jupyterapp?.shell.currentWidget as
        | { sessionContext?: { session?: { kernel?: { status: string } | null } | null; isReady?: boolean } }
        | undefined;
      return widget?.sessionContext?.session?.kernel?.status ?? "none";
    });
  const waitIdle = async (timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    let idleSince = 0;
    while (Date.now() < deadline) {
      last = await kernelStatus();
      // Idle seen twice 150 ms apart: a queued execute_request flips it back to busy in between.
      if (last === "idle") {
        if (idleSince && Date.now() - idleSince >= 150) return;
        idleSince ||= Date.now();
      } else idleSince = 0;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the kernel stayed "${last}" for ${timeoutMs} ms\nserver log:\n${output.slice(-4000)}`);
  };
  const command = async (id: string, args?: Record<string, unknown>) => {
    await appReady();
    return page.evaluate(
      ([id, args]) => (window as unknown as { jupyterapp: ExposedApp }).jupyterapp.commands.execute(id as string, args).then(() => null),
      [id, args ?? {}] as const,
    );
  };

  const lab: Lab = {
    url,
    token,
    root,
    page,
    context,
    sandbox,
    async open(path, timeoutMs = 120_000) {
      if (app === "lab") {
        await appReady();
        await command("docmanager:open", { path, factory: "Notebook" });
      } else {
        await page.goto(`${url}/notebooks/${encodeURI(path)}?token=${token}`);
        await appReady();
      }
      await page.locator(".jp-Notebook").first().waitFor({ timeout: timeoutMs });
      await waitIdle(timeoutMs);
    },
    command,
    async runAll(timeoutMs = 120_000) {
      await appReady();
      await command("notebook:run-all-cells");
      await waitIdle(timeoutMs);
    },
    waitIdle,
    kernelStatus,
    async setTheme(theme) {
      await appReady();
      if (app === "notebook") throw new Error("setTheme: Notebook 7 follows JupyterLab's theme setting; use app: \"lab\"");
      await command("apputils:change-theme", { theme: theme === "dark" ? "JupyterLab Dark" : "JupyterLab Light" });
      await page.waitForFunction((dark) => document.body.dataset.jpThemeLight === (dark ? "false" : "true"), theme === "dark", {
        timeout: 30_000,
      });
    },
    async screenshot(name) {
      mkdirSync(LAB_SCREENSHOTS, { recursive: true });
      const path = join(LAB_SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    log: () => output,
    async stop() {
      await context.close().catch(() => undefined);
      await stopServer();
    },
  };
  return lab;
}
