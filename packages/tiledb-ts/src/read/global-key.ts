/**
 * Global order as one number per cell. For integer dimensions in row- or col-major order, a cell's place in
 * the array's global order (space tile, then cell within it) packs into a mixed-radix integer: tile indices
 * relative to the fragments' non-empty domain, then offsets inside the tile. When that integer stays below
 * 2^53 (Census X: ~2^42), merging fragments compares float64s instead of cells dimension by dimension.
 *
 * The same pass checks what a decoded tile promises for free: every coordinate inside the tile's MBR, cells
 * in non-decreasing global order. A violation is corruption (a flipped bit, a torn write).
 */
import { Datatype, datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema, DomainValue } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import type { DimColumn } from "./coords.js";
import type { FragmentView } from "./fragment-view.js";

interface KeyDim {
  /** Domain low: space tiles start at low + k * extent. */
  low: number;
  /** Tile extent, or 0 when the dimension's cells order by value alone. */
  extent: number;
  /** Smallest tile index (or value, untiled) any fragment holds. */
  base: number;
  /** Multiplier of the tile index in the key (0 when not tiled). */
  tileMul: number;
  /** Multiplier of the offset (in the tile, or from `base`) in the key. */
  cellMul: number;
  /** Offsets span [0, cellRadix). */
  cellRadix: number;
  /** Tile indices span [0, tileRadix). */
  tileRadix: number;
}

export interface GlobalKey {
  /**
   * Checks cells [0, n) of a decoded tile (MBR and order) and, when `out` is given (n long at least), writes
   * the keys of the cells listed in `cells` (all cells when null) to its front. `where` names the file and
   * tile in errors.
   */
  tile(dims: DimColumn[], n: number, mbr: Array<[number, number]>, cells: Int32Array | null, out: Float64Array | null, where: () => string): void;
}

const SAFE = 2 ** 53;

function num(v: DomainValue | string): number {
  return typeof v === "bigint" ? Number(v) : Number(v);
}

/** The key of a schema over these fragments, or null when cells do not pack into a float64 exactly. */
export function globalKey(schema: ArraySchema, fragments: FragmentView[]): GlobalKey | null {
  const dims = schema.dimensions;
  const n = dims.length;
  if (schema.cellOrder !== "row-major" && schema.cellOrder !== "col-major") return null;
  if (schema.tileOrder !== "row-major" && schema.tileOrder !== "col-major") return null;
  for (const d of dims) {
    if (d.cellValNum === VAR_NUM || d.domain === null) return null;
    if (d.type === Datatype.FLOAT32 || d.type === Datatype.FLOAT64 || datatypeSize(d.type) > 8) return null;
    if (d.cellValNum !== 1) return null;
  }
  if (fragments.length === 0) return null;
  const tiled = n > 1 && dims.some((d) => d.tileExtent !== null);
  const kd: KeyDim[] = [];
  for (let d = 0; d < n; d++) {
    const dim = dims[d];
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const f of fragments) {
      const ned = f.nonEmptyDomain[d];
      if (!ned) return null;
      lo = Math.min(lo, num(ned[0]));
      hi = Math.max(hi, num(ned[1]));
    }
    if (!(Math.abs(lo) < SAFE && Math.abs(hi) < SAFE)) return null;
    const low = num((dim.domain as [DomainValue, DomainValue])[0]);
    const extent = tiled && dim.tileExtent !== null ? num(dim.tileExtent) : 0;
    if (extent > 0) {
      const t0 = Math.floor((lo - low) / extent);
      const t1 = Math.floor((hi - low) / extent);
      kd.push({ low, extent, base: t0, tileMul: 0, cellMul: 0, tileRadix: t1 - t0 + 1, cellRadix: extent });
    } else kd.push({ low, extent: 0, base: lo, tileMul: 0, cellMul: 0, tileRadix: 1, cellRadix: hi - lo + 1 });
  }
  // least significant first: cell offsets in reverse cell order, then tile indices in reverse tile order
  const cellSeq = schema.cellOrder === "col-major" ? [...Array(n).keys()] : [...Array(n).keys()].reverse();
  const tileSeq = schema.tileOrder === "col-major" ? [...Array(n).keys()] : [...Array(n).keys()].reverse();
  let mul = 1;
  for (const d of cellSeq) {
    kd[d].cellMul = mul;
    mul *= kd[d].cellRadix;
  }
  for (const d of tileSeq) {
    if (kd[d].extent === 0) continue;
    kd[d].tileMul = mul;
    mul *= kd[d].tileRadix;
  }
  if (!(mul <= SAFE)) return null;
  return { tile: (cols, count, mbr, cells, out, where) => keyTile(kd, cols, count, mbr, cells, out, where) };
}

