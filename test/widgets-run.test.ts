/**
 * Widgets where there is no widget manager: `tsorch run` saves the widgets' last state in the
 * notebook's metadata as JupyterLab does, `--html` embeds it as nbconvert does, the cells show
 * their text form, and the explorer reads as its trace and explanation.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuild, tempDir, tsorch } from "./run-support.js";

requireBuild();
const dir = tempDir("tsorch-widgets-run-");
const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
const notebook = join(dir, "w.ipynb");
writeFileSync(
  notebook,
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      code('const s = new widgets.IntSlider({ value: 32, min: 16, max: 128, description: "H" }); s'),
      code("const img = new widgets.Image({ value: new Uint8Array([1, 2, 3]) }); const gone = new widgets.Label(); gone.close(); s.value = 64;"),
      code(`class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5); conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(400, 120); fc2 = new nn.Linear(120, 84); fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), 2);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(torch.flatten(x, 1))))));
  }
}
explore(new Net(), [1, 1, 64, 64])`),
    ],
  }),
);

describe("tsorch run with widgets", () => {
  it("saves the widgets' last state in the notebook metadata and embeds it in the HTML page", async () => {
    const out = join(dir, "out.ipynb");
    const html = join(dir, "out.html");
    const r = await tsorch(["run", notebook, "-o", out, "--html", html, "--no-source", "--color", "never"], { timeoutMs: 180_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const saved = JSON.parse(readFileSync(out, "utf8"));
    const state = saved.metadata.widgets["application/vnd.jupyter.widget-state+json"];
    expect(state).toMatchObject({ version_major: 2, version_minor: 0 });
    const models = Object.entries(state.state) as [string, { model_name: string; state: Record<string, unknown>; buffers?: unknown[] }][];
    const view = saved.cells[0].outputs[0].data["application/vnd.jupyter.widget-view+json"];
    const slider = models.find(([id]) => id === view.model_id)!;
    expect(slider[1]).toMatchObject({ model_name: "IntSliderModel", state: { description: "H", value: 64, min: 16, max: 128 } });
    // Every model a view refers to is saved, closed ones are not, and bytes travel as base64 buffers.
    expect(models.filter(([, m]) => m.model_name === "LabelModel")).toEqual([]);
    const images = models.filter(([, m]) => m.model_name === "ImageModel").map(([, m]) => m.buffers);
    expect(images).toContainEqual([{ encoding: "base64", path: ["value"], data: Buffer.from([1, 2, 3]).toString("base64") }]);
    const layout = slider[1].state.layout as string;
    expect(state.state[layout.replace("IPY_MODEL_", "")].model_name).toBe("LayoutModel");
    // Without a widget manager the explorer reads as its trace and explanation.
    const explorer = saved.cells[2].outputs.find((o: { output_type: string }) => o.output_type === "execute_result");
    const text = [explorer.data["text/plain"]].flat().join("");
    expect(text).toContain("explore 1×1×64×64: fc1 fails");
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    const page = readFileSync(html, "utf8");
    const script = /<script type="application\/vnd.jupyter.widget-state\+json">\n(.*)\n<\/script>/.exec(page);
    expect(JSON.parse(script![1]!).state[slider[0]].state.value).toBe(64);
    expect(page).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
  });
});
