/** Every code a CensusReaderError carries: stable, for callers to branch on. */
export type CensusReaderErrorCode =
  | "E_COORDS"
  | "E_FILTER_COLUMN"
  | "E_FILTER_DEPTH"
  | "E_FILTER_SYNTAX"
  | "E_FILTER_TYPE"
  | "E_GROUP_CYCLE"
  | "E_MISSING_MEMBER"
  | "E_NOT_FOUND"
  | "E_NOT_SOMA"
  | "E_NO_COLUMN"
  | "E_NO_LAYER"
  | "E_NO_MEMBER"
  | "E_SOMA_SCHEMA"
  | "E_SOMA_TYPE"
  | "E_SOMA_VERSION"
  | "E_TILEDB"
  | "E_UNSUPPORTED_TYPE";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CensusReaderError extends Error {
  readonly code: CensusReaderErrorCode;
  /** For value-filter errors: the 0-based character offset in the filter text that is at fault. */
  readonly position?: number;
  constructor(code: CensusReaderErrorCode, message: string, options?: { cause?: unknown; position?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CensusReaderError";
    this.code = code;
    if (options?.position !== undefined) this.position = options.position;
  }
}
