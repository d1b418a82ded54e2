/**
 * Staged estimator batches: while a cube is being built, each batch's validated rows are kept as one plain
 * binary file (written atomically: a batch is there whole or not at all) instead of a TileDB
 * fragment. `finish` streams them all into the estimators array as one fragment, in global order, instead of
 * encoding every batch and then decoding, merging and re-encoding them all to consolidate.
 *
 * File: "CUBESTG3", u32 header length, header JSON ({n, estimators, groups, features, record?}) padded to 4 bytes,
 * u32[features + 1] first row of each feature rank (rows are sorted by feature rank, then group: a row's
 * feature follows from its place), float32[groups] `size_factor` and float32[groups] `n_obs` per group in
 * header order (per-group values, checked equal on all a group's rows), then the columns: obs group u32[n] and
 * one float32[n] per other estimator in header order. Half the bytes of a row-per-value layout.
 */
import { joinUri, type VFS } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";
import type { SortedRows } from "./estimators.js";
import { STAGING_DIR } from "./layout.js";

const MAGIC = "CUBESTG3";
/** Estimators with one value per obs group, kept per group in the file. */
const PER_GROUP = ["size_factor", "n_obs"] as const;
const SUFFIX = ".batch";

interface StagedHeader {
  n: number;
  estimators: string[];
  groups: number[];
  features: number;
  /** Counts the batch's writer keeps with it (see writeBatch's `record`); absent in files staged without. */
  record?: BatchRecord;
}

/** Counts kept with a staged batch by its writer, e.g. the cells and X values it read. */
export type BatchRecord = Record<string, number>;

/** A staged batch as listed: its header and rank index; rows are read by range. */
export interface StagedBatch {
  uri: string;
  n: number;
  groups: number[];
  /** First row of each feature rank; rows of rank r are [rankStart[r], rankStart[r + 1]). */
  rankStart: Uint32Array;
  /** Byte offset of the first column. */
  columnsAt: number;
  /** `size_factor` and `n_obs` of each group, by obs group id (other ids hold 0). */
  perGroup: Record<(typeof PER_GROUP)[number], Float32Array>;
}

/** The estimators a staged file holds per row: all but the per-group ones. */
function rowEstimators(estimatorNames: readonly string[]): string[] {
  return estimatorNames.filter((e) => !(PER_GROUP as readonly string[]).includes(e));
}

/** The file's parts in order: the columns are written from the rows' own arrays, not copied into one buffer. */
function encode(rows: SortedRows, estimatorNames: readonly string[], featureRank: Uint32Array, record?: BatchRecord): Uint8Array[] {
  const features = featureRank.length;
  const header = new TextEncoder().encode(JSON.stringify({ n: rows.n, estimators: [...estimatorNames], groups: rows.groups, features, record } satisfies StagedHeader));
  const headerLen = Math.ceil(header.byteLength / 4) * 4;
  const head = new Uint8Array(12 + headerLen);
  head.set(new TextEncoder().encode(MAGIC));
  new DataView(head.buffer).setUint32(8, headerLen, true);
  head.fill(0x20, 12); // JSON tolerates the space padding
  head.set(header, 12);
  const rankStart = new Uint32Array(features + 1);
  for (let i = 0; i < rows.n; i++) rankStart[featureRank[rows.feature[i]] + 1]++;
  for (let r = 0; r < features; r++) rankStart[r + 1] += rankStart[r];
  // each group's value from any of its rows (sortEstimatorRows checked they agree)
  const slotOf = new Int32Array(rows.groups.reduce((m, g) => Math.max(m, g), -1) + 1);
  rows.groups.forEach((g, k) => {
    slotOf[g] = k;
  });
  const perGroup = PER_GROUP.map((e) => {
    const byRow = rows.values[e];
    const out = new Float32Array(rows.groups.length);
    for (let i = 0; i < rows.n; i++) out[slotOf[rows.group[i]]] = byRow[i];
    return out;
  });
  const cols = [rankStart, ...perGroup, rows.group, ...rowEstimators(estimatorNames).map((e) => rows.values[e])];
  return [head, ...cols.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength))];
}

const PLANNED_NAME = /^batch-(\d+)\.batch$/;