/**
 * Adds dimension d's part of the key of cells [0, n) into `out` (or sets it, for the first dimension),
 * checking each value against the MBR [lo, hi]; returns the first cell outside it, or -1. The hot path of
 * every read that decodes coordinates: one monomorphic loop per column kind, and the space tile's bounds are
 * kept while values stay inside it (cells come in runs inside one space tile).
 */
function addDim(k: KeyDim, col: DimColumn, n: number, lo: number, hi: number, out: Float64Array, first: boolean): number {
  if (col.words !== undefined) return addWords(k, col.words as Int32Array, col.kind === "i64", n, lo, hi, out, first);
  const v = col.num as ArrayLike<number>;
  const at = new Float64Array(n);
  for (let i = 0; i < n; i++) at[i] = v[i];
  return addValues(k, at, n, lo, hi, out, first);
}

function addWords(k: KeyDim, w: Int32Array, signed: boolean, n: number, lo: number, hi: number, out: Float64Array, first: boolean): number {
  const { low, extent, base, tileMul, cellMul } = k;
  let tLo = 1;
  let tHi = 0;
  let tPart = 0;
  for (let i = 0; i < n; i++) {
    const hiw = w[2 * i + 1];
    const low32 = w[2 * i] >>> 0;
    const v = hiw === 0 ? low32 : (signed ? hiw : hiw >>> 0) * 4294967296 + low32;
    if (!(v >= lo && v <= hi)) return i;
    let part: number;
    if (extent > 0) {
      if (v < tLo || v > tHi) {
        const t = Math.floor((v - low) / extent);
        tLo = low + t * extent;
        tHi = tLo + extent - 1;
        tPart = (t - base) * tileMul;
      }
      part = tPart + (v - tLo) * cellMul;
    } else part = (v - base) * cellMul;
    if (first) out[i] = part;
    else out[i] += part;
  }
  return -1;
}

function addValues(k: KeyDim, v: Float64Array, n: number, lo: number, hi: number, out: Float64Array, first: boolean): number {
  const { low, extent, base, tileMul, cellMul } = k;
  let tLo = 1;
  let tHi = 0;
  let tPart = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (!(x >= lo && x <= hi)) return i;
    let part: number;
    if (extent > 0) {
      if (x < tLo || x > tHi) {
        const t = Math.floor((x - low) / extent);
        tLo = low + t * extent;
        tHi = tLo + extent - 1;
        tPart = (t - base) * tileMul;
      }
      part = tPart + (x - tLo) * cellMul;
    } else part = (x - base) * cellMul;
    if (first) out[i] = part;
    else out[i] += part;
  }
  return -1;
}

function keyTile(kd: KeyDim[], cols: DimColumn[], count: number, mbr: Array<[number, number]>, cells: Int32Array | null, out: Float64Array | null, where: () => string): void {
  const keys = out !== null && out.length >= count ? out : new Float64Array(count);
  for (let d = 0; d < kd.length; d++) {
    const bad = addDim(kd[d], cols[d], count, mbr[d][0], mbr[d][1], keys, d === 0);
    if (bad >= 0) {
      throw new TileDBError("E_CORRUPT", `${where()}: cell ${bad} has coordinate ${coordString(cols[d], bad)} on dimension ${d}, outside the tile's bounding rectangle [${mbr[d][0]}, ${mbr[d][1]}]`);
    }
  }
  for (let i = 1; i < count; i++) {
    if (keys[i] < keys[i - 1]) throw new TileDBError("E_CORRUPT", `${where()}: cell ${i} is out of global order (it sorts before cell ${i - 1})`);
  }
  // the selected cells' keys, moved to the front (cells[k] >= k: in place)
  if (cells !== null) for (let k = 0; k < cells.length; k++) keys[k] = keys[cells[k]];
}

function coordString(col: DimColumn, i: number): string {
  if (col.kind === "num") return String((col.num as ArrayLike<number>)[i]);
  const w = col.words as Int32Array;
  const v = (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i] >>> 0);
  return String(col.kind === "i64" ? BigInt.asIntN(64, v) : v);
}
