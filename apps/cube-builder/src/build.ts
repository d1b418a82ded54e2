import { stagedBatchIds } from "@census-cube/cube-writer";
import { vfsFor } from "@census-cube/tiledb-ts";
import { startWorkers } from "./build-batches.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { buildBatches, finalizeCube, planCube, withCubeLock, workerInit } from "./steps.js";

export { demoExperimentUri } from "./steps.js";

export interface BuildSummary {
  cubeUri: string;
  cells: number;
  groups: number;
  features: number;
  batches: number;
  /** Cells whose batches an earlier, interrupted run had already computed. */
  resumedCells: number;
  /** Queried cells left out for a null value in an obs grouping column. */
  cellsWithoutGroup: number;
  /** X rows whose soma_dim_0 is not a soma_joinid of obs: no cell has them, the cube leaves them out. */
  xRowsWithoutObs: number;
  rows: number;
  /** X values read (other batches' cells in a span read included: depends on the batching). */
  nnz: number;
  /** X values of the cube's cells, which the estimators took in (batches computed by this run; independent of the batching). */
  valuesUsed: number;
  seconds: number;
}

/**
 * Builds (or resumes) the cube on this machine: the plan, every batch, and the finish (see steps.ts), on one
 * set of worker processes. obs → size factors and obs groups in this process; batches of whole groups, sized
 * by the memory budget, run in worker processes that each read their cells' X rows, accumulate sufficient
 * statistics and stage the batch's rows (cube-writer); the finish writes them all as one fragment. A resumed
 * build keeps the cube's plan and computes the batches not staged yet.
 */
export function build(opts: BuildOptions, log: Logger): Promise<BuildSummary> {
  // A stale lock (its holder died) is taken over only when asked (--take-over-lock): the user checks no build runs.
  return withCubeLock(opts.cubeUri, opts.mode === "create" ? "build" : opts.mode, opts.takeOverLock, () => buildLocked(opts, log), log);
}

async function buildLocked(opts: BuildOptions, log: Logger): Promise<BuildSummary> {
  const started = Date.now();
  const cubeUri = opts.cubeUri;
  const { plan } = await planCube(opts, log);
  const summary: BuildSummary = { cubeUri, cells: 0, groups: 0, features: 0, batches: 0, resumedCells: 0, cellsWithoutGroup: 0, xRowsWithoutObs: 0, rows: 0, nnz: 0, valuesUsed: 0, seconds: 0 };
  if (!plan) return { ...summary, seconds: (Date.now() - started) / 1000 };
  const init = await workerInit(cubeUri, plan);
  const done = await stagedBatchIds(vfsFor(cubeUri), cubeUri);
  const resumedCells = plan.batches.reduce((s, b) => s + (done.has(b.id) ? b.cells : 0), 0);
  if (done.size > 0) log.info({ cells: plan.cells - resumedCells }, `resuming: ${resumedCells} of ${plan.cells} cells already computed`);
  const executor = startWorkers(init, opts, plan.batches.length - done.size);
  let rows = 0;
  let nnz = 0;
  let valuesUsed = 0;
  try {
    ({ rows, nnz, valuesUsed } = await buildBatches(cubeUri, "all", opts, log, executor));
    // The batch workers exit before the finish: their rows and arrays would stay on top of what it needs.
    await executor.shutdown();
    if (valuesUsed === 0 && resumedCells === 0) {
      log.warn({ cubeUri, cells: plan.cells }, `X holds no values for the ${plan.cells} cells: the cube's obs groups get no estimator rows`);
    }
    await finalizeCube(cubeUri, { ...opts, build: { seconds: (Date.now() - started) / 1000 } }, log);
  } finally {
    await executor.shutdown();
  }
  const seconds = (Date.now() - started) / 1000;
  log.info({ seconds, rows, nnz, valuesUsed }, `cube complete: ${cubeUri}`);
  return {
    cubeUri,
    cells: plan.cells,
    groups: plan.nObs.length,
    features: init.cube.featureIds.length,
    batches: plan.batches.length,
    resumedCells,
    cellsWithoutGroup: plan.cellsWithoutGroup ?? 0,
    xRowsWithoutObs: plan.xRowsWithoutObs ?? 0,
    rows,
    nnz,
    valuesUsed,
    seconds,
  };
}
