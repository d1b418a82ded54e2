/**
 * The global cell order of a sparse array (format spec: array_schema.md, tile and cell order): cells sort by
 * the space tile they fall in (tile order over the dimensions that have a tile extent), then by cell order.
 * Fragments store their cells in this order, split into data tiles of `capacity` cells.
 */
import { ByteRanges } from "../binary.js";
import { storageOf, typedArrayOf } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { hilbertBits, hilbertValue, numberBucket, stringBucket } from "../hilbert.js";
import type { ArraySchema, Dimension } from "../schema.js";
import type { Column } from "./columns.js";
import { radixGlobalOrder } from "./radix-order.js";

/** Compares cells i and j: negative, zero or positive. */
export type CellCompare = (i: number, j: number) => number;

/** Coordinates as numbers, exactly: the column itself for types up to 32 bits and float64. */
export type NumericKey = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

interface DimKey {
  dim: Dimension;
  /** Exactly representable coordinates (numbers); undefined when bigint comparison is needed. */
  num?: NumericKey;
  big?: BigInt64Array | BigUint64Array;
  /** Space tile index per cell for dimensions with a tile extent. */
  tile?: Float64Array;
  /** String dimensions. */
  bytes?: Uint8Array;
  offsets?: Float64Array;
  /** String dimensions given as codes into an ascending dictionary: code order is byte order. */
  codes?: Uint32Array;
}

/**
 * Reads a fixed dimension column as numbers (exact) or bigints. Types up to 32 bits and float64 are viewed in
 * place (every value is exact as a number); a copy per appended chunk would be fresh memory every time.
 */
export function dimValues(col: Column): { num?: NumericKey; big?: BigInt64Array | BigUint64Array } {
  const buf = (col.fixed as Uint8Array).buffer;
  const n = col.cellCount;
  const storage = storageOf(col.type);
  if (storage !== "int64" && storage !== "uint64") return { num: new (typedArrayOf(col.type))(buf, 0, n) as NumericKey };
  const unsigned = storage === "uint64";
  const big = unsigned ? new BigUint64Array(buf, 0, n) : new BigInt64Array(buf, 0, n);
  // Numbers from the two 32-bit halves (no BigInt per cell); exact while |v| < 2^53.
  const lo = new Uint32Array(buf, 0, 2 * n);
  const hiS = new Int32Array(buf, 0, 2 * n);
  const num = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = unsigned ? lo[2 * i + 1] : hiS[2 * i + 1];
    if (hi >= 0x200000 || hi < -0x200000) return { big };
    num[i] = hi * 4294967296 + lo[2 * i];
  }
  return { num };
}

function toNum(v: number | bigint | null): number {
  return typeof v === "bigint" ? Number(v) : (v as number);
}

/** Rejects coordinates outside the dimension's domain (and NaN), naming the dimension, cell and value. */
export function checkDomain(dim: Dimension, key: { num?: NumericKey; big?: BigInt64Array | BigUint64Array }): void {
  if (!dim.domain) return;
  const [lo, hi] = dim.domain;
  if (key.num) {
    const l = toNum(lo);
    const h = toNum(hi);
    const a = key.num;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!(v >= l && v <= h)) {
        throw new TileDBError("E_OUT_OF_DOMAIN", `dimension "${dim.name}": cell ${i} coordinate ${v} is outside the domain [${lo}, ${hi}]`);
      }
    }
  } else if (key.big) {
    const l = BigInt(lo);
    const h = BigInt(hi);
    const a = key.big;
    for (let i = 0; i < a.length; i++) {
      if (a[i] < l || a[i] > h) {
        throw new TileDBError("E_OUT_OF_DOMAIN", `dimension "${dim.name}": cell ${i} coordinate ${a[i]} is outside the domain [${lo}, ${hi}]`);
      }
    }
  }
}

