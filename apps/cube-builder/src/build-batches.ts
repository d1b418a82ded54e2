/** Batches of a build: sized by the memory budget, planned, and run in worker processes. */
import { type CubeWriter, type RowCheckTask, STAGING_DIR, type ValidateOptions } from "@census-cube/cube-writer";
import { ACCUMULATOR_BYTES_PER_FEATURE, EMIT_BYTES_PER_FEATURE, PENDING_BYTES_PER_VALUE } from "@census-cube/estimators";
import { ResourcePoolExecutor } from "@census-cube/resource-pool-executor";
import { joinUri, type S3Options } from "@census-cube/tiledb-ts";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import { type BuildOptions, DEFAULT_WATCHDOG_SECONDS } from "./options.js";
import { type Batch, planBatches } from "./plan.js";
import type { Progress } from "./progress.js";
import { formatBytes } from "./size.js";
import type { BatchResult, BatchTask, WorkerInit } from "./worker-tasks.js";

/**
 * Node flags for every worker: a 64 MiB young generation (V8's default is 16 MiB). A task allocates many
 * short-lived tile-sized arrays; with the small default they are promoted and old-space collections run several
 * hundred times per build (figures: docs/benchmarks-history.md, session 3, "64 MiB young generation").
 */
const WORKER_NODE_ARGS = ["--max-semi-space-size=64"];
/**
 * Bytes a worker needs besides its batch's data: the process itself and its young generation. A worker measured
 * about 100 MiB before its first batch (BENCHMARKS.md, "Memory budget"); the rest is room for the young generation.
 */
const WORKER_BASE_BYTES = 192 * 2 ** 20;
/** Decoded X tiles a task holds at least (tiledb-ts reads in smaller steps below this). */
const MIN_READ_BYTES = 4 * 2 ** 20;
/** X values a worker holds back at least, and at most. */
const MIN_PENDING_VALUES = 2 ** 20;
const MAX_PENDING_VALUES = 2 ** 24;
/** Encoding a piece of the estimators: a worker, two chunks of staged rows in flight, and the encoded tiles. */
const PART_BASE_BYTES = WORKER_BASE_BYTES + 512 * 2 ** 20;
const PART_BYTES_PER_ROW = 8;

/**
 * What the planning process is taken to hold while batches run: a base for the process and its libraries, and per
 * queried cell its obs columns and planned arrays; set above what it was measured to hold on the small and large
 * experiments. An allowance, not a measurement of this process: the plan must follow from the flags and the
 * experiment alone (a plan made by `plan` and one made by `build` are the same), and the executor holds the
 * running build to the budget against the real figure anyway.
 */
const PARENT_BASE_BYTES = 384 * 2 ** 20;
const PARENT_BYTES_PER_CELL = 384;

/** How the memory budget is shared: per worker, per batch, per group. */
export interface BatchSizing {
  /** Workers that run batches at once: --max-workers, or fewer when the budget cannot give each its base twice. */
  workers: number;
  /** What the budget sets aside for the planning process (PARENT_BASE_BYTES and PARENT_BYTES_PER_CELL). */
  parentBytes: number;
  /** Bytes of decoded X tiles a task holds at once. */
  readBudget: number;
  /** X values a worker holds back so that a group's cells are added together. */
  pendingValues: number;
  pendingBytes: number;
  /** A group's accumulator row and emission arrays. */
  groupBytes: number;
  maxGroupsPerBatch: number;
}

/**
 * Shares the budget, less the planning process's allowance, among the workers; each worker's share bounds how
 * many groups one batch may hold open (a row per group, and the arrays its pairs are emitted into). A worker is
 * added only while each gets at least twice its base. The result depends on the flags (--memory-budget,
 * --max-workers), the feature count and the queried cells only. A budget that leaves less than one worker with
 * one group besides what this process holds now is refused (E_MEMORY_BUDGET) naming the least this build can keep.
 */
export function batchSizing(opts: BuildOptions, nFeatures: number, nCells: number): BatchSizing {
  const groupBytes = nFeatures * (ACCUMULATOR_BYTES_PER_FEATURE + EMIT_BYTES_PER_FEATURE);
  const leastWorker = WORKER_BASE_BYTES + MIN_READ_BYTES + MIN_PENDING_VALUES * PENDING_BYTES_PER_VALUE + groupBytes;
  const holds = process.memoryUsage().rss;
  if (opts.memoryBudget - holds < leastWorker) {
    throw new CubeBuilderError(
      "E_MEMORY_BUDGET",
      `--memory-budget ${formatBytes(opts.memoryBudget)} is less than this build can keep: it needs at least ${formatBytes(Math.ceil((holds + leastWorker) / 2 ** 20) * 2 ** 20)} (this process holds ${formatBytes(holds)}, one worker with one obs group of ${nFeatures} features ${formatBytes(leastWorker)})`,
    );
  }
  const parentBytes = PARENT_BASE_BYTES + nCells * PARENT_BYTES_PER_CELL;
  const available = Math.max(leastWorker, opts.memoryBudget - parentBytes);
  const workers = Math.max(1, Math.min(opts.maxWorkers, Math.floor(available / (2 * WORKER_BASE_BYTES))));
  const perWorker = available / workers;
  const readBudget = Math.max(MIN_READ_BYTES, Math.min(256 * 2 ** 20, Math.floor((perWorker - WORKER_BASE_BYTES) / 4)));
  // X values a worker holds back so that a group's cells are added together (a sixteenth of its share, 2^20-2^24).
  const pendingValues = Math.max(MIN_PENDING_VALUES, Math.min(MAX_PENDING_VALUES, Math.floor(perWorker / 16 / PENDING_BYTES_PER_VALUE)));
  const pendingBytes = pendingValues * PENDING_BYTES_PER_VALUE;
  const maxGroupsPerBatch = Math.max(1, Math.floor((perWorker - WORKER_BASE_BYTES - readBudget - pendingBytes) / groupBytes));
  return { workers, parentBytes, readBudget, pendingValues, pendingBytes, groupBytes, maxGroupsPerBatch };
}

