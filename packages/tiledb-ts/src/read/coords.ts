/**
 * Coordinates of decoded dimension tiles: reading one cell's value, comparing cells in the array's global
 * order (tile order over space tiles, then cell order; format spec: array_schema.md "Tile order"/"Cell order")
 * and testing cells against subarray ranges. 64-bit values are compared as two 32-bit words, so no BigInt
 * is allocated per cell on the hot path.
 */
import { compareBytes } from "../binary.js";
import { Datatype, datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { hilbertBits, hilbertValue, numberBucket, stringBucket } from "../hilbert.js";
import type { ArraySchema, Dimension, DomainValue } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import { typedView } from "./result.js";
import type { FieldTile } from "./tiles.js";

export type CoordValue = DomainValue | string;

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** A dimension's values in one tile, ready for comparisons. */
export interface DimColumn {
  kind: "num" | "i64" | "u64" | "str";
  /** num: the values. */
  num?: ArrayLike<number>;
  /** i64/u64: the 32-bit words (little-endian: low word at 2i, high word at 2i + 1). */
  words?: Int32Array | Uint32Array;
  /** str: bytes and offsets. */
  bytes?: Uint8Array;
  offsets?: Float64Array;
}

export function dimColumn(dim: Dimension, tile: FieldTile): DimColumn {
  if (dim.cellValNum === VAR_NUM) return { kind: "str", bytes: tile.data, offsets: tile.offsets };
  const size = datatypeSize(dim.type);
  if (size === 8 && dim.type !== Datatype.FLOAT64) {
    let data = tile.data;
    if (data.byteOffset % 4 !== 0) data = data.slice();
    const unsigned = dim.type === Datatype.UINT64;
    const words = unsigned ? new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4) : new Int32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    return { kind: unsigned ? "u64" : "i64", words };
  }
  return { kind: "num", num: typedView(dim.type, tile.data) as unknown as ArrayLike<number> };
}

/** The value of cell `i` (bigint for 64-bit integer types, string for string dimensions). */
export function coordAt(col: DimColumn, i: number): CoordValue {
  switch (col.kind) {
    case "num": return (col.num as ArrayLike<number>)[i];
    case "str": {
      const o = col.offsets as Float64Array;
      return textDecoder.decode((col.bytes as Uint8Array).subarray(o[i], o[i + 1]));
    }
    default: {
      const w = col.words as Int32Array | Uint32Array;
      return (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i] >>> 0);
    }
  }
}

