/**
 * A build in three idempotent steps that any machine sharing the cube's storage can run: `planCube` creates
 * the cube and stores its batch plan, `buildBatches` computes a share of the batches (each staged whole under
 * its batch id, so a batch computed twice replaces itself), `finalizeCube` checks every planned batch is there
 * exactly once and writes, validates, consolidates and completes the cube. `build` runs all three in one process.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { acquireCubeLock, type CubeLock, CubeWriter, CubeWriterError, cubeStatus, FEATURE_IDS_FILE, readCubeLock, stagedBatchIds, staleReason } from "@census-cube/cube-writer";
import { joinUri, vfsFor } from "@census-cube/tiledb-ts";
import {
  type BatchExecutor,
  type BatchJob,
  type LocalResources,
  batchSizing,
  batchTask,
  bySizeDescending,
  checkShares,
  encodeStagedParts,
  encodingParts,
  type PlannedCells,
  planCellBatches,
  rowChecksOn,
  runBatches,
  startWorkers,
  taskBytes,
} from "./build-batches.js";
import { checkCubeWritable, checkFolderWritable, createCube, creationCutShort, cubeExists, isCube } from "./build-cube.js";
import { loadInput } from "./build-input.js";
import { CubeBuilderError, EXIT } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { Progress } from "./progress.js";
import { formatBytes } from "./size.js";
import { type PlannedBatch, readPlan, readTask, removePlan, type StoredPlan, writePlan } from "./stored-plan.js";
import type { WorkerInit } from "./worker-tasks.js";

/** The small experiment bundled with the app, used when no --experiment-uri is given. */
export function demoExperimentUri(): string {
  return fileURLToPath(new URL("../demo/experiment", import.meta.url));
}

/**
 * Runs `fn` holding the cube's lock (see cube-writer): plan, finalize and a whole build take it, so two of them
 * never write one cube. Shard workers and queue workers do not: they only add staged batches, which any number
 * of them may do at once. `takeOver`: take a stale lock (its holder died) over, as the steps that finish what a
 * killed run began do (resume, plan, finalize); a live holder is always refused.
 */
export async function withCubeLock<T>(cubeUri: string, purpose: string, takeOver: boolean, fn: () => Promise<T>, log?: Logger): Promise<T> {
  await cubeExists(cubeUri); // a file at the cube's path is refused before a lock is made beside it
  checkFolderWritable(cubeUri, `take the cube's lock (${purpose})`);
  const lock = await takeLock(cubeUri, purpose, takeOver);
  // Interrupted (Ctrl-C, kill): the lock is released, so the next run needs no take-over; exit 130.
  const onSignal = (signal: NodeJS.Signals) => {
    log?.error({ signal }, `interrupted by ${signal}: the cube is left as it is; --resume finishes it`);
    void lock.release().finally(() => process.exit(EXIT.interrupted));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await lock.release();
  }
}

/** The cube's lock, or E_CUBE_LOCKED naming the holder (and the flag that takes a stale lock over). */
async function takeLock(cubeUri: string, purpose: string, takeOver: boolean): Promise<CubeLock> {
  try {
    return await acquireCubeLock(cubeUri, { purpose, takeOver });
  } catch (e) {
    if (!(e instanceof CubeWriterError) || e.code !== "E_CUBE_LOCKED") throw e;
    const holder = await readCubeLock(cubeUri).catch(() => undefined);
    const hint = holder && staleReason(holder) ? " (pass --take-over-lock to take it over)" : "";
    throw new CubeBuilderError("E_CUBE_LOCKED", `${e.message}${hint}`, { cause: e });
  }
}

export interface PlanResult {
  /** The cube's plan; undefined when the cube is complete already. */
  plan?: StoredPlan;
  /** Whether an existing plan was kept (`mode` "resume") rather than made. */
  reused: boolean;
}

/** The build settings a plan must share with a run that reuses it. */
const SAME_INPUT = ["experimentUri", "measurementName", "layer", "obsValueFilter"] as const;

/**
 * Creates the cube with its batch plan. An existing cube is refused (`mode` "create"), replaced ("overwrite"),
 * or its plan kept ("resume": the plan step run again, or an interrupted build resumed) when it was made from
 * the same input and estimators.
 */
