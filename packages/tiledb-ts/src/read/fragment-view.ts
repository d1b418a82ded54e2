/**
 * What the read engine needs to know about one fragment: its tiles, where their bytes are, their cell counts
 * and bounding rectangles. `fragment-source.ts` builds it from the decoded fragment metadata.
 */
import type { DomainValue } from "../schema.js";

/** Where one filtered tile lives: file, byte offset, byte length on disk. */
export interface TileLocation {
  uri: string;
  offset: number;
  size: number;
}

/** A field of the schema as stored in a fragment: attribute `a<i>` or dimension `d<i>`. */
export interface FieldRef {
  name: string;
  role: "attribute" | "dimension";
  /** Index among the schema's attributes or dimensions. */
  index: number;
}

export interface FragmentView {
  uri: string;
  name: string;
  /** [t1, t2] from the fragment name (ms); later fragments win on overlap. */
  timestamp: [number, number];
  version: number;
  dense: boolean;
  /** Consolidated with timestamps: several versions of a cell may sit side by side, each with its time. */
  hasTimestamps: boolean;
  /** Set when the fragment reaches outside the open timestamp range: only cells written inside it count. */
  openRange?: [number, number];
  /** One [low, high] per dimension. */
  nonEmptyDomain: Array<[DomainValue | string, DomainValue | string]>;
  tileCount: number;
  /** Sizes of the fragment's data files by URI, from its metadata (no request needed to learn them). */
  fileSizes: ReadonlyMap<string, number>;
  /** False for attributes added to the schema after this fragment was written (they read as fill values). */
  hasField(name: string): boolean;
  cellsInTile(tile: number): number;
  /** Sparse fragments: the tile's bounding rectangle on dimension `dim`. */
  mbr(tile: number, dim: number): [DomainValue | string, DomainValue | string];
  /** The fixed data tile (values, or offsets for var-sized fields). */
  tile(field: FieldRef, tile: number): TileLocation;
  /** Var-sized fields: the values tile, and its unfiltered size in bytes. */
  varTile(field: FieldRef, tile: number): TileLocation & { unfilteredSize: number };
  /** Nullable attributes: the validity tile. */
  validityTile(field: FieldRef, tile: number): TileLocation;
}
