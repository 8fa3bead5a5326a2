/**
 * Forward passes of four torchvision classifiers on one 1x3x224x224 image
 * (no_grad, eval mode, random weights) beside PyTorch's torchvision models in
 * the same run, one thread: ResNet-18 (3x3 convolutions, batch-norm,
 * residual adds), MobileNetV2 (depthwise convolutions, ReLU6), SqueezeNet 1.0
 * (1x1 and 3x3 branches joined by cat, ceil-mode pooling) and AlexNet (large
 * kernels and fully connected layers). The nets are written here the way
 * torchvision writes them, so both sides run the same layers.
 *
 *     npm run build && node dist/bench/vision.js [--quick]
 */
import { F, nn, torch, type Tensor } from "../src/index.js";
import { getBackend } from "../src/backend/registry.js";
import { PY_TIMEIT, row, runPytorch, timeit } from "./pytorch.js";

/** conv -> batch-norm (-> ReLU), as torchvision's blocks chain them. */
function convBn(inC: number, outC: number, k: number, stride = 1, padding = 0, groups = 1, act: nn.Module | null = new nn.ReLU(true)): nn.Sequential {
  const layers: nn.Module[] = [new nn.Conv2d(inC, outC, k, { stride, padding, groups, bias: false }), new nn.BatchNorm2d(outC)];
  if (act) layers.push(act);
  return new nn.Sequential(...layers);
}

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;

  constructor(inC: number, outC: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(outC);
    this.conv2 = new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(outC);
    this.downsample = stride !== 1 || inC !== outC ? convBn(inC, outC, 1, stride, 0, 1, null) : null;
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn2(this.conv2(F.relu(this.bn1(this.conv1(x)))));
    return F.relu(out.add(this.downsample ? this.downsample(x) : x));
  }
}

export class ResNet18 extends nn.Module {
  stem = new nn.Sequential(convBn(3, 64, 7, 2, 3), new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
  layers = new nn.Sequential(
    new BasicBlock(64, 64, 1), new BasicBlock(64, 64, 1),
    new BasicBlock(64, 128, 2), new BasicBlock(128, 128, 1),
    new BasicBlock(128, 256, 2), new BasicBlock(256, 256, 1),
    new BasicBlock(256, 512, 2), new BasicBlock(512, 512, 1),
  );
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  fc = new nn.Linear(512, 1000);

  override forward(x: Tensor): Tensor {
    return this.fc(torch.flatten(this.avgpool(this.layers(this.stem(x))), 1));
  }
}

class InvertedResidual extends nn.Module {
  conv: nn.Sequential;
  residual: boolean;

  constructor(inC: number, outC: number, stride: number, expand: number) {
    super();
    const hidden = inC * expand;
    const layers: nn.Module[] = [];
    if (expand !== 1) layers.push(convBn(inC, hidden, 1, 1, 0, 1, new nn.ReLU6(true)));
    layers.push(convBn(hidden, hidden, 3, stride, 1, hidden, new nn.ReLU6(true)), convBn(hidden, outC, 1, 1, 0, 1, null));
    this.conv = new nn.Sequential(...layers);
    this.residual = stride === 1 && inC === outC;
  }

  override forward(x: Tensor): Tensor {
    return this.residual ? x.add(this.conv(x)) : this.conv(x);
  }
}

export class MobileNetV2 extends nn.Module {
  features: nn.Sequential;
  classifier = new nn.Sequential(new nn.Dropout(0.2), new nn.Linear(1280, 1000));

  constructor() {
    super();
    const layers: nn.Module[] = [convBn(3, 32, 3, 2, 1, 1, new nn.ReLU6(true))];
    let inC = 32;
    for (const [t, c, n, s] of [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]) {
      for (let i = 0; i < n!; i++) {
        layers.push(new InvertedResidual(inC, c!, i === 0 ? s! : 1, t!));
        inC = c!;
      }
    }
    layers.push(convBn(inC, 1280, 1, 1, 0, 1, new nn.ReLU6(true)));
    this.features = new nn.Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    return this.classifier(torch.flatten(F.adaptive_avg_pool2d(this.features(x), [1, 1]), 1));
  }
}

class Fire extends nn.Module {
  squeeze: nn.Conv2d;
  expand1x1: nn.Conv2d;
  expand3x3: nn.Conv2d;

  constructor(inC: number, squeeze: number, e1: number, e3: number) {
    super();
    this.squeeze = new nn.Conv2d(inC, squeeze, 1);
    this.expand1x1 = new nn.Conv2d(squeeze, e1, 1);
    this.expand3x3 = new nn.Conv2d(squeeze, e3, 3, { padding: 1 });
  }

