/** What SOMA N-d arrays share: their shape and how coordinate selections become subarray ranges. */
import { CensusReaderError } from "../errors.js";
import type { ArrayInfo } from "../tiledb-access.js";
import type { RangeSet } from "../value-filter/pushdown.js";
import { type Coords, coordsToRanges } from "./coords.js";

export interface NDArrayReadOptions {
  /** Per dimension (soma_dim_0, soma_dim_1, …): a selection, or null/undefined for all. */
  coords?: Array<Coords | RangeSet | null | undefined>;
  /** Storage (global) order, or whatever order is cheapest. Default "global". */
  order?: "global" | "unordered";
  /** Memory the read may use at its peak, in bytes (default 256 MiB; see the README). */
  memoryBudget?: number;
  /**
   * Sparse arrays: the caller is done with each batch (has copied what it keeps) before asking for the next, so a
   * later batch may be decoded into an earlier one's memory: fewer allocations and page faults on long scans.
   */
  reuseBuffers?: boolean;
}

/** Shape of an N-d array: the current domain when the array has one (current TileDB-SOMA), else the domain. */
export function shapeOf(array: ArrayInfo): bigint[] {
  return array.dimensions.map((d) => {
    const dom = d.currentDomain ?? d.domain;
    if (!dom) throw new CensusReaderError("E_SOMA_SCHEMA", `${array.uri}: dimension ${d.name} is not an integer dimension`);
    return dom[1] + 1n;
  });
}

export function toRangeMap(array: ArrayInfo, coords: NDArrayReadOptions["coords"]): Map<string, RangeSet> {
  const ranges = new Map<string, RangeSet>();
  if (!coords) return ranges;
  if (coords.length > array.dimensions.length) {
    throw new CensusReaderError("E_COORDS", `${array.uri}: ${coords.length} coordinate selections for ${array.dimensions.length} dimensions`);
  }
  coords.forEach((c, i) => {
    if (c === null || c === undefined) return;
    const name = array.dimensions[i].name;
    const isRangeSet = Array.isArray(c) && c.length > 0 && Array.isArray(c[0]);
    ranges.set(name, isRangeSet ? (c as RangeSet) : Array.isArray(c) && c.length === 0 ? [] : coordsToRanges(c as Coords, `${array.uri} coords on ${name}`));
  });
  return ranges;
}

