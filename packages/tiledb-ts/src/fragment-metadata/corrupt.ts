import { TileDBError } from "../errors.js";

/** The error for a fragment metadata file that does not decode. */
export function corrupt(what: string, detail: string): TileDBError {
  return new TileDBError("E_CORRUPT", `${what}: invalid fragment metadata: ${detail}`);
}
