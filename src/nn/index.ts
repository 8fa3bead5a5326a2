/**
 * `torch.nn`: modules (layers and containers), `nn.Parameter`,
 * `nn.functional` and `nn.init`.
 *
 * @example
 * import { torch, nn, F } from "tsorch";
 * class Net extends nn.Module {
 *   conv1 = new nn.Conv2d(1, 6, 5);
 *   conv2 = new nn.Conv2d(6, 16, 5);
 *   fc1 = new nn.Linear(16 * 5 * 5, 120);
 *   fc2 = new nn.Linear(120, 84);
 *   fc3 = new nn.Linear(84, 10);
 *   forward(x: Tensor): Tensor {
 *     x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
 *     x = F.max_pool2d(F.relu(this.conv2(x)), 2);
 *     x = torch.flatten(x, 1);
 *     x = F.relu(this.fc1(x));
 *     x = F.relu(this.fc2(x));
 *     return this.fc3(x);
 *   }
 * }
 */
export { Module, RemovableHandle, StateDictError, type ForwardHook, type ForwardPreHook, type StateDict, type StateDictMetadata, type IncompatibleKeys } from "./module.js";
export { Parameter, UninitializedParameter, is_lazy } from "./parameter.js";
export {
  Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, type Conv2dOptions, type ConvNdOptions, type ConvTransposeOptions, type PaddingMode,
} from "./conv.js";
export { Linear, LazyLinear, Identity, Bilinear, type LinearOptions } from "./linear.js";
export {
  MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
  MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d,
  type MaxPool2dOptions, type AvgPool2dOptions, type AvgPool3dOptions,
} from "./pooling.js";
export {
  ReLU, ReLU6, LeakyReLU, ELU, SiLU, Sigmoid, Tanh, GELU, Softplus, Softmax, LogSoftmax,
  CELU, SELU, Hardtanh, Mish, Hardswish, Hardsigmoid, LogSigmoid, Softsign, Tanhshrink, Threshold, Hardshrink, Softshrink,
  GLU, Softmin, Softmax2d, PReLU, type HardtanhOptions, type PReLUOptions,
} from "./activation.js";
export { Flatten, Unflatten } from "./flatten.js";
export {
  ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
  ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, type Padding,
} from "./padding.js";
export { Unfold, Fold } from "./fold.js";
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, type UpsampleOptions, type Upsampling2dOptions } from "./upsample.js";
export { Dropout, Dropout2d } from "./dropout.js";
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, type BatchNormOptions } from "./batchnorm.js";
export { Embedding, EmbeddingBag } from "./embedding.js";
export { LayerNorm, GroupNorm, RMSNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LocalResponseNorm } from "./normalization.js";
export { RNN, LSTM, GRU, RNNBase } from "./rnn.js";
export { RNNCell, LSTMCell, GRUCell, RNNCellBase, type RNNCellOptions } from "./rnn-cell.js";
export {
  MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, Transformer,
  NonDynamicallyQuantizableLinear,
} from "./transformer.js";
export * as utils from "./utils.js";
export { Sequential, ModuleList, ModuleDict, type NamedModules } from "./container.js";
export {
  addModuleCallListener, moduleCallStack, currentModuleFrame, resetModuleCallStack, ModuleFrame,
  type ModuleCallListener, type ModuleCallOutcome, type ModuleError,
} from "./call-context.js";
export * as functional from "./functional/index.js";
export * as init from "./init.js";
export {
  Loss, WeightedLoss, L1Loss, MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss, HuberLoss,
  type LossOptions, type CrossEntropyLossOptions, type NLLLossOptions, type BCELossOptions, type BCEWithLogitsLossOptions,
  type SmoothL1LossOptions, type HuberLossOptions, type ReductionName,
} from "./loss.js";
// Whatever loads nn records module calls, so that a shape error thrown by `net(x)` carries its trace
// and explanation on every import path (the flight recorder, src/trace/flight-recorder.ts).
import "../trace/explain.js";