/** The cells a build still has to compute, in ascending joinid order: joinid, obs group and size factor. */
export interface PlannedCells {
  joinids: Float64Array;
  groups: Uint32Array;
  sizeFactors: Float64Array;
}

export function planCellBatches(cells: PlannedCells, nGroups: number, opts: BuildOptions, sizing: BatchSizing): Batch[] {
  return planBatches(cells.joinids, cells.groups, nGroups, {
    minBatchCells: opts.minBatchSize,
    maxBatchCells: Number.MAX_SAFE_INTEGER,
    maxBatchGroups: sizing.maxGroupsPerBatch,
    workers: sizing.workers,
  });
}

/** A batch's task for a worker: its cells' joinids, groups and size factors. */
export function batchTask(b: Batch, cells: PlannedCells): BatchTask {
  return {
    id: b.id,
    joinids: Float64Array.from(b.cells, (i) => cells.joinids[i]),
    groupOfCell: Uint32Array.from(b.cells, (i) => cells.groups[i]),
    sizeFactor: Float64Array.from(b.cells, (i) => cells.sizeFactors[i]),
    ranges: b.ranges,
  };
}

/**
 * Bytes a batch task is counted for. A worker keeps its rows and emission arrays for its next batch (see
 * worker-tasks), sized for the largest batch it ran: every batch is counted as the largest.
 */
export function taskBytes(sizing: BatchSizing, batches: Batch[]): number {
  return WORKER_BASE_BYTES + sizing.readBudget + sizing.pendingBytes + batches.reduce((m, b) => Math.max(m, b.groups.length), 0) * sizing.groupBytes;
}

/** The workers of one machine and the memory they share. */
export interface LocalResources {
  maxWorkers: number;
  memoryBudget: number;
  /** The workers' watchdog (default DEFAULT_WATCHDOG_SECONDS). */
  watchdogMs?: number;
  /** JSON logs get no live progress bar (default "text": a bar when stderr is a terminal). */
  logFormat?: "text" | "json";
  /** How this machine's workers reach s3:// URIs (default: the AWS SDK's environment). */
  s3?: S3Options;
}

export type BatchExecutor = ResourcePoolExecutor<typeof import("./worker-tasks.js")>;

/** Worker processes for `tasks` tasks at most, started with `init`; shut them down when done. */
export function startWorkers(init: WorkerInit, local: LocalResources, tasks: number): BatchExecutor {
  return workerPool(local, tasks, { task: "startWorker", args: [{ ...init, s3: local.s3 }] });
}

/** Worker processes that only check a cube's rows (`cube-builder validate`): no X opened, no batch state. */
export function startCheckers(local: LocalResources, tasks: number): BatchExecutor {
  return workerPool(local, tasks, { task: "startChecker", args: [local.s3] });
}

function workerPool(local: LocalResources, tasks: number, workerStartup: { task: string; args: unknown[] }): BatchExecutor {
  return new ResourcePoolExecutor<typeof import("./worker-tasks.js")>({
    taskModule: new URL("./worker-tasks.js", import.meta.url),
    maxWorkers: Math.max(1, Math.min(local.maxWorkers, tasks)),
    // Resources are bytes: a batch needs a worker's base, read buffers, held-back values, and per group a row and
    // emission arrays.
    maxResources: Math.max(1, local.memoryBudget - process.memoryUsage().rss),
    workerStartup,
    // Workers live for the whole build: each keeps its rows, emission arrays and compiled code from batch to
    // batch (see worker-tasks), which a replacement would fault in and warm up again.
    maxTasksPerWorker: Number.POSITIVE_INFINITY,
    // Diagnostics: extra node flags for workers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: [...WORKER_NODE_ARGS, ...(process.env.CUBE_BUILDER_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
    // A worker that goes quiet (stopped, stuck in a read) is killed and its batch fails the run, named.
    watchdog: { timeoutMs: local.watchdogMs ?? DEFAULT_WATCHDOG_SECONDS * 1000 },
  });
}

