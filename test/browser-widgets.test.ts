/**
 * Widgets from TypeScript cells in JupyterLab 4.6 with ipywidgets 8, in Chromium: the views
 * render, a Button click and a slider drag reach kernel code and come back, interact re-runs into
 * its Output, and the shape explorer's H slider dragged from 32 to 64 and back updates the trace
 * and the explanation (fc1 fails at 64, works at 32) within 200 ms of the move.
 */
/// <reference lib="dom" />
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./browser/lab.js";
import { tempDir } from "./run-support.js";

const root = tempDir("tsorch-lab-widgets-");

const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
writeFileSync(
  join(root, "widgets.ipynb"),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsorch", display_name: "TypeScript (tsorch)", language: "typescript" } },
    cells: [
      code(`class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = torch.flatten(x, 1);
    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(x)))));
  }
}
const net = new Net();`),
      code("const ex = explore(net, [1, 1, 32, 32]); ex"),
      code(`const clicks = new widgets.Label({ value: "no clicks" });
const button = new widgets.Button({ description: "count", button_style: "primary" });
let n = 0;
button.onClick(() => (clicks.value = \`\${++n} click\${n === 1 ? "" : "s"}\`));
new widgets.HBox([button, clicks])`),
      code(`const probe = new widgets.IntSlider({ description: "probe" });
const echo = new widgets.Label({ value: "echo 0" });
probe.onChange((v) => (echo.value = \`echo \${v}\`));
new widgets.HBox([probe, echo])`),
      code(`widgets.interact(({ size, act }) => \`\${act} on \${size}×\${size}\`, { size: [16, 64, 16], act: ["relu", "tanh"] });`),
    ],
  }),
);

/** The explorer's parts in the page: its H slider's readout and handle, the status line and the explanation. */
const H_SLIDER = ".tsorch-explore .widget-hslider:has(.widget-label:text-is('H'))";

