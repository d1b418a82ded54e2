/** Gzip (filter 1): TileDB uses zlib's deflate stream (deflateInit, with the zlib header), via node:zlib. */
import { constants, deflateSync, inflateSync } from "node:zlib";
import { compressionCodec } from "./compression.js";
import { FilterType } from "./filter.js";
import { corrupt } from "./util.js";

export const gzipCodec = compressionCodec(FilterType.GZIP, "gzip", {
  compress(part, spec) {
    const level = spec.options.level ?? -1;
    // TileDB: levels below 0 mean zlib's default.
    return deflateSync(part, { level: level < 0 ? constants.Z_DEFAULT_COMPRESSION : Math.min(level, 9) });
  },
  decompress(input, out, _spec, step) {
    const r = inflateSync(input, { info: false });
    if (r.byteLength !== out.byteLength) throw corrupt(step, "gzip", `inflated ${r.byteLength} bytes, expected ${out.byteLength}`);
    out.set(r);
  },
});
