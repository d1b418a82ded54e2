/**
 * LZ4 (filter 3): TileDB stores raw LZ4 blocks (LZ4_compress_default / LZ4_decompress_safe, no frame).
 * lz4-napi (lz4_flex, prebuilt native) speaks blocks with a 4-byte little-endian size prefix, which we
 * strip on write and add on read.
 */
import { compressSync, uncompressSync } from "lz4-napi";
import { compressionCodec } from "./compression.js";
import { FilterType } from "./filter.js";
import { corrupt } from "./util.js";

export function lz4CompressBlock(input: Uint8Array): Uint8Array {
  const framed = compressSync(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  return new Uint8Array(framed.buffer, framed.byteOffset + 4, framed.byteLength - 4);
}

export const lz4Codec = compressionCodec(FilterType.LZ4, "lz4", {
  compress: (part) => lz4CompressBlock(part),
  decompress(input, out, _spec, step) {
    const framed = new Uint8Array(input.byteLength + 4);
    new DataView(framed.buffer).setUint32(0, out.byteLength, true);
    framed.set(input, 4);
    const r = uncompressSync(framed);
    if (r.byteLength !== out.byteLength) throw corrupt(step, "lz4", `decompressed ${r.byteLength} bytes, expected ${out.byteLength}`);
    out.set(r);
  },
});
