/**
 * torch.set_num_threads / get_num_threads and the wasm backend's worker threads: the default is the
 * machine's cores, large products are split across workers on the shared memory and give the same
 * bits as one thread, small ones stay on the calling thread, and lowering the count stops workers.
 */
import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { getBackend, setBackend } from "../src/backend/registry.js";
import { runningWorkers } from "../src/backend/wasm/threads.js";
import { nn, torch } from "../src/index.js";

const initialThreads = torch.get_num_threads();
const initialBackend = getBackend();
afterAll(() => {
  torch.set_num_threads(initialThreads);
  setBackend(initialBackend);
});

function bits(t: torch.Tensor): Int32Array {
  return new Int32Array(Float32Array.from(t.flatten().tolist() as number[]).buffer);
}

/**
 * Runs `outputs` (no_grad) on 1, 2 and 3 threads: no worker on one, one and two workers running after,
 * and the same bits each time.
 */
function expectSameBitsOn123Threads(outputs: () => Int32Array[]): void {
  const run = (n: number) => {
    torch.set_num_threads(n);
    return torch.no_grad(outputs);
  };
  const one = run(1);
  expect(runningWorkers()).toBe(0);
  const two = run(2);
  expect(runningWorkers()).toBe(1);
  const three = run(3);
  expect(runningWorkers()).toBe(2);
  expect(two).toEqual(one);
  expect(three).toEqual(one);
}

describe("threads", () => {
  it("default to the machine's cores; set_num_threads changes the count and checks its argument", () => {
    expect(initialThreads).toBe(availableParallelism());
    torch.set_num_threads(3);
    expect(torch.get_num_threads()).toBe(3);
    expect(() => torch.set_num_threads(0)).toThrow("set_num_threads expects a positive integer, but got 0");
    expect(() => torch.set_num_threads(1.5)).toThrow(/positive integer/);
    expect(() => torch.set_num_threads("2" as unknown as number)).toThrow(/positive integer, but got 2/);
    expect(torch.get_num_threads()).toBe(3);
  });

  it("a 512^3 matmul and a 64-channel conv give the same bits on 1, 2 and 3 threads, with workers running", () => {
    setBackend("wasm");
    torch.manual_seed(0);
    const a = torch.randn(512, 512), b = torch.randn(512, 512);
    const conv = new nn.Conv2d(64, 64, 3, { padding: 1 });
    const x = torch.randn(2, 64, 28, 28);
    expectSameBitsOn123Threads(() => [bits(torch.mm(a, b)), bits(conv(x))]);
    // Training through the split products: gradients match one thread's too.
    const grads = (n: number) => {
      torch.set_num_threads(n);
      const xi = x.clone().requires_grad_(true);
      conv.zero_grad();
      conv(xi).sum().backward();
      return [bits(xi.grad!), bits(conv.weight.grad!)];
    };
    expect(grads(2)).toEqual(grads(1));
    torch.set_num_threads(1);
    expect(runningWorkers()).toBe(0);
  });

  it("a batch of small images (LeNet's convolutions at batch 64, and an odd batch) is split across threads with the same bits", () => {
    setBackend("wasm");
    torch.manual_seed(1);
    const conv1 = new nn.Conv2d(1, 6, 5), conv2 = new nn.Conv2d(6, 16, 5, { padding: 1 });
    const x1 = torch.randn(64, 1, 32, 32), x2 = torch.randn(37, 6, 14, 14);
    expectSameBitsOn123Threads(() => [bits(conv1(x1)), bits(conv2(x2))]);
    torch.set_num_threads(1);
  });

  it("small products stay on the calling thread", () => {
    setBackend("wasm");
    torch.set_num_threads(2);
    torch.set_num_threads(1);
    torch.set_num_threads(2);
    const a = torch.randn(64, 64);
    torch.mm(a, a);
    expect(runningWorkers()).toBe(0);
  });
});