/** Compares cell i of a with cell j of b (same dimension). */
export function compareCells(a: DimColumn, i: number, b: DimColumn, j: number): number {
  switch (a.kind) {
    case "num": {
      const x = (a.num as ArrayLike<number>)[i];
      const y = (b.num as ArrayLike<number>)[j];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "str":
      return compareBytes(a.bytes as Uint8Array, (a.offsets as Float64Array)[i], (a.offsets as Float64Array)[i + 1],
        b.bytes as Uint8Array, (b.offsets as Float64Array)[j], (b.offsets as Float64Array)[j + 1]);
    default: {
      const wa = a.words as Int32Array;
      const wb = b.words as Int32Array;
      const ha = wa[2 * i + 1];
      const hb = wb[2 * j + 1];
      if (ha !== hb) return ha < hb ? -1 : 1;
      const la = wa[2 * i] >>> 0;
      const lb = wb[2 * j] >>> 0;
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
  }
}

/**
 * Space-tile index of cell i along a dimension with a tile extent (numbers; exact for the tile counts real
 * domains have). String dimensions have no space tiles.
 */
export function tileIndexAt(col: DimColumn, i: number, low: number, extent: number): number {
  let v: number;
  if (col.kind === "num") v = (col.num as ArrayLike<number>)[i];
  else {
    const w = col.words as Int32Array | Uint32Array;
    v = (col.kind === "i64" ? w[2 * i + 1] : w[2 * i + 1] >>> 0) * 4294967296 + (w[2 * i] >>> 0);
  }
  return Math.floor((v - low) / extent);
}

/** The global-order comparator of a schema over cells given as (columns per dimension, index). */
export function globalOrder(schema: ArraySchema): (a: DimColumn[], i: number, b: DimColumn[], j: number) => number {
  const dims = schema.dimensions;
  const n = dims.length;
  if (schema.cellOrder === "hilbert" && n > 1) return hilbertOrder(schema);
  const cellSeq = schema.cellOrder === "col-major" ? [...Array(n).keys()].reverse() : [...Array(n).keys()];
  const tileSeq = schema.tileOrder === "col-major" ? [...Array(n).keys()].reverse() : [...Array(n).keys()];
  const tiled = tileSeq.filter((d) => dims[d].tileExtent !== null && dims[d].domain !== null && dims[d].cellValNum !== VAR_NUM);
  const lows = dims.map((d) => (d.domain ? Number(d.domain[0]) : 0));
  const exts = dims.map((d) => (d.tileExtent !== null ? Number(d.tileExtent) : 0));
  const useTiles = tiled.length > 0 && n > 1;
  return (a, i, b, j) => {
    if (useTiles) {
      for (const d of tiled) {
        const ta = tileIndexAt(a[d], i, lows[d], exts[d]);
        const tb = tileIndexAt(b[d], j, lows[d], exts[d]);
        if (ta !== tb) return ta < tb ? -1 : 1;
      }
    }
    for (const d of cellSeq) {
      const c = compareCells(a[d], i, b[d], j);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Whether two cells have the same coordinates. */
export function sameCoords(a: DimColumn[], i: number, b: DimColumn[], j: number): boolean {
  for (let d = 0; d < a.length; d++) if (compareCells(a[d], i, b[d], j) !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Subarray ranges

/** Inclusive ranges on one dimension, sorted and merged, in a form each kind of column tests quickly. */
export interface DimRanges {
  kind: DimColumn["kind"];
  /** num/i64/u64 when every bound is a safe integer: numeric bounds (lo0, hi0, lo1, hi1, …). */
  num?: Float64Array;
  /** i64/u64 with bounds beyond 2^53: bigint bounds. */
  big?: bigint[];
  /** str: byte bounds. */
  str?: Array<[Uint8Array, Uint8Array]>;
}

function asBig(v: CoordValue, dim: Dimension): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": ${String(v)} is not an integer`);
}

/** Validates and normalises the ranges requested on one dimension. */
export function dimRanges(dim: Dimension, ranges: Array<[CoordValue, CoordValue]>): DimRanges {
  if (ranges.length === 0) throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": empty list of ranges`);
  if (dim.cellValNum === VAR_NUM) {
    const str = ranges.map(([lo, hi]) => {
      if (typeof lo !== "string" || typeof hi !== "string") throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}" is a string dimension: ranges must be strings`);
      if (lo > hi) throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": range ["${lo}", "${hi}"] has low > high`);
      return [textEncoder.encode(lo), textEncoder.encode(hi)] as [Uint8Array, Uint8Array];
    });
    return { kind: "str", str };
  }
  for (const [lo, hi] of ranges) {
    if (typeof lo === "string" || typeof hi === "string") throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": ranges must be numbers, got "${lo}".."${hi}"`);
  }
  const size = datatypeSize(dim.type);
  const kind: DimColumn["kind"] = size === 8 && dim.type !== Datatype.FLOAT64 ? (dim.type === Datatype.UINT64 ? "u64" : "i64") : "num";
  if (kind === "num") {
    const sorted = ranges.map(([lo, hi]) => [Number(lo), Number(hi)]).sort((x, y) => x[0] - y[0]);
    for (const [lo, hi] of sorted) if (!(lo <= hi)) throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": range [${lo}, ${hi}] has low > high`);
    return { kind, num: Float64Array.from(mergeRanges(sorted).flat()) };
  }
  const big = ranges.map(([lo, hi]) => [asBig(lo, dim), asBig(hi, dim)] as [bigint, bigint]).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [lo, hi] of big) if (lo > hi) throw new TileDBError("E_SUBARRAY", `dimension "${dim.name}": range [${lo}, ${hi}] has low > high`);
  const merged = mergeRanges(big);
  const safe = merged.every(([lo, hi]) => lo >= -(2n ** 53n) && hi <= 2n ** 53n);
  if (safe) return { kind, num: Float64Array.from(merged.flat().map(Number)) };
  return { kind, big: merged.flat() };
}

function mergeRanges<T extends number | bigint>(sorted: Array<T[]>): Array<[T, T]> {
  const out: Array<[T, T]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1]) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  return out;
}

/** Whether [lo, hi] (a tile's MBR on this dimension) lies entirely inside one range, or outside all of them. */
export function mbrRelation(r: DimRanges, lo: CoordValue, hi: CoordValue): "inside" | "outside" | "partial" {
  if (r.kind === "str") {
    const l = textEncoder.encode(String(lo));
    const h = textEncoder.encode(String(hi));
    let any = false;
    for (const [a, b] of r.str as Array<[Uint8Array, Uint8Array]>) {
      const loVsB = compareBytes(l, 0, l.length, b, 0, b.length);
      const hiVsA = compareBytes(h, 0, h.length, a, 0, a.length);
      if (loVsB > 0 || hiVsA < 0) continue;
      any = true;
      if (compareBytes(l, 0, l.length, a, 0, a.length) >= 0 && compareBytes(h, 0, h.length, b, 0, b.length) <= 0) return "inside";
    }
    return any ? "partial" : "outside";
  }
  if (r.num) {
    // ranges are sorted and disjoint: only the first range ending at or after lo can hold [lo, hi] or overlap it
    const l = Number(lo);
    const h = Number(hi);
    const n = r.num;
    const k = 2 * firstRangeEndingAtOrAfter(n, l);
    if (k >= n.length || h < n[k]) return "outside";
    return l >= n[k] && h <= n[k + 1] ? "inside" : "partial";
  }
  const l = BigInt(lo as bigint);
  const h = BigInt(hi as bigint);
  const b = r.big as bigint[];
  let any = false;
  for (let k = 0; k < b.length; k += 2) {
    if (l > b[k + 1] || h < b[k]) continue;
    any = true;
    if (l >= b[k] && h <= b[k + 1]) return "inside";
  }
  return any ? "partial" : "outside";
}

/** Index of the first of the sorted, disjoint ranges [b[2j], b[2j+1]] with b[2j+1] >= v (their count if none). */
function firstRangeEndingAtOrAfter(b: Float64Array, v: number): number {
  let lo = 0;
  let hi = b.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b[2 * mid + 1] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Clears `keep[i]` for every cell whose value on this dimension is in none of the ranges. */
export function filterCells(col: DimColumn, r: DimRanges, keep: Uint8Array): void {
  const n = keep.length;
  if (col.kind === "str") {
    const bytes = col.bytes as Uint8Array;
    const o = col.offsets as Float64Array;
    const rs = r.str as Array<[Uint8Array, Uint8Array]>;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      let hit = 0;
      for (const [a, b] of rs) {
        if (compareBytes(bytes, o[i], o[i + 1], a, 0, a.length) >= 0 && compareBytes(bytes, o[i], o[i + 1], b, 0, b.length) <= 0) {
          hit = 1;
          break;
        }
      }
      keep[i] = hit;
    }
    return;
  }
  if (r.num) {
    const b = r.num;
    const nr = b.length;
    const num = col.num;
    const w = col.words;
    const signed = col.kind === "i64";
    // Cells come in runs along a dimension (global order; a sparse matrix row repeats its row index once per
    // stored value): a cell with the previous cell's value gets its answer, and the range the previous cell
    // fell in (or the next one) is tried before a binary search.
    let last = 0;
    let prevV = Number.NaN;
    let prevHit = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      let v: number;
      if (num) v = num[i];
      else {
        const hiw = (w as Int32Array)[2 * i + 1];
        v = (signed ? hiw : hiw >>> 0) * 4294967296 + ((w as Int32Array)[2 * i] >>> 0);
      }
      if (v === prevV) {
        keep[i] = prevHit;
        continue;
      }
      let hit = 0;
      if (nr === 2) hit = v >= b[0] && v <= b[1] ? 1 : 0;
      else if (v >= b[last] && v <= b[last + 1]) hit = 1;
      else if (v > b[last + 1] && (last + 2 >= nr || v < b[last + 2])) hit = 0; // in the gap after it
      else if (last + 3 < nr && v >= b[last + 2] && v <= b[last + 3]) {
        hit = 1;
        last += 2;
      } else {
        const k = 2 * firstRangeEndingAtOrAfter(b, v);
        hit = k < nr && v >= b[k] ? 1 : 0;
        if (k < nr) last = k;
      }
      keep[i] = hit;
      prevV = v;
      prevHit = hit;
    }
    return;
  }
  const b = r.big as bigint[];
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    const v = coordAt(col, i) as bigint;
    let hit = 0;
    for (let k = 0; k < b.length; k += 2) {
      if (v >= b[k] && v <= b[k + 1]) {
        hit = 1;
        break;
      }
    }
    keep[i] = hit;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Hilbert order (sparse arrays with cell order "hilbert"): cells sort by the Hilbert value of their
// coordinates, each mapped to `bits = 63 / dims` bits, then row-major on ties (TileDB: misc/hilbert.h,
// Dimension::map_to_uint64, HilbertCmp).

/** Maps cell i of a dimension to its Hilbert bucket. */
function hilbertBucket(dim: Dimension, col: DimColumn, i: number, bits: number): bigint {
  if (col.kind === "str") {
    const o = col.offsets as Float64Array;
    return stringBucket(col.bytes as Uint8Array, o[i], o[i + 1] - o[i], bits);
  }
  const [lo, hi] = dim.domain as [DomainValue, DomainValue];
  let v: number;
  if (col.kind === "num") v = (col.num as ArrayLike<number>)[i];
  else {
    const w = col.words as Int32Array | Uint32Array;
    v = (col.kind === "i64" ? w[2 * i + 1] : w[2 * i + 1] >>> 0) * 4294967296 + (w[2 * i] >>> 0);
  }
  return numberBucket(v, Number(lo), Number(hi), bits);
}

function hilbertOrder(schema: ArraySchema): (a: DimColumn[], i: number, b: DimColumn[], j: number) => number {
  const dims = schema.dimensions;
  const n = dims.length;
  const bits = hilbertBits(n);
  const cache = new WeakMap<DimColumn[], Map<number, bigint>>();
  const value = (cols: DimColumn[], i: number): bigint => {
    let m = cache.get(cols);
    if (!m) {
      m = new Map();
      cache.set(cols, m);
    }
    let v = m.get(i);
    if (v === undefined) {
      v = hilbertValue(cols.map((c, d) => hilbertBucket(dims[d], c, i, bits)), bits);
      m.set(i, v);
    }
    return v;
  };
  return (a, i, b, j) => {
    const ha = value(a, i);
    const hb = value(b, j);
    if (ha !== hb) return ha < hb ? -1 : 1;
    for (let d = 0; d < n; d++) {
      const c = compareCells(a[d], i, b[d], j);
      if (c !== 0) return c;
    }
    return 0;
  };
}
