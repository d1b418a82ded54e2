/**
 * One batch of estimator rows → one `estimators` fragment. Rows are checked before anything is written:
 * known groups and features, each (group, feature) once, finite non-negative float32 values, `sumsq >= sum`
 * for counts, and one `n_obs` and `size_factor` per group, `n_obs` at most the group's cell count (the reference
 * counts only the group's cells that have X data).
 */
import { CubeWriterError } from "./errors.js";
import { REQUIRED_ESTIMATORS } from "./layout.js";

const textEncoder = new TextEncoder();

type Floats = Float32Array | Float64Array | ArrayLike<number>;

/** Rows of one batch (the shape of the estimators package's `CubeRows`), plus any extra estimators by name. */
export interface EstimatorRows {
  /** obs_group_joinid of each row. */
  obsGroup: Uint32Array | ArrayLike<number>;
  /** Index of each row's feature in the cube's feature ids (var order). */
  feature: Uint32Array | ArrayLike<number>;
  sum: Floats;
  sumsq: Floats;
  sizeFactor: Floats;
  nObs: Floats;
  /** Extra estimators (attributes after n_obs), by attribute name. */
  extra?: Record<string, Floats>;
}

export interface BatchContext {
  estimatorNames: readonly string[];
  /** Rank of each feature in byte order (see featureRanks). */
  featureRank: Uint32Array;
  featureIds: readonly string[];
  /** n_obs of each obs group. */
  nObs: Int32Array;
  /** 1 for groups already written (by an earlier batch or run). */
  groupWritten: Uint8Array;
  /** Check `sumsq >= sum` (true for raw counts). */
  counts: boolean;
}

