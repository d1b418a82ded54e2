import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter } from "../../src/binary.js";
import { Datatype, datatypeSize } from "../../src/datatype.js";
import { TileDBError } from "../../src/errors.js";
import {
  computeChunkSize,
  decodeFilterPipeline,
  decodeTile,
  decodeTileInto,
  decodeVarStringTile,
  emptyFilteredTile,
  encodeFilterPipeline,
  encodeTile,
  type FilterContext,
  type FilterPipeline,
  type FilterSpec,
  FilterType,
  getFilterCodec,
  unfilteredSize,
  varChunkOffsets,
} from "../../src/filters/index.js";
import { randomBytes } from "./helpers.js";

const VAR = 0xffffffff;
const INT_TYPES = [Datatype.INT8, Datatype.UINT8, Datatype.INT16, Datatype.UINT16, Datatype.INT32, Datatype.UINT32, Datatype.INT64, Datatype.UINT64];
const ALL_TYPES = [...INT_TYPES, Datatype.FLOAT32, Datatype.FLOAT64, Datatype.DATETIME_MS, Datatype.BOOL];
const ctxOf = (datatype: Datatype, cellValNum = 1): FilterContext => ({ datatype, cellValNum, what: `test ${Datatype[datatype]}` });
const p = (...filters: FilterSpec[]): FilterPipeline => ({ maxChunkSize: 65536, filters });
const f = (type: FilterType, options: Record<string, number> = {}): FilterSpec => ({ type, options });

/** Values a filter accepts: sorted for positive delta, small ranges for delta-like filters, anything otherwise. */
function valuesFor(type: Datatype, n: number, shape: "random" | "sorted" | "smooth", seed = 3): Uint8Array {
  const size = datatypeSize(type);
  const bytes = randomBytes(n * size, seed);
  if (type === Datatype.BOOL) return bytes.map((b) => b & 1);
  if (type === Datatype.FLOAT32) return new Uint8Array(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1000).buffer);
  if (type === Datatype.FLOAT64) return new Uint8Array(Float64Array.from({ length: n }, (_, i) => Math.cos(i) * 1e6).buffer);
  if (shape === "random") return bytes;
  // Sorted / smooth: increasing small steps from a base, stored in the type's width.
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  let v = 0;
  for (let i = 0; i < n; i++) {
    v += shape === "sorted" ? bytes[i] % 4 : (bytes[i] % 7) - 3;
    const w = size === 1 ? Math.abs(v) % 120 : v + (size === 2 ? 1000 : 100000);
    if (size === 1) dv.setUint8(i, shape === "sorted" ? Math.min(i >> 6, 120) : w);
    else if (size === 2) dv.setUint16(i * 2, shape === "sorted" ? Math.min(i, 60000) : w, true);
    else if (size === 4) dv.setUint32(i * 4, w >>> 0, true);
    else dv.setBigUint64(i * 8, BigInt(w) + 10n ** 15n, true);
  }
  return out;
}

