/** SHA-256 checksum (filter 13), verified on read. */
import { checksumCodec } from "./checksum.js";
import { FilterType } from "./filter.js";

export const checksumSha256Codec = checksumCodec(FilterType.CHECKSUM_SHA256, "checksum sha256", "sha256", 32);
