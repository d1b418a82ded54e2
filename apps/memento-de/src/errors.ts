/** The one error class of the command: `code` is stable, the message names the flag, value or path at fault. */
export type MementoDeErrorCode =
  | "E_INVALID_ARGUMENT"
  | "E_TREATMENT"
  | "E_NO_GROUPS"
  | "E_UNKNOWN_FEATURE"
  | "E_OUTPUT_EXISTS"
  | "E_OUTPUT_FORMAT"
  | "E_WRITE";

export class MementoDeError extends Error {
  readonly code: MementoDeErrorCode;
  constructor(code: MementoDeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MementoDeError";
    this.code = code;
  }
}