/** Builds per-dimension keys (and checks the domain) for the dimension columns in schema order. */
export function buildDimKeys(schema: ArraySchema, dimCols: Column[]): DimKey[] {
  return schema.dimensions.map((dim, d) => {
    const col = dimCols[d];
    if (col.isVar) {
      if (col.validity) throw new TileDBError("E_WRITE_INPUT", `dimension "${dim.name}" cannot have null coordinates`);
      // coded cells are compared by code; their bytes are built only if a step needs them (Hilbert values, messages)
      if (col.codes) return { dim, codes: col.codes, get bytes() { return col.varData; }, get offsets() { return col.varOffsets; } };
      return { dim, bytes: col.varData, offsets: col.varOffsets };
    }
    const key: DimKey = { dim, ...dimValues(col) };
    checkDomain(dim, key);
    // A domain that is one space tile (e.g. the extent TileDB defaults to) puts every cell in tile 0: no tile key.
    if (dim.tileExtent !== null && dim.domain && oneSpaceTile(dim.domain, dim.tileExtent)) return key;
    if (dim.tileExtent !== null && dim.domain && key.num) {
      const lo = toNum(dim.domain[0]);
      const ext = toNum(dim.tileExtent);
      const t = new Float64Array(col.cellCount);
      for (let i = 0; i < t.length; i++) t[i] = Math.floor((key.num[i] - lo) / ext);
      key.tile = t;
    } else if (dim.tileExtent !== null && dim.domain && key.big) {
      const lo = BigInt(dim.domain[0]);
      const ext = BigInt(dim.tileExtent);
      const t = new Float64Array(col.cellCount);
      for (let i = 0; i < t.length; i++) t[i] = Number((key.big[i] - lo) / ext);
      key.tile = t;
    }
    return key;
  });
}

function oneSpaceTile(domain: [number | bigint, number | bigint], extent: number | bigint): boolean {
  if (typeof domain[0] === "bigint" || typeof domain[1] === "bigint" || typeof extent === "bigint") {
    return BigInt(domain[1]) - BigInt(domain[0]) < BigInt(extent);
  }
  // float domains: the tile of hi is floor((hi - lo) / extent)
  return Math.floor((domain[1] - domain[0]) / extent) === 0;
}

function valueCompare(k: DimKey): CellCompare {
  if (k.codes) {
    const a = k.codes;
    return (i, j) => a[i] - a[j];
  }
  if (k.num) {
    const a = k.num;
    return (i, j) => (a[i] < a[j] ? -1 : a[i] > a[j] ? 1 : 0);
  }
  if (k.big) {
    const a = k.big;
    return (i, j) => (a[i] < a[j] ? -1 : a[i] > a[j] ? 1 : 0);
  }
  const bytes = new ByteRanges(k.bytes as Uint8Array);
  const o = k.offsets as Float64Array;
  return (i, j) => bytes.compare(o[i], o[i + 1], o[j], o[j + 1]);
}

