/**
 * The REPL's second thread: it stops input that spins where Ctrl+C cannot reach it.
 *
 * Ctrl+C while input runs sends SIGINT to the terminal's foreground process group. The REPL's
 * own process handles it when it can: `breakOnSigint` stops synchronous code, and a pending
 * `await` is abandoned by a signal listener. Code that spins after an `await` keeps the main
 * thread from ever running that listener. So a tiny watcher process, started here in the same
 * process group, gets the same SIGINT and tells this thread, which does what the kernel's I/O
 * thread does: raise SIGINT again (for code that has since entered `vm`), and if the main
 * thread still has not answered, stop its current execution through the inspector
 * (`Runtime.terminateExecution`, made survivable by `termination.ts`).
 *
 * The shared slots are described in `interrupt-watch.ts`, which starts this thread.
 */
import { spawn } from "node:child_process";
import { parentPort, workerData } from "node:worker_threads";
import { MainThreadStopper } from "../main-thread-stop.js";
import { ReplSlot } from "./interrupt-slots.js";

const shared = new Int32Array((workerData as { shared: SharedArrayBuffer }).shared);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Says "r" once it listens, then "i" for every SIGINT; ends when the REPL (its stdin's writer) is gone. */
const WATCHER = `process.on("SIGINT", () => process.stdout.write("i"));
process.stdin.on("end", () => process.exit(0)).on("error", () => process.exit(0)).resume();
process.stdout.write("r");`;
/** A watcher killed by something else is replaced, a few times at most. */
const RESPAWNS = 3;

/** How long the main thread gets to answer a Ctrl+C itself before this thread steps in. */
const ANSWER_MS = 300;
/** How long kernel work (compiling the input) may hold off a termination. */
const PROTECTED_MS = 5000;

const stopper = new MainThreadStopper();
let watching = false;

/** Waits until `done()` holds, checking often, for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
}

function answered(): boolean {
  return Atomics.load(shared, ReplSlot.RUNNING) === 0 || Atomics.load(shared, ReplSlot.PENDING) === 0;
}

/** One Ctrl+C seen by the watcher: make sure the running input stops. */
async function onCtrlC(): Promise<void> {
  if (Atomics.load(shared, ReplSlot.RUNNING) === 0 || watching) return;
  Atomics.store(shared, ReplSlot.PENDING, 1);
  watching = true;
  try {
    const started = Date.now();
    await sleep(ANSWER_MS);
    for (let attempt = 0; attempt < 5 && !answered(); attempt++) {
      while (Atomics.load(shared, ReplSlot.PROTECTED) > 0 && Date.now() - started < PROTECTED_MS && !answered()) await sleep(50);
      if (answered()) return;
      // The input may have moved into synchronous code, where a signal is enough.
      process.kill(process.pid, "SIGINT");
      await sleep(100);
      if (answered()) return;
      terminate();
      await until(answered, 500);
    }
  } finally {
    watching = false;
    // A connected session would make Node print "Waiting for the debugger to disconnect..." on exit.
    stopper.disconnect();
  }
}

function terminate(): void {
  if (Atomics.load(shared, ReplSlot.RUNNING) === 0) return;
  stopper.stop();
  // The stopped code may have been the input's synchronous part, which no SIGINT listener ends.
  parentPort?.postMessage("terminated");
}

function startWatcher(respawns: number): void {
  // NODE_OPTIONS (an --inspect, a --require) is meant for the REPL, not for this helper.
  const watcher = spawn(process.execPath, ["-e", WATCHER], { stdio: ["pipe", "pipe", "ignore"], env: { ...process.env, NODE_OPTIONS: "" } });
  watcher.on("error", () => Atomics.store(shared, ReplSlot.WATCHING, 0));
  watcher.on("exit", () => {
    Atomics.store(shared, ReplSlot.WATCHING, 0);
    if (respawns > 0) setTimeout(() => startWatcher(respawns - 1), 200);
  });
  watcher.stdout.setEncoding("utf8");
  watcher.stdout.on("data", (chunk: string) => {
    if (chunk.includes("r")) Atomics.store(shared, ReplSlot.WATCHING, 1);
    if (chunk.includes("i")) void onCtrlC();
  });
}

startWatcher(RESPAWNS);
