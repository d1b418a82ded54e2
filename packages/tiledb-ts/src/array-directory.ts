/**
 * The array folder (format spec: array_file_hierarchy.md): which schema files, fragments, commit files,
 * consolidated commits (`.con`), ignore files (`.ign`), vacuum files (`.vac`), delete/update commits and
 * consolidated fragment metadata (`__fragment_meta/*.meta`) exist, and which fragments are visible when
 * the array is opened over a timestamp range. Also reads pre-v12 layouts: fragment folders in the array
 * root committed by `<name>.ok` files (or, before format 5, by their metadata file alone).
 */
import { textDecoder } from "./binary.js";
import { TileDBError } from "./errors.js";
import { LEGACY_SCHEMA_FILE, SCHEMA_DIR } from "./array-schema.js";
import { FRAGMENT_METADATA_FILE } from "./fragment-metadata.js";
import { parseTimestampedName } from "./timestamped-name.js";
import { joinUri } from "./vfs/index.js";
import type { VFS, VfsEntry } from "./vfs/vfs.js";

export const FRAGMENTS_DIR = "__fragments";
export const COMMITS_DIR = "__commits";
export const FRAGMENT_META_DIR = "__fragment_meta";
export const ARRAY_METADATA_DIR = "__meta";
export const LABELS_DIR = "__labels";

/** Format version from which consolidated fragments may hold per-cell timestamps (open with partial overlap). */
const CONSOLIDATION_WITH_TIMESTAMPS_MIN_VERSION = 15;

export interface TimestampedFile {
  uri: string;
  name: string;
  t1: number;
  t2: number;
  version?: number;
}

export interface FragmentEntry extends TimestampedFile {
  /** Format version from the folder name (legacy names without one are treated as format 1-2). */
  version: number;
  /** True for pre-v12 fragments stored in the array root. */
  legacy: boolean;
  /** True when the fragment only partly overlaps the open range (a consolidated fragment with timestamps). */
  partialOverlap: boolean;
}

export interface ArrayDirectory {
  uri: string;
  /** Every schema file, oldest first; `__array_schema.tdb` (if present) counts as older than all. */
  schemas: TimestampedFile[];
  /**
   * The schema in effect at the open time: the newest whose t2 <= end, else the oldest (so arrays with
   * fragments older than their first schema, and legacy arrays, still open), as TileDB chooses.
   */
  latestSchema: TimestampedFile;
  /** Visible fragments, in timestamp order (oldest first). */
  fragments: FragmentEntry[];
  /** Consolidated fragment metadata files overlapping the open range, oldest first. */
  fragmentMetaFiles: TimestampedFile[];
  /** Delete and update commits within the open range. */
  deleteCommits: TimestampedFile[];
  updateCommits: TimestampedFile[];
  /** Fragments hidden because a vacuum file lists them (consolidated into a newer fragment). */
  vacuumedFragments: string[];
  /** Committed-fragment names found in `.con` files (after `.ign` files are applied). */
  consolidatedCommits: string[];
}

export interface TimestampRange {
  start: number;
  end: number;
}

/** Normalizes `timestamp` (an end time, or [start, end]) to a range; default: everything. */
export function toTimestampRange(timestamp?: number | [number, number] | TimestampRange): TimestampRange {
  if (timestamp === undefined) return { start: 0, end: Number.MAX_SAFE_INTEGER };
  if (typeof timestamp === "number") return { start: 0, end: timestamp };
  if (Array.isArray(timestamp)) return { start: timestamp[0], end: timestamp[1] };
  return timestamp;
}

function byTime(a: TimestampedFile, b: TimestampedFile): number {
  return a.t1 - b.t1 || a.t2 - b.t2 || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function timestamped(e: VfsEntry, strip = ""): TimestampedFile | undefined {
  const base = strip && e.name.endsWith(strip) ? e.name.slice(0, -strip.length) : e.name;
  const ts = parseTimestampedName(base);
  if (!ts) return undefined;
  return { uri: e.uri, name: base, t1: ts.t1, t2: ts.t2, version: ts.version };
}

function lines(bytes: Uint8Array): string[] {
  return textDecoder.decode(bytes).split("\n").filter((l) => l.length > 0);
}

/** Last path part of a line that may be absolute (pre-v19 vacuum files) or relative to the array. */
function lastPart(line: string): string {
  const t = line.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1);
}

/**
 * Parses a consolidated commits file: one array-relative URI per line; `.del`/`.upd` entries are followed
 * by a uint64 size and that many bytes of serialized condition.
 */
