import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExperimentAxisQuery, openExperiment } from "@census-cube/census-reader";
import { CubeWriter, type LabelColumn, STAGING_DIR } from "@census-cube/cube-writer";
import { ACCUMULATOR_BYTES_PER_GENE, EMIT_BYTES_PER_GENE, OBS_GROUP_COLUMNS, PENDING_BYTES_PER_VALUE, type ObsGroups, approxSizeFactors, assignObsGroups } from "@census-cube/estimators";
import { ResourcePoolExecutor } from "@census-cube/resource-pool-executor";
import { joinUri, setZstdLevelCap } from "@census-cube/tiledb-ts";
import type { Table } from "apache-arrow";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { planBatches } from "./plan.js";
import { Progress } from "./progress.js";
import { formatBytes } from "./size.js";
import type { BatchResult, BatchTask, WorkerInit } from "./worker-tasks.js";

/** The small experiment bundled with the app, used when no --experiment-uri is given. */
export function demoExperimentUri(): string {
  return fileURLToPath(new URL("../demo/experiment", import.meta.url));
}

/**
 * Node flags for every worker: a 64 MiB young generation (V8's default is 16 MiB). A task allocates many
 * short-lived tile-sized arrays; with the small default they are promoted and old-space collections run several
 * hundred times per build (on a 200,000-cell cut of the large preset: 446 vs 219 full collections, 5.6 vs 3.9 s
 * of GC, 75 vs 62 CPU s).
 */
const WORKER_NODE_ARGS = ["--max-semi-space-size=64"];
/** Bytes a worker needs besides its groups' accumulators: the process itself (young generation included). */
const WORKER_BASE_BYTES = 288 * 2 ** 20;
/** Encoding a piece of the estimators: a worker, two chunks of staged rows in flight, and the encoded tiles. */
const PART_BASE_BYTES = WORKER_BASE_BYTES + 512 * 2 ** 20;
const PART_BYTES_PER_ROW = 8;

export interface BuildSummary {
  cubeUri: string;
  cells: number;
  groups: number;
  features: number;
  batches: number;
  /** Cells whose groups an earlier, interrupted run had already written. */
  resumedCells: number;
  rows: number;
  nnz: number;
  seconds: number;
}

function column(table: Table, name: string, experimentUri: string) {
  const v = table.getChild(name);
  if (!v) throw new CubeBuilderError("E_MISSING_COLUMN", `${experimentUri}: obs has no column "${name}" (the cube needs it)`);
  return v;
}

async function openQuery(opts: BuildOptions, experimentUri: string): Promise<ExperimentAxisQuery> {
  const exp = await openExperiment(experimentUri);
  return ExperimentAxisQuery.create(exp, opts.measurementName, { obsQuery: { valueFilter: opts.obsValueFilter } });
}

/** Fails early, before the input is read, when the cube's folder cannot be created or written. */
function checkCubeLocation(cubeUri: string): void {
  try {
    mkdirSync(dirname(cubeUri), { recursive: true });
    accessSync(dirname(cubeUri), constants.W_OK);
  } catch (e) {
    throw new CubeBuilderError("E_CUBE_PATH", `cannot write the cube at ${cubeUri}: ${(e as Error).message}`, { cause: e });
  }
}

const STAGING_MARK = ".cube-builder-staging-";

function stagingPath(cubeUri: string): string {
  return join(dirname(cubeUri), `${basename(cubeUri)}${STAGING_MARK}${process.pid}`);
}

/** Removes staging folders that killed builds of this cube left behind. */
function clearStaleStaging(cubeUri: string): void {
  const dir = dirname(cubeUri);
  if (!existsSync(dir)) return;
  const prefix = `${basename(cubeUri)}${STAGING_MARK}`;
  for (const name of readdirSync(dir)) if (name.startsWith(prefix)) rmSync(join(dir, name), { recursive: true, force: true });
}

/** Label columns for cube-writer: per obs group (keyCodes) or per cell (cell codes), as codes into categories. */
function labelColumns(groups: ObsGroups, perGroup: boolean, cells?: Int32Array): Record<string, LabelColumn> {
  const out: Record<string, LabelColumn> = {};
  groups.columns.forEach((col, c) => {
    const codes = perGroup ? groups.keyCodes[c] : Int32Array.from(cells!, (i) => col.codes[i]);
    out[col.name] = { codes, categories: col.categories };
  });
  return out;
}

