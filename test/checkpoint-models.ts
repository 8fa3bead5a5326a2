/**
 * The models of the checkpoint suites, as test/fixtures/checkpoint_models.py builds them in PyTorch
 * (LeNet is test/lenet.ts): a BatchNorm model for buffers, a small net for optimizer states.
 */
import { nn } from "../src/index.js";

/** Conv, BatchNorm (running statistics, num_batches_tracked), ReLU, Flatten, Linear; 8×8 inputs. */
export const bnNet = () => new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 3));

/** For optimizer states; no BatchNorm (a conv bias before it has a zero gradient up to rounding, which Adam amplifies). */
export const smallNet = () => new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 3));