/** The staged file of a planned batch: named by its id, so a batch computed twice replaces itself. */
export function plannedBatchName(id: number): string {
  return `batch-${id}${SUFFIX}`;
}

/** The planned batch a staged file holds, from its name; undefined for a batch staged without a plan. */
export function plannedBatchId(uri: string): number | undefined {
  const m = PLANNED_NAME.exec(uri.slice(uri.lastIndexOf("/") + 1));
  return m ? Number(m[1]) : undefined;
}

/** Ids of the planned batches staged whole (names only: nothing is read). */
export async function stagedBatchIds(vfs: VFS, cubeUri: string): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const e of await vfs.ls(joinUri(cubeUri, STAGING_DIR))) {
    const id = e.isDir ? undefined : plannedBatchId(e.uri);
    if (id !== undefined) ids.add(id);
  }
  return ids;
}

/**
 * Writes one batch (rows in global order) into the staging folder, whole or not at all (VFS writes are atomic),
 * as the planned batch `batchId` (replacing an earlier copy: a planned batch's rows are the same each time) or
 * under a unique name, with the writer's `record` in its header.
 */
export async function writeStagedBatch(vfs: VFS, cubeUri: string, rows: SortedRows, estimatorNames: readonly string[], featureRank: Uint32Array, batchId?: number, record?: BatchRecord): Promise<void> {
  const unique = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const name = batchId === undefined ? `${unique}${SUFFIX}` : plannedBatchName(batchId);
  await vfs.write(joinUri(cubeUri, STAGING_DIR, name), encode(rows, estimatorNames, featureRank, record));
}

/** What a planned batch's staged file says of it: its rows and groups, and the record its writer kept with it. */
export interface StagedBatchSummary {
  rows: number;
  groups: number;
  record: BatchRecord;
}

/**
 * The summary of planned batch `batchId` from its staged file's header (two small reads: the rows are not
 * read), or undefined when it is not staged.
 */
export async function readStagedSummary(vfs: VFS, cubeUri: string, batchId: number): Promise<StagedBatchSummary | undefined> {
  const uri = joinUri(cubeUri, STAGING_DIR, plannedBatchName(batchId));
  if (!(await vfs.exists(uri))) return undefined;
  const header = await readHeaderJson(vfs, uri, await vfs.size(uri));
  if (!Number.isInteger(header.n) || header.n < 0) throw corrupt(uri, `its header holds no row count (n: ${JSON.stringify(header.n)})`);
  return { rows: header.n, groups: Array.isArray(header.groups) ? header.groups.length : 0, record: header.record ?? {} };
}

function corrupt(uri: string, why: string): CubeWriterError {
  return new CubeWriterError("E_CORRUPT_STAGING", `staged estimators batch ${uri} is unreadable: ${why}`);
}

/** The header of a staged file of `size` bytes, checked only for its magic and length. */
async function readHeaderJson(vfs: VFS, uri: string, size: number): Promise<StagedHeader & { headerLen: number }> {
  const head = size >= 12 ? await vfs.read(uri, 0, 12) : new Uint8Array(0);
  const magic = head.byteLength < 12 ? "" : new TextDecoder().decode(head.subarray(0, 8));
  if (magic !== MAGIC) {
    throw corrupt(uri, magic.startsWith("CUBESTG") ? `staged by another version of cube-writer (${magic}, this one reads ${MAGIC}); build the cube again` : "not a staged batch file");
  }
  const headerLen = new DataView(head.buffer, head.byteOffset).getUint32(8, true);
  if (12 + headerLen > size) throw corrupt(uri, `its ${headerLen}-byte header overruns the file`);
  try {
    return { ...JSON.parse(new TextDecoder().decode(await vfs.read(uri, 12, headerLen))), headerLen };
  } catch (e) {
    throw corrupt(uri, `header: ${(e as Error).message}`);
  }
}

