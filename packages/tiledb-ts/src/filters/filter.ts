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
}

/**
 * A filter codec: `forward` applies the filter on write, `reverse` undoes it on read.
 * Both work on one chunk and return a new buffer; filters keep any per-chunk metadata they need
 * inside the returned bytes or in the `metadata` buffer that the pipeline stores beside the chunk.
 */
export interface FilterCodec {
  type: FilterType;
  name: string;
  forward(input: Uint8Array, spec: FilterSpec, ctx: FilterContext): FilterOutput;
  reverse(input: Uint8Array, metadata: Uint8Array, spec: FilterSpec, ctx: FilterContext, outputSize: number): Uint8Array;
}

export interface FilterOutput {
  data: Uint8Array;
  metadata: Uint8Array;
}
