import erfc from "@stdlib/math-base-special-erfc";
import { type ColumnInput, codeColumn } from "./columns.js";
import { EstimatorsError } from "./errors.js";
import { pinvFirstRow } from "./linalg.js";
import { numpyLogf } from "./logf.js";
import { compareCodePoints, pairwiseSum64 } from "./numeric.js";
import { assignGroups } from "./obs-groups.js";
import { meanSemFromStats } from "./stats-estimators.js";

const f = Math.fround;
/**
 * Singular values under this fraction of the largest count as rank deficiency, as in scikit-learn's
 * LinearRegression (its `tol`, 1e-6 since 1.7). Centering a confounded dummy design leaves rounding noise around
 * 1e-16..1e-14 of the largest singular value; a cutoff at machine epsilon can keep that noise and invert it.
 */
const RANK_CUTOFF = 1e-6;
/** numpy.linalg.pinv's default cutoff. */
const PINV_RCOND = 1e-15;
/** Estimates the reference puts in for a selected group where a gene has no (valid) statistics. */
const MISSING_MEAN = 1e-3;
const MISSING_SEM = 1e-4;

export interface DeInput {
  /** The obs groups selected by the query (e.g. a filter on the cube's obs_groups array). */
  obsGroups: {
    obsGroupJoinid: ArrayLike<number>;
    nObs: ArrayLike<number>;
    /** At least the treatment and covariate columns, one value per obs group. */
    columns: Record<string, ColumnInput>;
  };
  /** Cube rows (any subset of genes; rows of groups not selected are ignored). */
  cube: {
    obsGroup: ArrayLike<number>;
    feature: ArrayLike<number>;
    sum: Float32Array;
    sumsq: Float32Array;
    sizeFactor: Float32Array;
    nObs: Float32Array;
  };
  treatment: string;
  covariates?: readonly string[];
}

export interface DeResult {
  /** Genes with at least one valid estimate, ascending. */
  feature: Uint32Array;
  /** Treatment effect on log mean expression (second treatment value vs the first, in code-point order). */
  coef: Float64Array;
  /** Standard error of `coef` (the square root of the first diagonal entry of (X^T W X)^+). */
  se: Float64Array;
  z: Float64Array;
  /** Two-sided normal p-value. */
  pval: Float64Array;
}

export interface DeDesign {
  variables: string[];
  /** Selected-variables group of each obs group (-1: a missing value, dropped). */
  groupOf: Int32Array;
  nGroups: number;
  /** Cells per selected-variables group: the regression weights. */
  cellCounts: Float64Array;
  /** Drop-first dummy columns, column-major nGroups × columnNames.length, 0/1. */
  design: Float64Array;
  columnNames: string[];
}

/** The reference's design: groups over [treatment, ...covariates], then drop-first dummies of their string values. */
export function buildDesign(input: DeInput): DeDesign {
  const { obsGroups, treatment } = input;
  const n = obsGroups.obsGroupJoinid.length;
  if (obsGroups.nObs.length !== n) {
    throw new EstimatorsError("E_LENGTH_MISMATCH", `obsGroups.nObs has ${obsGroups.nObs.length} values, expected ${n}`);
  }
  const variables = [treatment, ...(input.covariates ?? []).filter((c) => c !== treatment)];
  const columns: Record<string, ColumnInput> = {};
  for (const v of variables) {
    const col = obsGroups.columns[v];
    if (col === undefined) throw new EstimatorsError("E_MISSING_COLUMN", `obs group column ${v} is missing`);
    columns[v] = col;
  }
  const t = codeColumn(treatment, columns[treatment], n);
  const seen = new Set<number>();
  for (const c of t.codes) if (c >= 0) seen.add(c);
  if (seen.size !== 2) {
    const values = [...seen].map((c) => t.categories[c]).slice(0, 5);
    throw new EstimatorsError(
      "E_TREATMENT_NOT_BINARY",
      `treatment ${treatment} has ${seen.size} distinct values among the selected obs groups (${values.join(", ")}${seen.size > 5 ? ", ..." : ""}): need exactly 2`,
    );
  }
  const groups = assignGroups(columns, variables);
  const G = groups.nGroups;
  const cellCounts = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const g = groups.groupIds[i];
    if (g < 0) continue;
    const c = obsGroups.nObs[i];
    if (!(c >= 0)) throw new EstimatorsError("E_INVALID_COUNT", `obsGroups.nObs[${i}] is ${c}: must be >= 0`);
    cellCounts[g] += c;
  }
  const columnNames: string[] = [];
  const dummies: Float64Array[] = [];
  groups.columns.forEach((col, ci) => {
    const keys = groups.keyCodes[ci];
    const values = [...new Set(Array.from(keys, (c) => col.categories[c]))].sort(compareCodePoints);
    for (const value of values.slice(1)) {
      const d = new Float64Array(G);
      for (let g = 0; g < G; g++) d[g] = col.categories[keys[g]] === value ? 1 : 0;
      columnNames.push(`${col.name}_${value}`);
      dummies.push(d);
    }
  });
  const design = new Float64Array(G * dummies.length);
  dummies.forEach((d, k) => {
    design.set(d, k * G);
  });
  return { variables, groupOf: groups.groupIds, nGroups: G, cellCounts, design, columnNames };
}

