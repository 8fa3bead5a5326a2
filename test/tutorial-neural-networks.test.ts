/**
 * The PyTorch "Neural Networks" tutorial (LeNet), seeded, step by step in
 * tsorch: every step must print exactly what PyTorch 1.13.1 prints
 * (test/fixtures/tutorial.json, from gen_autograd.py; object addresses are
 * masked on both sides). The steps run in order on one net, as in the
 * tutorial: the forward pass, backward with a random gradient, the MSE loss
 * and its grad_fn chain, zero_grad and backward, the manual SGD update
 * through `.data`, and `optim.SGD`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { F, nn, optim, torch } from "../src/index.js";
import { pyStr } from "../src/print.js";
import type { Tensor } from "../src/tensor/tensor.js";

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/tutorial.json", import.meta.url)), "utf8")) as {
  steps: { step: string; printed: string }[];
};

class Net extends nn.Module {
  // 1 input image channel, 6 output channels, 5x5 square convolution kernel
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  // an affine operation: y = Wx + b
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  override forward(x: Tensor): Tensor {
    // Max pooling over a (2, 2) window
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    // If the size is a square, you can specify with a single number
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = torch.flatten(x, 1); // flatten all dimensions except the batch dimension
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    x = this.fc3(x);
    return x;
  }
}

/** What the step printed, as Python's print would have written it. */
let printed = "";
function print(...args: unknown[]): void {
  printed += args.map((a) => pyStr(a)).join(" ") + "\n";
}

const masked = (s: string) => s.replace(/ at 0x[0-9a-f]+/g, " at 0x...");

/** The tutorial's state, carried from step to step. */
const s: {
  net?: Net; params?: Tensor[]; input?: Tensor; out?: Tensor; output?: Tensor; target?: Tensor;
  criterion?: nn.MSELoss; loss?: Tensor; optimizer?: optim.SGD;
} = {};

const STEPS: Record<string, () => void> = {
  "print(net)": () => {
    torch.manual_seed(0);
    s.net = new Net();
    print(s.net);
  },
  params: () => {
    s.params = [...s.net!.parameters()];
    print(s.params.length);
    print(s.params[0]!.size()); // conv1's .weight
  },
  "out = net(input)": () => {
    s.input = torch.randn(1, 1, 32, 32);
    s.out = s.net!(s.input);
    print(s.out);
  },
  "out.backward(torch.randn(1, 10))": () => {
    s.net!.zero_grad();
    s.out!.backward(torch.randn(1, 10));
    print(s.net!.conv1.bias!.grad);
  },
  "loss = criterion(output, target)": () => {
    s.output = s.net!(s.input!);
    let target = torch.randn(10); // a dummy target, for example
    target = target.view(1, -1); // make it the same shape as output
    s.target = target;
    s.criterion = new nn.MSELoss();
    s.loss = s.criterion(s.output, s.target);
    print(s.loss);
  },
  "grad_fn chain": () => {
    const loss = s.loss!;
    print(loss.grad_fn); // MSELoss
    print(loss.grad_fn!.next_functions[0]![0]); // Linear
    print(loss.grad_fn!.next_functions[0]![0]!.next_functions[0]![0]); // the bias of fc3
  },
  "loss.backward()": () => {
    s.net!.zero_grad(); // zeroes the gradient buffers of all parameters
    print("conv1.bias.grad before backward");
    print(s.net!.conv1.bias!.grad);
    s.loss!.backward();
    print("conv1.bias.grad after backward");
    print(s.net!.conv1.bias!.grad);
  },
  "manual SGD update": () => {
    const learning_rate = 0.01;
    for (const f of s.net!.parameters()) f.data.sub_(f.grad!.data.mul(learning_rate));
    print(s.net!.conv1.bias);
    print(s.net!.fc3.bias);
  },
  "optimizer = optim.SGD(net.parameters(), lr=0.01)": () => {
    s.optimizer = new optim.SGD(s.net!.parameters(), { lr: 0.01 });
    print(s.optimizer);
  },
  "optimizer.step()": () => {
    const { optimizer, net, criterion } = s as Required<typeof s>;
    optimizer.zero_grad(); // zero the gradient buffers
    const output = net(s.input!);
    const loss = criterion(output, s.target!);
    loss.backward();
    optimizer.step(); // Does the update
    print(loss);
    print(net.conv1.bias);
    print(net.fc3.bias);
    print(net(s.input!));
  },
  "five more steps": () => {
    const { optimizer, net, criterion } = s as Required<typeof s>;
    for (let i = 0; i < 5; i++) {
      optimizer.zero_grad();
      const loss = criterion(net(s.input!), s.target!);
      loss.backward();
      optimizer.step();
      print(loss);
    }
  },
};

describe("the Neural Networks tutorial prints what PyTorch prints", () => {
  test("every step of the fixture has a tsorch counterpart", () => {
    expect(fixture.steps.map((x) => x.step)).toEqual(Object.keys(STEPS));
  });

  for (const { step, printed: expected } of fixture.steps) {
    test(step, () => {
      printed = "";
      STEPS[step]!();
      expect(masked(printed)).toBe(expected);
    });
  }

  test("the grad_fn chain is MseLossBackward0 -> AddmmBackward0 -> AccumulateGrad (fc3.bias)", () => {
    const fn = s.loss!.grad_fn!;
    expect(fn.name).toBe("MseLossBackward0");
    const addmm = fn.next_functions[0]![0]!;
    expect(addmm.name).toBe("AddmmBackward0");
    const acc = addmm.next_functions[0]![0]! as unknown as { name: string; variable: Tensor };
    expect(acc.name).toBe("AccumulateGrad");
    expect(acc.variable).toBe(s.net!.fc3.bias);
  });
});
