/**
 * The shapes of fragment metadata (format spec: fragment.md, "Fragment Metadata File"): the footer, the decoded
 * sections, and what a writer supplies to encode them.
 */
import type { DomainValue } from "../schema.js";

export const FRAGMENT_METADATA_FILE = "__fragment_metadata.tdb";
/** TileDB's R-tree fanout. */
export const RTREE_FANOUT = 10;
/** Oldest fragment format this module decodes (the footer/R-tree layout of format 5). */
export const MIN_FRAGMENT_VERSION = 5;

/** One [low, high] per dimension; strings for var-sized (string) dimensions. */
export type Range1D = [DomainValue | string, DomainValue | string];
export type MBR = Range1D[];

/** Where each generic tile of the metadata file starts (byte offsets into `__fragment_metadata.tdb`). */
export interface GenericTileOffsets {
  rtree: number;
  tileOffsets: number[];
  tileVarOffsets: number[];
  tileVarSizes: number[];
  tileValidityOffsets: number[];
  tileMinOffsets: number[];
  tileMaxOffsets: number[];
  tileSumOffsets: number[];
  tileNullCountOffsets: number[];
  fragmentMinMaxSumNullCount: number;
  processedConditions: number;
  /** Format v23 optional section (sparse fragments): per dimension. */
  tileGlobalOrderMinOffsets?: number[];
  tileGlobalOrderMaxOffsets?: number[];
}

/** The footer: everything needed to open a fragment without reading its other metadata tiles. */
export interface FragmentFooter {
  version: number;
  /** The schema the fragment was written with (`__schema/<name>`, or `__array_schema.tdb` before v10). */
  arraySchemaName: string;
  dense: boolean;
  /** null when the fragment is empty. */
  nonEmptyDomain: MBR | null;
  sparseTileNum: number;
  lastTileCellNum: number;
  hasTimestamps: boolean;
  hasDeleteMeta: boolean;
  /** Per field: size of its data file (offsets file for var-sized fields). */
  fileSizes: number[];
  fileVarSizes: number[];
  fileValiditySizes: number[];
  gtOffsets: GenericTileOffsets;
  /** Bytes of the footer (without the trailing length field). */
  footerSize: number;
}

/** Per-tile minimum or maximum values of one field: fixed-size values, or uint64 offsets into `var`. */
export interface TileBounds {
  fixed: Uint8Array;
  var: Uint8Array;
}

export interface FragmentStats {
  min: Uint8Array;
  max: Uint8Array;
  /** 8 bytes: int64 for signed, uint64 for unsigned integers, float64 for floats. */
  sum: Uint8Array;
  nullCount: bigint;
}

/** Everything in a fragment metadata file, decoded. */
export interface FragmentMetadata extends FragmentFooter {
  rtree: { fanout: number; /** Root level first, leaves (one MBR per tile) last. */ levels: MBR[][] };
  /** The leaf MBRs: one per sparse tile (empty for dense fragments). */
  mbrs: MBR[];
  /** Per field: on-disk start offset of each tile in the data file. */
  tileOffsets: BigUint64Array[];
  tileVarOffsets: BigUint64Array[];
  /** Per var-sized field: unfiltered size of each var tile. */
  tileVarSizes: BigUint64Array[];
  tileValidityOffsets: BigUint64Array[];
  tileMins: TileBounds[];
  tileMaxes: TileBounds[];
  /** Per field: 8 bytes per tile (see FragmentStats.sum). */
  tileSums: Uint8Array[];
  tileNullCounts: BigUint64Array[];
  fragmentStats: FragmentStats[];
  processedConditions: string[];
  tileGlobalOrderMins?: TileBounds[];
  tileGlobalOrderMaxes?: TileBounds[];
}

/** What a writer supplies; the footer's offsets and sizes are computed while encoding. */
export interface FragmentMetadataInput {
  version?: number;
  arraySchemaName: string;
  dense: boolean;
  nonEmptyDomain: MBR | null;
  /** Sparse: one MBR per tile, in tile order (the R-tree is built from them). Dense: empty. */
  mbrs: MBR[];
  /** Dense fragments: number of tiles is implied by the domain; sparse: mbrs.length. */
  sparseTileNum?: number;
  lastTileCellNum: number;
  hasTimestamps?: boolean;
  hasDeleteMeta?: boolean;
  fileSizes: ArrayLike<number | bigint>;
  fileVarSizes: ArrayLike<number | bigint>;
  fileValiditySizes: ArrayLike<number | bigint>;
  tileOffsets: ArrayLike<number | bigint>[];
  tileVarOffsets: ArrayLike<number | bigint>[];
  tileVarSizes: ArrayLike<number | bigint>[];
  tileValidityOffsets: ArrayLike<number | bigint>[];
  tileMins: TileBounds[];
  tileMaxes: TileBounds[];
  tileSums: Uint8Array[];
  tileNullCounts: ArrayLike<number | bigint>[];
  fragmentStats: FragmentStats[];
  processedConditions?: string[];
  tileGlobalOrderMins?: TileBounds[];
  tileGlobalOrderMaxes?: TileBounds[];
}
