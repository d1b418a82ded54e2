export { createArray, type CreateArrayOptions } from "./create-array.js";
export {
  buildArraySchema,
  type ArraySchemaInput,
  type AttributeInput,
  type DimensionInput,
  type EnumerationInput,
  type FiltersInput,
} from "./schema-builder.js";
export { type ColumnInput, type TypedArray } from "./columns.js";
export { writeSparse, SparseWriter, buildSparseFragment, type Cells, type WriteOptions, type SparseWriterOptions } from "./sparse.js";
export { commitFragment, type CommittedFragment } from "./fragment-writer.js";
export { writeDense, buildDenseFragment, type DenseWrite } from "./dense.js";
