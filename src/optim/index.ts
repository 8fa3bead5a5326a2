/**
 * `torch.optim`: optimizers that update parameters from their gradients,
 * and learning-rate schedules (`optim.lr_scheduler`).
 *
 * @example
 * import { optim } from "tsorch";
 * const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });
 * optimizer.zero_grad();
 * const loss = criterion(net(input), target);
 * loss.backward();
 * optimizer.step();
 */
export { Optimizer, required, type ParamGroup, type ParamGroupInput, type ParamsInput, type OptimizerStateDict, type Closure } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export * as lr_scheduler from "./lr_scheduler.js";
