export { EstimatorsError } from "./errors.js";
export { SIZE_FACTOR_BINS, approxSizeFactors, binSizeFactors, binnedMean, relativeSizeFactors } from "./size-factors.js";
export { type CodedColumn, type ColumnInput, type GroupOrder, codeColumn } from "./columns.js";
export { OBS_GROUP_COLUMNS, type ObsGroups, assignGroups, assignObsGroups } from "./obs-groups.js";
export { type IndexArray } from "./indices.js";
export {
  type AccumulatorOptions,
  type CubeRows,
  type SufficientStats,
  SufficientStatsAccumulator,
  mergeSufficientStats,
  toCubeRows,
} from "./sufficient-stats.js";
export {
  CAPTURE_EFFICIENCY,
  DEFAULT_SEED,
  ESTIMATOR_NAMES,
  type GeneInGroup,
  type GroupEstimators,
  type MementoEstimators,
  type MementoOptions,
  NUM_BOOT,
  RELIABILITY_THRESHOLD,
  mementoEstimators,
  mementoEstimatorsForGroup,
} from "./memento.js";
export { meanSemFromStats } from "./stats-estimators.js";
export {
  type DeDesign,
  type DeInput,
  type DeResult,
  buildDesign,
  differentialExpression,
  twoSidedNormalP,
  wlsFirstCoefficient,
} from "./de.js";
export { numpyLogf } from "./logf.js";
export { type BootstrapRng, createRng } from "./rng.js";