export async function planCube(opts: BuildOptions, log: Logger): Promise<PlanResult> {
  const cubeUri = opts.cubeUri;
  const experimentUri = opts.experimentUri ?? demoExperimentUri();
  const exists = await cubeExists(cubeUri);
  if (exists && opts.mode === "create") {
    throw new CubeBuilderError("E_CUBE_EXISTS", `${cubeUri} already exists: pass --resume to finish it or --overwrite to replace it`);
  }
  if (exists && opts.mode === "overwrite" && !(await isCube(cubeUri))) {
    throw new CubeBuilderError(
      "E_OVERWRITE_NOT_CUBE",
      `${cubeUri} is not a cube (no cube metadata or arrays): --overwrite replaces only a cube, so nothing was changed; choose another --cube-uri or remove it yourself`,
    );
  }
  if (exists && opts.mode === "overwrite") checkCubeWritable(cubeUri, "replace the cube (--overwrite)");
  const cutShort = exists && opts.mode === "resume" && (await creationCutShort(cubeUri));
  if (cutShort) log.warn({ cubeUri }, `${cubeUri} was not created whole (an earlier build stopped while creating it): creating it again`);
  if (exists && opts.mode === "resume" && !cutShort) {
    const plan = await readPlan(cubeUri);
    if (!plan) {
      if ((await cubeStatus(cubeUri)) === "complete") {
        log.info({ cubeUri }, `${cubeUri} is complete already: nothing to resume, nothing changed`);
        return { reused: true };
      }
      throw new CubeBuilderError("E_NO_PLAN", `${cubeUri} has no stored batch plan (not a cube, or one made by an older cube-builder): use --overwrite`);
    }
    const asked = { experimentUri, measurementName: opts.measurementName, layer: opts.layer, obsValueFilter: opts.obsValueFilter };
    const differ = SAME_INPUT.filter((k) => plan[k] !== asked[k]);
    if (differ.length > 0 || plan.estimators.join() !== opts.estimators.join()) {
      const what = differ.map((k) => `${k} ${JSON.stringify(plan[k])} (asked: ${JSON.stringify(asked[k])})`);
      if (plan.estimators.join() !== opts.estimators.join()) what.push(`estimators ${plan.estimators.join(",")} (asked: ${opts.estimators.join(",")})`);
      throw new CubeBuilderError("E_RESUME_MISMATCH", `${cubeUri} was planned with ${what.join(", ")}: use --overwrite to build it again`);
    }
    checkCubeWritable(cubeUri, "resume the build (--resume)");
    log.info({ cubeUri, batches: plan.batches.length }, `keeping the cube's plan of ${plan.batches.length} batches`);
    return { plan, reused: true };
  }
  if (!exists && opts.mode === "resume") log.info({ cubeUri }, "nothing to resume: building a new cube");

  // Everything about the input is checked before the existing cube is touched.
  const input = await loadInput(opts, experimentUri, log);
  const { groups, cellIdx, joinids, sizeFactors } = input;
  const cells: PlannedCells = {
    joinids: Float64Array.from(cellIdx, (i) => Number(joinids[i])),
    groups: Uint32Array.from(cellIdx, (i) => groups.groupIds[i]),
    sizeFactors: Float64Array.from(cellIdx, (i) => sizeFactors[i]),
  };
  const sizing = batchSizing(opts, input.featureIds.length, input.joinids.length);
  const batches = planCellBatches(cells, groups.nGroups, opts, sizing);
  log.info(
    { batches: batches.length, workers: sizing.workers, memoryBudget: opts.memoryBudget, maxGroupsPerBatch: sizing.maxGroupsPerBatch, readBudget: sizing.readBudget },
    `${batches.length} batches for ${sizing.workers} workers, budget ${formatBytes(opts.memoryBudget)}`,
  );
  const plan: StoredPlan = {
    format: "cube-builder-plan/1",
    id: randomUUID(),
    experimentUri,
    xUri: input.xUri,
    measurementName: opts.measurementName,
    layer: opts.layer,
    obsValueFilter: opts.obsValueFilter,
    estimators: opts.estimators,
    zstdLevelCap: opts.zstdLevelCap,
    maxWorkers: opts.maxWorkers,
    memoryBudget: opts.memoryBudget,
    minBatchSize: opts.minBatchSize,
    cells: cellIdx.length,
    cellsWithoutGroup: input.cellsWithoutGroup,
    xRowsWithoutObs: input.xRowsWithoutObs,
    nObs: Array.from(groups.nObs),
    features: input.featureIds.length,
    geneOfVar: input.geneOfVar && Array.from(input.geneOfVar),
    readBudget: sizing.readBudget,
    pendingValues: sizing.pendingValues,
    taskBytes: taskBytes(sizing, batches),
    batches: batches.map((b) => ({ id: b.id, cells: b.cells.length, groups: Array.from(b.groups) })),
  };
  await createCube(opts, input, exists, log, (uri) =>
    writePlan(
      uri,
      plan,
      batches.map((b) => batchTask(b, cells)),
    ),
  );
  return { plan, reused: false };
}

