/**
 * BZip2 (filter 5): TileDB stores whole bzip2 streams (BZ2_bzBuffToBuff*, block size = level, default 1).
 * Decode with seek-bzip (pure JS, widely used); encode with compressjs (pure JS, writes standard streams).
 */
import compressjs from "compressjs";
import seekBzip from "seek-bzip";
import { compressionCodec } from "./compression.js";
import { FilterType } from "./filter.js";
import { corrupt } from "./util.js";

export const bzip2Codec = compressionCodec(FilterType.BZIP2, "bzip2", {
  compress(part, spec) {
    const level = spec.options.level ?? 1;
    const blockSize = level < 1 ? 1 : Math.min(level, 9);
    return Uint8Array.from(compressjs.Bzip2.compressFile(part, undefined, blockSize));
  },
  decompress(input, out, _spec, step) {
    const r: Uint8Array = seekBzip.decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    if (r.byteLength !== out.byteLength) throw corrupt(step, "bzip2", `decompressed ${r.byteLength} bytes, expected ${out.byteLength}`);
    out.set(r);
  },
});
