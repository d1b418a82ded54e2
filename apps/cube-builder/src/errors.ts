/** Every code a CubeBuilderError carries: stable, for callers to branch on. */
export type CubeBuilderErrorCode =
  | "E_BAD_FLAG"
  | "E_BATCH_FAILED"
  | "E_CORRUPT_PLAN"
  | "E_CUBE_EXISTS"
  | "E_CUBE_LOCKED"
  | "E_CUBE_PATH"
  | "E_GROUP_TWICE"
  | "E_INVALID_CUBE"
  | "E_MISSING_BATCHES"
  | "E_MISSING_COLUMN"
  | "E_NOT_CUBE"
  | "E_NO_CELLS"
  | "E_NO_PLAN"
  | "E_PLAN"
  | "E_RESUME_MISMATCH";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CubeBuilderError extends Error {
  readonly code: CubeBuilderErrorCode;
  constructor(code: CubeBuilderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CubeBuilderError";
    this.code = code;
  }
}
