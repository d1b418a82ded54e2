export { CubeBuilderError, type CubeBuilderErrorCode } from "./errors.js";
export { type BuildSummary, build, demoExperimentUri } from "./build.js";
export { type BuildOptions, type RawBuildFlags, resolveBuildOptions, OPTIONAL_ESTIMATORS } from "./options.js";
export { type Batch, type PlanOptions, planBatches } from "./plan.js";
export { cubeInfo, validateAgainstExperiment } from "./inspect.js";
export { parseByteSize, formatBytes } from "./size.js";
export { program } from "./program.js";
