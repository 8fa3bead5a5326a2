/**
 * The LeNet tutorial net, written the way PyTorch's tutorial writes it, for
 * the benchmarks. (The notebooks define their own copy, in their own words.)
 */
import { F, nn, type Tensor } from "../src/index.js";

export class LeNet extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, this.num_flat_features(x));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }

  num_flat_features(x: Tensor): number {
    return x.size().slice(1).reduce((a, b) => a * b, 1);
  }
}

/** The same net for the PyTorch side of a benchmark (Python source). */
export const PY_LENET = String.raw`
import torch, torch.nn as nn, torch.nn.functional as F
class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5); self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120); self.fc2 = nn.Linear(120, 84); self.fc3 = nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, x.size()[1:].numel())
        x = F.relu(self.fc1(x)); x = F.relu(self.fc2(x))
        return self.fc3(x)
`;
