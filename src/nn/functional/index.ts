/**
 * `torch.nn.functional` (imported as `F`): the stateless layer operations.
 * Modules call these; networks written in the functional style call them
 * directly, as the LeNet tutorial does in its `forward`.
 *
 * @example
 * import { F } from "tsorch";
 * x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
 * x = F.max_pool2d(F.relu(this.conv2(x)), 2);
 */
export { conv2d, type Conv2dArgs } from "./conv.js";
export { conv1d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d } from "./conv-nd.js";
export { linear } from "./linear.js";
export {
  max_pool2d, max_pool2d_with_indices, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d,
  type MaxPool2dArgs, type AvgPool2dArgs, type AdaptiveSize,
} from "./pooling.js";
export { max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d } from "./pooling1d.js";
export { max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d } from "./pooling3d.js";
export {
  relu, relu_, leaky_relu, relu6, elu, elu_, silu, hardtanh, softplus, sigmoid, tanh, gelu, softmax, log_softmax, type SoftmaxArgs, type EluArgs,
  selu, celu, mish, hardsigmoid, hardswish, logsigmoid, softsign, tanhshrink, threshold, hardshrink, softshrink, softmin, glu, prelu,
} from "./activation.js";
export { dropout, dropout2d, type DropoutArgs } from "./dropout.js";
export { batch_norm, type BatchNormArgs } from "./batchnorm.js";
export { flatten, unflatten } from "./flatten.js";
export { unfold, fold } from "./fold.js";
export { pad, type PadMode, type PadOptions } from "./pad.js";
export {
  interpolate, upsample, upsample_nearest, upsample_bilinear, type InterpolateMode, type InterpolateOptions,
} from "./interpolate.js";
export {
  mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy, binary_cross_entropy, binary_cross_entropy_with_logits,
  type Reduction, type ReductionArgs, type NllLossArgs, type CrossEntropyArgs, type BCEArgs, type BCEWithLogitsArgs, type SmoothL1Args,
  type HuberArgs,
} from "./loss.js";
export { embedding } from "./embedding.js";
export { embedding_bag } from "./embedding-bag.js";
export { layer_norm, group_norm, rms_norm, instance_norm } from "./normalization.js";
export { scaled_dot_product_attention, multi_head_attention_forward } from "./attention.js";
export { bilinear } from "./bilinear.js";
export { local_response_norm } from "./local-response-norm.js";
