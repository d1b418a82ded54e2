/** Helpers for the var-sized string forms of RLE and dictionary: cells from offsets, big-endian sizes, offsets output. */

import type { FilterStep } from "./filter.js";
import { corrupt } from "./util.js";

/** The smallest of 1, 2, 4, 8 bytes that holds `n` (TileDB's compute_bytesize). */
export function byteSizeFor(n: number): 1 | 2 | 4 | 8 {
  if (n <= 0xff) return 1;
  if (n <= 0xffff) return 2;
  if (n <= 0xffffffff) return 4;
  return 8;
}

export function writeBE(out: Uint8Array, pos: number, value: number, size: number): void {
  if (size === 1) {
    out[pos] = value;
    return;
  }
  if (size === 2) {
    out[pos] = value >>> 8;
    out[pos + 1] = value & 0xff;
    return;
  }
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[pos + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

export function readBE(input: Uint8Array, pos: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + input[pos + i];
  return v;
}

/** Start and end of every cell of a var-sized tile. */
export function cellBounds(dataLength: number, offsets: ArrayLike<number>, step: FilterStep): { starts: Float64Array; ends: Float64Array } {
  const n = offsets.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = offsets[i];
    ends[i] = i + 1 < n ? offsets[i + 1] : dataLength;
    if (ends[i] < starts[i] || ends[i] > dataLength) throw corrupt(step, "var-sized", `offset ${i} out of order`);
  }
  return { starts, ends };
}

/** The first `n` (ascending) offsets as uint64 little-endian, as an offsets tile holds them. */
export function offsetsToBytes(offsets: ArrayLike<number>, n = offsets.length): Uint8Array {
  const out = new Uint8Array(n * 8);
  const u32 = new Uint32Array(out.buffer);
  if (n === 0 || offsets[n - 1] < 0x100000000) {
    for (let i = 0; i < n; i++) u32[2 * i] = offsets[i]; // high words stay 0
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = offsets[i];
    u32[2 * i] = v % 0x100000000;
    u32[2 * i + 1] = Math.floor(v / 0x100000000);
  }
  return out;
}
