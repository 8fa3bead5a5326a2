/**
 * tsorch's random numbers: PyTorch 1.13's CPU generator and samplers,
 * reproduced so that a seeded notebook prints the numbers PyTorch prints.
 *
 * @example
 * import { manual_seed, normalFill } from "./random/index.js";
 * manual_seed(0);
 * normalFill(new Float32Array(16)); // the 16 numbers of torch.randn(4, 4) after torch.manual_seed(0)
 */

export { MT19937, MERSENNE_STATE_N, MERSENNE_STATE_M, type MT19937Data } from "./mt19937.js";
export {
  Generator,
  defaultGenerator,
  manual_seed,
  initial_seed,
  seed,
  get_rng_state,
  set_rng_state,
  seedToUint64,
  DEFAULT_RNG_SEED,
  RNG_STATE_SIZE,
  RNG_STATE_SIZE_LEGACY,
} from "./generator.js";
export { type SampleDType, type SampleArray, type FloatArray, resolveDType } from "./dtypes.js";
export { uniformFill, uniformFloat01, uniformDouble01 } from "./uniform.js";
export { normalFill, normalSample } from "./normal.js";
export { randomFromToFill, randintFill, randomFill, randperm, type PermutationArray } from "./integer.js";
export { bernoulliFill, exponentialFill, geometricFill } from "./distributions.js";
export { multinomialWithReplacement, multinomialRace, checkRaceWeights } from "./multinomial.js";
export {
  calculateGain,
  fanInAndFanOut,
  kaimingUniformBound,
  uniformBound,
  kaimingUniformFill,
  initLinear,
  initConv,
} from "./init.js";
