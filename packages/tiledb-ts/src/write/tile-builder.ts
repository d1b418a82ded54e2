/**
 * One data tile of one field, gathered from the caller's columns in global order, with the per-tile metadata
 * TileDB keeps (format spec: fragment.md, tile mins/maxes/sums/null counts; the rules of which fields carry
 * which statistics follow TileDB's tile metadata generator).
 */
import { compareByteArrays } from "../binary.js";
import { Datatype, isNumericType, typedArrayOf } from "../datatype.js";
import { offsetsToBytes } from "../filters/var-strings.js";
import { type CodeDictionary, type Column, expandCodes } from "./columns.js";

export interface FieldTile {
  /** Fixed values, or uint64 offsets (relative to this tile's var data) for var fields. */
  fixed: Uint8Array;
  varData?: Uint8Array;
  validity?: Uint8Array;
  cellCount: number;
  /** Coded var cells (see Column.codes): each cell's dictionary code, for encodings that compare cells. */
  codes?: Uint32Array;
}

export interface TileStats {
  min: Uint8Array | null;
  max: Uint8Array | null;
  /** 8 bytes: int64, uint64 or float64 depending on the type; null when the field has no sum. */
  sum: Uint8Array | null;
  nullCount: number;
}

/** Whether TileDB keeps tile mins/maxes for a field. */
export function hasMinMax(type: Datatype, isDim: boolean, isVar: boolean, cellValNum: number): boolean {
  if (isDim) return false;
  const charLike = type === Datatype.CHAR || type === Datatype.STRING_ASCII;
  if (isVar && !charLike) return false;
  if (cellValNum !== 1 && !charLike) return false;
  return charLike || isNumericType(type);
}

/** Whether TileDB keeps tile sums for a field. */
export function hasSum(type: Datatype, isVar: boolean, cellValNum: number): boolean {
  return !isVar && cellValNum === 1 && isNumericType(type);
}

/**
 * Gathers cells `perm[start..end)` of `col` into a tile. `inOrder`: whether those are consecutive cells (the
 * caller may know it for all of a tile's fields at once).
 */
export function gatherTile(col: Column, perm: Uint32Array, start: number, end: number, inOrder = isRun(perm, start, end)): FieldTile {
  const n = end - start;
  const tile: FieldTile = { fixed: new Uint8Array(0), cellCount: n };
  if (col.codes) {
    // the tile's bytes are built from its codes (a run of one code is written once)
    const codes = inOrder ? col.codes.subarray(perm[start], perm[start] + n) : gatherCodes(col.codes, perm, start, end);
    const { data, offsets } = expandCodes(codes, col.dictionary as CodeDictionary);
    tile.fixed = offsetsToBytes(offsets, n);
    tile.varData = data;
    tile.codes = codes;
  } else if (col.isVar && inOrder) {
    // cells already in order (sorted input, global-order writes): one copy, offsets rebased
    const so = col.varOffsets as Float64Array;
    const first = perm[start];
    const base = so[first];
    const offs = new BigUint64Array(n);
    const words = new Uint32Array(offs.buffer);
    if (so[first + n] - base < 4294967296) {
      for (let k = 0; k < n; k++) words[2 * k] = so[first + k] - base; // high words stay 0
    } else {
      for (let k = 0; k < n; k++) {
        const v = so[first + k] - base;
        words[2 * k] = v % 4294967296;
        words[2 * k + 1] = Math.floor(v / 4294967296);
      }
    }
    tile.fixed = new Uint8Array(offs.buffer);
    tile.varData = (col.varData as Uint8Array).slice(base, so[first + n]);
  } else if (col.isVar) {
    const src = col.varData as Uint8Array;
    const so = col.varOffsets as Float64Array;
    let total = 0;
    for (let k = start; k < end; k++) total += so[perm[k] + 1] - so[perm[k]];
    const data = new Uint8Array(total);
    const offs = new BigUint64Array(n);
    let o = 0;
    for (let k = start; k < end; k++) {
      const i = perm[k];
      offs[k - start] = BigInt(o);
      const a = so[i];
      const b = so[i + 1];
      data.set(src.subarray(a, b), o);
      o += b - a;
    }
    tile.fixed = new Uint8Array(offs.buffer);
    tile.varData = data;
  } else if (inOrder) {
    const first = perm[start] * col.cellSize;
    tile.fixed = (col.fixed as Uint8Array).slice(first, first + n * col.cellSize);
  } else {
    tile.fixed = gatherFixed(col.fixed as Uint8Array, col.cellSize, perm, start, end);
  }
  if (col.validity) {
    const v = new Uint8Array(n);
    const sv = col.validity;
    for (let k = start; k < end; k++) v[k - start] = sv[perm[k]];
    tile.validity = v;
  }
  return tile;
}