/** Byte equality without a deep-equal diff over large arrays (which is slow). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
}

function roundTrip(data: Uint8Array, pipeline: FilterPipeline, ctx: FilterContext, offsets?: number[]): Uint8Array {
  const enc = encodeTile(data, pipeline, ctx, offsets);
  return decodeTile(enc, pipeline, ctx, data.byteLength);
}

const lossless: [string, FilterSpec[], "random" | "sorted" | "smooth"][] = [
  ["none", [f(FilterType.NONE)], "random"],
  ["gzip", [f(FilterType.GZIP, { level: 6 })], "random"],
  ["zstd", [f(FilterType.ZSTD, { level: 3 })], "random"],
  ["lz4", [f(FilterType.LZ4)], "random"],
  ["bzip2", [f(FilterType.BZIP2, { level: 1 })], "smooth"],
  ["rle", [f(FilterType.RLE)], "sorted"],
  ["byteshuffle+zstd", [f(FilterType.BYTESHUFFLE), f(FilterType.ZSTD, { level: 9 })], "random"],
  ["bitshuffle+lz4", [f(FilterType.BITSHUFFLE), f(FilterType.LZ4)], "random"],
  ["xor+gzip", [f(FilterType.XOR), f(FilterType.GZIP)], "random"],
  ["md5+zstd+sha256", [f(FilterType.CHECKSUM_MD5), f(FilterType.ZSTD), f(FilterType.CHECKSUM_SHA256)], "random"],
];
const integerOnly: [string, FilterSpec[], "random" | "sorted" | "smooth"][] = [
  ["delta", [f(FilterType.DELTA)], "random"],
  ["double delta", [f(FilterType.DOUBLE_DELTA)], "smooth"],
  ["bit width reduction", [f(FilterType.BIT_WIDTH_REDUCTION, { maxWindow: 256 })], "smooth"],
  ["bit width reduction (full range)", [f(FilterType.BIT_WIDTH_REDUCTION, { maxWindow: 100 })], "random"],
  ["positive delta", [f(FilterType.POSITIVE_DELTA, { maxWindow: 1000 })], "sorted"],
  ["dd+bwr+zstd", [f(FilterType.DOUBLE_DELTA), f(FilterType.BIT_WIDTH_REDUCTION), f(FilterType.ZSTD)], "smooth"],
];

describe("round trips over every datatype width", () => {
  for (const type of ALL_TYPES) {
    for (const [name, filters, shape] of lossless) {
      it(`${name} ${Datatype[type]}`, () => {
        for (const n of [1, 7, 1000, 40000]) {
          const data = valuesFor(type, n, shape);
          expectBytes(roundTrip(data, p(...filters), ctxOf(type)), data);
        }
      });
    }
  }
  for (const type of [...INT_TYPES, Datatype.DATETIME_MS]) {
    for (const [name, filters, shape] of integerOnly) {
      it(`${name} ${Datatype[type]}`, () => {
        for (const n of [1, 2, 3, 1000, 20000]) {
          const data = valuesFor(type, n, shape, n);
          expectBytes(roundTrip(data, p(...filters), ctxOf(type)), data);
        }
      });
    }
  }
  it("double delta stores values raw when packing saves nothing, and refuses deltas beyond int64 as TileDB does", () => {
    for (const type of INT_TYPES) {
      const data = valuesFor(type, 5000, "random");
      const pipe = p(f(FilterType.DOUBLE_DELTA));
      if (datatypeSize(type) === 8) expect(() => encodeTile(data, pipe, ctxOf(type))).toThrow(/int64 range/);
      else expectBytes(roundTrip(data, pipe, ctxOf(type)), data);
    }
  });
  it("double delta on 64-bit values crossing 2^52 and below zero stays exact", () => {
    for (const start of [2n ** 52n - 3000n, -(2n ** 52n) + 3000n, -5000n]) {
      const v = new BigInt64Array(4000);
      for (let i = 0; i < v.length; i++) v[i] = start + BigInt(i * 3 + (i % 5)) * (start < 0n ? -1n : 1n);
      const data = new Uint8Array(v.buffer);
      expectBytes(roundTrip(data, p(f(FilterType.DOUBLE_DELTA)), ctxOf(Datatype.INT64)), data);
    }
  });
  it("delta and double delta reinterpret float data as integers", () => {
    for (const [type, as] of [
      [Datatype.FLOAT32, Datatype.INT32],
      [Datatype.FLOAT64, Datatype.INT64],
    ]) {
      // Positive floats: their bit patterns rise with the value, so int64 deltas stay in range.
      const data = valuesFor(type, 5000, "random").slice();
      const fv = type === Datatype.FLOAT32 ? new Float32Array(data.buffer) : new Float64Array(data.buffer);
      for (let i = 0; i < fv.length; i++) fv[i] = Math.abs(fv[i]);
      for (const ft of [FilterType.DELTA, FilterType.DOUBLE_DELTA]) {
        expectBytes(roundTrip(data, p(f(ft, { reinterpretType: as }), f(FilterType.ZSTD)), ctxOf(type)), data);
      }
    }
  });
  it("float scale keeps values within half a scale step, in every byte width", () => {
    for (const type of [Datatype.FLOAT32, Datatype.FLOAT64]) {
      const n = 3000;
      const src = Float64Array.from({ length: n }, (_, i) => 10 + Math.sin(i) * 20);
      const data = type === Datatype.FLOAT32 ? new Uint8Array(Float32Array.from(src).buffer) : new Uint8Array(src.buffer);
      for (const byteWidth of [1, 2, 4, 8]) {
        const scale = byteWidth === 1 ? 0.5 : 0.001;
        const out = roundTrip(data, p(f(FilterType.SCALE_FLOAT, { scale, offset: 10, byteWidth }), f(FilterType.BYTESHUFFLE), f(FilterType.ZSTD)), ctxOf(type));
        const back = type === Datatype.FLOAT32 ? new Float32Array(out.buffer) : new Float64Array(out.buffer);
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(back[i] - src[i]));
        expect(worst).toBeLessThanOrEqual(scale / 2 + 1e-4);
      }
    }
  });
  it("multi-cell fixed attributes (cell_val_num 3) chunk on whole cells", () => {
    const data = randomBytes(3 * 4 * 10000, 9);
    const ctx = ctxOf(Datatype.INT32, 3);
    const enc = encodeTile(data, p(f(FilterType.RLE)), ctx);
    expectBytes(decodeTile(enc, p(f(FilterType.RLE)), ctx), data);
    expect(computeChunkSize(data.byteLength, 12)).toBe(65532);
  });
});

describe("tile chunks", () => {
  it("decodes into a caller's buffer, reused across tiles", () => {
    const pipe = p(f(FilterType.BYTESHUFFLE), f(FilterType.ZSTD));
    const ctx = ctxOf(Datatype.FLOAT32);
    const buf = new Uint8Array(300000);
    for (const n of [70000, 1000]) {
      const data = valuesFor(Datatype.FLOAT32, n, "random");
      const enc = encodeTile(data, pipe, ctx);
      expect(unfilteredSize(enc, "t")).toBe(n * 4);
      const got = decodeTileInto(enc, pipe, ctx, buf, n * 4);
      expect(got.buffer).toBe(buf.buffer);
      expectBytes(got, data);
    }
    expect(() => decodeTileInto(encodeTile(new Uint8Array(8), pipe, ctx), pipe, ctx, new Uint8Array(4))).toThrow(/smaller than the tile/);
  });
  it("an empty tile has no chunks", () => {
    const enc = encodeTile(new Uint8Array(0), p(f(FilterType.ZSTD)), ctxOf(Datatype.INT32));
    expect(enc).toEqual(emptyFilteredTile());
    expect(decodeTile(enc, p(f(FilterType.ZSTD)), ctxOf(Datatype.INT32))).toHaveLength(0);
  });
  it("splits at 64 KiB on whole cells and records each chunk", () => {
    const data = randomBytes(65536 * 2 + 8, 5);
    const enc = encodeTile(data, p(), ctxOf(Datatype.INT64));
    const r = new ByteReader(enc);
    expect(r.u64()).toBe(3n);
    expect([r.u32(), r.u32(), r.u32()]).toEqual([65536, 65536, 0]);
    expectBytes(decodeTile(enc, p(), ctxOf(Datatype.INT64)), data);
  });
  it("var-sized data keeps cells whole (50%/150% rule)", () => {
    const sizes = [30000, 30000, 30000, 200000, 10, 40000, 60000];
    const offsets: number[] = [];
    let o = 0;
    for (const s of sizes) {
      offsets.push(o);
      o += s;
    }
    const chunks = varChunkOffsets(o, offsets, 65536);
    for (const c of chunks) expect(offsets.includes(c) || c === o).toBe(true);
    const data = randomBytes(o, 11);
    const ctx = ctxOf(Datatype.UINT8, VAR);
    expectBytes(roundTrip(data, p(f(FilterType.ZSTD)), ctx, offsets), data);
  });
  it("var-sized strings with RLE and dictionary fold offsets into the data tile", () => {
    const words = ["", "a", "HG543232", "gene", "x".repeat(300)];
    const cells = Array.from({ length: 5000 }, (_, i) => words[(i * 7 + (i >> 5)) % words.length]);
    const enc = new TextEncoder();
    const parts = cells.map((s) => enc.encode(s));
    const offsets: number[] = [];
    let o = 0;
    for (const b of parts) {
      offsets.push(o);
      o += b.byteLength;
    }
    const data = new Uint8Array(o);
    parts.forEach((b, i) => {
      data.set(b, offsets[i]);
    });
    for (const type of [Datatype.STRING_ASCII, Datatype.STRING_UTF8]) {
      for (const first of [FilterType.RLE, FilterType.DICTIONARY]) {
        const pipe = p(f(first), f(FilterType.ZSTD));
        const ctx = ctxOf(type, VAR);
        const r = decodeVarStringTile(encodeTile(data, pipe, ctx, offsets), pipe, ctx, data.byteLength);
        expectBytes(r.data, data);
        expect(Array.from(new BigUint64Array(r.offsets.buffer), Number)).toEqual(offsets);
      }
    }
  });
  it("one-cell tiles round trip through every codec", () => {
    for (const type of [Datatype.INT64, Datatype.UINT16]) {
      const data = valuesFor(type, 1, "sorted");
      for (const [, filters] of [...lossless, ...integerOnly]) expectBytes(roundTrip(data, p(...filters), ctxOf(type)), data);
    }
  });
});

describe("pipeline schema record", () => {
  it("round trips every filter's options", () => {
    const pipeline = p(
      f(FilterType.NONE),
      f(FilterType.GZIP, { level: 6 }),
      f(FilterType.ZSTD, { level: -1 }),
      f(FilterType.LZ4, { level: 1 }),
      f(FilterType.RLE, { level: -1 }),
      f(FilterType.BZIP2, { level: 9 }),
      f(FilterType.DOUBLE_DELTA, { level: -1, reinterpretType: Datatype.INT32 }),
      f(FilterType.BIT_WIDTH_REDUCTION, { maxWindow: 256 }),
      f(FilterType.BITSHUFFLE),
      f(FilterType.BYTESHUFFLE),
      f(FilterType.POSITIVE_DELTA, { maxWindow: 1024 }),
      f(FilterType.CHECKSUM_MD5),
      f(FilterType.CHECKSUM_SHA256),
      f(FilterType.DICTIONARY, { level: -1 }),
      f(FilterType.SCALE_FLOAT, { scale: 0.25, offset: 10, byteWidth: 2 }),
      f(FilterType.XOR),
      f(FilterType.DELTA, { level: -1, reinterpretType: Datatype.ANY }),
    );
    const w = new ByteWriter();
    encodeFilterPipeline(w, pipeline);
    const bytes = w.finish();
    // zstd: [type 2][len 5][compressor 2][level -1]
    expect(Array.from(bytes.subarray(8 + 5 + 10, 8 + 5 + 10 + 10))).toEqual([2, 5, 0, 0, 0, 2, 255, 255, 255, 255]);
    expect(decodeFilterPipeline(new ByteReader(bytes))).toEqual(pipeline);
  });
  it("reads an unknown filter's options by their length and fails only when a tile needs it", () => {
    const w = new ByteWriter();
    w.u32(65536).u32(2).u8(FilterType.WEBP).u32(12).f32(80).u8(1).u8(0).u16(16).u16(32).u16(0).u8(FilterType.ZSTD).u32(5).u8(2).i32(3);
    const pipe = decodeFilterPipeline(new ByteReader(w.finish()));
    expect(pipe.filters.map((x) => x.type)).toEqual([FilterType.WEBP, FilterType.ZSTD]);
    expect(pipe.filters[0].options).toMatchObject({ quality: 80, format: 1, yExtent: 16, xExtent: 32 });
    const err = (() => {
      try {
        decodeTile(encodeTile(new Uint8Array(4), p(f(FilterType.ZSTD)), ctxOf(Datatype.INT32)), pipe, { ...ctxOf(Datatype.UINT8), what: 'img/a0.tdb attribute "rgb"' });
      } catch (e) {
        return e as TileDBError;
      }
    })();
    expect(err).toBeInstanceOf(TileDBError);
    expect(err?.message).toMatch(/webp/);
    expect(err?.message).toMatch(/attribute "rgb"/);
    expect(() => getFilterCodec(11, "x")).toThrow(/encryption/);
  });
});

describe("zstd level", () => {
  it("compresses at the level the pipeline names, and each level decodes under its own pipeline", async () => {
    const { encodeTile, decodeTile, FilterType, Datatype } = await import("../../src/format.js");
    const data = new Uint8Array(new Uint32Array(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 205)).buffer);
    const at = (level: number) => ({ maxChunkSize: 65536, filters: [{ type: FilterType.ZSTD, options: { level } }] });
    const ctx = { datatype: Datatype.UINT32, cellValNum: 1, what: "level test" };
    const high = encodeTile(data, at(19), ctx);
    const low = encodeTile(data, at(1), ctx);
    expect(low).not.toEqual(high);
    expect(encodeTile(data, at(1), ctx)).toEqual(low);
    expect(decodeTile(low, at(1), ctx, data.byteLength)).toEqual(data);
    expect(decodeTile(high, at(19), ctx, data.byteLength)).toEqual(data);
  });
});
