/**
 * Networks the shape-insight tests run: the LeNet tutorial net (with
 * `num_flat_features`, and with a literal `view(-1, 400)`), a Sequential CNN
 * with strides and padding, a net with adaptive pooling, and nets that fail
 * at a channel mismatch, at a pooling that gets too small, and at a
 * residual add.
 */
import { F, type Tensor, nn } from "../src/index.js";

import { LeNet } from "./lenet.js";

/** The tutorial's LeNet (flattening with view and num_flat_features). */
export class Net extends LeNet {}

/** LeNet with the literal `x.view(-1, 400)`. */
export class NetView extends Net {
  override forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, 400);
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
}

/** Conv with stride 2 and padding 1, conv with padding 1, pool, flatten, linear: works on 31..34 square. */
export function stridedCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.Conv2d(16, 32, 3, { padding: 1 }),
    new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(32 * 8 * 8, 10),
  );
}

/** Adaptive average pooling before the classifier: any input of at least 3x3 works. */
export function adaptiveNet(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.ReLU(), new nn.AdaptiveAvgPool2d([4, 4]), new nn.Flatten(), new nn.Linear(128, 10));
}

/** conv2 expects 16 channels, conv1 makes 6. */
export class ChannelMismatch extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(16, 16, 5);
  override forward(x: Tensor): Tensor {
    return this.conv2(F.relu(this.conv1(x)));
  }
}

/** Three poolings after two convs: 12x12 shrinks to nothing; 14x14 and up works. */
export function shrinkingNet(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.MaxPool2d(2), new nn.Conv2d(4, 4, 3), new nn.MaxPool2d(2), new nn.MaxPool2d(2));
}

/** A residual block whose first conv forgot its padding: the add meets 30x30 and 32x32. */
export class BrokenResidual extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3);
  conv2 = new nn.Conv2d(8, 3, 3, { padding: 1 });
  override forward(x: Tensor): Tensor {
    const y = this.conv2(F.relu(this.conv1(x)));
    return F.relu(y.add(x));
  }
}

/** The same block done right, plus functional ops of every kind in its forward. */
export class Residual extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3, { padding: 1 });
  conv2 = new nn.Conv2d(8, 3, 3, { padding: 1 });
  head = new nn.Linear(6, 4);
  override forward(x: Tensor): Tensor {
    const y = this.conv2(F.relu(this.conv1(x)));
    const z = F.relu(y.add(x));
    const pooled = F.adaptive_avg_pool2d(z, 1).flatten(1);       // [N, 3]
    const both = F.relu(torch_cat([pooled, pooled]));             // [N, 6]
    return this.head(both).matmul(eye4);
  }
}

import { torch } from "../src/index.js";
const eye4 = torch.eye(4);
function torch_cat(xs: Tensor[]): Tensor {
  return torch.cat(xs, 1);
}
