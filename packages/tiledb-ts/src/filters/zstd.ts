/** Zstandard (filter 2) through zstd-napi: one reusable native context each way, decoding straight into the destination. */
import { createRequire } from "node:module";
import { compressionCodec } from "./compression.js";
import { FilterType } from "./filter.js";
import { corrupt } from "./util.js";

interface ZstdBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
  compressBound(n: number): number;
}
// The low-level binding takes caller-sized output buffers, so decode allocates nothing.
const binding = createRequire(import.meta.url)("zstd-napi/binding") as ZstdBinding;
// One native context each way per thread, created on first use and reused (a cache: no setting lives here).
let cctx: InstanceType<ZstdBinding["CCtx"]> | undefined;
let dctx: InstanceType<ZstdBinding["DCtx"]> | undefined;

/** TileDB's default level, and the lowest level it passes through (below it the default is used). */
const DEFAULT_LEVEL = 3;
const LEVEL_LIMIT = -7;

export function zstdCompress(input: Uint8Array, level = DEFAULT_LEVEL): Uint8Array {
  cctx ??= new binding.CCtx();
  const dst = new Uint8Array(binding.compressBound(input.byteLength));
  const n = cctx.compress(dst, input, level < LEVEL_LIMIT ? DEFAULT_LEVEL : level);
  return dst.subarray(0, n);
}

/** Decompresses into `out`; returns the number of bytes written. */
export function zstdDecompressInto(input: Uint8Array, out: Uint8Array): number {
  dctx ??= new binding.DCtx();
  return dctx.decompress(out, input);
}

export const zstdCodec = compressionCodec(FilterType.ZSTD, "zstd", {
  compress: (part, spec) => zstdCompress(part, spec.options.level ?? DEFAULT_LEVEL),
  decompress(input, out, _spec, step) {
    const n = zstdDecompressInto(input, out);
    if (n !== out.byteLength) throw corrupt(step, "zstd", `decompressed ${n} bytes, expected ${out.byteLength}`);
  },
});