/** What the worker processes of any machine need to compute the plan's batches. */
export async function workerInit(cubeUri: string, plan: StoredPlan): Promise<WorkerInit> {
  const vfs = vfsFor(cubeUri);
  const featureIds: string[] = JSON.parse(new TextDecoder().decode(await vfs.read(joinUri(cubeUri, FEATURE_IDS_FILE))));
  return {
    xUri: plan.xUri,
    cubeUri,
    cube: { featureIds, estimatorNames: plan.estimators, nObs: Int32Array.from(plan.nObs), groupWritten: new Uint8Array(plan.nObs.length) },
    geneOfVar: plan.geneOfVar && Int32Array.from(plan.geneOfVar),
    readBudget: plan.readBudget,
    pendingValues: plan.pendingValues,
    estimators: plan.estimators,
  };
}

/** A share of the plan's batches: shard `index` of `count` (0-based), or batches by id. */
export type BatchSelection = { shard: [number, number] } | { batches: number[] } | "all";

/** The batches of a selection, largest first; shards deal the batches out by size, so shares are alike. */
export function selectBatches(plan: StoredPlan, selection: BatchSelection, cubeUri: string): PlannedBatch[] {
  const bySize = plan.batches.slice().sort((a, b) => bySizeDescending({ ...a, groups: a.groups.length }, { ...b, groups: b.groups.length }));
  if (selection === "all") return bySize;
  if ("shard" in selection) {
    const [index, count] = selection.shard;
    return bySize.filter((_, k) => k % count === index);
  }
  const known = new Set(plan.batches.map((b) => b.id));
  const unknown = selection.batches.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new CubeBuilderError("E_BAD_FLAG", `--batches: ${unknown.join(", ")} not in the plan of ${cubeUri} (batches 0..${plan.batches.length - 1})`);
  }
  const asked = new Set(selection.batches);
  return bySize.filter((b) => asked.has(b.id));
}

export interface ShareSummary {
  cubeUri: string;
  /** Batches of the share computed now. */
  batches: number;
  /** Batches of the share found staged already (an earlier or concurrent run computed them). */
  skipped: number;
  cells: number;
  /** The plan's: queried cells left out for a null value in an obs grouping column (the whole cube's, as a build's). */
  cellsWithoutGroup: number;
  /** The plan's: X rows whose soma_dim_0 is not a soma_joinid of obs (the whole cube's, as a build's). */
  xRowsWithoutObs: number;
  rows: number;
  /** X values read (other batches' cells in a span read included: depends on the batching). */
  nnz: number;
  /** X values of the batches' own cells, which the estimators took in (does not depend on the batching). */
  valuesUsed: number;
  seconds: number;
}

/** Reads the plan of a cube being built; a complete cube has none (undefined), a cube never planned is refused. */
export async function planOf(cubeUri: string): Promise<StoredPlan | undefined> {
  const plan = await readPlan(cubeUri);
  if (plan) return plan;
  const status = await cubeStatus(cubeUri);
  if (status === "complete") return undefined;
  throw new CubeBuilderError("E_NO_PLAN", `${cubeUri} has no batch plan: run \`cube-builder plan --experiment-uri … --cube-uri ${cubeUri}\` first`);
}

/**
 * Computes the selected batches not staged yet, on this machine's workers (`executor`, or workers started for
 * them). Each batch is staged whole under its id.
 */
