/**
 * Checks a written cube, reading it back: every obs group present once with distinct labels and positive
 * `n_obs` (totalling the queried cells when given), every estimator row once, for a known group and feature,
 * with finite non-negative values, `sumsq >= sum` for counts, and one `n_obs` and `size_factor` per group with
 * `n_obs` at most the group's cells (the reference counts only cells with X data).
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { columnValues, enumerationValues, joinUri, loadEnumeration, openArray, type ReadBatch, readAll, readBatches, type TileDBArray, type VFS, vfsFor } from "@census-cube/tiledb-ts";
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
  /**
   * Checks the estimators rows in `shares` parts by feature range, each handed to `run` (e.g. on a worker
   * process running checkEstimatorRows); without it the rows are checked here, in one pass.
   */
  rowChecks?: { shares: number; run: (task: RowCheckTask) => Promise<RowCheckResult> };
}

/** One share of the estimators rows to check: a task for checkEstimatorRows, structured-clone safe. */
export interface RowCheckTask {
  cubeUri: string;
  /** Feature ids from..to (inclusive, in the array's byte order); undefined: every row. */
  range?: [string, string];
  /** The rows of this feature (the range's end) belong to the next share: they end this one. */
  stopAt?: string;
  /** Per obs group: its n_obs, -1 when obs_groups has no such group. */
  groupNObs: Int32Array;
  /** Check `sumsq >= sum`. */
  counts: boolean;
}