function gatherCodes(codes: Uint32Array, perm: Uint32Array, start: number, end: number): Uint32Array {
  const out = new Uint32Array(end - start);
  for (let k = start; k < end; k++) out[k - start] = codes[perm[k]];
  return out;
}

/** Whether perm[start..end) is one ascending run of consecutive cells. */
export function isRun(perm: Uint32Array, start: number, end: number): boolean {
  for (let k = start + 1; k < end; k++) if (perm[k] !== perm[k - 1] + 1) return false;
  return true;
}

function gatherFixed(src: Uint8Array, cellSize: number, perm: Uint32Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const out = new Uint8Array(n * cellSize);
  // Whole-word copies for the common cell sizes (columns own aligned buffers).
  if (cellSize === 8 && src.byteOffset % 8 === 0) {
    const s = new Float64Array(src.buffer, src.byteOffset, src.byteLength / 8);
    const d = new Float64Array(out.buffer);
    // Float64 copies can canonicalize NaN payloads; copy as two uint32 words instead.
    const s32 = new Uint32Array(s.buffer, s.byteOffset, s.length * 2);
    const d32 = new Uint32Array(d.buffer);
    for (let k = 0; k < n; k++) {
      const i = perm[start + k] * 2;
      d32[2 * k] = s32[i];
      d32[2 * k + 1] = s32[i + 1];
    }
    return out;
  }
  if (cellSize === 4 && src.byteOffset % 4 === 0) {
    const s = new Uint32Array(src.buffer, src.byteOffset, src.byteLength / 4);
    const d = new Uint32Array(out.buffer);
    for (let k = 0; k < n; k++) d[k] = s[perm[start + k]];
    return out;
  }
  if (cellSize === 1) {
    for (let k = 0; k < n; k++) out[k] = src[perm[start + k]];
    return out;
  }
  for (let k = 0; k < n; k++) {
    const i = perm[start + k] * cellSize;
    out.set(src.subarray(i, i + cellSize), k * cellSize);
  }
  return out;
}

/** A tile's values as a typed array (indexed directly: a getter closure per value costs more than the scan). */
type NumView = ArrayLike<number | bigint>;

function viewOf(type: Datatype, bytes: Uint8Array): NumView | null {
  const b = bytes.buffer;
  const o = bytes.byteOffset;
  const len = bytes.byteLength;
  if (!isNumericType(type)) return null;
  const C = typedArrayOf(type);
  return new C(b, o, len / C.BYTES_PER_ELEMENT);
}

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/** Tile statistics as TileDB computes them (nulls skipped; sums saturate instead of overflowing). */
export function tileStats(col: Column, tile: FieldTile, isDim: boolean): TileStats {
  const n = tile.cellCount;
  const v = tile.validity;
  let nullCount = 0;
  if (v) for (let i = 0; i < n; i++) if (v[i] === 0) nullCount++;
  const stats: TileStats = { min: null, max: null, sum: null, nullCount };
  const withMinMax = hasMinMax(col.type, isDim, col.isVar, col.cellValNum);
  const withSum = !isDim && hasSum(col.type, col.isVar, col.cellValNum);
  if (col.isVar || col.type === Datatype.CHAR || col.type === Datatype.STRING_ASCII) {
    if (withMinMax) stringMinMax(col, tile, stats);
    if (withSum) stats.sum = new Uint8Array(8);
    return stats;
  }
  const view = viewOf(col.type, tile.fixed);
  if (withMinMax && view) {
    let minI = 0;
    while (minI < n && v && v[minI] === 0) minI++;
    if (minI === n) minI = -1;
    let maxI = minI;
    if (minI >= 0) {
      let min = view[minI];
      let max = min;
      // NaN never compares smaller or larger, so it is never picked, as in TileDB (unless it comes first).
      for (let i = minI + 1; i < n; i++) {
        if (v && v[i] === 0) continue;
        const x = view[i];
        if (x < min) { min = x; minI = i; }
        if (x > max) { max = x; maxI = i; }
      }
    }
    const cs = col.cellSize;
    if (minI >= 0) {
      stats.min = tile.fixed.slice(minI * cs, minI * cs + cs);
      stats.max = tile.fixed.slice(maxI * cs, maxI * cs + cs);
    } else {
      // All null or empty: TileDB keeps the type's extreme defaults (min = type max, max = type min).
      stats.min = typeExtreme(col.type, cs, "max");
      stats.max = typeExtreme(col.type, cs, "min");
    }
  }
  if (withSum && view) stats.sum = sumOf(col.type, view, n, v);
  return stats;
}

