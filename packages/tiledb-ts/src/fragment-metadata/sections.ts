/**
 * The payloads of the per-field and fragment-level generic tiles (uint64 lists, tile bounds, sums, fragment stats,
 * processed conditions): each decoder, then each encoder.
 */
import { ByteReader, ByteWriter } from "../binary.js";
import { TileDBError } from "../errors.js";
import { corrupt } from "./corrupt.js";
import type { FragmentStats, TileBounds } from "./types.js";

export function bigU64s(data: Uint8Array, what: string, section: string): BigUint64Array {
  const r = new ByteReader(data, what);
  const n = r.u64n();
  if (n * 8 !== r.remaining) throw corrupt(what, `${section} holds ${r.remaining} bytes for ${n} values`);
  const copy = data.slice(8, 8 + n * 8);
  return new BigUint64Array(copy.buffer, 0, n);
}

export function decodeBounds(data: Uint8Array, what: string): TileBounds {
  const r = new ByteReader(data, what);
  const fixedSize = r.u64n();
  const varSize = r.u64n();
  const fixed = r.bytesView(fixedSize).slice();
  return { fixed, var: r.bytesView(varSize).slice() };
}

export function decodeFragmentStats(data: Uint8Array, num: number, what: string): FragmentStats[] {
  const r = new ByteReader(data, what);
  const out: FragmentStats[] = [];
  for (let i = 0; i < num; i++) {
    const min = r.bytesView(r.u64n()).slice();
    const max = r.bytesView(r.u64n()).slice();
    const sum = r.bytesView(8).slice();
    out.push({ min, max, sum, nullCount: r.u64() });
  }
  return out;
}

export function decodeProcessedConditions(data: Uint8Array, what: string): string[] {
  const r = new ByteReader(data, what);
  const n = r.u64n();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string(r.u64n()));
  return out;
}

export function u64Tile(values: ArrayLike<number | bigint>): Uint8Array {
  const w = new ByteWriter(8 + values.length * 8);
  w.u64(values.length);
  for (let i = 0; i < values.length; i++) w.u64(values[i]);
  return w.finish();
}

export function boundsTile(b: TileBounds): Uint8Array {
  const w = new ByteWriter(16 + b.fixed.byteLength + b.var.byteLength);
  w.u64(b.fixed.byteLength).u64(b.var.byteLength).bytes(b.fixed).bytes(b.var);
  return w.finish();
}

/** A field's tile sums: 8 bytes per tile, after their count. */
export function sumsTile(sums: Uint8Array): Uint8Array {
  if (sums.byteLength % 8 !== 0) throw new TileDBError("E_FRAGMENT", `fragment metadata: tile sums must be 8 bytes per tile, got ${sums.byteLength}`);
  const w = new ByteWriter(8 + sums.byteLength);
  w.u64(sums.byteLength / 8).bytes(sums);
  return w.finish();
}

export function fragmentStatsTile(stats: FragmentStats[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const s of stats) {
    w.u64(s.min.byteLength).bytes(s.min).u64(s.max.byteLength).bytes(s.max);
    if (s.sum.byteLength !== 8) throw new TileDBError("E_FRAGMENT", `fragment metadata: a fragment sum must be 8 bytes, got ${s.sum.byteLength}`);
    w.bytes(s.sum).u64(s.nullCount);
  }
  return w.finish();
}

export function processedConditionsTile(conditions: string[]): Uint8Array {
  const w = new ByteWriter(16);
  w.u64(conditions.length);
  for (const c of conditions) {
    const b = new TextEncoder().encode(c);
    w.u64(b.byteLength).bytes(b);
  }
  return w.finish();
}
