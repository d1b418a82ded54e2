/**
 * Array format versions (format spec: array_format_history.md).
 * We write what the newest TileDB release in use writes (TileDB 2.30 via tiledb-py 0.36 writes 22)
 * and read everything from the `__fragments/` era (12) up to the newest documented version.
 */
export const FORMAT_VERSION = 22;
/** Newest format version this library reads; anything newer gets a clear error. */
export const MAX_READ_FORMAT_VERSION = 23;
/** Oldest format version this library reads. */
export const MIN_READ_FORMAT_VERSION = 1;
