/** Every filter codec, keyed by the spec's filter type id. */
import { TileDBError } from "../errors.js";
import { bitWidthReductionCodec } from "./bit-width-reduction.js";
import { bitshuffleCodec } from "./bitshuffle.js";
import { byteshuffleCodec } from "./byteshuffle.js";
import { bzip2Codec } from "./bzip2.js";
import { checksumMd5Codec } from "./checksum-md5.js";
import { checksumSha256Codec } from "./checksum-sha256.js";
import { deltaCodec } from "./delta.js";
import { dictionaryCodec } from "./dictionary.js";
import { doubleDeltaCodec } from "./double-delta.js";
import { type FilterCodec, FilterType } from "./filter.js";
import { floatScaleCodec } from "./float-scale.js";
import { gzipCodec } from "./gzip.js";
import { lz4Codec } from "./lz4.js";
import { noneCodec } from "./none.js";
import { positiveDeltaCodec } from "./positive-delta.js";
import { rleCodec } from "./rle.js";
import { xorCodec } from "./xor.js";
import { zstdCodec } from "./zstd.js";

export const filterCodecs: ReadonlyMap<FilterType, FilterCodec> = new Map(
  [
    noneCodec,
    gzipCodec,
    zstdCodec,
    lz4Codec,
    rleCodec,
    bzip2Codec,
    doubleDeltaCodec,
    bitWidthReductionCodec,
    bitshuffleCodec,
    byteshuffleCodec,
    positiveDeltaCodec,
    checksumMd5Codec,
    checksumSha256Codec,
    dictionaryCodec,
    floatScaleCodec,
    xorCodec,
    deltaCodec,
  ].map((c) => [c.type, c]),
);

/** Lower-case filter name as TileDB prints it, for messages (also for ids we do not implement). */
export function filterName(type: FilterType | number): string {
  const c = filterCodecs.get(type);
  if (c) return c.name;
  if (type === FilterType.WEBP) return "webp";
  if (type === 11) return "aes-256-gcm encryption";
  return FilterType[type]?.toLowerCase() ?? `unknown filter id ${type}`;
}

/** The codec for `type`, or a clear error naming the filter and the tile/attribute. */
export function getFilterCodec(type: FilterType | number, what: string): FilterCodec {
  const c = filterCodecs.get(type);
  if (!c) {
    throw new TileDBError("E_UNSUPPORTED", `${what}: filter "${filterName(type)}" (id ${type}) is not supported`);
  }
  return c;
}
