/**
 * Consolidation (format spec: array_file_hierarchy.md, vacuum_file.md, consolidated_fragment_metadata_file.md,
 * consolidated_commits_file.md):
 * - fragments: the visible fragments are read as one array (newest fragment wins per cell unless the array allows
 *   duplicates; dense arrays over the union of the fragments' non-empty domains) and written as one fragment
 *   spanning their timestamps; a vacuum file then lists the fragments it replaces, which readers stop seeing.
 * - fragment metadata: the footers of every fragment in one `__fragment_meta/<name>.meta` file.
 * - commits: every commit file listed in one `__commits/<name>.con` file.
 * - metadata: see `consolidateMetadata` in metadata.ts.
 * Each step writes its new file last or atomically, so a crash leaves the array readable as before.
 */

import { encodeConsolidatedFragmentMeta, openArray } from "./array.js";
import { COMMITS_DIR, FRAGMENT_META_DIR, FRAGMENTS_DIR, listArrayDirectory } from "./array-directory.js";
import { textEncoder } from "./binary.js";
import { typedArrayOf } from "./datatype.js";
import { TileDBError } from "./errors.js";
import { FORMAT_VERSION } from "./format-version.js";
import { consolidateMetadata } from "./metadata.js";
import { concatBatches, readBatches } from "./read/index.js";
import type { ReadBatch, ResultColumn } from "./read/result.js";
import type { ArraySchema } from "./schema.js";
import { makeTimestampedName } from "./timestamped-name.js";
import { joinUri, vfsFor } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";
import type { ColumnInput } from "./write/columns.js";
import { buildDenseFragment } from "./write/dense.js";
import type { FragmentContent } from "./write/fragment-builder.js";
import { type CommittedFragment, commitFragment } from "./write/fragment-writer.js";
import { buildSparseFragment, type Cells } from "./write/sparse.js";

export interface ConsolidateOptions {
  vfs?: VFS;
  /** Only fragments within this timestamp range (ms) take part (default: all visible). */
  timestamp?: number | [number, number];
}

function asInput(col: ResultColumn): ColumnInput {
  if (col.offsets) {
    const offsets = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) offsets[i] = col.offsets[i];
    return { data: col.data, offsets, ...(col.validity ? { validity: col.validity } : {}) };
  }
  const values = col.data;
  return col.validity ? { values: rawTyped(col, values), validity: col.validity } : rawTyped(col, values);
}

function rawTyped(col: ResultColumn, bytes: Uint8Array): ColumnInput {
  // Reinterpret the bytes as the field's own typed array (an aligned copy).
  const Ctor = typedArrayOf(col.type);
  const copy = bytes.slice();
  return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
}

function batchCells(batch: ReadBatch): Cells {
  const cells: Cells = {};
  for (const c of batch.columns) cells[c.name] = asInput(c);
  return cells;
}

/**
 * Consolidates the array's visible fragments into one. Returns the new fragment, or undefined when there were
 * fewer than two fragments. The old fragments stay on disk, hidden by the vacuum file, until `vacuum`.
 */