export function parseConsolidatedCommits(bytes: Uint8Array, what: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    let nl = bytes.indexOf(10, pos);
    if (nl < 0) nl = bytes.byteLength;
    const line = textDecoder.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    if (line.length === 0) continue;
    out.push(line);
    if (line.endsWith(".del") || line.endsWith(".upd")) {
      if (pos + 8 > bytes.byteLength) throw new TileDBError("E_CORRUPT", `${what}: truncated condition size after "${line}"`);
      const size = Number(new DataView(bytes.buffer, bytes.byteOffset + pos, 8).getBigUint64(0, true));
      pos += 8 + size;
      if (pos > bytes.byteLength) throw new TileDBError("E_CORRUPT", `${what}: condition of "${line}" runs past the end of the file`);
    }
  }
  return out;
}

/** Whether [t1, t2] lies in the range (wholly, or, when `partialOk`, in part). */
function within(range: TimestampRange, t1: number, t2: number, partialOk: boolean): boolean {
  return partialOk ? t1 <= range.end && range.start <= t2 : t1 >= range.start && t2 <= range.end;
}

/** Every schema file, oldest first (the legacy file before all), and those of `__schema/` alone. */
function listSchemas(arrayUri: string, root: VfsEntry[], schemaDir: VfsEntry[]): { schemas: TimestampedFile[]; current: TimestampedFile[] } {
  const schemas: TimestampedFile[] = [];
  const legacy = root.find((e) => !e.isDir && e.name === LEGACY_SCHEMA_FILE);
  if (legacy) schemas.push({ uri: legacy.uri, name: LEGACY_SCHEMA_FILE, t1: 0, t2: 0 });
  const current = schemaDir
    .filter((e) => !e.isDir)
    .map((e) => timestamped(e))
    .filter((x): x is TimestampedFile => x !== undefined)
    .sort(byTime);
  schemas.push(...current);
  if (schemas.length === 0) {
    throw new TileDBError("E_NOT_FOUND", `${arrayUri} is not a TileDB array (no ${SCHEMA_DIR}/ files and no ${LEGACY_SCHEMA_FILE})`);
  }
  return { schemas, current };
}

interface Commits {
  /** Names of committed fragments (single `.wrt` files and those in `.con` files). */
  committed: Set<string>;
  consolidatedCommits: string[];
  deleteCommits: TimestampedFile[];
  updateCommits: TimestampedFile[];
  vacFiles: TimestampedFile[];
}

/** The commits folder: ignore files first, then consolidated commits, then single commit and vacuum files. */
async function readCommits(commitDir: VfsEntry[], range: TimestampRange, vfs: VFS): Promise<Commits> {
  const ignored = new Set<string>();
  for (const e of commitDir) {
    if (!e.isDir && e.name.endsWith(".ign")) for (const l of lines(await vfs.read(e.uri))) ignored.add(lastPart(l));
  }
  const c: Commits = { committed: new Set(), consolidatedCommits: [], deleteCommits: [], updateCommits: [], vacFiles: [] };
  for (const e of commitDir) {
    if (e.isDir || !e.name.endsWith(".con")) continue;
    for (const l of parseConsolidatedCommits(await vfs.read(e.uri), e.uri)) {
      const part = lastPart(l);
      if (ignored.has(part)) continue;
      if (part.endsWith(".wrt")) {
        c.committed.add(part.slice(0, -4));
        c.consolidatedCommits.push(part.slice(0, -4));
      } else if (part.endsWith(".del") || part.endsWith(".upd")) {
        const ts = parseTimestampedName(part);
        if (ts && within(range, ts.t1, ts.t2, false)) {
          (part.endsWith(".del") ? c.deleteCommits : c.updateCommits).push({ uri: e.uri, name: part, t1: ts.t1, t2: ts.t2, version: ts.version });
        }
      }
    }
  }
  for (const e of commitDir) {
    if (e.isDir) continue;
    if (e.name.endsWith(".wrt")) c.committed.add(e.name.slice(0, -4));
    else if (e.name.endsWith(".vac")) {
      const t = timestamped(e, ".vac");
      if (t) c.vacFiles.push(t);
    } else if (e.name.endsWith(".del") || e.name.endsWith(".upd")) {
      const t = timestamped(e, e.name.slice(-4));
      if (t && within(range, t.t1, t.t2, false)) (e.name.endsWith(".del") ? c.deleteCommits : c.updateCommits).push(t);
    }
  }
  return c;
}

