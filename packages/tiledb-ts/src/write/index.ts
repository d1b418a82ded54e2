export type { ColumnInput, TypedArray } from "./columns.js";
export { type CreateArrayOptions, createArray } from "./create-array.js";
export { buildDenseFragment, type DenseWrite, writeDense } from "./dense.js";
export { concatFragmentContents, type FragmentContent } from "./fragment-builder.js";
export { type CommittedFragment, commitFragment } from "./fragment-writer.js";
export { commitFragmentPieces, storeFragmentPiece } from "./fragment-pieces.js";
export { nextFragmentTimestamp } from "./schema-loader.js";
export {
  type ArraySchemaInput,
  type AttributeInput,
  buildArraySchema,
  type DimensionInput,
  type EnumerationInput,
  type FiltersInput,
} from "./schema-builder.js";
export { GlobalOrderWriter } from "./global-order-writer.js";
export { buildSparseFragment, type Cells, SparseWriter, type SparseWriterOptions, type WriteOptions, writeSparse } from "./sparse.js";
