/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CensusReaderError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CensusReaderError";
    this.code = code;
  }
}
