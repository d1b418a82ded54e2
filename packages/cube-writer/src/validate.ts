/**
 * Checks a written cube, reading it back: every obs group present once with distinct labels and positive
 * `n_obs` (totalling the queried cells when given), every estimator row once, for a known group and feature,
 * with finite non-negative values, `sumsq >= sum` for counts, and one `n_obs` and `size_factor` per group with
 * `n_obs` at most the group's cells (the reference counts only cells with X data).
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { columnValues, enumerationValues, joinUri, loadEnumeration, openArray, type ReadBatch, readAll, readBatches, type VFS, vfsFor } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";
import { REQUIRED_ESTIMATORS, ESTIMATORS_ARRAY, FEATURE_IDS_FILE, OBS_GROUPS_ARRAY } from "./layout.js";
import { type ObsGroupsInput, obsGroupsTable } from "./obs-groups.js";

export interface ValidateOptions {
  /** Cells the source query returned; the obs groups' n_obs must add up to it. */
  expectedNObs?: number;
  /** Check `sumsq >= sum` (raw counts; default true). */
  counts?: boolean;
  /** The source's obs groups (labels and n_obs by joinid): each must be in the cube once, identical. */
  expectedGroups?: ObsGroupsInput;
  vfs?: VFS;
}

export interface ValidationReport {
  nObsGroups: number;
  nObs: number;
  nFeatures: number;
  nEstimatorRows: number;
  /** Obs groups without any estimator row (no X data in the group). */
  groupsWithoutRows: number;
}

const MAX_LISTED = 10;

class Problems {
  readonly list: string[] = [];
  count = 0;
  add(msg: string): void {
    this.count++;
    if (this.list.length < MAX_LISTED) this.list.push(msg);
  }
}

async function readArray(uri: string, vfs: VFS, columns: string[]): Promise<ReadBatch | undefined> {
  const arr = await openArray(uri, { vfs });
  if (arr.fragments.length === 0) return undefined;
  return readAll(arr, { columns, order: "unordered" });
}

/** An estimators row as problems name it (built only for a problem: validation visits every row). */
function rowName(group: number, feature: string): string {
  return `(obs group ${group}, feature ${feature})`;
}

/** Whether bytes [from, to) of `a` equal `b`. */
function equalRange(a: Uint8Array, from: number, to: number, b: Uint8Array): boolean {
  if (to - from !== b.length) return false;
  for (let k = 0; k < b.length; k++) if (a[from + k] !== b[k]) return false;
  return true;
}

async function readFeatureIds(cubeUri: string, vfs: VFS): Promise<string[]> {
  try {
    return JSON.parse(new TextDecoder().decode(await vfs.read(joinUri(cubeUri, FEATURE_IDS_FILE))));
  } catch (e) {
    throw new CubeWriterError("E_NOT_CUBE", `${cubeUri}: cannot read ${FEATURE_IDS_FILE}: ${(e as Error).message}`, { cause: e });
  }
}

/** The obs_groups array as read back: one entry per row, and the groups its domain holds. */
interface ObsGroupRows {
  nGroups: number;
  ids: Uint32Array;
  labelCodes: Int32Array[];
  nObs: Int32Array;
  /** Per group: its n_obs, -1 when the group has no row. */
  groupNObs: Int32Array;
  /** The cells of all groups. */
  total: number;
}

/** Reads obs_groups and checks every group is there once, with distinct labels and positive n_obs. */
async function checkObsGroups(ogUri: string, vfs: VFS, p: Problems): Promise<ObsGroupRows> {
  const og = await readArray(ogUri, vfs, ["obs_group_joinid", ...OBS_GROUP_COLUMNS, "n_obs"]);
  if (!og) throw new CubeWriterError("E_INVALID_CUBE", `${ogUri} has no obs groups`);
  const ogArr = await openArray(ogUri, { vfs });
  const nGroups = Number((ogArr.schema.dimensions[0].domain as [number, number])[1]);
  const ids = columnValues(og.columns[0]) as Uint32Array;
  const labelCodes = OBS_GROUP_COLUMNS.map((_, c) => columnValues(og.columns[1 + c]) as Int32Array);
  const nObs = columnValues(og.columns[og.columns.length - 1]) as Int32Array;
  const groupNObs = new Int32Array(nGroups).fill(-1);
  const keys = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const g = ids[i];
    if (g >= nGroups) {
      p.add(`obs group ${g} is outside [0, ${nGroups})`);
      continue;
    }
    if (groupNObs[g] !== -1) p.add(`obs group ${g} appears more than once in obs_groups`);
    groupNObs[g] = nObs[i];
    if (!(nObs[i] > 0)) p.add(`obs group ${g} has n_obs ${nObs[i]}`);
    total += nObs[i];
    const key = labelCodes.map((c) => c[i]).join(",");
    const prev = keys.get(key);
    if (prev !== undefined) p.add(`obs groups ${prev} and ${g} have the same labels`);
    keys.set(key, g);
  }
  for (let g = 0; g < nGroups; g++) if (groupNObs[g] === -1) p.add(`obs group ${g} is missing from obs_groups`);
  return { nGroups, ids, labelCodes, nObs, groupNObs, total };
}

