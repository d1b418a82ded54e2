import { fileURLToPath } from "node:url";
import { batchSizing, type PlannedCells, planCellBatches, runBatches } from "./build-batches.js";
import { checkCubeLocation, createCube, cubeExists, openCubeToResume } from "./build-cube.js";
import { loadInput } from "./build-input.js";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { Progress } from "./progress.js";
import { formatBytes } from "./size.js";
import type { WorkerInit } from "./worker-tasks.js";

/** The small experiment bundled with the app, used when no --experiment-uri is given. */
export function demoExperimentUri(): string {
  return fileURLToPath(new URL("../demo/experiment", import.meta.url));
}

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

/**
 * Builds (or resumes) the cube. The plan: obs → size factors and obs groups in the parent; batches of whole
 * groups, sized by the memory budget, run in worker processes that each read their cells' X rows, accumulate
 * sufficient statistics and stage the batch's rows (cube-writer); finish writes them all as one fragment.
 * Staged batches are atomic and hold whole groups, so a resumed build recomputes exactly the groups that have
 * no rows yet.
 */
export async function build(opts: BuildOptions, log: Logger): Promise<BuildSummary> {
  const started = Date.now();
  const cubeUri = opts.cubeUri;
  const exists = cubeExists(cubeUri);
  if (exists && opts.mode === "create") {
    throw new CubeBuilderError("E_CUBE_EXISTS", `${cubeUri} already exists: pass --resume to finish it or --overwrite to replace it`);
  }
  if (!exists && opts.mode === "resume") log.info({ cubeUri }, "nothing to resume: building a new cube");
  checkCubeLocation(cubeUri);

  // Everything about the input is checked before the existing cube is touched.
  const input = await loadInput(opts, opts.experimentUri ?? demoExperimentUri(), log);
  const { groups, cellIdx, joinids, sizeFactors } = input;

  const resuming = exists && opts.mode === "resume";
  const writer = resuming ? await openCubeToResume(cubeUri, input) : await createCube(opts, input, exists, log);
  // Resume: a staged batch is atomic and holds whole groups, so a group with rows is finished.
  const written = writer.writtenGroups();
  const todoIdx = resuming ? cellIdx.filter((i) => written[groups.groupIds[i]] === 0) : cellIdx;
  if (resuming) log.info({ cells: todoIdx.length }, `resuming: ${cellIdx.length - todoIdx.length} of ${cellIdx.length} cells already in the cube`);

  const cells: PlannedCells = {
    joinids: Float64Array.from(todoIdx, (i) => Number(joinids[i])),
    groups: Uint32Array.from(todoIdx, (i) => groups.groupIds[i]),
    sizeFactors: Float64Array.from(todoIdx, (i) => sizeFactors[i]),
  };
  const nGenes = input.featureIds.length;
  const sizing = batchSizing(opts, nGenes);
  const batches = planCellBatches(cells, groups.nGroups, opts, sizing);
  const { workers, maxGroupsPerBatch, readBudget } = sizing;
  const init: WorkerInit = {
    xUri: input.xUri,
    cubeUri,
    cube: writer.state(),
    geneOfVar: input.geneOfVar,
    readBudget,
    pendingValues: sizing.pendingValues,
    estimators: opts.estimators,
  };
  log.info(
    { batches: batches.length, workers, memoryBudget: opts.memoryBudget, maxGroupsPerBatch, readBudget },
    `${batches.length} batches on up to ${workers} workers, budget ${formatBytes(opts.memoryBudget)}`,
  );
  const progress = new Progress(log, cells.joinids.length, batches.length);
  const { rows, nnz } = await runBatches({ opts, writer, init, batches, cells, sizing, progress, log });

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
