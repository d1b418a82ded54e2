/**
 * Every code a TileDBError carries. Codes are stable (callers branch on them); the message names the thing at fault.
 */
export type TileDBErrorCode =
  /** The storage refused the request: missing or wrong credentials, or no permission (e.g. an S3 403). */
  | "E_ACCESS_DENIED"
  /** Bytes on storage do not decode: a schema, fragment metadata, tile or filter frame is damaged or truncated. */
  | "E_CORRUPT"
  /** A write gave two cells the same coordinates where the schema forbids duplicates. */
  | "E_DUPLICATE_COORDS"
  /** The object to create is already there. */
  | "E_EXISTS"
  /** A fragment cannot be used (e.g. it is missing files or was written with an incompatible schema). */
  | "E_FRAGMENT"
  | "E_GROUP"
  | "E_GROUP_VERSION"
  /** A bug: a state the code should never reach. */
  | "E_INTERNAL"
  /** A caller passed an option or argument outside what the function accepts. */
  | "E_INVALID_ARGUMENT"
  /** The storage backend failed (permissions, disk full, network). */
  | "E_IO"
  | "E_METADATA"
  | "E_MISSING_FILE"
  | "E_NOT_ARRAY"
  | "E_NOT_FOUND"
  | "E_NOT_GROUP"
  | "E_NO_FIELD"
  | "E_NO_MEMBER"
  | "E_OUT_OF_DOMAIN"
  /** A schema (given or stored) is invalid, or a filter does not fit the data it is asked to filter. */
  | "E_SCHEMA"
  | "E_SUBARRAY"
  | "E_TOO_LARGE"
  /** Valid TileDB data this implementation does not handle (a feature, filter or layout). */
  | "E_UNSUPPORTED"
  | "E_UNSUPPORTED_VERSION"
  | "E_VFS_SCHEME"
  /** Data given to a write does not fit the schema or the filters (lengths, types, order, ranges). */
  | "E_WRITE_INPUT"
  | "E_WRITE_ORDER";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class TileDBError extends Error {
  readonly code: TileDBErrorCode;
  constructor(code: TileDBErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TileDBError";
    this.code = code;
  }
}
