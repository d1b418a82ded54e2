/** The schema new fragments are written with: the array's newest schema file. */
import { COMMITS_DIR, listArrayDirectory } from "../array-directory.js";
import { LEGACY_SCHEMA_FILE, readArraySchemaFile } from "../array-schema.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import { parseTimestampedName } from "../timestamped-name.js";
import { joinUri } from "../vfs/index.js";
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

/**
 * The timestamp for a new fragment: now, or just after the newest committed fragment when that is not older
 * (fragments apply in timestamp order, so a write in the same millisecond as the last must still win).
 */
export async function nextFragmentTimestamp(arrayUri: string, vfs: VFS): Promise<number> {
  let latest = -1;
  for (const e of await vfs.ls(joinUri(arrayUri, COMMITS_DIR))) {
    const ts = e.name.endsWith(".wrt") ? parseTimestampedName(e.name) : undefined;
    if (ts && ts.t2 > latest) latest = ts.t2;
  }
  return Math.max(Date.now(), latest + 1);
}
