/** The build's input: the queried cells (obs), their size factors and obs groups, and the features (var). */
import { ExperimentAxisQuery, openExperiment, type SomaDataFrame, type SomaSparseNDArray } from "@census-cube/census-reader";
import { OBS_GROUP_COLUMNS, type ObsGroups, approxSizeFactors, assignObsGroups } from "@census-cube/estimators";
import { S3VFS, vfsFor } from "@census-cube/tiledb-ts";
import type { Table } from "apache-arrow";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { formatBytes } from "./size.js";

export interface BuildInput {
  experimentUri: string;
  /** The X layer read by the workers. */
  xUri: string;
  /** Every queried cell's soma_joinid, in obs order. */
  joinids: BigInt64Array;
  /** Every queried cell's approximate size factor. */
  sizeFactors: Float64Array;
  groups: ObsGroups;
  /** Positions (into the queried cells) of the cells in an obs group, in ascending joinid order. */
  cellIdx: Int32Array;
  featureIds: string[];
  /** Queried cells in no obs group: a grouping column holds null for them. */
  cellsWithoutGroup: number;
  /** X rows (distinct soma_dim_0) whose joinid is not a soma_joinid of obs: the cube never reads them. */
  xRowsWithoutObs: number;
  /** Gene index of each var joinid (-1: not in the query); null when var joinids are exactly 0..n-1. */
  geneOfVar: Int32Array | null;
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

/** Reads obs and var, computes size factors and obs groups; checks everything about the input. */
export async function loadInput(opts: BuildOptions, experimentUri: string, log: Logger): Promise<BuildInput> {
  const store = vfsFor(experimentUri);
  const fetchedBefore = store instanceof S3VFS ? store.traffic().bytesFetched : 0;
  const query = await openQuery(opts, experimentUri);
  const x = await query.measurement.xLayer(opts.layer);
  const xUri = x.uri;
  const obs = await query.obs(["soma_joinid", "raw_sum", ...OBS_GROUP_COLUMNS]);
  const nCells = obs.numRows;
  if (nCells === 0) {
    throw new CubeBuilderError("E_NO_CELLS", `${experimentUri}: the obs value filter "${opts.obsValueFilter}" matches no cells`);
  }
  const joinids = column(obs, "soma_joinid", experimentUri).toArray() as BigInt64Array;
  const rawSum = Float64Array.from(column(obs, "raw_sum", experimentUri).toArray() as ArrayLike<number>);
  const groupInput = Object.fromEntries(OBS_GROUP_COLUMNS.map((c) => [c, column(obs, c, experimentUri)]));
  const varTable = await query.var(["soma_joinid", "feature_id"]);
  const featureIds = (column(varTable, "feature_id", experimentUri).toArray() as unknown as string[]).map(String);
  const varJoinids = varTable.getChild("soma_joinid")!.toArray() as BigInt64Array;
  const fetched = store instanceof S3VFS ? store.traffic().bytesFetched - fetchedBefore : 0;
  log.info(
    { experimentUri, cells: nCells, features: featureIds.length, filter: opts.obsValueFilter, bytesFetched: fetched },
    `${nCells} cells and ${featureIds.length} features${fetched > 0 ? ` (obs and var: ${formatBytes(fetched)} fetched)` : ""}`,
  );

  const sizeFactors = approxSizeFactors(rawSum);
  const groups = assignObsGroups(groupInput, "labels");
  log.info({ groups: groups.nGroups }, `${groups.nGroups} obs groups`);
  const cellIdx = cellsInGroups(joinids, groups);
  const cellsWithoutGroup = nCells - cellIdx.length;
  if (cellsWithoutGroup > 0) {
    log.warn(
      { cellsWithoutGroup, cells: nCells, columns: OBS_GROUP_COLUMNS },
      `${cellsWithoutGroup} of ${nCells} cells have a null value in an obs grouping column (${OBS_GROUP_COLUMNS.join(", ")}): they are in no obs group, and the cube leaves them out`,
    );
  }
  const xRowsWithoutObs = await countXRowsWithoutObs(x, await query.experiment.obs());
  if (xRowsWithoutObs > 0) {
    log.warn({ xRowsWithoutObs, xUri }, `${xRowsWithoutObs} rows of X have a soma_dim_0 that is not a soma_joinid of obs: no cell of the cube has them, and the cube leaves them out`);
  }
  return { experimentUri, xUri, joinids, sizeFactors, groups, cellIdx, cellsWithoutGroup, xRowsWithoutObs, featureIds, geneOfVar: geneOfVar(varJoinids) };
}

/**
 * X rows whose soma_dim_0 obs lacks, counted exactly by reading X only between and beyond obs's joinid ranges:
 * obs joinids are usually one range, so X's tiles are all skipped unless such rows are there.
 */
async function countXRowsWithoutObs(x: SomaSparseNDArray, obs: SomaDataFrame): Promise<number> {
  // obs streams in joinid order: its ranges are merged as they come, holding only the gaps
  const gaps: Array<[bigint, bigint]> = [];
  let next = 0n;
  for await (const batch of obs.read({ columnNames: ["soma_joinid"] })) {
    for (const id of batch.getChild("soma_joinid")!.toArray() as BigInt64Array) {
      if (id > next) gaps.push([next, id - 1n]);
      if (id >= next) next = id + 1n;
    }
  }
  const xEnd = x.shape[0];
  if (next < xEnd) gaps.push([next, xEnd - 1n]);
  if (gaps.length === 0) return 0;
  const rows = new Set<bigint>();
  for await (const batch of x.read({ coords: [{ ranges: gaps }, null], order: "unordered" })) {
    for (const id of batch.getChild("soma_dim_0")!.toArray() as BigInt64Array) rows.add(id);
  }
  return rows.size;
}

/** Cells without a complete key belong to no obs group (as pandas drops them); the cube covers the rest. */
function cellsInGroups(joinids: BigInt64Array, groups: ObsGroups): Int32Array {
  const inGroups: number[] = [];
  for (let i = 0; i < joinids.length; i++) if (groups.groupIds[i] >= 0) inGroups.push(i);
  const cellIdx = Int32Array.from(inGroups);
  // obs comes in joinid order from a sparse read; sort (with a comparator) only if it does not.
  let ascending = true;
  for (let k = 1; k < cellIdx.length && ascending; k++) ascending = joinids[cellIdx[k]] > joinids[cellIdx[k - 1]];
  if (!ascending) cellIdx.sort((a, b) => (joinids[a] < joinids[b] ? -1 : joinids[a] > joinids[b] ? 1 : 0));
  return cellIdx;
}

function geneOfVar(varJoinids: BigInt64Array): Int32Array | null {
  if (varJoinids.every((v, i) => Number(v) === i)) return null;
  let max = 0;
  for (const v of varJoinids) max = Math.max(max, Number(v));
  const out = new Int32Array(max + 1).fill(-1);
  varJoinids.forEach((v, i) => {
    out[Number(v)] = i;
  });
  return out;
}
