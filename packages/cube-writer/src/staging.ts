/**
 * Staged estimator batches: while a cube is being built, each batch's validated rows are kept as one plain
 * binary file (written aside, then renamed: a batch is there whole or not at all) instead of a TileDB
 * fragment. `finish` writes them all into the estimators array at once, in one sorted, encoded pass,
 * instead of encoding every batch and then decoding, merging and re-encoding them all to consolidate.
 *
 * File: "CUBESTG1", u32 header length, header JSON ({n, estimators, groups}) padded to 4 bytes, then the
 * columns: gene index u32[n], obs group u32[n], and one float32[n] per estimator in header order.
 */
import { joinUri, type VFS } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";
import type { SortedRows } from "./estimators.js";
import { STAGING_DIR } from "./layout.js";

const MAGIC = "CUBESTG1";
const SUFFIX = ".batch";

interface StagedHeader {
  n: number;
  estimators: string[];
  groups: number[];
}

export interface StagedBatch extends SortedRows {
  uri: string;
}

function encode(rows: SortedRows, estimatorNames: readonly string[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ n: rows.n, estimators: [...estimatorNames], groups: rows.groups } satisfies StagedHeader));
  const headerLen = Math.ceil(header.byteLength / 4) * 4;
  const start = 12 + headerLen;
  const out = new Uint8Array(start + 4 * rows.n * (2 + estimatorNames.length));
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(8, headerLen, true);
  out.fill(0x20, 12, start); // JSON tolerates the space padding
  out.set(header, 12);
  const cols = [rows.gene, rows.group, ...estimatorNames.map((e) => rows.values[e])];
  cols.forEach((c, k) => {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), start + 4 * rows.n * k);
  });
  return out;
}

function decode(uri: string, bytes: Uint8Array, estimatorNames: readonly string[]): StagedBatch {
  const bad = (why: string) => new CubeWriterError("E_CORRUPT_STAGING", `staged estimators batch ${uri} is unreadable: ${why}`);
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw bad("not a staged batch file");
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  let header: StagedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLen)));
  } catch (e) {
    throw bad(`header: ${(e as Error).message}`);
  }
  const { n, estimators, groups } = header;
  if (!Array.isArray(estimators) || estimators.join() !== estimatorNames.join()) throw bad(`it holds estimators ${estimators} where the cube has ${estimatorNames.join(",")}`);
  const start = 12 + headerLen;
  if (!Number.isInteger(n) || !Array.isArray(estimators) || !Array.isArray(groups) || bytes.byteLength !== start + 4 * n * (2 + estimators.length)) {
    throw bad(`${bytes.byteLength} bytes do not hold the ${n} rows its header announces`);
  }
  // an aligned copy of the column bytes
  const body = bytes.slice(start);
  const col = (k: number) => new Uint32Array(body.buffer, 4 * n * k, n);
  const values: Record<string, Float32Array> = {};
  estimators.forEach((e, k) => {
    values[e] = new Float32Array(body.buffer, 4 * n * (k + 2), n);
  });
  return { uri, n, gene: col(0), group: col(1), values, groups };
}

/** Writes one batch aside and renames it into the staging folder. */
export async function writeStagedBatch(vfs: VFS, cubeUri: string, rows: SortedRows, estimatorNames: readonly string[]): Promise<void> {
  const dir = joinUri(cubeUri, STAGING_DIR);
  const name = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const tmp = joinUri(dir, `${name}.tmp`);
  await vfs.write(tmp, encode(rows, estimatorNames));
  await vfs.rename(tmp, joinUri(dir, `${name}${SUFFIX}`));
}

/** Every whole staged batch (files left half-written by a crash end in .tmp and are ignored). */
export async function readStagedBatches(vfs: VFS, cubeUri: string, estimatorNames: readonly string[]): Promise<StagedBatch[]> {
  const entries = await vfs.ls(joinUri(cubeUri, STAGING_DIR));
  const out: StagedBatch[] = [];
  for (const e of entries) if (!e.isDir && e.name.endsWith(SUFFIX)) out.push(decode(e.uri, await vfs.read(e.uri), estimatorNames));
  return out;
}

export async function removeStaging(vfs: VFS, cubeUri: string): Promise<void> {
  await vfs.remove(joinUri(cubeUri, STAGING_DIR));
}
