import type { Datatype } from "../datatype.js";

/** Filter type ids as stored on disk (format spec: filter_pipeline.md). */
export enum FilterType {
  NONE = 0,
  GZIP = 1,
  ZSTD = 2,
  LZ4 = 3,
  RLE = 4,
  BZIP2 = 5,
  DOUBLE_DELTA = 6,
  BIT_WIDTH_REDUCTION = 7,
  BITSHUFFLE = 8,
  BYTESHUFFLE = 9,
  POSITIVE_DELTA = 10,
  CHECKSUM_MD5 = 12,
  CHECKSUM_SHA256 = 13,
  DICTIONARY = 14,
  SCALE_FLOAT = 15,
  XOR = 16,
  DEPRECATED = 17,
  WEBP = 18,
  DELTA = 19,
}

/**
 * One filter of a pipeline as the schema stores it: its type and its decoded options
 * (e.g. `{ level: 9 }` for zstd, `{ maxWindow: 256 }` for bit-width reduction,
 * `{ scale, offset, byteWidth }` for float scale, `{ reinterpretType }` for delta filters).
 */
export interface FilterSpec {
  type: FilterType;
  options: Record<string, number>;
}

export interface FilterPipeline {
  /** Maximum chunk size within a tile, in bytes (TileDB's default is 65536). */
  maxChunkSize: number;
  filters: FilterSpec[];
}

/** What a filter needs to know about the data it transforms. */
export interface FilterContext {
  /** Type of the values in the tile (the attribute/dimension type; uint64 for offsets; uint8 for validity). */
  datatype: Datatype;
  /** Cell value count, `0xFFFFFFFF` for var-sized data. */
  cellValNum: number;
  /** Names the tile being filtered (e.g. `obs/__fragments/…/a0.tdb attribute "cell_type"`), for error messages. */
  what: string;
  /**
   * Format version of the array (default: the current one). A few filters behave differently in old
   * versions (bit width reduction and positive delta leave datetimes alone before version 20).
   */
  version?: number;
  /**
   * Var-sized cells given as dictionary codes (equal code = equal value, distinct codes = distinct values): lets
   * the string encodings compare cells without their bytes. One per cell of the tile.
   */
  varCellCodes?: Uint32Array;
}

/** What one filter of a pipeline sees: the type entering it (after earlier filters) and the tile's facts. */
export interface FilterStep {
  /** Type of the values entering this filter: the tile type, or the previous filter's output type. */
  type: Datatype;
  /** Bytes per cell of the tile (RLE runs are whole cells; var-sized data counts one value as a cell). */
  cellSize: number;
  version: number;
  what: string;
  /**
   * Var-sized strings with RLE or dictionary encoding: the cell offsets (bytes, from the tile start) on
   * write; on read the codec fills `decodedOffsets` with the offsets it rebuilds.
   */
  varOffsets?: ArrayLike<number>;
  /** With `varOffsets`: each cell's code when the caller has them (FilterContext.varCellCodes). */
  varCodes?: Uint32Array;
  varStrings?: boolean;
  decodedOffsets?: Uint8Array;
  /**
   * On read, for a filter whose output is not the chunk's final destination: a reusable buffer of `size`
   * bytes for that output (valid until the pipeline moves on), so decoding allocates little.
   */
  scratch?: (size: number) => Uint8Array;
}

/** A filter's output on write: data and metadata, each as a list of parts (later filters treat parts separately). */
export interface FilterParts {
  data: Uint8Array[];
  metadata: Uint8Array[];
}

/** A filter's output on read: the data for the previous filter, and the metadata left for the filters before it. */
export interface FilterReverseResult {
  data: Uint8Array;
  metadata: Uint8Array;
}

/**
 * A filter codec. `forward` applies the filter on write; `reverse` undoes it on read. Metadata flows as in
 * TileDB: a filter prepends its own metadata to the metadata of the filters before it, and on read consumes
 * its own from the front and hands the rest back. `out`, when given, is the final destination of the
 * chunk (right size): a codec may write into it and return it to save a copy.
 */
export interface FilterCodec {
  type: FilterType;
  name: string;
  /** Type of the values this filter outputs (default: its input type). */
  outputType?(input: Datatype, spec: FilterSpec): Datatype;
  forward(data: Uint8Array[], metadata: Uint8Array[], spec: FilterSpec, step: FilterStep): FilterParts;
  reverse(data: Uint8Array, metadata: Uint8Array, spec: FilterSpec, step: FilterStep, out?: Uint8Array): FilterReverseResult;
}
