/**
 * SyntheticDigits is learnable: the tutorial's LeNet, trained for 300 steps
 * (batch 32, Adam) on 2,000 training images, classifies more than 80% of 500
 * held-out test images correctly (it starts at chance, 10%). This is the
 * notebook's training loop in small, through the public API.
 */
import { expect, test } from "vitest";
import { F, datasets, optim, torch } from "../src/index.js";
import { LeNetFlat as Net } from "./lenet.js";


function accuracy(net: Net, set: InstanceType<typeof datasets.SyntheticDigitsDataset>): number {
  return torch.no_grad(() => net(set.data).argmax(1).eq(set.targets).sum().item() / set.length);
}

test("LeNet learns SyntheticDigits: > 80% on held-out images after 300 steps", () => {
  const train = datasets.SyntheticDigits({ size: 2000, train: true, seed: 1 });
  const heldOut = datasets.SyntheticDigits({ size: 500, train: false, seed: 1 });
  torch.manual_seed(0);
  const net = new Net();
  const opt = new optim.Adam(net.parameters(), { lr: 2e-3 });
  const loader = new torch.utils.data.DataLoader(train, { batch_size: 32, shuffle: true });
  const before = accuracy(net, heldOut);

  let steps = 0;
  const losses: number[] = [];
  while (steps < 300) {
    for (const [x, y] of loader) {
      opt.zero_grad();
      const loss = F.cross_entropy(net(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
      if (++steps === 300) break;
    }
  }
  const after = accuracy(net, heldOut);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  expect(before).toBeLessThan(0.25);
  expect(after).toBeGreaterThan(0.8);
  expect(mean(losses.slice(-30))).toBeLessThan(mean(losses.slice(0, 30)) / 3);
});