/** The cell-order comparison alone (equal means same coordinates). */
export function cellOrderCompare(schema: ArraySchema, keys: DimKey[]): CellCompare {
  // Hilbert arrays break ties (and detect duplicates) in row-major order, as TileDB's HilbertCmp does.
  const order = schema.cellOrder === "col-major" ? [...keys].reverse() : keys;
  const cmps = order.map(valueCompare);
  if (cmps.length === 1) return cmps[0];
  if (cmps.length === 2) {
    const [a, b] = cmps;
    return (i, j) => a(i, j) || b(i, j);
  }
  return (i, j) => {
    for (const c of cmps) {
      const r = c(i, j);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/**
 * Hilbert values of every cell (TileDB: misc/hilbert.h, Dimension::map_to_uint64): each coordinate is mapped to
 * `bits = 63 / dims` bits (numbers scaled over the domain in float64; strings by their first 8 bytes).
 */
export function hilbertValues(keys: DimKey[], n: number): BigUint64Array {
  const D = keys.length;
  const bits = hilbertBits(D);
  const buckets: Array<(i: number) => bigint> = keys.map((k) => {
    if (k.bytes) {
      const bytes = k.bytes;
      const o = k.offsets as Float64Array;
      return (i) => stringBucket(bytes, o[i], o[i + 1] - o[i], bits);
    }
    const [lo, hi] = k.dim.domain as [number | bigint, number | bigint];
    const start = Number(lo);
    const end = Number(hi);
    const num = k.num;
    const big = k.big;
    return (i) => numberBucket(num ? num[i] : Number((big as BigInt64Array)[i]), start, end, bits);
  });
  const out = new BigUint64Array(n);
  const coords = new Array<bigint>(D);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) coords[d] = buckets[d](i);
    out[i] = hilbertValue(coords, bits);
  }
  return out;
}

/** The full global-order comparison: space tile first, then cell order (or Hilbert value, then row-major). */
export function globalOrderCompare(schema: ArraySchema, keys: DimKey[], n = 0): CellCompare {
  const cell = cellOrderCompare(schema, keys);
  if (schema.cellOrder === "hilbert" && keys.length > 1) {
    const h = hilbertValues(keys, n);
    return (i, j) => (h[i] < h[j] ? -1 : h[i] > h[j] ? 1 : cell(i, j));
  }
  const tiled = (schema.tileOrder === "col-major" ? [...keys].reverse() : keys).filter((k) => k.tile);
  if (tiled.length === 0) return cell;
  const tiles = tiled.map((k) => k.tile as Float64Array);
  if (tiles.length === 1) {
    const t = tiles[0];
    return (i, j) => t[i] - t[j] || cell(i, j);
  }
  if (tiles.length === 2) {
    const [t0, t1] = tiles;
    return (i, j) => t0[i] - t0[j] || t1[i] - t1[j] || cell(i, j);
  }
  return (i, j) => {
    for (const t of tiles) {
      const r = t[i] - t[j];
      if (r !== 0) return r;
    }
    return cell(i, j);
  };
}

/**
 * The permutation that puts `n` cells in global order (identity without sorting when already ordered), and
 * rejects duplicate coordinates when the array does not allow them.
 */
export function globalOrderPermutation(schema: ArraySchema, keys: DimKey[], n: number): Uint32Array {
  const cmp = globalOrderCompare(schema, keys, n);
  let perm = identityPermutation(n);
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (cmp(i - 1, i) > 0) {
      sorted = false;
      break;
    }
  }
  // the radix sort is stable, as Array.prototype.sort is: either gives the same permutation
  if (!sorted) perm = radixGlobalOrder(schema, keys, n) ?? perm.sort(cmp);
  if (!schema.allowsDuplicates) {
    const same = cellOrderCompare(schema, keys);
    for (let i = 1; i < n; i++) {
      if (same(perm[i - 1], perm[i]) === 0) {
        throw new TileDBError(
          "E_DUPLICATE_COORDS",
          `duplicate coordinates at cells ${perm[i - 1]} and ${perm[i]} (${describeCell(keys, perm[i])}); the array does not allow duplicates`,
        );
      }
    }
  }
  return perm;
}

/** 0, 1, ..., n - 1: cells in the order given. */
export function identityPermutation(n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return perm;
}

/** Throws unless cells 0..n-1 are in global order (and distinct, when the array does not allow duplicates). */
export function checkGlobalOrder(schema: ArraySchema, keys: DimKey[], n: number, what: string): void {
  const cmp = globalOrderCompare(schema, keys, n);
  for (let i = 1; i < n; i++) {
    const c = cmp(i - 1, i);
    if (c > 0) {
      throw new TileDBError("E_WRITE_ORDER", `${what}: cells are not in global order: (${describeCell(keys, i)}) comes after (${describeCell(keys, i - 1)})`);
    }
    if (c === 0 && !schema.allowsDuplicates) {
      throw new TileDBError("E_DUPLICATE_COORDS", `${what}: duplicate coordinates (${describeCell(keys, i)}); the array does not allow duplicates`);
    }
  }
}

export function describeCell(keys: DimKey[], i: number): string {
  return keys
    .map((k) => {
      let v: string;
      if (k.num) v = String(k.num[i]);
      else if (k.big) v = String(k.big[i]);
      else v = JSON.stringify(new TextDecoder().decode((k.bytes as Uint8Array).subarray((k.offsets as Float64Array)[i], (k.offsets as Float64Array)[i + 1])));
      return `${k.dim.name}=${v}`;
    })
    .join(", ");
}

export type { DimKey };