function typeExtreme(type: Datatype, size: number, which: "min" | "max"): Uint8Array {
  const out = new Uint8Array(size);
  const d = new DataView(out.buffer);
  switch (type) {
    case Datatype.INT8: d.setInt8(0, which === "max" ? 127 : -128); break;
    case Datatype.UINT8: case Datatype.BOOL: d.setUint8(0, which === "max" ? 255 : 0); break;
    case Datatype.INT16: d.setInt16(0, which === "max" ? 32767 : -32768, true); break;
    case Datatype.UINT16: d.setUint16(0, which === "max" ? 65535 : 0, true); break;
    case Datatype.INT32: d.setInt32(0, which === "max" ? 2147483647 : -2147483648, true); break;
    case Datatype.UINT32: d.setUint32(0, which === "max" ? 4294967295 : 0, true); break;
    case Datatype.FLOAT32: d.setFloat32(0, which === "max" ? 3.4028234663852886e38 : -3.4028234663852886e38, true); break;
    case Datatype.FLOAT64: d.setFloat64(0, which === "max" ? Number.MAX_VALUE : -Number.MAX_VALUE, true); break;
    case Datatype.UINT64: d.setBigUint64(0, which === "max" ? U64_MAX : 0n, true); break;
    default: d.setBigInt64(0, which === "max" ? I64_MAX : I64_MIN, true);
  }
  return out;
}

function sumOf(type: Datatype, view: NumView, n: number, v?: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  const d = new DataView(out.buffer);
  if (type === Datatype.FLOAT32 || type === Datatype.FLOAT64) {
    let s = 0;
    // a plain sum first: float32 tiles cannot overflow a double, and a float64 one that does shows as not finite
    if (!v) for (let i = 0; i < n; i++) s += view[i] as number;
    if (!v && Number.isFinite(s)) {
      d.setFloat64(0, s, true);
      return out;
    }
    s = 0;
    for (let i = 0; i < n; i++) {
      if (v && v[i] === 0) continue;
      const x = view[i] as number;
      if (s < 0 === x < 0 && Math.abs(s) > Number.MAX_VALUE - Math.abs(x)) {
        s = s < 0 ? -Number.MAX_VALUE : Number.MAX_VALUE;
        break;
      }
      s += x;
    }
    d.setFloat64(0, s, true);
    return out;
  }
  const unsigned = type === Datatype.UINT8 || type === Datatype.BOOL || type === Datatype.UINT16 || type === Datatype.UINT32 || type === Datatype.UINT64;
  if (unsigned) {
    let s = 0n;
    for (let i = 0; i < n; i++) {
      if (v && v[i] === 0) continue;
      s += BigInt(view[i]);
      if (s > U64_MAX) { s = U64_MAX; break; }
    }
    d.setBigUint64(0, s, true);
  } else {
    let s = 0n;
    // Small ints sum exactly in a double first (fast path), then switch to bigint.
    let f = 0;
    let useBig = type === Datatype.INT64 || (type >= Datatype.DATETIME_YEAR && type <= Datatype.TIME_AS);
    if (!useBig) {
      for (let i = 0; i < n; i++) if (!(v && v[i] === 0)) f += view[i] as number;
      if (Math.abs(f) < 2 ** 53) s = BigInt(f);
      else useBig = true;
    }
    if (useBig) {
      s = 0n;
      for (let i = 0; i < n; i++) {
        if (v && v[i] === 0) continue;
        s += BigInt(view[i]);
        if (s > I64_MAX) { s = I64_MAX; break; }
        if (s < I64_MIN) { s = I64_MIN; break; }
      }
    }
    d.setBigInt64(0, s, true);
  }
  return out;
}

/** Fixed char cells compare like strncmp (stopping at a zero byte); var cells byte-wise. */
function strncmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
    if (a[i] === 0) return 0;
  }
  return 0;
}

function stringMinMax(col: Column, tile: FieldTile, stats: TileStats): void {
  const n = tile.cellCount;
  const v = tile.validity;
  let min: Uint8Array | null = null;
  let max: Uint8Array | null = null;
  if (col.isVar) {
    const offs = new BigUint64Array(tile.fixed.buffer, tile.fixed.byteOffset, n);
    const data = tile.varData as Uint8Array;
    for (let i = 0; i < n; i++) {
      if (v && v[i] === 0) continue;
      const a = Number(offs[i]);
      const b = i + 1 < n ? Number(offs[i + 1]) : data.byteLength;
      const x = data.subarray(a, b);
      if (min === null || compareByteArrays(x, min) < 0) min = x;
      if (max === null || compareByteArrays(x, max) > 0) max = x;
    }
  } else {
    const cs = col.cellSize;
    for (let i = 0; i < n; i++) {
      if (v && v[i] === 0) continue;
      const x = tile.fixed.subarray(i * cs, i * cs + cs);
      if (min === null || strncmp(min, x) > 0) min = x;
      if (max === null || strncmp(max, x) < 0) max = x;
    }
  }
  stats.min = min ? min.slice() : col.isVar ? new Uint8Array(0) : null;
  stats.max = max ? max.slice() : col.isVar ? new Uint8Array(0) : null;
  if (!col.isVar && stats.min === null) {
    stats.min = new Uint8Array(col.cellSize);
    stats.max = new Uint8Array(col.cellSize);
  }
}