/** Bytes a share of the validation holds: its 64 MiB read budget, the decoded batch and per-group arrays. */
const CHECK_BYTES = 256 << 20;

/** Shares the validation's row checks are split into: one per worker, as many as the budget has room for. */
export function checkShares(local: LocalResources): number {
  const room = Math.floor((local.memoryBudget - process.memoryUsage().rss) / CHECK_BYTES);
  return Math.max(1, Math.min(local.maxWorkers, room));
}

/**
 * The validation's row checks (see cube-writer's validateCube) in one share per worker, run on `executor`. A
 * share that throws fails the validation with its own error (code and message), as a check in this process would.
 */
export function rowChecksOn(executor: BatchExecutor, shares: number): NonNullable<ValidateOptions["rowChecks"]> {
  const run = (task: RowCheckTask) =>
    executor.submit(CHECK_BYTES, "checkRows", [task]).catch((e: unknown) => {
      const cause = (e as { code?: string; cause?: { code?: unknown; message?: unknown } }).cause;
      if ((e as { code?: string }).code !== "E_TASK_FAILED" || typeof cause?.code !== "string" || typeof cause.message !== "string") throw e;
      throw Object.assign(new Error(cause.message, { cause: e }), { code: cause.code });
    });
  return { shares, run };
}

/** A batch to run: its size orders the work, its task is loaded when it starts. */
export interface BatchJob {
  id: number;
  groups: number;
  cells: number;
  task: () => Promise<BatchTask>;
}

/** Runs the batches on the executor's workers (each stages its batch's rows, see cube-writer). */
export async function runBatches(executor: BatchExecutor, jobs: BatchJob[], bytes: number, progress: Progress): Promise<{ rows: number; nnz: number; valuesUsed: number }> {
  let rows = 0;
  let nnz = 0;
  let valuesUsed = 0;
  // Largest batches first (most groups, then most cells), so the last ones to finish are short and no worker
  // waits long for another, and a worker's rows, sized by its first batch, are reused whole by the next ones.
  const bySize = jobs.slice().sort(bySizeDescending);
  await Promise.all(
    bySize.map(async (j) => {
      const r: BatchResult = await executor.submit(bytes, "buildBatch", [await j.task()]).catch((e: unknown) => {
        throw batchError(`batch ${j.id} (${j.cells} cells, ${j.groups} obs groups)`, e);
      });
      rows += r.rows;
      nnz += r.nnz;
      valuesUsed += r.valuesUsed;
      progress.batchDone(r.cells, r.nnz, r.bytesFetched);
    }),
  );
  progress.stop();
  return { rows, nnz, valuesUsed };
}

/** Most groups first, then most cells, then by id. */
export function bySizeDescending(a: { id: number; groups: number; cells: number }, b: { id: number; groups: number; cells: number }): number {
  return b.groups - a.groups || b.cells - a.cells || a.id - b.id;
}

/**
 * The staged batches become one estimators fragment, its tiles encoded by the workers in parallel pieces (this
 * process joins them); `finish` then finds nothing left to write.
 */
/**
 * Pieces the estimators are encoded in by workers at the finish: one per worker, as many as the budget (less
 * what this process holds) has room for at a piece's base each. Below two, this process writes them itself.
 */
export function encodingParts(local: LocalResources, batches: number): number {
  const room = Math.floor((local.memoryBudget - process.memoryUsage().rss) / PART_BASE_BYTES);
  return Math.max(1, Math.min(local.maxWorkers, batches, room));
}

export async function encodeStagedParts(executor: BatchExecutor, writer: CubeWriter, n: number, log: Logger): Promise<void> {
  const parts = await writer.stagedParts(n);
  if (parts.length <= 1) return;
  const t0 = Date.now();
  const files = parts.map((_, i) => joinUri(writer.cubeUri, STAGING_DIR, `part-${i}`));
  await Promise.all(
    parts.map((p, i) =>
      executor.submit(PART_BASE_BYTES + (p.rowTo - p.rowFrom) * PART_BYTES_PER_ROW, "encodePart", [p, files[i]]).catch((e: unknown) => {
        throw batchError(`estimators piece ${i} (rows ${p.rowFrom}-${p.rowTo})`, e);
      }),
    ),
  );
  const t1 = Date.now();
  await writer.commitStagedParts(files);
  const [encodeSeconds, commitSeconds] = [(t1 - t0) / 1000, (Date.now() - t1) / 1000];
  log.info({ parts: parts.length, encodeSeconds, commitSeconds }, `estimators written in ${parts.length} parallel pieces (encoded in ${encodeSeconds} s, joined and committed in ${commitSeconds} s)`);
}

/** A failed task as the build reports it: what failed (the batch) first, then why (exit 3). */
function batchError(what: string, e: unknown): CubeBuilderError {
  const message = e instanceof Error ? e.message : String(e);
  return new CubeBuilderError("E_BATCH_FAILED", `${what} failed: ${message}`, { cause: e });
}
