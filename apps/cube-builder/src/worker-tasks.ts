/**
 * Task module run inside executor worker processes: one task computes and writes one batch of whole obs
 * groups. Workers keep the opened X array between tasks (its fragment metadata is read once per worker).
 */
import { openSparseNDArray, type SomaSparseNDArray } from "@census-cube/census-reader";
import { type AttachState, CubeWriter, checkEstimatorRows, type RowCheckResult, type RowCheckTask, type StagedPart } from "@census-cube/cube-writer";
import { type CubeRows, SufficientStatsAccumulator } from "@census-cube/estimators";
import { heartbeat } from "@census-cube/resource-pool-executor";
import { configureS3, S3VFS, type S3Options, vfsFor } from "@census-cube/tiledb-ts";
import type { Vector } from "apache-arrow";
import { BatchValues, extraEstimatorNames } from "./extra-estimators.js";

export interface WorkerInit {
  xUri: string;
  cubeUri: string;
  /** The cube as the parent opened it: workers write batches without reading it again. */
  cube: AttachState;
  /** Gene index of each var joinid (-1: not in the query); null when var joinids are exactly 0..n-1. */
  geneOfVar: Int32Array | null;
  /** Bytes of decoded X tiles a task holds at once. */
  readBudget: number;
  /** X values the accumulator holds back to add a group's cells together (see SufficientStatsAccumulator). */
  pendingValues: number;
  /** Every estimator the cube holds; extras beyond the additive four make tasks keep their X values. */
  estimators: string[];
  /** How this worker reaches s3:// URIs (the --s3-* flags of the process that started it). */
  s3?: S3Options;
}

export interface BatchTask {
  id: number;
  /** Queried cells of the batch, ascending, with their obs group and approximate size factor. */
  joinids: Float64Array;
  groupOfCell: Uint32Array;
  sizeFactor: Float64Array;
  ranges: Array<[number, number]>;
}

export interface BatchResult {
  id: number;
  cells: number;
  /** X values read (cells of other batches in the span read included: depends on the batching). */
  nnz: number;
  /** X values of the batch's own cells, which the estimators took in (summed over batches: batching-independent). */
  valuesUsed: number;
  rows: number;
  /** Bytes fetched from object storage for the batch (0 when X is on a local disk). */
  bytesFetched: number;
}

/** Read a batch's whole joinid span when it is at most this many times the batch's cells. */
const SPAN_READ_FACTOR = 4;

let init: WorkerInit | null = null;
let xArray: SomaSparseNDArray | null = null;
/** The S3 backend X is read through (its traffic is what progress shows), null for local X. */
let xStore: S3VFS | null = null;
let writer: CubeWriter | null = null;
/**
 * The accumulator's columns are genes in the estimators array's feature order, so a batch's rows come out in
 * write order: the column of each var joinid (-1: not in the query), and the gene of each column. Both null
 * when var joinids are 0..n-1 in feature order already.
 */
let columnOfVar: Int32Array | null = null;
let geneOfColumn: Uint32Array | null = null;
/** The previous task's accumulator: its zeroed rows are reused (see AccumulatorOptions.recycle). */
let lastAccumulator: SufficientStatsAccumulator | undefined;
/** The previous task's cube rows, written once: their arrays are reused by the next task. */
let lastRows: CubeRows | undefined;

/** Start-up hook: runs once in each new worker before its first task. */
export async function startWorker(options: WorkerInit): Promise<void> {
  init = options;
  if (options.s3) configureS3(options.s3);
  const store = vfsFor(options.xUri);
  xStore = store instanceof S3VFS ? store : null;
  xArray = await openSparseNDArray(options.xUri);
  writer = CubeWriter.attach(options.cubeUri, options.cube);
  const rank = writer.featureRanks;
  const identity = options.geneOfVar === null && rank.every((r, g) => r === g);
  if (identity) return;
  geneOfColumn = writer.featuresByRank;
  const geneOfVar = options.geneOfVar ?? Int32Array.from(rank, (_, g) => g);
  columnOfVar = Int32Array.from(geneOfVar, (g) => (g >= 0 ? rank[g] : -1));
}

/** Start-up hook of a worker that only checks cube rows (see startCheckers). */
export function startChecker(s3?: S3Options): void {
  if (s3) configureS3(s3);
}

/** Checks one share of a cube's estimators rows (see cube-writer's validateCube, `rowChecks`). */
export function checkRows(task: RowCheckTask): Promise<RowCheckResult> {
  return checkEstimatorRows(task);
}

function values(v: Vector | null, name: string): ArrayLike<number | bigint> & { length: number } {
  if (!v) throw new Error(`X batch has no column ${name}`);
  const data = v.data.length === 1 ? v.data[0].values : v.toArray();
  return data as ArrayLike<number | bigint> & { length: number };
}

/** Encodes one piece of the final estimators fragment (see CubeWriter.stagedParts) into `outUri`. */
export async function encodePart(part: StagedPart, outUri: string): Promise<void> {
  if (!writer) throw new Error("worker was not started (startWorker did not run)");
  // the batches are done: their rows and arrays go back to the system before the encode allocates its own
  lastAccumulator = undefined;
  lastRows = undefined;
  await writer.encodeStagedPart(part, outUri);
}

