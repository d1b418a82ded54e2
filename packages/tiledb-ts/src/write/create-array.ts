/**
 * Creating an array (format spec: array_file_hierarchy.md): the folder layout, the enumerations, and the
 * schema file last, so a half-created array has no schema and is not an array. The schema is validated
 * completely before anything is written.
 */

import { ARRAY_METADATA_DIR, COMMITS_DIR, FRAGMENT_META_DIR, FRAGMENTS_DIR, LABELS_DIR } from "../array-directory.js";
import { ENUMERATIONS_DIR, encodeArraySchema, SCHEMA_DIR } from "../array-schema.js";
import { encodeEnumeration } from "../enumeration.js";
import { TileDBError } from "../errors.js";
import { FORMAT_VERSION } from "../format-version.js";
import { objectType } from "../group.js";
import type { ArraySchema } from "../schema.js";
import { makeTimestampedName } from "../timestamped-name.js";
import { joinUri, vfsFor } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { type ArraySchemaInput, buildArraySchema } from "./schema-builder.js";

export interface CreateArrayOptions {
  vfs?: VFS;
  /** Timestamp (ms) of the schema file; default now. */
  timestamp?: number;
}

function isBuilt(s: ArraySchema | ArraySchemaInput): s is ArraySchema {
  return "enumerations" in s && s.enumerations instanceof Map && "capacity" in s && typeof s.capacity === "bigint";
}

/**
 * Creates an array at `uri` from a schema description (or a complete ArraySchema) and returns the schema
 * as written (with its file name). Fails, writing nothing, on any schema error or if an object exists at `uri`.
 */
export async function createArray(uri: string, schemaIn: ArraySchemaInput | ArraySchema, options: CreateArrayOptions = {}): Promise<ArraySchema> {
  const vfs = options.vfs ?? vfsFor(uri);
  const schema = isBuilt(schemaIn) ? { ...schemaIn } : buildArraySchema(schemaIn);
  schema.version = FORMAT_VERSION;
  const existing = await objectType(uri, vfs);
  if (existing !== "invalid") throw new TileDBError("E_EXISTS", `cannot create array ${uri}: a TileDB ${existing} already exists there`);
  const ts = options.timestamp ?? Date.now();
  schema.fileName = makeTimestampedName(ts, ts);
  // Encode everything first: an encoding error must leave nothing behind.
  const schemaBytes = encodeArraySchema(schema);
  const enumFiles: Array<[string, Uint8Array]> = [];
  for (const e of schema.enumerations.values()) {
    if (!("data" in e)) throw new TileDBError("E_SCHEMA", `enumeration "${e.name}" is not loaded; pass its values`);
    enumFiles.push([e.pathName, encodeEnumeration(e)]);
  }
  for (const d of [SCHEMA_DIR, COMMITS_DIR, FRAGMENT_META_DIR, FRAGMENTS_DIR, LABELS_DIR, ARRAY_METADATA_DIR]) {
    await vfs.mkdir(joinUri(uri, d));
  }
  await vfs.mkdir(joinUri(uri, SCHEMA_DIR, ENUMERATIONS_DIR));
  for (const [name, bytes] of enumFiles) await vfs.write(joinUri(uri, SCHEMA_DIR, ENUMERATIONS_DIR, name), bytes);
  const schemaUri = joinUri(uri, SCHEMA_DIR, schema.fileName);
  await vfs.write(schemaUri, schemaBytes);
  return schema;
}
