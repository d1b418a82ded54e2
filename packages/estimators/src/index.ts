export { type CodedColumn, type ColumnInput, codeColumn, type GroupOrder } from "./columns.js";
export {
  benjaminiHochberg,
  buildDesign,
  type DeDesign,
  type DeInput,
  type DeResult,
  differentialExpression,
  twoSidedNormalP,
  wlsFirstCoefficient,
} from "./de.js";
export { EstimatorsError, type EstimatorsErrorCode } from "./errors.js";
export type { IndexArray } from "./indices.js";
export { numpyLogf } from "./logf.js";
export {
  CAPTURE_EFFICIENCY,
  DEFAULT_SEED,
  ESTIMATOR_NAMES,
  type FeatureInGroup,
  type GroupEstimators,
  type MementoEstimators,
  type MementoOptions,
  mementoEstimators,
  mementoEstimatorsForGroup,
  NUM_BOOT,
  RELIABILITY_THRESHOLD,
} from "./memento.js";
export { compareCodePoints } from "./numeric.js";
export { assignGroups, assignObsGroups, OBS_GROUP_COLUMNS, type ObsGroups } from "./obs-groups.js";
export { type BootstrapRng, createRng } from "./rng.js";
export { approxSizeFactors, binnedMean, binSizeFactors, relativeSizeFactors, SIZE_FACTOR_BINS } from "./size-factors.js";
export { meanSemFromStats } from "./stats-estimators.js";
export {
  type AccumulatorOptions,
  type CubeRows,
  mergeSufficientStats,
  type SufficientStats,
  ACCUMULATOR_BYTES_PER_FEATURE,
  EMIT_BYTES_PER_FEATURE,
  DEFAULT_PENDING_VALUES,
  SufficientStatsAccumulator,
  toCubeRows,
} from "./sufficient-stats.js";
export { PENDING_BYTES_PER_VALUE } from "./pending-values.js";