/** Checks each obs group's labels and n_obs against the source's groups. */
async function checkAgainstSource(ogUri: string, vfs: VFS, rows: ObsGroupRows, source: ObsGroupsInput, p: Problems): Promise<void> {
  const want = obsGroupsTable(source);
  if (want.nObsGroups !== rows.nGroups) p.add(`the cube has ${rows.nGroups} obs groups, the source ${want.nObsGroups}`);
  const ogArr = await openArray(ogUri, { vfs });
  const labels: string[][] = [];
  for (const c of OBS_GROUP_COLUMNS) {
    const e = ogArr.schema.enumerations.has(c) ? await loadEnumeration(ogUri, ogArr.schema, c, vfs) : undefined;
    labels.push(e ? (enumerationValues(e) as string[]) : []);
  }
  for (let i = 0; i < rows.ids.length; i++) {
    const g = rows.ids[i];
    if (g >= want.nObsGroups) continue;
    OBS_GROUP_COLUMNS.forEach((c, k) => {
      const have = labels[k][rows.labelCodes[k][i]];
      const expected = want.enumerations[c][want.codes[c][g]];
      if (have !== expected) p.add(`obs group ${g}: ${c} is ${JSON.stringify(have)}, the source has ${JSON.stringify(expected)}`);
    });
    if (rows.nObs[i] !== want.nObs[g]) p.add(`obs group ${g}: n_obs ${rows.nObs[i]}, the source has ${want.nObs[g]}`);
  }
}

/** Checks every estimators row (streamed); returns the rows and which groups have any. */
async function checkEstimators(estUri: string, vfs: VFS, featureIds: string[], groupNObs: Int32Array, counts: boolean, p: Problems): Promise<EstimatorRowChecks> {
  const estArr = await openArray(estUri, { vfs });
  const names = estArr.schema.attributes.map((a) => a.name);
  for (const n of REQUIRED_ESTIMATORS) if (!names.includes(n)) p.add(`estimators has no attribute "${n}"`);
  const rows = new EstimatorRowChecks(names, featureIds, groupNObs, counts, p);
  if (estArr.fragments.length > 0) {
    // Streamed in global order (feature_id bytes, then obs group) merged over all fragments: a row written
    // twice shows up as two equal neighbours, so memory stays bounded by the batch size.
    for await (const batch of readBatches(estArr, { columns: ["feature_id", "obs_group_joinid", ...names], order: "global", memoryBudget: 64 << 20 })) rows.check(batch);
  }
  return rows;
}

function throwIfProblems(cubeUri: string, p: Problems): void {
  if (p.count === 0) return;
  const more = p.count > p.list.length ? `\n  … and ${p.count - p.list.length} more` : "";
  const err = new CubeWriterError("E_INVALID_CUBE", `cube ${cubeUri} is invalid (${p.count} problems):\n  ${p.list.join("\n  ")}${more}`);
  (err as CubeWriterError & { problems?: string[] }).problems = p.list;
  throw err;
}

export async function validateCube(cubeUri: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const vfs = options.vfs ?? vfsFor(cubeUri);
  const p = new Problems();
  const featureIds = await readFeatureIds(cubeUri, vfs);
  const ogUri = joinUri(cubeUri, OBS_GROUPS_ARRAY);
  const groups = await checkObsGroups(ogUri, vfs, p);
  if (options.expectedGroups) await checkAgainstSource(ogUri, vfs, groups, options.expectedGroups, p);
  if (options.expectedNObs !== undefined && groups.total !== options.expectedNObs) {
    p.add(`obs groups hold ${groups.total} cells in total, the query returned ${options.expectedNObs}`);
  }
  const rows = await checkEstimators(joinUri(cubeUri, ESTIMATORS_ARRAY), vfs, featureIds, groups.groupNObs, options.counts ?? true, p);
  let groupsWithoutRows = 0;
  for (let g = 0; g < groups.nGroups; g++) if (!rows.hasRows[g]) groupsWithoutRows++;
  throwIfProblems(cubeUri, p);
  return { nObsGroups: groups.nGroups, nObs: groups.total, nFeatures: featureIds.length, nEstimatorRows: rows.nRows, groupsWithoutRows };
}

