/**
 * Soak: 1,000 cells through one kernel, of the kinds a notebook session is made of (names
 * redefined, tensors made and dropped, prints, results, displays, errors), measuring the heap the
 * kernel keeps per cell after garbage collection. It must stay under 64 KB: what a cell leaves
 * behind is its history entry and its declarations, not its outputs, errors or temporaries.
 *
 * Needs `npm run build` first (the test script does it).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchKernel, type LaunchedKernel } from "../kernel/client.js";
import type { Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const CELLS = 1000;
const WARM_UP = 60;
const MAX_KEPT_PER_CELL = 64 * 1024;

/** The i-th cell of the session: a rotation of everyday cells. */
function cell(i: number): string {
  switch (i % 10) {
    case 0:
      return `const x${i % 7} = torch.ones([8, 8]).mul(${i}); x${i % 7}.sum().item()`;
    case 1:
      return `let acc = 0; for (let k = 0; k < 1000; k++) acc += k; acc`;
    case 2:
      return `console.log("step", ${i}, [1, 2, 3].map((v) => v * ${i}))`;
    case 3:
      return `const t = torch.randn([4, 16]); const y = F.relu(t); y.shape`;
    case 4:
      return `display.html("<b>cell ${i}</b>")`;
    case 5:
      return `throw new Error("expected failure ${i}")`;
    case 6:
      return `function f${i % 5}(a: number) { return a * 2; } f${i % 5}(${i})`;
    case 7:
      return `torch.zeros([2, 3]).add(torch.ones([3, 2]))`; // a shape error with its explanation
    case 8:
      return `const big = new Float32Array(100_000).fill(${i}); big.length`;
    default:
      return `({ cell: ${i}, nested: { list: [${i}, ${i + 1}] } })`;
  }
}

describe("soak", () => {
  let kernel: LaunchedKernel;
  const historyDir = mkdtempSync(join(tmpdir(), "tsorch-soak-"));

  beforeAll(async () => {
    kernel = await launchKernel({
      env: { TSORCH_HISTORY: join(historyDir, "history.jsonl") },
      argv: [process.execPath, "--expose-gc", cliPath(), "kernel", "--connection-file", "{connection_file}"],
    });
  });

  afterAll(async () => {
    await kernel?.stop();
    rmSync(historyDir, { recursive: true, force: true });
  });

  /** Heap used after a full collection, measured inside the kernel (a silent cell: no history, no count). */
  async function heapUsed(): Promise<number> {
    const { outputs } = await kernel.client.execute("gc!(); gc!(); process.memoryUsage().heapUsed", { silent: false, store_history: false });
    const text = (outputs.find((m: Message) => m.header.msg_type === "execute_result")?.content.data as Record<string, string> | undefined)?.["text/plain"];
    return Number(text?.replace(/[_,]/g, ""));
  }

  it(`runs ${CELLS} cells keeping under ${MAX_KEPT_PER_CELL / 1024} KB of heap per cell`, async () => {
    const statuses = { ok: 0, error: 0 };
    const run = async (i: number) => {
      const { reply } = await kernel.client.execute(cell(i), { stop_on_error: false });
      statuses[reply.content.status === "ok" ? "ok" : "error"] += 1;
      return reply;
    };
    for (let i = 0; i < WARM_UP; i++) await run(i);
    const before = await heapUsed();
    expect(before).toBeGreaterThan(0);
    const started = performance.now();
    let last: Message | undefined;
    for (let i = WARM_UP; i < WARM_UP + CELLS; i++) last = await run(i);
    const ms = performance.now() - started;
    const after = await heapUsed();
    const perCell = (after - before) / CELLS;
    expect(last?.content.execution_count).toBe(WARM_UP + CELLS);
    // Every fifth and eighth cell of ten fails on purpose; the others succeed.
    expect(statuses.error).toBe((WARM_UP + CELLS) / 5);
    const hb = await kernel.client.heartbeat();
    console.log(
      `soak: ${CELLS} cells in ${(ms / 1000).toFixed(1)} s (${(ms / CELLS).toFixed(1)} ms per cell), ${statuses.error} failed on purpose; ` +
        `heap after GC ${(before / 2 ** 20).toFixed(1)} MB -> ${(after / 2 ** 20).toFixed(1)} MB, ${(perCell / 1024).toFixed(1)} KB kept per cell (limit ${MAX_KEPT_PER_CELL / 1024} KB); heartbeat ${hb.toFixed(1)} ms`,
    );
    expect(perCell).toBeLessThan(MAX_KEPT_PER_CELL);
  }, 600_000); // about 20 s on an idle machine; far longer when the machine is shared
});
