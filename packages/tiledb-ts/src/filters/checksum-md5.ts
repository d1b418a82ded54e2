/** MD5 checksum (filter 12), verified on read. */
import { checksumCodec } from "./checksum.js";
import { FilterType } from "./filter.js";

export const checksumMd5Codec = checksumCodec(FilterType.CHECKSUM_MD5, "checksum md5", "md5", 16);
