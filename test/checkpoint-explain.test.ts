/**
 * A load_state_dict that does not fit explains itself after PyTorch's message:
 * which layer, and what input size or channel count the checkpoint implies;
 * DataParallel prefixes; training checkpoints passed whole.
 */
import { expect, test } from "vitest";
import { F, nn, torch, type Tensor } from "../src/index.js";
import { StateDictError } from "../src/nn/module.js";

class Net extends nn.Module {
  conv1: nn.Conv2d;
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1: nn.Linear;
  fc2 = new nn.Linear(120, 84);
  fc3: nn.Linear;
  constructor(features = 400, channels = 1, classes = 10) {
    super();
    this.conv1 = new nn.Conv2d(channels, 6, 5);
    this.fc1 = new nn.Linear(features, 120);
    this.fc3 = new nn.Linear(84, classes);
  }
  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), 2);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = torch.flatten(x, 1);
    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(x)))));
  }
}

/** PyTorch's message, then the explanation, as a notebook shows the error. */
function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StateDictError);
    const display = (e as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]!;
    expect(display().text).toBeUndefined();
    expect(display()["text/html"]).toContain("What the checkpoint implies");
    return display()["text/plain"]!;
  }
  throw new Error("expected a StateDictError");
}

test("a checkpoint trained on 64×64 RGB images: the layer, the channels, the input size", () => {
  const m = message(() => new Net().load_state_dict(new Net(2704, 3).state_dict()));
  expect(m.startsWith("RuntimeError: Error(s) in loading state_dict for Net:\n\tsize mismatch for conv1.weight: copying a param with shape torch.Size([6, 3, 5, 5]) from checkpoint")).toBe(true);
  expect(m).toContain("What the checkpoint implies:");
  expect(m).toContain("conv1 (Conv2d) expects 3 input channels (RGB) in the checkpoint, 1 (grayscale) here");
  expect(m).toContain("fc1 (Linear) takes 2704 input features in the checkpoint, 400 here: with this model's layers, 2704 features come from 64×64 (any size 64–67) inputs; this model's 400 come from 32×32 (any size 32–35)");
  expect(m).toContain("nn.Linear(2704, 120)");
});

test("another number of classes: the last layer, and how to fine-tune", () => {
  const m = message(() => new Net().load_state_dict(new Net(400, 1, 100).state_dict()));
  expect(m).toContain("fc3 (Linear) has 100 outputs in the checkpoint, 10 here (the number of classes)");
});

test("DataParallel prefixes and whole training checkpoints", () => {
  const sd = new Net().state_dict();
  const dp = Object.fromEntries(Object.entries(sd).map(([k, v]) => [`module.${k}`, v]));
  expect(message(() => new Net().load_state_dict(dp))).toContain("starts with 'module.': it was saved from nn.DataParallel");
  expect(message(() => new Net().load_state_dict({ model: sd, epoch: 3 } as never))).toContain("Load its weights: net.load_state_dict(ckpt.model)");
});

test("a state dict of another network says which layers it holds", () => {
  const m = message(() => new nn.Linear(3, 2).load_state_dict(new Net().state_dict()));
  // In the checkpoint's order (class fields first, then what the constructor adds).
  expect(m).toContain("none of this Linear's keys are in the checkpoint: it holds another network, with layers conv2, fc2, conv1, fc1, fc3");
});