function toF32(name: string, v: Floats | undefined, n: number): Float32Array {
  if (v === undefined) throw new CubeWriterError("E_MISSING_COLUMN", `estimators batch: no values for "${name}"`);
  if (v.length !== n) throw new CubeWriterError("E_LENGTH", `estimators batch: "${name}" has ${v.length} values for ${n} rows`);
  // float64 → float32 rounds to nearest, as numpy's astype does
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/** Estimator rows as columns. */
export interface RowColumns {
  n: number;
  /** Index of each row's feature in var order. */
  feature: Uint32Array;
  group: Uint32Array;
  /** Every estimator of the cube, by name. */
  values: Record<string, Float32Array>;
}

/** A validated batch in the estimators array's global order (feature_id bytes, then obs group). */
export interface SortedRows extends RowColumns {
  /** The obs groups the batch covers. */
  groups: number[];
}

/** Validates a batch and puts its rows in global order. */
export function sortEstimatorRows(rows: EstimatorRows, ctx: BatchContext): SortedRows {
  const n = rows?.obsGroup?.length ?? 0;
  if (rows?.feature?.length !== n) throw new CubeWriterError("E_LENGTH", `estimators batch: ${rows?.feature?.length ?? 0} features for ${n} rows`);
  const nGroups = ctx.nObs.length;
  const nFeatures = ctx.featureIds.length;
  // Uint32Array inputs are used as they are (read only); other inputs are copied.
  const group = rows.obsGroup instanceof Uint32Array ? rows.obsGroup : new Uint32Array(n);
  const gene = rows.feature instanceof Uint32Array ? rows.feature : new Uint32Array(n);
  const copyGroup = group !== rows.obsGroup;
  const copyGene = gene !== rows.feature;
  const featureRank = ctx.featureRank;
  // Rows strictly in global order (feature rank, then group) need no sort and cannot repeat a (group, feature).
  let inOrder = true;
  let prevRank = -1;
  let prevGroup = -1;
  const inBatch = new Uint8Array(nGroups);
  const groups: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = rows.obsGroup[i];
    const f = rows.feature[i];
    if (!(Number.isInteger(g) && g >= 0 && g < nGroups)) throw new CubeWriterError("E_UNKNOWN_GROUP", `estimators batch row ${i}: obs_group_joinid ${g} is not one of the cube's ${nGroups} obs groups`);
    if (!(Number.isInteger(f) && f >= 0 && f < nFeatures)) throw new CubeWriterError("E_UNKNOWN_FEATURE", `estimators batch row ${i}: feature index ${f} is not one of the cube's ${nFeatures} features`);
    if (!inBatch[g]) {
      if (ctx.groupWritten[g]) throw new CubeWriterError("E_GROUP_WRITTEN", `estimators batch row ${i}: obs group ${g} was already written; a batch must hold whole obs groups, each written once`);
      inBatch[g] = 1;
      groups.push(g);
    }
    if (copyGroup) group[i] = g;
    if (copyGene) gene[i] = f;
    const r = featureRank[f];
    if (r < prevRank || (r === prevRank && g <= prevGroup)) inOrder = false;
    prevRank = r;
    prevGroup = g;
  }
  const rank = inOrder ? null : Uint32Array.from(gene, (f) => featureRank[f]);
  if (!inOrder) {
    // (group, feature) as one number, sorted to find repeats
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) key[i] = group[i] * nFeatures + gene[i];
    key.sort();
    for (let i = 1; i < n; i++) {
      if (key[i] === key[i - 1]) {
        const g = Math.floor(key[i] / nFeatures);
        throw new CubeWriterError("E_DUPLICATE_ROW", `estimators batch: (obs group ${g}, feature ${ctx.featureIds[key[i] - g * nFeatures]}) appears twice`);
      }
    }
  }
  const values: Record<string, Float32Array> = {
    sum: toF32("sum", rows.sum, n),
    sumsq: toF32("sumsq", rows.sumsq, n),
    size_factor: toF32("size_factor", rows.sizeFactor, n),
    n_obs: toF32("n_obs", rows.nObs, n),
  };
  const extraNames = ctx.estimatorNames.slice(REQUIRED_ESTIMATORS.length);
  for (const k of Object.keys(rows.extra ?? {})) {
    if (!extraNames.includes(k)) throw new CubeWriterError("E_UNKNOWN_ESTIMATOR", `estimators batch: "${k}" is not an estimator of this cube (${ctx.estimatorNames.join(", ")})`);
  }
  for (const k of extraNames) values[k] = toF32(k, rows.extra?.[k], n);
  // One pass over the rows checks every rule. Extra estimators may be NaN: that is how Memento marks an
  // estimate it cannot make (consumers drop it).
  const { sum, sumsq, n_obs, size_factor } = values;
  const firstRow = new Int32Array(nGroups).fill(-1);
  const bad = (name: string, i: number, x: number) =>
    new CubeWriterError("E_BAD_VALUE", `estimators batch: ${name} = ${x} for (obs group ${group[i]}, feature ${ctx.featureIds[gene[i]]}) is ${Number.isNaN(x) ? "NaN" : "not a finite non-negative number"}`);
  for (let i = 0; i < n; i++) {
    const s1 = sum[i];
    const s2 = sumsq[i];
    if (!(s1 >= 0 && s1 !== Number.POSITIVE_INFINITY)) throw bad("sum", i, s1);
    if (!(s2 >= 0 && s2 !== Number.POSITIVE_INFINITY)) throw bad("sumsq", i, s2);
    if (!(size_factor[i] >= 0 && size_factor[i] !== Number.POSITIVE_INFINITY)) throw bad("size_factor", i, size_factor[i]);
    if (!(n_obs[i] >= 0 && n_obs[i] !== Number.POSITIVE_INFINITY)) throw bad("n_obs", i, n_obs[i]);
    if (ctx.counts && s2 < s1) {
      throw new CubeWriterError("E_BAD_VALUE", `estimators batch: sumsq ${s2} < sum ${s1} for (obs group ${group[i]}, feature ${ctx.featureIds[gene[i]]}); impossible for counts`);
    }
    // n_obs counts the group's cells that have X data, as the reference does: at least 1, at most the group
    const g = group[i];
    if (!(Number.isInteger(n_obs[i]) && n_obs[i] >= 1 && n_obs[i] <= ctx.nObs[g])) {
      throw new CubeWriterError("E_BAD_N_OBS", `estimators batch: n_obs ${n_obs[i]} for obs group ${g} is not an integer in [1, ${ctx.nObs[g]}] (the group's cells)`);
    }
    const first = firstRow[g];
    if (first < 0) firstRow[g] = i;
    else if (n_obs[first] !== n_obs[i] || size_factor[first] !== size_factor[i]) {
      throw new CubeWriterError("E_BAD_N_OBS", `estimators batch: obs group ${g} has rows with different n_obs or size_factor (${n_obs[first]}/${size_factor[first]} vs ${n_obs[i]}/${size_factor[i]}); they are per-group values`);
    }
  }
  // Hand the rows over in the array's global order (feature_id bytes, then obs group) so the fragment
  // builder need not sort them.
  if (rank === null) return { n, feature: gene, group, values, groups };
  const perm = globalRowOrder(group, rank, nGroups, nFeatures);
  return { ...permuteRows({ n, feature: gene, group, values }, perm, ctx.estimatorNames), groups };
}