export async function buildBatch(task: BatchTask): Promise<BatchResult> {
  if (!init || !xArray || !writer) throw new Error("worker was not started (startWorker did not run)");
  const nFeatures = init.cube.featureIds.length;
  const fetchedBefore = xStore?.traffic().bytesFetched ?? 0;
  const n = task.joinids.length;
  const lo = task.joinids[0];
  const span = task.joinids[n - 1] - lo + 1;
  // Dense per-joinid lookups over the batch's span; cells outside the query stay -1 and are skipped.
  const cellGroup = new Int32Array(span).fill(-1);
  const cellSizeFactor = new Float64Array(span);
  for (let i = 0; i < n; i++) {
    const c = task.joinids[i] - lo;
    cellGroup[c] = task.groupOfCell[i];
    cellSizeFactor[c] = task.sizeFactor[i];
  }
  const nGroups = new Set(task.groupOfCell).size;
  const acc = new SufficientStatsAccumulator({ nFeatures, cellGroup, cellSizeFactor, cellOffset: lo, initialGroups: nGroups, recycle: lastAccumulator, pendingValues: init.pendingValues });
  lastAccumulator = acc;
  const X = xArray;
  const extras = extraEstimatorNames(init.estimators);
  const kept = extras.length > 0 ? new BatchValues() : null;
  let nnz = 0;
  let valuesUsed = 0;
  let columns = new Uint32Array(0);
  // Read the batch's whole joinid span rather than its exact ranges when the batch fills a good part of it: X
  // tiles hold 2048 consecutive cells and are decoded whole anyway, and cells outside the batch (other
  // batches', unqueried) have no group in cellGroup and are skipped by the accumulator, which costs less than
  // filtering them cell by cell in the reader. Scattered batches keep their exact ranges.
  const ranges: Array<[number, number]> = n * SPAN_READ_FACTOR >= span ? [[lo, task.joinids[n - 1]]] : task.ranges;
  // the loop copies each batch's values (the accumulator's pending buffer, BatchValues) before the next read
  const read = X.read({ coords: [{ ranges }, null], order: "unordered", memoryBudget: init.readBudget, reuseBuffers: true });
  for await (const batch of read) {
    const d0 = values(batch.getChild("soma_dim_0"), "soma_dim_0") as BigInt64Array;
    const d1 = values(batch.getChild("soma_dim_1"), "soma_dim_1") as BigInt64Array;
    const data = values(batch.getChild("soma_data"), "soma_data") as Float32Array;
    nnz += data.length;
    heartbeat(); // reads may run back to back without yielding to the worker's own heartbeat timer
    // int64 joinids and var ids below 2^32 are read through their low words (the accumulator checks them)
    const cells = new Uint32Array(d0.buffer, d0.byteOffset, d0.length * 2);
    const vars = new Uint32Array(d1.buffer, d1.byteOffset, d1.length * 2);
    for (let i = 0; i < d0.length; i++) {
      const c = cells[2 * i] - lo;
      if (c >= 0 && c < span && cellGroup[c] >= 0) valuesUsed++;
    }
    if (columnOfVar === null) {
      acc.add(d0, d1, data);
      kept?.add(cells, 2, vars, 2, data);
      continue;
    }
    if (columns.length < d1.length) columns = new Uint32Array(d1.length);
    const col = columns.subarray(0, d1.length);
    for (let i = 0; i < d1.length; i++) {
      const v = vars[2 * i + 1] === 0 ? vars[2 * i] : columnOfVar.length;
      const c = v < columnOfVar.length ? columnOfVar[v] : -1;
      if (c < 0) throw new Error(`X value at (${d0[i]}, ${d1[i]}): var joinid ${d1[i]} is not in the measurement's var`);
      col[i] = c;
    }
    acc.add(d0, col, data);
    if (kept) kept.add(cells, 2, Uint32Array.from(col, (c) => geneOfColumn![c]), 1, data);
  }
  // Pairs by (column, group) are the estimators array's order (feature, then group): staged as they come.
  const cubeRows = acc.takeCubeRows(undefined, { order: "feature", reuse: lastRows });
  if (geneOfColumn !== null) {
    const gene = cubeRows.feature;
    for (let i = 0; i < gene.length; i++) gene[i] = geneOfColumn[gene[i]];
  }
  lastRows = cubeRows;
  const extra = kept?.estimators(
    cubeRows,
    extras,
    (j) => cellGroup[j - lo],
    (j) => cellSizeFactor[j - lo],
  );
  const bytesFetched = (xStore?.traffic().bytesFetched ?? 0) - fetchedBefore;
  // the counts travel with the staged rows, so a queue's coordinator reads them from the cube (see queue.ts)
  const rows = await writer.writeBatch({ ...cubeRows, extra }, { batchId: task.id, record: { cells: n, nnz, valuesUsed, bytesFetched } });
  return { id: task.id, cells: n, nnz, valuesUsed, rows, bytesFetched };
}
