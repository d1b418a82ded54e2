/**
 * Reading an array: pick the columns and the subarray, then stream batches (sparse) or one result (dense).
 *
 *   const arr = await openArray(uri);
 *   for await (const batch of readBatches(arr, { columns: ["soma_dim_0", "soma_data"], memoryBudget: 64 << 20 })) …
 */
import { openArray, type TileDBArray } from "../array.js";
import { datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { VAR_NUM } from "../schema.js";
import { type CoordValue, type DimRanges, dimRanges } from "./coords.js";
import { readDense } from "./dense.js";
import { fragmentView } from "./fragment-source.js";
import type { FragmentView } from "./fragment-view.js";
import { windowedVfs } from "./read-window.js";
import { concatBatches, type ReadBatch } from "./result.js";
import { readSparse } from "./sparse.js";
import { type FieldInfo, schemaFields } from "./tiles.js";

export type { ReadBatch, ResultColumn } from "./result.js";
export { column, columnValues, concatBatches } from "./result.js";

/** Per dimension: inclusive [low, high] ranges and/or single points. */
export type Subarray = Record<string, Array<[CoordValue, CoordValue] | CoordValue>>;

export interface ReadOptions {
  /** Attributes and dimensions to return, in this order (default: every dimension, then every attribute). */
  columns?: string[];
  subarray?: Subarray;
  /** Sparse arrays: "global" (the array's global order) or "unordered" (any order; cheaper with duplicates). */
  order?: "global" | "unordered";
  /**
   * Sparse reads: bytes of decoded tiles held before a batch is emitted; dense reads: about the bytes of
   * one batch of results (default 256 MiB).
   */
  memoryBudget?: number;
  /**
   * Sparse reads: the caller is done with each batch before asking for the next, so its buffers may be
   * reused for later batches (fewer allocations and page faults on large scans). Default false.
   */
  reuseBuffers?: boolean;
}

const DEFAULT_BUDGET = 256 << 20;

/**
 * Read windows: one per file the read visits (a merge of many fragments takes turns over all their files, and
 * fewer windows than files would evict every window before its next use), at least 16, together no more than
 * an eighth of the budget: 64 KiB to 4 MiB each.
 */
function windowing(budget: number, files: number): { bytes: number; count: number } {
  const count = Math.max(16, files);
  return { bytes: Math.max(64 << 10, Math.min(4 << 20, Math.floor(budget / 8 / count))), count };
}

/** The files a sparse read of `fields` opens per fragment (dimensions are read for the merge and the ranges). */
function filesPerFragment(arr: TileDBArray, fields: FieldInfo[]): number {
  const all = schemaFields(arr.schema);
  const read = new Set([...arr.schema.dimensions.map((d) => d.name), ...fields.map((f) => f.name)]);
  let n = 1; // cell timestamps, when a fragment has them
  for (const name of read) {
    const f = all.get(name) as FieldInfo;
    n += 1 + (f.cellValNum === VAR_NUM ? 1 : 0) + (f.nullable ? 1 : 0);
  }
  return n;
}

function resolveColumns(arr: TileDBArray, columns?: string[]): FieldInfo[] {
  const fields = schemaFields(arr.schema);
  const names = columns ?? [...arr.schema.dimensions.map((d) => d.name), ...arr.schema.attributes.map((a) => a.name)];
  return names.map((n) => {
    const f = fields.get(n);
    if (!f) throw new TileDBError("E_NO_FIELD", `${arr.uri}: no attribute or dimension named "${n}" (has ${[...fields.keys()].join(", ")})`);
    return f;
  });
}

function rangesOf(arr: TileDBArray, subarray?: Subarray): Array<Array<[CoordValue, CoordValue]> | null> {
  const dims = arr.schema.dimensions;
  for (const k of Object.keys(subarray ?? {})) {
    if (!dims.some((d) => d.name === k)) throw new TileDBError("E_SUBARRAY", `${arr.uri}: subarray names "${k}", which is not a dimension`);
  }
  return dims.map((d) => {
    const r = subarray?.[d.name];
    if (!r) return null;
    return r.map((x) => (Array.isArray(x) ? (x as [CoordValue, CoordValue]) : ([x, x] as [CoordValue, CoordValue])));
  });
}

async function views(arr: TileDBArray, dense: boolean): Promise<FragmentView[]> {
  const frags = [...arr.fragments].sort((a, b) => a.t1 - b.t1 || a.t2 - b.t2 || (a.name < b.name ? -1 : 1));
  const out: FragmentView[] = [];
  for (const f of frags) {
    if (f.footer.dense !== dense) {
      throw new TileDBError("E_UNSUPPORTED", `${f.uri}: ${f.footer.dense ? "dense" : "sparse"} fragment in a ${dense ? "dense" : "sparse"} array is not supported`);
    }
    if (f.footer.hasDeleteMeta) throw new TileDBError("E_UNSUPPORTED", `${f.uri}: fragments with delete metadata are not supported`);
    const range: [number, number] | undefined = f.partialOverlap ? [arr.timestamp.start, arr.timestamp.end] : undefined;
    // without per-cell timestamps a fragment reaching past the open range cannot be cut to it: TileDB skips it
    if (f.partialOverlap && !f.footer.hasTimestamps) continue;
    out.push(fragmentView(f.uri, f.name, [f.t1, f.t2], await f.metadata(), f.schema, range));
  }
  return out;
}

/** The data files' sizes the fragments' metadata gives. */
function knownSizes(fragments: FragmentView[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fragments) for (const [uri, size] of f.fileSizes) out.set(uri, size);
  return out;
}

/**
 * Reads an array (URI or opened) in batches. Dense results are row-major over the selected coordinates of
 * each dimension (several ranges on a dimension are concatenated in the order given), in batches of whole
 * slices along the first dimension.
 */
export async function* readBatches(array: TileDBArray | string, options: ReadOptions = {}): AsyncGenerator<ReadBatch> {
  const arr = typeof array === "string" ? await openArray(array) : array;
  const fields = resolveColumns(arr, options.columns);
  if (arr.directory.deleteCommits.length > 0 || arr.directory.updateCommits.length > 0) {
    throw new TileDBError("E_UNSUPPORTED", `${arr.uri}: the array has delete or update commits (${arr.directory.deleteCommits.length + arr.directory.updateCommits.length}); applying them on read is not supported`);
  }
  const ranges = rangesOf(arr, options.subarray);
  if (arr.schema.arrayType === "dense") {
    const dense = arr.schema.dimensions.map((d, i): Array<[number, number]> => {
      const [dlo, dhi] = d.domain as [CoordValue, CoordValue];
      return (ranges[i] ?? [[dlo, dhi] as [CoordValue, CoordValue]]).map(([lo, hi]) => {
        const l = Number(lo);
        const h = Number(hi);
        if (!Number.isInteger(l) || !Number.isInteger(h) || !(l <= h) || l < Number(dlo) || h > Number(dhi)) {
          throw new TileDBError("E_SUBARRAY", `${arr.uri}: range [${lo}, ${hi}] on "${d.name}" is not inside the domain [${dlo}, ${dhi}]`);
        }
        return [l, h];
      });
    });
    const fragments = await views(arr, true);
    const w = windowing(options.memoryBudget ?? DEFAULT_BUDGET, fragments.length * filesPerFragment(arr, fields));
    const vfs = windowedVfs(arr.vfs, w.bytes, w.count, knownSizes(fragments));
    // Row-major output: blocks of the first dimension's coordinates give consecutive slices of the result,
    // each sized to the memory budget.
    const perCell = fields.reduce((s, f) => s + (f.cellValNum === VAR_NUM ? 16 : datatypeSize(f.type) * f.cellValNum) + (f.nullable ? 1 : 0), 8);
    const rowCells = dense.slice(1).reduce((p, rs) => p * rs.reduce((s, [lo, hi]) => s + hi - lo + 1, 0), 1);
    const rowsPerBlock = Math.max(1, Math.floor((options.memoryBudget ?? DEFAULT_BUDGET) / (perCell * rowCells)));
    let block: Array<[number, number]> = [];
    let blockRows = 0;
    const flush = () => readDense({ vfs, schema: arr.schema, fragments, fields, ranges: [block, ...dense.slice(1)] });
    for (const [lo, hi] of dense[0]) {
      for (let r = lo; r <= hi; ) {
        const take = Math.min(hi - r + 1, rowsPerBlock - blockRows);
        block.push([r, r + take - 1]);
        blockRows += take;
        r += take;
        if (blockRows === rowsPerBlock) {
          yield await flush();
          block = [];
          blockRows = 0;
        }
      }
    }
    if (blockRows > 0) yield await flush();
    return;
  }
  const dimR: Array<DimRanges | null> = arr.schema.dimensions.map((d, i) => (ranges[i] ? dimRanges(d, ranges[i] as Array<[CoordValue, CoordValue]>) : null));
  const fragments = await views(arr, false);
  const w = windowing(options.memoryBudget ?? DEFAULT_BUDGET, fragments.length * filesPerFragment(arr, fields));
  yield* readSparse({
    vfs: windowedVfs(arr.vfs, w.bytes, w.count, knownSizes(fragments)),
    schema: arr.schema,
    fragments,
    fields,
    ranges: dimR,
    order: options.order ?? "global",
    memoryBudget: options.memoryBudget ?? DEFAULT_BUDGET,
    reuseBuffers: options.reuseBuffers ?? false,
  });
}

/** Reads everything the options select into one batch. */
export async function readAll(array: TileDBArray | string, options: ReadOptions = {}): Promise<ReadBatch> {
  const batches: ReadBatch[] = [];
  for await (const b of readBatches(array, options)) batches.push(b);
  return concatBatches(batches, batches[0].columns);
}
