/** Every code a EstimatorsError carries: stable, for callers to branch on. */
export type EstimatorsErrorCode =
  | "E_EMPTY_INPUT"
  | "E_INDEX_OUT_OF_RANGE"
  | "E_INVALID_ARGUMENT"
  | "E_INVALID_COLUMN"
  | "E_INVALID_COUNT"
  | "E_INVALID_SIZE_FACTOR"
  | "E_LENGTH_MISMATCH"
  | "E_MISSING_COLUMN"
  | "E_TOO_MANY_GROUPS"
  | "E_TREATMENT_NOT_BINARY"
  | "E_ZERO_MEAN";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class EstimatorsError extends Error {
  readonly code: EstimatorsErrorCode;
  constructor(code: EstimatorsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EstimatorsError";
    this.code = code;
  }
}
