export { selectColumns, selectRows } from "./arrow/select-rows.js";
export { CensusReaderError, type CensusReaderErrorCode } from "./errors.js";
export { type AxisQuery, type AxisQueryOptions, ExperimentAxisQuery, type XReadOptions } from "./query/axis-query.js";
export { SomaCollection } from "./soma/collection.js";
export { type Coords, coordsToRanges, joinidsToRanges } from "./soma/coords.js";
export { type DataFrameReadOptions, SomaDataFrame } from "./soma/dataframe.js";
export { SomaDenseNDArray } from "./soma/dense-nd-array.js";
export { SomaExperiment } from "./soma/experiment.js";
export { SomaMeasurement } from "./soma/measurement.js";
export {
  openCollection,
  openDataFrame,
  openDenseNDArray,
  openExperiment,
  openMeasurement,
  openSoma,
  openSparseNDArray,
} from "./soma/open.js";
export { SomaObject, type SomaObjectType } from "./soma/soma-object.js";
export { type NDArrayReadOptions, SomaSparseNDArray } from "./soma/sparse-nd-array.js";
export * from "./value-filter/index.js";
