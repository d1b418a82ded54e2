export { CensusReaderError } from "./errors.js";
export * from "./value-filter/index.js";
export { selectRows, selectColumns } from "./arrow/select-rows.js";
export { type Coords, coordsToRanges, joinidsToRanges } from "./soma/coords.js";
export { SomaObject, type SomaObjectType } from "./soma/soma-object.js";
export { SomaCollection } from "./soma/collection.js";
export { SomaExperiment } from "./soma/experiment.js";
export { SomaMeasurement } from "./soma/measurement.js";
export { SomaDataFrame, type DataFrameReadOptions } from "./soma/dataframe.js";
export { SomaSparseNDArray, SomaDenseNDArray, type NDArrayReadOptions } from "./soma/sparse-nd-array.js";
export {
  openSoma,
  openExperiment,
  openMeasurement,
  openCollection,
  openDataFrame,
  openSparseNDArray,
  openDenseNDArray,
} from "./soma/open.js";
export { ExperimentAxisQuery, type AxisQuery, type AxisQueryOptions, type XReadOptions } from "./query/axis-query.js";
