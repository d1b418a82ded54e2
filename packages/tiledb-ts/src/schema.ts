import type { Datatype } from "./datatype.js";
import type { FilterPipeline } from "./filters/filter.js";

/**
 * The in-memory array schema shared by decoding, encoding, reads and writes
 * (format spec: array_schema.md, enumeration.md, current_domain.md).
 * Field names follow the spec; values are decoded (numbers/bigints/strings), never raw bytes,
 * except where TileDB itself stores opaque bytes (fill values).
 */
export type ArrayType = "dense" | "sparse";
export type Layout = "row-major" | "col-major" | "global-order" | "unordered" | "hilbert";

/** Cell val num of var-sized attributes and dimensions. */
export const VAR_NUM = 0xffffffff;

/** A value of a dimension domain or tile extent: number for <= 32-bit ints and floats, bigint for 64-bit ints. */
export type DomainValue = number | bigint;

export interface Dimension {
  name: string;
  type: Datatype;
  /** 1 for fixed-size dimensions, VAR_NUM for string dimensions. */
  cellValNum: number;
  filters: FilterPipeline;
  /** [low, high] inclusive; null for var-sized (string) dimensions. */
  domain: [DomainValue, DomainValue] | null;
  /** null when the dimension has no tile extent (string dimensions, or sparse arrays that omit it). */
  tileExtent: DomainValue | null;
  /**
   * True when the schema file stores an empty pipeline for this dimension, so `filters` is the array's
   * coords filters (what TileDB applies); encoding then writes the empty pipeline again.
   */
  filtersInherited?: boolean;
}

export interface Attribute {
  name: string;
  type: Datatype;
  cellValNum: number;
  filters: FilterPipeline;
  /** The fill value as stored (cellValNum * datatype size bytes; one value for var-sized). */
  fillValue: Uint8Array;
  nullable: boolean;
  fillValueValidity: boolean;
  /** Format v17+: "unordered" | "increasing" | "decreasing". */
  order: "unordered" | "increasing" | "decreasing";
  /** Name of the enumeration that labels this attribute's values (format v20+), if any. */
  enumerationName?: string;
}

export interface Enumeration {
  name: string;
  /** The file in `__schema/__enumerations/` that holds it. */
  pathName: string;
  type: Datatype;
  cellValNum: number;
  ordered: boolean;
  /** Raw value bytes and, for var-sized enumerations, uint64 offsets into them. */
  data: Uint8Array;
  offsets: BigUint64Array | null;
}

/** The current domain (format v22+): one [low, high] range per dimension; strings for string dimensions. */
export type CurrentDomain = { empty: true } | { empty: false; ranges: Array<[DomainValue | string, DomainValue | string]> };

export interface ArraySchema {
  /** Format version the schema was written with. */
  version: number;
  arrayType: ArrayType;
  allowsDuplicates: boolean;
  tileOrder: Layout;
  cellOrder: Layout;
  capacity: bigint;
  coordsFilters: FilterPipeline;
  offsetsFilters: FilterPipeline;
  validityFilters: FilterPipeline;
  dimensions: Dimension[];
  attributes: Attribute[];
  /** Enumerations by name; loaded lazily from `__schema/__enumerations/` files when labels are needed. */
  enumerations: Map<string, Enumeration | { name: string; pathName: string; loaded: false }>;
  currentDomain?: CurrentDomain;
  /** The schema file's name (`__t1_t2_uuid` in `__schema/`) or `__array_schema.tdb` for legacy arrays. */
  fileName: string;
  /** Dimension labels (format v18+); absent or empty for most arrays. */
  dimensionLabels?: DimensionLabel[];
}

/** A dimension label (format v18+): another array holding labels for one dimension. */
export interface DimensionLabel {
  dimensionIndex: number;
  name: string;
  /** Whether `uri` is relative to the array. */
  relativeUri: boolean;
  uri: string;
  attributeName: string;
  order: "unordered" | "increasing" | "decreasing";
  type: Datatype;
  cellValNum: number;
  isExternal: boolean;
}
