/**
 * `@census-cube/tiledb-ts/format`: the format internals, one module per chapter of TileDB's format spec
 * (schemas, fragment metadata, generic tiles, filters, directories, encoders and decoders), for tools and tests
 * that work below the public API. Everything the package root exports is here too. Not a stable API.
 */
export { TileDBError, type TileDBErrorCode } from "./errors.js";
export * from "./vfs/index.js";
export * from "./datatype.js";
export * from "./filters/index.js";
export { byteShuffle, byteUnshuffle } from "./filters/byteshuffle.js";
export { zstdCompress, zstdDecompressInto } from "./filters/zstd.js";
export * from "./schema.js";
export * from "./format-version.js";
export * from "./timestamped-name.js";
export * from "./domain-value.js";
export * from "./generic-tile.js";
export * from "./hilbert.js";
export * from "./array-schema.js";
export * from "./enumeration.js";
export * from "./current-domain.js";
export * from "./fragment-metadata.js";
export * from "./array-directory.js";
export * from "./array.js";
export * from "./metadata.js";
export * from "./group.js";
export * from "./write/index.js";
export * from "./consolidate.js";
export * from "./vacuum.js";
export { readBatches, readAll, column, columnValues, concatBatches, type ReadOptions, type Subarray, type ReadBatch, type ResultColumn } from "./read/index.js";
