/** DE of one chunk of features: read their estimator rows for the selected groups, then the estimators' DE. */
import type { Cube } from "@census-cube/cube-writer";
import { differentialExpression } from "@census-cube/estimators";
import type { SelectedGroups } from "./query.js";

/** Fraction of the cube's obs groups under which the read itself selects them (see cube-writer's openCube). */
const FEW_GROUPS = 0.1;

export interface ChunkInput {
  /** Features of the chunk, contiguous in byte order (one read range). */
  features: string[];
  groups: SelectedGroups;
  treatment: string;
  covariates: string[];
  sign: 1 | -1;
  /** Bytes of decoded tiles a read holds at once. */
  memoryBudget?: number;
}

/** Per tested feature (var positions); features without any valid estimate are left out, as in the reference. */
export interface ChunkResult {
  feature: Uint32Array;
  coef: Float64Array;
  se: Float64Array;
  z: Float64Array;
  pval: Float64Array;
  /** Memento mean of each arm's pooled statistics: (Σ sum + 1) / (Σ size_factor + 1) over the arm's groups. */
  meanControl: Float64Array;
  meanCase: Float64Array;
  /** Estimator rows read. */
  rows: number;
}

export async function computeChunk(cube: Cube, input: ChunkInput): Promise<ChunkResult> {
  const { groups } = input;
  const parts: { feature: Uint32Array; group: Uint32Array; sum: Float32Array; sumsq: Float32Array; sizeFactor: Float32Array; nObs: Float32Array }[] = [];
  let n = 0;
  // DE skips rows of groups it was not given: the read filters groups only when few are selected (then tiles are
  // skipped), not when most are (dropping rows there would only copy the batches).
  const fewGroups = groups.obsGroupJoinid.length <= cube.nObsGroups * FEW_GROUPS;
  for await (const b of cube.estimators({
    features: input.features,
    obsGroups: fewGroups ? groups.obsGroupJoinid : undefined,
    estimators: ["sum", "sumsq", "size_factor", "n_obs"],
    memoryBudget: input.memoryBudget,
  })) {
    parts.push({
      feature: b.getChild("feature_id")!.data[0].values as Uint32Array,
      group: b.getChild("obs_group_joinid")!.data[0].values as Uint32Array,
      sum: b.getChild("sum")!.data[0].values as Float32Array,
      sumsq: b.getChild("sumsq")!.data[0].values as Float32Array,
      sizeFactor: b.getChild("size_factor")!.data[0].values as Float32Array,
      nObs: b.getChild("n_obs")!.data[0].values as Float32Array,
    });
    n += b.numRows;
  }
  // Genes numbered by their rank in the chunk (byte order, the order rows arrive in), so DE need not sort them.
  const rankOfVar = new Int32Array(cube.features.length).fill(-1);
  const varOfRank = new Uint32Array(input.features.length);
  const varIndex = new Map(cube.features.map((f, i) => [f, i]));
  input.features.forEach((f, r) => {
    const v = varIndex.get(f) as number;
    rankOfVar[v] = r;
    varOfRank[r] = v;
  });
  const gene = joinParts(parts.map((p) => p.feature), Uint32Array, n);
  const rankGene = gene === parts[0]?.feature ? new Uint32Array(n) : gene;
  for (let i = 0; i < n; i++) rankGene[i] = rankOfVar[gene[i]];
  const rows = {
    feature: rankGene,
    obsGroup: joinParts(parts.map((p) => p.group), Uint32Array, n),
    sum: joinParts(parts.map((p) => p.sum), Float32Array, n),
    sumsq: joinParts(parts.map((p) => p.sumsq), Float32Array, n),
    sizeFactor: joinParts(parts.map((p) => p.sizeFactor), Float32Array, n),
    nObs: joinParts(parts.map((p) => p.nObs), Float32Array, n),
  };
  parts.length = 0;
  const de = differentialExpression({
    obsGroups: { obsGroupJoinid: groups.obsGroupJoinid, nObs: groups.nObs, columns: groups.columns },
    cube: rows,
    treatment: input.treatment,
    covariates: input.covariates,
  });
  if (input.sign < 0) {
    for (let i = 0; i < de.coef.length; i++) {
      de.coef[i] = -de.coef[i];
      de.z[i] = -de.z[i];
    }
  }
  // Arm means from the same rows: sums per (feature, arm) in float64.
  let maxJoinid = 0;
  for (const g of groups.obsGroupJoinid) maxJoinid = Math.max(maxJoinid, g);
  const armOf = new Int8Array(maxJoinid + 1).fill(-1);
  groups.obsGroupJoinid.forEach((g, k) => {
    armOf[g] = groups.arm[k];
  });
  const slot = new Int32Array(input.features.length).fill(-1);
  de.feature.forEach((r, k) => {
    slot[r] = k;
  });
  const totals = new Float64Array(de.feature.length * 4); // sum and size_factor of control, then of case
  for (let i = 0; i < n; i++) {
    const k = slot[rows.feature[i]];
    const g = rows.obsGroup[i];
    const a = g <= maxJoinid ? armOf[g] : -1;
    if (k < 0 || a < 0) continue;
    totals[4 * k + 2 * a] += rows.sum[i];
    totals[4 * k + 2 * a + 1] += rows.sizeFactor[i];
  }
  const meanControl = new Float64Array(de.feature.length);
  const meanCase = new Float64Array(de.feature.length);
  for (let k = 0; k < de.feature.length; k++) {
    meanControl[k] = (totals[4 * k] + 1) / (totals[4 * k + 1] + 1);
    meanCase[k] = (totals[4 * k + 2] + 1) / (totals[4 * k + 3] + 1);
  }
  const feature = Uint32Array.from(de.feature, (r) => varOfRank[r]);
  return { feature, coef: de.coef, se: de.se, z: de.z, pval: de.pval, meanControl, meanCase, rows: n };
}

function joinParts<T extends Uint32Array | Float32Array>(parts: T[], C: { new (n: number): T }, n: number): T {
  if (parts.length === 1) return parts[0];
  const out = new C(n);
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}
