/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class EstimatorsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EstimatorsError";
    this.code = code;
  }
}