/**
 * Weighted least squares with an intercept, as scikit-learn's `LinearRegression().fit(X, y, sample_weight=w)`:
 * X and y centred on their weighted means, rows scaled by sqrt(w), then the minimum-norm least-squares solution
 * (singular values <= eps·max dropped, like LAPACK's gelsd). The design is fixed, so the pseudo-inverse is
 * computed once; the returned function gives the first coefficient for any y.
 */
export function wlsFirstCoefficient(
  design: Float64Array,
  nRows: number,
  nCols: number,
  weights: ArrayLike<number>,
): (y: ArrayLike<number>) => number {
  if (design.length !== nRows * nCols || weights.length !== nRows) {
    throw new EstimatorsError(
      "E_LENGTH_MISMATCH",
      `design has ${design.length} values for ${nRows} x ${nCols}, weights has ${weights.length}`,
    );
  }
  const w = Float64Array.from(weights);
  const sw = pairwiseSum64(w, 0, nRows);
  if (!(sw > 0)) throw new EstimatorsError("E_INVALID_ARGUMENT", "regression weights sum to 0");
  const sqrtW = w.map(Math.sqrt);
  const a = new Float64Array(nRows * nCols);
  for (let k = 0; k < nCols; k++) {
    const col = design.subarray(k * nRows, (k + 1) * nRows);
    const off = pairwiseSum64(col.map((x, g) => x * w[g]), 0, nRows) / sw;
    for (let g = 0; g < nRows; g++) a[k * nRows + g] = (col[g] - off) * sqrtW[g];
  }
  const row = pinvFirstRow(a, nRows, nCols, RANK_CUTOFF);
  const yw = new Float64Array(nRows);
  return (y) => {
    for (let g = 0; g < nRows; g++) yw[g] = y[g] * w[g];
    const yOff = pairwiseSum64(yw, 0, nRows) / sw;
    let coef = 0;
    for (let g = 0; g < nRows; g++) coef += row[g] * (y[g] - yOff) * sqrtW[g];
    return coef;
  };
}