export async function consolidateFragments(arrayUri: string, options: ConsolidateOptions = {}): Promise<CommittedFragment | undefined> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const arr = await openArray(arrayUri, { vfs, timestamp: options.timestamp });
  if (arr.fragments.length < 2) return undefined;
  const schema: ArraySchema = arr.schema;
  for (const f of arr.fragments) {
    if (f.schema.fileName !== schema.fileName) {
      throw new TileDBError("E_UNSUPPORTED", `consolidate ${arrayUri}: fragment ${f.name} uses an older schema (${f.schema.fileName}); consolidating across schema changes is not supported`);
    }
  }
  const t1 = Math.min(...arr.fragments.map((f) => f.t1));
  const t2 = Math.max(...arr.fragments.map((f) => f.t2));
  let content: FragmentContent;
  if (schema.arrayType === "dense") {
    // The union of the non-empty domains; cells no fragment wrote read back as fill values, as TileDB does.
    const rect = schema.dimensions.map((_, d) => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const f of arr.fragments) {
        const r = f.footer.nonEmptyDomain?.[d];
        if (!r) continue;
        lo = Math.min(lo, Number(r[0]));
        hi = Math.max(hi, Number(r[1]));
      }
      return [lo, hi] as [number, number];
    });
    const subarray = Object.fromEntries(schema.dimensions.map((d, i) => [d.name, [rect[i]]]));
    const batches: ReadBatch[] = [];
    for await (const b of readBatches(arr, { subarray, columns: schema.attributes.map((a) => a.name) })) batches.push(b);
    content = buildDenseFragment(schema, { subarray: rect, cells: batchCells(batches[0]) }, `consolidate ${arrayUri}`);
  } else {
    // With duplicates allowed and no per-cell versions, no cell replaces another: read the fragments one after
    // another (oldest first) and let the write sort them (a stable radix sort, linear) instead of merging them
    // in global order cell by cell. Otherwise the merge resolves which version of a cell survives.
    const scanThenSort = schema.allowsDuplicates && !arr.fragments.some((f) => f.footer.hasTimestamps);
    const batches: ReadBatch[] = [];
    for await (const b of readBatches(arr, { order: scanThenSort ? "unordered" : "global" })) batches.push(b);
    const merged = batches.length === 1 ? batches[0] : concatBatches(batches, batches[0].columns);
    content = buildSparseFragment(schema, batchCells(merged), `consolidate ${arrayUri}`);
  }
  const frag = await commitFragment(arrayUri, schema, content, { vfs, timestamp: [t1, t2], version: FORMAT_VERSION });
  // The vacuum file names the replaced fragments (relative to the array, as TileDB writes since format 19).
  const vac = arr.fragments.map((f) => `/${FRAGMENTS_DIR}/${f.name}\n`).join("");
  await vfs.write(joinUri(arrayUri, COMMITS_DIR, `${frag.name}.vac`), textEncoder.encode(vac));
  return frag;
}

/** Writes one consolidated fragment metadata file with the footers of every visible fragment. */
export async function consolidateFragmentMetadata(arrayUri: string, options: { vfs?: VFS } = {}): Promise<string | undefined> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const arr = await openArray(arrayUri, { vfs });
  if (arr.fragments.length === 0) return undefined;
  const t1 = Math.min(...arr.fragments.map((f) => f.t1));
  const t2 = Math.max(...arr.fragments.map((f) => f.t2));
  const name = `${makeTimestampedName(t1, t2, FORMAT_VERSION)}.meta`;
  const uri = joinUri(arrayUri, FRAGMENT_META_DIR, name);
  const bytes = encodeConsolidatedFragmentMeta(arr.fragments.map((f) => ({ name: f.name, footer: f.footer, schema: f.schema })));
  await vfs.write(uri, bytes);
  return uri;
}

/** Lists every commit file in one consolidated commits file (`.con`), written atomically. */
export async function consolidateCommits(arrayUri: string, options: { vfs?: VFS } = {}): Promise<string | undefined> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const dir = await listArrayDirectory(arrayUri, vfs);
  const frags = dir.fragments.filter((f) => !f.legacy);
  if (frags.length === 0) return undefined;
  const t1 = Math.min(...frags.map((f) => f.t1));
  const t2 = Math.max(...frags.map((f) => f.t2));
  const body = frags.map((f) => `${COMMITS_DIR}/${f.name}.wrt\n`).join("");
  const uri = joinUri(arrayUri, COMMITS_DIR, `${makeTimestampedName(t1, t2, FORMAT_VERSION)}.con`);
  await vfs.write(uri, textEncoder.encode(body));
  return uri;
}

export type ConsolidationMode = "fragments" | "fragment_meta" | "commits" | "array_meta";

/** Runs one consolidation mode, as `tiledb.consolidate(uri, config={"sm.consolidation.mode": mode})` does. */
export async function consolidate(arrayUri: string, options: ConsolidateOptions & { mode?: ConsolidationMode } = {}): Promise<string | undefined> {
  switch (options.mode ?? "fragments") {
    case "fragments":
      return (await consolidateFragments(arrayUri, options))?.uri;
    case "fragment_meta":
      return consolidateFragmentMetadata(arrayUri, options);
    case "commits":
      return consolidateCommits(arrayUri, options);
    case "array_meta":
      return consolidateMetadata(arrayUri, options);
    default:
      throw new TileDBError("E_INVALID_ARGUMENT", `unknown consolidation mode "${options.mode}"`);
  }
}
