import { CensusReaderError, type CensusReaderErrorCode } from "../errors.js";

/**
 * A value-filter error whose message shows the filter with a caret under the offending character,
 * so a user of a long filter sees at once where it went wrong.
 */
export function filterError(code: CensusReaderErrorCode, source: string, position: number, message: string): CensusReaderError {
  const pos = Math.max(0, Math.min(position, source.length));
  // One-line filters show the whole text; for multi-line ones show the line with the fault.
  const lineStart = source.lastIndexOf("\n", pos - 1) + 1;
  const lineEndRaw = source.indexOf("\n", pos);
  const lineEnd = lineEndRaw === -1 ? source.length : lineEndRaw;
  const line = source.slice(lineStart, lineEnd);
  const caret = `${" ".repeat(pos - lineStart)}^`;
  return new CensusReaderError(code, `value filter: ${message} at position ${pos}\n  ${line}\n  ${caret}`, { position: pos });
}
