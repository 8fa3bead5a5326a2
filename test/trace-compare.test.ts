/**
 * Two traces side by side: LeNet on 32×32 against 64×64, the differing rows
 * marked, the failing row, the rows the failing run never reached.
 */
import { describe, expect, test } from "vitest";
import { inspect } from "node:util";
import { compareTraces, trace } from "../src/index.js";
import { Net, stridedCnn } from "./trace-nets.js";
import { markup } from "./html-markup.js";

describe("compareTraces", () => {
  test("LeNet 32×32 against 64×64", () => {
    const net = new Net();
    const c = compareTraces(trace(net, [1, 1, 32, 32]), trace(net, [1, 1, 64, 64]));
    expect(c.rows.length).toBe(13);
    expect(c.rows.map((r) => r.status)).toEqual([
      "same", "differs", "differs", "differs", "differs", "differs", "differs", "differs", "failed", "missing", "missing", "missing", "missing",
    ]);
    expect(c.differing.map((r) => r.label)).toEqual([
      "Conv2d (conv1)", "Net.forward › F.relu", "Net.forward › F.max_pool2d", "Conv2d (conv2)", "Net.forward › F.relu",
      "Net.forward › F.max_pool2d", "Net.forward › view",
    ]);
    expect(c.failure!.label).toBe("Linear (fc1)");
    const text = c.toText();
    expect(text.split("\n")[0]).toBe("Net: [1, 1, 32, 32] vs [1, 1, 64, 64]");
    expect(text).toMatch(/├─Conv2d \(conv1\) +1, 6, 5 +\[1, 6, 28, 28\] +\[1, 6, 60, 60\] +≠/);
    expect(text).toMatch(/├─Net\.forward › view +-1, 400 +\[1, 400\] +\[1, 2704\] +≠/);
    expect(text).toMatch(/├─Linear \(fc1\) +400, 120 +\[1, 120\] +✗ failed +✗/);
    expect(text).toMatch(/├─Linear \(fc2\) +120, 84 +\[1, 84\] +— \(not reached\) +·/);
    expect(text).toContain("7 row(s) differ; Linear (fc1) failed in the second trace");
    const html = markup(c.toHtml());
    expect(html).toContain('<tr class="error"><td><code>├─Linear (fc1)</code></td>');
    expect(html.match(/<tr class="warn">/g)!.length).toBe(7);
    expect(inspect(c, { colors: true })).toContain("\x1b[33m├─Conv2d (conv1)");
    expect(inspect(c)).toBe(text);
    // 35×35 also works: the shapes meet again at the second pooling (5×5), and nothing fails.
    const d = trace(net, [1, 1, 32, 32]).compare(trace(net, [1, 1, 35, 35]));
    expect(d.differing.map((r) => r.label)).toEqual(["Conv2d (conv1)", "Net.forward › F.relu", "Net.forward › F.max_pool2d", "Conv2d (conv2)", "Net.forward › F.relu"]);
    expect(d.failure).toBeUndefined();
    expect(d.toText()).toContain("5 row(s) differ");
  });

  test("the failure can be on either side; batch sizes compare too", () => {
    const net = stridedCnn();
    const c = trace(net, [1, 3, 64, 64]).compare(trace(net, [4, 3, 32, 32]));
    expect(c.failure!.label).toBe("Linear (5)");
    expect(c.toText()).toContain("Linear (5) failed in the first trace");
    expect(c.rows[0]!.status).toBe("same");
    expect(c.rows.filter((r) => r.status === "differs").length).toBe(5);
  });
});