export async function buildBatches(cubeUri: string, selection: BatchSelection, local: LocalResources, log: Logger, executor?: BatchExecutor): Promise<ShareSummary> {
  const started = Date.now();
  const summary: ShareSummary = { cubeUri, batches: 0, skipped: 0, cells: 0, cellsWithoutGroup: 0, xRowsWithoutObs: 0, rows: 0, nnz: 0, valuesUsed: 0, seconds: 0 };
  const plan = await planOf(cubeUri);
  if (!plan) {
    log.info({ cubeUri }, "the cube is complete already: nothing to compute");
    return summary;
  }
  summary.cellsWithoutGroup = plan.cellsWithoutGroup ?? 0;
  summary.xRowsWithoutObs = plan.xRowsWithoutObs ?? 0;
  const holder = await readCubeLock(cubeUri);
  if (holder?.purpose === "finalize") {
    throw new CubeBuilderError("E_CUBE_LOCKED", `${cubeUri} is being finalized (by pid ${holder.pid} on ${holder.host}): its batches are all computed`);
  }
  const share = selectBatches(plan, selection, cubeUri);
  const done = await stagedBatchIds(vfsFor(cubeUri), cubeUri);
  const todo = share.filter((b) => !done.has(b.id));
  if (todo.length > 0) checkCubeWritable(cubeUri, "compute the cube's batches");
  summary.skipped = share.length - todo.length;
  log.info({ cubeUri, batches: todo.length, skipped: summary.skipped }, `${todo.length} of ${share.length} batches to compute (${summary.skipped} staged already)`);
  if (todo.length > 0) {
    const jobs: BatchJob[] = todo.map((b) => ({ id: b.id, groups: b.groups.length, cells: b.cells, task: () => readTask(cubeUri, b.id) }));
    const workers = executor ?? startWorkers(await workerInit(cubeUri, plan), local, todo.length);
    const cells = todo.reduce((s, b) => s + b.cells, 0);
    // the live bar only with text logs on a terminal: JSON lines stay parseable
    const progress = new Progress(log, cells, todo.length, { tty: (local.logFormat ?? "text") === "text" && Boolean(process.stderr.isTTY) });
    try {
      const r = await runBatches(workers, jobs, plan.taskBytes, progress);
      Object.assign(summary, { batches: todo.length, cells, rows: r.rows, nnz: r.nnz, valuesUsed: r.valuesUsed });
    } finally {
      progress.stop();
      if (!executor) await workers.shutdown();
    }
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

export interface FinalizeOptions extends LocalResources {
  validate: boolean;
  consolidate: boolean;
  /** Facts for the build record. */
  build?: Record<string, unknown>;
}

export interface FinalizeSummary {
  cubeUri: string;
  cells: number;
  groups: number;
  batches: number;
  seconds: number;
  /** False when the cube was complete already. */
  finalized: boolean;
}

/** The plan's batches neither staged nor (after an interrupted finalize) in the estimators array. */
function missingBatches(plan: StoredPlan, staged: Set<number>, inArray: Uint8Array): number[] {
  return plan.batches.filter((b) => !staged.has(b.id) && !b.groups.some((g) => inArray[g])).map((b) => b.id);
}

/**
 * Checks every planned batch is staged and every obs group's rows are there once, then writes the staged
 * batches into the estimators array, validates, consolidates and vacuums, and marks the cube complete.
 */
export async function finalizeCube(cubeUri: string, options: FinalizeOptions, log: Logger): Promise<FinalizeSummary> {
  const started = Date.now();
  const plan = await planOf(cubeUri);
  if (!plan) {
    log.info({ cubeUri }, "the cube is complete already");
    return { cubeUri, cells: 0, groups: 0, batches: 0, seconds: 0, finalized: false };
  }
  checkCubeWritable(cubeUri, "finalize the cube");
  const writer = await CubeWriter.open(cubeUri);
  const { batchIds, inArray, twice } = await writer.stagedCoverage();
  const missing = missingBatches(plan, batchIds, inArray);
  if (missing.length > 0) {
    const ids = missing.join(",");
    throw new CubeBuilderError(
      "E_MISSING_BATCHES",
      `${cubeUri}: ${missing.length} of ${plan.batches.length} planned batches are not computed (batches ${ids}); compute them with \`cube-builder build --cube-uri ${cubeUri} --batches ${ids}\`, then finalize again`,
    );
  }
  if (twice.length > 0) {
    throw new CubeBuilderError("E_GROUP_TWICE", `${cubeUri}: the rows of obs groups ${twice.slice(0, 20).join(", ")}${twice.length > 20 ? ", …" : ""} are staged more than once (staged outside the plan?)`);
  }
  const parts = encodingParts(options, plan.batches.length);
  const encode = options.consolidate && parts > 1;
  const shares = options.validate ? checkShares(options) : 1;
  // fresh workers: a batch worker keeps its rows and arrays, which the pieces and the checks do not need
  const workers = encode || shares > 1 ? startWorkers(await workerInit(cubeUri, plan), options, Math.max(encode ? parts : 1, shares)) : undefined;
  try {
    if (encode) await encodeStagedParts(workers!, writer, parts, log);
    log.info({ validate: options.validate, consolidate: options.consolidate, validationShares: options.validate ? shares : 0 }, "finishing the cube");
    const rowChecks = workers && shares > 1 ? rowChecksOn(workers, shares) : undefined;
    await writer.finish({ validate: options.validate, consolidate: options.consolidate, expectedNObs: plan.cells, build: options.build, rowChecks });
  } finally {
    await workers?.shutdown();
  }
  await removePlan(cubeUri);
  const seconds = (Date.now() - started) / 1000;
  return { cubeUri, cells: plan.cells, groups: plan.nObs.length, batches: plan.batches.length, seconds, finalized: true };
}
