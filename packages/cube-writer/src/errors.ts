/** Every code a CubeWriterError carries: stable, for callers to branch on. */
export type CubeWriterErrorCode =
  | "E_BAD_FEATURE_ID"
  | "E_BAD_FILTER"
  | "E_BAD_JOINID"
  | "E_BAD_LABEL"
  | "E_BAD_N_OBS"
  | "E_BAD_VALUE"
  | "E_CONSOLIDATE"
  | "E_CORRUPT_STAGING"
  | "E_CUBE_LOCKED"
  | "E_DUPLICATE_GROUP"
  | "E_DUPLICATE_ROW"
  | "E_EMPTY"
  | "E_EXISTS"
  | "E_GROUP_WRITTEN"
  | "E_INCOMPLETE"
  | "E_INVALID_ARGUMENT"
  | "E_INVALID_CUBE"
  | "E_LENGTH"
  | "E_LOCK_LOST"
  | "E_MISSING_COLUMN"
  | "E_NOT_CUBE"
  | "E_NOT_FOUND"
  | "E_N_OBS_TOTAL"
  | "E_UNKNOWN_ESTIMATOR"
  | "E_UNKNOWN_FEATURE"
  | "E_UNKNOWN_GROUP"
  | "E_WRITE";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CubeWriterError extends Error {
  readonly code: CubeWriterErrorCode;
  constructor(code: CubeWriterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CubeWriterError";
    this.code = code;
  }
}