/** Committed fragments: `__fragments/` folders with a commit, and legacy root folders with `.ok` files. */
async function committedFragments(fragDir: VfsEntry[], root: VfsEntry[], committed: Set<string>, vfs: VFS): Promise<Array<{ entry: VfsEntry; legacy: boolean }>> {
  const candidates: Array<{ entry: VfsEntry; legacy: boolean }> = [];
  for (const e of fragDir) if (e.isDir && committed.has(e.name)) candidates.push({ entry: e, legacy: false });
  const okNames = new Set(root.filter((e) => !e.isDir && e.name.endsWith(".ok")).map((e) => e.name.slice(0, -3)));
  const legacyFolders = root.filter((e) => e.isDir && e.name.startsWith("__") && parseTimestampedName(e.name) !== undefined);
  for (const e of legacyFolders) {
    const version = parseTimestampedName(e.name)!.version ?? 1;
    // Before format 5 a fragment was committed when its metadata file existed.
    if (okNames.has(e.name) || (version < 5 && (await vfs.exists(joinUri(e.uri, FRAGMENT_METADATA_FILE))))) {
      candidates.push({ entry: e, legacy: true });
    }
  }
  return candidates;
}

/** The committed fragments in the range; consolidated ones with timestamps may overlap it in part. */
function fragmentsInRange(candidates: Array<{ entry: VfsEntry; legacy: boolean }>, range: TimestampRange): FragmentEntry[] {
  const out: FragmentEntry[] = [];
  for (const { entry, legacy } of candidates) {
    const ts = parseTimestampedName(entry.name)!;
    const version = ts.version ?? (legacy ? 2 : 12);
    if (!within(range, ts.t1, ts.t2, version >= CONSOLIDATION_WITH_TIMESTAMPS_MIN_VERSION)) continue;
    const partialOverlap = !within(range, ts.t1, ts.t2, false);
    out.push({ uri: entry.uri, name: entry.name, t1: ts.t1, t2: ts.t2, version, legacy, partialOverlap });
  }
  return out;
}

/**
 * The fragments that vacuum files overlapping the range list (they were consolidated). Dense arrays need the
 * whole vacuum file inside the range, as libtiledb decides (a dense consolidated fragment has no per-cell
 * timestamps to filter a partial overlap with).
 */
async function vacuumedNames(vacFiles: TimestampedFile[], range: TimestampRange, dense: boolean, vfs: VFS): Promise<Set<string>> {
  const vacuumed = new Set<string>();
  for (const v of vacFiles) {
    const partialOk = !dense && (v.version ?? 0) >= CONSOLIDATION_WITH_TIMESTAMPS_MIN_VERSION;
    if (!within(range, v.t1, v.t2, partialOk)) continue;
    for (const l of lines(await vfs.read(v.uri))) vacuumed.add(lastPart(l));
  }
  return vacuumed;
}

/** Lists an array folder and works out what is visible in `range` (default: everything). */
export async function listArrayDirectory(
  arrayUri: string,
  vfs: VFS,
  range: TimestampRange = toTimestampRange(),
  options: { dense?: boolean } = {},
): Promise<ArrayDirectory> {
  const [root, schemaDir, fragDir, commitDir, metaDir] = await Promise.all([
    vfs.ls(arrayUri),
    vfs.ls(joinUri(arrayUri, SCHEMA_DIR)),
    vfs.ls(joinUri(arrayUri, FRAGMENTS_DIR)),
    vfs.ls(joinUri(arrayUri, COMMITS_DIR)),
    vfs.ls(joinUri(arrayUri, FRAGMENT_META_DIR)),
  ]);
  if (root.length === 0) throw new TileDBError("E_NOT_FOUND", `array ${arrayUri} does not exist or is empty`);
  const { schemas, current } = listSchemas(arrayUri, root, schemaDir);
  const commits = await readCommits(commitDir, range, vfs);
  const fragmentsAll = fragmentsInRange(await committedFragments(fragDir, root, commits.committed, vfs), range);
  const rootVacFiles = root.filter((e) => !e.isDir && e.name.endsWith(".vac")).map((e) => timestamped(e, ".vac"));
  const vacFiles = [...commits.vacFiles, ...rootVacFiles.filter((t): t is TimestampedFile => t !== undefined)];
  const vacuumed = await vacuumedNames(vacFiles, range, options.dense ?? false, vfs);
  const fragmentMetaFiles = [...metaDir, ...root]
    .filter((e) => !e.isDir && e.name.endsWith(".meta"))
    .map((e) => timestamped(e, ".meta"))
    .filter((x): x is TimestampedFile => x !== undefined && x.t1 <= range.end && range.start <= x.t2)
    .sort(byTime);
  return {
    uri: arrayUri,
    schemas,
    latestSchema: current.filter((x) => x.t2 <= range.end).pop() ?? schemas[0],
    fragments: fragmentsAll.filter((f) => !vacuumed.has(f.name)).sort(byTime),
    fragmentMetaFiles,
    deleteCommits: commits.deleteCommits.sort(byTime),
    updateCommits: commits.updateCommits.sort(byTime),
    vacuumedFragments: [...vacuumed].filter((n) => fragmentsAll.some((f) => f.name === n)).sort(),
    consolidatedCommits: commits.consolidatedCommits.sort(),
  };
}