/**
 * Builds (or resumes) the cube. The plan: obs → size factors and obs groups in the parent; batches of whole
 * groups, sized by the memory budget, run in worker processes that each read their cells' X rows, accumulate
 * sufficient statistics and stage the batch's rows (cube-writer); finish writes them all as one fragment.
 * Staged batches are atomic and hold whole groups, so a resumed build recomputes exactly the groups that have
 * no rows yet.
 */
export async function build(opts: BuildOptions, log: Logger): Promise<BuildSummary> {
  const started = Date.now();
  const experimentUri = opts.experimentUri ?? demoExperimentUri();
  const cubeUri = opts.cubeUri;
  const exists = existsSync(cubeUri) && readdirSync(cubeUri).length > 0;
  if (exists && opts.mode === "create") {
    throw new CubeBuilderError("E_CUBE_EXISTS", `${cubeUri} already exists: pass --resume to finish it or --overwrite to replace it`);
  }
  if (!exists && opts.mode === "resume") log.info({ cubeUri }, "nothing to resume: building a new cube");
  checkCubeLocation(cubeUri);
  setZstdLevelCap(opts.zstdLevelCap ?? undefined);

  // Everything about the input is checked before the existing cube is touched.
  const query = await openQuery(opts, experimentUri);
  const xUri = (await query.measurement.xLayer(opts.layer)).uri;
  const obs = await query.obs(["soma_joinid", "raw_sum", ...OBS_GROUP_COLUMNS]);
  const nCells = obs.numRows;
  if (nCells === 0) {
    throw new CubeBuilderError("E_NO_CELLS", `${experimentUri}: the obs value filter "${opts.obsValueFilter}" matches no cells`);
  }
  const joinidsBig = column(obs, "soma_joinid", experimentUri).toArray() as BigInt64Array;
  const rawSum = Float64Array.from(column(obs, "raw_sum", experimentUri).toArray() as ArrayLike<number>);
  const groupInput = Object.fromEntries(OBS_GROUP_COLUMNS.map((c) => [c, column(obs, c, experimentUri)]));
  const varTable = await query.var(["soma_joinid", "feature_id"]);
  const featureIds = (column(varTable, "feature_id", experimentUri).toArray() as unknown as string[]).map(String);
  const varJoinids = varTable.getChild("soma_joinid")!.toArray() as BigInt64Array;
  log.info({ experimentUri, cells: nCells, features: featureIds.length, filter: opts.obsValueFilter }, `${nCells} cells and ${featureIds.length} features`);

  const sizeFactors = approxSizeFactors(rawSum);
  const groups = assignObsGroups(groupInput, "labels");
  log.info({ groups: groups.nGroups }, `${groups.nGroups} obs groups`);

  // Cells without a complete key belong to no obs group (as pandas drops them); the cube covers the rest.
  const cellsInGroups: number[] = [];
  for (let i = 0; i < nCells; i++) if (groups.groupIds[i] >= 0) cellsInGroups.push(i);
  const cellIdx = Int32Array.from(cellsInGroups);
  // obs comes in joinid order from a sparse read; sort (with a comparator) only if it does not.
  let ascending = true;
  for (let k = 1; k < cellIdx.length && ascending; k++) ascending = joinidsBig[cellIdx[k]] > joinidsBig[cellIdx[k - 1]];
  if (!ascending) cellIdx.sort((a, b) => (joinidsBig[a] < joinidsBig[b] ? -1 : joinidsBig[a] > joinidsBig[b] ? 1 : 0));

  const resuming = exists && opts.mode === "resume";
  let writer: CubeWriter;
  if (resuming) {
    writer = await CubeWriter.open(cubeUri);
  } else {
    // The cube is created aside and renamed into place, so a build killed while creating it leaves no
    // half-made cube (and --overwrite keeps the old cube until the new one exists).
    clearStaleStaging(cubeUri);
    const staging = stagingPath(cubeUri);
    await CubeWriter.create(staging, {
      featureIds,
      estimators: opts.estimators,
      obsGroups: { columns: labelColumns(groups, true), nObs: groups.nObs },
      sizeFactors: {
        soma_joinid: BigInt64Array.from(cellIdx, (i) => joinidsBig[i]),
        columns: labelColumns(groups, false, cellIdx),
        approx_size_factor: Float64Array.from(cellIdx, (i) => sizeFactors[i]),
      },
      build: {
        tool: "cube-builder",
        experiment_uri: experimentUri,
        measurement_name: opts.measurementName,
        layer: opts.layer,
        obs_value_filter: opts.obsValueFilter,
        max_workers: opts.maxWorkers,
        memory_budget: opts.memoryBudget,
        min_batch_size: opts.minBatchSize,
      },
    });
    if (exists) {
      log.info({ cubeUri }, "replacing the existing cube (--overwrite)");
      const old = `${staging}-old`;
      renameSync(cubeUri, old);
      renameSync(staging, cubeUri);
      rmSync(old, { recursive: true, force: true });
    } else {
      if (existsSync(cubeUri)) rmSync(cubeUri, { recursive: true }); // an empty directory
      renameSync(staging, cubeUri);
    }
    writer = await CubeWriter.open(cubeUri);
  }
  if (resuming && (writer.nObsGroups !== groups.nGroups || writer.featureIds.length !== featureIds.length)) {
    throw new CubeBuilderError(
      "E_RESUME_MISMATCH",
      `${cubeUri} holds ${writer.nObsGroups} obs groups and ${writer.featureIds.length} features but the input gives ${groups.nGroups} and ${featureIds.length}: the experiment or filter changed — use --overwrite`,
    );
  }
  // Resume: a staged batch is atomic and holds whole groups, so a group with rows is finished.
  const written = writer.writtenGroups();
  const todoIdx = resuming ? cellIdx.filter((i) => written[groups.groupIds[i]] === 0) : cellIdx;
  if (resuming) log.info({ cells: todoIdx.length }, `resuming: ${cellIdx.length - todoIdx.length} of ${cellIdx.length} cells already in the cube`);

  const planJoinids = Float64Array.from(todoIdx, (i) => Number(joinidsBig[i]));
  const planGroups = Uint32Array.from(todoIdx, (i) => groups.groupIds[i]);
  const planSizeFactors = Float64Array.from(todoIdx, (i) => sizeFactors[i]);
  const nGenes = featureIds.length;
  const workers = opts.maxWorkers;
  // Each worker's share of the budget (what this process holds now is set aside) bounds how many groups one batch
  // may hold open: a row per group, and the arrays its pairs are emitted into.
  const parentBytes = process.memoryUsage().rss;
  const perWorker = Math.max((opts.memoryBudget - parentBytes) / workers, WORKER_BASE_BYTES * 2);
  const readBudget = Math.min(256 * 2 ** 20, Math.floor((perWorker - WORKER_BASE_BYTES) / 4));
  // X values a worker holds back so that a group's cells are added together (a sixteenth of its share, 2^20-2^24).
  const pendingValues = Math.max(2 ** 20, Math.min(2 ** 24, Math.floor(perWorker / 16 / PENDING_BYTES_PER_VALUE)));
  const pendingBytes = pendingValues * PENDING_BYTES_PER_VALUE;
  const groupBytes = nGenes * (ACCUMULATOR_BYTES_PER_GENE + EMIT_BYTES_PER_GENE);
  const maxGroupsPerBatch = Math.max(1, Math.floor((perWorker - WORKER_BASE_BYTES - readBudget - pendingBytes) / groupBytes));
  const batches = planBatches(planJoinids, planGroups, groups.nGroups, {
    minBatchCells: opts.minBatchSize,
    maxBatchCells: Number.MAX_SAFE_INTEGER,
    maxBatchGroups: maxGroupsPerBatch,
    workers,
  });

  let geneOfVar: Int32Array | null = null;
  if (!varJoinids.every((v, i) => Number(v) === i)) {
    let max = 0;
    for (const v of varJoinids) max = Math.max(max, Number(v));
    geneOfVar = new Int32Array(max + 1).fill(-1);
    varJoinids.forEach((v, i) => {
      geneOfVar![Number(v)] = i;
    });
  }
  const init: WorkerInit = { xUri, cubeUri, cube: writer.state(), geneOfVar, readBudget, pendingValues, estimators: opts.estimators, zstdLevelCap: opts.zstdLevelCap };
  log.info(
    { batches: batches.length, workers, memoryBudget: opts.memoryBudget, maxGroupsPerBatch, readBudget },
    `${batches.length} batches on up to ${workers} workers, budget ${formatBytes(opts.memoryBudget)}`,
  );
  const progress = new Progress(log, planJoinids.length, batches.length);
  let rows = 0;
  let nnz = 0;
  if (batches.length > 0) {
    const executor = new ResourcePoolExecutor<typeof import("./worker-tasks.js")>({
      taskModule: new URL("./worker-tasks.js", import.meta.url),
      maxWorkers: Math.min(workers, batches.length),
      // Resources are bytes: a batch needs a worker's base, read buffers, held-back values, and per group a row and
      // emission arrays.
      maxResources: Math.max(1, opts.memoryBudget - parentBytes),
      workerStartup: { task: "startWorker", args: [init] },
      // Workers live for the whole build: each keeps its rows, emission arrays and compiled code from batch to
      // batch (see worker-tasks), which a replacement would fault in and warm up again.
      maxTasksPerWorker: Number.POSITIVE_INFINITY,
      // Diagnostics: extra node flags for workers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: [...WORKER_NODE_ARGS, ...(process.env.CUBE_BUILDER_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
    });
    try {
      // Largest batches first (most groups, then most cells), so the last ones to finish are short and no worker
      // waits long for another, and a worker's rows, sized by its first batch, are reused whole by the next ones.
      const bySize = batches.slice().sort((a, b) => b.groups.length - a.groups.length || b.cells.length - a.cells.length || a.id - b.id);
      // A worker keeps its rows and emission arrays for its next batch (see worker-tasks), sized for the largest
      // batch it ran: every batch is counted as the largest.
      const taskBytes = WORKER_BASE_BYTES + readBudget + pendingBytes + batches.reduce((m, b) => Math.max(m, b.groups.length), 0) * groupBytes;
      await Promise.all(
        bySize.map((b) => {
          const task: BatchTask = {
            id: b.id,
            joinids: Float64Array.from(b.cells, (i) => planJoinids[i]),
            groupOfCell: Uint32Array.from(b.cells, (i) => planGroups[i]),
            sizeFactor: Float64Array.from(b.cells, (i) => planSizeFactors[i]),
            ranges: b.ranges,
          };
          return executor.submit(taskBytes, "buildBatch", [task]).then((r: BatchResult) => {
            rows += r.rows;
            nnz += r.nnz;
            progress.batchDone(r.cells, r.nnz);
          });
        }),
      );
      progress.stop();
      // The staged batches become one estimators fragment, its tiles encoded by the workers in parallel pieces
      // (the parent joins them); without consolidation, finish writes one fragment per batch instead.
      if (opts.consolidate) {
        const parts = await writer.stagedParts(Math.min(workers, batches.length));
        if (parts.length > 1) {
          const t0 = Date.now();
          const files = parts.map((_, i) => joinUri(cubeUri, STAGING_DIR, `part-${i}`));
          await Promise.all(parts.map((p, i) => executor.submit(PART_BASE_BYTES + (p.rowTo - p.rowFrom) * PART_BYTES_PER_ROW, "encodePart", [p, files[i]])));
          const t1 = Date.now();
          await writer.commitStagedParts(files);
          const [encodeSeconds, commitSeconds] = [(t1 - t0) / 1000, (Date.now() - t1) / 1000];
          log.info({ parts: parts.length, encodeSeconds, commitSeconds }, `estimators written in ${parts.length} parallel pieces (encoded in ${encodeSeconds} s, joined and committed in ${commitSeconds} s)`);
        }
      }
    } finally {
      progress.stop();
      await executor.shutdown();
    }
  }

  log.info({ validate: opts.validate, consolidate: opts.consolidate }, "finishing the cube");
  await writer.finish({
    validate: opts.validate,
    consolidate: opts.consolidate,
    expectedNObs: cellIdx.length,
    build: { seconds: (Date.now() - started) / 1000 },
  });
  const seconds = (Date.now() - started) / 1000;
  log.info({ seconds, rows, nnz }, `cube complete: ${cubeUri}`);
  return {
    cubeUri,
    cells: cellIdx.length,
    groups: groups.nGroups,
    features: nGenes,
    batches: batches.length,
    resumedCells: cellIdx.length - todoIdx.length,
    rows,
    nnz,
    seconds,
  };
}