/** One step of a Kahan-compensated float32 sum (pandas' groupby sum of a float32 column). */
function kahanAdd(sum: Float32Array, comp: Float32Array, g: number, v: number): void {
  const yk = f(v - comp[g]);
  const t = f(sum[g] + yk);
  comp[g] = f(f(t - sum[g]) - yk);
  sum[g] = t;
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * Memento differential expression of mean from cube rows, as the reference consumer computes it: statistics
 * summed per (gene, selected-variables group) in float32, mean/sem, invalid rows (sem <= 0 or sem >= mean)
 * dropped, missing groups filled with mean 1e-3 / sem 1e-4, log transform, weighted least squares with
 * weights n_obs on the drop-first dummy design, and z from the inverse of X^T diag(1/selm^2) X.
 */
export function differentialExpression(input: DeInput): DeResult {
  const d = buildDesign(input);
  const { cube, obsGroups } = input;
  const G = d.nGroups;
  const p = d.columnNames.length;
  const nRows = cube.feature.length;
  for (const [name, arr] of Object.entries(cube)) {
    if ((arr as ArrayLike<number>).length !== nRows) {
      throw new EstimatorsError("E_LENGTH_MISMATCH", `cube.${name} has ${(arr as ArrayLike<number>).length} rows, cube.feature has ${nRows}`);
    }
  }
  // Selected-variables group of each obs group joinid (-1: not selected), as a typed table.
  let maxJoinid = -1;
  for (let i = 0; i < obsGroups.obsGroupJoinid.length; i++) maxJoinid = Math.max(maxJoinid, obsGroups.obsGroupJoinid[i]);
  const selOf = new Int32Array(maxJoinid + 1).fill(-1);
  for (let i = 0; i < obsGroups.obsGroupJoinid.length; i++) {
    if (d.groupOf[i] >= 0) selOf[obsGroups.obsGroupJoinid[i]] = d.groupOf[i];
  }
  const { obsGroup, feature: geneOf } = cube;
  const isSelected = (i: number) => {
    const g = obsGroup[i];
    return g <= maxJoinid && selOf[g] >= 0;
  };

  // Rows of selected groups in (gene, obs group) order: the cube's global order, which the sums follow. Rows that
  // come in that order already (an estimators read by feature rank) are not sorted again.
  let nSel = 0;
  let ordered = true;
  let prev = -1;
  for (let i = 0; i < nRows; i++) {
    if (!isSelected(i)) continue;
    if (prev >= 0 && (geneOf[i] < geneOf[prev] || (geneOf[i] === geneOf[prev] && obsGroup[i] < obsGroup[prev]))) ordered = false;
    prev = i;
    nSel++;
  }
  const rows = new Uint32Array(nSel);
  for (let i = 0, k = 0; i < nRows; i++) if (isSelected(i)) rows[k++] = i;
  if (!ordered) rows.sort((a, b) => geneOf[a] - geneOf[b] || obsGroup[a] - obsGroup[b]);

  const w = d.cellCounts;
  const fitCoef = wlsFirstCoefficient(d.design, G, p, w);

  const genes: number[] = [];
  const coefs: number[] = [];
  const ses: number[] = [];
  const zs: number[] = [];
  const ps: number[] = [];
  const agg = { sum: new Float32Array(G), sumsq: new Float32Array(G), sizeFactor: new Float32Array(G), nObs: new Float32Array(G) };
  const comp = { sum: new Float32Array(G), sumsq: new Float32Array(G), sizeFactor: new Float32Array(G), nObs: new Float32Array(G) };
  const present = new Uint8Array(G);
  const y = new Float64Array(G);
  const weight = new Float64Array(G);
  const m = new Float64Array(p * p);
  const names = ["sum", "sumsq", "sizeFactor", "nObs"] as const;

  let r = 0;
  while (r < rows.length) {
    const gene = geneOf[rows[r]];
    for (const k of names) {
      agg[k].fill(0);
      comp[k].fill(0);
    }
    present.fill(0);
    for (; r < rows.length && geneOf[rows[r]] === gene; r++) {
      const i = rows[r];
      const g = selOf[obsGroup[i]];
      present[g] = 1;
      // pandas' groupby sum: Kahan-compensated, in the column's float32.
      kahanAdd(agg.sum, comp.sum, g, cube.sum[i]);
      kahanAdd(agg.sumsq, comp.sumsq, g, cube.sumsq[i]);
      kahanAdd(agg.sizeFactor, comp.sizeFactor, g, cube.sizeFactor[i]);
      kahanAdd(agg.nObs, comp.nObs, g, cube.nObs[i]);
    }
    const { mean, sem } = meanSemFromStats(agg);
    let valid = 0;
    for (let g = 0; g < G; g++) {
      if (present[g] && (sem[g] <= 0 || sem[g] >= mean[g])) present[g] = 0;
      if (!present[g]) {
        mean[g] = MISSING_MEAN;
        sem[g] = MISSING_SEM;
      } else valid++;
    }
    if (valid === 0) continue;
    let selmOk = true;
    for (let g = 0; g < G; g++) {
      const mg = mean[g];
      const sg = sem[g];
      y[g] = numpyLogf(mg);
      const selm = f(f(numpyLogf(f(mg + sg)) - numpyLogf(f(mg - sg))) / 2);
      if (!(selm > 0)) selmOk = false;
      weight[g] = f(1 / f(selm * selm));
    }
    const coef = fitCoef(y);
    let z = Number.NaN;
    let se = Number.NaN;
    if (selmOk) {
      m.fill(0);
      for (let g = 0; g < G; g++) {
        for (let j = 0; j < p; j++) {
          const xj = d.design[j * G + g];
          if (xj === 0) continue;
          for (let k = 0; k < p; k++) m[k * p + j] += xj * weight[g] * d.design[k * G + g];
        }
      }
      const inv00 = pinvFirstRow(m, p, p, PINV_RCOND)[0];
      se = Math.sqrt(inv00);
      z = coef / se;
    }
    genes.push(gene);
    coefs.push(coef);
    ses.push(se);
    zs.push(z);
    ps.push(Number.isNaN(z) ? Number.NaN : twoSidedNormalP(z));
  }
  return {
    feature: Uint32Array.from(genes),
    coef: Float64Array.from(coefs),
    se: Float64Array.from(ses),
    z: Float64Array.from(zs),
    pval: Float64Array.from(ps),
  };
}

/**
 * Benjamini–Hochberg adjusted p-values (the step-up false discovery rate procedure, as
 * `scipy.stats.false_discovery_control(p, method="bh")`): p·m/rank, made monotone from the largest p down, capped
 * at 1. NaN p-values stay NaN and are not counted in m.
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.length).fill(Number.NaN);
  const order: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (Number.isNaN(v)) continue;
    if (!(v >= 0 && v <= 1)) throw new EstimatorsError("E_INVALID_ARGUMENT", `p-value ${i} is ${v}: must be in [0, 1]`);
    order.push(i);
  }
  order.sort((a, b) => p[a] - p[b] || a - b);
  const m = order.length;
  let min = 1;
  for (let k = m - 1; k >= 0; k--) {
    min = Math.min(min, (p[order[k]] * m) / (k + 1));
    out[order[k]] = min;
  }
  return out;
}