  override forward(x: Tensor): Tensor {
    const s = F.relu(this.squeeze(x));
    return torch.cat([F.relu(this.expand1x1(s)), F.relu(this.expand3x3(s))], 1);
  }
}

export class SqueezeNet extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 96, 7, { stride: 2 }), new nn.ReLU(true), new nn.MaxPool2d(3, { stride: 2, ceil_mode: true }),
    new Fire(96, 16, 64, 64), new Fire(128, 16, 64, 64), new Fire(128, 32, 128, 128),
    new nn.MaxPool2d(3, { stride: 2, ceil_mode: true }),
    new Fire(256, 32, 128, 128), new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256),
    new nn.MaxPool2d(3, { stride: 2, ceil_mode: true }),
    new Fire(512, 64, 256, 256),
  );
  classifier = new nn.Sequential(new nn.Dropout(0.5), new nn.Conv2d(512, 1000, 1), new nn.ReLU(true), new nn.AdaptiveAvgPool2d([1, 1]));

  override forward(x: Tensor): Tensor {
    return torch.flatten(this.classifier(this.features(x)), 1);
  }
}

export class AlexNet extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 64, 11, { stride: 4, padding: 2 }), new nn.ReLU(true), new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(64, 192, 5, { padding: 2 }), new nn.ReLU(true), new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(192, 384, 3, { padding: 1 }), new nn.ReLU(true),
    new nn.Conv2d(384, 256, 3, { padding: 1 }), new nn.ReLU(true),
    new nn.Conv2d(256, 256, 3, { padding: 1 }), new nn.ReLU(true), new nn.MaxPool2d(3, { stride: 2 }),
  );
  avgpool = new nn.AdaptiveAvgPool2d([6, 6]);
  classifier = new nn.Sequential(
    new nn.Dropout(0.5), new nn.Linear(256 * 6 * 6, 4096), new nn.ReLU(true),
    new nn.Dropout(0.5), new nn.Linear(4096, 4096), new nn.ReLU(true), new nn.Linear(4096, 1000),
  );

  override forward(x: Tensor): Tensor {
    return this.classifier(torch.flatten(this.avgpool(this.features(x)), 1));
  }
}

const NETS: { name: string; make: () => nn.Module; py: string }[] = [
  { name: "ResNet-18", make: () => new ResNet18(), py: "resnet18" },
  { name: "MobileNetV2", make: () => new MobileNetV2(), py: "mobilenet_v2" },
  { name: "SqueezeNet 1.0", make: () => new SqueezeNet(), py: "squeezenet1_0" },
  { name: "AlexNet", make: () => new AlexNet(), py: "alexnet" },
];

const PY_SCRIPT = PY_TIMEIT + String.raw`
import json, sys, torch, torchvision
spec = json.loads(sys.stdin.read())
torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.randn(1, 3, 224, 224)
out = {}
with torch.no_grad():
    for name, fn in spec["nets"]:
        net = getattr(torchvision.models, fn)().eval()
        out[name] = timeit(lambda: net(x), spec["seconds"], spec["samples"], spec["warmup"]) * 1e3
print(json.dumps(out))
`;

export function runVisionBench(quick: boolean): void {
  torch.set_num_threads(1);
  const seconds = quick ? 1 : 3, samples = quick ? 3 : 5, warmup = quick ? 0.5 : 1;
  torch.manual_seed(0);
  const x = torch.randn(1, 3, 224, 224);
  const ours: Record<string, number> = {};
  for (const n of NETS) {
    const net = n.make();
    net.eval();
    ours[n.name] = torch.no_grad(() => timeit(() => net(x), seconds, samples, warmup)) * 1e3;
  }
  const theirs = runPytorch<Record<string, number>>(PY_SCRIPT, { nets: NETS.map((n) => [n.name, n.py]), seconds, samples, warmup });
  console.log(`== torchvision nets, forward on 1x3x224x224, ${getBackend()} backend (one thread, no_grad, eval; medians of ${process.env.TSORCH_BENCH_CLOCK === "wall" ? "wall-clock" : "CPU"} time; target: within 2x of PyTorch)`);
  for (const n of NETS) console.log(row(`${n.name} forward`, ours[n.name]!, theirs?.[n.name], "ms", false));
}

if (import.meta.url === `file://${process.argv[1]}`) runVisionBench(process.argv.includes("--quick"));