async function readHeader(vfs: VFS, uri: string, estimatorNames: readonly string[], features: number): Promise<StagedBatch> {
  const bad = (why: string) => corrupt(uri, why);
  const size = await vfs.size(uri);
  const header = await readHeaderJson(vfs, uri, size);
  const { n, estimators, groups, headerLen } = header;
  if (!Array.isArray(estimators) || estimators.join() !== estimatorNames.join()) throw bad(`it holds estimators ${estimators} where the cube has ${estimatorNames.join(",")}`);
  if (header.features !== features) throw bad(`it indexes ${header.features} features where the cube has ${features}`);
  const indexAt = 12 + headerLen;
  const groupsAt = indexAt + 4 * (features + 1);
  const nGroups = Array.isArray(groups) ? groups.length : 0;
  const columnsAt = groupsAt + 4 * PER_GROUP.length * nGroups;
  if (!Number.isInteger(n) || !Array.isArray(groups) || !groups.every((g) => Number.isInteger(g) && g >= 0) || size !== columnsAt + 4 * n * (1 + rowEstimators(estimators).length)) {
    throw bad(`${size} bytes do not hold the ${n} rows its header announces`);
  }
  const rankStart = new Uint32Array(ownBuffer(await vfs.read(uri, indexAt, 4 * (features + 1))));
  if (rankStart[features] !== n) throw bad(`its rank index covers ${rankStart[features]} of ${n} rows`);
  const table = new Float32Array(ownBuffer(await vfs.read(uri, groupsAt, 4 * PER_GROUP.length * nGroups)));
  const maxGroup = groups.reduce((m: number, g: number) => Math.max(m, g), -1);
  const perGroup = Object.fromEntries(
    PER_GROUP.map((e, j) => {
      const byId = new Float32Array(maxGroup + 1);
      groups.forEach((g, k) => {
        byId[g] = table[j * nGroups + k];
      });
      return [e, byId];
    }),
  ) as StagedBatch["perGroup"];
  return { uri, n, groups, rankStart, columnsAt, perGroup };
}

/** Every staged batch (only whole ones exist: see writeStagedBatch). */
export async function listStagedBatches(vfs: VFS, cubeUri: string, estimatorNames: readonly string[], features: number): Promise<StagedBatch[]> {
  const entries = await vfs.ls(joinUri(cubeUri, STAGING_DIR));
  const out: StagedBatch[] = [];
  for (const e of entries) if (!e.isDir && e.name.endsWith(SUFFIX)) out.push(await readHeader(vfs, e.uri, estimatorNames, features));
  return out;
}

/** The bytes as a whole ArrayBuffer (4-byte views need offset 0): the read's own buffer, copied only if shared. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer;
}

/** Columns a chunk of staged rows is read into (reused from chunk to chunk): feature rank, obs group, estimators. */
export interface RankedRows {
  rank: Uint32Array;
  group: Uint32Array;
  /** Every estimator of the cube, by name. */
  values: Record<string, Float32Array>;
}

/** Rows [from, to) of a staged batch into `out` at row `at`, each row's feature as its rank. */
export async function readStagedRows(vfs: VFS, b: StagedBatch, from: number, to: number, estimatorNames: readonly string[], out: RankedRows, at: number): Promise<void> {
  const n = to - from;
  const bytes = (a: Uint32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset + 4 * at, 4 * n);
  const column = (k: number, into: Uint32Array | Float32Array) => vfs.read(b.uri, b.columnsAt + 4 * (b.n * k + from), 4 * n, bytes(into));
  await column(0, out.group);
  const perRow = rowEstimators(estimatorNames);
  for (let k = 0; k < perRow.length; k++) await column(k + 1, out.values[perRow[k]]);
  const group = out.group;
  for (const e of PER_GROUP) {
    const byId = b.perGroup[e];
    const dst = out.values[e];
    for (let i = at; i < at + n; i++) dst[i] = byId[group[i]];
  }
  // a row's feature is the rank whose run holds it
  let r = 0;
  while (b.rankStart[r + 1] <= from) r++;
  for (let i = from; i < to; r++) {
    const end = Math.min(to, b.rankStart[r + 1]);
    if (end > i) out.rank.fill(r, at + i - from, at + end - from);
    i = Math.max(i, end);
  }
}

export async function removeStaging(vfs: VFS, cubeUri: string): Promise<void> {
  await vfs.remove(joinUri(cubeUri, STAGING_DIR));
}
