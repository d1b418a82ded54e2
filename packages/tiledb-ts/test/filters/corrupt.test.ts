/**
 * Corrupt filtered tiles: truncation at every length and bit flips give a TileDBError naming the tile
 * (or, where the format cannot tell, a tile of the right size) — never another exception, a hang or a huge allocation.
 */
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { TileDBError } from "../../src/errors.js";
import { decodeTile, decodeVarStringTile, encodeTile, type FilterContext, type FilterPipeline, type FilterSpec, FilterType } from "../../src/filters/index.js";
import { randomBytes } from "./helpers.js";

const f = (type: FilterType, options: Record<string, number> = {}): FilterSpec => ({ type, options });
const p = (...filters: FilterSpec[]): FilterPipeline => ({ maxChunkSize: 65536, filters });
const what = 'arr/__fragments/__1_1_x_22/a0.tdb attribute "a"';

const pipelines: [string, FilterPipeline, Datatype][] = [
  ["byteshuffle+zstd", p(f(FilterType.BYTESHUFFLE), f(FilterType.ZSTD)), Datatype.FLOAT32],
  ["dd+bwr+zstd", p(f(FilterType.DOUBLE_DELTA), f(FilterType.BIT_WIDTH_REDUCTION), f(FilterType.ZSTD)), Datatype.UINT64],
  ["gzip", p(f(FilterType.GZIP)), Datatype.INT32],
  ["lz4", p(f(FilterType.LZ4)), Datatype.INT32],
  ["bzip2", p(f(FilterType.BZIP2)), Datatype.INT16],
  ["rle", p(f(FilterType.RLE)), Datatype.INT32],
  ["positive delta+bitshuffle", p(f(FilterType.POSITIVE_DELTA), f(FilterType.BITSHUFFLE)), Datatype.UINT32],
  ["delta+xor", p(f(FilterType.DELTA), f(FilterType.XOR)), Datatype.INT64],
  ["float scale", p(f(FilterType.SCALE_FLOAT, { scale: 0.01, offset: 0, byteWidth: 2 })), Datatype.FLOAT64],
  ["md5", p(f(FilterType.CHECKSUM_MD5)), Datatype.INT32],
  ["sha256+zstd", p(f(FilterType.ZSTD), f(FilterType.CHECKSUM_SHA256)), Datatype.INT32],
];

function sample(type: Datatype, n: number): Uint8Array {
  const out = new Uint8Array(n * (type === Datatype.INT16 ? 2 : type === Datatype.FLOAT32 || type === Datatype.INT32 || type === Datatype.UINT32 ? 4 : 8));
  const dv = new DataView(out.buffer);
  const r = randomBytes(n, 2);
  for (let i = 0; i < n; i++) {
    if (type === Datatype.FLOAT32) dv.setFloat32(i * 4, Math.sin(i), true);
    else if (type === Datatype.FLOAT64) dv.setFloat64(i * 8, Math.sin(i) * 100, true);
    else if (type === Datatype.INT16) dv.setInt16(i * 2, r[i] >> 3, true);
    else if (type === Datatype.INT32 || type === Datatype.UINT32) dv.setUint32(i * 4, i * 3 + (r[i] >> 6), true);
    else dv.setBigUint64(i * 8, BigInt(i * 5 + (r[i] >> 6)), true);
  }
  return out;
}

/** Decoding must throw a TileDBError that names the tile, or return exactly `size` bytes. */
function decodesSafely(bytes: Uint8Array, pipe: FilterPipeline, ctx: FilterContext, size: number): "error" | "ok" {
  try {
    const out = decodeTile(bytes, pipe, ctx, size);
    expect(out.byteLength).toBe(size);
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(TileDBError);
    expect((e as Error).message).toContain(what);
    return "error";
  }
}