/** What one share's checks found; validateCube joins the shares'. */
export interface RowCheckResult {
  nRows: number;
  hasRows: Uint8Array;
  /** Per obs group: the n_obs and size_factor of its first row in the share (NaN: none) and that row's feature. */
  firstNObs: Float32Array;
  firstSf: Float32Array;
  firstFeature: Int32Array;
  /** The first problems found, and how many in all. */
  problems: string[];
  problemCount: number;
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
  /** Adds the problems another check found (its first ones listed, `count` in all). */
  join(list: readonly string[], count: number): void {
    for (const msg of list) if (this.list.length < MAX_LISTED) this.list.push(msg);
    this.count += count;
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
  array: TileDBArray;
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
  return { array: ogArr, nGroups, ids, labelCodes, nObs, groupNObs, total };
}

/** Checks each obs group's labels and n_obs against the source's groups. */
async function checkAgainstSource(ogUri: string, vfs: VFS, rows: ObsGroupRows, source: ObsGroupsInput, p: Problems): Promise<void> {
  const want = obsGroupsTable(source);
  if (want.nObsGroups !== rows.nGroups) p.add(`the cube has ${rows.nGroups} obs groups, the source ${want.nObsGroups}`);
  const { schema } = rows.array;
  const labels: string[][] = [];
  for (const c of OBS_GROUP_COLUMNS) {
    const e = schema.enumerations.has(c) ? await loadEnumeration(ogUri, schema, c, vfs) : undefined;
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

/** Checks every estimators row (streamed, in shares when `rowChecks` is given); returns the rows and which groups have any. */
async function checkEstimators(cubeUri: string, vfs: VFS, featureIds: string[], groupNObs: Int32Array, options: ValidateOptions, p: Problems): Promise<{ nRows: number; hasRows: Uint8Array }> {
  const estArr = await openArray(joinUri(cubeUri, ESTIMATORS_ARRAY), { vfs });
  const names = estArr.schema.attributes.map((a) => a.name);
  for (const n of REQUIRED_ESTIMATORS) if (!names.includes(n)) p.add(`estimators has no attribute "${n}"`);
  const counts = options.counts ?? true;
  const ranges = options.rowChecks ? featureShares(estArr, featureIds, options.rowChecks.shares) : [];
  let results: RowCheckResult[];
  if (ranges.length > 1 && options.rowChecks) {
    const run = options.rowChecks.run;
    results = await Promise.all(ranges.map((r, i) => run({ cubeUri, range: r, stopAt: i + 1 < ranges.length ? ranges[i + 1][0] : undefined, groupNObs, counts })));
  } else {
    results = [await checkRows(estArr, featureIds, { cubeUri, groupNObs, counts })];
  }
  return joinShares(results, featureIds, p);
}

/**
 * Up to `shares` feature ranges covering every estimators row, each starting where the previous one ends (its
 * first feature's rows are the next share's): about equal counts of the cube's features per range.
 */
function featureShares(estArr: TileDBArray, featureIds: string[], shares: number): Array<[string, string]> {
  const enc = new TextEncoder();
  const cmp = (a: string, b: string) => Buffer.compare(enc.encode(a), enc.encode(b));
  let lo: string | undefined;
  let hi: string | undefined;
  for (const f of estArr.fragments) {
    const r = f.footer.nonEmptyDomain?.[0];
    if (!r) continue;
    const [a, b] = [String(r[0]), String(r[1])];
    if (lo === undefined || cmp(a, lo) < 0) lo = a;
    if (hi === undefined || cmp(b, hi) > 0) hi = b;
  }
  if (lo === undefined || hi === undefined || shares <= 1) return [];
  const sorted = [...featureIds].sort(cmp);
  const starts = [lo];
  for (let k = 1; k < shares; k++) {
    const b = sorted[Math.floor((k * sorted.length) / shares)];
    if (b !== undefined && cmp(b, starts[starts.length - 1]) > 0 && cmp(b, hi) <= 0) starts.push(b);
  }
  return starts.map((s, i) => [s, i + 1 < starts.length ? starts[i + 1] : hi]);
}

/**
 * Checks one share of the estimators rows (see RowCheckTask): every row once, for a known group and feature,
 * with finite non-negative estimates and consistent n_obs/size_factor within the share. Worker processes run it.
 */
export async function checkEstimatorRows(task: RowCheckTask): Promise<RowCheckResult> {
  const vfs = vfsFor(task.cubeUri);
  const estArr = await openArray(joinUri(task.cubeUri, ESTIMATORS_ARRAY), { vfs });
  return checkRows(estArr, await readFeatureIds(task.cubeUri, vfs), task);
}

async function checkRows(estArr: TileDBArray, featureIds: string[], task: RowCheckTask): Promise<RowCheckResult> {
  const names = estArr.schema.attributes.map((a) => a.name);
  const p = new Problems();
  const rows = new EstimatorRowChecks(names, featureIds, task.groupNObs, task.counts, p, task.stopAt);
  if (estArr.fragments.length > 0) {
    const subarray = task.range ? { feature_id: [task.range] } : undefined;
    // Streamed in global order (feature_id bytes, then obs group) merged over all fragments: a row written
    // twice shows up as two equal neighbours, so memory stays bounded by the batch size.
    for await (const batch of readBatches(estArr, { columns: ["feature_id", "obs_group_joinid", ...names], subarray, order: "global", memoryBudget: 64 << 20 })) {
      if (!rows.check(batch)) break;
    }
  }
  return { nRows: rows.nRows, hasRows: rows.hasRows, firstNObs: rows.groupRowNObs, firstSf: rows.groupRowSf, firstFeature: rows.groupRowFeature, problems: p.list, problemCount: p.count };
}

/** The shares' results as one: their problems in feature order, then n_obs/size_factor that differ between shares. */
function joinShares(results: RowCheckResult[], featureIds: string[], p: Problems): { nRows: number; hasRows: Uint8Array } {
  const [first, ...rest] = results;
  const { hasRows, firstNObs, firstSf, firstFeature } = first;
  let nRows = first.nRows;
  p.join(first.problems, first.problemCount);
  for (const r of rest) {
    nRows += r.nRows;
    p.join(r.problems, r.problemCount);
    for (let g = 0; g < hasRows.length; g++) {
      hasRows[g] |= r.hasRows[g];
      const n = r.firstNObs[g];
      if (Number.isNaN(n)) continue;
      if (Number.isNaN(firstNObs[g])) {
        firstNObs[g] = n;
        firstSf[g] = r.firstSf[g];
        firstFeature[g] = r.firstFeature[g];
      } else if (firstNObs[g] !== n || firstSf[g] !== r.firstSf[g]) {
        p.add(`estimators row ${rowName(g, featureIds[r.firstFeature[g]] ?? "(not in feature ids)")}: n_obs/size_factor differ from other rows of the group`);
      }
    }
  }
  return { nRows, hasRows };
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
  const rows = await checkEstimators(cubeUri, vfs, featureIds, groups.groupNObs, options, p);
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
  /** Per group: the n_obs and size_factor every row of the group must repeat, and the feature of its first row. */
  readonly groupRowNObs: Float32Array;
  readonly groupRowSf: Float32Array;
  readonly groupRowFeature: Int32Array;
  private readonly featureIndex: Map<string, number>;
  private readonly sufficient: boolean[];
  private readonly dec = new TextDecoder();
  private prevFeature = new Uint8Array(0);
  private prevGroup = -1;
  private fid = "";
  private fidIndex = -1;
  /** The bytes of the feature whose rows end the share (see RowCheckTask.stopAt). */
  private readonly stop: Uint8Array | undefined;

  constructor(
    private readonly names: string[],
    featureIds: string[],
    private readonly groupNObs: Int32Array,
    private readonly counts: boolean,
    private readonly p: Problems,
    stopAt?: string,
  ) {
    const nGroups = groupNObs.length;
    this.hasRows = new Uint8Array(nGroups);
    this.groupRowNObs = new Float32Array(nGroups).fill(Number.NaN);
    this.groupRowSf = new Float32Array(nGroups).fill(Number.NaN);
    this.groupRowFeature = new Int32Array(nGroups).fill(-1);
    this.stop = stopAt === undefined ? undefined : new TextEncoder().encode(stopAt);
    this.featureIndex = new Map(featureIds.map((f, i) => [f, i]));
    this.sufficient = names.map((n) => (REQUIRED_ESTIMATORS as readonly string[]).includes(n));
  }

  /** Checks a batch's rows; false once the rows of the stop feature began (the share is done). */
  check(batch: ReadBatch): boolean {
    const { names, groupNObs, hasRows, groupRowNObs, groupRowSf, groupRowFeature, sufficient, stop, p } = this;
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
    let fidIndex = this.fidIndex;
    let i = 0;
    for (; i < batch.length; i++) {
      const g = groups[i];
      // compared in place: no view or string per row, only per feature
      if (!equalRange(bytes, fo[i], fo[i + 1], prevFeature)) {
        if (stop && equalRange(bytes, fo[i], fo[i + 1], stop)) break;
        prevFeature = bytes.slice(fo[i], fo[i + 1]);
        fid = this.dec.decode(prevFeature);
        fidIndex = this.featureIndex.get(fid) ?? -1;
        if (fidIndex < 0) p.add(`estimators rows of feature ${fid}: feature is not in ${FEATURE_IDS_FILE}`);
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
            groupRowFeature[g] = fidIndex;
          } else if (groupRowNObs[g] !== n || groupRowSf[g] !== sfv) {
            p.add(`estimators row ${rowName(g, fid)}: n_obs/size_factor differ from other rows of the group`);
          }
        }
      }
    }
    this.nRows += i;
    this.prevFeature = prevFeature;
    this.prevGroup = prevGroup;
    this.fid = fid;
    this.fidIndex = fidIndex;
    return i === batch.length;
  }
}