describe("widgets in JupyterLab 4.6 with ipywidgets 8", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ root, viewport: { width: 1400, height: 1600 } });
    await lab.open("widgets.ipynb");
    await lab.runAll();
  }, 240_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it("renders the explorer from the kernel's models: sliders, the trace with no failure, the marks", async () => {
    const page = lab.page;
    await page.locator(".tsorch-explore .widget-hslider").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".tsorch-explore .widget-hslider .widget-label").allTextContents()).toEqual(["batch", "channels", "H", "W"]);
    expect(await page.locator(`${H_SLIDER} .widget-readout`).textContent()).toBe("32");
    expect(await page.locator(".tsorch-explore-status").textContent()).toContain("✓ 1×1×32×32 runs: output (1, 10)");
    expect(await page.locator(".tsorch-explore-marks[data-axis='H']").textContent()).toContain("H works: 32–35 (with W = 32)");
    expect(await page.locator(".tsorch-explore table").first().textContent()).toContain("fc1");
    expect(await page.locator(".tsorch-explore img.widget-image").first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
    await lab.screenshot("widgets-explore-32");
  });

  it("drags H from 32 to 64 and back: the trace and the explanation follow within 200 ms of each move", async () => {
    const page = lab.page;
    // Watch the page: when the readout first shows a value, and when the status and explanation show it.
    await page.evaluate(() => {
      const w = window as unknown as { tsorchSeen: Record<string, number> };
      w.tsorchSeen = {};
      const note = (key: string) => void (w.tsorchSeen[key] ??= performance.now());
      // When the page sends each slider value to the kernel (a comm_msg update on the kernel's websocket).
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        const text = typeof data === "string" ? data : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? new TextDecoder().decode(data as ArrayBuffer) : "";
        const value = /"method":\s*"update".*?"value":\s*(\d+)/.exec(text)?.[1];
        if (text.includes("comm_msg") && value) w.tsorchSeen[`sent:${value}`] = performance.now();
        return send.call(this, data as string);
      };
      new MutationObserver(() => {
        const readout = [...document.querySelectorAll(".tsorch-explore .widget-hslider")].find((s) => s.querySelector(".widget-label")?.textContent === "H")
          ?.querySelector(".widget-readout")?.textContent;
        if (readout) note(`readout:${readout}`);

        const status = document.querySelector(".tsorch-explore-status")?.textContent ?? "";
        const explanation = document.querySelector(".tsorch-explanation")?.textContent ?? "";
        const size = /1×1×(\d+)×32/.exec(status)?.[1];
        if (size) note(`status:${size}:${status.includes("fc1 fails") ? "fails" : "runs"}`);
        if (/got 1040 = 16×13×5/.test(explanation)) note("explanation:64");
        if (size === "32" && explanation === "") note("explanation:cleared");
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const drag = async (to: number) => {
      const track = await page.locator(`${H_SLIDER} .noUi-base`).boundingBox();
      const handle = await page.locator(`${H_SLIDER} .noUi-handle`).boundingBox();
      if (!track || !handle) throw new Error("the H slider has no track or handle on the page");
      const x = track.x + ((to - 8) / (128 - 8)) * track.width;
      await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
      await page.mouse.down();
      await page.mouse.move(x, handle.y + handle.height / 2, { steps: 12 });
      await page.mouse.up();
      // The drag lands within a pixel of the value; the arrow keys finish the move exactly.
      const readout = page.locator(`${H_SLIDER} .widget-readout`);
      for (let i = 0; i < 6; i++) {
        const now = Number(await readout.textContent());
        if (now === to) break;
        await page.locator(`${H_SLIDER} .noUi-handle`).press(now < to ? "ArrowRight" : "ArrowLeft");
      }
      expect(Number(await readout.textContent())).toBe(to);
    };
    const seen = () => page.evaluate(() => (window as unknown as { tsorchSeen: Record<string, number> }).tsorchSeen);
    const forget = () => page.evaluate(() => void ((window as unknown as { tsorchSeen: Record<string, number> }).tsorchSeen = {}));

    await forget();
    await drag(64);
    await page.locator(".tsorch-explanation", { hasText: "got 1040 = 16×13×5" }).waitFor({ timeout: 10_000 });
    await page.locator(".tsorch-explore-status", { hasText: "1×1×64×32" }).waitFor({ timeout: 10_000 });
    const t64 = await seen();
    expect(t64["readout:64"]).toBeDefined();
    const toFail = Math.max(t64["status:64:fails"]!, t64["explanation:64"]!) - t64["sent:64"]!;
    await page.locator(".tsorch-explore-status", { hasText: "fc1 fails: fc1 expects 400 = 16×5×5 features, got 1040 = 16×13×5" }).waitFor({ timeout: 5_000 });
    expect(await page.locator(".tsorch-explore tr.error").first().textContent()).toContain("fc1");
    await lab.screenshot("widgets-explore-64");

    await forget();
    await drag(32);
    await page.locator(".tsorch-explore-status", { hasText: "✓ 1×1×32×32 runs" }).waitFor({ timeout: 10_000 });
    const t = await seen();
    expect(t["sent:32"]).toBeDefined();
    const toWork = Math.max(t["status:32:runs"]!, t["explanation:cleared"]!) - t["sent:32"]!;
    expect(await page.locator(".tsorch-explore tr.error").count()).toBe(0);
    // The same trip for a slider whose observer only sets a label: what the page, the server and
    // the kernel's messaging cost on this machine right now, without the explorer's work.
    const probe = page.locator(".widget-hslider:has(.widget-label:text-is('probe'))");
    const trips: number[] = [];
    for (let i = 1; i <= 5; i++) {
      await probe.locator(".noUi-handle").focus();
      await probe.locator(".noUi-handle").press("ArrowRight");
      await page.locator(".widget-label", { hasText: `echo ${i}` }).waitFor({ timeout: 10_000 });
      const sentAt = await page.evaluate((v) => (window as unknown as { tsorchSeen: Record<string, number> }).tsorchSeen[`sent:${v}`]!, i);
      trips.push((await page.evaluate(() => performance.now())) - sentAt);
    }
    const trip = trips.sort((a, b) => a - b)[2]!;
    console.log(
      `explorer: H = 64: trace ${(t64["status:64:fails"]! - t64["sent:64"]!).toFixed(0)} ms, explanation ${toFail.toFixed(0)} ms after the page sent the value; ` +
        `H = 32: trace and explanation ${toWork.toFixed(0)} ms after; a plain slider-to-label round trip: ${trip.toFixed(0)} ms (median of 5)`,
    );
    // Within 200 ms of the page sending the value, beyond what any widget round trip costs here
    // (the server and the page share this machine with everything else running).
    expect(toFail - trip).toBeLessThan(200);
    expect(toWork - trip).toBeLessThan(200);
  });

  it("runs kernel code on a Button click and shows what it set", async () => {
    const page = lab.page;
    const button = page.locator("button.widget-button", { hasText: "count" });
    await button.click();
    await page.locator(".widget-label", { hasText: "1 click" }).waitFor({ timeout: 10_000 });
    await button.click();
    await page.locator(".widget-label", { hasText: "2 clicks" }).waitFor({ timeout: 10_000 });
  });

  it("interact re-runs the function into its Output when a control changes", async () => {
    const page = lab.page;
    const box = page.locator(".widget-interact");
    await box.locator(".widget-output", { hasText: "relu on 32×32" }).waitFor({ timeout: 10_000 });
    await box.locator("select").selectOption("tanh");
    await box.locator(".widget-output", { hasText: "tanh on 32×32" }).waitFor({ timeout: 10_000 });
    expect(await box.locator(".widget-output").textContent()).not.toContain("relu");
    await lab.screenshot("widgets-interact");
  });
});
