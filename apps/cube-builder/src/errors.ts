/** Every code a CubeBuilderError carries: stable, for callers to branch on. */
export type CubeBuilderErrorCode =
  | "E_BAD_FLAG"
  | "E_CUBE_EXISTS"
  | "E_CUBE_PATH"
  | "E_INVALID_CUBE"
  | "E_MISSING_COLUMN"
  | "E_NOT_CUBE"
  | "E_NO_CELLS"
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
