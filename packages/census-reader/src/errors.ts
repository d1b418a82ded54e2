/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CensusReaderError extends Error {
  readonly code: string;
  /** For value-filter errors: the 0-based character offset in the filter text that is at fault. */
  readonly position?: number;
  constructor(code: string, message: string, options?: { cause?: unknown; position?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CensusReaderError";
    this.code = code;
    if (options?.position !== undefined) this.position = options.position;
  }
}
