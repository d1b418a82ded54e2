export { type ChunkInput, type ChunkResult, computeChunk } from "./compute.js";
export { MementoDeError, type MementoDeErrorCode } from "./errors.js";
export { encodeResults, type OutputFormat, outputFormat, RESULT_COLUMNS } from "./output.js";
export { type DePlan, type DeQuery, planQuery, type SelectedGroups } from "./query.js";
export { type ReportInput, renderVolcanoSvg, reportHtml, volcanoSpec } from "./report.js";
export { type DeResults, type DeRun, type RunOptions, runMementoDe } from "./run.js";
