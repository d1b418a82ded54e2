/**
 * The batch plan stored in a cube while it is being built, so that any machine can compute any batch from the
 * cube alone: `plan.json` (the build's options, the workers' sizing, each batch's obs groups) and one file per
 * batch with its cells (`batch-<id>.cells`: u32 cells, u32 ranges, f64[cells] joinids, f64[cells] size factors,
 * f64[2 * ranges] joinid ranges, u32[cells] obs groups). Removed once the cube is finished.
 */
import { joinUri, type VFS, vfsFor } from "@census-cube/tiledb-ts";
import { CubeBuilderError } from "./errors.js";
import type { BatchTask } from "./worker-tasks.js";

export const PLAN_DIR = "__build_plan";
const PLAN_FILE = "plan.json";
const FORMAT = "cube-builder-plan/1";

export interface PlannedBatch {
  id: number;
  cells: number;
  /** The batch's obs groups (obs_group_joinid), ascending. */
  groups: number[];
}

export interface StoredPlan {
  format: typeof FORMAT;
  /** Random, made once per plan: queue jobs of one build are named by it. */
  id: string;
  experimentUri: string;
  xUri: string;
  measurementName: string;
  layer: string;
  obsValueFilter: string;
  estimators: string[];
  zstdLevelCap: number | null;
  /** The workers and memory the batches were sized for. */
  maxWorkers: number;
  memoryBudget: number;
  minBatchSize: number;
  /** Queried cells in obs groups (the cube's n_obs total). */
  cells: number;
  /** Queried cells left out for a null value in an obs grouping column (absent in plans of older builders). */
  cellsWithoutGroup?: number;
  /** X rows whose soma_dim_0 is not a soma_joinid of obs (plans made before it was counted lack it). */
  xRowsWithoutObs?: number;
  /** n_obs of each obs group. */
  nObs: number[];
  features: number;
  /** Gene index of each var joinid (-1: not in the query); null when var joinids are exactly 0..n-1. */
  geneOfVar: number[] | null;
  readBudget: number;
  pendingValues: number;
  /** Bytes a batch task is counted for in a worker's memory budget. */
  taskBytes: number;
  batches: PlannedBatch[];
}

function planUri(cubeUri: string, name: string): string {
  return joinUri(cubeUri, PLAN_DIR, name);
}

function cellsFile(id: number): string {
  return `batch-${id}.cells`;
}

/** Writes the plan: the batches' cell files first, plan.json last (its presence means the plan is whole). */
export async function writePlan(cubeUri: string, plan: StoredPlan, tasks: Iterable<BatchTask>, vfs: VFS = vfsFor(cubeUri)): Promise<void> {
  for (const t of tasks) await vfs.write(planUri(cubeUri, cellsFile(t.id)), encodeTask(t));
  await vfs.write(planUri(cubeUri, PLAN_FILE), new TextEncoder().encode(JSON.stringify(plan)));
}

/** The cube's plan, or undefined when it has none (a cube finished, or built before plans were stored). */
export async function readPlan(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<StoredPlan | undefined> {
  const uri = planUri(cubeUri, PLAN_FILE);
  if (!(await vfs.exists(uri))) return undefined;
  let plan: StoredPlan;
  try {
    plan = JSON.parse(new TextDecoder().decode(await vfs.read(uri)));
  } catch (e) {
    throw new CubeBuilderError("E_CORRUPT_PLAN", `${uri} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (plan?.format !== FORMAT || !Array.isArray(plan.batches)) {
    throw new CubeBuilderError("E_CORRUPT_PLAN", `${uri} is not a ${FORMAT} batch plan (format ${JSON.stringify(plan?.format)})`);
  }
  return plan;
}

export async function readTask(cubeUri: string, id: number, vfs: VFS = vfsFor(cubeUri)): Promise<BatchTask> {
  const uri = planUri(cubeUri, cellsFile(id));
  if (!(await vfs.exists(uri))) throw new CubeBuilderError("E_CORRUPT_PLAN", `${uri} is missing: the plan of batch ${id} is incomplete (plan again with --overwrite)`);
  const bytes = await vfs.read(uri);
  const buf = bytes.slice().buffer;
  const head = new Uint32Array(buf, 0, 2);
  const [n, nRanges] = [head[0], head[1]];
  if (bytes.byteLength !== 8 + 8 * (2 * n + 2 * nRanges) + 4 * n) throw new CubeBuilderError("E_CORRUPT_PLAN", `${uri}: ${bytes.byteLength} bytes do not hold ${n} cells and ${nRanges} ranges`);
  let at = 8;
  const f64 = (len: number) => {
    const a = new Float64Array(buf, at, len);
    at += 8 * len;
    return a;
  };
  const joinids = f64(n);
  const sizeFactor = f64(n);
  const flat = f64(2 * nRanges);
  const groupOfCell = new Uint32Array(buf, at, n);
  const ranges = Array.from({ length: nRanges }, (_, k): [number, number] => [flat[2 * k], flat[2 * k + 1]]);
  return { id, joinids, groupOfCell, sizeFactor, ranges };
}

function encodeTask(t: BatchTask): Uint8Array[] {
  const n = t.joinids.length;
  const head = Uint32Array.of(n, t.ranges.length);
  const ranges = Float64Array.from(t.ranges.flat());
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return [view(head), view(t.joinids), view(t.sizeFactor), view(ranges), view(t.groupOfCell)];
}

export async function removePlan(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<void> {
  await vfs.remove(joinUri(cubeUri, PLAN_DIR));
}
