import { ExperimentAxisQuery, openExperiment } from "@census-cube/census-reader";
import { assignObsGroups, OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { ESTIMATORS_ARRAY, type ValidationReport, cubeStatus, readBuildRecord, readCubeState, validateCube } from "@census-cube/cube-writer";
import { joinUri, openArray, type VFS, vfsFor } from "@census-cube/tiledb-ts";
import { sparseCellNum } from "@census-cube/tiledb-ts/format";
import { checkShares, type LocalResources, rowChecksOn, startCheckers } from "./build-batches.js";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import { formatBytes } from "./size.js";

async function folderBytes(vfs: VFS, uri: string): Promise<number> {
  let total = 0;
  for (const e of await vfs.ls(uri)) total += e.isDir ? await folderBytes(vfs, e.uri) : e.size;
  return total;
}

/** What `cube-builder info` prints: size, status, groups, features, rows and the build record. */
export async function cubeInfo(cubeUri: string): Promise<Record<string, unknown>> {
  const status = await cubeStatus(cubeUri);
  let state: Awaited<ReturnType<typeof readCubeState>>;
  try {
    state = await readCubeState(cubeUri);
  } catch (e) {
    throw new CubeBuilderError("E_NOT_CUBE", (e as Error).message, { cause: e });
  }
  let groupsWithRows = 0;
  for (const w of state.groupWritten) groupsWithRows += w;
  const bytes = await folderBytes(vfsFor(cubeUri), cubeUri);
  return {
    cube: cubeUri,
    status: status ?? "unknown (no build record: not written by cube-builder)",
    obs_groups: state.nObs.length,
    obs_groups_with_rows: groupsWithRows,
    cells: state.nObs.reduce((a, b) => a + b, 0),
    features: state.featureIds.length,
    estimators: state.estimatorNames,
    size: formatBytes(bytes),
    size_bytes: bytes,
    build: (await readBuildRecord(cubeUri)) ?? null,
  };
}

/**
 * Estimators rows per checker process at least: fewer are checked sooner in this process than a checker starts
 * (measured in BENCHMARKS.md: 11.5 M rows took longer on 2 fresh checkers, 154 M rows a third less time).
 */
const ROWS_PER_CHECKER = 16_000_000;

/** The estimators rows the cube's fragments hold, from their metadata; 0 if unreadable. */
async function estimatorRows(cubeUri: string): Promise<number> {
  try {
    const array = await openArray(joinUri(cubeUri, ESTIMATORS_ARRAY));
    let rows = 0;
    for (const f of array.fragments) rows += Number(sparseCellNum(f.footer, array.schema));
    return rows;
  } catch {
    return 0; // validateCube names what is wrong with the cube
  }
}

/**
 * `cube-builder validate`: the cube's own checks (validateCube) plus, naming each problem: a status other than
 * complete, totals that disagree with the build record, the cell total against the experiment's query, and obs
 * groups without estimator rows although X holds values for their cells. The estimators rows are checked in
 * shares on `local`'s workers (one share, in this process, without).
 */
export async function validateAgainstExperiment(cubeUri: string, experimentUri: string | null, log: Logger, local?: LocalResources): Promise<ValidationReport> {
  const record = await readBuildRecord(cubeUri).catch(() => undefined);
  const uri = experimentUri ?? (typeof record?.experiment_uri === "string" ? record.experiment_uri : null);
  if (!uri) throw new CubeBuilderError("E_BAD_FLAG", `${cubeUri} records no experiment: pass --experiment-uri`);
  const filter = typeof record?.obs_value_filter === "string" ? record.obs_value_filter : "is_primary_data == True";
  const measurement = typeof record?.measurement_name === "string" ? record.measurement_name : "RNA";
  const layer = typeof record?.layer === "string" ? record.layer : "raw";
  const query = await ExperimentAxisQuery.create(await openExperiment(uri), measurement, { obsQuery: { valueFilter: filter } });
  const obs = await query.obs(["soma_joinid", ...OBS_GROUP_COLUMNS]);
  const groups = assignObsGroups(Object.fromEntries(OBS_GROUP_COLUMNS.map((c) => [c, obs.getChild(c)!])), "labels");
  let expected = 0;
  for (const n of groups.nObs) expected += n;
  log.info({ cubeUri, experimentUri: uri, filter, expectedCells: expected }, "validating");
  const problems: string[] = [];
  const status = await cubeStatus(cubeUri).catch(() => undefined);
  // a cube without our status is the reference builder's (it has no build record either)
  if (record && status !== "complete") problems.push(`status is "${status ?? "missing"}", not "complete": the build did not finish (--resume finishes it)`);
  let report: ValidationReport | undefined;
  const shares = local ? Math.max(1, Math.min(checkShares(local), Math.ceil((await estimatorRows(cubeUri)) / ROWS_PER_CHECKER))) : 1;
  const checkers = local && shares > 1 ? startCheckers(local, shares) : undefined;
  try {
    report = await validateCube(cubeUri, { expectedNObs: expected, rowChecks: checkers && rowChecksOn(checkers, shares) });
  } catch (e) {
    if ((e as { code?: string }).code !== "E_INVALID_CUBE") throw new CubeBuilderError("E_NOT_CUBE", (e as Error).message, { cause: e });
    problems.push(...((e as { problems?: string[] }).problems ?? [(e as Error).message]));
  } finally {
    await checkers?.shutdown();
  }
  if (report && record) {
    const totals: Array<[string, number]> = [["n_obs", report.nObs], ["n_obs_groups", report.nObsGroups], ["n_vars", report.nFeatures]];
    for (const [key, have] of totals) {
      if (typeof record[key] === "number" && record[key] !== have) problems.push(`the cube holds ${have} for ${key}, its build record says ${record[key]}`);
    }
  }
  if (report && report.groupsWithoutRows > 0) problems.push(...(await emptyGroupsWithValues(cubeUri, groups, query, layer)));
  if (problems.length > 0) {
    const err = new CubeBuilderError("E_INVALID_CUBE", `cube ${cubeUri} is invalid (${problems.length} problems):\n  ${problems.join("\n  ")}`);
    throw err;
  }
  log.info("cube is valid");
  return report!;
}

/**
 * Obs groups the cube has no estimator rows for although X holds values for their cells (a group's rows lost,
 * or never written). The cube's groups are the query's, numbered as the build numbers them; a cube whose groups
 * differ is reported as such.
 */
async function emptyGroupsWithValues(cubeUri: string, groups: ReturnType<typeof assignObsGroups>, query: ExperimentAxisQuery, layer: string): Promise<string[]> {
  const state = await readCubeState(cubeUri);
  if (state.nObs.length !== groups.nGroups || state.nObs.some((n, g) => n !== groups.nObs[g])) {
    return [`the cube's ${state.nObs.length} obs groups are not the experiment's ${groups.nGroups} (cells per group differ)`];
  }
  const obs = await query.obs(["soma_joinid"]);
  const ids = obs.getChild("soma_joinid")!.toArray() as BigInt64Array;
  const cells: bigint[] = [];
  const groupOf = new Map<bigint, number>();
  for (let i = 0; i < ids.length; i++) {
    const g = groups.groupIds[i];
    if (g >= 0 && !state.groupWritten[g]) {
      cells.push(ids[i]);
      groupOf.set(ids[i], g);
    }
  }
  if (cells.length === 0) return [];
  const values = new Map<number, number>();
  const x = await query.measurement.xLayer(layer);
  for await (const batch of x.read({ coords: [BigInt64Array.from(cells), null], order: "unordered" })) {
    const d0 = batch.getChild("soma_dim_0")!.toArray() as BigInt64Array;
    for (const c of d0) {
      const g = groupOf.get(c);
      if (g !== undefined) values.set(g, (values.get(g) ?? 0) + 1);
    }
  }
  return [...values].sort((a, b) => a[0] - b[0]).map(([g, n]) => `obs group ${g} has no estimator rows although X holds ${n} values for its cells`);
}