/**
 * The per-row checks of the estimators array, batch by batch in global order. A class of its own so the loop
 * runs on locals of a plain function (validation visits every row of the cube).
 */
class EstimatorRowChecks {
  nRows = 0;
  readonly hasRows: Uint8Array;
  /** Per group: the n_obs and size_factor every row of the group must repeat. */
  private readonly groupRowNObs: Float32Array;
  private readonly groupRowSf: Float32Array;
  private readonly featureIndex: Map<string, number>;
  private readonly sufficient: boolean[];
  private readonly dec = new TextDecoder();
  private prevFeature = new Uint8Array(0);
  private prevGroup = -1;
  private fid = "";

  constructor(
    private readonly names: string[],
    featureIds: string[],
    private readonly groupNObs: Int32Array,
    private readonly counts: boolean,
    private readonly p: Problems,
  ) {
    const nGroups = groupNObs.length;
    this.hasRows = new Uint8Array(nGroups);
    this.groupRowNObs = new Float32Array(nGroups).fill(Number.NaN);
    this.groupRowSf = new Float32Array(nGroups).fill(Number.NaN);
    this.featureIndex = new Map(featureIds.map((f, i) => [f, i]));
    this.sufficient = names.map((n) => (REQUIRED_ESTIMATORS as readonly string[]).includes(n));
  }

  check(batch: ReadBatch): void {
    const { names, groupNObs, hasRows, groupRowNObs, groupRowSf, sufficient, p } = this;
    const nGroups = groupNObs.length;
    const iSum = names.indexOf("sum");
    const iSumsq = names.indexOf("sumsq");
    const iNObs = names.indexOf("n_obs");
    const iSf = names.indexOf("size_factor");
    const checkSumsq = this.counts && iSum >= 0 && iSumsq >= 0;
    const fcol = batch.columns[0];
    const fo = fcol.offsets as Int32Array;
    const bytes = fcol.data;
    const groups = columnValues(batch.columns[1]) as Uint32Array;
    const vals = names.map((_, k) => columnValues(batch.columns[2 + k]) as Float32Array);
    let prevFeature = this.prevFeature;
    let prevGroup = this.prevGroup;
    let fid = this.fid;
    for (let i = 0; i < batch.length; i++) {
      const g = groups[i];
      // compared in place: no view or string per row, only per feature
      if (!equalRange(bytes, fo[i], fo[i + 1], prevFeature)) {
        prevFeature = bytes.slice(fo[i], fo[i + 1]);
        fid = this.dec.decode(prevFeature);
        if (!this.featureIndex.has(fid)) p.add(`estimators rows of feature ${fid}: feature is not in ${FEATURE_IDS_FILE}`);
      } else if (g === prevGroup) {
        p.add(`estimators row ${rowName(g, fid)} appears more than once`);
      }
      prevGroup = g;
      if (g >= nGroups || groupNObs[g] === -1) {
        p.add(`estimators row ${rowName(g, fid)}: obs group is not in obs_groups`);
        continue;
      }
      hasRows[g] = 1;
      for (let k = 0; k < names.length; k++) {
        if (!sufficient[k]) continue; // extra estimators may be NaN (an estimate Memento cannot make)
        const x = vals[k][i];
        if (!(x >= 0 && x !== Number.POSITIVE_INFINITY)) p.add(`estimators row ${rowName(g, fid)}: ${names[k]} is ${x}`);
      }
      if (checkSumsq && vals[iSumsq][i] < vals[iSum][i]) p.add(`estimators row ${rowName(g, fid)}: sumsq ${vals[iSumsq][i]} < sum ${vals[iSum][i]}`);
      if (iNObs >= 0) {
        const n = vals[iNObs][i];
        if (!(Number.isInteger(n) && n >= 1 && n <= groupNObs[g])) p.add(`estimators row ${rowName(g, fid)}: n_obs ${n} is not an integer in [1, ${groupNObs[g]}] (the group's cells)`);
        if (iSf >= 0) {
          const sfv = vals[iSf][i];
          if (Number.isNaN(groupRowNObs[g])) {
            groupRowNObs[g] = n;
            groupRowSf[g] = sfv;
          } else if (groupRowNObs[g] !== n || groupRowSf[g] !== sfv) {
            p.add(`estimators row ${rowName(g, fid)}: n_obs/size_factor differ from other rows of the group`);
          }
        }
      }
    }
    this.nRows += batch.length;
    this.prevFeature = prevFeature;
    this.prevGroup = prevGroup;
    this.fid = fid;
  }
}