describe("corrupt filtered tiles", () => {
  for (const [name, pipe, type] of pipelines) {
    it(`${name}: every truncation is an error naming the tile`, () => {
      const data = sample(type, 20000);
      const ctx: FilterContext = { datatype: type, cellValNum: 1, what };
      const enc = encodeTile(data, pipe, ctx);
      const cuts = new Set<number>([0, 1, 7, 8, 12, 19, 20, enc.byteLength - 1]);
      for (let i = 0; i < 40; i++) cuts.add(Math.floor((enc.byteLength * i) / 40));
      for (const cut of cuts) {
        if (cut >= enc.byteLength) continue;
        expect(decodesSafely(enc.subarray(0, cut), pipe, ctx, data.byteLength)).toBe("error");
      }
    });
    it(`${name}: bit flips never crash or return a wrong-sized tile`, () => {
      const data = sample(type, 5000);
      const ctx: FilterContext = { datatype: type, cellValNum: 1, what };
      const enc = encodeTile(data, pipe, ctx);
      const rnd = randomBytes(400, 99);
      const checksummed = pipe.filters.some((x) => x.type === FilterType.CHECKSUM_MD5 || x.type === FilterType.CHECKSUM_SHA256);
      for (let i = 0; i < 100; i++) {
        const pos = ((rnd[4 * i] << 16) | (rnd[4 * i + 1] << 8) | rnd[4 * i + 2]) % enc.byteLength;
        const bad = enc.slice();
        bad[pos] ^= 1 << (rnd[4 * i + 3] & 7);
        const r = decodesSafely(bad, pipe, ctx, data.byteLength);
        // A checksum over the last filter's output catches any flip in the data it covers.
        if (checksummed && pipe.filters[pipe.filters.length - 1].type !== FilterType.ZSTD && pos >= enc.byteLength - data.byteLength) expect(r).toBe("error");
      }
    });
  }

  it("a checksum mismatch names the tile and both digests", () => {
    const pipe = p(f(FilterType.CHECKSUM_SHA256));
    const ctx: FilterContext = { datatype: Datatype.INT32, cellValNum: 1, what };
    const enc = encodeTile(sample(Datatype.INT32, 100), pipe, ctx);
    enc[enc.byteLength - 1] ^= 0x10;
    expect(() => decodeTile(enc, pipe, ctx)).toThrow(/a0\.tdb attribute "a": checksum sha256 checksum mismatch on data: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
  });

  it("a huge chunk count is rejected before allocating", () => {
    const bad = new Uint8Array(32);
    new DataView(bad.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeTile(bad, p(), { datatype: Datatype.INT32, cellValNum: 1, what })).toThrow(/chunk count/);
  });

  it("a size that disagrees with the fragment metadata is an error", () => {
    const ctx: FilterContext = { datatype: Datatype.INT32, cellValNum: 1, what };
    const enc = encodeTile(sample(Datatype.INT32, 100), p(f(FilterType.ZSTD)), ctx);
    expect(() => decodeTile(enc, p(f(FilterType.ZSTD)), ctx, 404)).toThrow(/expected 404/);
  });

  it("var-sized string tiles with corrupt dictionaries are errors", () => {
    const ctx: FilterContext = { datatype: Datatype.STRING_ASCII, cellValNum: 0xffffffff, what };
    const data = new TextEncoder().encode("aabbbcaab");
    const offsets = [0, 2, 5, 6, 8];
    const pipe = p(f(FilterType.DICTIONARY));
    const enc = encodeTile(data, pipe, ctx, offsets);
    expect(decodeVarStringTile(enc, pipe, ctx).data).toEqual(data);
    for (let cut = 0; cut < enc.byteLength; cut++) {
      expect(() => decodeVarStringTile(enc.subarray(0, cut), pipe, ctx)).toThrow(TileDBError);
    }
    const bad = enc.slice();
    bad[bad.byteLength - 1] = 200; // a word id past the dictionary
    expect(() => decodeVarStringTile(bad, pipe, ctx)).toThrow(/word id/);
  });
});