/** The rows in the order `perm` gives. */
export function permuteRows(rows: RowColumns, perm: Uint32Array, estimatorNames: readonly string[]): RowColumns {
  const n = perm.length;
  const values: Record<string, Float32Array> = {};
  for (const e of estimatorNames) values[e] = gather(rows.values[e], perm, new Float32Array(n));
  return { n, feature: gather(rows.feature, perm, new Uint32Array(n)), group: gather(rows.group, perm, new Uint32Array(n)), values };
}

/** `out[k] = src[perm[k]]` for every k of perm; returns out. */
export function gather<T extends Uint32Array | Float32Array>(src: T, perm: Uint32Array, out: T): T {
  for (let k = 0; k < perm.length; k++) out[k] = src[perm[k]];
  return out;
}

/**
 * The rows' order in the estimators array's global order: by feature rank (in [0, nRanks)), then group
 * (stable). Two counting passes; the group pass is skipped when rows already come by group.
 */
export function globalRowOrder(group: Uint32Array, rank: Uint32Array, nGroups: number, nRanks: number): Uint32Array {
  const n = group.length;
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let byGroup = true;
  for (let i = 1; i < n && byGroup; i++) if (group[i] < group[i - 1]) byGroup = false;
  if (!byGroup) {
    countingSortBy(order, group, nGroups, spare);
    [order, spare] = [spare, order];
  }
  countingSortBy(order, rank, nRanks, spare);
  return spare;
}

/** Stable counting sort of `order` by key[i] in [0, buckets), into `out`. */
function countingSortBy(order: Uint32Array, key: Uint32Array, buckets: number, out: Uint32Array): void {
  const count = new Uint32Array(buckets + 1);
  for (let k = 0; k < order.length; k++) count[key[order[k]] + 1]++;
  for (let b = 0; b < buckets; b++) count[b + 1] += count[b];
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    out[count[key[i]]++] = i;
  }
}

/** Rank of each feature id in byte order (the order of the ascii feature_id dimension). */
export function featureRanks(featureBytes: Uint8Array[]): Uint32Array {
  const idx = featureBytes.map((_, i) => i);
  idx.sort((a, b) => compareBytes(featureBytes[a], featureBytes[b]));
  const rank = new Uint32Array(featureBytes.length);
  idx.forEach((f, r) => {
    rank[f] = r;
  });
  return rank;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return a[k] - b[k];
  return a.length - b.length;
}

export function encodeFeatureIds(featureIds: readonly string[]): Uint8Array[] {
  const seen = new Set<string>();
  return featureIds.map((id, i) => {
    if (typeof id !== "string" || id.length === 0) throw new CubeWriterError("E_BAD_FEATURE_ID", `feature id ${i} (${String(id)}) must be a non-empty string`);
    // the feature_id dimension is ascii
    if (!/^[\x20-\x7e]+$/.test(id)) throw new CubeWriterError("E_BAD_FEATURE_ID", `feature id ${JSON.stringify(id)} is not printable ASCII`);
    if (seen.has(id)) throw new CubeWriterError("E_BAD_FEATURE_ID", `feature id ${id} appears twice`);
    seen.add(id);
    return textEncoder.encode(id);
  });
}
