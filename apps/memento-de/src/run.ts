/**
 * A DE run: open the cube, plan the query, test the features in chunks (in executor workers, or in this process
 * with one worker), then adjust p-values and order the genes.
 */
import { cpus } from "node:os";
import { type Cube, openCube } from "@census-cube/cube-writer";
import { benjaminiHochberg } from "@census-cube/estimators";
import { ResourcePoolExecutor } from "@census-cube/resource-pool-executor";
import { type ChunkInput, type ChunkResult, computeChunk } from "./compute.js";
import type * as tasks from "./de-tasks.js";
import type { Logger } from "./logger.js";
import { type DePlan, type DeQuery, planQuery } from "./query.js";

export interface RunOptions extends DeQuery {
  cubeUri: string;
  /** Worker processes (default: CPU count); 1 runs in this process. */
  maxWorkers?: number;
  /** Chunks of features per worker (more chunks: finer progress and balance; default 4). */
  chunksPerWorker?: number;
  log?: Logger;
  /** Progress: features tested so far, of all. */
  onProgress?: (done: number, total: number) => void;
}

/** One row per tested feature, ordered by p-value (then feature id); features without a valid estimate are left out. */
export interface DeResults {
  featureId: string[];
  coef: Float64Array;
  se: Float64Array;
  z: Float64Array;
  pval: Float64Array;
  /** Benjamini–Hochberg adjusted p-values over the tested features. */
  padj: Float64Array;
  meanControl: Float64Array;
  meanCase: Float64Array;
}

export interface DeRun {
  results: DeResults;
  plan: DePlan;
  cube: Cube;
  /** Features asked for that had no valid estimate in any selected group (left out, as the reference does). */
  dropped: number;
  /** Estimator rows read. */
  rows: number;
}

export async function runMementoDe(options: RunOptions): Promise<DeRun> {
  const cube = await openCube(options.cubeUri);
  const plan = planQuery(cube, options);
  const log = options.log;
  log?.info(
    { groups: plan.groups.obsGroupJoinid.length, cells: plan.cells, features: plan.features.length },
    `${plan.treatment}: control "${plan.control}" (${plan.cells[0]} cells) vs case "${plan.case}" (${plan.cells[1]} cells) over ${plan.groups.obsGroupJoinid.length} obs groups; ${plan.features.length} features`,
  );
  const workers = Math.max(1, Math.min(options.maxWorkers ?? cpus().length, plan.features.length));
  const nChunks = Math.max(1, Math.min(plan.features.length, workers * (options.chunksPerWorker ?? 4)));
  const chunks: ChunkInput[] = [];
  for (let c = 0; c < nChunks; c++) {
    const lo = Math.floor((c * plan.features.length) / nChunks);
    const hi = Math.floor(((c + 1) * plan.features.length) / nChunks);
    chunks.push({ features: plan.features.slice(lo, hi), groups: plan.groups, treatment: plan.treatment, covariates: plan.covariates, sign: plan.sign });
  }
  let done = 0;
  const settle = (r: ChunkResult, input: ChunkInput) => {
    done += input.features.length;
    options.onProgress?.(done, plan.features.length);
    return r;
  };
  let parts: ChunkResult[];
  if (workers === 1) {
    parts = [];
    for (const c of chunks) parts.push(settle(await computeChunk(cube, c), c));
  } else {
    const ex = new ResourcePoolExecutor<typeof tasks>({
      taskModule: new URL("./de-tasks.js", import.meta.url),
      maxResources: workers,
      maxWorkers: workers,
      maxTasksPerWorker: Number.POSITIVE_INFINITY,
    });
    try {
      parts = await Promise.all(chunks.map(async (c) => settle(await ex.submit(1, "deChunk", [options.cubeUri, c]), c)));
    } finally {
      await ex.shutdown();
    }
  }
  const results = mergeChunks(cube, parts);
  const dropped = plan.features.length - results.featureId.length;
  if (dropped > 0) log?.warn({ dropped }, `${dropped} feature(s) had no valid estimate in any selected group and were left out`);
  return { results, plan, cube, dropped, rows: parts.reduce((a, p) => a + p.rows, 0) };
}

function mergeChunks(cube: Cube, parts: ChunkResult[]): DeResults {
  const n = parts.reduce((a, p) => a + p.feature.length, 0);
  const cols = ["coef", "se", "z", "pval", "meanControl", "meanCase"] as const;
  const all = Object.fromEntries(cols.map((c) => [c, new Float64Array(n)])) as Record<(typeof cols)[number], Float64Array>;
  const feature = new Uint32Array(n);
  let at = 0;
  for (const p of parts) {
    feature.set(p.feature, at);
    for (const c of cols) all[c].set(p[c], at);
    at += p.feature.length;
  }
  const padjAll = benjaminiHochberg(all.pval);
  const ids = Array.from(feature, (f) => cube.features[f]);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const pa = Number.isNaN(all.pval[a]) ? 2 : all.pval[a];
    const pb = Number.isNaN(all.pval[b]) ? 2 : all.pval[b];
    return pa - pb || Math.abs(all.z[b]) - Math.abs(all.z[a]) || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0);
  });
  const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]);
  return {
    featureId: order.map((i) => ids[i]),
    coef: pick(all.coef),
    se: pick(all.se),
    z: pick(all.z),
    pval: pick(all.pval),
    padj: pick(padjAll),
    meanControl: pick(all.meanControl),
    meanCase: pick(all.meanCase),
  };
}
