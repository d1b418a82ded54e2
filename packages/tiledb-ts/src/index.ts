/**
 * `@census-cube/tiledb-ts`: read and write TileDB arrays and groups in TypeScript. This is the user API;
 * format internals are behind `@census-cube/tiledb-ts/format`, Arrow conversion behind
 * `@census-cube/tiledb-ts/arrow`, and the `tiledb-ts` command is its own entry (`dist/cli.js`).
 */

// Errors: one class, a typed code.
export { TileDBError, type TileDBErrorCode } from "./errors.js";

// Storage: URIs resolve to a VFS backend by scheme (local files and s3:// built in; others plug in with registerVfs).
export { joinUri, localPath, registerVfs, uriBaseName, uriScheme, type VFS, type VfsEntry, type VfsFactory, vfsFor } from "./vfs/index.js";
export { configureS3, isS3BucketName, S3_DEFAULT_CONCURRENCY, type S3Options, type S3Stats, S3VFS } from "./vfs/index.js";

// Types of values and filters.
export { Datatype, datatypeSize } from "./datatype.js";
export { type FilterSpec, FilterType } from "./filters/filter.js";

// Schemas: what an open array describes, and what createArray takes.
export type { ArraySchema, Attribute, Dimension, Enumeration } from "./schema.js";
export {
  type ArraySchemaInput,
  type AttributeInput,
  buildArraySchema,
  type DimensionInput,
  type EnumerationInput,
} from "./write/schema-builder.js";
export { type CreateArrayOptions, createArray } from "./write/create-array.js";

// Opening and reading arrays.
export { type OpenArrayOptions, openArray, type TileDBArray } from "./array.js";
export { column, columnValues, concatBatches, type ReadBatch, type ReadOptions, type ResultColumn, readAll, readBatches, type Subarray } from "./read/index.js";
export { enumerationValues, loadAllEnumerations, loadEnumeration } from "./enumeration.js";

// Writing fragments: whole fragments, streamed sparse fragments, and fragments written in parts by several writers.
export type { ColumnInput } from "./write/columns.js";
export { type Cells, SparseWriter, type SparseWriterOptions, type WriteOptions, writeSparse } from "./write/sparse.js";
export { type DenseWrite, writeDense } from "./write/dense.js";
export { GlobalOrderWriter } from "./write/global-order-writer.js";
export type { FragmentContent } from "./write/fragment-builder.js";
export { commitFragmentPieces, storeFragmentPiece } from "./write/fragment-pieces.js";
export { nextFragmentTimestamp } from "./write/schema-loader.js";

// Groups.
export { addGroupMembers, createGroup, type Group, type ObjectKind, objectType, openGroup, removeGroupMembers, writeGroupMetadata } from "./group.js";

// Array and group metadata.
export { deleteMetadata, type MetadataInput, type MetadataValue, readMetadata, writeMetadata } from "./metadata.js";

// Consolidation and vacuuming.
export { type ConsolidateOptions, type ConsolidationMode, consolidate } from "./consolidate.js";
export { type VacuumMode, vacuum } from "./vacuum.js";
