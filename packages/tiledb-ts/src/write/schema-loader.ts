/** The schema new fragments are written with: the array's newest schema file. */
import { listArrayDirectory } from "../array-directory.js";
import { LEGACY_SCHEMA_FILE, readArraySchemaFile } from "../array-schema.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import type { VFS } from "../vfs/vfs.js";

export async function loadWriteSchema(arrayUri: string, vfs: VFS): Promise<ArraySchema> {
  const dir = await listArrayDirectory(arrayUri, vfs);
  const latest = dir.schemas[dir.schemas.length - 1];
  if (!latest) throw new TileDBError("E_NOT_ARRAY", `${arrayUri} is not a TileDB array (no schema found)`);
  if (latest.name === LEGACY_SCHEMA_FILE) {
    throw new TileDBError("E_UNSUPPORTED_VERSION", `${arrayUri}: writing to arrays with a legacy ${LEGACY_SCHEMA_FILE} is not supported`);
  }
  const schema = await readArraySchemaFile(latest.uri, vfs);
  if (schema.version < 12) {
    throw new TileDBError("E_UNSUPPORTED_VERSION", `${arrayUri}: writing to format version ${schema.version} arrays is not supported (12 or newer)`);
  }
  return schema;
}
