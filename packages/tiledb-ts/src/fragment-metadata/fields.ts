/**
 * Field slots and data file names. Field indexes: attributes 0..A-1, then the legacy `__coords` slot A, then
 * dimensions A+1..A+D, then the timestamps and delete-metadata slots of consolidated fragments.
 */
import { TileDBError } from "../errors.js";
import { FORMAT_VERSION } from "../format-version.js";
import type { ArraySchema } from "../schema.js";
import type { FragmentFooter } from "./types.js";

/** Number of field slots in the fragment: attributes, the coords slot, dimensions, timestamps/delete slots. */
export function fieldCount(schema: ArraySchema, footer: Pick<FragmentFooter, "hasTimestamps" | "hasDeleteMeta">): number {
  return schema.attributes.length + 1 + schema.dimensions.length + (footer.hasTimestamps ? 1 : 0) + (footer.hasDeleteMeta ? 2 : 0);
}

/** Special field names of consolidated fragments. */
export const COORDS_FIELD = "__coords";
export const TIMESTAMPS_FIELD = "__timestamps";
export const DELETE_TIMESTAMPS_FIELD = "__delete_timestamps";
export const DELETE_CONDITION_INDEX_FIELD = "__delete_condition_index";

/** The slot of an attribute or dimension (or special field) in per-field arrays and file names. */
export function fieldIndex(schema: ArraySchema, name: string, footer?: Pick<FragmentFooter, "hasTimestamps" | "hasDeleteMeta">): number {
  const a = schema.attributes.findIndex((x) => x.name === name);
  if (a >= 0) return a;
  const A = schema.attributes.length;
  if (name === COORDS_FIELD) return A;
  const d = schema.dimensions.findIndex((x) => x.name === name);
  if (d >= 0) return A + 1 + d;
  let idx = A + 1 + schema.dimensions.length;
  if (footer?.hasTimestamps) {
    if (name === TIMESTAMPS_FIELD) return idx;
    idx++;
  }
  if (footer?.hasDeleteMeta) {
    if (name === DELETE_TIMESTAMPS_FIELD) return idx;
    if (name === DELETE_CONDITION_INDEX_FIELD) return idx + 1;
  }
  throw new TileDBError("E_NOT_FOUND", `no attribute or dimension named "${name}" in schema ${schema.fileName}`);
}

/** Characters format 8 percent-encoded in data file names (RFC 3986 reserved plus those Windows forbids). */
const V8_ESCAPED = new Set('!#$%&\'()*+,/:;=?@[]"<>\\|');

/**
 * The data file name of a field in a fragment folder: `a<i>`, `d<i>`, `t`, `dt`, `dci` since format 9;
 * before that the field's own name (percent-encoded in format 8 only).
 */
export function fieldFileName(schema: ArraySchema, name: string, kind: "data" | "var" | "validity" = "data", version = FORMAT_VERSION): string {
  const suffix = kind === "var" ? "_var.tdb" : kind === "validity" ? "_validity.tdb" : ".tdb";
  const a = schema.attributes.findIndex((x) => x.name === name);
  const d = schema.dimensions.findIndex((x) => x.name === name);
  if (version < 9 && (a >= 0 || d >= 0)) {
    const encoded = version === 8 ? [...name].map((c) => (V8_ESCAPED.has(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}` : c)).join("") : name;
    return `${encoded}${suffix}`;
  }
  if (a >= 0) return `a${a}${suffix}`;
  if (d >= 0) return `d${d}${suffix}`;
  if (name === TIMESTAMPS_FIELD) return `t${suffix}`;
  if (name === DELETE_TIMESTAMPS_FIELD) return `dt${suffix}`;
  if (name === DELETE_CONDITION_INDEX_FIELD) return `dci${suffix}`;
  if (name === COORDS_FIELD) return `__coords${suffix}`;
  throw new TileDBError("E_NOT_FOUND", `no attribute or dimension named "${name}" in schema ${schema.fileName}`);
}
